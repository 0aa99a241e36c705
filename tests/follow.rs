//! Following stores while a "training job" (this test) writes to them in MLflow's formats:
//! new runs, status changes and new metric points are reported, and nothing else.

mod common;

use std::path::Path;

use common::*;
use mltui::model::{Run, RunStatus};
use mltui::store::{Cause, Change, Follower, Store};

fn open(path: &Path) -> std::sync::Arc<dyn Store> {
    let spec =
        mltui::store::parse_source(path.to_str().expect("utf-8"), Path::new("/")).expect("source");
    std::sync::Arc::from(mltui::store::open(&spec).expect("open"))
}

fn poll(f: &mut Box<dyn Follower>) -> (bool, Vec<Run>) {
    poll_for(f, Cause::Timer)
}

fn poll_for(f: &mut Box<dyn Follower>, cause: Cause) -> (bool, Vec<Run>) {
    let mut experiments = false;
    let mut runs = Vec::new();
    f.poll_for(cause, &mut |c| match c {
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
    // Min, max and count take in the new point (read for the run when it logs again).
    let mut before = None;
    let fixture = open(&fixtures().join("v3/sqlite/mlflow.db"));
    fixture
        .runs(
            &mltui::store::RunQuery::all(&fixture.experiments().expect("list").experiments),
            &mut |b| {
                if let Some(r) = b.runs.into_iter().find(|r| r.run_id == sweep0) {
                    before = Some(r.metrics["loss"]);
                }
            },
        )
        .expect("runs");
    let before = before.expect("sweep-0 in the fixture");
    let after = r.metrics["loss"];
    assert_eq!(after.count, before.count.map(|c| c + 1));
    assert_eq!((after.min, after.max), (0.001, before.max));
    assert!(
        changed
            .iter()
            .all(|r| r.run_id == sweep0 || r.status.is_active()),
        "only changed or running runs"
    );
    assert!(poll(&mut f).1.is_empty());
}

/// The folder of run `name` in a file store.
fn run_dir(root: &Path, runs: &[Run], name: &str) -> std::path::PathBuf {
    let r = find(runs, name);
    root.join(&r.experiment_id).join(&r.run_id)
}

fn append(path: &Path, line: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open");
    writeln!(f, "{line}").expect("append");
}

#[test]
fn file_store_watch_set_is_the_store_its_experiments_and_running_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("mlruns");
    copy_tree(&fixtures().join("v3/file/mlruns"), &root);
    let mut f = mltui::store::follow(open(&root));
    let (_, all) = poll(&mut f);
    let set = f.watch_set().expect("a file store is watched");
    assert_eq!(set.root, root);
    assert_eq!(set.names, None);
    let mut expected: Vec<std::path::PathBuf> = vec![root.clone()];
    for exp in ["0", "448852731697433311", "969322774536128750"] {
        expected.push(root.join(exp));
    }
    // The running run, with its key folders (keys with a `/` too).
    let run = run_dir(&root, &all, "sweep-4");
    for sub in [
        "",
        "metrics",
        "metrics/train",
        "metrics/val",
        "params",
        "tags",
    ] {
        expected.push(if sub.is_empty() {
            run.clone()
        } else {
            run.join(sub)
        });
    }
    expected.sort();
    let got: Vec<std::path::PathBuf> = set.dirs.iter().cloned().collect();
    assert_eq!(got, expected, "no finished run, nothing in .trash");

    // sweep-4 finishes: its folders are let go.
    let meta = std::fs::read_to_string(run.join("meta.yaml")).expect("meta");
    std::fs::write(
        run.join("meta.yaml"),
        meta.replace("status: 1", "status: 3"),
    )
    .expect("write");
    let (_, changed) = poll_for(&mut f, Cause::Watch);
    assert_eq!(find(&changed, "sweep-4").status, RunStatus::Finished);
    let set = f.watch_set().expect("watched");
    assert_eq!(set.dirs.len(), 4, "the store and its experiments: {set:?}");
}

/// Sets the mtime of every folder under `root` an hour back, as in a store written a while
/// ago (a folder changed within the last seconds is always looked at again).
fn age_folders(root: &Path) {
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("read_dir").flatten() {
            if e.file_type().expect("type").is_dir() {
                stack.push(e.path());
            }
        }
        std::fs::File::open(&dir)
            .expect("open the folder")
            .set_modified(old)
            .expect("set mtime");
    }
}

/// Timed polls until one reports runs, at most `n`; the poll's number and the runs.
fn timed_until_changed(f: &mut Box<dyn Follower>, n: usize) -> Option<(usize, Vec<Run>)> {
    (1..=n).find_map(|i| {
        let (_, changed) = poll(f);
        (!changed.is_empty()).then_some((i, changed))
    })
}

