//! The `mltui` binary: parse the command line, run, print the error chain.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = mltui::cli::Cli::parse();
    match mltui::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let chain: Vec<String> = e
                .chain()
                .map(|c| mltui::text::sanitize(&c.to_string()).into_owned())
                .collect();
            eprintln!("mltui: error: {}", chain.join(": "));
            std::process::ExitCode::FAILURE
        }
    }
}
