//! `mltui history` and `mltui plot` on the MLflow-written fixtures.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn history_equals_mlflow_get_metric_history() {
    for (label, store, dir) in stores() {
        let expected = read_json(&dir.join("expected_history.json"));
        let mut checked = 0;
        for h in expected
            .as_array()
            .expect("array")
            .iter()
            .filter(|h| h["key"] != "ds_acc")
        {
            let (run, key) = (
                h["run_id"].as_str().expect("id"),
                h["key"].as_str().expect("key"),
            );
            let out = mltui_ok(&[
                "history",
                store.to_str().expect("utf-8"),
                "-r",
                run,
                "-m",
                key,
                "-f",
                "json",
            ]);
            let ours: Value = serde_json::from_str(&out).expect("json");
            let mut ours: Vec<Value> = ours
                .as_array()
                .expect("array")
                .iter()
                .map(|p| {
                    let mut v = serde_json::json!({"step": p["step"], "timestamp": p["timestamp"], "value": p["value"]});
                    unclamp_json(&mut v);
                    v
                })
                .collect();
            let mut theirs = h["points"].as_array().expect("points").clone();
            theirs.iter_mut().for_each(unclamp_json);
            let key_of = |p: &Value| {
                (
                    p["step"].as_i64(),
                    p["timestamp"].as_i64(),
                    p["value"].to_string(),
                )
            };
            theirs.sort_by_key(key_of);
            assert_eq!(ours.len(), theirs.len(), "{label} {run}/{key}");
            // mltui sorts by step then timestamp; compare as sorted lists.
            ours.sort_by_key(key_of);
            assert_eq!(ours, theirs, "{label} {run}/{key}");
            checked += 1;
            if checked == 12 {
                break;
            }
        }
        assert_eq!(checked, 12, "{label}");
    }
}

fn sweep_run_ids(store: &str) -> Vec<String> {
    let out = mltui_ok(&["runs", store, "-e", "sweep", "-c", "run_id", "-f", "csv"]);
    out.lines().skip(1).map(String::from).collect()
}

#[test]
fn history_csv_is_sorted_and_exact() {
    let store = fixtures().join("v3/file/mlruns").display().to_string();
    let ids = sweep_run_ids(&store);
    let out = mltui_ok(&[
        "history", &store, "-r", &ids[0], "-r", &ids[1], "-m", "loss", "-m", "acc", "-f", "csv",
    ]);
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(
        rdr.headers().expect("headers").iter().collect::<Vec<_>>(),
        ["run_id", "run_name", "key", "step", "timestamp", "value"]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("row")).collect();
    assert!(!rows.is_empty());
    let pos = |id: &str| ids.iter().position(|i| i == id);
    let keys = ["loss", "acc"];
    let order: Vec<(Option<usize>, Option<usize>, i64)> = rows
        .iter()
        .map(|r| {
            (
                pos(&r[0]),
                keys.iter().position(|k| *k == &r[2]),
                r[3].parse().expect("step"),
            )
        })
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] <= w[1]),
        "sorted by run, key, step"
    );
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let w = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
    let h = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    (w, h)
}

#[test]
fn plot_writes_png_of_the_requested_size_and_svg_with_every_series() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = fixtures().join("v3/sqlite/mlflow.db").display().to_string();
    let ids = sweep_run_ids(&store);
    let png = dir.path().join("loss.png");
    let out = mltui(&[
        "plot",
        &store,
        "-r",
        &ids[0],
        "-r",
        &ids[1],
        "-r",
        &ids[2],
        "-m",
        "loss",
        "--smooth",
        "0.6",
        "--log-y",
        "--size",
        "640x480",
        "-o",
        png.to_str().expect("utf-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(png_size(&std::fs::read(&png).expect("png")), (640, 480));

    let svg = dir.path().join("curves.svg");
    let out = mltui(&[
        "plot",
        &store,
        "-r",
        &ids[0],
        "-r",
        &ids[1],
        "-m",
        "loss",
        "-m",
        "acc",
        "--x",
        "relative",
        "-o",
        svg.to_str().expect("utf-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&svg).expect("svg");
    assert!(text.starts_with("<svg"), "{}", &text[..80.min(text.len())]);
    // Series lines are 2 px wide in the run colours (legend swatches are 3 px).
    let lines = |colour: &str| {
        text.matches(&format!("stroke=\"{colour}\" stroke-width=\"2\""))
            .count()
    };
    assert_eq!(
        (lines("#0072B2"), lines("#E69F00")),
        (2, 2),
        "2 runs × 2 metric panels"
    );
    let names = mltui_ok(&["runs", &store, "-e", "sweep", "-c", "run_name", "-f", "csv"]);
    let first = names.lines().nth(1).expect("name");
    assert!(text.contains(first), "legend names the runs");
    assert!(text.contains("relative time"));
}

#[test]
fn plot_errors_are_clear() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = fixtures().join("v3/sqlite/mlflow.db").display().to_string();
    let ids = sweep_run_ids(&store);
    let bmp = dir.path().join("x.bmp");
    let out = mltui(&[
        "plot",
        &store,
        "-r",
        &ids[0],
        "-m",
        "loss",
        "-o",
        bmp.to_str().expect("utf-8"),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot tell the format from") && err.contains("use .png, .svg or .txt"),
        "{err}"
    );
    let png = dir.path().join("x.png");
    let out = mltui(&[
        "plot",
        &store,
        "-r",
        &ids[0],
        "-m",
        "nope",
        "-o",
        png.to_str().expect("utf-8"),
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("the run has no points for nope"));
    let out = mltui(&[
        "plot",
        &store,
        "-r",
        &ids[0],
        "-m",
        "loss",
        "--size",
        "10x10",
        "-o",
        png.to_str().expect("utf-8"),
    ]);
    assert!(!out.status.success());
    assert!(!png.exists(), "nothing written on bad input");
}
