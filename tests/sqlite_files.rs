//! Reading a SQLite store leaves no trace and survives what other programs leave in it
//! (issue 15, items 2, 3 and 12): no `-wal`, `-shm` or journal is ever created next to the
//! store, in rollback-journal and WAL mode, with and without a writer, as the owner and as
//! another user; a crashed writer's hot journal is explained; bad cells become warnings.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use mltui::store::{Change, Store};

/// Every file in `dir`: name → (size, modification time, inode, bytes).
type Listing = BTreeMap<String, (u64, std::time::SystemTime, u64, Vec<u8>)>;

fn listing(dir: &Path) -> Listing {
    use std::os::unix::fs::MetadataExt;
    std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| {
            let e = e.expect("entry");
            let m = e.metadata().expect("stat");
            let bytes = std::fs::read(e.path()).expect("read");
            (
                e.file_name().to_string_lossy().into_owned(),
                (m.len(), m.modified().expect("mtime"), m.ino(), bytes),
            )
        })
        .collect()
}

fn names(l: &Listing) -> Vec<&str> {
    l.keys().map(String::as_str).collect()
}

/// A copy of the v3 fixture store in a directory of its own.
fn store_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("mlflow.db");
    std::fs::copy(fixtures().join("v3/sqlite/mlflow.db"), &db).expect("copy");
    (dir, db)
}

fn to_wal(db: &Path) {
    let c = rusqlite::Connection::open(db).expect("open");
    let mode: String = c
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .expect("wal");
    assert_eq!(mode, "wal");
    drop(c);
    assert!(!Path::new(&format!("{}-wal", db.display())).exists());
}

/// Everything mltui does with a store: CLI loads, a history, and a follower's polls (in
/// this process).
fn read_everything(db: &Path) -> String {
    let s = db.to_str().expect("utf-8");
    let json = mltui_ok(&["runs", s, "--view", "all", "-f", "json"]);
    mltui_ok(&["experiments", s, "--view", "all"]);
    let runs: serde_json::Value = serde_json::from_str(&json).expect("json");
    let first = runs[0]["run_id"].as_str().expect("id").to_string();
    mltui_ok(&["runs", s, "-f", "csv", "--filter", "metrics.acc > 0"]);
    let spec = mltui::store::parse_source(s, Path::new("/")).expect("source");
    let store: std::sync::Arc<dyn Store> =
        std::sync::Arc::from(mltui::store::open(&spec).expect("open"));
    store.metric_history(&first, "loss").expect("history");
    let mut f = mltui::store::follow(store);
    for _ in 0..3 {
        f.poll(&mut |_| {}).expect("poll");
    }
    json
}

#[test]
fn rollback_journal_store_gains_no_file() {
    let (dir, db) = store_copy();
    let before = listing(dir.path());
    read_everything(&db);
    assert!(
        before == listing(dir.path()),
        "files changed: {:?}",
        names(&listing(dir.path()))
    );
}

#[test]
fn wal_store_without_a_writer_is_read_whole_and_gains_no_file() {
    let (plain_dir, plain) = store_copy();
    let (dir, db) = store_copy();
    to_wal(&db);
    let before = listing(dir.path());
    let json = read_everything(&db);
    assert_eq!(names(&listing(dir.path())), ["mlflow.db"]);
    assert!(before == listing(dir.path()), "the database changed");
    // The same answers as the rollback-journal copy.
    let plain_json = mltui_ok(&[
        "runs",
        plain.to_str().expect("utf-8"),
        "--view",
        "all",
        "-f",
        "json",
    ]);
    assert_eq!(json, plain_json);
    drop(plain_dir);
}

#[test]
fn wal_store_with_a_writer_is_read_live_and_left_to_the_writer() {
    let (dir, db) = store_copy();
    to_wal(&db);
    let writer = rusqlite::Connection::open(&db).expect("writer");
    writer
        .execute(
            "UPDATE runs SET name = 'renamed-live' WHERE name = 'sweep-0'",
            [],
        )
        .expect("update");
    assert_eq!(
        names(&listing(dir.path())),
        ["mlflow.db", "mlflow.db-shm", "mlflow.db-wal"]
    );
    let s = db.to_str().expect("utf-8");
    let out = mltui_ok(&["runs", s, "-f", "csv", "-c", "run_name"]);
    assert!(
        out.contains("renamed-live"),
        "the commit in the WAL is seen: {out}"
    );

    let spec = mltui::store::parse_source(s, Path::new("/")).expect("source");
    let store: std::sync::Arc<dyn Store> =
        std::sync::Arc::from(mltui::store::open(&spec).expect("open"));
    let mut f = mltui::store::follow(store);
    f.poll(&mut |_| {}).expect("first poll");
    writer
        .execute(
            "UPDATE runs SET status = 'KILLED', end_time = 1 WHERE name = 'sweep-4'",
            [],
        )
        .expect("update");
    let mut changed = Vec::new();
    f.poll(&mut |c| {
        if let Change::Runs(b) = c {
            changed.extend(b.runs.into_iter().map(|r| (r.run_name, r.status)));
        }
    })
    .expect("poll");
    assert!(
        changed.contains(&("sweep-4".into(), mltui::model::RunStatus::Killed)),
        "{changed:?}"
    );
    assert_eq!(
        names(&listing(dir.path())),
        ["mlflow.db", "mlflow.db-shm", "mlflow.db-wal"]
    );
    // The follower holds no connection between polls: the writer can clean up as it closes.
    drop(writer);
    assert_eq!(
        names(&listing(dir.path())),
        ["mlflow.db"],
        "no -wal/-shm left behind"
    );
    f.poll(&mut |_| {}).expect("poll after the writer left");
    assert_eq!(names(&listing(dir.path())), ["mlflow.db"]);
}

