//! The real binary in a pseudo-terminal: a user's session from the first frame to quit,
//! hostile text, and terminal restore on signals.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::pty::{LEAVE_ALT_SCREEN, Session, contains, cpu_ticks};

#[test]
fn open_sort_mark_compare_diff_export_quit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = common::fixtures().join("v3/file/mlruns");
    let mut s = Session::start(&[store.to_str().expect("utf-8")], dir.path(), &[]);
    s.wait_for("Experiments");
    s.wait_for("sweep");
    s.keys("/sweep\r");
    s.keys("\r");
    s.wait_for("Runs · sweep");
    s.wait_for("sweep-parent");
    // Sort by the status column (next to the name), descending.
    s.keys("l]");
    s.wait_for("status▼");
    // Mark the first two rows (Home: `g` groups runs in the run table) and compare them.
    s.keys("\x1b[H  ");
    s.wait_for("2 marked");
    s.keys("c");
    s.wait_for("Compare · 2 runs");
    s.keys("x");
    s.wait_for("diff only");
    s.keys("e");
    s.wait_for("export CSV to:");
    s.keys("\r");
    s.wait_for("exported");
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read_dir")
        .flatten()
        .collect();
    assert_eq!(files.len(), 1, "one export file");
    let text = std::fs::read_to_string(files[0].path()).expect("read");
    assert!(text.starts_with("key,"), "{text}");
    assert!(text.contains("\nrun_name,"), "{text}");
    assert_eq!(
        text.lines().next().map(|l| l.split(',').count()),
        Some(3),
        "key + 2 runs"
    );
    s.keys("?");
    s.wait_for("pin the run under the cursor as baseline");
    s.keys("\x1b");
    // q goes back a screen at a time; Ctrl-C quits from anywhere.
    s.keys("q");
    s.wait_for("Runs · sweep");
    s.keys("\x03");
    let status = s.wait_exit();
    assert!(status.success(), "{status:?}");
    assert!(
        contains(&s.raw_bytes(), LEAVE_ALT_SCREEN),
        "terminal restored"
    );
}

#[test]
fn hostile_run_names_never_reach_the_terminal_raw() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = common::fixtures().join("v3/sqlite/mlflow.db");
    let mut s = Session::start(&[store.to_str().expect("utf-8")], dir.path(), &[]);
    s.wait_for("exp-α demo");
    s.keys("/exp\r\r");
    s.wait_for("pwned");
    // Detail and compare show the same text through other code paths.
    s.keys("a");
    s.keys("c");
    s.wait_for("Compare · 2 runs");
    s.keys("\x03");
    s.wait_exit();
    let raw = s.raw_bytes();
    assert!(
        !contains(&raw, b"\x1b]0;pwned"),
        "an OSC title sequence from the store reached the terminal"
    );
    assert!(
        !contains(&raw, b"pwned\x07"),
        "a BEL from the store reached the terminal"
    );
    assert!(
        !contains(&raw, b"\x1b[31mred"),
        "a colour sequence from a param reached the terminal"
    );
    assert!(
        s.screen().contains("evil\\e]0;pwned\\x07\\e[2Jname") || contains(&raw, b"evil\\e]0;pwned")
    );
}

#[test]
fn sigterm_and_sighup_restore_the_terminal() {
    for signal in ["-TERM", "-HUP"] {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = common::fixtures().join("v2/sqlite/mlflow.db");
        let mut s = Session::start(
            &[store.to_str().expect("utf-8")],
            dir.path(),
            &[("NO_COLOR", "1")],
        );
        s.wait_for("Experiments");
        let pid = s.child.process_id().expect("pid").to_string();
        let ok = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("kill");
        assert!(ok.success());
        let status = s.wait_exit();
        // The reader thread may still be draining the pty when the process is gone.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !contains(&s.raw_bytes(), LEAVE_ALT_SCREEN) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            contains(&s.raw_bytes(), LEAVE_ALT_SCREEN),
            "{signal}: terminal restored"
        );
        // A shell reports a process ended by signal n as 128 + n.
        let n = if signal == "-TERM" { 15 } else { 1 };
        assert_eq!(status.exit_code(), 128 + n, "{signal}: {status:?}");
    }
}

#[test]
fn small_terminal_and_no_color_still_work() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = common::fixtures().join("v3/file/mlruns");
    let mut s = Session::start(
        &["--no-color", store.to_str().expect("utf-8")],
        dir.path(),
        &[],
    );
    s.wait_for("Experiments");
    let raw = s.raw_bytes();
    assert!(
        !contains(&raw, b"\x1b[38;5;") && !contains(&raw, b"\x1b[31m"),
        "no colours with --no-color"
    );
    s.keys("q");
    assert!(s.wait_exit().success());
}

#[test]
fn live_refresh_shows_new_runs_and_points_and_idles_quietly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("mlruns");
    common::copy_tree(&common::fixtures().join("v3/file/mlruns"), &root);
    let mut s = Session::start(
        &["--refresh", "0.5", root.to_str().expect("utf-8")],
        dir.path(),
        &[],
    );
    s.wait_for("sweep");
    s.keys("/sweep\r\r");
    s.wait_for("sweep-4");
    s.wait_for("● live");

    // Idle: nothing changes for 3 s; the process should barely use the CPU.
    let pid = s.child.process_id().expect("pid");
    let before = cpu_ticks(pid);
    std::thread::sleep(Duration::from_secs(3));
    let used = cpu_ticks(pid) - before;
    assert!(
        used <= 30,
        "idle mltui used {used} clock ticks of CPU in 3 s"
    );

    // The training job (this test) logs a point to the running run, in MLflow's format.
    let run_dir = std::fs::read_dir(&root)
        .expect("read_dir")
        .flatten()
        .flat_map(|e| std::fs::read_dir(e.path()).into_iter().flatten().flatten())
        .map(|e| e.path())
        .find(|p| {
            std::fs::read_to_string(p.join("tags/mlflow.runName"))
                .ok()
                .as_deref()
                == Some("sweep-4")
        })
        .expect("sweep-4");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(run_dir.join("metrics/loss"))
        .expect("open");
    writeln!(f, "1795723400000 0.0424242 99").expect("append");
    s.wait_for("0.0424242");

    // A new run appears.
    let new_id = "00000000000000000000000000000def";
    let new_dir = run_dir.parent().expect("exp").join(new_id);
    common::copy_tree(&run_dir, &new_dir);
    let meta = std::fs::read_to_string(new_dir.join("meta.yaml")).expect("meta");
    let id = run_dir
        .file_name()
        .expect("id")
        .to_string_lossy()
        .into_owned();
    std::fs::write(
        new_dir.join("meta.yaml"),
        meta.replace(&id, new_id)
            .replace("run_name: sweep-4", "run_name: fresh-run"),
    )
    .expect("write");
    s.wait_for("fresh-run");
    // Pause and resume from the keyboard.
    s.keys("P");
    s.wait_for("paused");
    s.keys("P");
    s.wait_for("● live");
    s.keys("\x03");
    assert!(s.wait_exit().success());
}
