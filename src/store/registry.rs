//! The model registry (registered models, their versions, aliases, stages; prompts are
//! registered models too) and MLflow 3's logged models, as every backend delivers them, plus
//! the [`Catalog`] trait through which a store serves them and its artifacts.
//!
//! Field names follow MLflow's REST API, so that headless JSON can use them unchanged.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::model::{Experiment, MetricPoint, MetricSummary};

use super::artifacts::{ArtifactAccess, ArtifactOwner};
use super::{StoreError, Warning};

/// The tag that makes a registered model a prompt (MLflow 3's prompt registry).
pub const TAG_IS_PROMPT: &str = "mlflow.prompt.is_prompt";
/// The stage MLflow gives versions it has deleted but not yet removed; never shown.
const STAGE_DELETED_INTERNAL: &str = "Deleted_Internal";

/// A registered model (or a prompt).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RegisteredModel {
    pub name: String,
    pub creation_timestamp: Option<i64>,
    pub last_updated_timestamp: Option<i64>,
    pub description: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// Alias → version.
    pub aliases: BTreeMap<String, String>,
}

impl RegisteredModel {
    /// True for a prompt (tag `mlflow.prompt.is_prompt` = `true`, any case).
    pub fn is_prompt(&self) -> bool {
        self.tags
            .get(TAG_IS_PROMPT)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }
}

/// One version of a registered model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelVersion {
    pub name: String,
    /// The version number, as text (the REST API's type).
    pub version: String,
    pub creation_timestamp: Option<i64>,
    pub last_updated_timestamp: Option<i64>,
    pub user_id: Option<String>,
    /// `None`, `Staging`, `Production` or `Archived` (deprecated in MLflow 3, still kept).
    pub current_stage: String,
    pub description: Option<String>,
    /// Where the model came from: `models:/m-…`, `runs:/<run>/path` or an artifact URI.
    pub source: Option<String>,
    pub run_id: Option<String>,
    pub status: Option<String>,
    pub status_message: Option<String>,
    pub run_link: Option<String>,
    /// Where the version's files are (the logged model's artifact folder for `models:/`).
    pub storage_location: Option<String>,
    /// The logged model it was registered from (MLflow 3).
    pub model_id: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// Aliases pointing at this version, sorted.
    pub aliases: Vec<String>,
}

impl ModelVersion {
    /// The logged model it was registered from: the recorded `model_id`, else the id in a
    /// `models:/m-…` source (MLflow's SQL stores have no column for it, and its file store
    /// often leaves it empty).
    pub fn logged_model_id(&self) -> Option<String> {
        self.model_id
            .clone()
            .or_else(|| self.source.as_deref().and_then(model_id_from_source))
    }

    /// The version as a number for ordering (non-numbers sort last).
    pub fn number(&self) -> i64 {
        self.version.trim().parse().unwrap_or(i64::MAX)
    }
}

/// The logged-model id in a `models:/m-…` source, if it is one.
pub fn model_id_from_source(source: &str) -> Option<String> {
    let rest = source.strip_prefix("models:/")?;
    let id = rest.split('/').next()?;
    (id.starts_with("m-") && id.len() > 2).then(|| id.to_string())
}

/// Everything a store's registry holds.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    /// Models and prompts, by name.
    pub models: Vec<RegisteredModel>,
    /// Versions of models and prompts, in MLflow's default order (last update, newest
    /// first; then name; then version, highest first).
    pub versions: Vec<ModelVersion>,
    pub warnings: Vec<Warning>,
    /// Positions in `versions` of each model's versions (built by `finish`).
    by_model: HashMap<String, Vec<usize>>,
}

impl Registry {
    /// A registry of these models and versions, put in order (see `finish`).
    pub fn new(models: Vec<RegisteredModel>, versions: Vec<ModelVersion>, origin: &str) -> Self {
        Self {
            models,
            versions,
            ..Self::default()
        }
        .finish(origin)
    }

