//! The real binary in a pseudo-terminal: remembered views across sessions (quit, a dropped
//! connection, a corrupt state file), the mouse as a terminal sends it (SGR), and the
//! activity screen while a store is written (a run that stalls, one that logs NaN).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::pty::{Session, contains};
use mltui::config::state;
use mltui::store::SourceSpec;

/// A copy of the v3 file store (so its path, and so its state file, is this test's own).
fn store_copy(dir: &Path) -> PathBuf {
    let root = dir.join("mlruns");
    common::copy_tree(&common::fixtures().join("v3/file/mlruns"), &root);
    root
}

fn start(root: &Path, state_home: &Path, extra: &[&str]) -> Session {
    let mut args = vec![root.to_str().expect("utf-8")];
    args.extend_from_slice(extra);
    Session::start(
        &args,
        root.parent().expect("dir"),
        &[("XDG_STATE_HOME", state_home.to_str().expect("utf-8"))],
    )
}

fn state_file(root: &Path, state_home: &Path) -> PathBuf {
    let id = state::source_id(&SourceSpec::File(root.to_path_buf()));
    state::file_for(&state_home.join("mltui"), &id)
}

/// Opens the sweep experiment from the experiment list.
fn open_sweep(s: &mut Session) {
    s.wait_for("sweep");
    s.keys("/sweep\r");
    s.keys("\r");
    s.wait_for("Runs · sweep");
    s.wait_for("shown");
}

#[test]
fn views_come_back_after_quitting_and_after_a_dropped_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = store_copy(dir.path());
    let home = dir.path().join("state");

    let mut s = start(&root, &home, &[]);
    open_sweep(&mut s);
    s.wait_for("sweep-parent");
    // Sort by status descending, flat, a quick filter, a pinned run.
    s.keys("l]");
    s.wait_for("status▼");
    s.keys("t");
    s.keys("/adam\r");
    s.wait_for("filter \"adam\"");
    s.keys("G!");
    s.wait_for("pinned run");
    s.keys("\x03");
    assert!(s.wait_exit().success());
    assert!(state_file(&root, &home).exists(), "saved on the way out");

    let mut s = start(&root, &home, &[]);
    open_sweep(&mut s);
    s.wait_for("filter \"adam\"");
    s.wait_for("sort status▼");
    s.wait_for("1 pinned");
    // A change, then the connection drops (SIGHUP): the change is kept.
    s.keys("\x1b");
    s.wait_until("the filter cleared", |sc| !sc.contains("filter \"adam\""));
    let pid = s.child.process_id().expect("pid");
    // The saver writes soon after a change, not on every key: give it time.
    let path = state_file(&root, &home);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::fs::read_to_string(&path)
        .expect("state")
        .contains("\"filter\":\"adam\"")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the change was not saved"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = std::process::Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    s.wait_exit();

    let mut s = start(&root, &home, &[]);
    open_sweep(&mut s);
    s.wait_for("sort status▼");
    assert!(!s.screen().contains("filter \"adam\""), "{}", s.screen());
    s.keys("\x03");
    assert!(s.wait_exit().success());
}

#[test]
fn a_corrupt_state_file_is_reported_and_mltui_starts_anyway() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = store_copy(dir.path());
    let home = dir.path().join("state");
    let path = state_file(&root, &home);
    std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
    std::fs::write(&path, "{\"version\": 1, \"tables\": {\"1\": [").expect("write");
    let mut s = start(&root, &home, &[]);
    s.wait_for("remembered views ignored, not a state file mltui can read");
    open_sweep(&mut s);
    s.keys("t");
    s.keys("\x03");
    assert!(s.wait_exit().success());
    assert!(
        path.with_extension("json.corrupt").exists(),
        "the broken file is kept aside"
    );
    assert!(state::read(&path).expect("a good file now").is_some());
}

