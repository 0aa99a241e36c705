//! Application state and its update function: actions and load events change state and
//! return effects; nothing here draws or touches the terminal.

mod activity;
mod aggs;
mod artifacts;
mod chart;
mod columns;
mod compare;
mod complete;
mod copy;
mod detail;
mod detail_models;
mod edit;
mod experiments;
mod groups;
mod idle;
mod logged_models;
mod models;
mod mouse;
mod picker;
mod pins;
mod prompt;
mod run_models;
mod runs;
mod settings;
mod sweep;
mod views;

use std::cell::Cell;
use std::collections::HashMap;
use std::path::PathBuf;

use crate::export::{Format, Table};
use crate::index::{Direction, RunIndex};
use crate::store::{ExperimentList, RunBatch};

use super::action::Action;
use super::fetch::{FetchRequest, Fetched};
use super::keymap::{Context, Key, Keymap};

pub use activity::{ActivityLine, ActivityView, Alert, AlertKind, last_activity as activity_last};
pub use mouse::{Click, Mouse, MouseKind, Rect, Target};
pub use settings::Settings;
pub use views::{ViewMemory, ViewsMenu};

pub use aggs::AggState;
pub use artifacts::{ArtifactsView, Node, PreviewSlot, Root, model_label};
pub use chart::{ChartFocus, ChartView, Curve, DrawStamp, GRID_MAX, History, key_group};
pub use compare::{CmpLine, CompareView, section_title};
pub use complete::Completion;
pub use copy::{CopyItem, CopyMenu};
pub use detail::{DetailItem, DetailView, ItemKind, Pager};
pub use edit::LineEdit;
pub use experiments::{ExpSort, ExperimentsView};
pub use groups::{CellAgg, GroupCol, GroupRow, GroupView};
pub use logged_models::{LoggedView, column_label};
pub use models::{Loadable, ModelSort, ModelsView};
pub use picker::Picker;
pub use prompt::{Prompt, PromptKind};
pub use runs::{ColumnState, RunRow, RunsView};
pub use sweep::{ImportanceView, ParallelView, ScatterView, SweepPrompt};

/// The screens, stacked: `q` and Esc go back to the one below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Experiments,
    Runs,
    Detail,
    Compare,
    Chart,
    Scatter,
    Parallel,
    Importance,
    /// Registered models (or prompts).
    Models,
    /// Versions of one registered model.
    Versions,
    /// Logged models of experiments.
    LoggedModels,
    /// One logged model.
    ModelDetail,
    /// The artifact browser.
    Artifacts,
    /// One artifact file, full screen.
    File,
    /// Running and recent runs of every experiment, and alerts.
    Activity,
}

/// Progress of the background load.
#[derive(Debug, Default, Clone)]
pub struct LoadState {
    pub experiments_loaded: bool,
    pub runs_loaded: usize,
    pub done: bool,
    pub error: Option<String>,
    /// Runs in the index when the open views were last recomputed during the first load.
    refreshed_at_runs: usize,
    /// Batches arrived since then whose runs the open views do not show yet.
    deferred: bool,
}

impl LoadState {
    /// Whether a batch that brought the index to `runs` runs should be shown at once while
    /// the first load goes on. Views are recomputed when the index has grown by half since
    /// they last were (and always for the first rows), so loading n runs in any number of
    /// batches sorts O(n) runs in all rather than once per batch; the rest waits for the
    /// next such step or for the end of the load.
    fn show_now(&mut self, runs: usize, table_empty: bool) -> bool {
        let due = table_empty || runs >= self.refreshed_at_runs.saturating_mul(3) / 2;
        if due {
            self.refreshed_at_runs = runs;
        }
        self.deferred |= !due;
        due
    }
}

/// What the loader thread reports.
#[derive(Debug)]
pub enum LoadEvent {
    Experiments(ExperimentList),
    Runs(RunBatch),
    /// The first, full load finished.
    Done,
    /// The first load failed.
    Failed(String),
    /// A refresh (live, or asked for with `r`) finished at `at` (epoch ms), or failed.
    Refreshed {
        at: i64,
        error: Option<String>,
        /// It looked at everything, as `r` asks (not a timed or watcher's refresh).
        asked: bool,
    },
    /// The load or refresh under way has had no news from the store for `secs` seconds.
    Stalled {
        secs: u64,
    },
    /// How the store is followed from now on: watched (a change is seen at once) or polled
    /// every interval; `note` says why a local store is polled when it could not be watched.
    Following {
        watching: bool,
        note: Option<String>,
    },
}

