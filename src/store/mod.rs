//! Reading MLflow tracking data: one module per backend behind the small [`Store`] trait.
//!
//! Owns fetching and parsing only. It never writes to a store and never imports UI crates.

pub mod artifacts;
mod file;
mod file_aggs;
mod file_follow;
mod file_follow_run;
mod file_keys;
mod file_registry;
mod follow;
mod fsread;
mod fuzz_hooks;
mod http;
mod locate;
mod metric_file;
mod mysql;
mod postgres;
mod postgres_tls;
pub mod registry;
mod sample;
mod sql;
mod sqlite;
mod sqlite_aggs;
mod sqlite_bulk;
mod sqlite_metrics;
mod sqlite_read;
mod sqlite_vfs;
mod warning_log;
pub mod watch;
mod watch_schedule;
mod yaml;

use std::ops::ControlFlow;
use std::path::PathBuf;

use crate::aggregate::{Agg, Fold, MetricAgg};
use crate::model::{Experiment, MetricPoint, Run, RunCount};

pub use file::FileStore;
pub use follow::{Cause, Change, Follower, follow};
pub use http::{Auth, HttpOptions, HttpStore, Tls, mask_userinfo};
pub use locate::{SourceSpec, parse_source, resolve_source};
pub use registry::Catalog;
pub use sample::Sampler;
pub use sql::uri::{DbKind, DbUri};
pub(crate) use sqlite::SqliteStore;
#[doc(hidden)]
pub use sqlite_read::take_longest_read_lock;
pub use warning_log::{WarningLog, thousands};
pub use watch::WatchSet;

/// Most points handed over at once by [`Store::metric_history_chunks`].
pub const HISTORY_CHUNK: usize = 8192;

/// Errors from opening or reading a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No source was given and none was found in the usual places.
    #[error("no MLflow store found: {0}")]
    NotFound(String),
    /// A file or directory could not be read.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file was read but its content is not what MLflow writes.
    #[error("{path}: {message}")]
    BadData { path: PathBuf, message: String },
    /// A SQLite database could not be queried.
    #[error("{path}: {message}")]
    Sqlite { path: PathBuf, message: String },
    /// A database server (PostgreSQL, MySQL) refused or failed a query, or its content is
    /// not MLflow's. `location` is the URI (password masked), maybe with a table and run.
    #[error("{location}: {message}")]
    Database { location: String, message: String },
    /// The source is valid but not supported by this build.
    #[error("{0}")]
    Unsupported(String),
    /// A run id that the store does not hold.
    #[error("run {0} not found")]
    RunNotFound(String),
    /// A tracking server answered with an error, or with something that is not MLflow's
    /// REST API. `code` is MLflow's `error_code` (e.g. `INVALID_PARAMETER_VALUE`) when the
    /// answer carried one.
    #[error("{url}: {message}")]
    Http {
        url: String,
        status: Option<u16>,
        code: Option<String>,
        message: String,
    },
    /// A tracking server could not be reached: refused, unknown host, no connection in
    /// time, or a TLS failure.
    #[error("cannot connect to {url}: {message}")]
    Unreachable { url: String, message: String },
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn bad(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::BadData {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// A problem with one part of a store that did not stop the rest from loading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The file, directory or table row concerned.
    pub location: String,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.location.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.location, self.message)
        }
    }
}

impl From<StoreError> for Warning {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Io { path, source } => Warning {
                location: path.display().to_string(),
                message: source.to_string(),
            },
            StoreError::BadData { path, message } | StoreError::Sqlite { path, message } => {
                Warning {
                    location: path.display().to_string(),
                    message,
                }
            }
            StoreError::Database { location, message } => Warning { location, message },
            other => Warning {
                location: String::new(),
                message: other.to_string(),
            },
        }
    }
}

/// Experiments of a store, with warnings about the ones that could not be read.
#[derive(Debug, Default)]
pub struct ExperimentList {
    pub experiments: Vec<Experiment>,
    pub warnings: Vec<Warning>,
}