/// The screen row (0-based) of the first line containing `text`.
fn row_of(screen: &str, text: &str) -> usize {
    screen
        .lines()
        .position(|l| l.contains(text))
        .unwrap_or_else(|| panic!("{text:?} not on screen:\n{screen}"))
}

/// SGR mouse bytes: a left click (press and release) at a 0-based cell.
fn click(x: usize, y: usize) -> String {
    format!("\x1b[<0;{};{}M\x1b[<0;{};{}m", x + 1, y + 1, x + 1, y + 1)
}

#[test]
fn the_mouse_as_the_terminal_sends_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = store_copy(dir.path());
    let home = dir.path().join("state");
    let mut s = start(&root, &home, &[]);
    s.wait_for("sweep");
    let mark = s.mark();
    // A double click on the experiment opens it.
    let y = row_of(&s.screen(), "sweep");
    s.keys(&format!("{}{}", click(4, y), click(4, y)));
    s.wait_for("Runs · sweep");
    s.wait_for("sweep-parent");
    // The wheel moves the cursor three rows; a click on a header sorts by it.
    s.keys("\x1b[<65;10;8M");
    let screen = s.screen();
    let header = row_of(&screen, "run_name");
    let x = screen
        .lines()
        .nth(header)
        .and_then(|l| l.find("status"))
        .expect("status");
    s.keys(&click(x + 1, header));
    s.wait_for("sort status▲");
    // A click on the breadcrumb goes back.
    s.keys(&click(2, 0));
    s.wait_for("3 experiments");
    s.keys("\x03");
    assert!(s.wait_exit().success());
    let out = s.since(mark);
    assert!(
        contains(&s.raw_bytes(), b"\x1b[?1000h"),
        "mouse reporting was on"
    );
    let off = b"\x1b[?1000l";
    assert!(contains(&out, off), "and is off again on the way out");

    // --no-mouse leaves the mouse to the terminal.
    let mut s = start(&root, &home, &["--no-mouse"]);
    s.wait_for("sweep");
    s.keys("\x03");
    assert!(s.wait_exit().success());
    assert!(!contains(&s.raw_bytes(), b"\x1b[?1000h"));
}

