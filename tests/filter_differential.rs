//! Differential test of the run-search language: for every filter and order_by recorded from
//! real MLflow (tests/fixtures/*/*/expected_filters.json, written by record_filters.py),
//! mltui must return the same runs in the same order, and refuse what MLflow refuses.
//! The few places where mltui deliberately differs are listed in `KNOWN`, with the reason,
//! and the test checks that they really still differ.

mod common;

use std::collections::BTreeSet;

use mltui::index::{RunIndex, order_runs, parse_filter, parse_order_by};
use mltui::model::ViewType;
use serde_json::Value;

/// A case where mltui knowingly answers differently from MLflow on some stores.
struct Known {
    stores: &'static [&'static str],
    filter: &'static str,
    order_by: &'static [&'static str],
    why: &'static str,
}

const SQL: &[&str] = &["v3/sqlite", "v2/sqlite"];
const FILE: &[&str] = &["v3/file", "v2/file"];
const V2: &[&str] = &["v2/file", "v2/sqlite"];
const ALL: &[&str] = &["v3/file", "v3/sqlite", "v2/file", "v2/sqlite"];

const KNOWN: &[Known] = &[
    Known {
        stores: SQL,
        filter: "metrics.weird = -1e999",
        order_by: &[],
        why: "SQL stores save ±inf as ±f64::MAX; mltui reads them back as ±inf, like the file store",
    },
    Known {
        stores: SQL,
        filter: "metrics.weird >= -1.7976931348623157e308",
        order_by: &[],
        why: "SQL stores save -inf as -f64::MAX; mltui sees -inf",
    },
    Known {
        stores: SQL,
        filter: "params.ключ ILIKE 'ЗНАЧЕНИЕ'",
        order_by: &[],
        why: "SQLite's lower() folds ASCII only; mltui folds all of Unicode (file store, PostgreSQL)",
    },
    Known {
        stores: FILE,
        filter: "params.multi LIKE '%line2'",
        order_by: &[],
        why: "the file store's LIKE is a Python regex whose `.` stops at newlines; mltui is SQL LIKE",
    },
    Known {
        stores: ALL,
        filter: "params.lr = 'it''s'",
        order_by: &[],
        why: "MLflow takes it''s literally and finds nothing; mltui refuses the attempted escape",
    },
    Known {
        stores: V2,
        filter: "params.lr IS NULL",
        order_by: &[],
        why: "IS NULL / IS NOT NULL arrived in MLflow 3; mltui accepts them on every store",
    },
    Known {
        stores: V2,
        filter: "params.search IS NOT NULL",
        order_by: &[],
        why: "IS NOT NULL arrived in MLflow 3",
    },
    Known {
        stores: V2,
        filter: "tags.`nested/tag/key` IS NOT NULL",
        order_by: &[],
        why: "IS NOT NULL arrived in MLflow 3",
    },
    Known {
        stores: V2,
        filter: "tags.stage IS NULL",
        order_by: &[],
        why: "IS NULL arrived in MLflow 3",
    },
    Known {
        stores: &["v2/file"],
        filter: "attributes.start_time < ",
        order_by: &[],
        why: "MLflow 2's file store crashes on int('….5') (ValueError); its SQL store and MLflow 3 compare",
    },
    Known {
        stores: FILE,
        filter: "",
        order_by: &["metrics.acc DESC", "metric.acc ASC"],
        why: "file stores ignore a duplicate order key; mltui refuses it like the SQL stores and the server",
    },
    Known {
        stores: FILE,
        filter: "",
        order_by: &["created", "start_time DESC"],
        why: "created is start_time: a duplicate key, refused like on the SQL stores",
    },
];

/// Filters that use mltui's OR / parentheses extension: MLflow refuses them; mltui must give
/// the union (in default order) of the recorded answers of the parts.
const EXTENSIONS: &[(&str, &[&str])] = &[
    (
        "metrics.acc > 0.85 OR params.lr = '0.1'",
        &["metrics.acc > 0.85", "params.lr = '0.1'"],
    ),
    ("(metrics.acc > 0.85)", &["metrics.acc > 0.85"]),
];

