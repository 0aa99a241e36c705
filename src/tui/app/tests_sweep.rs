//! App scenarios of sweep analysis on the sweep fixture (MLflow 3.17): aggregate columns
//! computed in the background and recomputed for changed runs, group mode, the grouped
//! chart, scatter, parallel coordinates and importance.

use std::path::{Path, PathBuf};

use super::tests::{fixture, fulfil_histories, loaded_app, open_experiment};
use super::*;
use crate::aggregate::Agg;
use crate::index::{Column, Value};
use crate::store;

pub(crate) fn lr_sweep_path() -> PathBuf {
    fixture("sweep/sqlite/mlflow.db")
}

/// Runs the aggregate jobs among `effects` synchronously (what the worker does), feeding
/// the batches back; returns the other effects and the number of jobs run.
pub(crate) fn fulfil_aggregates(
    app: &mut App,
    effects: Vec<Effect>,
    path: &Path,
) -> (Vec<Effect>, usize) {
    let spec = store::parse_source(&path.display().to_string(), Path::new("/")).expect("source");
    let st = store::open(&spec).expect("open");
    let mut rest = Vec::new();
    let mut jobs = 0;
    let mut queue = effects;
    while !queue.is_empty() {
        let mut next = Vec::new();
        for e in queue {
            match e {
                Effect::ComputeAggregates(job) => {
                    jobs += 1;
                    let mut batches = Vec::new();
                    st.metric_aggregates(&job.run_ids, &job.wanted, &mut |b| batches.push(b))
                        .expect("aggregates");
                    for b in batches {
                        app.on_aggregates(job.id, Some(b), None);
                    }
                    app.on_aggregates(job.id, None, None);
                    next.extend(app.ensure_aggregates());
                }
                other => rest.push(other),
            }
        }
        queue = next;
    }
    (rest, jobs)
}

/// The lr-sweep experiment loaded and open.
pub(crate) fn lr_sweep_app() -> App {
    let mut app = loaded_app(&lr_sweep_path());
    open_experiment(&mut app, "lr-sweep");
    app
}

/// Shows a column in the run table (through the picker's search, as a user would).
pub(crate) fn show_column(app: &mut App, name: &str) -> Vec<Effect> {
    let mut effects = app.update(Action::Columns);
    for c in name.chars() {
        effects.extend(app.update(Action::InputChar(c)));
    }
    let want = Column::parse(name).expect("column");
    let matches = app.picker.as_ref().expect("picker").matches(app);
    let pos = matches
        .iter()
        .position(|&i| app.runs.columns[i].column == want)
        .unwrap_or_else(|| panic!("{name} offered"));
    if let Some(p) = app.picker.as_mut() {
        p.cursor = pos;
    }
    effects.extend(app.update(Action::PickerToggle));
    effects.extend(app.update(Action::Back));
    effects
}

fn type_prompt(app: &mut App, text: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for c in text.chars() {
        effects.extend(app.update(Action::InputChar(c)));
    }
    effects.extend(app.update(Action::InputSubmit));
    effects
}

fn select(app: &mut App, name: &str) {
    let want = Column::parse(name).expect("column");
    let pos = app
        .runs
        .shown
        .iter()
        .position(|&i| app.runs.columns[i].column == want)
        .unwrap_or_else(|| panic!("{name} shown"));
    app.runs.col_cursor = pos;
}

#[test]
fn an_aggregate_column_is_computed_in_the_background_and_sorts() {
    let mut app = lr_sweep_app();
    let path = lr_sweep_path();
    let effects = show_column(&mut app, "metrics.val/acc:max_step");
    let (rest, jobs) = fulfil_aggregates(&mut app, effects, &path);
    assert!(rest.is_empty());
    assert_eq!(jobs, 1, "one job for the new column");
    assert!(app.aggs.progress().is_none(), "the job is finished");
    let col = Column::MetricAgg("val/acc".into(), Agg::MaxStep);
    for r in app.shown_runs() {
        let v = col.value(r, NOW_FOR_TESTS);
        assert!(matches!(v, Value::Int(_)), "{}: {v:?}", r.run_name);
    }
    // Asking again changes nothing: every run has it.
    assert!(app.ensure_aggregates().is_empty());
    // Sorting by it: the FAILED run (9 steps) reaches its max earliest.
    select(&mut app, "metrics.val/acc:max_step");
    app.update(Action::SortAsc);
    assert_eq!(app.shown_runs()[0].run_name, "adam-lr0.01-s2-5");
    // A :min column of SQLite comes from the load's summaries: nothing to compute.
    let effects = show_column(&mut app, "metrics.val/loss:min");
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::ComputeAggregates(_))),
        "min is in the summaries already"
    );
}

