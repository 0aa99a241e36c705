//! The run table: scope, quick filter, multi-key sort, column set, diff-only columns,
//! nested-run tree with folding, and marks that survive all of these.

use std::collections::{HashMap, HashSet};

use super::columns::{default_columns, insert_position, shown_by_default};
use super::{App, Message, move_cursor};
use crate::index::column::KeySets;
use crate::index::diff::is_uniform;
use crate::index::{Attr, Column, SortKey, TextOrder, sort_rows};
use crate::model::{Lifecycle, Run};
use crate::tui::action::Action;

/// One column of the run table and how it is shown.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnState {
    pub column: Column,
    pub visible: bool,
    pub pinned: bool,
    /// A width set by hand (`<`, `>`); automatic when `None`.
    pub width: Option<u16>,
}

/// One shown row: a run and its place in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunRow {
    pub run: usize,
    pub depth: u8,
    pub children: u32,
    pub folded: bool,
    /// Last child of its parent (for tree glyphs).
    pub last: bool,
}

/// State of the run table.
#[derive(Debug, Default)]
pub struct RunsView {
    pub experiment_ids: Vec<String>,
    pub title: String,
    pub rows: Vec<RunRow>,
    /// Runs in scope (experiments and lifecycle) before the text filter.
    pub in_scope: usize,
    /// Runs the text filter hides.
    pub filtered_out: usize,
    pub cursor: usize,
    pub columns: Vec<ColumnState>,
    /// Indices into `columns` that are shown (visible, and varying when diff-only is on).
    pub shown: Vec<usize>,
    /// Column cursor: a position in `shown`.
    pub col_cursor: usize,
    pub sort: Vec<SortKey>,
    pub filter: String,
    /// The MLflow search filter (`f`), with its text.
    pub query: Option<(String, crate::index::filter::Filter)>,
    pub marks: HashSet<String>,
    pub show_deleted: bool,
    pub diff_only: bool,
    /// Columns hidden because their values are equal across the shown runs.
    pub equal_hidden: usize,
    pub flat: bool,
    pub folded: HashSet<String>,
    /// Shown columns whose different values read the same in short form (diff-only):
    /// drawn precisely.
    pub precise: HashSet<Column>,
    /// Lower-case search text of every run for the quick filter (built when first needed,
    /// or ahead of it while the UI is idle; see [`App::idle_work`]).
    pub search: SearchTexts,
    /// What depends only on the runs in scope, kept while the index and the show-deleted
    /// choice stay the same (sorting and filtering a 100,000-run table reuse it).
    pub scope: Option<ScopeCache>,
    /// Runs pinned to the top (ids, in the order pinned): shown first whatever the sort
    /// and filter.
    pub pins: Vec<String>,
    /// Runs hidden from the table and charts.
    pub hidden: HashSet<String>,
    /// Show hidden runs anyway (marked as hidden).
    pub show_hidden: bool,
    /// Hidden runs in scope that are left out.
    pub hidden_out: usize,
    /// Chart options of this table's charts, remembered with the view.
    pub chart: Option<crate::config::state::ChartSetting>,
}

/// The runs in scope and what the table derives from them alone.
#[derive(Debug)]
pub struct ScopeCache {
    generation: u64,
    show_deleted: bool,
    /// Positions of the runs in scope (experiments and lifecycle).
    in_scope: Vec<usize>,
    /// Metric, param and tag keys of those runs.
    keys: KeySets,
    /// Per run of the index: the position of its parent run, if it names one the index has.
    parents: Vec<Option<usize>>,
}

impl RunsView {
    /// The column under the column cursor.
    pub fn current_column(&self) -> Option<&Column> {
        let i = *self.shown.get(self.col_cursor)?;
        self.columns.get(i).map(|c| &c.column)
    }
}

use crate::index::quick::SearchTexts;