/// The run directory of the run named `name`.
fn run_dir(root: &Path, name: &str) -> PathBuf {
    std::fs::read_dir(root)
        .expect("read_dir")
        .flatten()
        .flat_map(|e| std::fs::read_dir(e.path()).into_iter().flatten().flatten())
        .map(|e| e.path())
        .find(|p| {
            std::fs::read_to_string(p.join("tags/mlflow.runName"))
                .ok()
                .as_deref()
                == Some(name)
        })
        .unwrap_or_else(|| panic!("{name}"))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Appends a point to a metric file, as MLflow's file store writes it.
fn log(run: &Path, key: &str, value: &str, step: i64) {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(run.join("metrics").join(key))
        .expect("open");
    writeln!(f, "{} {value} {step}", now_ms()).expect("append");
}

#[test]
fn activity_shows_a_stalled_run_and_a_nan_while_the_store_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = store_copy(dir.path());
    let home = dir.path().join("state");
    // A second running run: a copy of sweep-4 under another id and name.
    let a = run_dir(&root, "sweep-4");
    let b = a
        .parent()
        .expect("exp")
        .join("0000000000000000000000000000beef");
    common::copy_tree(&a, &b);
    let id = a.file_name().expect("id").to_string_lossy().into_owned();
    let meta = std::fs::read_to_string(b.join("meta.yaml")).expect("meta");
    std::fs::write(
        b.join("meta.yaml"),
        meta.replace(&id, "0000000000000000000000000000beef")
            .replace("run_name: sweep-4", "run_name: diverging"),
    )
    .expect("write");
    std::fs::write(b.join("tags/mlflow.runName"), "diverging").expect("write");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[activity]\nstalled_after = \"4s\"\n").expect("write");
    let mut s = start(
        &root,
        &home,
        &[
            "--refresh",
            "0.5",
            "--notify",
            "--config",
            config.to_str().expect("utf-8"),
        ],
    );
    s.wait_for("● live");
    // The diverging run keeps logging its loss (and stays fresh); the other logs once,
    // then stops.
    let alive = Arc::new(AtomicBool::new(true));
    let writer = {
        let (alive, b) = (alive.clone(), b.clone());
        std::thread::spawn(move || {
            let mut step = 100;
            while alive.load(Ordering::SeqCst) {
                log(&b, "loss", "0.2", step);
                step += 1;
                std::thread::sleep(Duration::from_millis(300));
            }
        })
    };
    log(&a, "loss", "0.25", 100);
    s.wait_for("Experiments");
    log(&b, "acc", "nan", 100);
    // The unread count in the header.
    let unread = |sc: &str| -> usize {
        sc.lines()
            .next()
            .and_then(|l| l.split("⚑ ").nth(1))
            .and_then(|t| t.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    s.wait_until("the NaN alert", |sc| unread(sc) >= 1);
    // --notify: a desktop notification (OSC 9) names the run and the value.
    s.wait_for_bytes(0, b"\x1b]9;mltui: diverging (sweep): acc = NaN\x07");
    s.wait_until("the stalled alert", |sc| unread(sc) >= 2);
    // The activity screen lists both; the alerts are read now.
    s.keys("A");
    s.wait_for("Activity");
    s.wait_for("acc = NaN");
    s.wait_for("stalled");
    s.wait_until("no unread count", |sc| unread(sc) == 0);
    let screen = s.screen();
    assert!(
        screen.contains("diverging") && screen.contains("sweep-4"),
        "{screen}"
    );
    // Back on the list, the count stays gone; Enter on an alert goes to its run.
    s.keys("q");
    s.wait_for("3 experiments");
    assert_eq!(unread(&s.screen()), 0, "{}", s.screen());
    s.keys("A");
    s.wait_for("acc = NaN");
    s.keys("\r");
    s.wait_for("Runs · sweep · ");
    alive.store(false, Ordering::SeqCst);
    let _ = writer.join();
    s.keys("\x03");
    assert!(s.wait_exit().success());
}

#[test]
fn settings_from_the_file_reach_the_screen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = store_copy(dir.path());
    let home = dir.path().join("state");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[theme]\naccent = \"#ff0000\"\n\n\
         [keys.experiments]\nactivity = \"W\"\n\n\
         [keys.runs]\ncompare = \"C\"\ncolumns = \"K\"\n\n\
         [time]\nzone = \"utc\"\nrelative = false\n\n\
         [columns]\nfirst = [\"params.lr\"]\n\n\
         [mouse]\nenabled = false\n",
    )
    .expect("write");
    let mut s = Session::start(
        &[
            root.to_str().expect("utf-8"),
            "--config",
            config.to_str().expect("utf-8"),
        ],
        dir.path(),
        &[
            ("XDG_STATE_HOME", home.to_str().expect("utf-8")),
            ("COLORTERM", "truecolor"),
        ],
    );
    s.wait_for("W activity");
    // The accent colour draws the footer's keys.
    s.wait_for_bytes(0, b"38;2;255;0;0");
    assert!(
        !contains(&s.raw_bytes(), b"\x1b[?1000h"),
        "mouse off by the file"
    );
    open_sweep(&mut s);
    s.wait_for("C compare");
    let screen = s.screen();
    let header = screen
        .lines()
        .find(|l| l.contains("run_name"))
        .expect("header");
    assert!(
        header.find("lr").expect("lr") < header.find("status").expect("status"),
        "{header}"
    );
    // Absolute UTC start times.
    s.keys("$");
    s.wait_for("2026-11-26 ");
    s.keys("q");
    s.keys("W");
    s.wait_for("Activity · every experiment");
    s.keys("\x03");
    assert!(s.wait_exit().success());
}
