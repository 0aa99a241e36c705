//! Remembered and named views of the run table: taking the table's view (columns, sort,
//! filters, tree/flat, pins, hidden runs, chart options) as a `ViewState`, putting one
//! back, the last view of each table kept in the source's state file, and the list of
//! views saved under a name.

use std::collections::HashSet;
use std::path::PathBuf;

use super::{App, Message, Screen, move_cursor};
use crate::chart::XMode;
use crate::config::state::{
    self, ChartSetting, ColumnSetting, Save, SortSetting, StateFile, ViewState,
};
use crate::index::{Column, SortKey};
use crate::tui::action::Action;
use crate::tui::keymap::Context;

/// What is remembered for this source, and where it is written.
#[derive(Debug, Default)]
pub struct ViewMemory {
    /// The state file; `None`: nothing is written (no home directory, tests).
    pub path: Option<PathBuf>,
    pub file: StateFile,
    /// The text last handed to the saver.
    pub written: String,
    /// The file on disk could not be read: keep it aside when first replacing it.
    pub keep_old: bool,
    /// The file is a newer mltui's: never replace it.
    pub read_only: bool,
    /// The open table was changed by the user since it was opened (only then is its view
    /// remembered).
    pub touched: bool,
    /// Something in `file` changed since it was last handed to the saver.
    pub dirty: bool,
}

/// The list of named views (`v`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ViewsMenu {
    pub cursor: usize,
}

fn x_name(x: XMode) -> &'static str {
    match x {
        XMode::Step => "step",
        XMode::Time => "time",
        XMode::Relative => "relative",
    }
}

fn x_mode(s: &str) -> XMode {
    match s {
        "time" => XMode::Time,
        "relative" => XMode::Relative,
        _ => XMode::Step,
    }
}

impl App {
    /// Reads the state file of this source (at `path`). A file that cannot be used is
    /// reported once in the status line and left alone until something is saved.
    pub fn load_views(&mut self, path: Option<PathBuf>, source_id: &str) {
        self.views = ViewMemory {
            file: StateFile::new(source_id),
            ..ViewMemory::default()
        };
        let Some(path) = path else {
            return;
        };
        match state::read(&path) {
            Ok(Some(file)) => {
                self.views.written = file.to_json();
                self.views.file = StateFile {
                    source: source_id.to_string(),
                    ..file
                };
            }
            Ok(None) => self.views.written = self.views.file.to_json(),
            Err(e) => {
                self.views.keep_old = !e.keep_file();
                self.views.read_only = e.keep_file();
                self.message = Some(Message {
                    text: format!("remembered views {e}"),
                    error: true,
                });
            }
        }
        self.views.path = Some(path);
    }

    /// The run table's view as it is now.
    pub fn view_snapshot(&self) -> ViewState {
        let v = &self.runs;
        ViewState {
            columns: v
                .columns
                .iter()
                .map(|c| ColumnSetting {
                    name: c.column.name().into_owned(),
                    visible: c.visible,
                    pinned: c.pinned,
                    width: c.width,
                })
                .collect(),
            sort: v
                .sort
                .iter()
                .map(|k| SortSetting {
                    column: k.column.name().into_owned(),
                    descending: k.descending,
                })
                .collect(),
            filter: v.filter.clone(),
            query: v.query.as_ref().map(|(t, _)| t.clone()),
            flat: v.flat,
            group_by: self.groups.as_ref().map(|g| g.by_text()),
            group_agg: self
                .groups
                .as_ref()
                .and_then(|g| g.default_agg)
                .map(|a| a.label().to_string()),
            group_aggs: self
                .groups
                .iter()
                .flat_map(|g| &g.aggs)
                .map(|(c, a)| (c.name().into_owned(), a.label().to_string()))
                .collect(),
            diff_only: v.diff_only,
            show_deleted: v.show_deleted,
            pins: v.pins.clone(),
            hidden: {
                let mut h: Vec<String> = v.hidden.iter().cloned().collect();
                h.sort();
                h
            },
            show_hidden: v.show_hidden,
            chart: v.chart.clone(),
            updated: self.now_ms,
        }
    }

