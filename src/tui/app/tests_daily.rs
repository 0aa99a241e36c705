//! App scenarios for daily use: back-not-out keys, copying, shell-like prompts with
//! completion, compare paging and directions, the run detail's pager and links, refresh,
//! the quick filter, and the bugs a first real walk found.

use super::tests::{NOW, fixture, loaded_app, open_experiment, sweep_app};
use super::*;
use crate::index::{Attr, Column};

pub(super) fn names(app: &App) -> Vec<String> {
    app.shown_runs()
        .iter()
        .map(|r| r.run_name.clone())
        .collect()
}

pub(super) fn keys(app: &mut App, keys: &[Key]) -> Vec<Effect> {
    keys.iter().flat_map(|k| app.on_key(*k)).collect()
}

pub(super) fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.on_key(Key::Ch(c));
    }
}

pub(super) fn prompt_text(app: &App) -> String {
    app.prompt
        .as_ref()
        .map(|p| p.text().to_string())
        .unwrap_or_default()
}

pub(super) fn cursor_on(app: &mut App, name: &str) {
    app.runs.cursor = app
        .shown_runs()
        .iter()
        .position(|r| r.run_name == name)
        .unwrap_or_else(|| panic!("{name} not shown"));
}

/// The text of the one copy among `effects`, or "" without one.
pub(super) fn copied(effects: &[Effect]) -> String {
    let texts: Vec<&String> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Copy(t) => Some(t),
            _ => None,
        })
        .collect();
    assert!(texts.len() <= 1, "{effects:?}");
    texts.first().map(|t| t.to_string()).unwrap_or_default()
}

/// Marks every shown run and opens the comparison.
pub(super) fn compare_all(app: &mut App) {
    app.update(Action::MarkAll);
    app.update(Action::Compare);
    assert_eq!(app.screen(), Screen::Compare);
}

pub(super) fn demo_app() -> App {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/mlflow.db");
    let mut app = loaded_app(&path);
    open_experiment(&mut app, "resnet-cifar10");
    app
}

#[test]
fn q_goes_back_one_level_and_quits_only_on_the_first_screen() {
    let mut app = sweep_app();
    app.on_key(Key::Enter);
    assert_eq!(app.screen(), Screen::Detail);
    assert!(
        app.on_key(Key::Ch('q')).is_empty(),
        "q in detail does not quit"
    );
    assert_eq!(app.screen(), Screen::Runs);
    app.runs.cursor = 0;
    keys(&mut app, &[Key::Ch(' '), Key::Ch(' '), Key::Ch('c')]);
    assert_eq!(app.screen(), Screen::Compare);
    keys(&mut app, &[Key::Ch('p')]);
    assert_eq!(app.screen(), Screen::Chart);
    keys(&mut app, &[Key::Ch('q')]);
    assert_eq!(app.screen(), Screen::Compare);
    keys(&mut app, &[Key::Esc]);
    assert_eq!(app.screen(), Screen::Runs);
    // A filter: Esc clears it first, q leaves at once.
    keys(&mut app, &[Key::Ch('/')]);
    type_text(&mut app, "child");
    keys(&mut app, &[Key::Enter, Key::Esc]);
    assert_eq!((app.screen(), app.runs.filter.as_str()), (Screen::Runs, ""));
    keys(&mut app, &[Key::Ch('/')]);
    type_text(&mut app, "child");
    keys(&mut app, &[Key::Enter, Key::Ch('q')]);
    assert_eq!(app.screen(), Screen::Experiments);
    // Esc on the first screen does not quit; q does.
    assert!(app.on_key(Key::Esc).is_empty());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("q quits"))
    );
    assert!(matches!(
        app.on_key(Key::Ch('q')).as_slice(),
        [Effect::Quit]
    ));
}

