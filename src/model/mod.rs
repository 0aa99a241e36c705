//! The data model shared by every layer: experiments, runs, metric summaries and points.
//!
//! Owns plain data only; it knows nothing about where the data came from or how it is shown.

use std::collections::BTreeMap;
use std::fmt;

mod keymap;
pub use keymap::KeyMap;

/// Run status, as MLflow's `RunStatus` enum (file stores keep it as 1..=5, SQL and REST as names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RunStatus {
    Running,
    Scheduled,
    Finished,
    Failed,
    Killed,
}

impl RunStatus {
    /// The name MLflow uses in SQL, REST and `search_runs` output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "RUNNING",
            Self::Scheduled => "SCHEDULED",
            Self::Finished => "FINISHED",
            Self::Failed => "FAILED",
            Self::Killed => "KILLED",
        }
    }

    /// Parses a status name (case-insensitive).
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s.trim().to_ascii_uppercase().as_str() {
            "RUNNING" => Self::Running,
            "SCHEDULED" => Self::Scheduled,
            "FINISHED" => Self::Finished,
            "FAILED" => Self::Failed,
            "KILLED" => Self::Killed,
            _ => return None,
        })
    }

    /// Parses the integer code a file store writes in `meta.yaml`.
    pub fn from_code(code: i64) -> Option<Self> {
        Some(match code {
            1 => Self::Running,
            2 => Self::Scheduled,
            3 => Self::Finished,
            4 => Self::Failed,
            5 => Self::Killed,
            _ => return None,
        })
    }

    /// True for states in which the run may still log data.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Running | Self::Scheduled)
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Lifecycle stage of an experiment or run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Lifecycle {
    #[default]
    Active,
    Deleted,
}

impl Lifecycle {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Deleted => "deleted",
        }
    }

    /// Parses a lifecycle stage; MLflow treats anything but `deleted` as active.
    pub fn parse(s: &str) -> Self {
        if s.trim().eq_ignore_ascii_case("deleted") {
            Self::Deleted
        } else {
            Self::Active
        }
    }
}

impl fmt::Display for Lifecycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which lifecycle stages a query includes (MLflow's `ViewType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ViewType {
    #[default]
    Active,
    Deleted,
    All,
}

impl ViewType {
    pub fn includes(self, stage: Lifecycle) -> bool {
        match self {
            Self::Active => stage == Lifecycle::Active,
            Self::Deleted => stage == Lifecycle::Deleted,
            Self::All => true,
        }
    }
}

/// How many runs of an experiment are active and how many deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunCount {
    pub active: usize,
    pub deleted: usize,
}

impl RunCount {
    /// Counts one more run in `stage` (or one less, when `up` is false).
    pub fn bump(&mut self, stage: Lifecycle, up: bool) {
        let n = match stage {
            Lifecycle::Active => &mut self.active,
            Lifecycle::Deleted => &mut self.deleted,
        };
        *n = if up { *n + 1 } else { n.saturating_sub(1) };
    }

    /// `16`, or `16 (+1 deleted)` when some runs are deleted.
    pub fn label(self) -> String {
        if self.deleted == 0 {
            self.active.to_string()
        } else {
            format!("{} (+{} deleted)", self.active, self.deleted)
        }
    }
}

/// An MLflow experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    pub experiment_id: String,
    pub name: String,
    pub lifecycle: Lifecycle,
    pub artifact_location: String,
    pub creation_time: Option<i64>,
    pub last_update_time: Option<i64>,
    pub tags: BTreeMap<String, String>,
}

/// One logged metric value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricPoint {
    pub step: i64,
    pub timestamp: i64,
    pub value: f64,
}

impl MetricPoint {
    /// MLflow's notion of "later": larger (step, timestamp), then larger value.
    /// A NaN value never wins a tie, exactly as Python's tuple `max` behaves.
    pub fn supersedes(&self, other: &MetricPoint) -> bool {
        match (self.step, self.timestamp).cmp(&(other.step, other.timestamp)) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => self.value > other.value,
        }
    }
}

/// Min and max of the non-NaN values of a metric (NaN when there are none) and its point
/// count: what a summary gains when a store finds them after the latest value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricExtent {
    pub min: f64,
    pub max: f64,
    pub count: u64,
}

/// Summary of one metric of one run: the latest point plus min, max and count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricSummary {
    /// The latest point by MLflow's rule (max by step, timestamp, value).
    pub latest: MetricPoint,
    /// Smallest non-NaN value (NaN when every value is NaN).
    pub min: f64,
    /// Largest non-NaN value (NaN when every value is NaN).
    pub max: f64,
    /// Number of logged points, or `None` when the source does not know it cheaply.
    pub count: Option<u64>,
}

impl MetricSummary {
    /// Summary of a single point.
    pub fn from_point(p: MetricPoint) -> Self {
        let mut s = Self {
            latest: p,
            min: f64::NAN,
            max: f64::NAN,
            count: Some(1),
        };
        s.fold_extremes(p.value);
        s
    }

