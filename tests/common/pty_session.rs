//! The real binary in an 80×24 pseudo-terminal, for end-to-end tests: start it, type keys,
//! wait for text on the screen (parsed with vt100), wait for it to exit.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

pub const ROWS: u16 = 24;
pub const COLS: u16 = 80;

pub struct Session {
    cols: u16,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    raw: Arc<Mutex<Vec<u8>>>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Session {
    pub fn start(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Session {
        Self::start_sized(args, cwd, env, COLS)
    }

    /// [`Session::start`] in a terminal `cols` columns wide.
    pub fn start_sized(args: &[&str], cwd: &Path, env: &[(&str, &str)], cols: u16) -> Session {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_mltui"));
        cmd.args(args);
        cmd.cwd(cwd);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("MLFLOW_TRACKING_URI");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pty.slave.spawn_command(cmd).expect("spawn");
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let writer = pty.master.take_writer().expect("writer");
        let raw = Arc::new(Mutex::new(Vec::new()));
        let sink = raw.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("lock").extend_from_slice(&buf[..n]);
            }
        });
        Session {
            cols,
            child,
            writer,
            raw,
            _master: pty.master,
        }
    }

    pub fn screen(&self) -> String {
        let mut parser = vt100::Parser::new(ROWS, self.cols, 0);
        parser.process(&self.raw.lock().expect("lock"));
        parser.screen().contents()
    }

    pub fn raw_bytes(&self) -> Vec<u8> {
        self.raw.lock().expect("lock").clone()
    }

    /// Waits until the screen contains `text` (30 s at most: the machine may be busy).
    pub fn wait_for(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.screen().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("timed out waiting for {text:?}; screen:\n{}", self.screen());
    }

    /// Waits (60 s at most) until `done` holds for the session.
    pub fn wait_until(&self, what: &str, done: impl Fn(&Session) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if done(self) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("timed out waiting for {what}; screen:\n{}", self.screen());
    }

    pub fn exited(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_some()
    }

    pub fn keys(&mut self, s: &str) {
        self.writer.write_all(s.as_bytes()).expect("write");
        self.writer.flush().expect("flush");
        // Let the app handle and redraw before the next key.
        std::thread::sleep(Duration::from_millis(80));
    }

    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("mltui did not exit; screen:\n{}", self.screen());
    }
}
