//! The activity screen and its alerts, with runs arriving as the live loader delivers them:
//! NaN in a watched metric, a failed run, a stalled one; unread counts; Enter to the run;
//! notifications.

use super::*;
use crate::index::tests::run_with;
use crate::model::{Experiment, Lifecycle, MetricPoint, MetricSummary, Run, RunStatus};
use crate::store::{ExperimentList, RunBatch};

const T0: i64 = 1_800_000_000_000;
const MIN: i64 = 60_000;

fn experiment() -> Experiment {
    Experiment {
        experiment_id: "1".into(),
        name: "train".into(),
        artifact_location: String::new(),
        lifecycle: Lifecycle::Active,
        creation_time: Some(T0),
        last_update_time: Some(T0),
        tags: Default::default(),
    }
}

/// A running run whose metric `key` was last logged at `at` with `value`.
fn running(id: &str, key: &str, value: f64, at: i64) -> Run {
    let mut r = run_with(id, T0, &[], &[]);
    r.run_name = id.into();
    r.status = RunStatus::Running;
    r.end_time = None;
    r.metrics.insert(
        key.into(),
        MetricSummary::from_point(MetricPoint {
            step: 1,
            timestamp: at,
            value,
        }),
    );
    r
}

fn batch(app: &mut App, runs: Vec<Run>) -> Vec<Effect> {
    app.on_load(LoadEvent::Runs(RunBatch {
        summaries: Vec::new(),
        runs,
        warnings: Vec::new(),
    }))
}

/// An app following a store with two running runs, loaded at `T0 + 1 min`.
fn following() -> App {
    let mut app = App::new("test".into(), std::env::temp_dir(), T0 + MIN);
    app.on_load(LoadEvent::Experiments(ExperimentList {
        experiments: vec![experiment()],
        warnings: Vec::new(),
    }));
    batch(
        &mut app,
        vec![
            running("a", "loss", 0.5, T0 + MIN),
            running("b", "loss", 0.4, T0 + MIN),
        ],
    );
    app.on_load(LoadEvent::Done);
    app
}

#[test]
fn nan_in_a_watched_metric_alerts_once_and_counts_as_unread() {
    let mut app = following();
    assert_eq!(app.activity.unread(), 0);
    app.now_ms = T0 + 2 * MIN;
    batch(&mut app, vec![running("b", "loss", f64::NAN, T0 + 2 * MIN)]);
    assert_eq!(app.activity.unread(), 1);
    assert!(matches!(
        &app.activity.alerts[0].kind,
        AlertKind::NonFinite { key, .. } if key == "loss"
    ));
    // The same NaN seen again is not a new alert.
    batch(&mut app, vec![running("b", "loss", f64::NAN, T0 + 3 * MIN)]);
    assert_eq!(app.activity.alerts.len(), 1);
    // Infinity in another metric is.
    batch(
        &mut app,
        vec![running("a", "grad_norm", f64::INFINITY, T0 + 3 * MIN)],
    );
    assert_eq!(app.activity.unread(), 2);
}

#[test]
fn metrics_not_watched_do_not_alert() {
    let mut app = following();
    app.settings.activity.watch = vec!["val/*".into()];
    batch(&mut app, vec![running("b", "loss", f64::NAN, T0 + 2 * MIN)]);
    assert!(app.activity.alerts.is_empty());
    batch(
        &mut app,
        vec![running("b", "val/loss", f64::NAN, T0 + 2 * MIN)],
    );
    assert_eq!(app.activity.alerts.len(), 1);
}

#[test]
fn a_run_that_fails_alerts_and_one_that_stalls_too() {
    let mut app = following();
    let mut failed = running("a", "loss", 0.5, T0 + MIN);
    failed.status = RunStatus::Failed;
    failed.end_time = Some(T0 + 2 * MIN);
    batch(&mut app, vec![failed]);
    assert!(matches!(app.activity.alerts[0].kind, AlertKind::Failed));
    // b logs nothing for longer than the stalled time (10 min by default).
    let effects = app.on_load(LoadEvent::Refreshed {
        at: T0 + 5 * MIN,
        error: None,
        asked: false,
    });
    assert!(effects.is_empty());
    assert_eq!(app.activity.alerts.len(), 1, "not stalled yet");
    app.on_load(LoadEvent::Refreshed {
        at: T0 + 12 * MIN,
        error: None,
        asked: false,
    });
    assert!(matches!(
        app.activity.alerts[0].kind,
        AlertKind::Stalled { .. }
    ));
    assert_eq!(app.activity.unread(), 2);
    // Still stalled: no second alert; logging again and stalling again: a new one.
    app.on_load(LoadEvent::Refreshed {
        at: T0 + 13 * MIN,
        error: None,
        asked: false,
    });
    assert_eq!(app.activity.alerts.len(), 2);
    batch(&mut app, vec![running("b", "loss", 0.3, T0 + 14 * MIN)]);
    app.on_load(LoadEvent::Refreshed {
        at: T0 + 30 * MIN,
        error: None,
        asked: false,
    });
    assert_eq!(app.activity.alerts.len(), 3);
}

