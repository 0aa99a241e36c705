//! Unit tests of filter matching: MLflow's semantics on runs, the OR/parentheses extension,
//! and randomised print/re-parse and never-panic checks.

use super::tests::ok;
use super::*;
use crate::index::tests::run_with;
use crate::model::{DatasetInput, RunStatus};

/// Three runs with everything a filter can look at.
fn runs() -> Vec<Run> {
    let mut a = run_with(
        "aaa",
        100,
        &[("acc", 0.9), ("loss", 0.1), ("train/loss", 0.2)],
        &[("lr", "0.1"), ("opt", "Adam")],
    );
    a.tags.insert("mlflow.runName".into(), "name-aaa".into());
    a.tags.insert("stage".into(), "prod".into());
    a.datasets.push(DatasetInput {
        name: "train-set".into(),
        digest: "d1".into(),
        context: Some("training".into()),
        ..DatasetInput::default()
    });
    a.datasets.push(DatasetInput {
        name: "eval-set".into(),
        digest: "d2".into(),
        context: None,
        ..DatasetInput::default()
    });
    let mut b = run_with(
        "bbb",
        200,
        &[("acc", f64::NAN), ("loss", f64::NEG_INFINITY)],
        &[("lr", "0.01"), ("ключ", "значение")],
    );
    b.status = RunStatus::Failed;
    b.user_id = "alice".into();
    let mut c = run_with("ccc", 300, &[("acc", 0.5)], &[("multi", "line1\nline2")]);
    c.status = RunStatus::Running;
    c.end_time = None;
    c.run_name = "other".into();
    vec![a, b, c]
}

fn ids(s: &str) -> Vec<String> {
    let f = ok(s);
    runs()
        .into_iter()
        .filter(|r| f.matches(r))
        .map(|r| r.run_id)
        .collect()
}

#[test]
fn matching_semantics() {
    let cases: &[(&str, &[&str])] = &[
        ("", &["aaa", "bbb", "ccc"]),
        ("metrics.acc > 0.6", &["aaa"]),
        // NaN satisfies only !=; a missing metric satisfies nothing, not even !=.
        ("metrics.acc != 0.9", &["bbb", "ccc"]),
        ("metrics.acc = 0.9", &["aaa"]),
        ("metrics.acc <= 1e999", &["aaa", "ccc"]),
        ("metrics.loss < -1e308", &["bbb"]),
        ("metrics.loss = -1e999", &["bbb"]),
        ("metrics.loss != 5", &["aaa", "bbb"]),
        ("metrics.`train/loss` < 1", &["aaa"]),
        ("params.lr != '0.1'", &["bbb"]),
        ("params.lr = '0.1'", &["aaa"]),
        ("params.lr LIKE '0.%'", &["aaa", "bbb"]),
        ("params.lr LIKE '0.1%'", &["aaa"]),
        ("params.lr LIKE '0_1'", &["aaa"]),
        ("params.opt LIKE 'adam'", &[]),
        ("params.opt ILIKE 'adam'", &["aaa"]),
        ("params.ключ ILIKE 'ЗНАЧЕНИЕ'", &["bbb"]),
        ("params.multi LIKE '%line2'", &["ccc"]),
        ("params.lr IS NULL", &["ccc"]),
        ("params.lr IS NOT NULL", &["aaa", "bbb"]),
        ("tags.stage IS NULL", &["bbb", "ccc"]),
        ("tags.mlflow.runName = 'name-aaa'", &["aaa"]),
        ("status = 'FAILED'", &["bbb"]),
        ("status = 'failed'", &[]),
        ("status ILIKE 'f%'", &["aaa", "bbb"]),
        ("attributes.status != 'RUNNING'", &["aaa", "bbb"]),
        ("run_name = 'other'", &["ccc"]),
        ("`Run Name` LIKE 'name-%'", &["aaa", "bbb"]),
        ("user_id = 'alice'", &["bbb"]),
        ("run_id IN ('aaa', 'ccc')", &["aaa", "ccc"]),
        ("run_id NOT IN ('aaa')", &["bbb", "ccc"]),
        ("start_time >= 200", &["bbb", "ccc"]),
        ("created < 200", &["aaa"]),
        ("start_time = 100.0", &["aaa"]),
        // A running run has no end time: no comparison matches it, != included.
        ("end_time != 0", &["aaa", "bbb"]),
        ("end_time > 0", &["aaa", "bbb"]),
        ("dataset.name = 'eval-set'", &["aaa"]),
        ("dataset.name != 'eval-set'", &["aaa"]),
        ("dataset.context = 'training'", &["aaa"]),
        ("dataset.context != 'training'", &[]),
        ("dataset.context NOT IN ('x')", &["aaa"]),
        ("dataset.digest IN ('d2', 'zz')", &["aaa"]),
        ("metrics.acc > 0.6 AND params.lr = '0.1'", &["aaa"]),
        ("metrics.acc > 0.6 AND params.lr = '0.01'", &[]),
    ];
    for (s, want) in cases {
        assert_eq!(ids(s), *want, "{s}");
    }
}

