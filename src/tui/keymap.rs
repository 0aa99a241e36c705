//! The one table of key bindings per context. Key handling, the help screen and the footer
//! are all generated from it, so they cannot drift apart.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
pub use super::keymap_config::{ActionKeys, Keymap, check_keys};

/// Where keys are being interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Experiments,
    Runs,
    Detail,
    Compare,
    Chart,
    Picker,
    Input,
    Help,
    /// A long value opened from the run detail.
    Pager,
    /// The menu of things to copy (`Y`).
    CopyMenu,
    /// Running and recent runs across experiments, and alerts.
    Activity,
    /// The list of named views.
    Views,
    /// The run table in group mode.
    Groups,
    Scatter,
    Parallel,
    Importance,
    Models,
    Versions,
    LoggedModels,
    ModelDetail,
    Artifacts,
    /// One artifact file, full screen.
    File,
}

impl Context {
    pub const ALL: [Context; 22] = [
        Context::Experiments,
        Context::Runs,
        Context::Detail,
        Context::Compare,
        Context::Chart,
        Context::Picker,
        Context::Input,
        Context::Help,
        Context::Pager,
        Context::CopyMenu,
        Context::Activity,
        Context::Views,
        Context::Groups,
        Context::Scatter,
        Context::Parallel,
        Context::Importance,
        Context::Models,
        Context::Versions,
        Context::LoggedModels,
        Context::ModelDetail,
        Context::Artifacts,
        Context::File,
    ];

    /// The name of the screen in messages (`[keys.SCREEN]` for most).
    pub fn name(self) -> &'static str {
        match self {
            Context::Experiments => "experiments",
            Context::Runs => "runs",
            Context::Detail => "detail",
            Context::Compare => "compare",
            Context::Chart => "chart",
            Context::Picker => "picker",
            Context::Input => "prompt",
            Context::Help => "help",
            Context::Pager => "pager",
            Context::CopyMenu => "copy",
            Context::Activity => "activity",
            Context::Views => "views",
            Context::Groups => "groups",
            Context::Scatter => "scatter",
            Context::Parallel => "parallel",
            Context::Importance => "importance",
            Context::Models => "models",
            Context::Versions => "versions",
            Context::LoggedModels => "logged-models",
            Context::ModelDetail => "model",
            Context::Artifacts => "artifacts",
            Context::File => "file",
        }
    }
}

/// A key as written in the keymap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    Ch(char),
    Ctrl(char),
    Alt(char),
    Up,
    Down,
    Left,
    Right,
    AltLeft,
    AltRight,
    PageUp,
    PageDown,
    Home,
    End,
    Enter,
    Esc,
    Tab,
    Backspace,
    AltBackspace,
    Delete,
}

impl Key {
    /// Normalises a terminal key event (SHIFT is folded into the character).
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let alt = ev.modifiers.contains(KeyModifiers::ALT);
        Some(match ev.code {
            KeyCode::Char(c) if ctrl => Key::Ctrl(c.to_ascii_lowercase()),
            KeyCode::Char(c) if alt => Key::Alt(c),
            KeyCode::Char(c) => Key::Ch(c),
            KeyCode::Up => Key::Up,
            KeyCode::Down => Key::Down,
            KeyCode::Left if alt || ctrl => Key::AltLeft,
            KeyCode::Right if alt || ctrl => Key::AltRight,
            KeyCode::Left => Key::Left,
            KeyCode::Right => Key::Right,
            KeyCode::PageUp => Key::PageUp,
            KeyCode::PageDown => Key::PageDown,
            KeyCode::Home => Key::Home,
            KeyCode::End => Key::End,
            KeyCode::Enter => Key::Enter,
            KeyCode::Esc => Key::Esc,
            KeyCode::Tab | KeyCode::BackTab => Key::Tab,
            KeyCode::Backspace if alt || ctrl => Key::AltBackspace,
            KeyCode::Backspace => Key::Backspace,
            KeyCode::Delete => Key::Delete,
            _ => return None,
        })
    }

    pub fn label(self) -> String {
        match self {
            Key::Ch(' ') => "Space".into(),
            Key::Ch(c) => c.to_string(),
            Key::Ctrl(c) => format!("Ctrl-{c}"),
            Key::Alt(c) => format!("Alt-{c}"),
            Key::Up => "↑".into(),
            Key::Down => "↓".into(),
            Key::Left => "←".into(),
            Key::Right => "→".into(),
            Key::AltLeft => "Alt-←".into(),
            Key::AltRight => "Alt-→".into(),
            Key::PageUp => "PgUp".into(),
            Key::PageDown => "PgDn".into(),
            Key::Home => "Home".into(),
            Key::End => "End".into(),
            Key::Enter => "Enter".into(),
            Key::Esc => "Esc".into(),
            Key::Tab => "Tab".into(),
            Key::Backspace => "Bksp".into(),
            Key::AltBackspace => "Alt-Bksp".into(),
            Key::Delete => "Del".into(),
        }
    }
}

/// One binding: keys, the action, a help text, and a short footer label if it belongs there.
#[derive(Debug)]
pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    pub help: &'static str,
    pub footer: Option<&'static str>,
}

