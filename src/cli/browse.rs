//! `mltui [SOURCE]` without a command: the terminal UI.

use anyhow::{Result, bail};

use super::{Cli, locate};
use crate::store::{self, SourceSpec};
use crate::tui;

/// Opens the terminal UI on the source the command line names.
pub fn run(cli: &Cli) -> Result<()> {
    let spec = locate(cli.source.as_deref(), cli.tracking_uri.as_deref())?;
    // Polling a server costs it work: follow it less often by default.
    let default = if matches!(spec, SourceSpec::Http(_)) {
        10.0
    } else {
        2.0
    };
    let refresh = cli.refresh.unwrap_or(default);
    if !(refresh.is_finite() && refresh >= 0.0) {
        bail!("--refresh must be a number of seconds >= 0, got {refresh}");
    }
    let store = store::open(&spec)?;
    let opts = tui::Options {
        no_color: cli.no_color,
        refresh: (refresh > 0.0).then(|| std::time::Duration::from_secs_f64(refresh.max(0.2))),
        artifacts_root: cli.artifacts_root.clone(),
    };
    tui::run(std::sync::Arc::from(store), &opts)
}