#[test]
fn or_and_parentheses() {
    assert_eq!(ids("run_id = 'aaa' OR run_id = 'ccc'"), ["aaa", "ccc"]);
    assert_eq!(ids("run_id = 'aaa' or status = 'RUNNING'"), ["aaa", "ccc"]);
    // AND binds tighter than OR.
    assert_eq!(
        ids("run_id = 'aaa' OR run_id = 'bbb' AND status = 'RUNNING'"),
        ["aaa"]
    );
    assert_eq!(
        ids("(run_id = 'aaa' OR run_id = 'bbb') AND status = 'FAILED'"),
        ["bbb"]
    );
    assert_eq!(ids("((params.lr IS NULL))"), ["ccc"]);
}

/// A tiny deterministic generator, so these tests need no extra crates.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() as usize) % items.len()]
    }
}

fn random_filter(g: &mut Lcg, depth: u32) -> String {
    let roll = g.next() % 10;
    if depth < 3 && roll < 3 {
        let op = g.pick(&[" AND ", " OR ", " and ", " Or "]);
        let (a, b) = (random_filter(g, depth + 1), random_filter(g, depth + 1));
        return if g.next() % 2 == 0 {
            format!("({a}){op}{b}")
        } else {
            format!("{a}{op}({b})")
        };
    }
    let value = g.pick(&["'x'", "\"it's\"", "'%a_'", "''", "'значение'", "'a\\b'"]);
    let key = g.pick(&[
        "lr",
        "`train/loss`",
        "\"a b\"",
        "mlflow.runName",
        "ключ",
        "`a\"b`",
        "\"a`b\"",
    ]);
    match g.next() % 6 {
        0 => format!(
            "{}.{key} {} {}",
            g.pick(&["metrics", "metric"]),
            g.pick(&["=", "!=", "<", "<=", ">", ">="]),
            g.pick(&[
                "1",
                "-1.5",
                ".5",
                "1e-3",
                "1e400",
                "-0",
                "12345678901234567890",
                "0.1"
            ])
        ),
        1 => format!(
            "{}.{key} {} {value}",
            g.pick(&["params", "param", "tags", "tag"]),
            g.pick(&["=", "!=", "LIKE", "ilike"])
        ),
        2 => format!(
            "{}.{key} {}",
            g.pick(&["params", "tags"]),
            g.pick(&["IS NULL", "is not null"])
        ),
        3 => format!(
            "{} {} {}",
            g.pick(&["start_time", "end_time", "created"]),
            g.pick(&["<", ">="]),
            g.pick(&["0", "1.5", "1795721880000"])
        ),
        4 => format!(
            "{} {} {value}",
            g.pick(&[
                "status",
                "run_name",
                "user_id",
                "attributes.artifact_uri",
                "run_id"
            ]),
            g.pick(&["=", "LIKE"])
        ),
        _ => format!(
            "{} {} ({value}, 'b')",
            g.pick(&[
                "run_id",
                "dataset.name",
                "dataset.context",
                "datasets.digest"
            ]),
            g.pick(&["IN", "NOT IN", "not in"])
        ),
    }
}

#[test]
fn random_filters_print_and_reparse_stably() {
    let mut g = Lcg(7);
    let all = runs();
    for _ in 0..2000 {
        let s = random_filter(&mut g, 0);
        let f = ok(&s);
        let printed = f.to_string();
        let again = ok(&printed);
        assert_eq!(again, f, "{s} -> {printed}");
        assert_eq!(again.to_string(), printed);
        for r in &all {
            assert_eq!(f.matches(r), again.matches(r), "{s}");
        }
    }
}

#[test]
fn garbage_never_panics() {
    let mut g = Lcg(42);
    let pieces = [
        "metrics", "params", ".", "`", "'", "\"", "(", ")", ",", ";", " ", "AND", "OR", "NOT",
        "IN", "IS", "NULL", "LIKE", "=", "!=", "<", ">=", "1", "-", ".5", "e", "x", "ключ", "🚀",
        "\\", "\n", "%", "_",
    ];
    for _ in 0..20_000 {
        let n = (g.next() % 12) as usize;
        let s: String = (0..n).map(|_| g.pick(&pieces)).collect();
        if let Ok(f) = parse_filter(&s) {
            assert_eq!(parse_filter(&f.to_string()), Ok(f), "{s:?}");
        }
    }
}

