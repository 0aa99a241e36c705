//! Names people type on the command line: runs by id prefix or name (ambiguity lists the
//! candidates), experiments with "did you mean", unknown columns; usage errors exit with 2.
//! Also the message without a terminal and the `--help` of the commands.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

fn v3_file() -> String {
    fixtures().join("v3/file/mlruns").display().to_string()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The id of the run named `name` in the v3 file store.
fn id_of(name: &str) -> String {
    let out = mltui_ok(&[
        "runs",
        &v3_file(),
        "--view",
        "all",
        "-c",
        "run_name,run_id",
        "-f",
        "csv",
    ]);
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{name},")))
        .unwrap_or_else(|| panic!("no run {name}"))
        .to_string()
}

/// A copy of the v3 file store with a second run named `sweep-1`, whose id shares its
/// first 30 characters with the first one.
fn store_with_twin() -> (tempfile::TempDir, PathBuf, String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("mlruns");
    copy_tree(&fixtures().join("v3/file/mlruns"), &root);
    let id = id_of("sweep-1");
    let twin = format!("{}ff", &id[..30]);
    assert_ne!(twin, id);
    let exp = std::fs::read_dir(&root)
        .expect("read_dir")
        .map(|e| e.expect("entry").path())
        .find(|p| p.join(&id).is_dir())
        .expect("experiment of sweep-1");
    copy_tree(&exp.join(&id), &exp.join(&twin));
    let meta = exp.join(&twin).join("meta.yaml");
    let text = std::fs::read_to_string(&meta).expect("meta");
    std::fs::write(&meta, text.replace(&id, &twin)).expect("write meta");
    (dir, root, id, twin)
}

#[test]
fn compare_history_and_plot_take_id_prefixes_and_names() {
    let store = v3_file();
    let (a, b) = (id_of("sweep-0"), id_of("sweep-2"));
    let by_id = mltui_ok(&["compare", &store, &a, &b, "-f", "csv"]);
    let by_prefix = mltui_ok(&["compare", &store, &a[..6], &b[..8], "-f", "csv"]);
    let by_name = mltui_ok(&["compare", &store, "sweep-0", "sweep-2", "-f", "csv"]);
    assert_eq!(by_prefix, by_id);
    assert_eq!(by_name, by_id);
    // Scoped to an experiment, by name.
    let scoped = mltui_ok(&[
        "compare", &store, "-e", "sweep", "sweep-0", "sweep-2", "-f", "csv",
    ]);
    assert_eq!(scoped, by_id);
    let history = mltui_ok(&[
        "history", &store, "-r", "sweep-0", "-m", "loss", "-f", "csv",
    ]);
    assert!(
        history
            .lines()
            .nth(1)
            .expect("a point")
            .starts_with(&format!("{a},sweep-0,loss,"))
    );
    let png = tempfile::tempdir().expect("tempdir");
    let path = png.path().join("p.png");
    mltui_ok(&[
        "plot",
        &store,
        "-r",
        &a[..7],
        "-r",
        "sweep-2",
        "-m",
        "loss",
        "-o",
        path.to_str().expect("utf-8"),
    ]);
    assert!(path.is_file());
}

#[test]
fn ambiguous_and_unknown_runs_are_usage_errors() {
    let (_dir, root, id, twin) = store_with_twin();
    let store = root.to_str().expect("utf-8");
    let other = id_of("sweep-0");

    let out = mltui(&["compare", store, "sweep-1", &other]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("'sweep-1' matches 2 runs; give more of the id:"),
        "{err}"
    );
    for candidate in [&id, &twin] {
        let line = err
            .lines()
            .find(|l| l.contains(candidate.as_str()))
            .expect(candidate);
        assert!(line.starts_with("  sweep-1  "), "{line}");
        assert!(line.contains("experiment 'sweep' ("), "{line}");
    }

    let out = mltui(&["compare", store, &id[..12], &other]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("matches 2 runs"));
    // The full id, and a prefix long enough to tell them apart, are fine.
    mltui_ok(&["compare", store, &id, &other]);
    mltui_ok(&["compare", store, &twin[..31], &other]);

    let out = mltui(&["compare", store, &other[..5], &id]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is too short for a run id prefix: give at least 6 characters"),
        "{}",
        stderr(&out)
    );

    let out = mltui(&["history", store, "-r", "sweep-9", "-m", "loss"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no run with id, id prefix or name 'sweep-9'"),
        "{err}"
    );
    assert!(
        err.contains("did you mean sweep-0, sweep-1 or sweep-2?"),
        "{err}"
    );

    // A deleted namesake does not make a name ambiguous.
    let out = mltui(&["compare", &v3_file(), "sweep-5", &other]);
    assert!(
        out.status.success(),
        "sweep-5 exists only deleted: {}",
        stderr(&out)
    );

    let out = mltui(&["compare", store, "sweep-0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("compare needs at least two runs, got 1 run"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unknown_experiments_suggest_close_names() {
    let store = v3_file();
    for args in [
        vec!["runs", store.as_str(), "-e", "swep"],
        vec![
            "compare",
            store.as_str(),
            "-e",
            "swep",
            "sweep-0",
            "sweep-2",
        ],
        vec![
            "history",
            store.as_str(),
            "-e",
            "swep",
            "-r",
            "sweep-0",
            "-m",
            "loss",
        ],
    ] {
        let out = mltui(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("no experiment with id or name 'swep'"),
            "{err}"
        );
        assert!(err.contains("did you mean sweep?"), "{err}");
    }
    let out = mltui(&["runs", &store, "-e", "demo"]);
    assert!(
        stderr(&out).contains("did you mean exp-α demo?"),
        "{}",
        stderr(&out)
    );
    let out = mltui(&["runs", &store, "-e", "qqqqqqqqqq"]);
    let err = stderr(&out);
    assert!(err.contains("; it has 'Default', "), "{err}");
}

/// Runs the binary with stdin and stdout not a terminal (as `ssh host mltui` does without
/// `-t`), killing it if it does not end in time.
fn run_without_terminal(args: &[&str], cwd: &Path) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mltui"))
        .args(args)
        .current_dir(cwd)
        .env_remove("MLFLOW_TRACKING_URI")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("mltui without a terminal did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("read stderr");
    (status.code(), err)
}

#[test]
fn without_a_terminal_the_ui_says_what_to_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, err) = run_without_terminal(&[&v3_file()], dir.path());
    assert_eq!(code, Some(1), "{err}");
    assert!(!err.contains("os error"), "{err}");
    assert!(err.contains("the terminal UI needs a terminal"), "{err}");
    assert!(err.contains("ssh -t HOST mltui"), "{err}");
    assert!(
        err.contains("`mltui runs`") && err.contains("`mltui plot --format text`"),
        "{err}"
    );
}

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_mltui"))
        .args(args)
        .env("COLUMNS", "100")
        .output()
        .expect("run");
    assert!(out.status.success());
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Bug: the usage read `<SOURCE] [RUN_ID>...`. (Every `--help` is snapshotted in
/// tests/cli_docs.rs.)
#[test]
fn compare_usage_is_honest() {
    let compare = help(&["compare", "--help"]);
    assert!(
        compare.contains("Usage: mltui compare [OPTIONS] [SOURCE] <RUN>..."),
        "{compare}"
    );
    assert!(!compare.contains("<SOURCE]"), "{compare}");
}

#[test]
fn unknown_columns_are_errors_naming_the_closest_keys() {
    let store = v3_file();
    // Bug: a typo'd key gave an all-`-` column and exit status 0.
    let out = mltui(&["runs", &store, "-c", "run_name,metrics.acc,metrics.val_acc"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(out.stdout.is_empty());
    assert!(
        err.contains("unknown column 'metrics.val_acc': no run in file store "),
        "{err}"
    );
    assert!(
        err.contains("did you mean metrics.val/acc or metrics.acc?"),
        "{err}"
    );
    // Within an experiment, keys of other experiments do not count.
    let out = mltui(&["runs", &store, "-e", "exp-α demo", "-c", "metrics.acc"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no run in experiment 'exp-α demo' has it"),
        "{err}"
    );
    // Several at once: one line each.
    let out = mltui(&["runs", &store, "-c", "params.lrr,tags.stag"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("unknown columns: no run in file store"),
        "{err}"
    );
    assert!(
        err.contains("\n  'params.lrr': did you mean params.lr?\n"),
        "{err}"
    );
    assert!(
        err.contains("\n  'tags.stag': did you mean tags.stage?\n"),
        "{err}"
    );
    // An attribute typo fails before the store is read.
    let out = mltui(&["runs", "/nonexistent", "-c", "run_nmae"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("unknown column 'run_nmae'; did you mean run_name?"),
        "{err}"
    );
    // A key that only filtered-out runs have is fine, with a note.
    let out = mltui(&[
        "runs",
        &store,
        "-c",
        "run_name,metrics.best_acc",
        "--filter",
        "metrics.acc > 0.87",
        "-f",
        "csv",
    ]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("note: the run shown has no metrics.best_acc"),
        "{err}"
    );
}

#[test]
fn limit_keeps_the_first_runs_in_order() {
    let store = v3_file();
    let all = mltui_ok(&[
        "runs",
        &store,
        "-c",
        "run_id",
        "-f",
        "csv",
        "--order-by",
        "metrics.acc DESC",
    ]);
    let two = mltui_ok(&[
        "runs",
        &store,
        "-c",
        "run_id",
        "-f",
        "csv",
        "--order-by",
        "metrics.acc DESC",
        "--limit",
        "2",
    ]);
    let want: Vec<&str> = all.lines().take(3).collect();
    assert_eq!(two.lines().collect::<Vec<_>>(), want);
    let json = mltui_ok(&["runs", &store, "-f", "json", "-n", "1"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(1));
}