    /// The versions of one model, in `versions` order.
    fn of_model(&self, name: &str) -> impl Iterator<Item = &ModelVersion> {
        self.by_model
            .get(name)
            .into_iter()
            .flatten()
            .map(|&i| &self.versions[i])
    }
    /// Puts a freshly read registry in order: versions get their aliases from the models;
    /// aliases that point nowhere become warnings; both lists are sorted as MLflow sorts.
    pub fn finish(mut self, origin: &str) -> Self {
        self.versions
            .retain(|v| v.current_stage != STAGE_DELETED_INTERNAL);
        let mut index: HashMap<(String, String), usize> = HashMap::new();
        for (i, v) in self.versions.iter().enumerate() {
            index.insert((v.name.clone(), normalize_version(&v.version)), i);
        }
        for v in &mut self.versions {
            v.aliases.clear();
        }
        for m in &self.models {
            for (alias, version) in &m.aliases {
                match index.get(&(m.name.clone(), normalize_version(version))) {
                    Some(&i) => self.versions[i].aliases.push(alias.clone()),
                    None => self.warnings.push(Warning {
                        location: format!("{origin}: registered model {:?}", m.name),
                        message: format!(
                            "alias {alias:?} points to version {version}, which does not exist"
                        ),
                    }),
                }
            }
        }
        for v in &mut self.versions {
            v.aliases.sort();
        }
        self.models.sort_by(|a, b| a.name.cmp(&b.name));
        self.versions.sort_by(|a, b| {
            b.last_updated_timestamp
                .cmp(&a.last_updated_timestamp)
                .then_with(|| a.name.cmp(&b.name))
                .then_with(|| b.number().cmp(&a.number()))
        });
        self.by_model.clear();
        for (i, v) in self.versions.iter().enumerate() {
            self.by_model.entry(v.name.clone()).or_default().push(i);
        }
        self
    }

    pub fn model(&self, name: &str) -> Option<&RegisteredModel> {
        self.models.iter().find(|m| m.name == name)
    }

    /// The versions of one model, highest first.
    pub fn versions_of(&self, name: &str) -> Vec<&ModelVersion> {
        let mut v: Vec<&ModelVersion> = self.of_model(name).collect();
        v.sort_by_key(|v| std::cmp::Reverse(v.number()));
        v
    }

    /// The versions of one model in MLflow's `search_model_versions` order.
    pub fn versions_in_search_order(&self, name: &str) -> Vec<&ModelVersion> {
        self.of_model(name).collect()
    }

    /// MLflow's `latest_versions`: the highest version in each stage, by version number.
    pub fn latest_versions(&self, name: &str) -> Vec<&ModelVersion> {
        let mut best: BTreeMap<&str, &ModelVersion> = BTreeMap::new();
        for v in self.of_model(name) {
            let slot = best.entry(v.current_stage.as_str()).or_insert(v);
            if v.number() > slot.number() {
                *slot = v;
            }
        }
        let mut out: Vec<&ModelVersion> = best.into_values().collect();
        out.sort_by_key(|v| v.number());
        out
    }

    /// Versions registered from a run, by model name then version.
    pub fn versions_of_run(&self, run_id: &str) -> Vec<&ModelVersion> {
        let mut v: Vec<&ModelVersion> = self
            .versions
            .iter()
            .filter(|v| v.run_id.as_deref() == Some(run_id))
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name).then(a.number().cmp(&b.number())));
        v
    }

    /// Versions registered from a logged model.
    pub fn versions_of_logged_model(&self, model_id: &str) -> Vec<&ModelVersion> {
        let mut v: Vec<&ModelVersion> = self
            .versions
            .iter()
            .filter(|v| v.logged_model_id().as_deref() == Some(model_id))
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name).then(a.number().cmp(&b.number())));
        v
    }
}

