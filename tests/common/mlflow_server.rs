//! A real `mlflow server` for tests: the binary named by `MLTUI_TEST_MLFLOW`, on a free
//! loopback port, over a temporary copy of a fixture database (MLflow may migrate a database
//! in place), in its own process group that is killed as a whole on drop.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ENV_BIN: &str = "MLTUI_TEST_MLFLOW";
pub const ENV_SKIP: &str = "MLTUI_SKIP_SERVER_TESTS";
/// How long a server may take to answer `/health` (2 cores, other tests compiling).
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// The `mlflow` executable, or `None` when server tests are explicitly skipped.
///
/// Panics when neither is set: the tests must not pass silently without a server.
pub fn mlflow_bin() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os(ENV_BIN).filter(|v| !v.is_empty()) {
        let bin = PathBuf::from(bin);
        assert!(
            bin.is_file(),
            "{ENV_BIN}={} does not exist; point it at the mlflow executable of a venv with \
             mlflow[auth]==3.17.2 (bash .ci/run makes one)",
            bin.display()
        );
        return Some(bin);
    }
    if std::env::var(ENV_SKIP).as_deref() == Ok("1") {
        eprintln!("server tests skipped: {ENV_SKIP}=1");
        return None;
    }
    panic!(
        "{ENV_BIN} is not set: these tests run a real MLflow tracking server. Set {ENV_BIN} to \
         the mlflow executable of a venv with mlflow[auth]==3.17.2 (`bash .ci/run` creates one \
         at ~/.cache/mltui-ci/venv-mlflow-3.17.2/bin/mlflow), or set {ENV_SKIP}=1 to skip them"
    );
}

/// A running server; dropping it kills its process group.
pub struct MlflowServer {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    pub port: u16,
    pub dir: tempfile::TempDir,
    log: PathBuf,
    /// Time from spawn to the first healthy answer.
    pub startup: Duration,
}

/// Settings of a `--app-name basic-auth` server.
pub struct BasicAuth<'a> {
    pub admin_password: &'a str,
}

impl MlflowServer {
    /// Starts `mlflow server` over a copy of `db` and waits until `/health` answers.
    pub fn start(bin: &Path, db: &Path, auth: Option<BasicAuth<'_>>) -> Self {
        Self::start_with(bin, db, auth, None)
    }

    /// Like `start`, with proxied artifacts served from a copy of the folder `artifacts`
    /// (the server's `--artifacts-destination`, for `mlflow-artifacts:` URIs).
    pub fn start_with_artifacts(bin: &Path, db: &Path, artifacts: &Path) -> Self {
        Self::start_with(bin, db, None, Some(artifacts))
    }

    fn start_with(
        bin: &Path,
        db: &Path,
        auth: Option<BasicAuth<'_>>,
        artifacts: Option<&Path>,
    ) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let db_copy = dir.path().join("mlflow.db");
        std::fs::copy(db, &db_copy).expect("copy fixture db");
        let port = free_port();
        let log = dir.path().join("server.log");
        let log_file = std::fs::File::create(&log).expect("log file");
        let mut cmd = Command::new(bin);
        cmd.arg("server")
            .arg("--backend-store-uri")
            .arg(format!("sqlite:///{}", db_copy.display()))
            .arg("--default-artifact-root")
            .arg(dir.path().join("artifacts"))
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--workers", "1"])
            .args(
                artifacts
                    .map(|src| {
                        let dest = dir.path().join("mlartifacts");
                        crate::common::copy_tree(src, &dest);
                        vec![
                            "--artifacts-destination".to_string(),
                            dest.display().to_string(),
                        ]
                    })
                    .unwrap_or_default(),
            )
            .current_dir(dir.path())
            // The job runner starts several extra processes nothing here needs.
            .env("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
            .env_remove("MLFLOW_TRACKING_URI")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log"))
            .stderr(log_file)
            .process_group(0);
        if let Some(a) = auth {
            let ini = dir.path().join("basic_auth.ini");
            std::fs::write(
                &ini,
                format!(
                    "[mlflow]\ndefault_permission = READ\ndatabase_uri = sqlite:///{}\n\
                     admin_username = admin\nadmin_password = {}\n",
                    dir.path().join("basic_auth.db").display(),
                    a.admin_password
                ),
            )
            .expect("write auth ini");
            cmd.args(["--app-name", "basic-auth"])
                .env("MLFLOW_AUTH_CONFIG_PATH", &ini)
                .env("MLFLOW_AUTH_ADMIN_PASSWORD", a.admin_password)
                .env("MLFLOW_FLASK_SERVER_SECRET_KEY", "mltui-test-secret");
        }
        let started = Instant::now();
        let child = cmd.spawn().expect("spawn mlflow server");
        let mut server = MlflowServer {
            child,
            url: format!("http://127.0.0.1:{port}"),
            port,
            dir,
            log,
            startup: Duration::ZERO,
        };
        loop {
            if health(port) {
                break;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!(
                    "mlflow server exited ({status}) before answering /health:\n{}",
                    server.log_tail()
                );
            }
            if started.elapsed() > START_TIMEOUT {
                panic!(
                    "mlflow server did not answer /health within {START_TIMEOUT:?}:\n{}",
                    server.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        server.startup = started.elapsed();
        server
    }

    /// The last lines of the server's output, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for MlflowServer {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let signal = |sig: &str| {
            let _ = Command::new("kill")
                .args(["-s", sig, "--", &group])
                .stderr(Stdio::null())
                .status();
        };
        signal("TERM");
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // uvicorn's worker and anything else left in the group.
        signal("KILL");
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago (bind to :0, then release it).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn health(port: u16) -> bool {
    let Ok(mut s) =
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500))
    else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let req =
        format!("GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.starts_with("HTTP/1.1 200") || out.starts_with("HTTP/1.0 200")
}
