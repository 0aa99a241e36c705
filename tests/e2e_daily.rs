//! The real binary in a pseudo-terminal, for daily use: copying a run id over OSC 52,
//! leaving sub-views with `q`, Ctrl-Z and `kill -TSTP` from a real shell and `fg` back,
//! prompt editing keys as a terminal sends them, and huge values that must not slow keys
//! or keep a core busy.

mod common;

use std::time::Duration;

use portable_pty::CommandBuilder;

use common::pty::{ENTER_ALT_SCREEN, LEAVE_ALT_SCREEN, Session, contains, cpu_ticks};

fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The 32-hex-digit run id the status line says was copied.
fn copied_id(screen: &str) -> String {
    let at = screen.find("copied run id ").expect("copy message") + "copied run id ".len();
    screen[at..].chars().take(32).collect()
}

fn open_sweep(s: &mut Session) {
    s.wait_for("sweep");
    s.keys("/sweep\r");
    s.keys("\r");
    s.wait_for("Runs · sweep");
    s.wait_for("sweep-parent");
}

#[test]
fn y_sends_the_full_run_id_as_osc_52() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = common::fixtures().join("v3/sqlite/mlflow.db");
    let mut s = Session::start(&[store.to_str().expect("utf-8")], dir.path(), &[]);
    open_sweep(&mut s);
    let mark = s.mark();
    s.keys("y");
    s.wait_for("copied run id ");
    let id = copied_id(&s.screen());
    assert!(
        id.chars().all(|c| c.is_ascii_hexdigit()) && id.len() == 32,
        "{id}"
    );
    let seq = format!("\x1b]52;c;{}\x07", base64(id.as_bytes()));
    s.wait_for_bytes(mark, seq.as_bytes());
    assert!(
        !contains(&s.since(mark), b"\x1bPtmux;"),
        "no tmux passthrough outside tmux"
    );
    // The menu's run name, and inside tmux the passthrough as well.
    s.keys("\x03");
    s.wait_exit();
    let mut s = Session::start(
        &[store.to_str().expect("utf-8")],
        dir.path(),
        &[("TMUX", "/tmp/tmux-0/default,1,0")],
    );
    open_sweep(&mut s);
    let mark = s.mark();
    s.keys("Y");
    s.wait_for("run name");
    s.keys("n");
    s.wait_for("copied run name ");
    let name_line = s
        .screen()
        .lines()
        .find(|l| l.contains("copied run name "))
        .map(str::to_string)
        .expect("message");
    let name = name_line
        .split("copied run name ")
        .nth(1)
        .and_then(|r| r.split(" to the clipboard").next())
        .expect("name")
        .to_string();
    let plain = format!("\x1b]52;c;{}\x07", base64(name.as_bytes()));
    s.wait_for_bytes(mark, plain.as_bytes());
    let wrapped = format!(
        "\x1bPtmux;\x1b\x1b]52;c;{}\x07\x1b\\",
        base64(name.as_bytes())
    );
    s.wait_for_bytes(mark, wrapped.as_bytes());
    s.keys("\x03");
    assert!(s.wait_exit().success());
}

#[test]
fn q_in_the_detail_returns_to_the_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = common::fixtures().join("v3/file/mlruns");
    let mut s = Session::start(&[store.to_str().expect("utf-8")], dir.path(), &[]);
    open_sweep(&mut s);
    s.keys("\r");
    s.wait_until("the detail", |sc| {
        sc.contains("run id") && sc.contains("Params (")
    });
    s.keys("q");
    s.wait_until("the run table again", |sc| {
        sc.contains("Enter detail") && !sc.contains("Params (")
    });
    assert!(
        s.child.try_wait().expect("try_wait").is_none(),
        "still running"
    );
    s.keys("q");
    s.wait_for("Experiments");
    s.keys("q");
    assert!(s.wait_exit().success());
}

/// A bash in a pty with a known prompt; mltui is started from it.
fn shell() -> Session {
    let mut cmd = CommandBuilder::new("bash");
    cmd.args(["--norc", "--noprofile", "-i"]);
    cmd.env("PS1", "SHELL-READY$ ");
    cmd.env("TERM", "xterm-256color");
    cmd.env_remove("MLFLOW_TRACKING_URI");
    cmd.env_remove("TMUX");
    cmd.cwd(std::env::temp_dir());
    let s = Session::spawn(cmd, 30, 110);
    s.wait_for("SHELL-READY$");
    s
}

/// The pid of the (only) mltui started from the shell with pid `shell`.
fn mltui_pid(shell: u32) -> u32 {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        for entry in std::fs::read_dir("/proc").expect("proc").flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            let Some(close) = stat.rfind(')') else {
                continue;
            };
            let comm = &stat[stat.find('(').unwrap_or(0) + 1..close];
            let ppid = stat[close + 2..]
                .split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u32>().ok());
            if comm == "mltui" && ppid == Some(shell) {
                return pid;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("no mltui under the shell")
}

