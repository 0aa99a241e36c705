//! A real MLflow client logging metrics at a steady rate into a store
//! (tests/fixtures/log_metrics.py), timing every call, and the statistics to compare the
//! calls made while mltui reads the store with those made while it does not.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The `python` next to the `mlflow` executable of a venv.
pub fn python_of(mlflow_bin: &Path) -> PathBuf {
    mlflow_bin.with_file_name("python")
}

pub fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/log_metrics.py")
}

/// Milliseconds since the Unix epoch (the writer's clock too).
pub fn epoch_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// Creates experiment "live" with a running run in `uri`; returns the run id.
pub fn create_run(python: &Path, uri: &str) -> String {
    let out = Command::new(python)
        .arg(script())
        .args(["create", uri])
        .env_remove("MLFLOW_TRACKING_URI")
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "creating the run failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// One logging call.
#[derive(Debug, Clone)]
pub struct Sample {
    pub at_ms: f64,
    pub dur_ms: f64,
    pub error: Option<String>,
}

/// A running writer.
pub struct Writer {
    child: Child,
    samples: Arc<Mutex<Vec<Sample>>>,
    stderr: PathBuf,
    _dir: tempfile::TempDir,
}

impl Writer {
    /// Starts logging every `interval_ms` for `secs`, from step `first_step`, and waits
    /// until the first call is done.
    pub fn start(
        python: &Path,
        uri: &str,
        run_id: &str,
        secs: f64,
        interval_ms: u32,
        first_step: i64,
    ) -> Writer {
        let dir = tempfile::tempdir().expect("tempdir");
        let stderr = dir.path().join("stderr");
        let mut child = Command::new(python)
            .arg(script())
            .args([
                "log",
                uri,
                run_id,
                &secs.to_string(),
                &interval_ms.to_string(),
                &first_step.to_string(),
            ])
            .env_remove("MLFLOW_TRACKING_URI")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).expect("stderr file"))
            .spawn()
            .expect("start the writer");
        let stdout = child.stdout.take().expect("stdout");
        let samples = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        {
            let samples = samples.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    let mut parts = line.splitn(3, ' ');
                    match (parts.next(), parts.next(), parts.next()) {
                        (Some("ready"), _, _) => {
                            let _ = ready_tx.send(());
                        }
                        (Some("ok"), Some(at), Some(dur)) => {
                            samples.lock().expect("lock").push(Sample {
                                at_ms: at.parse().unwrap_or(0.0),
                                dur_ms: dur.parse().unwrap_or(0.0),
                                error: None,
                            })
                        }
                        (Some("exc"), Some(at), rest) => {
                            samples.lock().expect("lock").push(Sample {
                                at_ms: at.parse().unwrap_or(0.0),
                                dur_ms: 0.0,
                                error: Some(rest.unwrap_or("").to_string()),
                            })
                        }
                        _ => {}
                    }
                }
            });
        }
        let mut w = Writer {
            child,
            samples,
            stderr,
            _dir: dir,
        };
        if ready_rx.recv_timeout(Duration::from_secs(120)).is_err() {
            let _ = w.child.kill();
            panic!("the writer did not start: {}", w.stderr_text());
        }
        w
    }

    pub fn stderr_text(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Waits for the writer to end; its samples.
    pub fn finish(mut self) -> Vec<Sample> {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => break,
                _ if Instant::now() > deadline => {
                    let _ = self.child.kill();
                    panic!("the writer did not end");
                }
                _ => std::thread::sleep(Duration::from_millis(100)),
            }
        }
        // The reader thread ends with the pipe.
        std::thread::sleep(Duration::from_millis(200));
        self.samples.lock().expect("lock").clone()
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Time windows labelled with what mltui was doing.
#[derive(Debug, Default)]
pub struct Phases(pub Vec<(&'static str, f64, f64)>);

impl Phases {
    /// Runs `f` for `secs` (it is called until then) and records the window as `kind`.
    pub fn run(&mut self, kind: &'static str, secs: f64, mut f: impl FnMut()) {
        let start = epoch_ms();
        let end = Instant::now() + Duration::from_secs_f64(secs);
        while Instant::now() < end {
            f();
        }
        self.0.push((kind, start, epoch_ms()));
    }

    /// The durations of calls that started inside windows of `kind` (away from their edges,
    /// where the previous phase may still be finishing), sorted.
    pub fn durations(&self, samples: &[Sample], kind: &str) -> Vec<f64> {
        let mut out: Vec<f64> = samples
            .iter()
            .filter(|s| s.error.is_none())
            .filter(|s| {
                self.0
                    .iter()
                    .any(|(k, a, b)| *k == kind && s.at_ms >= a + 300.0 && s.at_ms <= b - 50.0)
            })
            .map(|s| s.dur_ms)
            .collect();
        out.sort_by(f64::total_cmp);
        out
    }
}

/// The `q` quantile (0..=1) of sorted values.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// `p50 / p99 / max (n)` of sorted values, for messages.
pub fn describe(sorted: &[f64]) -> String {
    format!(
        "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (n={})",
        quantile(sorted, 0.5),
        quantile(sorted, 0.99),
        sorted.last().copied().unwrap_or(f64::NAN),
        sorted.len()
    )
}
