//! The scripted loopback server of these tests and the helpers around it: a handler answers
//! each request (full answers, stalls, truncated, dripping or raw bytes) and every request is
//! recorded for checking.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mltui::model::{Experiment, Lifecycle};
use mltui::store::{HttpOptions, HttpStore, Store, StoreError};
use serde_json::{Value, json};

/// A request as the fake server saw it.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    /// Path and query.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("json body")
    }

    /// Values of one query parameter, percent-decoded.
    pub fn query(&self, name: &str) -> Vec<String> {
        let Some((_, q)) = self.target.split_once('?') else {
            return vec![];
        };
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| decode(v))
            .collect()
    }
}

pub fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).expect("hex"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("utf-8")
}

pub enum Reply {
    Full {
        status: u16,
        content_type: &'static str,
        body: String,
        headers: Vec<(&'static str, String)>,
    },
    /// Never answer (until the client gives up).
    Stall,
    /// Promise `declared` bytes, send `body`, close.
    Truncated { declared: usize, body: String },
    /// A 200 JSON answer whose body comes one byte every `gap` (until the client leaves).
    Drip { body: String, gap: Duration },
    /// Status line and headers as given (without the blank line), then `body`.
    Raw { head: String, body: Vec<u8> },
}

pub fn json_reply(status: u16, body: Value) -> Reply {
    Reply::Full {
        status,
        content_type: "application/json",
        body: body.to_string(),
        headers: vec![],
    }
}

pub fn text_reply(status: u16, content_type: &'static str, body: &str) -> Reply {
    Reply::Full {
        status,
        content_type,
        body: body.to_string(),
        headers: vec![],
    }
}

pub type Handler = dyn Fn(&Req, usize) -> Reply + Send + Sync;

/// A scripted server on 127.0.0.1:0; `handler` gets each request and its 0-based number.
pub struct Fake {
    pub url: String,
    hits: Arc<Mutex<Vec<Req>>>,
}

impl Fake {
    pub fn start(handler: impl Fn(&Req, usize) -> Reply + Send + Sync + 'static) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let hits: Arc<Mutex<Vec<Req>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let seen = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (handler, seen) = (handler.clone(), seen.clone());
                std::thread::spawn(move || serve(stream, &*handler, &seen));
            }
        });
        Fake { url, hits }
    }

    pub fn hits(&self) -> Vec<Req> {
        self.hits.lock().expect("lock").clone()
    }
}

pub fn serve(stream: TcpStream, handler: &Handler, seen: &Mutex<Vec<Req>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut stream = stream;
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.trim_end().split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    let _ = reader.read_exact(&mut body);
    let req = Req {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let n = {
        let mut s = seen.lock().expect("lock");
        s.push(req.clone());
        s.len() - 1
    };
    match handler(&req, n) {
        Reply::Full {
            status,
            content_type,
            body,
            headers,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
                 Connection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            let _ = stream.write_all(format!("{head}\r\n{body}").as_bytes());
        }
        Reply::Stall => {
            // Hold the socket until the client hangs up.
            let mut buf = [0u8; 64];
            while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
        }
        Reply::Drip { body, gap } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n",
                body.len()
            );
            if stream.write_all(head.as_bytes()).is_ok() {
                for b in body.bytes() {
                    std::thread::sleep(gap);
                    if stream
                        .write_all(&[b])
                        .and_then(|()| stream.flush())
                        .is_err()
                    {
                        break;
                    }
                }
            }
        }
        Reply::Raw { head, body } => {
            let _ = stream.write_all(format!("{head}\r\n").as_bytes());
            let _ = stream.write_all(&body);
        }
        Reply::Truncated { declared, body } => {
            let _ = stream.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                     Content-Length: {declared}\r\nConnection: close\r\n\r\n{body}"
                )
                .as_bytes(),
            );
        }
    }
    let _ = stream.flush();
}

/// Quick settings: short timeouts, 2 retries, 10 ms backoff.
pub fn quick() -> HttpOptions {
    HttpOptions {
        request_timeout: Duration::from_secs(1),
        connect_timeout: Duration::from_secs(1),
        max_retries: 2,
        backoff_factor: Duration::from_millis(10),
        ..HttpOptions::default()
    }
}

pub fn store(url: &str, options: HttpOptions) -> HttpStore {
    HttpStore::with_options(url, options).expect("store")
}

pub fn experiment(id: &str) -> Experiment {
    Experiment {
        experiment_id: id.into(),
        name: format!("e{id}"),
        lifecycle: Lifecycle::Active,
        artifact_location: String::new(),
        creation_time: None,
        last_update_time: None,
        tags: Default::default(),
    }
}

pub fn run_json(id: &str) -> Value {
    json!({"info": {"run_id": id, "experiment_id": "1", "status": "FINISHED", "start_time": 1,
                    "lifecycle_stage": "active"},
           "data": {"metrics": [{"key": "m", "value": "NaN", "timestamp": 1, "step": 0}]}})
}

pub fn experiments_err(s: &HttpStore) -> StoreError {
    s.experiments().expect_err("an error")
}

pub fn common_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// Kills a helper process when the test ends.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn openssl(args: &[&str], dir: &std::path::Path) -> bool {
    std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A self-signed certificate (not a CA) for `cn`, valid for 127.0.0.1: `name.pem`, `name.key`.
pub fn self_signed(dir: &std::path::Path, name: &str, cn: &str) {
    let (cert, key) = (format!("{name}.pem"), format!("{name}.key"));
    let subj = format!("/CN={cn}");
    assert!(
        openssl(
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                &key,
                "-out",
                &cert,
                "-days",
                "2",
                "-subj",
                &subj,
                "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-addext",
                "basicConstraints=critical,CA:FALSE",
            ],
            dir,
        ),
        "openssl req failed"
    );
}
