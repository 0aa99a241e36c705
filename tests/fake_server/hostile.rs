//! Hostile servers: answers dripping a byte at a time, page tokens that cycle or never end,
//! floods of tiny objects, gzip bombs, redirects from https to http, error bodies that echo
//! credentials. Each ends with a clear error or warnings, within the request timeout, in
//! bounded memory (peak memory of the real binary is measured with `wait4`).

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use mltui::store::{Auth, HttpOptions, RunQuery, Store, StoreError};
use serde_json::json;

use super::fake::*;

/// Far more than any of these needs: only a hang comes near it.
const DEADLINE: Duration = Duration::from_secs(60);

/// Runs the binary with `env`, returns its output and its peak resident memory in MB.
fn mltui_measured(args: &[&str], env: &[(&str, &str)]) -> (Output, u64) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mltui"));
    cmd.args(args)
        .env_remove("MLFLOW_TRACKING_URI")
        .env_remove("MLFLOW_TRACKING_USERNAME")
        .env_remove("MLFLOW_TRACKING_PASSWORD")
        .env_remove("MLFLOW_TRACKING_TOKEN")
        .env("HOME", "/nonexistent")
        .env("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0");
    for (k, v) in env {
        cmd.env(k, v);
    }
    super::common::run_measured(cmd, DEADLINE)
}

fn one_experiment() -> Reply {
    json_reply(
        200,
        json!({"experiments": [{"experiment_id": "1", "name": "e", "lifecycle_stage": "active"}]}),
    )
}

/// A page of `n` empty objects (3 bytes each), plus one real run first.
fn flood_page(list: &str, n: usize, first: &str) -> String {
    let mut body = String::with_capacity(n * 3 + 200);
    body.push_str(&format!("{{\"{list}\": [{first}"));
    for _ in 0..n {
        body.push_str(",{}");
    }
    body.push_str("]}");
    body
}

