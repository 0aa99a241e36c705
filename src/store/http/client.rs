//! One HTTP exchange with the server's REST API: the agent (TLS, one timeout for the whole
//! request), requests (auth only to the server itself, no Origin), redirects followed by hand
//! (never from https:// to http://), bounded retries with backoff, the status checked before
//! any JSON is parsed, and the body decoded as it streams in, at most
//! [`HttpOptions::max_body`] bytes of it after decompression (`errors` words what went wrong).

use std::io::{BufReader, Read};
use std::path::Path;
use std::time::Duration;

use serde::de::DeserializeOwned;
use ureq::Agent;
use ureq::tls::{ClientCert, PemItem, RootCerts, TlsConfig};

use super::auth::{Auth, ENV_CERT_PATH, ENV_CLIENT_CERT_PATH, HttpOptions, Tls};
use super::errors::{Context, Phase, http_error, status_error, transport_error};
use super::url::{ServerUrl, mask_userinfo};
use crate::store::StoreError;

#[path = "download.rs"]
pub(super) mod download;

/// Path of MLflow's REST API below the tracking URI.
pub const API_PATH: &str = "/api/2.0/mlflow/";
/// How much of an error body is read for the message.
const MAX_ERROR_BODY: u64 = 64 * 1024;
/// Redirects followed per request.
const MAX_REDIRECTS: usize = 5;

