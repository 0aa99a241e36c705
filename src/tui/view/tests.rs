//! Render snapshots of every screen at 80×24 and 140×40 on the MLflow-written fixtures.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::draw;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::app::tests::{fixture, loaded_app, open_experiment, sweep_app};
use crate::tui::theme::Theme;

fn render(app: &App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    term.draw(|f| draw(f, app, &Theme::monochrome()))
        .expect("draw");
    term.backend().to_string()
}

fn both_sizes(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), render(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_140x40"), render(app, 140, 40));
}

#[test]
fn experiments_screen() {
    let app = loaded_app(&fixture("v3/sqlite/mlflow.db"));
    both_sizes("experiments", &app);
}

#[test]
fn runs_screen_tree_and_sort() {
    let mut app = sweep_app();
    app.update(Action::Right);
    app.update(Action::Right);
    app.update(Action::SortDesc);
    app.update(Action::Down);
    app.update(Action::ToggleMark);
    both_sizes("runs", &app);
}

#[test]
fn runs_screen_scrolled_right_with_pinned_name() {
    let mut app = sweep_app();
    for _ in 0..12 {
        app.update(Action::Right);
    }
    insta::assert_snapshot!(render(&app, 80, 24));
}

#[test]
fn hostile_and_wide_names_are_escaped_and_aligned() {
    let mut app = loaded_app(&fixture("v3/file/mlruns"));
    open_experiment(&mut app, "exp-α demo");
    let screen = render(&app, 100, 12);
    assert!(!screen.contains('\u{1b}') && !screen.contains('\u{7}'));
    assert!(
        screen.contains("evil\\e]0;pwned\\x07\\e[2Jname"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn detail_screen() {
    let mut app = loaded_app(&fixture("v3/file/mlruns"));
    open_experiment(&mut app, "exp-α demo");
    let pos = app
        .shown_runs()
        .iter()
        .position(|r| r.run_name == "実験-🚀")
        .expect("run");
    app.runs.cursor = pos;
    app.update(Action::Open);
    both_sizes("detail", &app);
}

#[test]
fn compare_screen_diff_only_with_baseline() {
    let mut app = sweep_app();
    app.update(Action::ToggleTree);
    for _ in 0..3 {
        app.update(Action::ToggleMark);
    }
    app.update(Action::Compare);
    app.update(Action::ToggleDiff);
    app.update(Action::SetBaseline);
    both_sizes("compare", &app);
}

#[test]
fn help_and_picker_overlays() {
    let mut app = sweep_app();
    app.update(Action::Help);
    insta::assert_snapshot!("help_runs", render(&app, 100, 40));
    app.update(Action::Back);
    app.update(Action::Columns);
    for c in "metrics".chars() {
        app.update(Action::InputChar(c));
    }
    insta::assert_snapshot!("picker", render(&app, 80, 24));
}

#[test]
fn filter_prompt_and_empty_states() {
    let mut app = sweep_app();
    app.update(Action::Filter);
    for c in "nomatch".chars() {
        app.update(Action::InputChar(c));
    }
    insta::assert_snapshot!(render(&app, 80, 10));
}

#[test]
fn chart_screen_single_and_grid() {
    use crate::tui::app::tests::{chart_app, fulfil_histories};
    let mut app = chart_app();
    both_sizes("chart", &app);
    app.update(Action::SmoothMore);
    app.update(Action::SmoothMore);
    app.update(Action::Left);
    insta::assert_snapshot!("chart_smoothed_cursor", render(&app, 120, 32));
    let e = app.update(Action::ToggleGrid);
    fulfil_histories(&mut app, e, &fixture("v3/file/mlruns"));
    insta::assert_snapshot!("chart_grid", render(&app, 120, 32));
}

#[test]
fn chart_shows_loading_then_data() {
    let mut app = sweep_app();
    app.update(Action::ToggleTree);
    app.runs.cursor = 0;
    app.update(Action::ToggleMark);
    app.update(Action::ToggleMark);
    let effects = app.update(Action::Plot);
    assert!(!effects.is_empty());
    let screen = render(&app, 100, 24);
    assert!(screen.contains("loading history"), "{screen}");
}

#[test]
fn search_prompt_with_error() {
    let mut app = sweep_app();
    app.update(Action::Query);
    // (`params.lr > 1` is valid since params compare as numbers: mltui's extension.)
    for c in "params.lr = 1".chars() {
        app.update(Action::InputChar(c));
    }
    insta::assert_snapshot!(render(&app, 100, 8));
}

#[test]
fn chart_redraws_new_points_after_a_reload() {
    use crate::model::MetricPoint;
    use crate::tui::app::tests::chart_app;
    let mut app = chart_app();
    let before = render(&app, 120, 32);
    let id = app.chart.run_ids[0].clone();
    let mut points: Vec<MetricPoint> = match app.histories.get(&(id.clone(), "loss".into())) {
        Some(crate::tui::app::History::Loaded(p)) => p.to_vec(),
        _ => panic!("loaded"),
    };
    points.push(MetricPoint {
        step: 500,
        timestamp: 1,
        value: 0.0123,
    });
    app.on_history("loss", None, Ok(vec![(id.clone(), points)]), &[id]);
    let after = render(&app, 120, 32);
    assert_ne!(before, after);
    assert!(after.contains("0.0123") && after.contains("500"), "{after}");
}
