//! The run detail: every field of a run as a list with a cursor (attributes, source,
//! parent and children by name, note, params, metric summaries, datasets, tags); Enter
//! reads a whole value in a pager or goes to the parent or child run.

use std::borrow::Cow;
use std::cell::RefCell;

use super::{App, Effect, Screen, move_cursor};
use crate::model::{Run, RunStatus, TAG_NOTE};
use crate::text;
use crate::tui::action::Action;

/// Which run the detail shows and where its cursor is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DetailView {
    pub run_id: String,
    /// Position in `App::detail_items()`.
    pub cursor: usize,
}

/// What a line of the detail is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemKind {
    /// A section title ("Params (12)").
    Section,
    /// An empty line between sections.
    Blank,
    /// A column header line (metric summaries).
    Header,
    /// A key and its value.
    Field,
    /// A key and a value naming another run (parent or child): Enter goes there.
    Link(String),
    /// A metric's summary (the key is the metric's): Enter shows it exactly.
    Metric,
    /// A logged model of the run (its id): Enter shows the model.
    Model(String),
    /// An artifact of the run (its path): Enter opens the artifact browser there.
    Artifact(String),
}

/// One line of the run detail: stored text, borrowed from the run where it can be (values
/// can be huge), escaped when drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailItem<'a> {
    pub kind: ItemKind,
    pub key: Cow<'a, str>,
    pub value: Cow<'a, str>,
}

impl<'a> DetailItem<'a> {
    pub(super) fn section(title: String) -> Self {
        Self {
            kind: ItemKind::Section,
            key: Cow::Owned(title),
            value: Cow::Borrowed(""),
        }
    }

    pub(super) fn blank() -> Self {
        Self {
            kind: ItemKind::Blank,
            key: Cow::Borrowed(""),
            value: Cow::Borrowed(""),
        }
    }

    fn metric(key: &'a str, value: String) -> Self {
        Self {
            kind: ItemKind::Metric,
            key: Cow::Borrowed(key),
            value: Cow::Owned(value),
        }
    }

    pub(super) fn field(key: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>) -> Self {
        Self {
            kind: ItemKind::Field,
            key: key.into(),
            value: value.into(),
        }
    }

    /// Lines the cursor stops on.
    pub fn selectable(&self) -> bool {
        matches!(
            self.kind,
            ItemKind::Field
                | ItemKind::Link(_)
                | ItemKind::Metric
                | ItemKind::Model(_)
                | ItemKind::Artifact(_)
        )
    }

    /// True for lines that lead somewhere on Enter (drawn with an arrow).
    pub fn is_link(&self) -> bool {
        matches!(
            self.kind,
            ItemKind::Link(_) | ItemKind::Model(_) | ItemKind::Artifact(_)
        )
    }
}

/// A whole value, shown wrapped and scrollable over the screen.
#[derive(Debug)]
pub struct Pager {
    pub title: String,
    pub text: String,
    pub scroll: usize,
    /// Byte offsets where display lines start, for the width they were computed at:
    /// filled as far as scrolling needs, so a 100 MB value opens at once.
    pub lines: RefCell<(usize, Vec<usize>, bool)>,
}

impl Pager {
    pub fn new(title: String, text: String) -> Self {
        Self {
            title,
            text,
            scroll: 0,
            lines: RefCell::new((0, vec![0], false)),
        }
    }

    /// Start offsets of display lines `0..=upto` at `width` cells (fewer at the end of
    /// the text), computing more as needed. Also says whether the end was reached.
    pub fn line_starts(&self, width: usize, upto: usize) -> (Vec<usize>, bool) {
        let width = width.max(1);
        let mut cache = self.lines.borrow_mut();
        if cache.0 != width {
            *cache = (width, vec![0], false);
        }
        let (_, starts, done) = &mut *cache;
        while !*done && starts.len() <= upto {
            let from = starts.last().copied().unwrap_or(0);
            match next_line_start(&self.text, from, width) {
                Some(next) => starts.push(next),
                None => *done = true,
            }
        }
        let end = starts.len().min(upto + 1);
        (starts[..end].to_vec(), *done)
    }
}

/// Where the display line after the one starting at `from` starts, wrapping at `width`
/// cells (escapes count as shown) and at newlines; `None` at the end of the text.
pub fn next_line_start(text: &str, from: usize, width: usize) -> Option<usize> {
    let rest = text.get(from..)?;
    if rest.is_empty() {
        return None;
    }
    let mut used = 0;
    for (i, c) in rest.char_indices() {
        if c == '\n' {
            return Some(from + i + 1);
        }
        let mut buf = [0u8; 4];
        let w = text::width(&text::sanitize(c.encode_utf8(&mut buf)));
        if used + w > width && used > 0 {
            return Some(from + i);
        }
        used += w;
    }
    None
}

