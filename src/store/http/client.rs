//! One HTTP exchange with the server's REST API: building requests (auth, no Origin), bounded
//! retries with backoff, and turning transport failures and error statuses into `StoreError`s
//! that say what to do — checked by status before any JSON is parsed.

use std::io::Read;
use std::time::Duration;

use serde::de::DeserializeOwned;
use ureq::Agent;
use ureq::tls::{PemItem, RootCerts, TlsConfig};

use super::auth::{
    Auth, ENV_CERT_PATH, ENV_INSECURE_TLS, ENV_PASSWORD, ENV_TIMEOUT, ENV_TOKEN, ENV_USERNAME,
    HttpOptions, ServerUrl, Tls, mask_userinfo,
};
use super::wire::ErrorBody;
use crate::store::StoreError;

/// Path of MLflow's REST API below the tracking URI.
pub const API_PATH: &str = "/api/2.0/mlflow/";
/// Largest response body read (a page of 50,000 runs is well below this).
const MAX_BODY: u64 = 1 << 31;
/// How much of an error body is read for the message.
const MAX_ERROR_BODY: u64 = 64 * 1024;

/// A failed attempt, and whether trying again may help (with the server's `Retry-After`).
struct Failure {
    error: StoreError,
    retry: bool,
    retry_after: Option<Duration>,
}

impl Failure {
    fn fatal(error: StoreError) -> Self {
        Self {
            error,
            retry: false,
            retry_after: None,
        }
    }
}

/// A configured connection to one tracking server (cheap to share between threads).
pub struct Client {
    agent: Agent,
    /// `base` + [`API_PATH`].
    api: String,
    /// The server URL as shown in messages (userinfo masked).
    shown: String,
    auth: Option<Auth>,
    options: HttpOptions,
}

impl Client {
    pub fn new(url: &ServerUrl, mut options: HttpOptions) -> Result<Self, StoreError> {
        if let Some((username, password)) = &url.userinfo {
            // Credentials in the URL are the most specific ones given.
            options.auth = Some(Auth::Basic {
                username: username.clone(),
                password: password.clone(),
                source: "the URL",
            });
        }
        let tls = match &options.tls {
            Tls::System => TlsConfig::builder()
                .root_certs(RootCerts::PlatformVerifier)
                .build(),
            Tls::Insecure => TlsConfig::builder().disable_verification(true).build(),
            Tls::CaBundle(path) => {
                let bad = |message: String| StoreError::BadData {
                    path: path.clone(),
                    message: format!("{ENV_CERT_PATH}: {message}"),
                };
                let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
                let mut certs = Vec::new();
                for item in ureq::tls::parse_pem(&pem) {
                    if let PemItem::Certificate(c) = item.map_err(|e| bad(e.to_string()))? {
                        certs.push(c);
                    }
                }
                if certs.is_empty() {
                    return Err(bad("no PEM certificate in the file".into()));
                }
                TlsConfig::builder()
                    .root_certs(RootCerts::new_with_certs(&certs))
                    .build()
            }
        };
        let request = Some(options.request_timeout);
        let connect = Some(options.connect_timeout);
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .tls_config(tls)
            .user_agent(format!("mltui/{}", env!("CARGO_PKG_VERSION")))
            .accept("application/json")
            .timeout_resolve(connect)
            .timeout_connect(connect)
            .timeout_send_request(request)
            .timeout_send_body(request)
            .timeout_recv_response(request)
            .timeout_per_read(request)
            .timeout_per_write(request)
            .max_redirects(5)
            .build();
        Ok(Self {
            agent: Agent::new_with_config(config),
            api: format!("{}{API_PATH}", url.base),
            shown: url.masked.clone(),
            auth: options.auth.clone(),
            options,
        })
    }

