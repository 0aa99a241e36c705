//! The HTTP backend against a scripted loopback server, for what a real MLflow server does not
//! do on request: stalls, truncated bodies, 5xx/429, garbage, HTML pages, auth failures; and
//! for checking the requests themselves (paging, batching, headers, path prefix). Hostile
//! servers too: answers dripping a byte at a time, page tokens that cycle or never end,
//! floods of tiny objects, gzip bombs, redirects from https to http, error bodies that echo
//! credentials.

#[path = "../common/mod.rs"]
mod common;
mod fake;
mod hostile;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use fake::*;
use mltui::model::Experiment;
use mltui::store::{Auth, HttpOptions, HttpStore, RunBatch, Store, StoreError};
use serde_json::{Value, json};

#[test]
fn a_stalled_server_times_out_within_seconds_without_retrying() {
    let fake = Fake::start(|_, _| Reply::Stall);
    let t = Instant::now();
    let e = experiments_err(&store(&fake.url, quick()));
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    let s = e.to_string();
    assert!(
        s.contains("no complete answer within 1 s") && s.contains("MLFLOW_HTTP_REQUEST_TIMEOUT"),
        "{s}"
    );
    assert_eq!(fake.hits().len(), 1, "a timeout is not retried");
}

#[test]
fn the_timeout_comes_from_the_environment_in_the_binary() {
    let fake = Fake::start(|_, _| Reply::Stall);
    let t = Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mltui"))
        .args(["runs", &fake.url])
        .env("MLFLOW_HTTP_REQUEST_TIMEOUT", "1")
        .env_remove("MLFLOW_TRACKING_URI")
        .output()
        .expect("run");
    assert!(t.elapsed() < Duration::from_secs(8), "{:?}", t.elapsed());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("no complete answer within 1 s"), "{err}");
}

#[test]
fn a_truncated_body_is_retried_then_reported() {
    let fake = Fake::start(|_, _| Reply::Truncated {
        declared: 1000,
        body: r#"{"experiments": [{"experiment_id": "#.into(),
    });
    let e = experiments_err(&store(&fake.url, quick()));
    let s = e.to_string();
    assert!(s.contains("closed before the whole answer arrived"), "{s}");
    assert!(s.contains("after 3 tries"), "{s}");
    assert_eq!(fake.hits().len(), 3);
}

#[test]
fn a_500_is_retried_then_reported_with_its_error_code() {
    let fake = Fake::start(|_, _| {
        json_reply(
            500,
            json!({"error_code": "INTERNAL_ERROR", "message": "boom"}),
        )
    });
    let e = experiments_err(&store(&fake.url, quick()));
    assert_eq!(fake.hits().len(), 3);
    match &e {
        StoreError::Http {
            status: Some(500),
            code: Some(code),
            ..
        } => assert_eq!(code, "INTERNAL_ERROR"),
        other => panic!("{other:?}"),
    }
    let s = e.to_string();
    assert!(
        s.contains("INTERNAL_ERROR: boom") && s.contains("after 3 tries"),
        "{s}"
    );
}

#[test]
fn transient_503_and_429_recover() {
    let fake = Fake::start(|_, n| match n {
        0 => text_reply(503, "text/plain", "busy"),
        1 => Reply::Full {
            status: 429,
            content_type: "text/plain",
            body: "slow down".into(),
            headers: vec![("Retry-After", "0".into())],
        },
        _ => json_reply(
            200,
            json!({"experiments": [{"experiment_id": "0", "name": "Default"}]}),
        ),
    });
    let list = store(&fake.url, quick()).experiments().expect("recovered");
    assert_eq!(list.experiments.len(), 1);
    assert_eq!(fake.hits().len(), 3);
}

