//! Metric aggregates from SQLite (`metrics.loss:min`, `:first`, `:mean`, `@N`, ...) in
//! bounded statements, so that MLflow's writer is never kept waiting for long:
//!
//! 1. A count pass per metric key (`COUNT`, `MIN(step)`, `MAX(step)` per run, from the
//!    `(run_uuid, key, step)` index) sizes the work, a growing chunk of runs at a time.
//! 2. Runs are packed into units of at most [`ROW_BUDGET`] rows; a run with more is cut
//!    into step windows of about that many rows.
//! 3. Per unit, SQL computes what is asked: min, max, sums for the mean (±inf, stored as
//!    ±DBL_MAX, counted apart), the smallest step reaching the min/max; `first` and `@N`
//!    read only the rows at one step per run (found with `MIN(step)` / `MAX(step) ... step
//!    <= N`). Parts of a windowed run merge as [`Fold`]s do.

use std::collections::HashMap;

use rusqlite::{params_from_iter, types::Value as SqlValue};

use super::sql::Backend;
use super::sqlite::{SqliteConn, SqliteStore, unclamp};
use super::{AggBatch, StoreError, aggs_by_key};
use crate::aggregate::{Agg, Fold, MetricAgg, cmp_first, cmp_later};
use crate::model::MetricPoint;

/// Rows one aggregate statement reads at most (about 5–10 ms on a laptop-class core), so the
/// read lock is let go often enough for MLflow's writer.
const ROW_BUDGET: i64 = 10_000;
/// Index entries one count statement reads at most, once the typical run size is known.
const COUNT_BUDGET: i64 = 200_000;
/// Runs per statement at most (bound parameters stay well below SQLite's limit).
const MAX_RUNS: usize = 500;

/// SQLite's text for ±DBL_MAX, which MLflow's SQL stores write for ±inf.
const BIG: &str = "1.7976931348623157e308";

/// How the statements name the metrics table: through the `(run_uuid, key, ...)` index
/// when the database has one (the planner would otherwise scan every row of the key through
/// the primary key, for every statement), else with `key` kept out of index choice so that
/// the `run_uuid` index is used.
struct Src {
    /// `INDEXED BY "…"`, or nothing.
    indexed: String,
    /// The key column in a condition: `key`, or `+key` (no index on it).
    key: &'static str,
    /// The same for the alias `m`.
    key_m: &'static str,
}

impl Src {
    fn find(store: &SqliteStore, conn: &SqliteConn) -> Result<Src, StoreError> {
        let mut names = Vec::new();
        store.rows(
            conn,
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'metrics'",
            std::iter::empty::<&str>(),
            |row| {
                names.push(row.get::<_, String>(0)?);
                Ok(())
            },
        )?;
        for name in names {
            let mut cols = Vec::new();
            let pragma = format!("PRAGMA index_info(\"{}\")", name.replace('"', "\"\""));
            store.rows(conn, &pragma, std::iter::empty::<&str>(), |row| {
                cols.push(row.get::<_, Option<String>>(2)?.unwrap_or_default());
                Ok(())
            })?;
            if cols.len() >= 2 && cols[0] == "run_uuid" && cols[1] == "key" {
                return Ok(Src {
                    indexed: format!(" INDEXED BY \"{}\"", name.replace('"', "\"\"")),
                    key: "key",
                    key_m: "m.key",
                });
            }
        }
        Ok(Src {
            indexed: String::new(),
            key: "+key",
            key_m: "+m.key",
        })
    }
}

/// What the count pass found for one run.
#[derive(Debug, Clone, Copy)]
struct Extent {
    count: i64,
    lo: i64,
    hi: i64,
}

/// A piece of work: runs (indices into the run list) and, for a run cut into windows, a
/// step window `lo..=hi`.
struct Unit {
    runs: Vec<usize>,
    window: Option<(i64, i64)>,
    /// True on a run's last window (its fold is complete after this unit).
    last: bool,
}

impl SqliteStore {
    /// See [`super::Store::metric_aggregates`].
    pub(super) fn aggregates(
        &self,
        run_ids: &[String],
        wanted: &[MetricAgg],
        sink: &mut dyn FnMut(AggBatch),
    ) -> Result<(), StoreError> {
        self.aggregates_within(run_ids, wanted, ROW_BUDGET, sink)
    }