const fn b(
    keys: &'static [Key],
    action: Action,
    help: &'static str,
    footer: Option<&'static str>,
) -> Binding {
    Binding {
        keys,
        action,
        help,
        footer,
    }
}

use Action as A;
use Key as K;

#[rustfmt::skip]
const NAV: &[Binding] = &[
    b(&[K::Up, K::Ch('k')], A::Up, "move up", None),
    b(&[K::Down, K::Ch('j')], A::Down, "move down", None),
    b(&[K::PageUp, K::Ctrl('u'), K::Ctrl('b')], A::PageUp, "page up", None),
    b(&[K::PageDown, K::Ctrl('d'), K::Ctrl('f')], A::PageDown, "page down", None),
    b(&[K::Ch('g'), K::Home], A::Top, "first row", None),
    b(&[K::Ch('G'), K::End], A::Bottom, "last row", None),
];

/// Moving up and down (the run table's own first/last keys follow in `TABLE_ENDS`).
#[rustfmt::skip]
const NAV_ROWS: &[Binding] = &[
    b(&[K::Up, K::Ch('k')], A::Up, "move up", None),
    b(&[K::Down, K::Ch('j')], A::Down, "move down", None),
    b(&[K::PageUp, K::Ctrl('u'), K::Ctrl('b')], A::PageUp, "page up", None),
    b(&[K::PageDown, K::Ctrl('d'), K::Ctrl('f')], A::PageDown, "page down", None),
];

/// First and last row of the run table, where `g` groups: `[keys.runs]` changes these, so
/// that `[keys.global] top = "g"` does not take `g` from group mode.
#[rustfmt::skip]
const TABLE_ENDS: &[Binding] = &[
    b(&[K::Home], A::Top, "first row", None),
    b(&[K::Ch('G'), K::End], A::Bottom, "last row", None),
];

/// The sweep screens, from the run table and group mode.
#[rustfmt::skip]
const SWEEP: &[Binding] = &[
    b(&[K::Ch('X')], A::Scatter, "scatter: one dot per run (x, y, colour columns)", Some("scatter")),
    b(&[K::Ch('|')], A::Parallel, "parallel coordinates of the varying params and the metric", None),
    b(&[K::Ch('I')], A::Importance, "parameter importance for the metric (sort key or column)", None),
];

#[rustfmt::skip]
const GLOBAL: &[Binding] = &[
    b(&[K::Ch('?')], A::Help, "show this help", Some("help")),
    b(&[K::Esc], A::Back, "back (or clear the filter first)", None),
    b(&[K::Ch('r')], A::Refresh, "refresh from the store now", None),
    b(&[K::Ch('P')], A::TogglePause, "pause / resume live refresh", None),
];

/// Keys that work on every screen and overlay (prompts cancel on Ctrl-C instead).
#[rustfmt::skip]
const ANYWHERE: &[Binding] = &[
    b(&[K::Ctrl('z')], A::Suspend, "suspend to the shell (fg resumes)", None),
    b(&[K::Ctrl('c')], A::Quit, "quit (from anywhere; in a prompt: cancel it)", None),
];

/// `q` on the first screen.
#[rustfmt::skip]
const LEAVE_QUIT: &[Binding] = &[
    b(&[K::Ch('q')], A::Leave, "quit", Some("quit")),
];

/// `q` everywhere else.
#[rustfmt::skip]
const LEAVE_BACK: &[Binding] = &[
    b(&[K::Ch('q')], A::Leave, "back one screen (quits on the experiment list)", Some("back")),
];

#[rustfmt::skip]
const EXPERIMENTS: &[Binding] = &[
    b(&[K::Enter, K::Ch('l'), K::Right], A::Open, "open the runs of the experiment (or of all marked ones)", Some("open")),
    b(&[K::Ch(' ')], A::ToggleMark, "mark / unmark (open several experiments together)", Some("mark")),
    b(&[K::Ch('M')], A::Models, "registered models and prompts (the model registry)", Some("models")),
    b(&[K::Ch('L')], A::LoggedModels, "logged models of the experiment (or of all marked ones)", Some("logged")),
    b(&[K::Ch('/')], A::Filter, "filter by name", Some("filter")),
    b(&[K::Ch('s')], A::SortCycle, "sort: last activity, name, id, runs", Some("sort")),
    b(&[K::Ch('d')], A::ToggleDeleted, "show / hide deleted experiments", None),
    b(&[K::Ch('a')], A::MarkAll, "mark all shown", None),
    b(&[K::Ch('u')], A::ClearMarks, "clear marks", None),
    b(&[K::Ch('y')], A::CopyId, "copy the experiment id (OSC 52 clipboard)", None),
    b(&[K::Ch('A')], A::Activity, "activity: running, stalled and recent runs of every experiment, alerts", Some("activity")),
];

