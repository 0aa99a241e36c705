//! Columns of the run table: attributes, metrics, params and tags, with their names in
//! MLflow's `search_runs` spelling (`metrics.loss`, `params.lr`, `tags.team`).

use std::borrow::Cow;
use std::fmt;

use crate::model::Run;

/// A run attribute that can be shown as a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Attr {
    RunId,
    RunName,
    ExperimentId,
    Status,
    Lifecycle,
    User,
    StartTime,
    EndTime,
    Duration,
    ArtifactUri,
}

impl Attr {
    pub const ALL: [Attr; 10] = [
        Attr::RunId,
        Attr::RunName,
        Attr::ExperimentId,
        Attr::Status,
        Attr::Lifecycle,
        Attr::User,
        Attr::StartTime,
        Attr::EndTime,
        Attr::Duration,
        Attr::ArtifactUri,
    ];

    /// The column name used in CSV headers and `--columns`.
    pub fn name(self) -> &'static str {
        match self {
            Attr::RunId => "run_id",
            Attr::RunName => "run_name",
            Attr::ExperimentId => "experiment_id",
            Attr::Status => "status",
            Attr::Lifecycle => "lifecycle_stage",
            Attr::User => "user_id",
            Attr::StartTime => "start_time",
            Attr::EndTime => "end_time",
            Attr::Duration => "duration",
            Attr::ArtifactUri => "artifact_uri",
        }
    }

    fn from_name(s: &str) -> Option<Attr> {
        let s = s
            .strip_prefix("attributes.")
            .or_else(|| s.strip_prefix("attribute."))
            .unwrap_or(s);
        Attr::ALL.into_iter().find(|a| a.name() == s).or(match s {
            "name" => Some(Attr::RunName),
            "user" => Some(Attr::User),
            "created" => Some(Attr::StartTime),
            "lifecycle" => Some(Attr::Lifecycle),
            _ => None,
        })
    }
}

/// One column of a run table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Column {
    Attr(Attr),
    Metric(String),
    Param(String),
    Tag(String),
}

/// A cell value, typed so that sorting, diffing and each output format can treat it right.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Missing,
    Text(&'a str),
    Number(f64),
    /// Milliseconds since the Unix epoch.
    Time(i64),
    /// A span in milliseconds.
    Duration(i64),
}

impl Value<'_> {
    pub fn is_missing(&self) -> bool {
        matches!(self, Value::Missing)
    }

    /// The value as text: short (`0.123457`, `2026-11-26 19:57`, `5m59s`) or precise enough
    /// to tell any two different values apart (`0.12345671`, `2026-11-26 19:57:51.123`,
    /// `5m59.123s`). Text is returned as stored (escape it before showing it).
    pub fn text(&self, precise: bool) -> String {
        use crate::text;
        match (self, precise) {
            (Value::Missing, _) => "-".into(),
            (Value::Text(s), _) => (*s).to_string(),
            (Value::Number(n), false) => text::float_short(*n),
            (Value::Number(n), true) => text::float_exact(*n),
            (Value::Time(t), false) => text::time_short(*t),
            (Value::Time(t), true) => text::time_precise(*t),
            (Value::Duration(d), false) => text::duration_short(*d),
            (Value::Duration(d), true) => text::duration_precise(*d),
        }
    }
}

impl Column {
    /// Parses `metrics.x`, `params.x`, `tags.x` (and MLflow's aliases) or an attribute name.
    pub fn parse(s: &str) -> Option<Column> {
        let s = s.trim();
        if let Some(a) = Attr::from_name(s) {
            return Some(Column::Attr(a));
        }
        let (entity, key) = s.split_once('.')?;
        if key.is_empty() {
            return None;
        }
        let key = key.to_string();
        match entity {
            "metrics" | "metric" => Some(Column::Metric(key)),
            "params" | "param" | "parameters" | "parameter" => Some(Column::Param(key)),
            "tags" | "tag" => Some(Column::Tag(key)),
            _ => None,
        }
    }

