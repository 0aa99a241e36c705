//! Opening and reading a store's files without trusting them: only regular files are read
//! (opened non-blocking and without becoming a controlling terminal, then checked with
//! `fstat` before the first read), so a FIFO, `/dev/zero`, `/dev/urandom` or `/dev/tty`
//! in place of a file is an error at once instead of a hang, an endless read or stolen
//! keystrokes; small files (params, tags, `meta.yaml`) are read up to a size cap.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// The most read of one param or tag value, or of a `meta.yaml` (MLflow's own limits are a
/// few KB; a bigger file is someone else's data or an attack).
pub const MAX_SMALL_FILE: usize = 1 << 20;

/// Opens `path` for reading if it is a regular file (symlinks followed). Opening never
/// blocks (`O_NONBLOCK`: a FIFO without a writer opens at once) and never makes a terminal
/// the controlling one (`O_NOCTTY`); anything but a regular file is then refused before a
/// single byte is read. A directory gives `ErrorKind::IsADirectory`.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC)
        .open(path)?;
    let file_type = file.metadata()?.file_type();
    if file_type.is_file() {
        return Ok(file);
    }
    if file_type.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "a directory where a file was expected",
        ));
    }
    let what = if file_type.is_fifo() {
        "a FIFO (named pipe)"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "a special file"
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a regular file ({what}): not read"),
    ))
}

/// What [`read_capped`] read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capped {
    /// Bytes read into the buffer (at most the cap).
    pub len: usize,
    /// The file's size when it was larger than the cap (the rest was not read).
    pub cut_from: Option<u64>,
}

/// Reads a regular file into `buf` (grown as needed), at most `cap` bytes.
pub fn read_capped(path: &Path, cap: usize, buf: &mut Vec<u8>) -> io::Result<Capped> {
    let file = open_regular(path)?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = file.take(cap as u64 + 1);
    let mut n = 0;
    if buf.len() < 4096 {
        buf.resize(4096, 0);
    }
    loop {
        if n == buf.len() {
            buf.resize((buf.len() * 2).min(cap + 1).max(n + 1), 0);
        }
        match reader.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if n > cap {
        return Ok(Capped {
            len: cap,
            cut_from: Some(size.max(n as u64)),
        });
    }
    Ok(Capped {
        len: n,
        cut_from: None,
    })
}

/// A size in bytes for messages: `1 MB`, `100.0 MB`, `512 bytes`.
pub fn human_size(n: u64) -> String {
    const MB: u64 = 1 << 20;
    const KB: u64 = 1 << 10;
    if n >= MB && n % MB == 0 {
        format!("{} MB", n / MB)
    } else if n >= MB {
        format!("{:.1} MB", n as f64 / MB as f64)
    } else if n >= KB {
        format!("{:.1} KB", n as f64 / KB as f64)
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn mkfifo(path: &Path) {
        let status = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .expect("mkfifo");
        assert!(status.success());
    }

    #[test]
    fn special_files_are_refused_at_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("fifo");
        mkfifo(&fifo);
        let t = Instant::now();
        let e = open_regular(&fifo).expect_err("a FIFO");
        assert!(e.to_string().contains("FIFO"), "{e}");
        for dev in ["/dev/zero", "/dev/urandom", "/dev/null"] {
            let link = dir.path().join(dev.trim_start_matches("/dev/"));
            std::os::unix::fs::symlink(dev, &link).expect("symlink");
            let e = open_regular(&link).expect_err(dev);
            assert!(e.to_string().contains("character device"), "{dev}: {e}");
        }
        let e = open_regular(dir.path()).expect_err("a directory");
        assert_eq!(e.kind(), io::ErrorKind::IsADirectory);
        assert!(t.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn reads_are_capped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        std::fs::write(&path, vec![b'x'; 10_000]).expect("write");
        let mut buf = Vec::new();
        let got = read_capped(&path, 100, &mut buf).expect("read");
        assert_eq!(
            got,
            Capped {
                len: 100,
                cut_from: Some(10_000)
            }
        );
        let got = read_capped(&path, 10_000, &mut buf).expect("read");
        assert_eq!(
            got,
            Capped {
                len: 10_000,
                cut_from: None
            }
        );
        assert_eq!(human_size(1 << 20), "1 MB");
        assert_eq!(human_size(100 << 20), "100 MB");
        assert_eq!(human_size(1536), "1.5 KB");
    }
}