const NOW_FOR_TESTS: i64 = super::tests::NOW;

#[test]
fn aggregates_of_a_changed_run_are_computed_again() {
    let mut app = lr_sweep_app();
    let path = lr_sweep_path();
    let effects = show_column(&mut app, "metrics.val/acc@3");
    fulfil_aggregates(&mut app, effects, &path);
    let first = app.shown_runs()[0].run_id.clone();
    let before = app.index.run(&first).expect("run").clone();
    // A live refresh brings the run again (a new point logged): its value stays shown
    // until the new one is computed, and it alone is asked for.
    let mut changed = before.clone();
    changed.aggregates = Default::default();
    if let Some(m) = changed.metrics.get_mut("val/acc") {
        m.latest.step += 1;
    }
    let effects = app.on_load(LoadEvent::Runs(crate::store::RunBatch {
        summaries: Vec::new(),
        runs: vec![changed],
        warnings: Vec::new(),
    }));
    let shown = app.index.run(&first).expect("run");
    assert_eq!(
        shown.aggregates.get("val/acc", Agg::At(3)),
        before.aggregates.get("val/acc", Agg::At(3)),
        "the old value shows meanwhile"
    );
    let jobs: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::ComputeAggregates(j) => Some(j),
            _ => None,
        })
        .collect();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].run_ids, vec![first.clone()]);
    assert_eq!(
        jobs[0].refetch,
        vec![first],
        "a server refetches its history"
    );
}

#[test]
fn grouping_by_a_key_no_run_has_is_refused_with_the_closest_key() {
    let mut app = lr_sweep_app();
    app.update(Action::GroupBy);
    type_prompt(&mut app, "params.optimiser");
    assert!(app.groups.is_none(), "one group of every run says nothing");
    assert!(
        app.prompt.is_some(),
        "the prompt stays open to fix the name"
    );
    let msg = app
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(
        msg.contains("no run here has params.optimiser; did you mean params.optimizer?"),
        "{msg}"
    );
}

#[test]
fn group_mode_aggregates_unfolds_marks_and_exports() {
    let mut app = lr_sweep_app();
    let path = lr_sweep_path();
    show_column(&mut app, "metrics.val/acc:max");
    app.update(Action::GroupBy);
    let effects = type_prompt(&mut app, "params.optimizer");
    fulfil_aggregates(&mut app, effects, &path);
    assert_eq!(app.context(), Context::Groups);
    let gv = app.groups.as_ref().expect("group mode");
    let labels: Vec<String> = gv.groups.iter().map(|g| g.label()).collect();
    assert_eq!(labels, ["adam", "rmsprop", "sgd", "-"]);
    assert_eq!(gv.rows.len(), 4);
    // mean ± std of the best accuracy, as Python's statistics gives (tests/sweep.rs
    // checks the numbers; here the cell is what the app computes).
    let adam = &gv.groups[0];
    let col = Column::MetricAgg("val/acc".into(), Agg::Max);
    let (mean, std) = app.group_cell(adam, &col, CellAgg::MeanStd);
    assert_eq!(mean, Value::Number(0.8812));
    assert!(std.is_some_and(|s| (s - 0.053_395_380_574_228_206).abs() < 1e-12));
    // Sort groups by that column, descending: the missing-optimizer group has the best mean.
    let at = gv
        .columns
        .iter()
        .position(|c| c.column() == Some(&col))
        .expect("column");
    app.groups.as_mut().expect("groups").col_cursor = at;
    app.update(Action::SortDesc);
    let labels: Vec<String> = app
        .groups
        .as_ref()
        .expect("g")
        .groups
        .iter()
        .map(|g| g.label())
        .collect();
    assert_eq!(labels, ["-", "adam", "rmsprop", "sgd"]);
    // Cycle the aggregate of the column: mean ± std → mean → std → ...
    app.update(Action::CycleAgg);
    assert_eq!(
        app.groups.as_ref().expect("g").agg_of(&col),
        CellAgg::One(crate::index::group::GroupAgg::Mean)
    );
    // Unfold the first group (the two runs without an optimizer): its runs follow it.
    app.groups.as_mut().expect("g").cursor = 0;
    app.update(Action::ToggleFold);
    assert_eq!(app.groups.as_ref().expect("g").rows.len(), 4 + 2);
    // Marking a group marks its runs; compare opens with them.
    app.update(Action::ToggleMark);
    assert_eq!(app.runs.marks.len(), 2);
    app.update(Action::Compare);
    assert_eq!(app.screen(), Screen::Compare);
    assert_eq!(app.compare.run_ids.len(), 2);
    app.update(Action::Leave);
    // Export: one row per group, or per run with the group's values.
    let t = app.groups_export_table(false).expect("table");
    assert_eq!(t.rows.len(), 4);
    assert!(
        t.headers.contains(&"mean(metrics.val/acc:max)".to_string()),
        "{:?}",
        t.headers
    );
    let t = app.groups_export_table(true).expect("table");
    assert_eq!(t.rows.len(), 30);
    assert!(
        t.headers.contains(&"group runs".to_string()),
        "{:?}",
        t.headers
    );
    // Esc leaves group mode.
    app.update(Action::Back);
    assert!(app.groups.is_none());
    assert_eq!(app.context(), Context::Runs);
}

