//! Sweep analysis headless, on the sweep fixture written by MLflow 3.17 (file store and
//! SQLite): group-by with aggregates against Python's `statistics` over MLflow's recorded
//! histories, and parameter importance against scipy's and pandas' Spearman.

mod common;

use common::*;
use serde_json::Value;

const COLUMNS: [&str; 5] = [
    "metrics.val/acc",
    "metrics.val/acc:max",
    "metrics.val/acc:max_step",
    "metrics.val/loss:min",
    "metrics.val/loss:mean",
];

fn close(ours: &Value, theirs: &Value, what: &str) {
    match (ours.as_f64(), theirs.as_f64()) {
        (Some(a), Some(b)) => assert!(
            a == b || (a - b).abs() <= 1e-12 * b.abs().max(1e-300),
            "{what}: {a} vs {b}"
        ),
        _ => assert_eq!(ours, theirs, "{what}"),
    }
}

#[test]
fn group_by_aggregates_equal_python_statistics() {
    for (label, path, dir) in sweep_stores() {
        let expected = read_json(&dir.join("expected_groups.json"));
        for grouping in expected.as_array().expect("array") {
            let by: Vec<&str> = grouping["group_by"]
                .as_array()
                .expect("keys")
                .iter()
                .map(|k| k.as_str().expect("key"))
                .collect();
            let out = mltui_ok(&[
                "runs",
                path.to_str().expect("utf-8"),
                "--group-by",
                &by.join(","),
                "-c",
                &COLUMNS.join(","),
                "--agg",
                "mean,std,min,max,median",
                "-f",
                "json",
            ]);
            let ours: Value = serde_json::from_str(&out).expect("json");
            let ours = ours.as_array().expect("array");
            let theirs = grouping["groups"].as_array().expect("groups");
            assert_eq!(ours.len(), theirs.len(), "{label} {by:?}: group count");
            for t in theirs {
                let key = t["key"].as_array().expect("key");
                let o = ours
                    .iter()
                    .find(|o| by.iter().zip(key).all(|(b, k)| &o[*b] == k))
                    .unwrap_or_else(|| panic!("{label} {by:?}: no group {key:?}"));
                assert_eq!(o["runs"], t["runs"], "{label} {key:?}: runs");
                for col in COLUMNS {
                    for agg in ["mean", "std", "min", "max", "median"] {
                        let what = format!("{label} {key:?} {agg}({col})");
                        close(&o[format!("{agg}({col})")], &t["columns"][col][agg], &what);
                    }
                }
            }
        }
    }
}

