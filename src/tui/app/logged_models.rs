//! Logged models (MLflow 3) of experiments in a table like the run table: columns for
//! params and metrics, sortable, filterable, markable, and comparable side by side in the
//! compare screen; Enter shows one model (its params, metrics, registered versions, files).
//!
//! Each model is also kept as a run-shaped record (`as_run`), so that sorting and the
//! comparison reuse the run machinery: name → `run_name`, id → `run_id`, creation time →
//! `start_time`, the source run's name → `user_id`.

use std::collections::{HashMap, HashSet};

use super::models::Loadable;
use super::{App, Effect, Message, Screen, move_cursor};
use crate::index::{Attr, Column, SortKey, TextOrder, sort_rows};
use crate::model::{Lifecycle, Run, RunStatus};
use crate::store::registry::{LoggedModel, LoggedModelList, LoggedModelStatus, RunModelLinks};
use crate::tui::action::Action;
use crate::tui::fetch::FetchRequest;

/// State of the logged-models screens and the models loaded per experiment.
#[derive(Debug, Default)]
pub struct LoggedView {
    /// Logged models per experiment id.
    pub cache: HashMap<String, Loadable<Vec<LoggedModel>>>,
    pub experiment_ids: Vec<String>,
    pub title: String,
    /// The models of `experiment_ids`, and the same as run-shaped records.
    pub models: Vec<LoggedModel>,
    pub runs: Vec<Run>,
    /// Indices into `models`, as shown.
    pub rows: Vec<usize>,
    pub cursor: usize,
    pub columns: Vec<Column>,
    pub col_cursor: usize,
    pub sort: Vec<SortKey>,
    pub filter: String,
    pub marks: HashSet<String>,
    /// Models fetched one by one (opened from a registered version, or linked to a run).
    pub single: HashMap<String, LoggedModel>,
    /// Models asked for one by one: in flight, or failed with the error.
    pub single_asked: HashMap<String, Option<String>>,
    /// The logged models each run produced and used (its outputs and model inputs).
    pub run_links: HashMap<String, Loadable<RunModelLinks>>,
    /// A model asked for by id, to open when it arrives.
    pub pending: Option<String>,
    /// The model shown by the model detail screen.
    pub detail: Option<String>,
    pub detail_scroll: usize,
}

impl LoggedView {
    pub fn current(&self) -> Option<&LoggedModel> {
        self.models.get(*self.rows.get(self.cursor)?)
    }

    pub fn model(&self, id: &str) -> Option<&LoggedModel> {
        self.models
            .iter()
            .find(|m| m.model_id == id)
            .or_else(|| {
                self.cache
                    .values()
                    .filter_map(Loadable::ready)
                    .flatten()
                    .find(|m| m.model_id == id)
            })
            .or_else(|| self.single.get(id))
    }

    /// Logged models of one experiment, when loaded.
    pub fn of_experiment(&self, id: &str) -> Option<&Vec<LoggedModel>> {
        self.cache.get(id).and_then(Loadable::ready)
    }

    /// True while any experiment of `ids` is loading.
    pub fn loading(&self, ids: &[String]) -> bool {
        ids.iter()
            .any(|id| matches!(self.cache.get(id), Some(Loadable::Loading)))
    }
}

/// A logged model as a run-shaped record, for the run table's sort and the compare screen.
pub fn as_run(m: &LoggedModel, source_run_name: Option<&str>) -> Run {
    let status = match m.status {
        LoggedModelStatus::Ready => RunStatus::Finished,
        LoggedModelStatus::Failed => RunStatus::Failed,
        LoggedModelStatus::Pending | LoggedModelStatus::Unspecified => RunStatus::Scheduled,
    };
    Run {
        run_id: m.model_id.clone(),
        run_name: m.name.clone(),
        experiment_id: m.experiment_id.clone(),
        status,
        lifecycle: Lifecycle::Active,
        user_id: source_run_name
            .map(str::to_string)
            .or_else(|| m.source_run_id.clone())
            .unwrap_or_default(),
        start_time: m.creation_timestamp,
        // Never "running": a pending model has no duration.
        end_time: m.last_updated_timestamp.or(m.creation_timestamp),
        artifact_uri: m.artifact_uri.clone(),
        params: m
            .params
            .iter()
            .map(|(k, v)| (k.as_str().into(), v.as_str().into()))
            .collect(),
        tags: m
            .tags
            .iter()
            .map(|(k, v)| (k.as_str().into(), v.as_str().into()))
            .collect(),
        metrics: m
            .metric_summaries()
            .into_iter()
            .map(|(k, s)| (k.into(), s))
            .collect(),
        datasets: Vec::new(),
        aggregates: Default::default(),
    }
}

