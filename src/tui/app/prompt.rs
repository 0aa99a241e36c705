//! Text prompts on the status line: the live quick filter and the export file name.

use crate::export::{Format, Table};
use crate::index::compare::Comparison;
use crate::index::filter::{Filter, FilterError, parse_filter};
use crate::text;

use super::{App, Effect, Message, Screen};
use crate::tui::action::Action;

/// What a prompt is for.
#[derive(Debug, Clone, PartialEq)]
pub enum PromptKind {
    /// Quick filter of the current screen; `previous` is restored on Esc.
    Filter { previous: String },
    /// Export of the current screen's table.
    Export { format: Format },
    /// A column (or columns) for group mode or a sweep chart.
    Sweep(super::SweepPrompt),
    /// MLflow search filter of the run table: applied live while valid; `error` says why
    /// the current text is not; `previous` is restored on Esc.
    Query {
        previous: Option<(String, Filter)>,
        error: Option<FilterError>,
        /// Position in the filter history while recalling with ↑/↓.
        recall: Option<usize>,
    },
}

/// An open prompt.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub text: String,
}

const EXPORT_FORMATS: [Format; 3] = [Format::Csv, Format::Json, Format::Md];

impl App {
    pub(super) fn start_filter(&mut self) {
        let previous = match self.screen() {
            Screen::Experiments => self.experiments.filter.clone(),
            Screen::Runs => self.runs.filter.clone(),
            Screen::Chart => self.chart.search.clone(),
            _ => return,
        };
        self.prompt = Some(Prompt {
            text: previous.clone(),
            kind: PromptKind::Filter { previous },
        });
    }

    fn set_filter(&mut self, text: String) {
        match self.screen() {
            Screen::Experiments => {
                self.experiments.filter = text;
                self.refresh_experiments();
            }
            Screen::Runs => {
                self.runs.filter = text;
                self.refresh_runs();
            }
            Screen::Chart => {
                self.chart.search = text;
                self.chart.key_cursor = 0;
            }
            _ => {}
        }
    }

    /// Opens the search filter prompt of the run table.
    pub(super) fn start_query(&mut self) {
        let previous = self.runs.query.clone();
        self.prompt = Some(Prompt {
            text: previous
                .as_ref()
                .map(|(t, _)| t.clone())
                .unwrap_or_default(),
            kind: PromptKind::Query {
                previous,
                error: None,
                recall: None,
            },
        });
    }

    /// Applies the query text if it parses; returns the error otherwise.
    fn preview_query(&mut self, text: &str) -> Option<FilterError> {
        match parse_filter(text) {
            Ok(f) => {
                self.runs.query = (!f.is_match_all()).then(|| (text.trim().to_string(), f));
                self.refresh_runs();
                None
            }
            Err(e) => Some(e),
        }
    }

    /// Opens the export prompt with a file name for the current screen.
    pub(super) fn start_export(&mut self) {
        let format = Format::Csv;
        let name = format!("{}.{}", self.export_stem(), format.extension());
        self.prompt = Some(Prompt {
            kind: PromptKind::Export { format },
            text: self.export_dir.join(name).display().to_string(),
        });
    }

    fn export_stem(&self) -> String {
        let what = match self.screen() {
            Screen::Experiments => "experiments".to_string(),
            Screen::Runs => format!("runs-{}", self.runs.title),
            Screen::Detail => format!("run-{}", self.detail_run.as_deref().unwrap_or("")),
            Screen::Compare => "compare".to_string(),
            Screen::Chart => format!(
                "history-{}",
                self.chart.current_key().map_or("", String::as_str)
            ),
            Screen::Scatter => "scatter".to_string(),
            Screen::Parallel => "parallel".to_string(),
            Screen::Importance => "importance".to_string(),
        };
        let slug: String = what
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        let slug = slug.trim_matches('-');
        let stamp = text::time_iso(self.now_ms).replace([':', '-'], "");
        let stamp = stamp.get(..15).unwrap_or(&stamp);
        format!(
            "mltui-{}-{stamp}",
            slug.chars().take(40).collect::<String>()
        )
    }

    /// The table the current screen shows, exactly as shown.
    pub fn screen_table(&self) -> Table {
        match self.screen() {
            Screen::Experiments => {
                let exps: Vec<_> = self
                    .experiments
                    .rows
                    .iter()
                    .map(|&i| &self.index.experiments()[i])
                    .collect();
                crate::export::experiments_table(&self.index, &exps)
            }
            Screen::Runs => match self.groups_export_table(self.export_group_runs) {
                Some(t) => t,
                None => {
                    crate::export::runs_table(self.shown_runs(), &self.shown_columns(), self.now_ms)
                }
            },
            Screen::Scatter | Screen::Parallel | Screen::Importance => self.sweep_table(),
            Screen::Detail => match self.detail_run.as_deref().and_then(|id| self.index.run(id)) {
                Some(run) => Comparison::new(&[run], self.now_ms).table(false),
                None => Table::default(),
            },
            Screen::Compare => self.comparison().table(self.compare.diff_only),
            Screen::Chart => self.chart_table(),
        }
    }

