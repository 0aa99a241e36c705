//! Group mode of the run table (`g`): one row per group of the shown runs with the same
//! values of the group-by columns, the group's run count, and per metric column an
//! aggregate over its runs (mean ± std by default; per column or for all); groups sort by
//! any column and unfold (Enter/Tab) to their runs; marks work on whole groups.

use std::collections::HashSet;

use super::{App, Effect, Message, move_cursor};
use crate::index::group::{self, Group, GroupAgg, GroupColumn};
use crate::index::{Column, Value};
use crate::tui::action::Action;

/// How a metric column of a group is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CellAgg {
    /// `mean ± std`.
    MeanStd,
    One(GroupAgg),
}

impl CellAgg {
    /// The next choice: mean ± std, mean, std, min, max, median, again.
    pub fn next(self) -> CellAgg {
        match self {
            CellAgg::MeanStd => CellAgg::One(GroupAgg::Mean),
            CellAgg::One(GroupAgg::Median) => CellAgg::MeanStd,
            CellAgg::One(a) => CellAgg::One(a.next()),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CellAgg::MeanStd => "mean±std",
            CellAgg::One(a) => a.name(),
        }
    }

    /// Reads a label back (`mean±std`, `mean`, ...).
    pub fn parse(s: &str) -> Option<CellAgg> {
        match s.trim() {
            "mean±std" | "mean+-std" => Some(CellAgg::MeanStd),
            other => GroupAgg::parse(other).map(CellAgg::One),
        }
    }

    /// The columns this choice exports as (`mean(col)`, `std(col)` for mean ± std).
    pub fn export_columns(self, c: &Column) -> Vec<GroupColumn> {
        match self {
            CellAgg::MeanStd => vec![
                GroupColumn::Agg(GroupAgg::Mean, c.clone()),
                GroupColumn::Agg(GroupAgg::Std, c.clone()),
            ],
            CellAgg::One(a) => vec![GroupColumn::Agg(a, c.clone())],
        }
    }
}

/// A row of the group table: a group, or one of its runs when it is unfolded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupRow {
    Group(usize),
    /// `(group, run index)`.
    Run(usize, usize),
}

/// A shown column of the group table.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupCol {
    /// A group-by column (a run's own value on run rows).
    Key(Column),
    Runs,
    /// A column of the run table: aggregated (numeric) or the common value.
    Data(Column),
}

impl GroupCol {
    pub fn column(&self) -> Option<&Column> {
        match self {
            GroupCol::Key(c) | GroupCol::Data(c) => Some(c),
            GroupCol::Runs => None,
        }
    }
}

/// State of group mode.
#[derive(Debug, Default)]
pub struct GroupView {
    pub by: Vec<Column>,
    pub groups: Vec<Group>,
    pub rows: Vec<GroupRow>,
    pub columns: Vec<GroupCol>,
    pub cursor: usize,
    pub col_cursor: usize,
    /// The aggregate of metric columns without their own choice.
    pub default_agg: Option<CellAgg>,
    /// Per-column choices.
    pub aggs: Vec<(Column, CellAgg)>,
    /// Unfolded groups, by key.
    pub open: HashSet<Vec<Option<String>>>,
    /// Sort: a column position in `columns` and the direction.
    pub sort: Option<(GroupCol, bool)>,
}