#[test]
fn a_400_is_never_retried() {
    let fake = Fake::start(|_, _| {
        json_reply(
            400,
            json!({"error_code": "INVALID_PARAMETER_VALUE", "message": "bad filter"}),
        )
    });
    let s = store(&fake.url, quick());
    let e = s
        .search_runs_filtered(&["1".into()], "nonsense", &mut |_| {})
        .expect_err("400");
    assert_eq!(fake.hits().len(), 1);
    assert!(
        e.to_string()
            .contains("INVALID_PARAMETER_VALUE: bad filter"),
        "{e}"
    );
    assert_eq!(fake.hits()[0].json()["filter"], "nonsense");
}

#[test]
fn garbage_json_is_a_clear_error() {
    let fake = Fake::start(|_, _| text_reply(200, "application/json", "{\"experiments\": [oops"));
    let s = experiments_err(&store(&fake.url, quick())).to_string();
    assert!(
        s.contains("not the JSON MLflow sends") && s.contains("experiments/search"),
        "{s}"
    );
    let fake = Fake::start(|_, _| text_reply(200, "application/json", ""));
    let s = experiments_err(&store(&fake.url, quick())).to_string();
    assert!(s.contains("empty answer"), "{s}");
}

#[test]
fn html_pages_mean_not_an_mlflow_server() {
    let fake = Fake::start(|_, _| text_reply(404, "text/html", "<html><h1>Not Found</h1></html>"));
    let s = experiments_err(&store(&fake.url, quick())).to_string();
    assert!(s.contains("probably not an MLflow tracking server"), "{s}");
    assert_eq!(fake.hits().len(), 1);
    // A login page or web app answering 200 with HTML.
    let fake = Fake::start(|_, _| text_reply(200, "text/html; charset=utf-8", "<html>hi</html>"));
    let s = experiments_err(&store(&fake.url, quick())).to_string();
    assert!(s.contains("probably not an MLflow tracking server"), "{s}");
}

#[test]
fn auth_failures_name_the_variables() {
    let fake = Fake::start(|_, _| Reply::Full {
        status: 401,
        content_type: "text/html",
        body: "You are not authenticated.".into(),
        headers: vec![("WWW-Authenticate", "Basic realm=\"mlflow\"".into())],
    });
    let s = experiments_err(&store(&fake.url, quick())).to_string();
    for var in [
        "MLFLOW_TRACKING_USERNAME",
        "MLFLOW_TRACKING_PASSWORD",
        "MLFLOW_TRACKING_TOKEN",
    ] {
        assert!(s.contains(var), "{s}");
    }
    assert_eq!(fake.hits().len(), 1, "401 is not retried");
    let fake = Fake::start(|_, _| text_reply(403, "text/html", "Permission denied"));
    let s = experiments_err(&store(&fake.url, quick())).to_string();
    assert!(
        s.contains("403") && s.contains("MLFLOW_TRACKING_USERNAME"),
        "{s}"
    );
}

#[test]
fn nothing_listening_is_reported_within_seconds() {
    let port = common_port();
    let url = format!("http://127.0.0.1:{port}");
    let t = Instant::now();
    let e = experiments_err(&store(&url, HttpOptions::default()));
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    assert!(matches!(e, StoreError::Unreachable { .. }), "{e:?}");
    assert!(
        e.to_string()
            .starts_with("cannot connect to http://127.0.0.1:"),
        "{e}"
    );
    // The binary, from the command line.
    let t = Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mltui"))
        .args([
            "experiments",
            &format!("http://u:hunter2@127.0.0.1:{port}/x"),
        ])
        .env_remove("MLFLOW_TRACKING_URI")
        .output()
        .expect("run");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("cannot connect to http://***@127.0.0.1") && err.contains("refused"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn an_unknown_host_is_reported_within_seconds() {
    let t = Instant::now();
    let e = experiments_err(&store(
        "http://mltui-no-such-host.invalid",
        HttpOptions {
            connect_timeout: Duration::from_secs(2),
            ..quick()
        },
    ));
    assert!(t.elapsed() < Duration::from_secs(6), "{:?}", t.elapsed());
    assert!(matches!(e, StoreError::Unreachable { .. }), "{e:?}");
}

#[test]
fn https_to_a_plain_http_port_is_a_tls_error() {
    // What uvicorn does with a TLS ClientHello: a plain-text 400, then close.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("https://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.write_all(
                b"HTTP/1.1 400 Bad Request\r\ncontent-length: 28\r\nconnection: close\r\n\r\nInvalid HTTP request received.",
            );
        }
    });
    let t = Instant::now();
    let e = experiments_err(&store(&url, quick()));
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert!(matches!(e, StoreError::Unreachable { .. }), "{e:?}");
    let s = e.to_string();
    assert!(
        s.contains("TLS")
            && s.contains("use http://")
            && s.contains("MLFLOW_TRACKING_SERVER_CERT_PATH"),
        "{s}"
    );
}

