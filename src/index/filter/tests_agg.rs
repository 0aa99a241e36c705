//! Unit tests of mltui's aggregate extension in filters and orderings: `metrics.loss:min`,
//! ``metrics.`val/loss`@100``, `metrics.val/loss:max_step` (unquoted keys up to a suffix).

use super::tests::ok;
use super::*;
use crate::aggregate::{Agg, MetricAgg};
use crate::index::column::Column;
use crate::index::tests::run_with;

fn runs() -> Vec<Run> {
    let mut a = run_with("a", 1, &[("val/loss", 0.9)], &[("opt", "adam")]);
    a.aggregates.set("val/loss", Agg::Min, Some(0.1));
    a.aggregates.set("val/loss", Agg::MinStep, Some(40.0));
    a.aggregates.set("val/loss", Agg::At(100), Some(0.3));
    let mut b = run_with("b", 2, &[("val/loss", 0.5)], &[("opt", "sgd")]);
    b.aggregates.set("val/loss", Agg::Min, Some(0.4));
    b.aggregates.set("val/loss", Agg::MinStep, Some(10.0));
    b.aggregates.set("val/loss", Agg::At(100), None);
    let c = run_with("c", 3, &[], &[]);
    vec![a, b, c]
}

fn matching(f: &str) -> Vec<String> {
    let f = ok(f);
    runs()
        .iter()
        .filter(|r| f.matches(r))
        .map(|r| r.run_id.clone())
        .collect()
}

#[test]
fn aggregate_conditions_compare_the_aggregate() {
    assert_eq!(matching("metrics.val/loss:min < 0.2"), ["a"]);
    assert_eq!(matching("metrics.`val/loss`:min < 0.2"), ["a"]);
    assert_eq!(matching("metrics.\"val/loss\":min >= 0.2"), ["b"]);
    assert_eq!(matching("metrics.val/loss:min_step > 20"), ["a"]);
    assert_eq!(matching("metrics.val/loss@100 = 0.3"), ["a"]);
    assert_eq!(
        matching("metrics.val/loss@100 != 0.3"),
        Vec::<String>::new()
    );
    assert_eq!(matching("metrics.val/loss:latest < 0.6"), ["b"]);
    assert_eq!(
        matching("metrics.val/loss:min<0.2 AND params.opt = 'adam'"),
        ["a"]
    );
    assert_eq!(
        matching("metrics.val/loss:min > 1 OR metrics.val/loss:min_step = 10"),
        ["b"]
    );
    // Not computed and not in the summary: no value, nothing matches.
    assert_eq!(matching("metrics.val/loss:mean > -1"), Vec::<String>::new());
}

#[test]
fn aggregate_spelling_round_trips_and_is_kept_out_of_mlflow_part() {
    for s in [
        "metrics.`val/loss`:min < 0.2",
        "metrics.loss:max_step >= 3",
        "metrics.loss@-5 = 1",
        "metrics.loss@1000 > 0.5 AND params.a = 'x'",
    ] {
        let f = ok(s);
        assert_eq!(f.to_string(), s);
        assert_eq!(ok(&f.to_string()), f);
    }
    assert_eq!(
        ok("metrics.val/loss:min < 0.2").to_string(),
        "metrics.`val/loss`:min < 0.2"
    );
    let f = ok("metrics.loss:min < 0.2 AND metrics.loss < 1 AND params.a = 'x'");
    assert_eq!(
        f.mlflow_part().to_string(),
        "metrics.loss < 1 AND params.a = 'x'"
    );
    assert!(ok("metrics.loss@3 < 1").mlflow_part().is_match_all());
    assert_eq!(
        ok("metrics.a:min < 1 OR (metrics.b@4 > 2 AND metrics.a:min > 0)").metric_aggs(),
        [
            MetricAgg::new("a", Agg::Min),
            MetricAgg::new("b", Agg::At(4))
        ]
    );
}

#[test]
fn aggregate_errors() {
    let err = |s: &str| parse_filter(s).expect_err(s).message;
    assert!(err("params.lr:min = '1'").contains("apply to metrics only"));
    assert!(err("metrics.loss:median < 1").starts_with("Invalid comparison clause"));
    assert!(err("metrics.val/loss < 1").starts_with("Invalid comparison clause"));
    assert!(err("metrics.loss:min < 'a'").starts_with("Expected numeric value type"));
    assert!(err("metrics.loss@x < 1").starts_with("Invalid comparison clause"));
}

#[test]
fn order_by_aggregates() {
    let keys = parse_order_by(&[
        "metrics.val/acc:max DESC".to_string(),
        "metrics.`val/loss`@100".to_string(),
    ])
    .expect("valid");
    assert_eq!(
        keys[0].column,
        Column::MetricAgg("val/acc".into(), Agg::Max)
    );
    assert!(keys[0].descending);
    assert_eq!(
        keys[1].column,
        Column::MetricAgg("val/loss".into(), Agg::At(100))
    );
    assert_eq!(keys[0].to_string(), "metrics.`val/acc`:max DESC");
    let runs = runs();
    let mut rows: Vec<usize> = (0..runs.len()).collect();
    let k = parse_order_by(&["metrics.val/loss:min DESC".to_string()]).expect("valid");
    order_runs(&runs, &mut rows, &k);
    assert_eq!(
        rows,
        [1, 0, 2],
        "values first, a run without the metric last"
    );
    assert!(parse_order_by(&["params.x:min".to_string()]).is_err());
    assert!(
        parse_order_by(&[
            "metrics.a:min".to_string(),
            "metrics.`a`:min ASC".to_string()
        ])
        .is_err(),
        "the same key twice"
    );
}