impl GroupView {
    /// The group-by columns as the prompt and a remembered view write them.
    pub fn by_text(&self) -> String {
        self.by
            .iter()
            .map(|c| c.name().into_owned())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// How metric column `c` is shown.
    pub fn agg_of(&self, c: &Column) -> CellAgg {
        self.aggs
            .iter()
            .find(|(k, _)| k == c)
            .map(|(_, a)| *a)
            .or(self.default_agg)
            .unwrap_or(CellAgg::MeanStd)
    }

    /// The group of a row.
    pub fn group_of(&self, row: GroupRow) -> usize {
        match row {
            GroupRow::Group(g) | GroupRow::Run(g, _) => g,
        }
    }

    /// The sort value of column `col` for group `g` (what the column shows: the mean for
    /// mean ± std).
    pub fn sort_column(&self, col: &GroupCol) -> GroupColumn {
        match col {
            GroupCol::Key(c) => GroupColumn::Key(c.clone()),
            GroupCol::Runs => GroupColumn::Runs,
            GroupCol::Data(c) if c.is_numeric() => match self.agg_of(c) {
                CellAgg::MeanStd => GroupColumn::Agg(GroupAgg::Mean, c.clone()),
                CellAgg::One(a) => GroupColumn::Agg(a, c.clone()),
            },
            GroupCol::Data(c) => GroupColumn::Common(c.clone()),
        }
    }
}

impl App {
    /// Starts the group-by prompt (prefilled with the grouping in force, else the column
    /// under the cursor when it is a param, tag or attribute).
    pub(super) fn start_group_by(&mut self) {
        let text = match &self.groups {
            Some(g) => g.by_text(),
            None => self
                .runs
                .current_column()
                .filter(|c| {
                    matches!(
                        c,
                        Column::Param(_)
                            | Column::Tag(_)
                            | Column::Attr(
                                crate::index::Attr::Status
                                    | crate::index::Attr::User
                                    | crate::index::Attr::ExperimentId
                            )
                    )
                })
                .map(|c| c.name().into_owned())
                .unwrap_or_default(),
        };
        self.prompt = Some(super::Prompt::new(
            super::PromptKind::Sweep(super::sweep::SweepPrompt::GroupBy),
            text,
        ));
    }

    /// Applies a group-by text (`params.optimizer,params.lr`); empty leaves group mode.
    pub(super) fn set_group_by(&mut self, text: &str) -> Result<(), String> {
        let by = parse_by(text)?;
        if by.is_empty() {
            self.groups = None;
            return Ok(());
        }
        // Grouping by a key no run has makes one group of everything: say so instead.
        if let Some(unknown) = self.unknown_column(by.iter().cloned()) {
            return Err(unknown);
        }
        let keep = self.groups.take().unwrap_or_default();
        self.enter_groups(by, keep);
        self.refresh_groups();
        Ok(())
    }

    /// Group mode as a view (remembered or named) has it, or the run table when it has
    /// none; the groups are computed with the table (`refresh_runs`).
    pub(super) fn apply_group_view(&mut self, view: &crate::config::state::ViewState) {
        let by = view
            .group_by
            .as_deref()
            .and_then(|t| parse_by(t).ok())
            .unwrap_or_default();
        if by.is_empty() {
            self.groups = None;
            return;
        }
        let keep = GroupView {
            default_agg: view.group_agg.as_deref().and_then(CellAgg::parse),
            aggs: view
                .group_aggs
                .iter()
                .filter_map(|(c, a)| Some((Column::parse(c)?, CellAgg::parse(a)?)))
                .collect(),
            ..GroupView::default()
        };
        self.groups = None;
        self.enter_groups(by, keep);
    }

    /// Enters group mode by `by`, keeping the aggregate choices and sort of `keep`.
    fn enter_groups(&mut self, by: Vec<Column>, keep: GroupView) {
        self.viewport.runs_col_offset.set(0);
        // Groups sort like the runs did, by the aggregate of the run table's first sort
        // key (mean of `val/acc:max`, descending), unless they were sorted already.
        let sort = keep.sort.or_else(|| {
            let k = self.runs.sort.first()?;
            let col = if by.contains(&k.column) {
                GroupCol::Key(k.column.clone())
            } else {
                GroupCol::Data(k.column.clone())
            };
            Some((col, k.descending))
        });
        self.groups = Some(GroupView {
            by,
            default_agg: keep.default_agg,
            aggs: keep.aggs,
            sort,
            ..GroupView::default()
        });
    }