/// The header of a column of the logged-models table.
pub fn column_label(c: &Column) -> String {
    match c {
        Column::Attr(Attr::RunName) => "name".into(),
        Column::Attr(Attr::RunId) => "model_id".into(),
        Column::Attr(Attr::StartTime) => "created".into(),
        Column::Attr(Attr::ExperimentId) => "experiment_id".into(),
        Column::Attr(Attr::User) => "source run".into(),
        Column::Attr(Attr::Status) => "status".into(),
        other => other.label().to_string(),
    }
}

impl App {
    /// Asks for the logged models of experiments not loaded yet.
    pub(super) fn want_logged(&mut self, experiment_ids: &[String]) -> Vec<Effect> {
        let missing: Vec<crate::model::Experiment> = experiment_ids
            .iter()
            .filter(|id| matches!(self.logged.cache.get(*id), None | Some(Loadable::NotAsked)))
            .filter_map(|id| self.index.experiment(id).cloned())
            .collect();
        if missing.is_empty() {
            return Vec::new();
        }
        for e in &missing {
            self.logged
                .cache
                .insert(e.experiment_id.clone(), Loadable::Loading);
        }
        vec![Effect::Fetch(FetchRequest::LoggedModels {
            experiments: missing,
        })]
    }

    /// Logged models arrived for `experiment_ids`.
    pub(super) fn logged_loaded(
        &mut self,
        experiment_ids: Vec<String>,
        result: Result<LoggedModelList, String>,
    ) {
        match result {
            Ok(list) => {
                if let Some(w) = list.warnings.first() {
                    self.message = Some(Message {
                        text: format!(
                            "{} warning(s) reading logged models; first: {w}",
                            list.warnings.len()
                        ),
                        error: true,
                    });
                }
                let mut by_exp: HashMap<String, Vec<LoggedModel>> = experiment_ids
                    .iter()
                    .map(|id| (id.clone(), Vec::new()))
                    .collect();
                for m in list.models {
                    by_exp.entry(m.experiment_id.clone()).or_default().push(m);
                }
                for (id, models) in by_exp {
                    self.logged.cache.insert(id, Loadable::Ready(models));
                }
            }
            Err(e) => {
                self.message = Some(Message {
                    text: format!("reading logged models failed: {e}"),
                    error: true,
                });
                for id in experiment_ids {
                    self.logged.cache.insert(id, Loadable::Failed(e.clone()));
                }
            }
        }
        if self.stack.contains(&Screen::LoggedModels) {
            self.fill_logged();
        }
    }

    /// One logged model arrived (asked for by id).
    pub(super) fn single_model_loaded(
        &mut self,
        id: String,
        result: Result<LoggedModel, String>,
    ) -> Vec<Effect> {
        let wanted = self.logged.pending.as_deref() == Some(id.as_str());
        match result {
            Ok(m) => {
                self.logged.single_asked.remove(&id);
                self.logged.single.insert(id.clone(), m);
                if wanted {
                    self.logged.pending = None;
                    self.message = None;
                    return self.open_model_by_id(&id);
                }
                return self.linked_model_arrived(&id);
            }
            Err(e) => {
                self.logged.single_asked.insert(id.clone(), Some(e.clone()));
                if wanted {
                    self.logged.pending = None;
                    self.message = Some(Message {
                        text: format!("logged model {id}: {e}"),
                        error: true,
                    });
                }
            }
        }
        Vec::new()
    }