/// A batch of runs delivered while loading; a source may send several.
#[derive(Debug, Default)]
pub struct RunBatch {
    pub runs: Vec<Run>,
    pub warnings: Vec<Warning>,
    /// Min, max and count of metrics of runs sent earlier with their latest values only (a
    /// follower's first load of a big SQLite store shows every row before it scans every
    /// logged point).
    pub summaries: Vec<LateSummaries>,
}

/// Min, max and count of the metrics of one run, sent after the run itself.
#[derive(Debug, Clone, PartialEq)]
pub struct LateSummaries {
    pub run_id: String,
    pub metrics: Vec<(crate::model::Text, crate::model::MetricExtent)>,
}

/// Which metric summaries a load needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Summaries {
    /// Latest value of each metric, plus min, max and point count.
    #[default]
    Full,
    /// Only the latest value: a store may leave min, max and count unknown (`NaN`, `NaN`,
    /// `None`) when computing them costs a pass over every logged point (SQLite).
    Latest,
}

/// What a load of runs asks of a store: one value that grows with new needs, rather than
/// one more [`Store`] method per need.
#[derive(Debug, Clone, Copy)]
pub struct RunQuery<'a> {
    /// The experiments whose runs are wanted.
    pub experiments: &'a [Experiment],
    /// An MLflow filter string (MLflow's own grammar) the store may narrow the runs with.
    pub narrow: Option<&'a str>,
    pub summaries: Summaries,
    /// Aggregates of metric histories to compute for every run (into `Run::aggregates`),
    /// beyond what `summaries` gives.
    pub aggregates: &'a [MetricAgg],
}

impl<'a> RunQuery<'a> {
    /// Every run of `experiments`, with full metric summaries.
    pub fn all(experiments: &'a [Experiment]) -> Self {
        Self {
            experiments,
            narrow: None,
            summaries: Summaries::Full,
            aggregates: &[],
        }
    }

    /// The narrowing filter, when there is a non-blank one.
    pub fn narrow(&self) -> Option<&'a str> {
        self.narrow.filter(|f| !f.trim().is_empty())
    }
}

/// Aggregates computed for some runs; see [`Store::metric_aggregates`].
#[derive(Debug, Default, Clone, PartialEq)]
pub struct AggBatch {
    /// How many more of the asked-for runs are finished with this batch (for progress).
    pub runs_done: usize,
    /// `(run id, metric key, aggregate, value)` for runs that have the metric; `None` is an
    /// aggregate without a value (see [`crate::aggregate`]).
    pub values: Vec<(String, String, Agg, Option<f64>)>,
}

impl AggBatch {
    /// Adds the values of `wanted` aggregates of `key` from a fold of a run's points (none
    /// when the run has no point of that metric).
    pub fn push_fold(&mut self, run_id: &str, key: &str, wanted: &[Agg], fold: &Fold) {
        if fold.count == 0 {
            return;
        }
        for &agg in wanted {
            self.values
                .push((run_id.to_string(), key.to_string(), agg, fold.value(agg)));
        }
    }
}

/// `wanted` grouped by metric key (first-seen order), leaving out latest values, which
/// every load has.
pub fn aggs_by_key(wanted: &[MetricAgg]) -> Vec<(&str, Vec<Agg>)> {
    let mut out: Vec<(&str, Vec<Agg>)> = Vec::new();
    for m in wanted.iter().filter(|m| m.agg != Agg::Latest) {
        match out.iter_mut().find(|(k, _)| *k == m.key) {
            Some((_, aggs)) if !aggs.contains(&m.agg) => aggs.push(m.agg),
            Some(_) => {}
            None => out.push((&m.key, vec![m.agg])),
        }
    }
    out
}

/// Stores the values of a batch in the runs they belong to.
pub fn apply_aggs(runs: &mut [Run], batch: &AggBatch) {
    let at: std::collections::HashMap<String, usize> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| (r.run_id.clone(), i))
        .collect();
    for (id, key, agg, v) in &batch.values {
        if let Some(&i) = at.get(id.as_str()) {
            runs[i].aggregates.set(key, *agg, *v);
        }
    }
}

