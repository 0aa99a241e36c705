//! mltui: browse and compare MLflow experiments and runs from a terminal.
//!
//! Layers: `store` fetches, `index` holds and queries, `export` writes tables headless,
//! `tui` (the only user of ratatui/crossterm) shows them.

pub mod aggregate;
pub mod chart;
pub mod cli;
pub mod config;
pub mod export;
#[doc(hidden)]
pub mod fuzz_api;
pub mod index;
pub mod model;
pub mod preview;
pub mod store;
pub mod suggest;
pub mod text;
pub mod timefmt;
pub mod tui;

use anyhow::Result;

use index::RunIndex;
use store::Store;

pub use cli::run;

/// Loads the experiments of a store and every run of the chosen ones into an index.
pub fn load_index(
    store: &dyn Store,
    experiments: impl Fn(&model::Experiment) -> bool,
) -> Result<RunIndex> {
    let list = store.experiments()?;
    index_runs(store, list, experiments, Needs::default())
}

/// What a load of runs needs beyond the runs themselves.
#[derive(Debug, Clone, Copy)]
pub struct Needs<'a> {
    /// An MLflow filter string a store may narrow the runs with (see [`index_runs`]).
    pub narrow: Option<&'a str>,
    /// Min, max and count of every metric, not only its latest value.
    pub summaries: bool,
    /// Aggregates of metric histories to compute for every run (`metrics.loss:min`, ...).
    pub aggregates: &'a [aggregate::MetricAgg],
}

impl Default for Needs<'_> {
    fn default() -> Self {
        Self {
            narrow: None,
            summaries: true,
            aggregates: &[],
        }
    }
}

/// An index of `list` and the runs of the experiments `chosen` picks. With `needs.narrow`
/// (an MLflow filter string), a store that can evaluate it (a server) returns only matching
/// runs; others return all of them. Callers still apply their full filter.
pub fn index_runs(
    store: &dyn Store,
    list: store::ExperimentList,
    chosen: impl Fn(&model::Experiment) -> bool,
    needs: Needs<'_>,
) -> Result<RunIndex> {
    let picked: Vec<model::Experiment> = list
        .experiments
        .iter()
        .filter(|e| chosen(e))
        .cloned()
        .collect();
    let mut index = RunIndex::new(list.experiments);
    index.add_warnings(list.warnings);
    let query = store::RunQuery {
        experiments: &picked,
        narrow: needs.narrow,
        summaries: if needs.summaries {
            store::Summaries::Full
        } else {
            store::Summaries::Latest
        },
        aggregates: needs.aggregates,
    };
    store.runs(&query, &mut |batch| index.add_batch(batch))?;
    Ok(index)
}