    /// Recomputes groups, rows and columns from the run table's shown runs and columns.
    pub fn refresh_groups(&mut self) {
        let Some(gv) = self.groups.as_mut() else {
            return;
        };
        let runs = self.index.runs();
        let now = self.now_ms;
        let current = gv.rows.get(gv.cursor).copied().map(|r| match r {
            GroupRow::Group(g) => (gv.groups.get(g).map(|g| g.key.clone()), None),
            GroupRow::Run(g, r) => (gv.groups.get(g).map(|g| g.key.clone()), Some(r)),
        });
        let rows: Vec<usize> = self.runs.rows.iter().map(|r| r.run).collect();
        gv.groups = group::group_rows(runs, &rows, &gv.by, now);
        if let Some((col, desc)) = gv.sort.clone() {
            let sc = gv.sort_column(&col);
            group::sort_groups(&mut gv.groups, &sc, desc, runs, &gv.by, now);
        }
        gv.columns = gv.by.iter().cloned().map(GroupCol::Key).collect();
        gv.columns.push(GroupCol::Runs);
        // Metric columns (aggregated) first, then the params, tags and attributes whose
        // common value a group may have; names, ids and times say nothing about a group.
        let data: Vec<&Column> = self
            .runs
            .shown
            .iter()
            .map(|&i| &self.runs.columns[i].column)
            .filter(|c| !gv.by.contains(c))
            .filter(|c| {
                !matches!(
                    c,
                    Column::Attr(
                        crate::index::Attr::RunName
                            | crate::index::Attr::RunId
                            | crate::index::Attr::StartTime
                            | crate::index::Attr::EndTime
                            | crate::index::Attr::ArtifactUri
                    )
                )
            })
            .collect();
        // The columns the runs are sorted by come first: the metric being compared.
        let sorted: Vec<&Column> = self.runs.sort.iter().map(|k| &k.column).collect();
        for (numeric, by_sort) in [(true, true), (true, false), (false, true), (false, false)] {
            for c in data
                .iter()
                .filter(|c| c.is_numeric() == numeric && sorted.contains(c) == by_sort)
            {
                gv.columns.push(GroupCol::Data((*c).clone()));
            }
        }
        gv.rows.clear();
        for (g, grp) in gv.groups.iter().enumerate() {
            gv.rows.push(GroupRow::Group(g));
            if gv.open.contains(&grp.key) {
                gv.rows
                    .extend(grp.rows.iter().map(|&r| GroupRow::Run(g, r)));
            }
        }
        if let Some((key, run)) = current {
            let found = gv.rows.iter().position(|r| match (r, run) {
                (GroupRow::Group(g), None) => Some(&gv.groups[*g].key) == key.as_ref(),
                (GroupRow::Run(g, r), Some(want)) => {
                    *r == want && Some(&gv.groups[*g].key) == key.as_ref()
                }
                _ => false,
            });
            if let Some(p) = found {
                gv.cursor = p;
            }
        }
        gv.cursor = gv.cursor.min(gv.rows.len().saturating_sub(1));
        gv.col_cursor = gv.col_cursor.min(gv.columns.len().saturating_sub(1));
    }

    /// The runs of the row under the cursor: a group's runs, or one run.
    fn group_cursor_runs(&self) -> Vec<usize> {
        let Some(gv) = &self.groups else {
            return Vec::new();
        };
        match gv.rows.get(gv.cursor) {
            Some(GroupRow::Group(g)) => gv.groups[*g].rows.clone(),
            Some(GroupRow::Run(_, r)) => vec![*r],
            None => Vec::new(),
        }
    }

    /// Groups whose runs are all marked (else the group under the cursor).
    pub fn chosen_groups(&self) -> Vec<usize> {
        let Some(gv) = &self.groups else {
            return Vec::new();
        };
        let runs = self.index.runs();
        let marked: Vec<usize> = (0..gv.groups.len())
            .filter(|&g| {
                gv.groups[g]
                    .rows
                    .iter()
                    .all(|&r| self.runs.marks.contains(&runs[r].run_id))
            })
            .collect();
        if !marked.is_empty() {
            return marked;
        }
        gv.rows
            .get(gv.cursor)
            .map(|r| vec![gv.group_of(*r)])
            .unwrap_or_default()
    }