    /// The full column name (`metrics.loss`).
    pub fn name(&self) -> Cow<'_, str> {
        match self {
            Column::Attr(a) => Cow::Borrowed(a.name()),
            Column::Metric(k) => Cow::Owned(format!("metrics.{k}")),
            Column::Param(k) => Cow::Owned(format!("params.{k}")),
            Column::Tag(k) => Cow::Owned(format!("tags.{k}")),
        }
    }

    /// The short label for a table header: the key without its entity prefix.
    pub fn label(&self) -> &str {
        match self {
            Column::Attr(a) => a.name(),
            Column::Metric(k) | Column::Param(k) | Column::Tag(k) => k,
        }
    }

    /// This column's value for `run`. `now_ms` dates the duration of running runs.
    pub fn value<'r>(&self, run: &'r Run, now_ms: i64) -> Value<'r> {
        let text = |s: &'r str| Value::Text(s);
        let time = |t: Option<i64>| t.map_or(Value::Missing, Value::Time);
        match self {
            Column::Attr(a) => match a {
                Attr::RunId => text(&run.run_id),
                Attr::RunName => text(&run.run_name),
                Attr::ExperimentId => text(&run.experiment_id),
                Attr::Status => text(run.status.as_str()),
                Attr::Lifecycle => text(run.lifecycle.as_str()),
                Attr::User => text(&run.user_id),
                Attr::StartTime => time(run.start_time),
                Attr::EndTime => time(run.end_time),
                Attr::Duration => run
                    .duration_ms(now_ms)
                    .map_or(Value::Missing, Value::Duration),
                Attr::ArtifactUri => text(&run.artifact_uri),
            },
            Column::Metric(k) => run
                .metrics
                .get(k)
                .map_or(Value::Missing, |m| Value::Number(m.latest.value)),
            Column::Param(k) => run.params.get(k).map_or(Value::Missing, |v| text(v)),
            Column::Tag(k) => run.tags.get(k).map_or(Value::Missing, |v| text(v)),
        }
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// The attribute columns of `mlflow.search_runs()`'s DataFrame, in its order.
pub const SEARCH_RUNS_ATTRS: [Attr; 6] = [
    Attr::RunId,
    Attr::ExperimentId,
    Attr::Status,
    Attr::ArtifactUri,
    Attr::StartTime,
    Attr::EndTime,
];

/// The columns of `mlflow.search_runs()`'s DataFrame for `runs`: `run_id, experiment_id,
/// status, artifact_uri, start_time, end_time`, then every metric, param and tag key that
/// occurs. Each group is sorted by key (MLflow's order within a group is Python's set
/// order, which changes from one process to the next).
pub fn search_runs_columns<'a>(runs: impl IntoIterator<Item = &'a Run> + Clone) -> Vec<Column> {
    let mut cols: Vec<Column> = SEARCH_RUNS_ATTRS.into_iter().map(Column::Attr).collect();
    let keys = KeySets::of(runs);
    cols.extend(keys.metrics.into_iter().map(Column::Metric));
    cols.extend(keys.params.into_iter().map(Column::Param));
    cols.extend(keys.tags.into_iter().map(Column::Tag));
    cols
}

/// Every metric, param and tag key that occurs in a set of runs, sorted.
#[derive(Debug, Default)]
pub struct KeySets {
    pub metrics: Vec<String>,
    pub params: Vec<String>,
    pub tags: Vec<String>,
}

impl KeySets {
    pub fn of<'a>(runs: impl IntoIterator<Item = &'a Run>) -> Self {
        use std::collections::BTreeSet;
        let (mut m, mut p, mut t) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        for run in runs {
            m.extend(run.metrics.keys());
            p.extend(run.params.keys());
            t.extend(run.tags.keys());
        }
        let own = |s: BTreeSet<&String>| s.into_iter().cloned().collect();
        Self {
            metrics: own(m),
            params: own(p),
            tags: own(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_name_round_trip() {
        for s in [
            "run_id",
            "status",
            "metrics.train/loss",
            "params.opt/name",
            "tags.mlflow.runName",
        ] {
            let c = Column::parse(s).expect(s);
            assert_eq!(c.name(), s);
        }
        assert_eq!(
            Column::parse("metric.acc"),
            Some(Column::Metric("acc".into()))
        );
        assert_eq!(
            Column::parse("attributes.run_name"),
            Some(Column::Attr(Attr::RunName))
        );
        assert_eq!(
            Column::parse("created"),
            Some(Column::Attr(Attr::StartTime))
        );
        assert_eq!(Column::parse("foo.bar"), None);
        assert_eq!(Column::parse("metrics."), None);
        assert_eq!(Column::parse("nonsense"), None);
    }
}
