//! `mltui config`: where the configuration file is, what it sets, a commented default file,
//! and a check of a file that reports every problem with its line.

use anyhow::Result;
use clap::Args;

use crate::config::{self, Config, TimeZone};

/// Writes to standard output; a reader that goes away (`mltui config | head`) ends the
/// output quietly, where `print!` would panic.
fn put(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("mltui: writing to standard output failed: {e}");
        std::process::exit(1);
    }
}

/// `println!` through [`put`].
macro_rules! say {
    ($($arg:tt)*) => {
        put(&format!("{}\n", format_args!($($arg)*)))
    };
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Print a commented configuration file with every setting at its default.
    #[arg(long, conflicts_with = "check")]
    pub default: bool,

    /// Check a configuration file (default: the one mltui would read) and report every
    /// problem with its line.
    #[arg(long, conflicts_with = "keys")]
    pub check: bool,

    /// List every action a key can be bound to in [keys.SCREEN], with its keys in effect.
    #[arg(long, conflicts_with = "default")]
    pub keys: bool,
}

/// `mltui config`.
pub fn run(args: &ConfigArgs, flag: Option<&std::path::Path>) -> Result<()> {
    if args.default {
        put(config::DEFAULT_FILE);
        return Ok(());
    }
    let env = |k: &str| std::env::var(k).ok();
    let where_ = config::file_path(flag, &env);
    let loaded = config::load_checked(flag, &env, &crate::tui::check_config);
    if args.keys {
        let c = loaded.map_err(|e| report(&e))?;
        let keymap = crate::tui::keymap::Keymap::from_config(&c.keys).unwrap_or_default();
        put(&keys_text(&keymap));
        return Ok(());
    }
    match (&loaded, args.check) {
        (Err(errors), _) => Err(report(errors)),
        (Ok(c), true) => {
            match (&c.file, where_) {
                (Some(f), _) => say!("{}: OK", f.display()),
                (None, Some((p, _))) => say!("{}: no such file (defaults apply)", p.display()),
                (None, None) => say!("no configuration file (defaults apply)"),
            }
            Ok(())
        }
        (Ok(c), false) => {
            describe(c, where_.map(|(p, _)| p), &env);
            Ok(())
        }
    }
}

/// Prints every problem on its own line (stderr) and sums them up in the returned error.
pub fn report(errors: &config::ConfigErrors) -> anyhow::Error {
    for e in &errors.0 {
        eprintln!("mltui: {}", crate::text::sanitize(&e.to_string()));
    }
    let n = errors.0.len();
    anyhow::anyhow!(
        "{n} {} in the configuration (see above; `mltui config --default` shows every setting)",
        if n == 1 { "problem" } else { "problems" }
    )
}

/// Every bindable action by screen, as `[keys.SCREEN]` tables with the keys in effect and
/// what each does.
fn keys_text(keymap: &crate::tui::keymap::Keymap) -> String {
    let mut out = String::from(
        "# Every action a key can be bound to, with its keys in effect.\n\
         # Copy a line into your configuration under its [keys.SCREEN] to change its keys.\n",
    );
    for (screen, rows) in keymap.describe() {
        out.push_str(&format!("\n[keys.{screen}]\n"));
        let width = rows.iter().map(|(n, _, _)| n.len()).max().unwrap_or(0);
        for (name, keys, help) in rows {
            let keys: Vec<String> = keys
                .iter()
                .map(|k| format!("{:?}", k.config_name()))
                .collect();
            let keys = if keys.len() == 1 {
                keys[0].clone()
            } else {
                format!("[{}]", keys.join(", "))
            };
            out.push_str(&format!("{name:width$} = {keys}  # {help}\n"));
        }
    }
    out
}

/// Where `[refresh] watch` came from: the environment, the file (when it differs from the
/// default), or the default.
fn watch_origin(c: &Config, env: &dyn Fn(&str) -> Option<String>) -> &'static str {
    if env("MLTUI_WATCH").is_some_and(|v| !v.trim().is_empty()) {
        "from $MLTUI_WATCH"
    } else if c.refresh.watch != config::Watch::default() {
        "from the configuration file"
    } else {
        "default"
    }
}

/// The settings in effect, as a short report.
fn describe(
    c: &Config,
    expected: Option<std::path::PathBuf>,
    env: &dyn Fn(&str) -> Option<String>,
) {
    match (&c.file, expected) {
        (Some(f), _) => say!("# read from {}", f.display()),
        (None, Some(p)) => say!("# {} does not exist: defaults", p.display()),
        (None, None) => say!("# no configuration file: defaults"),
    }
    say!(
        "[refresh]\nlocal = {}\nserver = {}\nwatch = {:?}   # {}",
        c.refresh.local,
        c.refresh.server,
        c.refresh.watch.name(),
        watch_origin(c, env)
    );
    let list = |v: &[String]| {
        let quoted: Vec<String> = v.iter().map(|s| format!("{s:?}")).collect();
        format!("[{}]", quoted.join(", "))
    };
    let order: Vec<String> = c
        .columns
        .order
        .iter()
        .map(|g| g.name().to_string())
        .collect();
    say!(
        "\n[columns]\nfirst = {}\norder = {}\nhide = {}",
        list(&c.columns.first),
        list(&order),
        list(&c.columns.hide)
    );
    let zone = match c.time.zone {
        TimeZone::Local => "local",
        TimeZone::Utc => "utc",
    };
    say!("\n[time]\nzone = {zone:?}\nrelative = {}", c.time.relative);
    say!(
        "\n[metrics]\nlower = {}\nhigher = {}",
        list(&c.directions.lower),
        list(&c.directions.higher)
    );
    if !c.theme.is_empty() {
        say!("\n[theme]");
        for t in &c.theme {
            say!("{} = {:?}", t.role, t.colour);
        }
    }
    for k in &c.keys {
        say!("\n[keys.{}]\n{} = {}", k.screen, k.action, list(&k.keys));
    }
    let a = &c.activity;
    say!(
        "\n[activity]\nstalled_after = {}\nrecent = {}\nwatch = {}\nnotify = {:?}",
        a.stalled_after,
        a.recent,
        list(&a.watch),
        a.notify.name()
    );
    say!("\n[mouse]\nenabled = {}", c.mouse);
    if c.artifacts_root.is_some() || !c.artifacts_sources.is_empty() {
        say!("\n[artifacts]");
    }
    if let Some(root) = &c.artifacts_root {
        let root = root.display().to_string();
        say!("root = {:?}", crate::text::sanitize(&root));
    }
    if !c.artifacts_sources.is_empty() {
        say!("\n[artifacts.sources]");
    }
    for (source, folder) in &c.artifacts_sources {
        let folder = folder.display().to_string();
        say!(
            "{:?} = {:?}",
            crate::text::sanitize(source),
            crate::text::sanitize(&folder)
        );
    }
}