/// `"2"` and `"2.0"` name the same version (SQL stores keep an integer).
fn normalize_version(v: &str) -> String {
    let v = v.trim();
    match v.parse::<f64>() {
        Ok(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        _ => v.to_string(),
    }
}

/// Status of a logged model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum LoggedModelStatus {
    #[default]
    Unspecified,
    Pending,
    Ready,
    Failed,
}

impl LoggedModelStatus {
    /// The REST API's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unspecified => "LOGGED_MODEL_STATUS_UNSPECIFIED",
            Self::Pending => "LOGGED_MODEL_PENDING",
            Self::Ready => "LOGGED_MODEL_READY",
            Self::Failed => "LOGGED_MODEL_UPLOAD_FAILED",
        }
    }

    /// A short word for tables: `READY`, `PENDING`, `FAILED`, `-`.
    pub fn short(self) -> &'static str {
        match self {
            Self::Unspecified => "-",
            Self::Pending => "PENDING",
            Self::Ready => "READY",
            Self::Failed => "FAILED",
        }
    }

    /// The integer file and SQL stores keep (0 unspecified, 1 pending, 2 ready, 3 failed).
    pub fn from_code(code: i64) -> Option<Self> {
        Some(match code {
            0 => Self::Unspecified,
            1 => Self::Pending,
            2 => Self::Ready,
            3 => Self::Failed,
            _ => return None,
        })
    }

    /// Parses the REST name or the Python name (`READY`).
    pub fn from_name(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_uppercase();
        let s = s.strip_prefix("LOGGED_MODEL_").unwrap_or(&s);
        Some(match s {
            "STATUS_UNSPECIFIED" | "UNSPECIFIED" => Self::Unspecified,
            "PENDING" => Self::Pending,
            "READY" => Self::Ready,
            "UPLOAD_FAILED" | "FAILED" => Self::Failed,
            _ => return None,
        })
    }
}

/// One metric value of a logged model.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelMetric {
    pub key: String,
    pub value: f64,
    pub timestamp: i64,
    pub step: i64,
    pub run_id: Option<String>,
    pub dataset_name: Option<String>,
    pub dataset_digest: Option<String>,
}

impl ModelMetric {
    pub fn point(&self) -> MetricPoint {
        MetricPoint {
            step: self.step,
            timestamp: self.timestamp,
            value: self.value,
        }
    }
}

/// An MLflow 3 logged model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LoggedModel {
    pub model_id: String,
    pub experiment_id: String,
    pub name: String,
    pub artifact_uri: String,
    pub creation_timestamp: Option<i64>,
    pub last_updated_timestamp: Option<i64>,
    pub status: LoggedModelStatus,
    pub model_type: Option<String>,
    pub source_run_id: Option<String>,
    pub status_message: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub params: BTreeMap<String, String>,
    /// The latest value of each metric per dataset (MLflow's rule: max by step, timestamp,
    /// value), sorted by key, dataset name and digest.
    pub metrics: Vec<ModelMetric>,
}

impl LoggedModel {
    /// Keeps only the latest point of each (key, dataset) — what MLflow's file store
    /// answers; SQL stores keep every logged point — and sorts them.
    pub fn settle_metrics(&mut self) {
        let mut best: BTreeMap<(String, String, String), ModelMetric> = BTreeMap::new();
        for m in std::mem::take(&mut self.metrics) {
            let key = (
                m.key.clone(),
                m.dataset_name.clone().unwrap_or_default(),
                m.dataset_digest.clone().unwrap_or_default(),
            );
            match best.get(&key) {
                Some(old) if !m.point().supersedes(&old.point()) => {}
                _ => {
                    best.insert(key, m);
                }
            }
        }
        self.metrics = best.into_values().collect();
    }

