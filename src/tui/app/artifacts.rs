//! The artifact browser (a tree of a run's artifacts and of the models it logged: folders
//! fold, sizes and file counts add up as the walk streams in; a preview of the file under
//! the cursor), its full-screen pager, saving a file, and what the run detail shows about a
//! run's files. Everything is read by `tui::fetch` off the UI thread.

use std::collections::HashMap;
use std::path::PathBuf;

use super::models::Loadable;
use super::{App, Effect, Message, Prompt, PromptKind, Screen, move_cursor};
use crate::preview::Preview;
use crate::store::artifacts::{ArtifactEntry, ArtifactOwner};
use crate::store::registry::LoggedModel;
use crate::tui::action::Action;
use crate::tui::fetch::{FetchRequest, FolderSummary, RootState};

/// One node of the tree: a root (path `""`), a folder or a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub root: usize,
    pub path: String,
    pub name: String,
    pub is_dir: bool,
    pub size: Option<u64>,
    /// Where a symbolic link that is not followed points.
    pub link: Option<String>,
    pub children: Vec<usize>,
    pub parent: Option<usize>,
    pub expanded: bool,
    pub depth: u8,
    /// Files and bytes below a folder, as far as listed.
    pub files: u64,
    pub bytes: u64,
}

/// One artifact root: the run's folder or a logged model's.
#[derive(Debug, Clone)]
pub struct Root {
    pub owner: ArtifactOwner,
    pub label: String,
    /// `None` while being located.
    pub state: Option<RootState>,
    pub walking: bool,
    /// A folder that could not be listed during the walk.
    pub error: Option<String>,
    pub node: usize,
}

/// The preview of the file under the cursor.
#[derive(Debug, Clone)]
pub struct PreviewSlot {
    pub root: usize,
    pub path: String,
    pub content: Loadable<Preview>,
}

/// State of the artifact browser and pager, and of the files shown by run details.
#[derive(Debug, Default)]
pub struct ArtifactsView {
    /// Identifies the open browser; answers for older ones are dropped.
    pub browser: u64,
    pub title: String,
    pub roots: Vec<Root>,
    pub nodes: Vec<Node>,
    by_path: HashMap<(usize, String), usize>,
    /// Visible nodes, in tree order.
    pub rows: Vec<usize>,
    pub cursor: usize,
    pub preview: Option<PreviewSlot>,
    pub preview_seq: u64,
    pub pager_scroll: usize,
    pub pager_hscroll: usize,
    /// The run the browser shows (with the models it logged), if it is a run's.
    pub run_id: Option<String>,
    /// A path of the first root to put the cursor on once it is listed.
    pub focus: Option<String>,
    /// What the run detail shows about each run's files.
    pub run_files: HashMap<String, Loadable<Vec<FolderSummary>>>,
    /// The last request for each run's files (older answers are dropped).
    run_files_seq: u64,
    run_files_wanted: HashMap<String, u64>,
}

impl ArtifactsView {
    pub fn current(&self) -> Option<&Node> {
        self.nodes.get(*self.rows.get(self.cursor)?)
    }

    /// Recomputes the visible rows (roots, and the children of expanded folders).
    fn refresh_rows(&mut self) {
        let current = self.rows.get(self.cursor).copied();
        let mut rows = Vec::with_capacity(self.nodes.len().min(4096));
        let mut stack: Vec<usize> = self.roots.iter().rev().map(|r| r.node).collect();
        while let Some(i) = stack.pop() {
            rows.push(i);
            let n = &self.nodes[i];
            if n.expanded {
                stack.extend(n.children.iter().rev());
            }
        }
        self.cursor = current
            .and_then(|c| rows.iter().position(|&r| r == c))
            .unwrap_or(self.cursor)
            .min(rows.len().saturating_sub(1));
        self.rows = rows;
    }