#[test]
fn ctrl_c_cancels_a_prompt_first_then_quits_from_anywhere() {
    let mut app = sweep_app();
    keys(&mut app, &[Key::Ch('f')]);
    type_text(&mut app, "metrics.acc > 0.85");
    assert!(app.on_key(Key::Ctrl('c')).is_empty(), "cancels the prompt");
    assert!(app.prompt.is_none());
    assert!(app.runs.query.is_none(), "the previous (no) filter is back");
    for opened in [
        &[Key::Ch('?')][..],
        &[Key::Ch('C')],
        &[Key::Enter, Key::Enter],
        &[Key::Ch('Y')],
    ] {
        let mut app = sweep_app();
        keys(&mut app, opened);
        assert_ne!(
            app.context(),
            app.screen_context(),
            "{opened:?} opens an overlay"
        );
        assert!(
            matches!(app.on_key(Key::Ctrl('c')).as_slice(), [Effect::Quit]),
            "{opened:?}"
        );
    }
    let mut app = sweep_app();
    assert!(matches!(
        app.on_key(Key::Ctrl('z')).as_slice(),
        [Effect::Suspend]
    ));
}

#[test]
fn y_copies_the_full_run_id_and_says_so() {
    let mut app = sweep_app();
    cursor_on(&mut app, "sweep-1");
    let id = app.current_run_id().expect("row");
    let effects = app.on_key(Key::Ch('y'));
    assert_eq!(copied(&effects), id.clone());
    let msg = app.message.clone().expect("message");
    assert!(!msg.error && msg.text.contains(&id), "{}", msg.text);
    // The same id from the detail and from the compare column.
    app.on_key(Key::Enter);
    assert_eq!(copied(&app.on_key(Key::Ch('y'))), id.clone());
    app.on_key(Key::Ch('q'));
    app.on_key(Key::Ch(' '));
    cursor_on(&mut app, "sweep-0");
    app.on_key(Key::Ch(' '));
    app.on_key(Key::Ch('c'));
    let col = app
        .compare
        .run_ids
        .iter()
        .position(|r| *r == id)
        .expect("compared");
    app.compare.col_cursor = col;
    assert_eq!(copied(&app.on_key(Key::Ch('y'))), id);
}

#[test]
fn copy_menu_offers_name_uri_row_and_value() {
    let mut app = sweep_app();
    cursor_on(&mut app, "sweep-1");
    let run = app
        .index
        .run(&app.current_run_id().expect("row"))
        .cloned()
        .expect("run");
    app.on_key(Key::Ch('Y'));
    let letters: Vec<char> = app
        .copy_menu
        .as_ref()
        .expect("menu")
        .items
        .iter()
        .map(|i| i.letter)
        .collect();
    assert_eq!(letters, ['v', 'i', 'n', 'a', 'c']);
    assert_eq!(copied(&app.on_key(Key::Ch('n'))), run.run_name.clone());
    assert!(app.copy_menu.is_none());
    app.on_key(Key::Ch('Y'));
    assert_eq!(copied(&app.on_key(Key::Ch('a'))), run.artifact_uri.clone());
    app.on_key(Key::Ch('Y'));
    let csv = copied(&app.on_key(Key::Ch('c')));
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .is_some_and(|h| h.starts_with("run_name,status,")),
        "{csv}"
    );
    assert!(
        lines
            .next()
            .is_some_and(|r| r.starts_with("sweep-1,FINISHED,")),
        "{csv}"
    );
    // The value under the cursor, exactly (not as shown).
    let loss = Column::Metric("loss".into());
    app.runs.col_cursor = app
        .runs
        .shown
        .iter()
        .position(|&i| app.runs.columns[i].column == loss)
        .expect("loss column");
    app.on_key(Key::Ch('Y'));
    app.on_key(Key::Down);
    app.on_key(Key::Up);
    let value = copied(&app.on_key(Key::Enter));
    assert_eq!(
        value.parse::<f64>().ok(),
        Some(run.metrics["loss"].latest.value)
    );
    // Esc closes the menu without copying.
    app.on_key(Key::Ch('Y'));
    assert_eq!(copied(&app.on_key(Key::Esc)), "");
    assert!(app.copy_menu.is_none());
}

