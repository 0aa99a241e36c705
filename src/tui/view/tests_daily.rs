//! Screens at 80×24 (and 40×10) for daily use: the first screen of every view on the demo
//! store and on a wide store (40 params × 20 metrics), and the drawing bugs a first real
//! walk found, each pinned by what the screen shows.

use std::path::{Path, PathBuf};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

use super::draw;
use crate::tui::action::Action;
use crate::tui::app::tests::{fulfil_histories, loaded_app, open_experiment, sweep_app};
use crate::tui::app::{App, Effect, LoadEvent};
use crate::tui::keymap::Key;
use crate::tui::theme::Theme;

fn buffer(app: &App, w: u16, h: u16, theme: &Theme) -> Buffer {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    term.draw(|f| draw(f, app, theme)).expect("draw");
    term.backend().buffer().clone()
}

fn render(app: &App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    term.draw(|f| draw(f, app, &Theme::monochrome()))
        .expect("draw");
    term.backend().to_string()
}

/// The text of one row of a buffer.
fn row(buf: &Buffer, y: u16) -> String {
    (0..buf.area.width)
        .map(|x| buf[(x, y)].symbol().to_string())
        .collect()
}

fn demo_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/mlflow.db")
}

fn wide_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wide/mlflow.db")
}

/// Every view's first screen: experiments, runs, detail, compare (all runs marked),
/// charts (of the marked runs, histories loaded).
fn first_screens(name: &str, path: &Path, experiment: &str) {
    let mut app = loaded_app(path);
    insta::assert_snapshot!(format!("{name}_experiments"), render(&app, 80, 24));
    open_experiment(&mut app, experiment);
    insta::assert_snapshot!(format!("{name}_runs"), render(&app, 80, 24));
    app.update(Action::Open);
    insta::assert_snapshot!(format!("{name}_detail"), render(&app, 80, 24));
    app.update(Action::Leave);
    app.update(Action::MarkAll);
    app.update(Action::Compare);
    insta::assert_snapshot!(format!("{name}_compare"), render(&app, 80, 24));
    let effects = app.update(Action::Plot);
    fulfil_histories(&mut app, effects, path);
    insta::assert_snapshot!(format!("{name}_chart"), render(&app, 80, 24));
}

#[test]
fn first_screens_of_the_demo_store() {
    first_screens("demo", &demo_path(), "resnet-cifar10");
}

#[test]
fn first_screens_of_a_store_with_40_params_and_20_metrics() {
    first_screens("wide", &wide_path(), "wide");
}

#[test]
fn the_first_screen_of_an_experiment_shows_metrics_at_80_columns() {
    for (path, exp) in [
        (demo_path(), "resnet-cifar10"),
        (demo_path(), "bert-finetune"),
        (wide_path(), "wide"),
    ] {
        let mut app = loaded_app(&path);
        open_experiment(&mut app, exp);
        let screen = render(&app, 80, 24);
        let header = screen.lines().nth(1).unwrap_or_default();
        assert!(header.contains("metrics"), "{exp}:\n{screen}");
    }
}

#[test]
fn dollar_then_zero_scrolls_back_to_the_first_columns() {
    let mut app = sweep_app();
    let first = render(&app, 80, 24);
    assert!(first.contains("status"));
    app.on_key(Key::Ch('$'));
    let right = render(&app, 80, 24);
    assert!(!right.contains(" status "), "scrolled right:\n{right}");
    app.on_key(Key::Ch('0'));
    assert_eq!(render(&app, 80, 24), first);
}

#[test]
fn deltas_are_coloured_by_better_or_worse_and_stars_need_a_direction() {
    let mut app = sweep_app();
    app.on_key(Key::Ch('t'));
    for name in ["sweep-1", "sweep-2"] {
        let pos = app
            .shown_runs()
            .iter()
            .position(|r| r.run_name == name)
            .expect(name);
        app.runs.cursor = pos;
        app.on_key(Key::Ch(' '));
    }
    app.on_key(Key::Ch('c'));
    // Baseline sweep-2 (the worse run); sweep-1 has a lower loss and a higher acc.
    let col = app
        .compare
        .run_ids
        .iter()
        .position(|id| app.index.run(id).is_some_and(|r| r.run_name == "sweep-2"))
        .expect("sweep-2");
    app.compare.col_cursor = col;
    app.on_key(Key::Ch('b'));
    let theme = Theme::colored();
    let buf = buffer(&app, 100, 30, &theme);
    let line_of = |key: &str| -> u16 {
        (0..buf.area.height)
            .find(|&y| row(&buf, y).starts_with(key))
            .unwrap_or_else(|| panic!("{key} row"))
    };
    // The delta cell: the last non-blank span on the row.
    let delta_color = |y: u16| -> Option<Color> {
        (0..buf.area.width)
            .rev()
            .map(|x| &buf[(x, y)])
            .find(|c| c.symbol() != " ")
            .and_then(|c| c.fg.into())
    };
    let loss = line_of("metrics.loss ");
    assert!(row(&buf, loss).contains(" -"), "{}", row(&buf, loss));
    assert_eq!(
        delta_color(loss),
        Some(Color::Green),
        "lower loss is better"
    );
    let acc = line_of("metrics.acc ");
    assert!(row(&buf, acc).contains(" +"), "{}", row(&buf, acc));
    assert_eq!(delta_color(acc), Some(Color::Green), "higher acc is better");
    assert!(row(&buf, loss).contains('★') && row(&buf, acc).contains('★'));
    // Without colour the same shows as text.
    let mono = render(&app, 100, 30);
    let loss_line = mono
        .lines()
        .find(|l| l.trim_start_matches('"').starts_with("metrics.loss "))
        .expect("loss");
    assert!(loss_line.contains('✓'), "{loss_line}");
}