/// Decodes an answer's body as it streams in.
pub type Decode<'a, T> = &'a dyn Fn(&mut dyn Read) -> serde_json::Result<T>;

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
        let connect = Some(options.connect_timeout);
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .tls_config(tls)
            .user_agent(format!("mltui/{}", env!("CARGO_PKG_VERSION")))
            .accept("application/json")
            // The whole request, body included: a server sending a byte a second ends too.
            .timeout_global(Some(options.request_timeout))
            .timeout_resolve(connect)
            .timeout_connect(connect)
            // Redirects are followed by hand, to refuse https -> http and to send
            // credentials only to the server itself.
            .max_redirects(0)
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
        self.get_with(endpoint, query, &|r| serde_json::from_reader(r))
    }

    /// `POST endpoint` with a JSON body, parsed as `T`.
    #[allow(dead_code)] // The client's surface for endpoints with small answers.
    pub fn post<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        body: &serde_json::Value,
    ) -> Result<T, StoreError> {
        self.post_with(endpoint, body, &|r| serde_json::from_reader(r))
    }

    /// `GET endpoint?query`, the answer decoded by `decode` as it streams in (called again
    /// from the start for each retry).
    pub fn get_with<T>(
        &self,
        endpoint: &str,
        query: &[(&str, &str)],
        decode: Decode<'_, T>,
    ) -> Result<T, StoreError> {
        let qs: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        let sep = if qs.is_empty() { "" } else { "?" };
        let url = format!("{}{endpoint}{sep}{}", self.api, qs.join("&"));
        self.request(endpoint, &url, None, decode)
    }

    /// `POST endpoint` with a JSON body, decoded like [`Client::get_with`].
    pub fn post_with<T>(
        &self,
        endpoint: &str,
        body: &serde_json::Value,
        decode: Decode<'_, T>,
    ) -> Result<T, StoreError> {
        let url = format!("{}{endpoint}", self.api);
        let body = body.to_string();
        self.request(endpoint, &url, Some(body.as_bytes()), decode)
    }

    fn request<T>(
        &self,
        endpoint: &str,
        url: &str,
        body: Option<&[u8]>,
        decode: Decode<'_, T>,
    ) -> Result<T, StoreError> {
        let shown_url = format!("{}{API_PATH}{endpoint}", self.shown);
        let mut retries = 0;
        loop {
            match self.attempt(url, &shown_url, body, decode) {
                Ok(value) => return Ok(value),
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
        }
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

    /// One try: the request, any redirects, the status, and the decoded body.
    fn attempt<T>(
        &self,
        url: &str,
        shown_url: &str,
        mut body: Option<&[u8]>,
        decode: Decode<'_, T>,
    ) -> Result<T, Failure> {
        let mut url = url.to_string();
        let mut hops = 0;
        let mut response = loop {
            let with_auth = same_origin(&url, &self.api);
            let result = match body {
                None => self.headers(self.agent.get(&url), with_auth).call(),
                Some(body) => self
                    .headers(self.agent.post(&url), with_auth)
                    .header("Content-Type", "application/json")
                    .send(body),
            };
            let response =
                result.map_err(|e| self.transport_failure(e, shown_url, Phase::Request))?;
            let status = response.status().as_u16();
            if !matches!(status, 301 | 302 | 303 | 307 | 308) {
                break response;
            }
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let fatal =
                |message: String| Failure::fatal(http_error(shown_url, Some(status), &message));
            let next = resolve_location(&url, &location).ok_or_else(|| {
                fatal(format!(
                    "the server redirected to {:?}, which is not an http(s) URL",
                    mask_userinfo(&location)
                ))
            })?;
            if url.starts_with("https://") && next.starts_with("http://") {
                return Err(fatal(format!(
                    "refused a redirect from https:// to {}: credentials and data would travel \
                     unencrypted (use that http:// URL as the source if this is really meant)",
                    mask_userinfo(&next)
                )));
            }
            hops += 1;
            if hops > MAX_REDIRECTS {
                return Err(fatal(format!(
                    "more than {MAX_REDIRECTS} redirects (the last to {})",
                    mask_userinfo(&next)
                )));
            }
            // As browsers and MLflow's client do: 303, and 301/302 after a POST, become GET.
            if status == 303 || (matches!(status, 301 | 302) && body.is_some()) {
                body = None;
            }
            url = next;
        };
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
            let mut counted = Counted {
                inner: response
                    .body_mut()
                    .with_config()
                    .limit(self.options.max_body)
                    .reader(),
                content: false,
            };
            let result = decode(&mut BufReader::with_capacity(64 * 1024, &mut counted));
            return result.map_err(|e| {
                if e.is_io() {
                    let io = std::io::Error::from(e);
                    self.transport_failure(ureq::Error::from(io), shown_url, Phase::Body)
                } else if !counted.content {
                    Failure::fatal(http_error(
                        shown_url,
                        Some(status),
                        "the server sent an empty answer instead of JSON: is this an MLflow \
                         tracking server?",
                    ))
                } else {
                    Failure::fatal(http_error(
                        shown_url,
                        Some(status),
                        &format!(
                            "the server's answer is not the JSON MLflow sends ({e}): \
                             is this an MLflow tracking server?"
                        ),
                    ))
                }
            });
        }
        let mut text = Vec::new();
        // The error body only adds detail; a failure to read it changes nothing.
        let _ = response
            .body_mut()
            .with_config()
            .limit(MAX_ERROR_BODY)
            .reader()
            .take(MAX_ERROR_BODY)
            .read_to_end(&mut text);
        let text = String::from_utf8_lossy(&text);
        Err(Failure {
            error: status_error(&self.context(), status, &content_type, &text, shown_url),
            retry: matches!(status, 408 | 429 | 500 | 502 | 503 | 504),
            retry_after,
        })
    }

    fn headers<B>(
        &self,
        builder: ureq::RequestBuilder<B>,
        with_auth: bool,
    ) -> ureq::RequestBuilder<B> {
        match &self.auth {
            Some(auth) if with_auth => builder.header("Authorization", auth.header()),
            _ => builder,
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

/// A reader that notes whether anything but whitespace came through.
struct Counted<R> {
    inner: R,
    content: bool,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if !self.content {
            self.content = buf[..n].iter().any(|b| !b.is_ascii_whitespace());
        }
        Ok(n)
    }
}

/// `scheme://host[:port]` of a URL, lowercased, with the default port made explicit.
fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let has_port = host_port
        .rsplit_once(':')
        .is_some_and(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && !host_port.ends_with(']');
    let default = match scheme.as_str() {
        "http" => "80",
        "https" => "443",
        _ => return None,
    };
    let host_port = host_port.to_ascii_lowercase();
    Some(if has_port {
        format!("{scheme}://{host_port}")
    } else {
        format!("{scheme}://{host_port}:{default}")
    })
}

/// Whether `url` is on the same origin (scheme, host, port) as `base`: credentials go
/// only there.
fn same_origin(url: &str, base: &str) -> bool {
    matches!((origin(url), origin(base)), (Some(a), Some(b)) if a == b)
}

/// The absolute URL a `Location` header points to from `current`; `None` when it is not
/// http(s).
fn resolve_location(current: &str, location: &str) -> Option<String> {
    let location = location.trim();
    if location.is_empty() {
        return None;
    }
    if let Some((scheme, _)) = location.split_once("://") {
        let scheme = scheme.to_ascii_lowercase();
        return (scheme == "http" || scheme == "https").then(|| location.to_string());
    }
    let (scheme, rest) = current.split_once("://")?;
    if let Some(net) = location.strip_prefix("//") {
        return Some(format!("{scheme}://{net}"));
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    if location.starts_with('/') {
        return Some(format!("{scheme}://{authority}{location}"));
    }
    // Relative to the current path's directory.
    let path = rest[authority_end..].split(['?', '#']).next().unwrap_or("");
    let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
    Some(format!("{scheme}://{authority}{dir}{location}"))
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
    fn redirect_targets_and_origins() {
        let cur = "https://h:8443/pre/api/2.0/mlflow/runs/search?x=1";
        assert_eq!(
            resolve_location(cur, "http://evil/x").as_deref(),
            Some("http://evil/x")
        );
        assert_eq!(
            resolve_location(cur, "/other").as_deref(),
            Some("https://h:8443/other")
        );
        assert_eq!(
            resolve_location(cur, "//cdn/y").as_deref(),
            Some("https://cdn/y")
        );
        assert_eq!(
            resolve_location(cur, "get").as_deref(),
            Some("https://h:8443/pre/api/2.0/mlflow/runs/get")
        );
        assert_eq!(resolve_location(cur, "ftp://x/y"), None);
        assert_eq!(resolve_location(cur, ""), None);
        assert!(same_origin("https://H:443/a", "https://h/b"));
        assert!(same_origin("http://h/a", "http://h:80/"));
        assert!(!same_origin("http://h/a", "https://h/a"));
        assert!(!same_origin("https://h:8443/a", "https://h/a"));
        assert!(!same_origin("https://h.evil/a", "https://h/a"));
        assert!(!same_origin("https://u:p@h2/a", "https://h/a"));
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
