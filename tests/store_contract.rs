//! mltui's answers on stores written by real MLflow (2.22 and 3.17; file store and SQLite)
//! must equal MLflow's own answers, recorded next to each fixture.

mod common;
#[path = "common/contract.rs"]
mod contract;

use common::*;
use serde_json::Value;

#[test]
fn runs_json_equals_mlflow_search_runs() {
    for (label, store, dir) in stores() {
        contract::check_runs(&label, store.to_str().expect("utf-8"), &dir);
    }
}

#[test]
fn experiments_json_equals_mlflow_search_experiments() {
    for (label, store, dir) in stores() {
        contract::check_experiments(&label, store.to_str().expect("utf-8"), &dir);
    }
}

#[test]
fn metric_histories_equal_mlflow_get_metric_history() {
    for (label, store, dir) in stores() {
        let store = mltui::store::open(
            &mltui::store::parse_source(store.to_str().expect("utf-8"), &dir).expect("source"),
        )
        .expect("open");
        let checked = contract::check_histories(&label, store.as_ref(), &dir);
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
