//! Watching a local store so that a change is seen at once: which folders to watch (a
//! [`WatchSet`], given by the store's follower), a [`Watcher`] (inotify through the `notify`
//! crate on Linux) that turns changes into one wake-up per poll, and why a store is polled
//! instead ([`Unwatched`]: asked for, a network filesystem, no inotify, its watch limit).
//! With [`Schedule`] (when the next poll is due) it decides only WHEN a follower polls; what
//! a poll re-reads is the follower's business.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub use super::watch_schedule::{DEBOUNCE, Next, Schedule};

/// What to watch: folders, each on its own (not their subfolders).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchSet {
    /// The store's own folder: its filesystem decides whether watching can work.
    pub root: PathBuf,
    pub dirs: BTreeSet<PathBuf>,
    /// When set, only changes of files with these names count (a SQLite database and its
    /// `-wal`, `-journal` and `-shm` files, in a folder that may hold anything else).
    pub names: Option<BTreeSet<OsString>>,
}

/// How live refresh follows a local store: watching it, or polling (with the reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unwatched {
    /// Polling was asked for (`MLTUI_WATCH=poll`, `[refresh] watch = "poll"`).
    Asked,
    /// The store is on a network filesystem: changes made on another machine raise no
    /// event here.
    Network(&'static str),
    /// The per-user inotify watch limit is reached.
    Limit,
    /// File watching cannot be used here (no inotify, too many inotify instances, ...).
    Unavailable(String),
}

impl std::fmt::Display for Unwatched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unwatched::Asked => f.write_str("polling was asked for"),
            Unwatched::Network(fs) => write!(
                f,
                "the store is on a network filesystem ({fs}), where changes made elsewhere \
                 cannot be watched"
            ),
            Unwatched::Limit => f.write_str(
                "the inotify watch limit is reached (raise fs.inotify.max_user_watches)",
            ),
            Unwatched::Unavailable(e) => write!(f, "file watching is unavailable: {e}"),
        }
    }
}

/// Watches the folders of a [`WatchSet`]: the first relevant change after [`Watcher::rearm`]
/// calls `wake` once (later ones wait for the next `rearm`, which the loader calls as a
/// poll starts: changes during a poll bring one more poll after it).
pub struct Watcher {
    #[cfg(target_os = "linux")]
    inner: Option<notify::INotifyWatcher>,
    watched: BTreeSet<PathBuf>,
    armed: Arc<AtomicBool>,
    /// Paths removed or moved away, as the watcher saw them: watched folders among them
    /// are watched again if they come back.
    lost: Arc<Mutex<Vec<PathBuf>>>,
}

impl Watcher {
    /// Starts watching `set`, unless its filesystem cannot be watched.
    pub fn start(
        set: &WatchSet,
        wake: impl Fn(Instant) + Send + 'static,
    ) -> Result<Watcher, Unwatched> {
        if let Some(fs) = network_filesystem(&set.root) {
            return Err(Unwatched::Network(fs));
        }
        let armed = Arc::new(AtomicBool::new(true));
        let lost = Arc::new(Mutex::new(Vec::new()));
        let mut watcher = Self::backend(set, wake, armed.clone(), lost.clone())?;
        watcher.update(set)?;
        Ok(watcher)
    }

    #[cfg(target_os = "linux")]
    fn backend(
        set: &WatchSet,
        wake: impl Fn(Instant) + Send + 'static,
        armed: Arc<AtomicBool>,
        lost: Arc<Mutex<Vec<PathBuf>>>,
    ) -> Result<Watcher, Unwatched> {
        use notify::Watcher as _;
        let names = set.names.clone();
        let (flag, gone) = (armed.clone(), lost.clone());
        let handler = move |event: notify::Result<notify::Event>| {
            let relevant = match &event {
                Ok(ev) => {
                    if is_removal(ev) {
                        if let Ok(mut gone) = gone.lock() {
                            gone.extend(ev.paths.iter().cloned());
                        }
                    }
                    relevant(ev, names.as_ref())
                }
                // Something went wrong (the event queue overflowed...): look.
                Err(_) => true,
            };
            if relevant && flag.swap(false, Ordering::SeqCst) {
                wake(Instant::now());
            }
        };
        let inner = notify::INotifyWatcher::new(handler, notify::Config::default())
            .map_err(|e| unwatched(&e))?;
        Ok(Watcher {
            inner: Some(inner),
            watched: BTreeSet::new(),
            armed,
            lost,
        })
    }

