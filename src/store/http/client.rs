//! One HTTP exchange with the server's REST API: the agent (TLS, timeouts), requests (auth, no
//! Origin), bounded retries with backoff, and the status checked before any JSON is parsed
//! (`errors` words what went wrong).

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use serde::de::DeserializeOwned;
use ureq::Agent;
use ureq::tls::{ClientCert, PemItem, RootCerts, TlsConfig};

use super::auth::{Auth, ENV_CERT_PATH, ENV_CLIENT_CERT_PATH, HttpOptions, Tls};
use super::errors::{Context, Phase, http_error, status_error, transport_error};
use super::url::ServerUrl;
use crate::store::StoreError;

#[path = "download.rs"]
pub(super) mod download;

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
        let tls = tls_config(&options)?;
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
        let mut response =
            result.map_err(|e| self.transport_failure(e, shown_url, Phase::Request))?;
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
                .map_err(|e| self.transport_failure(e, shown_url, Phase::Body));
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
            error: status_error(&self.context(), status, &content_type, &text, shown_url),
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

    fn context(&self) -> Context<'_> {
        Context {
            shown: &self.shown,
            auth: self.auth.as_ref(),
            request_timeout: self.options.request_timeout,
            connect_timeout: self.options.connect_timeout,
        }
    }

    fn transport_failure(&self, e: ureq::Error, url: &str, phase: Phase) -> Failure {
        let (error, retry) = transport_error(&self.context(), e, url, phase);
        Failure {
            error,
            retry,
            retry_after: None,
        }
    }
}

/// Server verification (system roots, a CA bundle, or none) and an optional client
/// certificate, from PEM files.
fn tls_config(options: &HttpOptions) -> Result<TlsConfig, StoreError> {
    let mut builder = TlsConfig::builder();
    builder = match &options.tls {
        Tls::System => builder.root_certs(RootCerts::PlatformVerifier),
        Tls::Insecure => builder.disable_verification(true),
        Tls::CaBundle(path) => {
            let certs: Vec<_> = read_pem(path, ENV_CERT_PATH)?
                .into_iter()
                .filter_map(|item| match item {
                    PemItem::Certificate(c) => Some(c),
                    _ => None,
                })
                .collect();
            if certs.is_empty() {
                return Err(pem_error(
                    path,
                    ENV_CERT_PATH,
                    "no PEM certificate in the file",
                ));
            }
            builder.root_certs(RootCerts::new_with_certs(&certs))
        }
    };
    if let Some(path) = &options.client_cert {
        // MLflow (requests' `cert=`): one PEM file with the certificate chain and its key.
        let mut certs = Vec::new();
        let mut key = None;
        for item in read_pem(path, ENV_CLIENT_CERT_PATH)? {
            match item {
                PemItem::Certificate(c) => certs.push(c),
                PemItem::PrivateKey(k) => key = Some(k),
                _ => {}
            }
        }
        let Some(key) = key.filter(|_| !certs.is_empty()) else {
            return Err(pem_error(
                path,
                ENV_CLIENT_CERT_PATH,
                "expected a PEM file with the client certificate and its private key",
            ));
        };
        builder = builder.client_cert(Some(ClientCert::new_with_certs(&certs, key)));
    }
    Ok(builder.build())
}

fn read_pem(path: &Path, var: &str) -> Result<Vec<PemItem<'static>>, StoreError> {
    let pem = std::fs::read(path).map_err(|e| pem_error(path, var, &e.to_string()))?;
    ureq::tls::parse_pem(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(path, var, &e.to_string()))
}

fn pem_error(path: &Path, var: &str, message: &str) -> StoreError {
    StoreError::BadData {
        path: path.to_path_buf(),
        message: format!("{var}: {message}"),
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

    fn client() -> Client {
        let url = ServerUrl::parse("http://mlflow.example:5000/pre").expect("url");
        Client::new(&url, HttpOptions::default()).expect("client")
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
    fn backoff_doubles_and_is_capped() {
        let c = client();
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
