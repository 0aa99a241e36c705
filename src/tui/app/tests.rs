//! App scenarios on the MLflow-written fixtures: actions in, state out. No terminal.

use std::path::{Path, PathBuf};

use super::*;
use crate::index::{Attr, Column};
use crate::store;

/// A fixed "now" so durations of running runs do not change between runs of the tests.
pub(crate) const NOW: i64 = 1_800_000_000_000;

pub(crate) fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// An app with everything of `store_path` loaded, synchronously.
pub(crate) fn loaded_app(store_path: &Path) -> App {
    let spec =
        store::parse_source(&store_path.display().to_string(), Path::new("/")).expect("source");
    let st = store::open(&spec).expect("open");
    let mut app = App::new("fixture".into(), std::env::temp_dir(), NOW);
    let list = st.experiments().expect("experiments");
    let exps = list.experiments.clone();
    app.on_load(LoadEvent::Experiments(list));
    let mut batches = Vec::new();
    st.runs(&crate::store::RunQuery::all(&exps), &mut |b| {
        batches.push(b)
    })
    .expect("runs");
    for b in batches {
        app.on_load(LoadEvent::Runs(b));
    }
    app.on_load(LoadEvent::Done);
    app
}

/// Puts the experiment cursor on `name` and opens it.
pub(crate) fn open_experiment(app: &mut App, name: &str) {
    let pos = app
        .experiments
        .rows
        .iter()
        .position(|&i| app.index.experiments()[i].name == name)
        .unwrap_or_else(|| panic!("experiment {name}"));
    app.experiments.cursor = pos;
    app.update(Action::Open);
    assert_eq!(app.screen(), Screen::Runs);
}

fn names(app: &App) -> Vec<String> {
    app.shown_runs()
        .iter()
        .map(|r| r.run_name.clone())
        .collect()
}

fn select_column(app: &mut App, column: &Column) {
    let pos = app
        .runs
        .shown
        .iter()
        .position(|&i| &app.runs.columns[i].column == column)
        .unwrap_or_else(|| panic!("column {column} not shown"));
    app.runs.col_cursor = pos;
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(Action::InputChar(c));
    }
}

pub(crate) fn sweep_app() -> App {
    let mut app = loaded_app(&fixture("v3/file/mlruns"));
    open_experiment(&mut app, "sweep");
    app
}

#[test]
fn opening_an_experiment_shows_its_active_runs_as_a_tree() {
    let mut app = sweep_app();
    let n = names(&app);
    assert_eq!(n.len(), 8, "{n:?}");
    let parent = n.iter().position(|s| s == "sweep-parent").expect("parent");
    assert!(
        n[parent + 1].starts_with("child-") && n[parent + 2].starts_with("child-"),
        "{n:?}"
    );
    assert_eq!(app.runs.rows[parent + 1].depth, 1);
    // Folding hides the children; the cursor stays on the parent.
    app.runs.cursor = parent;
    app.update(Action::ToggleFold);
    assert_eq!(names(&app).len(), 6);
    assert_eq!(app.runs.cursor, parent);
    app.update(Action::ToggleFold);
    assert_eq!(names(&app).len(), 8);
    app.update(Action::ToggleDeleted);
    assert!(
        names(&app).contains(&"sweep-5".to_string()),
        "deleted runs on demand"
    );
}

#[test]
fn sort_puts_nan_and_missing_last_both_ways_with_secondary_key() {
    let mut app = sweep_app();
    app.update(Action::ToggleTree); // flat, so the order is the sort order alone
    let loss = Column::Metric("loss".into());
    select_column(&mut app, &loss);
    app.update(Action::SortCycle);
    let values = |app: &App| -> Vec<Option<f64>> {
        app.shown_runs()
            .iter()
            .map(|r| r.metrics.get("loss").map(|m| m.latest.value))
            .collect()
    };
    let asc = values(&app);
    let present: Vec<f64> = asc.iter().flatten().copied().collect();
    assert!(present.windows(2).all(|w| w[0] <= w[1]), "{asc:?}");
    assert!(
        asc.iter().skip_while(|v| v.is_some()).all(Option::is_none),
        "missing last: {asc:?}"
    );
    app.update(Action::SortCycle);
    let desc = values(&app);
    let present: Vec<f64> = desc.iter().flatten().copied().collect();
    assert!(present.windows(2).all(|w| w[0] >= w[1]), "{desc:?}");
    assert!(
        desc.last().is_some_and(Option::is_none),
        "missing still last: {desc:?}"
    );
    // A secondary key on status.
    select_column(&mut app, &Column::Attr(Attr::Status));
    app.update(Action::AddSortKey);
    assert_eq!(app.runs.sort.len(), 2);
    app.update(Action::SortCycle); // status becomes primary
    assert_eq!(app.runs.sort[0].column, Column::Attr(Attr::Status));
    app.update(Action::ClearSort);
    assert!(app.runs.sort.is_empty());
}

