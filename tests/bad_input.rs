//! Broken and unusual stores: each problem gives a clear error or a warning that names the
//! file, never a panic, and everything else still loads.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

/// A copy of the MLflow 3 file store fixture in a temp dir.
fn scratch_store() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("mlruns");
    copy_tree(&fixtures().join("v3/file/mlruns"), &root);
    (dir, root)
}

/// Run directories of an experiment whose name is `exp`.
fn runs_of(root: &Path, run_name: &str) -> std::path::PathBuf {
    for exp in std::fs::read_dir(root).expect("read_dir").flatten() {
        for run in std::fs::read_dir(exp.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = run.path().join("tags/mlflow.runName");
            if std::fs::read_to_string(&name).ok().as_deref() == Some(run_name) {
                return run.path();
            }
        }
    }
    panic!("run {run_name} not found");
}

fn runs_json(root: &Path) -> (Vec<Value>, String) {
    let out = mltui(&[
        "runs",
        root.to_str().expect("utf-8"),
        "--view",
        "all",
        "-f",
        "json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "failed: {stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    (v.as_array().expect("array").clone(), stderr)
}

fn find<'a>(runs: &'a [Value], name: &str) -> &'a Value {
    runs.iter()
        .find(|r| r["run_name"] == name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

#[test]
fn missing_source_names_the_path() {
    let out = mltui(&["runs", "/nonexistent/mlruns"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/nonexistent/mlruns") && err.contains("does not exist"),
        "{err}"
    );
}

#[test]
fn no_source_anywhere_says_what_was_looked_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mltui"))
        .args(["runs"])
        .current_dir(dir.path())
        .env_remove("MLFLOW_TRACKING_URI")
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("MLFLOW_TRACKING_URI") && err.contains("mlflow.db") && err.contains("mlruns"),
        "{err}"
    );
}

#[test]
fn garbage_and_empty_meta_yaml_are_warnings_naming_the_file() {
    let (_d, root) = scratch_store();
    let bad = runs_of(&root, "sweep-0").join("meta.yaml");
    std::fs::write(&bad, "run_id: [unclosed\n\u{0}").expect("write");
    let empty = runs_of(&root, "sweep-2").join("meta.yaml");
    std::fs::write(&empty, "").expect("write");
    let (runs, stderr) = runs_json(&root);
    assert_eq!(runs.len(), 11, "the other 11 of 13 runs load");
    assert!(
        stderr.contains(&bad.display().to_string()) && stderr.contains("invalid YAML"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&empty.display().to_string()) && stderr.contains("empty"),
        "{stderr}"
    );
}

#[test]
fn broken_experiment_meta_is_a_warning() {
    let (_d, root) = scratch_store();
    let exp = runs_of(&root, "sweep-0");
    let meta = exp.parent().expect("parent").join("meta.yaml");
    std::fs::write(&meta, "- just\n- a list\n").expect("write");
    let out = mltui(&["experiments", root.to_str().expect("utf-8"), "-f", "json"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&meta.display().to_string()) && stderr.contains("not a YAML mapping"),
        "{stderr}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        v.as_array().expect("array").len(),
        2,
        "Default and exp-α remain"
    );
}

#[test]
fn metric_file_quirks_training_in_progress_crlf_two_fields_and_garbage() {
    let (_d, root) = scratch_store();
    let run = runs_of(&root, "sweep-0");
    let metrics = run.join("metrics");
    // A half-written last line (training still running) is ignored, not an error.
    std::fs::write(metrics.join("loss"), "1000 0.9 0\n1001 0.5 1\n1002 0.").expect("write");
    // Windows line ends and old 2-field lines (step 0); a float timestamp.
    std::fs::write(metrics.join("acc"), "1000 0.1\r\n1700000000000.0 0.7 3\r\n").expect("write");
    // A malformed line in the middle is skipped with a warning naming file and line.
    std::fs::write(
        metrics.join("train/loss"),
        "1000 1.0 0\nnot a metric line\n1001 0.25 1\n",
    )
    .expect("write");
    let (runs, stderr) = runs_json(&root);
    let r = find(&runs, "sweep-0");
    assert_eq!(r["metrics"]["loss"], 0.5);
    assert_eq!(r["metric_summaries"]["loss"]["count"], 2);
    assert_eq!(r["metrics"]["acc"], 0.7);
    assert_eq!(
        r["metric_summaries"]["acc"]["timestamp"],
        1_700_000_000_000i64
    );
    assert_eq!(r["metrics"]["train/loss"], 0.25);
    let where_ = format!("{}:2", metrics.join("train/loss").display());
    assert!(
        stderr.contains(&where_) && stderr.contains("not a metric line"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("metrics/loss"),
        "a partial last line is not an error: {stderr}"
    );
}

#[test]
fn unreadable_files_are_reported_and_the_rest_loads() {
    let (_d, root) = scratch_store();
    let run = runs_of(&root, "sweep-3");
    // A dangling symlink cannot be read, even by root.
    std::os::unix::fs::symlink("/nonexistent/target", run.join("metrics/gone")).expect("symlink");
    let run2 = runs_of(&root, "sweep-0");
    std::os::unix::fs::symlink("/nonexistent/target", run2.join("params/gone")).expect("symlink");
    let (runs, stderr) = runs_json(&root);
    assert!(
        stderr.contains(&run.join("metrics/gone").display().to_string()),
        "{stderr}"
    );
    assert!(
        stderr.contains(&run2.join("params/gone").display().to_string()),
        "{stderr}"
    );
    assert!(
        runs.iter().any(|r| r["run_name"] == "sweep-3"),
        "a bad metric file keeps the run"
    );
    assert_eq!(runs.len(), 13, "a run whose param cannot be read is kept");
    let sweep0 = runs
        .iter()
        .find(|r| r["run_name"] == "sweep-0")
        .expect("sweep-0");
    assert!(sweep0["params"].get("gone").is_none(), "{sweep0}");
    assert!(
        !sweep0["params"].as_object().expect("params").is_empty(),
        "its other params are there"
    );
}

#[test]
fn run_id_not_matching_its_folder_is_skipped_like_mlflow() {
    let (_d, root) = scratch_store();
    let run = runs_of(&root, "sweep-0");
    let meta = run.join("meta.yaml");
    let text = std::fs::read_to_string(&meta).expect("read");
    let id = run
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    std::fs::write(&meta, text.replace(&id, "0123456789abcdef0123456789abcdef")).expect("write");
    let (runs, stderr) = runs_json(&root);
    assert_eq!(runs.len(), 12);
    assert!(stderr.contains("does not match its folder"), "{stderr}");
}

#[test]
fn non_mlflow_sqlite_and_garbage_files_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("other.db");
    write_empty_sqlite(&db);
    let out = mltui(&["runs", db.to_str().expect("utf-8")]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("other.db") && err.contains("not an MLflow tracking database"),
        "{err}"
    );

    let junk = dir.path().join("mlflow.db");
    std::fs::write(&junk, "this is not a database").expect("write");
    let out = mltui(&["runs", junk.to_str().expect("utf-8")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("not a SQLite database"),
        "{err}"
    );

    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, "").expect("write");
    let out = mltui(&["runs", empty.to_str().expect("utf-8")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("empty file"), "{err}");
}

/// Writes a valid, empty SQLite database (one page, empty schema): SQLite, but not MLflow's.
fn write_empty_sqlite(path: &Path) {
    let mut page = vec![0u8; 4096];
    page[..16].copy_from_slice(b"SQLite format 3\0");
    page[16..18].copy_from_slice(&4096u16.to_be_bytes()); // page size
    page[18] = 1; // write version
    page[19] = 1; // read version
    page[21] = 64; // max embedded payload fraction
    page[22] = 32; // min embedded payload fraction
    page[23] = 32; // leaf payload fraction
    page[28..32].copy_from_slice(&1u32.to_be_bytes()); // database size in pages
    page[44..48].copy_from_slice(&4u32.to_be_bytes()); // schema format
    page[56..60].copy_from_slice(&1u32.to_be_bytes()); // text encoding UTF-8
    page[100] = 0x0d; // leaf table b-tree page (sqlite_master, empty)
    page[105..107].copy_from_slice(&4096u16.to_be_bytes()); // cell content area start
    std::fs::write(path, page).expect("write");
}

#[test]
fn unknown_experiment_and_column_are_clear_errors() {
    let s = fixtures().join("v3/sqlite/mlflow.db");
    let out = mltui(&["runs", s.to_str().expect("utf-8"), "-e", "nope"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("no experiment with id or name 'nope'"),
        "{err}"
    );
    let out = mltui(&[
        "runs",
        s.to_str().expect("utf-8"),
        "--columns",
        "run_id,bogus",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("unknown column 'bogus'"),
        "{err}"
    );
}
