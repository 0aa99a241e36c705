//! `mltui models`: the registered models of a store (or its prompts), or the versions of one.

use std::io::Write;

use anyhow::{Context, Result};
use clap::Args;

use super::{OutputArgs, emit, open};
use crate::export::{self, Format};
use crate::store;
use crate::text;

#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// The store (see `mltui --help`); without it, the store is found as usual. A single
    /// argument is the store when it names one, else the model name.
    pub source: Option<String>,

    /// A registered model (or prompt): list its versions.
    pub name: Option<String>,

    /// List prompts (registered models tagged mlflow.prompt.is_prompt) instead of models.
    #[arg(long)]
    pub prompts: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Splits `[SOURCE] [NAME]`.
pub(super) fn source_and_name(items: &[String]) -> Result<(Option<&str>, Option<&str>)> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    Ok(match items {
        [] => (None, None),
        [one] if store::parse_source(one, &cwd).is_ok() => (Some(one.as_str()), None),
        [one] => (None, Some(one.as_str())),
        [source, name, ..] => (Some(source.as_str()), Some(name.as_str())),
    })
}

/// Prints the store's warnings about the registry on stderr.
pub(super) fn warn(warnings: &[store::Warning]) {
    let mut err = std::io::stderr().lock();
    for w in warnings {
        let _ = writeln!(err, "mltui: warning: {}", text::sanitize(&w.to_string()));
    }
}

/// `mltui models`.
pub fn run(args: ModelsArgs, uri: Option<&str>) -> Result<()> {
    let items: Vec<String> = args.source.iter().chain(&args.name).cloned().collect();
    let (source, name) = source_and_name(&items)?;
    let store = open(source, uri)?;
    let reg = store
        .registry()
        .with_context(|| format!("reading the model registry of {}", store.describe()))?;
    warn(&reg.warnings);
    match name {
        None => {
            let models: Vec<_> = reg
                .models
                .iter()
                .filter(|m| m.is_prompt() == args.prompts)
                .collect();
            emit(&args.output, |format, target, out| match format {
                Format::Json => {
                    export::write_json(&export::models::registered_models_json(&reg, &models), out)
                }
                f => export::write_table_to(
                    &export::models::registered_models_table(&reg, &models),
                    f,
                    target,
                    out,
                ),
            })
        }
        Some(name) => {
            if reg.model(name).is_none() {
                let hint =
                    crate::suggest::did_you_mean(name, reg.models.iter().map(|m| m.name.as_str()));
                return Err(super::pick::UsageError::new(format!(
                    "no registered model or prompt named '{}' in {}{hint}",
                    text::sanitize(name),
                    store.describe(),
                ))
                .into());
            }
            let versions = reg.versions_in_search_order(name);
            emit(&args.output, |format, target, out| match format {
                Format::Json => export::write_json(&export::models::versions_json(&versions), out),
                f => export::write_table_to(
                    &export::models::versions_table(&versions),
                    f,
                    target,
                    out,
                ),
            })
        }
    }
}