#[test]
fn prompts_edit_like_a_shell() {
    let mut app = sweep_app();
    app.on_key(Key::Ch('f'));
    type_text(&mut app, "metrics.acc > 0.9 and params.lr = '0.1'");
    // Ctrl-A/E, Home/End, ←/→, Delete, Ctrl-W, Alt-←/Alt-B, Ctrl-K, Ctrl-U.
    keys(&mut app, &[Key::Ctrl('a')]);
    type_text(&mut app, "(");
    keys(
        &mut app,
        &[Key::End, Key::Left, Key::Left, Key::Left, Key::Delete],
    );
    assert_eq!(prompt_text(&app), "(metrics.acc > 0.9 and params.lr = '01'");
    keys(&mut app, &[Key::Ctrl('e'), Key::Ctrl('w')]);
    assert_eq!(prompt_text(&app), "(metrics.acc > 0.9 and params.lr = ");
    keys(&mut app, &[Key::AltLeft, Key::Alt('b'), Key::Ctrl('k')]);
    assert_eq!(prompt_text(&app), "(metrics.acc > 0.9 and ");
    keys(&mut app, &[Key::Ctrl('u')]);
    assert_eq!(prompt_text(&app), "");
    type_text(&mut app, "status = 'FAILED'");
    keys(
        &mut app,
        &[Key::Home, Key::AltRight, Key::Alt('f'), Key::Backspace],
    );
    assert_eq!(prompt_text(&app), "status = 'FAILE'");
    // q, j and Space type in a prompt.
    keys(&mut app, &[Key::End, Key::Ctrl('u')]);
    type_text(&mut app, "q j");
    assert_eq!(prompt_text(&app), "q j");
}

#[test]
fn tab_completes_keys_of_the_loaded_runs() {
    let mut app = sweep_app();
    app.on_key(Key::Ch('f'));
    type_text(&mut app, "met");
    app.on_key(Key::Tab);
    assert_eq!(prompt_text(&app), "metrics.");
    type_text(&mut app, "val");
    app.on_key(Key::Tab);
    assert_eq!(
        prompt_text(&app),
        "metrics.`val/acc` ",
        "quoted, with a space"
    );
    type_text(&mut app, "> 0.8 and metrics.");
    app.on_key(Key::Tab);
    let c = app
        .prompt
        .as_ref()
        .and_then(|p| p.completion.clone())
        .expect("a popup of several keys");
    assert!(
        c.items.contains(&"metrics.acc".to_string()),
        "{:?}",
        c.items
    );
    assert!(c.items.contains(&"metrics.`train/loss`".to_string()));
    // Tab moves through the popup; Enter takes the selected key (and applies nothing).
    app.on_key(Key::Tab);
    let second = c.items[1].clone();
    app.on_key(Key::Enter);
    assert!(app.prompt.is_some(), "Enter in the popup only completes");
    assert!(
        prompt_text(&app).ends_with(&format!("{second} ")),
        "{}",
        prompt_text(&app)
    );
}

#[test]
fn a_filter_on_a_key_no_run_has_says_so_and_suggests_the_closest() {
    let mut app = sweep_app();
    app.on_key(Key::Ch('f'));
    type_text(&mut app, "metrics.val_acc > 0.5");
    let Some(Prompt {
        kind:
            PromptKind::Query {
                error: None,
                warning: Some(w),
                ..
            },
        ..
    }) = &app.prompt
    else {
        panic!("expected a warning: {:?}", app.prompt)
    };
    assert!(w.contains("no run here has metrics.val_acc"), "{w}");
    assert!(w.contains("metrics.`val/acc`"), "{w}");
    app.on_key(Key::Enter);
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("val/acc"))
    );
    // A param typed as a metric is found under its real entity.
    app.on_key(Key::Ch('f'));
    keys(&mut app, &[Key::Ctrl('u')]);
    type_text(&mut app, "metrics.lr > 0");
    let warning = match &app.prompt.as_ref().expect("prompt").kind {
        PromptKind::Query { warning, .. } => warning.clone(),
        _ => None,
    };
    assert!(warning.is_some_and(|w| w.contains("params.lr")));
}

