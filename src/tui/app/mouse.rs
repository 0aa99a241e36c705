//! The mouse: a click selects, a double click opens, the wheel scrolls what is under the
//! pointer, a click on a column header sorts by it, on a legend entry hides or shows the
//! run, on the header's breadcrumb goes back there. Views record where these things were
//! drawn (`Viewport::target`), so clicks are mapped here without drawing.

use super::{App, ChartFocus, Effect, Screen, Viewport};
use crate::tui::action::Action;
use crate::tui::keymap::Context;

/// What the mouse did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MouseKind {
    /// The left button went down.
    Click,
    ScrollUp,
    ScrollDown,
}

/// A mouse event at a cell of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mouse {
    pub kind: MouseKind,
    pub x: u16,
    pub y: u16,
}

/// The last click, to tell a double click.
#[derive(Debug, Clone, PartialEq)]
pub struct Click {
    pub target: Target,
    pub at: i64,
}

/// Something drawn that takes clicks.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A row of the experiment list (position in its rows).
    ExperimentRow(usize),
    /// A row of the run table (position in its rows).
    RunRow(usize),
    /// A column header of the run table (position in its shown columns).
    RunHeader(usize),
    /// A line of the run detail.
    DetailLine(usize),
    /// A line of the compare screen, and a run column (when on one).
    CompareCell(usize, Option<usize>),
    /// A metric of the chart screen's list (position in the shown keys).
    ChartKey(usize),
    /// A run of the chart legend (position in the chart's runs).
    LegendEntry(usize),
    /// The charts themselves (the wheel moves through the metrics).
    Plot,
    ActivityLine(usize),
    /// A row of the models, versions, logged models or artifacts list, or of the run table
    /// in group mode (position in it).
    ListRow(usize),
    /// An item of the named views list.
    ViewItem(usize),
    /// An item of the column picker.
    PickerItem(usize),
    /// An item of the copy menu.
    CopyItem(usize),
    /// A part of the header's breadcrumb: the screen depth it goes back to.
    Crumb(usize),
    /// The count of unread alerts in the header: opens the activity screen.
    AlertBadge,
    /// An overlay (help, pager, menus): takes the wheel; clicks do not reach what is below.
    Overlay,
}

/// A rectangle of the screen (cells).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rect {
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub height: u16,
}

impl Rect {
    pub fn contains(&self, x: u16, y: u16) -> bool {
        x >= self.x
            && y >= self.y
            && u32::from(x) < u32::from(self.x) + u32::from(self.width)
            && u32::from(y) < u32::from(self.y) + u32::from(self.height)
    }
}

impl Viewport {
    /// Records where something that takes a click was drawn.
    pub fn target(&self, rect: Rect, target: Target) {
        self.targets.borrow_mut().push((rect, target));
    }

    /// The topmost target at a cell.
    pub fn target_at(&self, x: u16, y: u16) -> Option<(Rect, Target)> {
        self.targets
            .borrow()
            .iter()
            .rev()
            .find(|(r, _)| r.contains(x, y))
            .cloned()
    }
}

/// The longest time between the clicks of a double click.
const DOUBLE_CLICK_MS: i64 = 400;
/// Rows one wheel step moves.
const WHEEL_ROWS: usize = 3;

impl App {
    /// Handles a mouse event (only when the mouse is on); returns effects.
    pub fn on_mouse(&mut self, m: Mouse) -> Vec<Effect> {
        if !self.settings.mouse {
            return Vec::new();
        }
        let target = self.viewport.target_at(m.x, m.y).map(|(_, t)| t);
        match m.kind {
            MouseKind::ScrollUp | MouseKind::ScrollDown => {
                self.wheel(target, m.kind == MouseKind::ScrollDown)
            }
            MouseKind::Click => {
                let Some(target) = target else {
                    self.last_click = None;
                    return Vec::new();
                };
                let double = self
                    .last_click
                    .as_ref()
                    .is_some_and(|c| c.target == target && self.now_ms - c.at <= DOUBLE_CLICK_MS);
                self.last_click = (!double).then(|| Click {
                    target: target.clone(),
                    at: self.now_ms,
                });
                self.click(target, double)
            }
        }
    }

    fn wheel(&mut self, target: Option<Target>, down: bool) -> Vec<Effect> {
        let step = if down { Action::Down } else { Action::Up };
        let ctx = self.context();
        // The chart screen scrolls what is under the pointer: the legend, or the metrics.
        if ctx == Context::Chart {
            let focus = match target {
                Some(Target::LegendEntry(_)) => ChartFocus::Legend,
                _ => ChartFocus::Keys,
            };
            self.chart.focus = focus;
            return self.update(step);
        }
        let mut effects = Vec::new();
        match ctx {
            Context::Input => {}
            Context::Help => {
                let max = self.viewport.help_max.get();
                if let Some(s) = self.help_scroll.as_mut() {
                    *s = if down {
                        (*s + WHEEL_ROWS).min(max)
                    } else {
                        s.saturating_sub(WHEEL_ROWS)
                    };
                }
            }
            _ => {
                for _ in 0..WHEEL_ROWS {
                    effects.extend(self.update(step));
                }
            }
        }
        effects
    }

