//! The JSON shapes of MLflow's REST API (every field optional, as the server leaves out empty
//! ones) and their mapping to `crate::model`: statuses, NaN/±inf, key-value lists, datasets.
//! Lists inside a run fold straight into maps while they are read, and every scalar is read
//! leniently (see `decode`), so a hostile answer costs no more than the data it carries.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

use super::decode::{fold_list, lenient_i64, lenient_string, metric_value};
use crate::model::{
    DatasetInput, Experiment, Lifecycle, MetricPoint, MetricSummary, Run, RunStatus, TAG_RUN_NAME,
    Text,
};
use crate::store::sqlite::unclamp;

const TAG_DATA_CONTEXT: &str = "mlflow.data.context";

/// A whole `experiments/search` page (tests and fuzzing compare the streamed decoding
/// against it).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExperimentsPage {
    pub experiments: Vec<WireExperiment>,
    #[serde(deserialize_with = "lenient_string")]
    pub next_page_token: Option<String>,
}

/// A whole `runs/search` page (see [`ExperimentsPage`]).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RunsPage {
    pub runs: Vec<WireRun>,
    #[serde(deserialize_with = "lenient_string")]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GetRun {
    pub run: Option<WireRun>,
}

/// A whole metrics page (see [`ExperimentsPage`]).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MetricsPage {
    pub metrics: Vec<WireMetric>,
    #[serde(deserialize_with = "lenient_string")]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct KeyValue {
    #[serde(deserialize_with = "lenient_string")]
    pub key: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub value: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WireExperiment {
    #[serde(deserialize_with = "lenient_string")]
    pub experiment_id: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub artifact_location: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub lifecycle_stage: Option<String>,
    #[serde(deserialize_with = "lenient_i64")]
    pub creation_time: Option<i64>,
    #[serde(deserialize_with = "lenient_i64")]
    pub last_update_time: Option<i64>,
    #[serde(deserialize_with = "kv_map")]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WireRun {
    pub info: RunInfo,
    pub data: RunData,
    pub inputs: RunInputs,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RunInfo {
    #[serde(deserialize_with = "lenient_string")]
    pub run_id: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub run_uuid: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub run_name: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub experiment_id: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub user_id: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub status: Option<String>,
    #[serde(deserialize_with = "lenient_i64")]
    pub start_time: Option<i64>,
    #[serde(deserialize_with = "lenient_i64")]
    pub end_time: Option<i64>,
    #[serde(deserialize_with = "lenient_string")]
    pub artifact_uri: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub lifecycle_stage: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RunData {
    /// The latest value of each metric (the server sends only that).
    #[serde(deserialize_with = "metric_map")]
    pub metrics: BTreeMap<Text, MetricSummary>,
    #[serde(deserialize_with = "kv_map")]
    pub params: BTreeMap<Text, Text>,
    #[serde(deserialize_with = "kv_map")]
    pub tags: BTreeMap<Text, Text>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RunInputs {
    #[serde(deserialize_with = "dataset_inputs")]
    pub dataset_inputs: Vec<DatasetInput>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WireDatasetInput {
    #[serde(deserialize_with = "kv_map")]
    pub tags: BTreeMap<String, String>,
    pub dataset: WireDataset,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WireDataset {
    #[serde(deserialize_with = "lenient_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub digest: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub source_type: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub source: Option<String>,
}

/// One metric value: `{key, value, timestamp, step}`, plus `run_id` from the bulk endpoint.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WireMetric {
    #[serde(deserialize_with = "lenient_string")]
    pub key: Option<String>,
    #[serde(deserialize_with = "metric_value")]
    pub value: f64,
    #[serde(deserialize_with = "lenient_i64")]
    pub timestamp: Option<i64>,
    #[serde(deserialize_with = "lenient_i64")]
    pub step: Option<i64>,
    #[serde(deserialize_with = "lenient_string")]
    pub run_id: Option<String>,
}

impl WireMetric {
    /// The point, with MLflow's SQL clamping of ±inf undone.
    pub fn point(&self) -> MetricPoint {
        MetricPoint {
            step: self.step.unwrap_or(0),
            timestamp: self.timestamp.unwrap_or(0),
            value: unclamp(self.value),
        }
    }
}

/// The `error_code`/`message` body of an MLflow error response.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ErrorBody {
    #[serde(deserialize_with = "lenient_string")]
    pub error_code: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub message: Option<String>,
}

/// A `[{key, value}]` list as a map; entries without a key are dropped as they are read.
fn kv_map<'de, D, K, V>(d: D) -> Result<BTreeMap<K, V>, D::Error>
where
    D: Deserializer<'de>,
    K: Ord + for<'a> From<&'a str>,
    V: for<'a> From<&'a str>,
{
    fold_list(d, |map: &mut BTreeMap<K, V>, kv: KeyValue| {
        if let Some(key) = kv.key {
            map.insert(
                K::from(key.as_str()),
                V::from(kv.value.as_deref().unwrap_or_default()),
            );
        }
    })
}

/// A run's metrics list as the latest point per key (MLflow's rule picks among repeats).
///
/// The server sends only the latest value of each metric, so summaries have that point,
/// `count: None` and NaN extremes.
fn metric_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<Text, MetricSummary>, D::Error> {
    fold_list(
        d,
        |map: &mut BTreeMap<Text, MetricSummary>, m: WireMetric| {
            let p = m.point();
            let Some(key) = m.key else { return };
            let summary = MetricSummary {
                latest: p,
                min: f64::NAN,
                max: f64::NAN,
                count: None,
            };
            match map.get_mut(key.as_str()) {
                Some(s) if !p.supersedes(&s.latest) => {}
                _ => {
                    map.insert(key.into(), summary);
                }
            }
        },
    )
}

/// Dataset inputs, each joined with its context tag; inputs naming no dataset are dropped.
fn dataset_inputs<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<DatasetInput>, D::Error> {
    fold_list(d, |out: &mut Vec<DatasetInput>, input: WireDatasetInput| {
        let d = input.dataset;
        if d.name.is_none() && d.digest.is_none() {
            return;
        }
        out.push(DatasetInput {
            name: d.name.unwrap_or_default(),
            digest: d.digest.unwrap_or_default(),
            context: input.tags.get(TAG_DATA_CONTEXT).cloned(),
            source_type: d.source_type.unwrap_or_default(),
            source: d.source.unwrap_or_default(),
        });
    })
}

/// A `[{key, value}]` list already read as items, as a map (entries without a key dropped).
pub(super) fn to_map(list: Vec<KeyValue>) -> BTreeMap<String, String> {
    list.into_iter()
        .filter_map(|kv| Some((kv.key?, kv.value.unwrap_or_default())))
        .collect()
}

impl WireExperiment {
    /// `None` for an experiment without an id.
    pub fn into_model(self) -> Option<Experiment> {
        Some(Experiment {
            experiment_id: self.experiment_id.filter(|id| !id.is_empty())?,
            name: self.name.unwrap_or_default(),
            lifecycle: Lifecycle::parse(self.lifecycle_stage.as_deref().unwrap_or_default()),
            artifact_location: self.artifact_location.unwrap_or_default(),
            creation_time: self.creation_time,
            last_update_time: self.last_update_time,
            tags: self.tags,
        })
    }
}

impl WireRun {
    /// The run as mltui models it; `Err` says why a run cannot be used (a warning).
    pub fn into_model(self) -> Result<Run, String> {
        let info = self.info;
        let run_id = info
            .run_id
            .filter(|id| !id.is_empty())
            .or(info.run_uuid.filter(|id| !id.is_empty()))
            .ok_or("a run without run_id")?;
        let status_text = info.status.unwrap_or_default();
        let status = if status_text.is_empty() {
            RunStatus::Running
        } else {
            RunStatus::from_name(&status_text).ok_or_else(|| {
                let shown: String = status_text.chars().take(40).collect();
                format!("run {run_id}: unknown status {shown:?}")
            })?
        };
        let tags = self.data.tags;
        let mut datasets = self.inputs.dataset_inputs;
        datasets.sort_by(|a, b| (&a.name, &a.digest).cmp(&(&b.name, &b.digest)));
        let run_name = info
            .run_name
            .filter(|n| !n.is_empty())
            .or_else(|| tags.get(TAG_RUN_NAME).map(|t| t.to_string()))
            .unwrap_or_default();
        Ok(Run {
            run_id,
            run_name,
            experiment_id: info.experiment_id.unwrap_or_default(),
            status,
            lifecycle: Lifecycle::parse(info.lifecycle_stage.as_deref().unwrap_or_default()),
            user_id: info.user_id.unwrap_or_default(),
            start_time: info.start_time,
            end_time: info.end_time,
            artifact_uri: info.artifact_uri.unwrap_or_default(),
            params: self.data.params.into_iter().collect(),
            tags: tags.into_iter().collect(),
            metrics: self.data.metrics.into_iter().collect(),
            datasets,
            aggregates: Default::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUN: &str = r#"{"run":{"info":{"run_uuid":"27b2","run_id":"27b2","experiment_id":"1",
      "user_id":"root","status":"FINISHED","start_time":1795721835642,"end_time":1795721859420,
      "artifact_uri":"mlflow-artifacts:/1/27b2/artifacts","lifecycle_stage":"active"},
     "data":{"metrics":[{"key":"loss","value":0.0424,"timestamp":1795721859064,"step":299},
                        {"key":"weird","value":"NaN","timestamp":1795721859200,"step":0},
                        {"key":"weird_inf","value":1.7976931348623157e+308,"timestamp":1,"step":0},
                        {"key":"neg_inf","value":-1.7976931348623157e+308,"timestamp":1,"step":0},
                        {"key":"proto_inf","value":"-Infinity","timestamp":"7","step":"3"}],
             "params":[{"key":"batch size","value":"64"},{"key":"empty"}],
             "tags":[{"key":"mlflow.runName","value":"run-1"},
                     {"key":"mlflow.parentRunId","value":"p"}]},
     "inputs":{"dataset_inputs":[{"tags":[{"key":"mlflow.data.context","value":"training"}],
       "dataset":{"name":"toy","digest":"b2892d90","source_type":"code","source":"s"}},
       {"dataset":{"name":"aaa","digest":"1"}}]},
     "outputs":{"model_outputs":[{"model_id":"m-1eed","step":0}]}}}"#;

    #[test]
    fn a_run_maps_to_the_model() {
        let got: GetRun = serde_json::from_str(RUN).expect("json");
        let run = got.run.expect("run").into_model().expect("model");
        assert_eq!(run.run_id, "27b2");
        assert_eq!(run.run_name, "run-1", "falls back to mlflow.runName");
        assert_eq!(run.status, RunStatus::Finished);
        assert_eq!(run.end_time, Some(1795721859420));
        assert_eq!(run.parent_id(), Some("p"));
        assert_eq!(run.params["batch size"], "64");
        assert_eq!(run.params["empty"], "");
        let m = |k: &str| run.metrics[k];
        assert_eq!(m("loss").latest.step, 299);
        assert_eq!(m("loss").count, None);
        assert!(m("loss").min.is_nan() && m("loss").max.is_nan());
        assert!(m("weird").latest.value.is_nan());
        assert_eq!(m("weird_inf").latest.value, f64::INFINITY);
        assert_eq!(m("neg_inf").latest.value, f64::NEG_INFINITY);
        assert_eq!(m("proto_inf").latest.value, f64::NEG_INFINITY);
        assert_eq!(
            (m("proto_inf").latest.step, m("proto_inf").latest.timestamp),
            (3, 7)
        );
        assert_eq!(run.datasets.len(), 2);
        assert_eq!(run.datasets[0].name, "aaa");
        assert_eq!(run.datasets[0].context, None);
        assert_eq!(run.datasets[1].context.as_deref(), Some("training"));
        assert_eq!(run.datasets[1].source_type, "code");
    }

    #[test]
    fn missing_fields_are_defaults_and_running_runs_have_no_end() {
        let r: WireRun = serde_json::from_str(
            r#"{"info":{"run_id":"x","run_name":"n","status":"RUNNING","start_time":5}}"#,
        )
        .expect("json");
        let run = r.into_model().expect("model");
        assert_eq!(run.status, RunStatus::Running);
        assert_eq!((run.start_time, run.end_time), (Some(5), None));
        assert_eq!(run.lifecycle, Lifecycle::Active);
        assert!(run.metrics.is_empty() && run.params.is_empty());
        let page: RunsPage = serde_json::from_str("{}").expect("json");
        assert!(page.runs.is_empty() && page.next_page_token.is_none());
    }

    #[test]
    fn bad_runs_are_reasons_not_panics() {
        let r: WireRun = serde_json::from_str(r#"{"info":{"status":"FINISHED"}}"#).expect("json");
        assert!(r.into_model().is_err());
        let r: WireRun =
            serde_json::from_str(r#"{"info":{"run_id":"a","status":"EXPLODED"}}"#).expect("json");
        let e = r.into_model().expect_err("status");
        assert!(e.contains("EXPLODED"), "{e}");
    }

    #[test]
    fn experiments_map_with_tags() {
        let page: ExperimentsPage = serde_json::from_str(
            r#"{"experiments":[{"experiment_id":"0","name":"Default","artifact_location":"a",
                "lifecycle_stage":"deleted","creation_time":1,"last_update_time":2,
                "tags":[{"key":"team","value":"x"}],"workspace":"default"},{"experiment_id":7}],
                "next_page_token":"eyJvZmZzZXQiOiAyfQ=="}"#,
        )
        .expect("json");
        let exps: Vec<Experiment> = page
            .experiments
            .into_iter()
            .filter_map(WireExperiment::into_model)
            .collect();
        assert_eq!(exps[0].lifecycle, Lifecycle::Deleted);
        assert_eq!(exps[0].tags["team"], "x");
        assert_eq!(exps[1].experiment_id, "7");
        assert_eq!(
            page.next_page_token.as_deref(),
            Some("eyJvZmZzZXQiOiAyfQ==")
        );
    }
}