    /// Puts a view on the run table (columns it names that no run has yet wait for one).
    pub fn apply_view(&mut self, view: &ViewState) {
        let v = &mut self.runs;
        let mut seen = HashSet::new();
        v.columns = view
            .columns
            .iter()
            .filter_map(|c| {
                let column = Column::parse(&c.name)?;
                seen.insert(column.clone()).then(|| super::ColumnState {
                    column,
                    visible: c.visible,
                    pinned: c.pinned,
                    width: c.width.map(|w| w.clamp(3, 200)),
                })
            })
            .collect();
        v.sort = view
            .sort
            .iter()
            .filter_map(|k| {
                let column = Column::parse(&k.column)?;
                Some(if k.descending {
                    SortKey::desc(column)
                } else {
                    SortKey::asc(column)
                })
            })
            .collect();
        v.filter = view.filter.clone();
        v.query = view.query.as_ref().and_then(|q| {
            let f = crate::index::parse_filter(q).ok()?;
            (!f.is_match_all()).then(|| (q.clone(), f))
        });
        v.flat = view.flat;
        v.diff_only = view.diff_only;
        v.show_deleted = view.show_deleted;
        v.pins = view.pins.clone();
        v.hidden = view.hidden.iter().cloned().collect();
        v.show_hidden = view.show_hidden;
        v.chart = view.chart.clone();
        v.col_cursor = 0;
        v.cursor = 0;
        self.viewport.runs_offset.set(0);
        self.viewport.runs_col_offset.set(0);
        self.apply_group_view(view);
    }

    /// Anything but moving, on the run table or what it opened over itself, may change
    /// its view: from then on the table is remembered.
    pub(super) fn note_view_change(&mut self, action: Action) {
        let moves = action.is_row_move()
            || matches!(
                action,
                Action::Left
                    | Action::Right
                    | Action::FirstColumn
                    | Action::LastColumn
                    | Action::Help
                    | Action::Refresh
                    | Action::CopyId
                    | Action::TogglePause
            );
        let on_table = match self.context() {
            Context::Runs | Context::Groups | Context::Picker | Context::Views => true,
            Context::Input => self.screen() == Screen::Runs,
            Context::Chart => self.chart.from_table,
            _ => false,
        };
        if on_table && !moves {
            self.views.touched = true;
        }
    }

    /// Puts the remembered view of the table just opened back (see `open_runs`).
    pub(super) fn restore_view(&mut self) {
        self.views.touched = false;
        let key = StateFile::table_key(&self.runs.experiment_ids);
        if let Some(view) = self.views.file.tables.get(&key).cloned() {
            self.apply_view(&view);
        }
    }

    /// Brings the remembered view of the open table up to date and returns the file to
    /// write when it changed (the event loop hands it to the saver thread).
    pub fn sync_views(&mut self) -> Option<Save> {
        if self.stack.contains(&Screen::Chart) && self.chart.from_table {
            self.runs.chart = Some(self.chart_setting());
        }
        if self.stack.contains(&Screen::Runs) && !self.runs.experiment_ids.is_empty() {
            let key = StateFile::table_key(&self.runs.experiment_ids);
            let known = self.views.file.tables.get(&key);
            if self.views.touched || known.is_some() {
                let now = self.view_snapshot();
                if known.is_none_or(|k| !k.same_as(&now)) {
                    self.views.file.put_table(key, now);
                    self.views.dirty = true;
                }
            }
        }
        // Only a change is serialised (a file may hold hundreds of tables).
        if !std::mem::take(&mut self.views.dirty) || self.views.read_only {
            return None;
        }
        let path = self.views.path.clone()?;
        let text = self.views.file.to_json();
        if text == self.views.written {
            return None;
        }
        self.views.written = text.clone();
        let keep_old = std::mem::take(&mut self.views.keep_old);
        Some(Save {
            path,
            text,
            keep_old,
        })
    }

