use std::collections::HashMap;
use std::path::Path;

use super::*;

fn errors(text: &str) -> Vec<String> {
    match parse(text, "c.toml") {
        Ok(c) => panic!("expected errors, got {c:?}"),
        Err(e) => e.0.iter().map(ToString::to_string).collect(),
    }
}

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k: &str| map.get(k).cloned()
}

#[test]
fn the_default_file_is_the_defaults() {
    let parsed = parse(DEFAULT_FILE, "default.toml").expect("the default file parses");
    assert_eq!(parsed, Config::default());
}

#[test]
fn the_default_file_documents_every_setting() {
    for section in [
        "[refresh]",
        "[columns]",
        "[time]",
        "[metrics]",
        "[theme]",
        "[keys]",
        "[activity]",
        "[mouse]",
    ] {
        assert!(DEFAULT_FILE.contains(section), "{section}");
    }
    for key in [
        "local =",
        "server =",
        "first =",
        "order =",
        "hide =",
        "zone =",
        "relative =",
        "lower =",
        "higher =",
        "stalled_after =",
        "recent =",
        "watch =",
        "notify =",
        "enabled =",
    ] {
        assert!(DEFAULT_FILE.contains(key), "{key}");
    }
}

#[test]
fn settings_are_read() {
    let c = parse(
        r#"
[refresh]
local = 0.5
server = 30

[columns]
first = ["metrics.val/acc", "params.lr"]
order = ["params", "metrics"]
hide = []

[time]
zone = "utc"
relative = false

[metrics]
lower = ["*perplexity*"]
higher = ["*ndcg*"]

[theme]
accent = "magenta"

[keys.runs]
compare = ["C", "ctrl-k"]

[activity]
stalled_after = "15m"
recent = 7200
watch = ["loss*"]
notify = "osc777"

[mouse]
enabled = false
"#,
        "c.toml",
    )
    .expect("valid");
    assert_eq!(c.refresh.local, 0.5);
    assert_eq!(c.refresh.server, 30.0);
    assert_eq!(c.columns.first, ["metrics.val/acc", "params.lr"]);
    assert_eq!(
        c.columns.order,
        [
            ColumnGroup::Params,
            ColumnGroup::Metrics,
            ColumnGroup::Attributes,
            ColumnGroup::Tags
        ]
    );
    assert!(c.columns.hide.is_empty());
    assert_eq!(c.time.zone, TimeZone::Utc);
    assert!(!c.time.relative);
    assert_eq!(c.directions.lower, ["*perplexity*"]);
    assert_eq!(c.directions.higher, ["*ndcg*"]);
    assert_eq!(
        c.theme,
        [ThemeEntry {
            role: "accent".into(),
            colour: "magenta".into(),
            line: 20
        }]
    );
    assert_eq!(
        c.keys,
        [KeyOverride {
            screen: "runs".into(),
            action: "compare".into(),
            keys: vec!["C".into(), "ctrl-k".into()],
            line: 23
        }]
    );
    assert_eq!(c.activity.stalled_after, 900.0);
    assert_eq!(c.activity.recent, 7200.0);
    assert_eq!(c.activity.watch, ["loss*"]);
    assert_eq!(c.activity.notify, Notify::Osc777);
    assert!(!c.mouse);
}

#[test]
fn unknown_keys_name_their_line_and_the_closest_known_key() {
    assert_eq!(
        errors("\n[colums]\nfirst = []\n"),
        ["c.toml:2: unknown key 'colums'; did you mean columns?"]
    );
    assert_eq!(
        errors("[refresh]\nlocla = 1\n"),
        ["c.toml:2: unknown key 'locla' in [refresh]; did you mean local?"]
    );
    assert_eq!(
        errors("[mouse]\nzzz = true\n"),
        ["c.toml:2: unknown key 'zzz' in [mouse] (known: enabled)"]
    );
    assert_eq!(
        errors("[keys.runz]\ncompare = \"c\"\n"),
        ["c.toml:1: unknown key 'runz' in [keys]; did you mean runs?"]
    );
}

