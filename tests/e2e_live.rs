//! Live refresh end to end: the real binary in an 80×24 pseudo-terminal follows a file store
//! and a SQLite store while real MLflow (`MLTUI_TEST_MLFLOW`'s venv) logs into them.
//!
//! With the watcher (inotify) a logged point and a new run show within a second of the
//! logging call returning, although the refresh interval is 30 s: only the watcher explains
//! it. With polling forced (`MLTUI_WATCH=poll`, `--refresh 1`) a point shows within the
//! interval (plus the poll's and the frame's own time). The latencies are printed
//! (`--nocapture`). Without `MLTUI_TEST_MLFLOW` these tests fail unless
//! `MLTUI_SKIP_SERVER_TESTS=1`, as the other tests that need MLflow.

mod common;
#[path = "common/mlflow_server.rs"]
mod mlflow_server;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::pty::Session;

/// How soon a change must show with the watcher, from the logging call's return.
const WATCHED: Duration = Duration::from_secs(1);
/// The polling interval of the forced-polling tests, and the margin on it: a poll that
/// started just before the write misses it, and the next one starts an interval after it
/// ended.
const POLL_SECS: &str = "1";
const POLL_MARGIN: Duration = Duration::from_millis(500);

fn script() -> PathBuf {
    common::fixtures().join("live_log.py")
}

/// Runs the script to its end; its standard output.
fn run_script(python: &Path, args: &[&str]) -> String {
    let out = Command::new(python)
        .arg(script())
        .args(args)
        .env_remove("MLFLOW_TRACKING_URI")
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "live_log.py {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Runs the script; while it runs, watches the screen for `text`. Returns the time from the
/// script's "logged" (the MLflow call returned) to the first frame showing `text` (zero if
/// the frame came first).
fn latency(s: &Session, python: &Path, args: &[&str], text: &str) -> Duration {
    assert!(
        !s.screen().contains(text),
        "{text} shows before it is logged"
    );
    let mut child = Command::new(python)
        .arg(script())
        .args(args)
        .env_remove("MLFLOW_TRACKING_URI")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            match line {
                Ok(l) if l.trim() == "logged" => {
                    let _ = tx.send(Instant::now());
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    });
    // Python and MLflow take seconds to start on a busy machine: the deadline is generous;
    // the time measured starts when the call returned.
    let deadline = Instant::now() + Duration::from_secs(120);
    let (mut logged, mut shown) = (None, None);
    while logged.is_none() || shown.is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                use std::io::Read;
                let _ = e.read_to_string(&mut err);
            }
            panic!(
                "timed out (logged: {}, shown: {}); python: {err}\nscreen:\n{}",
                logged.is_some(),
                shown.is_some(),
                s.screen()
            );
        }
        if logged.is_none() {
            logged = rx.try_recv().ok();
        }
        if shown.is_none() && s.screen().contains(text) {
            shown = Some(Instant::now());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let status = child.wait().expect("wait");
    assert!(status.success(), "live_log.py {args:?}: {status:?}");
    let (logged, shown) = (
        logged.unwrap_or_else(Instant::now),
        shown.unwrap_or_else(Instant::now),
    );
    shown.saturating_duration_since(logged)
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    File,
    Sqlite,
}

/// A store written by MLflow in `dir`: (tracking URI, path for mltui).
fn make_store(python: &Path, dir: &Path, kind: Kind) -> (String, String, String) {
    let (uri, path) = match kind {
        Kind::File => {
            let p = dir.join("mlruns");
            (format!("file://{}", p.display()), p)
        }
        Kind::Sqlite => {
            let p = dir.join("mlflow.db");
            (format!("sqlite:///{}", p.display()), p)
        }
    };
    let run_id = run_script(python, &["create", &uri]);
    (uri, path.display().to_string(), run_id)
}

fn python() -> Option<PathBuf> {
    let bin = mlflow_server::mlflow_bin()?;
    Some(bin.with_file_name("python"))
}

/// mltui on the store's experiment "live", once it shows the run and how it follows.
fn open(dir: &Path, source: &str, refresh: &str, watch: &str, header: &str) -> Session {
    let s = Session::start_sized(
        &["--refresh", refresh, "-e", "live", source],
        dir,
        &[("MLTUI_WATCH", watch)],
        24,
        80,
    );
    s.wait_for("training");
    s.wait_for(header);
    s
}

fn watched(kind: Kind) {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let (uri, source, run_id) = make_store(&python, dir.path(), kind);
    // 300 s between polls: only the watcher can show a change within a second.
    let mut s = open(dir.path(), &source, "300", "auto", "● live (watching)");
    let point = latency(
        &s,
        &python,
        &["point", &uri, &run_id, "0.0424242", "7"],
        "0.0424242",
    );
    let run = latency(&s, &python, &["run", &uri, "fresh-run"], "fresh-run");
    eprintln!("{kind:?} store, watched: a point showed {point:?}, a new run {run:?} after logging");
    assert!(point <= WATCHED, "a point showed after {point:?}");
    assert!(run <= WATCHED, "a new run showed after {run:?}");
    s.keys("\x03");
    assert!(s.wait_exit().success());
}

fn polled(kind: Kind) {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let (uri, source, run_id) = make_store(&python, dir.path(), kind);
    let mut s = open(dir.path(), &source, POLL_SECS, "poll", "● live 1s");
    let point = latency(
        &s,
        &python,
        &["point", &uri, &run_id, "0.0535353", "7"],
        "0.0535353",
    );
    eprintln!("{kind:?} store, polled every {POLL_SECS} s: a point showed {point:?} after logging");
    let limit = Duration::from_secs(1) + POLL_MARGIN;
    assert!(point <= limit, "a point showed after {point:?}");
    s.keys("\x03");
    assert!(s.wait_exit().success());
}

#[test]
fn file_store_watched_shows_a_point_and_a_run_within_a_second() {
    watched(Kind::File);
}

#[test]
fn sqlite_store_watched_shows_a_point_and_a_run_within_a_second() {
    watched(Kind::Sqlite);
}

#[test]
fn file_store_polled_when_asked_shows_a_point_within_the_interval() {
    polled(Kind::File);
}

#[test]
fn sqlite_store_polled_when_asked_shows_a_point_within_the_interval() {
    polled(Kind::Sqlite);
}
