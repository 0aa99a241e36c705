//! The `huge` measurements (`--huge DB`, `--server URL`): the terminal UI's load of a
//! 100,000-run store (first rows, everything in, peak RSS and bytes per run), sorting the
//! table by a run name, param, metric or attribute column, the quick filter key by key, and
//! one table frame — each an update plus the frame it causes, as in the terminal.

use std::time::{Duration, Instant};

use mltui::index::{Attr, Column, SortKey};
use mltui::tui::action::Action;
use mltui::tui::app::App;
use mltui::tui::theme::Theme;

use crate::{bench_first_rows, bench_table_frame, draw, median, report, terminal};

/// A field of `/proc/self/status` in kB (`VmHWM`: peak RSS; `VmRSS`: RSS now).
pub fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| {
        l.strip_prefix(field)?
            .strip_prefix(':')?
            .trim()
            .strip_suffix("kB")?
            .trim()
            .parse()
            .ok()
    })
}

/// Reports a size in MB on the `name<TAB>value<TAB>note` line (the value column holds MB).
pub fn report_mb(name: &str, kb: u64, note: &str) {
    println!("{name}\t{:.1}\t{note}", kb as f64 / 1024.0);
}

/// Sorts the table by `col` (the cursor put on it when it is shown, then `[`/`]` as a user
/// would; set directly when the column is hidden) and draws.
fn sort_by(app: &mut App, col: &Column, desc: bool) {
    let v = &app.runs;
    match v.shown.iter().position(|&i| v.columns[i].column == *col) {
        Some(p) => {
            app.runs.col_cursor = p;
            app.update(if desc {
                Action::SortDesc
            } else {
                Action::SortAsc
            });
        }
        None => {
            app.runs.sort = vec![if desc {
                SortKey::desc(col.clone())
            } else {
                SortKey::asc(col.clone())
            }];
            app.refresh_runs();
        }
    }
}

/// The terminal UI on a store of `huge`'s shape (a SQLite file or a server's URL).
pub fn bench_huge(path: &str, full: bool) {
    let before = status_kb("VmHWM").unwrap_or(0);
    let mut app = bench_first_rows(path);
    let runs = app.index.runs().len();
    if let Some(peak) = status_kb("VmHWM") {
        report_mb(
            "peak_rss_mb",
            peak,
            &format!(
                "VmHWM after loading {runs} runs: {:.0} bytes per run ({:.1} MB before opening, {:.1} MB resident after)",
                peak.saturating_sub(before) as f64 * 1024.0 / runs.max(1) as f64,
                before as f64 / 1024.0,
                status_kb("VmRSS").unwrap_or(0) as f64 / 1024.0
            ),
        );
    }
    if !full {
        return;
    }
    // What the terminal does between keys once loaded: the quick filter's search text,
    // a slice at a time.
    let (mut idle, mut slice, mut slices) = (Duration::ZERO, Duration::ZERO, 0);
    while app.has_idle_work() {
        let t = Instant::now();
        app.idle_work();
        slice = slice.max(t.elapsed());
        idle += t.elapsed();
        slices += 1;
    }
    report(
        "idle_search",
        idle,
        &format!(
            "search text of {runs} runs built while idle: {slices} slices, longest {:.1} ms",
            slice.as_secs_f64() * 1e3
        ),
    );
    if let Some(rss) = status_kb("VmRSS") {
        report_mb("rss_idle_mb", rss, "VmRSS once the search text is built");
    }
    bench_table_frame(&app);
    let theme = Theme::monochrome();
    let mut term = terminal();
    let rows = app.runs.rows.len();
    for (name, col) in [
        ("sort_name", Column::Attr(Attr::RunName)),
        ("sort_param", Column::Param("lr".into())),
        ("sort_param_text", Column::Param("optimizer".into())),
        ("sort_metric", Column::Metric("val/acc".into())),
        ("sort_start", Column::Attr(Attr::StartTime)),
    ] {
        let mut desc = false;
        let t = median(7, || {
            desc = !desc;
            sort_by(&mut app, &col, desc);
            draw(&mut term, &app, &theme);
        });
        report(
            name,
            t,
            &format!("{rows} rows by {}, then a frame", col.name()),
        );
    }
    app.update(Action::ClearSort);

    // The quick filter's first key on its own: the search text of every run built then.
    let built = std::mem::take(&mut app.runs.search);
    app.update(Action::Filter);
    let t = Instant::now();
    app.update(Action::InputChar('l'));
    draw(&mut term, &app, &theme);
    report(
        "filter_first_unbuilt",
        t.elapsed(),
        &format!(
            "quick filter, first key with no search text built yet ({} rows match, then a frame)",
            app.runs.rows.len()
        ),
    );
    app.update(Action::InputCancel);
    app.runs.search = built;

    // The quick filter, typed key by key (each key filters and draws at once).
    app.update(Action::Filter);
    let mut keys = Vec::new();
    for c in "lion".chars() {
        let t = Instant::now();
        app.update(Action::InputChar(c));
        draw(&mut term, &app, &theme);
        keys.push((t.elapsed(), app.runs.rows.len()));
    }
    let (first, first_rows) = keys[0];
    report(
        "filter_first",
        first,
        &format!(
            "quick filter, first key: {first_rows} of {rows} rows match, then a frame (search text built while idle)"
        ),
    );
    let mut rest: Vec<Duration> = keys[1..].iter().map(|k| k.0).collect();
    rest.sort();
    let last_rows = keys.last().map_or(0, |k| k.1);
    report(
        "filter_key",
        rest[rest.len() / 2],
        &format!(
            "quick filter, each further key (median of {}; {last_rows} rows match at the end)",
            rest.len()
        ),
    );
    let t = Instant::now();
    app.update(Action::InputCancel);
    draw(&mut term, &app, &theme);
    report(
        "filter_clear",
        t.elapsed(),
        &format!("Esc: filter cleared, {} rows again", app.runs.rows.len()),
    );
    if let Some(peak) = status_kb("VmHWM") {
        report_mb("peak_rss_end_mb", peak, "VmHWM after sorting and filtering");
    }
}
