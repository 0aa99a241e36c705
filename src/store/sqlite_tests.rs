//! Tests of the sqlite backend that need its private parts.

use super::*;
use crate::model::Run;
use crate::store::Store;
use crate::store::sql::Scan;
use crate::store::sql::load::FIRST_BATCH;
use std::collections::HashMap;
use std::time::Duration;

/// A minimal MLflow-like database: `runs` runs in experiment 1, each with metric `m`
/// logged as 3.0, NaN, 1.0 (latest 1.0 at step 2) and, for every third run, `x` = +inf.
fn database(runs: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mlflow.db");
    let conn = Connection::open(&path).expect("create");
    conn.execute_batch(
        "CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name TEXT, \
         lifecycle_stage TEXT);
         CREATE TABLE runs (run_uuid TEXT PRIMARY KEY, name TEXT, status TEXT, \
         start_time INTEGER, end_time INTEGER, lifecycle_stage TEXT, experiment_id INTEGER);
         CREATE TABLE params (key TEXT, value TEXT, run_uuid TEXT);
         CREATE TABLE metrics (key TEXT, value FLOAT, timestamp INTEGER, run_uuid TEXT, \
         step INTEGER, is_nan BOOLEAN);
         CREATE INDEX metrics_run ON metrics (run_uuid, key, step);
         CREATE TABLE latest_metrics (key TEXT, value FLOAT, timestamp INTEGER, \
         step INTEGER, is_nan BOOLEAN, run_uuid TEXT);
         INSERT INTO experiments VALUES (1, 'e', 'active');
         BEGIN;",
    )
    .expect("schema");
    for i in 0..runs {
        let id = format!("{i:032x}");
        let start = i as i64;
        conn.execute(
            "INSERT INTO runs VALUES (?1, ?2, 'FINISHED', ?3, ?3, 'active', 1)",
            rusqlite::params![id, format!("r{i}"), start],
        )
        .expect("run");
        conn.execute("INSERT INTO params VALUES ('p', 'v', ?1)", [&id])
            .expect("param");
        for (step, value, nan) in [(0, 3.0, 0), (1, 0.0, 1), (2, 1.0, 0)] {
            conn.execute(
                "INSERT INTO metrics VALUES ('m', ?1, 10, ?2, ?3, ?4)",
                rusqlite::params![value, id, step, nan],
            )
            .expect("metric");
        }
        conn.execute(
            "INSERT INTO latest_metrics VALUES ('m', 1.0, 10, 2, 0, ?1)",
            [&id],
        )
        .expect("latest");
        if i % 3 == 0 {
            conn.execute(
                "INSERT INTO metrics VALUES ('x', ?1, 10, ?2, 0, 0)",
                rusqlite::params![f64::MAX, id],
            )
            .expect("metric");
            conn.execute(
                "INSERT INTO latest_metrics VALUES ('x', ?1, 10, 0, 0, ?2)",
                rusqlite::params![f64::MAX, id],
            )
            .expect("latest");
        }
    }
    conn.execute_batch("COMMIT").expect("commit");
    (dir, path)
}

fn load(path: &Path) -> (Vec<usize>, HashMap<String, Run>) {
    let store = SqliteStore::open_sqlite(path).expect("open");
    let exps = store.experiments().expect("experiments").experiments;
    let mut sizes = Vec::new();
    let mut runs = HashMap::new();
    store
        .runs(&crate::store::RunQuery::all(&exps), &mut |b| {
            sizes.push(b.runs.len());
            for r in b.runs {
                runs.insert(r.run_id.clone(), r);
            }
        })
        .expect("runs");
    (sizes, runs)
}

