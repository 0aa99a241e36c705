//! `mltui [SOURCE]` without a command: the terminal UI.

use std::io::IsTerminal;

use anyhow::{Result, bail};

use super::{Cli, locate, pick};
use crate::store::{self, SourceSpec};
use crate::tui;

/// What to do when there is no terminal to draw on: `ssh box mltui` without `-t`, a pipe,
/// cron. `stdin`/`stdout` say which of them is a terminal.
fn no_terminal(stdin: bool, stdout: bool) -> String {
    let which = match (stdin, stdout) {
        (false, false) => "standard input and output are not a terminal",
        (false, true) => "standard input is not a terminal",
        _ => "standard output is not a terminal",
    };
    format!(
        "the terminal UI needs a terminal, but {which}. Over SSH, ask for one with \
         `ssh -t HOST mltui ...`. Without a terminal, use a headless command: \
         `mltui experiments`, `mltui runs`, `mltui compare`, `mltui history`, \
         `mltui plot --format text` (see `mltui --help`)"
    )
}

/// Opens the terminal UI on the source the command line names.
pub fn run(cli: &Cli) -> Result<()> {
    // A broken configuration file is reported first: it is wrong whatever the terminal.
    let env = |k: &str| std::env::var(k).ok();
    let mut config = crate::config::load_checked(cli.config.as_deref(), &env, &tui::check_config)
        .map_err(|e| super::config::report(&e))?;
    if cli.no_mouse {
        config.mouse = false;
    }
    if let Some(n) = cli.notify {
        config.activity.notify = n.into();
    }
    // Checked before anything touches the terminal (raw mode needs one).
    let (stdin, stdout) = (
        std::io::stdin().is_terminal(),
        std::io::stdout().is_terminal(),
    );
    if !(stdin && stdout) {
        bail!(no_terminal(stdin, stdout));
    }
    let spec = locate(cli.source.as_deref(), cli.tracking_uri.as_deref())?;
    // Polling a server costs it work: it is followed less often by default (a database
    // server too: it is shared by a team).
    let default = if matches!(spec, SourceSpec::Http(_) | SourceSpec::Database(_)) {
        config.refresh.server
    } else {
        config.refresh.local
    };
    let refresh = cli.refresh.unwrap_or(default);
    if !(refresh.is_finite() && refresh >= 0.0) {
        bail!("--refresh must be a number of seconds >= 0, got {refresh}");
    }
    let store = store::open(&spec)?;
    // An experiment to open at once is checked before the screen changes, so a typo is
    // a message with suggestions in the shell, not an empty screen.
    let experiment = match &cli.experiment {
        Some(typed) => {
            let list = store.experiments()?;
            let found = pick::find_experiment(&list.experiments, typed, &store.describe())?;
            Some(found.experiment_id.clone())
        }
        None => None,
    };
    let source_id = crate::config::state::source_id(&spec);
    let state_file =
        crate::config::state::dir(&env).map(|d| crate::config::state::file_for(&d, &source_id));
    let keymap = tui::keymap::Keymap::from_config(&config.keys).unwrap_or_default();
    let opts = tui::Options {
        no_color: cli.no_color,
        refresh: (refresh > 0.0).then(|| std::time::Duration::from_secs_f64(refresh.max(0.2))),
        watch: config.refresh.watch == crate::config::Watch::Auto,
        artifacts_root: cli
            .artifacts_root
            .clone()
            .or_else(|| config.artifacts_root_for(&spec)),
        experiment,
        settings: tui::app::Settings::from_config(&config, keymap, config.time_format()),
        theme: config.theme.clone(),
        state_file,
        source_id,
    };
    tui::run(std::sync::Arc::from(store), &opts)
}

#[cfg(test)]
mod tests {
    use super::no_terminal;

    #[test]
    fn the_no_terminal_message_says_what_to_do() {
        let m = no_terminal(false, false);
        assert!(
            m.contains("standard input and output are not a terminal"),
            "{m}"
        );
        assert!(
            m.contains("ask for one with `ssh -t HOST mltui ...`. Without"),
            "{m}"
        );
        assert!(!m.contains("  "), "{m}");
        assert!(
            m.contains("mltui runs") && m.contains("plot --format text"),
            "{m}"
        );
        assert!(no_terminal(true, false).contains("standard output is not"));
        assert!(no_terminal(false, true).contains("standard input is not"));
    }
}
