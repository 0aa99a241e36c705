//! `mltui config` and the configuration file as the real binary reads it; where global
//! options may stand on the command line.

mod common;

use common::*;

fn demo_db() -> String {
    format!("{}/assets/demo/mlflow.db", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn check_reports_every_problem_with_its_line_and_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[refresh]\nlocla = 1\n\n[time]\nzone = \"mars\"\n[mouse]\nenabled = 3\n",
    )
    .expect("write");
    let p = path.to_str().expect("utf-8");
    let out = mltui(&["config", "--check", "--config", p]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines,
        [
            format!("mltui: {p}:2: unknown key 'locla' in [refresh]; did you mean local?"),
            format!("mltui: {p}:5: time.zone: expected \"local\" or \"utc\", got \"mars\""),
            format!("mltui: {p}:7: mouse.enabled: expected true or false, got a whole number"),
            "mltui: error: 3 problems in the configuration (see above; `mltui config --default` \
             shows every setting)"
                .to_string(),
        ]
    );
    // The terminal UI refuses to start on a broken file, with the same messages.
    let out = mltui(&["--config", p, &demo_db()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(":2: unknown key 'locla'"));
}

#[test]
fn the_default_file_checks_clean_and_the_environment_names_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mine.toml");
    std::fs::write(&path, mltui_ok(&["config", "--default"])).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mltui"))
        .args(["config", "--check"])
        .env("MLTUI_CONFIG", &path)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("{}: OK", path.display())
    );
}

#[test]
fn show_reports_the_settings_in_effect() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("c.toml");
    std::fs::write(&path, "[refresh]\nserver = 30\n[time]\nzone = \"utc\"\n").expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mltui"))
        .args(["config", "--config", path.to_str().expect("utf-8")])
        .env("MLTUI_REFRESH", "7")
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("# read from {}", path.display())),
        "{text}"
    );
    // The environment wins over the file.
    assert!(text.contains("local = 7\nserver = 7"), "{text}");
    assert!(text.contains("zone = \"utc\""), "{text}");
}

#[test]
fn show_says_where_watching_was_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("c.toml");
    let show = |file: &str, env: Option<&str>| {
        std::fs::write(&path, file).expect("write");
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mltui"));
        cmd.args(["config", "--config", path.to_str().expect("utf-8")])
            .env_remove("MLTUI_WATCH");
        if let Some(v) = env {
            cmd.env("MLTUI_WATCH", v);
        }
        let out = cmd.output().expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let text = show("", None);
    assert!(text.contains("watch = \"auto\"   # default"), "{text}");
    let text = show("[refresh]\nwatch = \"poll\"\n", None);
    assert!(
        text.contains("watch = \"poll\"   # from the configuration file"),
        "{text}"
    );
    let text = show("[refresh]\nwatch = \"auto\"\n", Some("poll"));
    assert!(
        text.contains("watch = \"poll\"   # from $MLTUI_WATCH"),
        "{text}"
    );
}

#[test]
fn global_options_and_the_source_may_come_before_the_command() {
    let db = demo_db();
    let expected = mltui_ok(&["experiments", &db, "-f", "csv"]);
    assert_eq!(
        mltui_ok(&["--tracking-uri", &db, "experiments", "-f", "csv"]),
        expected
    );
    assert_eq!(mltui_ok(&[&db, "experiments", "-f", "csv"]), expected);
    assert_eq!(
        mltui_ok(&["experiments", "-f", "csv", "--tracking-uri", &db]),
        expected
    );
    let out = mltui(&["--tracking-uri", &db, &db, "experiments"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("two sources"));
}

#[test]
fn bad_keys_and_colours_are_reported_with_their_lines_among_the_others() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[keys.runs]\n\
         compair = \"K\"\n\
         plot = \"s\"\n\
         export = \"ctrl-\"\n\
         \n\
         [theme]\n\
         acent = \"red\"\n\
         error = \"#12\"\n\
         \n\
         [activity]\n\
         stalled_after = \"soon\"\n",
    )
    .expect("write");
    let p = path.to_str().expect("utf-8");
    let out = mltui(&["config", "--check", "--config", p]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 7, "{err}");
    assert_eq!(
        lines[0],
        format!(
            "mltui: {p}:2: keys.runs.compair: 'compair' is not an action of [keys.runs]; did \
             you mean compare?"
        )
    );
    assert_eq!(
        lines[1],
        format!(
            "mltui: {p}:3: keys.runs.plot: 's' is already sort on the runs screen ([keys.runs] \
             sort); give that action another key too"
        )
    );
    assert!(
        lines[2].starts_with(&format!(
            "mltui: {p}:4: keys.runs.export: 'ctrl-' is not a key"
        )),
        "{err}"
    );
    assert!(
        lines[3].starts_with(&format!(
            "mltui: {p}:7: unknown key 'acent' in [theme]; did you mean accent"
        )),
        "{err}"
    );
    assert_eq!(
        lines[4],
        format!("mltui: {p}:8: theme.error: '#12' is not a #rrggbb colour")
    );
    assert_eq!(
        lines[5],
        format!(
            "mltui: {p}:11: activity.stalled_after: expected seconds, or a span such as \"10m\", \
             \"24h\", \"2d\""
        )
    );
    // The terminal UI does not start on it either.
    let out = mltui(&["--config", p, &demo_db()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(":3: keys.runs.plot"));
}

#[test]
fn keys_lists_every_action_with_the_keys_in_effect() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "[keys.runs]\ncompare = [\"K\", \"ctrl-k\"]\n").expect("write");
    let text = mltui_ok(&[
        "config",
        "--keys",
        "--config",
        path.to_str().expect("utf-8"),
    ]);
    let runs = text
        .split("[keys.runs]")
        .nth(1)
        .and_then(|t| t.split("\n[").next())
        .expect("runs section");
    assert!(
        runs.contains("compare         = [\"K\", \"ctrl-k\"]"),
        "{runs}"
    );
    assert!(runs.contains("pin             = \"!\""), "{runs}");
    for screen in [
        "global",
        "experiments",
        "runs",
        "detail",
        "compare",
        "chart",
        "activity",
        "views",
        "picker",
        "pager",
        "copy",
        "help",
    ] {
        assert!(text.contains(&format!("[keys.{screen}]")), "{screen}");
    }
    // What --keys prints is a valid file.
    let listed = dir.path().join("listed.toml");
    std::fs::write(&listed, &text).expect("write");
    mltui_ok(&[
        "config",
        "--check",
        "--config",
        listed.to_str().expect("utf-8"),
    ]);
}

#[test]
fn notify_comes_from_the_file_then_the_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("c.toml");
    std::fs::write(
        &path,
        "[activity]\nnotify = \"bell\"\nstalled_after = \"15m\"\n",
    )
    .expect("write");
    let run = |env: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mltui"));
        cmd.args(["config", "--config", path.to_str().expect("utf-8")]);
        for (k, v) in env {
            cmd.env(k, v);
        }
        String::from_utf8_lossy(&cmd.output().expect("run").stdout).into_owned()
    };
    let text = run(&[]);
    assert!(text.contains("notify = \"bell\""), "{text}");
    assert!(text.contains("stalled_after = 900"), "{text}");
    assert!(run(&[("MLTUI_NOTIFY", "osc777")]).contains("notify = \"osc777\""));
}

#[test]
fn a_reader_that_goes_away_ends_the_output_quietly() {
    // `mltui config | true`: the pipe is closed before mltui writes.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mltui"))
        .arg("config")
        .env("XDG_CONFIG_HOME", dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("mltui");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