    pub(super) fn update_groups(&mut self, action: Action, page: usize) -> Vec<Effect> {
        let Some(gv) = self.groups.as_mut() else {
            return Vec::new();
        };
        match action {
            a if a.is_row_move() => gv.cursor = move_cursor(gv.cursor, gv.rows.len(), a, page),
            Action::Left => gv.col_cursor = gv.col_cursor.saturating_sub(1),
            Action::Right => {
                gv.col_cursor = (gv.col_cursor + 1).min(gv.columns.len().saturating_sub(1))
            }
            Action::FirstColumn => gv.col_cursor = 0,
            Action::LastColumn => gv.col_cursor = gv.columns.len().saturating_sub(1),
            Action::ToggleFold | Action::Open => {
                match gv.rows.get(gv.cursor).copied() {
                    Some(GroupRow::Run(_, r)) if action == Action::Open => {
                        let id = self.index.runs()[r].run_id.clone();
                        self.open_detail(id);
                        return Vec::new();
                    }
                    Some(row) => {
                        let g = gv.group_of(row);
                        let key = gv.groups[g].key.clone();
                        if !gv.open.remove(&key) {
                            gv.open.insert(key);
                        }
                        // The cursor goes back to the group row when it folds.
                        gv.cursor = gv
                            .rows
                            .iter()
                            .position(|r| *r == GroupRow::Group(g))
                            .unwrap_or(gv.cursor);
                    }
                    None => {}
                }
                self.refresh_groups();
            }
            Action::ToggleMark => {
                let runs: Vec<String> = self
                    .group_cursor_runs()
                    .into_iter()
                    .map(|r| self.index.runs()[r].run_id.clone())
                    .collect();
                let all = runs.iter().all(|id| self.runs.marks.contains(id));
                for id in runs {
                    if all {
                        self.runs.marks.remove(&id);
                    } else {
                        self.runs.marks.insert(id);
                    }
                }
                if let Some(gv) = self.groups.as_mut() {
                    gv.cursor = (gv.cursor + 1).min(gv.rows.len().saturating_sub(1));
                }
            }
            Action::MarkAll => {
                for r in &self.runs.rows {
                    self.runs
                        .marks
                        .insert(self.index.runs()[r.run].run_id.clone());
                }
            }
            Action::ClearMarks => self.runs.marks.clear(),
            Action::SortCycle | Action::SortAsc | Action::SortDesc => {
                let Some(col) = gv.columns.get(gv.col_cursor).cloned() else {
                    return Vec::new();
                };
                gv.sort = match (action, gv.sort.take()) {
                    (Action::SortAsc, _) => Some((col, false)),
                    (Action::SortDesc, _) => Some((col, true)),
                    (_, Some((c, false))) if c == col => Some((col, true)),
                    (_, Some((c, true))) if c == col => None,
                    _ => Some((col, false)),
                };
                self.refresh_groups();
            }
            Action::CycleAgg => {
                if let Some(GroupCol::Data(c)) = gv.columns.get(gv.col_cursor).cloned() {
                    if c.is_numeric() {
                        let next = gv.agg_of(&c).next();
                        gv.aggs.retain(|(k, _)| *k != c);
                        gv.aggs.push((c, next));
                        self.refresh_groups();
                    }
                }
            }
            Action::AggForAll => {
                if let Some(GroupCol::Data(c)) = gv.columns.get(gv.col_cursor).cloned() {
                    let a = gv.agg_of(&c);
                    gv.default_agg = Some(a);
                    gv.aggs.clear();
                    self.message = Some(Message {
                        text: format!("every metric column shows the {} of its group", a.label()),
                        error: false,
                    });
                    self.refresh_groups();
                }
            }
            Action::GroupBy => self.start_group_by(),
            Action::Views => self.open_views_menu(),
            Action::Query => self.start_query(),
            Action::Filter => self.start_filter(),
            Action::Columns => self.open_picker(),
            Action::Back => {
                self.groups = None;
                self.refresh_runs();
            }
            Action::Compare => {
                let runs = self.index.runs();
                let ids: Vec<String> = self
                    .chosen_groups()
                    .into_iter()
                    .flat_map(|g| {
                        self.groups
                            .as_ref()
                            .map(|gv| gv.groups[g].rows.clone())
                            .unwrap_or_default()
                    })
                    .map(|r| runs[r].run_id.clone())
                    .collect();
                if ids.len() < 2 {
                    self.message = Some(Message {
                        text: "compare needs two or more runs: mark groups (Space)".into(),
                        error: true,
                    });
                } else {
                    self.open_compare_ids(ids);
                }
            }
            Action::Plot => return self.open_group_chart(),
            _ => {}
        }
        Vec::new()
    }

