//! mltui against a real `mlflow server` (MLflow 3.17.2 from `MLTUI_TEST_MLFLOW`): the store
//! contract (the same answers MLflow recorded for the v3 SQLite fixture, now read over REST),
//! the server's own filter language, chart downsampling, and basic-auth.
//!
//! One server per test function (it takes seconds to start); each runs all its cases and
//! reports every failing one. Without `MLTUI_TEST_MLFLOW` these tests fail unless
//! `MLTUI_SKIP_SERVER_TESTS=1`.

mod common;
#[path = "common/mlflow_server.rs"]
mod mlflow_server;

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use common::{experiments_by_id, fixtures, read_json, strip_extras, unclamp_json};
use mlflow_server::{BasicAuth, MlflowServer, mlflow_bin};
use mltui::store::{HttpOptions, HttpStore, Store, StoreError};
use serde_json::Value;

const ADMIN_PASSWORD: &str = "mltui-Admin-pw-1";

fn fixture_dir() -> PathBuf {
    fixtures().join("v3/sqlite")
}

/// Runs mltui with no MLflow settings from the caller's environment, plus `env`.
fn mltui_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let home = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mltui"));
    cmd.args(args).env("NO_COLOR", "1").env("HOME", home.path());
    for (k, _) in std::env::vars() {
        if k.starts_with("MLFLOW_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run mltui")
}

fn ok(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8")
}

