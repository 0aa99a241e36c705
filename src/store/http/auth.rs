//! Connection settings the way MLflow's Python client reads them from the environment and
//! `~/.mlflow/credentials`: credentials (Basic or Bearer), TLS, timeouts and retries.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::store::StoreError;

/// Environment variables read here (the names MLflow's client uses).
pub const ENV_USERNAME: &str = "MLFLOW_TRACKING_USERNAME";
pub const ENV_PASSWORD: &str = "MLFLOW_TRACKING_PASSWORD";
pub const ENV_TOKEN: &str = "MLFLOW_TRACKING_TOKEN";
pub const ENV_INSECURE_TLS: &str = "MLFLOW_TRACKING_INSECURE_TLS";
pub const ENV_CERT_PATH: &str = "MLFLOW_TRACKING_SERVER_CERT_PATH";
pub const ENV_CLIENT_CERT_PATH: &str = "MLFLOW_TRACKING_CLIENT_CERT_PATH";
pub const ENV_TIMEOUT: &str = "MLFLOW_HTTP_REQUEST_TIMEOUT";
pub const ENV_MAX_RETRIES: &str = "MLFLOW_HTTP_REQUEST_MAX_RETRIES";
pub const ENV_BACKOFF_FACTOR: &str = "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR";
/// mltui's own: the most pages one listing may take (see [`HttpOptions::max_pages`]).
pub const ENV_MAX_PAGES: &str = "MLTUI_HTTP_MAX_PAGES";
/// mltui's own: the most megabytes of one answer read (see [`HttpOptions::max_body`]).
pub const ENV_MAX_BODY_MB: &str = "MLTUI_HTTP_MAX_BODY_MB";

/// Retries are bounded whatever the environment says: MLflow's defaults (7 retries,
/// factor 2 s) can keep a client waiting for minutes.
pub const MAX_RETRIES_CAP: u32 = 5;
const BACKOFF_FACTOR_CAP: f64 = 2.0;

/// Credentials sent with every request.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Basic`; `source` says where the pair came from, for messages.
    Basic {
        username: String,
        password: String,
        source: &'static str,
    },
    /// `Authorization: Bearer` from `MLFLOW_TRACKING_TOKEN`.
    Bearer { token: String },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Basic { source, .. } => write!(f, "Basic(*** from {source})"),
            Self::Bearer { .. } => f.write_str("Bearer(***)"),
        }
    }
}

impl Auth {
    /// The `Authorization` header value.
    pub fn header(&self) -> String {
        match self {
            Self::Basic {
                username, password, ..
            } => format!(
                "Basic {}",
                base64(format!("{username}:{password}").as_bytes())
            ),
            Self::Bearer { token } => format!("Bearer {token}"),
        }
    }

    /// Where these credentials came from, e.g. `MLFLOW_TRACKING_TOKEN`.
    pub fn source(&self) -> &'static str {
        match self {
            Self::Basic { source, .. } => source,
            Self::Bearer { .. } => ENV_TOKEN,
        }
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// How server certificates are checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Tls {
    /// Against the system's root certificates.
    #[default]
    System,
    /// Not at all (`MLFLOW_TRACKING_INSECURE_TLS=true`).
    Insecure,
    /// Against the CA bundle in this PEM file (`MLFLOW_TRACKING_SERVER_CERT_PATH`).
    CaBundle(PathBuf),
}

/// Everything that decides how requests are made.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// The whole of one request, from connecting to the last byte of the answer
    /// (`MLFLOW_HTTP_REQUEST_TIMEOUT`).
    pub request_timeout: Duration,
    /// Name resolution and TCP/TLS connection setup: short, so that a dead host is
    /// reported within seconds.
    pub connect_timeout: Duration,
    /// Further tries after a 408/429/5xx or a dropped connection.
    pub max_retries: u32,
    /// First backoff; doubles with every retry.
    pub backoff_factor: Duration,
    /// The longest single wait between tries.
    pub max_backoff: Duration,
    pub tls: Tls,
    /// A PEM file with a client certificate and its key, for mutual TLS
    /// (`MLFLOW_TRACKING_CLIENT_CERT_PATH`).
    pub client_cert: Option<PathBuf>,
    pub auth: Option<Auth>,
    /// Overrides the size of every page (runs, experiments, histories); `None` keeps the
    /// defaults. Small pages exercise paging in tests.
    pub page_size: Option<usize>,
    /// The most pages one listing (runs, experiments, a history) may take before it stops
    /// with an error (`MLTUI_HTTP_MAX_PAGES`): a server whose page tokens never end cannot
    /// keep mltui reading forever.
    pub max_pages: usize,
    /// The most bytes of one answer read, counted after decompression
    /// (`MLTUI_HTTP_MAX_BODY_MB`, default 256 MB): a page of 25,000 runs with a hundred
    /// params each fits well below it; a gzip bomb stops there with an error.
    pub max_body: u64,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(10),
            max_retries: 3,
            backoff_factor: Duration::from_millis(500),
            max_backoff: Duration::from_secs(4),
            tls: Tls::System,
            client_cert: None,
            auth: None,
            page_size: None,
            max_pages: 2_000,
            max_body: 256 << 20,
        }
    }
}