impl App {
    /// Switches the run table to a set of experiments: their remembered view, else the
    /// defaults.
    pub(super) fn open_runs(&mut self, experiment_ids: Vec<String>, title: String) {
        let keep_marks = std::mem::take(&mut self.runs.marks);
        let search = std::mem::take(&mut self.runs.search);
        self.runs = RunsView {
            experiment_ids,
            title,
            marks: keep_marks,
            search,
            ..RunsView::default()
        };
        // A new table starts at its top-left corner.
        self.viewport.runs_offset.set(0);
        self.viewport.runs_col_offset.set(0);
        // Group mode is part of a table's view: a table without one shows runs.
        self.groups = None;
        self.restore_view();
        self.refresh_runs();
    }

    /// Recomputes rows and columns after data, filter, sort or toggles changed. The cursor
    /// stays on the same run when it is still shown.
    pub fn refresh_runs(&mut self) {
        self.refresh_runs_only();
        self.refresh_sweep();
    }

    fn refresh_runs_only(&mut self) {
        let now = self.now_ms;
        let runs = self.index.runs();
        let time = &self.settings.time;
        let v = &mut self.runs;
        if !v.filter.is_empty() {
            // Only runs that changed since their text was built are redone (the age of a
            // start time in it is as of then).
            v.search.update(&self.index, now, time);
        }
        let current = v.rows.get(v.cursor).map(|r| runs[r.run].run_id.clone());
        let generation = self.index.generation();
        let scope = match v.scope.take() {
            Some(c) if c.generation == generation && c.show_deleted == v.show_deleted => c,
            _ => {
                let in_scope: Vec<usize> = (0..runs.len())
                    .filter(|&i| v.experiment_ids.contains(&runs[i].experiment_id))
                    .filter(|&i| v.show_deleted || runs[i].lifecycle == Lifecycle::Active)
                    .collect();
                let keys = KeySets::of(in_scope.iter().map(|&i| &runs[i]));
                let index = &self.index;
                let parents = runs
                    .iter()
                    .map(|r| r.parent_id().and_then(|p| index.position(p)))
                    .collect();
                ScopeCache {
                    generation,
                    show_deleted: v.show_deleted,
                    in_scope,
                    keys,
                    parents,
                }
            }
        };
        let in_scope = &scope.in_scope;
        v.in_scope = in_scope.len();
        let visible: Vec<usize> = in_scope
            .iter()
            .copied()
            .filter(|&i| {
                v.show_hidden || v.hidden.is_empty() || !v.hidden.contains(&runs[i].run_id)
            })
            .collect();
        v.hidden_out = in_scope.len() - visible.len();
        let needle = v.filter.to_lowercase();
        let query = v.query.as_ref().map(|(_, f)| f);
        let pinned = |i: usize| v.pins.contains(&runs[i].run_id);
        let mut matched: Vec<usize> = visible
            .iter()
            .copied()
            .filter(|&i| !pinned(i))
            .filter(|&i| query.is_none_or(|f| f.matches(&runs[i])))
            .filter(|&i| needle.is_empty() || v.search.get(i).is_some_and(|h| h.contains(&needle)))
            .collect();
        // Pinned runs come first, in the order they were pinned, whatever the filter.
        let mut pinned_rows: Vec<usize> = visible.iter().copied().filter(|&i| pinned(i)).collect();
        pinned_rows.sort_by_key(|&i| v.pins.iter().position(|p| *p == runs[i].run_id));
        v.filtered_out = visible.len() - matched.len() - pinned_rows.len();
        sort_rows(runs, &mut matched, &v.sort, TextOrder::Numeric, now);
        let flat_row = |run| RunRow {
            run,
            depth: 0,
            children: 0,
            folded: false,
            last: false,
        };
        let mut rows: Vec<RunRow> = pinned_rows.iter().map(|&i| flat_row(i)).collect();
        if v.flat {
            rows.extend(matched.iter().map(|&i| flat_row(i)));
        } else {
            rows.extend(tree_rows(runs, &matched, &v.folded, &scope.parents));
        }
        v.rows = rows;

        // Columns: the run name, the configured first columns, the status, then the groups
        // in the configured order; keys that appear later (live) join their group.
        let rules = &self.settings.columns;
        if v.columns.is_empty() {
            v.columns = default_columns(rules);
        }
        let keys = &scope.keys;
        let mut present: HashSet<Column> = HashSet::new();
        let known: HashSet<Column> = v.columns.iter().map(|c| c.column.clone()).collect();
        let new_cols = keys
            .metrics
            .iter()
            .cloned()
            .map(Column::Metric)
            .chain(keys.params.iter().cloned().map(Column::Param))
            .chain(keys.tags.iter().cloned().map(Column::Tag));
        for column in new_cols {
            present.insert(column.clone());
            if !known.contains(&column) {
                let at = insert_position(&v.columns, &column, rules);
                let visible = shown_by_default(&column, rules);
                v.columns.insert(
                    at,
                    ColumnState {
                        column,
                        visible,
                        pinned: false,
                        width: None,
                    },
                );
            }
        }

        v.scope = Some(scope);

        let shown_runs: Vec<&Run> = v.rows.iter().map(|r| &runs[r.run]).collect();
        let current_col = v.shown.get(v.col_cursor).copied();
        let mut shown = Vec::new();
        let mut equal_hidden = 0;
        let mut precise = HashSet::new();
        // Pinned columns first, in their order, then the rest; keys no run here has (a
        // remembered column of runs since deleted) are left out.
        for pinned_pass in [true, false] {
            for (i, c) in v.columns.iter().enumerate() {
                if !c.visible || c.pinned != pinned_pass {
                    continue;
                }
                let hideable = !matches!(c.column, Column::Attr(_));
                // An aggregate column is there when its metric is.
                let here = match &c.column {
                    Column::MetricAgg(k, _) => present.contains(&Column::Metric(k.clone())),
                    other => present.contains(other),
                };
                if hideable && !here {
                    continue;
                }
                if v.diff_only && hideable && shown_runs.len() > 1 {
                    if is_uniform(&shown_runs, &c.column, now) {
                        equal_hidden += 1;
                        continue;
                    }
                    if reads_the_same(&shown_runs, &c.column, now) {
                        precise.insert(c.column.clone());
                    }
                }
                shown.push(i);
            }
        }
        v.col_cursor = current_col
            .and_then(|c| shown.iter().position(|&s| s == c))
            .unwrap_or(v.col_cursor)
            .min(shown.len().saturating_sub(1));
        v.shown = shown;
        v.equal_hidden = equal_hidden;
        v.precise = precise;
        v.cursor = current
            .and_then(|id| v.rows.iter().position(|r| runs[r.run].run_id == id))
            .unwrap_or(v.cursor)
            .min(v.rows.len().saturating_sub(1));
    }