#[test]
fn mlflow_part_keeps_and_conditions_outside_or() {
    let part = |s: &str| {
        crate::index::parse_filter(s)
            .expect("valid")
            .mlflow_part()
            .to_string()
    };
    assert_eq!(part("metrics.acc > 0.9"), "metrics.acc > 0.9");
    assert_eq!(
        part(
            "metrics.acc > 0.9 and (status = 'FAILED' or status = 'KILLED') and params.lr = '0.1'"
        ),
        "metrics.acc > 0.9 AND params.lr = '0.1'"
    );
    assert_eq!(part("status = 'FAILED' or status = 'KILLED'"), "");
    assert_eq!(part(""), "");
}

/// mltui's numeric params and tags: an unquoted number with <, <=, >, >= compares values
/// that parse as numbers; quoted comparisons keep MLflow's string semantics.
#[test]
fn unquoted_numbers_compare_params_and_tags_as_numbers() {
    let mut more = runs();
    more[2].params.insert("lr".into(), " 1e-3 ".into());
    more[0].tags.insert("epochs".into(), "10".into());
    more[1].tags.insert("epochs".into(), "9".into());
    let ids = |s: &str| -> Vec<String> {
        let f = ok(s);
        more.iter()
            .filter(|r| f.matches(r))
            .map(|r| r.run_id.clone())
            .collect()
    };
    // "0.1", "0.01", " 1e-3 ": as strings "0.01" > "0.1" is false and " 1e-3 " sorts first.
    assert_eq!(ids("params.lr > 0.005"), ["aaa", "bbb"]);
    assert_eq!(ids("params.lr >= 0.1"), ["aaa"]);
    assert_eq!(ids("params.lr < 0.05"), ["bbb", "ccc"]);
    assert_eq!(ids("params.lr <= 1e-3"), ["ccc"]);
    assert_eq!(ids("params.lr > -1"), ["aaa", "bbb", "ccc"]);
    // Values that are not numbers, and missing params, never match.
    assert_eq!(ids("params.opt > 0"), Vec::<String>::new());
    assert_eq!(ids("params.nothing < 1e999"), Vec::<String>::new());
    // Tags too: 10 > 9 as numbers, though "10" < "9" as strings.
    assert_eq!(ids("tags.epochs > 9"), ["aaa"]);
    assert_eq!(ids("tags.epochs >= 9 AND params.lr < 0.05"), ["bbb"]);
    // Quoted values keep MLflow's rules: strings, and no ordering comparators.
    assert_eq!(ids("params.lr = '0.1'"), ["aaa"]);
    let e = parse_filter("params.lr > '0.01'").expect_err("MLflow refuses");
    assert!(
        e.message.starts_with("Invalid comparator '>' not one of"),
        "{e}"
    );
    // Equality with an unquoted number stays MLflow's error, with a hint.
    let e = parse_filter("params.lr = 0.01").expect_err("MLflow refuses");
    assert_eq!(e.position, 12);
    assert!(
        e.message.starts_with(
            "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 0.01"
        ),
        "{e}"
    );
    assert!(
        e.message.ends_with("quote the value: params.lr = '0.01')"),
        "{e}"
    );
    let e = parse_filter("tags.`my tag` != 3").expect_err("MLflow refuses");
    assert!(e.message.ends_with("tags.`my tag` != '3')"), "{e}");
    // Printing and parsing give the same filter.
    let f = ok("params.lr > 0.005 AND tags.epochs <= 1e999");
    assert_eq!(f.to_string(), "params.lr > 0.005 AND tags.epochs <= 1e999");
    assert_eq!(parse_filter(&f.to_string()), Ok(f));
}

#[test]
fn numeric_params_stay_off_the_server() {
    let part = |s: &str| ok(s).mlflow_part().to_string();
    assert_eq!(part("params.lr > 0.01"), "");
    assert_eq!(
        part("params.lr > 0.01 AND metrics.acc > 0.9 AND params.opt = 'adam'"),
        "metrics.acc > 0.9 AND params.opt = 'adam'"
    );
    assert_eq!(
        part("tags.epochs < 3 AND status = 'FINISHED'"),
        "status = 'FINISHED'"
    );
}
