//! A pseudo-terminal session for end-to-end tests: the real binary (or a shell) in a pty,
//! its output kept raw and as a screen (vt100), keys sent as bytes.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// The sequence that leaves the alternate screen (the terminal is restored).
pub const LEAVE_ALT_SCREEN: &[u8] = b"\x1b[?1049l";
/// The sequence that enters it.
pub const ENTER_ALT_SCREEN: &[u8] = b"\x1b[?1049h";

pub struct Session {
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    raw: Arc<Mutex<Vec<u8>>>,
    /// Set when the reader has read everything (the terminal's other end closed).
    drained: Arc<AtomicBool>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
    rows: u16,
    cols: u16,
    /// The state directory of this session (remembered views), unless the test gave one.
    _state: Option<tempfile::TempDir>,
}

impl Session {
    /// mltui with `args` in a 30×110 terminal.
    pub fn start(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Session {
        Session::start_sized(args, cwd, env, 30, 110)
    }

    /// mltui with `args` in a `rows`×`cols` terminal.
    pub fn start_sized(
        args: &[&str],
        cwd: &Path,
        env: &[(&str, &str)],
        rows: u16,
        cols: u16,
    ) -> Session {
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_mltui"));
        cmd.args(args);
        cmd.cwd(cwd);
        for var in [
            "MLTUI_CONFIG",
            "MLTUI_REFRESH",
            "MLTUI_TIME_ZONE",
            "MLTUI_MOUSE",
            "MLTUI_NOTIFY",
            "MLTUI_WATCH",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("MLFLOW_TRACKING_URI");
        cmd.env_remove("TMUX");
        for (k, v) in env {
            cmd.env(k, v);
        }
        Session::spawn(cmd, rows, cols)
    }

    /// Any command in a `rows`×`cols` terminal. A developer's own configuration and
    /// remembered views are kept out: unless the command names them, the configuration
    /// directory does not exist and the state directory is a new one.
    pub fn spawn(mut cmd: CommandBuilder, rows: u16, cols: u16) -> Session {
        if cmd.get_env("XDG_CONFIG_HOME").is_none() {
            cmd.env("XDG_CONFIG_HOME", "/nonexistent-mltui-test-config");
        }
        let state = if cmd.get_env("XDG_STATE_HOME").is_none() {
            let dir = tempfile::tempdir().expect("state dir");
            cmd.env("XDG_STATE_HOME", dir.path());
            Some(dir)
        } else {
            None
        };
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let child = pty.slave.spawn_command(cmd).expect("spawn");
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let writer = pty.master.take_writer().expect("writer");
        let raw = Arc::new(Mutex::new(Vec::new()));
        let drained = Arc::new(AtomicBool::new(false));
        let (sink, done) = (raw.clone(), drained.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("lock").extend_from_slice(&buf[..n]);
            }
            done.store(true, Ordering::SeqCst);
        });
        Session {
            child,
            writer,
            raw,
            drained,
            _master: pty.master,
            rows,
            cols,
            _state: state,
        }
    }

    pub fn screen(&self) -> String {
        let mut parser = vt100::Parser::new(self.rows, self.cols, 0);
        parser.process(&self.raw.lock().expect("lock"));
        parser.screen().contents()
    }

    pub fn raw_bytes(&self) -> Vec<u8> {
        self.raw.lock().expect("lock").clone()
    }

    /// How many bytes of output there are so far (to look only at what comes later).
    pub fn mark(&self) -> usize {
        self.raw.lock().expect("lock").len()
    }

    /// Output since `mark`.
    pub fn since(&self, mark: usize) -> Vec<u8> {
        self.raw.lock().expect("lock")[mark..].to_vec()
    }

    /// Waits until `ok` holds for the screen (20 s at most).
    pub fn wait_until(&self, what: &str, ok: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if ok(&self.screen()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("timed out waiting for {what}; screen:\n{}", self.screen());
    }

    /// Waits until the screen contains `text`.
    pub fn wait_for(&self, text: &str) {
        self.wait_until(&format!("{text:?}"), |s| s.contains(text));
    }

    /// Waits until the raw output after `mark` contains `bytes`.
    pub fn wait_for_bytes(&self, mark: usize, bytes: &[u8]) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if contains(&self.since(mark), bytes) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "timed out waiting for {:?}; screen:\n{}",
            String::from_utf8_lossy(bytes),
            self.screen()
        );
    }

    pub fn keys(&mut self, s: &str) {
        self.writer.write_all(s.as_bytes()).expect("write");
        self.writer.flush().expect("flush");
        // Let the app handle and redraw before the next key.
        std::thread::sleep(Duration::from_millis(80));
    }

    /// Waits for the program to exit and for its last output to be read.
    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                // The reader may still be draining the pty when the process is gone.
                while !self.drained.load(Ordering::SeqCst) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(20));
                }
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the program did not exit; screen:\n{}", self.screen());
    }
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// CPU time (user + system) of a process so far, in clock ticks.
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = &stat[stat.rfind(')').expect("comm") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime")
}
