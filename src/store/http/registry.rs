//! A tracking server's model registry (`registered-models/search`, `model-versions/search`),
//! prompts (the same endpoints, filtered on the prompt tag) and logged models
//! (`logged-models/search`, `logged-models/{id}`), paged; and `Catalog` for `HttpStore`.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;
use serde_json::json;

use super::HttpStore;
use super::decode::{lenient_i64, lenient_string, metric_value};
use super::wire::{KeyValue, to_map};
use crate::model::Experiment;
use crate::store::artifacts::{ArtifactAccess, ArtifactOwner};
use crate::store::registry::{
    Catalog, LoggedModel, LoggedModelList, LoggedModelStatus, ModelMetric, ModelVersion,
    RegisteredModel, Registry, RunModelLinks, TAG_IS_PROMPT,
};
use crate::store::sqlite::unclamp;
use crate::store::{StoreError, Warning};

/// `registered-models/search` allows at most 1,000 per page.
const MODELS_PAGE: usize = 1_000;
/// `model-versions/search` allows far more; keep pages quick.
const VERSIONS_PAGE: usize = 10_000;
/// `logged-models/search` pages.
const LOGGED_PAGE: usize = 1_000;
/// Experiments per `logged-models/search` call.
const EXPERIMENTS_PER_SEARCH: usize = 100;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ModelsPage {
    registered_models: Vec<WireModel>,
    next_page_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct VersionsPage {
    model_versions: Vec<WireVersion>,
    next_page_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct GetVersion {
    model_version: Option<WireVersion>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireAlias {
    alias: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    version: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireModel {
    name: Option<String>,
    #[serde(deserialize_with = "lenient_i64")]
    creation_timestamp: Option<i64>,
    #[serde(deserialize_with = "lenient_i64")]
    last_updated_timestamp: Option<i64>,
    description: Option<String>,
    tags: Vec<KeyValue>,
    aliases: Vec<WireAlias>,
    latest_versions: Vec<WireVersion>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireVersion {
    name: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    version: Option<String>,
    #[serde(deserialize_with = "lenient_i64")]
    creation_timestamp: Option<i64>,
    #[serde(deserialize_with = "lenient_i64")]
    last_updated_timestamp: Option<i64>,
    user_id: Option<String>,
    current_stage: Option<String>,
    description: Option<String>,
    source: Option<String>,
    run_id: Option<String>,
    status: Option<String>,
    status_message: Option<String>,
    run_link: Option<String>,
    storage_location: Option<String>,
    model_id: Option<String>,
    tags: Vec<KeyValue>,
}

impl WireModel {
    fn into_model(self) -> Option<RegisteredModel> {
        Some(RegisteredModel {
            name: self.name.filter(|n| !n.is_empty())?,
            creation_timestamp: self.creation_timestamp,
            last_updated_timestamp: self.last_updated_timestamp,
            description: self.description,
            tags: to_map(self.tags),
            aliases: self
                .aliases
                .into_iter()
                .filter_map(|a| Some((a.alias?, a.version.unwrap_or_default())))
                .collect(),
        })
    }
}

impl WireVersion {
    fn into_model(self) -> Option<ModelVersion> {
        Some(ModelVersion {
            name: self.name.filter(|n| !n.is_empty())?,
            version: self.version.filter(|v| !v.is_empty())?,
            creation_timestamp: self.creation_timestamp,
            last_updated_timestamp: self.last_updated_timestamp,
            user_id: self.user_id,
            current_stage: self.current_stage.unwrap_or_else(|| "None".into()),
            description: self.description,
            source: self.source,
            run_id: self.run_id.filter(|r| !r.is_empty()),
            status: self.status,
            status_message: self.status_message,
            run_link: self.run_link,
            storage_location: self.storage_location,
            model_id: self.model_id.filter(|m| !m.is_empty()),
            tags: to_map(self.tags),
            aliases: Vec::new(),
        })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LoggedPage {
    models: Vec<WireLogged>,
    next_page_token: Option<String>,
}

/// The parts of `runs/get` that link a run to logged models (MLflow 3).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct GetRunLinks {
    run: WireRunLinks,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireRunLinks {
    inputs: WireRunInputs,
    outputs: WireRunOutputs,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireRunInputs {
    model_inputs: Vec<WireModelLink>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireRunOutputs {
    model_outputs: Vec<WireModelLink>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireModelLink {
    #[serde(deserialize_with = "lenient_string")]
    model_id: Option<String>,
    #[serde(deserialize_with = "lenient_i64")]
    step: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct GetLogged {
    model: Option<WireLogged>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireLogged {
    info: WireLoggedInfo,
    data: WireLoggedData,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireLoggedInfo {
    model_id: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    experiment_id: Option<String>,
    name: Option<String>,
    #[serde(deserialize_with = "lenient_i64")]
    creation_timestamp_ms: Option<i64>,
    #[serde(deserialize_with = "lenient_i64")]
    last_updated_timestamp_ms: Option<i64>,
    artifact_uri: Option<String>,
    status: Option<String>,
    model_type: Option<String>,
    source_run_id: Option<String>,
    status_message: Option<String>,
    tags: Vec<KeyValue>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireLoggedData {
    params: Vec<KeyValue>,
    metrics: Vec<WireModelMetric>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireModelMetric {
    key: Option<String>,
    #[serde(deserialize_with = "metric_value")]
    value: f64,
    #[serde(deserialize_with = "lenient_i64")]
    timestamp: Option<i64>,
    #[serde(deserialize_with = "lenient_i64")]
    step: Option<i64>,
    run_id: Option<String>,
    dataset_name: Option<String>,
    dataset_digest: Option<String>,
}

impl WireLogged {
    fn into_model(self) -> Option<LoggedModel> {
        let info = self.info;
        let mut model = LoggedModel {
            model_id: info.model_id.filter(|m| !m.is_empty())?,
            experiment_id: info.experiment_id.unwrap_or_default(),
            name: info.name.unwrap_or_default(),
            artifact_uri: info.artifact_uri.unwrap_or_default(),
            creation_timestamp: info.creation_timestamp_ms,
            last_updated_timestamp: info.last_updated_timestamp_ms,
            status: info
                .status
                .as_deref()
                .and_then(LoggedModelStatus::from_name)
                .unwrap_or_default(),
            model_type: info.model_type,
            source_run_id: info.source_run_id.filter(|r| !r.is_empty()),
            status_message: info.status_message,
            tags: to_map(info.tags),
            params: to_map(self.data.params),
            metrics: Vec::new(),
        };
        model.metrics = self
            .data
            .metrics
            .into_iter()
            .filter_map(|m| {
                Some(ModelMetric {
                    key: m.key?,
                    value: unclamp(m.value),
                    timestamp: m.timestamp.unwrap_or(0),
                    step: m.step.unwrap_or(0),
                    run_id: m.run_id,
                    dataset_name: m.dataset_name,
                    dataset_digest: m.dataset_digest,
                })
            })
            .collect();
        model.settle_metrics();
        Some(model)
    }
}

/// True for the answers of a server that does not have an endpoint (older MLflow).
fn is_missing_endpoint(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::Http {
            status: Some(404 | 405 | 501),
            ..
        }
    )
}

impl HttpStore {
    fn search_models(&self, filter: Option<&str>) -> Result<Vec<WireModel>, StoreError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        let size = self
            .page_size
            .unwrap_or(MODELS_PAGE)
            .min(MODELS_PAGE)
            .to_string();
        let asked = size.parse().unwrap_or(MODELS_PAGE);
        let mut pager = self.pager("registered-models/search");
        let mut seen = std::collections::HashSet::new();
        loop {
            let mut query = vec![("max_results", size.as_str())];
            if let Some(f) = filter {
                query.push(("filter", f));
            }
            if let Some(t) = &token {
                query.push(("page_token", t));
            }
            let page: ModelsPage = self.client.get("registered-models/search", &query)?;
            let received = page.registered_models.len();
            let new = page
                .registered_models
                .iter()
                .filter(|m| seen.insert(m.name.clone()))
                .count();
            out.extend(page.registered_models);
            match pager.next(page.next_page_token, received, asked, new)? {
                Some(t) => token = Some(t),
                None => return Ok(out),
            }
        }
    }

    fn search_versions(&self, filter: Option<&str>) -> Result<Vec<WireVersion>, StoreError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        let asked = self.page_size.unwrap_or(VERSIONS_PAGE);
        let size = asked.to_string();
        let mut pager = self.pager("model-versions/search");
        let mut seen = std::collections::HashSet::new();
        loop {
            let mut query = vec![("max_results", size.as_str())];
            if let Some(f) = filter {
                query.push(("filter", f));
            }
            if let Some(t) = &token {
                query.push(("page_token", t));
            }
            let page: VersionsPage = self.client.get("model-versions/search", &query)?;
            let received = page.model_versions.len();
            let new = page
                .model_versions
                .iter()
                .filter(|v| seen.insert((v.name.clone(), v.version.clone())))
                .count();
            out.extend(page.model_versions);
            match pager.next(page.next_page_token, received, asked, new)? {
                Some(t) => token = Some(t),
                None => return Ok(out),
            }
        }
    }

    fn read_registry(&self) -> Result<Registry, StoreError> {
        let shown = self.client.shown().to_string();
        let mut reg = Registry::default();
        let models = match self.search_models(None) {
            Ok(m) => m,
            Err(e) if is_missing_endpoint(&e) => {
                reg.warnings.push(Warning {
                    location: format!("{shown} (registered-models/search)"),
                    message: "this server has no model registry".into(),
                });
                return Ok(reg);
            }
            Err(e) => return Err(e),
        };
        // Servers leave prompts out of a plain search; ask for them on their own.
        let prompt_filter = format!("tags.`{TAG_IS_PROMPT}` = 'true'");
        let prompts = match self.search_models(Some(&prompt_filter)) {
            Ok(p) => p,
            Err(StoreError::Http {
                status: Some(400), ..
            }) => Vec::new(),
            Err(e) => return Err(e),
        };
        let mut seen = HashSet::new();
        let mut latest: Vec<WireVersion> = Vec::new();
        for mut wire in models.into_iter().chain(prompts) {
            latest.append(&mut wire.latest_versions);
            match wire.into_model() {
                Some(m) => {
                    if seen.insert(m.name.clone()) {
                        reg.models.push(m);
                    }
                }
                None => reg.warnings.push(Warning {
                    location: format!("{shown} (registered-models/search)"),
                    message: "a registered model without a name".into(),
                }),
            }
        }
        let mut versions: Vec<ModelVersion> = Vec::new();
        let mut have: HashSet<(String, String)> = HashSet::new();
        let mut push = |v: ModelVersion, versions: &mut Vec<ModelVersion>| {
            if have.insert((v.name.clone(), v.version.clone())) {
                versions.push(v);
            }
        };
        for w in self.search_versions(None)? {
            if let Some(v) = w.into_model() {
                push(v, &mut versions);
            }
        }
        // Prompt versions are left out of a plain search too: fetch them by name, and when
        // a server still hides them, one by one up to the latest.
        for model in reg.models.iter().filter(|m| m.is_prompt()) {
            if versions.iter().any(|v| v.name == model.name) {
                continue;
            }
            let filter = format!("name = '{}'", model.name.replace('\'', "\\'"));
            for w in self.search_versions(Some(&filter)).unwrap_or_default() {
                if let Some(v) = w.into_model() {
                    push(v, &mut versions);
                }
            }
            if versions.iter().any(|v| v.name == model.name) {
                continue;
            }
            let top = latest
                .iter()
                .filter(|v| v.name.as_deref() == Some(model.name.as_str()))
                .filter_map(|v| v.version.as_deref()?.parse::<u64>().ok())
                .max()
                .unwrap_or(0);
            for n in (1..=top.min(10_000)).rev() {
                let n = n.to_string();
                let got: Result<GetVersion, _> = self.client.get(
                    "model-versions/get",
                    &[("name", model.name.as_str()), ("version", n.as_str())],
                );
                if let Some(v) = got.ok().and_then(|g| g.model_version?.into_model()) {
                    push(v, &mut versions);
                }
            }
        }
        reg.versions = versions;
        Ok(reg.finish(&shown))
    }

    fn search_logged_models(
        &self,
        experiment_ids: &[String],
    ) -> Result<LoggedModelList, StoreError> {
        let mut list = LoggedModelList::default();
        let shown = self.client.shown().to_string();
        let size = self.page_size.unwrap_or(LOGGED_PAGE);
        for chunk in experiment_ids.chunks(EXPERIMENTS_PER_SEARCH) {
            let mut token: Option<String> = None;
            let mut pager = self.pager("logged-models/search");
            let mut seen = std::collections::HashSet::new();
            loop {
                let mut body = json!({"experiment_ids": chunk, "max_results": size});
                if let Some(t) = &token {
                    body["page_token"] = t.as_str().into();
                }
                let page: LoggedPage = match self.client.post("logged-models/search", &body) {
                    Ok(p) => p,
                    // A server older than MLflow 3 has no logged models.
                    Err(e) if is_missing_endpoint(&e) => return Ok(list),
                    Err(e) => return Err(e),
                };
                let received = page.models.len();
                let mut new = 0;
                for w in page.models {
                    match w.into_model() {
                        Some(m) if !seen.insert(m.model_id.clone()) => {}
                        Some(m) => {
                            new += 1;
                            list.models.push(m);
                        }
                        None => list.warnings.push(Warning {
                            location: format!("{shown} (logged-models/search)"),
                            message: "a logged model without model_id".into(),
                        }),
                    }
                }
                match pager.next(page.next_page_token, received, size, new)? {
                    Some(t) => token = Some(t),
                    None => break,
                }
            }
        }
        Ok(list.finish())
    }
}

impl Catalog for HttpStore {
    fn registry(&self) -> Result<Registry, StoreError> {
        self.read_registry()
    }

    fn logged_models(&self, experiments: &[Experiment]) -> Result<LoggedModelList, StoreError> {
        self.search_logged_models(&crate::store::experiment_ids(experiments))
    }

    fn logged_model(&self, model_id: &str) -> Result<LoggedModel, StoreError> {
        let endpoint = format!("logged-models/{}", super::client::encode(model_id));
        let not_found = || {
            StoreError::Unsupported(format!(
                "no logged model {model_id} on {}",
                self.client.shown()
            ))
        };
        let got: GetLogged = self.client.get(&endpoint, &[]).map_err(|e| match e {
            StoreError::Http {
                status: Some(404), ..
            } => not_found(),
            other => other,
        })?;
        got.model
            .and_then(WireLogged::into_model)
            .ok_or_else(not_found)
    }

    fn run_model_links(
        &self,
        experiment_id: &str,
        run_id: &str,
    ) -> Result<RunModelLinks, StoreError> {
        let _ = experiment_id;
        let got: GetRunLinks = self.client.get("runs/get", &[("run_id", run_id)])?;
        let mut links = RunModelLinks::default();
        for o in got.run.outputs.model_outputs {
            links.add_output(o.model_id.unwrap_or_default(), o.step.unwrap_or(0));
        }
        for i in got.run.inputs.model_inputs {
            links.add_input(i.model_id.unwrap_or_default());
        }
        Ok(links)
    }

    fn artifacts(
        &self,
        owner: &ArtifactOwner,
        extra_root: Option<&Path>,
    ) -> Result<ArtifactAccess, StoreError> {
        let _ = extra_root;
        Ok(ArtifactAccess::Readable(Box::new(
            super::artifacts::HttpRepo::new(self.client.clone(), owner.clone(), self.max_pages),
        )))
    }
}
