//! The mouse, fed as events to an app drawn at 80×24 (drawing records what takes clicks):
//! clicks select and double clicks open, the wheel scrolls, headers sort, the legend hides
//! runs, the breadcrumb goes back, and nothing happens with the mouse turned off.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::tests::{fixture, loaded_app, sweep_app};
use super::*;
use crate::index::Column;
use crate::tui::theme::Theme;

fn draw(app: &App) -> String {
    let mut term = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    term.draw(|f| crate::tui::view::draw(f, app, &Theme::monochrome()))
        .expect("draw");
    term.backend().to_string()
}

fn click(app: &mut App, x: u16, y: u16) -> Vec<Effect> {
    draw(app);
    app.on_mouse(Mouse {
        kind: MouseKind::Click,
        x,
        y,
    })
}

fn wheel(app: &mut App, down: bool, x: u16, y: u16) {
    draw(app);
    app.on_mouse(Mouse {
        kind: if down {
            MouseKind::ScrollDown
        } else {
            MouseKind::ScrollUp
        },
        x,
        y,
    });
}

/// The screen row (y) of the line containing `text`.
fn row_of(screen: &str, text: &str) -> u16 {
    screen
        .lines()
        .position(|l| l.contains(text))
        .unwrap_or_else(|| panic!("{text:?} not on screen:\n{screen}")) as u16
}

/// The column (x) where `text` starts on its row.
fn col_of(screen: &str, text: &str) -> u16 {
    let line = screen
        .lines()
        .find(|l| l.contains(text))
        .unwrap_or_else(|| panic!("{text:?} not on screen"));
    let byte = line.find(text).unwrap_or(0);
    // TestBackend lines are quoted: drop the quote.
    crate::text::width(&line[..byte]).saturating_sub(1) as u16
}

#[test]
fn a_click_selects_an_experiment_and_a_double_click_opens_it() {
    let mut app = loaded_app(&fixture("v3/file/mlruns"));
    let screen = draw(&app);
    let y = row_of(&screen, "sweep");
    app.now_ms = 1_000;
    click(&mut app, 5, y);
    assert_eq!(app.screen(), Screen::Experiments);
    let picked = app.experiments.rows[app.experiments.cursor];
    assert_eq!(app.index.experiments()[picked].name, "sweep");
    // A second click on the same row soon after opens it; a slow one would not.
    app.now_ms = 1_300;
    click(&mut app, 5, y);
    assert_eq!(app.screen(), Screen::Runs);
    assert_eq!(app.runs.title, "sweep");
}

#[test]
fn two_slow_clicks_are_not_a_double_click() {
    let mut app = loaded_app(&fixture("v3/file/mlruns"));
    let y = row_of(&draw(&app), "sweep");
    app.now_ms = 1_000;
    click(&mut app, 5, y);
    app.now_ms = 2_000;
    click(&mut app, 5, y);
    assert_eq!(app.screen(), Screen::Experiments);
}

#[test]
fn rows_select_headers_sort_and_double_clicks_open_the_detail() {
    let mut app = sweep_app();
    let screen = draw(&app);
    let y = row_of(&screen, "sweep-2");
    click(&mut app, 10, y);
    let id = app.current_run_id().expect("cursor");
    assert_eq!(
        app.index.run(&id).map(|r| r.run_name.as_str()),
        Some("sweep-2")
    );
    // The header of a column sorts by it: ascending, then descending.
    let hy = row_of(&screen, "run_name");
    let hx = col_of(&screen, "loss");
    app.now_ms += 10_000;
    click(&mut app, hx, hy);
    assert_eq!(app.runs.sort.len(), 1);
    assert_eq!(app.runs.sort[0].column, Column::Metric("loss".into()));
    assert!(!app.runs.sort[0].descending);
    app.now_ms += 10_000;
    click(&mut app, hx, hy);
    assert!(app.runs.sort[0].descending);
    // Double click on a row: its detail.
    let y = row_of(&draw(&app), "sweep-2");
    app.now_ms += 10_000;
    click(&mut app, 10, y);
    app.now_ms += 100;
    click(&mut app, 10, y);
    assert_eq!(app.screen(), Screen::Detail);
    let shown = app
        .index
        .run(&app.detail.run_id)
        .map(|r| r.run_name.clone());
    assert_eq!(shown.as_deref(), Some("sweep-2"));
}

#[test]
fn the_breadcrumb_goes_back() {
    let mut app = sweep_app();
    app.update(Action::Open);
    assert_eq!(app.screen(), Screen::Detail);
    let screen = draw(&app);
    assert!(screen.contains("Runs · sweep · "), "{screen}");
    // "Runs · sweep" goes back to the table, "mltui" to the experiment list.
    let x = col_of(&screen, "Runs · sweep");
    click(&mut app, x + 2, 0);
    assert_eq!(app.screen(), Screen::Runs);
    app.update(Action::Open);
    click(&mut app, 2, 0);
    assert_eq!(app.screen(), Screen::Experiments);
    assert_eq!(app.stack.len(), 1);
}