#[test]
fn many_runs_preview_the_newest_then_load_all_with_scanned_extremes() {
    let (_dir, path) = database(1100);
    let (sizes, runs) = load(&path);
    assert_eq!(sizes, [FIRST_BATCH, 1100]);
    for (id, run) in &runs {
        let m = &run.metrics["m"];
        assert_eq!((m.latest.value, m.latest.step), (1.0, 2), "{id}");
        assert_eq!((m.min, m.max, m.count), (1.0, 3.0, Some(3)), "{id}");
        assert_eq!(run.params["p"], "v");
    }
    let x = &runs[&format!("{:032x}", 3)].metrics["x"];
    assert_eq!(
        (x.min, x.max, x.count),
        (f64::INFINITY, f64::INFINITY, Some(1))
    );
    // The same answers through the indexed path, one run at a time.
    let store = SqliteStore::open_sqlite(&path).expect("open");
    for id in [format!("{:032x}", 3), format!("{:032x}", 1099)] {
        assert_eq!(store.run(&id).expect("run"), runs[&id]);
    }
}

#[test]
fn a_followers_first_load_shows_every_row_before_min_max_and_count() {
    use crate::store::{Cause, Change, RunBatch};
    let (_dir, path) = database(1100);
    let (_, whole) = load(&path);
    let store = SqliteStore::open_sqlite(&path).expect("open");
    let mut follower = store.follower().expect("a follower");
    let mut batches: Vec<RunBatch> = Vec::new();
    follower
        .poll_for(Cause::Full, &mut |c| {
            if let Change::Runs(b) = c {
                batches.push(b);
            }
        })
        .expect("first poll");
    let sizes: Vec<usize> = batches.iter().map(|b| b.runs.len()).collect();
    assert_eq!(
        sizes,
        [FIRST_BATCH, 1100, 0],
        "newest, every row, then the summaries"
    );
    assert!(
        batches[1]
            .runs
            .iter()
            .all(|r| r.metrics["m"].count.is_none()),
        "rows come with latest values only"
    );
    assert_eq!(batches[2].summaries.len(), 1100);
    // Applied in order, the batches make what one load with everything makes.
    let mut index = crate::index::RunIndex::new(Vec::new());
    for b in batches {
        index.add_batch(b);
    }
    assert_eq!(index.runs().len(), whole.len());
    for run in index.runs() {
        assert_eq!(
            format!("{run:?}"),
            format!("{:?}", whole[&run.run_id]),
            "{}",
            run.run_id
        );
    }
}

#[test]
fn few_runs_come_in_one_batch() {
    let (_dir, path) = database(10);
    let (sizes, runs) = load(&path);
    assert_eq!(sizes, [10]);
    assert_eq!(runs.len(), 10);
}

#[test]
fn statements_out_of_time_resume_after_the_last_row() {
    let (_dir, path) = database(300);
    let store = SqliteStore::open_sqlite(&path).expect("open");
    let mut conn = store.backend.connect().expect("connect");
    conn.budget = Duration::ZERO;
    let (lo, hi) = conn.rowid_span("metrics").expect("span").expect("rows");
    let mut seen = Vec::new();
    let scan = Scan::new("metrics", "t.run_uuid");
    conn.scan_range(&scan, lo - 1, hi, &mut |rowid, _| seen.push(rowid))
        .expect("scan");
    let want: Vec<i64> = (lo..=hi).collect();
    assert_eq!(
        seen, want,
        "every row once, in order, across many short statements"
    );
}

#[test]
fn histories_step_over_repeated_steps_exactly() {
    let (_dir, path) = database(2);
    let id = format!("{:032x}", 0);
    let conn = Connection::open(&path).expect("rw");
    // 100 points at step 7 (more than one short statement reads), then some more.
    for i in 0..100 {
        conn.execute(
            "INSERT INTO metrics VALUES ('m', ?1, ?2, ?3, 7, 0)",
            rusqlite::params![i as f64, 100 + i, id],
        )
        .expect("dup");
    }
    for step in 8..40 {
        conn.execute(
            "INSERT INTO metrics VALUES ('m', 0.5, 500, ?1, ?2, 0)",
            rusqlite::params![id, step],
        )
        .expect("more");
    }
    drop(conn);
    let store = SqliteStore::open_sqlite(&path).expect("open");
    assert!(store.backend.info.key_step_index.is_some());
    let mut c = store.backend.connect().expect("connect");
    c.budget = Duration::ZERO;
    let points = crate::store::sqlite_metrics::history(&store, &mut c, &id, "m").expect("history");
    assert_eq!(points.len(), 3 + 100 + 32);
    let mut at7: Vec<i64> = points
        .iter()
        .filter(|p| p.step == 7)
        .map(|p| p.timestamp)
        .collect();
    at7.sort();
    assert_eq!(at7, (100..200).collect::<Vec<_>>());
    assert_eq!(
        store.metric_history(&id, "m").expect("history").len(),
        points.len()
    );
}

