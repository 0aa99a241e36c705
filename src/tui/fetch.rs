//! Background work for the models, logged models and artifact screens: the registry, logged
//! models of experiments, artifact trees (walked folder by folder, streamed), previews (the
//! first 256 KiB) and saves. Each request runs on its own thread so that a slow listing never
//! holds up a preview; answers come back as [`Event::Fetched`] and stale ones (a browser
//! since closed, a cursor since moved) are dropped by the app or skipped here.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;

use super::event::Event;
use crate::model::Experiment;
use crate::preview::{self, Preview};
use crate::store::Store;
use crate::store::artifacts::{ArtifactAccess, ArtifactEntry, ArtifactOwner, ArtifactRepo};
use crate::store::registry::{LoggedModel, LoggedModelList, Registry, RunModelLinks};

/// Files of a run (or model) folder the run detail reads for its reproducibility block.
pub const ENV_FILES: [&str; 5] = [
    "MLproject",
    "MLmodel",
    "conda.yaml",
    "python_env.yaml",
    "requirements.txt",
];

/// Top-level folders looked into for a `MLmodel` (a run rarely has more).
const MODEL_FOLDERS: usize = 20;

/// Work the app asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchRequest {
    Registry,
    LoggedModels {
        experiments: Vec<Experiment>,
    },
    /// One logged model by id.
    LoggedModel {
        id: String,
    },
    /// The logged models a run produced and used.
    RunLinks {
        experiment_id: String,
        run_id: String,
    },
    /// Resolve each root and walk it, every folder, streaming entries. `browser` numbers the
    /// browser: a newer one cancels the walk.
    Browse {
        browser: u64,
        /// The number of the first of `owners` among the browser's roots.
        first_root: usize,
        owners: Vec<ArtifactOwner>,
    },
    /// The first bytes of one file; `seq` orders previews (older ones are skipped).
    Preview {
        browser: u64,
        root: usize,
        owner: ArtifactOwner,
        path: String,
        seq: u64,
    },
    /// Copy one file to `dest`.
    Save {
        owner: ArtifactOwner,
        path: String,
        dest: PathBuf,
    },
    /// What the run detail shows about files: the top of each folder, the environment
    /// files, `MLproject` and `MLmodel`.
    RunFiles {
        run_id: String,
        /// Orders the requests for one run: an older answer never replaces a newer one.
        seq: u64,
        owners: Vec<(String, ArtifactOwner)>,
    },
}

/// Where a root's artifacts are, or why they cannot be read.
#[derive(Debug, Clone, PartialEq)]
pub enum RootState {
    Ready {
        location: String,
    },
    /// Missing or unreadable: the note says why (never an error screen).
    Note(String),
    Failed(String),
}

/// One artifact folder summarised for the run detail.
#[derive(Debug, Clone, PartialEq)]
pub struct FolderSummary {
    pub label: String,
    pub state: RootState,
    /// Top-level entries, sorted.
    pub top: Vec<ArtifactEntry>,
    /// `MLproject` text, when the folder has one (at most the preview limit).
    pub mlproject: Option<String>,
    /// `MLmodel` files at the top or one folder down (`model/MLmodel` of an MLflow 2 run):
    /// (folder, text).
    pub mlmodels: Vec<(String, String)>,
}

/// An answer for the app.
#[derive(Debug, Clone)]
pub enum Fetched {
    Registry(Result<Registry, String>),
    LoggedModels {
        experiment_ids: Vec<String>,
        result: Result<LoggedModelList, String>,
    },
    LoggedModel {
        id: String,
        result: Result<LoggedModel, String>,
    },
    RunLinks {
        run_id: String,
        result: Result<RunModelLinks, String>,
    },
    Root {
        browser: u64,
        root: usize,
        state: RootState,
    },
    /// Entries of one folder of a root (a folder may come in several batches).
    Listed {
        browser: u64,
        root: usize,
        entries: Vec<ArtifactEntry>,
    },
    /// The walk of a root finished (or stopped on an error).
    Walked {
        browser: u64,
        root: usize,
        error: Option<String>,
    },
    Preview {
        browser: u64,
        root: usize,
        path: String,
        result: Result<Preview, String>,
    },
    Saved(Result<String, String>),
    RunFiles {
        run_id: String,
        seq: u64,
        folders: Vec<FolderSummary>,
    },
}

/// Runs requests on threads and sends answers to the event loop.
pub struct Fetcher {
    store: Arc<dyn Store>,
    extra_root: Option<PathBuf>,
    tx: Sender<Event>,
    browse_gen: Arc<AtomicU64>,
    preview_seq: Arc<AtomicU64>,
}

