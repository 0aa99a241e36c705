//! What reaches a terminal: CSV and Markdown written to a terminal escape the store's control
//! characters like the text table (a pipe or file gets exact values); the TUI shows a server
//! that never finishes an answer as an error, not as "loading…" forever.

mod common;

#[path = "common/pty_session.rs"]
mod pty_session;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use pty_session::Session;

/// The binary in a 100-column pseudo-terminal, started in the current folder.
fn start(args: &[&str], env: &[(&str, &str)]) -> Session {
    let cwd = std::env::current_dir().expect("cwd");
    Session::start_sized(args, &cwd, env, 100)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn csv_and_markdown_escape_controls_on_a_terminal_and_stay_exact_in_a_pipe() {
    let store = common::fixtures().join("v3/sqlite/mlflow.db");
    let store = store.to_str().expect("utf-8");
    for format in ["csv", "md"] {
        let args = [
            "runs", store, "--view", "all", "-f", format, "-c", "run_name",
        ];
        let mut pty = start(&args, &[]);
        let deadline = Instant::now() + Duration::from_secs(60);
        while !pty.exited() {
            assert!(Instant::now() < deadline, "mltui {args:?} did not end");
            std::thread::sleep(Duration::from_millis(50));
        }
        // What it wrote may still be in the pty: wait for the last row.
        pty.wait_until("the output", |p| contains(&p.raw_bytes(), b"2Jname"));
        let raw = pty.raw_bytes();
        assert!(
            !contains(&raw, b"\x1b]0;pwned"),
            "{format}: an OSC sequence from the store reached the terminal"
        );
        assert!(
            contains(&raw, b"evil\\e]0;pwned\\x07\\e[2Jname"),
            "{format}: {}",
            String::from_utf8_lossy(&raw)
        );
        // The same command into a pipe: exact values.
        let out = common::mltui(&args);
        assert!(out.status.success());
        assert!(
            contains(&out.stdout, b"evil\x1b]0;pwned\x07\x1b[2Jname"),
            "{format}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// A server that answers every request with a body that never completes (a byte a second).
fn dripping_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                      Content-Length: 100000\r\n\r\n{\"experiments\": [",
                );
                loop {
                    std::thread::sleep(Duration::from_millis(500));
                    if stream.write_all(b" ").is_err() {
                        return;
                    }
                }
            });
        }
    });
    url
}

#[test]
fn the_tui_shows_an_answer_that_never_ends_as_an_error() {
    let url = dripping_server();
    let mut pty = start(
        &[&url, "--refresh", "0"],
        &[
            ("MLFLOW_HTTP_REQUEST_TIMEOUT", "2"),
            ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0"),
            ("NO_COLOR", "1"),
        ],
    );
    // Before: "loading experiments…" for as long as the server kept sending.
    pty.wait_until("the load to fail", |p| {
        let screen = p.screen();
        screen.contains("load failed: http://127.0.0.1")
            && screen.contains("could not load the store: http://127.0.0.1")
            && screen.contains("no complete")
            && !screen.contains("loading experiments")
    });
    // After a key, the list still says what happened, in full.
    pty.keys("j");
    std::thread::sleep(Duration::from_millis(300));
    pty.wait_until("the error to stay", |p| {
        let screen = p.screen();
        screen.contains("could not load the store") && screen.contains("no complete")
    });
    pty.keys("q");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !pty.exited() {
        assert!(Instant::now() < deadline, "mltui did not quit");
        std::thread::sleep(Duration::from_millis(50));
    }
}