#[test]
fn the_wheel_scrolls_tables_help_and_the_chart_metrics() {
    let mut app = sweep_app();
    wheel(&mut app, true, 10, 8);
    assert_eq!(app.runs.cursor, 3, "three rows per step");
    wheel(&mut app, false, 10, 8);
    assert_eq!(app.runs.cursor, 0);
    // Help scrolls under the wheel.
    app.update(Action::Help);
    wheel(&mut app, true, 40, 10);
    assert_eq!(app.help_scroll, Some(3));
    app.update(Action::Back);
    // Charts: the wheel over the plot moves through the metrics.
    app.update(Action::MarkAll);
    app.update(Action::Plot);
    assert_eq!(app.screen(), Screen::Chart);
    let before = app.chart.key_cursor;
    wheel(&mut app, true, 60, 5);
    assert_eq!(app.chart.key_cursor, before + 1);
    assert_eq!(app.chart.focus, ChartFocus::Keys);
}

#[test]
fn a_click_on_a_legend_entry_hides_and_shows_its_run() {
    let mut app = sweep_app();
    app.update(Action::MarkAll);
    app.update(Action::Plot);
    let screen = draw(&app);
    let first = app
        .index
        .run(&app.chart.run_ids[1])
        .map(|r| r.run_name.clone())
        .expect("run");
    let y = screen
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(&first))
        .map(|(i, _)| i as u16)
        .last()
        .expect("legend line");
    click(&mut app, 50, y);
    assert!(app.chart.hidden.contains(&1), "{:?}", app.chart.hidden);
    app.now_ms += 10_000;
    click(&mut app, 50, y);
    assert!(app.chart.hidden.is_empty());
}

#[test]
fn overlays_keep_clicks_from_what_is_under_them() {
    let mut app = sweep_app();
    app.update(Action::Columns);
    let screen = draw(&app);
    let cursor = app.runs.cursor;
    // A click outside the picker does not move the table's cursor.
    click(&mut app, 1, 22);
    assert_eq!(app.runs.cursor, cursor);
    assert!(app.picker.is_some());
    // A double click on an item toggles it.
    let y = row_of(&screen, "[x] status");
    let visible = |app: &App| {
        app.runs
            .columns
            .iter()
            .find(|c| c.column == Column::Attr(crate::index::Attr::Status))
            .is_some_and(|c| c.visible)
    };
    assert!(visible(&app));
    click(&mut app, 30, y);
    app.now_ms += 100;
    click(&mut app, 30, y);
    assert!(!visible(&app));
}

#[test]
fn with_the_mouse_off_nothing_happens() {
    let mut app = sweep_app();
    app.settings.mouse = false;
    let y = row_of(&draw(&app), "sweep-2");
    click(&mut app, 10, y);
    wheel(&mut app, true, 10, 8);
    assert_eq!(app.runs.cursor, 0);
}

#[test]
fn model_lists_take_clicks_and_double_clicks() {
    use super::tests_models::{Rig, models_fixture};
    let mut rig = Rig::new(&models_fixture("v3/sqlite/mlflow.db"));
    rig.act(Action::Models);
    let y = row_of(&draw(&rig.app), "fraud-detector");
    rig.app.now_ms = 1_000;
    let effects = click(&mut rig.app, 3, y);
    rig.serve(effects);
    assert_eq!(rig.app.screen(), Screen::Models);
    let picked = rig.app.models.current().map(|m| m.name.clone());
    assert_eq!(picked.as_deref(), Some("fraud-detector"));
    rig.app.now_ms = 1_200;
    let effects = click(&mut rig.app, 3, y);
    rig.serve(effects);
    assert_eq!(rig.app.screen(), Screen::Versions);
    // The last version's row: the header, then one row per version.
    let n = rig.app.models.versions.len();
    assert!(n >= 2, "fraud-detector has several versions");
    let header = row_of(&draw(&rig.app), "source run");
    rig.app.now_ms = 5_000;
    let effects = click(&mut rig.app, 3, header + n as u16);
    rig.serve(effects);
    assert_eq!(rig.app.models.version_cursor, n - 1);
    assert_eq!(rig.app.screen(), Screen::Versions);
}

#[test]
fn group_rows_take_clicks_and_a_double_click_unfolds() {
    let mut app = super::tests_sweep::lr_sweep_app();
    app.update(Action::GroupBy);
    for c in "params.optimizer".chars() {
        app.update(Action::InputChar(c));
    }
    app.update(Action::InputSubmit);
    let groups = app.groups.as_ref().map_or(0, |g| g.rows.len());
    assert!(groups >= 2, "several groups");
    let screen = draw(&app);
    // The last group's row: two header lines, then one row per group.
    let header = row_of(&screen, "runs");
    let y = header + groups as u16;
    app.now_ms = 1_000;
    click(&mut app, 4, y);
    assert_eq!(app.groups.as_ref().map(|g| g.cursor), Some(groups - 1));
    let before = app.groups.as_ref().map_or(0, |g| g.rows.len());
    app.now_ms = 1_200;
    click(&mut app, 4, y);
    let after = app.groups.as_ref().map_or(0, |g| g.rows.len());
    assert!(
        after > before,
        "the group unfolded: {before} -> {after} rows"
    );
}
