//! The Models screen (registered models, or prompts with Tab: sortable, `/`-filterable) and
//! the versions of one model (Enter on a version opens its source run). The registry is
//! loaded in the background the first time it is needed.

use super::{App, Effect, Message, Screen, move_cursor};
use crate::store::registry::{ModelVersion, RegisteredModel, Registry};
use crate::tui::action::Action;
use crate::tui::fetch::FetchRequest;

/// Something loaded in the background.
#[derive(Debug, Clone, Default)]
pub enum Loadable<T> {
    #[default]
    NotAsked,
    Loading,
    Ready(T),
    Failed(String),
}

impl<T> Loadable<T> {
    pub fn ready(&self) -> Option<&T> {
        match self {
            Loadable::Ready(t) => Some(t),
            _ => None,
        }
    }
}

/// Sort orders of the model list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ModelSort {
    #[default]
    Name,
    Updated,
    Versions,
}

impl ModelSort {
    pub fn label(self) -> &'static str {
        match self {
            ModelSort::Name => "name",
            ModelSort::Updated => "last update",
            ModelSort::Versions => "versions",
        }
    }

    fn next(self) -> Self {
        match self {
            ModelSort::Name => ModelSort::Updated,
            ModelSort::Updated => ModelSort::Versions,
            ModelSort::Versions => ModelSort::Name,
        }
    }
}

/// State of the registry screens.
#[derive(Debug, Default)]
pub struct ModelsView {
    pub registry: Loadable<Registry>,
    /// Prompts instead of models.
    pub prompts: bool,
    /// Indices into `registry.models`, as shown.
    pub rows: Vec<usize>,
    pub cursor: usize,
    pub sort: ModelSort,
    pub filter: String,
    /// The model whose versions are shown.
    pub model: String,
    /// Indices into `registry.versions` of `model`, highest version first.
    pub versions: Vec<usize>,
    pub version_cursor: usize,
}

impl ModelsView {
    pub fn registry(&self) -> Option<&Registry> {
        self.registry.ready()
    }

    /// The model under the cursor.
    pub fn current(&self) -> Option<&RegisteredModel> {
        let i = *self.rows.get(self.cursor)?;
        self.registry()?.models.get(i)
    }

    /// The version under the cursor.
    pub fn current_version(&self) -> Option<&ModelVersion> {
        let i = *self.versions.get(self.version_cursor)?;
        self.registry()?.versions.get(i)
    }
}

impl App {
    /// The registry, asked for once.
    pub(super) fn want_registry(&mut self) -> Vec<Effect> {
        match self.models.registry {
            Loadable::NotAsked => {
                self.models.registry = Loadable::Loading;
                vec![Effect::Fetch(FetchRequest::Registry)]
            }
            _ => Vec::new(),
        }
    }

    /// Opens the Models screen.
    pub(super) fn open_models(&mut self) -> Vec<Effect> {
        self.stack.push(Screen::Models);
        self.refresh_models();
        self.want_registry()
    }

    /// The registry arrived (or failed).
    pub(super) fn registry_loaded(&mut self, result: Result<Registry, String>) {
        match result {
            Ok(reg) => {
                if let Some(w) = reg.warnings.first() {
                    self.message = Some(Message {
                        text: format!(
                            "{} warning(s) in the registry; first: {w}",
                            reg.warnings.len()
                        ),
                        error: true,
                    });
                }
                self.models.registry = Loadable::Ready(reg);
            }
            Err(e) => {
                self.message = Some(Message {
                    text: format!("reading the model registry failed: {e}"),
                    error: true,
                });
                self.models.registry = Loadable::Failed(e);
            }
        }
        self.refresh_models();
        if self.stack.contains(&Screen::Versions) {
            let name = self.models.model.clone();
            self.show_versions(&name);
        }
    }

