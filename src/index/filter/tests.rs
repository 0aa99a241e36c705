//! Unit tests of filter parsing: MLflow's error table, comparators per entity, other errors
//! and their positions, and canonical printing.

use super::*;

fn err(s: &str) -> FilterError {
    parse_filter(s).expect_err(s)
}

pub(super) fn ok(s: &str) -> Filter {
    match parse_filter(s) {
        Ok(f) => f,
        Err(e) => panic!("{s:?} should parse: {e}"),
    }
}

#[test]
fn mlflow_error_table() {
    // (filter, position, message or message prefix), from docs/mlflow-rest-api.md section 3.
    let cases: &[(&str, usize, &str)] = &[
        (
            "params.lr = 0.01",
            12,
            "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 0.01",
        ),
        (
            "params.lr > '0.01'",
            10,
            "Invalid comparator '>' not one of '{'=', '!=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL'}'",
        ),
        (
            "metrics.acc > '0.85'",
            14,
            "Expected numeric value type for metric. Found '0.85'",
        ),
        (
            "metrics.acc IS NULL",
            12,
            "IS NULL / IS NOT NULL is only supported for tags and params, not for 'metric' 'acc'",
        ),
        (
            "attributes.status IN ('FAILED','KILLED')",
            21,
            "Only ['run_id'] attributes support comparison with a list of quoted string values.",
        ),
        (
            "params.optimizer = adam",
            19,
            "Parameter value is either not quoted or unidentified quote types used for string value adam. \
             Use either single or double quotes.",
        ),
        (
            "metrics.val/acc > 0.9",
            0,
            "Invalid comparison clause. Expected 'Identifier' found 'metrics.val/acc'",
        ),
        (
            "tags.my tag = 'x'",
            8,
            "Invalid clause(s) in filter string: 'tags.my'",
        ),
        (
            "foo.bar = 'x'",
            0,
            "Invalid entity type 'foo'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']",
        ),
        (
            "attributes.experiment_id = '1'",
            0,
            "Invalid attribute key 'experiment_id' specified. Valid keys are",
        ),
        (
            "start_time > '0'",
            13,
            "Expected numeric value type for numeric attribute: start_time. Found '0'",
        ),
        ("METRICS.acc > 1", 0, "Invalid entity type 'METRICS'"),
        (
            "metrics.a > 1; metrics.b > 1",
            13,
            "Search filter contained multiple expression 'metrics.a > 1; metrics.b > 1'. Provide AND-ed expression list.",
        ),
    ];
    for (s, pos, msg) in cases {
        let e = err(s);
        assert!(
            e.message.starts_with(msg),
            "{s:?}: got {:?}, want {msg:?}",
            e.message
        );
        assert_eq!(e.position, *pos, "{s:?}: {e}");
        assert_eq!(e.to_string(), format!("at position {pos}: {}", e.message));
    }
    // Hints follow MLflow's text where mltui knows better.
    assert!(
        err("metrics.val/acc > 0.9")
            .message
            .ends_with("e.g. metrics.`val/acc`")
    );
    assert!(err("tags.my tag = 'x'").message.contains("tags.`my tag`"));
}

#[test]
fn doc_examples_parse() {
    for s in [
        "metrics.acc >= 0.84 and params.optimizer = 'adam'",
        "tags.stage IS NOT NULL",
        "run_name LIKE 'run-%'",
        "attributes.run_id IN ('27b2','6850')",
        "dataset.context = 'training'",
        "created > 1795721880000",
        "metrics.acc>0.85",
        "metrics.`val/acc` > 0.5",
        "params.\"batch size\" = '32'",
        "params.`p-1` = 'x'",
        "params.model.depth = '3'",
        "tags.mlflow.runName = 'x'",
        "params.ключ = 'значение'",
        "params.name = \"it's\"",
        "metrics.acc > 1 AnD params.lr = '0.1'",
        "`tags`.t = 'x'",
        "\"run name\" = 'x'",
        "attributes.`Run Name` = 'x'",
        "tags.x is not null AND params.y is null",
        "run_id NOT IN ('a', 'b',)",
        "dataset.name IN ('a')",
        "datasets.digest != 'x'",
        "metrics.acc > -1.5e3 AND metrics.b < .5 AND metrics.c = 1. AND metrics.d < 1e400",
        "start_time > 1.5",
        "run.status = 'FINISHED' AND attr.user_id = 'u' AND attribute.artifact_uri LIKE '%'",
        "metric.a = 1 AND parameter.b = '1' AND parameters.c = '1' AND param.d = '1' AND tag.e = '1'",
        "metrics.1a > 1 AND tags.in = 'x' AND params.and = 'y'",
        "",
        "   \t\n ",
    ] {
        ok(s);
    }
}