#[test]
fn ctrl_z_and_sigtstp_suspend_to_the_shell_and_fg_restores() {
    let store = common::fixtures().join("v3/file/mlruns");
    let mut s = shell();
    s.keys(&format!(
        "{} --refresh 0 {}\r",
        env!("CARGO_BIN_EXE_mltui"),
        store.display()
    ));
    open_sweep(&mut s);
    let pid = mltui_pid(s.child.process_id().expect("shell pid"));
    for how in ["Ctrl-Z", "kill -TSTP"] {
        let mark = s.mark();
        if how == "Ctrl-Z" {
            s.keys("\x1a");
        } else {
            let ok = std::process::Command::new("kill")
                .args(["-TSTP", &pid.to_string()])
                .status()
                .expect("kill");
            assert!(ok.success());
        }
        // The shell has the terminal back: mltui left the alternate screen and raw mode,
        // and the shell reports the stopped job.
        s.wait_for_bytes(mark, LEAVE_ALT_SCREEN);
        s.wait_until(&format!("{how}: the job stopped"), |sc| {
            sc.contains("Stopped") && sc.trim_end().ends_with("SHELL-READY$")
        });
        s.keys("echo typed-$((6*7))\r");
        s.wait_for("typed-42");
        let mark = s.mark();
        s.keys("fg\r");
        // Back in the alternate screen, redrawn, and keys work again (raw mode: `/`
        // opens the prompt without waiting for Enter).
        s.wait_for_bytes(mark, ENTER_ALT_SCREEN);
        s.wait_until(&format!("{how}: mltui redrawn"), |sc| {
            sc.contains("Runs · sweep") && sc.contains("sweep-parent")
        });
        s.keys("/");
        s.wait_for("filter:");
        s.keys("\x1b");
    }
    s.keys("\x03");
    s.wait_until("the shell after quitting", |sc| {
        sc.trim_end().ends_with("SHELL-READY$")
    });
    s.keys("exit\r");
    s.wait_exit();
}

#[test]
fn prompt_editing_keys_as_a_terminal_sends_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = common::fixtures().join("v3/file/mlruns");
    let mut s = Session::start(&[store.to_str().expect("utf-8")], dir.path(), &[]);
    open_sweep(&mut s);
    s.keys("f");
    s.wait_for("search:");
    s.keys("metrics.acc > 0.8");
    // Home, a character, End, a character.
    s.keys("\x1b[H(");
    s.keys("\x1b[F)");
    s.wait_for("search: (metrics.acc > 0.8)");
    // Left twice, Delete, then Ctrl-A and Ctrl-K clear everything.
    s.keys("\x1b[D\x1b[D\x1b[3~");
    s.wait_for("search: (metrics.acc > 0.)");
    s.keys("\x01\x0b");
    s.wait_until("an empty prompt", |sc| {
        sc.lines()
            .any(|l| l.trim_end() == "search:" || l.starts_with("search:  "))
    });
    // Words: Alt-B (ESC b) goes back over `FAILED`, Ctrl-W deletes the shell word before
    // the cursor (the quote), Alt-F (ESC f) goes to the end of the word.
    s.keys("status = 'FAILED'");
    s.keys("\x1bb");
    s.keys("\x17");
    s.wait_for("search: status = FAILED'");
    s.keys("\x1bf!");
    s.wait_for("search: status = FAILED!'");
    // Ctrl-U deletes to the start; Tab completes a key.
    s.keys("\x1b[F\x15");
    s.keys("metrics.tra\t");
    s.wait_for("search: metrics.`train/loss`");
    s.keys("< 0.4\r");
    s.wait_for("search [metrics.`train/loss` < 0.4]");
    s.keys("\x03");
    assert!(s.wait_exit().success());
}

#[test]
fn huge_values_neither_slow_keys_nor_keep_a_core_busy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("mlflow.db");
    std::fs::copy(common::fixtures().join("v3/sqlite/mlflow.db"), &db).expect("copy");
    {
        // The test plays a training job that logged enormous values (mltui never writes).
        let conn = rusqlite::Connection::open(&db).expect("open");
        let id: String = conn
            .query_row(
                "SELECT run_uuid FROM runs WHERE name = 'sweep-0'",
                [],
                |r| r.get(0),
            )
            .expect("sweep-0");
        let name = format!("big-{}", "n".repeat(50_000_000));
        conn.execute(
            "UPDATE runs SET name = ?1 WHERE run_uuid = ?2",
            rusqlite::params![name, id],
        )
        .expect("name");
        conn.execute(
            "UPDATE tags SET value = ?1 WHERE run_uuid = ?2 AND key = 'mlflow.runName'",
            rusqlite::params![name, id],
        )
        .expect("tag");
        conn.execute(
            "UPDATE params SET value = ?1 WHERE run_uuid = ?2 AND key = 'optimizer'",
            rusqlite::params!["p".repeat(100_000_000), id],
        )
        .expect("param");
    }
    let mut s = Session::start(
        &["--refresh", "0.5", db.to_str().expect("utf-8")],
        dir.path(),
        &[],
    );
    open_sweep(&mut s);
    s.wait_for("big-nnnn");
    s.wait_for("● live");
    let pid = s.child.process_id().expect("pid");
    // Idle: nothing changes, so next to nothing runs.
    let before = cpu_ticks(pid);
    std::thread::sleep(Duration::from_secs(3));
    let idle = cpu_ticks(pid) - before;
    assert!(idle <= 30, "idle mltui used {idle} clock ticks in 3 s");
    // Keys: moving over the huge run, its detail and back, and the quick filter.
    let before = cpu_ticks(pid);
    for _ in 0..10 {
        s.keys("j");
        s.keys("k");
    }
    s.keys("G");
    s.keys("\r");
    s.wait_for("Params (");
    s.keys("q");
    s.keys("/xyz");
    s.keys("\x1b");
    let busy = cpu_ticks(pid) - before;
    // Before cells were cut once, each key press re-measured the values: seconds each.
    assert!(busy <= 1000, "24 keys took {busy} clock ticks of CPU");
    s.keys("\x03");
    assert!(s.wait_exit().success());
}