    #[cfg(not(target_os = "linux"))]
    fn backend(
        _set: &WatchSet,
        _wake: impl Fn(Instant) + Send + 'static,
        _armed: Arc<AtomicBool>,
        _lost: Arc<Mutex<Vec<PathBuf>>>,
    ) -> Result<Watcher, Unwatched> {
        Err(Unwatched::Unavailable(
            "mltui watches files on Linux only".into(),
        ))
    }

    /// Lets the next change wake the loader (called as a poll starts).
    pub fn rearm(&self) {
        self.armed.store(true, Ordering::SeqCst);
    }

    /// The folders watched now.
    pub fn watched(&self) -> &BTreeSet<PathBuf> {
        &self.watched
    }

    /// Watches `set` from now on: folders no longer in it are let go, new ones watched
    /// (a folder that does not exist is left out; the follower's next set says whether it
    /// came). Returns how many folders were added: a change in one of them before it was
    /// watched went unseen, so the caller polls once more.
    pub fn update(&mut self, set: &WatchSet) -> Result<usize, Unwatched> {
        let lost: Vec<PathBuf> = self
            .lost
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default();
        for path in lost {
            if self.watched.remove(&path) {
                self.unwatch(&path);
            }
        }
        let gone: Vec<PathBuf> = self.watched.difference(&set.dirs).cloned().collect();
        for path in gone {
            self.watched.remove(&path);
            self.unwatch(&path);
        }
        let new: Vec<PathBuf> = set.dirs.difference(&self.watched).cloned().collect();
        let mut added = 0;
        for path in new {
            if self.watch(&path)? {
                self.watched.insert(path);
                added += 1;
            }
        }
        Ok(added)
    }

    #[cfg(target_os = "linux")]
    fn unwatch(&mut self, path: &Path) {
        use notify::Watcher as _;
        if let Some(inner) = self.inner.as_mut() {
            // Gone already (removed, or its watch dropped by the kernel): nothing to do.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.unwatch(path)));
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn unwatch(&mut self, _path: &Path) {}

    /// Watches one folder; `false` when it cannot be (missing, not readable).
    #[cfg(target_os = "linux")]
    fn watch(&mut self, path: &Path) -> Result<bool, Unwatched> {
        use notify::{ErrorKind, RecursiveMode, Watcher as _};
        let Some(inner) = self.inner.as_mut() else {
            return Ok(false);
        };
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            inner.watch(path, RecursiveMode::NonRecursive)
        }))
        .map_err(|_| Unwatched::Unavailable("the file watcher stopped".into()))?;
        match result {
            Ok(()) => Ok(true),
            Err(e) => match e.kind {
                ErrorKind::MaxFilesWatch => Err(Unwatched::Limit),
                ErrorKind::PathNotFound | ErrorKind::Io(_) => Ok(false),
                _ => Err(unwatched(&e)),
            },
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn watch(&mut self, _path: &Path) -> Result<bool, Unwatched> {
        Ok(false)
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if let Some(inner) = self.inner.take() {
            // notify's drop panics if its thread died: that must not take the loader down.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(inner)));
        }
    }
}

#[cfg(target_os = "linux")]
fn unwatched(e: &notify::Error) -> Unwatched {
    match &e.kind {
        notify::ErrorKind::MaxFilesWatch => Unwatched::Limit,
        notify::ErrorKind::Io(io) if io.raw_os_error() == Some(libc::EMFILE) => {
            Unwatched::Unavailable(
                "too many inotify instances (raise fs.inotify.max_user_instances)".into(),
            )
        }
        _ => Unwatched::Unavailable(e.to_string()),
    }
}

/// Whether an event is about a removed or renamed path.
#[cfg(target_os = "linux")]
fn is_removal(ev: &notify::Event) -> bool {
    use notify::event::{EventKind, ModifyKind};
    matches!(
        ev.kind,
        EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(_))
    )
}

/// Whether an event says something may have changed: not a mere open or read (a poll opens
/// the files it watches), and, with `names`, about one of those files (or about nothing in
/// particular: the event queue overflowed).
#[cfg(target_os = "linux")]
fn relevant(ev: &notify::Event, names: Option<&BTreeSet<OsString>>) -> bool {
    use notify::event::{AccessKind, AccessMode, EventKind};
    let changed = match ev.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    };
    changed
        && names.is_none_or(|names| {
            ev.paths.is_empty()
                || ev
                    .paths
                    .iter()
                    .any(|p| p.file_name().is_some_and(|n| names.contains(n)))
        })
}

