//! Helpers shared by the integration tests: fixture paths, running the binary, and
//! normalising JSON the way MLflow's stores differ.

#![allow(dead_code)]

pub mod pty;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// `(label, store path, directory of expected_*.json)` for the four MLflow-written stores.
pub fn stores() -> Vec<(String, PathBuf, PathBuf)> {
    let mut out = Vec::new();
    for v in ["v3", "v2"] {
        for (kind, store) in [("file", "mlruns"), ("sqlite", "mlflow.db")] {
            let dir = fixtures().join(v).join(kind);
            out.push((format!("{v}/{kind}"), dir.join(store), dir));
        }
    }
    out
}

/// `(label, store path, directory of expected_*.json)` for the sweep fixture (MLflow 3.17,
/// `tests/fixtures/sweep/`): 30 runs of an optimizer × lr × seed grid.
pub fn sweep_stores() -> Vec<(String, PathBuf, PathBuf)> {
    [("file", "mlruns"), ("sqlite", "mlflow.db")]
        .into_iter()
        .map(|(kind, store)| {
            let dir = fixtures().join("sweep").join(kind);
            (format!("sweep/{kind}"), dir.join(store), dir)
        })
        .collect()
}

pub fn mltui(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mltui"))
        .args(args)
        .env_remove("MLFLOW_TRACKING_URI")
        // A developer's own settings must not change what the tests see.
        .env("XDG_CONFIG_HOME", "/nonexistent-mltui-test-config")
        .env_remove("MLTUI_CONFIG")
        .env_remove("MLTUI_REFRESH")
        .env_remove("MLTUI_TIME_ZONE")
        .env_remove("MLTUI_MOUSE")
        .env_remove("MLTUI_NOTIFY")
        // Nor their remembered views.
        .env("XDG_STATE_HOME", "/nonexistent-mltui-test-state")
        .env("NO_COLOR", "1")
        .output()
        .expect("run mltui")
}

pub fn mltui_ok(args: &[&str]) -> String {
    let out = mltui(args);
    assert!(
        out.status.success(),
        "mltui {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Drops the fields mltui adds to `search_runs`' shape (per-metric summaries, datasets).
pub fn strip_extras(runs: &mut serde_json::Value) {
    for run in runs.as_array_mut().expect("array") {
        let obj = run.as_object_mut().expect("object");
        obj.remove("metric_summaries");
        obj.remove("datasets");
    }
}

/// A JSON array of experiments keyed by `experiment_id`, to compare regardless of order.
pub fn experiments_by_id(
    v: &serde_json::Value,
) -> std::collections::BTreeMap<String, serde_json::Value> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|e| {
            (
                e["experiment_id"].as_str().expect("id").to_string(),
                e.clone(),
            )
        })
        .collect()
}

/// MLflow's SQL stores hand back ±inf as ±f64::MAX; mltui shows them as infinities.
pub fn unclamp_json(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) => {
            if let Some(f) = n.as_f64() {
                if f == f64::MAX {
                    *v = "Infinity".into();
                } else if f == -f64::MAX {
                    *v = "-Infinity".into();
                }
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(unclamp_json),
        serde_json::Value::Object(o) => o.values_mut().for_each(unclamp_json),
        _ => {}
    }
}

/// Hash of every file below `root` (path and bytes), to prove nothing was written.
pub fn tree_digest(root: &Path) -> Vec<(PathBuf, u64, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        let meta = std::fs::symlink_metadata(&p).expect("stat");
        if meta.is_dir() {
            for e in std::fs::read_dir(&p).expect("read_dir") {
                stack.push(e.expect("entry").path());
            }
        } else {
            let bytes = std::fs::read(&p).expect("read");
            out.push((p, meta.len(), bytes));
        }
    }
    out.sort();
    out
}

/// Copies a directory tree.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

/// Runs `cmd` to its end (stdout and stderr drained meanwhile), killing it after `deadline`
/// (a hang fails the test); returns its output and its peak resident memory in MB, as the
/// kernel counts it (`wait4`).
pub fn run_measured(mut cmd: Command, deadline: std::time::Duration) -> (Output, u64) {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Reaped below with wait4, which also reports its peak memory.
    #[allow(clippy::zombie_processes)]
    let mut child = cmd.spawn().expect("spawn");
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout")));
    let err = drain(Box::new(child.stderr.take().expect("stderr")));
    let pid = child.id() as libc::pid_t;
    let start = std::time::Instant::now();
    let (status, rss_kb) = loop {
        let mut status = 0;
        // SAFETY: plain FFI calls on our own child; `usage` is written by the kernel.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break (status, usage.ru_maxrss as u64);
        }
        assert!(r == 0, "wait4 failed");
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} still running after {deadline:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let output = Output {
        status: std::process::ExitStatus::from_raw(status),
        stdout: out.join().expect("stdout"),
        stderr: err.join().expect("stderr"),
    };
    (output, rss_kb / 1024)
}
