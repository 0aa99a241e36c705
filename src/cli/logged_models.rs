//! `mltui logged-models`: MLflow 3 logged models of experiments, with params and metrics.

use anyhow::{Context, Result};
use clap::Args;

use super::models::warn;
use super::{OutputArgs, emit, open};
use crate::export::{self, Format};
use crate::model::{self, Lifecycle};

#[derive(Debug, Args)]
pub struct LoggedModelsArgs {
    /// The store (see `mltui --help`).
    pub source: Option<String>,

    /// Experiment id or name (repeatable); default: every active experiment.
    #[arg(long, short = 'e', value_name = "ID_OR_NAME")]
    pub experiment: Vec<String>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `mltui logged-models`.
pub fn run(args: LoggedModelsArgs, uri: Option<&str>) -> Result<()> {
    let store = open(args.source.as_deref(), uri)?;
    let list = store.experiments()?;
    let mut chosen: Vec<model::Experiment> = Vec::new();
    for name in &args.experiment {
        let e = super::pick::find_experiment(&list.experiments, name, &store.describe())?;
        chosen.push(e.clone());
    }
    if args.experiment.is_empty() {
        chosen = list
            .experiments
            .into_iter()
            .filter(|e| e.lifecycle == Lifecycle::Active)
            .collect();
    }
    let models = store
        .logged_models(&chosen)
        .with_context(|| format!("reading logged models of {}", store.describe()))?;
    warn(&models.warnings);
    let refs: Vec<_> = models.models.iter().collect();
    emit(&args.output, |format, target, out| match format {
        Format::Json => export::write_json(&export::models::logged_models_json(&refs), out),
        f => export::write_table_to(&export::models::logged_models_table(&refs), f, target, out),
    })
}