#[test]
fn requests_carry_auth_and_prefix_and_no_origin() {
    let fake = Fake::start(|req, _| {
        if req.target.contains("runs/search") {
            json_reply(200, json!({}))
        } else {
            json_reply(200, json!({"experiments": []}))
        }
    });
    let bearer = HttpOptions {
        auth: Some(Auth::Bearer {
            token: "tok-123".into(),
        }),
        ..quick()
    };
    let s = store(&format!("{}/mlflow/", fake.url), bearer);
    s.experiments().expect("experiments");
    s.runs(
        &mltui::store::RunQuery::all(&[experiment("1")]),
        &mut |_| {},
    )
    .expect("runs");
    let url = fake.url.replace("http://", "http://al%40ice:s3cret@");
    store(&url, quick()).experiments().expect("experiments");
    let hits = fake.hits();
    assert_eq!(hits.len(), 3);
    let get = &hits[0];
    assert_eq!(get.method, "GET");
    assert!(
        get.target
            .starts_with("/mlflow/api/2.0/mlflow/experiments/search?"),
        "{}",
        get.target
    );
    assert_eq!(get.query("view_type"), vec!["ALL"]);
    assert!(
        !get.query("max_results").is_empty(),
        "max_results is required"
    );
    assert_eq!(get.header("Authorization"), Some("Bearer tok-123"));
    let post = &hits[1];
    assert_eq!(post.method, "POST");
    assert_eq!(post.target, "/mlflow/api/2.0/mlflow/runs/search");
    assert_eq!(post.header("Content-Type"), Some("application/json"));
    for h in &hits {
        assert_eq!(h.header("Origin"), None, "no Origin header");
    }
    // al@ice:s3cret
    assert_eq!(
        hits[2].header("Authorization"),
        Some("Basic YWxAaWNlOnMzY3JldA==")
    );
    assert!(hits[2].target.starts_with("/api/2.0/mlflow/"));
}

#[test]
fn runs_are_paged_deduplicated_and_streamed_per_page() {
    let fake = Fake::start(|req, _| {
        let body = req.json();
        match body["page_token"].as_str() {
            None => json_reply(
                200,
                json!({"runs": [run_json("a"), run_json("b")], "next_page_token": "t1"}),
            ),
            Some("t1") => json_reply(
                200,
                json!({"runs": [run_json("b"), run_json("c"),
                                {"info": {"run_id": "d", "status": "EXPLODED"}}],
                       "next_page_token": "t2"}),
            ),
            Some(_) => json_reply(200, json!({"runs": []})),
        }
    });
    let mut batches: Vec<RunBatch> = Vec::new();
    store(&fake.url, quick())
        .runs(&mltui::store::RunQuery::all(&[experiment("1")]), &mut |b| {
            batches.push(b)
        })
        .expect("runs");
    let ids: Vec<Vec<&str>> = batches
        .iter()
        .map(|b| b.runs.iter().map(|r| r.run_id.as_str()).collect())
        .collect();
    assert_eq!(ids, vec![vec!["a", "b"], vec!["c"], vec![]]);
    assert_eq!(batches[1].warnings.len(), 1, "the run with a bad status");
    assert!(batches[0].runs[0].metrics["m"].latest.value.is_nan());
    let hits = fake.hits();
    assert_eq!(hits.len(), 3);
    let first = hits[0].json();
    assert_eq!(first["run_view_type"], "ALL");
    assert_eq!(first["experiment_ids"], json!(["1"]));
    assert!(first["max_results"].as_u64().expect("max_results") >= 1000);
    assert!(first.get("filter").is_none());
    let second = hits[1].json();
    assert!(
        second["max_results"].as_u64() > first["max_results"].as_u64(),
        "pages grow"
    );
}

