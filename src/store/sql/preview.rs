//! Which runs go first: the newest runs of every experiment, read with their latest values
//! before anything else (a follower's change snapshot, the full load), so that whichever
//! experiment is open shows rows at once. Chosen from a scan of three columns of `runs`.

use std::collections::HashMap;

use super::load::FIRST_BATCH;
use super::narrow::Narrowing;
use super::{Backend, Cells, Conn, Scan, SqlStore};
use crate::store::{RunBatch, StoreError, Summaries};

/// Runs in the first batch at most, over all experiments of a chunk.
const PREVIEW_MAX: usize = 4_096;

/// What choosing the first batch needs of a run.
pub(super) struct Newest {
    pub id: String,
    pub experiment: String,
    pub start: Option<i64>,
}

/// The runs of the first batch: the newest [`FIRST_BATCH`] of each experiment, at most
/// [`PREVIEW_MAX`] in all (the newest first).
pub(super) fn preview_ids(mut runs: Vec<Newest>) -> Vec<String> {
    runs.sort_unstable_by(|a, b| b.start.cmp(&a.start).then_with(|| a.id.cmp(&b.id)));
    let mut per_experiment: HashMap<String, usize> = HashMap::new();
    runs.into_iter()
        .filter(|r| {
            let n = per_experiment.entry(r.experiment.clone()).or_default();
            *n += 1;
            *n <= FIRST_BATCH
        })
        .take(PREVIEW_MAX)
        .map(|r| r.id)
        .collect()
}

impl<B: Backend> SqlStore<B> {
    /// Sends the newest runs of `experiments` (see [`preview_ids`]) with their latest values
    /// when the experiments hold more than [`FIRST_BATCH`] runs; nothing otherwise. The
    /// full load that follows sends them again, complete.
    pub(crate) fn send_preview(
        &self,
        conn: &mut B::Conn,
        experiments: &[i64],
        narrow: Option<&Narrowing>,
        sink: &mut dyn FnMut(RunBatch),
    ) -> Result<(), StoreError> {
        if experiments.is_empty() {
            return Ok(());
        }
        let (cond, args) = super::load::runs_of(experiments, narrow, "t");
        let scan = Scan {
            cond: Some(&cond),
            args: &args,
            ..Scan::new("runs", "t.run_uuid, t.experiment_id, t.start_time")
        };
        let mut runs = Vec::new();
        // Rows the full load will warn about are skipped here without a word.
        conn.scan(&scan, &mut |row| {
            let mut c = Cells::new(row);
            if let Some(id) = c.name(0, "run_uuid") {
                runs.push(Newest {
                    id,
                    experiment: c.name(1, "experiment_id").unwrap_or_default(),
                    start: c.int(2, "start_time"),
                });
            }
        })?;
        if runs.len() <= FIRST_BATCH {
            return Ok(());
        }
        let ids = preview_ids(runs);
        let (first, _) = self.load_ids(conn, &ids, Summaries::Latest, None)?;
        sink(RunBatch {
            summaries: Vec::new(),
            runs: first,
            warnings: Vec::new(),
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(exp: &str, n: i64) -> Newest {
        Newest {
            id: format!("{exp}-{n}"),
            experiment: exp.into(),
            start: Some(n),
        }
    }

    #[test]
    fn the_first_batch_has_the_newest_runs_of_every_experiment() {
        // A big experiment whose runs are all newer than those of two small ones.
        let mut runs: Vec<Newest> = (0..1_000).map(|n| run("big", 10_000 + n)).collect();
        runs.extend((0..300).map(|n| run("old", n)));
        runs.extend((0..10).map(|n| run("tiny", 500 + n)));
        let ids = preview_ids(runs);
        let of = |exp: &str| ids.iter().filter(|id| id.starts_with(exp)).count();
        assert_eq!(
            (of("big-"), of("old-"), of("tiny-")),
            (FIRST_BATCH, FIRST_BATCH, 10)
        );
        assert_eq!(ids[0], "big-10999", "newest first");
        assert!(ids.contains(&"old-299".to_string()) && !ids.contains(&"old-0".to_string()));
        // Many experiments: capped in all.
        let many: Vec<Newest> = (0..100)
            .flat_map(|e| (0..100).map(move |n| run(&format!("e{e}"), n)))
            .collect();
        assert_eq!(preview_ids(many).len(), PREVIEW_MAX);
    }
}
