//! App scenarios of the compare and chart screens: paging through many runs, key filter,
//! folding, export with deltas, better directions, pinned metrics, hidden runs and the
//! value cursor across x-axis modes.

use super::tests::{chart_app, fixture, fulfil_histories, sweep_app};
use super::tests_daily::{compare_all, cursor_on, demo_app, type_text};
use super::*;
use crate::index::Column;

#[test]
fn compare_pages_through_many_runs_filters_keys_and_folds_sections() {
    let mut app = demo_app();
    compare_all(&mut app);
    assert_eq!(app.compare.run_ids.len(), 12);
    app.viewport.cmp_cols.set(2);
    assert_eq!(app.compare_page_label(), "runs 1–2 of 12");
    app.on_key(Key::Ch('L'));
    assert_eq!(app.compare.col_cursor, 2);
    app.on_key(Key::Ch('$'));
    assert_eq!(app.compare.col_cursor, 11);
    app.on_key(Key::Ch('0'));
    assert_eq!(app.compare.col_cursor, 0);
    // Filter rows by key.
    app.on_key(Key::Ch('/'));
    type_text(&mut app, "loss");
    app.on_key(Key::Enter);
    let cmp = app.comparison();
    let lines = app.compare_lines(&cmp);
    let keys: Vec<String> = lines
        .iter()
        .filter_map(|l| match l {
            CmpLine::Row(i) => Some(cmp.rows[*i].column.name().into_owned()),
            CmpLine::Section(..) => None,
        })
        .collect();
    assert_eq!(keys, ["metrics.train/loss", "metrics.val/loss"]);
    drop(cmp);
    app.on_key(Key::Esc);
    assert!(
        app.compare.filter.is_empty(),
        "Esc clears the key filter first"
    );
    assert_eq!(app.screen(), Screen::Compare);
    // Fold the params section from one of its rows; the cursor goes to its title.
    let cmp = app.comparison();
    let lines = app.compare_lines(&cmp);
    let a_param = lines
        .iter()
        .position(|l| matches!(l, CmpLine::Row(i) if cmp.rows[*i].column.name() == "params.lr"))
        .expect("params.lr");
    let before = lines.len();
    drop(cmp);
    app.compare.cursor = a_param;
    app.on_key(Key::Tab);
    let cmp = app.comparison();
    let lines = app.compare_lines(&cmp);
    assert!(lines.len() < before);
    assert!(matches!(
        lines[app.compare.cursor],
        CmpLine::Section(crate::index::compare::Section::Params, _)
    ));
    drop(cmp);
    app.on_key(Key::Enter);
    let cmp = app.comparison();
    assert_eq!(
        app.compare_lines(&cmp).len(),
        before,
        "Enter on a title unfolds"
    );
}

#[test]
fn compare_export_names_runs_and_carries_the_baseline_deltas() {
    let mut app = sweep_app();
    app.on_key(Key::Ch('t'));
    for name in ["sweep-0", "sweep-1"] {
        cursor_on(&mut app, name);
        app.on_key(Key::Ch(' '));
    }
    app.on_key(Key::Ch('c'));
    app.on_key(Key::Ch('b'));
    let t = app.screen_table();
    assert_eq!(t.headers, ["key", "sweep-1", "sweep-0", "sweep-0 Δ"]);
    let loss = t
        .rows
        .iter()
        .find(|r| r[0].exact() == "metrics.loss")
        .expect("loss row");
    let (a, b, d) = (
        loss[1].exact().parse::<f64>().expect("a"),
        loss[2].exact().parse::<f64>().expect("b"),
        loss[3].exact().parse::<f64>().expect("d"),
    );
    assert_eq!(d, b - a);
}

