//! The column picker: search, show/hide, reorder and pin the run table's columns.

use super::edit::LineEdit;
use super::{App, ColumnState, move_cursor};
use crate::aggregate::Agg;
use crate::index::Column;
use crate::tui::action::Action;

/// State of the column picker overlay.
#[derive(Debug, Default)]
pub struct Picker {
    pub search: LineEdit,
    pub cursor: usize,
}

impl Picker {
    /// Indices into the run table's columns that match the search.
    pub fn matches(&self, app: &App) -> Vec<usize> {
        let needle = self.search.text().to_lowercase();
        app.runs
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| needle.is_empty() || c.column.name().to_lowercase().contains(&needle))
            .map(|(i, _)| i)
            .collect()
    }
}

impl App {
    /// Aggregate columns for the picker's search: typing `val/loss:` offers every named
    /// aggregate of the metrics that match (`val/loss:min`, `:max`, ...); a whole name like
    /// `val/loss@1000` or `metrics.val/loss:mean` offers that column. They are added hidden;
    /// Space shows one.
    fn offer_aggregates(&mut self) {
        let Some(search) = self
            .picker
            .as_ref()
            .map(|p| p.search.text().trim().to_string())
        else {
            return;
        };
        let bare = search.strip_prefix("metrics.").unwrap_or(&search);
        let metrics: Vec<String> = self
            .runs
            .columns
            .iter()
            .filter_map(|c| match &c.column {
                Column::Metric(k) => Some(k.clone()),
                _ => None,
            })
            .collect();
        let mut offer: Vec<Column> = Vec::new();
        if let Some(stem) = bare.strip_suffix(':') {
            for k in metrics.iter().filter(|k| k.contains(stem)) {
                for a in Agg::NAMED.into_iter().filter(|a| *a != Agg::Latest) {
                    offer.push(Column::MetricAgg(k.clone(), a));
                }
            }
        } else if let Some(c @ Column::MetricAgg(..)) = Column::parse(&format!("metrics.{bare}")) {
            if c.metric_parts()
                .is_some_and(|(k, _)| metrics.iter().any(|m| m == k))
            {
                offer.push(c);
            }
        }
        for column in offer {
            if !self.runs.columns.iter().any(|c| c.column == column) {
                self.runs.columns.push(ColumnState {
                    column,
                    visible: false,
                    pinned: false,
                    width: None,
                });
            }
        }
    }

    pub(super) fn open_picker(&mut self) {
        self.picker = Some(Picker::default());
    }

    pub(super) fn update_picker(&mut self, action: Action) {
        let Some(picker) = self.picker.as_ref() else {
            return;
        };
        let matches = picker.matches(self);
        let cursor = picker.cursor;
        let current = matches.get(cursor).copied();
        let page = self.viewport.table_rows.get().max(1);
        let mut changed = false;
        let mut new_cursor = cursor;
        match action {
            a if a.is_row_move() => {
                new_cursor = move_cursor(cursor, matches.len(), action, page);
            }
            Action::PickerToggle => {
                if let Some(i) = current {
                    self.runs.columns[i].visible = !self.runs.columns[i].visible;
                    changed = true;
                }
            }
            Action::PickerPin => {
                if let Some(i) = current {
                    self.runs.columns[i].pinned = !self.runs.columns[i].pinned;
                    self.runs.columns[i].visible |= self.runs.columns[i].pinned;
                    changed = true;
                }
            }
            Action::PickerMoveUp | Action::PickerMoveDown => {
                let up = action == Action::PickerMoveUp;
                if let Some(pos) = current.map(|_| cursor) {
                    let other = if up {
                        pos.checked_sub(1)
                    } else {
                        Some(pos + 1)
                    };
                    if let (Some(a), Some(b)) =
                        (matches.get(pos), other.and_then(|o| matches.get(o)))
                    {
                        self.runs.columns.swap(*a, *b);
                        new_cursor = other.unwrap_or(pos);
                        changed = true;
                    }
                }
            }
            Action::PickerShowAll | Action::PickerHideAll => {
                let show = action == Action::PickerShowAll;
                for &i in &matches {
                    let c = &mut self.runs.columns[i];
                    if show || !c.pinned {
                        c.visible = show;
                    }
                }
                changed = true;
            }
            a if a.is_edit() => {
                if let Some(p) = self.picker.as_mut() {
                    if p.search.apply(a) {
                        p.cursor = 0;
                    }
                }
                self.offer_aggregates();
                return;
            }
            Action::Back => {
                self.picker = None;
                return;
            }
            _ => {}
        }
        if let Some(p) = self.picker.as_mut() {
            p.cursor = new_cursor;
        }
        if changed {
            self.refresh_runs();
        }
    }
}