#[rustfmt::skip]
const RUNS: &[Binding] = &[
    b(&[K::Enter], A::Open, "run detail", Some("detail")),
    b(&[K::Left, K::Ch('h')], A::Left, "previous column", None),
    b(&[K::Right, K::Ch('l')], A::Right, "next column", None),
    b(&[K::Ch('0'), K::Ch('^')], A::FirstColumn, "first column", None),
    b(&[K::Ch('$')], A::LastColumn, "last column", None),
    b(&[K::Ch(' ')], A::ToggleMark, "mark / unmark run", Some("mark")),
    b(&[K::Ch('a')], A::MarkAll, "mark all shown runs", None),
    b(&[K::Ch('u')], A::ClearMarks, "clear marks", None),
    b(&[K::Ch('c')], A::Compare, "compare marked runs", Some("compare")),
    b(&[K::Ch('p')], A::Plot, "chart metrics of the marked runs (or the run under the cursor)", Some("plot")),
    b(&[K::Ch('y')], A::CopyId, "copy the run id (OSC 52 clipboard, works over SSH)", Some("copy id")),
    b(&[K::Ch('Y')], A::CopyMenu, "copy…: run name, artifact URI, row as CSV, cell", None),
    b(&[K::Ch('/')], A::Filter, "quick filter: any shown cell, param or tag value", Some("filter")),
    b(&[K::Ch('f')], A::Query, "MLflow search filter (metrics.acc > 0.9 and params.opt = 'adam'; OR, parentheses)", Some("query")),
    b(&[K::Ch('s')], A::SortCycle, "sort by column: ascending, descending, off", Some("sort")),
    b(&[K::Ch('[')], A::SortAsc, "sort ascending by column", None),
    b(&[K::Ch(']')], A::SortDesc, "sort descending by column", None),
    b(&[K::Ch('S')], A::AddSortKey, "add column as secondary sort key (again: flip, again: remove)", None),
    b(&[K::Ch('o')], A::ClearSort, "original order (start time, newest first)", None),
    b(&[K::Ch('C')], A::Columns, "column picker: show, hide, reorder, pin", Some("columns")),
    b(&[K::Ch('-')], A::HideColumn, "hide column", None),
    b(&[K::Ch('x')], A::ToggleDiff, "hide params/metrics equal across shown runs", Some("diff")),
    b(&[K::Ch('D')], A::SetDirection, "better direction of the metric: higher, lower, unknown", None),
    b(&[K::Ch('d')], A::ToggleDeleted, "show / hide deleted runs", None),
    b(&[K::Ch('t')], A::ToggleTree, "nested runs as a tree / flat", None),
    b(&[K::Tab, K::Ch('z')], A::ToggleFold, "fold / unfold children of a parent run", None),
    b(&[K::Ch('!')], A::PinRun, "pin / unpin the run (or the marked runs) at the top of the table", None),
    b(&[K::Ch('H')], A::HideRun, "hide / unhide the run (or the marked runs) in the table and charts", None),
    b(&[K::Ch('.')], A::ToggleHidden, "show / leave out hidden runs", None),
    b(&[K::Ch('<')], A::ColumnNarrower, "make the column narrower", None),
    b(&[K::Ch('>')], A::ColumnWider, "make the column wider", None),
    b(&[K::Ch('=')], A::ColumnAutoWidth, "automatic width for every column", None),
    b(&[K::Ch('e')], A::Export, "export the table as shown (CSV/JSON/Markdown)", Some("export")),
    b(&[K::Ch('g')], A::GroupBy, "group runs by columns (params, tags, attributes): mean ± std per group", Some("group")),
    b(&[K::Ch('L')], A::LoggedModels, "logged models of these experiments", None),
    b(&[K::Ch('v')], A::Views, "named views: save this view, open or delete one", Some("views")),
];
#[rustfmt::skip]
const GROUPS: &[Binding] = &[
    b(&[K::Enter, K::Tab, K::Ch('z')], A::ToggleFold, "unfold / fold the group's runs (Enter on a run: its detail)", Some("unfold")),
    b(&[K::Left, K::Ch('h')], A::Left, "previous column", None),
    b(&[K::Right, K::Ch('l')], A::Right, "next column", None),
    b(&[K::Ch('0'), K::Ch('^')], A::FirstColumn, "first column", None),
    b(&[K::Ch('$')], A::LastColumn, "last column", None),
    b(&[K::Ch(' ')], A::ToggleMark, "mark / unmark the group's runs (or the run)", Some("mark")),
    b(&[K::Ch('a')], A::MarkAll, "mark all shown runs", None),
    b(&[K::Ch('u')], A::ClearMarks, "clear marks", None),
    b(&[K::Ch('A')], A::CycleAgg, "aggregate of this column: mean ± std, mean, std, min, max, median", Some("agg")),
    b(&[K::Ch('=')], A::AggForAll, "use this column's aggregate for every metric column", None),
    b(&[K::Ch('s')], A::SortCycle, "sort groups by column: ascending, descending, off", Some("sort")),
    b(&[K::Ch('[')], A::SortAsc, "sort groups ascending by column", None),
    b(&[K::Ch(']')], A::SortDesc, "sort groups descending by column", None),
    b(&[K::Ch('g')], A::GroupBy, "change the group-by columns (empty: leave group mode)", Some("group by")),
    b(&[K::Ch('f')], A::Query, "search filter of the runs grouped (metrics.val/loss:min < 0.3 ...)", None),
    b(&[K::Ch('/')], A::Filter, "quick filter of the runs grouped", None),
    b(&[K::Ch('C')], A::Columns, "column picker (aggregate columns: type val/loss:)", None),
    b(&[K::Ch('c')], A::Compare, "compare the runs of the marked groups (or of the group)", Some("compare")),
    b(&[K::Ch('p')], A::Plot, "chart each group's mean with a band (marked groups, else all)", Some("plot")),
    b(&[K::Ch('e')], A::Export, "export one row per group (CSV/JSON/Markdown)", Some("export")),
    b(&[K::Ch('E')], A::ExportRuns, "export one row per run with its group's aggregates", None),
    b(&[K::Ch('v')], A::Views, "named views: save this view (with its grouping), open or delete one", None),
];

