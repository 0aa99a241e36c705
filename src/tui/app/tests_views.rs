//! Remembered and named views, pins and hidden runs, and the settings the run table
//! follows (default columns, times, metric directions), on the MLflow-written fixtures.

use std::path::Path;

use super::tests::{fixture, loaded_app, open_experiment, sweep_app};
use super::*;
use crate::config::state::{self, StateFile};
use crate::index::{Attr, Column};

fn names(app: &App) -> Vec<String> {
    app.shown_runs()
        .iter()
        .map(|r| r.run_name.clone())
        .collect()
}

fn shown(app: &App) -> Vec<String> {
    app.shown_columns()
        .iter()
        .map(|c| c.name().into_owned())
        .collect()
}

fn select_column(app: &mut App, name: &str) {
    let col = Column::parse(name).expect("column");
    app.runs.col_cursor = app
        .runs
        .shown
        .iter()
        .position(|&i| app.runs.columns[i].column == col)
        .unwrap_or_else(|| panic!("{name} not shown: {:?}", shown(app)));
}

fn run_named(app: &App, name: &str) -> usize {
    app.runs
        .rows
        .iter()
        .position(|r| app.index.runs()[r.run].run_name == name)
        .unwrap_or_else(|| panic!("{name} not shown: {:?}", names(app)))
}

/// A sweep app that remembers views in `dir`.
fn remembering_app(dir: &Path) -> App {
    let mut app = loaded_app(&fixture("v3/file/mlruns"));
    app.load_views(Some(dir.join("views.json")), "file:/fixture");
    app
}

/// Saves what the app would save, as the event loop does (synchronously here).
fn save(app: &mut App) -> bool {
    match app.sync_views() {
        Some(s) => {
            state::write_atomic(&s.path, &s.text, s.keep_old).expect("write");
            true
        }
        None => false,
    }
}

/// Sorts by loss descending, filters, hides a column, flattens, pins and hides runs.
fn customise(app: &mut App) {
    select_column(app, "metrics.loss");
    app.update(Action::SortDesc);
    app.update(Action::ToggleTree);
    select_column(app, "params.optimizer");
    app.update(Action::HideColumn);
    app.update(Action::Filter);
    for c in "adam".chars() {
        app.update(Action::InputChar(c));
    }
    app.update(Action::InputSubmit);
    app.runs.cursor = run_named(app, "sweep-1");
    app.update(Action::PinRun);
    app.runs.cursor = run_named(app, "child-0");
    app.update(Action::HideRun);
}

#[test]
fn a_table_comes_back_as_it_was_left_after_quitting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = remembering_app(dir.path());
    open_experiment(&mut app, "sweep");
    customise(&mut app);
    let before_rows = names(&app);
    let before_cols = shown(&app);
    assert!(save(&mut app), "a changed table is saved");
    assert!(!save(&mut app), "nothing new to save");

    // A new session of the same source.
    let mut again = remembering_app(dir.path());
    assert!(again.message.is_none(), "{:?}", again.message);
    open_experiment(&mut again, "sweep");
    assert_eq!(names(&again), before_rows);
    assert_eq!(shown(&again), before_cols);
    assert_eq!(again.runs.filter, "adam");
    assert!(again.runs.flat);
    assert_eq!(again.runs.sort.len(), 1);
    assert!(again.runs.sort[0].descending);
    assert_eq!(
        again
            .runs
            .rows
            .first()
            .map(|r| again.index.runs()[r.run].run_name.as_str()),
        Some("sweep-1")
    );
    assert!(!names(&again).contains(&"child-0".to_string()));
    assert!(!shown(&again).contains(&"params.optimizer".to_string()));
}

#[test]
fn an_opened_but_unchanged_table_is_not_remembered_and_others_are_kept_apart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = remembering_app(dir.path());
    open_experiment(&mut app, "sweep");
    app.update(Action::Down);
    app.update(Action::Right);
    assert!(!save(&mut app), "moving the cursor is not a change of view");
    app.update(Action::ToggleTree);
    assert!(save(&mut app));
    app.update(Action::Leave);
    open_experiment(&mut app, "exp-α demo");
    assert!(
        !app.runs.flat,
        "another experiment keeps its own (default) view"
    );
    app.update(Action::Leave);
    open_experiment(&mut app, "sweep");
    assert!(app.runs.flat);
    let file = state::read(&dir.path().join("views.json"))
        .expect("read")
        .expect("file");
    assert_eq!(file.tables.len(), 1, "{:?}", file.tables.keys());
}