    pub fn current_run_id(&self) -> Option<String> {
        let row = self.runs.rows.get(self.runs.cursor)?;
        Some(self.index.runs()[row.run].run_id.clone())
    }

    pub(super) fn update_runs(&mut self, action: Action, page: usize) {
        let len = self.runs.rows.len();
        let v = &mut self.runs;
        match action {
            a if a.is_row_move() => {
                v.cursor = move_cursor(v.cursor, len, action, page);
            }
            Action::Left => v.col_cursor = v.col_cursor.saturating_sub(1),
            Action::Right => v.col_cursor = (v.col_cursor + 1).min(v.shown.len().saturating_sub(1)),
            Action::FirstColumn => v.col_cursor = 0,
            Action::LastColumn => v.col_cursor = v.shown.len().saturating_sub(1),
            Action::Open => {
                if let Some(id) = self.current_run_id() {
                    self.open_detail(id);
                }
            }
            Action::Back => {
                if !v.filter.is_empty() {
                    v.filter.clear();
                    self.refresh_runs();
                } else if v.query.is_some() {
                    v.query = None;
                    self.refresh_runs();
                } else {
                    self.back();
                }
            }
            Action::Query => self.start_query(),
            Action::ToggleMark => {
                if let Some(id) = self.current_run_id() {
                    if !self.runs.marks.remove(&id) {
                        self.runs.marks.insert(id);
                    }
                    self.runs.cursor = move_cursor(self.runs.cursor, len, Action::Down, 1);
                }
            }
            Action::MarkAll => {
                let runs = self.index.runs();
                let ids: Vec<String> = v.rows.iter().map(|r| runs[r.run].run_id.clone()).collect();
                v.marks.extend(ids);
            }
            Action::ClearMarks => v.marks.clear(),
            Action::SortCycle | Action::SortAsc | Action::SortDesc | Action::AddSortKey => {
                self.sort_by_current(action);
                self.refresh_runs();
            }
            Action::ClearSort => {
                v.sort.clear();
                self.refresh_runs();
            }
            Action::ToggleDiff => {
                v.diff_only = !v.diff_only;
                self.refresh_runs();
                if self.runs.diff_only {
                    self.message = Some(Message {
                        text: format!(
                            "diff only: {} with equal values hidden",
                            crate::text::count(self.runs.equal_hidden, "column", "columns")
                        ),
                        error: false,
                    });
                }
            }
            Action::ToggleDeleted => {
                v.show_deleted = !v.show_deleted;
                self.refresh_runs();
            }
            Action::ToggleTree => {
                v.flat = !v.flat;
                self.refresh_runs();
            }
            Action::ToggleFold => {
                let Some(row) = v.rows.get(v.cursor).copied() else {
                    return;
                };
                let runs = self.index.runs();
                // Fold the parent of a child row, or the row itself when it has children.
                let target = if row.children > 0 {
                    Some(runs[row.run].run_id.clone())
                } else {
                    runs[row.run].parent_id().map(str::to_string)
                };
                if let Some(id) = target {
                    if !v.folded.remove(&id) {
                        v.folded.insert(id.clone());
                    }
                    self.refresh_runs();
                    if let Some(pos) = self
                        .runs
                        .rows
                        .iter()
                        .position(|r| self.index.runs()[r.run].run_id == id)
                    {
                        self.runs.cursor = pos;
                    }
                }
            }
            Action::HideColumn => {
                if let Some(&i) = v.shown.get(v.col_cursor) {
                    if v.columns[i].column == Column::Attr(Attr::RunName) {
                        let picker = self
                            .settings
                            .keymap
                            .label(crate::tui::keymap::Context::Runs, Action::Columns);
                        self.message = Some(Message {
                            text: format!(
                                "the run name column stays; unpin or reorder it in the column \
                                 picker ({picker})"
                            ),
                            error: true,
                        });
                    } else {
                        v.columns[i].visible = false;
                        self.refresh_runs();
                    }
                }
            }
            Action::SetDirection => match self.runs.current_column().cloned() {
                Some(Column::Metric(key)) => {
                    let current = self.direction(&key);
                    self.set_direction(key, current.next());
                }
                _ => {
                    self.message = Some(Message {
                        text: "put the column cursor on a metric to set which way is better".into(),
                        error: true,
                    });
                }
            },
            Action::Columns => self.open_picker(),
            Action::Filter => self.start_filter(),
            Action::Compare => self.open_compare(),
            Action::PinRun | Action::HideRun | Action::ToggleHidden => self.update_pins(action),
            Action::ColumnNarrower | Action::ColumnWider | Action::ColumnAutoWidth => {
                self.resize_column(action);
            }
            Action::Views => self.open_views_menu(),
            _ => {}
        }
    }