#[test]
fn marks_survive_sorting_and_filtering() {
    let mut app = sweep_app();
    app.runs.cursor = 0;
    let first = app.current_run_id().expect("row");
    app.update(Action::ToggleMark);
    let second = app.current_run_id().expect("row");
    app.update(Action::ToggleMark);
    assert_eq!(app.runs.marks.len(), 2);
    select_column(&mut app, &Column::Attr(Attr::RunName));
    app.update(Action::SortDesc);
    app.update(Action::Filter);
    type_text(&mut app, "sweep-2");
    assert_eq!(names(&app), ["sweep-2"], "live preview while typing");
    app.update(Action::InputSubmit);
    assert!(app.runs.marks.contains(&first) && app.runs.marks.contains(&second));
    assert!(app.runs.filtered_out > 0);
    app.update(Action::Back); // clears the filter
    assert_eq!(names(&app).len(), 8);
    assert_eq!(app.runs.marks.len(), 2);
}

#[test]
fn filter_prompt_escape_restores_the_previous_filter() {
    let mut app = sweep_app();
    app.update(Action::Filter);
    type_text(&mut app, "child");
    app.update(Action::InputSubmit);
    assert_eq!(names(&app).len(), 2);
    app.update(Action::Filter);
    type_text(&mut app, "zzz");
    assert!(names(&app).is_empty());
    app.update(Action::InputCancel);
    assert_eq!(app.runs.filter, "child");
    assert_eq!(names(&app).len(), 2);
}

#[test]
fn diff_only_hides_columns_equal_across_shown_runs() {
    let mut app = sweep_app();
    app.update(Action::Filter);
    type_text(&mut app, "child");
    app.update(Action::InputSubmit);
    let before = app.shown_columns();
    app.update(Action::ToggleDiff);
    let after = app.shown_columns();
    assert!(after.len() < before.len());
    assert_eq!(after.len() + app.runs.equal_hidden, before.len());
    let runs = app.shown_runs();
    for c in &after {
        if !matches!(c, Column::Attr(_)) {
            assert!(
                !crate::index::diff::is_uniform(&runs, c, NOW),
                "{c} is equal but shown"
            );
        }
    }
    assert!(
        after.contains(&Column::Attr(Attr::RunName)),
        "attributes stay"
    );
}

#[test]
fn compare_needs_two_marks_then_diffs_and_pins_a_baseline() {
    let mut app = sweep_app();
    app.update(Action::Compare);
    assert_eq!(app.screen(), Screen::Runs);
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.error && m.text.contains("mark two"))
    );
    app.update(Action::ToggleTree);
    app.runs.cursor = 0;
    app.update(Action::ToggleMark);
    app.update(Action::ToggleMark);
    app.update(Action::Compare);
    assert_eq!(app.screen(), Screen::Compare);
    assert_eq!(app.compare.run_ids.len(), 2);
    let all = app.comparison().visible_rows(false).count();
    app.update(Action::ToggleDiff);
    let diff = app.comparison().visible_rows(true).count();
    assert!(diff < all);
    app.update(Action::Right);
    app.update(Action::SetBaseline);
    assert_eq!(app.compare.baseline, Some(1));
    app.update(Action::Back);
    assert_eq!(app.screen(), Screen::Runs);
}

