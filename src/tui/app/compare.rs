//! The compare screen: marked runs side by side, page by page; diff-only, a key filter,
//! foldable sections, a baseline run for deltas, and better directions set by hand.

use std::collections::HashSet;

use super::{App, Message, Screen, move_cursor};
use crate::index::compare::{CompareRow, Comparison, Section};
use crate::index::{Attr, Column, Direction};
use crate::model::Run;
use crate::text;
use crate::tui::action::Action;

/// State of the compare screen.
#[derive(Debug, Default)]
pub struct CompareView {
    pub run_ids: Vec<String>,
    /// Position in `App::compare_lines()`.
    pub cursor: usize,
    /// Position of the run column under the cursor.
    pub col_cursor: usize,
    pub diff_only: bool,
    /// Position (in `run_ids`) of the baseline run.
    pub baseline: Option<usize>,
    /// Only keys containing this text (case-insensitive) are shown.
    pub filter: String,
    pub folded: HashSet<Section>,
    /// Records compared instead of runs of the index (logged models, as run-shaped
    /// records); `run_ids` are their ids.
    pub items: Option<Vec<Run>>,
}

/// A line of the compare screen: a section title or a row of the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpLine {
    /// A section with the number of its rows shown (or hidden, when folded).
    Section(Section, usize),
    /// An index into `Comparison::rows`.
    Row(usize),
}

/// The title of a section.
pub fn section_title(s: Section) -> &'static str {
    match s {
        Section::Attributes => "attributes",
        Section::Params => "params",
        Section::Metrics => "metrics",
        Section::Tags => "tags",
    }
}

impl App {
    /// Runs of the comparison, in column order (runs no longer loaded are skipped).
    pub fn compare_runs(&self) -> Vec<&Run> {
        if let Some(items) = &self.compare.items {
            return items.iter().collect();
        }
        self.compare
            .run_ids
            .iter()
            .filter_map(|id| self.index.run(id))
            .collect()
    }

    /// Opens the compare screen on records that are not runs of the index.
    pub(super) fn open_compare_of(&mut self, items: Vec<Run>) {
        self.compare = CompareView {
            run_ids: items.iter().map(|r| r.run_id.clone()).collect(),
            items: Some(items),
            ..CompareView::default()
        };
        self.stack.push(Screen::Compare);
    }

