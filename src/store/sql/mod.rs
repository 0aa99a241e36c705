//! MLflow's SQL tracking stores — SQLite, PostgreSQL and MySQL/MariaDB — read by one reader:
//! the queries live here once; a [`Backend`] connects, runs them (SQLite in short rowid
//! slices, servers in single statements) and says where its dialect differs ([`Dialect`]).

pub(crate) mod cell;
pub(crate) mod credentials;
pub(crate) mod dialect;
pub(crate) mod extremes;
pub(crate) mod fill;
mod follow;
mod follow_steps;
mod history;
pub(crate) mod load;
pub(crate) mod narrow;
mod preview;
mod registry;
pub(crate) mod schema;
pub mod uri;

use std::collections::{BTreeMap, HashMap};

use crate::model::{Experiment, Lifecycle, MetricPoint, Run, RunCount};

use super::{ExperimentList, RunBatch, RunQuery, Store, StoreError, Summaries};
pub(crate) use cell::{Cell, Cells, Row, Warnings};
pub(crate) use dialect::Dialect;
pub(crate) use extremes::{Extremes, RunExtremes};
pub(crate) use schema::Schema;

/// A query parameter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg {
    Text(String),
    Int(i64),
    Real(f64),
}

/// A read of one table (aliased `t`, optionally joined), filtered by `cond`: every matching
/// row, in no particular order. SQLite runs it as many short statements over rowid ranges;
/// a server as one statement. With `group`, rows are partial aggregates per rowid range on
/// SQLite, which the caller combines.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scan<'a> {
    pub table: &'a str,
    pub join: &'a str,
    pub cols: &'a str,
    pub cond: Option<&'a str>,
    pub group: Option<&'a str>,
    pub args: &'a [Arg],
}

impl<'a> Scan<'a> {
    pub fn new(table: &'a str, cols: &'a str) -> Self {
        Self {
            table,
            join: "",
            cols,
            cond: None,
            group: None,
            args: &[],
        }
    }

    /// The whole statement, as a server runs it.
    pub fn sql(&self) -> String {
        let mut sql = format!("SELECT {} FROM {} t {}", self.cols, self.table, self.join);
        if let Some(c) = self.cond {
            sql.push_str(" WHERE ");
            sql.push_str(c);
        }
        if let Some(g) = self.group {
            sql.push_str(" GROUP BY ");
            sql.push_str(g);
        }
        sql
    }
}

/// One connection to a database, used by one thread at a time.
pub(crate) trait Conn: Send {
    /// Runs one statement (written with `?` parameters and `"quoted"` identifiers, see
    /// [`Dialect::prepare`]) and hands each row to `f`. For small results only.
    fn query(
        &mut self,
        sql: &str,
        args: &[Arg],
        f: &mut dyn FnMut(&dyn Row),
    ) -> Result<(), StoreError>;

    /// Every row of a [`Scan`], in bounded statements where that matters.
    fn scan(&mut self, scan: &Scan<'_>, f: &mut dyn FnMut(&dyn Row)) -> Result<(), StoreError> {
        self.query(&scan.sql(), scan.args, f)
    }