#[test]
fn columns_remembered_before_their_runs_load_wait_for_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = remembering_app(dir.path());
    open_experiment(&mut app, "sweep");
    select_column(&mut app, "metrics.val/acc");
    app.update(Action::ColumnWider);
    app.update(Action::ColumnWider);
    let width = app.runs.columns[app.runs.shown[app.runs.col_cursor]].width;
    assert_eq!(width, Some(16), "12 wide by default, two steps wider");
    assert!(save(&mut app));
    // The remembered view is applied before any run is loaded (`-e` on a slow server).
    let mut fresh = App::new("fixture".into(), std::env::temp_dir(), tests::NOW);
    fresh.load_views(Some(dir.path().join("views.json")), "file:/fixture");
    let exp = app.runs.experiment_ids.clone();
    fresh.open_runs(exp, "sweep".into());
    fresh.stack.push(Screen::Runs);
    assert!(
        fresh
            .shown_columns()
            .iter()
            .all(|c| matches!(c, Column::Attr(_)))
    );
    let loaded = loaded_app(&fixture("v3/file/mlruns"));
    fresh.on_load(LoadEvent::Experiments(crate::store::ExperimentList {
        experiments: loaded.index.experiments().to_vec(),
        warnings: Vec::new(),
    }));
    fresh.on_load(LoadEvent::Runs(crate::store::RunBatch {
        summaries: Vec::new(),
        runs: loaded.index.runs().to_vec(),
        warnings: Vec::new(),
    }));
    let col = Column::Metric("val/acc".into());
    let state = fresh
        .runs
        .columns
        .iter()
        .find(|c| c.column == col)
        .expect("column");
    assert_eq!(state.width, Some(16));
    assert!(fresh.shown_columns().contains(&col));
}

#[test]
fn chart_options_are_remembered_with_the_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = remembering_app(dir.path());
    open_experiment(&mut app, "sweep");
    app.update(Action::Plot);
    assert_eq!(app.screen(), Screen::Chart);
    app.update(Action::CycleXAxis);
    app.update(Action::ToggleLogY);
    app.update(Action::SmoothMore);
    app.update(Action::Down);
    let key = app.chart.current_key().cloned();
    app.update(Action::Leave);
    assert!(save(&mut app));

    let mut again = remembering_app(dir.path());
    open_experiment(&mut again, "sweep");
    again.update(Action::Plot);
    let c = &again.chart;
    assert_eq!(c.opts.x_mode, crate::chart::XMode::Time);
    assert!(c.opts.log_y);
    assert!(c.opts.smoothing > 0.0);
    assert_eq!(c.current_key().cloned(), key);
}

#[test]
fn named_views_are_saved_opened_and_deleted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = remembering_app(dir.path());
    open_experiment(&mut app, "sweep");
    customise(&mut app);
    let custom = names(&app);
    app.update(Action::Views);
    assert_eq!(app.context(), crate::tui::keymap::Context::Views);
    app.update(Action::SaveView);
    assert!(matches!(
        app.prompt.as_ref().map(|p| &p.kind),
        Some(PromptKind::ViewName)
    ));
    for c in "adam runs".chars() {
        app.update(Action::InputChar(c));
    }
    app.update(Action::InputSubmit);
    assert_eq!(app.view_names(), ["adam runs"]);
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("saved"))
    );

    // Back to the default view, then the named one.
    app.update(Action::Back); // clears the filter
    app.update(Action::ToggleTree);
    assert_ne!(names(&app), custom);
    app.update(Action::Views);
    app.update(Action::Open);
    assert!(app.views_menu.is_none());
    assert_eq!(names(&app), custom);

    // Kept in the file, and deleted from it.
    assert!(save(&mut app));
    let file = state::read(&dir.path().join("views.json"))
        .expect("read")
        .expect("file");
    assert!(file.named.contains_key("adam runs"));
    app.update(Action::Views);
    app.update(Action::DeleteView);
    assert!(app.view_names().is_empty());
    assert!(save(&mut app));
    let file = state::read(&dir.path().join("views.json"))
        .expect("read")
        .expect("file");
    assert!(file.named.is_empty());
}