    /// Adds listed entries below their folders (a folder's entries come after it), and
    /// adds their files and sizes to every folder above.
    fn insert(&mut self, root: usize, entries: Vec<ArtifactEntry>) {
        let mut touched = Vec::new();
        for e in entries {
            let parent_path = e.path.rsplit_once('/').map_or("", |(p, _)| p).to_string();
            let Some(&parent) = self.by_path.get(&(root, parent_path)) else {
                continue;
            };
            if self.by_path.contains_key(&(root, e.path.clone())) {
                continue;
            }
            let idx = self.nodes.len();
            let depth = self.nodes[parent].depth.saturating_add(1);
            self.nodes.push(Node {
                root,
                name: e.name().to_string(),
                path: e.path.clone(),
                is_dir: e.is_dir,
                size: e.file_size,
                link: e.link.clone(),
                children: Vec::new(),
                parent: Some(parent),
                expanded: false,
                depth,
                files: 0,
                bytes: 0,
            });
            self.by_path.insert((root, e.path), idx);
            self.nodes[parent].children.push(idx);
            touched.push(parent);
            if !e.is_dir {
                let size = e.file_size.unwrap_or(0);
                let mut up = Some(parent);
                while let Some(p) = up {
                    self.nodes[p].files += 1;
                    self.nodes[p].bytes += size;
                    up = self.nodes[p].parent;
                }
            }
        }
        touched.sort_unstable();
        touched.dedup();
        for p in touched {
            let mut kids = std::mem::take(&mut self.nodes[p].children);
            kids.sort_by(|&a, &b| self.nodes[a].path.cmp(&self.nodes[b].path));
            self.nodes[p].children = kids;
        }
    }
}

impl App {
    /// Opens the browser on `roots` (label, owner).
    fn open_browser(&mut self, title: String, roots: Vec<(String, ArtifactOwner)>) -> Vec<Effect> {
        let browser = self.artifacts.browser + 1;
        let keep = std::mem::take(&mut self.artifacts.run_files);
        let wanted = std::mem::take(&mut self.artifacts.run_files_wanted);
        let files_seq = self.artifacts.run_files_seq;
        let seq = self.artifacts.preview_seq;
        self.artifacts = ArtifactsView {
            browser,
            title,
            run_files: keep,
            run_files_seq: files_seq,
            run_files_wanted: wanted,
            preview_seq: seq,
            ..ArtifactsView::default()
        };
        self.stack.push(Screen::Artifacts);
        self.add_roots(roots)
    }

    /// Adds roots to the open browser and asks for their walk.
    fn add_roots(&mut self, roots: Vec<(String, ArtifactOwner)>) -> Vec<Effect> {
        let v = &mut self.artifacts;
        let first_root = v.roots.len();
        for (k, (label, owner)) in roots.iter().enumerate() {
            let i = first_root + k;
            let node = v.nodes.len();
            v.nodes.push(Node {
                root: i,
                path: String::new(),
                name: label.clone(),
                is_dir: true,
                size: None,
                link: None,
                children: Vec::new(),
                parent: None,
                // The run's own folder starts open; model folders closed.
                expanded: i == 0,
                depth: 0,
                files: 0,
                bytes: 0,
            });
            v.by_path.insert((i, String::new()), node);
            v.roots.push(Root {
                owner: owner.clone(),
                label: label.clone(),
                state: None,
                walking: true,
                error: None,
                node,
            });
        }
        v.refresh_rows();
        vec![Effect::Fetch(FetchRequest::Browse {
            browser: v.browser,
            first_root,
            owners: roots.into_iter().map(|(_, o)| o).collect(),
        })]
    }

    /// Logged models arrived: an open browser of one of their runs gets their folders.
    pub(super) fn browse_new_models(&mut self) -> Vec<Effect> {
        if !self.stack.contains(&Screen::Artifacts) {
            return Vec::new();
        }
        let Some(run_id) = self.artifacts.run_id.clone() else {
            return Vec::new();
        };
        let have: Vec<String> = self
            .artifacts
            .roots
            .iter()
            .map(|r| r.owner.id.clone())
            .collect();
        let new: Vec<(String, ArtifactOwner)> = self
            .models_of_run(&run_id)
            .iter()
            .filter(|m| !have.contains(&m.model_id))
            .map(|m| (model_label(m), ArtifactOwner::of_model(m)))
            .collect();
        if new.is_empty() {
            return Vec::new();
        }
        self.add_roots(new)
    }