    /// Starts what one call of the store reads: a read-only transaction with one snapshot
    /// for servers; nothing for SQLite, whose statements must each stay short.
    fn begin(&mut self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Ends what [`Conn::begin`] started.
    fn end(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// A TLS failure as "TLS: what" with what to do about a certificate the roots do not know.
pub(crate) fn tls_hint(message: String) -> String {
    let Some(at) = message.find("invalid peer certificate") else {
        return message;
    };
    let what = message[at..]
        .trim_end_matches(['\'', '`', '}', ' '])
        .to_string();
    let hint = if what.contains("UnknownIssuer") {
        " (the server's certificate is not signed by a known CA: name its CA with \
         sslrootcert= / PGSSLROOTCERT for PostgreSQL, ssl_ca= / MLFLOW_MYSQL_SSL_CA for MySQL)"
    } else if what.contains("not valid for name") {
        " (connect by a name the certificate holds, or verify the chain only: \
         sslmode=verify-ca / ssl-mode=VERIFY_CA)"
    } else {
        ""
    };
    format!("TLS: {what}{hint}")
}

/// How long one statement may run on a database server: `MLTUI_STATEMENT_TIMEOUT` seconds,
/// 30 by default.
pub(crate) fn statement_timeout() -> Result<std::time::Duration, String> {
    match std::env::var("MLTUI_STATEMENT_TIMEOUT") {
        Ok(v) if !v.trim().is_empty() => match v.trim().parse::<f64>() {
            Ok(s) if s.is_finite() && s > 0.0 && s < 1e6 => {
                Ok(std::time::Duration::from_secs_f64(s))
            }
            _ => Err(format!(
                "MLTUI_STATEMENT_TIMEOUT={v:?}: expected a number of seconds > 0"
            )),
        },
        _ => Ok(std::time::Duration::from_secs(30)),
    }
}

/// A database MLflow tracks in.
pub(crate) trait Backend: Send + Sync + Clone + Sized + 'static {
    type Conn: Conn;
    const DIALECT: Dialect;

    /// e.g. `SQLite /data/mlflow.db`, `PostgreSQL postgresql://***@db/mlflow`.
    fn describe(&self) -> String;

    /// What warnings name as their place: the path or the URI (password masked).
    fn location(&self) -> String;

    /// A new read-only connection.
    fn connect(&self) -> Result<Self::Conn, StoreError>;

    /// Gives a connection back for reuse when it is still good.
    fn recycle(&self, conn: Self::Conn) {
        drop(conn);
    }

    /// What to watch for changes (a local database file); `None`: polled (servers).
    fn watch_set(&self) -> Option<crate::store::WatchSet> {
        None
    }

    /// True when [`Backend::bulk_extremes`] answers (so a load can send its runs before
    /// that scan).
    const BULK_EXTREMES: bool = false;

    /// About how many runs the store has, when that is cheap to know (SQLite: rowid span);
    /// used to choose between reading whole tables and looking runs up one by one.
    fn runs_estimate(&self, conn: &mut Self::Conn) -> Result<Option<usize>, StoreError> {
        let _ = conn;
        Ok(None)
    }

    /// Min, max and count of the metrics of most of the store's runs (`by_id`, indexed as
    /// the runs), when the backend has a better way than the shared aggregate query (SQLite:
    /// parallel rowid-slice scans). `upto` limits the rows read to rowids up to it (see [`Backend::metrics_tail`]).
    fn bulk_extremes(
        store: &SqlStore<Self>,
        by_id: &HashMap<String, usize>,
        upto: Option<i64>,
        warnings: &mut Warnings,
    ) -> Result<Option<Vec<RunExtremes>>, StoreError> {
        let _ = (store, by_id, upto, warnings);
        Ok(None)
    }

    /// The `params` or `tags` rows of most of the store's runs (`by_id`, indexed as the
    /// `runs` runs) as one map per run, when the backend has a better way than one scan
    /// (SQLite: parallel rowid-range scans).
    fn bulk_key_values(
        store: &SqlStore<Self>,
        table: &str,
        runs: usize,
        by_id: &HashMap<String, usize>,
        warnings: &mut Warnings,
    ) -> Result<Option<Vec<crate::model::KeyMap<crate::model::Text>>>, StoreError> {
        let _ = (store, table, runs, by_id, warnings);
        Ok(None)
    }

    /// Min, max and count of every metric of a few runs (rows up to rowid `upto`, when
    /// given).
    fn run_extremes(
        store: &SqlStore<Self>,
        conn: &mut Self::Conn,
        ids: &[String],
        upto: Option<i64>,
        warnings: &mut Warnings,
    ) -> Result<HashMap<(String, String), Extremes>, StoreError> {
        let _ = upto;
        store.grouped_extremes(conn, &load::RunFilter::Ids(ids), warnings)
    }

    /// Every point of one metric of one run (in any order; the caller sorts).
    fn history(
        store: &SqlStore<Self>,
        conn: &mut Self::Conn,
        run_id: &str,
        key: &str,
    ) -> Result<Vec<MetricPoint>, StoreError> {
        store.history_query(conn, run_id, key)
    }

    /// Something that changes whenever anything was committed, when the database has such
    /// a thing (SQLite: `data_version` of a connection, or the files' sizes and times).
    fn change_token(&self, conn: &mut Self::Conn) -> Result<Option<Token>, StoreError> {
        let _ = conn;
        Ok(None)
    }

    /// Whether a kept connection still sees what others commit (SQLite read immutably does
    /// not once the file changed).
    fn is_current(&self, conn: &Self::Conn) -> bool {
        let _ = conn;
        true
    }

    /// Whether a follower may keep `conn` open between polls (SQLite: not when that would
    /// keep a writer from removing its WAL files as it closes).
    fn keep(&self, conn: &Self::Conn) -> bool {
        let _ = conn;
        true
    }

    /// The highest `metrics` rowid now, from which [`Backend::metrics_tail`] can later
    /// find new rows; `None` when the backend has no such thing.
    fn metrics_tail_start(
        store: &SqlStore<Self>,
        conn: &mut Self::Conn,
    ) -> Result<Option<i64>, StoreError> {
        let _ = (store, conn);
        Ok(None)
    }

    /// The `metrics` rows after rowid `after` (new points since a load), as
    /// `(run, key, value or None for NaN)`, and the new highest rowid; `None` when the
    /// backend cannot tell new rows apart (servers).
    fn metrics_tail(
        store: &SqlStore<Self>,
        conn: &mut Self::Conn,
        after: i64,
        f: &mut dyn FnMut(&str, &str, Option<f64>),
        warnings: &mut Warnings,
    ) -> Result<Option<i64>, StoreError> {
        let _ = (store, conn, after, f, warnings);
        Ok(None)
    }

    /// Warnings about how the store is being read (e.g. a stale view), shown with the
    /// experiments.
    fn notes(&self) -> Vec<super::Warning> {
        Vec::new()
    }

    /// Aggregates of metric histories (`metrics.loss:min`, `@N`, ...) for `run_ids`: by
    /// default folded from each run's history; a backend may compute them in SQL.
    fn metric_aggregates(
        store: &SqlStore<Self>,
        run_ids: &[String],
        wanted: &[crate::aggregate::MetricAgg],
        sink: &mut dyn FnMut(super::AggBatch),
    ) -> Result<(), StoreError>
    where
        Self: Sized,
    {
        super::aggregates_from_histories(store, run_ids, wanted, sink)
    }

    /// Local folders where MLflow puts artifacts by default, searched when a recorded
    /// location does not exist (none for a database server).
    fn artifact_bases(&self) -> Vec<std::path::PathBuf> {
        Vec::new()
    }
}

/// A change token (see [`Backend::change_token`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub value: i64,
    /// True when only the same connection's next token can be compared with it.
    pub per_connection: bool,
}

/// An MLflow SQL tracking store.
pub(crate) struct SqlStore<B: Backend> {
    pub(crate) backend: B,
    pub(crate) schema: Schema,
}

impl<B: Backend> SqlStore<B> {
    /// Connects, reads the schema and refuses a database that is not MLflow's.
    pub(crate) fn open(backend: B) -> Result<Self, StoreError> {
        let mut conn = backend.connect()?;
        let schema = Schema::read(&mut conn, B::DIALECT)?;
        if schema.tables_count() == 0 && B::DIALECT != Dialect::Sqlite {
            // An empty catalog may also be a database with MLflow's tables in another
            // schema; say which one was looked in.
            return Err(StoreError::Database {
                location: backend.location(),
                message: "not an MLflow tracking database: no tables that this user may read \
                          in the schema mltui looked in (PostgreSQL: the first schema of the \
                          search_path; name another with ?options=-csearch_path%3DSCHEMA)"
                    .into(),
            });
        }
        schema.check_mlflow().map_err(|m| StoreError::Database {
            location: backend.location(),
            message: m,
        })?;
        backend.recycle(conn);
        Ok(Self { backend, schema })
    }

