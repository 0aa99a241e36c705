//! Hostile file stores: FIFOs and device symlinks (`/dev/zero`, `/dev/urandom`, `/dev/tty`)
//! where MLflow writes files, oversized values, unreadable folders and files. Each case ends
//! in a warning that names the file, within seconds, and every good run still loads.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Far more than any of these commands needs: only a hang comes near it.
const DEADLINE: Duration = Duration::from_secs(60);

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn experiment(root: &Path, id: &str) -> PathBuf {
    let dir = root.join(id);
    write(
        &dir.join("meta.yaml"),
        &format!("experiment_id: '{id}'\nname: exp-{id}\nlifecycle_stage: active\n"),
    );
    dir
}

fn run(exp: &Path, id: &str) -> PathBuf {
    let dir = exp.join(id);
    let exp_id = exp.file_name().expect("name").to_string_lossy();
    write(
        &dir.join("meta.yaml"),
        &format!(
            "experiment_id: '{exp_id}'\nrun_id: {id}\nrun_name: {id}\nstatus: 3\n\
             start_time: 1\nlifecycle_stage: active\n"
        ),
    );
    write(&dir.join("metrics/loss"), "1 0.5 0\n2 0.25 1\n");
    write(&dir.join("params/lr"), "0.1");
    write(&dir.join("tags/mlflow.runName"), id);
    dir
}

fn mkfifo(path: &Path) {
    let _ = std::fs::remove_file(path);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let ok = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo")
        .success();
    assert!(ok, "mkfifo {}", path.display());
}

fn symlink(target: &str, path: &Path) {
    let _ = std::fs::remove_file(path);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::os::unix::fs::symlink(target, path).expect("symlink");
}

/// Runs the binary (optionally through `prefix`, e.g. `setpriv ...`), killing it at the
/// deadline: a hang fails the test instead of hanging it.
fn mltui_within(prefix: &[&str], args: &[&str]) -> Output {
    let (program, pre) = match prefix.split_first() {
        Some((p, rest)) => (p.to_string(), rest.to_vec()),
        None => (env!("CARGO_BIN_EXE_mltui").to_string(), Vec::new()),
    };
    let mut cmd = Command::new(program);
    cmd.args(pre);
    if !prefix.is_empty() {
        cmd.arg(env!("CARGO_BIN_EXE_mltui"));
    }
    let mut child = cmd
        .args(args)
        .env_remove("MLFLOW_TRACKING_URI")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn mltui");
    // Drained while it runs, so a big output cannot block it on a full pipe.
    let drain = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("stderr")));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            let err = stderr.join().unwrap_or_default();
            panic!(
                "mltui {args:?} still running after {DEADLINE:?}; stderr: {}",
                String::from_utf8_lossy(&err)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: stdout.join().expect("stdout"),
        stderr: stderr.join().expect("stderr"),
    }
}

fn ok_json(out: &Output) -> (Value, String) {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "failed: {stderr}");
    (
        serde_json::from_slice(&out.stdout).expect("json output"),
        stderr,
    )
}

fn run_names(runs: &Value) -> Vec<String> {
    let mut names: Vec<String> = runs
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["run_name"].as_str().expect("name").to_string())
        .collect();
    names.sort();
    names
}

fn by_name<'a>(runs: &'a Value, name: &str) -> &'a Value {
    runs.as_array()
        .expect("array")
        .iter()
        .find(|r| r["run_name"] == name)
        .unwrap_or_else(|| panic!("run {name} missing"))
}

