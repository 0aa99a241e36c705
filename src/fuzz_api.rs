//! Entry points for the fuzz targets in `fuzz/` and the property tests: each runs one
//! parser of untrusted input on arbitrary bytes and checks what must always hold (no panic,
//! agreement between equivalent paths, round trips). Not part of mltui's API.

use crate::index;
use crate::model::{Lifecycle, MetricPoint, MetricSummary, Run, RunStatus};

/// The metric-line parser: whole-buffer and streamed parsing (through reads of every size)
/// agree, and what is consumed ends at a line end.
pub fn metric_lines(data: &[u8]) {
    crate::store::fuzz_metric_lines(data);
}

/// The `meta.yaml` reader: never panics, fields read back consistently.
pub fn meta_yaml(data: &[u8]) {
    crate::store::fuzz_meta_yaml(data);
}

/// The filter parser: a parsed filter prints as text that parses to the same filter, its
/// MLflow part too; errors point inside the input; evaluation never panics.
pub fn filter(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match index::parse_filter(text) {
        Ok(f) => {
            let printed = f.to_string();
            let again = index::parse_filter(&printed)
                .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?}, which fails: {e}"));
            // Equal, or (a NaN literal) equal as Debug text; -0 prints as 0, which is equal.
            assert!(
                again == f || format!("{again:?}") == format!("{f:?}"),
                "{text:?} printed as {printed:?}: {again:?} != {f:?}"
            );
            let part = f.mlflow_part();
            let printed = part.to_string();
            let reparsed = index::parse_filter(&printed)
                .unwrap_or_else(|e| panic!("mlflow part {printed:?} fails: {e}"));
            assert!(
                reparsed == part || format!("{reparsed:?}") == format!("{part:?}"),
                "mlflow part {printed:?}: {reparsed:?} != {part:?}"
            );
            let run = sample_run();
            if f.matches(&run) {
                assert!(part.matches(&run), "{text:?}: the MLflow part is narrower");
            }
        }
        Err(e) => assert!(
            e.position <= text.chars().count(),
            "{text:?}: position {} beyond the end",
            e.position
        ),
    }
    let _ = index::parse_order_by(&[text.to_string()]);
}

/// The REST page decoders: never panic, and agree with decoding the whole document first.
pub fn rest_page(data: &[u8]) {
    crate::store::fuzz_rest_page(data);
}

fn sample_run() -> Run {
    let point = |v: f64| MetricPoint {
        step: 3,
        timestamp: 1000,
        value: v,
    };
    Run {
        run_id: "abc123".into(),
        run_name: "run 'one'".into(),
        experiment_id: "1".into(),
        status: RunStatus::Finished,
        lifecycle: Lifecycle::Active,
        user_id: "me".into(),
        start_time: Some(1000),
        end_time: Some(5000),
        artifact_uri: "file:///x".into(),
        params: [("lr", "0.1"), ("opt", "adam"), ("a b", "c")]
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect(),
        tags: [("mlflow.runName", "run 'one'"), ("team", "x")]
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect(),
        metrics: [("acc", 0.9), ("loss", f64::NAN), ("inf", f64::INFINITY)]
            .into_iter()
            .map(|(k, v)| (k.into(), MetricSummary::from_point(point(v))))
            .collect(),
        datasets: Vec::new(),
        aggregates: Default::default(),
    }
}