    /// `s`: cycle asc → desc → off on the current column as the primary key; `[`/`]`:
    /// set the primary key; `S`: add as secondary key, flip, remove.
    fn sort_by_current(&mut self, action: Action) {
        let Some(col) = self.runs.current_column().cloned() else {
            return;
        };
        let sort = &mut self.runs.sort;
        let pos = sort.iter().position(|k| k.column == col);
        match action {
            Action::SortAsc => *sort = vec![SortKey::asc(col)],
            Action::SortDesc => *sort = vec![SortKey::desc(col)],
            Action::SortCycle => match pos {
                Some(0) if !sort[0].descending => sort[0].descending = true,
                Some(0) => {
                    sort.remove(0);
                }
                Some(p) => {
                    let k = sort.remove(p);
                    sort.insert(0, SortKey::asc(k.column));
                }
                None => sort.insert(0, SortKey::asc(col)),
            },
            Action::AddSortKey => match pos {
                Some(p) if !sort[p].descending => sort[p].descending = true,
                Some(p) => {
                    sort.remove(p);
                }
                None => sort.push(SortKey::asc(col)),
            },
            _ => {}
        }
    }

    /// The runs shown, in order (for export and compare).
    pub fn shown_runs(&self) -> Vec<&Run> {
        self.runs
            .rows
            .iter()
            .map(|r| &self.index.runs()[r.run])
            .collect()
    }

