//! `mltui completions` and `mltui man`: shell completions and the manual page, generated
//! from the same clap definitions as the command line itself, so they cannot drift from it.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write a completion script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write mltui.1 and one page per command (mltui-runs.1, ...) into DIR instead of
    /// printing mltui.1 to standard output.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `mltui completions SHELL`: the completion script on standard output.
pub fn completions(args: &CompletionsArgs) -> Result<()> {
    let mut out = std::io::stdout().lock();
    write_completions(args.shell, &mut out);
    out.flush().or_else(ignore_broken_pipe)?;
    Ok(())
}

/// Writes the completion script for `shell`.
pub fn write_completions(shell: Shell, out: &mut dyn Write) {
    clap_complete::generate(shell, &mut Cli::command(), "mltui", out);
}

/// `mltui man`: the manual page (roff) on standard output, or every page into a folder.
pub fn man(args: &ManArgs) -> Result<()> {
    match &args.dir {
        None => {
            let mut out = std::io::stdout().lock();
            write_man(&mut out).or_else(ignore_broken_pipe)?;
            out.flush().or_else(ignore_broken_pipe)?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(Cli::command(), dir)
                .with_context(|| format!("cannot write manual pages into {}", dir.display()))?;
            eprintln!("mltui: wrote manual pages into {}", dir.display());
        }
    }
    Ok(())
}

/// Writes the main manual page, `mltui(1)`, with a section per command.
pub fn write_man(out: &mut dyn Write) -> std::io::Result<()> {
    clap_mangen::Man::new(Cli::command()).render(out)
}

fn ignore_broken_pipe(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(e)
    }
}
