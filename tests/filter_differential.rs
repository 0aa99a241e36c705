//! Differential test of the run-search language: for every filter and order_by recorded from
//! real MLflow (tests/fixtures/*/*/expected_filters.json, written by record_filters.py),
//! mltui must return the same runs in the same order, and refuse what MLflow refuses.
//! The few places where mltui deliberately differs are listed in `KNOWN`, with the reason,
//! and the test checks that they really still differ.

mod common;
#[path = "common/differential.rs"]
mod differential;

use differential::{answer, check, expected, strings};
use mltui::index::parse_filter;
use serde_json::Value;

#[test]
fn filters_and_orderings_agree_with_mlflow() {
    let mut report = Vec::new();
    for (label, store_path, dir) in common::stores() {
        let spec =
            mltui::store::parse_source(store_path.to_str().expect("utf-8"), &dir).expect("source");
        let store = mltui::store::open(&spec).expect("open store");
        let index = mltui::load_index(store.as_ref(), |_| true).expect("load");
        let cases = common::read_json(&dir.join("expected_filters.json"));
        report.push(check(
            &label,
            &index,
            cases.as_array().expect("list of cases"),
        ));
    }
    eprintln!("{}", report.join("\n"));
}

#[test]
fn cli_filter_and_order_by() {
    let (_, store, dir) = common::stores().remove(0);
    let cases = common::read_json(&dir.join("expected_filters.json"));
    let case = cases
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["filter"] == "metrics.acc > 0.8" && !strings(&c["order_by"]).is_empty())
        .expect("a recorded filter with an ordering");
    let mut args: Vec<String> = vec![
        "runs".into(),
        store.to_str().expect("utf-8").into(),
        "--view".into(),
        "all".into(),
        "-f".into(),
        "json".into(),
        "--filter".into(),
        "metrics.acc > 0.8".into(),
    ];
    for o in strings(&case["order_by"]) {
        args.push("--order-by".into());
        args.push(o);
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out: Value = serde_json::from_str(&common::mltui_ok(&argv)).expect("json");
    let ids: Vec<String> = out
        .as_array()
        .expect("runs")
        .iter()
        .map(|r| r["run_id"].as_str().expect("run_id").to_string())
        .collect();
    assert_eq!(Ok(ids), expected(case));

    let store = store.to_str().expect("utf-8");
    let bad = common::mltui(&["runs", store, "--filter", "params.lr = 0.01"]);
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains(
            "invalid --filter: at position 12: Expected a quoted string value for parameter"
        ),
        "{err}"
    );
    let bad = common::mltui(&["runs", store, "--order-by", "metrics.acc DOWN"]);
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("invalid --order-by: at position 12: Invalid ordering key"),
        "{err}"
    );
}

/// Stores that narrow runs in SQL (the part of a filter MLflow can evaluate, as `mltui runs
/// --filter` passes it) must never leave out a run the whole filter matches: every recorded
/// filter gives the same answer with narrowing as without.
#[test]
fn narrowing_in_sql_never_loses_a_match() {
    for (label, store_path, dir) in common::stores() {
        if !label.ends_with("sqlite") {
            continue;
        }
        let spec =
            mltui::store::parse_source(store_path.to_str().expect("utf-8"), &dir).expect("source");
        let store = mltui::store::open(&spec).expect("open store");
        let full = mltui::load_index(store.as_ref(), |_| true).expect("load");
        let cases = common::read_json(&dir.join("expected_filters.json"));
        let mut narrowed_something = 0;
        for case in cases.as_array().expect("cases") {
            let filter = case["filter"].as_str().expect("filter");
            let Ok(parsed) = parse_filter(filter) else {
                continue;
            };
            let narrow = parsed.mlflow_part().to_string();
            let list = store.experiments().expect("experiments");
            let needs = mltui::Needs {
                narrow: Some(&narrow),
                summaries: true,
                aggregates: &[],
            };
            let index = mltui::index_runs(store.as_ref(), list, |_| true, needs).expect("load");
            let order_by = strings(&case["order_by"]);
            let what = format!("{label}: filter {filter:?}");
            assert_eq!(
                answer(&index, filter, &order_by),
                answer(&full, filter, &order_by),
                "{what}"
            );
            if index.runs().len() < full.runs().len() {
                narrowed_something += 1;
            }
        }
        assert!(
            narrowed_something > 30,
            "{label}: narrowing did little ({narrowed_something})"
        );
    }
}