#[test]
fn many_experiments_are_searched_in_batches() {
    let fake = Fake::start(|_, _| json_reply(200, json!({})));
    let exps: Vec<Experiment> = (0..250).map(|i| experiment(&i.to_string())).collect();
    store(&fake.url, quick())
        .runs(&mltui::store::RunQuery::all(&exps), &mut |_| {})
        .expect("runs");
    let sizes: Vec<usize> = fake
        .hits()
        .iter()
        .map(|h| h.json()["experiment_ids"].as_array().expect("ids").len())
        .collect();
    assert_eq!(sizes, vec![100, 100, 50]);
}

#[test]
fn histories_are_always_paged() {
    let fake = Fake::start(|req, _| {
        let point = |step: i64| json!({"key": "val/acc", "value": step as f64, "timestamp": step, "step": step});
        match req.query("page_token").first().map(String::as_str) {
            None => json_reply(
                200,
                json!({"metrics": [point(0), point(1)], "next_page_token": "p2"}),
            ),
            _ => json_reply(200, json!({"metrics": [point(2)]})),
        }
    });
    let points = store(&fake.url, quick())
        .metric_history("r1", "val/acc")
        .expect("history");
    assert_eq!(
        points.iter().map(|p| p.step).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    let hits = fake.hits();
    assert_eq!(hits.len(), 2);
    for h in &hits {
        assert!(h.target.starts_with("/api/2.0/mlflow/metrics/get-history?"));
        assert_eq!(h.query("metric_key"), vec!["val/acc"]);
        let max: usize = h.query("max_results")[0].parse().expect("number");
        assert!((1..=50_000).contains(&max), "{max}");
    }
    assert_eq!(hits[1].query("page_token"), vec!["p2"]);
}

#[test]
fn chart_points_use_the_bulk_interval_endpoint_in_chunks() {
    let fake = Fake::start(|req, _| {
        let ids = req.query("run_ids");
        let metrics: Vec<Value> = ids
            .iter()
            .flat_map(|id| {
                (0..3).map(move |s| json!({"key": "loss", "value": 1.0, "timestamp": s, "step": s, "run_id": id}))
            })
            .collect();
        json_reply(200, json!({"metrics": metrics}))
    });
    let ids: Vec<String> = (0..250).map(|i| format!("r{i}")).collect();
    let got = store(&fake.url, quick())
        .metric_history_for_chart(&ids, "loss", 10_000, Some((0, 2)))
        .expect("chart");
    assert_eq!(got.len(), 250);
    assert!(got.iter().all(|(_, p)| p.len() == 3));
    assert_eq!(got[249].0, "r249");
    let hits = fake.hits();
    assert_eq!(
        hits.iter()
            .map(|h| h.query("run_ids").len())
            .collect::<Vec<_>>(),
        vec![100, 100, 50]
    );
    for h in &hits {
        assert!(h.target.contains("metrics/get-history-bulk-interval?"));
        assert_eq!(h.query("max_results"), vec!["2500"]);
        assert_eq!(h.query("start_step"), vec!["0"]);
        assert_eq!(h.query("end_step"), vec!["2"]);
    }
}

#[test]
fn chart_points_fall_back_on_servers_without_bulk_interval() {
    let fake = Fake::start(|req, _| {
        if req.target.contains("bulk-interval") {
            text_reply(404, "text/html", "<html>404</html>")
        } else {
            let metrics: Vec<Value> = (0..100)
                .map(|s| json!({"key": "loss", "value": s, "timestamp": s, "step": s}))
                .collect();
            json_reply(200, json!({"metrics": metrics}))
        }
    });
    let got = store(&fake.url, quick())
        .metric_history_for_chart(&["r".into()], "loss", 10, None)
        .expect("chart");
    let steps: Vec<i64> = got[0].1.iter().map(|p| p.step).collect();
    assert!(steps.len() <= 10, "{steps:?}");
    assert_eq!((steps[0], steps[steps.len() - 1]), (0, 99));
}

#[test]
fn run_lookup_maps_404_to_run_not_found() {
    let fake = Fake::start(|req, _| {
        if req.query("run_id") == vec!["known"] {
            json_reply(200, json!({"run": run_json("known")}))
        } else {
            json_reply(
                404,
                json!({"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Run with id=x not found"}),
            )
        }
    });
    let s = store(&fake.url, quick());
    assert_eq!(s.run("known").expect("run").run_id, "known");
    assert!(matches!(s.run("x"), Err(StoreError::RunNotFound(id)) if id == "x"));
}

#[test]
fn tls_private_ca_client_certificate_and_insecure_mode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    if !openssl(&["version"], d) {
        eprintln!("skipped: no openssl binary to make certificates and a TLS server");
        return;
    }
    self_signed(d, "server", "localhost");
    self_signed(d, "client", "mltui-client");
    let client_pem = [
        std::fs::read_to_string(d.join("client.pem")).expect("read"),
        std::fs::read_to_string(d.join("client.key")).expect("read"),
    ]
    .concat();
    std::fs::write(d.join("client-bundle.pem"), client_pem).expect("write");
    let port = common_port();
    // A TLS server that requires a client certificate and answers any GET with an HTML page.
    let _server = KillOnDrop(
        std::process::Command::new("openssl")
            .args(["s_server", "-accept", &format!("127.0.0.1:{port}")])
            .args(["-cert", "server.pem", "-key", "server.key"])
            .args(["-Verify", "1", "-CAfile", "client.pem", "-www", "-quiet"])
            .current_dir(d)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("openssl s_server"),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "openssl s_server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let url = format!("https://127.0.0.1:{port}");
    let with = |tls: mltui::store::Tls, client: bool| HttpOptions {
        tls,
        client_cert: client.then(|| d.join("client-bundle.pem")),
        ..quick()
    };
    let ca = || mltui::store::Tls::CaBundle(d.join("server.pem"));
    // Handshake done: the HTML page shows the TLS part worked.
    let html = |e: StoreError| {
        let s = e.to_string();
        assert!(s.contains("HTML page"), "{s}");
    };

    let e = experiments_err(&store(&url, with(mltui::store::Tls::System, true)));
    assert!(
        matches!(&e, StoreError::Unreachable { message, .. } if message.starts_with("TLS:")),
        "an unknown issuer: {e}"
    );
    let e = experiments_err(&store(&url, with(ca(), false)));
    assert!(
        matches!(&e, StoreError::Unreachable { message, .. } if message.contains("CertificateRequired")),
        "no client certificate: {e}"
    );
    html(experiments_err(&store(&url, with(ca(), true))));
    html(experiments_err(&store(
        &url,
        with(mltui::store::Tls::Insecure, true),
    )));
    let e = HttpStore::with_options(
        &url,
        with(mltui::store::Tls::CaBundle(d.join("server.key")), false),
    )
    .err()
    .expect("a key is not a CA bundle");
    assert!(
        e.to_string().contains("MLFLOW_TRACKING_SERVER_CERT_PATH"),
        "{e}"
    );
}