#[rustfmt::skip]
const SCATTER: &[Binding] = &[
    b(&[K::Left, K::Ch('h')], A::Left, "cursor to the next point left", None),
    b(&[K::Right, K::Ch('l')], A::Right, "cursor to the next point right", None),
    b(&[K::Up, K::Ch('k')], A::Up, "cursor to the next point up", None),
    b(&[K::Down, K::Ch('j')], A::Down, "cursor to the next point down", None),
    b(&[K::Home], A::Top, "leftmost point", None),
    b(&[K::End], A::Bottom, "rightmost point", None),
    b(&[K::Enter], A::Open, "run detail of the point under the cursor", Some("open")),
    b(&[K::Ch('x')], A::NextX, "next column on x", Some("x")),
    b(&[K::Ch('y')], A::NextY, "next column on y", Some("y")),
    b(&[K::Ch('c')], A::NextColor, "next colour column (or none)", Some("colour")),
    b(&[K::Ch('X')], A::SetX, "type the x column (any aggregate: metrics.val/loss:min)", None),
    b(&[K::Ch('Y')], A::SetY, "type the y column", None),
    b(&[K::Ch('C')], A::SetColor, "type the colour column", None),
    b(&[K::Ch('w')], A::SwapAxes, "swap x and y", None),
    b(&[K::Ch('e')], A::Export, "export the points (run, x, y, colour)", Some("export")),
];

#[rustfmt::skip]
const PARALLEL: &[Binding] = &[
    b(&[K::Left, K::Ch('h')], A::Left, "previous axis", None),
    b(&[K::Right, K::Ch('l')], A::Right, "next axis", None),
    b(&[K::Enter], A::Open, "run detail of the highlighted run", Some("open")),
    b(&[K::Ch('a')], A::AddAxis, "add an axis after this one (a column)", Some("add axis")),
    b(&[K::Ch('-')], A::HideColumn, "remove this axis", None),
    b(&[K::Ch('<')], A::PickerMoveUp, "move this axis left", None),
    b(&[K::Ch('>')], A::PickerMoveDown, "move this axis right", None),
    b(&[K::Ch('L')], A::ToggleLogY, "log / linear scale of this axis", Some("log")),
    b(&[K::Ch('c')], A::SetColor, "colour by a column (default: the last metric axis)", Some("colour")),
    b(&[K::Ch('e')], A::Export, "export the runs' values on the axes", Some("export")),
];

#[rustfmt::skip]
const IMPORTANCE: &[Binding] = &[
    b(&[K::Enter], A::Open, "scatter of this param against the target", Some("scatter")),
    b(&[K::Ch('t')], A::SetTarget, "target metric (any aggregate: metrics.val/acc:max)", Some("target")),
    b(&[K::Ch('o')], A::FlipGoal, "the better end: higher / lower", Some("goal")),
    b(&[K::Ch('e')], A::Export, "export the table", Some("export")),
];

#[rustfmt::skip]
const DETAIL: &[Binding] = &[
    b(&[K::Enter], A::Open, "read the whole value (pager), or go to the parent/child run", Some("open")),
    b(&[K::Ch('y')], A::CopyId, "copy the run id (OSC 52 clipboard)", Some("copy id")),
    b(&[K::Ch('Y')], A::CopyMenu, "copy…: value under the cursor, run name, artifact URI", None),
    b(&[K::Ch('a')], A::Artifacts, "browse the run's artifacts and the models it logged", Some("artifacts")),
    b(&[K::Ch('e')], A::Export, "export this run's keys and values", Some("export")),
];

#[rustfmt::skip]
const MODELS: &[Binding] = &[
    b(&[K::Enter, K::Ch('l'), K::Right], A::Open, "versions of the model", Some("versions")),
    b(&[K::Tab], A::TogglePrompts, "registered models / prompts", Some("prompts")),
    b(&[K::Ch('/')], A::Filter, "filter by name, alias, tag or description", Some("filter")),
    b(&[K::Ch('s')], A::SortCycle, "sort: name, last update, versions", Some("sort")),
    b(&[K::Ch('y')], A::CopyId, "copy the model's name (OSC 52 clipboard)", None),
    b(&[K::Ch('e')], A::Export, "export the table as shown", None),
];

#[rustfmt::skip]
const VERSIONS: &[Binding] = &[
    b(&[K::Enter], A::Open, "the version's source run (its detail)", Some("source run")),
    b(&[K::Ch('m')], A::OpenModel, "the logged model the version was registered from", Some("model")),
    b(&[K::Ch('y')], A::CopyId, "copy the version's URI, models:/NAME/VERSION (OSC 52 clipboard)", Some("copy URI")),
    b(&[K::Ch('e')], A::Export, "export the table as shown", None),
];