#[test]
fn first_screen_columns_are_name_status_metrics_params_then_times() {
    let app = sweep_app();
    let shown = app.shown_columns();
    assert_eq!(shown[0], Column::Attr(Attr::RunName));
    assert_eq!(shown[1], Column::Attr(Attr::Status));
    assert!(matches!(shown[2], Column::Metric(_)), "{shown:?}");
    let first_param = shown.iter().position(|c| matches!(c, Column::Param(_)));
    let last_metric = shown.iter().rposition(|c| matches!(c, Column::Metric(_)));
    assert!(last_metric < first_param);
    let start = shown
        .iter()
        .position(|c| *c == Column::Attr(Attr::StartTime))
        .expect("start time");
    assert!(first_param < Some(start));
    // A metric that appears later joins the metrics, not the end.
    let mut app = sweep_app();
    let mut run = app
        .index
        .run(&app.runs.experiment_ids.clone().concat())
        .cloned();
    if run.is_none() {
        run = app.shown_runs().first().map(|r| (*r).clone());
    }
    let mut run = run.expect("a run");
    run.metrics.insert(
        "zz_new".into(),
        crate::model::MetricSummary::from_point(crate::model::MetricPoint {
            step: 0,
            timestamp: 0,
            value: 1.0,
        }),
    );
    app.on_load(LoadEvent::Runs(crate::store::RunBatch {
        summaries: Vec::new(),
        runs: vec![run],
        warnings: Vec::new(),
    }));
    let shown = app.shown_columns();
    let new = shown
        .iter()
        .position(|c| *c == Column::Metric("zz_new".into()))
        .expect("new metric shown");
    assert!(matches!(shown[new + 1], Column::Param(_)), "{shown:?}");
}

#[test]
fn entering_another_experiment_starts_scrolled_to_the_left() {
    let mut app = sweep_app();
    app.update(Action::LastColumn);
    app.viewport.runs_col_offset.set(9);
    app.viewport.runs_offset.set(3);
    app.on_key(Key::Ch('q'));
    open_experiment(&mut app, "sweep");
    assert_eq!(app.viewport.runs_col_offset.get(), 0);
    assert_eq!(app.viewport.runs_offset.get(), 0);
    assert_eq!(app.runs.col_cursor, 0);
}

#[test]
fn a_refresh_that_works_clears_the_error_of_a_failed_load() {
    let mut app = App::new("server".into(), std::env::temp_dir(), NOW);
    app.live.interval = Some(10.0);
    app.on_load(LoadEvent::Failed(
        "cannot connect to http://x: refused".into(),
    ));
    assert!(app.load.error.is_some());
    assert!(app.message.as_ref().is_some_and(|m| m.error));
    app.on_load(LoadEvent::Experiments(
        crate::store::ExperimentList::default(),
    ));
    app.on_load(LoadEvent::Refreshed {
        at: NOW,
        error: None,
        asked: false,
    });
    assert!(app.load.error.is_none());
    assert!(app.message.is_none(), "{:?}", app.message);
    assert!(app.live.error.is_none());
}

#[test]
fn r_refreshes_now_and_reports_when_done() {
    let mut app = sweep_app();
    let effects = app.on_key(Key::Ch('r'));
    assert!(matches!(effects.as_slice(), [Effect::Refresh]));
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("refreshing"))
    );
    // A refresh already under way (the watcher's, say) ends first: not the one asked for.
    app.on_load(LoadEvent::Refreshed {
        at: NOW,
        error: None,
        asked: false,
    });
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("refreshing"))
    );
    app.on_load(LoadEvent::Refreshed {
        at: NOW,
        error: None,
        asked: true,
    });
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.starts_with("refreshed at"))
    );
    // A background refresh says nothing.
    app.message = None;
    app.on_load(LoadEvent::Refreshed {
        at: NOW,
        error: None,
        asked: false,
    });
    assert!(app.message.is_none());
    // The sort reset moved from r to o.
    app.runs.sort = vec![crate::index::SortKey::asc(Column::Attr(Attr::RunName))];
    app.on_key(Key::Ch('o'));
    assert!(app.runs.sort.is_empty());
}

#[test]
fn running_durations_tick_every_second() {
    let mut app = sweep_app();
    assert_eq!(
        app.clock_interval(),
        Some(std::time::Duration::from_secs(1))
    );
    app.on_key(Key::Ch('/'));
    type_text(&mut app, "child");
    app.on_key(Key::Enter);
    assert_eq!(
        app.clock_interval(),
        Some(std::time::Duration::from_secs(30)),
        "no running run shown: only `3h ago` needs updating"
    );
    app.on_key(Key::Ch('q'));
    assert_eq!(
        app.clock_interval(),
        None,
        "the experiment list shows no clock"
    );
}

