//! Pinned and hidden runs of the run table, and column widths set by hand. All of them
//! are part of the table's remembered view.

use super::{App, Message};
use crate::text;
use crate::tui::action::Action;
use crate::tui::keymap::Context;

/// Narrowest and widest a column is made by hand.
const MIN_WIDTH: u16 = 3;
const MAX_WIDTH: u16 = 200;

impl App {
    /// The runs a pin or hide acts on: the marked runs shown, else the one under the cursor.
    fn acted_runs(&self) -> Vec<String> {
        let marked: Vec<String> = self
            .shown_runs()
            .iter()
            .filter(|r| self.runs.marks.contains(&r.run_id))
            .map(|r| r.run_id.clone())
            .collect();
        if marked.is_empty() {
            self.current_run_id().into_iter().collect()
        } else {
            marked
        }
    }

    fn run_label(&self, ids: &[String]) -> String {
        match ids {
            [one] => self
                .index
                .run(one)
                .map(|r| format!("run {}", text::cut(&r.run_name, 40)))
                .unwrap_or_else(|| "1 run".into()),
            _ => text::count(ids.len(), "run", "runs"),
        }
    }

    pub(super) fn update_pins(&mut self, action: Action) {
        let keys = &self.settings.keymap;
        match action {
            Action::PinRun => {
                let ids = self.acted_runs();
                if ids.is_empty() {
                    return;
                }
                let v = &mut self.runs;
                let all_pinned = ids.iter().all(|id| v.pins.contains(id));
                let label = self.run_label(&ids);
                let again = keys.label(Context::Runs, Action::PinRun);
                let v = &mut self.runs;
                let text = if all_pinned {
                    v.pins.retain(|p| !ids.contains(p));
                    format!("unpinned {label}")
                } else {
                    for id in ids {
                        if !v.pins.contains(&id) {
                            v.pins.push(id);
                        }
                    }
                    format!("pinned {label} to the top ({again} again unpins)")
                };
                self.message = Some(Message { text, error: false });
                self.refresh_runs();
                self.runs.cursor = 0;
            }
            Action::HideRun => {
                let ids = self.acted_runs();
                if ids.is_empty() {
                    return;
                }
                let label = self.run_label(&ids);
                let show = keys.label(Context::Runs, Action::ToggleHidden);
                let v = &mut self.runs;
                let all_hidden = ids.iter().all(|id| v.hidden.contains(id));
                let text = if all_hidden {
                    for id in &ids {
                        v.hidden.remove(id);
                    }
                    format!("{label} shown again")
                } else {
                    v.pins.retain(|p| !ids.contains(p));
                    for id in &ids {
                        v.marks.remove(id);
                    }
                    v.hidden.extend(ids);
                    format!("hid {label} ({show} shows hidden runs)")
                };
                self.message = Some(Message { text, error: false });
                self.refresh_runs();
            }
            Action::ToggleHidden => {
                self.runs.show_hidden = !self.runs.show_hidden;
                let n = self.runs.hidden.len();
                let text = if self.runs.show_hidden {
                    format!(
                        "showing {} (dimmed)",
                        text::count(n, "hidden run", "hidden runs")
                    )
                } else {
                    format!(
                        "leaving out {}",
                        text::count(n, "hidden run", "hidden runs")
                    )
                };
                self.message = Some(Message { text, error: false });
                self.refresh_runs();
            }
            _ => {}
        }
    }

    /// `<` and `>` change the width of the column under the cursor; `=` gives every column
    /// its automatic width back.
    pub(super) fn resize_column(&mut self, action: Action) {
        let v = &mut self.runs;
        if action == Action::ColumnAutoWidth {
            for c in &mut v.columns {
                c.width = None;
            }
            return;
        }
        let Some(&i) = v.shown.get(v.col_cursor) else {
            return;
        };
        let drawn = self
            .viewport
            .col_widths
            .borrow()
            .iter()
            .find(|(c, _)| *c == i)
            .map(|(_, w)| *w);
        let current = v.columns[i].width.or(drawn).unwrap_or(12);
        let step = if action == Action::ColumnWider { 2 } else { -2 };
        let w = (i32::from(current) + step).clamp(i32::from(MIN_WIDTH), i32::from(MAX_WIDTH));
        v.columns[i].width = Some(w as u16);
    }

    /// Whether a run is hidden (shown dimmed only while hidden runs are shown).
    pub fn is_hidden(&self, run_id: &str) -> bool {
        self.runs.hidden.contains(run_id)
    }

    /// Whether a run is pinned to the top.
    pub fn is_pinned(&self, run_id: &str) -> bool {
        self.runs.pins.iter().any(|p| p == run_id)
    }
}