/// The name of the network filesystem `path` is on, if it is on one (by `statfs`'s
/// filesystem type): there inotify sees only the changes made through this machine.
#[cfg(target_os = "linux")]
pub fn network_filesystem(path: &Path) -> Option<&'static str> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: statfs only writes the struct it is given; the path is a valid C string.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    // f_type's width differs between platforms; filesystem magic numbers are 32 bits.
    #[allow(clippy::unnecessary_cast)]
    let magic = (st.f_type as u64) & 0xffff_ffff;
    network_magic(magic)
}

#[cfg(not(target_os = "linux"))]
pub fn network_filesystem(_path: &Path) -> Option<&'static str> {
    None
}

/// Filesystems (by their `statfs` magic number) whose files can change without this
/// machine's kernel seeing it: network and cluster filesystems, FUSE (sshfs, s3fs,
/// rclone...) and a virtual machine's shared folders.
fn network_magic(magic: u64) -> Option<&'static str> {
    Some(match magic {
        0x6969 => "NFS",
        0x517b => "SMB",
        0xff53_4d42 => "CIFS",
        0xfe53_4d42 => "SMB2",
        0x6573_5546 => "FUSE",
        0x0102_1997 => "9p",
        0x6a65_6a63 => "virtiofs",
        0x786f_4256 => "vboxsf",
        0x5346_414f | 0x6b41_4653 => "AFS",
        0x00c3_6400 => "CephFS",
        0x0bd0_0bd0 => "Lustre",
        0x4750_4653 => "GPFS",
        0x0116_1970 => "GFS2",
        0x7461_636f => "OCFS2",
        0x7375_7245 => "Coda",
        0x564c => "NCP",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_filesystems_are_known_by_their_magic_number() {
        assert_eq!(network_magic(0x6969), Some("NFS"));
        assert_eq!(network_magic(0xff53_4d42), Some("CIFS"));
        assert_eq!(network_magic(0x6573_5546), Some("FUSE"));
        assert_eq!(network_magic(0x0102_1997), Some("9p"));
        // ext4, xfs, btrfs, tmpfs, overlayfs
        for local in [0xef53, 0x5846_5342, 0x9123_683e, 0x0102_1994, 0x794c_7630] {
            assert_eq!(network_magic(local), None, "{local:#x}");
        }
        let dir = tempfile::tempdir().expect("tempdir");
        if let Some(fs) = network_filesystem(dir.path()) {
            eprintln!("note: the temporary folder is on {fs}");
        }
    }

    #[cfg(target_os = "linux")]
    mod linux {
        use std::sync::mpsc;
        use std::time::Duration;

        use notify::event::{AccessKind, AccessMode, CreateKind, EventKind, ModifyKind};

        use super::*;

        fn event(kind: EventKind, path: &str) -> notify::Event {
            notify::Event::new(kind).add_path(PathBuf::from(path))
        }

        #[test]
        fn opens_and_reads_are_not_changes_and_names_filter_a_shared_folder() {
            let open = EventKind::Access(AccessKind::Open(AccessMode::Any));
            let closed_read = EventKind::Access(AccessKind::Close(AccessMode::Read));
            let closed_write = EventKind::Access(AccessKind::Close(AccessMode::Write));
            let modify = EventKind::Modify(ModifyKind::Any);
            assert!(!relevant(&event(open, "/s/1/r/metrics/loss"), None));
            assert!(!relevant(&event(closed_read, "/s/1/r/metrics/loss"), None));
            assert!(relevant(&event(closed_write, "/s/1/r/metrics/loss"), None));
            assert!(relevant(&event(modify, "/s/1/r/metrics/loss"), None));
            let created = EventKind::Create(CreateKind::Folder);
            assert!(relevant(&event(created, "/s/1/new-run"), None));

            let names: BTreeSet<OsString> = ["mlflow.db", "mlflow.db-wal", "mlflow.db-journal"]
                .into_iter()
                .map(OsString::from)
                .collect();
            assert!(relevant(
                &event(modify, "/home/u/mlflow.db-wal"),
                Some(&names)
            ));
            assert!(relevant(
                &event(
                    EventKind::Remove(notify::event::RemoveKind::File),
                    "/home/u/mlflow.db-journal"
                ),
                Some(&names)
            ));
            assert!(!relevant(&event(modify, "/home/u/notes.txt"), Some(&names)));
            assert!(!relevant(
                &event(modify, "/home/u/mlflow.db.bak"),
                Some(&names)
            ));
            // A queue overflow names no file: look anyway.
            let overflow = notify::Event::new(EventKind::Other);
            assert!(relevant(&overflow, Some(&names)));
        }

        /// Waits (30 s at most: the machine may be busy) for a wake-up.
        fn woken(rx: &mpsc::Receiver<Instant>) -> bool {
            rx.recv_timeout(Duration::from_secs(30)).is_ok()
        }

        #[test]
        fn a_change_wakes_once_until_rearmed_and_the_set_follows_the_store() {
            let dir = tempfile::tempdir().expect("tempdir");
            let root = dir.path().to_path_buf();
            let run = root.join("run");
            std::fs::create_dir(&run).expect("mkdir");
            let set = WatchSet {
                root: root.clone(),
                dirs: [root.clone(), run.clone()].into_iter().collect(),
                names: None,
            };
            let (tx, rx) = mpsc::channel();
            let mut w = Watcher::start(&set, move |at| {
                let _ = tx.send(at);
            })
            .expect("watch");
            assert_eq!(w.watched().len(), 2);
            std::fs::write(run.join("loss"), "1 0.5 0\n").expect("write");
            assert!(woken(&rx));
            // Not re-armed: more changes send nothing more (one wake-up per poll).
            std::fs::write(run.join("acc"), "1 0.5 0\n").expect("write");
            std::fs::write(root.join("other"), "x").expect("write");
            // Re-armed: the next change wakes again.
            w.rearm();
            std::fs::write(run.join("loss"), "1 0.5 0\n2 0.4 1\n").expect("write");
            assert!(woken(&rx));
            let mut wakes = 0;
            while rx.try_recv().is_ok() {
                wakes += 1;
            }
            assert_eq!(wakes, 0, "one wake-up per rearm");

            // The run finishes: its folder leaves the set; a missing folder is left out.
            let gone = WatchSet {
                dirs: [root.clone(), root.join("not-yet")].into_iter().collect(),
                ..set.clone()
            };
            assert_eq!(w.update(&gone), Ok(0));
            assert_eq!(w.watched().iter().collect::<Vec<_>>(), [&root]);
            // A folder removed and made again is watched again.
            assert_eq!(w.update(&set), Ok(1));
            std::fs::remove_dir_all(&run).expect("rm");
            std::fs::create_dir(&run).expect("mkdir");
            // Once the watcher has seen the removal, the folder is watched again.
            let deadline = Instant::now() + Duration::from_secs(30);
            while w.update(&set) == Ok(0) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            assert!(w.watched().contains(&run), "watched again");
            w.rearm();
            std::fs::write(run.join("loss"), "1 0.5 0\n").expect("write");
            assert!(woken(&rx));
        }

        #[test]
        fn a_sqlite_folder_wakes_only_for_the_database_files() {
            let dir = tempfile::tempdir().expect("tempdir");
            let root = dir.path().to_path_buf();
            let set = WatchSet {
                root: root.clone(),
                dirs: [root.clone()].into_iter().collect(),
                names: Some(
                    ["mlflow.db", "mlflow.db-journal"]
                        .into_iter()
                        .map(OsString::from)
                        .collect(),
                ),
            };
            let (tx, rx) = mpsc::channel();
            let _w = Watcher::start(&set, move |_| {
                let _ = tx.send(Instant::now());
            })
            .expect("watch");
            // Other files in the folder: no wake-up, so the next one is the journal's.
            let marker = Instant::now();
            std::fs::write(root.join("notes.txt"), "x").expect("write");
            std::fs::write(root.join("mlflow.db.bak"), "x").expect("write");
            std::thread::sleep(Duration::from_millis(100));
            let journal_at = Instant::now();
            std::fs::write(root.join("mlflow.db-journal"), "x").expect("write");
            let at = rx.recv_timeout(Duration::from_secs(30)).expect("woken");
            assert!(
                at >= journal_at,
                "woken by another file ({:?} after the start)",
                at - marker
            );
        }
    }
}
