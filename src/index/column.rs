//! Columns of the run table: attributes, metrics, params and tags, with their names in
//! MLflow's `search_runs` spelling (`metrics.loss`, `params.lr`, `tags.team`).

use std::borrow::Cow;
use std::fmt;

use crate::aggregate::{Agg, split_key};
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
    /// The latest value of a metric (`metrics.KEY`).
    Metric(String),
    Param(String),
    Tag(String),
    /// Another aggregate of a metric's history (`metrics.KEY:min`, `metrics.KEY@1000`);
    /// never `Agg::Latest`, which is `Metric`.
    MetricAgg(String, Agg),
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
    /// A whole number: a point count or a step.
    Int(i64),
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
            (Value::Int(i), _) => i.to_string(),
        }
    }
}

impl Column {
    /// Parses `metrics.x`, `params.x`, `tags.x` (and MLflow's aliases) or an attribute name.
    /// A metric may carry an aggregate: `metrics.val/loss:min`, `metrics.loss@1000`; a key
    /// in backticks is taken as written (`` metrics.`x:min` `` is the metric named `x:min`).
    pub fn parse(s: &str) -> Option<Column> {
        let s = s.trim();
        if let Some(a) = Attr::from_name(s) {
            return Some(Column::Attr(a));
        }
        let (entity, key) = s.split_once('.')?;
        if key.is_empty() {
            return None;
        }
        if matches!(entity, "metrics" | "metric") {
            return Column::metric_spelled(key);
        }
        let key = unquote(key)?.to_string();
        match entity {
            "params" | "param" | "parameters" | "parameter" => Some(Column::Param(key)),
            "tags" | "tag" => Some(Column::Tag(key)),
            _ => None,
        }
    }

    /// A metric column from the text after `metrics.`: `val/loss`, `val/loss:min`, or a
    /// backticked key with an optional aggregate after it.
    fn metric_spelled(spec: &str) -> Option<Column> {
        let (key, agg) = match spec.strip_prefix('`') {
            Some(rest) => {
                let (key, after) = rest.split_once('`')?;
                let agg = if after.is_empty() {
                    Agg::Latest
                } else {
                    match split_key(&format!("k{after}")) {
                        ("k", agg) if agg != Agg::Latest || after == ":latest" => agg,
                        _ => return None,
                    }
                };
                (key, agg)
            }
            None => split_key(spec),
        };
        if key.is_empty() {
            return None;
        }
        Some(Column::metric(key, agg))
    }

    /// The column of `agg` of metric `key` (`Metric` for the latest value).
    pub fn metric(key: impl Into<String>, agg: Agg) -> Column {
        match agg {
            Agg::Latest => Column::Metric(key.into()),
            agg => Column::MetricAgg(key.into(), agg),
        }
    }

    /// The metric key and aggregate of a metric column.
    pub fn metric_parts(&self) -> Option<(&str, Agg)> {
        match self {
            Column::Metric(k) => Some((k, Agg::Latest)),
            Column::MetricAgg(k, a) => Some((k, *a)),
            _ => None,
        }
    }

    /// True for columns whose values are numbers (metrics, counts, steps, durations).
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Column::Metric(_) | Column::MetricAgg(..) | Column::Attr(Attr::Duration)
        )
    }

    /// The full column name (`metrics.loss`).
    pub fn name(&self) -> Cow<'_, str> {
        match self {
            Column::Attr(a) => Cow::Borrowed(a.name()),
            Column::Metric(k) => Cow::Owned(format!("metrics.{k}")),
            Column::Param(k) => Cow::Owned(format!("params.{k}")),
            Column::Tag(k) => Cow::Owned(format!("tags.{k}")),
            Column::MetricAgg(k, a) => Cow::Owned(format!("metrics.{k}{}", a.suffix())),
        }
    }

    /// The short label for a table header: the key without its entity prefix (with its
    /// aggregate: `val/loss:min`).
    pub fn label(&self) -> Cow<'_, str> {
        match self {
            Column::Attr(a) => Cow::Borrowed(a.name()),
            Column::Metric(k) | Column::Param(k) | Column::Tag(k) => Cow::Borrowed(k),
            Column::MetricAgg(k, a) => Cow::Owned(format!("{k}{}", a.suffix())),
        }
    }

    /// This column's value for `run`. `now_ms` dates the duration of running runs.
    pub fn value<'r>(&self, run: &'r Run, now_ms: i64) -> Value<'r> {
        let mut no_hint = usize::MAX;
        self.value_hinted(run, now_ms, &mut no_hint)
    }

    /// [`Column::value`], looking a param, tag or metric up at `*hint` first (see
    /// [`crate::model::KeyMap::get_hinted`]): for the same column of many runs in a row.
    pub fn value_hinted<'r>(&self, run: &'r Run, now_ms: i64, hint: &mut usize) -> Value<'r> {
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
                .get_hinted(k.as_str(), hint)
                .map_or(Value::Missing, |m| Value::Number(m.latest.value)),
            Column::Param(k) => run
                .params
                .get_hinted(k.as_str(), hint)
                .map_or(Value::Missing, |v| text(v)),
            Column::Tag(k) => run
                .tags
                .get_hinted(k.as_str(), hint)
                .map_or(Value::Missing, |v| text(v)),
            Column::MetricAgg(k, a) => aggregate_value(run, k, *a),
        }
    }
}

