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
            assert_eq!(again, f, "{text:?} printed as {printed:?}");
            let part = f.mlflow_part();
            let printed = part.to_string();
            assert_eq!(
                index::parse_filter(&printed).as_ref(),
                Ok(&part),
                "mlflow part {printed:?}"
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
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        tags: [("mlflow.runName", "run 'one'"), ("team", "x")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        metrics: [("acc", 0.9), ("loss", f64::NAN), ("inf", f64::INFINITY)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), MetricSummary::from_point(point(v))))
            .collect(),
        datasets: Vec::new(),
    }
}