    /// The browser on a run's artifacts and the logged models it produced.
    pub(super) fn browse_run(&mut self, run_id: &str) -> Vec<Effect> {
        let Some(run) = self.index.run(run_id) else {
            return Vec::new();
        };
        let mut roots = vec![(format!("run {}", run.run_name), ArtifactOwner::of_run(run))];
        for m in self.models_of_run(run_id) {
            roots.push((model_label(&m), ArtifactOwner::of_model(&m)));
        }
        let title = run.run_name.clone();
        let effects = self.open_browser(title, roots);
        self.artifacts.run_id = Some(run_id.to_string());
        effects
    }

    /// The browser on one logged model's artifacts.
    pub(super) fn browse_model(&mut self, m: &LoggedModel) -> Vec<Effect> {
        let mut effects = self.open_browser(
            model_label(m),
            vec![(model_label(m), ArtifactOwner::of_model(m))],
        );
        effects.extend(self.preview_current());
        effects
    }

    /// Opens a run's detail and asks for what its new sections need.
    pub(crate) fn open_run_detail(&mut self, run_id: String) -> Vec<Effect> {
        self.open_detail(run_id.clone());
        self.want_run_extras(&run_id)
    }

    /// Registry, logged models and files of a run, as far as not asked for already.
    pub(super) fn want_run_extras(&mut self, run_id: &str) -> Vec<Effect> {
        let mut effects = self.want_registry();
        if let Some(exp) = self.index.run(run_id).map(|r| r.experiment_id.clone()) {
            effects.extend(self.want_logged(&[exp]));
        }
        effects.extend(self.want_run_links(run_id));
        effects.extend(self.want_run_files(run_id, false));
        effects
    }

    /// Asks for the files of a run (and of the models it logged) for its detail.
    pub(super) fn want_run_files(&mut self, run_id: &str, again: bool) -> Vec<Effect> {
        if !again && self.artifacts.run_files.contains_key(run_id) {
            return Vec::new();
        }
        let Some(run) = self.index.run(run_id) else {
            return Vec::new();
        };
        let mut owners = vec![("run".to_string(), ArtifactOwner::of_run(run))];
        for m in self.models_of_run(run_id) {
            owners.push((model_label(&m), ArtifactOwner::of_model(&m)));
        }
        self.artifacts
            .run_files
            .insert(run_id.to_string(), Loadable::Loading);
        self.artifacts.run_files_seq += 1;
        let seq = self.artifacts.run_files_seq;
        self.artifacts
            .run_files_wanted
            .insert(run_id.to_string(), seq);
        vec![Effect::Fetch(FetchRequest::RunFiles {
            run_id: run_id.to_string(),
            seq,
            owners,
        })]
    }

    /// Logged models arrived: a run detail showing a run of them reads their files too.
    pub(super) fn refresh_detail_files(&mut self, experiment_ids: &[String]) -> Vec<Effect> {
        if !self.stack.contains(&Screen::Detail) {
            return Vec::new();
        }
        let run_id = self.detail.run_id.clone();
        let in_exp = self
            .index
            .run(&run_id)
            .is_some_and(|r| experiment_ids.contains(&r.experiment_id));
        if in_exp && !self.models_of_run(&run_id).is_empty() {
            return self.want_run_files(&run_id, true);
        }
        Vec::new()
    }

    pub(super) fn run_files_loaded(
        &mut self,
        run_id: String,
        seq: u64,
        folders: Vec<FolderSummary>,
    ) {
        if self.artifacts.run_files_wanted.get(&run_id) != Some(&seq) {
            return;
        }
        self.artifacts
            .run_files
            .insert(run_id, Loadable::Ready(folders));
    }