/// Runs of a batch: aggregates computed by `metric_aggregates` before they are sent on.
pub(crate) fn with_aggregates(
    store: &dyn Store,
    runs: &mut [Run],
    wanted: &[MetricAgg],
) -> Result<(), StoreError> {
    if runs.is_empty() || aggs_by_key(wanted).is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = runs.iter().map(|r| r.run_id.clone()).collect();
    let mut batches = Vec::new();
    store.metric_aggregates(&ids, wanted, &mut |b| batches.push(b))?;
    for b in &batches {
        apply_aggs(runs, b);
    }
    Ok(())
}

/// The default [`Store::metric_aggregates`]: each run's history, folded.
pub(crate) fn aggregates_from_histories<S: Store + ?Sized>(
    store: &S,
    run_ids: &[String],
    wanted: &[MetricAgg],
    sink: &mut dyn FnMut(AggBatch),
) -> Result<(), StoreError> {
    let by_key = aggs_by_key(wanted);
    for chunk in run_ids.chunks(64) {
        let mut batch = AggBatch {
            runs_done: chunk.len(),
            values: Vec::new(),
        };
        for id in chunk {
            for (key, aggs) in &by_key {
                let points = match store.metric_history(id, key) {
                    Ok(p) => p,
                    // A run deleted since it was listed has nothing to aggregate.
                    Err(StoreError::RunNotFound(_)) => Vec::new(),
                    Err(e) => return Err(e),
                };
                batch.push_fold(id, key, aggs, &Fold::of(&points, aggs));
            }
        }
        sink(batch);
    }
    Ok(())
}

/// A read-only MLflow tracking store.
///
/// Implementations are synchronous and safe to share between threads; callers that must
/// stay responsive (the TUI) call them from a worker thread. Models, the registry and
/// artifacts come through the supertrait [`Catalog`] (`registry` module), whose methods
/// have defaults.
pub trait Store: Send + Sync + Catalog {
    /// A short human description, e.g. `file store /data/mlruns`.
    fn describe(&self) -> String;

    /// Every experiment, active and deleted.
    fn experiments(&self) -> Result<ExperimentList, StoreError>;

