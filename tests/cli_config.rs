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
