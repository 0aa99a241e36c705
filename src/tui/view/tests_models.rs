//! Snapshots at 80×24 of the models, versions, logged models, model detail, artifact
//! browser, pager and run-detail screens, on the MLflow-written models fixtures. Where
//! artifacts were found depends on where the repository is checked out, so that one line
//! is replaced by a fixed text before drawing.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::draw;
use crate::tui::action::Action;
use crate::tui::app::tests_models::{Rig, models_fixture, to_fraud_versions};
use crate::tui::app::{Loadable, Screen};
use crate::tui::fetch::RootState;
use crate::tui::theme::Theme;

fn render(rig: &Rig) -> String {
    let mut term = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    term.draw(|f| draw(f, &rig.app, &Theme::monochrome()))
        .expect("draw");
    term.backend().to_string()
}

/// Replaces checkout-dependent locations with a fixed text.
fn stable(rig: &mut Rig) {
    for r in &mut rig.app.artifacts.roots {
        if let Some(RootState::Ready { location }) = &mut r.state {
            *location = "next to the store: <fixture>/…/artifacts".into();
        }
    }
    for files in rig.app.artifacts.run_files.values_mut() {
        if let Loadable::Ready(folders) = files {
            for f in folders {
                if let RootState::Ready { location } = &mut f.state {
                    *location = "next to the store: <fixture>/…/artifacts".into();
                }
            }
        }
    }
}

fn rig() -> Rig {
    Rig::new(&models_fixture("v3/file/mlruns"))
}

#[test]
fn models_screen() {
    let mut rig = rig();
    rig.act(Action::Models);
    rig.act(Action::Down);
    insta::assert_snapshot!(render(&rig));
    rig.act(Action::TogglePrompts);
    insta::assert_snapshot!("prompts_screen", render(&rig));
}

#[test]
fn versions_screen() {
    let mut rig = rig();
    to_fraud_versions(&mut rig);
    rig.act(Action::Down);
    insta::assert_snapshot!(render(&rig));
}

#[test]
fn run_detail_with_models_reproducibility_and_artifacts() {
    let mut rig = rig();
    to_fraud_versions(&mut rig);
    rig.act(Action::Down);
    rig.act(Action::Open);
    assert_eq!(rig.app.screen(), Screen::Detail);
    stable(&mut rig);
    insta::assert_snapshot!(render(&rig));
    rig.act(Action::PageDown);
    insta::assert_snapshot!("run_detail_models_page_2", render(&rig));
}

#[test]
fn run_detail_with_a_used_model() {
    let mut rig = rig();
    let id = rig
        .app
        .index
        .runs()
        .iter()
        .find(|r| r.run_name == "eval-external")
        .map(|r| r.run_id.clone())
        .expect("eval-external");
    let effects = rig.app.open_run_detail(id);
    rig.serve(effects);
    stable(&mut rig);
    insta::assert_snapshot!(render(&rig));
}

#[test]
fn logged_models_screen_and_compare() {
    let mut rig = rig();
    let n = rig.app.experiments.rows.len();
    rig.cursor_to(n, |app, row| {
        app.experiments
            .rows
            .get(row)
            .is_some_and(|&i| app.index.experiments()[i].name == "models-α")
    });
    rig.act(Action::LoggedModels);
    insta::assert_snapshot!(render(&rig));
    let trained: Vec<String> = rig
        .app
        .logged
        .models
        .iter()
        .filter(|m| m.source_run_id.is_some())
        .map(|m| m.model_id.clone())
        .collect();
    rig.app.logged.marks.extend(trained);
    rig.act(Action::Compare);
    insta::assert_snapshot!("logged_models_compare", render(&rig));
    rig.act(Action::Back);
    rig.act(Action::Open);
    insta::assert_snapshot!("logged_model_detail", render(&rig));
}

#[test]
fn artifact_browser_and_pager() {
    let mut rig = rig();
    to_fraud_versions(&mut rig);
    rig.act(Action::Down);
    rig.act(Action::Open);
    rig.act(Action::Artifacts);
    let n = rig.app.artifacts.rows.len();
    rig.cursor_to(n, |app, _| {
        app.artifacts
            .current()
            .is_some_and(|n| n.path == "config.json")
    });
    stable(&mut rig);
    insta::assert_snapshot!(render(&rig));
    // A CSV file as a table, an image as format and dimensions, a binary file by type.
    for (path, name) in [
        ("reports", "artifact_browser_folder"),
        ("reports/metrics.csv", "artifact_browser_csv"),
        ("reports/plots/curve.png", "artifact_browser_png"),
        ("bin/weights.bin", "artifact_browser_binary"),
    ] {
        let dir = path.rsplit_once('/').map(|(d, _)| d);
        for d in dir.into_iter().flat_map(|d| {
            let parts: Vec<&str> = d.split('/').collect();
            (1..=parts.len()).map(move |k| parts[..k].join("/"))
        }) {
            let n = rig.app.artifacts.rows.len();
            rig.cursor_to(n, |app, _| {
                app.artifacts.current().is_some_and(|n| n.path == d)
            });
            if !rig.app.artifacts.current().is_some_and(|n| n.expanded) {
                rig.act(Action::Open);
            }
        }
        let n = rig.app.artifacts.rows.len();
        rig.cursor_to(n, |app, _| {
            app.artifacts.current().is_some_and(|n| n.path == path)
        });
        stable(&mut rig);
        insta::assert_snapshot!(name, render(&rig));
    }
    let n = rig.app.artifacts.rows.len();
    rig.cursor_to(n, |app, _| {
        app.artifacts
            .current()
            .is_some_and(|n| n.path == "MLproject")
    });
    rig.act(Action::Open);
    assert_eq!(rig.app.screen(), Screen::File);
    insta::assert_snapshot!("pager_mlproject", render(&rig));
}