/// A store with a FIFO or a device where each kind of file goes; `good` runs are intact.
fn hostile_store() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("mlruns");
    let exp = experiment(&root, "1");
    run(&exp, "good1");
    run(&experiment(&root, "2"), "good2");
    mkfifo(&run(&exp, "fifo_metric").join("metrics/loss"));
    mkfifo(&run(&exp, "fifo_param").join("params/lr"));
    mkfifo(&run(&exp, "fifo_meta").join("meta.yaml"));
    mkfifo(&run(&exp, "fifo_tag").join("tags/note"));
    symlink("/dev/zero", &run(&exp, "zero_param").join("params/lr"));
    symlink("/dev/zero", &run(&exp, "zero_metric").join("metrics/acc"));
    symlink(
        "/dev/urandom",
        &run(&exp, "urandom_metric").join("metrics/acc"),
    );
    symlink("/dev/tty", &run(&exp, "tty_tag").join("tags/note"));
    symlink("/dev/zero", &run(&exp, "zero_meta").join("meta.yaml"));
    // An experiment whose meta.yaml is a FIFO, one whose tag is /dev/urandom.
    mkfifo(&root.join("3/meta.yaml"));
    symlink("/dev/urandom", &experiment(&root, "4").join("tags/t"));
    (tmp, root)
}

#[test]
fn fifos_and_devices_become_warnings_and_good_runs_load() {
    let (_tmp, root) = hostile_store();
    let store = root.to_str().expect("utf-8");
    let out = mltui_within(&[], &["runs", store, "-f", "json"]);
    let (runs, stderr) = ok_json(&out);
    // Runs with a bad meta.yaml are left out; every other run loads without the bad file.
    assert_eq!(
        run_names(&runs),
        [
            "fifo_metric",
            "fifo_param",
            "fifo_tag",
            "good1",
            "good2",
            "tty_tag",
            "urandom_metric",
            "zero_metric",
            "zero_param"
        ]
    );
    assert_eq!(
        by_name(&runs, "fifo_metric")["metrics"],
        serde_json::json!({})
    );
    assert_eq!(
        by_name(&runs, "fifo_param")["params"],
        serde_json::json!({})
    );
    assert_eq!(
        by_name(&runs, "zero_param")["params"],
        serde_json::json!({})
    );
    assert_eq!(by_name(&runs, "good1")["params"]["lr"], "0.1");
    assert_eq!(by_name(&runs, "zero_metric")["metrics"]["loss"], 0.25);
    assert!(
        by_name(&runs, "zero_metric")["metrics"]
            .get("acc")
            .is_none()
    );
    assert!(by_name(&runs, "tty_tag")["tags"].get("note").is_none());
    for (file, what) in [
        ("fifo_metric/metrics/loss", "FIFO"),
        ("fifo_param/params/lr", "FIFO"),
        ("fifo_meta/meta.yaml", "FIFO"),
        ("fifo_tag/tags/note", "FIFO"),
        ("zero_param/params/lr", "character device"),
        ("zero_metric/metrics/acc", "character device"),
        ("urandom_metric/metrics/acc", "character device"),
        ("zero_meta/meta.yaml", "character device"),
    ] {
        let line = stderr
            .lines()
            .find(|l| l.contains(file))
            .unwrap_or_else(|| panic!("no warning about {file}: {stderr}"));
        assert!(
            line.starts_with("mltui: warning:") && line.contains(what),
            "{line}"
        );
    }
    // /dev/tty: refused as a device, or not openable at all without a terminal.
    assert!(stderr.contains("tty_tag/tags/note"), "{stderr}");
}

