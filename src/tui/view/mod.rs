//! Drawing: one function per screen or overlay, reading `App` and never changing it
//! (except the viewport sizes and scroll offsets it records).

mod activity;
mod artifacts;
mod bands;
mod chart;
mod compare;
mod detail;
mod experiments;
mod groups;
mod help;
mod importance;
mod logged_models;
mod models;
mod overlay;
mod parallel;
mod picker;
mod runs;
mod scatter;
mod status;
mod views;

use std::cell::Cell as StdCell;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

use super::app::{App, Screen, Target};
use super::theme::Theme;
use crate::index::Value;
use crate::text;

/// Draws the whole screen.
pub fn draw(frame: &mut Frame<'_>, app: &App, theme: &Theme) {
    app.viewport.targets.borrow_mut().clear();
    let status_h = status::height(app, frame.area().width);
    let [header, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(status_h),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    status::header(frame, header, app, theme);
    match app.screen() {
        Screen::Experiments => experiments::draw(frame, body, app, theme),
        Screen::Runs if app.groups.is_some() => groups::draw(frame, body, app, theme),
        Screen::Runs => runs::draw(frame, body, app, theme),
        Screen::Detail => detail::draw(frame, body, app, theme),
        Screen::Compare => compare::draw(frame, body, app, theme),
        Screen::Chart => chart::draw(frame, body, app, theme),
        Screen::Scatter => scatter::draw(frame, body, app, theme),
        Screen::Parallel => parallel::draw(frame, body, app, theme),
        Screen::Importance => importance::draw(frame, body, app, theme),
        Screen::Models => models::draw(frame, body, app, theme),
        Screen::Versions => models::draw_versions(frame, body, app, theme),
        Screen::LoggedModels => logged_models::draw(frame, body, app, theme),
        Screen::ModelDetail => logged_models::draw_detail(frame, body, app, theme),
        Screen::Artifacts => artifacts::draw(frame, body, app, theme),
        Screen::File => artifacts::draw_file(frame, body, app, theme),
        Screen::Activity => activity::draw(frame, body, app, theme),
    }
    status::status_line(frame, status, app, theme);
    status::footer(frame, footer, app, theme);
    if app.picker.is_some() {
        picker::draw(frame, body, app, theme);
    }
    if let Some(pager) = &app.pager {
        overlay::pager(frame, body, app, pager, theme);
    }
    if let Some(menu) = &app.copy_menu {
        overlay::copy_menu(frame, body, app, menu, theme);
    }
    if let Some(menu) = &app.views_menu {
        views::draw(frame, body, app, menu, theme);
    }
    if let Some(c) = app.prompt.as_ref().and_then(|p| p.completion.as_ref()) {
        overlay::completion(frame, body, c, theme);
    }
    if let Some(scroll) = app.help_scroll {
        help::draw(frame, body, app, theme, scroll);
    }
}

/// The chart screen without its metric list: the charts of `app.chart` and their legend.
pub(crate) fn charts_only(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    chart::draw_main(frame, area, app, theme);
}

/// A sweep screen without header and footer (`plot --kind scatter|parallel --format
/// text`, grouped curves): what `app.scatter`, `app.parallel` or the grouped chart holds.
pub(crate) fn sweep_only(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    if app.scatter.is_some() {
        scatter::draw(frame, area, app, theme);
    } else if app.parallel.is_some() {
        parallel::draw(frame, area, app, theme);
    } else {
        chart::draw_main(frame, area, app, theme);
    }
}

/// Records where something that takes a click was drawn.
pub(crate) fn target(app: &App, area: Rect, t: Target) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    app.viewport.target(
        crate::tui::app::Rect {
            x: area.x,
            y: area.y,
            width: area.width,
            height: area.height,
        },
        t,
    );
}

/// Records one target per row of a list drawn from `top`: row `n` of the window is item
/// `first + n`.
pub(crate) fn row_targets(
    app: &App,
    area: Rect,
    top: u16,
    first: usize,
    count: usize,
    make: impl Fn(usize) -> Target,
) {
    for n in 0..count {
        let y = top + n as u16;
        if y >= area.y + area.height {
            break;
        }
        target(
            app,
            Rect {
                x: area.x,
                y,
                width: area.width,
                height: 1,
            },
            make(first + n),
        );
    }
}

/// Keeps `cursor` inside a window of `height` rows; returns the first shown row.
pub(crate) fn scroll_to(
    offset: &StdCell<usize>,
    cursor: usize,
    height: usize,
    len: usize,
) -> usize {
    let height = height.max(1);
    let mut off = offset.get().min(len.saturating_sub(height));
    if cursor < off {
        off = cursor;
    } else if cursor >= off + height {
        off = cursor + 1 - height;
    }
    offset.set(off);
    off
}

/// Longest text a cell is cut to before it is measured (values can be huge).
pub(crate) const CELL_MAX: usize = 256;

/// A cell value as screen text (escaped, cut to `max` cells), precise enough to tell any
/// two values apart when `precise`, and whether it is numeric (right-aligned).
pub(crate) fn value_text(
    v: &Value<'_>,
    precise: bool,
    max: usize,
    time: &crate::timefmt::TimeFormat,
) -> (String, bool) {
    match v {
        Value::Text(s) => (text::cut(s, max).into_owned(), false),
        Value::Missing => ("-".into(), false),
        Value::Number(_) | Value::Duration(_) | Value::Int(_) => (v.text(precise), true),
        Value::Time(t) if precise => (time.precise(*t), false),
        Value::Time(t) => (time.short(*t), false),
    }
}

/// Text cut or padded to exactly `w` cells.
pub(crate) fn fit(s: &str, w: usize, right: bool) -> String {
    text::pad(&text::cut(s, w), w, right)
}

/// A one-line hint centred in `area` (empty states).
pub(crate) fn empty_hint(frame: &mut Frame<'_>, area: Rect, msg: &str, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let y = area.y + area.height / 2;
    let line = Line::from(Span::styled(msg.to_string(), theme.dim)).centered();
    frame.render_widget(
        line,
        Rect {
            y,
            height: 1,
            ..area
        },
    );
}

/// A centred rectangle for pop-ups.
pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_daily;
#[cfg(test)]
mod tests_models;
#[cfg(test)]
mod tests_sweep;
#[cfg(test)]
mod tests_views;
