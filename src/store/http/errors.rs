//! Turning what went wrong with a request into a `StoreError` that says what to do: transport
//! failures (refused, DNS, timeouts, TLS, dropped connections) and error statuses (401/403 with
//! the variables to set, HTML 404 from something that is not MLflow, MLflow's JSON errors).
//! Text the server sent back is shown with any credentials in it masked.

use std::time::Duration;

use super::auth::{
    Auth, ENV_CERT_PATH, ENV_INSECURE_TLS, ENV_MAX_BODY_MB, ENV_PASSWORD, ENV_TIMEOUT, ENV_TOKEN,
    ENV_USERNAME,
};
use super::client::API_PATH;
use super::url::mask_userinfo;
use super::wire::ErrorBody;
use crate::store::StoreError;

/// The `code` of a [`StoreError::Http`] for an answer larger than the most read (mltui's own,
/// not MLflow's): a listing may ask again for smaller pages.
pub const ANSWER_TOO_LARGE: &str = "MLTUI_ANSWER_TOO_LARGE";

/// What an error message may mention about the connection.
pub struct Context<'a> {
    /// The server URL as shown (userinfo masked).
    pub shown: &'a str,
    pub auth: Option<&'a Auth>,
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
}

/// Where in the exchange a transport error happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Connecting, sending, or waiting for the status line.
    Request,
    /// Reading the body of a response that had started.
    Body,
}

/// A transport error as a `StoreError`, and whether trying again may help.
pub fn transport_error(
    cx: &Context<'_>,
    e: ureq::Error,
    url: &str,
    phase: Phase,
) -> (StoreError, bool) {
    use std::io::ErrorKind as K;
    let https = cx.shown.starts_with("https://");
    let unreachable = |message: String| {
        (
            StoreError::Unreachable {
                url: cx.shown.to_string(),
                message: mask_userinfo(&message),
            },
            false,
        )
    };
    let tls = |detail: String| {
        unreachable(format!(
            "TLS: {detail}; if the server speaks plain HTTP use http://, for a private CA set \
             {ENV_CERT_PATH} to its PEM bundle (or {ENV_INSECURE_TLS}=true to skip verification)"
        ))
    };
    let fatal = |message: String| (http_error(url, None, &message), false);
    let timeout = || {
        let t = secs(cx.request_timeout);
        fatal(format!(
            "no complete answer within {t} s ({ENV_TIMEOUT}={t}, for the whole request): \
             the server is stalled or sending too slowly; raise {ENV_TIMEOUT} if it is just slow"
        ))
    };
    match e {
        ureq::Error::Io(io) => {
            let text = io.to_string();
            match io.kind() {
                K::ConnectionRefused => unreachable(
                    "connection refused (is the server running, on this host and port?)".into(),
                ),
                _ if is_dns_failure(&text) => {
                    unreachable(format!("host not found (DNS lookup failed: {text})"))
                }
                K::NetworkUnreachable | K::HostUnreachable | K::AddrNotAvailable => {
                    unreachable(text)
                }
                K::InvalidData if https && phase == Phase::Request => tls(text),
                K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof | K::BrokenPipe => {
                    let what = match phase {
                        Phase::Body => "the connection closed before the whole answer arrived",
                        Phase::Request if https => {
                            "the server closed the connection without answering (during the \
                             TLS handshake, if the server speaks plain HTTP: then use http://)"
                        }
                        Phase::Request => "the server closed the connection without answering",
                    };
                    (http_error(url, None, &format!("{what} ({text})")), true)
                }
                K::TimedOut | K::WouldBlock => timeout(),
                _ => fatal(format!("network error: {text}")),
            }
        }
        ureq::Error::Timeout(t) => match t {
            ureq::Timeout::Resolve | ureq::Timeout::Connect => unreachable(format!(
                "no connection within {} s",
                secs(cx.connect_timeout)
            )),
            _ => timeout(),
        },
        ureq::Error::HostNotFound => unreachable("host not found (DNS lookup failed)".into()),
        ureq::Error::ConnectionFailed => unreachable("connection failed".into()),
        e @ (ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_)) => {
            tls(e.to_string())
        }
        ureq::Error::Protocol(p) => fatal(format!(
            "not a valid HTTP answer ({p}): is this an MLflow server, and is the scheme \
             (http/https) right?"
        )),
        ureq::Error::BodyExceedsLimit(n) => (
            StoreError::Http {
                url: url.to_string(),
                status: None,
                code: Some(ANSWER_TOO_LARGE.into()),
                message: format!(
                    "the answer is larger than {} (after decompression), the most mltui reads \
                     in one answer: stopped (set {ENV_MAX_BODY_MB} to allow more)",
                    crate::store::fsread::human_size(n)
                ),
            },
            false,
        ),
        other => fatal(format!("request failed: {other}")),
    }
}