    /// The runs (active and deleted) that `query` asks for, delivered in one or more
    /// batches through `sink`. Broken runs become warnings in a batch, not errors.
    ///
    /// A store may deliver more than the query's narrowing filter matches (only a server
    /// and stores that can evaluate a filter exactly narrow at all): callers apply their
    /// whole filter to what arrives.
    fn runs(&self, query: &RunQuery<'_>, sink: &mut dyn FnMut(RunBatch)) -> Result<(), StoreError>;

    /// The number of active and deleted runs of each experiment, when the store can count
    /// them without reading the runs; `None` means the caller must load them to count.
    fn run_counts(
        &self,
        experiments: &[Experiment],
    ) -> Result<Option<std::collections::HashMap<String, RunCount>>, StoreError> {
        let _ = experiments;
        Ok(None)
    }

    /// One run by id, with its metric summaries.
    fn run(&self, run_id: &str) -> Result<Run, StoreError>;

    /// Aggregates of metric histories (`min`, `first`, `mean`, `@N`, ...) of runs the
    /// caller already has, delivered in batches through `sink` so that callers can show
    /// progress. Runs without the metric get no value; runs the store no longer has are
    /// skipped. The default reads each history; local stores compute them more cheaply.
    fn metric_aggregates(
        &self,
        run_ids: &[String],
        wanted: &[MetricAgg],
        sink: &mut dyn FnMut(AggBatch),
    ) -> Result<(), StoreError> {
        aggregates_from_histories(self, run_ids, wanted, sink)
    }

    /// Every logged point of one metric of one run, in the order the store returns them.
    fn metric_history(&self, run_id: &str, key: &str) -> Result<Vec<MetricPoint>, StoreError>;

    /// The points of [`Store::metric_history`], delivered in chunks of at most
    /// [`HISTORY_CHUNK`] points (in the same order) to `sink`, which may stop the reading by
    /// returning `Break`. A store that overrides this reads in constant memory whatever the
    /// history's length; the default reads the whole history first.
    fn metric_history_chunks(
        &self,
        run_id: &str,
        key: &str,
        sink: &mut dyn FnMut(&[MetricPoint]) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let points = self.metric_history(run_id, key)?;
        for chunk in points.chunks(HISTORY_CHUNK) {
            if sink(chunk).is_break() {
                break;
            }
        }
        Ok(())
    }

    /// True when `metric_history_for_chart` may return a sample (a server downsamples; any
    /// store samples a very long history), so a zoomed chart should ask again for the zoomed
    /// step range.
    fn samples_histories(&self) -> bool {
        true
    }

    /// A follower that finds changes more cheaply than reloading everything, if the store
    /// has one (see [`follow`]).
    fn follower(&self) -> Option<Box<dyn Follower>> {
        None
    }

    /// Points of one metric for several runs, for drawing: at most about `max_points` per
    /// run, optionally only steps within `steps` (inclusive). A server may downsample on its
    /// side to `max_points`; by default every point of a history is returned up to
    /// [`sample::EXACT_LIMIT`], and a longer one is sampled while it is read (the first,
    /// last, lowest and highest point of each stretch of steps and of time), so that memory
    /// stays bounded whatever the history's length.
    fn metric_history_for_chart(
        &self,
        run_ids: &[String],
        key: &str,
        max_points: usize,
        steps: Option<(i64, i64)>,
    ) -> Result<Vec<(String, Vec<MetricPoint>)>, StoreError> {
        let _ = max_points;
        per_run(run_ids, |id| {
            let mut sampler = sample::Sampler::new();
            self.metric_history_chunks(id, key, &mut |chunk| {
                for p in chunk {
                    if steps.is_none_or(|(lo, hi)| p.step >= lo && p.step <= hi) {
                        sampler.push(*p);
                    }
                }
                ControlFlow::Continue(())
            })?;
            Ok((id.to_string(), sampler.finish()))
        })
    }
}

/// Every point of metric `key` of each run (as [`Store::metric_history`]), several runs read
/// at once.
pub fn histories(
    store: &dyn Store,
    run_ids: &[String],
    key: &str,
) -> Result<Vec<(String, Vec<MetricPoint>)>, StoreError> {
    per_run(run_ids, |id| {
        Ok((id.to_string(), store.metric_history(id, key)?))
    })
}

/// `f` of each run id, in their order, on up to one thread per core: reading the histories
/// of several runs (files or index walks, each on its own connection) overlaps their waits
/// and uses every core. The first error wins.
pub(crate) fn per_run<T: Send>(
    run_ids: &[String],
    f: impl Fn(&str) -> Result<T, StoreError> + Sync,
) -> Result<Vec<T>, StoreError> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(run_ids.len());
    if threads < 2 {
        return run_ids.iter().map(|id| f(id)).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, Result<T, StoreError>)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(id) = run_ids.get(i) else { break };
                        mine.push((i, f(id)));
                    }
                    mine
                })
            })
            .collect();
        let mut all = Vec::with_capacity(run_ids.len());
        for w in workers {
            match w.join() {
                Ok(part) => all.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        all
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[doc(hidden)]
pub fn fuzz_metric_lines(data: &[u8]) {
    fuzz_hooks::metric_lines(data);
}

#[doc(hidden)]
pub fn fuzz_meta_yaml(data: &[u8]) {
    fuzz_hooks::meta_yaml(data);
}

#[doc(hidden)]
pub fn fuzz_rest_page(data: &[u8]) {
    http::fuzz_page(data);
}

/// Opens the store that `spec` names.
pub fn open(spec: &SourceSpec) -> Result<Box<dyn Store>, StoreError> {
    match spec {
        SourceSpec::File(path) => Ok(Box::new(FileStore::open(path)?)),
        SourceSpec::Sqlite(path) => Ok(Box::new(SqliteStore::open_sqlite(path)?)),
        SourceSpec::Http(url) => Ok(Box::new(HttpStore::open(url)?)),
        SourceSpec::Database(uri) => match uri.kind {
            DbKind::Postgres => Ok(Box::new(postgres::PostgresStore::open_postgres(uri)?)),
            DbKind::Mysql => Ok(Box::new(mysql::MysqlStore::open_mysql(uri)?)),
        },
    }
}

/// The ids of `experiments`.
pub(crate) fn experiment_ids(experiments: &[Experiment]) -> Vec<String> {
    experiments
        .iter()
        .map(|e| e.experiment_id.clone())
        .collect()
}
