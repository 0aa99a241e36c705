//! Run detail: attributes, params, metric summaries, tags, note, source and datasets.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::empty_hint;
use crate::model::{Run, TAG_NOTE};
use crate::text;
use crate::tui::app::App;
use crate::tui::theme::Theme;

fn kv<'a>(key: &str, value: &str, theme: &Theme, key_w: usize) -> Line<'a> {
    Line::from(vec![
        Span::styled(
            format!("  {}", text::pad(&text::sanitize(key), key_w, false)),
            theme.key,
        ),
        Span::raw(format!("  {}", text::sanitize(value))),
    ])
}

fn section<'a>(title: String, theme: &Theme) -> Line<'a> {
    Line::from(Span::styled(title, theme.section))
}

/// The detail text of a run, one `Line` per row, with `extra` sections after its attributes
/// (models, reproducibility, artifacts: see `detail_models`).
pub fn lines<'a>(run: &Run, now: i64, theme: &Theme, extra: Vec<Line<'a>>) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    let t = |v: Option<i64>| v.map_or("-".to_string(), text::time_iso);
    out.push(section("Run".into(), theme));
    let dur = run
        .duration_ms(now)
        .map_or("-".into(), text::duration_short);
    let attrs = [
        ("name", run.run_name.clone()),
        ("run id", run.run_id.clone()),
        ("experiment", run.experiment_id.clone()),
        ("status", run.status.as_str().to_string()),
        ("lifecycle", run.lifecycle.as_str().to_string()),
        ("user", run.user_id.clone()),
        ("start", t(run.start_time)),
        ("end", t(run.end_time)),
        ("duration", dur),
        ("artifacts", run.artifact_uri.clone()),
    ];
    for (k, v) in &attrs {
        out.push(kv(k, v, theme, 12));
    }
    // Source, git and project tags are in the reproducibility block of `extra`.
    out.extend(extra);
    if let Some(note) = run.tags.get(TAG_NOTE) {
        out.push(Line::from(""));
        out.push(section("Note".into(), theme));
        for l in note.lines() {
            out.push(Line::from(format!("  {}", text::sanitize(l))));
        }
    }
    let kw = |keys: &mut dyn Iterator<Item = &String>| {
        keys.map(|k| text::width(k)).max().unwrap_or(0).min(40)
    };
    out.push(Line::from(""));
    out.push(section(format!("Params ({})", run.params.len()), theme));
    let w = kw(&mut run.params.keys());
    for (k, v) in &run.params {
        out.push(kv(k, v, theme, w));
    }
    out.push(Line::from(""));
    out.push(section(format!("Metrics ({})", run.metrics.len()), theme));
    if !run.metrics.is_empty() {
        let w = kw(&mut run.metrics.keys()).max(6);
        out.push(Line::from(Span::styled(
            format!(
                "  {}  {:>12} {:>12} {:>12} {:>10} {:>8}",
                text::pad("key", w, false),
                "latest",
                "min",
                "max",
                "step",
                "points"
            ),
            theme.dim,
        )));
        for (k, m) in &run.metrics {
            let count = m.count.map_or("-".into(), |c| c.to_string());
            // A server reports only the latest value: min and max are unknown, not NaN.
            let extreme = |v: f64| {
                if m.count.is_none() && v.is_nan() {
                    "-".to_string()
                } else {
                    text::float_short(v)
                }
            };
            out.push(Line::from(vec![
                Span::styled(
                    format!("  {}", text::pad(&text::sanitize(k), w, false)),
                    theme.key,
                ),
                Span::raw(format!(
                    "  {:>12} {:>12} {:>12} {:>10} {:>8}",
                    text::float_short(m.latest.value),
                    extreme(m.min),
                    extreme(m.max),
                    m.latest.step,
                    count
                )),
            ]));
        }
    }
    if !run.datasets.is_empty() {
        out.push(Line::from(""));
        out.push(section(format!("Datasets ({})", run.datasets.len()), theme));
        for d in &run.datasets {
            let ctx = d.context.as_deref().unwrap_or("-");
            let value = format!(
                "{} ({}) digest {} · {} {}",
                d.name, ctx, d.digest, d.source_type, d.source
            );
            out.push(Line::from(format!("  {}", text::sanitize(&value))));
        }
    }
    out.push(Line::from(""));
    out.push(section(format!("Tags ({})", run.tags.len()), theme));
    let w = kw(&mut run.tags.keys());
    for (k, v) in &run.tags {
        out.push(kv(k, v, theme, w));
    }
    out
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    app.viewport.table_rows.set(area.height as usize);
    let Some(run) = app.detail_run.as_deref().and_then(|id| app.index.run(id)) else {
        empty_hint(frame, area, "this run is no longer in the store", theme);
        return;
    };
    let extra = super::detail_models::sections(app, run, theme);
    let lines = lines(run, app.now_ms, theme, extra);
    let max = lines.len().saturating_sub(area.height as usize);
    app.viewport.detail_lines.set(lines.len());
    let scroll = app.detail_scroll.min(max);
    let para = Paragraph::new(lines).scroll((scroll.min(u16::MAX as usize) as u16, 0));
    frame.render_widget(para, area);
}