#[test]
fn export_writes_exactly_what_is_on_screen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = sweep_app();
    app.export_dir = dir.path().to_path_buf();
    app.update(Action::ToggleTree);
    select_column(&mut app, &Column::Metric("acc".into()));
    app.update(Action::SortDesc);
    select_column(&mut app, &Column::Attr(Attr::User));
    app.update(Action::HideColumn);
    app.update(Action::Export);
    let prompt = app.prompt.clone().expect("prompt");
    assert!(
        prompt.text().ends_with(".csv") && prompt.text().contains("mltui-runs-sweep"),
        "{}",
        prompt.text()
    );
    let effects = app.update(Action::InputSubmit);
    let mut exported = None;
    for e in effects {
        if let Effect::Export { path, .. } = &e {
            exported = Some(path.clone());
        }
        let (tx, _rx) = std::sync::mpsc::channel();
        crate::tui::run_effect(&mut app, e, &tx);
    }
    let path = exported.expect("an export effect");
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| !m.error && m.text.contains("exported 8 rows"))
    );
    let mut rdr = csv::Reader::from_path(&path).expect("csv");
    let headers: Vec<String> = rdr
        .headers()
        .expect("headers")
        .iter()
        .map(String::from)
        .collect();
    let expected: Vec<String> = app
        .shown_columns()
        .iter()
        .map(|c| c.name().into_owned())
        .collect();
    assert_eq!(headers, expected);
    assert!(!headers.contains(&"user_id".to_string()));
    let names_in_file: Vec<String> = rdr
        .records()
        .map(|r| r.expect("row")[0].to_string())
        .collect();
    assert_eq!(names_in_file, names(&app));
}

#[test]
fn export_format_cycles_with_tab() {
    let mut app = sweep_app();
    app.update(Action::Export);
    app.update(Action::InputComplete);
    let p = app.prompt.clone().expect("prompt");
    assert!(p.text().ends_with(".json"));
    assert_eq!(
        p.kind,
        PromptKind::Export {
            format: Format::Json
        }
    );
    app.update(Action::InputCancel);
    assert!(app.prompt.is_none());
}

#[test]
fn column_picker_hides_reorders_and_pins() {
    let mut app = sweep_app();
    app.update(Action::Columns);
    assert_eq!(app.context(), Context::Picker);
    for c in "params.lr".chars() {
        app.update(Action::InputChar(c));
    }
    app.update(Action::PickerToggle);
    app.update(Action::Back);
    assert!(!app.shown_columns().contains(&Column::Param("lr".into())));
    app.update(Action::Columns);
    for c in "val/acc".chars() {
        app.update(Action::InputChar(c));
    }
    app.update(Action::PickerPin);
    app.update(Action::Back);
    let shown = app.shown_columns();
    assert_eq!(
        shown[1],
        Column::Metric("val/acc".into()),
        "pinned columns come first: {shown:?}"
    );
}

#[test]
fn experiments_filter_marks_and_multi_open() {
    let mut app = loaded_app(&fixture("v2/sqlite/mlflow.db"));
    assert_eq!(app.experiments.rows.len(), 3, "deleted experiment hidden");
    app.update(Action::ToggleDeleted);
    assert_eq!(app.experiments.rows.len(), 4);
    app.update(Action::Filter);
    type_text(&mut app, "exp");
    app.update(Action::InputSubmit);
    assert_eq!(app.experiments.rows.len(), 1);
    app.update(Action::Back);
    app.update(Action::MarkAll);
    app.update(Action::Open);
    assert_eq!(app.runs.experiment_ids.len(), 4);
    assert!(app.runs.title.starts_with("4 experiments"));
    assert_eq!(app.shown_runs().len(), 10);
}

#[test]
fn keys_map_to_actions_and_quit_is_an_effect() {
    let mut app = sweep_app();
    assert!(matches!(
        app.on_key(Key::Ctrl('c')).as_slice(),
        [Effect::Quit]
    ));
    app.on_key(Key::Ch('?'));
    assert_eq!(app.context(), Context::Help);
    app.on_key(Key::Esc);
    app.on_key(Key::Ch('j'));
    assert_eq!(app.runs.cursor, 1);
    app.on_key(Key::Ch('G'));
    assert_eq!(app.runs.cursor, 7);
    app.on_key(Key::Enter);
    assert_eq!(app.screen(), Screen::Detail);
    app.on_key(Key::Esc);
    app.on_key(Key::Esc);
    assert_eq!(app.screen(), Screen::Experiments);
}