#[rustfmt::skip]
const LOGGED: &[Binding] = &[
    b(&[K::Enter], A::Open, "the model: params, metrics, versions, files", Some("detail")),
    b(&[K::Left, K::Ch('h')], A::Left, "previous column", None),
    b(&[K::Right, K::Ch('l')], A::Right, "next column", None),
    b(&[K::Ch('0'), K::Ch('^')], A::FirstColumn, "first column", None),
    b(&[K::Ch('$')], A::LastColumn, "last column", None),
    b(&[K::Ch(' ')], A::ToggleMark, "mark / unmark model", Some("mark")),
    b(&[K::Ch('a')], A::MarkAll, "mark all shown models", None),
    b(&[K::Ch('u')], A::ClearMarks, "clear marks", None),
    b(&[K::Ch('c')], A::Compare, "compare marked models side by side", Some("compare")),
    b(&[K::Ch('/')], A::Filter, "quick filter by text", Some("filter")),
    b(&[K::Ch('s')], A::SortCycle, "sort by column: ascending, descending, off", Some("sort")),
    b(&[K::Ch('[')], A::SortAsc, "sort ascending by column", None),
    b(&[K::Ch(']')], A::SortDesc, "sort descending by column", None),
    b(&[K::Ch('o')], A::ClearSort, "original order (newest first)", None),
    b(&[K::Ch('y')], A::CopyId, "copy the model's URI, models:/m-… (OSC 52 clipboard)", None),
    b(&[K::Ch('e')], A::Export, "export the table as shown", None),
];

#[rustfmt::skip]
const MODEL_DETAIL: &[Binding] = &[
    b(&[K::Ch('a')], A::Artifacts, "browse the model's files (MLmodel, environment, weights)", Some("artifacts")),
    b(&[K::Ch('y')], A::CopyId, "copy the model's URI, models:/m-… (OSC 52 clipboard)", None),
    b(&[K::Ch('e')], A::Export, "export this model's keys and values", None),
];

#[rustfmt::skip]
const ARTIFACTS: &[Binding] = &[
    b(&[K::Enter], A::Open, "open / close a folder; a file full screen", Some("open")),
    b(&[K::Right, K::Ch('l')], A::Right, "open a folder (again: into it)", None),
    b(&[K::Left, K::Ch('h')], A::Left, "close a folder (again: up to its parent)", None),
    b(&[K::Ch('w')], A::Save, "save the file under the cursor (asks where; default: the current folder)", Some("save")),
    b(&[K::Ch('y')], A::CopyId, "copy the artifact's URI (OSC 52 clipboard)", None),
    b(&[K::Ch('e')], A::Export, "export the listing", None),
];

#[rustfmt::skip]
const FILE_NAV: &[Binding] = &[
    b(&[K::Up, K::Ch('k')], A::Up, "scroll up", None),
    b(&[K::Down, K::Ch('j')], A::Down, "scroll down", None),
    b(&[K::PageUp, K::Ctrl('u'), K::Ctrl('b'), K::Ch('b')], A::PageUp, "page up", None),
    b(&[K::PageDown, K::Ctrl('d'), K::Ctrl('f'), K::Ch(' ')], A::PageDown, "page down", Some("page")),
    b(&[K::Ch('g'), K::Home], A::Top, "top", None),
    b(&[K::Ch('G'), K::End], A::Bottom, "bottom", None),
];

#[rustfmt::skip]
const FILE: &[Binding] = &[
    b(&[K::Left, K::Ch('h')], A::Left, "scroll left", None),
    b(&[K::Right, K::Ch('l')], A::Right, "scroll right", None),
    b(&[K::Ch('w')], A::Save, "save this file (asks where)", Some("save")),
    b(&[K::Ch('y')], A::CopyId, "copy the file's URI (OSC 52 clipboard)", None),
];

#[rustfmt::skip]
const COMPARE: &[Binding] = &[
    b(&[K::Left, K::Ch('h')], A::Left, "previous run column", None),
    b(&[K::Right, K::Ch('l')], A::Right, "next run column", None),
    b(&[K::Ch('H')], A::PageLeft, "previous page of runs", None),
    b(&[K::Ch('L')], A::PageRight, "next page of runs", None),
    b(&[K::Ch('0'), K::Ch('^')], A::FirstColumn, "first run", None),
    b(&[K::Ch('$')], A::LastColumn, "last run", None),
    b(&[K::Ch('x')], A::ToggleDiff, "show only rows that differ", Some("diff")),
    b(&[K::Ch('b')], A::SetBaseline, "pin the run under the cursor as baseline (deltas)", Some("baseline")),
    b(&[K::Ch('D')], A::SetDirection, "better direction of the metric: higher, lower, unknown", None),
    b(&[K::Ch('/')], A::Filter, "filter rows by key", Some("filter")),
    b(&[K::Tab, K::Ch('z')], A::ToggleFold, "fold / unfold the section (attributes, params, metrics, tags)", None),
    b(&[K::Enter], A::Open, "run detail of the run under the cursor", None),
    b(&[K::Ch('y')], A::CopyId, "copy the run id of the column (OSC 52 clipboard)", Some("copy id")),
    b(&[K::Ch('Y')], A::CopyMenu, "copy…: value under the cursor, run name, artifact URI, row as CSV", None),
    b(&[K::Ch('p')], A::Plot, "chart metrics of the compared runs", Some("plot")),
    b(&[K::Ch('e')], A::Export, "export the comparison as shown (with deltas)", Some("export")),
];