#[test]
fn grouped_chart_draws_bands_over_each_groups_runs() {
    let mut app = lr_sweep_app();
    let path = lr_sweep_path();
    app.update(Action::GroupBy);
    type_prompt(&mut app, "params.optimizer");
    assert!(
        app.groups.is_some(),
        "group mode: {:?} {:?}",
        app.prompt,
        app.message
    );
    let effects = app.update(Action::Plot);
    fulfil_histories(&mut app, effects, &path);
    assert_eq!(app.screen(), Screen::Chart);
    assert_eq!(app.chart.groups.len(), 4, "no group marked: all of them");
    let at = app
        .chart
        .shown_keys()
        .iter()
        .position(|k| k.as_str() == "val/acc")
        .expect("val/acc");
    app.chart.key_cursor = at;
    let effects = app.request_histories();
    fulfil_histories(&mut app, effects, &path);
    let (bands, loading) = app.group_bands("val/acc");
    assert!(!loading);
    assert_eq!(bands.len(), 4);
    assert_eq!(bands[0].runs, 10);
    let minmax = bands[0].hi[5].1 - bands[0].lo[5].1;
    app.update(Action::ToggleBand);
    let (bands, _) = app.group_bands("val/acc");
    let std = bands[0].hi[5].1 - bands[0].lo[5].1;
    assert!(
        std < minmax,
        "±std is narrower than min–max here: {std} vs {minmax}"
    );
}

#[test]
fn scatter_moves_between_points_and_opens_the_run() {
    let mut app = lr_sweep_app();
    let path = lr_sweep_path();
    let effects = app.update(Action::Scatter);
    fulfil_aggregates(&mut app, effects, &path);
    assert_eq!(app.screen(), Screen::Scatter);
    let s = app.scatter.as_ref().expect("scatter");
    assert_eq!(s.y, Column::Metric("val/acc".into()), "the held-out metric");
    assert_eq!(s.x, Column::Param("lr".into()), "the most important param");
    let data = s.data.as_ref().expect("points");
    assert_eq!(data.points.len(), 29);
    assert!(data.x.is_log());
    let start = s.cursor_run;
    app.update(Action::Right);
    let moved = app.scatter.as_ref().expect("s").cursor_run;
    assert_ne!(moved, start);
    // y: next column; X: type one (any aggregate), computed for the chart.
    app.update(Action::SetY);
    assert_eq!(
        app.prompt.as_ref().map(|p| p.text()),
        Some("metrics.val/acc"),
        "prefilled"
    );
    app.update(Action::InputKillStart);
    let effects = type_prompt(&mut app, "metrics.val/loss:min_step");
    let (_, jobs) = fulfil_aggregates(&mut app, effects, &path);
    assert_eq!(jobs, 1);
    let s = app.scatter.as_ref().expect("s");
    assert_eq!(s.y, Column::MetricAgg("val/loss".into(), Agg::MinStep));
    assert!(s.data.as_ref().is_some_and(|d| d.points.len() == 29));
    app.update(Action::Open);
    assert_eq!(app.screen(), Screen::Detail);
    app.update(Action::Leave);
    assert_eq!(app.screen(), Screen::Scatter);
    app.update(Action::Leave);
    assert_eq!(app.screen(), Screen::Runs);
    assert!(app.scatter.is_none(), "its columns are no longer wanted");
}