    pub fn comparison(&self) -> Comparison<'_> {
        let mut cmp =
            Comparison::with_directions(&self.compare_runs(), self.now_ms, &|k| self.direction(k));
        if self.compare.items.is_some() {
            // Logged models: name, id, experiment, source run and creation time are what
            // their run-shaped records mean; status and run times are not theirs.
            cmp.rows.retain(|r| {
                !matches!(
                    r.column,
                    Column::Attr(Attr::Status | Attr::EndTime | Attr::Duration)
                )
            });
        }
        cmp
    }

    /// The label of a comparison row (logged models name their attributes their way).
    pub fn compare_label(&self, column: &Column) -> String {
        match (&self.compare.items, column) {
            (Some(_), Column::Attr(_)) => super::logged_models::column_label(column),
            _ => column.name().into_owned(),
        }
    }

    /// The header of a compared column: the run's name; logged models sharing a name
    /// (often all "model") add their source run, or the start of their id.
    pub fn compare_title(&self, run: &Run) -> String {
        let Some(items) = &self.compare.items else {
            return run.run_name.clone();
        };
        let shared = items
            .iter()
            .filter(|r| r.run_name == run.run_name)
            .nth(1)
            .is_some();
        if !shared {
            return run.run_name.clone();
        }
        let from = if run.user_id.is_empty() {
            run.run_id.chars().take(10).collect()
        } else {
            run.user_id.clone()
        };
        format!("{} · {from}", run.run_name)
    }

    /// The lines shown: each section that has rows (after diff-only and the key filter),
    /// then its rows unless it is folded.
    pub fn compare_lines(&self, cmp: &Comparison<'_>) -> Vec<CmpLine> {
        let v = &self.compare;
        let needle = v.filter.to_lowercase();
        let shown = |r: &CompareRow| {
            r.shown(v.diff_only)
                && (needle.is_empty() || r.column.name().to_lowercase().contains(&needle))
        };
        let mut lines = Vec::new();
        for section in [
            Section::Attributes,
            Section::Params,
            Section::Metrics,
            Section::Tags,
        ] {
            let rows: Vec<usize> = cmp
                .rows
                .iter()
                .enumerate()
                .filter(|(_, r)| r.section == section && shown(r))
                .map(|(i, _)| i)
                .collect();
            if rows.is_empty() {
                continue;
            }
            lines.push(CmpLine::Section(section, rows.len()));
            if !v.folded.contains(&section) {
                lines.extend(rows.into_iter().map(CmpLine::Row));
            }
        }
        lines
    }

    /// The comparison row under the cursor (none on a section title).
    pub(super) fn compare_row<'c>(&self, cmp: &'c Comparison<'_>) -> Option<&'c CompareRow> {
        match self.compare_lines(cmp).get(self.compare.cursor)? {
            CmpLine::Row(i) => cmp.rows.get(*i),
            CmpLine::Section(..) => None,
        }
    }

    /// The rows shown, for export.
    pub(super) fn compare_table(&self) -> crate::export::Table {
        let cmp = self.comparison();
        let rows: Vec<&CompareRow> = self
            .compare_lines(&cmp)
            .into_iter()
            .filter_map(|l| match l {
                CmpLine::Row(i) => cmp.rows.get(i),
                CmpLine::Section(..) => None,
            })
            .collect();
        cmp.table_for_people(rows, self.compare.baseline)
    }

    /// Opens the compare screen for the marked runs, in table order.
    pub(super) fn open_compare(&mut self) {
        let mut ids: Vec<String> = self
            .shown_runs()
            .iter()
            .filter(|r| self.runs.marks.contains(&r.run_id))
            .map(|r| r.run_id.clone())
            .collect();
        // Marked runs that the filter hides still take part, after the shown ones.
        let mut hidden: Vec<&String> = self
            .runs
            .marks
            .iter()
            .filter(|m| !ids.contains(m))
            .collect();
        hidden.sort();
        ids.extend(
            hidden
                .into_iter()
                .filter(|id| self.index.run(id).is_some())
                .cloned(),
        );
        if ids.len() < 2 {
            let k = |a| {
                self.settings
                    .keymap
                    .label(crate::tui::keymap::Context::Runs, a)
            };
            self.message = Some(Message {
                text: format!(
                    "mark two or more runs with {}, then press {} to compare",
                    k(Action::ToggleMark),
                    k(Action::Compare)
                ),
                error: true,
            });
            return;
        }
        self.open_compare_ids(ids);
    }

    /// Opens the compare screen for these runs, in this order.
    pub(super) fn open_compare_ids(&mut self, ids: Vec<String>) {
        self.compare = CompareView {
            run_ids: ids,
            ..CompareView::default()
        };
        self.viewport.cmp_offset.set(0);
        self.viewport.cmp_col_offset.set(0);
        self.stack.push(Screen::Compare);
    }

    pub(super) fn update_compare(&mut self, action: Action, page: usize) {
        let cmp = self.comparison();
        let lines = self.compare_lines(&cmp);
        let row = self.compare_row(&cmp).cloned();
        drop(cmp);
        let ncols = self.compare.run_ids.len();
        let last_col = ncols.saturating_sub(1);
        let cols_page = self.viewport.cmp_cols.get().max(1);
        let v = &mut self.compare;
        match action {
            a if a.is_row_move() => {
                v.cursor = move_cursor(v.cursor, lines.len(), action, page);
            }
            Action::Left => v.col_cursor = v.col_cursor.saturating_sub(1),
            Action::Right => v.col_cursor = (v.col_cursor + 1).min(last_col),
            Action::PageLeft => v.col_cursor = v.col_cursor.saturating_sub(cols_page),
            Action::PageRight => v.col_cursor = (v.col_cursor + cols_page).min(last_col),
            Action::FirstColumn => v.col_cursor = 0,
            Action::LastColumn => v.col_cursor = last_col,
            Action::ToggleDiff => {
                v.diff_only = !v.diff_only;
                self.clamp_compare_cursor();
            }
            Action::SetBaseline => {
                v.baseline = if v.baseline == Some(v.col_cursor) {
                    None
                } else {
                    Some(v.col_cursor)
                };
            }
            Action::ToggleFold => self.fold_compare_section(&lines),
            Action::Open => match lines.get(v.cursor) {
                Some(CmpLine::Section(..)) => self.fold_compare_section(&lines),
                _ => {
                    if let Some(id) = v.run_ids.get(v.col_cursor).cloned() {
                        self.open_detail(id);
                    }
                }
            },
            Action::SetDirection => match row.map(|r| (r.column, r.direction)) {
                Some((Column::Metric(key), current)) => self.set_direction(key, current.next()),
                _ => {
                    self.message = Some(Message {
                        text: "put the cursor on a metric to set which way is better".into(),
                        error: true,
                    });
                }
            },
            Action::Filter => self.start_filter(),
            Action::Back => {
                if !v.filter.is_empty() {
                    v.filter.clear();
                    self.clamp_compare_cursor();
                } else {
                    self.back();
                }
            }
            _ => {}
        }
    }

    /// Records the better direction of a metric for the session and says so.
    pub(super) fn set_direction(&mut self, key: String, direction: Direction) {
        self.message = Some(Message {
            text: format!(
                "{}: {} (for this session; {} changes it)",
                key,
                direction.label(),
                self.settings
                    .keymap
                    .label(self.screen_context(), Action::SetDirection)
            ),
            error: false,
        });
        self.directions.insert(key, direction);
    }

    /// Folds or unfolds the section of the line under the cursor; the cursor goes to its
    /// title.
    fn fold_compare_section(&mut self, lines: &[CmpLine]) {
        let cmp = self.comparison();
        let section = match lines.get(self.compare.cursor) {
            Some(CmpLine::Section(s, _)) => Some(*s),
            Some(CmpLine::Row(i)) => cmp.rows.get(*i).map(|r| r.section),
            None => None,
        };
        drop(cmp);
        let Some(section) = section else { return };
        let v = &mut self.compare;
        if !v.folded.remove(&section) {
            v.folded.insert(section);
        }
        let cmp = self.comparison();
        let lines = self.compare_lines(&cmp);
        let title = lines
            .iter()
            .position(|l| matches!(l, CmpLine::Section(s, _) if *s == section));
        drop(cmp);
        if let Some(t) = title {
            self.compare.cursor = t;
        }
        if self.compare.folded.contains(&section) {
            self.message = Some(Message {
                text: format!(
                    "{} folded (Tab or Enter on it unfolds)",
                    section_title(section)
                ),
                error: false,
            });
        }
    }

    pub(super) fn clamp_compare_cursor(&mut self) {
        let cmp = self.comparison();
        let n = self.compare_lines(&cmp).len();
        drop(cmp);
        self.compare.cursor = self.compare.cursor.min(n.saturating_sub(1));
    }

    /// "runs 3–4 of 12" for the status line, given the first shown column and how many fit.
    pub fn compare_page_label(&self) -> String {
        let n = self.compare.run_ids.len();
        let first = self.viewport.cmp_col_offset.get();
        let fit = self.viewport.cmp_cols.get().max(1);
        let last = (first + fit).min(n);
        let (one, many) = if self.compare.items.is_some() {
            ("model", "models")
        } else {
            ("run", "runs")
        };
        if first == 0 && last >= n {
            text::count(n, one, many)
        } else if last == first + 1 {
            format!("{one} {} of {n}", first + 1)
        } else {
            format!("{many} {}–{last} of {n}", first + 1)
        }
    }
}
