//! The `mltui` binary: parse the command line, run, print the error chain.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = mltui::cli::Cli::parse();
    match mltui::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // A signal ended the terminal UI: exit as a process killed by it would.
            if let Some(mltui::tui::Interrupted(sig)) = e.downcast_ref() {
                return std::process::ExitCode::from((128 + sig).clamp(0, 255) as u8);
            }
            let mut chain: Vec<String> = Vec::new();
            for cause in e.chain() {
                let text = mltui::text::sanitize(&cause.to_string()).into_owned();
                // An error whose message already ends with its cause's is not repeated.
                if !chain.last().is_some_and(|prev| prev.ends_with(&text)) {
                    chain.push(text);
                }
            }
            eprintln!("mltui: error: {}", chain.join(": "));
            // A name that matched nothing (or too much): a usage error, like clap's.
            match e.downcast_ref::<mltui::cli::UsageError>() {
                Some(usage) => {
                    for line in &usage.details {
                        eprintln!("  {}", mltui::text::sanitize(line));
                    }
                    std::process::ExitCode::from(2)
                }
                None => std::process::ExitCode::FAILURE,
            }
        }
    }
}