/// Live refresh: following the store while training runs write to it.
#[derive(Debug, Default, Clone)]
pub struct Live {
    /// Refresh interval in seconds; `None` when live refresh is off.
    pub interval: Option<f64>,
    /// A watcher sees the store's changes as they happen (the interval is only a safety
    /// net).
    pub watching: bool,
    pub paused: bool,
    pub last: Option<i64>,
    pub error: Option<String>,
    /// A refresh asked for with `r` is under way.
    pub refreshing: bool,
}

/// Work the runtime must do for the app.
#[derive(Debug)]
pub enum Effect {
    Quit,
    Export {
        table: Table,
        format: Format,
        path: PathBuf,
    },
    /// Load metric histories in the background; answer with `App::on_history`.
    LoadHistories {
        run_ids: Vec<String>,
        key: String,
        /// A step range, for a zoomed chart of a store that samples histories.
        steps: Option<(i64, i64)>,
    },
    /// Pause or resume live refresh.
    SetPaused(bool),
    /// Refresh from the store now.
    Refresh,
    /// Put text on the terminal's clipboard (OSC 52).
    Copy(String),
    /// Tell the user outside the terminal UI (bell or desktop notification).
    Notify {
        title: String,
        body: String,
    },
    /// Stop the process until the shell continues it (Ctrl-Z).
    Suspend,
    /// Compute metric aggregates in the background; answer with `App::on_aggregates`.
    ComputeAggregates(crate::tui::aggs::AggJob),
    /// Background work for models and artifacts; answer with `App::on_fetched`.
    Fetch(FetchRequest),
}

/// A line for the status bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

/// What the views recorded at the last draw: rows that fit (for paging) and scroll
/// offsets that keep the cursors visible.
#[derive(Debug, Default)]
pub struct Viewport {
    pub table_rows: Cell<usize>,
    pub exp_offset: Cell<usize>,
    pub runs_offset: Cell<usize>,
    pub runs_col_offset: Cell<usize>,
    pub cmp_offset: Cell<usize>,
    pub cmp_col_offset: Cell<usize>,
    /// Run columns of the compare screen that fit.
    pub cmp_cols: Cell<usize>,
    pub picker_offset: Cell<usize>,
    pub detail_offset: Cell<usize>,
    /// Rows of the legend that fit, and its first shown run.
    pub legend_rows: Cell<usize>,
    pub legend_offset: Cell<usize>,
    /// The last line the help overlay can scroll to.
    pub help_max: Cell<usize>,
    /// Lines the pager shows at once.
    pub pager_rows: Cell<usize>,
    /// The run lines of the parallel-coordinates chart as last drawn, with what they were
    /// drawn from (data generation, area, colour): a cursor move redraws only the
    /// highlighted line over them.
    pub parallel_lines: std::cell::RefCell<Option<ParallelLines>>,
    pub models_offset: Cell<usize>,
    pub versions_offset: Cell<usize>,
    pub logged_offset: Cell<usize>,
    pub logged_col_offset: Cell<usize>,
    pub tree_offset: Cell<usize>,
    pub activity_offset: Cell<usize>,
    /// Widths of the run table's columns as drawn: (index into the columns, width).
    pub col_widths: std::cell::RefCell<Vec<(usize, u16)>>,
    pub views_offset: Cell<usize>,
    /// Where things that take a click were drawn, last drawn on top.
    pub targets: std::cell::RefCell<Vec<(Rect, Target)>>,
}

/// The drawn run lines of parallel coordinates: `((data generation, area, colour), cells)`.
pub type ParallelLines = ((u64, ratatui::layout::Rect, bool), ratatui::buffer::Buffer);