/// The standard library's resolver reports failures as uncategorised I/O errors.
fn is_dns_failure(text: &str) -> bool {
    [
        "failed to lookup address",
        "Name or service not known",
        "nodename nor servname",
        "No address associated",
        "Temporary failure in name resolution",
    ]
    .iter()
    .any(|s| text.contains(s))
}

/// An error status as a `StoreError`; `body` is the (start of the) response body.
pub fn status_error(
    cx: &Context<'_>,
    status: u16,
    content_type: &str,
    body: &str,
    url: &str,
) -> StoreError {
    let body = &mask_secrets(body, cx.auth);
    let json = if content_type.contains("json") || body.trim_start().starts_with('{') {
        serde_json::from_str::<ErrorBody>(body)
            .ok()
            .filter(|b| b.error_code.is_some() || b.message.is_some())
    } else {
        None
    };
    let reason = reason(status);
    let message = match (status, json) {
        (401, _) => format!("HTTP 401 {reason}: {}", auth_hint(cx, status)),
        (403, _) if body.contains("Invalid Host header") => format!(
            "HTTP 403: the server refused the Host header (MLflow's DNS-rebinding protection); \
             start it with --allowed-hosts including {}",
            host_of(cx.shown)
        ),
        (403, json) => {
            let detail = json
                .and_then(|b| b.message)
                .map(|m| format!(" ({})", one_line(&m)))
                .unwrap_or_default();
            format!("HTTP 403 {reason}{detail}: {}", auth_hint(cx, status))
        }
        (_, Some(b)) => {
            let code = b.error_code.unwrap_or_else(|| format!("HTTP {status}"));
            let message = one_line(b.message.as_deref().unwrap_or(reason));
            return StoreError::Http {
                url: url.to_string(),
                status: Some(status),
                code: Some(code.clone()),
                message: mask_userinfo(&format!("{code}: {message}")),
            };
        }
        (404, None) => format!(
            "HTTP 404 {reason}: {} is probably not an MLflow tracking server \
             (nothing answers at {API_PATH}; check the URL and any path prefix)",
            cx.shown
        ),
        (_, None) if content_type.contains("html") || body.trim().is_empty() => {
            format!("HTTP {status} {reason}")
        }
        (_, None) => format!("HTTP {status} {reason}: {}", one_line(body)),
    };
    http_error(url, Some(status), &message)
}

/// `text` (from the server) with credentials masked: the ones mltui sends wherever they
/// appear (whole header value, base64 part, password, token), and any value following
/// `Authorization`, `Basic ` or `Bearer `.
pub fn mask_secrets(text: &str, auth: Option<&Auth>) -> String {
    let mut out = text.to_string();
    if let Some(auth) = auth {
        let header = auth.header();
        let mut secrets: Vec<String> = vec![header.clone()];
        if let Some((_, value)) = header.split_once(' ') {
            secrets.push(value.to_string());
        }
        match auth {
            Auth::Basic {
                username, password, ..
            } => {
                secrets.push(format!("{username}:{password}"));
                secrets.push(password.clone());
            }
            Auth::Bearer { token } => secrets.push(token.clone()),
        }
        // Longest first; a secret of a few characters would mask ordinary words.
        secrets.retain(|s| s.chars().count() >= 4);
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        for s in secrets {
            out = out.replace(&s, "***");
        }
    }
    mask_after(
        &mask_after(&mask_after(&out, "authorization", true), "basic ", false),
        "bearer ",
        false,
    )
}

