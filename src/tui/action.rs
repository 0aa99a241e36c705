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

impl Action {
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