fn failed(out: &Output, what: &str) -> String {
    assert!(!out.status.success(), "{what} unexpectedly succeeded");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn store(url: &str) -> HttpStore {
    HttpStore::with_options(url, HttpOptions::default()).expect("store")
}

type Case = (&'static str, fn(&MlflowServer));

/// Runs every case, then fails naming the ones that failed (each prints its own panic).
fn run_cases(server: &MlflowServer, cases: &[Case]) {
    let mut failures = Vec::new();
    for (name, case) in cases {
        let t = Instant::now();
        match catch_unwind(AssertUnwindSafe(|| case(server))) {
            Ok(()) => eprintln!("  ok   {name} ({:.2?})", t.elapsed()),
            Err(_) => {
                eprintln!("  FAIL {name}");
                failures.push(*name);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "failed cases: {failures:?}\nserver log:\n{}",
        server.log_tail()
    );
}

#[test]
fn real_server_answers_like_the_sqlite_store() {
    let Some(bin) = mlflow_bin() else { return };
    let server = MlflowServer::start(&bin, &fixture_dir().join("mlflow.db"), None);
    eprintln!(
        "mlflow server up in {:.1?} at {}",
        server.startup, server.url
    );
    run_cases(
        &server,
        &[
            ("runs_json_equals_mlflow_search_runs", runs_json),
            ("experiments_json_equals_mlflow", experiments_json),
            ("metric_histories_equal_mlflow", metric_histories),
            ("latest_value_follows_mlflow", latest_values),
            ("paging_with_tiny_pages_gives_the_same_answers", tiny_pages),
            ("runs_arrive_in_batches_per_page", batches_per_page),
            ("run_by_id_and_unknown_id", run_by_id),
            ("compare_command_over_http", compare_command),
            ("chart_points_are_downsampled_on_the_server", chart_points),
            (
                "server_filter_matches_recorded_mlflow_answers",
                server_filters,
            ),
            ("wrong_path_is_not_an_mlflow_server", wrong_path),
            ("runs_filter_over_http_equals_local", filter_over_http),
            ("aggregates_over_http_equal_local", aggregates_over_http),
            // Last: it writes to the server.
            ("follower_reports_only_new_and_changed_runs", follow_server),
        ],
    );
}

fn runs_json(s: &MlflowServer) {
    let out = mltui_env(&["runs", &s.url, "--view", "all", "--format", "json"], &[]);
    let mut ours: Value = serde_json::from_str(&ok(&out, "runs")).expect("json");
    strip_extras(&mut ours);
    let mut theirs = read_json(&fixture_dir().join("expected_runs.json"));
    unclamp_json(&mut theirs);
    let (o, t) = (
        ours.as_array().expect("array"),
        theirs.as_array().expect("array"),
    );
    assert_eq!(o.len(), t.len(), "run count");
    // artifact_uri is compared as the server reports it: the stored value, as in the fixture.
    for (o, t) in o.iter().zip(t) {
        assert_eq!(o, t, "run {}", t["run_id"]);
    }
}

fn experiments_json(s: &MlflowServer) {
    let out = mltui_env(&["experiments", &s.url, "--view", "all", "-f", "json"], &[]);
    let ours: Value = serde_json::from_str(&ok(&out, "experiments")).expect("json");
    let theirs = read_json(&fixture_dir().join("expected_experiments.json"));
    assert_eq!(experiments_by_id(&ours), experiments_by_id(&theirs));
}

fn history_json(points: &[mltui::model::MetricPoint]) -> Vec<Value> {
    points
        .iter()
        .map(|p| serde_json::json!({"step": p.step, "timestamp": p.timestamp, "value": mltui::export::json_float(p.value)}))
        .collect()
}

fn check_histories(store: &dyn Store) {
    let mut theirs = read_json(&fixture_dir().join("expected_history.json"));
    unclamp_json(&mut theirs);
    let mut checked = 0;
    for h in theirs.as_array().expect("array") {
        let run = h["run_id"].as_str().expect("run_id");
        let key = h["key"].as_str().expect("key");
        let ours = history_json(&store.metric_history(run, key).expect("history"));
        let expected: Vec<Value> = h["points"].as_array().expect("points").clone();
        // Same order too: the server returns MLflow's get_metric_history order.
        assert_eq!(ours, expected, "history of {run}/{key}");
        checked += 1;
    }
    assert!(checked > 40, "only {checked} histories");
}

fn metric_histories(s: &MlflowServer) {
    let spec = mltui::store::parse_source(&s.url, Path::new(".")).expect("source");
    check_histories(mltui::store::open(&spec).expect("open").as_ref());
}

fn latest_values(s: &MlflowServer) {
    let out = mltui_env(&["runs", &s.url, "--format", "json"], &[]);
    let runs: Value = serde_json::from_str(&ok(&out, "runs")).expect("json");
    let nasty = runs
        .as_array()
        .expect("array")
        .iter()
        .find(|r| r["run_name"] == "実験-🚀")
        .expect("nasty run");
    assert_eq!(nasty["metrics"]["dup"], 2.0);
    assert_eq!(nasty["metric_summaries"]["dup"]["step"], 1);
    assert_eq!(nasty["metrics"]["weird"], "-Infinity");
    assert_eq!(nasty["params"]["multi"], "line1\nline2");
    // The server gives only latest values: no count, no extremes.
    assert_eq!(nasty["metric_summaries"]["dup"]["count"], Value::Null);
}

fn load(store: &dyn Store) -> (Vec<mltui::model::Experiment>, Vec<mltui::model::Run>, usize) {
    let exps = store.experiments().expect("experiments").experiments;
    let mut runs = Vec::new();
    let mut batches = 0;
    store
        .runs(&mltui::store::RunQuery::all(&exps), &mut |b| {
            batches += 1;
            runs.extend(b.runs);
        })
        .expect("runs");
    runs.sort_by(|a, b| a.run_id.cmp(&b.run_id));
    (exps, runs, batches)
}

fn tiny_pages(s: &MlflowServer) {
    let small = HttpStore::with_options(
        &s.url,
        HttpOptions {
            page_size: Some(2),
            ..HttpOptions::default()
        },
    )
    .expect("store");
    let (e1, r1, _) = load(&store(&s.url));
    let (e2, r2, batches) = load(&small);
    assert_eq!(e1, e2, "experiments");
    assert_eq!(r1.len(), 13);
    assert!(batches >= 7, "13 runs in pages of 2: {batches} batches");
    let same = |a: &mltui::model::Run, b: &mltui::model::Run| {
        // NaN != NaN in the (unknown) min/max: compare everything else.
        a.run_id == b.run_id
            && a.params == b.params
            && a.tags == b.tags
            && a.metrics.keys().eq(b.metrics.keys())
            && a.status == b.status
    };
    assert!(r1.iter().zip(&r2).all(|(a, b)| same(a, b)), "runs differ");
    check_histories(&small);
}

fn batches_per_page(s: &MlflowServer) {
    let small = HttpStore::with_options(
        &s.url,
        HttpOptions {
            page_size: Some(5),
            ..HttpOptions::default()
        },
    )
    .expect("store");
    let exps = small.experiments().expect("experiments").experiments;
    let mut sizes = Vec::new();
    small
        .runs(&mltui::store::RunQuery::all(&exps), &mut |b| {
            sizes.push(b.runs.len())
        })
        .expect("runs");
    assert_eq!(sizes.iter().sum::<usize>(), 13, "{sizes:?}");
    assert!(
        sizes.iter().all(|&n| n <= 5) && sizes.len() >= 3,
        "{sizes:?}"
    );
}

fn run_by_id(s: &MlflowServer) {
    let st = store(&s.url);
    let (_, runs, _) = load(&st);
    for r in &runs {
        let one = st.run(&r.run_id).expect("run");
        assert_eq!(one.run_id, r.run_id);
        assert_eq!((&one.params, &one.tags), (&r.params, &r.tags));
        assert_eq!(one.datasets, r.datasets);
    }
    let with_dataset = runs
        .iter()
        .find(|r| r.run_name == "sweep-1")
        .expect("sweep-1");
    assert_eq!(with_dataset.datasets.len(), 1);
    assert_eq!(with_dataset.datasets[0].name, "train-set");
    assert_eq!(
        with_dataset.datasets[0].context.as_deref(),
        Some("training")
    );
    match st.run("deadbeefdeadbeefdeadbeefdeadbeef") {
        Err(StoreError::RunNotFound(id)) => assert!(id.starts_with("deadbeef")),
        other => panic!("unknown run: {other:?}"),
    }
}

fn compare_command(s: &MlflowServer) {
    let (_, runs, _) = load(&store(&s.url));
    let ids: Vec<&str> = runs
        .iter()
        .filter(|r| r.run_name.starts_with("sweep-"))
        .map(|r| r.run_id.as_str())
        .take(2)
        .collect();
    let out = mltui_env(&["compare", &s.url, ids[0], ids[1], "-f", "csv"], &[]);
    let text = ok(&out, "compare");
    assert!(
        text.starts_with("key,") && text.contains("params.lr"),
        "{text}"
    );
    // Runs by name and id prefix, looked up among the server's runs.
    let names = runs
        .iter()
        .find(|r| r.run_id == ids[0])
        .map(|r| r.run_name.clone())
        .expect("name");
    let out = mltui_env(&["compare", &s.url, &names, &ids[1][..8], "-f", "csv"], &[]);
    assert_eq!(ok(&out, "compare by name"), text);
}

fn chart_points(s: &MlflowServer) {
    let st = store(&s.url);
    let (_, runs, _) = load(&st);
    let ids: Vec<String> = runs
        .iter()
        .filter(|r| r.metrics.contains_key("loss") && r.run_name.starts_with("sweep-"))
        .map(|r| r.run_id.clone())
        .collect();
    assert!(ids.len() >= 4, "{ids:?}");
    let got = st
        .metric_history_for_chart(&ids, "loss", 5, None)
        .expect("chart points");
    assert_eq!(got.len(), ids.len());
    for (id, points) in &got {
        let full = st.metric_history(id, "loss").expect("history");
        assert!(full.len() > 5, "{id}: {} points", full.len());
        assert!(points.len() <= 5 && points.len() >= 2, "{id}: {points:?}");
        let steps: Vec<i64> = points.iter().map(|p| p.step).collect();
        let (lo, hi) = (
            full.iter().map(|p| p.step).min().expect("min"),
            full.iter().map(|p| p.step).max().expect("max"),
        );
        assert_eq!(
            (steps[0], steps[steps.len() - 1]),
            (lo, hi),
            "{id}: first/last"
        );
        assert!(
            steps.windows(2).all(|w| w[0] < w[1]),
            "{id}: ascending {steps:?}"
        );
        for p in points {
            assert!(full.contains(p), "{id}: {p:?} is a logged point");
        }
    }
    let ranged = st
        .metric_history_for_chart(&ids[..1], "loss", 4, Some((2, 6)))
        .expect("range");
    let steps: Vec<i64> = ranged[0].1.iter().map(|p| p.step).collect();
    assert_eq!(steps.first(), Some(&2), "{steps:?}");
    assert_eq!(steps.last(), Some(&6), "{steps:?}");
    assert!(steps.len() <= 4, "{steps:?}");
    let none = st
        .metric_history_for_chart(&ids[..1], "no-such-metric", 10, None)
        .expect("missing key");
    assert_eq!(none, vec![(ids[0].clone(), vec![])]);
}

fn server_filters(s: &MlflowServer) {
    let st = store(&s.url);
    let exps: Vec<String> = st
        .experiments()
        .expect("experiments")
        .experiments
        .into_iter()
        .map(|e| e.experiment_id)
        .collect();
    let cases = read_json(&fixture_dir().join("expected_filters.json"));
    let (mut matched, mut refused) = (0, 0);
    for case in cases.as_array().expect("array") {
        let filter = case["filter"].as_str().expect("filter");
        let ordered = case["order_by"].as_array().is_none_or(|o| o.is_empty());
        if !ordered && case["error"].is_string() {
            continue; // the refusal may be the order_by's, which this call does not send
        }
        let mut ids = Vec::new();
        let result = st.search_runs_filtered(&exps, filter, &mut |b| {
            ids.extend(b.runs.into_iter().map(|r| r.run_id))
        });
        match (&case["run_ids"], &case["error"], result) {
            (Value::Array(want), _, Ok(())) => {
                let want: Vec<&str> = want.iter().map(|v| v.as_str().expect("id")).collect();
                if ordered {
                    assert_eq!(ids, want, "filter {filter:?}");
                } else {
                    let got: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
                    assert_eq!(got, want.into_iter().collect(), "filter {filter:?}");
                }
                matched += 1;
            }
            (
                _,
                Value::String(_),
                Err(StoreError::Http {
                    status, message, ..
                }),
            ) => {
                assert!(
                    matches!(status, Some(400..=499) | Some(500)),
                    "filter {filter:?}: status {status:?}"
                );
                assert!(!message.is_empty());
                refused += 1;
            }
            (want, err, got) => {
                panic!("filter {filter:?}: expected {want} / {err}, got {got:?}")
            }
        }
    }
    assert!(
        matched > 50 && refused > 5,
        "{matched} matched, {refused} refused"
    );
    let mut sink = |_| {};
    match st.search_runs_filtered(&exps, "metrics.acc > 'x'", &mut sink) {
        Err(StoreError::Http {
            status: Some(400),
            code: Some(code),
            message,
            ..
        }) => {
            assert_eq!(code, "INVALID_PARAMETER_VALUE");
            assert!(message.contains("Expected numeric value type"), "{message}");
        }
        other => panic!("bad filter: {other:?}"),
    }
}

fn wrong_path(s: &MlflowServer) {
    let url = format!("{}/not-mlflow", s.url);
    let err = failed(&mltui_env(&["runs", &url], &[]), "runs on a wrong path");
    assert!(
        err.contains("probably not an MLflow tracking server"),
        "{err}"
    );
}

#[test]
fn basic_auth_server_needs_the_right_credentials() {
    let Some(bin) = mlflow_bin() else { return };
    let server = MlflowServer::start(
        &bin,
        &fixture_dir().join("mlflow.db"),
        Some(BasicAuth {
            admin_password: ADMIN_PASSWORD,
        }),
    );
    eprintln!(
        "basic-auth server up in {:.1?} at {}",
        server.startup, server.url
    );
    run_cases(
        &server,
        &[
            ("no_credentials_names_the_variables", auth_none),
            ("wrong_password_is_rejected", auth_wrong),
            ("right_credentials_list_runs", auth_right),
            ("credentials_in_the_url_are_used_and_masked", auth_url),
            ("credentials_file_is_read", auth_file),
            ("bearer_token_is_sent_and_rejected_clearly", auth_bearer),
        ],
    );
}

fn auth_none(s: &MlflowServer) {
    let err = failed(
        &mltui_env(&["runs", &s.url], &[]),
        "runs without credentials",
    );
    assert!(err.contains("401"), "{err}");
    assert!(
        err.contains("MLFLOW_TRACKING_USERNAME")
            && err.contains("MLFLOW_TRACKING_PASSWORD")
            && err.contains("MLFLOW_TRACKING_TOKEN"),
        "{err}"
    );
}

fn auth_wrong(s: &MlflowServer) {
    let out = mltui_env(
        &["runs", &s.url],
        &[
            ("MLFLOW_TRACKING_USERNAME", "admin"),
            ("MLFLOW_TRACKING_PASSWORD", "not-the-password"),
        ],
    );
    let err = failed(&out, "runs with a wrong password");
    assert!(err.contains("401") && err.contains("rejected"), "{err}");
    assert!(err.contains("MLFLOW_TRACKING_PASSWORD"), "{err}");
    assert!(!err.contains("not-the-password"), "password leaked: {err}");
}

fn auth_right(s: &MlflowServer) {
    let out = mltui_env(
        &["runs", &s.url, "--view", "all", "-f", "json"],
        &[
            ("MLFLOW_TRACKING_USERNAME", "admin"),
            ("MLFLOW_TRACKING_PASSWORD", ADMIN_PASSWORD),
        ],
    );
    let runs: Value = serde_json::from_str(&ok(&out, "runs as admin")).expect("json");
    assert_eq!(runs.as_array().expect("array").len(), 13);
}

fn auth_url(s: &MlflowServer) {
    let good = s
        .url
        .replace("http://", &format!("http://admin:{ADMIN_PASSWORD}@"));
    let out = mltui_env(&["experiments", &good, "-f", "csv"], &[]);
    assert!(ok(&out, "credentials in the URL").contains("sweep"));
    let bad = s.url.replace("http://", "http://admin:wrong-pw-in-url@");
    let err = failed(&mltui_env(&["runs", &bad], &[]), "wrong URL password");
    assert!(
        err.contains("401") && err.contains("http://***@127.0.0.1"),
        "{err}"
    );
    assert!(!err.contains("wrong-pw-in-url"), "password leaked: {err}");
}

fn auth_file(s: &MlflowServer) {
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(home.path().join(".mlflow")).expect("mkdir");
    std::fs::write(
        home.path().join(".mlflow/credentials"),
        format!("[mlflow]\nmlflow_tracking_username = admin\nmlflow_tracking_password = {ADMIN_PASSWORD}\n"),
    )
    .expect("write");
    let home = home.path().to_str().expect("utf-8");
    let out = mltui_env(&["experiments", &s.url, "-f", "csv"], &[("HOME", home)]);
    assert!(ok(&out, "credentials file").contains("sweep"));
}

fn auth_bearer(s: &MlflowServer) {
    // MLflow's basic-auth app does not take tokens: a clear 401 naming the token variable.
    let out = mltui_env(
        &["runs", &s.url],
        &[("MLFLOW_TRACKING_TOKEN", ADMIN_PASSWORD)],
    );
    let err = failed(&out, "runs with a bearer token");
    assert!(
        err.contains("401") && err.contains("credentials from MLFLOW_TRACKING_TOKEN"),
        "{err}"
    );
    assert!(!err.contains(ADMIN_PASSWORD), "token leaked: {err}");
}

/// A training job's call to the server (MLflow's REST API, as its client makes it).
fn post(s: &MlflowServer, path: &str, body: Value) -> Value {
    let url = format!("{}/api/2.0/mlflow/{path}", s.url);
    let mut resp = ureq::post(&url)
        .header("Content-Type", "application/json")
        .send(body.to_string())
        .unwrap_or_else(|e| panic!("POST {path}: {e}"));
    let text = resp.body_mut().read_to_string().expect("body");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

fn follow_server(s: &MlflowServer) {
    use mltui::store::{Change, follow};
    let st: std::sync::Arc<dyn Store> = std::sync::Arc::new(store(&s.url));
    let mut f = follow(st);
    let poll = |f: &mut Box<dyn mltui::store::Follower>| -> Vec<mltui::model::Run> {
        let mut runs = Vec::new();
        f.poll(&mut |c| {
            if let Change::Runs(b) = c {
                runs.extend(b.runs);
            }
        })
        .expect("poll");
        runs
    };
    let all = poll(&mut f);
    assert_eq!(all.len(), 13, "first poll: every run");
    assert!(poll(&mut f).is_empty(), "nothing changed");
    let running = all
        .iter()
        .find(|r| r.run_name == "sweep-4")
        .expect("sweep-4");
    post(
        s,
        "runs/log-metric",
        serde_json::json!({
            "run_id": running.run_id, "key": "loss", "value": 0.0123, "timestamp": 1_900_000_000_000i64, "step": 999
        }),
    );
    let created = post(
        s,
        "runs/create",
        serde_json::json!({
            "experiment_id": running.experiment_id, "run_name": "late-run", "start_time": 1_900_000_000_000i64
        }),
    );
    assert!(created["run"]["info"]["run_id"].is_string(), "{created}");
    let changed = poll(&mut f);
    let names: Vec<&str> = changed.iter().map(|r| r.run_name.as_str()).collect();
    assert!(
        names.contains(&"sweep-4") && names.contains(&"late-run"),
        "{names:?}"
    );
    let r = changed
        .iter()
        .find(|r| r.run_name == "sweep-4")
        .expect("sweep-4");
    assert_eq!(r.metrics["loss"].latest.value, 0.0123);
    assert!(poll(&mut f).is_empty(), "nothing new since");
}

/// `runs --filter` on a server (narrowed by the server, finished locally) gives what the
/// same filter gives on the SQLite store the server serves.
fn filter_over_http(s: &MlflowServer) {
    let db = fixture_dir().join("mlflow.db");
    for filter in [
        "metrics.acc > 0.8 and params.optimizer = 'adam'",
        "metrics.acc > 0.8 and (status = 'FAILED' or params.lr = '0.1')",
        "status = 'KILLED' or run_name LIKE 'child-%'",
        // mltui's numeric params: never sent to the server, which would refuse them.
        "params.lr < 0.05 and metrics.acc > 0.8",
        "params.batch_size >= 64",
    ] {
        let args = |src: &str| -> Vec<String> {
            [
                "runs", src, "--view", "all", "--filter", filter, "-c", "run_id", "-f", "csv",
            ]
            .iter()
            .map(|a| a.to_string())
            .collect()
        };
        let remote = args(&s.url);
        let local = args(db.to_str().expect("utf-8"));
        let r: Vec<&str> = remote.iter().map(String::as_str).collect();
        let l: Vec<&str> = local.iter().map(String::as_str).collect();
        let got = ok(&mltui_env(&r, &[]), filter);
        let want = ok(&mltui_env(&l, &[]), filter);
        assert_eq!(got, want, "{filter}");
        assert!(got.lines().count() > 1, "{filter} matches something");
    }
}

/// Aggregate columns, filters, orderings and groups on a server (histories fetched and
/// folded by mltui) give what they give on the SQLite store the server serves.
fn aggregates_over_http(s: &MlflowServer) {
    let db = fixture_dir().join("mlflow.db");
    let cases: &[&[&str]] = &[
        &[
            "-c",
            "run_id,metrics.val/acc:max,metrics.val/acc:max_step,metrics.loss:min,metrics.loss@3,\
             metrics.loss:mean,metrics.loss:count,metrics.acc:first,metrics.weird:min_step",
            "--order-by",
            "metrics.val/acc:max DESC",
        ],
        &[
            "-c",
            "run_name,metrics.acc:max",
            "--filter",
            "metrics.acc:max > 0.8 AND metrics.loss:count >= 12",
            "--order-by",
            "metrics.loss@5",
        ],
        &[
            "--filter",
            "metrics.acc:max > 0.8 OR metrics.weird:count = 3",
            "-c",
            "run_id",
        ],
        &[
            "--group-by",
            "params.optimizer",
            "-c",
            "metrics.acc:max,metrics.loss:min",
            "--agg",
            "mean,max",
        ],
    ];
    for extra in cases {
        let args = |src: &str| -> Vec<String> {
            ["runs", src, "--view", "all", "-f", "csv"]
                .iter()
                .chain(extra.iter())
                .map(|a| a.to_string())
                .collect()
        };
        let remote = args(&s.url);
        let local = args(db.to_str().expect("utf-8"));
        let r: Vec<&str> = remote.iter().map(String::as_str).collect();
        let l: Vec<&str> = local.iter().map(String::as_str).collect();
        let got = ok(&mltui_env(&r, &[]), &format!("{extra:?}"));
        let want = ok(&mltui_env(&l, &[]), &format!("{extra:?}"));
        assert_eq!(got, want, "{extra:?}");
        assert!(got.lines().count() > 2, "{extra:?} shows runs");
    }
    // Asked later for runs already loaded (what the terminal UI does), in batches.
    let st = store(&s.url);
    let exps = st.experiments().expect("experiments").experiments;
    let mut ids = Vec::new();
    st.runs(&mltui::store::RunQuery::all(&exps), &mut |b| {
        ids.extend(b.runs.into_iter().map(|r| r.run_id))
    })
    .expect("runs");
    let wanted = [mltui::aggregate::MetricAgg::new(
        "acc",
        mltui::aggregate::Agg::Max,
    )];
    let (mut done, mut values) = (0, 0);
    st.metric_aggregates(&ids, &wanted, &mut |b| {
        done += b.runs_done;
        values += b.values.len();
    })
    .expect("aggregates");
    assert_eq!(done, ids.len());
    assert!(values >= 8, "{values} runs have acc");
}
