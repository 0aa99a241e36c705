//! Copying to the clipboard of the terminal (OSC 52, so it works over SSH): `y` copies the
//! run id under the cursor, `Y` opens a menu of other things to copy.

use super::{App, Effect, Message, Screen};
use crate::export::runs::cell;
use crate::export::{Cell, Table};
use crate::index::compare::run_labels;
use crate::model::Run;
use crate::text;
use crate::tui::action::Action;

/// One thing the copy menu offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyItem {
    pub letter: char,
    pub label: &'static str,
    pub text: String,
}

/// The copy menu (`Y`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyMenu {
    pub items: Vec<CopyItem>,
    pub cursor: usize,
}

fn csv(table: &Table) -> String {
    let mut out = Vec::new();
    // Writing CSV to memory cannot fail on I/O; a failure leaves what was written.
    let _ = table.write_csv(&mut out, false);
    String::from_utf8_lossy(&out).into_owned()
}

impl App {
    /// The run the cursor is on, in any screen that has one.
    fn run_under_cursor(&self) -> Option<&Run> {
        match self.screen() {
            Screen::Runs => {
                let row = self.runs.rows.get(self.runs.cursor)?;
                self.index.runs().get(row.run)
            }
            Screen::Detail => self.index.run(&self.detail.run_id),
            Screen::Compare => self
                .compare
                .run_ids
                .get(self.compare.col_cursor)
                .and_then(|id| self.index.run(id)),
            _ => None,
        }
    }

    /// `y`: the full id of the run (or experiment) under the cursor.
    pub(super) fn copy_id(&mut self) -> Vec<Effect> {
        if let Some((text, what)) = self.catalog_copy() {
            return self.copy(&text, what);
        }
        if self.screen() == Screen::Experiments {
            let id = self
                .experiments
                .rows
                .get(self.experiments.cursor)
                .map(|&i| self.index.experiments()[i].experiment_id.clone());
            return match id {
                Some(id) => self.copy(&id, "experiment id"),
                None => self.nothing_to_copy(),
            };
        }
        match self.run_under_cursor().map(|r| r.run_id.clone()) {
            Some(id) => self.copy(&id, "run id"),
            None => self.nothing_to_copy(),
        }
    }

    fn nothing_to_copy(&mut self) -> Vec<Effect> {
        self.message = Some(Message {
            text: "nothing to copy here".into(),
            error: true,
        });
        Vec::new()
    }

    /// Copies `text`, saying what it was on the status line.
    pub(super) fn copy(&mut self, text: &str, what: &str) -> Vec<Effect> {
        let shown = text::cut(text.lines().next().unwrap_or_default(), 48);
        let more = if text::width(&shown) < text.chars().count() || text.contains('\n') {
            format!(
                " ({})",
                text::count(text.chars().count(), "character", "characters")
            )
        } else {
            String::new()
        };
        self.message = Some(Message {
            text: format!("copied {what} {shown}{more} to the clipboard"),
            error: false,
        });
        vec![Effect::Copy(text.to_string())]
    }

    /// `Y`: the menu of what can be copied here.
    pub(super) fn open_copy_menu(&mut self) {
        let mut items = Vec::new();
        let mut add = |letter, label, text: String| {
            items.push(CopyItem {
                letter,
                label,
                text,
            })
        };
        if let Some((label, value)) = self.value_under_cursor() {
            add('v', label, value);
        }
        if let Some(run) = self.run_under_cursor() {
            add('i', "run id", run.run_id.clone());
            add('n', "run name", run.run_name.clone());
            add('a', "artifact URI", run.artifact_uri.clone());
        }
        if let Some(row) = self.row_as_csv() {
            add('c', "row as CSV", row);
        }
        if items.is_empty() {
            self.nothing_to_copy();
            return;
        }
        self.copy_menu = Some(CopyMenu { items, cursor: 0 });
    }

    /// The exact value under the cursor (a cell, a detail field, a compare cell).
    fn value_under_cursor(&self) -> Option<(&'static str, String)> {
        match self.screen() {
            Screen::Runs => {
                let run = self.run_under_cursor()?;
                let col = self.runs.current_column()?;
                Some((
                    "value under the cursor",
                    cell(col.value(run, self.now_ms)).exact(),
                ))
            }
            Screen::Detail => {
                let items = self.detail_items();
                let item = items.get(self.detail.cursor)?;
                if item.kind == super::ItemKind::Metric {
                    let run = self.index.run(&self.detail.run_id)?;
                    let m = run.metrics.get(item.key.as_ref())?;
                    return Some(("latest value", crate::text::float_exact(m.latest.value)));
                }
                Some(("value under the cursor", item.value.to_string()))
            }
            Screen::Compare => {
                let cmp = self.comparison();
                let row = self.compare_row(&cmp)?;
                let v = cmp.value(row, self.compare.col_cursor);
                Some(("value under the cursor", cell(v).exact()))
            }
            _ => None,
        }
    }

    /// The row under the cursor as CSV with its header line.
    fn row_as_csv(&self) -> Option<String> {
        match self.screen() {
            Screen::Runs => {
                let run = self.run_under_cursor()?;
                let table = crate::export::runs_table(
                    std::iter::once(run),
                    &self.shown_columns(),
                    self.now_ms,
                );
                Some(csv(&table))
            }
            Screen::Detail => {
                let items = self.detail_items();
                let item = items.get(self.detail.cursor)?;
                let mut t = Table::new(vec!["key".into(), "value".into()]);
                t.rows.push(vec![
                    Cell::Text(item.key.to_string()),
                    Cell::Text(item.value.to_string()),
                ]);
                Some(csv(&t))
            }
            Screen::Compare => {
                let cmp = self.comparison();
                let row = self.compare_row(&cmp)?;
                let mut headers = vec!["key".to_string()];
                headers.extend(run_labels(&cmp.runs));
                let mut t = Table::new(headers);
                let mut cells = vec![Cell::Text(row.column.name().into_owned())];
                cells.extend((0..cmp.runs.len()).map(|i| cell(cmp.value(row, i))));
                t.rows.push(cells);
                Some(csv(&t))
            }
            _ => None,
        }
    }

    pub(super) fn update_copy_menu(&mut self, action: Action) -> Vec<Effect> {
        let Some(menu) = self.copy_menu.as_mut() else {
            return Vec::new();
        };
        let n = menu.items.len();
        let chosen = match action {
            Action::Up => {
                menu.cursor = menu.cursor.saturating_sub(1);
                None
            }
            Action::Down => {
                menu.cursor = (menu.cursor + 1).min(n.saturating_sub(1));
                None
            }
            Action::InputSubmit => menu.items.get(menu.cursor).cloned(),
            Action::InputChar(c) => menu.items.iter().find(|i| i.letter == c).cloned(),
            Action::Back => {
                self.copy_menu = None;
                None
            }
            _ => None,
        };
        match chosen {
            Some(item) => {
                self.copy_menu = None;
                self.copy(&item.text, item.label)
            }
            None => Vec::new(),
        }
    }
}