    /// [`Self::aggregates`] with statements of at most `budget` rows.
    fn aggregates_within(
        &self,
        run_ids: &[String],
        wanted: &[MetricAgg],
        budget: i64,
        sink: &mut dyn FnMut(AggBatch),
    ) -> Result<(), StoreError> {
        let by_key = aggs_by_key(wanted);
        if by_key.is_empty() || run_ids.is_empty() {
            return Ok(());
        }
        if !self.schema.has_table("metrics") {
            sink(AggBatch {
                runs_done: run_ids.len(),
                values: Vec::new(),
            });
            return Ok(());
        }
        let conn = self.backend.connect()?;
        let src = Src::find(self, &conn)?;
        let keys = by_key.len();
        for (n, (key, aggs)) in by_key.iter().enumerate() {
            let extents = self.extents(&conn, &src, run_ids, key)?;
            let mut folds: HashMap<usize, Fold> = HashMap::new();
            let units = plan(run_ids.len(), &extents, budget);
            // Progress counts runs of the last key only, so that it ends at the total.
            let mut reported = 0;
            for unit in units {
                let mut parts = self.unit_folds(&conn, &src, run_ids, key, aggs, &unit)?;
                let mut batch = AggBatch::default();
                for (pos, &i) in unit.runs.iter().enumerate() {
                    let part = std::mem::take(&mut parts[pos]);
                    let fold = folds.entry(i).or_insert_with(|| Fold::for_aggs(aggs));
                    fold.merge(&part);
                    if unit.last {
                        if let (Some(f), Some(e)) = (folds.remove(&i), extents.get(&i)) {
                            let mut f = f;
                            f.count = e.count.max(0) as u64;
                            batch.push_fold(&run_ids[i], key, aggs, &f);
                        }
                    }
                }
                if unit.last && n + 1 == keys {
                    batch.runs_done = unit.runs.len();
                    reported += unit.runs.len();
                }
                sink(batch);
            }
            if n + 1 == keys && reported < run_ids.len() {
                // Runs without the metric were in no unit.
                sink(AggBatch {
                    runs_done: run_ids.len() - reported,
                    values: Vec::new(),
                });
            }
        }
        Ok(())
    }

    /// Point count and step range of `key` per run (by index into `run_ids`); runs without
    /// the metric are absent.
    fn extents(
        &self,
        conn: &SqliteConn,
        src: &Src,
        run_ids: &[String],
        key: &str,
    ) -> Result<HashMap<usize, Extent>, StoreError> {
        let at: HashMap<&str, usize> = run_ids
            .iter()
            .enumerate()
            .map(|(i, r)| (r.as_str(), i))
            .collect();
        let mut out = HashMap::new();
        let (mut done, mut chunk, mut seen_rows, mut seen_runs) = (0, 64usize, 0i64, 0i64);
        while done < run_ids.len() {
            let ids = &run_ids[done..(done + chunk).min(run_ids.len())];
            let sql = format!(
                "SELECT run_uuid, COUNT(*), MIN(step), MAX(step) FROM metrics{} \
                 WHERE {} = ? AND run_uuid IN ({}) GROUP BY run_uuid",
                src.indexed,
                src.key,
                marks(ids.len())
            );
            let args = std::iter::once(key).chain(ids.iter().map(String::as_str));
            self.rows(conn, &sql, args, |row| {
                let id = row.get_ref(0)?.as_str()?;
                if let Some(&i) = at.get(id) {
                    let e = Extent {
                        count: row.get(1)?,
                        lo: row.get::<_, Option<i64>>(2)?.unwrap_or(0),
                        hi: row.get::<_, Option<i64>>(3)?.unwrap_or(0),
                    };
                    seen_rows += e.count;
                    out.insert(i, e);
                }
                Ok(())
            })?;
            done += ids.len();
            seen_runs += ids.len() as i64;
            let per_run = (seen_rows / seen_runs.max(1)).max(1);
            chunk = ((COUNT_BUDGET / per_run) as usize).clamp(1, MAX_RUNS);
        }
        Ok(out)
    }

