//! Filling loaded runs: params, tags, latest metric values and dataset inputs, read by
//! scanning whole tables (in parallel rowid ranges where the backend can), by subquery on a
//! server, or by looking a few runs up.

use std::collections::HashMap;

use super::load::{Source, point};
use super::{Arg, Backend, Cells, Conn, Scan, SqlStore, Warnings, at};
use crate::model::{DatasetInput, MetricSummary, Run};
use crate::store::StoreError;

impl<B: Backend> SqlStore<B> {
    /// Params, tags, latest metric values and dataset inputs of `runs`.
    pub(super) fn fill(
        &self,
        conn: &mut B::Conn,
        runs: &mut [Run],
        by_id: &HashMap<String, usize>,
        source: &Source<'_>,
        warnings: &mut Warnings,
    ) -> Result<(), StoreError> {
        let s = &self.schema;
        let loc = self.backend.location();
        for (table, is_param) in [("params", true), ("tags", false)] {
            if !s.has_table(table) {
                continue;
            }
            if let Source::All = source
                && let Some(maps) = B::bulk_key_values(self, table, runs.len(), by_id, warnings)?
            {
                for (run, map) in runs.iter_mut().zip(maps) {
                    *(if is_param {
                        &mut run.params
                    } else {
                        &mut run.tags
                    }) = map;
                }
                continue;
            }
            self.rows_of(
                conn,
                table,
                "",
                "t.run_uuid, t.\"key\", t.value",
                "t.run_uuid",
                source,
                &mut |row| {
                    let Some((id, key, value)) = key_value_row(row, table, &loc, warnings) else {
                        return;
                    };
                    let Some(&i) = by_id.get(&id) else {
                        return;
                    };
                    let map = if is_param {
                        &mut runs[i].params
                    } else {
                        &mut runs[i].tags
                    };
                    map.insert(key.into(), value.into());
                },
            )?;
        }
        if s.has_table("latest_metrics") {
            let cols = format!(
                "t.run_uuid, t.\"key\", t.step, t.\"timestamp\", t.value, {}",
                s.is_nan("latest_metrics", "t")
            );
            self.rows_of(
                conn,
                "latest_metrics",
                "",
                &cols,
                "t.run_uuid",
                source,
                &mut |row| {
                    let mut c = Cells::new(row);
                    let id = c.name(0, "run_uuid");
                    let key = c.name(1, "key");
                    let point = point(&mut c, 2);
                    warnings.row(
                        "latest_metrics",
                        || at(&loc, "latest_metrics", "run", id.as_deref(), key.as_deref()),
                        &c,
                    );
                    let (Some(i), Some(key), Some(p)) =
                        (id.and_then(|id| by_id.get(&id).copied()), key, point)
                    else {
                        return;
                    };
                    let mut sum = MetricSummary::from_point(p);
                    sum.count = None;
                    runs[i].metrics.insert(key.into(), sum);
                },
            )?;
        } else if s.has_table("metrics") {
            // Very old schemas: everything comes from the full history.
            let cols = format!(
                "t.run_uuid, t.\"key\", t.step, t.\"timestamp\", t.value, {}",
                s.is_nan("metrics", "t")
            );
            self.rows_of(
                conn,
                "metrics",
                "",
                &cols,
                "t.run_uuid",
                source,
                &mut |row| {
                    let mut c = Cells::new(row);
                    let id = c.name(0, "run_uuid");
                    let key = c.name(1, "key");
                    let point = point(&mut c, 2);
                    warnings.row(
                        "metrics",
                        || at(&loc, "metrics", "run", id.as_deref(), key.as_deref()),
                        &c,
                    );
                    let (Some(i), Some(key), Some(p)) =
                        (id.and_then(|id| by_id.get(&id).copied()), key, point)
                    else {
                        return;
                    };
                    match runs[i].metrics.get_mut(key.as_str()) {
                        Some(sum) => sum.push(p),
                        None => {
                            runs[i]
                                .metrics
                                .insert(key.into(), MetricSummary::from_point(p));
                        }
                    }
                },
            )?;
        }
        if s.has_table("inputs") && s.has_table("datasets") {
            let context = if s.has_table("input_tags") {
                "(SELECT it.value FROM input_tags it WHERE it.input_uuid = t.input_uuid \
                 AND it.name = 'mlflow.data.context')"
            } else {
                "NULL"
            };
            let cols = format!(
                "t.destination_id, d.name, d.digest, {context}, d.dataset_source_type, \
                 d.dataset_source"
            );
            let join = "JOIN datasets d ON d.dataset_uuid = t.source_id";
            self.rows_of(
                conn,
                "inputs",
                join,
                &cols,
                "t.destination_id",
                source,
                &mut |row| {
                    let mut c = Cells::new(row);
                    let id = c.name(0, "destination_id");
                    let input = DatasetInput {
                        name: c.text(1, "name").unwrap_or_default(),
                        digest: c.text(2, "digest").unwrap_or_default(),
                        context: c.text(3, "context"),
                        source_type: c.text(4, "dataset_source_type").unwrap_or_default(),
                        source: c.text(5, "dataset_source").unwrap_or_default(),
                    };
                    warnings.row(
                        "datasets",
                        || at(&loc, "inputs", "run", id.as_deref(), None),
                        &c,
                    );
                    if let Some(i) = id.and_then(|id| by_id.get(&id).copied()) {
                        runs[i].datasets.push(input);
                    }
                },
            )?;
        }
        Ok(())
    }

