//! `mltui runs --saved-view NAME`: a view saved in the terminal UI, applied headless to the
//! same source, from a state file in a test's own state directory.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mltui::config::state::{self, ColumnSetting, SortSetting, StateFile, ViewState};
use mltui::store::SourceSpec;

fn demo_db() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/mlflow.db")
}

const BERT_4: &str = "a1a6fa03b21f49eb96c343d32bd4f43e";
const BERT_2: &str = "e8af57197546492fbaeb1f3be1638ea8";
const DISTILBERT_3: &str = "831d049b876e45b18ca44d4342496332";

fn col(name: &str, visible: bool, pinned: bool) -> ColumnSetting {
    ColumnSetting {
        name: name.into(),
        visible,
        pinned,
        width: None,
    }
}

/// A state directory holding a view "f1 report" for the demo store.
fn state_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let id = state::source_id(&SourceSpec::Sqlite(demo_db()));
    let mut file = StateFile::new(&id);
    file.named.insert(
        "f1 report".into(),
        ViewState {
            columns: vec![
                col("run_name", true, false),
                col("metrics.eval/f1", true, true),
                col("status", false, false),
                col("params.lr", true, false),
                col("metrics.no_such_metric", true, false),
            ],
            sort: vec![SortSetting {
                column: "metrics.eval/f1".into(),
                descending: true,
            }],
            query: Some("params.model LIKE 'bert%'".into()),
            pins: vec![DISTILBERT_3.into()],
            hidden: vec![BERT_2.into()],
            ..ViewState::default()
        },
    );
    file.named.insert(
        "f1 by model".into(),
        ViewState {
            columns: vec![
                col("run_name", true, false),
                col("metrics.eval/f1", true, false),
            ],
            group_by: Some("params.model".into()),
            ..ViewState::default()
        },
    );
    let path = state::file_for(&dir.path().join("mltui"), &id);
    state::write_atomic(&path, &file.to_json(), false).expect("write");
    dir
}

fn runs(state: &Path, extra: &[&str]) -> Output {
    let db = demo_db();
    let mut args = vec!["runs", db.to_str().expect("utf-8"), "-e", "bert-finetune"];
    args.extend_from_slice(extra);
    Command::new(env!("CARGO_BIN_EXE_mltui"))
        .args(&args)
        .env("XDG_STATE_HOME", state)
        .env("XDG_CONFIG_HOME", "/nonexistent-mltui-test-config")
        .env_remove("MLFLOW_TRACKING_URI")
        .output()
        .expect("run")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_saved_view_is_a_report_recipe() {
    let dir = state_dir();
    let csv = ok(&runs(
        dir.path(),
        &["--saved-view", "f1 report", "-f", "csv"],
    ));
    let lines: Vec<&str> = csv.lines().collect();
    // Pinned columns first, hidden ones and keys no run has left out.
    assert_eq!(lines[0], "metrics.eval/f1,run_name,params.lr");
    // The pinned run first (though the filter leaves it out), then the filter's runs by
    // f1 descending, without the hidden one.
    let names: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(1).expect("name"))
        .collect();
    assert_eq!(names, ["distilbert-3", "bert-4", "bert-0", "bert-1"]);
}

#[test]
fn a_view_saved_in_group_mode_writes_one_row_per_group() {
    let dir = state_dir();
    let csv = ok(&runs(
        dir.path(),
        &["--saved-view", "f1 by model", "-f", "csv"],
    ));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "params.model,runs,mean(metrics.eval/f1),std(metrics.eval/f1)"
    );
    assert!(lines.len() > 2, "{csv}");
    // --group-by replaces the view's grouping.
    let csv = ok(&runs(
        dir.path(),
        &[
            "--saved-view",
            "f1 by model",
            "--group-by",
            "status",
            "-f",
            "csv",
        ],
    ));
    assert!(csv.starts_with("status,runs,"), "{csv}");
}

#[test]
fn flags_replace_the_parts_of_the_view_they_name() {
    let dir = state_dir();
    let csv = ok(&runs(
        dir.path(),
        &[
            "--saved-view",
            "f1 report",
            "-c",
            "run_id",
            "--order-by",
            "metrics.`eval/f1` ASC",
            "-f",
            "csv",
        ],
    ));
    let ids: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(ids[0], DISTILBERT_3, "pinned first still");
    assert!(!ids.contains(&BERT_2), "hidden still");
    assert_eq!(
        ids.last().copied(),
        Some(BERT_4),
        "highest f1 last: {ids:?}"
    );
}

#[test]
fn an_unknown_view_is_a_usage_error_with_the_closest_name() {
    let dir = state_dir();
    let out = runs(dir.path(), &["--saved-view", "f1 reprt"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no saved view 'f1 reprt'"), "{err}");
    assert!(err.contains("did you mean f1 report?"), "{err}");
    // No state at all says how to save one.
    let empty = tempfile::tempdir().expect("tempdir");
    let out = runs(empty.path(), &["--saved-view", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("v then s saves one"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
