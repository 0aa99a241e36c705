//! The aggregate worker: computes metric aggregates (`metrics.val/loss:min`, `@N`, ...) of
//! runs already loaded, off the UI thread, reporting each batch as it is done (progress).
//!
//! Local stores compute them themselves ([`Store::metric_aggregates`]: the file store reads
//! the metric's files, SQLite runs short statements). A tracking server only sends latest
//! values, so for it the worker fetches whole histories — a few requests at a time — and
//! keeps them: asking for another aggregate of the same metric costs nothing, and only the
//! runs the UI says have changed are fetched again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;

use super::event::Event;
use crate::aggregate::{Fold, MetricAgg};
use crate::model::MetricPoint;
use crate::store::{AggBatch, Store, StoreError, aggs_by_key};

/// What the UI asks the worker for.
#[derive(Debug, Clone, PartialEq)]
pub struct AggJob {
    pub id: u64,
    pub run_ids: Vec<String>,
    pub wanted: Vec<MetricAgg>,
    /// Runs whose cached histories are out of date (they changed since).
    pub refetch: Vec<String>,
}

/// Histories requested of a server at once.
const PARALLEL: usize = 8;
/// Runs per reported batch when folding cached histories.
const BATCH: usize = 64;

/// Runs jobs in order until the request side closes.
pub fn spawn_worker(store: Arc<dyn Store>, jobs: Receiver<AggJob>, tx: Sender<Event>) {
    thread::spawn(move || {
        let mut cache: HashMap<(String, String), Arc<Vec<MetricPoint>>> = HashMap::new();
        for job in jobs {
            let id = job.id;
            let mut send = |batch: AggBatch| {
                let _ = tx.send(Event::Aggregates {
                    job: id,
                    batch: Some(batch),
                    error: None,
                });
            };
            let result = if store.samples_histories() {
                cache.retain(|(run, _), _| !job.refetch.contains(run));
                from_histories(store.as_ref(), &job, &mut cache, &mut send)
            } else {
                store.metric_aggregates(&job.run_ids, &job.wanted, &mut send)
            };
            let done = Event::Aggregates {
                job: id,
                batch: None,
                error: result.err().map(|e| e.to_string()),
            };
            if tx.send(done).is_err() {
                return;
            }
        }
    });
}

/// Folds whole histories, fetching the ones not cached `PARALLEL` at a time.
fn from_histories(
    store: &dyn Store,
    job: &AggJob,
    cache: &mut HashMap<(String, String), Arc<Vec<MetricPoint>>>,
    send: &mut dyn FnMut(AggBatch),
) -> Result<(), StoreError> {
    let by_key = aggs_by_key(&job.wanted);
    for chunk in job.run_ids.chunks(BATCH) {
        let missing: Vec<(String, String)> = chunk
            .iter()
            .flat_map(|id| by_key.iter().map(move |(k, _)| (id.clone(), k.to_string())))
            .filter(|slot| !cache.contains_key(slot))
            .collect();
        let fetched = fetch(store, &missing)?;
        cache.extend(fetched);
        let mut batch = AggBatch {
            runs_done: chunk.len(),
            values: Vec::new(),
        };
        for id in chunk {
            for (key, aggs) in &by_key {
                if let Some(points) = cache.get(&(id.clone(), key.to_string())) {
                    batch.push_fold(id, key, aggs, &Fold::of(points, aggs));
                }
            }
        }
        send(batch);
    }
    Ok(())
}

/// A fetched history: `((run id, key), points)`.
type Fetched = ((String, String), Arc<Vec<MetricPoint>>);

/// Fetches histories in parallel; a run the server no longer has gives an empty history.
fn fetch(store: &dyn Store, slots: &[(String, String)]) -> Result<Vec<Fetched>, StoreError> {
    let next = AtomicUsize::new(0);
    let out = Mutex::new((Vec::new(), None::<StoreError>));
    thread::scope(|s| {
        for _ in 0..PARALLEL.min(slots.len()) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((run, key)) = slots.get(i) else {
                        return;
                    };
                    let got = match store.metric_history(run, key) {
                        Ok(p) => Ok(p),
                        Err(StoreError::RunNotFound(_)) => Ok(Vec::new()),
                        Err(e) => Err(e),
                    };
                    let Ok(mut o) = out.lock() else { return };
                    match got {
                        Ok(p) => o.0.push(((run.clone(), key.clone()), Arc::new(p))),
                        Err(e) => {
                            o.1.get_or_insert(e);
                            return;
                        }
                    }
                }
            });
        }
    });
    let (got, err) = out
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match err {
        Some(e) => Err(e),
        None => Ok(got),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::aggregate::Agg;
    use crate::model::Run;
    use crate::store::{ExperimentList, RunBatch, RunQuery};

    /// A server-like store that counts history requests.
    struct Counting {
        calls: AtomicUsize,
    }

    impl crate::store::Catalog for Counting {}

    impl Store for Counting {
        fn describe(&self) -> String {
            "counting".into()
        }
        fn experiments(&self) -> Result<ExperimentList, StoreError> {
            Ok(ExperimentList::default())
        }
        fn runs(&self, _: &RunQuery<'_>, _: &mut dyn FnMut(RunBatch)) -> Result<(), StoreError> {
            Ok(())
        }
        fn run(&self, id: &str) -> Result<Run, StoreError> {
            Err(StoreError::RunNotFound(id.into()))
        }
        fn metric_history(&self, run: &str, _: &str) -> Result<Vec<MetricPoint>, StoreError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            if run == "gone" {
                return Err(StoreError::RunNotFound(run.into()));
            }
            Ok((0..5)
                .map(|s| MetricPoint {
                    step: s,
                    timestamp: s,
                    value: s as f64,
                })
                .collect())
        }
        fn samples_histories(&self) -> bool {
            true
        }
    }

    fn job(id: u64, agg: Agg, refetch: &[&str]) -> AggJob {
        AggJob {
            id,
            run_ids: vec!["a".into(), "b".into(), "gone".into()],
            wanted: vec![MetricAgg::new("loss", agg)],
            refetch: refetch.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn a_servers_histories_are_fetched_once_and_again_for_changed_runs() {
        let store = Counting {
            calls: AtomicUsize::new(0),
        };
        let mut cache = HashMap::new();
        let mut values = Vec::new();
        let run = |j: AggJob, cache: &mut HashMap<_, _>, values: &mut Vec<_>| {
            from_histories(&store, &j, cache, &mut |b: AggBatch| {
                values.extend(b.values)
            })
            .expect("job");
        };
        run(job(1, Agg::Max, &[]), &mut cache, &mut values);
        assert_eq!(store.calls.load(Ordering::SeqCst), 3);
        assert_eq!(values.len(), 2, "the deleted run has no value");
        assert!(values.iter().all(|v| v.3 == Some(4.0)));
        // Another aggregate of the same metric: from the cache.
        values.clear();
        run(job(2, Agg::At(2), &[]), &mut cache, &mut values);
        assert_eq!(store.calls.load(Ordering::SeqCst), 3);
        assert!(values.iter().all(|v| v.3 == Some(2.0)));
        // A run that changed is fetched again (the worker drops it from the cache first).
        cache.retain(|(r, _), _| r != "a");
        run(job(3, Agg::Min, &["a"]), &mut cache, &mut values);
        assert_eq!(store.calls.load(Ordering::SeqCst), 4);
    }
}
