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
    Back,
    Quit,
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
    HideColumn,
    TogglePause,
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
    InputSubmit,
    InputCancel,
    InputNextFormat,
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
}