    /// Runs `f` with a connection, giving the connection back when `f` succeeded.
    pub(crate) fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut B::Conn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.backend.connect()?;
        conn.begin()?;
        let out = f(&mut conn)?;
        conn.end()?;
        self.backend.recycle(conn);
        Ok(out)
    }

    fn duplicate(&self) -> Self {
        Self {
            backend: self.backend.clone(),
            schema: self.schema.clone(),
        }
    }

    fn read_experiments(&self, conn: &mut B::Conn) -> Result<ExperimentList, StoreError> {
        let s = &self.schema;
        let loc = self.backend.location();
        let cols = format!(
            "t.experiment_id, t.name, {}, {}, {}, {}",
            s.col("experiments", "t", "artifact_location"),
            s.col("experiments", "t", "lifecycle_stage"),
            s.col("experiments", "t", "creation_time"),
            s.col("experiments", "t", "last_update_time"),
        );
        let mut experiments = Vec::new();
        let mut warnings = Warnings::default();
        conn.scan(&Scan::new("experiments", &cols), &mut |row| {
            let mut c = Cells::new(row);
            let id = c.name(0, "experiment_id");
            let exp = id.clone().map(|experiment_id| Experiment {
                experiment_id,
                name: c.text(1, "name").unwrap_or_default(),
                artifact_location: c.text(2, "artifact_location").unwrap_or_default(),
                lifecycle: Lifecycle::parse(&c.text(3, "lifecycle_stage").unwrap_or_default()),
                creation_time: c.int(4, "creation_time"),
                last_update_time: c.int(5, "last_update_time"),
                tags: BTreeMap::new(),
            });
            warnings.row(
                "experiments",
                || at(&loc, "experiments", "experiment", id.as_deref(), None),
                &c,
            );
            experiments.extend(exp);
        })?;
        if s.has_table("experiment_tags") {
            let index: HashMap<String, usize> = experiments
                .iter()
                .enumerate()
                .map(|(i, e)| (e.experiment_id.clone(), i))
                .collect();
            let scan = Scan::new("experiment_tags", "t.experiment_id, t.\"key\", t.value");
            conn.scan(&scan, &mut |row| {
                let mut c = Cells::new(row);
                let id = c.name(0, "experiment_id");
                let key = c.name(1, "key");
                let value = c.text(2, "value");
                warnings.row(
                    "experiment_tags",
                    || {
                        at(
                            &loc,
                            "experiment_tags",
                            "experiment",
                            id.as_deref(),
                            key.as_deref(),
                        )
                    },
                    &c,
                );
                if let (Some(i), Some(key)) = (id.and_then(|id| index.get(&id)), key) {
                    experiments[*i].tags.insert(key, value.unwrap_or_default());
                }
            })?;
        }
        experiments.sort_by(|a, b| {
            let num = |e: &Experiment| e.experiment_id.parse::<i64>().ok();
            num(a)
                .cmp(&num(b))
                .then_with(|| a.experiment_id.cmp(&b.experiment_id))
        });
        let mut warnings = warnings.finish(&loc);
        warnings.extend(self.backend.notes());
        Ok(ExperimentList {
            experiments,
            warnings,
        })
    }
}

