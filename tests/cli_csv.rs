//! `mltui runs -f csv` against the CSV of real MLflow's `search_runs()` DataFrame
//! (`tests/fixtures/*/*/expected_search_runs.csv`, written by record_csv.py): the same
//! columns in the same group order, the same runs in the same order, and the same text in
//! every cell, so a pandas script written for MLflow's CSV reads mltui's unchanged.

mod common;

use std::collections::BTreeSet;

use common::*;

/// Reads a CSV whose records end in `\n` only: pandas leaves a field holding a bare `\r`
/// unquoted (Python's csv quotes only for `\n` then), so `\r` must not end a record.
/// mltui quotes such fields; both read the same this way.
fn read(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut rdr = csv::ReaderBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .expect("headers")
        .iter()
        .map(String::from)
        .collect();
    let rows = rdr
        .records()
        .map(|r| r.expect("record").iter().map(String::from).collect())
        .collect();
    (headers, rows)
}

/// The group a column belongs to, in the DataFrame's order of groups.
fn group(h: &str) -> u8 {
    if h.starts_with("metrics.") {
        1
    } else if h.starts_with("params.") {
        2
    } else if h.starts_with("tags.") {
        3
    } else {
        0
    }
}

/// MLflow's cell as mltui writes it, where mltui deliberately differs:
/// - pandas writes NaN as an empty cell; mltui writes `NaN` (pandas reads both as NaN, and
///   mltui's CSV keeps NaN apart from a missing metric);
/// - MLflow's SQL stores give back -inf as -f64::MAX; mltui shows the -inf that was logged;
/// - pandas 2 (MLflow 2's venv) writes times with 6 fraction digits, pandas 3 with 3.
fn normalise(theirs: &str, ours: &str, column: &str) -> String {
    if column.starts_with("metrics.") {
        if theirs.is_empty() && ours == "NaN" {
            return ours.to_string();
        }
        if theirs == "-1.7976931348623157e+308" && ours == "-inf" {
            return ours.to_string();
        }
        if theirs == "1.7976931348623157e+308" && ours == "inf" {
            return ours.to_string();
        }
    }
    if column.ends_with("_time") {
        if let Some(head) = theirs.strip_suffix("000+00:00") {
            if head.len() == "2026-11-26 20:03:14.510".len() {
                return format!("{head}+00:00");
            }
        }
    }
    theirs.to_string()
}

#[test]
fn runs_csv_is_mlflows_search_runs_csv() {
    for (label, store, dir) in stores() {
        let theirs = std::fs::read_to_string(dir.join("expected_search_runs.csv"))
            .expect("recorded CSV (tests/fixtures/record_csv.py)");
        let ours = mltui_ok(&["runs", store.to_str().expect("utf-8"), "-f", "csv"]);
        let (th, trows) = read(&theirs);
        let (oh, orows) = read(&ours);
        assert_eq!(
            oh[..6],
            [
                "run_id",
                "experiment_id",
                "status",
                "artifact_uri",
                "start_time",
                "end_time"
            ],
            "{label}"
        );
        assert_eq!(oh[..6], th[..6], "{label}: attribute columns");
        let groups = |h: &[String]| h.iter().map(|c| group(c)).collect::<Vec<_>>();
        let mut sorted = groups(&oh);
        sorted.sort_unstable();
        assert_eq!(
            groups(&oh),
            sorted,
            "{label}: metrics, then params, then tags"
        );
        assert_eq!(
            oh.iter().collect::<BTreeSet<_>>(),
            th.iter().collect::<BTreeSet<_>>(),
            "{label}: the same columns"
        );
        assert_eq!(orows.len(), trows.len(), "{label}: the same runs");
        let col = |h: &[String], name: &str| h.iter().position(|c| c == name).expect("column");
        for (o, t) in orows.iter().zip(&trows) {
            assert_eq!(o[0], t[0], "{label}: runs in MLflow's order");
            for name in &th {
                let (a, b) = (&o[col(&oh, name)], &t[col(&th, name)]);
                assert_eq!(
                    a,
                    &normalise(b, a, name),
                    "{label}: run {} column {name}",
                    o[0]
                );
            }
        }
    }
}

#[test]
fn other_columns_come_with_columns() {
    let store = fixtures().join("v3/sqlite/mlflow.db");
    let out = mltui_ok(&[
        "runs",
        store.to_str().expect("utf-8"),
        "-c",
        "run_name,user_id,duration,lifecycle_stage,metrics.acc",
        "-f",
        "csv",
        "--filter",
        "metrics.acc > 0.87",
    ]);
    let (h, rows) = read(&out);
    assert_eq!(
        h,
        [
            "run_name",
            "user_id",
            "duration",
            "lifecycle_stage",
            "metrics.acc"
        ]
    );
    assert!(!rows.is_empty());
    for r in rows {
        assert_eq!(r[3], "active");
        assert!(r[4].parse::<f64>().expect("acc") > 0.87);
    }
}