#[test]
fn no_star_on_metrics_without_a_better_direction() {
    let mut app = loaded_app(&demo_path());
    open_experiment(&mut app, "resnet-cifar10");
    app.update(Action::MarkAll);
    app.update(Action::Compare);
    app.update(Action::ToggleDiff);
    let best_acc = app
        .comparison()
        .rows
        .iter()
        .find(|r| r.column.name() == "metrics.val/acc")
        .and_then(|r| r.best)
        .expect("val/acc has a best run");
    app.compare.col_cursor = best_acc;
    let screen = render(&app, 120, 40);
    let lr = screen
        .lines()
        .find(|l| l.contains("metrics.lr"))
        .expect("lr row");
    assert!(!lr.contains('★'), "{lr}");
    let acc = screen
        .lines()
        .find(|l| l.contains("metrics.val/acc"))
        .expect("val/acc row");
    assert!(acc.contains('★'), "{acc}");
}

#[test]
fn the_live_state_stays_in_the_header_and_the_source_path_shrinks() {
    let mut app = sweep_app();
    app.source =
        "SQLite /home/someone/projects/a-rather-long-project-name/experiments/mlflow.db".into();
    app.live.interval = Some(2.0);
    let screen = render(&app, 80, 24);
    let header = screen.lines().next().unwrap_or_default();
    assert!(header.contains("● live 2s"), "{header}");
    assert!(header.contains("…/"), "{header}");
    // Watched, the header says so instead of the interval (a safety net only).
    app.on_load(LoadEvent::Following {
        watching: true,
        note: None,
    });
    let screen = render(&app, 80, 24);
    let header = screen.lines().next().unwrap_or_default();
    assert!(header.contains("● live (watching)"), "{header}");
    assert!(header.contains("…/"), "{header}");
    // Watching stops (the inotify limit): polling, said once in the status line.
    app.on_load(LoadEvent::Following {
        watching: false,
        note: Some("live refresh polls every 2 s: the inotify watch limit is reached".into()),
    });
    let screen = render(&app, 80, 24);
    assert!(
        screen
            .lines()
            .next()
            .unwrap_or_default()
            .contains("● live 2s"),
        "{screen}"
    );
    assert!(
        screen.contains("polls every 2 s: the inotify watch"),
        "{screen}"
    );
    app.live.paused = true;
    assert!(
        render(&app, 80, 24)
            .lines()
            .next()
            .unwrap_or_default()
            .contains("⏸ paused")
    );
    app.live.paused = false;
    app.live.error = Some("cannot connect to http://127.0.0.1:5000: connection refused".into());
    let header = render(&app, 80, 24)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(header.contains("✗ refresh failed"), "{header}");
}