    /// Opens the logged models of `experiment_ids` (named `title`).
    pub(super) fn open_logged(
        &mut self,
        experiment_ids: Vec<String>,
        title: String,
    ) -> Vec<Effect> {
        let old = std::mem::take(&mut self.logged);
        self.logged = LoggedView {
            cache: old.cache,
            single: old.single,
            single_asked: old.single_asked,
            run_links: old.run_links,
            experiment_ids: experiment_ids.clone(),
            title,
            ..LoggedView::default()
        };
        self.stack.push(Screen::LoggedModels);
        let effects = self.want_logged(&experiment_ids);
        self.fill_logged();
        effects
    }

    /// Rebuilds models, records, columns and rows from the cache.
    pub(super) fn fill_logged(&mut self) {
        let v = &mut self.logged;
        let mut models: Vec<LoggedModel> = v
            .experiment_ids
            .iter()
            .filter_map(|id| v.cache.get(id).and_then(Loadable::ready))
            .flatten()
            .cloned()
            .collect();
        models.sort_by(|a, b| {
            b.creation_timestamp
                .cmp(&a.creation_timestamp)
                .then_with(|| a.model_id.cmp(&b.model_id))
        });
        let index = &self.index;
        v.runs = models
            .iter()
            .map(|m| {
                let name = m
                    .source_run_id
                    .as_deref()
                    .and_then(|id| index.run(id))
                    .map(|r| r.run_name.as_str());
                as_run(m, name)
            })
            .collect();
        v.models = models;
        let keys = crate::index::KeySets::of(v.runs.iter());
        // The source run next to the name (models of one experiment are often all called
        // "model"), then metrics and params, where a narrow terminal shows them.
        let mut columns: Vec<Column> = [Attr::RunName, Attr::User, Attr::Status]
            .map(Column::Attr)
            .to_vec();
        columns.extend(keys.metrics.into_iter().map(Column::Metric));
        columns.extend(keys.params.into_iter().map(Column::Param));
        columns.extend([Attr::StartTime, Attr::RunId].map(Column::Attr));
        v.columns = columns;
        v.col_cursor = v.col_cursor.min(v.columns.len().saturating_sub(1));
        self.refresh_logged();
    }

    /// Recomputes the shown rows after a filter or sort change.
    pub(super) fn refresh_logged(&mut self) {
        let now = self.now_ms;
        let v = &mut self.logged;
        let current = v.current().map(|m| m.model_id.clone());
        let needle = v.filter.to_lowercase();
        let mut rows: Vec<usize> = (0..v.models.len())
            .filter(|&i| {
                let m = &v.models[i];
                needle.is_empty()
                    || m.name.to_lowercase().contains(&needle)
                    || m.model_id.contains(&needle)
                    || v.runs[i].user_id.to_lowercase().contains(&needle)
                    || m.params.iter().any(|(k, val)| {
                        k.to_lowercase().contains(&needle) || val.to_lowercase().contains(&needle)
                    })
                    || m.tags
                        .iter()
                        .filter(|(k, _)| !k.starts_with("mlflow."))
                        .any(|(k, val)| {
                            k.to_lowercase().contains(&needle)
                                || val.to_lowercase().contains(&needle)
                        })
            })
            .collect();
        if v.sort.is_empty() {
            // MLflow's order: newest first (the models are kept that way).
        } else {
            sort_rows(&v.runs, &mut rows, &v.sort, TextOrder::Numeric, now);
        }
        v.cursor = current
            .and_then(|id| rows.iter().position(|&i| v.models[i].model_id == id))
            .unwrap_or(v.cursor)
            .min(rows.len().saturating_sub(1));
        v.rows = rows;
    }

