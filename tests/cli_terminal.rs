//! Headless output meant for a terminal: `plot --format text` (the terminal UI's Braille
//! chart on stdout), and `runs`/`compare` tables fitted to the terminal's width, checked in
//! a pseudo-terminal and through a pipe.

mod common;

use std::io::Read;
use std::time::{Duration, Instant};

use common::*;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

fn v3_file() -> String {
    fixtures().join("v3/file/mlruns").display().to_string()
}

/// Runs the binary in a pseudo-terminal of `cols` columns; returns everything it wrote
/// (stdout and stderr share the terminal) once it exits.
fn in_terminal(args: &[&str], cols: u16, env: &[(&str, &str)]) -> String {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("openpty");
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_mltui"));
    cmd.args(args);
    cmd.env("TERM", "xterm-256color");
    cmd.env_remove("MLFLOW_TRACKING_URI");
    cmd.env_remove("NO_COLOR");
    cmd.env_remove("COLORTERM");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = pty.slave.spawn_command(cmd).expect("spawn");
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().expect("reader");
    let collected = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        all
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "mltui {args:?} did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(pty.master);
    let bytes = collected.join().expect("reader thread");
    String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
}

fn plot_args<'a>(store: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "plot", store, "-e", "sweep", "-r", "sweep-0", "-r", "sweep-1", "-r", "sweep-2", "-m",
        "loss",
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn plot_text_is_the_terminal_chart() {
    let store = v3_file();
    let out = mltui_ok(&plot_args(
        &store,
        &["--format", "text", "--width", "80", "--height", "20"],
    ));
    assert!(!out.contains('\u{1b}'), "no colours through a pipe");
    assert!(out.lines().all(|l| l.chars().count() <= 80));
    assert!(out.lines().count() <= 20);
    insta::assert_snapshot!("plot_text_loss_80x20", out);
    // Text is the default without -o, and options reach the chart.
    let smoothed = mltui_ok(&plot_args(
        &store,
        &[
            "--width", "60", "--height", "16", "--smooth", "0.6", "--log-y", "-m", "acc",
        ],
    ));
    insta::assert_snapshot!("plot_text_smoothed_log_two_metrics_60x16", smoothed);
    // To a file.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("loss.txt");
    mltui_ok(&plot_args(
        &store,
        &[
            "-o",
            path.to_str().expect("utf-8"),
            "--width",
            "80",
            "--height",
            "20",
        ],
    ));
    assert_eq!(std::fs::read_to_string(&path).expect("written"), out);
}

#[test]
fn plot_text_formats_and_errors() {
    let store = v3_file();
    let out = mltui(&plot_args(&store, &["--format", "png"]));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("an image needs a file"));
    let out = mltui(&plot_args(&store, &["-o", "chart.jpeg"]));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot tell the format from chart.jpeg")
    );
    let out = mltui(&plot_args(&store, &["--width", "10"]));
    assert_eq!(out.status.code(), Some(2), "clap checks the range");
}

#[test]
fn plot_text_in_a_terminal_has_the_run_colours() {
    let store = v3_file();
    let coloured = in_terminal(&plot_args(&store, &[]), 90, &[("COLORTERM", "truecolor")]);
    // The first run's colour (Okabe–Ito blue), as the terminal UI draws it: 24-bit where
    // COLORTERM says the terminal takes it, else the nearest of the 256 colours.
    assert!(
        coloured.contains("\u{1b}[0;38;2;0;114;178m"),
        "{coloured:?}"
    );
    let indexed = in_terminal(&plot_args(&store, &[]), 90, &[]);
    assert!(indexed.contains("\u{1b}[0;38;5;25m"), "{indexed:?}");
    assert!(!indexed.contains("38;2;"), "{indexed:?}");
    assert!(
        coloured.contains("⠉") || coloured.contains("⣀"),
        "Braille dots: {coloured}"
    );
    let plain = in_terminal(&plot_args(&store, &[]), 90, &[("NO_COLOR", "1")]);
    assert!(!plain.contains("\u{1b}["), "{plain:?}");
    // The width follows the terminal.
    assert!(plain.lines().any(|l| l.chars().count() > 80), "{plain}");
    assert!(plain.lines().all(|l| l.chars().count() <= 90), "{plain}");
}

#[test]
fn tables_fit_the_terminal_and_say_what_was_left_out() {
    let store = v3_file();
    let out = in_terminal(&["runs", &store], 80, &[]);
    let (table, note) = out.split_once("mltui: ").expect("a note on stderr");
    for line in table.lines() {
        assert!(
            unicode_width(line) <= 80,
            "{line:?} is wider than 80:\n{out}"
        );
    }
    assert!(
        note.contains("of 42 columns left out to fit 80 terminal columns"),
        "{note}"
    );
    assert!(note.contains("-c") && note.contains("-f csv"), "{note}");
    let mut lines = table.lines();
    let groups = lines.next().expect("group line");
    assert!(
        groups.contains("tags") && groups.contains("metrics"),
        "{groups}"
    );
    let header = lines.next().expect("header");
    assert!(header.starts_with("run_id    mlflow.runName"), "{header}");
    // Ids are cut to a prefix that compare takes back.
    let first = lines.next().expect("a row");
    let prefix = first.split_whitespace().next().expect("id");
    assert_eq!(prefix.len(), 8, "{first}");
    mltui_ok(&["compare", &store, prefix, "sweep-1", "-f", "csv"]);

    // Piped: every column, full ids, no note.
    let piped = mltui(&["runs", &store]);
    assert!(
        piped.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    let text = String::from_utf8(piped.stdout).expect("utf-8");
    assert!(
        text.lines()
            .next()
            .expect("header")
            .starts_with("run_id                            experiment_id")
    );

    // -c keeps the order asked for and leaves out from the end.
    let out = in_terminal(
        &[
            "runs",
            &store,
            "-c",
            "run_name,artifact_uri,metrics.acc,run_id",
        ],
        60,
        &[],
    );
    let header = out.lines().next().expect("header");
    assert!(header.starts_with("run_name  "), "{out}");
    assert!(header.contains("artifact_uri"), "{out}");
    assert!(
        out.contains("mltui: 2 of 4 columns left out to fit 60"),
        "{out}"
    );

    // compare: runs share the width; the ones that do not fit are counted.
    let out = in_terminal(
        &[
            "compare", &store, "sweep-0", "sweep-1", "sweep-2", "sweep-3", "sweep-4",
        ],
        80,
        &[],
    );
    let (table, note) = out.split_once("mltui: ").expect("a note");
    assert!(table.lines().all(|l| unicode_width(l) <= 80), "{out}");
    assert!(
        note.starts_with("2 of 5 runs left out to fit 80 terminal columns"),
        "{note}"
    );
}

fn unicode_width(s: &str) -> usize {
    mltui::text::width(s)
}
