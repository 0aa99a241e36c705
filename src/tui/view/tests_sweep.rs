//! Sweep-analysis screens at 80×24 and 140×40 on the sweep fixture: group rows (one
//! unfolded), the grouped chart with bands, scatter, parallel coordinates and the
//! importance table.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::draw;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::app::tests::fulfil_histories;
use crate::tui::app::tests_sweep::{fulfil_aggregates, lr_sweep_app, lr_sweep_path, show_column};
use crate::tui::theme::Theme;

fn render(app: &App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    term.draw(|f| draw(f, app, &Theme::monochrome()))
        .expect("draw");
    term.backend().to_string()
}

fn both(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), render(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_140x40"), render(app, 140, 40));
}

/// The lr-sweep with `metrics.val/acc:max` shown and sorted by (descending), aggregates
/// computed.
fn sorted_app() -> App {
    let mut app = lr_sweep_app();
    let path = lr_sweep_path();
    let effects = show_column(&mut app, "metrics.val/acc:max_step");
    fulfil_aggregates(&mut app, effects, &path);
    show_column(&mut app, "metrics.val/acc:max");
    let pos = app
        .runs
        .shown
        .iter()
        .position(|&i| app.runs.columns[i].column.name() == "metrics.val/acc:max")
        .expect("shown");
    app.runs.col_cursor = pos;
    app.update(Action::SortDesc);
    app
}

fn group(app: &mut App, by: &str) {
    app.update(Action::GroupBy);
    app.update(Action::InputKillStart);
    for c in by.chars() {
        app.update(Action::InputChar(c));
    }
    let effects = app.update(Action::InputSubmit);
    fulfil_aggregates(app, effects, &lr_sweep_path());
}

#[test]
fn group_rows() {
    let mut app = sorted_app();
    group(&mut app, "params.optimizer");
    // The second group unfolded, the cursor on it.
    app.update(Action::Down);
    app.update(Action::ToggleFold);
    both("group_rows", &app);
}

#[test]
fn grouped_chart_with_bands() {
    let mut app = sorted_app();
    group(&mut app, "params.optimizer");
    let effects = app.update(Action::Plot);
    fulfil_histories(&mut app, effects, &lr_sweep_path());
    let at = app
        .chart
        .shown_keys()
        .iter()
        .position(|k| k.as_str() == "val/acc")
        .expect("val/acc");
    app.chart.key_cursor = at;
    let effects = app.request_histories();
    fulfil_histories(&mut app, effects, &lr_sweep_path());
    both("grouped_chart_minmax", &app);
    app.update(Action::ToggleBand);
    insta::assert_snapshot!("grouped_chart_std_80x24", render(&app, 80, 24));
}

#[test]
fn scatter() {
    let mut app = sorted_app();
    let effects = app.update(Action::Scatter);
    fulfil_aggregates(&mut app, effects, &lr_sweep_path());
    app.update(Action::NextColor);
    let effects = app.update(Action::Right);
    fulfil_aggregates(&mut app, effects, &lr_sweep_path());
    both("scatter", &app);
}

#[test]
fn scatter_with_categories_on_x() {
    let mut app = sorted_app();
    app.update(Action::Scatter);
    app.update(Action::SetX);
    app.update(Action::InputKillStart);
    for c in "params.optimizer".chars() {
        app.update(Action::InputChar(c));
    }
    app.update(Action::InputSubmit);
    insta::assert_snapshot!("scatter_categories_80x24", render(&app, 80, 24));
}

#[test]
fn parallel_coordinates() {
    let mut app = sorted_app();
    app.update(Action::Parallel);
    app.update(Action::Down);
    both("parallel", &app);
}

#[test]
fn importance_table() {
    let mut app = sorted_app();
    app.update(Action::Importance);
    both("importance", &app);
}
