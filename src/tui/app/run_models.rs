//! The logged models linked to a run: the ones it produced (their source run is the run, or
//! the run lists them among its outputs) and the ones it used (its model inputs, e.g. an
//! evaluation of a model from elsewhere). Links are read per run; a linked model that is not
//! among its experiment's loaded models is fetched by id.

use super::models::Loadable;
use super::{App, Effect, Message, Screen};
use crate::store::registry::{LoggedModel, RunModelLinks};
use crate::tui::fetch::FetchRequest;

/// A model a run used: loaded, still loading, or not readable (with why).
#[derive(Debug, Clone, PartialEq)]
pub enum UsedModel<'a> {
    Loaded(&'a LoggedModel),
    Loading(String),
    Missing { id: String, error: String },
}

impl App {
    /// Asks for the links of a run, once.
    pub(super) fn want_run_links(&mut self, run_id: &str) -> Vec<Effect> {
        if self.logged.run_links.contains_key(run_id) {
            return Vec::new();
        }
        let Some(run) = self.index.run(run_id) else {
            return Vec::new();
        };
        let req = FetchRequest::RunLinks {
            experiment_id: run.experiment_id.clone(),
            run_id: run_id.to_string(),
        };
        self.logged
            .run_links
            .insert(run_id.to_string(), Loadable::Loading);
        vec![Effect::Fetch(req)]
    }

    /// A run's links arrived: fetch the linked models not loaded yet.
    pub(super) fn run_links_loaded(
        &mut self,
        run_id: String,
        result: Result<RunModelLinks, String>,
    ) -> Vec<Effect> {
        let links = match result {
            Ok(l) => l,
            Err(e) => {
                // A run's links are an extra: the detail still shows everything else.
                self.message = Some(Message {
                    text: format!("reading the models linked to run {run_id} failed: {e}"),
                    error: true,
                });
                self.logged.run_links.insert(run_id, Loadable::Failed(e));
                return Vec::new();
            }
        };
        if let Some(w) = links.warnings.first() {
            self.message = Some(Message {
                text: format!(
                    "{} warning(s) reading the models linked to run {run_id}; first: {w}",
                    links.warnings.len()
                ),
                error: true,
            });
        }
        let ids: Vec<String> = links
            .outputs
            .iter()
            .map(|(id, _)| id.clone())
            .chain(links.inputs.iter().cloned())
            .collect();
        self.logged.run_links.insert(run_id, Loadable::Ready(links));
        let mut effects = Vec::new();
        for id in ids {
            if self.logged.model(&id).is_none() && !self.logged.single_asked.contains_key(&id) {
                self.logged.single_asked.insert(id.clone(), None);
                effects.push(Effect::Fetch(FetchRequest::LoggedModel { id }));
            }
        }
        effects.extend(self.linked_models_changed());
        effects
    }

    /// A model fetched by id arrived: if the shown run produced it, its files join the
    /// run's detail and browser.
    pub(super) fn linked_model_arrived(&mut self, id: &str) -> Vec<Effect> {
        let shown = self.detail.run_id.clone();
        let produced = match self.logged.run_links.get(&shown) {
            Some(Loadable::Ready(l)) => l.outputs.iter().any(|(m, _)| m == id),
            _ => false,
        };
        if produced {
            self.linked_models_changed()
        } else {
            Vec::new()
        }
    }

    /// The shown run's produced models may have changed: read their files again (detail)
    /// and add their folders (browser).
    fn linked_models_changed(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self.stack.contains(&Screen::Detail) {
            let run_id = self.detail.run_id.clone();
            if !self.models_of_run(&run_id).is_empty() {
                effects.extend(self.want_run_files(&run_id, true));
            }
        }
        effects.extend(self.browse_new_models());
        effects
    }

    /// The logged models a run produced: those whose source run it is (when its
    /// experiment's models are loaded) and those among its outputs (when loaded), newest
    /// first as loaded, without duplicates.
    pub fn models_of_run(&self, run_id: &str) -> Vec<LoggedModel> {
        let Some(run) = self.index.run(run_id) else {
            return Vec::new();
        };
        let mut out: Vec<LoggedModel> = self
            .logged
            .of_experiment(&run.experiment_id)
            .map(|ms| {
                ms.iter()
                    .filter(|m| m.source_run_id.as_deref() == Some(run_id))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        if let Some(Loadable::Ready(links)) = self.logged.run_links.get(run_id) {
            for (id, _) in &links.outputs {
                if out.iter().any(|m| &m.model_id == id) {
                    continue;
                }
                if let Some(m) = self.logged.model(id) {
                    out.push(m.clone());
                }
            }
        }
        out
    }

    /// The logged models a run used (its model inputs), in the store's order.
    pub fn models_used_by_run(&self, run_id: &str) -> Vec<UsedModel<'_>> {
        let Some(Loadable::Ready(links)) = self.logged.run_links.get(run_id) else {
            return Vec::new();
        };
        links
            .inputs
            .iter()
            .map(|id| match self.logged.model(id) {
                Some(m) => UsedModel::Loaded(m),
                None => match self.logged.single_asked.get(id) {
                    Some(Some(error)) => UsedModel::Missing {
                        id: id.clone(),
                        error: error.clone(),
                    },
                    _ => UsedModel::Loading(id.clone()),
                },
            })
            .collect()
    }
}