#[test]
fn experiments_with_special_files_are_warnings() {
    let (_tmp, root) = hostile_store();
    let out = mltui_within(
        &[],
        &["experiments", root.to_str().expect("utf-8"), "-f", "json"],
    );
    let (exps, stderr) = ok_json(&out);
    let ids: Vec<&str> = exps
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["experiment_id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["1", "2", "4"]);
    assert!(
        stderr.contains("3/meta.yaml") && stderr.contains("FIFO"),
        "{stderr}"
    );
    assert!(
        stderr.contains("4/tags/t") && stderr.contains("character device"),
        "{stderr}"
    );
}

#[test]
fn history_of_a_fifo_metric_is_an_error_not_a_hang() {
    let (_tmp, root) = hostile_store();
    let out = mltui_within(
        &[],
        &[
            "history",
            root.to_str().expect("utf-8"),
            "-r",
            "fifo_metric",
            "-m",
            "loss",
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("FIFO"), "{err}");
}

#[test]
fn oversized_values_are_cut_with_a_warning() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("mlruns");
    let exp = experiment(&root, "1");
    let big = run(&exp, "big");
    let value = "é".repeat(3 << 20); // 6 MB of 2-byte characters
    write(&big.join("params/huge"), &value);
    let mut meta = std::fs::read_to_string(big.join("meta.yaml")).expect("read");
    let fat = run(&exp, "fat_meta");
    meta = meta.replace("big", "fat_meta");
    meta.push_str(&format!("padding: '{}'\n", "x".repeat(2 << 20)));
    write(&fat.join("meta.yaml"), &meta);
    let out = mltui_within(&[], &["runs", root.to_str().expect("utf-8"), "-f", "json"]);
    let (runs, stderr) = ok_json(&out);
    assert_eq!(run_names(&runs), ["big"]);
    let cut = by_name(&runs, "big")["params"]["huge"]
        .as_str()
        .expect("value");
    assert_eq!(cut.len(), 1 << 20, "cut at 1 MB, on a character boundary");
    assert!(cut.chars().all(|c| c == 'é'));
    assert!(
        stderr.contains("params/huge") && stderr.contains("cut to its first 1 MB"),
        "{stderr}"
    );
    assert!(
        stderr.contains("fat_meta/meta.yaml") && stderr.contains("more than the 1 MB read"),
        "{stderr}"
    );
}

#[test]
fn deeply_nested_yaml_is_refused_quickly() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("mlruns");
    let exp = experiment(&root, "1");
    run(&exp, "good");
    let nested = run(&exp, "nested");
    let depth = 100_000;
    let mut meta = std::fs::read_to_string(nested.join("meta.yaml")).expect("read");
    meta.push_str(&format!("x: {}{}\n", "[".repeat(depth), "]".repeat(depth)));
    write(&nested.join("meta.yaml"), &meta);
    let out = mltui_within(&[], &["runs", root.to_str().expect("utf-8"), "-f", "json"]);
    let (runs, stderr) = ok_json(&out);
    assert_eq!(run_names(&runs), ["good"]);
    assert!(
        stderr.contains("nested/meta.yaml") && stderr.contains("100000 '[' or '{'"),
        "{stderr}"
    );
}

/// Bad entries every user (root included) hits: a folder where a file belongs, dangling
/// symlinks.
#[test]
fn unreadable_entries_leave_the_rest_of_the_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("mlruns");
    let exp = experiment(&root, "1");
    let r = run(&exp, "r");
    std::fs::create_dir_all(r.join("params/dir_param")).expect("mkdir");
    symlink("/nonexistent/target", &r.join("params/dangling"));
    symlink("/nonexistent/target", &r.join("tags/dangling"));
    symlink("/nonexistent/target", &r.join("metrics/dangling"));
    std::fs::create_dir_all(r.join("params/dir_param")).expect("mkdir");
    let out = mltui_within(&[], &["runs", root.to_str().expect("utf-8"), "-f", "json"]);
    let (runs, stderr) = ok_json(&out);
    let run = by_name(&runs, "r");
    assert_eq!(run["params"], serde_json::json!({"lr": "0.1"}));
    assert_eq!(run["metrics"]["loss"], 0.25);
    for file in ["params/dangling", "tags/dangling", "metrics/dangling"] {
        assert!(stderr.contains(file), "no warning about {file}: {stderr}");
    }
}

