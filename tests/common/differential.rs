//! The differential check of the run-search language, shared by the tests of stores that
//! come with recorded MLflow answers (tests/filter_differential.rs for the fixture stores,
//! tests/sql_servers.rs for PostgreSQL and MariaDB): for every filter and order_by, mltui
//! must return the same runs in the same order as MLflow, and refuse what MLflow refuses.
//! The few places where mltui deliberately differs are listed in `KNOWN`, with the reason,
//! and the check makes sure that they really still differ.

#![allow(dead_code)]

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

const SQLITE: &[&str] = &["v3/sqlite", "v2/sqlite"];
/// Stores whose SQL holds ±inf as ±f64::MAX.
const SQL: &[&str] = &["v3/sqlite", "v2/sqlite", "postgresql", "mariadb"];
const FILE: &[&str] = &["v3/file", "v2/file"];
const V2: &[&str] = &["v2/file", "v2/sqlite"];
const ALL: &[&str] = &[
    "v3/file",
    "v3/sqlite",
    "v2/file",
    "v2/sqlite",
    "postgresql",
    "mariadb",
];

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
        stores: SQLITE,
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
pub fn answer(index: &RunIndex, filter: &str, order_by: &[String]) -> Result<Vec<String>, String> {
    let f = parse_filter(filter).map_err(|e| e.to_string())?;
    let keys = parse_order_by(order_by).map_err(|e| e.to_string())?;
    let runs = index.runs();
    let mut rows: Vec<usize> = index.select(None, ViewType::All);
    rows.retain(|&i| f.matches(&runs[i]));
    order_runs(runs, &mut rows, &keys);
    Ok(rows.iter().map(|&i| runs[i].run_id.clone()).collect())
}

pub fn expected(case: &Value) -> Result<Vec<String>, String> {
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

pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}

/// Checks every recorded case (`expected_filters.json`) of store `label` against `index`;
/// panics listing every disagreement. Returns a one-line report.
pub fn check(label: &str, index: &RunIndex, cases: &[Value]) -> String {
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
        let ours = answer(index, filter, &order_by);
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
            let want: Vec<String> = answer(index, "", &[])
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
        if let Some(k) = known(label, filter, &order_by) {
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
    format!("{label}: {same} agree ({errors} of them errors), {divergent} known differences")
}
