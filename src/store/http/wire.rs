//! The JSON shapes of MLflow's REST API (every field optional, as the server leaves out empty
//! ones) and their mapping to `crate::model`: statuses, NaN/±inf, key-value lists, datasets.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

use crate::model::{
    DatasetInput, Experiment, Lifecycle, MetricPoint, MetricSummary, Run, RunStatus, TAG_RUN_NAME,
};
use crate::store::sqlite::unclamp;

const TAG_DATA_CONTEXT: &str = "mlflow.data.context";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExperimentsPage {
    pub experiments: Vec<WireExperiment>,
    pub next_page_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RunsPage {
    pub runs: Vec<WireRun>,
    pub next_page_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GetRun {
    pub run: Option<WireRun>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MetricsPage {
    pub metrics: Vec<WireMetric>,
    pub next_page_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct KeyValue {
    pub key: Option<String>,
    pub value: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WireExperiment {
    #[serde(deserialize_with = "lenient_string")]
    pub experiment_id: Option<String>,
    pub name: Option<String>,
    pub artifact_location: Option<String>,
    pub lifecycle_stage: Option<String>,
    #[serde(deserialize_with = "lenient_i64")]
    pub creation_time: Option<i64>,
    #[serde(deserialize_with = "lenient_i64")]
    pub last_update_time: Option<i64>,
    pub tags: Vec<KeyValue>,
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
    pub run_id: Option<String>,
    pub run_uuid: Option<String>,
    pub run_name: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    pub experiment_id: Option<String>,
    pub user_id: Option<String>,
    pub status: Option<String>,
    #[serde(deserialize_with = "lenient_i64")]
    pub start_time: Option<i64>,
    #[serde(deserialize_with = "lenient_i64")]
    pub end_time: Option<i64>,
    pub artifact_uri: Option<String>,
    pub lifecycle_stage: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RunData {
    pub metrics: Vec<WireMetric>,
    pub params: Vec<KeyValue>,
    pub tags: Vec<KeyValue>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RunInputs {
    pub dataset_inputs: Vec<WireDatasetInput>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WireDatasetInput {
    pub tags: Vec<KeyValue>,
    pub dataset: WireDataset,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WireDataset {
    pub name: Option<String>,
    pub digest: Option<String>,
    pub source_type: Option<String>,
    pub source: Option<String>,
}

/// One metric value: `{key, value, timestamp, step}`, plus `run_id` from the bulk endpoint.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WireMetric {
    pub key: Option<String>,
    #[serde(deserialize_with = "metric_value")]
    pub value: f64,
    #[serde(deserialize_with = "lenient_i64")]
    pub timestamp: Option<i64>,
    #[serde(deserialize_with = "lenient_i64")]
    pub step: Option<i64>,
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
    pub error_code: Option<String>,
    pub message: Option<String>,
}

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
            tags: to_map(self.tags),
        })
    }
}

impl WireRun {
    /// The run as mltui models it; `Err` says why a run cannot be used (a warning).
    ///
    /// The server sends only the latest value of each metric, so summaries have the latest
    /// point, `count: None` and NaN extremes.
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
            RunStatus::from_name(&status_text)
                .ok_or_else(|| format!("run {run_id}: unknown status {status_text:?}"))?
        };
        let tags = to_map(self.data.tags);
        let mut metrics: BTreeMap<String, MetricSummary> = BTreeMap::new();
        for m in self.data.metrics {
            let p = m.point();
            let Some(key) = m.key else { continue };
            let summary = MetricSummary {
                latest: p,
                min: f64::NAN,
                max: f64::NAN,
                count: None,
            };
            match metrics.get_mut(&key) {
                Some(s) if !p.supersedes(&s.latest) => {}
                _ => {
                    metrics.insert(key, summary);
                }
            }
        }
        let mut datasets: Vec<DatasetInput> = self
            .inputs
            .dataset_inputs
            .into_iter()
            .map(|input| {
                let context = input
                    .tags
                    .into_iter()
                    .find(|t| t.key.as_deref() == Some(TAG_DATA_CONTEXT))
                    .and_then(|t| t.value);
                let d = input.dataset;
                DatasetInput {
                    name: d.name.unwrap_or_default(),
                    digest: d.digest.unwrap_or_default(),
                    context,
                    source_type: d.source_type.unwrap_or_default(),
                    source: d.source.unwrap_or_default(),
                }
            })
            .collect();
        datasets.sort_by(|a, b| (&a.name, &a.digest).cmp(&(&b.name, &b.digest)));
        let run_name = info
            .run_name
            .filter(|n| !n.is_empty())
            .or_else(|| tags.get(TAG_RUN_NAME).cloned())
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
            params: to_map(self.data.params),
            tags,
            metrics,
            datasets,
            aggregates: Default::default(),
        })
    }
}

/// A string, or a number sent where a string id was expected.
pub(super) fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum S {
        Text(String),
        Int(i64),
        Float(f64),
    }
    Ok(match Option::<S>::deserialize(d)? {
        Some(S::Text(s)) => Some(s),
        Some(S::Int(i)) => Some(i.to_string()),
        Some(S::Float(f)) => Some(f.to_string()),
        None => None,
    })
}

/// An int64: a JSON number, or a decimal string (as MLflow's GraphQL and proto-JSON may send).
pub(super) fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        Int(i64),
        Float(f64),
        Text(String),
    }
    Ok(match Option::<N>::deserialize(d)? {
        Some(N::Int(i)) => Some(i),
        Some(N::Float(f)) if f.is_finite() => Some(f as i64),
        Some(N::Text(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// A metric value: a JSON number, or `"NaN"`, `"Infinity"`, `"-Infinity"` (proto JSON).
pub(super) fn metric_value<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum V {
        Num(f64),
        Text(String),
    }
    Ok(match Option::<V>::deserialize(d)? {
        Some(V::Num(v)) => v,
        Some(V::Text(s)) => match s.trim() {
            "Infinity" | "inf" | "+Infinity" => f64::INFINITY,
            "-Infinity" | "-inf" => f64::NEG_INFINITY,
            other => other.parse().unwrap_or(f64::NAN),
        },
        None => f64::NAN,
    })
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
