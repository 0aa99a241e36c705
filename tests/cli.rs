//! The headless commands' output formats, on the MLflow-written fixtures.

mod common;

use common::*;
use serde_json::Value;

fn v3_sqlite() -> String {
    fixtures().join("v3/sqlite/mlflow.db").display().to_string()
}

fn v3_file() -> String {
    fixtures().join("v3/file/mlruns").display().to_string()
}

#[test]
fn csv_has_search_runs_columns_pandas_times_and_exact_values() {
    for store in [v3_sqlite(), v3_file()] {
        let out = mltui_ok(&["runs", &store, "-e", "exp-α demo", "-f", "csv"]);
        let mut rdr = csv::Reader::from_reader(out.as_bytes());
        let headers: Vec<String> = rdr
            .headers()
            .expect("headers")
            .iter()
            .map(String::from)
            .collect();
        assert_eq!(
            &headers[..6],
            [
                "run_id",
                "experiment_id",
                "status",
                "artifact_uri",
                "start_time",
                "end_time"
            ]
        );
        assert!(
            !headers.contains(&"run_name".to_string()),
            "not a search_runs column"
        );
        let first_param = headers
            .iter()
            .position(|h| h.starts_with("params."))
            .expect("params");
        let first_tag = headers
            .iter()
            .position(|h| h.starts_with("tags."))
            .expect("tags");
        assert!(headers[6].starts_with("metrics.") && first_param < first_tag);
        let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("record")).collect();
        let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
        let name = col("tags.mlflow.runName");
        let nasty = rows
            .iter()
            .find(|r| &r[name] == "実験-🚀")
            .expect("nasty row");
        assert_eq!(&nasty[col("metrics.tiny")], "1e-20");
        assert_eq!(&nasty[col("metrics.huge")], "1.2345678901234567e+19");
        assert_eq!(
            nasty[col("metrics.huge")].parse::<f64>().ok(),
            Some(1.2345678901234567e19)
        );
        assert_eq!(&nasty[col("metrics.ints")], "42.0");
        assert_eq!(&nasty[col("metrics.weird")], "-inf");
        assert_eq!(&nasty[col("params.multi")], "line1\nline2");
        assert_eq!(&nasty[col("params.quoted")], "a,\"b\",c 'd'");
        assert_eq!(&nasty[col("params.empty")], "");
        // pandas' spelling of a UTC datetime column.
        let start = &nasty[4];
        assert!(
            start.len() == 29 && start.ends_with("+00:00") && start.as_bytes()[10] == b' ',
            "{start}"
        );
        let evil = rows
            .iter()
            .find(|r| r[name].starts_with("evil"))
            .expect("evil row");
        assert_eq!(
            &evil[name], "evil\u{1b}]0;pwned\u{7}\u{1b}[2Jname",
            "CSV carries values exactly"
        );
    }
}

#[test]
fn table_output_escapes_hostile_text() {
    let out = mltui_ok(&[
        "runs",
        &v3_file(),
        "-e",
        "exp-α demo",
        "--columns",
        "run_name,params.color",
    ]);
    assert!(
        !out.contains('\u{1b}') && !out.contains('\u{7}'),
        "raw control characters: {out:?}"
    );
    assert!(out.contains("evil\\e]0;pwned\\x07\\e[2Jname"), "{out}");
    assert!(out.contains("\\e[31mred\\e[0m"), "{out}");
}

#[test]
fn columns_option_shapes_every_format() {
    let out = mltui_ok(&[
        "runs",
        &v3_sqlite(),
        "-e",
        "sweep",
        "-c",
        "run_name,status,metrics.loss,params.lr",
        "-f",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out).expect("json");
    let first = v[0].as_object().expect("object");
    let keys: Vec<&String> = first.keys().collect();
    assert_eq!(keys, ["run_name", "status", "metrics.loss", "params.lr"]);
    let md = mltui_ok(&[
        "runs",
        &v3_sqlite(),
        "-e",
        "sweep",
        "-c",
        "run_name,metrics.loss",
        "-f",
        "md",
    ]);
    assert!(
        md.starts_with("| run_name | metrics.loss |\n| --- | ---: |\n"),
        "{md}"
    );
}

#[test]
fn output_file_format_follows_extension() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("runs.json");
    mltui_ok(&["runs", &v3_sqlite(), "-o", path.to_str().expect("utf-8")]);
    let v = read_json(&path);
    assert!(
        v.as_array().is_some_and(|a| a.len() == 10),
        "active runs: {v}"
    );
}