#[test]
fn wrong_values_name_their_line_and_what_was_expected() {
    assert_eq!(
        errors("[refresh]\nlocal = \"fast\"\n"),
        ["c.toml:2: refresh.local: expected a number of seconds >= 0"]
    );
    assert_eq!(
        errors("[refresh]\nserver = -1\n"),
        ["c.toml:2: refresh.server: expected a number of seconds >= 0"]
    );
    assert_eq!(
        errors("[time]\nzone = \"mars\"\n"),
        ["c.toml:2: time.zone: expected \"local\" or \"utc\", got \"mars\""]
    );
    assert_eq!(
        errors("[time]\nrelative = \"yes\"\n"),
        ["c.toml:2: time.relative: expected true or false, got text"]
    );
    assert_eq!(
        errors("[columns]\norder = [\"metrcs\", \"params\", \"params\"]\n"),
        [
            "c.toml:2: columns.order: unknown group 'metrcs'; did you mean metrics? (groups: \
             metrics, params, attributes, tags)",
            "c.toml:2: columns.order: 'params' is listed twice"
        ]
    );
    assert_eq!(
        errors("[columns]\nfirst = [\"run_name\", \"bogus\"]\n"),
        [
            "c.toml:2: columns.first: 'bogus' is not a column (use an attribute such as \
             run_name, or metrics.KEY, params.KEY, tags.KEY)"
        ]
    );
    assert_eq!(
        errors("mouse = true\n"),
        ["c.toml:1: 'mouse' must be a table ([mouse])"]
    );
    assert_eq!(
        errors("[keys.runs]\ncompare = 3\n"),
        ["c.toml:2: keys.runs.compare: expected a key (\"c\") or a list of keys"]
    );
}

#[test]
fn every_error_of_a_file_is_reported_at_once() {
    let e = errors("[refresh]\nlocal = \"x\"\n[time]\nzone = 1\n[oops]\n");
    assert_eq!(e.len(), 3, "{e:?}");
    assert!(e[0].starts_with("c.toml:2:"));
    assert!(e[1].starts_with("c.toml:4:"));
    assert!(e[2].starts_with("c.toml:5:"));
}

#[test]
fn broken_toml_names_its_line() {
    let e = errors("[refresh]\nlocal = \n");
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("c.toml:2: not valid TOML"), "{e:?}");
}

#[test]
fn file_location_follows_flag_then_env_then_xdg_then_home() {
    let flag = Path::new("/x/flag.toml");
    let all = env_of(&[
        ("MLTUI_CONFIG", "/x/env.toml"),
        ("XDG_CONFIG_HOME", "/x/xdg"),
        ("HOME", "/home/u"),
    ]);
    assert_eq!(file_path(Some(flag), &all), Some((flag.into(), true)));
    assert_eq!(
        file_path(None, &all),
        Some((PathBuf::from("/x/env.toml"), true))
    );
    let xdg = env_of(&[("XDG_CONFIG_HOME", "/x/xdg"), ("HOME", "/home/u")]);
    assert_eq!(
        file_path(None, &xdg),
        Some((PathBuf::from("/x/xdg/mltui/config.toml"), false))
    );
    // A relative XDG_CONFIG_HOME is ignored, as the XDG spec says.
    let home = env_of(&[("XDG_CONFIG_HOME", "rel"), ("HOME", "/home/u")]);
    assert_eq!(
        file_path(None, &home),
        Some((PathBuf::from("/home/u/.config/mltui/config.toml"), false))
    );
    assert_eq!(file_path(None, &env_of(&[])), None);
}

#[test]
fn layers_env_over_file_over_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[refresh]\nlocal = 5\nserver = 60\n[time]\nzone = \"utc\"\n",
    )
    .expect("write");
    let from_file = load(Some(&path), &env_of(&[])).expect("load");
    assert_eq!(from_file.file.as_deref(), Some(path.as_path()));
    assert_eq!(
        (from_file.refresh.local, from_file.refresh.server),
        (5.0, 60.0)
    );
    assert_eq!(from_file.time.zone, TimeZone::Utc);
    assert!(from_file.mouse, "unset settings keep their default");

    let env = env_of(&[
        ("MLTUI_REFRESH", "0"),
        ("MLTUI_TIME_ZONE", "local"),
        ("MLTUI_MOUSE", "off"),
    ]);
    let layered = load(Some(&path), &env).expect("load");
    assert_eq!((layered.refresh.local, layered.refresh.server), (0.0, 0.0));
    assert_eq!(layered.time.zone, TimeZone::Local);
    assert!(!layered.mouse);

    let bad = load(Some(&path), &env_of(&[("MLTUI_REFRESH", "soon")])).expect_err("bad env");
    assert_eq!(
        bad.to_string(),
        "$MLTUI_REFRESH: expected seconds >= 0, got 'soon'"
    );
}

#[test]
fn a_missing_default_file_is_fine_but_a_named_one_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().to_str().expect("utf-8").to_string();
    let c = load(None, &env_of(&[("HOME", &home)])).expect("no file: defaults");
    assert_eq!(c, Config::default());
    let missing = dir.path().join("nope.toml");
    let e = load(Some(&missing), &env_of(&[])).expect_err("named file must exist");
    assert!(
        e.to_string()
            .contains("nope.toml: cannot read the configuration file"),
        "{e}"
    );
    // A directory or a FIFO is not read.
    let e = load(Some(dir.path()), &env_of(&[])).expect_err("a directory");
    assert!(e.to_string().contains("not a regular file"), "{e}");
}