/// A prefix that runs a command as an unprivileged user, so that permissions apply: none
/// when already unprivileged, `setpriv` to `nobody` as root. `None` when root has no way
/// to drop privileges here.
fn unprivileged() -> Option<Vec<&'static str>> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Some(Vec::new());
    }
    let prefix = vec![
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
    ];
    let works = Command::new(prefix[0])
        .args(&prefix[1..])
        .arg(env!("CARGO_BIN_EXE_mltui"))
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    works.then_some(prefix)
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// A store every user may read (the temp dir itself is private to its owner).
fn shared_store() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    chmod(tmp.path(), 0o755);
    let root = tmp.path().join("mlruns");
    let e1 = experiment(&root, "1");
    run(&e1, "a");
    run(&e1, "b");
    run(&experiment(&root, "2"), "c");
    run(&experiment(&root, "3"), "d");
    (tmp, root)
}

/// Folders and files on their own unreadable: warned about, everything else kept.
#[test]
fn permission_errors_are_warnings() {
    let Some(prefix) = unprivileged() else {
        eprintln!("skipped: running as root without setpriv, permissions cannot be tested");
        return;
    };
    let (tmp, root) = shared_store();
    let store = root.to_str().expect("utf-8");
    // Everything readable by everyone, then: experiment 2 closed, experiment 3 traversable
    // but not listable, one param of run b unreadable.
    let status = Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(tmp.path())
        .status()
        .expect("chmod");
    assert!(status.success());
    chmod(&root.join("2"), 0o000);
    chmod(&root.join("3"), 0o711);
    chmod(&root.join("1/b/params/lr"), 0o000);

    let out = mltui_within(&prefix, &["experiments", store, "-f", "json"]);
    let (exps, stderr) = ok_json(&out);
    let rows: Vec<(String, u64)> = exps
        .as_array()
        .expect("array")
        .iter()
        .map(|e| {
            (
                e["experiment_id"].as_str().expect("id").to_string(),
                e["run_count"].as_u64().expect("count"),
            )
        })
        .collect();
    assert_eq!(rows, [("1".to_string(), 2), ("3".to_string(), 0)]);
    assert!(
        stderr.contains("mlruns/2") && stderr.contains("Permission denied"),
        "{stderr}"
    );
    assert!(
        stderr.contains("mlruns/3") && stderr.contains("Permission denied"),
        "{stderr}"
    );

    let out = mltui_within(&prefix, &["runs", store, "-f", "json"]);
    let (runs, stderr) = ok_json(&out);
    assert_eq!(run_names(&runs), ["a", "b"]);
    assert_eq!(by_name(&runs, "a")["params"]["lr"], "0.1");
    assert_eq!(by_name(&runs, "b")["params"], serde_json::json!({}));
    assert_eq!(by_name(&runs, "b")["metrics"]["loss"], 0.25);
    assert!(
        stderr.contains("1/b/params/lr") && stderr.contains("Permission denied"),
        "{stderr}"
    );
    // Each message once: no "Permission denied: Permission denied".
    assert!(
        !stderr.contains("(os error 13): Permission denied"),
        "{stderr}"
    );
}

#[test]
fn a_fifo_or_device_as_the_source_is_refused_at_once() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fifo = tmp.path().join("mlflow.db");
    mkfifo(&fifo);
    for source in [fifo.to_str().expect("utf-8"), "/dev/zero"] {
        let out = mltui_within(&[], &["runs", source]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("not a regular file"), "{source}: {err}");
    }
}

#[test]
fn many_broken_runs_are_warned_about_a_few_times_then_counted() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("mlruns");
    let exp = experiment(&root, "1");
    run(&exp, "good");
    for i in 0..300 {
        write(
            &exp.join(format!("broken{i:03}/meta.yaml")),
            "experiment_id: '1'\nstatus: 3\n",
        );
    }
    let out = mltui_within(&[], &["runs", root.to_str().expect("utf-8"), "-f", "json"]);
    let (runs, stderr) = ok_json(&out);
    assert_eq!(run_names(&runs), ["good"]);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 5, "{stderr}");
    assert!(
        lines[4].ends_with("missing run_id (and 295 more like this)"),
        "{stderr}"
    );
}