#[test]
fn a_corrupt_state_file_is_reported_once_ignored_and_kept_aside() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("views.json");
    std::fs::write(&path, "{\"version\": 1, \"tables\": [1, 2").expect("write");
    let mut app = remembering_app(dir.path());
    let msg = app.message.clone().expect("a message");
    assert!(
        msg.error
            && msg
                .text
                .starts_with("remembered views ignored, not a state file"),
        "{msg:?}"
    );
    open_experiment(&mut app, "sweep");
    assert!(app.message.is_none(), "said once");
    app.update(Action::ToggleTree);
    assert!(save(&mut app));
    assert!(
        path.with_extension("json.corrupt").exists(),
        "the old file is kept aside"
    );
    assert!(state::read(&path).expect("readable now").is_some());
}

#[test]
fn a_newer_state_file_is_read_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("views.json");
    std::fs::write(&path, "{\"version\": 7, \"whatever\": true}").expect("write");
    let mut app = remembering_app(dir.path());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("newer mltui"))
    );
    open_experiment(&mut app, "sweep");
    app.update(Action::ToggleTree);
    assert!(!save(&mut app), "a newer mltui's file is never replaced");
    assert!(
        std::fs::read_to_string(&path)
            .expect("read")
            .contains("\"version\": 7")
    );
}

#[test]
fn pinned_runs_stay_on_top_through_sort_and_filter() {
    let mut app = sweep_app();
    app.runs.cursor = run_named(&app, "sweep-2");
    app.update(Action::PinRun);
    assert_eq!(names(&app)[0], "sweep-2");
    assert!(app.is_pinned(&app.current_run_id().expect("cursor")));
    select_column(&mut app, "metrics.loss");
    app.update(Action::SortAsc);
    assert_eq!(names(&app)[0], "sweep-2");
    app.update(Action::SortDesc);
    assert_eq!(names(&app)[0], "sweep-2");
    // A filter the pinned run does not match leaves it on top anyway.
    app.update(Action::Filter);
    for c in "child".chars() {
        app.update(Action::InputChar(c));
    }
    app.update(Action::InputSubmit);
    let n = names(&app);
    assert_eq!(n[0], "sweep-2", "{n:?}");
    assert!(n[1..].iter().all(|s| s.starts_with("child")), "{n:?}");
    // Marked runs pin together; pinning again unpins.
    app.update(Action::Back);
    app.update(Action::Top);
    app.update(Action::PinRun);
    assert!(app.runs.pins.is_empty());
}

#[test]
fn hidden_runs_leave_the_table_and_charts_until_shown() {
    let mut app = sweep_app();
    let all = names(&app);
    app.runs.cursor = run_named(&app, "sweep-0");
    app.update(Action::ToggleMark);
    app.runs.cursor = run_named(&app, "sweep-1");
    app.update(Action::ToggleMark);
    app.update(Action::HideRun);
    let n = names(&app);
    assert_eq!(n.len(), all.len() - 2);
    assert!(!n.contains(&"sweep-0".to_string()) && !n.contains(&"sweep-1".to_string()));
    assert!(app.runs.marks.is_empty(), "hidden runs are unmarked");
    assert_eq!(app.runs.hidden_out, 2);
    // Charts of every shown run leave them out.
    app.update(Action::MarkAll);
    app.update(Action::Plot);
    assert_eq!(app.chart.run_ids.len(), all.len() - 2);
    app.update(Action::Leave);
    // `.` shows them (dimmed), and unhiding brings them back for good.
    app.update(Action::ClearMarks);
    app.update(Action::ToggleHidden);
    assert_eq!(names(&app).len(), all.len());
    app.runs.cursor = run_named(&app, "sweep-0");
    app.update(Action::HideRun);
    app.update(Action::ToggleHidden);
    assert_eq!(names(&app).len(), all.len() - 1);
}