#[test]
fn globs_match_like_shell_stars() {
    assert!(glob_match("tags.mlflow.*", "tags.mlflow.user"));
    assert!(!glob_match("tags.mlflow.*", "tags.team"));
    assert!(glob_match("*loss*", "val/loss_ema"));
    assert!(glob_match("*", ""));
    assert!(glob_match("a*b*c", "a-b-c"));
    assert!(!glob_match("a*b*c", "a-c-b"));
    assert!(glob_match("exact", "exact"));
    assert!(!glob_match("exact", "exactly"));
    assert!(glob_match("params.*_seed", "params.data_seed"));
    assert!(
        !glob_match("ab*ba", "aba"),
        "prefix and suffix must not overlap"
    );
}

#[test]
fn activity_settings_take_spans_and_name_their_errors() {
    assert_eq!(parse_span("90"), Some(90.0));
    assert_eq!(parse_span("10m"), Some(600.0));
    assert_eq!(parse_span("1.5h"), Some(5400.0));
    assert_eq!(parse_span("2d"), Some(172_800.0));
    assert_eq!(parse_span("soon"), None);
    assert_eq!(parse_span("-1m"), None);
    assert_eq!(
        errors("[activity]\nnotify = \"popup\"\n"),
        ["c.toml:2: activity.notify: expected one of off, bell, osc9, osc777, got \"popup\""]
    );
    assert_eq!(
        errors("[activity]\nstaled_after = 5\n"),
        ["c.toml:2: unknown key 'staled_after' in [activity]; did you mean stalled_after?"]
    );
    assert_eq!(
        errors("[activity]\nwatch = \"loss\"\n"),
        ["c.toml:2: activity.watch: expected a list of text, got text"]
    );
    assert_eq!(
        errors("[artifacts]\nroot = 3\n"),
        ["c.toml:2: artifacts.root: expected text, got a whole number"]
    );
    assert_eq!(
        errors("[artifacts]\nroots = \"/x\"\n"),
        ["c.toml:2: unknown key 'roots' in [artifacts]; did you mean root?"]
    );
}

#[test]
fn artifacts_roots_per_source_win_over_the_root() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("mlflow.db");
    let mut header = b"SQLite format 3\0".to_vec();
    header.resize(4096, 0);
    std::fs::write(&db, header).expect("db");
    let text = format!(
        "[artifacts]\nroot = \"/all\"\n[artifacts.sources]\n{:?} = \"/copy\"\n\"http://Box:5000/\" = \"/srv\"\n",
        db.display().to_string()
    );
    let c = parse(&text, "c.toml").expect("parses");
    let spec = |s: &str| crate::store::parse_source(s, dir.path()).expect("source");
    assert_eq!(
        c.artifacts_root_for(&spec(&db.display().to_string())),
        Some(PathBuf::from("/copy"))
    );
    // A server URL is compared as the state file names it: scheme and host in any case, no
    // trailing slash.
    assert_eq!(
        c.artifacts_root_for(&spec("http://box:5000")),
        Some(PathBuf::from("/srv"))
    );
    assert_eq!(
        c.artifacts_root_for(&spec("http://other:5000")),
        Some(PathBuf::from("/all"))
    );
    assert_eq!(
        errors("[artifacts.sources]\n\"x\" = 1\n"),
        ["c.toml:2: artifacts.sources.\"x\": expected text, got a whole number"]
    );
}

#[test]
fn artifacts_root_comes_from_the_file_then_the_environment() {
    let c = parse("[artifacts]\nroot = \"/srv/mlartifacts\"\n", "c.toml").expect("parses");
    assert_eq!(
        c.artifacts_root.as_deref(),
        Some(Path::new("/srv/mlartifacts"))
    );
    let mut c = c;
    let env = |k: &str| (k == "MLTUI_ARTIFACTS_ROOT").then(|| "/mnt/copy".to_string());
    apply_env(&mut c, &env).expect("env");
    assert_eq!(c.artifacts_root.as_deref(), Some(Path::new("/mnt/copy")));
    assert_eq!(Config::default().artifacts_root, None);
}

#[test]
fn watching_comes_from_the_file_then_the_environment() {
    assert_eq!(Config::default().refresh.watch, Watch::Auto);
    let c = parse("[refresh]\nwatch = \"poll\"\n", "c.toml").expect("valid");
    assert_eq!(c.refresh.watch, Watch::Poll);
    assert_eq!(
        errors("[refresh]\nwatch = \"sometimes\"\n"),
        ["c.toml:2: refresh.watch: expected one of auto, poll, got \"sometimes\""]
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "[refresh]\nwatch = \"poll\"\n").expect("write");
    let layered = load(Some(&path), &env_of(&[("MLTUI_WATCH", "auto")])).expect("load");
    assert_eq!(layered.refresh.watch, Watch::Auto);
    let bad = load(Some(&path), &env_of(&[("MLTUI_WATCH", "inotify")])).expect_err("bad env");
    assert_eq!(
        bad.to_string(),
        "$MLTUI_WATCH: expected 'auto' or 'poll', got 'inotify'"
    );
}