    /// The server URL as shown to the user.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// `GET endpoint?query`, parsed as `T`.
    pub fn get<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        query: &[(&str, &str)],
    ) -> Result<T, StoreError> {
        let qs: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        let sep = if qs.is_empty() { "" } else { "?" };
        let url = format!("{}{endpoint}{sep}{}", self.api, qs.join("&"));
        self.request(endpoint, &url, None)
    }

    /// `POST endpoint` with a JSON body, parsed as `T`.
    pub fn post<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        body: &serde_json::Value,
    ) -> Result<T, StoreError> {
        let url = format!("{}{endpoint}", self.api);
        let body = body.to_string();
        self.request(endpoint, &url, Some(body.as_bytes()))
    }

    fn request<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        url: &str,
        body: Option<&[u8]>,
    ) -> Result<T, StoreError> {
        let shown_url = format!("{}{API_PATH}{endpoint}", self.shown);
        let mut retries = 0;
        let bytes = loop {
            match self.attempt(url, &shown_url, body) {
                Ok(bytes) => break bytes,
                Err(f) if f.retry && retries < self.options.max_retries => {
                    std::thread::sleep(self.backoff(retries, f.retry_after));
                    retries += 1;
                }
                Err(f) => {
                    let mut error = f.error;
                    if retries > 0 {
                        if let StoreError::Http { message, .. }
                        | StoreError::Unreachable { message, .. } = &mut error
                        {
                            message.push_str(&format!(" (after {} tries)", retries + 1));
                        }
                    }
                    return Err(error);
                }
            }
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(http_error(
                &shown_url,
                Some(200),
                "the server sent an empty answer instead of JSON: is this an MLflow tracking server?",
            ));
        }
        serde_json::from_slice(&bytes).map_err(|e| {
            http_error(
                &shown_url,
                Some(200),
                &format!(
                    "the server's answer is not the JSON MLflow sends ({e}): \
                     is this an MLflow tracking server?"
                ),
            )
        })
    }

    /// Wait before retry number `n` (0-based): exponential, or the server's `Retry-After`,
    /// never longer than `max_backoff`.
    fn backoff(&self, n: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .options
            .backoff_factor
            .saturating_mul(1u32 << n.min(16));
        retry_after.unwrap_or(exp).min(self.options.max_backoff)
    }

    fn attempt(&self, url: &str, shown_url: &str, body: Option<&[u8]>) -> Result<Vec<u8>, Failure> {
        let result = match body {
            None => self.headers(self.agent.get(url)).call(),
            Some(body) => self
                .headers(self.agent.post(url))
                .header("Content-Type", "application/json")
                .send(body),
        };
        let mut response = result.map_err(|e| self.transport_failure(e, shown_url))?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_ascii_lowercase)
                .unwrap_or_default()
        };
        let content_type = header("content-type");
        let retry_after = header("retry-after")
            .trim()
            .parse::<u64>()
            .ok()
            .map(Duration::from_secs);
        if (200..300).contains(&status) {
            if content_type.contains("html") {
                return Err(Failure::fatal(http_error(
                    shown_url,
                    Some(status),
                    &format!(
                        "the server answered with an HTML page, not JSON: {} is probably not an \
                         MLflow tracking server (or the URL lacks the server's path prefix)",
                        self.shown
                    ),
                )));
            }
            return response
                .body_mut()
                .with_config()
                .limit(MAX_BODY)
                .read_to_vec()
                .map_err(|e| self.transport_failure(e, shown_url));
        }
        let mut text = Vec::new();
        // The error body only adds detail; a failure to read it changes nothing.
        let _ = response
            .body_mut()
            .as_reader()
            .take(MAX_ERROR_BODY)
            .read_to_end(&mut text);
        let text = String::from_utf8_lossy(&text);
        Err(Failure {
            error: self.status_error(status, &content_type, &text, shown_url),
            retry: matches!(status, 408 | 429 | 500 | 502 | 503 | 504),
            retry_after,
        })
    }

    fn headers<B>(&self, builder: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.auth {
            Some(auth) => builder.header("Authorization", auth.header()),
            None => builder,
        }
    }

    /// What to do about a 401/403: which variables to set, or which ones were rejected.
    fn auth_hint(&self, status: u16) -> String {
        let vars = format!("{ENV_USERNAME} and {ENV_PASSWORD}, or {ENV_TOKEN}");
        match (&self.auth, status) {
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

    fn status_error(&self, status: u16, content_type: &str, body: &str, url: &str) -> StoreError {
        let json = if content_type.contains("json") || body.trim_start().starts_with('{') {
            serde_json::from_str::<ErrorBody>(body)
                .ok()
                .filter(|b| b.error_code.is_some() || b.message.is_some())
        } else {
            None
        };
        let reason = reason(status);
        let message = match (status, json) {
            (401, _) => format!("HTTP 401 {reason}: {}", self.auth_hint(status)),
            (403, _) if body.contains("Invalid Host header") => format!(
                "HTTP 403: the server refused the Host header (MLflow's DNS-rebinding protection); \
                 start it with --allowed-hosts including {}",
                host_of(&self.shown)
            ),
            (403, json) => {
                let detail = json
                    .and_then(|b| b.message)
                    .map(|m| format!(" ({})", one_line(&m)))
                    .unwrap_or_default();
                format!("HTTP 403 {reason}{detail}: {}", self.auth_hint(status))
            }
            (_, Some(b)) => {
                let code = b.error_code.unwrap_or_else(|| format!("HTTP {status}"));
                let message = one_line(b.message.as_deref().unwrap_or(reason));
                return StoreError::Http {
                    url: url.to_string(),
                    status: Some(status),
                    code: Some(code.clone()),
                    message: format!("{code}: {message}"),
                };
            }
            (404, None) => format!(
                "HTTP 404 {reason}: {} is probably not an MLflow tracking server \
                 (nothing answers at {API_PATH}; check the URL and any path prefix)",
                self.shown
            ),
            (_, None) if content_type.contains("html") || body.trim().is_empty() => {
                format!("HTTP {status} {reason}")
            }
            (_, None) => format!("HTTP {status} {reason}: {}", one_line(body)),
        };
        http_error(url, Some(status), &message)
    }

    fn transport_failure(&self, e: ureq::Error, url: &str) -> Failure {
        use std::io::ErrorKind as K;
        let secs = |d: Duration| {
            format!("{:.3}", d.as_secs_f64())
                .trim_end_matches(['0', '.'])
                .to_string()
        };
        let unreachable = |message: String| {
            Failure::fatal(StoreError::Unreachable {
                url: self.shown.clone(),
                message: mask_userinfo(&message),
            })
        };
        let fatal = |message: String| Failure::fatal(http_error(url, None, &message));
        match e {
            ureq::Error::Io(io) => match io.kind() {
                K::ConnectionRefused => unreachable(
                    "connection refused (is the server running, on this host and port?)".into(),
                ),
                K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof | K::BrokenPipe => {
                    Failure {
                        error: http_error(
                            url,
                            None,
                            &format!(
                                "the connection closed before the whole answer arrived ({io})"
                            ),
                        ),
                        retry: true,
                        retry_after: None,
                    }
                }
                K::TimedOut | K::WouldBlock => fatal(format!(
                    "no answer within {} s ({ENV_TIMEOUT})",
                    secs(self.options.request_timeout)
                )),
                K::NetworkUnreachable | K::HostUnreachable | K::AddrNotAvailable => {
                    unreachable(io.to_string())
                }
                _ => fatal(format!("network error: {io}")),
            },
            ureq::Error::Timeout(t) => match t {
                ureq::Timeout::Resolve | ureq::Timeout::Connect => unreachable(format!(
                    "no connection within {} s",
                    secs(self.options.connect_timeout)
                )),
                _ => fatal(format!(
                    "no answer within {} s ({ENV_TIMEOUT}={}): the server is stalled or slow; \
                     raise {ENV_TIMEOUT} if it is just slow",
                    secs(self.options.request_timeout),
                    secs(self.options.request_timeout)
                )),
            },
            ureq::Error::HostNotFound => unreachable("host not found (DNS lookup failed)".into()),
            ureq::Error::ConnectionFailed => unreachable("connection failed".into()),
            e @ (ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_)) => {
                unreachable(format!(
                    "TLS: {e}; for a private CA set {ENV_CERT_PATH} to its PEM bundle \
                     (or {ENV_INSECURE_TLS}=true to skip verification)"
                ))
            }
            ureq::Error::Protocol(p) => fatal(format!(
                "not a valid HTTP answer ({p}): is this an HTTP(S) MLflow server, and is the \
                 scheme (http/https) right?"
            )),
            ureq::Error::BodyExceedsLimit(n) => {
                fatal(format!("the answer is larger than {n} bytes"))
            }
            other => fatal(format!("request failed: {other}")),
        }
    }
}