/// Masks the value after each case-insensitive `marker` (after `:`, `=`, quotes and spaces
/// when `header`): up to a quote, comma, semicolon, `&`, `<` or line end for a header
/// value, or the run of token characters after a scheme word.
fn mask_after(text: &str, marker: &str, header: bool) -> String {
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(found) = lower[i..].find(marker) {
        let start = i + found;
        // A whole word only: `xbasic ` is not the scheme.
        let word_start = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
        let mut j = start + marker.len();
        let mut is_value = word_start;
        if header {
            // `Authorization: v`, `"authorization": "v"`, `authorization=v`; not prose.
            let skip = |j: &mut usize, set: &[u8]| {
                while *j < bytes.len() && set.contains(&bytes[*j]) {
                    *j += 1;
                }
            };
            skip(&mut j, b"\"' \t");
            is_value &= j < bytes.len() && matches!(bytes[j], b':' | b'=');
            if is_value {
                skip(&mut j, b":= \t\"'");
            }
        }
        let value_start = j;
        if is_value {
            let in_value = |b: u8| {
                if header {
                    !matches!(
                        b,
                        b'"' | b'\'' | b',' | b';' | b'&' | b'<' | b'\r' | b'\n' | b'}'
                    )
                } else {
                    b.is_ascii_alphanumeric()
                        || matches!(b, b'+' | b'/' | b'=' | b'.' | b'_' | b'~' | b'-')
                }
            };
            while j < bytes.len() && in_value(bytes[j]) {
                j += 1;
            }
        }
        out.push_str(&text[i..value_start]);
        if is_value && j > value_start && &text[value_start..j] != "***" {
            out.push_str("***");
        } else {
            out.push_str(&text[value_start..j]);
        }
        i = j;
    }
    out.push_str(&text[i..]);
    out
}

/// What to do about a 401/403: which variables to set, or which ones were rejected.
fn auth_hint(cx: &Context<'_>, status: u16) -> String {
    let vars = format!("{ENV_USERNAME} and {ENV_PASSWORD}, or {ENV_TOKEN}");
    match (cx.auth, status) {
        (None, _) => format!("the server requires credentials: set {vars}"),
        (Some(a), 401) => format!(
            "the server rejected the credentials from {}: check {vars}",
            a.source()
        ),
        (Some(a), _) => format!(
            "the user given by {} may not read this; ask the server's admin for \
             permission, or set {vars} to another user",
            a.source()
        ),
    }
}

/// A `StoreError::Http` without an MLflow error code; any userinfo in the text is masked.
pub fn http_error(url: &str, status: Option<u16>, message: &str) -> StoreError {
    StoreError::Http {
        url: url.to_string(),
        status,
        code: None,
        message: mask_userinfo(message),
    }
}

fn secs(d: Duration) -> String {
    let s = format!("{:.3}", d.as_secs_f64());
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "error",
    }
}

/// The host part of a URL, for messages.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    host.rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map_or(host, |(h, _)| h)
}

