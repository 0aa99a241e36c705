//! Following a SQLite store: `PRAGMA data_version` (which changes when another connection
//! commits) says whether anything happened; then cheap scans of `runs` and `latest_metrics`
//! say which runs changed, and only those (and running ones) are read again.

use std::collections::{HashMap, HashSet};

use rusqlite::Connection;

use super::follow::experiments_if_changed;
use super::sqlite::{RunScope, SqliteStore, connect};
use super::{Change, Follower, RunBatch, RunQuery, Store, StoreError};
use crate::model::Experiment;

/// Follows a SQLite store: `PRAGMA data_version` (which changes when another connection
/// commits) says whether anything happened; then cheap scans of `runs` and
/// `latest_metrics` say which runs changed, and only those (and running ones) are re-read.
pub(super) struct SqliteFollower {
    store: SqliteStore,
    conn: Option<Connection>,
    data_version: Option<i64>,
    /// Per run: status, lifecycle, end time, name.
    runs: HashMap<String, (String, String, Option<i64>, String)>,
    /// Per (run, key): step, timestamp, value bits.
    latest: HashMap<(String, String), (i64, i64, u64)>,
    experiments: Option<Vec<Experiment>>,
}

type RunSignatures = HashMap<String, (String, String, Option<i64>, String)>;
type LatestSignatures = HashMap<(String, String), (i64, i64, u64)>;

impl SqliteFollower {
    pub(super) fn new(store: SqliteStore) -> Self {
        Self {
            store,
            conn: None,
            data_version: None,
            runs: HashMap::new(),
            latest: HashMap::new(),
            experiments: None,
        }
    }

    fn scan(&self, conn: &Connection) -> Result<(RunSignatures, LatestSignatures), StoreError> {
        let s = &self.store.schema;
        let mut runs = HashMap::new();
        let sql = format!(
            "SELECT run_uuid, status, {lc}, end_time, {name} FROM runs",
            lc = s.col_or_null("runs", "lifecycle_stage"),
            name = s.col_or_null("runs", "name"),
        );
        self.store.for_each_row(conn, &sql, &[], |row| {
            let id: String = row.get(0)?;
            let sig = (
                row.get::<_, Option<String>>(1)?.unwrap_or_default(),
                row.get::<_, Option<String>>(2)?.unwrap_or_default(),
                row.get::<_, Option<i64>>(3)?,
                row.get::<_, Option<String>>(4)?.unwrap_or_default(),
            );
            runs.insert(id, sig);
            Ok(())
        })?;
        let mut latest = HashMap::new();
        if s.has_table("latest_metrics") {
            let sql = "SELECT run_uuid, key, step, timestamp, value FROM latest_metrics";
            self.store.for_each_row(conn, sql, &[], |row| {
                let key = (row.get::<_, String>(0)?, row.get::<_, String>(1)?);
                let sig = (
                    row.get::<_, Option<i64>>(2)?.unwrap_or(0),
                    row.get::<_, Option<i64>>(3)?.unwrap_or(0),
                    row.get::<_, Option<f64>>(4)?.unwrap_or(0.0).to_bits(),
                );
                latest.insert(key, sig);
                Ok(())
            })?;
        }
        Ok((runs, latest))
    }
}

impl Follower for SqliteFollower {
    fn poll(&mut self, sink: &mut dyn FnMut(super::Change)) -> Result<(), StoreError> {
        // data_version is per connection: a new one (after an error) proves nothing.
        let reconnected = self.conn.is_none();
        let conn = match self.conn.take() {
            Some(c) => c,
            None => connect(&self.store.path)?,
        };
        let version: i64 = conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(|e| self.store.sql_err(e))?;
        let first = self.data_version.is_none();
        if !first && !reconnected && self.data_version == Some(version) {
            self.conn = Some(conn);
            return Ok(());
        }
        let list = self.store.experiments()?;
        let experiments = experiments_if_changed(&mut self.experiments, list, sink);
        let (runs, latest) = self.scan(&conn)?;
        if first {
            self.runs = runs;
            self.latest = latest;
            self.data_version = Some(version);
            self.conn = Some(conn);
            return self.store.runs(&RunQuery::all(&experiments), &mut |batch| {
                sink(Change::Runs(batch))
            });
        }
        let ids: Vec<String> = {
            let mut changed: HashSet<String> = runs
                .iter()
                .filter(|(id, sig)| {
                    self.runs.get(*id) != Some(*sig)
                        || matches!(sig.0.as_str(), "RUNNING" | "SCHEDULED")
                })
                .map(|(id, _)| id.clone())
                .collect();
            changed.extend(
                latest
                    .iter()
                    .filter(|(k, sig)| self.latest.get(*k) != Some(*sig))
                    .map(|((id, _), _)| id.clone()),
            );
            changed.into_iter().collect()
        };
        self.runs = runs;
        self.latest = latest;
        self.data_version = Some(version);
        self.conn = Some(conn);
        for chunk in ids.chunks(500) {
            let (runs, warnings) = self.store.load_runs(RunScope::Ids(chunk))?;
            if !runs.is_empty() || !warnings.is_empty() {
                sink(Change::Runs(RunBatch { runs, warnings }));
            }
        }
        Ok(())
    }
}