impl Fetcher {
    pub fn new(store: Arc<dyn Store>, extra_root: Option<PathBuf>, tx: Sender<Event>) -> Self {
        Self {
            store,
            extra_root,
            tx,
            browse_gen: Arc::new(AtomicU64::new(0)),
            preview_seq: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Starts `req` on a thread of its own.
    pub fn request(&self, req: FetchRequest) {
        match &req {
            FetchRequest::Browse { browser, .. } => {
                self.browse_gen.store(*browser, Ordering::SeqCst)
            }
            FetchRequest::Preview { seq, .. } => self.preview_seq.store(*seq, Ordering::SeqCst),
            _ => {}
        }
        let store = self.store.clone();
        let extra = self.extra_root.clone();
        let tx = self.tx.clone();
        let browse_gen = self.browse_gen.clone();
        let preview_seq = self.preview_seq.clone();
        std::thread::spawn(move || {
            let current = |req: &FetchRequest| match req {
                FetchRequest::Browse { browser, .. } => {
                    browse_gen.load(Ordering::SeqCst) == *browser
                }
                FetchRequest::Preview { seq, .. } => preview_seq.load(Ordering::SeqCst) == *seq,
                _ => true,
            };
            let stale = || !current(&req);
            serve(store.as_ref(), extra.as_deref(), &req, &stale, &mut |f| {
                let _ = tx.send(Event::Fetched(f));
            });
        });
    }
}

fn access(
    store: &dyn Store,
    extra: Option<&std::path::Path>,
    owner: &ArtifactOwner,
) -> Result<Box<dyn ArtifactRepo>, RootState> {
    match store.artifacts(owner, extra) {
        Ok(ArtifactAccess::Readable(repo)) => Ok(repo),
        Ok(other) => Err(RootState::Note(other.note().unwrap_or_default())),
        Err(e) => Err(RootState::Failed(e.to_string())),
    }
}

/// Does the work of one request, sending answers through `send`; `stale()` says that the
/// app no longer wants it (checked between folders and before a preview is read).
pub fn serve(
    store: &dyn Store,
    extra: Option<&std::path::Path>,
    req: &FetchRequest,
    stale: &dyn Fn() -> bool,
    send: &mut dyn FnMut(Fetched),
) {
    match req {
        FetchRequest::Registry => send(Fetched::Registry(
            store.registry().map_err(|e| e.to_string()),
        )),
        FetchRequest::LoggedModels { experiments } => send(Fetched::LoggedModels {
            experiment_ids: crate::store::experiment_ids(experiments),
            result: store.logged_models(experiments).map_err(|e| e.to_string()),
        }),
        FetchRequest::LoggedModel { id } => send(Fetched::LoggedModel {
            id: id.clone(),
            result: store.logged_model(id).map_err(|e| e.to_string()),
        }),
        FetchRequest::RunLinks {
            experiment_id,
            run_id,
        } => send(Fetched::RunLinks {
            run_id: run_id.clone(),
            result: store
                .run_model_links(experiment_id, run_id)
                .map_err(|e| e.to_string()),
        }),
        FetchRequest::Browse {
            browser,
            first_root,
            owners,
        } => {
            for (k, owner) in owners.iter().enumerate() {
                let root = first_root + k;
                if stale() {
                    return;
                }
                let browser = *browser;
                let repo = match access(store, extra, owner) {
                    Ok(repo) => repo,
                    Err(state) => {
                        send(Fetched::Root {
                            browser,
                            root,
                            state,
                        });
                        continue;
                    }
                };
                send(Fetched::Root {
                    browser,
                    root,
                    state: RootState::Ready {
                        location: repo.location(),
                    },
                });
                // Breadth-first: the top shows first, deeper folders fill in.
                let mut queue: VecDeque<String> = VecDeque::from([String::new()]);
                let mut error = None;
                while let Some(dir) = queue.pop_front() {
                    if stale() {
                        return;
                    }
                    let result = repo.list(&dir, &mut |batch| {
                        queue.extend(batch.iter().filter(|e| e.is_dir).map(|e| e.path.clone()));
                        send(Fetched::Listed {
                            browser,
                            root,
                            entries: batch,
                        });
                    });
                    if let Err(e) = result {
                        // One unreadable folder does not stop the rest.
                        error.get_or_insert_with(|| format!("{dir}: {e}"));
                    }
                }
                send(Fetched::Walked {
                    browser,
                    root,
                    error,
                });
            }
        }
        FetchRequest::Preview {
            browser,
            root,
            owner,
            path,
            ..
        } => {
            if stale() {
                return;
            }
            let result = access(store, extra, owner)
                .map_err(|s| match s {
                    RootState::Note(n) | RootState::Failed(n) => n,
                    RootState::Ready { .. } => String::new(),
                })
                .and_then(|repo| repo.open(path).map_err(|e| e.to_string()))
                .and_then(|mut f| {
                    preview::read_preview(path, f.size, &mut f.reader).map_err(|e| e.to_string())
                });
            send(Fetched::Preview {
                browser: *browser,
                root: *root,
                path: path.clone(),
                result,
            });
        }
        FetchRequest::Save { owner, path, dest } => {
            let result = save(store, extra, owner, path, dest);
            send(Fetched::Saved(result));
        }
        FetchRequest::RunFiles {
            run_id,
            seq,
            owners,
        } => {
            let folders = owners
                .iter()
                .map(|(label, owner)| summarise(store, extra, label, owner))
                .collect();
            send(Fetched::RunFiles {
                run_id: run_id.clone(),
                seq: *seq,
                folders,
            });
        }
    }
}

fn save(
    store: &dyn Store,
    extra: Option<&std::path::Path>,
    owner: &ArtifactOwner,
    path: &str,
    dest: &std::path::Path,
) -> Result<String, String> {
    let repo = access(store, extra, owner).map_err(|s| match s {
        RootState::Note(n) | RootState::Failed(n) => n,
        RootState::Ready { .. } => String::new(),
    })?;
    let mut file = repo.open(path).map_err(|e| e.to_string())?;
    if dest.is_dir() {
        return Err(format!("{} is a folder: give a file name", dest.display()));
    }
    let replaced = dest.exists();
    // Written next to the destination first, so that a failed copy leaves nothing half-done.
    let tmp = dest.with_extension("mltui-partial");
    let copied = (|| -> std::io::Result<u64> {
        let mut out = std::fs::File::create(&tmp)?;
        let n = std::io::copy(&mut file.reader, &mut out)?;
        out.sync_all()?;
        std::fs::rename(&tmp, dest)?;
        Ok(n)
    })();
    match copied {
        Ok(n) => {
            let shown = std::fs::canonicalize(dest).unwrap_or_else(|_| dest.to_path_buf());
            Ok(format!(
                "saved {path} ({}) to {}{}",
                preview::human_size(n),
                shown.display(),
                if replaced {
                    " (replaced the file there)"
                } else {
                    ""
                }
            ))
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(format!("saving {path} to {} failed: {e}", dest.display()))
        }
    }
}

/// Reads a small text file of a folder, if it is there (at most the preview limit).
fn small_text(repo: &dyn ArtifactRepo, path: &str) -> Option<String> {
    let mut f = repo.open(path).ok()?;
    let mut buf = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(&mut f.reader, preview::PREVIEW_LIMIT as u64),
        &mut buf,
    )
    .ok()?;
    String::from_utf8(buf).ok()
}

fn summarise(
    store: &dyn Store,
    extra: Option<&std::path::Path>,
    label: &str,
    owner: &ArtifactOwner,
) -> FolderSummary {
    let mut s = FolderSummary {
        label: label.to_string(),
        state: RootState::Failed(String::new()),
        top: Vec::new(),
        mlproject: None,
        mlmodels: Vec::new(),
    };
    let repo = match access(store, extra, owner) {
        Ok(r) => r,
        Err(state) => {
            s.state = state;
            return s;
        }
    };
    let mut top = Vec::new();
    if let Err(e) = repo.list("", &mut |b| top.extend(b)) {
        s.state = RootState::Failed(e.to_string());
        return s;
    }
    top.sort_by(|a, b| a.path.cmp(&b.path));
    let has = |name: &str| top.iter().any(|e| !e.is_dir && e.path == name);
    if has("MLproject") {
        s.mlproject = small_text(repo.as_ref(), "MLproject");
    }
    if has("MLmodel") {
        s.mlmodels
            .extend(small_text(repo.as_ref(), "MLmodel").map(|t| (String::new(), t)));
    }
    // A model saved among a run's artifacts (MLflow 2, or log_artifacts of a saved model).
    for dir in top.iter().filter(|e| e.is_dir).take(MODEL_FOLDERS) {
        let mut inner = Vec::new();
        if repo.list(&dir.path, &mut |b| inner.extend(b)).is_err() {
            continue;
        }
        let mlmodel = format!("{}/MLmodel", dir.path);
        if inner.iter().any(|e| !e.is_dir && e.path == mlmodel) {
            s.mlmodels
                .extend(small_text(repo.as_ref(), &mlmodel).map(|t| (dir.path.clone(), t)));
        }
    }
    s.state = RootState::Ready {
        location: repo.location(),
    };
    s.top = top;
    s
}