    pub(super) fn update_prompt(&mut self, action: Action) -> Vec<Effect> {
        if matches!(
            self.prompt.as_ref().map(|p| &p.kind),
            Some(PromptKind::Query { .. })
        ) {
            self.update_query(action);
            return Vec::new();
        }
        let Some(prompt) = self.prompt.as_mut() else {
            return Vec::new();
        };
        match action {
            Action::InputChar(c) => prompt.text.push(c),
            Action::InputBackspace => {
                prompt.text.pop();
            }
            Action::InputNextFormat => {
                if let PromptKind::Export { format } = &mut prompt.kind {
                    let i = EXPORT_FORMATS.iter().position(|f| f == format).unwrap_or(0);
                    let next = EXPORT_FORMATS[(i + 1) % EXPORT_FORMATS.len()];
                    let old_ext = format!(".{}", format.extension());
                    if let Some(stem) = prompt.text.strip_suffix(&old_ext) {
                        prompt.text = format!("{stem}.{}", next.extension());
                    }
                    *format = next;
                }
            }
            Action::InputCancel => {
                let prompt = self.prompt.take();
                if let Some(Prompt {
                    kind: PromptKind::Filter { previous },
                    ..
                }) = prompt
                {
                    self.set_filter(previous);
                }
                return Vec::new();
            }
            Action::InputSubmit => {
                let Some(prompt) = self.prompt.take() else {
                    return Vec::new();
                };
                match prompt.kind {
                    PromptKind::Query { .. } => {}
                    PromptKind::Sweep(which) => {
                        if let Err(e) = self.apply_sweep_prompt(which, &prompt.text) {
                            self.message = Some(Message {
                                text: e,
                                error: true,
                            });
                            self.prompt = Some(prompt);
                        }
                    }
                    PromptKind::Filter { .. } => self.set_filter(prompt.text),
                    PromptKind::Export { format } => {
                        let path = std::path::PathBuf::from(prompt.text.trim());
                        if path.as_os_str().is_empty() {
                            self.message = Some(Message {
                                text: "export cancelled: no file name".into(),
                                error: true,
                            });
                            return Vec::new();
                        }
                        let format = Format::from_path(&path).unwrap_or(format);
                        return vec![Effect::Export {
                            table: self.screen_table(),
                            format,
                            path,
                        }];
                    }
                }
                return Vec::new();
            }
            _ => {}
        }
        // Live preview of a filter while typing.
        if let Some(Prompt {
            kind: PromptKind::Filter { .. },
            text,
        }) = self.prompt.clone()
        {
            self.set_filter(text);
        }
        Vec::new()
    }
}

impl App {
    fn update_query(&mut self, action: Action) {
        let Some(mut prompt) = self.prompt.take() else {
            return;
        };
        let PromptKind::Query {
            previous,
            error,
            recall,
        } = &mut prompt.kind
        else {
            return;
        };
        match action {
            Action::InputChar(c) => prompt.text.push(c),
            Action::InputBackspace => {
                prompt.text.pop();
            }
            Action::Up | Action::Down => {
                let n = self.query_history.len();
                if n == 0 {
                    self.prompt = Some(prompt);
                    return;
                }
                let pos = match (action, *recall) {
                    (Action::Up, None) => n - 1,
                    (Action::Up, Some(p)) => p.saturating_sub(1),
                    (_, Some(p)) if p + 1 < n => p + 1,
                    _ => n - 1,
                };
                *recall = Some(pos);
                prompt.text = self.query_history[pos].clone();
            }
            Action::InputCancel => {
                self.runs.query = previous.take();
                self.refresh_runs();
                return;
            }
            Action::InputSubmit => {
                if let Some(e) = error {
                    self.message = Some(Message {
                        text: format!("invalid filter {e}"),
                        error: true,
                    });
                    self.prompt = Some(prompt);
                    return;
                }
                let text = prompt.text.trim().to_string();
                if !text.is_empty() {
                    self.query_history.retain(|h| *h != text);
                    self.query_history.push(text);
                    let excess = self.query_history.len().saturating_sub(QUERY_HISTORY);
                    self.query_history.drain(..excess);
                }
                return;
            }
            _ => {
                self.prompt = Some(prompt);
                return;
            }
        }
        let text = prompt.text.clone();
        let new_error = self.preview_query(&text);
        if let PromptKind::Query { error, .. } = &mut prompt.kind {
            *error = new_error;
        }
        self.prompt = Some(prompt);
    }
}

/// How many recent search filters ↑/↓ can recall.
const QUERY_HISTORY: usize = 20;