    pub(super) fn root_located(&mut self, browser: u64, root: usize, state: RootState) {
        if browser != self.artifacts.browser {
            return;
        }
        if let Some(r) = self.artifacts.roots.get_mut(root) {
            if !matches!(state, RootState::Ready { .. }) {
                r.walking = false;
            }
            r.state = Some(state);
        }
    }

    pub(super) fn entries_listed(
        &mut self,
        browser: u64,
        root: usize,
        entries: Vec<ArtifactEntry>,
    ) -> Vec<Effect> {
        if browser != self.artifacts.browser {
            return Vec::new();
        }
        let was_empty = self.artifacts.rows.len() <= self.artifacts.roots.len();
        self.artifacts.insert(root, entries);
        self.artifacts.refresh_rows();
        if self.artifacts.focus.is_some() {
            return self.focus_artifact();
        }
        // The first entries of the run's folder: preview what the cursor lands on.
        if was_empty && self.artifacts.preview.is_none() {
            return self.preview_current();
        }
        Vec::new()
    }

    pub(super) fn walk_done(&mut self, browser: u64, root: usize, error: Option<String>) {
        if browser != self.artifacts.browser {
            return;
        }
        if let Some(r) = self.artifacts.roots.get_mut(root) {
            r.walking = false;
            r.error = error;
        }
    }

    pub(super) fn preview_loaded(
        &mut self,
        browser: u64,
        root: usize,
        path: String,
        result: Result<Preview, String>,
    ) {
        let v = &mut self.artifacts;
        if browser != v.browser {
            return;
        }
        if let Some(slot) = v.preview.as_mut() {
            if slot.root == root && slot.path == path {
                slot.content = match result {
                    Ok(p) => Loadable::Ready(p),
                    Err(e) => Loadable::Failed(e),
                };
            }
        }
    }

    /// Puts the cursor on the path waiting in `focus` when it has been listed (opening the
    /// folders above it) and previews it.
    pub(super) fn focus_artifact(&mut self) -> Vec<Effect> {
        let v = &mut self.artifacts;
        let Some(path) = v.focus.clone() else {
            return Vec::new();
        };
        let Some(&node) = v.by_path.get(&(0, path)) else {
            return Vec::new();
        };
        v.focus = None;
        let mut up = v.nodes[node].parent;
        while let Some(p) = up {
            v.nodes[p].expanded = true;
            up = v.nodes[p].parent;
        }
        v.refresh_rows();
        if let Some(pos) = v.rows.iter().position(|&r| r == node) {
            v.cursor = pos;
        }
        self.preview_current()
    }

    /// Asks for the preview of the file under the cursor (a folder needs none).
    fn preview_current(&mut self) -> Vec<Effect> {
        let v = &mut self.artifacts;
        let Some(node) = v.current().cloned() else {
            return Vec::new();
        };
        if node.is_dir || node.link.is_some() {
            v.preview = None;
            return Vec::new();
        }
        if v.preview
            .as_ref()
            .is_some_and(|p| p.root == node.root && p.path == node.path)
        {
            return Vec::new();
        }
        v.preview_seq += 1;
        v.pager_scroll = 0;
        v.pager_hscroll = 0;
        v.preview = Some(PreviewSlot {
            root: node.root,
            path: node.path.clone(),
            content: Loadable::Loading,
        });
        vec![Effect::Fetch(FetchRequest::Preview {
            browser: v.browser,
            root: node.root,
            owner: v.roots[node.root].owner.clone(),
            path: node.path,
            seq: v.preview_seq,
        })]
    }