    /// Adds one more point, in the order it was logged.
    pub fn push(&mut self, p: MetricPoint) {
        if p.supersedes(&self.latest) {
            self.latest = p;
        }
        self.fold_extremes(p.value);
        self.count = self.count.map(|c| c + 1);
    }

    fn fold_extremes(&mut self, v: f64) {
        if v.is_nan() {
            return;
        }
        if self.min.is_nan() || v < self.min {
            self.min = v;
        }
        if self.max.is_nan() || v > self.max {
            self.max = v;
        }
    }

    /// Takes min, max and count found after the latest value (see [`MetricExtent`]).
    pub fn set_extent(&mut self, e: MetricExtent) {
        self.min = e.min;
        self.max = e.max;
        self.count = Some(e.count);
    }

    /// Summarises a series of points in logging order; `None` for an empty series.
    pub fn from_points(points: &[MetricPoint]) -> Option<Self> {
        let (first, rest) = points.split_first()?;
        let mut s = Self::from_point(*first);
        for p in rest {
            s.push(*p);
        }
        Some(s)
    }
}

/// A dataset used as a run input (MLflow 2.4+).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DatasetInput {
    pub name: String,
    pub digest: String,
    /// The `mlflow.data.context` input tag, e.g. `training`.
    pub context: Option<String>,
    pub source_type: String,
    pub source: String,
}

/// A key or value of a run's params, tags and metrics: kept inline up to 24 bytes (most
/// keys and values of a sweep), so that a 100,000-run store needs no allocation per entry.
pub type Text = compact_str::CompactString;

/// An MLflow run with everything but metric histories.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub run_id: String,
    pub run_name: String,
    pub experiment_id: String,
    pub status: RunStatus,
    pub lifecycle: Lifecycle,
    pub user_id: String,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub artifact_uri: String,
    pub params: KeyMap<Text>,
    pub tags: KeyMap<Text>,
    pub metrics: KeyMap<MetricSummary>,
    pub datasets: Vec<DatasetInput>,
    /// Aggregates of metric histories beyond the summaries (`first`, `mean`, `@N`, ...),
    /// present only when a load or a later request computed them.
    pub aggregates: crate::aggregate::MetricAggs,
}

impl Run {
    /// The parent run id of a nested run.
    pub fn parent_id(&self) -> Option<&str> {
        self.tags.get(TAG_PARENT_RUN).map(Text::as_str)
    }

    /// Wall-clock duration in ms: to the end time, or to `now` for a run still going.
    pub fn duration_ms(&self, now_ms: i64) -> Option<i64> {
        let start = self.start_time?;
        match self.end_time {
            Some(end) => Some(end - start),
            None if self.status.is_active() => Some(now_ms - start),
            None => None,
        }
    }
}

pub const TAG_RUN_NAME: &str = "mlflow.runName";
pub const TAG_PARENT_RUN: &str = "mlflow.parentRunId";
pub const TAG_NOTE: &str = "mlflow.note.content";
pub const TAG_USER: &str = "mlflow.user";

#[cfg(test)]
mod tests {
    use super::*;

    fn p(step: i64, timestamp: i64, value: f64) -> MetricPoint {
        MetricPoint {
            step,
            timestamp,
            value,
        }
    }

    #[test]
    fn latest_is_max_by_step_timestamp_value_not_last_line() {
        let s = MetricSummary::from_points(&[p(1, 1000, 1.0), p(1, 1000, 2.0), p(0, 5000, 0.5)])
            .expect("non-empty");
        assert_eq!(s.latest, p(1, 1000, 2.0));
        assert_eq!((s.min, s.max, s.count), (0.5, 2.0, Some(3)));
    }

    #[test]
    fn nan_never_wins_a_tie_and_is_left_out_of_extremes() {
        let s = MetricSummary::from_points(&[p(0, 1, 3.0), p(0, 1, f64::NAN)]).expect("non-empty");
        assert_eq!(s.latest.value, 3.0);
        let s = MetricSummary::from_points(&[p(0, 1, f64::NAN), p(0, 1, 3.0)]).expect("non-empty");
        assert!(
            s.latest.value.is_nan(),
            "a later equal-key value is not > NaN"
        );
        assert_eq!((s.min, s.max), (3.0, 3.0));
        let s = MetricSummary::from_points(&[p(0, 1, f64::NAN)]).expect("non-empty");
        assert!(s.min.is_nan() && s.max.is_nan());
    }

    #[test]
    fn status_codes_and_names() {
        for code in 1..=5 {
            let st = RunStatus::from_code(code).expect("valid code");
            assert_eq!(RunStatus::from_name(st.as_str()), Some(st));
        }
        assert_eq!(RunStatus::from_code(9), None);
        assert_eq!(Lifecycle::parse("deleted"), Lifecycle::Deleted);
        assert_eq!(Lifecycle::parse("whatever"), Lifecycle::Active);
    }
}