#[test]
fn follower_keeps_counts_from_new_rows_only() {
    let (_dir, path) = database(10);
    let store = SqliteStore::open_sqlite(&path).expect("open");
    let mut f = store.follower().expect("follower");
    let mut runs: HashMap<String, Run> = HashMap::new();
    let poll = |f: &mut Box<dyn crate::store::Follower>, runs: &mut HashMap<String, Run>| {
        let mut changed = Vec::new();
        f.poll(&mut |c| {
            if let crate::store::Change::Runs(b) = c {
                for r in b.runs {
                    changed.push(r.run_id.clone());
                    runs.insert(r.run_id.clone(), r);
                }
            }
        })
        .expect("poll");
        changed
    };
    assert_eq!(poll(&mut f, &mut runs).len(), 10);
    assert!(poll(&mut f, &mut runs).is_empty(), "nothing changed");
    let id = format!("{:032x}", 4);
    let conn = Connection::open(&path).expect("rw");
    conn.execute(
        "INSERT INTO metrics VALUES ('m', -2.0, 20, ?1, 3, 0), ('m', 9.0, 21, ?1, 4, 0)",
        [&id],
    )
    .expect("points");
    conn.execute(
        "UPDATE latest_metrics SET value = 9.0, step = 4, timestamp = 21 WHERE run_uuid = ?1",
        [&id],
    )
    .expect("latest");
    assert_eq!(poll(&mut f, &mut runs), std::slice::from_ref(&id));
    let m = runs[&id].metrics["m"];
    assert_eq!(
        (m.latest.value, m.min, m.max, m.count),
        (9.0, -2.0, 9.0, Some(5))
    );
    // A new run, with points, appears complete.
    let new = format!("{:032x}", 999);
    conn.execute(
        "INSERT INTO runs VALUES (?1, 'new', 'RUNNING', 5, NULL, 'active', 1)",
        [&new],
    )
    .expect("run");
    conn.execute(
        "INSERT INTO metrics VALUES ('m', 1.5, 30, ?1, 0, 0)",
        [&new],
    )
    .expect("point");
    conn.execute(
        "INSERT INTO latest_metrics VALUES ('m', 1.5, 30, 0, 0, ?1)",
        [&new],
    )
    .expect("latest");
    let changed = poll(&mut f, &mut runs);
    assert!(changed.contains(&new), "{changed:?}");
    let m = runs[&new].metrics["m"];
    assert_eq!((m.min, m.max, m.count), (1.5, 1.5, Some(1)));
    let m = runs[&id].metrics["m"];
    assert_eq!(m.count, Some(5), "no point counted twice");
}

#[test]
fn sparse_rowids_are_jumped_over() {
    // MLflow's file store makes experiment ids 18-digit random numbers, and a migrated
    // database keeps them as rowids: a range walk must jump the gaps, not step through them.
    let (_dir, path) = database(3);
    let conn = Connection::open(&path).expect("rw");
    for id in [726_548_154_961_584_233_i64, 4_611_686_018_427_387_904] {
        conn.execute(
            "INSERT INTO experiments VALUES (?1, ?2, 'active')",
            rusqlite::params![id, format!("e{id}")],
        )
        .expect("experiment");
        conn.execute(
            "INSERT INTO runs VALUES (?1, 'r', 'FINISHED', 1, 1, 'active', ?2)",
            rusqlite::params![format!("{id:032x}"), id],
        )
        .expect("run");
    }
    drop(conn);
    let store = SqliteStore::open_sqlite(&path).expect("open");
    let exps = store.experiments().expect("experiments").experiments;
    assert_eq!(exps.len(), 3);
    let counts = store.run_counts(&exps).expect("counts").expect("some");
    assert_eq!(counts["726548154961584233"].active, 1);
    let (_, runs) = load(&path);
    assert_eq!(runs.len(), 5);
}