/// Where a bad row is: `DB table T, run R, key K`.
pub(crate) fn at(
    loc: &str,
    table: &str,
    owner: &str,
    id: Option<&str>,
    key: Option<&str>,
) -> String {
    let mut s = format!("{loc} table {table}");
    if let Some(id) = id {
        s.push_str(&format!(", {owner} {id}"));
    }
    if let Some(k) = key {
        s.push_str(&format!(", key {k:?}"));
    }
    s
}

impl<B: Backend> Store for SqlStore<B> {
    fn describe(&self) -> String {
        self.backend.describe()
    }

    fn experiments(&self) -> Result<ExperimentList, StoreError> {
        self.with_conn(|conn| self.read_experiments(conn))
    }

    fn runs(&self, query: &RunQuery<'_>, sink: &mut dyn FnMut(RunBatch)) -> Result<(), StoreError> {
        let narrow = query
            .narrow()
            .and_then(|f| narrow::translate(f, B::DIALECT, &self.schema, "r"));
        // Aggregate columns are computed per batch, between the load's statements.
        let mut agg_error = None;
        let mut with_aggs = |mut batch: RunBatch| {
            if agg_error.is_none() {
                if let Err(e) = super::with_aggregates(self, &mut batch.runs, query.aggregates) {
                    agg_error = Some(e);
                }
            }
            sink(batch);
        };
        self.with_conn(|conn| {
            self.load_experiments(
                conn,
                query.experiments,
                narrow.as_ref(),
                query.summaries,
                &mut with_aggs,
            )
        })?;
        agg_error.map_or(Ok(()), Err)
    }

