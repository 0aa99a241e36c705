//! Chart screen scenarios: opening charts, lazy history loading, options, zoom, export.

use super::tests::{chart_app, fixture, fulfil_histories, sweep_app};
use std::sync::Arc;

use super::*;

#[test]
fn plot_opens_charts_of_marked_runs_and_loads_histories_in_the_background() {
    let mut app = sweep_app();
    app.runs.cursor = 0;
    let effects = app.update(Action::Plot);
    assert_eq!(app.screen(), Screen::Chart);
    assert_eq!(
        app.chart.run_ids.len(),
        1,
        "no marks: the run under the cursor"
    );
    let current = app.chart.current_key().cloned().expect("a metric");
    match effects.as_slice() {
        [
            Effect::LoadHistories {
                run_ids,
                key,
                steps: None,
            },
        ] => {
            assert_eq!((run_ids, key), (&app.chart.run_ids, &current));
        }
        other => panic!("expected one history load, got {other:?}"),
    }
    app.update(Action::Back);

    let app = chart_app();
    assert_eq!(app.chart.run_ids.len(), 3);
    assert_eq!(
        app.chart.current_key().map(String::as_str),
        Some("loss"),
        "starts on a loss curve"
    );
    let series = app.chart_series("loss");
    assert_eq!(series.len(), 3);
    assert!(series.iter().all(|(_, s)| !s.raw.is_empty()));
}

#[test]
fn chart_keys_search_grid_and_lazy_loading() {
    let mut app = chart_app();
    let path = fixture("v3/file/mlruns");
    app.update(Action::Filter);
    for c in "val".chars() {
        let e = app.update(Action::InputChar(c));
        fulfil_histories(&mut app, e, &path);
    }
    let e = app.update(Action::InputSubmit);
    fulfil_histories(&mut app, e, &path);
    assert_eq!(app.chart.shown_keys(), ["val/acc"]);
    assert!(matches!(
        app.histories
            .get(&(app.chart.run_ids[0].clone(), "val/acc".into())),
        Some(History::Loaded(_))
    ));
    // Esc in the prompt keeps the search in force; clearing it shows every key again.
    app.update(Action::Filter);
    app.update(Action::InputBackspace);
    app.update(Action::InputCancel);
    assert_eq!(app.chart.search, "val");
    app.update(Action::Filter);
    for _ in 0..3 {
        app.update(Action::InputBackspace);
    }
    let e = app.update(Action::InputSubmit);
    fulfil_histories(&mut app, e, &path);
    assert_eq!(app.chart.shown_keys().len(), app.chart.keys.len());
    let e = app.update(Action::ToggleGrid);
    fulfil_histories(&mut app, e, &path);
    assert_eq!(key_group(app.chart.current_key().expect("key")), "");
    let keys = app.chart.chart_keys();
    assert!(
        keys.len() > 1 && keys.iter().all(|k| key_group(k).is_empty()),
        "{keys:?}"
    );
    // Already loaded histories are not asked for again.
    assert!(app.request_histories().is_empty());
}

#[test]
fn chart_options_zoom_pan_and_cursor() {
    let mut app = chart_app();
    app.update(Action::SmoothMore);
    app.update(Action::SmoothMore);
    assert_eq!(app.chart.opts.smoothing, 0.6);
    assert!(
        app.chart_series("loss")
            .iter()
            .all(|(_, s)| s.smoothed.is_some())
    );
    app.update(Action::SmoothLess);
    app.update(Action::SmoothLess);
    app.update(Action::SmoothLess);
    assert_eq!(app.chart.opts.smoothing, 0.0);
    app.update(Action::ToggleLogY);
    app.update(Action::ToggleOutliers);
    assert!(app.chart.opts.log_y && app.chart.opts.clip_outliers);
    app.update(Action::CycleXAxis);
    assert_eq!(app.chart.opts.x_mode, crate::chart::XMode::Time);
    app.update(Action::CycleXAxis);
    app.update(Action::CycleXAxis);
    let full = app.chart_extent().expect("extent");
    app.update(Action::Left);
    let c = app.chart.cursor_x.expect("cursor");
    assert!(c < full.1);
    app.update(Action::ZoomIn);
    let (lo, hi) = app.chart.x_range.expect("zoomed");
    assert!(hi - lo < full.1 - full.0 && lo <= c && c <= hi);
    app.update(Action::PanLeft);
    let (lo2, _) = app.chart.x_range.expect("zoomed");
    assert!(lo2 <= lo && lo2 >= full.0);
    app.update(Action::ZoomOut);
    app.update(Action::ZoomOut);
    app.update(Action::ZoomOut);
    assert_eq!(app.chart.x_range, None, "zooming out past the data resets");
    app.update(Action::ResetZoom);
    assert_eq!(app.chart.cursor_x, None);
}

#[test]
fn chart_export_writes_the_points_shown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = chart_app();
    app.export_dir = dir.path().to_path_buf();
    app.update(Action::Export);
    let effects = app.update(Action::InputSubmit);
    let (tx, _rx) = std::sync::mpsc::channel();
    let mut path = None;
    for e in effects {
        if let Effect::Export { path: p, .. } = &e {
            path = Some(p.clone());
        }
        crate::tui::run_effect(&mut app, e, &tx);
    }
    let text = std::fs::read_to_string(path.expect("export")).expect("read");
    assert!(text.starts_with("run_id,run_name,key,step,timestamp,value\n"));
    let expected: usize = app
        .chart
        .run_ids
        .iter()
        .map(|id| {
            app.index
                .run(id)
                .and_then(|r| r.metrics.get("loss"))
                .and_then(|m| m.count)
                .unwrap_or(0) as usize
        })
        .sum();
    assert_eq!(text.lines().count(), expected + 1);
}

#[test]
fn zooming_a_sampled_chart_asks_for_the_step_range() {
    let mut app = chart_app();
    let path = fixture("v3/file/mlruns");
    // Pretend the store samples histories (as a server does).
    app.chart.sampled = true;
    let full = app.chart_extent().expect("extent");
    let effects = app.update(Action::ZoomIn);
    let steps = effects.iter().find_map(|e| match e {
        Effect::LoadHistories { steps, .. } => *steps,
        _ => None,
    });
    let (lo, hi) = steps.expect("a ranged request");
    fulfil_histories(&mut app, effects, &path);
    for (_, s) in app.chart_series("loss") {
        assert!(
            s.raw.iter().all(|p| p.0 >= lo as f64 && p.0 <= hi as f64),
            "zoomed sample drawn"
        );
    }
    let before = app.chart_series("loss");
    assert_eq!(
        app.chart_extent(),
        Some(full),
        "the full extent stays known for zooming out"
    );
    let after = app.chart_series("loss");
    assert!(
        before
            .iter()
            .zip(&after)
            .all(|(a, b)| Arc::ptr_eq(&a.1, &b.1)),
        "reading the extent does not evict the prepared zoomed series"
    );
    app.update(Action::ResetZoom);
    assert!(
        app.chart_series("loss")
            .iter()
            .any(|(_, s)| s.raw.first().map(|p| p.0) == Some(full.0))
    );
}