/// Runs Python's sqlite3 (a separate process, so that it can die holding its files).
fn python(dir: &Path, code: &str) {
    let out = Command::new("python3")
        .arg("-c")
        .arg(code)
        .current_dir(dir)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn wal_files_of_a_crashed_writer_are_read_and_never_recreated() {
    let (dir, db) = store_copy();
    to_wal(&db);
    python(
        dir.path(),
        "import sqlite3, os\nw = sqlite3.connect('mlflow.db')\n\
         w.execute(\"UPDATE runs SET name = 'in-the-wal' WHERE name = 'sweep-1'\")\nw.commit()\nos._exit(0)",
    );
    let before = listing(dir.path());
    assert_eq!(
        names(&before),
        ["mlflow.db", "mlflow.db-shm", "mlflow.db-wal"]
    );
    let s = db.to_str().expect("utf-8");
    let out = mltui_ok(&["runs", s, "-f", "csv", "-c", "run_name"]);
    assert!(out.contains("in-the-wal"), "{out}");
    assert!(
        before == listing(dir.path()),
        "no byte of the three files changed"
    );

    // Without its -shm the WAL cannot be read safely: the main file is shown, with a warning,
    // and no -shm is made.
    std::fs::remove_file(dir.path().join("mlflow.db-shm")).expect("rm");
    let before = listing(dir.path());
    let out = mltui(&["runs", s, "-f", "csv", "-c", "run_name"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("mlflow.db-wal exists without") && err.contains("-shm"),
        "{err}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("in-the-wal"));
    assert!(before == listing(dir.path()));
}

#[test]
fn hot_journal_of_a_crashed_writer_is_explained_and_left_alone() {
    let (dir, db) = store_copy();
    // A writer dies in the middle of a transaction big enough to spill into the file.
    python(
        dir.path(),
        "import sqlite3, os\nw = sqlite3.connect('mlflow.db', isolation_level=None)\n\
         w.execute('PRAGMA cache_size = 10')\nw.execute('BEGIN')\n\
         for i in range(4):\n    w.execute(\"INSERT INTO params SELECT key || ?, value, run_uuid FROM params\", (str(i),))\n\
         w.execute(\"UPDATE params SET value = value || 'x'\")\nos._exit(0)",
    );
    let before = listing(dir.path());
    assert_eq!(names(&before), ["mlflow.db", "mlflow.db-journal"]);
    // Hot: pages were spilled into the database, so the synced journal header is set.
    assert_ne!(
        before["mlflow.db-journal"].3.first(),
        Some(&0),
        "the journal is hot"
    );
    let out = mltui(&["runs", db.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    for part in [
        "hot journal",
        "mlflow.db-journal",
        "crashed",
        "PRAGMA quick_check",
        "do not delete",
    ] {
        assert!(err.contains(part), "{part:?} missing from: {err}");
    }
    assert!(
        !err.contains("attempt to write a readonly database"),
        "{err}"
    );
    assert!(
        before == listing(dir.path()),
        "the journal and database are untouched"
    );
}

/// Runs `mltui ARGS` as another user (`setpriv`, root only).
fn mltui_as(uid: u32, args: &[&str]) -> std::process::Output {
    Command::new("setpriv")
        .args([
            &format!("--reuid={uid}"),
            &format!("--regid={uid}"),
            "--clear-groups",
            "--",
            env!("CARGO_BIN_EXE_mltui"),
        ])
        .args(args)
        .env_remove("MLFLOW_TRACKING_URI")
        .output()
        .expect("setpriv")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The problem this fixes, as users met it: in a directory shared by a group, someone
/// viewing a WAL store left `-wal`/`-shm` files owned by themselves, and the training user's
/// next write failed with "attempt to write a readonly database". Needs root (to act as two
/// users); as root alone it could not show it, since root may write anything.
#[test]
fn a_viewer_in_a_shared_directory_does_not_break_the_training_user() {
    if !is_root()
        || Command::new("setpriv").arg("--version").output().is_err()
        || !Path::new("/usr/bin/python3").exists()
    {
        eprintln!("skipped: needs root, setpriv and /usr/bin/python3 to act as two users");
        return;
    }
    use std::os::unix::fs::{PermissionsExt, chown};
    const TRAINER: u32 = 4242;
    const VIEWER: u32 = 65534;
    let (dir, db) = store_copy();
    to_wal(&db);
    let chmod = |p: &Path, mode: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod")
    };
    // The store belongs to the trainer; the directory lets everyone create files.
    chown(&db, Some(TRAINER), Some(TRAINER)).expect("chown");
    chmod(&db, 0o644);
    chmod(dir.path(), 0o777);
    let s = db.to_str().expect("utf-8");
    let out = mltui_as(VIEWER, &["runs", s, "-f", "csv"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        names(&listing(dir.path())),
        ["mlflow.db"],
        "the viewer made no file"
    );
    // The trainer goes on writing.
    let out = Command::new("setpriv")
        .args([&format!("--reuid={TRAINER}"), &format!("--regid={TRAINER}"), "--clear-groups", "--"])
        .args(["/usr/bin/python3", "-c", "import sqlite3\nw = sqlite3.connect('mlflow.db')\nw.execute(\"UPDATE runs SET name = 'still-writing' WHERE name = 'sweep-2'\")\nw.commit()\nw.close()"])
        .current_dir(dir.path())
        .output()
        .expect("trainer");
    assert!(
        out.status.success(),
        "the trainer could not write: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A directory the viewer may not write to: the store is still readable.
    chmod(dir.path(), 0o755);
    let out = mltui_as(VIEWER, &["runs", s, "-f", "csv", "-c", "run_name"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("still-writing"));
    chmod(dir.path(), 0o700);
}

/// One cell of each kind MLflow never writes, in different runs; each must cost a warning
/// naming table, run and key, and nothing else.
#[test]
fn bad_cells_are_warnings_naming_table_run_and_key() {
    let (_dir, db) = store_copy();
    let c = rusqlite::Connection::open(&db).expect("open");
    let id = |name: &str| -> String {
        c.query_row("SELECT run_uuid FROM runs WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .expect("run id")
    };
    let (s0, s1, s2, s3, s5) = (
        id("sweep-0"),
        id("sweep-1"),
        id("sweep-2"),
        id("sweep-3"),
        id("sweep-5"),
    );
    // Invalid UTF-8 text, a BLOB, text in numeric columns, a key that is not text.
    c.execute("UPDATE params SET value = CAST(X'6F6BFF' AS TEXT) WHERE key = 'optimizer' AND run_uuid = ?1", [&s0]).expect("utf8");
    c.execute(
        "UPDATE params SET value = X'00FF01' WHERE key = 'batch_size' AND run_uuid = ?1",
        [&s1],
    )
    .expect("blob");
    c.execute(
        "UPDATE latest_metrics SET value = 'abc' WHERE key = 'loss' AND run_uuid = ?1",
        [&s2],
    )
    .expect("text");
    c.execute(
        "UPDATE metrics SET value = 'abc' WHERE key = 'loss' AND run_uuid = ?1 AND step = 0",
        [&s2],
    )
    .expect("text");
    c.execute(
        "UPDATE latest_metrics SET key = CAST(X'61FF' AS TEXT) WHERE key = 'acc' AND run_uuid = ?1",
        [&s3],
    )
    .expect("key");
    c.execute(
        "UPDATE runs SET start_time = 'yesterday' WHERE run_uuid = ?1",
        [&s5],
    )
    .expect("time");
    drop(c);

    let out = mltui(&[
        "runs",
        db.to_str().expect("utf-8"),
        "--view",
        "all",
        "-f",
        "json",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let runs = runs.as_array().expect("array");
    assert_eq!(runs.len(), 13, "every run loads");
    let run = |id: &str| runs.iter().find(|r| r["run_id"] == id).expect("run");
    assert_eq!(run(&s0)["params"]["optimizer"], "ok\u{fffd}");
    assert_eq!(run(&s1)["params"]["batch_size"], "\u{0}\u{fffd}\u{1}");
    assert!(
        run(&s2)["metrics"].get("loss").is_none(),
        "an unreadable latest value is left out"
    );
    assert!(run(&s2)["metrics"].get("acc").is_some());
    assert!(run(&s3)["metrics"].get("acc").is_none());
    assert!(run(&s5)["start_time"].is_null());
    let expect = [
        ("table params", &s0, "\"optimizer\"", "not valid UTF-8"),
        ("table params", &s1, "\"batch_size\"", "BLOB"),
        ("table latest_metrics", &s2, "\"loss\"", "\"abc\""),
        ("table metrics", &s2, "\"loss\"", "\"abc\""),
        ("table latest_metrics", &s3, "", "key is not valid UTF-8"),
        ("table runs", &s5, "", "start_time is text \"yesterday\""),
    ];
    for (table, run, key, problem) in expect {
        assert!(
            err.lines().any(|l| l.contains(table)
                && l.contains(run.as_str())
                && l.contains(key)
                && l.contains(problem)),
            "no warning for {table}, run {run}, key {key}: {problem}\n{err}"
        );
    }
}