#[test]
fn filter_errors_are_readable_at_80_columns() {
    let mut app = sweep_app();
    app.on_key(Key::Ch('f'));
    for c in "metrics.val/acc > 0.9".chars() {
        app.on_key(Key::Ch(c));
    }
    let screen = render(&app, 80, 24);
    let joined: String = screen
        .lines()
        .map(|l| l.trim_matches('"').trim())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        joined.contains("quote keys with special characters in backticks, e.g. metrics.`val/acc`"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn narrow_experiment_lists_keep_the_names() {
    let app = loaded_app(&demo_path());
    let screen = render(&app, 40, 10);
    for name in ["bert-finetune", "resnet-cifar10", "Default"] {
        assert!(screen.contains(name), "{screen}");
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn chart_tick_labels_are_whole_round_numbers() {
    let mut app = loaded_app(&demo_path());
    open_experiment(&mut app, "resnet-cifar10");
    app.update(Action::MarkAll);
    let effects = app.update(Action::Plot);
    fulfil_histories(&mut app, effects, &demo_path());
    for (w, h) in [(80, 24), (100, 30), (61, 20), (160, 45)] {
        let buf = buffer(&app, w, h, &Theme::monochrome());
        // The row under the x axis line (└──): every label is a multiple of its step.
        let axis = (0..h)
            .find(|&y| row(&buf, y).contains('└'))
            .expect("x axis");
        let labels: Vec<i64> = row(&buf, axis + 1)
            .split(|c: char| c.is_whitespace() || c == '│')
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<i64>()
                    .unwrap_or_else(|_| panic!("{s:?} at {w}x{h}"))
            })
            .collect();
        assert!(labels.len() >= 2, "{w}x{h}: {labels:?}");
        let step = labels[1] - labels[0];
        let unit = 10i64.pow((step as f64).log10().floor() as u32);
        assert!([1, 2, 5].contains(&(step / unit)), "{w}x{h}: {labels:?}");
        assert!(labels.iter().all(|l| l % step == 0), "{w}x{h}: {labels:?}");
    }
}

#[test]
fn help_scrolls_by_page_and_end_and_keys_stay_apart_from_their_text() {
    let mut app = sweep_app();
    app.on_key(Key::Ch('?'));
    let all = render(&app, 100, 80);
    assert!(all.contains("PgUp Ctrl-u Ctrl-b  page up"), "{all}");
    let top = render(&app, 80, 24);
    app.on_key(Key::PageDown);
    let paged = render(&app, 80, 24);
    assert_ne!(top, paged, "PgDn scrolls");
    app.on_key(Key::End);
    let end = render(&app, 80, 24);
    assert!(end.contains("Ctrl-c"), "End shows the last keys:\n{end}");
    app.on_key(Key::Ch('g'));
    assert_eq!(render(&app, 80, 24), top, "g goes back to the top");
    app.on_key(Key::Ch('G'));
    app.on_key(Key::Up);
    assert_ne!(
        render(&app, 80, 24),
        end,
        "one line up from the end moves at once"
    );
}

#[test]
fn a_legend_of_many_runs_says_how_many_more_and_scrolls() {
    let mut app = loaded_app(&demo_path());
    open_experiment(&mut app, "resnet-cifar10");
    app.update(Action::MarkAll);
    let effects = app.update(Action::Plot);
    fulfil_histories(&mut app, effects, &demo_path());
    let screen = render(&app, 80, 24);
    assert!(screen.contains("+7 more"), "{screen}");
    app.on_key(Key::Tab);
    for _ in 0..11 {
        app.on_key(Key::Down);
    }
    let screen = render(&app, 80, 24);
    let last = app
        .index
        .run(&app.chart.run_ids[11])
        .map(|r| r.run_name.clone())
        .expect("run");
    assert!(screen.contains(&last), "{screen}");
    assert!(screen.contains("above"), "{screen}");
}

#[test]
fn deleted_runs_are_marked_in_text_without_colour() {
    let mut app = sweep_app();
    app.on_key(Key::Ch('d'));
    let screen = render(&app, 100, 24);
    let line = screen
        .lines()
        .find(|l| l.contains("sweep-5"))
        .expect("deleted run shown");
    assert!(line.contains("[deleted]"), "{line}");
    assert_eq!(screen.matches("[deleted]").count(), 1);
}

#[test]
fn equal_looking_values_in_diff_only_compare_show_their_difference() {
    let mut app = sweep_app();
    app.on_key(Key::Ch('t'));
    for name in ["sweep-parent", "sweep-4"] {
        let pos = app
            .shown_runs()
            .iter()
            .position(|r| r.run_name == name)
            .expect(name);
        app.runs.cursor = pos;
        app.on_key(Key::Ch(' '));
    }
    app.on_key(Key::Ch('c'));
    app.on_key(Key::Ch('x'));
    let screen = render(&app, 80, 24);
    let start = screen
        .lines()
        .find(|l| l.contains("start_time"))
        .expect("start_time differs");
    let times: Vec<&str> = start
        .split_whitespace()
        .filter(|w| w.contains(':'))
        .collect();
    assert_eq!(times.len(), 2, "{start}");
    assert_ne!(times[0], times[1], "{start}");
}

#[test]
fn counts_use_the_right_plural() {
    let mut app = sweep_app();
    app.on_key(Key::Ch('f'));
    for c in "status = 'KILLED'".chars() {
        app.on_key(Key::Ch(c));
    }
    let screen = render(&app, 80, 24);
    assert!(screen.contains("✓ 1 match "), "{screen}");
    app.on_key(Key::Enter);
    app.on_key(Key::Ch('p'));
    let screen = render(&app, 80, 24);
    assert!(screen.contains("Charts · 1 run "), "{screen}");
}

#[test]
fn y_confirms_the_copy_on_the_status_line() {
    let mut app = sweep_app();
    let effects = app.on_key(Key::Ch('y'));
    assert!(matches!(effects.as_slice(), [Effect::Copy(_)]));
    let screen = render(&app, 80, 24);
    assert!(screen.contains("copied run id "), "{screen}");
}

#[test]
fn huge_values_are_cut_before_they_are_measured() {
    let mut app = sweep_app();
    let id = app.current_run_id().expect("row");
    let mut run = app.index.run(&id).cloned().expect("run");
    run.run_name = "n".repeat(50_000_000);
    run.params
        .insert("huge".into(), "p".repeat(100_000_000).into());
    app.on_load(crate::tui::app::LoadEvent::Runs(crate::store::RunBatch {
        summaries: Vec::new(),
        runs: vec![run],
        warnings: Vec::new(),
    }));
    let screen = render(&app, 80, 24);
    assert!(screen.contains("nnnn…"), "{screen}");
    app.on_key(Key::Enter);
    let screen = render(&app, 80, 24);
    assert!(screen.contains("nnnn…"), "{screen}");
}