#[test]
fn view_selects_lifecycles() {
    let count = |view: &str| -> usize {
        let out = mltui_ok(&["runs", &v3_file(), "--view", view, "-f", "json"]);
        let v: Value = serde_json::from_str(&out).expect("json");
        v.as_array().expect("array").len()
    };
    assert_eq!(
        (count("active"), count("deleted"), count("all")),
        (10, 3, 13)
    );
    let exps = mltui_ok(&["experiments", &v3_file(), "--view", "deleted", "-f", "csv"]);
    assert_eq!(exps.lines().count(), 2, "{exps}");
    assert!(exps.contains("to-delete"));
}

#[test]
fn compare_command_puts_keys_in_rows_and_runs_in_columns() {
    let out = mltui_ok(&[
        "runs",
        &v3_sqlite(),
        "-e",
        "sweep",
        "-c",
        "run_id,run_name",
        "-f",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out).expect("json");
    let id_of = |name: &str| -> String {
        v.as_array()
            .expect("array")
            .iter()
            .find(|r| r["run_name"] == name)
            .expect(name)["run_id"]
            .as_str()
            .expect("id")
            .to_string()
    };
    let (a, b) = (id_of("sweep-0"), id_of("sweep-2"));
    let csv = mltui_ok(&["compare", &v3_sqlite(), &a, &b, "-f", "csv"]);
    let first = csv.lines().next().expect("header");
    assert_eq!(first, format!("key,{a},{b}"));
    assert!(csv.contains("\nstatus,FINISHED,FAILED\n"), "{csv}");
    let diff = mltui_ok(&["compare", &v3_sqlite(), &a, &b, "--diff-only", "-f", "csv"]);
    assert!(diff.lines().count() < csv.lines().count());
    assert!(
        !diff.contains("\nexperiment_id,"),
        "equal rows are hidden: {diff}"
    );
    assert!(diff.contains("\nrun_id,"), "run ids stay: {diff}");
    let out = mltui(&["compare", &v3_sqlite(), &a, "deadbeef"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no run with id, id prefix or name 'deadbeef'"),
        "{err}"
    );
}

#[test]
fn sources_by_uri_and_environment() {
    let db = fixtures().join("v3/sqlite/mlflow.db");
    let uri = format!("sqlite:///{}", db.display());
    let a = mltui_ok(&["runs", &uri, "-f", "csv"]);
    let b = mltui_ok(&["runs", "--tracking-uri", &uri, "-f", "csv"]);
    assert_eq!(a, b);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mltui"))
        .args(["runs", "-f", "csv"])
        .env(
            "MLFLOW_TRACKING_URI",
            format!("file://{}", fixtures().join("v3/file/mlruns").display()),
        )
        .output()
        .expect("run");
    assert!(out.status.success());
    let rows = csv::Reader::from_reader(&out.stdout[..]).records().count();
    assert_eq!(rows, 10, "active runs of the file store");
    let out = mltui(&["runs", "http://127.0.0.1:9"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("cannot connect to http://127.0.0.1:9"),
        "{err}"
    );
}

#[test]
fn latest_only_outputs_match_full_loads() {
    // Tables, CSV and column-picked JSON need only latest values (SQLite then skips the
    // min/max/count scan); they must show the same values as a full load.
    for store in [v3_sqlite(), v3_file()] {
        let full = mltui_ok(&["runs", &store, "--view", "all", "-f", "json"]);
        let full: Value = serde_json::from_str(&full).expect("json");
        let picked = mltui_ok(&[
            "runs",
            &store,
            "--view",
            "all",
            "-c",
            "run_id,metrics.dup,metrics.weird,metrics.loss",
            "-f",
            "json",
        ]);
        let picked: Value = serde_json::from_str(&picked).expect("json");
        for (f, p) in full
            .as_array()
            .expect("array")
            .iter()
            .zip(picked.as_array().expect("array"))
        {
            assert_eq!(f["run_id"], p["run_id"]);
            for key in ["dup", "weird", "loss"] {
                let want = f["metrics"].get(key).cloned().unwrap_or(Value::Null);
                assert_eq!(p[format!("metrics.{key}")], want, "{store} {key}");
            }
        }
    }
}