#[test]
fn groups_order_by_an_aggregate_and_missing_keys_form_a_group() {
    let (_, path, _) = &sweep_stores()[1];
    let out = mltui_ok(&[
        "runs",
        path.to_str().expect("utf-8"),
        "--group-by",
        "params.optimizer",
        "-c",
        "metrics.val/acc:max,params.model",
        "--agg",
        "max",
        "--order-by",
        "max(metrics.val/acc:max) DESC",
        "-f",
        "csv",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "params.optimizer,runs,max(metrics.val/acc:max),params.model"
    );
    assert_eq!(lines.len(), 5, "{out}");
    let order: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').next().unwrap_or(""))
        .collect();
    assert_eq!(order, ["adam", "rmsprop", "sgd", ""], "{out}");
    let bad = mltui(&[
        "runs",
        path.to_str().expect("utf-8"),
        "--group-by",
        "params.optimizer",
        "--agg",
        "avg",
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown aggregate 'avg'"));
}

#[test]
fn spearman_equals_scipy_and_pandas() {
    for (label, path, dir) in sweep_stores() {
        let expected = read_json(&dir.join("expected_importance.json"));
        let mut checked = 0;
        for target in [
            "metrics.val/acc:max",
            "metrics.val/loss:min",
            "metrics.val/acc",
        ] {
            let out = mltui_ok(&[
                "importance",
                path.to_str().expect("utf-8"),
                "-m",
                target,
                "-f",
                "json",
            ]);
            let ours: Value = serde_json::from_str(&out).expect("json");
            for e in expected.as_array().expect("array") {
                if e["target"] != target {
                    continue;
                }
                let row = ours
                    .as_array()
                    .expect("array")
                    .iter()
                    .find(|r| r["param"] == e["param"])
                    .unwrap_or_else(|| panic!("{label}: {} missing", e["param"]));
                let what = format!("{label} {target} {}", e["param"]);
                assert_eq!(row["runs"], e["n"], "{what}: runs");
                close(
                    &row["spearman"],
                    &e["spearman"],
                    &format!("{what} vs scipy"),
                );
                close(&row["spearman"], &e["pandas"], &format!("{what} vs pandas"));
                checked += 1;
            }
            // Categorical params have no rank correlation but do have a split importance.
            let opt = ours
                .as_array()
                .expect("array")
                .iter()
                .find(|r| r["param"] == "params.optimizer")
                .expect("optimizer");
            assert_eq!(opt["kind"], "categorical");
            assert_eq!(opt["spearman"], Value::Null);
            assert!(opt["importance"].as_f64().is_some_and(|v| v >= 0.0));
        }
        assert_eq!(checked, 9, "{label}");
    }
}

#[test]
fn importance_puts_the_deciding_param_first_and_names_its_best_value() {
    let (_, path, _) = &sweep_stores()[0];
    let out = mltui_ok(&[
        "importance",
        path.to_str().expect("utf-8"),
        "-e",
        "lr-sweep",
        "-m",
        "metrics.val/acc:max",
        "-f",
        "csv",
    ]);
    let first = out.lines().nth(1).expect("a row");
    assert!(first.starts_with("params.lr,numeric,29,3,"), "{out}");
    assert!(first.contains(",0.01,"), "best lr is 0.01: {out}");
    let bad = mltui(&[
        "importance",
        path.to_str().expect("utf-8"),
        "-m",
        "params.lr",
    ]);
    assert!(!bad.status.success());
}

#[test]
fn sweep_charts_as_images() {
    let (_, path, _) = &sweep_stores()[1];
    let s = path.to_str().expect("utf-8");
    let dir = tempfile::tempdir().expect("tmp");
    let svg = |name: &str, args: &[&str]| -> String {
        let out = dir.path().join(name);
        let mut all = vec!["plot", s];
        all.extend_from_slice(args);
        all.extend_from_slice(&["-o", out.to_str().expect("utf-8")]);
        mltui_ok(&all);
        std::fs::read_to_string(&out).expect("svg written")
    };
    let scatter = svg(
        "scatter.svg",
        &[
            "-e",
            "lr-sweep",
            "--kind",
            "scatter",
            "--x",
            "params.lr",
            "--y",
            "metrics.val/acc:max",
            "--color",
            "params.optimizer",
        ],
    );
    assert!(scatter.contains("params.lr (log)"), "log x axis named");
    assert!(scatter.contains("metrics.val/acc:max vs params.lr · 29 runs"));
    for cat in ["adam", "rmsprop", "sgd"] {
        assert!(scatter.contains(cat), "legend names {cat}");
    }
    assert_eq!(
        scatter.matches("<circle").count(),
        29 + 3,
        "29 runs and 3 legend dots"
    );
    let parallel = svg(
        "parallel.svg",
        &[
            "--kind",
            "parallel",
            "--axes",
            "params.lr,params.optimizer,metrics.val/loss:min",
        ],
    );
    assert!(parallel.contains("3 axes · 30 runs"));
    assert!(
        parallel.contains("lower is better"),
        "loss: low is the bright end"
    );
    let bands = svg(
        "bands.svg",
        &[
            "--group-by",
            "params.optimizer",
            "-m",
            "val/acc",
            "--band",
            "std",
        ],
    );
    assert!(bands.contains("adam (10 runs)"));
    assert!(
        bands.contains("- (2 runs)"),
        "runs without an optimizer are a group"
    );
    assert!(bands.contains("mean with ±std band"));
    assert!(bands.matches("<polygon").count() >= 4, "a band per group");

    let err = |args: &[&str]| {
        let mut all = vec!["plot", s];
        all.extend_from_slice(args);
        let out = mltui(&all);
        assert!(!out.status.success(), "{args:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(err(&["--kind", "scatter", "--x", "params.lr", "-o", "x.png"]).contains("--y"));
    assert!(
        err(&["--kind", "parallel", "--axes", "params.lr", "-o", "x.png"]).contains("two or more")
    );
    assert!(err(&["-r", "x", "-m", "m", "--x", "params.lr", "-o", "x.png"]).contains("step, time"));
}

#[test]
fn sweep_charts_as_text() {
    let (_, path, _) = &sweep_stores()[0];
    let s = path.to_str().expect("utf-8");
    let scatter = mltui_ok(&[
        "plot",
        s,
        "--kind",
        "scatter",
        "--x",
        "params.lr",
        "--y",
        "metrics.val/acc:max",
        "-f",
        "text",
        "--width",
        "80",
        "--height",
        "20",
    ]);
    assert!(
        scatter.starts_with("metrics.val/acc:max vs params.lr (log) · 29 runs"),
        "{scatter}"
    );
    assert!(
        scatter.contains("◉ adam-lr0.01-s0-3"),
        "the best run is named: {scatter}"
    );
    assert!(scatter.lines().count() <= 20);
    let parallel = mltui_ok(&[
        "plot",
        s,
        "--kind",
        "parallel",
        "--axes",
        "params.lr,params.optimizer,metrics.val/loss:min",
        "-f",
        "text",
        "--width",
        "80",
        "--height",
        "16",
    ]);
    assert!(parallel.contains("#1 adam-lr0.01-s0-3"), "{parallel}");
    assert!(parallel.contains("lower is better"), "{parallel}");
    let bands = mltui_ok(&[
        "plot",
        s,
        "--group-by",
        "params.optimizer",
        "-m",
        "val/loss",
        "-m",
        "val/acc",
        "-f",
        "text",
        "--width",
        "80",
        "--height",
        "18",
        "--band",
        "std",
    ]);
    assert_eq!(
        bands.matches("mean of each group with a ±std band").count(),
        2,
        "{bands}"
    );
    assert!(bands.contains("adam (10 runs)"), "{bands}");
}