    /// The value of a numeric column over a group: `(aggregate, std)` for mean ± std.
    pub fn group_cell(&self, g: &Group, c: &Column, agg: CellAgg) -> (Value<'static>, Option<f64>) {
        let runs = self.index.runs();
        let vals = group::numbers(runs, &g.rows, c, self.now_ms);
        match agg {
            CellAgg::MeanStd => (
                GroupAgg::Mean
                    .of(&vals)
                    .map_or(Value::Missing, Value::Number),
                GroupAgg::Std.of(&vals),
            ),
            CellAgg::One(a) => (a.of(&vals).map_or(Value::Missing, Value::Number), None),
        }
    }

    /// The table of groups as shown (one row per group), or of their runs with the group's
    /// values first, for export.
    pub(super) fn groups_export_table(&self, per_run: bool) -> Option<crate::export::Table> {
        let gv = self.groups.as_ref()?;
        let runs = self.index.runs();
        let now = self.now_ms;
        let mut cols: Vec<GroupColumn> = Vec::new();
        for c in &gv.columns {
            match c {
                GroupCol::Key(k) => cols.push(GroupColumn::Key(k.clone())),
                GroupCol::Runs => cols.push(GroupColumn::Runs),
                GroupCol::Data(d) if d.is_numeric() => cols.extend(gv.agg_of(d).export_columns(d)),
                GroupCol::Data(d) => cols.push(GroupColumn::Common(d.clone())),
            }
        }
        if !per_run {
            return Some(crate::export::groups_table(
                &gv.groups, runs, &gv.by, &cols, now,
            ));
        }
        // One row per run: the run's own columns, then its group's aggregates.
        let run_cols: Vec<Column> = gv
            .columns
            .iter()
            .filter_map(|c| match c {
                GroupCol::Key(k) | GroupCol::Data(k) => Some(k.clone()),
                GroupCol::Runs => None,
            })
            .collect();
        let group_cols: Vec<&GroupColumn> = cols
            .iter()
            .filter(|c| matches!(c, GroupColumn::Runs | GroupColumn::Agg(..)))
            .collect();
        let mut headers: Vec<String> = vec!["run_id".into()];
        headers.extend(run_cols.iter().map(|c| c.name().into_owned()));
        headers.extend(group_cols.iter().map(|c| format!("group {}", c.name())));
        let mut t = crate::export::Table::new(headers);
        for g in &gv.groups {
            let shared: Vec<crate::export::Cell> = group_cols
                .iter()
                .map(|c| crate::export::runs::cell(c.value(g, runs, &gv.by, now)))
                .collect();
            for &r in &g.rows {
                let mut row = vec![crate::export::Cell::Text(runs[r].run_id.clone())];
                row.extend(
                    run_cols
                        .iter()
                        .map(|c| crate::export::runs::cell(c.value(&runs[r], now))),
                );
                row.extend(shared.iter().cloned());
                t.rows.push(row);
            }
        }
        Some(t)
    }
}

/// The group-by columns of a text (`params.optimizer, params.lr`), each once.
fn parse_by(text: &str) -> Result<Vec<Column>, String> {
    let mut by = Vec::new();
    for name in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match Column::parse(name) {
            Some(c) if !by.contains(&c) => by.push(c),
            Some(_) => {}
            None => return Err(format!("unknown column '{}'", crate::text::sanitize(name))),
        }
    }
    Ok(by)
}
