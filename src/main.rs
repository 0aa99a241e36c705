//! The `mltui` binary: parse the command line, run, print the error chain.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = mltui::cli::Cli::parse();
    match mltui::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let mut chain: Vec<String> = Vec::new();
            for cause in e.chain() {
                let text = mltui::text::sanitize(&cause.to_string()).into_owned();
                // An error whose message already ends with its cause's is not repeated.
                if !chain.last().is_some_and(|prev| prev.ends_with(&text)) {
                    chain.push(text);
                }
            }
            eprintln!("mltui: error: {}", chain.join(": "));
            std::process::ExitCode::FAILURE
        }
    }
}
