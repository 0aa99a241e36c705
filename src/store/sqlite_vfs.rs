//! A SQLite VFS that cannot create or delete a file next to a store: the default one (unix)
//! with `SQLITE_OPEN_CREATE` taken off every open of a database, journal or WAL file, and
//! deletes refused. Only SQLite's own temporary files (sorting, in the temp directory) may
//! still be created.
//!
//! Why: a read-only connection to a WAL-mode database otherwise creates `-wal` and `-shm`
//! when they are missing, owned by whoever runs mltui, and leaves them behind; the training
//! user's next write then fails ("attempt to write a readonly database"). With this VFS the
//! open fails instead, and the caller reads the database another way (see `sqlite.rs`).
//! The `-shm` file is opened by the unix VFS itself; `readonly_shm=1` keeps it from
//! creating that one.

use std::ffi::{c_char, c_int};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicPtr, Ordering};

use rusqlite::ffi;

/// The name to open connections with.
pub(super) const NAME: &str = "mltui-readonly";
const NAME_C: &std::ffi::CStr = c"mltui-readonly";

/// The VFS this one wraps.
static BASE: AtomicPtr<ffi::sqlite3_vfs> = AtomicPtr::new(std::ptr::null_mut());
static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();

/// Registers the VFS (once per process).
pub(super) fn register() -> Result<(), String> {
    REGISTERED
        // SAFETY: see `register_once`.
        .get_or_init(|| unsafe { register_once() })
        .clone()
}

/// SAFETY: called once (under `OnceLock`); the default VFS SQLite returns lives for the
/// whole process, and the copy registered here is leaked so that it does too.
unsafe fn register_once() -> Result<(), String> {
    // SAFETY: a null name asks for the default VFS; SQLite initialises itself first.
    let base = unsafe { ffi::sqlite3_vfs_find(std::ptr::null()) };
    if base.is_null() {
        return Err("SQLite has no default VFS".into());
    }
    BASE.store(base, Ordering::SeqCst);
    // SAFETY: `base` points to a valid, initialised sqlite3_vfs that is never freed.
    let mut vfs: ffi::sqlite3_vfs = unsafe { std::ptr::read(base) };
    vfs.zName = NAME_C.as_ptr();
    vfs.pNext = std::ptr::null_mut();
    vfs.xOpen = Some(x_open);
    vfs.xDelete = Some(x_delete);
    let vfs = Box::leak(Box::new(vfs));
    // SAFETY: `vfs` is a complete copy of a working VFS and lives forever.
    let rc = unsafe { ffi::sqlite3_vfs_register(vfs, 0) };
    if rc == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(format!("cannot register SQLite VFS {NAME} (code {rc})"))
    }
}

/// Files SQLite may still create: its own temporary ones, deleted on close.
const TEMPORARY: c_int = ffi::SQLITE_OPEN_TEMP_DB
    | ffi::SQLITE_OPEN_TEMP_JOURNAL
    | ffi::SQLITE_OPEN_TRANSIENT_DB
    | ffi::SQLITE_OPEN_SUBJOURNAL;

unsafe extern "C" fn x_open(
    vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let base = BASE.load(Ordering::SeqCst);
    let flags = if flags & TEMPORARY != 0 && flags & ffi::SQLITE_OPEN_DELETEONCLOSE != 0 {
        flags
    } else {
        flags & !ffi::SQLITE_OPEN_CREATE
    };
    // SAFETY: `base` was stored before this VFS was registered and is valid forever; the
    // arguments are SQLite's own, passed through unchanged (but for the flags), to the VFS
    // whose fields (size of a file, app data) this one copies.
    unsafe {
        match (*base).xOpen {
            Some(open) => open(vfs, name, file, flags, out_flags),
            None => ffi::SQLITE_CANTOPEN,
        }
    }
}

unsafe extern "C" fn x_delete(
    _vfs: *mut ffi::sqlite3_vfs,
    _name: *const c_char,
    _sync_dir: c_int,
) -> c_int {
    ffi::SQLITE_IOERR_DELETE
}