/// Property tests over the same entry points, run by `cargo test` with inputs shaped like each
/// parser's language (plus noise); `PROPTEST_CASES=100000 cargo test --lib fuzz_api` runs
/// them longer. Crashers found by fuzzing live in `fuzz/regressions/<target>/` and are
/// replayed here.
#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    fn pieces(choices: &'static [&'static str]) -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(choices), 0..60).prop_map(|v| v.concat())
    }

    fn metric_text() -> impl Strategy<Value = Vec<u8>> {
        let words = pieces(&[
            "1795721746511",
            "0",
            "-5",
            "12",
            " ",
            " ",
            "\n",
            "\n",
            "\r\n",
            "\t",
            "0.5",
            "nan",
            "inf",
            "-inf",
            "1e-20",
            "+1.5",
            "1.7e12",
            ".",
            "-",
            "e",
            "x",
            "train",
            "5d3f",
            "99999999999999999999",
        ]);
        (words, proptest::collection::vec(any::<u8>(), 0..8)).prop_map(|(w, noise)| {
            let mut b = w.into_bytes();
            b.extend(noise);
            b
        })
    }

    fn yaml_text() -> impl Strategy<Value = String> {
        pieces(&[
            "experiment_id: ",
            "run_id: ",
            "status: ",
            "start_time: ",
            "name: ",
            "tags:\n  ",
            "'1'",
            "12",
            "1700000000000.0",
            "null",
            "abc",
            "\"q\\\"x\"",
            "[",
            "]",
            "{",
            "}",
            ", ",
            "\n",
            "  ",
            "- ",
            "&a ",
            "*a",
            "? ",
            ": ",
            "#c",
            "'",
            "\"",
            "1e400",
            "~",
        ])
    }

    fn filter_text() -> impl Strategy<Value = String> {
        pieces(&[
            "metrics.acc",
            "params.lr",
            "tags.`a b`",
            "attributes.status",
            "run_name",
            "datasets.name",
            "metrics.`x.y`",
            " ",
            " = ",
            " != ",
            " > ",
            " <= ",
            " LIKE ",
            " ILIKE ",
            " IN ",
            " NOT IN ",
            " AND ",
            " and ",
            " OR ",
            "(",
            ")",
            "'adam'",
            "\"x\"",
            "'%a_'",
            "('A', 'B')",
            "0.9",
            "-0",
            "1e999",
            "-1e999",
            "nan",
            "3",
            "'FINISHED'",
            "`",
            "'",
            ",",
            "é",
            "\u{202e}",
        ])
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            proptest::sample::select(
                &["NaN", "Infinity", "-Infinity", "FINISHED", "x", "1", ""][..]
            )
            .prop_map(Value::from),
        ];
        leaf.prop_recursive(5, 64, 8, |inner| {
            let keys = proptest::sample::select(
                &[
                    "runs",
                    "experiments",
                    "metrics",
                    "next_page_token",
                    "info",
                    "data",
                    "inputs",
                    "run_id",
                    "run_uuid",
                    "status",
                    "params",
                    "tags",
                    "key",
                    "value",
                    "step",
                    "timestamp",
                    "experiment_id",
                    "dataset_inputs",
                    "dataset",
                    "name",
                    "digest",
                    "run",
                    "start_time",
                ][..],
            );
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                proptest::collection::vec((keys, inner), 0..6).prop_map(|kv| {
                    serde_json::Value::Object(
                        kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
                    )
                }),
            ]
        })
    }

    proptest! {
        #[test]
        fn metric_lines(data in metric_text()) {
            super::metric_lines(&data);
        }

        #[test]
        fn metric_lines_raw(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            super::metric_lines(&data);
        }

        #[test]
        fn meta_yaml(text in yaml_text()) {
            super::meta_yaml(text.as_bytes());
        }

        #[test]
        fn filter(text in filter_text()) {
            super::filter(text.as_bytes());
        }

        #[test]
        fn filter_raw(text in ".{0,80}") {
            super::filter(text.as_bytes());
        }

        #[test]
        fn rest_page(value in json_value()) {
            super::rest_page(value.to_string().as_bytes());
        }

        #[test]
        fn rest_page_raw(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            super::rest_page(&data);
        }
    }

    /// Every input a fuzzer once crashed on, replayed.
    #[test]
    fn fuzz_crashers_stay_fixed() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
        type Target = (&'static str, fn(&[u8]));
        let targets: [Target; 4] = [
            ("metric_lines", super::metric_lines),
            ("meta_yaml", super::meta_yaml),
            ("filter", super::filter),
            ("rest_page", super::rest_page),
        ];
        let mut replayed = 0;
        for (name, run) in targets {
            let Ok(entries) = std::fs::read_dir(root.join(name)) else {
                continue;
            };
            for entry in entries.flatten() {
                let data = std::fs::read(entry.path()).expect("read");
                run(&data);
                replayed += 1;
            }
        }
        assert!(replayed > 0, "no crashers found under {}", root.display());
    }
}