#[test]
fn comparators_per_entity() {
    let allowed = |s: &str| parse_filter(s).is_ok();
    for op in ["=", "!=", "<", "<=", ">", ">="] {
        assert!(allowed(&format!("metrics.m {op} 1")), "metric {op}");
        assert!(allowed(&format!("start_time {op} 1")), "start_time {op}");
        assert!(allowed(&format!("end_time {op} 1")), "end_time {op}");
        for s in ["params.p", "tags.t", "status", "dataset.name"] {
            assert_eq!(
                allowed(&format!("{s} {op} 'x'")),
                matches!(op, "=" | "!="),
                "{s} {op}"
            );
        }
    }
    for op in ["LIKE", "ILIKE", "like", "ilike"] {
        assert!(!allowed(&format!("metrics.m {op} 1")));
        assert!(!allowed(&format!("created {op} 1")));
        for s in [
            "params.p",
            "tags.t",
            "run_id",
            "run_name",
            "status",
            "user_id",
            "artifact_uri",
            "dataset.context",
        ] {
            assert!(allowed(&format!("{s} {op} 'x%'")), "{s} {op}");
        }
    }
    for s in ["params.p", "tags.t"] {
        assert!(allowed(&format!("{s} IS NULL")) && allowed(&format!("{s} IS NOT NULL")));
    }
    for s in ["metrics.m", "status", "start_time", "dataset.name"] {
        assert!(
            err(&format!("{s} IS NULL"))
                .message
                .starts_with("IS NULL / IS NOT NULL is only supported")
        );
    }
    for s in [
        "run_id",
        "dataset.name",
        "dataset.digest",
        "dataset.context",
    ] {
        assert!(
            allowed(&format!("{s} IN ('a')")) && allowed(&format!("{s} NOT IN ('a', 'b')")),
            "{s}"
        );
    }
    for s in ["run_name", "status", "user_id", "artifact_uri"] {
        assert!(
            err(&format!("{s} IN ('a')"))
                .message
                .starts_with("Only ['run_id']"),
            "{s}"
        );
    }
    assert!(
        err("params.p IN ('a')")
            .message
            .starts_with("Expected a quoted string value for parameter")
    );
    assert!(
        err("metrics.m IN (1)")
            .message
            .starts_with("Expected numeric value type for metric. Found (1)")
    );
    for bad in ["==", "<>", "=>", "!"] {
        assert!(
            err(&format!("metrics.m {bad} 1"))
                .message
                .starts_with(&format!("Invalid comparator '{bad}'"))
        );
    }
    for bad in ["NOT LIKE", "RLIKE", "not ilike"] {
        let e = err(&format!("params.p {bad} 'x'"));
        assert!(
            e.message
                .starts_with(&format!("Invalid comparator '{}'", bad.to_uppercase())),
            "{e}"
        );
        assert_eq!(e.position, 9);
    }
    assert!(
        err("run_id IN 'a'")
            .message
            .contains("needs a parenthesised list")
    );
    assert!(err("run_id = ('a')").message.contains("needs IN or NOT IN"));
}

