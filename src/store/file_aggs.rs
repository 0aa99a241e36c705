//! Metric aggregates of runs already loaded from a file store: only the metric files of
//! the asked-for keys are read (in parallel), each folded once.

use rayon::prelude::*;

use super::file::{FileStore, is_safe_key};
use super::metric_file::parse_metric_lines;
use super::{AggBatch, StoreError, aggs_by_key};
use crate::aggregate::{Fold, MetricAgg};

/// Runs per batch sent to the caller (progress granularity).
const BATCH: usize = 512;

impl FileStore {
    /// See [`super::Store::metric_aggregates`].
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
            let parts: Vec<Result<AggBatch, StoreError>> = chunk
                .par_iter()
                .map(|id| {
                    let mut batch = AggBatch::default();
                    let dir = match self.run_dir(id) {
                        Ok(d) => d,
                        Err(StoreError::RunNotFound(_)) => return Ok(batch),
                        Err(e) => return Err(e),
                    };
                    for (key, aggs) in &by_key {
                        if !is_safe_key(key) {
                            continue;
                        }
                        let path = dir.join("metrics").join(key);
                        let bytes = match std::fs::read(&path) {
                            Ok(b) => b,
                            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                            Err(e) => return Err(StoreError::io(&path, e)),
                        };
                        let mut fold = Fold::for_aggs(aggs);
                        parse_metric_lines(&bytes, |p| fold.push(p));
                        batch.push_fold(id, key, aggs, &fold);
                    }
                    Ok(batch)
                })
                .collect();
            let mut batch = AggBatch {
                runs_done: chunk.len(),
                values: Vec::new(),
            };
            for p in parts {
                batch.values.extend(p?.values);
            }
            sink(batch);
        }
        Ok(())
    }
}