#[rustfmt::skip]
const CHART: &[Binding] = &[
    b(&[K::Tab], A::SwitchFocus, "move between the metric list and the legend", Some("legend")),
    b(&[K::Ch(' ')], A::ToggleItem, "metric list: pin the metric into the grid; legend: hide / show the run", Some("pin/hide")),
    b(&[K::Ch('i')], A::Isolate, "legend: show only this run (again: all)", None),
    b(&[K::Ch('/')], A::Filter, "search metric keys", Some("search")),
    b(&[K::Ch('m')], A::ToggleGrid, "one chart / grid (pinned metrics, else the metric's group)", Some("grid")),
    b(&[K::Ch('x')], A::CycleXAxis, "x axis: step, wall time, relative time", Some("x-axis")),
    b(&[K::Ch('y')], A::ToggleLogY, "linear / log y axis", Some("log-y")),
    b(&[K::Ch('+'), K::Ch('=')], A::SmoothMore, "more smoothing (EMA)", Some("smooth")),
    b(&[K::Ch('-')], A::SmoothLess, "less smoothing", None),
    b(&[K::Ch('o')], A::ToggleOutliers, "ignore outliers (5th–95th percentile y range)", None),
    b(&[K::Ch('b')], A::ToggleBand, "grouped curves: band min–max / mean ± std", None),
    b(&[K::Left, K::Ch('h')], A::Left, "move the value cursor left", None),
    b(&[K::Right, K::Ch('l')], A::Right, "move the value cursor right", None),
    b(&[K::Ch('z')], A::ZoomIn, "zoom in on x around the cursor", Some("zoom")),
    b(&[K::Ch('Z')], A::ZoomOut, "zoom out", None),
    b(&[K::Ch('H')], A::PanLeft, "pan left", None),
    b(&[K::Ch('L')], A::PanRight, "pan right", None),
    b(&[K::Ch('0')], A::ResetZoom, "reset zoom and cursor", None),
    b(&[K::Ch('e')], A::Export, "export the shown points (CSV/JSON/Markdown)", Some("export")),
];

#[rustfmt::skip]
const ACTIVITY: &[Binding] = &[
    b(&[K::Enter, K::Ch('l'), K::Right], A::Open, "go to the run (its experiment's table, then its detail)", Some("go to run")),
    b(&[K::Ch('y')], A::CopyId, "copy the run id (OSC 52 clipboard)", None),
    b(&[K::Ch('X')], A::ClearAlerts, "clear the alerts", Some("clear alerts")),
    b(&[K::Ch('e')], A::Export, "export the list (CSV/JSON/Markdown)", None),
];

#[rustfmt::skip]
const VIEWS: &[Binding] = &[
    b(&[K::Up, K::Ch('k')], A::Up, "previous", None),
    b(&[K::Down, K::Ch('j')], A::Down, "next", None),
    b(&[K::Enter], A::Open, "open the view on this table", Some("open")),
    b(&[K::Ch('s'), K::Ch('n')], A::SaveView, "save the table as it is now under a name (a taken name is replaced)", Some("save")),
    b(&[K::Ch('d'), K::Delete], A::DeleteView, "delete the view", Some("delete")),
    b(&[K::Esc, K::Ch('q')], A::Back, "close", Some("close")),
];

#[rustfmt::skip]
const PICKER: &[Binding] = &[
    b(&[K::Up], A::Up, "move up", None),
    b(&[K::Down], A::Down, "move down", None),
    b(&[K::PageUp], A::PageUp, "page up", None),
    b(&[K::PageDown], A::PageDown, "page down", None),
    b(&[K::Ch(' ')], A::PickerToggle, "show / hide column", Some("toggle")),
    b(&[K::Ch('<')], A::PickerMoveUp, "move column left", Some("move")),
    b(&[K::Ch('>')], A::PickerMoveDown, "move column right", None),
    b(&[K::Ch('!')], A::PickerPin, "pin / unpin column (stays at the left)", Some("pin")),
    b(&[K::Ch('+')], A::PickerShowAll, "show all matching columns", None),
    b(&[K::Ch('*')], A::PickerHideAll, "hide all matching columns", None),
    b(&[K::Enter, K::Esc], A::Back, "close", Some("close")),
];

/// Line editing, shared by prompts and the picker's search.
#[rustfmt::skip]
const EDIT: &[Binding] = &[
    b(&[K::Left, K::Ctrl('b')], A::InputLeft, "cursor left", None),
    b(&[K::Right, K::Ctrl('f')], A::InputRight, "cursor right", None),
    b(&[K::AltLeft, K::Alt('b')], A::InputWordLeft, "word left", None),
    b(&[K::AltRight, K::Alt('f')], A::InputWordRight, "word right", None),
    b(&[K::Home, K::Ctrl('a')], A::InputHome, "start of line", None),
    b(&[K::End, K::Ctrl('e')], A::InputEnd, "end of line", None),
    b(&[K::Backspace, K::Ctrl('h')], A::InputBackspace, "delete the character before the cursor", None),
    b(&[K::Delete, K::Ctrl('d')], A::InputDelete, "delete the character under the cursor", None),
    b(&[K::Ctrl('w'), K::AltBackspace], A::InputKillWord, "delete the word before the cursor", None),
    b(&[K::Ctrl('u')], A::InputKillStart, "delete to the start of the line", None),
    b(&[K::Ctrl('k')], A::InputKillEnd, "delete to the end of the line", None),
];