/// The items of a run's detail. `children` are the runs naming it as their parent;
/// `extra` (its models, reproducibility and artifacts: see `detail_models`) follows the
/// run's attributes and children.
pub fn items<'a>(
    run: &'a Run,
    parent: Option<&'a Run>,
    children: &[&'a Run],
    now: i64,
    time: &crate::timefmt::TimeFormat,
    extra: Vec<DetailItem<'a>>,
) -> Vec<DetailItem<'a>> {
    let mut out = Vec::new();
    let t = |v: Option<i64>| v.map_or("-".to_string(), |ms| time.full(ms));
    out.push(DetailItem::section("Run".into()));
    let dur = run
        .duration_ms(now)
        .map_or("-".into(), text::duration_short);
    let b = |s: &'a str| Cow::Borrowed(s);
    for (k, v) in [
        ("name", b(&run.run_name)),
        ("run id", b(&run.run_id)),
        ("experiment", b(&run.experiment_id)),
        ("status", b(run.status.as_str())),
        ("lifecycle", b(run.lifecycle.as_str())),
        ("user", b(&run.user_id)),
        ("start", Cow::Owned(t(run.start_time))),
        ("end", Cow::Owned(t(run.end_time))),
        ("duration", Cow::Owned(dur)),
        ("artifacts", b(&run.artifact_uri)),
    ] {
        out.push(DetailItem::field(k, v));
    }
    if let Some(pid) = run.parent_id() {
        let value = match parent {
            Some(p) => format!("{} ({})", p.run_name, short_id(&p.run_id)),
            None => format!("{pid} (not loaded)"),
        };
        out.push(DetailItem {
            kind: if parent.is_some() {
                ItemKind::Link(pid.to_string())
            } else {
                ItemKind::Field
            },
            key: "parent".into(),
            value: value.into(),
        });
    }
    if !children.is_empty() {
        out.push(DetailItem::blank());
        out.push(DetailItem::section(format!(
            "Children ({})",
            children.len()
        )));
        for c in children {
            let dur = c.duration_ms(now).map_or("-".into(), text::duration_short);
            let status = if c.status == RunStatus::Finished {
                String::new()
            } else {
                format!("{} · ", c.status.as_str())
            };
            out.push(DetailItem {
                kind: ItemKind::Link(c.run_id.clone()),
                key: Cow::Borrowed(&c.run_name),
                value: Cow::Owned(format!("{status}{dur} · {}", short_id(&c.run_id))),
            });
        }
    }
    // Source, git and project tags are in the reproducibility block of `extra`.
    out.extend(extra);
    if let Some(note) = run.tags.get(TAG_NOTE) {
        out.push(DetailItem::blank());
        out.push(DetailItem::section("Note".into()));
        out.push(DetailItem::field("note", note.as_str()));
    }
    out.push(DetailItem::blank());
    out.push(DetailItem::section(format!(
        "Params ({})",
        run.params.len()
    )));
    for (k, v) in &run.params {
        out.push(DetailItem::field(k.as_str(), v.as_str()));
    }
    out.push(DetailItem::blank());
    out.push(DetailItem::section(format!(
        "Metrics ({})",
        run.metrics.len()
    )));
    if !run.metrics.is_empty() {
        out.push(DetailItem {
            kind: ItemKind::Header,
            key: "key".into(),
            value: metric_columns("latest", "min", "max", "step", "points").into(),
        });
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
            out.push(DetailItem::metric(
                k.as_str(),
                metric_columns(
                    &text::float_short(m.latest.value),
                    &extreme(m.min),
                    &extreme(m.max),
                    &m.latest.step.to_string(),
                    &count,
                ),
            ));
        }
    }
    if !run.datasets.is_empty() {
        out.push(DetailItem::blank());
        out.push(DetailItem::section(format!(
            "Datasets ({})",
            run.datasets.len()
        )));
        for d in &run.datasets {
            let ctx = d.context.as_deref().unwrap_or("-");
            out.push(DetailItem::field(
                d.name.as_str(),
                format!(
                    "({ctx}) digest {} · {} {}",
                    d.digest, d.source_type, d.source
                ),
            ));
        }
    }
    out.push(DetailItem::blank());
    out.push(DetailItem::section(format!("Tags ({})", run.tags.len())));
    for (k, v) in &run.tags {
        out.push(DetailItem::field(k.as_str(), v.as_str()));
    }
    out
}

fn metric_columns(latest: &str, min: &str, max: &str, step: &str, points: &str) -> String {
    format!("{latest:>12} {min:>12} {max:>12} {step:>10} {points:>8}")
}

/// The first 8 characters of a run id.
pub fn short_id(id: &str) -> String {
    id.chars().take(8).collect()
}

