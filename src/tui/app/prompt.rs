//! Text prompts on the status line: the live quick filter, the MLflow search filter (with
//! Tab completion and a warning for keys no run has) and the export file name. All edit
//! like a shell line (see `edit`).

use crate::export::{Format, Table};
use crate::index::compare::Comparison;
use crate::index::filter::{Filter, FilterError, parse_filter, quote_key};
use crate::index::{Column, KeySets};
use crate::text;

use super::complete::{self, Completion};
use super::edit::LineEdit;
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
    /// Where to save the artifact file under the browser's cursor.
    SaveArtifact,
    /// MLflow search filter of the run table: applied live while valid; `error` says why
    /// the current text is not; `previous` is restored on Esc.
    Query {
        previous: Option<(String, Filter)>,
        error: Option<FilterError>,
        /// A key the filter names that no run in the table has, with the closest one.
        warning: Option<String>,
        /// Position in the filter history while recalling with ↑/↓.
        recall: Option<usize>,
    },
    /// The name to save the run table's view under.
    ViewName,
}

/// An open prompt.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub edit: LineEdit,
    /// The completion popup, while open.
    pub completion: Option<Completion>,
}

impl Prompt {
    pub(super) fn new(kind: PromptKind, text: impl Into<String>) -> Self {
        Self {
            kind,
            edit: LineEdit::new(text),
            completion: None,
        }
    }

    pub fn text(&self) -> &str {
        self.edit.text()
    }
}

const EXPORT_FORMATS: [Format; 3] = [Format::Csv, Format::Json, Format::Md];

