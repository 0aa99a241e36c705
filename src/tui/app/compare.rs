//! The compare screen: marked runs side by side, diff-only, baseline run for deltas.

use super::{App, Message, Screen, move_cursor};
use crate::index::compare::Comparison;
use crate::model::Run;
use crate::tui::action::Action;

/// State of the compare screen.
#[derive(Debug, Default)]
pub struct CompareView {
    pub run_ids: Vec<String>,
    pub cursor: usize,
    /// Position of the run column under the cursor.
    pub col_cursor: usize,
    pub diff_only: bool,
    /// Position (in `run_ids`) of the baseline run.
    pub baseline: Option<usize>,
}

impl App {
    /// Runs of the comparison, in column order (runs no longer loaded are skipped).
    pub fn compare_runs(&self) -> Vec<&Run> {
        self.compare
            .run_ids
            .iter()
            .filter_map(|id| self.index.run(id))
            .collect()
    }

    pub fn comparison(&self) -> Comparison<'_> {
        Comparison::new(&self.compare_runs(), self.now_ms)
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
            self.message = Some(Message {
                text: "mark two or more runs with Space, then press c to compare".into(),
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
        self.stack.push(Screen::Compare);
    }

    pub(super) fn update_compare(&mut self, action: Action, page: usize) {
        let rows = self
            .comparison()
            .visible_rows(self.compare.diff_only)
            .count();
        let ncols = self.compare.run_ids.len();
        let v = &mut self.compare;
        match action {
            a if a.is_row_move() => {
                v.cursor = move_cursor(v.cursor, rows, action, page);
            }
            Action::Left => v.col_cursor = v.col_cursor.saturating_sub(1),
            Action::Right => v.col_cursor = (v.col_cursor + 1).min(ncols.saturating_sub(1)),
            Action::ToggleDiff => {
                v.diff_only = !v.diff_only;
                let rows = self
                    .comparison()
                    .visible_rows(self.compare.diff_only)
                    .count();
                self.compare.cursor = self.compare.cursor.min(rows.saturating_sub(1));
            }
            Action::SetBaseline => {
                v.baseline = if v.baseline == Some(v.col_cursor) {
                    None
                } else {
                    Some(v.col_cursor)
                };
            }
            Action::Back => self.back(),
            _ => {}
        }
    }
}