#[test]
fn a_dripping_answer_ends_within_the_request_timeout() {
    // 2 bytes a second: every read gets data within any per-read timeout, so only a timeout
    // of the whole request ends it (the body would take 40 minutes).
    let body =
        serde_json::to_string(&json!({"experiments": [], "pad": "x".repeat(5000)})).expect("json");
    let fake = Fake::start(move |_, _| Reply::Drip {
        body: body.clone(),
        gap: Duration::from_millis(500),
    });
    let options = HttpOptions {
        request_timeout: Duration::from_secs(3),
        ..quick()
    };
    let t = Instant::now();
    let e = experiments_err(&store(&fake.url, options));
    assert!(t.elapsed() < DEADLINE, "{:?}", t.elapsed());
    let s = e.to_string();
    assert!(
        s.contains("no complete answer within 3 s") && s.contains("MLFLOW_HTTP_REQUEST_TIMEOUT"),
        "{s}"
    );
    assert_eq!(fake.hits().len(), 1, "a timeout is not retried");
    // The binary, with the timeout from the environment.
    let (out, _) = mltui_measured(
        &["experiments", &fake.url],
        &[("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no complete answer within 2 s"), "{err}");
}

#[test]
fn page_tokens_that_cycle_are_errors() {
    // A -> B -> A, on each paged endpoint.
    let next = |token: Option<&str>| match token {
        None => "A",
        Some("A") => "B",
        _ => "A",
    };
    let fake = Fake::start(move |req, n| {
        if req.target.contains("runs/search") {
            let t = req.json()["page_token"].as_str().map(str::to_string);
            let id = format!("r{n}");
            json_reply(
                200,
                json!({"runs": [run_json(&id)], "next_page_token": next(t.as_deref())}),
            )
        } else if req.target.contains("experiments/search") {
            let t = req.query("page_token").first().cloned();
            json_reply(
                200,
                json!({"experiments": [{"experiment_id": format!("{n}")}],
                       "next_page_token": next(t.as_deref())}),
            )
        } else {
            let t = req.query("page_token").first().cloned();
            json_reply(
                200,
                json!({"metrics": [{"key": "m", "value": 1, "step": n, "timestamp": 1}],
                       "next_page_token": next(t.as_deref())}),
            )
        }
    });
    let s = store(&fake.url, quick());
    let mut runs = 0;
    let e = s
        .runs(&RunQuery::all(&[experiment("1")]), &mut |b| {
            runs += b.runs.len()
        })
        .expect_err("a cycle");
    assert!(
        e.to_string().contains("page token it had sent before"),
        "{e}"
    );
    assert_eq!(runs, 3, "what arrived before the cycle was delivered");
    let e = s.experiments().expect_err("a cycle").to_string();
    assert!(
        e.contains("experiments/search") && e.contains("sent before"),
        "{e}"
    );
    let e = s.metric_history("r", "m").expect_err("a cycle").to_string();
    assert!(
        e.contains("metrics/get-history") && e.contains("sent before"),
        "{e}"
    );
    assert_eq!(fake.hits().len(), 9, "three pages each, then stop");
}

#[test]
fn page_tokens_that_never_end_are_errors() {
    // Empty pages, each with a new token.
    let fake = Fake::start(|_, n| {
        json_reply(200, json!({"runs": [], "next_page_token": format!("t{n}")}))
    });
    let e = store(&fake.url, quick())
        .runs(&RunQuery::all(&[experiment("1")]), &mut |_| {})
        .expect_err("endless");
    assert!(e.to_string().contains("nothing new"), "{e}");
    assert_eq!(fake.hits().len(), 3);
    // A new run on every page, where 1,000 were asked for: pages that small never come
    // with a token from MLflow.
    let fake = Fake::start(|req, n| {
        if req.target.contains("experiments/search") {
            return one_experiment();
        }
        json_reply(
            200,
            json!({"runs": [run_json(&format!("r{n}"))], "next_page_token": format!("t{n}")}),
        )
    });
    let e = store(&fake.url, quick())
        .runs(&RunQuery::all(&[experiment("1")]), &mut |_| {})
        .expect_err("endless");
    assert!(
        e.to_string()
            .contains("10 pages in a row held only 1 of the"),
        "{e}"
    );
    assert_eq!(fake.hits().len(), 10);
    // Full pages of new runs: only the page limit stops it.
    let options = HttpOptions {
        max_pages: 25,
        page_size: Some(1),
        ..quick()
    };
    let e = store(&fake.url, options)
        .runs(&RunQuery::all(&[experiment("1")]), &mut |_| {})
        .expect_err("endless");
    let s = e.to_string();
    assert!(
        s.contains("more than 25 pages") && s.contains("MLTUI_HTTP_MAX_PAGES"),
        "{s}"
    );
    assert_eq!(fake.hits().len(), 10 + 25);
    // The binary, with the limit from the environment.
    let (out, _) = mltui_measured(&["runs", &fake.url], &[("MLTUI_HTTP_MAX_PAGES", "7")]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("more than 7 pages"), "{err}");
}

#[test]
fn floods_of_empty_objects_cost_nothing_and_warn_once() {
    let real = run_json("real").to_string();
    // 10 MB of `{}` as runs, and as the params and metrics of a run.
    let runs_flood = flood_page("runs", 3_500_000, &real);
    let mut nested = run_json("nested");
    nested["data"]["params"] = json!([{"key": "p", "value": "v"}]);
    let nested = nested.to_string();
    let filler = ",{}".repeat(1_500_000);
    let nested = nested
        .replacen("\"params\":[", &format!("\"params\":[{{}}{filler},"), 1)
        .replacen("\"metrics\":[", &format!("\"metrics\":[{{}}{filler},"), 1);
    let fake = Fake::start(move |req, _| {
        if req.target.contains("experiments/search") {
            return one_experiment();
        }
        let body = match req.json()["page_token"].as_str() {
            None => json!({"runs": [], "next_page_token": "p2"}).to_string(),
            Some("p2") => {
                let mut b = runs_flood.clone();
                b.insert_str(b.len() - 1, ", \"next_page_token\": \"p3\"");
                b
            }
            _ => format!("{{\"runs\": [{nested}]}}"),
        };
        Reply::Full {
            status: 200,
            content_type: "application/json",
            body,
            headers: vec![],
        }
    });
    let (out, rss_mb) = mltui_measured(&["runs", &fake.url, "-f", "json"], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let ids: Vec<&str> = runs
        .as_array()
        .expect("runs")
        .iter()
        .map(|r| r["run_id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    let nested = runs
        .as_array()
        .expect("runs")
        .iter()
        .find(|r| r["run_id"] == "nested")
        .expect("nested");
    assert_eq!(nested["params"], json!({"p": "v"}));
    assert_eq!(err.lines().count(), 1, "one warning line: {err}");
    assert!(
        err.contains("a run without run_id (and 3,499,999 more like this)"),
        "{err}"
    );
    // Before: 1.18 GB for a 10 MB body.
    assert!(rss_mb < 150, "peak memory {rss_mb} MB");
}

/// A gzip stream of `{"runs": [], "pad": "xxx...` decompressing to about `mb` megabytes.
fn gzip_bomb(mb: usize) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"{\"runs\": [], \"pad\": \"").expect("gzip");
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..mb {
        gz.write_all(&chunk).expect("gzip");
    }
    gz.write_all(b"\"}").expect("gzip");
    gz.finish().expect("gzip")
}

#[test]
fn gzip_bombs_stop_at_the_size_cap() {
    // The cap is lowered to 16 MB so that the (unoptimised) test build decodes quickly; the
    // bomb is 20 times the cap.
    let bomb = std::sync::Arc::new(gzip_bomb(320));
    assert!(bomb.len() < 2 << 20, "{} bytes on the wire", bomb.len());
    let fake = Fake::start(move |req, _| {
        if req.target.contains("experiments/search") {
            return one_experiment();
        }
        Reply::Raw {
            head: format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n\
                 Content-Length: {}\r\nConnection: close\r\n",
                bomb.len()
            ),
            body: bomb.to_vec(),
        }
    });
    let options = HttpOptions {
        request_timeout: Duration::from_secs(60),
        max_body: 16 << 20,
        ..quick()
    };
    let e = store(&fake.url, options)
        .runs(&RunQuery::all(&[experiment("1")]), &mut |_| {})
        .expect_err("too big");
    let s = e.to_string();
    assert!(
        s.contains("larger than 16 MB (after decompression)")
            && s.contains("MLTUI_HTTP_MAX_BODY_MB"),
        "{s}"
    );
    // Asked again with smaller pages (1000, then 125, then 100), then given up.
    let sizes: Vec<u64> = fake
        .hits()
        .iter()
        .map(|h| h.json()["max_results"].as_u64().expect("max_results"))
        .collect();
    assert_eq!(sizes, [1000, 125, 100]);
    let (out, rss_mb) = mltui_measured(&["runs", &fake.url], &[("MLTUI_HTTP_MAX_BODY_MB", "16")]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("larger than 16 MB"), "{err}");
    assert!(rss_mb < 150, "peak memory {rss_mb} MB");
}

#[test]
fn error_bodies_echoing_credentials_are_masked() {
    // A server that echoes the request's headers in its error messages.
    let fake = Fake::start(|req, _| {
        let echoed: Vec<String> = req
            .headers
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        if req.target.contains("experiments/search") {
            json_reply(
                400,
                json!({"error_code": "BAD_REQUEST",
                       "message": format!("bad request with headers {echoed:?}")}),
            )
        } else {
            text_reply(502, "text/plain", &echoed.join("\r\n"))
        }
    });
    for auth in [
        Auth::Basic {
            username: "alice".into(),
            password: "s3cret-pw".into(),
            source: "test",
        },
        Auth::Bearer {
            token: "tok-123456".into(),
        },
    ] {
        let header = auth.header();
        let s = store(
            &fake.url,
            HttpOptions {
                auth: Some(auth),
                max_retries: 0,
                ..quick()
            },
        );
        let e = s.experiments().expect_err("400").to_string();
        let secret = header.split_once(' ').expect("scheme").1;
        assert!(!e.contains(secret), "{e}");
        assert!(e.contains("BAD_REQUEST") && e.contains("***"), "{e}");
        let e = s.run("x").expect_err("502").to_string();
        assert!(!e.contains(secret) && e.contains("HTTP 502"), "{e}");
    }
    let (out, _) = mltui_measured(
        &["experiments", &fake.url],
        &[
            ("MLFLOW_TRACKING_USERNAME", "alice"),
            ("MLFLOW_TRACKING_PASSWORD", "s3cret-pw"),
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        !err.contains("s3cret") && !err.contains("YWxpY2U6czNjcmV0LXB3"),
        "{err}"
    );
}

#[test]
fn redirects_carry_credentials_only_to_the_same_server() {
    let other = Fake::start(|_, _| json_reply(200, json!({"experiments": []})));
    let other_url = other.url.clone();
    let fake = Fake::start(move |req, _| {
        if req.target.starts_with("/moved/") {
            return json_reply(200, json!({"experiments": []}));
        }
        let to = if req.target.contains("max_results=1") {
            format!("/moved{}", req.target)
        } else {
            format!("{other_url}{}", req.target)
        };
        Reply::Full {
            status: 307,
            content_type: "text/plain",
            body: String::new(),
            headers: vec![("Location", to)],
        }
    });
    let with = |page_size| HttpOptions {
        auth: Some(Auth::Bearer {
            token: "tok-123456".into(),
        }),
        page_size: Some(page_size),
        ..quick()
    };
    store(&fake.url, with(1))
        .experiments()
        .expect("same server");
    store(&fake.url, with(2))
        .experiments()
        .expect("other server");
    let hits = fake.hits();
    assert_eq!(hits.len(), 3);
    assert!(hits[1].target.starts_with("/moved/"));
    assert_eq!(hits[1].header("Authorization"), Some("Bearer tok-123456"));
    let other_hits = other.hits();
    assert_eq!(other_hits.len(), 1);
    assert_eq!(
        other_hits[0].header("Authorization"),
        None,
        "not to another server"
    );
}

#[test]
fn redirects_from_https_to_http_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    if !openssl(&["version"], d) {
        eprintln!("skipped: no openssl binary to run a TLS server");
        return;
    }
    self_signed(d, "server", "localhost");
    // Where the redirect points: it must never be asked anything.
    let plain = Fake::start(|_, _| json_reply(200, json!({"experiments": []})));
    for auth in [
        None,
        Some(Auth::Basic {
            username: "alice".into(),
            password: "s3cret-pw".into(),
            source: "test",
        }),
    ] {
        let port = common_port();
        // openssl s_server sends what it reads on stdin to its client.
        let mut server = KillOnDrop(
            Command::new("openssl")
                .args(["s_server", "-accept", &format!("127.0.0.1:{port}")])
                .args(["-cert", "server.pem", "-key", "server.key", "-quiet"])
                .current_dir(d)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("openssl s_server"),
        );
        let location = format!("{}/api/2.0/mlflow/experiments/search", plain.url);
        let answer =
            format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n");
        let mut stdin = server.0.stdin.take().expect("stdin");
        stdin.write_all(answer.as_bytes()).expect("write");
        let options = HttpOptions {
            tls: mltui::store::Tls::CaBundle(d.join("server.pem")),
            auth,
            ..quick()
        };
        let s = store(&format!("https://127.0.0.1:{port}"), options);
        // Until the server listens, connecting is refused (and nothing is consumed).
        let deadline = Instant::now() + Duration::from_secs(20);
        let e = loop {
            match s.experiments() {
                Err(StoreError::Unreachable { .. }) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => break e,
                Ok(_) => panic!("the redirect was followed"),
            }
        };
        assert!(matches!(e, StoreError::Http { .. }), "{e:?}");
        let s = e.to_string();
        assert!(
            s.contains("refused a redirect from https:// to http://127.0.0.1")
                && s.contains("unencrypted"),
            "{s}"
        );
        drop(stdin);
    }
    assert!(
        plain.hits().is_empty(),
        "the http:// server was never asked"
    );
}

#[test]
fn pages_too_large_to_read_are_asked_again_smaller() {
    // 500 runs with a 4 KB param each: a page of all of them (2 MB) is over a 1 MB cap.
    let fake = Fake::start(|req, _| {
        let body = req.json();
        let offset: usize = body["page_token"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let max = body["max_results"].as_u64().expect("max_results") as usize;
        let end = (offset + max).min(500);
        let runs: Vec<serde_json::Value> = (offset..end)
            .map(|i| {
                let mut r = run_json(&format!("r{i}"));
                r["data"]["params"] = json!([{"key": "blob", "value": "x".repeat(4096)}]);
                r
            })
            .collect();
        let mut page = json!({ "runs": runs });
        if end - offset == max {
            page["next_page_token"] = end.to_string().into();
        }
        json_reply(200, page)
    });
    let options = HttpOptions {
        max_body: 1 << 20,
        ..quick()
    };
    let mut ids = Vec::new();
    store(&fake.url, options)
        .runs(&RunQuery::all(&[experiment("1")]), &mut |b| {
            ids.extend(b.runs.into_iter().map(|r| r.run_id))
        })
        .expect("runs");
    assert_eq!(ids.len(), 500);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 500, "each run once");
    let sizes: Vec<u64> = fake
        .hits()
        .iter()
        .map(|h| h.json()["max_results"].as_u64().expect("max_results"))
        .collect();
    assert_eq!(sizes, [1000, 125, 125, 125, 125, 125]);
}
