//! Reading MLflow tracking data: one module per backend behind the small [`Store`] trait.
//!
//! Owns fetching and parsing only. It never writes to a store and never imports UI crates.

pub mod artifacts;
mod file;
mod file_follow;
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
mod sqlite_metrics;
mod sqlite_read;
mod sqlite_vfs;
mod warning_log;
mod yaml;

use std::ops::ControlFlow;
use std::path::PathBuf;

use crate::model::{Experiment, MetricPoint, Run, RunCount};

pub use file::FileStore;
pub use follow::{Change, Follower, follow};
pub use http::{Auth, HttpOptions, HttpStore, Tls, mask_userinfo};
pub use locate::{SourceSpec, parse_source, resolve_source};
pub use registry::Catalog;
pub use sample::Sampler;
pub use sql::uri::{DbKind, DbUri};
pub(crate) use sqlite::SqliteStore;
#[doc(hidden)]
pub use sqlite_read::take_longest_read_lock;
pub use warning_log::{WarningLog, thousands};

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
}

impl<'a> RunQuery<'a> {
    /// Every run of `experiments`, with full metric summaries.
    pub fn all(experiments: &'a [Experiment]) -> Self {
        Self {
            experiments,
            narrow: None,
            summaries: Summaries::Full,
        }
    }

    /// The narrowing filter, when there is a non-blank one.
    pub fn narrow(&self) -> Option<&'a str> {
        self.narrow.filter(|f| !f.trim().is_empty())
    }
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
        run_ids
            .iter()
            .map(|id| {
                let mut sampler = sample::Sampler::new();
                self.metric_history_chunks(id, key, &mut |chunk| {
                    for p in chunk {
                        if steps.is_none_or(|(lo, hi)| p.step >= lo && p.step <= hi) {
                            sampler.push(*p);
                        }
                    }
                    ControlFlow::Continue(())
                })?;
                Ok((id.clone(), sampler.finish()))
            })
            .collect()
    }
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