fn http_error(url: &str, status: Option<u16>, message: &str) -> StoreError {
    StoreError::Http {
        url: url.to_string(),
        status,
        code: None,
        message: mask_userinfo(message),
    }
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

/// Percent-encodes a query component (everything but RFC 3986 unreserved characters).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(auth: Option<Auth>) -> Client {
        let url = ServerUrl::parse("http://mlflow.example:5000/pre").expect("url");
        let options = HttpOptions {
            auth,
            ..HttpOptions::default()
        };
        Client::new(&url, options).expect("client")
    }

    #[test]
    fn query_encoding() {
        assert_eq!(encode("val/acc"), "val%2Facc");
        assert_eq!(encode("my tag é"), "my%20tag%20%C3%A9");
        assert_eq!(encode("a-b_c.d~"), "a-b_c.d~");
    }

    #[test]
    fn url_userinfo_becomes_basic_auth() {
        let url = ServerUrl::parse("http://u:p@h:1").expect("url");
        let c = Client::new(&url, HttpOptions::default()).expect("client");
        assert_eq!(c.auth.as_ref().map(Auth::header), Some("Basic dTpw".into()));
        assert_eq!(c.shown(), "http://***@h:1");
        assert_eq!(c.api, "http://h:1/api/2.0/mlflow/");
    }

    #[test]
    fn status_errors_say_what_to_do() {
        let c = client(None);
        let e = c.status_error(401, "text/html", "You are not authenticated.", "u");
        let s = e.to_string();
        assert!(
            s.contains("MLFLOW_TRACKING_USERNAME") && s.contains("MLFLOW_TRACKING_TOKEN"),
            "{s}"
        );
        let c = client(Some(Auth::Bearer {
            token: "sekrit".into(),
        }));
        let s = c.status_error(401, "text/html", "", "u").to_string();
        assert!(
            s.contains("rejected the credentials from MLFLOW_TRACKING_TOKEN"),
            "{s}"
        );
        assert!(!s.contains("sekrit"));
        let s = c
            .status_error(403, "text/html", "Permission denied", "u")
            .to_string();
        assert!(s.contains("403") && s.contains("permission"), "{s}");
        let s = c
            .status_error(
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
        let s = c
            .status_error(404, "text/html", "<html>nope</html>", "u")
            .to_string();
        assert!(s.contains("probably not an MLflow tracking server"), "{s}");
        let e = c.status_error(
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
        let s = c
            .status_error(502, "text/plain", "upstream\n  down", "u")
            .to_string();
        assert_eq!(s, "u: HTTP 502 Bad Gateway: upstream down");
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let c = client(None);
        assert_eq!(c.backoff(0, None), Duration::from_millis(500));
        assert_eq!(c.backoff(1, None), Duration::from_secs(1));
        assert_eq!(c.backoff(2, None), Duration::from_secs(2));
        assert_eq!(c.backoff(9, None), Duration::from_secs(4));
        assert_eq!(
            c.backoff(0, Some(Duration::from_secs(3600))),
            Duration::from_secs(4)
        );
    }
}