/// All state of the terminal UI.
pub struct App {
    pub index: RunIndex,
    pub source: String,
    pub load: LoadState,
    pub stack: Vec<Screen>,
    pub experiments: ExperimentsView,
    pub runs: RunsView,
    /// The run detail shown, and those it was reached from (Enter on a parent or child).
    pub detail: DetailView,
    pub detail_back: Vec<DetailView>,
    /// A long value opened from the run detail.
    pub pager: Option<Pager>,
    pub copy_menu: Option<CopyMenu>,
    pub compare: CompareView,
    pub chart: ChartView,
    pub histories: std::collections::HashMap<(String, String), History>,
    /// Loaded histories whose runs changed since: reloaded, drawn until the new data comes.
    pub stale_histories: std::collections::HashSet<(String, String)>,
    pub live: Live,
    /// Better directions of metrics set by hand (`D`) for this session.
    pub directions: HashMap<String, Direction>,
    /// Recent search filters, oldest first.
    pub query_history: Vec<String>,
    pub prompt: Option<Prompt>,
    pub picker: Option<Picker>,
    pub help_scroll: Option<usize>,
    pub message: Option<Message>,
    pub now_ms: i64,
    pub spinner: usize,
    pub viewport: Viewport,
    pub export_dir: PathBuf,
    /// An experiment whose runs open as soon as the experiment list arrives (`-e`).
    pub open_on_load: Option<String>,
    /// Metric aggregates being computed in the background.
    pub aggs: AggState,
    /// Group mode of the run table.
    pub groups: Option<GroupView>,
    pub scatter: Option<ScatterView>,
    pub parallel: Option<ParallelView>,
    pub importance: Option<ImportanceView>,
    /// The next export of group mode writes one row per run (else per group).
    pub export_group_runs: bool,
    /// The registry screens.
    pub models: ModelsView,
    /// Logged models: per experiment, the table, and the model detail.
    pub logged: LoggedView,
    /// The artifact browser and what run details show about files.
    pub artifacts: ArtifactsView,
    pub settings: Settings,
    /// Remembered views of this source.
    pub views: ViewMemory,
    /// The list of named views, while open.
    pub views_menu: Option<ViewsMenu>,
    pub activity: ActivityView,
    /// The last click, to tell a double click.
    pub last_click: Option<Click>,
}

impl App {
    pub fn new(source: String, export_dir: PathBuf, now_ms: i64) -> Self {
        Self {
            index: RunIndex::default(),
            source,
            load: LoadState::default(),
            stack: vec![Screen::Experiments],
            experiments: ExperimentsView::default(),
            runs: RunsView::default(),
            detail: DetailView::default(),
            detail_back: Vec::new(),
            pager: None,
            copy_menu: None,
            compare: CompareView::default(),
            chart: ChartView::default(),
            histories: std::collections::HashMap::new(),
            stale_histories: std::collections::HashSet::new(),
            live: Live::default(),
            directions: HashMap::new(),
            query_history: Vec::new(),
            prompt: None,
            picker: None,
            help_scroll: None,
            message: None,
            now_ms,
            spinner: 0,
            viewport: Viewport::default(),
            export_dir,
            open_on_load: None,
            aggs: AggState::default(),
            groups: None,
            scatter: None,
            parallel: None,
            importance: None,
            export_group_runs: false,
            models: ModelsView::default(),
            logged: LoggedView::default(),
            artifacts: ArtifactsView::default(),
            settings: Settings::default(),
            views: ViewMemory::default(),
            views_menu: None,
            activity: ActivityView::default(),
            last_click: None,
        }
    }

    /// The key bindings in effect.
    pub fn keymap(&self) -> &Keymap {
        &self.settings.keymap
    }

    /// The better direction of a metric: set with `D` this session, else from the
    /// configured patterns, else from its name.
    pub fn direction(&self, key: &str) -> crate::index::Direction {
        self.directions
            .get(key)
            .copied()
            .unwrap_or_else(|| self.settings.directions.direction(key))
    }

    pub fn screen(&self) -> Screen {
        self.stack.last().copied().unwrap_or(Screen::Experiments)
    }

    /// The key context: overlays first, then the screen.
    pub fn context(&self) -> Context {
        if self.help_scroll.is_some() {
            Context::Help
        } else if self.prompt.is_some() {
            Context::Input
        } else if self.copy_menu.is_some() {
            Context::CopyMenu
        } else if self.pager.is_some() {
            Context::Pager
        } else if self.picker.is_some() {
            Context::Picker
        } else if self.views_menu.is_some() {
            Context::Views
        } else {
            self.screen_context()
        }
    }