impl HttpOptions {
    /// Reads the process environment and `~/.mlflow/credentials`.
    pub fn from_env() -> Result<Self, StoreError> {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        Self::from_lookup(|k| std::env::var(k).ok(), home.as_deref())
    }

    /// Like [`HttpOptions::from_env`], with the environment given by `env` and the home
    /// directory by `home` (for tests).
    pub fn from_lookup(
        env: impl Fn(&str) -> Option<String>,
        home: Option<&Path>,
    ) -> Result<Self, StoreError> {
        let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        let mut o = Self::default();

        if let Some(v) = get(ENV_TIMEOUT) {
            let secs = parse_number(ENV_TIMEOUT, &v)?;
            if secs <= 0.0 {
                return Err(invalid(ENV_TIMEOUT, &v, "a positive number of seconds"));
            }
            o.request_timeout = Duration::from_secs_f64(secs.min(86_400.0));
        }
        o.connect_timeout = o.connect_timeout.min(o.request_timeout);
        if let Some(v) = get(ENV_MAX_RETRIES) {
            let n = v
                .trim()
                .parse::<u32>()
                .map_err(|_| invalid(ENV_MAX_RETRIES, &v, "a whole number"))?;
            o.max_retries = n.min(MAX_RETRIES_CAP);
        }
        if let Some(v) = get(ENV_BACKOFF_FACTOR) {
            let f = parse_number(ENV_BACKOFF_FACTOR, &v)?;
            if f < 0.0 {
                return Err(invalid(ENV_BACKOFF_FACTOR, &v, "a number of seconds"));
            }
            o.backoff_factor = Duration::from_secs_f64(f.min(BACKOFF_FACTOR_CAP));
        }

        if let Some(v) = get(ENV_MAX_PAGES) {
            o.max_pages = v
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| invalid(ENV_MAX_PAGES, &v, "a positive whole number"))?;
        }

        if let Some(v) = get(ENV_MAX_BODY_MB) {
            let mb = v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|&n| (1..=1 << 20).contains(&n))
                .ok_or_else(|| invalid(ENV_MAX_BODY_MB, &v, "a number of megabytes"))?;
            o.max_body = mb << 20;
        }

        let insecure = match get(ENV_INSECURE_TLS) {
            Some(v) => parse_bool(ENV_INSECURE_TLS, &v)?,
            None => false,
        };
        o.tls = match (insecure, get(ENV_CERT_PATH)) {
            (true, Some(_)) => {
                return Err(StoreError::Unsupported(format!(
                    "{ENV_INSECURE_TLS} and {ENV_CERT_PATH} are both set; \
                     set only one (MLflow refuses this too)"
                )));
            }
            (true, None) => Tls::Insecure,
            (false, Some(path)) => Tls::CaBundle(PathBuf::from(path)),
            (false, None) => Tls::System,
        };
        o.client_cert = get(ENV_CLIENT_CERT_PATH).map(PathBuf::from);

        // MLflow: each of username and password from the environment, else from the file;
        // Basic when both are there, else a token as Bearer.
        let file = home.map(|h| h.join(".mlflow").join("credentials"));
        let file_creds = file
            .as_deref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|text| read_credentials_file(&text))
            .unwrap_or_default();
        let (user_env, pass_env) = (get(ENV_USERNAME), get(ENV_PASSWORD));
        let source = if user_env.is_some() && pass_env.is_some() {
            "MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD"
        } else if user_env.is_none() && pass_env.is_none() {
            "~/.mlflow/credentials"
        } else {
            "MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD and ~/.mlflow/credentials"
        };
        let username = user_env.or(file_creds.0);
        let password = pass_env.or(file_creds.1);
        o.auth = match (username, password, get(ENV_TOKEN)) {
            (Some(username), Some(password), _) => Some(Auth::Basic {
                username,
                password,
                source,
            }),
            (_, _, Some(token)) => Some(Auth::Bearer {
                token: token.trim().to_string(),
            }),
            _ => None,
        };
        Ok(o)
    }
}

/// `(mlflow_tracking_username, mlflow_tracking_password)` from the `[mlflow]` section of an
/// INI file as Python's configparser reads it (`key = value` or `key: value`, `#`/`;` comments).
pub fn read_credentials_file(text: &str) -> (Option<String>, Option<String>) {
    let mut in_section = false;
    let (mut user, mut pass) = (None, None);
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            in_section = name.trim() == "mlflow";
            continue;
        }
        if !in_section {
            continue;
        }
        let Some(i) = line.find(['=', ':']) else {
            continue;
        };
        let (key, value) = (line[..i].trim(), line[i + 1..].trim());
        let value = (!value.is_empty()).then(|| value.to_string());
        match key.to_ascii_lowercase().as_str() {
            "mlflow_tracking_username" => user = value,
            "mlflow_tracking_password" => pass = value,
            _ => {}
        }
    }
    (user, pass)
}

fn invalid(var: &str, value: &str, want: &str) -> StoreError {
    StoreError::Unsupported(format!("{var}={value:?}: expected {want}"))
}

