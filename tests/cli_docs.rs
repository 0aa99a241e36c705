//! The command line's documentation is generated from its clap definitions; these snapshots
//! make every change to `--help`, the completion scripts or the manual page visible in review.

use clap::CommandFactory;
use clap_complete::Shell;
use mltui::cli::Cli;

/// `--help` of the program and of every command, at a fixed width.
#[test]
fn help_of_every_command() {
    let mut root = Cli::command().term_width(100);
    root.build();
    let mut names = vec![String::new()];
    names.extend(
        root.get_subcommands()
            .filter(|c| c.get_name() != "help")
            .map(|c| c.get_name().to_string()),
    );
    for name in names {
        let mut cmd = if name.is_empty() {
            root.clone()
        } else {
            root.find_subcommand(&name)
                .expect("listed subcommand")
                .clone()
        };
        let help = cmd.render_long_help().to_string();
        let snap = if name.is_empty() {
            "help_mltui".to_string()
        } else {
            format!("help_{name}")
        };
        insta::assert_snapshot!(snap, help);
    }
}

#[test]
fn completion_scripts() {
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::PowerShell,
    ] {
        let mut out = Vec::new();
        mltui::cli::write_completions(shell, &mut out);
        let script = String::from_utf8(out).expect("utf-8 script");
        assert!(script.contains("mltui"), "{shell}: names the program");
        for command in ["runs", "experiments", "compare", "history", "plot", "man"] {
            assert!(script.contains(command), "{shell}: completes `{command}`");
        }
        insta::assert_snapshot!(format!("completions_{shell}"), script);
    }
}

#[test]
fn manual_page() {
    let mut out = Vec::new();
    mltui::cli::write_man(&mut out).expect("render");
    let page = String::from_utf8(out).expect("utf-8 roff");
    assert!(page.starts_with(".ie") || page.contains(".TH mltui 1"));
    insta::assert_snapshot!("man_mltui", page);
}