#[test]
fn quick_filter_finds_shown_cells_and_every_tag_value() {
    let mut app = sweep_app();
    let find = |app: &mut App, text: &str| -> Vec<String> {
        app.on_key(Key::Ch('/'));
        app.on_key(Key::Ctrl('u'));
        type_text(app, text);
        app.on_key(Key::Enter);
        let mut n = names(app);
        n.sort();
        n
    };
    // A source name (an mlflow. tag), a metric value as shown, a tag value, a status.
    assert_eq!(
        find(&mut app, "gen_fixtures"),
        ["child-0", "child-1", "sweep-parent"]
    );
    let acc = app
        .index
        .runs()
        .iter()
        .find(|r| r.run_name == "sweep-1")
        .map(|r| crate::text::float_short(r.metrics["acc"].latest.value))
        .expect("sweep-1");
    assert_eq!(find(&mut app, &acc), ["sweep-1"]);
    assert_eq!(find(&mut app, "killed"), ["sweep-3"]);
    assert_eq!(find(&mut app, "SGD").len(), 3, "params, any case");
    // The note of a run.
    let mut other = loaded_app(&fixture("v3/file/mlruns"));
    open_experiment(&mut other, "exp-α demo");
    assert_eq!(find(&mut other, "nasty run"), ["実験-🚀"]);
}

#[test]
fn quick_filter_redoes_only_the_runs_that_changed_and_finds_new_values() {
    let mut app = sweep_app();
    app.on_key(Key::Ch('/'));
    type_text(&mut app, "sgd");
    app.on_key(Key::Enter);
    assert_eq!(names(&app).len(), 3);
    // A live refresh: a run changes a param, a new run arrives.
    let mut changed = app
        .index
        .runs()
        .iter()
        .find(|r| r.run_name == "sweep-1")
        .cloned()
        .expect("sweep-1");
    changed
        .params
        .insert("optimizer".into(), "SGD-momentum".into());
    let mut added = changed.clone();
    added.run_id = "0123456789abcdef0123456789abcdef".into();
    added.run_name = "late-run".into();
    app.on_load(LoadEvent::Runs(crate::store::RunBatch {
        summaries: Vec::new(),
        runs: vec![changed, added],
        warnings: Vec::new(),
    }));
    let mut n = names(&app);
    n.sort();
    assert!(n.contains(&"late-run".to_string()), "{n:?}");
    assert!(n.contains(&"sweep-1".to_string()), "{n:?}");
    // Every haystack is what a full rebuild makes.
    let time = &app.settings.time;
    assert!(app.runs.search.is_current(&app.index));
    for (i, r) in app.index.runs().iter().enumerate() {
        let full = crate::index::quick::haystack(r, app.now_ms, time);
        assert_eq!(app.runs.search.get(i), Some(full.as_str()), "{}", r.run_id);
    }
}

#[test]
fn detail_reads_long_values_in_a_pager_and_follows_parent_and_children() {
    let mut app = sweep_app();
    cursor_on(&mut app, "child-0");
    app.on_key(Key::Enter);
    let items = app.detail_items();
    let parent = items
        .iter()
        .position(|i| i.key == "parent")
        .expect("a parent line");
    assert!(
        items[parent].value.starts_with("sweep-parent ("),
        "{:?}",
        items[parent]
    );
    app.detail.cursor = parent;
    app.on_key(Key::Enter);
    assert_eq!(app.screen(), Screen::Detail);
    let here = app
        .index
        .run(&app.detail.run_id)
        .map(|r| r.run_name.clone());
    assert_eq!(here.as_deref(), Some("sweep-parent"));
    let items = app.detail_items();
    let children: Vec<String> = items
        .iter()
        .filter(|i| matches!(i.kind, ItemKind::Link(_)))
        .map(|i| i.key.to_string())
        .collect();
    assert_eq!(children.len(), 2, "{children:?}");
    // q goes back to the child's detail, where the cursor was.
    app.on_key(Key::Ch('q'));
    assert_eq!(app.screen(), Screen::Detail);
    assert_eq!(app.detail.cursor, parent);
    // Enter on any field opens the whole value.
    let artifacts = app
        .detail_items()
        .iter()
        .position(|i| i.key == "artifacts")
        .expect("artifacts");
    app.detail.cursor = artifacts;
    app.on_key(Key::Enter);
    let uri = app
        .index
        .run(&app.detail.run_id)
        .map(|r| r.artifact_uri.clone());
    assert_eq!(app.pager.as_ref().map(|p| p.text.clone()), uri);
    assert_eq!(app.context(), Context::Pager);
    assert_eq!(copied(&app.on_key(Key::Ch('y'))), uri.unwrap_or_default());
    app.on_key(Key::Ch('q'));
    assert!(app.pager.is_none());
    assert_eq!(app.screen(), Screen::Detail);
    app.on_key(Key::Ch('q'));
    assert_eq!(app.screen(), Screen::Runs);
}