#[test]
fn direction_decides_the_star_and_a_key_changes_it_for_the_session() {
    let mut app = sweep_app();
    app.on_key(Key::Ch('t'));
    for name in ["sweep-0", "sweep-1"] {
        cursor_on(&mut app, name);
        app.on_key(Key::Ch(' '));
    }
    app.on_key(Key::Ch('c'));
    let row_of = |app: &App, key: &str| -> usize {
        let cmp = app.comparison();
        app.compare_lines(&cmp)
            .iter()
            .position(|l| matches!(l, CmpLine::Row(i) if cmp.rows[*i].column.name() == key))
            .expect(key)
    };
    let best = |app: &App, key: &str| {
        app.comparison()
            .rows
            .iter()
            .find(|r| r.column.name() == key)
            .and_then(|r| r.best)
    };
    assert!(best(&app, "metrics.loss").is_some());
    app.compare.cursor = row_of(&app, "metrics.loss");
    app.on_key(Key::Ch('D')); // lower → unknown
    assert_eq!(best(&app, "metrics.loss"), None);
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("no better direction"))
    );
    app.on_key(Key::Ch('D')); // unknown → higher
    let higher = best(&app, "metrics.loss");
    app.on_key(Key::Ch('D')); // higher → lower
    let lower = best(&app, "metrics.loss");
    assert!(higher.is_some() && lower.is_some() && higher != lower);
    // The same session direction reaches the run table's D.
    app.on_key(Key::Ch('q'));
    let loss = Column::Metric("loss".into());
    app.runs.col_cursor = app
        .runs
        .shown
        .iter()
        .position(|&i| app.runs.columns[i].column == loss)
        .expect("loss");
    app.on_key(Key::Ch('D'));
    assert_eq!(
        app.directions.get("loss"),
        Some(&crate::index::Direction::Unknown)
    );
}

#[test]
fn changing_the_x_axis_keeps_the_cursor_on_the_same_point() {
    let mut app = chart_app();
    for _ in 0..10 {
        app.update(Action::Left);
    }
    let step_cursor = app.chart.cursor_x.expect("cursor");
    let key = app.chart.chart_keys()[0].clone();
    let id = app.chart.run_ids[0].clone();
    let points = match app.histories.get(&(id, key)) {
        Some(History::Loaded(p)) => p.clone(),
        _ => panic!("loaded"),
    };
    let point = points
        .iter()
        .filter(|p| p.step as f64 <= step_cursor)
        .max_by_key(|p| p.step)
        .copied()
        .expect("point");
    app.update(Action::CycleXAxis); // wall time
    assert_eq!(app.chart.cursor_x, Some(point.timestamp as f64));
    app.update(Action::CycleXAxis); // relative
    let t0 = points.iter().map(|p| p.timestamp).min().unwrap_or(0);
    assert_eq!(
        app.chart.cursor_x,
        Some((point.timestamp - t0) as f64 / 1000.0)
    );
    app.update(Action::CycleXAxis); // step again
    assert_eq!(app.chart.cursor_x, Some(point.step as f64));
}

#[test]
fn charts_pin_metrics_into_a_grid_and_hide_or_isolate_runs() {
    let mut app = chart_app();
    let keys_before = app.chart.keys.clone();
    // Pin two metrics from the list.
    app.chart.key_cursor = 0;
    let e = app.on_key(Key::Ch(' '));
    fulfil_histories(&mut app, e, &fixture("v3/file/mlruns"));
    app.on_key(Key::Down);
    app.on_key(Key::Down);
    let e = app.on_key(Key::Ch(' '));
    fulfil_histories(&mut app, e, &fixture("v3/file/mlruns"));
    assert!(app.chart.grid);
    assert_eq!(
        app.chart.chart_keys(),
        [keys_before[0].clone(), keys_before[2].clone()]
    );
    // The legend: hide one run, then isolate another, then show all again.
    app.on_key(Key::Tab);
    assert_eq!(app.chart.focus, ChartFocus::Legend);
    app.on_key(Key::Down);
    app.on_key(Key::Ch(' '));
    assert_eq!(app.chart.hidden.len(), 1);
    let drawn: Vec<usize> = app
        .chart_series(&keys_before[0])
        .iter()
        .map(|(i, _)| *i)
        .collect();
    assert!(!drawn.contains(&1), "{drawn:?}");
    app.on_key(Key::Ch('i'));
    let drawn: Vec<usize> = app
        .chart_series(&keys_before[0])
        .iter()
        .map(|(i, _)| *i)
        .collect();
    assert_eq!(drawn, [1]);
    app.on_key(Key::Ch('i'));
    assert!(app.chart.hidden.is_empty());
    // Esc leaves the legend, then the screen.
    app.on_key(Key::Esc);
    assert_eq!(
        (app.screen(), app.chart.focus),
        (Screen::Chart, ChartFocus::Keys)
    );
    app.on_key(Key::Esc);
    assert_eq!(app.screen(), Screen::Runs);
}

#[test]
fn charts_of_a_sampling_store_stay_sampled() {
    let mut app = sweep_app();
    app.chart.sampled = true; // what the runtime sets for a server
    app.on_key(crate::tui::keymap::Key::Ch('p'));
    assert_eq!(app.screen(), Screen::Chart);
    assert!(
        app.chart.sampled,
        "opening a chart kept the store's sampling"
    );
}
