//! Building tables and JSON documents of runs and experiments from the index.

use serde_json::{Map, Value as Json, json};

use super::{Cell, Table, json_float};
use crate::index::group::{Group, GroupColumn};
use crate::index::{Column, RunIndex, Value};
use crate::model::{Experiment, Run};

/// Converts an index value into an owned cell.
pub fn cell(v: Value<'_>) -> Cell {
    match v {
        Value::Missing => Cell::Missing,
        Value::Text(s) => Cell::Text(s.to_string()),
        Value::Number(n) => Cell::Number(n),
        Value::Time(t) => Cell::Time(t),
        Value::Duration(d) => Cell::Duration(d),
        Value::Int(i) => Cell::Int(i),
    }
}

/// A table of `runs` with `columns`, one row per run, headers in `search_runs` spelling.
pub fn runs_table<'a>(
    runs: impl IntoIterator<Item = &'a Run>,
    columns: &[Column],
    now_ms: i64,
) -> Table {
    let mut t = Table::new(columns.iter().map(|c| c.name().into_owned()).collect());
    for run in runs {
        t.rows
            .push(columns.iter().map(|c| cell(c.value(run, now_ms))).collect());
    }
    t
}

/// A table of `groups` of `runs` (grouped by `by`), one row per group.
pub fn groups_table(
    groups: &[Group],
    runs: &[Run],
    by: &[Column],
    columns: &[GroupColumn],
    now_ms: i64,
) -> Table {
    let mut t = Table::new(columns.iter().map(GroupColumn::name).collect());
    for g in groups {
        t.rows.push(
            columns
                .iter()
                .map(|c| cell(c.value(g, runs, by, now_ms)))
                .collect(),
        );
    }
    t
}

/// The parameter importance table: `param, kind, runs, values, spearman, importance,
/// best, best_mean`.
pub fn importance_table(list: &[crate::index::importance::Importance]) -> Table {
    use crate::index::importance::ParamKind;
    let mut table = Table::new(
        [
            "param",
            "kind",
            "runs",
            "values",
            "spearman",
            "importance",
            "best",
            "best_mean",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    );
    for i in list {
        table.rows.push(vec![
            Cell::Text(format!("params.{}", i.param)),
            Cell::Text(
                match i.kind {
                    ParamKind::Numeric => "numeric",
                    ParamKind::Categorical => "categorical",
                }
                .into(),
            ),
            Cell::Int(i.runs as i64),
            Cell::Int(i.values as i64),
            i.spearman.map_or(Cell::Missing, Cell::Number),
            Cell::Number(i.importance),
            if i.best.is_empty() {
                Cell::Missing
            } else {
                Cell::Text(i.best.clone())
            },
            Cell::Number(i.best_mean),
        ]);
    }
    table
}

fn string_map(m: &std::collections::BTreeMap<String, String>) -> Json {
    Json::Object(
        m.iter()
            .map(|(k, v)| (k.clone(), Json::String(v.clone())))
            .collect(),
    )
}

fn opt_int(v: Option<i64>) -> Json {
    v.map_or(Json::Null, Json::from)
}

/// One run in the JSON shape of `search_runs` (keys in its DataFrame's order: run_id,
/// experiment_id, status, artifact_uri, start_time, end_time, metrics, params, tags), plus
/// run_name, lifecycle_stage, user_id, per-metric summaries and datasets.
pub fn run_json(run: &Run) -> Json {
    let metrics: Map<String, Json> = run
        .metrics
        .iter()
        .map(|(k, m)| (k.clone(), json_float(m.latest.value)))
        .collect();
    let summaries: Map<String, Json> = run
        .metrics
        .iter()
        .map(|(k, m)| {
            let v = json!({
                "latest": json_float(m.latest.value),
                "step": m.latest.step,
                "timestamp": m.latest.timestamp,
                "min": json_float(m.min),
                "max": json_float(m.max),
                "count": m.count,
            });
            (k.clone(), v)
        })
        .collect();
    let datasets: Vec<Json> = run
        .datasets
        .iter()
        .map(|d| {
            json!({"name": d.name, "digest": d.digest, "context": d.context,
                   "source_type": d.source_type, "source": d.source})
        })
        .collect();
    // search_runs' DataFrame order first, then what it leaves out or mltui adds.
    json!({
        "run_id": run.run_id,
        "experiment_id": run.experiment_id,
        "status": run.status.as_str(),
        "artifact_uri": run.artifact_uri,
        "start_time": opt_int(run.start_time),
        "end_time": opt_int(run.end_time),
        "metrics": Json::Object(metrics),
        "params": string_map(&run.params),
        "tags": string_map(&run.tags),
        "run_name": run.run_name,
        "lifecycle_stage": run.lifecycle.as_str(),
        "user_id": run.user_id,
        "metric_summaries": Json::Object(summaries),
        "datasets": datasets,
    })
}

/// Runs as a JSON array.
pub fn runs_json<'a>(runs: impl IntoIterator<Item = &'a Run>) -> Json {
    Json::Array(runs.into_iter().map(run_json).collect())
}

/// Experiments as a JSON array, with active and deleted run counts from the index.
pub fn experiments_json(index: &RunIndex, experiments: &[&Experiment]) -> Json {
    Json::Array(
        experiments
            .iter()
            .map(|e| {
                json!({
                    "experiment_id": e.experiment_id,
                    "name": e.name,
                    "lifecycle_stage": e.lifecycle.as_str(),
                    "artifact_location": e.artifact_location,
                    "creation_time": opt_int(e.creation_time),
                    "last_update_time": opt_int(e.last_update_time),
                    "tags": string_map(&e.tags),
                    "run_count": index.run_count(&e.experiment_id).active,
                    "deleted_run_count": index.run_count(&e.experiment_id).deleted,
                })
            })
            .collect(),
    )
}

/// Experiments as a table.
pub fn experiments_table(index: &RunIndex, experiments: &[&Experiment]) -> Table {
    let headers = [
        "experiment_id",
        "name",
        "lifecycle_stage",
        "run_count",
        "deleted_run_count",
        "creation_time",
        "last_update_time",
        "artifact_location",
    ];
    let mut t = Table::new(headers.iter().map(|s| s.to_string()).collect());
    let time = |v: Option<i64>| v.map_or(Cell::Missing, Cell::Time);
    for e in experiments {
        t.rows.push(vec![
            Cell::Text(e.experiment_id.clone()),
            Cell::Text(e.name.clone()),
            Cell::Text(e.lifecycle.as_str().into()),
            Cell::Int(index.run_count(&e.experiment_id).active as i64),
            Cell::Int(index.run_count(&e.experiment_id).deleted as i64),
            time(e.creation_time),
            time(e.last_update_time),
            Cell::Text(e.artifact_location.clone()),
        ]);
    }
    t
}