#[rustfmt::skip]
const INPUT: &[Binding] = &[
    b(&[K::Enter], A::InputSubmit, "apply", Some("apply")),
    b(&[K::Esc, K::Ctrl('c')], A::InputCancel, "cancel", Some("cancel")),
    b(&[K::Tab], A::InputComplete, "complete a key (search filter); next format (export)", Some("complete")),
    b(&[K::Up], A::Up, "earlier filter (or previous completion)", None),
    b(&[K::Down], A::Down, "later filter (or next completion)", None),
    b(&[K::Ctrl('z')], A::Suspend, "suspend to the shell (fg resumes)", None),
];

#[rustfmt::skip]
const HELP: &[Binding] = &[
    b(&[K::Esc, K::Ch('?'), K::Ch('q')], A::Back, "close help", Some("close")),
];

#[rustfmt::skip]
const PAGER: &[Binding] = &[
    b(&[K::Esc, K::Ch('q'), K::Enter], A::Back, "close", Some("close")),
    b(&[K::Ch('y')], A::CopyId, "copy the whole value (OSC 52 clipboard)", Some("copy")),
];

#[rustfmt::skip]
const COPY_MENU: &[Binding] = &[
    b(&[K::Up, K::Ch('k')], A::Up, "previous", None),
    b(&[K::Down, K::Ch('j')], A::Down, "next", None),
    b(&[K::Enter], A::InputSubmit, "copy the selected item", Some("copy")),
    b(&[K::Esc, K::Ch('q')], A::Back, "cancel", Some("cancel")),
];

/// A group of bindings: the `[keys.SCREEN]` table that can change them, and a title for
/// help (empty: it continues the group before).
#[derive(Debug, Clone, Copy)]
pub struct Group {
    pub screen: &'static str,
    pub title: &'static str,
    pub bindings: &'static [Binding],
}

const fn g(screen: &'static str, title: &'static str, bindings: &'static [Binding]) -> Group {
    Group {
        screen,
        title,
        bindings,
    }
}

/// The binding groups of a context, most specific first.
pub fn groups(ctx: Context) -> Vec<Group> {
    match ctx {
        Context::Experiments => vec![
            g("experiments", "Experiments", EXPERIMENTS),
            g("global", "Move", NAV),
            g("global", "General", LEAVE_QUIT),
            g("global", "", GLOBAL),
            g("global", "", ANYWHERE),
        ],
        Context::Runs => vec![
            g("runs", "Runs", RUNS),
            g("runs", "Sweep analysis", SWEEP),
            g("global", "Move", NAV_ROWS),
            g("runs", "", TABLE_ENDS),
            g("global", "General", LEAVE_BACK),
            g("global", "", GLOBAL),
            g("global", "", ANYWHERE),
        ],
        Context::Groups => vec![
            g("groups", "Groups", GROUPS),
            g("runs", "Sweep analysis", SWEEP),
            g("global", "Move", NAV_ROWS),
            g("runs", "", TABLE_ENDS),
            g("global", "General", LEAVE_BACK),
            g("global", "", GLOBAL),
            g("global", "", ANYWHERE),
        ],
        Context::Scatter => vec![
            g("scatter", "Scatter", SCATTER),
            g("global", "General", LEAVE_BACK),
            g("global", "", GLOBAL),
            g("global", "", ANYWHERE),
        ],
        Context::Parallel => screen("parallel", "Parallel coordinates", PARALLEL),
        Context::Importance => screen("importance", "Parameter importance", IMPORTANCE),
        Context::Detail => screen("detail", "Run detail", DETAIL),
        Context::Compare => screen("compare", "Compare", COMPARE),
        Context::Activity => screen("activity", "Activity", ACTIVITY),
        Context::Chart => vec![
            g("chart", "Charts", CHART),
            g("global", "Metric list / legend", NAV),
            g("global", "General", LEAVE_BACK),
            g("global", "", GLOBAL),
            g("global", "", ANYWHERE),
        ],
        Context::Picker => vec![
            g("picker", "Column picker (type to search)", PICKER),
            g("prompt", "Edit the search", EDIT),
            g("global", "", ANYWHERE),
        ],
        Context::Input => vec![
            g("prompt", "Prompt (type to edit)", INPUT),
            g("prompt", "Edit", EDIT),
        ],
        Context::Help => vec![
            g("help", "Help", HELP),
            g("global", "Scroll", NAV),
            g("global", "", ANYWHERE),
        ],
        Context::Pager => vec![
            g("pager", "Value", PAGER),
            g("global", "Scroll", NAV),
            g("global", "", ANYWHERE),
        ],
        Context::CopyMenu => vec![
            g("copy", "Copy (or press the item's letter)", COPY_MENU),
            g("global", "", ANYWHERE),
        ],
        Context::Views => vec![g("views", "Named views", VIEWS), g("global", "", ANYWHERE)],
        Context::Models => screen("models", "Models", MODELS),
        Context::Versions => screen("versions", "Versions", VERSIONS),
        Context::LoggedModels => screen("logged-models", "Logged models", LOGGED),
        Context::ModelDetail => screen("model", "Logged model", MODEL_DETAIL),
        Context::Artifacts => screen("artifacts", "Artifacts", ARTIFACTS),
        Context::File => vec![
            g("file", "File", FILE),
            g("file", "Scroll", FILE_NAV),
            g("global", "General", LEAVE_BACK),
            g("global", "", GLOBAL),
            g("global", "", ANYWHERE),
        ],
    }
}