    pub(super) fn update_logged(&mut self, action: Action, page: usize) -> Vec<Effect> {
        let len = self.logged.rows.len();
        let v = &mut self.logged;
        match action {
            a if a.is_row_move() => v.cursor = move_cursor(v.cursor, len, action, page),
            Action::Left => v.col_cursor = v.col_cursor.saturating_sub(1),
            Action::Right => {
                v.col_cursor = (v.col_cursor + 1).min(v.columns.len().saturating_sub(1))
            }
            Action::FirstColumn => v.col_cursor = 0,
            Action::LastColumn => v.col_cursor = v.columns.len().saturating_sub(1),
            Action::ToggleMark => {
                if let Some(id) = v.current().map(|m| m.model_id.clone()) {
                    if !v.marks.remove(&id) {
                        v.marks.insert(id);
                    }
                    v.cursor = move_cursor(v.cursor, len, Action::Down, 1);
                }
            }
            Action::MarkAll => {
                let ids: Vec<String> = v
                    .rows
                    .iter()
                    .map(|&i| v.models[i].model_id.clone())
                    .collect();
                v.marks.extend(ids);
            }
            Action::ClearMarks => v.marks.clear(),
            Action::SortCycle | Action::SortAsc | Action::SortDesc => {
                if let Some(col) = v.columns.get(v.col_cursor).cloned() {
                    let pos = v
                        .sort
                        .first()
                        .filter(|k| k.column == col)
                        .map(|k| k.descending);
                    v.sort = match (action, pos) {
                        (Action::SortAsc, _) => vec![SortKey::asc(col)],
                        (Action::SortDesc, _) => vec![SortKey::desc(col)],
                        (_, None) => vec![SortKey::asc(col)],
                        (_, Some(false)) => vec![SortKey::desc(col)],
                        (_, Some(true)) => Vec::new(),
                    };
                    self.refresh_logged();
                }
            }
            Action::ClearSort => {
                v.sort.clear();
                self.refresh_logged();
            }
            Action::Filter => self.start_filter(),
            Action::Compare => self.compare_logged(),
            Action::Open => {
                if let Some(id) = self.logged.current().map(|m| m.model_id.clone()) {
                    return self.open_model_by_id(&id);
                }
            }
            Action::Back => {
                if !self.logged.filter.is_empty() {
                    self.logged.filter.clear();
                    self.refresh_logged();
                } else {
                    self.back();
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// `c`: the marked models side by side in the compare screen.
    fn compare_logged(&mut self) {
        let v = &self.logged;
        let items: Vec<Run> = v
            .rows
            .iter()
            .filter(|&&i| v.marks.contains(&v.models[i].model_id))
            .map(|&i| v.runs[i].clone())
            .collect();
        if items.len() < 2 {
            self.message = Some(Message {
                text: "mark two or more models with Space, then press c to compare".into(),
                error: true,
            });
            return;
        }
        self.open_compare_of(items);
    }

    /// Opens the detail of a logged model; one not loaded yet is fetched and opened when
    /// it arrives.
    pub(super) fn open_model_by_id(&mut self, id: &str) -> Vec<Effect> {
        if self.logged.model(id).is_none() {
            self.logged.pending = Some(id.to_string());
            self.message = Some(Message {
                text: format!("loading logged model {id}…"),
                error: false,
            });
            return vec![Effect::Fetch(FetchRequest::LoggedModel {
                id: id.to_string(),
            })];
        }
        self.logged.detail = Some(id.to_string());
        self.logged.detail_scroll = 0;
        self.stack.push(Screen::ModelDetail);
        self.want_registry()
    }

    pub(super) fn update_model_detail(&mut self, action: Action, page: usize) -> Vec<Effect> {
        let s = &mut self.logged.detail_scroll;
        match action {
            Action::Up => *s = s.saturating_sub(1),
            Action::Down => *s += 1,
            Action::PageUp => *s = s.saturating_sub(page),
            Action::PageDown => *s += page,
            Action::Top => *s = 0,
            Action::Bottom => *s = usize::MAX / 2,
            Action::Artifacts => {
                let Some(m) = self
                    .logged
                    .detail
                    .as_deref()
                    .and_then(|id| self.logged.model(id))
                    .cloned()
                else {
                    return Vec::new();
                };
                return self.browse_model(&m);
            }
            Action::Back => self.back(),
            _ => {}
        }
        Vec::new()
    }
}