    fn click(&mut self, target: Target, double: bool) -> Vec<Effect> {
        // With an overlay open, only its own items take clicks.
        let overlay = matches!(
            self.context(),
            Context::Help
                | Context::Input
                | Context::Pager
                | Context::CopyMenu
                | Context::Picker
                | Context::Views
        );
        let on_overlay = matches!(
            target,
            Target::Overlay | Target::ViewItem(_) | Target::PickerItem(_) | Target::CopyItem(_)
        );
        if overlay && !on_overlay {
            return Vec::new();
        }
        let open = |app: &mut App| {
            if double {
                app.update(Action::Open)
            } else {
                Vec::new()
            }
        };
        match target {
            Target::Overlay => Vec::new(),
            Target::AlertBadge => {
                if self.screen() != Screen::Activity {
                    self.open_activity();
                }
                Vec::new()
            }
            Target::Crumb(depth) => {
                while self.stack.len() > depth + 1 {
                    self.back();
                }
                self.message = None;
                Vec::new()
            }
            Target::ExperimentRow(i) if self.screen() == Screen::Experiments => {
                self.experiments.cursor = i.min(self.experiments.rows.len().saturating_sub(1));
                open(self)
            }
            Target::RunRow(i) if self.screen() == Screen::Runs => {
                self.runs.cursor = i.min(self.runs.rows.len().saturating_sub(1));
                open(self)
            }
            Target::RunHeader(i) if self.screen() == Screen::Runs => {
                self.runs.col_cursor = i.min(self.runs.shown.len().saturating_sub(1));
                self.update(Action::SortCycle)
            }
            Target::DetailLine(i) if self.screen() == Screen::Detail => {
                let ok = self
                    .detail_items()
                    .get(i)
                    .is_some_and(super::DetailItem::selectable);
                if !ok {
                    return Vec::new();
                }
                self.detail.cursor = i;
                open(self)
            }
            Target::CompareCell(line, col) if self.screen() == Screen::Compare => {
                self.compare.cursor = line;
                if let Some(c) = col {
                    self.compare.col_cursor = c.min(self.compare.run_ids.len().saturating_sub(1));
                }
                open(self)
            }
            Target::ChartKey(i) if self.screen() == Screen::Chart => {
                self.chart.focus = ChartFocus::Keys;
                self.chart.key_cursor = i.min(self.chart.shown_keys().len().saturating_sub(1));
                self.chart.x_range = None;
                self.request_histories()
            }
            Target::LegendEntry(i) if self.screen() == Screen::Chart => {
                self.chart.focus = ChartFocus::Legend;
                self.chart.legend_cursor = i.min(self.chart.run_ids.len().saturating_sub(1));
                self.update(Action::ToggleItem)
            }
            Target::ActivityLine(i) if self.screen() == Screen::Activity => {
                if !matches!(
                    self.activity.lines.get(i),
                    Some(super::ActivityLine::Alert(_) | super::ActivityLine::Run(_))
                ) {
                    return Vec::new();
                }
                self.activity.cursor = i;
                open(self)
            }
            Target::ListRow(i) => {
                let grouped = self.screen() == Screen::Runs && self.groups.is_some();
                let cursor = match self.screen() {
                    Screen::Runs if grouped => self.groups.as_ref().map_or(0, |g| g.cursor),
                    Screen::Models => self.models.cursor,
                    Screen::Versions => self.models.version_cursor,
                    Screen::LoggedModels => self.logged.cursor,
                    Screen::Artifacts => self.artifacts.cursor,
                    _ => return Vec::new(),
                };
                // Moved by steps, so what a move does (an artifact's preview) happens.
                let step = if i > cursor { Action::Down } else { Action::Up };
                let mut effects = Vec::new();
                for _ in 0..i.abs_diff(cursor) {
                    effects.extend(self.update(step));
                }
                // A double click opens (in group mode: unfolds the group, as Enter does).
                effects.extend(open(self));
                effects
            }
            Target::ViewItem(i) => {
                if let Some(menu) = self.views_menu.as_mut() {
                    menu.cursor = i;
                }
                open(self)
            }
            Target::PickerItem(i) => {
                if let Some(p) = self.picker.as_mut() {
                    p.cursor = i;
                }
                if double {
                    self.update(Action::PickerToggle)
                } else {
                    Vec::new()
                }
            }
            Target::CopyItem(i) => {
                if let Some(menu) = self.copy_menu.as_mut() {
                    menu.cursor = i;
                }
                self.update(Action::InputSubmit)
            }
            _ => Vec::new(),
        }
    }
}