#[test]
fn configured_columns_lead_groups_follow_the_order_and_patterns_hide() {
    let mut app = loaded_app(&fixture("v3/file/mlruns"));
    app.settings.columns = crate::config::Columns {
        first: vec!["params.lr".into(), "metrics.val/acc".into()],
        order: vec![
            crate::config::ColumnGroup::Attributes,
            crate::config::ColumnGroup::Params,
            crate::config::ColumnGroup::Metrics,
            crate::config::ColumnGroup::Tags,
        ],
        hide: vec![
            "metrics.*loss".into(),
            "user_id".into(),
            "tags.mlflow.*".into(),
        ],
    };
    open_experiment(&mut app, "sweep");
    let cols = shown(&app);
    assert_eq!(
        cols[..4],
        ["run_name", "params.lr", "metrics.val/acc", "status"],
        "{cols:?}"
    );
    let pos = |n: &str| cols.iter().position(|c| c == n);
    assert!(pos("start_time") < pos("params.batch_size"), "{cols:?}");
    assert!(pos("params.batch_size") < pos("metrics.acc"), "{cols:?}");
    assert_eq!(pos("metrics.loss"), None, "{cols:?}");
    assert_eq!(pos("metrics.train/loss"), None, "{cols:?}");
    assert_eq!(pos("user_id"), None);
    // Hidden columns are still there to pick.
    assert!(
        app.runs
            .columns
            .iter()
            .any(|c| c.column == Column::Metric("loss".into()))
    );
}

#[test]
fn tags_other_than_mlflow_ones_show_by_default() {
    let mut app = loaded_app(&fixture("v3/sqlite/mlflow.db"));
    open_experiment(&mut app, "sweep");
    let cols = shown(&app);
    assert!(
        cols.iter().all(|c| !c.starts_with("tags.mlflow.")),
        "{cols:?}"
    );
    let tags: Vec<&String> = cols.iter().filter(|c| c.starts_with("tags.")).collect();
    let any_user_tag = app
        .runs
        .columns
        .iter()
        .any(|c| matches!(&c.column, Column::Tag(t) if !t.starts_with("mlflow.")));
    assert_eq!(!tags.is_empty(), any_user_tag, "{cols:?}");
}

#[test]
fn times_follow_the_zone_and_relative_settings() {
    let Some(berlin) = crate::timefmt::TimeFormat::in_zone("Europe/Berlin", false) else {
        return; // no time zone database here
    };
    let mut app = sweep_app();
    let id = app.current_run_id().expect("run");
    let start = app
        .index
        .run(&id)
        .and_then(|r| r.start_time)
        .expect("start");
    app.settings.time = berlin.clone();
    app.update(Action::Open);
    let items = app.detail_items();
    let shown = items
        .iter()
        .find(|i| i.key == "start")
        .expect("start")
        .value
        .to_string();
    assert_eq!(shown, berlin.full(start));
    assert!(shown.ends_with("+01:00"), "{shown}");
    assert_ne!(shown, crate::text::time_iso(start));
}

#[test]
fn configured_directions_decide_best_values_and_d_overrides_them() {
    let mut app = sweep_app();
    // By name, acc is higher-is-better; the configuration says otherwise.
    assert_eq!(app.direction("acc"), crate::index::Direction::Higher);
    app.settings.directions = crate::index::direction::Rules {
        lower: vec!["acc".into()],
        higher: vec!["*loss".into()],
    };
    assert_eq!(app.direction("acc"), crate::index::Direction::Lower);
    assert_eq!(app.direction("train/loss"), crate::index::Direction::Higher);
    app.update(Action::MarkAll);
    app.update(Action::Compare);
    let cmp = app.comparison();
    let row = cmp
        .rows
        .iter()
        .find(|r| r.column == Column::Metric("acc".into()))
        .expect("acc");
    assert_eq!(row.direction, crate::index::Direction::Lower);
    // D in the run table wins for the session.
    app.update(Action::Leave);
    select_column(&mut app, "metrics.acc");
    app.update(Action::SetDirection);
    assert_eq!(app.direction("acc"), crate::index::Direction::Unknown);
}