fn parse_number(var: &str, value: &str) -> Result<f64, StoreError> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| invalid(var, value, "a number of seconds"))
}

/// MLflow's boolean environment variables: `true`/`1` or `false`/`0`, any case.
fn parse_bool(var: &str, value: &str) -> Result<bool, StoreError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(invalid(var, value, "true or false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn opts(vars: &[(&str, &str)], home: Option<&Path>) -> Result<HttpOptions, StoreError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        HttpOptions::from_lookup(|k| map.get(k).cloned(), home)
    }

    #[test]
    fn basic_auth_header_is_base64() {
        let a = Auth::Basic {
            username: "admin".into(),
            password: "password1234".into(),
            source: "x",
        };
        assert_eq!(a.header(), "Basic YWRtaW46cGFzc3dvcmQxMjM0");
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert!(!format!("{a:?}").contains("password1234"));
    }

    #[test]
    fn basic_wins_over_token_as_in_mlflow_code() {
        let o = opts(
            &[(ENV_USERNAME, "u"), (ENV_PASSWORD, "p"), (ENV_TOKEN, "tok")],
            None,
        )
        .expect("opts");
        assert!(matches!(o.auth, Some(Auth::Basic { ref username, .. }) if username == "u"));
        let o = opts(&[(ENV_TOKEN, "tok"), (ENV_USERNAME, "only-user")], None).expect("opts");
        assert_eq!(o.auth.as_ref().map(Auth::header), Some("Bearer tok".into()));
        assert!(!format!("{o:?}").contains("tok\""));
        let o = opts(&[], None).expect("opts");
        assert_eq!(o.auth, None);
    }

    #[test]
    fn credentials_file_is_the_fallback_per_key() {
        let d = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(d.path().join(".mlflow")).expect("mkdir");
        std::fs::write(
            d.path().join(".mlflow/credentials"),
            "[other]\nmlflow_tracking_username = nope\n\n[mlflow]\n# comment\n\
             mlflow_tracking_username = fileuser\nmlflow_tracking_password: filepass\n",
        )
        .expect("write");
        let o = opts(&[], Some(d.path())).expect("opts");
        assert_eq!(
            o.auth,
            Some(Auth::Basic {
                username: "fileuser".into(),
                password: "filepass".into(),
                source: "~/.mlflow/credentials",
            })
        );
        let o = opts(&[(ENV_USERNAME, "envuser")], Some(d.path())).expect("opts");
        assert!(
            matches!(o.auth, Some(Auth::Basic { ref username, ref password, .. })
                if username == "envuser" && password == "filepass")
        );
    }

    #[test]
    fn tls_timeouts_and_retries_from_env() {
        let o = opts(&[], None).expect("opts");
        assert_eq!(o.tls, Tls::System);
        assert_eq!(o.request_timeout, Duration::from_secs(120));
        assert!(o.connect_timeout <= Duration::from_secs(10));
        let o = opts(&[(ENV_INSECURE_TLS, "TRUE")], None).expect("opts");
        assert_eq!(o.tls, Tls::Insecure);
        let o = opts(&[(ENV_CERT_PATH, "/ca.pem")], None).expect("opts");
        assert_eq!(o.tls, Tls::CaBundle("/ca.pem".into()));
        let o = opts(&[(ENV_CLIENT_CERT_PATH, "/me.pem")], None).expect("opts");
        assert_eq!(o.client_cert, Some(PathBuf::from("/me.pem")));
        let e = opts(
            &[(ENV_CERT_PATH, "/ca.pem"), (ENV_INSECURE_TLS, "true")],
            None,
        )
        .expect_err("both");
        assert!(e.to_string().contains("both set"), "{e}");
        assert!(opts(&[(ENV_INSECURE_TLS, "yes please")], None).is_err());
        let o = opts(
            &[
                (ENV_TIMEOUT, "2"),
                (ENV_MAX_RETRIES, "100"),
                (ENV_BACKOFF_FACTOR, "60"),
            ],
            None,
        )
        .expect("opts");
        assert_eq!(o.request_timeout, Duration::from_secs(2));
        assert_eq!(o.connect_timeout, Duration::from_secs(2));
        assert_eq!(o.max_retries, MAX_RETRIES_CAP);
        assert_eq!(o.backoff_factor, Duration::from_secs(2));
        assert_eq!(o.max_pages, 2_000);
        let o = opts(&[(ENV_MAX_PAGES, "50")], None).expect("opts");
        assert_eq!(o.max_pages, 50);
        assert!(opts(&[(ENV_MAX_PAGES, "0")], None).is_err());
        assert_eq!(o.max_body, 256 << 20);
        let o = opts(&[(ENV_MAX_BODY_MB, "16")], None).expect("opts");
        assert_eq!(o.max_body, 16 << 20);
        let e = opts(&[(ENV_TIMEOUT, "soon")], None).expect_err("bad timeout");
        assert!(e.to_string().contains(ENV_TIMEOUT), "{e}");
        assert!(opts(&[(ENV_TIMEOUT, "0")], None).is_err());
    }
}
