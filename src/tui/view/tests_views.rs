//! Snapshots at 80×24 of the screens and overlays of remembered views, pins and hidden
//! runs, and activity: the activity screen with alerts, the named views list, the name
//! prompt, pinned and hidden rows, the unread alert count in the header.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::draw;
use crate::model::{MetricPoint, MetricSummary, RunStatus};
use crate::tui::action::Action;
use crate::tui::app::tests::{NOW, sweep_app};
use crate::tui::app::{App, LoadEvent};
use crate::tui::theme::Theme;

fn render(app: &App) -> String {
    let mut term = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    term.draw(|f| draw(f, app, &Theme::monochrome()))
        .expect("draw");
    term.backend().to_string()
}

/// The sweep, followed live: one running run logs NaN, another fails.
fn alerting_app() -> App {
    let mut app = sweep_app();
    let runs = app.index.runs().to_vec();
    let mut changed = Vec::new();
    for r in &runs {
        let mut r = r.clone();
        match r.run_name.as_str() {
            "sweep-4" => {
                r.status = RunStatus::Running;
                r.end_time = None;
                r.metrics.insert(
                    "loss".into(),
                    MetricSummary::from_point(MetricPoint {
                        step: 9,
                        timestamp: NOW - 60_000,
                        value: f64::NAN,
                    }),
                );
            }
            "sweep-3" => {
                r.status = RunStatus::Failed;
                r.end_time = Some(NOW - 120_000);
            }
            _ => continue,
        }
        changed.push(r);
    }
    app.on_load(LoadEvent::Runs(crate::store::RunBatch {
        summaries: Vec::new(),
        runs: changed,
        warnings: Vec::new(),
    }));
    app
}

#[test]
fn the_header_counts_unread_alerts_on_every_screen() {
    let app = alerting_app();
    let screen = render(&app);
    assert!(
        screen.lines().next().is_some_and(|l| l.contains("⚑ 2")),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn activity_screen() {
    let mut app = alerting_app();
    app.update(Action::Leave);
    app.update(Action::Activity);
    let screen = render(&app);
    assert!(
        !screen.lines().next().is_some_and(|l| l.contains('⚑')),
        "read now"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn named_views_list_and_name_prompt() {
    let mut app = sweep_app();
    app.update(Action::Views);
    insta::assert_snapshot!("views_empty", render(&app));
    app.update(Action::SaveView);
    for c in "best loss".chars() {
        app.update(Action::InputChar(c));
    }
    insta::assert_snapshot!("views_name_prompt", render(&app));
    app.update(Action::InputSubmit);
    app.update(Action::ToggleTree);
    app.update(Action::Views);
    app.update(Action::SaveView);
    for c in "flat".chars() {
        app.update(Action::InputChar(c));
    }
    app.update(Action::InputSubmit);
    app.update(Action::Views);
    insta::assert_snapshot!("views_list", render(&app));
}

#[test]
fn pinned_and_shown_hidden_runs() {
    let mut app = sweep_app();
    app.update(Action::Bottom);
    app.update(Action::PinRun);
    app.update(Action::Bottom);
    app.update(Action::HideRun);
    app.update(Action::ToggleHidden);
    insta::assert_snapshot!(render(&app));
}