#[test]
fn a_metric_in_the_detail_opens_and_copies_exactly() {
    let mut other = loaded_app(&fixture("v3/file/mlruns"));
    open_experiment(&mut other, "exp-α demo");
    cursor_on(&mut other, "実験-🚀");
    other.on_key(Key::Enter);
    let tiny = other
        .detail_items()
        .iter()
        .position(|i| i.key == "tiny")
        .expect("tiny");
    other.detail.cursor = tiny;
    other.on_key(Key::Ch('Y'));
    assert_eq!(copied(&other.on_key(Key::Ch('v'))), "1e-20");
    other.on_key(Key::Enter);
    let text = other
        .pager
        .as_ref()
        .map(|p| p.text.clone())
        .unwrap_or_default();
    assert!(text.starts_with("latest  1e-20\nstep    0\n"), "{text}");
}

#[test]
fn detail_cursor_skips_titles_and_blank_lines() {
    let mut app = sweep_app();
    app.on_key(Key::Enter);
    let items = app.detail_items();
    assert!(items[app.detail.cursor].selectable());
    for _ in 0..items.len() + 3 {
        app.on_key(Key::Down);
        assert!(app.detail_items()[app.detail.cursor].selectable());
    }
    app.on_key(Key::Ch('g'));
    assert!(app.detail.cursor <= 1);
}

#[test]
fn folding_a_member_of_a_parent_cycle_leaves_a_row_to_unfold() {
    use crate::index::tests::run_with;
    use crate::model::TAG_PARENT_RUN;
    let mut a = run_with("a", 1, &[], &[]);
    let mut b = run_with("b", 2, &[], &[]);
    let mut c = run_with("c", 3, &[], &[]);
    a.tags.insert(TAG_PARENT_RUN.into(), "b".into());
    b.tags.insert(TAG_PARENT_RUN.into(), "c".into());
    c.tags.insert(TAG_PARENT_RUN.into(), "a".into());
    let d = run_with("d", 4, &[], &[]);
    let mut app = App::new("t".into(), std::env::temp_dir(), NOW);
    app.on_load(LoadEvent::Experiments(
        crate::store::ExperimentList::default(),
    ));
    app.on_load(LoadEvent::Runs(crate::store::RunBatch {
        summaries: Vec::new(),
        runs: vec![a, b, c, d],
        warnings: Vec::new(),
    }));
    app.on_load(LoadEvent::Done);
    app.open_runs(vec!["1".into()], "t".into());
    assert_eq!(app.runs.rows.len(), 4, "every run shows: {:?}", names(&app));
    for target in ["name-a", "name-b", "name-c"] {
        cursor_on(&mut app, target);
        app.update(Action::ToggleFold);
        let shown = names(&app);
        assert!(
            shown.iter().any(|n| n != "name-d"),
            "folding {target} hid the whole cycle: {shown:?}"
        );
        let folded = app.runs.rows.iter().filter(|r| r.folded).count();
        if folded > 0 {
            let row = app.runs.rows.iter().position(|r| r.folded).unwrap_or(0);
            app.runs.cursor = row;
            app.update(Action::ToggleFold);
        }
        assert_eq!(app.runs.rows.len(), 4, "unfolded again after {target}");
        app.runs.folded.clear();
        app.refresh_runs();
    }
}
