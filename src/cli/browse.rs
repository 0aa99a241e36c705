//! `mltui [SOURCE]` without a command: the terminal UI.

use anyhow::{Result, bail};

use super::{Cli, locate};
use crate::store::{self, SourceSpec};
use crate::tui;

/// Opens the terminal UI on the source the command line names.
pub fn run(cli: &Cli) -> Result<()> {
    let spec = locate(cli.source.as_deref(), cli.tracking_uri.as_deref())?;
    let env = |k: &str| std::env::var(k).ok();
    let config =
        crate::config::load(cli.config.as_deref(), &env).map_err(|e| super::config::report(&e))?;
    // Polling a server costs it work: it is followed less often by default.
    let default = if matches!(spec, SourceSpec::Http(_)) {
        config.refresh.server
    } else {
        config.refresh.local
    };
    let refresh = cli.refresh.unwrap_or(default);
    if !(refresh.is_finite() && refresh >= 0.0) {
        bail!("--refresh must be a number of seconds >= 0, got {refresh}");
    }
    let store = store::open(&spec)?;
    let opts = tui::Options {
        no_color: cli.no_color,
        refresh: (refresh > 0.0).then(|| std::time::Duration::from_secs_f64(refresh.max(0.2))),
    };
    tui::run(std::sync::Arc::from(store), &opts)
}