impl App {
    pub(super) fn start_filter(&mut self) {
        let previous = match self.screen() {
            Screen::Experiments => self.experiments.filter.clone(),
            Screen::Runs => self.runs.filter.clone(),
            Screen::Chart => self.chart.search.clone(),
            Screen::Compare => self.compare.filter.clone(),
            Screen::Models => self.models.filter.clone(),
            Screen::LoggedModels => self.logged.filter.clone(),
            _ => return,
        };
        self.prompt = Some(Prompt::new(
            PromptKind::Filter {
                previous: previous.clone(),
            },
            previous,
        ));
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
            Screen::Compare => {
                self.compare.filter = text;
                self.clamp_compare_cursor();
            }
            Screen::Models => {
                self.models.filter = text;
                self.refresh_models();
            }
            Screen::LoggedModels => {
                self.logged.filter = text;
                self.refresh_logged();
            }
            _ => {}
        }
    }

    /// Opens the search filter prompt of the run table.
    pub(super) fn start_query(&mut self) {
        let previous = self.runs.query.clone();
        let text = previous
            .as_ref()
            .map(|(t, _)| t.clone())
            .unwrap_or_default();
        self.prompt = Some(Prompt::new(
            PromptKind::Query {
                previous,
                error: None,
                warning: None,
                recall: None,
            },
            text,
        ));
    }

    /// The keys of the runs in the table's scope (for completion and key checks).
    fn scope_keys(&self) -> KeySets {
        let runs = self.index.runs();
        let ids = &self.runs.experiment_ids;
        KeySets::of(runs.iter().filter(|r| ids.contains(&r.experiment_id)))
    }

    /// Applies the query text if it parses; returns the error, or a warning about keys no
    /// run has.
    fn preview_query(&mut self, text: &str) -> (Option<FilterError>, Option<String>) {
        match parse_filter(text) {
            Ok(f) => {
                let warning = self.unknown_key_warning(&f);
                self.runs.query = (!f.is_match_all()).then(|| (text.trim().to_string(), f));
                self.refresh_runs();
                (None, warning)
            }
            Err(e) => (Some(e), None),
        }
    }

    /// "no run here has metrics.val_acc; closest: metrics.`val/acc`" for the first key of
    /// `f` that no run in scope has.
    fn unknown_key_warning(&self, f: &Filter) -> Option<String> {
        self.unknown_column(f.columns())
    }

    /// "no run here has params.opt; did you mean params.optimizer?" for the first of
    /// `columns` that no run in scope has.
    pub(super) fn unknown_column(
        &self,
        columns: impl IntoIterator<Item = Column>,
    ) -> Option<String> {
        let keys = self.scope_keys();
        for col in columns {
            let (entity, key, pool) = match &col {
                Column::Metric(k) | Column::MetricAgg(k, _) => ("metrics", k, &keys.metrics),
                Column::Param(k) => ("params", k, &keys.params),
                Column::Tag(k) => ("tags", k, &keys.tags),
                Column::Attr(_) => continue,
            };
            if pool.contains(key) {
                continue;
            }
            let mut msg = format!("no run here has {entity}.{}", quote_key(key));
            let others = keys
                .metrics
                .iter()
                .map(|k| ("metrics", k))
                .chain(keys.params.iter().map(|k| ("params", k)))
                .chain(keys.tags.iter().map(|k| ("tags", k)));
            let same_entity: Vec<&str> = pool.iter().map(String::as_str).collect();
            if let Some(close) = crate::suggest::closest(key, same_entity, 1).first() {
                msg.push_str(&format!("; did you mean {entity}.{}?", quote_key(close)));
            } else if let Some((e, k)) = others.clone().find(|(_, k)| *k == key) {
                msg.push_str(&format!("; did you mean {e}.{}?", quote_key(k)));
            }
            return Some(msg);
        }
        None
    }

    /// Opens the export prompt with a file name for the current screen.
    pub(super) fn start_export(&mut self) {
        let format = Format::Csv;
        let name = format!("{}.{}", self.export_stem(), format.extension());
        let path = self.export_dir.join(name).display().to_string();
        self.prompt = Some(Prompt::new(PromptKind::Export { format }, path));
    }

    fn export_stem(&self) -> String {
        let what = match self.screen() {
            Screen::Experiments => "experiments".to_string(),
            Screen::Runs if self.groups.is_some() => format!("groups-{}", self.runs.title),
            Screen::Runs => format!("runs-{}", self.runs.title),
            Screen::Detail => format!("run-{}", self.detail.run_id),
            Screen::Compare => "compare".to_string(),
            Screen::Chart => format!(
                "history-{}",
                self.chart.current_key().map_or("", String::as_str)
            ),
            Screen::Scatter => "scatter".to_string(),
            Screen::Parallel => "parallel".to_string(),
            Screen::Importance => "importance".to_string(),
            Screen::Models if self.models.prompts => "prompts".to_string(),
            Screen::Models => "models".to_string(),
            Screen::Versions => format!("versions-{}", self.models.model),
            Screen::LoggedModels => format!("logged-models-{}", self.logged.title),
            Screen::ModelDetail => {
                format!("model-{}", self.logged.detail.as_deref().unwrap_or(""))
            }
            Screen::Artifacts | Screen::File => format!("artifacts-{}", self.artifacts.title),
            Screen::Activity => "activity".to_string(),
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
            Screen::Detail => match self.index.run(&self.detail.run_id) {
                Some(run) => Comparison::new(&[run], self.now_ms).table(false),
                None => Table::default(),
            },
            Screen::Compare => self.compare_table(),
            Screen::Chart => self.chart_table(),
            Screen::Activity => self.activity_table(),
            _ => self.catalog_table(),
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
        if prompt.edit.apply(action) {
            // Live preview of a filter while typing.
            if let PromptKind::Filter { .. } = prompt.kind {
                let text = prompt.text().to_string();
                self.set_filter(text);
            }
            return Vec::new();
        }
        match action {
            Action::InputComplete => {
                if let PromptKind::Export { format } = &mut prompt.kind {
                    let i = EXPORT_FORMATS.iter().position(|f| f == format).unwrap_or(0);
                    let next = EXPORT_FORMATS[(i + 1) % EXPORT_FORMATS.len()];
                    let old_ext = format!(".{}", format.extension());
                    if let Some(stem) = prompt.edit.text().strip_suffix(&old_ext) {
                        let renamed = format!("{stem}.{}", next.extension());
                        prompt.edit.set(renamed);
                    }
                    *format = next;
                } else if let PromptKind::Sweep(_) = prompt.kind {
                    self.complete_column();
                }
            }
            Action::InputCancel => {
                if let Some(Prompt {
                    kind: PromptKind::Filter { previous },
                    ..
                }) = self.prompt.take()
                {
                    self.set_filter(previous);
                }
            }
            Action::InputSubmit => {
                let Some(prompt) = self.prompt.take() else {
                    return Vec::new();
                };
                let text = prompt.text().to_string();
                match prompt.kind {
                    PromptKind::Query { .. } => {}
                    PromptKind::Sweep(which) => {
                        if let Err(e) = self.apply_sweep_prompt(which, &text) {
                            self.message = Some(Message {
                                text: e,
                                error: true,
                            });
                            self.prompt = Some(prompt);
                        }
                    }
                    PromptKind::SaveArtifact => return self.submit_save(&text),
                    PromptKind::ViewName => self.save_named_view(&text),
                    PromptKind::Filter { .. } => self.set_filter(text),
                    PromptKind::Export { format } => {
                        let path = std::path::PathBuf::from(text.trim());
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
            }
            _ => {}
        }
        Vec::new()
    }

    fn update_query(&mut self, action: Action) {
        let Some(mut prompt) = self.prompt.take() else {
            return;
        };
        // An open completion popup takes Tab, ↑/↓ and Enter.
        if let Some(c) = prompt.completion.as_mut() {
            let n = c.items.len().max(1);
            match action {
                Action::InputComplete | Action::Down => {
                    c.selected = (c.selected + 1) % n;
                    self.prompt = Some(prompt);
                    return;
                }
                Action::Up => {
                    c.selected = (c.selected + n - 1) % n;
                    self.prompt = Some(prompt);
                    return;
                }
                Action::InputSubmit => {
                    let c = prompt.completion.take();
                    if let Some(item) = c.as_ref().and_then(|c| c.items.get(c.selected)) {
                        let range = c.as_ref().map_or(0..0, |c| c.range.clone());
                        accept(&mut prompt.edit, range, item);
                    }
                    self.finish_query_edit(prompt);
                    return;
                }
                Action::InputCancel => {
                    prompt.completion = None;
                    self.prompt = Some(prompt);
                    return;
                }
                _ => prompt.completion = None,
            }
        }
        let PromptKind::Query {
            previous,
            error,
            warning,
            recall,
        } = &mut prompt.kind
        else {
            return;
        };
        if prompt.edit.apply(action) {
            self.finish_query_edit(prompt);
            return;
        }
        match action {
            Action::InputComplete => {
                let keys = self.scope_keys();
                let (range, items) =
                    complete::candidates(prompt.edit.text(), prompt.edit.cursor(), &keys);
                match items.len() {
                    0 => {
                        self.message = Some(Message {
                            text: "nothing to complete here".into(),
                            error: true,
                        });
                    }
                    1 => accept(&mut prompt.edit, range, &items[0]),
                    _ => {
                        let common = complete::common_prefix(&items);
                        let word = &prompt.edit.text()[range.clone()];
                        let range = if common.len() > word.len() {
                            prompt.edit.replace(range.clone(), &common);
                            range.start..range.start + common.len()
                        } else {
                            range
                        };
                        let completion = Completion {
                            items,
                            selected: 0,
                            range,
                        };
                        self.finish_query_edit(prompt);
                        if let Some(p) = self.prompt.as_mut() {
                            p.completion = Some(completion);
                        }
                        return;
                    }
                }
                self.finish_query_edit(prompt);
            }
            Action::Up | Action::Down => {
                let n = self.query_history.len();
                if n > 0 {
                    let pos = match (action, *recall) {
                        (Action::Up, None) => n - 1,
                        (Action::Up, Some(p)) => p.saturating_sub(1),
                        (_, Some(p)) if p + 1 < n => p + 1,
                        _ => n - 1,
                    };
                    *recall = Some(pos);
                    prompt.edit.set(self.query_history[pos].clone());
                    self.finish_query_edit(prompt);
                } else {
                    self.prompt = Some(prompt);
                }
            }
            Action::InputCancel => {
                self.runs.query = previous.take();
                self.refresh_runs();
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
                if let Some(w) = warning.take() {
                    self.message = Some(Message {
                        text: w,
                        error: true,
                    });
                }
                let text = prompt.text().trim().to_string();
                if !text.is_empty() {
                    self.query_history.retain(|h| *h != text);
                    self.query_history.push(text);
                    let excess = self.query_history.len().saturating_sub(QUERY_HISTORY);
                    self.query_history.drain(..excess);
                }
            }
            _ => self.prompt = Some(prompt),
        }
    }

    /// Re-checks the query after its text changed and puts the prompt back.
    fn finish_query_edit(&mut self, mut prompt: Prompt) {
        let text = prompt.text().to_string();
        let (new_error, new_warning) = self.preview_query(&text);
        if let PromptKind::Query { error, warning, .. } = &mut prompt.kind {
            *error = new_error;
            *warning = new_warning;
        }
        self.prompt = Some(prompt);
    }
}

/// Puts a completion in place of `range`, with a space after a whole key.
impl App {
    /// Tab in a prompt that takes column names (group by, scatter axes): the word under the
    /// cursor is completed to a key of the loaded runs (as a column name: no quotes), or to
    /// the longest prefix the candidates share, and the status line lists them.
    fn complete_column(&mut self) {
        let keys = self.scope_keys();
        let Some(prompt) = self.prompt.as_mut() else {
            return;
        };
        let (range, items) = complete::candidates(prompt.edit.text(), prompt.edit.cursor(), &keys);
        let items: Vec<String> = items
            .iter()
            .filter(|c| !c.starts_with("attributes."))
            .map(|c| c.replace('`', ""))
            .collect();
        match items.len() {
            0 => {
                self.message = Some(Message {
                    text: "nothing to complete here".into(),
                    error: true,
                });
            }
            1 => prompt.edit.replace(range, &items[0]),
            n => {
                let common = complete::common_prefix(&items);
                if common.len() > prompt.edit.text()[range.clone()].len() {
                    prompt.edit.replace(range, &common);
                }
                const SHOWN: usize = 8;
                let mut list = items
                    .iter()
                    .take(SHOWN)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("  ");
                if n > SHOWN {
                    list.push_str(&format!("  … {} more", n - SHOWN));
                }
                self.message = Some(Message {
                    text: crate::text::sanitize(&list).into_owned(),
                    error: false,
                });
            }
        }
    }
}

fn accept(edit: &mut LineEdit, range: std::ops::Range<usize>, item: &str) {
    let at_end = range.end == edit.text().len();
    if item.ends_with('.') || !at_end {
        edit.replace(range, item);
    } else {
        edit.replace(range, &format!("{item} "));
    }
}

/// How many recent search filters ↑/↓ can recall.
const QUERY_HISTORY: usize = 20;