    /// The key context of the screen under any overlay.
    pub fn screen_context(&self) -> Context {
        match self.screen() {
            Screen::Experiments => Context::Experiments,
            Screen::Runs if self.groups.is_some() => Context::Groups,
            Screen::Runs => Context::Runs,
            Screen::Detail => Context::Detail,
            Screen::Compare => Context::Compare,
            Screen::Chart => Context::Chart,
            Screen::Scatter => Context::Scatter,
            Screen::Parallel => Context::Parallel,
            Screen::Importance => Context::Importance,
            Screen::Models => Context::Models,
            Screen::Versions => Context::Versions,
            Screen::LoggedModels => Context::LoggedModels,
            Screen::ModelDetail => Context::ModelDetail,
            Screen::Artifacts => Context::Artifacts,
            Screen::File => Context::File,
            Screen::Activity => Context::Activity,
        }
    }

    /// Handles a key press; returns effects for the runtime.
    pub fn on_key(&mut self, key: Key) -> Vec<Effect> {
        match self.settings.keymap.lookup(self.context(), key) {
            Some(action) => self.update(action),
            None => Vec::new(),
        }
    }

    /// Applies an action; then asks for any metric aggregates the screens now show that
    /// some runs lack.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let mut effects = self.update_inner(action);
        effects.extend(self.ensure_aggregates());
        effects
    }

    fn update_inner(&mut self, action: Action) -> Vec<Effect> {
        if !action.is_edit() && action != Action::InputComplete {
            self.message = None;
        }
        self.note_view_change(action);
        match action {
            Action::Quit => return vec![Effect::Quit],
            Action::Suspend => return vec![Effect::Suspend],
            _ => {}
        }
        match self.context() {
            Context::Help => {
                let max = self.viewport.help_max.get();
                let page = self.viewport.table_rows.get().max(1);
                if let Some(s) = self.help_scroll.as_mut() {
                    match action {
                        Action::Back | Action::Help => self.help_scroll = None,
                        a if a.is_row_move() => *s = move_cursor(*s, max + 1, a, page),
                        _ => {}
                    }
                }
                Vec::new()
            }
            Context::Input => {
                let mut effects = self.update_prompt(action);
                if self.screen() == Screen::Chart {
                    effects.extend(self.request_histories());
                }
                effects
            }
            Context::CopyMenu => self.update_copy_menu(action),
            Context::Pager => self.update_pager(action),
            Context::Picker => {
                self.update_picker(action);
                Vec::new()
            }
            Context::Views => {
                self.update_views_menu(action);
                Vec::new()
            }
            _ => {
                let mut effects = self.update_screen(action);
                // However the run detail was reached (a run, a link, a model version), its
                // models, registered versions and files are asked for once.
                if self.screen() == Screen::Detail {
                    let id = self.detail.run_id.clone();
                    effects.extend(self.want_run_extras(&id));
                }
                effects
            }
        }
    }

    fn update_screen(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Leave => {
                if self.stack.len() <= 1 {
                    return vec![Effect::Quit];
                }
                self.back();
                return Vec::new();
            }
            Action::Refresh => {
                self.message = Some(Message {
                    text: "refreshing…".into(),
                    error: false,
                });
                self.live.refreshing = true;
                let mut effects = vec![Effect::Refresh];
                effects.extend(self.refresh_catalog());
                return effects;
            }
            Action::CopyId => return self.copy_id(),
            Action::CopyMenu => {
                self.open_copy_menu();
                return Vec::new();
            }
            Action::TogglePause => {
                if self.live.interval.is_none() {
                    self.message = Some(Message {
                        text: "live refresh is off (--refresh 0)".into(),
                        error: true,
                    });
                    return Vec::new();
                }
                self.live.paused = !self.live.paused;
                return vec![Effect::SetPaused(self.live.paused)];
            }
            Action::Help => {
                self.help_scroll = Some(0);
                return Vec::new();
            }
            Action::Export | Action::ExportRuns => {
                self.export_group_runs = action == Action::ExportRuns;
                self.start_export();
                return Vec::new();
            }
            Action::Scatter if self.stack.contains(&Screen::Runs) => return self.open_scatter(),
            Action::Parallel if self.stack.contains(&Screen::Runs) => return self.open_parallel(),
            Action::Importance if self.stack.contains(&Screen::Runs) => {
                return self.open_importance();
            }
            _ => {}
        }
        let page = self.viewport.table_rows.get().max(1);
        match self.screen() {
            Screen::Experiments => match action {
                Action::Models => return self.open_models(),
                Action::LoggedModels => return self.open_experiment_models(),
                _ => self.update_experiments(action, page),
            },
            Screen::Runs if action == Action::LoggedModels => {
                let ids = self.runs.experiment_ids.clone();
                let title = self.runs.title.clone();
                return self.open_logged(ids, title);
            }
            Screen::Runs if self.groups.is_some() => return self.update_groups(action, page),
            Screen::Detail if action == Action::Artifacts => {
                let id = self.detail.run_id.clone();
                return self.browse_run(&id);
            }
            Screen::Models => return self.update_models(action, page),
            Screen::Versions => return self.update_versions(action, page),
            Screen::LoggedModels => return self.update_logged(action, page),
            Screen::ModelDetail => return self.update_model_detail(action, page),
            Screen::Artifacts => return self.update_artifacts(action, page),
            Screen::File => return self.update_file(action, page),
            Screen::Runs => {
                if action == Action::GroupBy {
                    self.start_group_by();
                    return Vec::new();
                }
                if action == Action::Plot {
                    let mut ids: Vec<String> = self
                        .shown_runs()
                        .iter()
                        .filter(|r| self.runs.marks.contains(&r.run_id))
                        .map(|r| r.run_id.clone())
                        .collect();
                    if ids.is_empty() {
                        ids.extend(self.current_run_id());
                    }
                    return self.open_chart_from_table(ids);
                }
                self.update_runs(action, page);
            }
            Screen::Detail => return self.update_detail(action, page),
            Screen::Compare if action == Action::Open && self.compare.items.is_some() => {
                // Logged models: Enter on a row shows the model of the column.
                let on_row = {
                    let cmp = self.comparison();
                    self.compare_row(&cmp).is_some()
                };
                let id = self.compare.run_ids.get(self.compare.col_cursor).cloned();
                match id {
                    Some(id) if on_row => return self.open_model_by_id(&id),
                    _ => self.update_compare(action, page),
                }
            }
            Screen::Compare => {
                if action == Action::Plot && self.compare.items.is_some() {
                    self.message = Some(Message {
                        text: "charts show metric histories of runs, not of logged models".into(),
                        error: true,
                    });
                    return Vec::new();
                }
                if action == Action::Plot {
                    return self.open_chart(self.compare.run_ids.clone());
                }
                self.update_compare(action, page);
            }
            Screen::Chart => return self.update_chart(action, page),
            Screen::Scatter => return self.update_scatter(action),
            Screen::Parallel => return self.update_parallel(action, page),
            Screen::Importance => return self.update_importance(action, page),
            Screen::Activity => self.update_activity(action, page),
        }
        Vec::new()
    }

    /// Leaves the current screen (never the bottom one).
    pub fn back(&mut self) {
        if self.screen() == Screen::Chart && self.chart.from_table {
            self.runs.chart = Some(self.chart_setting());
        }
        if self.stack.len() > 1 && self.stack.pop() == Some(Screen::Detail) {
            if let Some(prev) = self.detail_back.pop() {
                self.detail = prev;
            }
        }
        if !self.stack.contains(&Screen::Detail) {
            self.detail_back.clear();
        }
        // A sweep screen left behind stops asking for its columns' aggregates.
        if !self.stack.contains(&Screen::Scatter) {
            self.scatter = None;
        }
        if !self.stack.contains(&Screen::Parallel) {
            self.parallel = None;
        }
        if !self.stack.contains(&Screen::Importance) {
            self.importance = None;
        }
    }

    /// Applies a loader event; returns effects (histories to reload for open charts,
    /// aggregates to compute for new or changed runs).
    pub fn on_load(&mut self, ev: LoadEvent) -> Vec<Effect> {
        let mut effects = self.on_load_inner(ev);
        effects.extend(self.ensure_aggregates());
        effects
    }

    /// Recomputes the open views that show runs after runs arrived; returns the histories
    /// an open chart needs.
    fn refresh_loaded_views(&mut self) -> Vec<Effect> {
        if self.stack.contains(&Screen::Runs) {
            self.refresh_runs();
        }
        if self.stack.contains(&Screen::Activity) {
            self.refresh_activity();
        }
        if self.screen() == Screen::Chart {
            return self.request_histories();
        }
        Vec::new()
    }

    fn on_load_inner(&mut self, ev: LoadEvent) -> Vec<Effect> {
        match ev {
            LoadEvent::Experiments(list) => {
                self.index.set_experiments(list.experiments);
                self.index.add_warnings(list.warnings);
                self.load.experiments_loaded = true;
                self.refresh_experiments();
                self.open_pending_experiment();
            }
            LoadEvent::Runs(batch) => {
                let mut effects = Vec::new();
                if self.load.done {
                    self.mark_stale_histories(&batch.runs);
                    self.aggregates_changed(&batch.runs);
                    effects = self.watch_runs(&batch.runs);
                } else {
                    self.load.runs_loaded += batch.runs.len();
                }
                self.index.add_batch(batch);
                self.refresh_experiments();
                let table_empty = self.runs.rows.is_empty();
                if self.load.done || self.load.show_now(self.index.runs().len(), table_empty) {
                    effects.extend(self.refresh_loaded_views());
                }
                return effects;
            }
            LoadEvent::Done => {
                self.load.done = true;
                let mut effects = Vec::new();
                if std::mem::take(&mut self.load.deferred) {
                    effects = self.refresh_loaded_views();
                }
                self.start_watching();
                self.live.last = Some(self.now_ms);
                let warnings = self.index.warning_count();
                if warnings > 0 {
                    let first = self
                        .index
                        .warnings()
                        .first()
                        .map(|w| w.to_string())
                        .unwrap_or_default();
                    self.message = Some(Message {
                        text: format!(
                            "{} {} while loading; first: {first}",
                            crate::store::thousands(warnings),
                            if warnings == 1 { "warning" } else { "warnings" }
                        ),
                        error: true,
                    });
                }
                return effects;
            }
            LoadEvent::Failed(e) => {
                self.load.done = true;
                if std::mem::take(&mut self.load.deferred) {
                    self.refresh_loaded_views();
                }
                self.message = Some(Message {
                    text: format!("load failed: {e}"),
                    error: true,
                });
                self.load.error = Some(e);
            }
            LoadEvent::Refreshed { at, error, asked } => {
                self.live.last = Some(at);
                let stalled = self.check_stalled(at);
                // A refresh that was under way when `r` was pressed is not the one asked for.
                let asked = asked && std::mem::take(&mut self.live.refreshing);
                if error.is_none() {
                    // A later refresh that works clears the error of an earlier load.
                    if let Some(e) = self.load.error.take() {
                        let failed = format!("load failed: {e}");
                        if self.message.as_ref().is_some_and(|m| m.text == failed) {
                            self.message = None;
                        }
                    }
                    if asked {
                        self.message = Some(Message {
                            text: format!("refreshed at {}", self.settings.time.clock(at)),
                            error: false,
                        });
                    }
                } else if asked {
                    self.message = Some(Message {
                        text: format!("refresh failed: {}", error.as_deref().unwrap_or_default()),
                        error: true,
                    });
                }
                self.live.error = error;
                return stalled;
            }
            LoadEvent::Following { watching, note } => {
                self.live.watching = watching;
                if let Some(note) = note {
                    // Said once, after whatever the load had to say.
                    self.message = Some(match self.message.take() {
                        Some(m) => Message {
                            text: format!("{}; {note}", m.text),
                            error: m.error,
                        },
                        None => Message {
                            text: note,
                            error: false,
                        },
                    });
                }
            }
            LoadEvent::Stalled { secs } => {
                // The header keeps it short; the status line says it in full.
                if self.load.done {
                    self.live.error = Some(format!("no answer for {secs} s (still waiting)"));
                }
                self.message = Some(Message {
                    text: format!(
                        "the store has not answered for {secs} s (a hung mount or server?); \
                         still waiting"
                    ),
                    error: true,
                });
            }
        }
        Vec::new()
    }

    /// Applies an answer of the background fetcher; returns follow-up work.
    pub fn on_fetched(&mut self, f: Fetched) -> Vec<Effect> {
        match f {
            Fetched::Registry(result) => self.registry_loaded(result),
            Fetched::LoggedModels {
                experiment_ids,
                result,
            } => {
                self.logged_loaded(experiment_ids.clone(), result);
                let mut effects = self.refresh_detail_files(&experiment_ids);
                effects.extend(self.browse_new_models());
                return effects;
            }
            Fetched::LoggedModel { id, result } => return self.single_model_loaded(id, result),
            Fetched::RunLinks { run_id, result } => return self.run_links_loaded(run_id, result),
            Fetched::Root {
                browser,
                root,
                state,
            } => self.root_located(browser, root, state),
            Fetched::Listed {
                browser,
                root,
                entries,
            } => {
                return self.entries_listed(browser, root, entries);
            }
            Fetched::Walked {
                browser,
                root,
                error,
            } => self.walk_done(browser, root, error),
            Fetched::Preview {
                browser,
                root,
                path,
                result,
            } => self.preview_loaded(browser, root, path, result),
            Fetched::Saved(result) => self.export_done(result),
            Fetched::RunFiles {
                run_id,
                seq,
                folders,
            } => self.run_files_loaded(run_id, seq, folders),
        }
        Vec::new()
    }

    /// `L` on the experiment list: logged models of the marked experiments, or of the one
    /// under the cursor.
    fn open_experiment_models(&mut self) -> Vec<Effect> {
        let exps = self.index.experiments();
        let mut ids: Vec<String> = exps
            .iter()
            .filter(|e| self.experiments.marks.contains(&e.experiment_id))
            .map(|e| e.experiment_id.clone())
            .collect();
        if ids.is_empty() {
            if let Some(&i) = self.experiments.rows.get(self.experiments.cursor) {
                ids.push(exps[i].experiment_id.clone());
            }
        }
        if ids.is_empty() {
            return Vec::new();
        }
        let names: Vec<String> = ids
            .iter()
            .filter_map(|id| self.index.experiment(id).map(|e| e.name.clone()))
            .collect();
        self.open_logged(ids, names.join(", "))
    }

    /// Charted histories of runs whose metrics changed become stale (reloaded, and drawn
    /// as they were until the new points arrive).
    fn mark_stale_histories(&mut self, runs: &[crate::model::Run]) {
        for run in runs {
            let Some(old) = self.index.run(&run.run_id) else {
                continue;
            };
            for (key, summary) in &run.metrics {
                let slot = (run.run_id.clone(), key.to_string());
                if old.metrics.get(key) != Some(summary)
                    && matches!(self.histories.get(&slot), Some(History::Loaded(_)))
                {
                    self.stale_histories.insert(slot);
                }
            }
        }
    }

    /// Records the outcome of an export effect.
    pub fn export_done(&mut self, result: Result<String, String>) {
        self.message = Some(match result {
            Ok(text) => Message { text, error: false },
            Err(text) => Message { text, error: true },
        });
    }

    pub fn tick(&mut self) {
        self.spinner = self.spinner.wrapping_add(1);
    }

    /// How often the screen needs redrawing with nothing happening: every second while
    /// running runs (whose durations tick) are on screen, every 30 s while times are shown
    /// as `3h ago`, else never.
    pub fn clock_interval(&self) -> Option<std::time::Duration> {
        use crate::model::RunStatus;
        let running = |id: &str| {
            self.index
                .run(id)
                .is_some_and(|r| r.status == RunStatus::Running)
        };
        let secs = match self.screen() {
            Screen::Runs => {
                let runs = self.index.runs();
                if self
                    .runs
                    .rows
                    .iter()
                    .any(|r| runs[r.run].status == RunStatus::Running)
                {
                    1
                } else {
                    30
                }
            }
            Screen::Detail if running(&self.detail.run_id) => 1,
            Screen::Compare if self.compare.run_ids.iter().any(|id| running(id)) => 1,
            Screen::Activity => 1,
            _ => return None,
        };
        Some(std::time::Duration::from_secs(secs))
    }
}

/// Moves a cursor within `len` rows.
pub(crate) fn move_cursor(cursor: usize, len: usize, action: Action, page: usize) -> usize {
    let last = len.saturating_sub(1);
    match action {
        Action::Up => cursor.saturating_sub(1),
        Action::Down => (cursor + 1).min(last),
        Action::PageUp => cursor.saturating_sub(page),
        Action::PageDown => (cursor + page).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        _ => cursor.min(last),
    }
}

#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod tests_activity;
#[cfg(test)]
mod tests_chart;
#[cfg(test)]
mod tests_compare_chart;
#[cfg(test)]
mod tests_daily;
#[cfg(test)]
pub(crate) mod tests_models;
#[cfg(test)]
mod tests_mouse;
#[cfg(test)]
pub(crate) mod tests_sweep;
#[cfg(test)]
mod tests_views;