#[test]
fn other_errors_and_positions() {
    let cases: &[(&str, usize, &str)] = &[
        (
            "run_id IN ()",
            10,
            "While parsing a list in the query, expected a non-empty list of string values, but got empty list",
        ),
        (
            "run_id IN (1, 2)",
            10,
            "While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: (1, 2)",
        ),
        (
            "run_id IN ('a' 'b')",
            15,
            "While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.",
        ),
        ("run_id IN ('a'", 10, "Unclosed '(': missing ')'"),
        ("params.x = 'abc", 11, "Unterminated quoted value"),
        ("params.`x = 'abc'", 7, "Unterminated backtick-quoted name"),
        ("params.x = 'it''s'", 14, "Quotes cannot be escaped"),
        ("params.x = 'it\\'s'", 15, "Quotes cannot be escaped"),
        (
            "metrics.acc",
            11,
            "Invalid clause(s) in filter string: 'metrics.acc' (expected a comparator after it, found the end",
        ),
        ("metrics.acc >", 13, "Expected a value after '>'"),
        ("metrics.", 8, "Expected a key after 'metrics.'"),
        (
            "params.a-b = 'x'",
            0,
            "Invalid comparison clause. Expected 'Identifier' found 'params.a-b'",
        ),
        (
            "metrics.acc > inf",
            14,
            "Expected numeric value type for metric. Found inf",
        ),
        (
            "metrics.acc > +1",
            14,
            "Expected a value after '>', found '+'",
        ),
        ("metrics.acc > 1 2", 16, "Expected AND or OR before '2'"),
        (
            "run_id = 'a' run_id = 'b'",
            13,
            "Expected AND or OR before 'run_id'",
        ),
        ("AND run_id = 'a'", 0, "Expected a condition, found 'AND'"),
        ("run_id = 'a' AND", 16, "Expected a condition after 'AND'"),
        (
            "run_id = 'a' OR OR run_id = 'b'",
            16,
            "Expected a condition, found 'OR'",
        ),
        ("(run_id = 'a'", 0, "Unclosed '(': missing ')'"),
        ("run_id = 'a')", 12, "Unmatched ')'"),
        ("()", 1, "Expected a condition, found ')'"),
        ("NOT run_id = 'a'", 0, "Expected a condition, found 'NOT'"),
        ("params.x IS 'a'", 12, "Expected NULL or NOT NULL after IS"),
        (
            "dataset.size = 'x'",
            0,
            "Invalid dataset key 'size' specified.",
        ),
        (
            "dataset.name = 1",
            15,
            "Expected a quoted string value for dataset attributes. Got value 1",
        ),
        (
            "status = 1",
            9,
            "Expected a quoted string value for attributes. Got value 1",
        ),
        ("'0.1'", 0, "Expected a condition, found ''0.1''"),
        (
            "params.lr = 'a' -- comment",
            16,
            "Expected AND or OR before '-'",
        ),
        ("\"tags\".x = 'x'", 0, "Invalid entity type '\"tags\"'"),
        (
            "lifecycle_stage = 'active'",
            0,
            "Invalid attribute key 'lifecycle_stage'",
        ),
    ];
    for (s, pos, msg) in cases {
        let e = err(s);
        assert!(
            e.message.starts_with(msg),
            "{s:?}: got {:?}, want {msg:?}",
            e.message
        );
        assert_eq!(e.position, *pos, "{s:?}: {e}");
    }
    // Positions count characters, not bytes.
    assert_eq!(err("params.ключ = 1").position, 14);
    assert_eq!(err("params.`実験` > '1'").position, 12);
    let deep = format!("{}run_id = 'a'{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(err(&deep).message.contains("nested too deeply"));
    let ok_depth = format!("{}run_id = 'a'{}", "(".repeat(60), ")".repeat(60));
    ok(&ok_depth);
}

#[test]
fn canonical_printing() {
    let cases = [
        ("metrics.acc>0.85", "metrics.acc > 0.85"),
        (
            "metric.`train/loss` <= 1e-3",
            "metrics.`train/loss` <= 0.001",
        ),
        (
            "params.\"batch size\" = \"it's\"",
            "params.`batch size` = \"it's\"",
        ),
        ("parameter.lr like '0.%'", "params.lr LIKE '0.%'"),
        (
            "tag.x is not null and tags.\"a``b\" IS NULL",
            "tags.x IS NOT NULL AND tags.\"a``b\" IS NULL",
        ),
        (
            "attributes.created > 1795721880000",
            "start_time > 1795721880000",
        ),
        ("`Run Name` ILIKE 'x'", "run_name ILIKE 'x'"),
        ("run_id in ('a','b',)", "run_id IN ('a', 'b')"),
        (
            "datasets.context not in ('a')",
            "dataset.context NOT IN ('a')",
        ),
        (
            "metrics.a > 1e400 AND metrics.b < -1e400",
            "metrics.a > 1e999 AND metrics.b < -1e999",
        ),
        (
            "metrics.a = 1.5e300 and metrics.b = -0.0",
            "metrics.a = 1.5e300 AND metrics.b = 0",
        ),
        (
            "(run_id = 'a' OR run_id = 'b') AND (status = 'X' OR status = 'Y')",
            "(run_id = 'a' OR run_id = 'b') AND (status = 'X' OR status = 'Y')",
        ),
        (
            "(run_id = 'a' AND run_id = 'b') OR status = 'X'",
            "run_id = 'a' AND run_id = 'b' OR status = 'X'",
        ),
        (
            "((run_id = 'a' AND (run_id = 'b'))) AND status = 'X'",
            "run_id = 'a' AND run_id = 'b' AND status = 'X'",
        ),
        (
            "run_id = 'a' OR (run_id = 'b' OR status = 'X')",
            "run_id = 'a' OR run_id = 'b' OR status = 'X'",
        ),
        ("", ""),
    ];
    for (input, want) in cases {
        let f = ok(input);
        assert_eq!(f.to_string(), want, "{input}");
        assert_eq!(parse_filter(&f.to_string()), Ok(f), "{input}");
    }
}
