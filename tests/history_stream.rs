//! Long metric histories: `mltui history` writes them as it reads them, in constant memory, in
//! every format (JSON stays a valid array), sorted even when logged out of order; charts get
//! a sample taken while reading, exact again when zoomed in.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::*;

/// A file store with one run `r` whose metric `loss` has the given lines.
fn store_with(lines: impl Iterator<Item = String>) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("mlruns");
    let run = root.join("1/r");
    std::fs::create_dir_all(run.join("metrics")).expect("mkdir");
    std::fs::write(
        root.join("1/meta.yaml"),
        "experiment_id: '1'\nname: e\nlifecycle_stage: active\n",
    )
    .expect("write");
    std::fs::write(
        run.join("meta.yaml"),
        "experiment_id: '1'\nrun_id: r\nrun_name: long\nstatus: 3\nstart_time: 1\n\
         lifecycle_stage: active\n",
    )
    .expect("write");
    let file = std::fs::File::create(run.join("metrics/loss")).expect("create");
    let mut w = std::io::BufWriter::new(file);
    for line in lines {
        w.write_all(line.as_bytes()).expect("write");
    }
    w.flush().expect("flush");
    (tmp, root)
}

fn history(root: &Path, extra: &[&str]) -> (std::process::Output, u64) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mltui"));
    cmd.args([
        "history",
        root.to_str().expect("utf-8"),
        "-r",
        "r",
        "-m",
        "loss",
    ])
    .args(extra)
    .env_remove("MLFLOW_TRACKING_URI");
    run_measured(cmd, Duration::from_secs(600))
}

#[test]
fn a_long_history_streams_in_constant_memory() {
    // Half a million points (16 MB of metric file; 12 MB as points in memory).
    let n = 500_000u64;
    let (_tmp, root) = store_with(
        (0..n).map(|i| format!("{} {} {i}\n", 1_700_000_000_000 + i, (i % 977) as f64 / 7.0)),
    );
    for format in ["csv", "json", "table"] {
        let (out, rss_mb) = history(&root, &["-f", format, "-o", "/dev/null"]);
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Before: the whole table in memory, about 350 bytes a point (175 MB here).
        assert!(rss_mb < 40, "{format}: peak memory {rss_mb} MB");
    }
}

#[test]
fn json_is_one_valid_array_and_points_come_sorted() {
    // Logged out of order: a resumed run re-logs steps 5..9 after step 14.
    let steps = (0..15).chain(5..10);
    let (_tmp, root) = store_with(steps.enumerate().map(|(i, s)| {
        format!(
            "{} {} {s}\n",
            1000 + i,
            if s % 2 == 0 { "nan" } else { "0.5" }
        )
    }));
    let (out, _) = history(&root, &["-f", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let rows = rows.as_array().expect("array");
    assert_eq!(rows.len(), 20);
    let order: Vec<(i64, i64)> = rows
        .iter()
        .map(|r| {
            (
                r["step"].as_i64().expect("step"),
                r["timestamp"].as_i64().expect("ts"),
            )
        })
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    assert_eq!(rows[0]["value"], "NaN");
    assert_eq!(rows[0]["run_name"], "long");
    // Many rows: still one valid array.
    let (_tmp, root) = store_with((0..50_000).map(|i| format!("{i} 1.5 {i}\n")));
    let (out, _) = history(&root, &["-f", "json"]);
    let rows: Vec<serde::de::IgnoredAny> = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(rows.len(), 50_000);
}

#[test]
fn the_text_table_is_aligned_from_the_first_pass() {
    let (_tmp, root) = store_with(
        ["1 0.5 0\n", "2 123456.75 10\n", "3 -1e-9 200\n"]
            .into_iter()
            .map(String::from),
    );
    let (out, _) = history(&root, &[]);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0], "run_id  run_name  key   step  timestamp   value");
    assert_eq!(lines[1], "r       long      loss     0          1     0.5");
    assert_eq!(lines[2], "r       long      loss    10          2  123457");
    assert_eq!(lines[3], "r       long      loss   200          3   -1e-9");
}

#[test]
fn charts_of_long_histories_are_sampled_while_reading_and_exact_when_zoomed() {
    use mltui::store::{FileStore, Store};
    let n = 1_000_000i64;
    let (_tmp, root) = store_with((0..n).map(|i| {
        let v = if i == 654_321 { 1e6 } else { (i % 100) as f64 };
        format!("{} {v} {i}\n", 1_700_000_000_000 + i)
    }));
    let store = FileStore::open(&root).expect("open");
    assert!(store.samples_histories(), "zooming asks again");
    let ids = vec!["r".to_string()];
    let got = store
        .metric_history_for_chart(&ids, "loss", 2500, None)
        .expect("chart");
    let pts = &got[0].1;
    // Before: all 1,000,000 points (24 MB, then copied for drawing).
    assert!(pts.len() <= 140_000, "{}", pts.len());
    assert_eq!(pts.first().map(|p| p.step), Some(0));
    assert_eq!(pts.last().map(|p| p.step), Some(n - 1));
    assert!(pts.iter().any(|p| p.value == 1e6), "the spike survives");
    // A zoomed range small enough comes back exactly.
    let got = store
        .metric_history_for_chart(&ids, "loss", 2500, Some((500_000, 500_999)))
        .expect("chart");
    let steps: Vec<i64> = got[0].1.iter().map(|p| p.step).collect();
    assert_eq!(steps, (500_000..=500_999).collect::<Vec<_>>());
}