impl App {
    /// The items of the run the detail shows (empty when it is gone from the store).
    pub fn detail_items(&self) -> Vec<DetailItem<'_>> {
        let Some(run) = self.index.run(&self.detail.run_id) else {
            return Vec::new();
        };
        let parent = run.parent_id().and_then(|p| self.index.run(p));
        let mut children: Vec<&Run> = self
            .index
            .runs()
            .iter()
            .filter(|r| r.parent_id() == Some(run.run_id.as_str()) && r.run_id != run.run_id)
            .collect();
        children.sort_by_key(|r| std::cmp::Reverse(r.start_time));
        let extra = self.detail_extras(run);
        items(
            run,
            parent,
            &children,
            self.now_ms,
            &self.settings.time,
            extra,
        )
    }

    /// A metric of the detail's run in full: exact values, the latest point's step and
    /// time, and how many points there are.
    pub(super) fn metric_summary(&self, key: &str) -> Option<String> {
        let m = self.index.run(&self.detail.run_id)?.metrics.get(key)?;
        let count = m.count.map_or("unknown".into(), |c| c.to_string());
        // A server reports only the latest value: min and max are unknown, not NaN.
        let extreme = |v: f64| {
            if m.count.is_none() && v.is_nan() {
                "unknown".to_string()
            } else {
                text::float_exact(v)
            }
        };
        Some(format!(
            "latest  {}\nstep    {}\ntime    {}\nmin     {}\nmax     {}\npoints  {count}",
            text::float_exact(m.latest.value),
            m.latest.step,
            self.settings.time.full(m.latest.timestamp),
            extreme(m.min),
            extreme(m.max),
        ))
    }

    /// Opens the detail of `run_id` on top of the current screen.
    pub(super) fn open_detail(&mut self, run_id: String) {
        if self.screen() == Screen::Detail {
            self.detail_back.push(std::mem::take(&mut self.detail));
        }
        self.detail = DetailView { run_id, cursor: 0 };
        self.detail.cursor = self.next_selectable(0, true);
        self.stack.push(Screen::Detail);
    }

    /// The first selectable item at or after (or before) `from`.
    fn next_selectable(&self, from: usize, forward: bool) -> usize {
        let items = self.detail_items();
        let ok = |i: usize| items.get(i).is_some_and(DetailItem::selectable);
        if forward {
            (from..items.len())
                .find(|&i| ok(i))
                .or_else(|| (0..from.min(items.len())).rev().find(|&i| ok(i)))
        } else {
            (0..=from.min(items.len().saturating_sub(1)))
                .rev()
                .find(|&i| ok(i))
                .or_else(|| (from..items.len()).find(|&i| ok(i)))
        }
        .unwrap_or(0)
    }

    pub(super) fn update_detail(&mut self, action: Action, page: usize) -> Vec<Effect> {
        match action {
            a if a.is_row_move() => {
                let len = self.detail_items().len();
                let to = move_cursor(self.detail.cursor, len, a, page);
                let forward = matches!(a, Action::Down | Action::PageDown | Action::Bottom);
                let to = self.next_selectable(to, forward);
                // At the first or last field, Up/Down stay put rather than jump back.
                self.detail.cursor = to;
            }
            Action::Open => {
                let items = self.detail_items();
                let Some(item) = items.get(self.detail.cursor) else {
                    return Vec::new();
                };
                let (kind, key, value) = (
                    item.kind.clone(),
                    item.key.to_string(),
                    item.value.to_string(),
                );
                drop(items);
                match kind {
                    ItemKind::Link(id) => self.open_detail(id),
                    ItemKind::Model(id) => return self.open_model_by_id(&id),
                    ItemKind::Artifact(path) => {
                        let run_id = self.detail.run_id.clone();
                        return self.browse_run_at(&run_id, &path);
                    }
                    ItemKind::Field => self.pager = Some(Pager::new(key, value)),
                    ItemKind::Metric => {
                        let text = self.metric_summary(&key).unwrap_or(value);
                        self.pager = Some(Pager::new(key, text));
                    }
                    _ => {}
                }
            }
            Action::Back => self.back(),
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn update_pager(&mut self, action: Action) -> Vec<Effect> {
        let rows = self.viewport.pager_rows.get().max(1);
        let Some(p) = self.pager.as_mut() else {
            return Vec::new();
        };
        match action {
            Action::Back => self.pager = None,
            Action::Up => p.scroll = p.scroll.saturating_sub(1),
            Action::Down => p.scroll += 1,
            Action::PageUp => p.scroll = p.scroll.saturating_sub(rows),
            Action::PageDown => p.scroll += rows,
            Action::Top => p.scroll = 0,
            Action::Bottom => p.scroll = usize::MAX / 2,
            Action::CopyId => {
                let (title, text) = (p.title.clone(), p.text.clone());
                return self.copy(&text, &title);
            }
            _ => {}
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pager_lines_wrap_at_width_and_newlines_lazily() {
        let p = Pager::new("v".into(), "abcdefgh\nij\u{1b}kl".into());
        let (starts, done) = p.line_starts(3, 100);
        let lines: Vec<&str> = starts
            .iter()
            .zip(starts.iter().skip(1).chain([&p.text.len()]))
            .map(|(a, b)| &p.text[*a..*b])
            .collect();
        assert_eq!(lines, ["abc", "def", "gh\n", "ij", "\u{1b}k", "l"]);
        assert!(done);
        let big = Pager::new("v".into(), "x".repeat(50_000_000));
        let (starts, done) = big.line_starts(80, 10);
        assert_eq!(starts.len(), 11);
        assert!(!done, "only what is shown is wrapped");
    }
}