    /// Recomputes the shown models, keeping the cursor on the same one.
    pub fn refresh_models(&mut self) {
        let v = &mut self.models;
        let Some(reg) = v.registry.ready() else {
            v.rows.clear();
            return;
        };
        let current = v.rows.get(v.cursor).map(|&i| reg.models[i].name.clone());
        let needle = v.filter.to_lowercase();
        let mut rows: Vec<usize> = (0..reg.models.len())
            .filter(|&i| reg.models[i].is_prompt() == v.prompts)
            .filter(|&i| {
                let m = &reg.models[i];
                needle.is_empty()
                    || m.name.to_lowercase().contains(&needle)
                    || m.aliases.keys().any(|a| a.to_lowercase().contains(&needle))
                    || m.tags.iter().any(|(k, val)| {
                        k.to_lowercase().contains(&needle) || val.to_lowercase().contains(&needle)
                    })
                    || m.description
                        .as_deref()
                        .is_some_and(|d| d.to_lowercase().contains(&needle))
            })
            .collect();
        let counts: Vec<usize> = reg
            .models
            .iter()
            .map(|m| reg.versions_of(&m.name).len())
            .collect();
        rows.sort_by(|&a, &b| {
            let (ma, mb) = (&reg.models[a], &reg.models[b]);
            match v.sort {
                ModelSort::Name => std::cmp::Ordering::Equal,
                ModelSort::Updated => mb.last_updated_timestamp.cmp(&ma.last_updated_timestamp),
                ModelSort::Versions => counts[b].cmp(&counts[a]),
            }
            .then_with(|| ma.name.cmp(&mb.name))
        });
        v.cursor = current
            .and_then(|n| rows.iter().position(|&i| reg.models[i].name == n))
            .unwrap_or(v.cursor)
            .min(rows.len().saturating_sub(1));
        v.rows = rows;
    }

    /// Shows the versions of `name`, highest first.
    fn show_versions(&mut self, name: &str) {
        let v = &mut self.models;
        v.model = name.to_string();
        let Some(reg) = v.registry.ready() else {
            v.versions.clear();
            return;
        };
        let mut idx: Vec<usize> = (0..reg.versions.len())
            .filter(|&i| reg.versions[i].name == name)
            .collect();
        // (One pass over every version: done once per Enter, not per frame.)
        idx.sort_by_key(|&i| std::cmp::Reverse(reg.versions[i].number()));
        v.versions = idx;
        v.version_cursor = v.version_cursor.min(v.versions.len().saturating_sub(1));
    }