#[test]
fn runs_already_stalled_when_mltui_starts_are_marked_but_do_not_alert() {
    let mut app = App::new("test".into(), std::env::temp_dir(), T0 + 60 * MIN);
    app.on_load(LoadEvent::Experiments(ExperimentList {
        experiments: vec![experiment()],
        warnings: Vec::new(),
    }));
    batch(&mut app, vec![running("zombie", "loss", 0.5, T0)]);
    app.on_load(LoadEvent::Done);
    app.on_load(LoadEvent::Refreshed {
        at: T0 + 61 * MIN,
        error: None,
        asked: false,
    });
    assert!(app.activity.alerts.is_empty());
    let run = app.index.run("zombie").expect("run").clone();
    assert!(app.is_stalled(&run, app.now_ms));
}

#[test]
fn viewing_the_screen_reads_the_alerts_and_enter_goes_to_the_run() {
    let mut app = following();
    batch(&mut app, vec![running("b", "loss", f64::NAN, T0 + 2 * MIN)]);
    assert_eq!(app.activity.unread(), 1);
    app.update(Action::Activity);
    assert_eq!(app.screen(), Screen::Activity);
    assert_eq!(app.activity.unread(), 0, "seen");
    assert!(
        app.activity.alerts[0].new,
        "still drawn as new on this visit"
    );
    // Lines: the alerts, then the running runs; the cursor starts on the alert.
    assert!(matches!(
        app.activity.lines[0],
        ActivityLine::Section("Alerts", 1)
    ));
    assert_eq!(app.activity_run().as_deref(), Some("b"));
    // An alert while the screen is open is seen at once.
    batch(&mut app, vec![running("a", "loss", f64::NAN, T0 + 2 * MIN)]);
    assert_eq!(app.activity.unread(), 0);
    app.update(Action::Open);
    assert_eq!(app.screen(), Screen::Detail);
    assert_eq!(
        app.stack,
        [
            Screen::Experiments,
            Screen::Activity,
            Screen::Runs,
            Screen::Detail
        ]
    );
    assert_eq!(app.runs.title, "train");
    app.update(Action::Leave);
    app.update(Action::Leave);
    assert_eq!(app.screen(), Screen::Activity);
    app.update(Action::ClearAlerts);
    assert!(app.activity.alerts.is_empty());
    assert!(matches!(
        app.activity.lines[0],
        ActivityLine::Section("Running", 2)
    ));
}

#[test]
fn recent_runs_are_listed_by_how_they_ended() {
    let mut app = following();
    let mut done = run_with("done", T0, &[("loss", 0.1)], &[]);
    done.end_time = Some(T0 + MIN);
    let mut killed = run_with("killed", T0, &[], &[]);
    killed.status = RunStatus::Killed;
    let mut old = run_with("old", T0 - 3 * 86_400_000, &[], &[]);
    old.end_time = Some(T0 - 3 * 86_400_000);
    batch(&mut app, vec![done, killed, old]);
    app.update(Action::Activity);
    let sections: Vec<&str> = app
        .activity
        .lines
        .iter()
        .filter_map(|l| match l {
            ActivityLine::Section(s, _) => Some(*s),
            _ => None,
        })
        .collect();
    assert_eq!(sections, ["Running", "Failed or killed", "Finished"]);
    assert!(
        !app.activity
            .lines
            .contains(&ActivityLine::Run("old".into()))
    );
    let table = app.screen_table();
    assert_eq!(table.rows.len(), 4);
}

#[test]
fn notifications_are_effects_only_when_asked_for() {
    let mut app = following();
    let quiet = batch(&mut app, vec![running("b", "loss", f64::NAN, T0 + 2 * MIN)]);
    assert!(quiet.iter().all(|e| !matches!(e, Effect::Notify { .. })));
    app.settings.activity.notify = crate::config::Notify::Osc9;
    let loud = batch(&mut app, vec![running("a", "loss", f64::NAN, T0 + 2 * MIN)]);
    let body = loud
        .iter()
        .find_map(|e| match e {
            Effect::Notify { body, .. } => Some(body.clone()),
            _ => None,
        })
        .expect("a notification");
    assert!(body.starts_with("a (train): loss = NaN"), "{body}");
}
