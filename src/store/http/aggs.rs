//! Metric aggregates from a tracking server, which only sends latest values: whole
//! histories (`metrics/get-history`, paged) fetched a few at a time in parallel and folded.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::HttpStore;
use crate::aggregate::{Fold, MetricAgg};
use crate::store::{AggBatch, Store, StoreError, aggs_by_key};

/// Requests in flight at once: enough to hide latency, few enough not to load a server.
const PARALLEL: usize = 8;
/// Runs per batch sent to the caller (progress granularity).
const BATCH: usize = 32;

impl HttpStore {
    /// See [`Store::metric_aggregates`].
    pub(super) fn aggregates(
        &self,
        run_ids: &[String],
        wanted: &[MetricAgg],
        sink: &mut dyn FnMut(AggBatch),
    ) -> Result<(), StoreError> {
        let by_key = aggs_by_key(wanted);
        if by_key.is_empty() {
            return Ok(());
        }
        for chunk in run_ids.chunks(BATCH) {
            let next = AtomicUsize::new(0);
            let out = Mutex::new((AggBatch::default(), None::<StoreError>));
            std::thread::scope(|s| {
                for _ in 0..PARALLEL.min(chunk.len()) {
                    s.spawn(|| {
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(id) = chunk.get(i) else { return };
                            let mut part = AggBatch::default();
                            for (key, aggs) in &by_key {
                                match self.metric_history(id, key) {
                                    Ok(points) => {
                                        part.push_fold(id, key, aggs, &Fold::of(&points, aggs))
                                    }
                                    Err(StoreError::RunNotFound(_)) => {}
                                    Err(e) => {
                                        if let Ok(mut o) = out.lock() {
                                            o.1.get_or_insert(e);
                                        }
                                        return;
                                    }
                                }
                            }
                            if let Ok(mut o) = out.lock() {
                                o.0.values.extend(part.values);
                            }
                        }
                    });
                }
            });
            let (mut batch, err) = out
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(e) = err {
                return Err(e);
            }
            batch.runs_done = chunk.len();
            sink(batch);
        }
        Ok(())
    }
}
