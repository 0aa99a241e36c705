//! User intents. Keys map to these (see `keymap`); `App::update` applies them.

/// Something the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Left,
    Right,
    FirstColumn,
    LastColumn,
    Open,
    /// Esc: clear what is transient (a filter, marks), else go back one screen.
    Back,
    /// `q`: go back one screen; quit on the first one.
    Leave,
    /// Ctrl-C: quit from anywhere.
    Quit,
    /// Ctrl-Z: stop mltui and return to the shell (`fg` resumes).
    Suspend,
    /// Refresh from the store now.
    Refresh,
    Help,
    Filter,
    Query,
    ToggleMark,
    MarkAll,
    ClearMarks,
    Compare,
    Export,
    SortCycle,
    SortAsc,
    SortDesc,
    AddSortKey,
    ClearSort,
    Columns,
    ToggleDiff,
    ToggleDeleted,
    ToggleTree,
    ToggleFold,
    SetBaseline,
    /// Cycle the better direction of the metric under the cursor (higher, lower, unknown).
    SetDirection,
    HideColumn,
    TogglePause,
    /// Copy the full run id under the cursor to the clipboard (OSC 52).
    CopyId,
    /// Open the menu of other things to copy.
    CopyMenu,
    // Compare.
    PageLeft,
    PageRight,
    // Sweep analysis.
    /// Group mode: group the runs by columns (prompt).
    GroupBy,
    /// Group mode: the next aggregate of the column (mean ± std, mean, std, ...).
    CycleAgg,
    /// Group mode: every metric column shows the aggregate of the one under the cursor.
    AggForAll,
    /// Export one row per run with its group's values.
    ExportRuns,
    Scatter,
    Parallel,
    Importance,
    /// Grouped charts: band min–max / ±std.
    ToggleBand,
    NextX,
    NextY,
    NextColor,
    SetX,
    SetY,
    SetColor,
    SwapAxes,
    AddAxis,
    SetTarget,
    FlipGoal,
    // Charts.
    Plot,
    ToggleGrid,
    CycleXAxis,
    ToggleLogY,
    SmoothMore,
    SmoothLess,
    ToggleOutliers,
    ZoomIn,
    ZoomOut,
    ResetZoom,
    PanLeft,
    PanRight,
    /// Move the focus between the metric list and the legend.
    SwitchFocus,
    /// Pin the metric under the cursor into the grid, or hide the run under the legend
    /// cursor.
    ToggleItem,
    /// Show only the run under the legend cursor (again: show all).
    Isolate,
    // Column picker.
    PickerToggle,
    PickerMoveUp,
    PickerMoveDown,
    PickerPin,
    PickerShowAll,
    PickerHideAll,
    // Models, logged models and artifacts.
    Models,
    LoggedModels,
    Artifacts,
    OpenModel,
    TogglePrompts,
    Save,
    // Pins, hidden runs, column widths, remembered views.
    /// Pin the run under the cursor (or the marked runs) to the top of the table.
    PinRun,
    /// Hide the run under the cursor (or the marked runs) from the table and charts.
    HideRun,
    /// Show / leave out hidden runs.
    ToggleHidden,
    ColumnNarrower,
    ColumnWider,
    /// Back to automatic column widths.
    ColumnAutoWidth,
    /// The list of named views.
    Views,
    /// Save the current view under a name.
    SaveView,
    /// Delete the named view under the cursor.
    DeleteView,
    // Activity.
    Activity,
    /// Forget the alerts shown.
    ClearAlerts,
    // Text prompts.
    InputChar(char),
    InputBackspace,
    InputDelete,
    InputLeft,
    InputRight,
    InputWordLeft,
    InputWordRight,
    InputHome,
    InputEnd,
    /// Delete from the start of the line to the cursor (Ctrl-U).
    InputKillStart,
    /// Delete from the cursor to the end of the line (Ctrl-K).
    InputKillEnd,
    /// Delete the word before the cursor (Ctrl-W).
    InputKillWord,
    InputSubmit,
    InputCancel,
    /// Tab: complete a key (search filter) or switch the format (export).
    InputComplete,
}