fn screen(name: &'static str, title: &'static str, own: &'static [Binding]) -> Vec<Group> {
    vec![
        g(name, title, own),
        g("global", "Move", NAV),
        g("global", "General", LEAVE_BACK),
        g("global", "", GLOBAL),
        g("global", "", ANYWHERE),
    ]
}

/// The action for a key in a context with the built-in keys.
pub fn lookup(ctx: Context, key: Key) -> Option<Action> {
    Keymap::default().lookup(ctx, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_users_try_first_work_everywhere_they_should() {
        for ctx in [
            Context::Experiments,
            Context::Runs,
            Context::Detail,
            Context::Compare,
            Context::Chart,
        ] {
            for (k, a) in [
                (K::Up, A::Up),
                (K::Ch('k'), A::Up),
                (K::Ch('j'), A::Down),
                (K::PageDown, A::PageDown),
                (K::Home, A::Top),
                (K::Ch('G'), A::Bottom),
                (K::Esc, A::Back),
                (K::Ch('?'), A::Help),
                (K::Ch('q'), A::Leave),
                (K::Ctrl('c'), A::Quit),
                (K::Ctrl('z'), A::Suspend),
                (K::Ch('r'), A::Refresh),
            ] {
                assert_eq!(lookup(ctx, k), Some(a), "{ctx:?} {k:?}");
            }
        }
        for ctx in [Context::Experiments, Context::Detail, Context::Compare] {
            assert_eq!(lookup(ctx, K::Ch('g')), Some(A::Top), "{ctx:?}");
        }
        assert_eq!(lookup(Context::Runs, K::Ch('g')), Some(A::GroupBy));
        assert_eq!(lookup(Context::Groups, K::Ch('g')), Some(A::GroupBy));
        assert_eq!(lookup(Context::Groups, K::Enter), Some(A::ToggleFold));
        assert_eq!(lookup(Context::Runs, K::Ch('X')), Some(A::Scatter));
        assert_eq!(lookup(Context::Groups, K::Ch('X')), Some(A::Scatter));
        assert_eq!(lookup(Context::Runs, K::Ch('v')), Some(A::Views));
        assert_eq!(lookup(Context::Groups, K::Ch('v')), Some(A::Views));
        assert_eq!(lookup(Context::Runs, K::Ch('|')), Some(A::Parallel));
        assert_eq!(lookup(Context::Runs, K::Ch('I')), Some(A::Importance));
        assert_eq!(lookup(Context::Chart, K::Ch('b')), Some(A::ToggleBand));
        assert_eq!(lookup(Context::Runs, K::Ch(' ')), Some(A::ToggleMark));
        assert_eq!(lookup(Context::Runs, K::Ch('c')), Some(A::Compare));
        assert_eq!(lookup(Context::Runs, K::Ch('e')), Some(A::Export));
        assert_eq!(lookup(Context::Runs, K::Ch('/')), Some(A::Filter));
        assert_eq!(
            lookup(Context::Input, K::Ch('q')),
            Some(A::InputChar('q')),
            "q types in prompts"
        );
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        for ctx in Context::ALL {
            let mut seen = Vec::new();
            for g in groups(ctx) {
                for bind in g.bindings {
                    for k in bind.keys {
                        assert!(!seen.contains(k), "{ctx:?}: {k:?} bound twice");
                        seen.push(*k);
                    }
                }
            }
        }
    }

    #[test]
    fn model_and_artifact_screens_go_back_with_esc_and_q() {
        for ctx in [
            Context::Models,
            Context::Versions,
            Context::LoggedModels,
            Context::ModelDetail,
            Context::Artifacts,
            Context::File,
        ] {
            for (k, a) in [
                (K::Esc, A::Back),
                (K::Ch('q'), A::Leave),
                (K::Ch('?'), A::Help),
                (K::Ctrl('c'), A::Quit),
                (K::Down, A::Down),
                (K::Ch('j'), A::Down),
            ] {
                assert_eq!(lookup(ctx, k), Some(a), "{ctx:?} {k:?}");
            }
        }
        assert_eq!(lookup(Context::Experiments, K::Ch('M')), Some(A::Models));
        assert_eq!(lookup(Context::Detail, K::Ch('a')), Some(A::Artifacts));
        assert_eq!(lookup(Context::Models, K::Tab), Some(A::TogglePrompts));
        assert_eq!(lookup(Context::Artifacts, K::Ch('w')), Some(A::Save));
        assert_eq!(lookup(Context::Models, K::Ch('r')), Some(A::Refresh));
    }
}