    pub(super) fn update_models(&mut self, action: Action, page: usize) -> Vec<Effect> {
        let len = self.models.rows.len();
        match action {
            a if a.is_row_move() => {
                self.models.cursor = move_cursor(self.models.cursor, len, action, page);
            }
            Action::Open => {
                if let Some(name) = self.models.current().map(|m| m.name.clone()) {
                    self.models.version_cursor = 0;
                    self.show_versions(&name);
                    self.stack.push(Screen::Versions);
                }
            }
            Action::TogglePrompts => {
                self.models.prompts = !self.models.prompts;
                self.models.cursor = 0;
                self.refresh_models();
            }
            Action::SortCycle => {
                self.models.sort = self.models.sort.next();
                self.refresh_models();
            }
            Action::Filter => self.start_filter(),
            Action::Back => {
                if !self.models.filter.is_empty() {
                    self.models.filter.clear();
                    self.refresh_models();
                } else {
                    self.back();
                }
            }
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn update_versions(&mut self, action: Action, page: usize) -> Vec<Effect> {
        let len = self.models.versions.len();
        match action {
            a if a.is_row_move() => {
                self.models.version_cursor =
                    move_cursor(self.models.version_cursor, len, action, page);
            }
            Action::Open => return self.open_version_run(),
            Action::OpenModel => return self.open_version_model(),
            Action::Back => self.back(),
            _ => {}
        }
        Vec::new()
    }

    /// Enter on a version: its source run's detail (or why there is none).
    fn open_version_run(&mut self) -> Vec<Effect> {
        let Some(v) = self.models.current_version().cloned() else {
            return Vec::new();
        };
        let Some(run_id) = v.run_id.clone().filter(|r| !r.is_empty()) else {
            if v.logged_model_id().is_some() {
                return self.open_version_model();
            }
            self.message = Some(Message {
                text: format!("version {} of {} has no source run", v.version, v.name),
                error: true,
            });
            return Vec::new();
        };
        match self.index.run(&run_id) {
            Some(_) => self.open_run_detail(run_id),
            None if !self.load.done => {
                self.message = Some(Message {
                    text: format!("run {run_id} is not loaded yet: try again in a moment"),
                    error: true,
                });
                Vec::new()
            }
            None => {
                self.message = Some(Message {
                    text: format!(
                        "version {} of {}: its source run {run_id} is not in this store \
                         (deleted for good, or in another store)",
                        v.version, v.name
                    ),
                    error: true,
                });
                Vec::new()
            }
        }
    }

    /// `m` on a version: the logged model it was registered from.
    fn open_version_model(&mut self) -> Vec<Effect> {
        let Some(v) = self.models.current_version().cloned() else {
            return Vec::new();
        };
        match v.logged_model_id() {
            Some(id) => self.open_model_by_id(&id),
            None => {
                self.message = Some(Message {
                    text: format!(
                        "version {} of {} was registered from a run's files ({}), not from a \
                         logged model",
                        v.version,
                        v.name,
                        v.source.as_deref().unwrap_or("-")
                    ),
                    error: true,
                });
                Vec::new()
            }
        }
    }
}

impl App {
    /// The table of a models, versions, logged models, model or artifacts screen, as shown.
    pub(super) fn catalog_table(&self) -> crate::export::Table {
        use crate::export::{Table, models};
        match self.screen() {
            Screen::Models => match self.models.registry() {
                Some(reg) => {
                    let shown: Vec<&RegisteredModel> =
                        self.models.rows.iter().map(|&i| &reg.models[i]).collect();
                    models::registered_models_table(reg, &shown)
                }
                None => Table::default(),
            },
            Screen::Versions => match self.models.registry() {
                Some(reg) => {
                    let shown: Vec<&ModelVersion> = self
                        .models
                        .versions
                        .iter()
                        .map(|&i| &reg.versions[i])
                        .collect();
                    models::versions_table(&shown)
                }
                None => Table::default(),
            },
            Screen::LoggedModels => {
                let shown: Vec<_> = self
                    .logged
                    .rows
                    .iter()
                    .map(|&i| &self.logged.models[i])
                    .collect();
                models::logged_models_table(&shown)
            }
            Screen::ModelDetail => match self
                .logged
                .detail
                .as_deref()
                .and_then(|id| self.logged.model(id))
            {
                Some(m) => {
                    let run = super::logged_models::as_run(m, None);
                    crate::index::compare::Comparison::new(&[&run], self.now_ms).table(false)
                }
                None => Table::default(),
            },
            Screen::Artifacts | Screen::File => {
                let v = &self.artifacts;
                let entries: Vec<crate::store::artifacts::ArtifactEntry> = v
                    .nodes
                    .iter()
                    .filter(|n| n.parent.is_some())
                    .map(|n| crate::store::artifacts::ArtifactEntry {
                        path: format!("{}/{}", v.roots[n.root].label, n.path),
                        is_dir: n.is_dir,
                        file_size: n.size,
                        link: n.link.clone(),
                    })
                    .collect();
                models::artifacts_table(&entries)
            }
            _ => Table::default(),
        }
    }
}

impl App {
    /// `r` (refresh) on a models, logged models or run screen: read what it shows again.
    pub(super) fn refresh_catalog(&mut self) -> Vec<Effect> {
        match self.screen() {
            Screen::Models | Screen::Versions => {
                self.models.registry = Loadable::NotAsked;
                self.want_registry()
            }
            Screen::LoggedModels | Screen::ModelDetail => {
                let ids = self.logged.experiment_ids.clone();
                for id in &ids {
                    self.logged.cache.remove(id);
                }
                self.want_logged(&ids)
            }
            Screen::Detail => {
                let id = self.detail.run_id.clone();
                self.models.registry = Loadable::NotAsked;
                let mut effects = self.want_registry();
                self.logged.run_links.remove(&id);
                effects.extend(self.want_run_links(&id));
                effects.extend(self.want_run_files(&id, true));
                effects
            }
            _ => Vec::new(),
        }
    }
}

impl App {
    /// What `y` copies on a models, versions, logged models or artifacts screen: a model's
    /// name, a version's `models:/name/version` URI, a logged model's `models:/m-…` URI, an
    /// artifact's full URI.
    pub(super) fn catalog_copy(&self) -> Option<(String, &'static str)> {
        match self.screen() {
            Screen::Models => self
                .models
                .current()
                .map(|m| (m.name.clone(), "model name")),
            Screen::Versions => self
                .models
                .current_version()
                .map(|v| (format!("models:/{}/{}", v.name, v.version), "model URI")),
            Screen::LoggedModels => self
                .logged
                .current()
                .map(|m| (format!("models:/{}", m.model_id), "model URI")),
            Screen::ModelDetail => self
                .logged
                .detail
                .as_ref()
                .map(|id| (format!("models:/{id}"), "model URI")),
            Screen::Artifacts | Screen::File => {
                let v = &self.artifacts;
                let node = match self.screen() {
                    Screen::File => v.preview.as_ref().and_then(|p| {
                        v.nodes
                            .iter()
                            .find(|n| n.root == p.root && n.path == p.path)
                    }),
                    _ => v.current(),
                }?;
                let base = v.roots.get(node.root)?.owner.uri.trim_end_matches('/');
                let uri = if node.path.is_empty() {
                    base.to_string()
                } else {
                    format!("{base}/{}", node.path)
                };
                Some((uri, "artifact URI"))
            }
            _ => None,
        }
    }
}