    /// One summary per metric, for tables: keyed `acc`, or `acc (holdout)` for a value
    /// logged against a dataset.
    pub fn metric_summaries(&self) -> BTreeMap<String, MetricSummary> {
        let mut out: BTreeMap<String, MetricSummary> = BTreeMap::new();
        for m in &self.metrics {
            let key = match &m.dataset_name {
                Some(ds) if !ds.is_empty() => format!("{} ({ds})", m.key),
                _ => m.key.clone(),
            };
            match out.get_mut(&key) {
                Some(s) => s.push(m.point()),
                None => {
                    out.insert(key, MetricSummary::from_point(m.point()));
                }
            }
        }
        out
    }
}

/// Logged models of some experiments, with warnings about the ones that could not be read.
#[derive(Debug, Clone, Default)]
pub struct LoggedModelList {
    /// In MLflow's order: creation time, newest first, then model id.
    pub models: Vec<LoggedModel>,
    pub warnings: Vec<Warning>,
}

impl LoggedModelList {
    /// Settles metrics and sorts like MLflow's `search_logged_models`.
    pub fn finish(mut self) -> Self {
        for m in &mut self.models {
            m.settle_metrics();
        }
        self.models.sort_by(|a, b| {
            b.creation_timestamp
                .cmp(&a.creation_timestamp)
                .then_with(|| a.model_id.cmp(&b.model_id))
        });
        self
    }
}

/// How a run is linked to logged models (MLflow 3): the models it produced (its outputs;
/// `log_model` inside a run records one) and the models it used (its model inputs, e.g. an
/// evaluation of an external model). The REST API's `outputs.model_outputs` and
/// `inputs.model_inputs` of a run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunModelLinks {
    /// (model id, step), in the store's order, without duplicates.
    pub outputs: Vec<(String, i64)>,
    /// Model ids, in the store's order, without duplicates.
    pub inputs: Vec<String>,
    /// Links that could not be read.
    pub warnings: Vec<Warning>,
}

impl RunModelLinks {
    /// Adds an output, keeping the first of duplicates.
    pub fn add_output(&mut self, model_id: String, step: i64) {
        if !model_id.is_empty() && !self.outputs.iter().any(|(id, _)| *id == model_id) {
            self.outputs.push((model_id, step));
        }
    }

    /// Adds an input, keeping the first of duplicates.
    pub fn add_input(&mut self, model_id: String) {
        if !model_id.is_empty() && !self.inputs.contains(&model_id) {
            self.inputs.push(model_id);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.outputs.is_empty() && self.inputs.is_empty()
    }
}

/// The parts of MLflow beyond runs: the model registry, logged models and artifacts.
///
/// Every [`super::Store`] implements it (it is a supertrait); the defaults say "none here",
/// so a backend that lacks a part still works.
pub trait Catalog {
    /// Every registered model, prompt and version.
    fn registry(&self) -> Result<Registry, StoreError> {
        Ok(Registry::default())
    }

    /// The logged models (MLflow 3) of `experiments`; deleted ones are left out.
    fn logged_models(&self, experiments: &[Experiment]) -> Result<LoggedModelList, StoreError> {
        let _ = experiments;
        Ok(LoggedModelList::default())
    }

    /// One logged model by id.
    fn logged_model(&self, model_id: &str) -> Result<LoggedModel, StoreError> {
        Err(StoreError::Unsupported(format!(
            "logged model {model_id}: this store has no logged models"
        )))
    }

    /// The logged models a run produced and used (none where the store has no such links).
    fn run_model_links(
        &self,
        experiment_id: &str,
        run_id: &str,
    ) -> Result<RunModelLinks, StoreError> {
        let _ = (experiment_id, run_id);
        Ok(RunModelLinks::default())
    }