/// Carries out history loads synchronously against the store at `path`.
pub(crate) fn fulfil_histories(app: &mut App, effects: Vec<Effect>, path: &Path) {
    let spec = store::parse_source(&path.display().to_string(), Path::new("/")).expect("source");
    let st = store::open(&spec).expect("open");
    for e in effects {
        if let Effect::LoadHistories {
            run_ids,
            key,
            steps,
        } = e
        {
            let result = st
                .metric_history_for_chart(&run_ids, &key, 2500, steps)
                .map_err(|e| e.to_string());
            app.on_history(&key, steps, result, &run_ids);
        }
    }
}

/// The sweep experiment with three runs marked and their charts open and loaded.
pub(crate) fn chart_app() -> App {
    let mut app = sweep_app();
    app.update(Action::ToggleTree);
    for name in ["sweep-0", "sweep-1", "sweep-2"] {
        let pos = app
            .shown_runs()
            .iter()
            .position(|r| r.run_name == name)
            .expect(name);
        app.runs.cursor = pos;
        app.update(Action::ToggleMark);
    }
    let effects = app.update(Action::Plot);
    fulfil_histories(&mut app, effects, &fixture("v3/file/mlruns"));
    app
}

#[test]
fn search_filter_prompt_applies_live_shows_errors_and_remembers() {
    let mut app = sweep_app();
    app.update(Action::ToggleTree);
    app.update(Action::Query);
    assert_eq!(app.context(), Context::Input);
    type_text(&mut app, "metrics.acc > 0.85");
    assert!(matches!(
        &app.prompt,
        Some(Prompt {
            kind: PromptKind::Query { error: None, .. },
            ..
        })
    ));
    let shown = names(&app);
    assert!(!shown.is_empty() && shown.len() < 8, "{shown:?}");
    assert!(
        app.shown_runs()
            .iter()
            .all(|r| r.metrics["acc"].latest.value > 0.85)
    );
    // Typing on makes it invalid: the last valid preview stays and the error is shown.
    type_text(&mut app, " and params.lr = 0.1");
    let Some(Prompt {
        kind: PromptKind::Query { error: Some(e), .. },
        ..
    }) = &app.prompt
    else {
        panic!("expected an error")
    };
    assert!(e.message.contains("Expected a quoted string value"), "{e}");
    assert_eq!(names(&app), shown);
    app.update(Action::InputSubmit);
    assert!(app.prompt.is_some(), "an invalid filter is not applied");
    for _ in 0.." 0.1".len() {
        app.update(Action::InputBackspace);
    }
    type_text(&mut app, " '0.1' OR status = 'FAILED'");
    app.update(Action::InputSubmit);
    assert!(app.prompt.is_none());
    let got = names(&app);
    assert!(
        got.contains(&"sweep-2".to_string()),
        "OR extension: {got:?}"
    );
    assert_eq!(app.query_history.len(), 1);
    // Recall with ↑, cancel with Esc restores what was applied.
    app.update(Action::Query);
    for _ in 0..80 {
        app.update(Action::InputBackspace);
    }
    assert_eq!(names(&app).len(), 8, "an empty filter matches everything");
    app.update(Action::Up);
    assert_eq!(
        app.prompt.as_ref().map(|p| p.text().to_string()),
        app.query_history.last().cloned()
    );
    app.update(Action::InputCancel);
    assert_eq!(names(&app), got);
    app.update(Action::Back);
    assert_eq!(names(&app).len(), 8, "Esc clears the search filter");
}

#[test]
fn nested_run_cycles_in_bad_data_still_show_every_run() {
    use crate::index::tests::run_with;
    use crate::model::TAG_PARENT_RUN;
    let mut a = run_with("a", 1, &[], &[]);
    let mut b = run_with("b", 2, &[], &[]);
    a.tags.insert(TAG_PARENT_RUN.into(), "b".into());
    b.tags.insert(TAG_PARENT_RUN.into(), "a".into());
    let c = run_with("c", 3, &[], &[]);
    let mut app = App::new("t".into(), std::env::temp_dir(), NOW);
    app.on_load(LoadEvent::Experiments(
        crate::store::ExperimentList::default(),
    ));
    app.on_load(LoadEvent::Runs(crate::store::RunBatch {
        summaries: Vec::new(),
        runs: vec![a, b, c],
        warnings: Vec::new(),
    }));
    app.on_load(LoadEvent::Done);
    app.open_runs(vec!["1".into()], "t".into());
    let mut shown = names(&app);
    shown.sort();
    assert_eq!(shown, ["name-a", "name-b", "name-c"]);
}