    fn metric_aggregates(
        &self,
        run_ids: &[String],
        wanted: &[crate::aggregate::MetricAgg],
        sink: &mut dyn FnMut(super::AggBatch),
    ) -> Result<(), StoreError> {
        B::metric_aggregates(self, run_ids, wanted, sink)
    }

    fn run_counts(
        &self,
        experiments: &[Experiment],
    ) -> Result<Option<HashMap<String, RunCount>>, StoreError> {
        let mut counts: HashMap<String, RunCount> = experiments
            .iter()
            .map(|e| (e.experiment_id.clone(), RunCount::default()))
            .collect();
        let stage = self.schema.col("runs", "t", "lifecycle_stage");
        let cols = format!("t.experiment_id, {stage}, COUNT(*)");
        let group = format!("t.experiment_id, {stage}");
        let scan = Scan {
            group: Some(&group),
            ..Scan::new("runs", &cols)
        };
        self.with_conn(|conn| {
            conn.scan(&scan, &mut |row| {
                let mut c = Cells::new(row);
                let (id, stage, n) = (
                    c.name(0, "experiment_id"),
                    c.text(1, "lifecycle_stage"),
                    c.int(2, "count"),
                );
                if let (Some(id), Some(n)) = (id, n) {
                    if let Some(total) = counts.get_mut(&id) {
                        let n = n.max(0) as usize;
                        match Lifecycle::parse(stage.as_deref().unwrap_or_default()) {
                            Lifecycle::Active => total.active += n,
                            Lifecycle::Deleted => total.deleted += n,
                        }
                    }
                }
            })
        })?;
        Ok(Some(counts))
    }

    fn run(&self, run_id: &str) -> Result<Run, StoreError> {
        let ids = [run_id.to_string()];
        let (mut runs, _) =
            self.with_conn(|conn| self.load_ids(conn, &ids, Summaries::Full, None))?;
        runs.pop()
            .ok_or_else(|| StoreError::RunNotFound(run_id.to_string()))
    }

    fn metric_history(&self, run_id: &str, key: &str) -> Result<Vec<MetricPoint>, StoreError> {
        if !self.schema.has_table("metrics") {
            return Ok(Vec::new());
        }
        let mut points = self.with_conn(|conn| B::history(self, conn, run_id, key))?;
        // MLflow's order: by timestamp, then step (ties keep the store's order).
        points.sort_by_key(|p| (p.timestamp, p.step));
        Ok(points)
    }

    fn follower(&self) -> Option<Box<dyn super::Follower>> {
        Some(Box::new(follow::SqlFollower::new(self.duplicate())))
    }

    /// A server samples long histories itself (a local SQLite file is read whole).
    fn samples_histories(&self) -> bool {
        B::DIALECT.server()
    }

    fn metric_history_for_chart(
        &self,
        run_ids: &[String],
        key: &str,
        max_points: usize,
        steps: Option<(i64, i64)>,
    ) -> Result<Vec<(String, Vec<MetricPoint>)>, StoreError> {
        if !B::DIALECT.server() || !self.schema.has_table("metrics") {
            return super::per_run(run_ids, |id| {
                let mut points = self.metric_history(id, key)?;
                if let Some((lo, hi)) = steps {
                    points.retain(|p| p.step >= lo && p.step <= hi);
                }
                Ok((id.to_string(), points))
            });
        }
        self.with_conn(|conn| {
            run_ids
                .iter()
                .map(|id| {
                    Ok((
                        id.clone(),
                        self.chart_sample(conn, id, key, max_points, steps)?,
                    ))
                })
                .collect()
        })
    }
}