    /// Where the artifacts of a run or logged model can be read. `extra_root` is the
    /// user's `--artifacts-root`, searched after the recorded location and the store.
    fn artifacts(
        &self,
        owner: &ArtifactOwner,
        extra_root: Option<&Path>,
    ) -> Result<ArtifactAccess, StoreError> {
        let _ = extra_root;
        Ok(ArtifactAccess::Unreadable {
            uri: owner.uri.clone(),
            reason: "this store cannot read artifacts".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(name: &str, version: &str, stage: &str, updated: i64) -> ModelVersion {
        ModelVersion {
            name: name.into(),
            version: version.into(),
            current_stage: stage.into(),
            last_updated_timestamp: Some(updated),
            ..ModelVersion::default()
        }
    }

    #[test]
    fn finish_joins_aliases_derives_model_ids_and_sorts_like_mlflow() {
        let mut m = RegisteredModel {
            name: "m".into(),
            ..RegisteredModel::default()
        };
        m.aliases.insert("champion".into(), "2".into());
        m.aliases.insert("ghost".into(), "9".into());
        let mut v2 = v("m", "2", "Production", 5);
        v2.source = Some("models:/m-abc".into());
        let reg = Registry::new(
            vec![m],
            vec![
                v("m", "1", "Archived", 5),
                v2,
                v("m", "3", "Deleted_Internal", 9),
                v("a", "1", "None", 1),
            ],
            "test",
        );
        let order: Vec<(&str, &str)> = reg
            .versions
            .iter()
            .map(|v| (v.name.as_str(), v.version.as_str()))
            .collect();
        assert_eq!(order, [("m", "2"), ("m", "1"), ("a", "1")]);
        assert_eq!(reg.versions[0].aliases, ["champion"]);
        assert_eq!(reg.versions[0].model_id, None, "kept as stored");
        assert_eq!(reg.versions[0].logged_model_id().as_deref(), Some("m-abc"));
        assert_eq!(reg.warnings.len(), 1, "alias to a missing version");
        assert!(reg.warnings[0].message.contains("ghost"));
        let latest: Vec<&str> = reg
            .latest_versions("m")
            .iter()
            .map(|v| v.version.as_str())
            .collect();
        assert_eq!(latest, ["1", "2"]);
    }

    #[test]
    fn sql_integer_versions_match_text_aliases() {
        assert_eq!(normalize_version("2"), normalize_version("2.0"));
        assert_eq!(
            model_id_from_source("models:/m-123/x"),
            Some("m-123".into())
        );
        assert_eq!(model_id_from_source("models:/fraud/2"), None);
        assert_eq!(model_id_from_source("runs:/abc/model"), None);
    }

    #[test]
    fn logged_model_metrics_keep_the_latest_per_dataset() {
        let metric = |key: &str, step, value, ds: Option<&str>| ModelMetric {
            key: key.into(),
            value,
            timestamp: 10,
            step,
            run_id: None,
            dataset_name: ds.map(String::from),
            dataset_digest: ds.map(|_| "d".to_string()),
        };
        let mut m = LoggedModel {
            metrics: vec![
                metric("acc", 1, 0.9, None),
                metric("acc", 0, 0.5, None),
                metric("acc", 0, 0.7, Some("holdout")),
            ],
            ..LoggedModel::default()
        };
        m.settle_metrics();
        let got: Vec<(f64, Option<&str>)> = m
            .metrics
            .iter()
            .map(|x| (x.value, x.dataset_name.as_deref()))
            .collect();
        assert_eq!(got, [(0.9, None), (0.7, Some("holdout"))]);
        let sums = m.metric_summaries();
        assert_eq!(sums["acc"].latest.value, 0.9);
        assert_eq!(sums["acc (holdout)"].latest.value, 0.7);
    }

    #[test]
    fn prompt_tag_and_status_names() {
        let mut p = RegisteredModel::default();
        assert!(!p.is_prompt());
        p.tags.insert(TAG_IS_PROMPT.into(), "True".into());
        assert!(p.is_prompt());
        for code in 0..4 {
            let s = LoggedModelStatus::from_code(code).expect("code");
            assert_eq!(LoggedModelStatus::from_name(s.as_str()), Some(s));
        }
        assert_eq!(
            LoggedModelStatus::from_name("READY"),
            Some(LoggedModelStatus::Ready)
        );
    }
}
