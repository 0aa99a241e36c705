//! Following stores while a "training job" (this test) writes to them in MLflow's formats:
//! new runs, status changes and new metric points are reported, and nothing else.

mod common;

use std::path::Path;

use common::*;
use mltui::model::{Run, RunStatus};
use mltui::store::{Change, Follower, Store};

fn open(path: &Path) -> std::sync::Arc<dyn Store> {
    let spec =
        mltui::store::parse_source(path.to_str().expect("utf-8"), Path::new("/")).expect("source");
    std::sync::Arc::from(mltui::store::open(&spec).expect("open"))
}

fn poll(f: &mut Box<dyn Follower>) -> (bool, Vec<Run>) {
    let mut experiments = false;
    let mut runs = Vec::new();
    f.poll(&mut |c| match c {
        Change::Experiments(_) => experiments = true,
        Change::Runs(b) => runs.extend(b.runs),
    })
    .expect("poll");
    (experiments, runs)
}

fn find<'a>(runs: &'a [Run], name: &str) -> &'a Run {
    runs.iter()
        .find(|r| r.run_name == name)
        .unwrap_or_else(|| panic!("{name} not reported"))
}

#[test]
fn file_store_follower_reports_only_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("mlruns");
    copy_tree(&fixtures().join("v3/file/mlruns"), &root);
    let mut f = mltui::store::follow(open(&root));
    let (exps, all) = poll(&mut f);
    assert!(exps);
    assert_eq!(all.len(), 13, "first poll: everything");
    let (exps, none) = poll(&mut f);
    assert!(
        !exps && none.is_empty(),
        "nothing changed: {:?}",
        none.iter().map(|r| &r.run_name).collect::<Vec<_>>()
    );

    // The running run logs two points; the second line is still being written.
    let running = find(&all, "sweep-4");
    let run_dir = root.join(&running.experiment_id).join(&running.run_id);
    let before = running.metrics["loss"];
    let mut f_loss = std::fs::OpenOptions::new()
        .append(true)
        .open(run_dir.join("metrics/loss"))
        .expect("open");
    use std::io::Write;
    write!(
        f_loss,
        "1795723399999 0.01 {}\n1795723400000 0.0",
        before.latest.step + 1
    )
    .expect("append");
    let (_, changed) = poll(&mut f);
    assert_eq!(changed.len(), 1);
    let m = changed[0].metrics["loss"];
    assert_eq!(
        (m.latest.value, m.count),
        (0.01, before.count.map(|c| c + 1))
    );
    // The line is finished; the run ends (MLflow rewrites meta.yaml with status 3).
    writeln!(f_loss, "05 {}", before.latest.step + 2).expect("append");
    let meta = std::fs::read_to_string(run_dir.join("meta.yaml")).expect("meta");
    let meta = meta
        .replace("status: 1", "status: 3")
        .replace("end_time: null", "end_time: 1795723400100");
    std::fs::write(run_dir.join("meta.yaml.tmp"), meta).expect("write");
    std::fs::rename(run_dir.join("meta.yaml.tmp"), run_dir.join("meta.yaml")).expect("rename");
    let (_, changed) = poll(&mut f);
    let r = find(&changed, "sweep-4");
    assert_eq!(r.status, RunStatus::Finished);
    assert_eq!(r.end_time, Some(1_795_723_400_100));
    assert_eq!(r.metrics["loss"].latest.value, 0.005);

    // A new run appears (a copy of sweep-0 under a new id).
    let src = find(&all, "sweep-0");
    let new_id = "00000000000000000000000000000abc";
    let new_dir = root.join(&src.experiment_id).join(new_id);
    copy_tree(&root.join(&src.experiment_id).join(&src.run_id), &new_dir);
    let meta = std::fs::read_to_string(new_dir.join("meta.yaml"))
        .expect("meta")
        .replace(&src.run_id, new_id);
    std::fs::write(
        new_dir.join("meta.yaml"),
        meta.replace("run_name: sweep-0", "run_name: sweep-new"),
    )
    .expect("write");
    let (_, changed) = poll(&mut f);
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].run_id, new_id);
    assert_eq!(changed[0].run_name, "sweep-new");
    let (_, none) = poll(&mut f);
    assert!(none.is_empty());
}

#[test]
fn sqlite_follower_checks_data_version_then_reads_changed_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("mlflow.db");
    std::fs::copy(fixtures().join("v3/sqlite/mlflow.db"), &db).expect("copy");
    let mut f = mltui::store::follow(open(&db));
    let (_, all) = poll(&mut f);
    assert_eq!(all.len(), 13);
    assert!(poll(&mut f).1.is_empty(), "nothing committed since");

    // A writer (as MLflow's SQL store does) logs a point and finishes a run.
    let w = rusqlite::Connection::open(&db).expect("writer");
    let sweep0 = find(&all, "sweep-0").run_id.clone();
    w.execute(
        "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES ('loss', 0.001, 1795723400000, ?1, 99, 0)",
        [&sweep0],
    )
    .expect("insert metric");
    w.execute(
        "UPDATE latest_metrics SET value = 0.001, step = 99, timestamp = 1795723400000 WHERE run_uuid = ?1 AND key = 'loss'",
        [&sweep0],
    )
    .expect("update latest");
    drop(w);
    let (_, changed) = poll(&mut f);
    let r = find(&changed, "sweep-0");
    assert_eq!(r.metrics["loss"].latest.value, 0.001);
    assert!(
        changed
            .iter()
            .all(|r| r.run_id == sweep0 || r.status.is_active()),
        "only changed or running runs"
    );
    assert!(poll(&mut f).1.is_empty());
}
