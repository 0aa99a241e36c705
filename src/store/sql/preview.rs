//! Which runs go first: the batch of latest values a load hands on before min, max and
//! count are known, so that whichever experiment is open shows rows at once.

use std::collections::HashMap;

use super::load::FIRST_BATCH;
use crate::model::Run;

/// Runs in the first batch at most, over all experiments of a chunk.
const PREVIEW_MAX: usize = 4_096;

/// The runs of the first batch: the newest [`FIRST_BATCH`] of each experiment, at most
/// [`PREVIEW_MAX`] in all (the newest first).
pub(super) fn preview_ids(runs: &[Run]) -> Vec<String> {
    let mut newest: Vec<&Run> = runs.iter().collect();
    newest.sort_by(|a, b| {
        b.start_time
            .cmp(&a.start_time)
            .then_with(|| a.run_id.cmp(&b.run_id))
    });
    let mut per_experiment: HashMap<&str, usize> = HashMap::new();
    newest
        .into_iter()
        .filter(|r| {
            let n = per_experiment.entry(r.experiment_id.as_str()).or_default();
            *n += 1;
            *n <= FIRST_BATCH
        })
        .take(PREVIEW_MAX)
        .map(|r| r.run_id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Lifecycle, RunStatus};

    fn run(exp: &str, n: i64) -> Run {
        Run {
            run_id: format!("{exp}-{n}"),
            run_name: String::new(),
            experiment_id: exp.into(),
            status: RunStatus::Finished,
            lifecycle: Lifecycle::Active,
            user_id: String::new(),
            start_time: Some(n),
            end_time: None,
            artifact_uri: String::new(),
            params: Default::default(),
            tags: Default::default(),
            metrics: Default::default(),
            datasets: Vec::new(),
            aggregates: Default::default(),
        }
    }

    #[test]
    fn the_first_batch_has_the_newest_runs_of_every_experiment() {
        // A big experiment whose runs are all newer than those of two small ones.
        let mut runs: Vec<Run> = (0..1_000).map(|n| run("big", 10_000 + n)).collect();
        runs.extend((0..300).map(|n| run("old", n)));
        runs.extend((0..10).map(|n| run("tiny", 500 + n)));
        let ids = preview_ids(&runs);
        let of = |exp: &str| ids.iter().filter(|id| id.starts_with(exp)).count();
        assert_eq!(
            (of("big-"), of("old-"), of("tiny-")),
            (FIRST_BATCH, FIRST_BATCH, 10)
        );
        assert_eq!(ids[0], "big-10999", "newest first");
        assert!(ids.contains(&"old-299".to_string()) && !ids.contains(&"old-0".to_string()));
        // Many experiments: capped in all.
        let many: Vec<Run> = (0..100)
            .flat_map(|e| (0..100).map(move |n| run(&format!("e{e}"), n)))
            .collect();
        assert_eq!(preview_ids(&many).len(), PREVIEW_MAX);
    }
}