    /// The rows of `table` (joined with `join`) that belong to the runs of `source`; `run`
    /// is the column holding the run id. Inputs also need their source and destination type.
    #[allow(clippy::too_many_arguments)]
    fn rows_of(
        &self,
        conn: &mut B::Conn,
        table: &str,
        join: &str,
        cols: &str,
        run: &str,
        source: &Source<'_>,
        f: &mut dyn FnMut(&dyn super::Row),
    ) -> Result<(), StoreError> {
        let fixed = if table == "inputs" {
            "t.source_type = 'DATASET' AND t.destination_type = 'RUN'"
        } else {
            "1 = 1"
        };
        match source {
            Source::All => {
                let scan = Scan {
                    join,
                    cond: Some(fixed),
                    ..Scan::new(table, cols)
                };
                conn.scan(&scan, f)
            }
            Source::Subquery(sub, args) => {
                let cond = format!("{fixed} AND {run} IN ({sub})");
                let scan = Scan {
                    join,
                    cond: Some(&cond),
                    args,
                    ..Scan::new(table, cols)
                };
                conn.scan(&scan, f)
            }
            Source::Ids(ids) => {
                // SQLite keeps each statement short: few runs per lookup.
                let per = if B::DIALECT.subqueries_in_scans() {
                    500
                } else {
                    50
                };
                for chunk in ids.chunks(per) {
                    let marks = vec!["?"; chunk.len()].join(",");
                    let sql = format!(
                        "SELECT {cols} FROM {table} t {join} WHERE {fixed} AND {run} IN ({marks})"
                    );
                    let args: Vec<Arg> = chunk.iter().map(|id| Arg::Text(id.clone())).collect();
                    conn.query(&sql, &args, f)?;
                }
                Ok(())
            }
        }
    }
}

/// A `run_uuid, key, value` row of `params` or `tags`, decoded leniently: what was wrong
/// with its cells becomes a warning; `None` without a usable run id and key. A NULL value
/// reads as empty.
pub(crate) fn key_value_row(
    row: &dyn super::Row,
    table: &str,
    loc: &str,
    warnings: &mut Warnings,
) -> Option<(String, String, String)> {
    let mut c = Cells::new(row);
    let id = c.name(0, "run_uuid");
    let key = c.name(1, "key");
    let value = c.text(2, "value");
    warnings.row(
        table,
        || at(loc, table, "run", id.as_deref(), key.as_deref()),
        &c,
    );
    Some((id?, key?, value.unwrap_or_default()))
}