#[test]
fn the_run_name_column_cannot_be_hidden_but_widths_reset() {
    let mut app = sweep_app();
    select_column(&mut app, "run_name");
    app.update(Action::ColumnNarrower);
    assert!(app.runs.columns[app.runs.shown[0]].width.is_some());
    app.update(Action::ColumnAutoWidth);
    assert!(app.runs.columns.iter().all(|c| c.width.is_none()));
    assert_eq!(app.runs.columns[0].column, Column::Attr(Attr::RunName));
}

#[test]
fn state_keys_name_tables_by_their_experiments() {
    assert_eq!(StateFile::table_key(&["10".into(), "2".into()]), "2,10");
}

/// Puts the group table's column cursor on `name`.
fn select_group_column(app: &mut App, name: &str) {
    let col = Column::parse(name).expect("column");
    let gv = app.groups.as_mut().expect("group mode");
    gv.col_cursor = gv
        .columns
        .iter()
        .position(|c| c.column() == Some(&col))
        .unwrap_or_else(|| panic!("{name} not a group column"));
}

fn grouped_by(app: &App) -> Option<Vec<String>> {
    app.groups
        .as_ref()
        .map(|g| g.by.iter().map(|c| c.name().into_owned()).collect())
}

#[test]
fn group_mode_is_remembered_with_the_table_and_named_views_carry_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = remembering_app(dir.path());
    open_experiment(&mut app, "sweep");
    app.update(Action::GroupBy);
    app.update(Action::InputKillStart);
    app.update(Action::InputKillEnd);
    for c in "params.optimizer".chars() {
        app.update(Action::InputChar(c));
    }
    app.update(Action::InputSubmit);
    assert_eq!(grouped_by(&app), Some(vec!["params.optimizer".to_string()]));
    assert_eq!(app.context(), crate::tui::keymap::Context::Groups);
    // Every metric column shows the median; loss its max.
    select_group_column(&mut app, "metrics.loss");
    for _ in 0..5 {
        app.update(Action::CycleAgg);
    }
    app.update(Action::AggForAll);
    app.update(Action::CycleAgg);
    let groups = app.groups.as_ref().map(|g| g.groups.len());
    assert!(groups.is_some_and(|n| n > 1), "{groups:?}");
    assert!(save(&mut app), "entering group mode changes the view");

    // Saved under a name from group mode (v works there too).
    app.update(Action::Views);
    assert_eq!(app.context(), crate::tui::keymap::Context::Views);
    app.update(Action::SaveView);
    for c in "by optimizer".chars() {
        app.update(Action::InputChar(c));
    }
    app.update(Action::InputSubmit);
    let named = app.views.file.named.get("by optimizer").cloned();
    assert_eq!(
        named.as_ref().and_then(|v| v.group_by.as_deref()),
        Some("params.optimizer")
    );
    assert!(save(&mut app));

    // A new session of the same source opens the table in group mode, as left.
    let mut again = remembering_app(dir.path());
    open_experiment(&mut again, "sweep");
    assert_eq!(
        grouped_by(&again),
        Some(vec!["params.optimizer".to_string()])
    );
    let gv = again.groups.as_ref().expect("group mode");
    use super::groups::CellAgg;
    use crate::index::group::GroupAgg;
    assert_eq!(gv.default_agg, Some(CellAgg::One(GroupAgg::Median)));
    let loss = Column::parse("metrics.loss").expect("column");
    assert_eq!(
        gv.agg_of(&loss),
        CellAgg::MeanStd,
        "median, then on to mean ± std"
    );
    assert_eq!(Some(gv.groups.len()), groups);

    // Leaving group mode is remembered too.
    again.update(Action::Back);
    assert!(again.groups.is_none());
    assert!(save(&mut again));
    let mut third = remembering_app(dir.path());
    open_experiment(&mut third, "sweep");
    assert!(third.groups.is_none(), "the table was left showing runs");

    // The named view brings group mode back.
    third.update(Action::Views);
    let at = third
        .view_names()
        .iter()
        .position(|n| n == "by optimizer")
        .expect("named view");
    if let Some(menu) = third.views_menu.as_mut() {
        menu.cursor = at;
    }
    third.update(Action::Open);
    assert_eq!(
        grouped_by(&third),
        Some(vec!["params.optimizer".to_string()])
    );
    assert_eq!(
        third.groups.as_ref().map(|g| g.groups.len()),
        groups,
        "the groups are computed at once"
    );
}