/// A short single-line excerpt of server text for a message.
fn one_line(text: &str) -> String {
    let joined: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &joined[..i]),
        None => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx(auth: Option<&Auth>) -> Context<'_> {
        Context {
            shown: "http://mlflow.example:5000/pre",
            auth,
            request_timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_millis(2500),
        }
    }

    #[test]
    fn status_errors_say_what_to_do() {
        let s = status_error(
            &cx(None),
            401,
            "text/html",
            "You are not authenticated.",
            "u",
        )
        .to_string();
        assert!(
            s.contains("MLFLOW_TRACKING_USERNAME") && s.contains("MLFLOW_TRACKING_TOKEN"),
            "{s}"
        );
        let bearer = Auth::Bearer {
            token: "sekrit".into(),
        };
        let c = cx(Some(&bearer));
        let s = status_error(&c, 401, "text/html", "", "u").to_string();
        assert!(
            s.contains("rejected the credentials from MLFLOW_TRACKING_TOKEN"),
            "{s}"
        );
        assert!(!s.contains("sekrit"));
        let s = status_error(&c, 403, "text/html", "Permission denied", "u").to_string();
        assert!(s.contains("403") && s.contains("permission"), "{s}");
        let s = status_error(
            &c,
            403,
            "text/plain",
            "Invalid Host header - possible DNS rebinding",
            "u",
        )
        .to_string();
        assert!(
            s.contains("--allowed-hosts including mlflow.example"),
            "{s}"
        );
        let s = status_error(&c, 404, "text/html", "<html>nope</html>", "u").to_string();
        assert!(s.contains("probably not an MLflow tracking server"), "{s}");
        let e = status_error(
            &c,
            404,
            "application/json",
            r#"{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Run with id=x not found"}"#,
            "u",
        );
        assert!(
            matches!(&e, StoreError::Http { status: Some(404), code: Some(c), .. }
            if c == "RESOURCE_DOES_NOT_EXIST")
        );
        assert_eq!(
            e.to_string(),
            "u: RESOURCE_DOES_NOT_EXIST: Run with id=x not found"
        );
        let s = status_error(&c, 502, "text/plain", "upstream\n  down", "u").to_string();
        assert_eq!(s, "u: HTTP 502 Bad Gateway: upstream down");
    }

    #[test]
    fn transport_errors_are_classified() {
        use std::io::{Error, ErrorKind};
        let c = cx(None);
        let io = |k: ErrorKind, m: &str| ureq::Error::Io(Error::new(k, m.to_string()));
        let (e, retry) = transport_error(
            &c,
            io(ErrorKind::ConnectionRefused, "x"),
            "u",
            Phase::Request,
        );
        assert!(matches!(e, StoreError::Unreachable { .. }) && !retry, "{e}");
        assert!(
            e.to_string()
                .starts_with("cannot connect to http://mlflow.example:5000/pre")
        );
        let (e, retry) = transport_error(
            &c,
            io(
                ErrorKind::Other,
                "failed to lookup address information: Name or service not known",
            ),
            "u",
            Phase::Request,
        );
        assert!(matches!(e, StoreError::Unreachable { .. }) && !retry, "{e}");
        assert!(e.to_string().contains("host not found"), "{e}");
        let (e, retry) = transport_error(&c, io(ErrorKind::UnexpectedEof, "eof"), "u", Phase::Body);
        assert!(
            retry && e.to_string().contains("before the whole answer"),
            "{e}"
        );
        let (e, retry) = transport_error(
            &c,
            ureq::Error::Timeout(ureq::Timeout::RecvResponse),
            "u",
            Phase::Request,
        );
        assert!(
            !retry && e.to_string().contains("no complete answer within 120 s"),
            "{e}"
        );
        let (e, _) = transport_error(
            &c,
            ureq::Error::Timeout(ureq::Timeout::Connect),
            "u",
            Phase::Request,
        );
        assert!(e.to_string().contains("no connection within 2.5 s"), "{e}");
    }

    #[test]
    fn echoed_credentials_are_masked() {
        let basic = Auth::Basic {
            username: "admin".into(),
            password: "hunter2-secret".into(),
            source: "x",
        };
        let header = basic.header();
        let body = format!(
            "{{\"error_code\": \"BAD\", \"message\": \"headers: {{'Authorization': '{header}', \
             'X': 'y'}} password=hunter2-secret\"}}"
        );
        let e = status_error(&cx(Some(&basic)), 400, "application/json", &body, "u").to_string();
        assert!(!e.contains("hunter2") && !e.contains(&header[6..]), "{e}");
        assert!(e.contains("'X': 'y'"), "the rest stays: {e}");
        // Credentials mltui did not send, echoed by a proxy.
        let text = "GET / HTTP/1.1\r\nAuthorization: Bearer abc.def-ghi\r\nHost: h\r\n";
        let e = status_error(&cx(None), 502, "text/plain", text, "u").to_string();
        assert!(!e.contains("abc.def"), "{e}");
        assert!(e.contains("Host: h"), "{e}");
        assert_eq!(
            mask_secrets("x basic dXNlcjpwdw== y", None),
            "x basic *** y"
        );
        assert_eq!(mask_secrets("the basics of it", None), "the basics of it");
        assert_eq!(
            mask_secrets("Authorization required; see the docs", None),
            "Authorization required; see the docs"
        );
        assert_eq!(
            mask_secrets("{\"authorization\": \"Token t0k3n\"}", None),
            "{\"authorization\": \"***\"}"
        );
    }

    #[test]
    fn helpers() {
        assert_eq!(host_of("http://***@h.example:80/p"), "h.example");
        assert_eq!(host_of("https://h"), "h");
        assert_eq!(one_line(" a\n\tb  c "), "a b c");
        assert_eq!(one_line(&"x".repeat(400)).chars().count(), 301);
        assert_eq!(secs(Duration::from_secs(120)), "120");
        assert_eq!(secs(Duration::from_millis(1500)), "1.5");
    }
}