/// `agg` of metric `key` of `run`: computed aggregates first, else what the summary knows
/// (latest always; min, max and count when the store counted the points). Missing when the
/// run lacks the metric or the value is not known (yet).
pub fn aggregate_value(run: &Run, key: &str, agg: Agg) -> Value<'static> {
    let num = |v: f64| {
        if agg.is_integer() {
            Value::Int(v as i64)
        } else {
            Value::Number(v)
        }
    };
    if let Some(v) = run.aggregates.get(key, agg) {
        return v.map_or(Value::Missing, num);
    }
    let Some(s) = run.metrics.get(key) else {
        return Value::Missing;
    };
    match (agg, s.count) {
        (Agg::Latest, _) => Value::Number(s.latest.value),
        (Agg::Min, Some(_)) => Value::Number(s.min),
        (Agg::Max, Some(_)) => Value::Number(s.max),
        (Agg::Count, Some(c)) => Value::Int(c as i64),
        _ => Value::Missing,
    }
}

/// True when `agg` of `key` is known for `run` without a history (computed, or in the
/// summary), or the run does not have the metric at all.
pub fn aggregate_known(run: &Run, key: &str, agg: Agg) -> bool {
    if run.aggregates.get(key, agg).is_some() {
        return true;
    }
    match run.metrics.get(key) {
        None => true,
        Some(s) => match agg {
            Agg::Latest => true,
            Agg::Min | Agg::Max | Agg::Count => s.count.is_some(),
            _ => false,
        },
    }
}

/// A key as written after an entity: backticks or double quotes around it are removed.
fn unquote(key: &str) -> Option<&str> {
    for q in ['`', '"'] {
        if let Some(rest) = key.strip_prefix(q) {
            return rest.strip_suffix(q).filter(|k| !k.is_empty());
        }
    }
    Some(key)
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
        // Runs of a sweep mostly hold the same keys as the run before: comparing the sorted
        // key lists is far cheaper than inserting every key again.
        let mut last: Option<&Run> = None;
        for run in runs {
            if last.is_some_and(|l| same_keys(l, run)) {
                continue;
            }
            last = Some(run);
            m.extend(run.metrics.keys());
            p.extend(run.params.keys());
            t.extend(run.tags.keys());
        }
        let own = |s: BTreeSet<&crate::model::Text>| s.into_iter().map(|k| k.to_string()).collect();
        Self {
            metrics: own(m),
            params: own(p),
            tags: own(t),
        }
    }
}

/// True when two runs hold exactly the same metric, param and tag keys.
fn same_keys(a: &Run, b: &Run) -> bool {
    a.metrics.len() == b.metrics.len()
        && a.params.len() == b.params.len()
        && a.tags.len() == b.tags.len()
        && a.metrics.keys().eq(b.metrics.keys())
        && a.params.keys().eq(b.params.keys())
        && a.tags.keys().eq(b.tags.keys())
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

    #[test]
    fn aggregate_columns_parse_and_name() {
        let c = |s: &str| Column::parse(s).expect(s);
        assert_eq!(
            c("metrics.val/loss:min"),
            Column::MetricAgg("val/loss".into(), Agg::Min)
        );
        assert_eq!(
            c("metrics.val/acc:max_step"),
            Column::MetricAgg("val/acc".into(), Agg::MaxStep)
        );
        assert_eq!(
            c("metrics.val/loss@1000"),
            Column::MetricAgg("val/loss".into(), Agg::At(1000))
        );
        assert_eq!(c("metrics.loss:latest"), Column::Metric("loss".into()));
        assert_eq!(c("metrics.a:b"), Column::Metric("a:b".into()));
        assert_eq!(c("metrics.`x:min`"), Column::Metric("x:min".into()));
        assert_eq!(
            c("metrics.`val/loss`:mean"),
            Column::MetricAgg("val/loss".into(), Agg::Mean)
        );
        assert_eq!(Column::parse("metrics.`x`:nope"), None);
        assert_eq!(
            Column::parse("metrics.:min"),
            Some(Column::Metric(":min".into()))
        );
        for s in [
            "metrics.val/loss:min",
            "metrics.val/loss:max",
            "metrics.val/loss:first",
            "metrics.val/loss:mean",
            "metrics.val/loss:count",
            "metrics.val/loss:min_step",
            "metrics.val/loss:max_step",
            "metrics.val/loss@-3",
        ] {
            assert_eq!(c(s).name(), s);
        }
        assert_eq!(c("metrics.val/loss:min").label(), "val/loss:min");
    }

    #[test]
    fn aggregate_values_come_from_computed_values_then_the_summary() {
        use crate::index::tests::run_with;
        let mut r = run_with("a", 1, &[("loss", 0.5)], &[]);
        let min = |r: &Run| aggregate_value(r, "loss", Agg::Min);
        assert_eq!(min(&r), Value::Number(0.5));
        r.metrics.get_mut("loss").expect("loss").count = None;
        assert_eq!(min(&r), Value::Missing, "unknown without a count");
        assert!(!aggregate_known(&r, "loss", Agg::Min));
        r.aggregates.set("loss", Agg::Min, Some(0.25));
        r.aggregates.set("loss", Agg::MinStep, Some(7.0));
        r.aggregates.set("loss", Agg::At(3), None);
        assert_eq!(min(&r), Value::Number(0.25));
        let col = |a| Column::MetricAgg("loss".into(), a).value(&r, 0);
        assert_eq!(col(Agg::MinStep), Value::Int(7));
        assert_eq!(col(Agg::At(3)), Value::Missing);
        assert_eq!(col(Agg::Mean), Value::Missing);
        assert!(aggregate_known(&r, "other", Agg::Mean), "no such metric");
    }
}