    /// The chart's options as remembered with the table.
    pub(super) fn chart_setting(&self) -> ChartSetting {
        let c = &self.chart;
        ChartSetting {
            metric: c.current_key().cloned(),
            pinned: c.pinned.clone(),
            grid: c.grid,
            x: x_name(c.opts.x_mode).into(),
            smoothing: c.opts.smoothing,
            log_y: c.opts.log_y,
            outliers: c.opts.clip_outliers,
        }
    }

    /// Opens charts from the run table with the table's remembered chart options.
    pub(super) fn open_chart_from_table(&mut self, ids: Vec<String>) -> Vec<super::Effect> {
        let ids: Vec<String> = ids
            .into_iter()
            .filter(|id| self.runs.show_hidden || !self.runs.hidden.contains(id))
            .collect();
        let mut effects = self.open_chart(ids);
        if self.screen() != Screen::Chart {
            return effects;
        }
        self.chart.from_table = true;
        if let Some(s) = self.runs.chart.clone() {
            let c = &mut self.chart;
            c.opts.x_mode = x_mode(&s.x);
            c.opts.smoothing = s.smoothing.clamp(0.0, 0.99);
            c.opts.log_y = s.log_y;
            c.opts.clip_outliers = s.outliers;
            c.grid = s.grid;
            c.pinned = s
                .pinned
                .iter()
                .filter(|k| c.keys.contains(k))
                .cloned()
                .collect();
            if let Some(pos) = s
                .metric
                .as_ref()
                .and_then(|m| c.shown_keys().iter().position(|k| *k == m))
            {
                c.key_cursor = pos;
            }
            effects = self.request_histories();
        }
        effects
    }

    // Named views.

    /// The names of saved views, sorted.
    pub fn view_names(&self) -> Vec<String> {
        self.views.file.named.keys().cloned().collect()
    }

    pub(super) fn open_views_menu(&mut self) {
        self.views_menu = Some(ViewsMenu::default());
    }

    pub(super) fn update_views_menu(&mut self, action: Action) {
        let names = self.view_names();
        let Some(menu) = self.views_menu.as_mut() else {
            return;
        };
        match action {
            a if a.is_row_move() => {
                menu.cursor = move_cursor(menu.cursor, names.len(), a, 10);
            }
            Action::Back => self.views_menu = None,
            Action::Open => {
                let Some(name) = names.get(menu.cursor).cloned() else {
                    return;
                };
                self.views_menu = None;
                if let Some(view) = self.views.file.named.get(&name).cloned() {
                    self.apply_view(&view);
                    self.views.touched = true;
                    self.refresh_runs();
                    self.message = Some(Message {
                        text: format!("view \"{name}\" opened"),
                        error: false,
                    });
                }
            }
            Action::SaveView => {
                self.views_menu = None;
                self.prompt = Some(super::Prompt::new(super::PromptKind::ViewName, ""));
            }
            Action::DeleteView => {
                let Some(name) = names.get(menu.cursor).cloned() else {
                    return;
                };
                self.views.file.named.remove(&name);
                self.views.dirty = true;
                menu.cursor = menu.cursor.min(names.len().saturating_sub(2));
                self.message = Some(Message {
                    text: format!("view \"{name}\" deleted"),
                    error: false,
                });
            }
            _ => {}
        }
    }

    /// Saves the table's view under `name` (replacing a view of that name).
    pub(super) fn save_named_view(&mut self, name: &str) {
        let name = name.trim();
        if name.is_empty() {
            self.message = Some(Message {
                text: "not saved: the view needs a name".into(),
                error: true,
            });
            return;
        }
        let mut view = self.view_snapshot();
        // Pins and hidden runs belong to this table; a named view is used on others too,
        // so they go with it only as ids (which match nothing elsewhere).
        view.updated = self.now_ms;
        let replaced = self
            .views
            .file
            .named
            .insert(name.to_string(), view)
            .is_some();
        self.views.dirty = true;
        let list = self.settings.keymap.label(Context::Runs, Action::Views);
        self.message = Some(Message {
            text: format!(
                "view \"{name}\" {} ({list} lists views; mltui runs --saved-view exports it)",
                if replaced { "replaced" } else { "saved" }
            ),
            error: false,
        });
    }
}
