//! Tables and JSON documents of registered models, model versions, logged models and
//! artifact listings. JSON uses MLflow's REST field names (`current_stage`, `run_id`,
//! `model_id`, `source_run_id`, `is_dir`, `file_size`, …), with tags and params as objects.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json, json};

use super::{Cell, Table, json_float};
use crate::store::artifacts::ArtifactEntry;
use crate::store::registry::{LoggedModel, ModelVersion, RegisteredModel, Registry};

fn string_map(m: &BTreeMap<String, String>) -> Json {
    Json::Object(
        m.iter()
            .map(|(k, v)| (k.clone(), Json::String(v.clone())))
            .collect(),
    )
}

fn opt_str(v: &Option<String>) -> Json {
    v.as_ref().map_or(Json::Null, |s| Json::String(s.clone()))
}

fn opt_int(v: Option<i64>) -> Json {
    v.map_or(Json::Null, Json::from)
}

fn opt_text(v: &Option<String>) -> Cell {
    v.as_ref()
        .filter(|s| !s.is_empty())
        .map_or(Cell::Missing, |s| Cell::Text(s.clone()))
}

fn opt_time(v: Option<i64>) -> Cell {
    v.map_or(Cell::Missing, Cell::Time)
}

/// `k=v, k2=v2`.
fn pairs(m: &BTreeMap<String, String>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One model version as the REST API's `ModelVersion`.
pub fn version_json(v: &ModelVersion) -> Json {
    json!({
        "name": v.name,
        "version": v.version,
        "creation_timestamp": opt_int(v.creation_timestamp),
        "last_updated_timestamp": opt_int(v.last_updated_timestamp),
        "user_id": opt_str(&v.user_id),
        "current_stage": v.current_stage,
        "description": opt_str(&v.description),
        "source": opt_str(&v.source),
        "run_id": opt_str(&v.run_id),
        "status": opt_str(&v.status),
        "status_message": opt_str(&v.status_message),
        "run_link": opt_str(&v.run_link),
        "tags": string_map(&v.tags),
        "aliases": v.aliases,
        "model_id": opt_str(&v.model_id),
    })
}

/// One registered model as the REST API's `RegisteredModel` (aliases as `{alias: version}`,
/// `latest_versions` by version number).
pub fn registered_model_json(reg: &Registry, m: &RegisteredModel) -> Json {
    let latest: Vec<Json> = reg
        .latest_versions(&m.name)
        .into_iter()
        .map(version_json)
        .collect();
    json!({
        "name": m.name,
        "creation_timestamp": opt_int(m.creation_timestamp),
        "last_updated_timestamp": opt_int(m.last_updated_timestamp),
        "description": opt_str(&m.description),
        "tags": string_map(&m.tags),
        "aliases": string_map(&m.aliases),
        "latest_versions": latest,
    })
}

pub fn registered_models_json(reg: &Registry, models: &[&RegisteredModel]) -> Json {
    Json::Array(
        models
            .iter()
            .map(|m| registered_model_json(reg, m))
            .collect(),
    )
}

pub fn versions_json(versions: &[&ModelVersion]) -> Json {
    Json::Array(versions.iter().map(|v| version_json(v)).collect())
}

/// Stage counts of a model's versions: `Production:1 Staging:1 Archived:1`.
pub fn stage_counts(versions: &[&ModelVersion]) -> String {
    let order = ["Production", "Staging", "Archived", "None"];
    let mut counts: BTreeMap<usize, (String, usize)> = BTreeMap::new();
    for v in versions {
        let rank = order
            .iter()
            .position(|s| s.eq_ignore_ascii_case(&v.current_stage))
            .unwrap_or(order.len());
        let slot = counts
            .entry(rank)
            .or_insert_with(|| (v.current_stage.clone(), 0));
        slot.1 += 1;
    }
    counts
        .into_values()
        .map(|(stage, n)| format!("{stage}:{n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Aliases as `champion→2 challenger→3`.
pub fn alias_list(m: &RegisteredModel) -> String {
    let mut v: Vec<(&String, &String)> = m.aliases.iter().collect();
    v.sort_by(|a, b| a.1.cmp(b.1).then(a.0.cmp(b.0)));
    v.iter()
        .map(|(a, ver)| format!("{a}→{ver}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The highest version number of a model, if it has versions.
pub fn latest_version(reg: &Registry, name: &str) -> Option<String> {
    reg.versions_of(name).first().map(|v| v.version.clone())
}

/// A table of registered models: name, latest version, aliases, stage counts, versions,
/// tags, description and last update.
pub fn registered_models_table(reg: &Registry, models: &[&RegisteredModel]) -> Table {
    let mut t = Table::new(
        [
            "name",
            "latest_version",
            "aliases",
            "stages",
            "versions",
            "tags",
            "description",
            "last_updated_timestamp",
        ]
        .map(String::from)
        .to_vec(),
    );
    for m in models {
        let versions = reg.versions_of(&m.name);
        t.rows.push(vec![
            Cell::Text(m.name.clone()),
            latest_version(reg, &m.name).map_or(Cell::Missing, Cell::Text),
            Cell::Text(alias_list(m)),
            Cell::Text(stage_counts(&versions)),
            Cell::Int(versions.len() as i64),
            Cell::Text(pairs(&m.tags)),
            opt_text(&m.description),
            opt_time(m.last_updated_timestamp),
        ]);
    }
    t
}

/// A table of model versions.
pub fn versions_table(versions: &[&ModelVersion]) -> Table {
    let mut t = Table::new(
        [
            "name",
            "version",
            "current_stage",
            "aliases",
            "status",
            "run_id",
            "model_id",
            "source",
            "creation_timestamp",
            "tags",
            "description",
        ]
        .map(String::from)
        .to_vec(),
    );
    for v in versions {
        t.rows.push(vec![
            Cell::Text(v.name.clone()),
            Cell::Text(v.version.clone()),
            Cell::Text(v.current_stage.clone()),
            Cell::Text(v.aliases.join(" ")),
            opt_text(&v.status),
            opt_text(&v.run_id),
            v.logged_model_id().map_or(Cell::Missing, Cell::Text),
            opt_text(&v.source),
            opt_time(v.creation_timestamp),
            Cell::Text(pairs(&v.tags)),
            opt_text(&v.description),
        ]);
    }
    t
}

/// One logged model with the REST API's field names (`info` and `data` flattened).
pub fn logged_model_json(m: &LoggedModel) -> Json {
    let metrics: Vec<Json> = m
        .metrics
        .iter()
        .map(|x| {
            json!({
                "key": x.key,
                "value": json_float(x.value),
                "timestamp": x.timestamp,
                "step": x.step,
                "run_id": opt_str(&x.run_id),
                "dataset_name": opt_str(&x.dataset_name),
                "dataset_digest": opt_str(&x.dataset_digest),
            })
        })
        .collect();
    let mut o = Map::new();
    o.insert("model_id".into(), json!(m.model_id));
    o.insert("experiment_id".into(), json!(m.experiment_id));
    o.insert("name".into(), json!(m.name));
    o.insert(
        "creation_timestamp_ms".into(),
        opt_int(m.creation_timestamp),
    );
    o.insert(
        "last_updated_timestamp_ms".into(),
        opt_int(m.last_updated_timestamp),
    );
    o.insert("artifact_uri".into(), json!(m.artifact_uri));
    o.insert("status".into(), json!(m.status.as_str()));
    o.insert("model_type".into(), opt_str(&m.model_type));
    o.insert("source_run_id".into(), opt_str(&m.source_run_id));
    o.insert("status_message".into(), opt_str(&m.status_message));
    o.insert("tags".into(), string_map(&m.tags));
    o.insert("params".into(), string_map(&m.params));
    o.insert("metrics".into(), Json::Array(metrics));
    Json::Object(o)
}

pub fn logged_models_json(models: &[&LoggedModel]) -> Json {
    Json::Array(models.iter().map(|m| logged_model_json(m)).collect())
}

/// A table of logged models: attributes, then one column per metric (latest value; a value
/// logged against a dataset is `metrics.acc (holdout)`) and per param.
pub fn logged_models_table(models: &[&LoggedModel]) -> Table {
    let summaries: Vec<_> = models.iter().map(|m| m.metric_summaries()).collect();
    let mut metric_keys: Vec<&String> = summaries.iter().flat_map(|s| s.keys()).collect();
    metric_keys.sort();
    metric_keys.dedup();
    let mut param_keys: Vec<&String> = models.iter().flat_map(|m| m.params.keys()).collect();
    param_keys.sort();
    param_keys.dedup();
    let mut headers: Vec<String> = [
        "model_id",
        "name",
        "experiment_id",
        "status",
        "model_type",
        "source_run_id",
        "creation_timestamp_ms",
    ]
    .map(String::from)
    .to_vec();
    headers.extend(metric_keys.iter().map(|k| format!("metrics.{k}")));
    headers.extend(param_keys.iter().map(|k| format!("params.{k}")));
    let mut t = Table::new(headers);
    for (m, sums) in models.iter().zip(&summaries) {
        let mut row = vec![
            Cell::Text(m.model_id.clone()),
            Cell::Text(m.name.clone()),
            Cell::Text(m.experiment_id.clone()),
            Cell::Text(m.status.short().to_string()),
            opt_text(&m.model_type),
            opt_text(&m.source_run_id),
            opt_time(m.creation_timestamp),
        ];
        row.extend(metric_keys.iter().map(|k| {
            sums.get(*k)
                .map_or(Cell::Missing, |s| Cell::Number(s.latest.value))
        }));
        row.extend(param_keys.iter().map(|k| {
            m.params
                .get(*k)
                .map_or(Cell::Missing, |v| Cell::Text(v.clone()))
        }));
        t.rows.push(row);
    }
    t
}

/// Artifact entries as MLflow's `FileInfo` (`file_size` null for folders).
pub fn artifacts_json(entries: &[ArtifactEntry]) -> Json {
    Json::Array(
        entries
            .iter()
            .map(|e| {
                json!({
                    "path": e.path,
                    "is_dir": e.is_dir,
                    "file_size": e.file_size.map_or(Json::Null, Json::from),
                })
            })
            .collect(),
    )
}

pub fn artifacts_table(entries: &[ArtifactEntry]) -> Table {
    let mut t = Table::new(["path", "is_dir", "file_size"].map(String::from).to_vec());
    for e in entries {
        let path = match &e.link {
            Some(target) => format!("{} -> {target} (link not followed)", e.path),
            None if e.is_dir => format!("{}/", e.path),
            None => e.path.clone(),
        };
        t.rows.push(vec![
            Cell::Text(path),
            Cell::Text(e.is_dir.to_string()),
            e.file_size
                .map_or(Cell::Missing, |s| Cell::Int(s.min(i64::MAX as u64) as i64)),
        ]);
    }
    t
}
