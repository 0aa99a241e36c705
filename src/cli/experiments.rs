//! `mltui experiments`: the experiment list with run counts.

use anyhow::Result;
use clap::Args;

use super::{OutputArgs, View, emit, open, report_warnings};
use crate::export::{self, Format};
use crate::index::RunIndex;
use crate::model::ViewType;
use crate::{Needs, index_runs};

#[derive(Debug, Args)]
pub struct ExperimentsArgs {
    /// The store (see `mltui --help`).
    pub source: Option<String>,

    /// Lifecycle stages to list.
    #[arg(long, value_enum, default_value_t)]
    pub view: View,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `mltui experiments`.
pub fn run(args: ExperimentsArgs, uri: Option<&str>) -> Result<()> {
    let store = open(args.source.as_deref(), uri)?;
    // Only run counts are shown: counted by the store when it can, else by loading runs
    // (without metric summaries).
    let list = store.experiments()?;
    let index = match store.run_counts(&list.experiments)? {
        Some(counts) => {
            let mut index = RunIndex::new(list.experiments);
            index.add_warnings(list.warnings);
            index.set_run_counts(counts);
            index
        }
        None => {
            let needs = Needs {
                narrow: None,
                summaries: false,
                aggregates: &[],
            };
            index_runs(store.as_ref(), list, |_| true, needs)?
        }
    };
    report_warnings(&index);
    let view: ViewType = args.view.into();
    let exps = index.experiments_in(view);
    emit(&args.output, |format, target, out| match format {
        Format::Json => export::write_json(&export::experiments_json(&index, &exps), out),
        f => export::write_table_to(&export::experiments_table(&index, &exps), f, target, out),
    })
}