    /// Folds of `key` for the runs of `unit` (in its order), from its statements.
    fn unit_folds(
        &self,
        conn: &SqliteConn,
        src: &Src,
        run_ids: &[String],
        key: &str,
        aggs: &[Agg],
        unit: &Unit,
    ) -> Result<Vec<Fold>, StoreError> {
        let mut folds: Vec<Fold> = unit.runs.iter().map(|_| Fold::for_aggs(aggs)).collect();
        let pos: HashMap<&str, usize> = unit
            .runs
            .iter()
            .enumerate()
            .map(|(p, &i)| (run_ids[i].as_str(), p))
            .collect();
        let ids: Vec<&str> = unit.runs.iter().map(|&i| run_ids[i].as_str()).collect();
        let (nan, nan_m) = if self.schema.has_column("metrics", "is_nan") {
            ("is_nan", "m.is_nan")
        } else {
            ("0", "0")
        };
        // Arguments: ?1 the key, then the run ids, then the window.
        let mut args: Vec<SqlValue> = vec![SqlValue::Text(key.to_string())];
        args.extend(ids.iter().map(|s| SqlValue::Text(s.to_string())));
        let (win, win_m) = match unit.window {
            Some((lo, hi)) => {
                let a = args.len() + 1;
                args.push(SqlValue::Integer(lo));
                args.push(SqlValue::Integer(hi));
                (
                    format!(" AND step BETWEEN ?{a} AND ?{}", a + 1),
                    format!(" AND m.step BETWEEN ?{a} AND ?{}", a + 1),
                )
            }
            None => (String::new(), String::new()),
        };
        let (ix, key_c, key_m) = (&src.indexed, src.key, src.key_m);
        let in_runs = format!(
            "{key_c} = ?1 AND run_uuid IN ({})",
            (2..2 + ids.len())
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(",")
        );

        let stats = aggs.iter().any(|a| {
            matches!(
                a,
                Agg::Min | Agg::Max | Agg::Mean | Agg::MinStep | Agg::MaxStep
            )
        });
        if stats {
            let step_of = |col: &str, wanted: bool| {
                if wanted {
                    format!(
                        ", (SELECT MIN(m.step) FROM metrics m{ix} WHERE m.run_uuid = a.run_uuid \
                         AND {key_m} = ?1 AND NOT {nan_m} AND m.value = a.{col}{win_m})"
                    )
                } else {
                    ", NULL".to_string()
                }
            };
            let not_value = format!("{nan} OR value >= {BIG} OR value <= -{BIG}");
            let sql = format!(
                "SELECT a.run_uuid, a.mn, a.mx, a.fsum, a.nfin, a.npinf, a.nninf{}{} FROM (\
                 SELECT run_uuid, MIN(CASE WHEN {nan} THEN NULL ELSE value END) AS mn, \
                 MAX(CASE WHEN {nan} THEN NULL ELSE value END) AS mx, \
                 SUM(CASE WHEN {not_value} THEN NULL ELSE value END) AS fsum, \
                 SUM(CASE WHEN {not_value} THEN 0 ELSE 1 END) AS nfin, \
                 SUM(CASE WHEN NOT {nan} AND value >= {BIG} THEN 1 ELSE 0 END) AS npinf, \
                 SUM(CASE WHEN NOT {nan} AND value <= -{BIG} THEN 1 ELSE 0 END) AS nninf \
                 FROM metrics{ix} WHERE {in_runs}{win} GROUP BY run_uuid) a",
                step_of("mn", aggs.contains(&Agg::MinStep)),
                step_of("mx", aggs.contains(&Agg::MaxStep)),
            );
            self.rows(conn, &sql, args.iter(), |row| {
                let Some(&p) = pos.get(row.get_ref(0)?.as_str()?) else {
                    return Ok(());
                };
                let f = &mut folds[p];
                let mn: Option<f64> = row.get(1)?;
                let mx: Option<f64> = row.get(2)?;
                let mn_step: Option<i64> = row.get(7)?;
                let mx_step: Option<i64> = row.get(8)?;
                f.min = mn.map(|v| (unclamp(v), mn_step.unwrap_or(i64::MAX)));
                f.max = mx.map(|v| (unclamp(v), mx_step.unwrap_or(i64::MAX)));
                f.sum = row.get::<_, Option<f64>>(3)?.unwrap_or(0.0);
                f.finite = row.get::<_, Option<i64>>(4)?.unwrap_or(0).max(0) as u64;
                f.pos_inf = row.get::<_, Option<i64>>(5)?.unwrap_or(0).max(0) as u64;
                f.neg_inf = row.get::<_, Option<i64>>(6)?.unwrap_or(0).max(0) as u64;
                Ok(())
            })?;
        }

        // `first` and `@N`: the rows at one step per run, picked in Rust by the same rule
        // as a fold.
        let at_step = |pick: &str, extra: Option<i64>, args: &[SqlValue]| {
            let mut args = args.to_vec();
            let cond = match extra {
                Some(n) => {
                    args.push(SqlValue::Integer(n));
                    format!(" AND step <= ?{}", args.len())
                }
                None => String::new(),
            };
            let sql = format!(
                "SELECT m.run_uuid, m.step, m.timestamp, m.value, {nan_m} FROM metrics m{ix} JOIN \
                 (SELECT run_uuid AS r, {pick}(step) AS s FROM metrics{ix} \
                 WHERE {in_runs}{win}{cond} GROUP BY run_uuid) t \
                 ON m.run_uuid = t.r AND {key_m} = ?1 AND m.step = t.s"
            );
            let mut found: Vec<(usize, MetricPoint)> = Vec::new();
            self.rows(conn, &sql, args.iter(), |row| {
                if let Some(&p) = pos.get(row.get_ref(0)?.as_str()?) {
                    found.push((p, point_from_row(row, 1)?));
                }
                Ok(())
            })?;
            Ok::<_, StoreError>(found)
        };
        if aggs.contains(&Agg::First) {
            for (p, pt) in at_step("MIN", None, &args)? {
                let f = &mut folds[p];
                if f.first
                    .is_none_or(|b| cmp_first(&pt, &b) == std::cmp::Ordering::Less)
                {
                    f.first = Some(pt);
                }
            }
        }
        for &agg in aggs {
            let Agg::At(n) = agg else { continue };
            for (p, pt) in at_step("MAX", Some(n), &args)? {
                if let Some((_, best)) = folds[p].at.iter_mut().find(|(m, _)| *m == n) {
                    if best.is_none_or(|b| cmp_later(&pt, &b) == std::cmp::Ordering::Greater) {
                        *best = Some(pt);
                    }
                }
            }
        }
        Ok(folds)
    }