    pub(super) fn update_artifacts(&mut self, action: Action, page: usize) -> Vec<Effect> {
        let len = self.artifacts.rows.len();
        let v = &mut self.artifacts;
        match action {
            a if a.is_row_move() => v.cursor = move_cursor(v.cursor, len, action, page),
            Action::Open | Action::Right => {
                let Some(&i) = v.rows.get(v.cursor) else {
                    return Vec::new();
                };
                let node = &v.nodes[i];
                if node.is_dir {
                    if action == Action::Open || !node.expanded {
                        v.nodes[i].expanded = !(node.expanded && action == Action::Open);
                        v.refresh_rows();
                    } else if let Some(&first) = node.children.first() {
                        v.cursor = v.rows.iter().position(|&r| r == first).unwrap_or(v.cursor);
                    }
                } else if action == Action::Open {
                    if let Some(link) = &node.link {
                        self.message = Some(Message {
                            text: format!(
                                "{} is a symbolic link to {link}, outside the artifact folder: \
                                 not followed",
                                node.path
                            ),
                            error: true,
                        });
                        return Vec::new();
                    }
                    let effects = self.preview_current();
                    self.stack.push(Screen::File);
                    return effects;
                }
            }
            Action::Left => {
                let Some(&i) = v.rows.get(v.cursor) else {
                    return Vec::new();
                };
                if v.nodes[i].is_dir && v.nodes[i].expanded {
                    v.nodes[i].expanded = false;
                    v.refresh_rows();
                } else if let Some(p) = v.nodes[i].parent {
                    v.cursor = v.rows.iter().position(|&r| r == p).unwrap_or(v.cursor);
                }
            }
            Action::Save => return self.start_save(),
            Action::Back => {
                self.back();
                return Vec::new();
            }
            _ => {}
        }
        self.preview_current()
    }

    pub(super) fn update_file(&mut self, action: Action, page: usize) -> Vec<Effect> {
        let lines = self
            .artifacts
            .preview
            .as_ref()
            .and_then(|p| p.content.ready())
            .map_or(0, |p| p.lines().len());
        let v = &mut self.artifacts;
        let clamp = |n: usize| n.min(lines.saturating_sub(page));
        match action {
            Action::Up => v.pager_scroll = v.pager_scroll.saturating_sub(1),
            Action::Down => v.pager_scroll = clamp(v.pager_scroll + 1),
            Action::PageUp => v.pager_scroll = v.pager_scroll.saturating_sub(page),
            Action::PageDown => v.pager_scroll = clamp(v.pager_scroll + page),
            Action::Top => v.pager_scroll = 0,
            Action::Bottom => v.pager_scroll = clamp(usize::MAX / 2),
            Action::Left => v.pager_hscroll = v.pager_hscroll.saturating_sub(8),
            Action::Right => v.pager_hscroll += 8,
            Action::Save => return self.start_save(),
            Action::Back => self.back(),
            _ => {}
        }
        Vec::new()
    }

    /// `w`: asks where to save the file under the cursor (the current folder by default).
    fn start_save(&mut self) -> Vec<Effect> {
        let Some(node) = self.artifacts.current().cloned() else {
            return Vec::new();
        };
        if node.is_dir || node.link.is_some() {
            self.message = Some(Message {
                text: "put the cursor on a file to save it".into(),
                error: true,
            });
            return Vec::new();
        }
        let name = if node.name.is_empty() {
            "artifact".to_string()
        } else {
            node.name.clone()
        };
        self.prompt = Some(Prompt::new(
            PromptKind::SaveArtifact,
            self.export_dir.join(name).display().to_string(),
        ));
        Vec::new()
    }

    /// The save prompt was submitted with `text`.
    pub(super) fn submit_save(&mut self, text: &str) -> Vec<Effect> {
        let dest = PathBuf::from(text.trim());
        let Some(node) = self.artifacts.current().cloned() else {
            return Vec::new();
        };
        if dest.as_os_str().is_empty() {
            self.message = Some(Message {
                text: "save cancelled: no file name".into(),
                error: true,
            });
            return Vec::new();
        }
        self.message = Some(Message {
            text: format!("saving {}…", node.path),
            error: false,
        });
        vec![Effect::Fetch(FetchRequest::Save {
            owner: self.artifacts.roots[node.root].owner.clone(),
            path: node.path,
            dest,
        })]
    }
}

/// `[model] <name> · m-1234abcd`.
pub fn model_label(m: &LoggedModel) -> String {
    let short: String = m.model_id.chars().take(10).collect();
    format!("[model] {} · {short}", m.name)
}