/// While the first load goes on, a batch is shown at once only when the index has grown by
/// half since the table was last recomputed (or the table is empty): loading n runs one by
/// one recomputes the table O(log n) times, not n times; the end of the load shows all.
#[test]
fn the_first_load_recomputes_the_table_geometrically_and_shows_everything_at_the_end() {
    let spec = store::parse_source(
        &fixture("v3/file/mlruns").display().to_string(),
        Path::new("/"),
    )
    .expect("source");
    let st = store::open(&spec).expect("open");
    let mut app = App::new("fixture".into(), std::env::temp_dir(), NOW);
    let list = st.experiments().expect("experiments");
    let exps = list.experiments.clone();
    app.on_load(LoadEvent::Experiments(list));
    open_experiment(&mut app, "sweep");
    let mut runs = Vec::new();
    st.runs(&crate::store::RunQuery::all(&exps), &mut |b| {
        runs.extend(b.runs)
    })
    .expect("runs");
    let sweep_id = app.runs.experiment_ids.first().cloned().expect("sweep id");
    // The sweep's runs first, one per batch, then everything else.
    runs.sort_by_key(|r| r.experiment_id != sweep_id);
    let in_sweep = runs.iter().filter(|r| r.experiment_id == sweep_id).count();
    assert!(in_sweep >= 8, "the fixture's sweep has {in_sweep} runs");
    let mut shown = Vec::new();
    for run in runs {
        app.on_load(LoadEvent::Runs(crate::store::RunBatch {
            summaries: Vec::new(),
            runs: vec![run],
            warnings: Vec::new(),
        }));
        shown.push(app.runs.rows.len());
    }
    // Shown at once: the first run, then at 2, 3, 4, 6, 9, ... runs in the index.
    assert_eq!(&shown[..6], &[1, 2, 3, 4, 4, 6], "{shown:?}");
    let recomputed = shown.windows(2).filter(|w| w[0] != w[1]).count() + 1;
    assert!(
        recomputed as f64 <= (in_sweep as f64).log(1.5) + 2.0,
        "{recomputed} recomputes for {in_sweep} runs: {shown:?}"
    );
    app.on_load(LoadEvent::Done);
    let all_at_once = sweep_app();
    assert_eq!(
        names(&app),
        names(&all_at_once),
        "once loaded, the table is the one a single batch gives"
    );
}

/// A big table's quick-filter search text is built while the UI is idle, a slice at a
/// time, once everything is loaded; the filter then finds what building it at the first
/// key finds. Small tables and loads still going have no idle work.
#[test]
fn a_big_tables_search_text_is_built_while_idle() {
    let mut app = sweep_app();
    assert!(!app.has_idle_work(), "a small table");
    let template = app.shown_runs()[0].clone();
    let batch = |from: usize, n: usize| {
        let runs = (from..from + n)
            .map(|k| {
                let mut r = template.clone();
                r.run_id = format!("{k:032x}");
                r.run_name = format!("copy-{k}");
                r
            })
            .collect();
        LoadEvent::Runs(crate::store::RunBatch {
            summaries: Vec::new(),
            runs,
            warnings: Vec::new(),
        })
    };
    app.load.done = false;
    app.on_load(batch(0, 9_000));
    assert!(!app.has_idle_work(), "not while loading");
    app.on_load(LoadEvent::Done);
    let mut slices = 0;
    while app.has_idle_work() {
        app.idle_work();
        slices += 1;
        assert!(slices < 10, "idle work ends");
    }
    assert!(slices >= 2, "built in slices: {slices}");
    assert!(app.runs.search.is_current(&app.index));
    // A live change makes a little work again, and only that.
    app.on_load(batch(100, 1));
    assert!(app.has_idle_work());
    app.idle_work();
    assert!(!app.has_idle_work());
    // What the filter finds is what a full build at the first key finds.
    app.update(Action::Filter);
    type_text(&mut app, "copy-10");
    let found = names(&app);
    app.runs.search = Default::default();
    app.refresh_runs();
    assert_eq!(found, names(&app), "the same as built at the first key");
    assert_eq!(
        found.len(),
        1 + 10 + 100,
        "copy-10, copy-100..109, copy-1000..1099"
    );
}