/// Every action a key can be bound to, by its stable name in `[keys.SCREEN]`.
pub const NAMED: &[(Action, &str)] = &[
    (Action::Up, "up"),
    (Action::Down, "down"),
    (Action::PageUp, "page_up"),
    (Action::PageDown, "page_down"),
    (Action::Top, "top"),
    (Action::Bottom, "bottom"),
    (Action::Left, "left"),
    (Action::Right, "right"),
    (Action::FirstColumn, "first_column"),
    (Action::LastColumn, "last_column"),
    (Action::Open, "open"),
    (Action::Back, "back"),
    (Action::Leave, "leave"),
    (Action::Quit, "quit"),
    (Action::Suspend, "suspend"),
    (Action::Refresh, "refresh"),
    (Action::Help, "help"),
    (Action::Filter, "filter"),
    (Action::Query, "query"),
    (Action::ToggleMark, "mark"),
    (Action::MarkAll, "mark_all"),
    (Action::ClearMarks, "clear_marks"),
    (Action::Compare, "compare"),
    (Action::Export, "export"),
    (Action::SortCycle, "sort"),
    (Action::SortAsc, "sort_ascending"),
    (Action::SortDesc, "sort_descending"),
    (Action::AddSortKey, "add_sort_key"),
    (Action::ClearSort, "clear_sort"),
    (Action::Columns, "columns"),
    (Action::ToggleDiff, "diff"),
    (Action::ToggleDeleted, "deleted"),
    (Action::ToggleTree, "tree"),
    (Action::ToggleFold, "fold"),
    (Action::SetBaseline, "baseline"),
    (Action::SetDirection, "direction"),
    (Action::HideColumn, "hide_column"),
    (Action::TogglePause, "pause"),
    (Action::CopyId, "copy"),
    (Action::CopyMenu, "copy_menu"),
    (Action::PageLeft, "page_left"),
    (Action::PageRight, "page_right"),
    (Action::Plot, "plot"),
    (Action::ToggleGrid, "grid"),
    (Action::CycleXAxis, "x_axis"),
    (Action::ToggleLogY, "log_y"),
    (Action::SmoothMore, "smooth_more"),
    (Action::SmoothLess, "smooth_less"),
    (Action::ToggleOutliers, "outliers"),
    (Action::ZoomIn, "zoom_in"),
    (Action::ZoomOut, "zoom_out"),
    (Action::ResetZoom, "reset_zoom"),
    (Action::PanLeft, "pan_left"),
    (Action::PanRight, "pan_right"),
    (Action::SwitchFocus, "switch_focus"),
    (Action::ToggleItem, "toggle_item"),
    (Action::Isolate, "isolate"),
    (Action::PickerToggle, "toggle"),
    (Action::PickerMoveUp, "move_left"),
    (Action::PickerMoveDown, "move_right"),
    (Action::PickerPin, "pin"),
    (Action::PickerShowAll, "show_all"),
    (Action::PickerHideAll, "hide_all"),
    (Action::PinRun, "pin"),
    (Action::HideRun, "hide"),
    (Action::ToggleHidden, "show_hidden"),
    (Action::ColumnNarrower, "narrower"),
    (Action::ColumnWider, "wider"),
    (Action::ColumnAutoWidth, "auto_width"),
    (Action::Views, "views"),
    (Action::SaveView, "save"),
    (Action::DeleteView, "delete"),
    (Action::Activity, "activity"),
    (Action::ClearAlerts, "clear_alerts"),
    (Action::GroupBy, "group_by"),
    (Action::CycleAgg, "aggregate"),
    (Action::AggForAll, "aggregate_for_all"),
    (Action::ExportRuns, "export_runs"),
    (Action::Scatter, "scatter"),
    (Action::Parallel, "parallel"),
    (Action::Importance, "importance"),
    (Action::ToggleBand, "band"),
    (Action::NextX, "next_x"),
    (Action::NextY, "next_y"),
    (Action::NextColor, "next_color"),
    (Action::SetX, "set_x"),
    (Action::SetY, "set_y"),
    (Action::SetColor, "set_color"),
    (Action::SwapAxes, "swap_axes"),
    (Action::AddAxis, "add_axis"),
    (Action::SetTarget, "target"),
    (Action::FlipGoal, "goal"),
    (Action::InputSubmit, "submit"),
];

impl Action {
    /// The name of the action in `[keys.SCREEN]`, for actions a key can be bound to.
    pub fn name(self) -> Option<&'static str> {
        NAMED.iter().find(|(a, _)| *a == self).map(|(_, n)| *n)
    }

    /// Moves of a row cursor: up, down, page up/down, first, last.
    pub fn is_row_move(self) -> bool {
        matches!(
            self,
            Action::Up
                | Action::Down
                | Action::PageUp
                | Action::PageDown
                | Action::Top
                | Action::Bottom
        )
    }

    /// Edits of a text field (these keep the status message).
    pub fn is_edit(self) -> bool {
        matches!(
            self,
            Action::InputChar(_)
                | Action::InputBackspace
                | Action::InputDelete
                | Action::InputLeft
                | Action::InputRight
                | Action::InputWordLeft
                | Action::InputWordRight
                | Action::InputHome
                | Action::InputEnd
                | Action::InputKillStart
                | Action::InputKillEnd
                | Action::InputKillWord
        )
    }
}