#[test]
fn parallel_coordinates_and_importance() {
    let mut app = lr_sweep_app();
    show_column(&mut app, "metrics.val/acc:max");
    select(&mut app, "metrics.val/acc:max");
    app.update(Action::SortDesc);
    app.update(Action::Parallel);
    let p = app.parallel.as_ref().expect("parallel");
    let data = p.data.as_ref().expect("data");
    let names: Vec<String> = data
        .axes
        .iter()
        .map(|a| a.column.name().into_owned())
        .collect();
    assert_eq!(
        names.last().map(String::as_str),
        Some("metrics.val/acc:max")
    );
    assert!(names.contains(&"params.lr".to_string()));
    // The highlighted run is the best one first.
    let best = data.lines.last().map(|l| l.run).expect("lines");
    assert_eq!(app.index.runs()[best].run_name, "adam-lr0.01-s0-3");
    app.update(Action::Down);
    assert_eq!(app.parallel.as_ref().expect("p").cursor, 1);
    // Log on the axis under the cursor, moving and removing axes.
    let lr = names.iter().position(|n| n == "params.lr").expect("lr");
    app.parallel.as_mut().expect("p").axis_cursor = lr;
    let was_log = app
        .parallel
        .as_ref()
        .and_then(|p| p.data.as_ref())
        .map(|d| d.axes[lr].is_log());
    app.update(Action::ToggleLogY);
    let now_log = app
        .parallel
        .as_ref()
        .and_then(|p| p.data.as_ref())
        .map(|d| d.axes[lr].is_log());
    assert_ne!(was_log, now_log);
    let n = app.parallel.as_ref().expect("p").axes.len();
    app.update(Action::HideColumn);
    assert_eq!(app.parallel.as_ref().expect("p").axes.len(), n - 1);
    app.update(Action::Leave);
    // Importance of the params for the sort key.
    app.update(Action::Importance);
    let i = app.importance.as_ref().expect("importance");
    assert_eq!(i.target, Column::MetricAgg("val/acc".into(), Agg::Max));
    assert_eq!(i.list[0].param, "lr");
    app.update(Action::Open);
    assert_eq!(
        app.screen(),
        Screen::Scatter,
        "Enter: the param against the target"
    );
    assert_eq!(
        app.scatter.as_ref().map(|s| s.x.clone()),
        Some(Column::Param("lr".into()))
    );
}

#[test]
fn tab_completes_column_names_in_the_group_by_prompt() {
    let mut app = lr_sweep_app();
    app.update(Action::GroupBy);
    for c in "params.opt".chars() {
        app.update(Action::InputChar(c));
    }
    app.update(Action::InputComplete);
    let text = app.prompt.as_ref().map(|p| p.text().to_string());
    assert_eq!(text.as_deref(), Some("params.optimizer"));
    // Keys with a slash stay unquoted (a column name, not a filter); several candidates
    // are listed on the status line.
    app.update(Action::InputChar(','));
    for c in "metrics.val".chars() {
        app.update(Action::InputChar(c));
    }
    app.update(Action::InputComplete);
    let text = app
        .prompt
        .as_ref()
        .map(|p| p.text().to_string())
        .unwrap_or_default();
    assert_eq!(text, "params.optimizer,metrics.val/");
    let msg = app
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(
        msg.contains("metrics.val/acc") && msg.contains("metrics.val/loss"),
        "{msg}"
    );
}