    /// Runs one statement to its end, calling `f` per row, in its turn with the other
    /// statements of this process on the database (see `sqlite_read::Gate`).
    fn rows<I, P>(
        &self,
        conn: &SqliteConn,
        sql: &str,
        args: I,
        mut f: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<()>,
    ) -> Result<(), StoreError>
    where
        I: IntoIterator<Item = P>,
        P: rusqlite::ToSql,
    {
        let _turn = conn.gate.enter();
        let mut stmt = conn.conn.prepare_cached(sql).map_err(|e| conn.err(e))?;
        let mut rows = stmt
            .query(params_from_iter(args))
            .map_err(|e| conn.err(e))?;
        while let Some(row) = rows.next().map_err(|e| conn.err(e))? {
            f(row).map_err(|e| conn.err(e))?;
        }
        Ok(())
    }
}

/// A point from `step, timestamp, value, is_nan` at column `at` (±DBL_MAX read as ±inf).
fn point_from_row(row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<MetricPoint> {
    let value: Option<f64> = row.get(at + 2)?;
    let is_nan: Option<i64> = row.get(at + 3)?;
    let value = if is_nan.unwrap_or(0) != 0 {
        f64::NAN
    } else {
        value.map_or(f64::NAN, unclamp)
    };
    Ok(MetricPoint {
        step: row.get::<_, Option<i64>>(at)?.unwrap_or(0),
        timestamp: row.get::<_, Option<i64>>(at + 1)?.unwrap_or(0),
        value,
    })
}

fn marks(n: usize) -> String {
    vec!["?"; n].join(",")
}

/// Packs the runs that have the metric into units of at most `budget` rows (and
/// [`MAX_RUNS`] runs), in the order asked; a bigger run becomes windows of its own.
fn plan(runs: usize, extents: &HashMap<usize, Extent>, budget: i64) -> Vec<Unit> {
    let mut units = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut rows = 0;
    let flush = |current: &mut Vec<usize>, units: &mut Vec<Unit>| {
        if !current.is_empty() {
            units.push(Unit {
                runs: std::mem::take(current),
                window: None,
                last: true,
            });
        }
    };
    for i in 0..runs {
        let Some(e) = extents.get(&i) else { continue };
        if e.count > budget {
            flush(&mut current, &mut units);
            rows = 0;
            let pieces = (e.count + budget - 1) / budget;
            let span = (e.hi as i128 - e.lo as i128 + 1).max(1);
            let width = (span + pieces as i128 - 1) / pieces as i128;
            let mut lo = e.lo as i128;
            while lo <= e.hi as i128 {
                let hi = (lo + width - 1).min(e.hi as i128);
                units.push(Unit {
                    runs: vec![i],
                    window: Some((lo as i64, hi as i64)),
                    last: hi >= e.hi as i128,
                });
                lo = hi + 1;
            }
            continue;
        }
        if rows + e.count > budget || current.len() == MAX_RUNS {
            flush(&mut current, &mut units);
            rows = 0;
        }
        current.push(i);
        rows += e.count;
    }
    flush(&mut current, &mut units);
    units
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_pack_small_runs_and_window_big_ones() {
        let mut extents = HashMap::new();
        extents.insert(
            0,
            Extent {
                count: 15_000,
                lo: 0,
                hi: 14_999,
            },
        );
        extents.insert(
            2,
            Extent {
                count: 10_000,
                lo: 0,
                hi: 9_999,
            },
        );
        extents.insert(
            3,
            Extent {
                count: 50_000,
                lo: -10,
                hi: 49_989,
            },
        );
        let units = plan(5, &extents, 20_000);
        type Shape = (Vec<usize>, Option<(i64, i64)>, bool);
        let shape: Vec<Shape> = units
            .iter()
            .map(|u| (u.runs.clone(), u.window, u.last))
            .collect();
        assert_eq!(
            shape,
            vec![
                (vec![0], None, true),
                (vec![2], None, true),
                (vec![3], Some((-10, 16_656)), false),
                (vec![3], Some((16_657, 33_323)), false),
                (vec![3], Some((33_324, 49_989)), true),
            ]
        );
    }

    /// Every aggregate of every metric of the fixture databases is the same whether runs
    /// are packed into one statement or cut into windows of a few steps.
    #[test]
    fn windows_and_packing_give_the_same_values() {
        use crate::aggregate::Agg;
        use crate::store::Store;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        for v in ["v3", "v2"] {
            let store =
                SqliteStore::open_sqlite(&root.join(v).join("sqlite/mlflow.db")).expect("open");
            let exps = store.experiments().expect("experiments").experiments;
            let mut runs = Vec::new();
            store
                .runs(&crate::store::RunQuery::all(&exps), &mut |b| {
                    runs.extend(b.runs)
                })
                .expect("runs");
            let ids: Vec<String> = runs.iter().map(|r| r.run_id.clone()).collect();
            let keys: std::collections::BTreeSet<&crate::model::Text> =
                runs.iter().flat_map(|r| r.metrics.keys()).collect();
            let mut wanted = Vec::new();
            for k in keys {
                for a in Agg::NAMED
                    .into_iter()
                    .chain([Agg::At(0), Agg::At(3), Agg::At(-1)])
                {
                    wanted.push(MetricAgg::new(k.to_string(), a));
                }
            }
            let collect = |budget: i64| {
                let mut values = Vec::new();
                let mut done = 0;
                store
                    .aggregates_within(&ids, &wanted, budget, &mut |b| {
                        done += b.runs_done;
                        values.extend(
                            b.values
                                .into_iter()
                                .map(|(r, k, a, v)| (r, k, a, v.map(f64::to_bits))),
                        );
                    })
                    .expect("aggregates");
                values.sort();
                (values, done)
            };
            let (whole, done) = collect(ROW_BUDGET);
            assert_eq!(done, ids.len(), "{v}: progress reaches every run");
            assert!(!whole.is_empty());
            for budget in [1, 2, 3, 7] {
                let parts = collect(budget).0;
                assert_eq!(parts.len(), whole.len(), "{v}: budget {budget}");
                for (a, b) in parts.iter().zip(&whole) {
                    // Sums of parts may round differently in the last place.
                    let close = match (a.3, b.3) {
                        (Some(x), Some(y)) if a.2 == Agg::Mean => {
                            let (x, y) = (f64::from_bits(x), f64::from_bits(y));
                            a.3 == b.3 || (x - y).abs() <= 1e-12 * y.abs()
                        }
                        (x, y) => x == y,
                    };
                    assert!(
                        a.0 == b.0 && a.1 == b.1 && a.2 == b.2 && close,
                        "{v}: budget {budget}: {a:?} != {b:?}"
                    );
                }
            }
        }
    }
}