    /// The columns shown, in order.
    pub fn shown_columns(&self) -> Vec<Column> {
        self.runs
            .shown
            .iter()
            .map(|&i| self.runs.columns[i].column.clone())
            .collect()
    }
}

/// True when the values of `column` differ across `runs` but all read the same in short
/// form (metrics equal to six digits).
fn reads_the_same(runs: &[&Run], column: &Column, now: i64) -> bool {
    let mut texts = runs.iter().map(|r| column.value(r, now)).map(|v| match v {
        crate::index::Value::Number(_) => Some(v.text(false)),
        _ => None,
    });
    let Some(Some(first)) = texts.next() else {
        return false;
    };
    texts.all(|t| t.as_ref() == Some(&first))
}

/// Orders rows as a tree: each parent followed by its (sorted) children. Runs whose parent
/// is not among `matched` are roots. Children of folded parents are left out. `parents`:
/// per run of `runs`, the position of its parent. Linear in the runs.
fn tree_rows(
    runs: &[Run],
    matched: &[usize],
    folded: &HashSet<String>,
    parents: &[Option<usize>],
) -> Vec<RunRow> {
    let mut is_matched = vec![false; runs.len()];
    for &i in matched {
        is_matched[i] = true;
    }
    let mut parent: HashMap<usize, usize> = HashMap::new();
    let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for &i in matched {
        let p = parents
            .get(i)
            .copied()
            .flatten()
            .filter(|&p| p != i && is_matched.get(p).copied().unwrap_or(false));
        match p {
            Some(p) => {
                parent.insert(i, p);
                children.entry(p).or_default().push(i);
            }
            None => roots.push(i),
        }
    }
    let mut out = Vec::with_capacity(matched.len());
    let mut visited = vec![false; runs.len()];
    // Iterative DFS from one root; (run, depth, last, hidden under a folded run).
    let mut stack: Vec<(usize, u8, bool, bool)> = Vec::new();
    let mut walk = |root: usize, out: &mut Vec<RunRow>, visited: &mut Vec<bool>| {
        stack.push((root, 0, false, false));
        while let Some((i, depth, last, hidden)) = stack.pop() {
            if std::mem::replace(&mut visited[i], true) {
                continue; // a parent cycle in bad data
            }
            let kids: Vec<usize> = children
                .get(&i)
                .map(|k| k.iter().copied().filter(|&k| !visited[k]).collect())
                .unwrap_or_default();
            let is_folded = !kids.is_empty() && folded.contains(&runs[i].run_id);
            if !hidden {
                out.push(RunRow {
                    run: i,
                    depth,
                    children: kids.len() as u32,
                    folded: is_folded,
                    last,
                });
            }
            for (n, &k) in kids.iter().enumerate().rev() {
                let below = hidden || is_folded;
                stack.push((k, depth.saturating_add(1), n + 1 == kids.len(), below));
            }
        }
    };
    for &r in &roots {
        walk(r, &mut out, &mut visited);
    }
    // Runs in a parent cycle (bad data) are never reached from a root: each cycle is shown
    // from one of its members, as if that one had no parent, so every run has a row (or a
    // folded row above it to unfold).
    for &i in matched {
        if visited[i] {
            continue;
        }
        let mut seen = HashSet::new();
        let mut j = i;
        while seen.insert(j) {
            match parent.get(&j) {
                Some(&p) if !visited[p] => j = p,
                _ => break,
            }
        }
        walk(j, &mut out, &mut visited);
    }
    out
}