#[test]
fn file_store_finished_runs_are_checked_by_timed_polls_in_turns_and_in_full_when_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("mlruns");
    copy_tree(&fixtures().join("v3/file/mlruns"), &root);
    age_folders(&root);
    let mut f = mltui::store::follow(open(&root));
    let (_, all) = poll(&mut f);
    // A point logged to a finished run (an evaluation after training, say).
    let done = run_dir(&root, &all, "sweep-0");
    append(&done.join("metrics/loss"), "1795723400000 0.0123 999");
    // A poll for a watcher's wake-up looks at running runs only...
    assert!(poll_for(&mut f, Cause::Watch).1.is_empty());
    // ...one asked for looks at everything.
    let (_, changed) = poll_for(&mut f, Cause::Full);
    assert_eq!(changed.len(), 1);
    assert_eq!(
        find(&changed, "sweep-0").metrics["loss"].latest.value,
        0.0123
    );

    // The first round of turns (15 timed polls) reads every finished run whole; later
    // rounds `stat` their meta.yaml and key folders.
    assert!(timed_until_changed(&mut f, 14).is_none());
    // A new metric of a finished run changes its folder: seen within a round.
    let other = run_dir(&root, &all, "sweep-1");
    append(&other.join("metrics/eval_loss"), "1795723400000 0.5 0");
    let (_, changed) = timed_until_changed(&mut f, 15).expect("seen within a round");
    assert_eq!(changed.len(), 1);
    assert_eq!(
        find(&changed, "sweep-1").metrics["eval_loss"].latest.value,
        0.5
    );
    // A point appended to a finished run's metric leaves its folders as they were: the
    // next round that reads runs whole finds it (one round in 10).
    append(&done.join("metrics/loss"), "1795723400001 0.0456 1000");
    let (n, changed) = timed_until_changed(&mut f, 10 * 15).expect("seen in a deep round");
    assert_eq!(changed.len(), 1, "after {n} polls");
    assert_eq!(
        find(&changed, "sweep-0").metrics["loss"].latest.value,
        0.0456
    );
    assert!(timed_until_changed(&mut f, 30).is_none(), "reported once");
}

#[test]
fn file_store_running_runs_are_read_where_they_changed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("mlruns");
    copy_tree(&fixtures().join("v3/file/mlruns"), &root);
    age_folders(&root);
    let mut f = mltui::store::follow(open(&root));
    let (_, all) = poll(&mut f);
    let run = run_dir(&root, &all, "sweep-4");
    let watch = |f: &mut Box<dyn Follower>| poll_for(f, Cause::Watch).1;
    assert!(watch(&mut f).is_empty());
    // A point, a point of a key with a `/`, a new key, a new param and a tag rewritten in
    // place (as MLflow's `set_tag` does) are each seen at the next poll.
    append(&run.join("metrics/loss"), "1795723400000 0.011 500");
    let changed = watch(&mut f);
    assert_eq!(
        find(&changed, "sweep-4").metrics["loss"].latest.value,
        0.011
    );
    append(&run.join("metrics/val/loss"), "1795723400000 0.022 500");
    let changed = watch(&mut f);
    assert_eq!(
        find(&changed, "sweep-4").metrics["val/loss"].latest.value,
        0.022
    );
    append(&run.join("metrics/val/f1"), "1795723400000 0.033 0");
    let changed = watch(&mut f);
    assert_eq!(
        find(&changed, "sweep-4").metrics["val/f1"].latest.value,
        0.033
    );
    std::fs::write(run.join("params/warmup"), "100").expect("param");
    let changed = watch(&mut f);
    assert_eq!(find(&changed, "sweep-4").params["warmup"], "100");
    let tag = std::fs::read_dir(run.join("tags"))
        .expect("tags")
        .flatten()
        .find(|e| e.path().is_file())
        .expect("a tag")
        .path();
    std::fs::write(&tag, "rewritten").expect("tag");
    let changed = watch(&mut f);
    let key = tag
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert_eq!(find(&changed, "sweep-4").tags[key.as_str()], "rewritten");
    assert!(watch(&mut f).is_empty());
}

#[test]
fn file_store_finds_a_run_whose_meta_yaml_comes_after_its_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("mlruns");
    copy_tree(&fixtures().join("v3/file/mlruns"), &root);
    let mut f = mltui::store::follow(open(&root));
    let (_, all) = poll(&mut f);
    // MLflow makes the run's folder, then writes its meta.yaml: a poll in between sees an
    // empty folder. The experiment folder's mtime is set back so that only the folder
    // looked at again can find the run.
    let src = run_dir(&root, &all, "sweep-0");
    let exp = src.parent().expect("experiment").to_path_buf();
    let new_id = "00000000000000000000000000000abc";
    let new = exp.join(new_id);
    std::fs::create_dir(&new).expect("mkdir");
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let set_mtime = || {
        std::fs::File::open(&exp)
            .expect("open the folder")
            .set_modified(old)
            .expect("set mtime")
    };
    set_mtime();
    assert!(poll_for(&mut f, Cause::Watch).1.is_empty());
    let set = f.watch_set().expect("watched");
    assert!(
        set.dirs.contains(&new),
        "a folder that may become a run is watched"
    );
    for e in std::fs::read_dir(&src).expect("read_dir").flatten() {
        let to = new.join(e.file_name());
        if e.path().is_dir() {
            copy_tree(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).expect("copy");
        }
    }
    let meta = std::fs::read_to_string(new.join("meta.yaml")).expect("meta");
    let id = src.file_name().expect("id").to_string_lossy().into_owned();
    std::fs::write(new.join("meta.yaml"), meta.replace(&id, new_id)).expect("write");
    set_mtime();
    let (_, changed) = poll_for(&mut f, Cause::Watch);
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].run_id, new_id);
}

#[test]
fn sqlite_watch_set_is_the_database_folder_for_its_files_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("mlflow.db");
    std::fs::copy(fixtures().join("v3/sqlite/mlflow.db"), &db).expect("copy");
    let mut f = mltui::store::follow(open(&db));
    poll(&mut f);
    let set = f.watch_set().expect("a SQLite file is watched");
    let folder = std::fs::canonicalize(dir.path()).expect("canonical");
    assert_eq!(set.root, folder);
    assert_eq!(set.dirs.into_iter().collect::<Vec<_>>(), [folder]);
    let names: Vec<String> = set
        .names
        .expect("names")
        .iter()
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "mlflow.db",
            "mlflow.db-journal",
            "mlflow.db-shm",
            "mlflow.db-wal"
        ]
    );
}