fn known(label: &str, filter: &str, order_by: &[String]) -> Option<&'static Known> {
    KNOWN.iter().find(|k| {
        k.stores.contains(&label)
            && (filter == k.filter || (k.filter.ends_with(' ') && filter.starts_with(k.filter)))
            && order_by
                .iter()
                .map(String::as_str)
                .eq(k.order_by.iter().copied())
    })
}

/// What mltui answers: the run ids in order, or the error text.
fn answer(index: &RunIndex, filter: &str, order_by: &[String]) -> Result<Vec<String>, String> {
    let f = parse_filter(filter).map_err(|e| e.to_string())?;
    let keys = parse_order_by(order_by).map_err(|e| e.to_string())?;
    let runs = index.runs();
    let mut rows: Vec<usize> = index.select(None, ViewType::All);
    rows.retain(|&i| f.matches(&runs[i]));
    order_runs(runs, &mut rows, &keys);
    Ok(rows.iter().map(|&i| runs[i].run_id.clone()).collect())
}

fn expected(case: &Value) -> Result<Vec<String>, String> {
    match case.get("error") {
        Some(e) => Err(e.as_str().unwrap_or_default().to_string()),
        None => Ok(case["run_ids"]
            .as_array()
            .expect("run_ids")
            .iter()
            .map(|v| v.as_str().expect("id").to_string())
            .collect()),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}

#[test]
fn filters_and_orderings_agree_with_mlflow() {
    let mut report = Vec::new();
    for (label, store_path, dir) in common::stores() {
        let spec =
            mltui::store::parse_source(store_path.to_str().expect("utf-8"), &dir).expect("source");
        let store = mltui::store::open(&spec).expect("open store");
        let index = mltui::load_index(store.as_ref(), |_| true).expect("load");
        let cases = common::read_json(&dir.join("expected_filters.json"));
        let cases = cases.as_array().expect("list of cases");
        let (mut same, mut errors, mut divergent, mut filters, mut orderings) = (0, 0, 0, 0, 0);
        let mut failures = Vec::new();
        for case in cases {
            let filter = case["filter"].as_str().expect("filter");
            let order_by = strings(&case["order_by"]);
            if order_by.is_empty() {
                filters += 1;
            } else {
                orderings += 1;
            }
            let theirs = expected(case);
            let ours = answer(&index, filter, &order_by);
            let what = format!("{label}: filter {filter:?} order_by {order_by:?}");
            if let Some((_, parts)) = EXTENSIONS.iter().find(|(f, _)| *f == filter) {
                assert!(
                    theirs.is_err(),
                    "{what}: MLflow now accepts mltui's extension"
                );
                let mut union = BTreeSet::new();
                for part in *parts {
                    let recorded = cases
                        .iter()
                        .find(|c| c["filter"] == *part && strings(&c["order_by"]).is_empty())
                        .unwrap_or_else(|| panic!("{label}: no recorded case {part:?}"));
                    union.extend(expected(recorded).expect("part succeeded"));
                }
                let want: Vec<String> = answer(&index, "", &[])
                    .expect("all runs")
                    .into_iter()
                    .filter(|id| union.contains(id))
                    .collect();
                assert_eq!(ours.as_ref(), Ok(&want), "{what}: OR/parentheses extension");
                divergent += 1;
                continue;
            }
            let agree = match (&ours, &theirs) {
                (Ok(a), Ok(b)) => a == b,
                (Err(_), Err(_)) => true,
                _ => false,
            };
            if let Some(k) = known(&label, filter, &order_by) {
                assert!(
                    !agree,
                    "{what}: listed as a known difference ({}) but mltui now agrees",
                    k.why
                );
                divergent += 1;
                continue;
            }
            if agree {
                same += 1;
                errors += usize::from(theirs.is_err());
            } else {
                failures.push(format!(
                    "{what}\n    mlflow: {theirs:?}\n    mltui:  {ours:?}"
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{} disagreements:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert!(
            filters >= 40 && orderings >= 10,
            "{label}: too few cases recorded"
        );
        report.push(format!(
            "{label}: {same} agree ({errors} of them errors), {divergent} known differences"
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
