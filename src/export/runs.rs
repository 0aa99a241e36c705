//! Building tables and JSON documents of runs and experiments from the index.

use serde_json::{Map, Value as Json, json};

use super::{Cell, Table, json_float};
use crate::index::group::{Group, GroupColumn};
use crate::index::{Column, RunIndex, Value};
use crate::model::{Experiment, Run, Text};

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

/// Writes the CSV of [`runs_table`] row by row, straight from the runs: the same bytes
/// without a copy of every value in memory (a 100,000-run export holds millions of them).
pub fn write_runs_csv(
    runs: &[&Run],
    columns: &[Column],
    now_ms: i64,
    target: super::Target,
    out: &mut dyn std::io::Write,
) -> Result<(), csv::Error> {
    use std::borrow::Cow;
    let terminal = target == super::Target::Terminal;
    let show = |s: Cow<'_, str>| -> Vec<u8> {
        if terminal {
            crate::text::sanitize(&s).into_owned().into_bytes()
        } else {
            s.into_owned().into_bytes()
        }
    };
    // As pandas: milliseconds only in a time column with some time off a whole second (only
    // the start and end time attributes hold times).
    let millis: Vec<bool> = columns
        .iter()
        .map(|c| {
            matches!(c, Column::Attr(_))
                && runs.iter().any(|r| match c.value(r, now_ms) {
                    Value::Time(t) => t.rem_euclid(1000) != 0,
                    _ => false,
                })
        })
        .collect();
    // Metric, param and tag columns in key order (as `search_runs` lists them) are found
    // by walking each run's sorted maps alongside, not by a lookup per cell.
    let ascending = |key: fn(&Column) -> Option<&str>| {
        let keys: Vec<&str> = columns.iter().filter_map(key).collect();
        keys.windows(2).all(|w| w[0] < w[1])
    };
    let walk_metrics = ascending(|c| match c {
        Column::Metric(k) => Some(k),
        _ => None,
    });
    let walk_params = ascending(|c| match c {
        Column::Param(k) => Some(k),
        _ => None,
    });
    let walk_tags = ascending(|c| match c {
        Column::Tag(k) => Some(k),
        _ => None,
    });
    let mut w = csv::Writer::from_writer(out);
    w.write_record(columns.iter().map(|c| show(c.name())))?;
    for run in runs {
        let mut metrics = run.metrics.iter().peekable();
        let mut params = run.params.iter().peekable();
        let mut tags = run.tags.iter().peekable();
        for (c, &m) in columns.iter().zip(&millis) {
            let value = match c {
                Column::Metric(k) if walk_metrics => {
                    seek(&mut metrics, k).map_or(Value::Missing, |s| Value::Number(s.latest.value))
                }
                Column::Param(k) if walk_params => {
                    seek(&mut params, k).map_or(Value::Missing, |v| Value::Text(v))
                }
                Column::Tag(k) if walk_tags => {
                    seek(&mut tags, k).map_or(Value::Missing, |v| Value::Text(v))
                }
                _ => c.value(run, now_ms),
            };
            match value {
                Value::Missing => w.write_field(b"")?,
                Value::Text(t) if terminal => w.write_field(crate::text::sanitize(t).as_bytes())?,
                Value::Text(t) => w.write_field(t.as_bytes())?,
                other => w.write_field(cell(other).exact_in(m).as_bytes())?,
            }
        }
        w.write_record(None::<&[u8]>)?;
    }
    w.flush()?;
    Ok(())
}

/// The value of `key` in a sorted map walked in key order: entries before it are skipped.
fn seek<'r, V: 'r>(
    entries: &mut std::iter::Peekable<impl Iterator<Item = (&'r Text, &'r V)>>,
    key: &str,
) -> Option<&'r V> {
    while let Some((k, _)) = entries.peek() {
        match k.as_str().cmp(key) {
            std::cmp::Ordering::Less => {
                entries.next();
            }
            std::cmp::Ordering::Equal => return entries.next().map(|(_, v)| v),
            std::cmp::Ordering::Greater => return None,
        }
    }
    None
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

fn string_map<'a, K: AsRef<str> + 'a, V: AsRef<str> + 'a>(
    m: impl IntoIterator<Item = (&'a K, &'a V)>,
) -> Json {
    Json::Object(
        m.into_iter()
            .map(|(k, v)| (k.as_ref().to_string(), Json::String(v.as_ref().to_string())))
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
        .map(|(k, m)| (k.to_string(), json_float(m.latest.value)))
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
            (k.to_string(), v)
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

/// Writes [`runs_json`] run by run: the same bytes, with one run's JSON in memory at a time
/// rather than a tree of every run (2.6 GB for 100,000 runs).
pub fn write_runs_json(
    runs: &[&Run],
    out: &mut dyn std::io::Write,
) -> Result<(), super::ExportError> {
    struct Lazy<'a>(&'a [&'a Run]);
    impl serde::Serialize for Lazy<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.0.iter().map(|r| run_json(r)))
        }
    }
    super::to_writer_safe(&mut *out, &Lazy(runs))?;
    writeln!(out)?;
    Ok(())
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
