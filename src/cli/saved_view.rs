//! `mltui runs --saved-view NAME`: a view saved in the terminal UI, applied headless to
//! the same source, so a saved view is a report recipe: its columns (shown, in order,
//! pinned first), sort, quick filter and MLflow filter, pinned runs first and hidden runs
//! left out, as the run table shows them.

use std::collections::HashSet;

use anyhow::Result;

use super::UsageError;
use crate::config::state::{self, ViewState};
use crate::index::{self, Column, KeySets, SortKey, TextOrder};
use crate::model::Run;
use crate::store::SourceSpec;
use crate::timefmt::TimeFormat;
use crate::{suggest, text};

/// Finds the view `name` in the state file of `spec`.
pub fn find(spec: &SourceSpec, name: &str) -> Result<ViewState> {
    let env = |k: &str| std::env::var(k).ok();
    let Some(dir) = state::dir(&env) else {
        anyhow::bail!("no saved views: neither $XDG_STATE_HOME nor $HOME is set");
    };
    let path = state::file_for(&dir, &state::source_id(spec));
    let file = state::read(&path)?;
    let named = file.map(|f| f.named).unwrap_or_default();
    if let Some(v) = named.get(name) {
        return Ok(v.clone());
    }
    let mut message = format!("no saved view '{}' for {spec}", text::sanitize(name));
    let hint = suggest::did_you_mean(name, named.keys().map(String::as_str));
    let mut details = Vec::new();
    if !hint.is_empty() {
        message.push_str(&hint);
    } else if named.is_empty() {
        message.push_str(" (none is saved: in the run table, v then s saves one)");
    } else {
        message.push_str("; saved views:");
        details = named.keys().map(|n| format!("'{n}'")).collect();
    }
    Err(UsageError { message, details }.into())
}

/// The sort keys of a view (columns that do not parse are left out).
pub fn sort_keys(view: &ViewState) -> Vec<SortKey> {
    view.sort
        .iter()
        .filter_map(|k| {
            let c = Column::parse(&k.column)?;
            Some(if k.descending {
                SortKey::desc(c)
            } else {
                SortKey::asc(c)
            })
        })
        .collect()
}

/// Orders and narrows `rows` as the view's table does: hidden runs out, pinned runs
/// first (whatever the filters), then the runs matching the quick filter in the view's
/// sort. `matches` is the MLflow filter in effect.
pub fn rows(
    runs: &[Run],
    candidates: &[usize],
    view: &ViewState,
    sort: &[SortKey],
    matches: &dyn Fn(&Run) -> bool,
    now: i64,
    time: &TimeFormat,
) -> Vec<usize> {
    let hidden: HashSet<&str> = view.hidden.iter().map(String::as_str).collect();
    let visible: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&i| view.show_hidden || !hidden.contains(runs[i].run_id.as_str()))
        .collect();
    let pinned = |i: usize| view.pins.contains(&runs[i].run_id);
    let mut pins: Vec<usize> = visible.iter().copied().filter(|&i| pinned(i)).collect();
    pins.sort_by_key(|&i| view.pins.iter().position(|p| *p == runs[i].run_id));
    let mut rest: Vec<usize> = visible
        .iter()
        .copied()
        .filter(|&i| !pinned(i))
        .filter(|&i| matches(&runs[i]))
        .filter(|&i| index::quick::matches(&runs[i], &view.filter, now, time))
        .collect();
    index::sort_rows(runs, &mut rest, sort, TextOrder::Numeric, now);
    pins.extend(rest);
    pins
}

/// The columns a view shows for `selected`: pinned ones first, then the others in order;
/// keys none of the runs has are left out, and with diff-only those equal across them.
pub fn columns(view: &ViewState, selected: &[&Run], now: i64) -> Vec<Column> {
    let keys = KeySets::of(selected.iter().copied());
    let present = |c: &Column| match c {
        Column::Attr(_) => true,
        Column::Metric(k) | Column::MetricAgg(k, _) => keys.metrics.contains(k),
        Column::Param(k) => keys.params.contains(k),
        Column::Tag(k) => keys.tags.contains(k),
    };
    let mut out = Vec::new();
    for pinned_pass in [true, false] {
        for c in &view.columns {
            if !c.visible || c.pinned != pinned_pass {
                continue;
            }
            let Some(column) = Column::parse(&c.name) else {
                continue;
            };
            if !present(&column) || out.contains(&column) {
                continue;
            }
            let uniform = !matches!(column, Column::Attr(_))
                && selected.len() > 1
                && index::diff::is_uniform(selected, &column, now);
            if view.diff_only && uniform {
                continue;
            }
            out.push(column);
        }
    }
    out
}
