//! mltui's answers on stores written by real MLflow (2.22 and 3.17; file store and SQLite)
//! must equal MLflow's own answers, recorded next to each fixture.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn runs_json_equals_mlflow_search_runs() {
    for (label, store, dir) in stores() {
        let out = mltui_ok(&[
            "runs",
            store.to_str().expect("utf-8"),
            "--view",
            "all",
            "--format",
            "json",
        ]);
        let mut ours: Value = serde_json::from_str(&out).expect("json");
        strip_extras(&mut ours);
        let mut theirs = read_json(&dir.join("expected_runs.json"));
        unclamp_json(&mut theirs);
        let ours_a = ours.as_array().expect("array");
        let theirs_a = theirs.as_array().expect("array");
        assert_eq!(ours_a.len(), theirs_a.len(), "{label}: run count");
        for (o, t) in ours_a.iter().zip(theirs_a) {
            assert_eq!(o, t, "{label}: run {}", t["run_id"]);
        }
    }
}

#[test]
fn experiments_json_equals_mlflow_search_experiments() {
    for (label, store, dir) in stores() {
        let out = mltui_ok(&[
            "experiments",
            store.to_str().expect("utf-8"),
            "--view",
            "all",
            "-f",
            "json",
        ]);
        let ours: Value = serde_json::from_str(&out).expect("json");
        let theirs = read_json(&dir.join("expected_experiments.json"));
        assert_eq!(
            experiments_by_id(&ours),
            experiments_by_id(&theirs),
            "{label}"
        );
    }
}

#[test]
fn metric_histories_equal_mlflow_get_metric_history() {
    for (label, store, dir) in stores() {
        let store = mltui::store::open(
            &mltui::store::parse_source(store.to_str().expect("utf-8"), &dir).expect("source"),
        )
        .expect("open");
        let mut theirs = read_json(&dir.join("expected_history.json"));
        unclamp_json(&mut theirs);
        let mut checked = 0;
        for h in theirs.as_array().expect("array") {
            let run = h["run_id"].as_str().expect("run_id");
            let key = h["key"].as_str().expect("key");
            let mut ours: Vec<Value> = store
                .metric_history(run, key)
                .expect("history")
                .iter()
                .map(|p| serde_json::json!({"step": p.step, "timestamp": p.timestamp, "value": mltui::export::json_float(p.value)}))
                .collect();
            let mut expected: Vec<Value> = h["points"].as_array().expect("points").clone();
            if label == "v3/file" && key == "ds_acc" {
                // MLflow 3.17's file store reads the step of 5-field lines as 0 (a bug);
                // mltui keeps the step that is in the file, as the SQL store does.
                for (i, p) in ours.iter().enumerate() {
                    assert_eq!(p["step"], Value::from(i as i64), "{label} ds_acc steps");
                }
                ours.iter_mut().for_each(|p| p["step"] = 0.into());
            }
            let sort_key = |p: &Value| {
                (
                    p["timestamp"].as_i64(),
                    p["step"].as_i64(),
                    p["value"].to_string(),
                )
            };
            ours.sort_by_key(sort_key);
            expected.sort_by_key(sort_key);
            assert_eq!(ours, expected, "{label}: history of {run}/{key}");
            checked += 1;
        }
        assert!(checked > 40, "{label}: only {checked} histories");
    }
}

#[test]
fn commands_never_change_the_store() {
    for (label, store, _) in stores() {
        let before = tree_digest(&store);
        let s = store.to_str().expect("utf-8");
        mltui_ok(&["runs", s, "--view", "all", "--format", "csv"]);
        mltui_ok(&["experiments", s, "--view", "all"]);
        mltui_ok(&["runs", s, "-f", "md"]);
        assert!(
            before == tree_digest(&store),
            "{label}: store bytes changed"
        );
    }
}

#[test]
fn latest_value_follows_mlflow_not_the_last_line() {
    for (label, store, _) in stores() {
        let out = mltui_ok(&["runs", store.to_str().expect("utf-8"), "--format", "json"]);
        let runs: Value = serde_json::from_str(&out).expect("json");
        let nasty = runs
            .as_array()
            .expect("array")
            .iter()
            .find(|r| r["run_name"] == "実験-🚀")
            .unwrap_or_else(|| panic!("{label}: nasty run missing"));
        assert_eq!(nasty["metrics"]["dup"], 2.0, "{label}");
        assert_eq!(nasty["metric_summaries"]["dup"]["step"], 1, "{label}");
        assert_eq!(nasty["metric_summaries"]["dup"]["min"], 0.5, "{label}");
        assert_eq!(nasty["metric_summaries"]["dup"]["count"], 3, "{label}");
        assert_eq!(nasty["metrics"]["weird"], "-Infinity", "{label}");
        assert_eq!(nasty["params"]["multi"], "line1\nline2", "{label}");
    }
}
