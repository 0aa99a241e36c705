//! Property tests of the fast paths of run tables against their plain definitions: the
//! streamed CSV and JSON against those of the whole table, and the key sets of runs against a
//! union of every run's keys, for random runs with hostile text.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::{Table, Target, runs_table, write_runs_csv};
use crate::aggregate::Agg;
use crate::index::{Attr, Column, KeySets};
use crate::model::{Lifecycle, MetricPoint, MetricSummary, Run, RunStatus, Text};

const TEXT: &[&str] = &[
    "a",
    "B",
    ",",
    "\"",
    "\n",
    "\u{1b}[31m",
    "é",
    "\u{202e}",
    " ",
    "0.5",
];
const PARAMS: &[&str] = &["lr", "opt", "a/b", "z", "é"];
const TAGS: &[&str] = &["mlflow.runName", "mlflow.parentRunId", "t1", "x"];
const METRICS: &[&str] = &["loss", "acc", "m/x"];
const VALUES: &[f64] = &[
    0.1,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    1e300,
    3.0,
    -0.0,
];
const TIMES: &[Option<i64>] = &[None, Some(1_700_000_000_000), Some(1_700_000_000_123)];

fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(TEXT), 0..4).prop_map(|v| v.concat())
}

fn map_of<V: std::fmt::Debug + Clone + 'static>(
    keys: &'static [&'static str],
    value: impl Strategy<Value = V> + 'static,
) -> impl Strategy<Value = BTreeMap<String, V>> {
    proptest::collection::vec((proptest::sample::select(keys), value), 0..keys.len() + 1)
        .prop_map(|kv| kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn run() -> impl Strategy<Value = Run> {
    let summary = (proptest::sample::select(VALUES), 0..3i64).prop_map(|(value, step)| {
        MetricSummary::from_point(MetricPoint {
            step,
            timestamp: 5,
            value,
        })
    });
    (
        (text(), text(), proptest::sample::select(TIMES)),
        (proptest::sample::select(TIMES), any::<bool>()),
        map_of(PARAMS, text()),
        map_of(TAGS, text()),
        map_of(METRICS, summary),
    )
        .prop_map(
            |((id, name, start), (end, running), params, tags, metrics)| Run {
                run_id: format!("r{id}"),
                run_name: name,
                experiment_id: "1".into(),
                status: if running {
                    RunStatus::Running
                } else {
                    RunStatus::Finished
                },
                lifecycle: Lifecycle::Active,
                user_id: "u".into(),
                start_time: start,
                end_time: end,
                artifact_uri: String::new(),
                params: text_map(params),
                tags: text_map(tags),
                metrics: metrics.into_iter().map(|(k, v)| (k.into(), v)).collect(),
                datasets: Vec::new(),
                aggregates: Default::default(),
            },
        )
}

fn text_map(m: BTreeMap<String, String>) -> crate::model::KeyMap<Text> {
    m.into_iter().map(|(k, v)| (k.into(), v.into())).collect()
}

/// The CSV of the whole table, as written before streaming.
fn table_csv(table: &Table, terminal: bool) -> Vec<u8> {
    let mut out = Vec::new();
    table
        .write_csv(&mut out, terminal)
        .expect("writing to memory");
    out
}

proptest! {
    #[test]
    fn streamed_csv_equals_the_csv_of_the_table(
        runs in proptest::collection::vec(run(), 0..8),
        order in proptest::collection::vec(any::<u16>(), 0..16),
        terminal in any::<bool>(),
    ) {
        let refs: Vec<&Run> = runs.iter().collect();
        // The columns `search_runs` lists (keys in order, walked), then the same shuffled
        // with a few more (looked up).
        let mut columns = crate::index::column::search_runs_columns(refs.iter().copied());
        columns.push(Column::Attr(Attr::Duration));
        columns.push(Column::Param("missing".into()));
        columns.push(Column::MetricAgg("loss".into(), Agg::Min));
        let mut shuffled = columns.clone();
        for (i, r) in order.iter().enumerate() {
            let n = shuffled.len();
            shuffled.swap(i % n, *r as usize % n);
        }
        for cols in [&columns, &shuffled] {
            let target = if terminal { Target::Terminal } else { Target::Exact };
            let mut streamed = Vec::new();
            write_runs_csv(&refs, cols, 1_700_000_100_000, target, &mut streamed)
                .expect("writing to memory");
            let whole = table_csv(&runs_table(refs.iter().copied(), cols, 1_700_000_100_000), terminal);
            prop_assert_eq!(
                String::from_utf8_lossy(&streamed),
                String::from_utf8_lossy(&whole)
            );
        }
    }

    #[test]
    fn streamed_json_equals_the_json_of_the_whole_array(
        runs in proptest::collection::vec(run(), 0..6),
    ) {
        let refs: Vec<&Run> = runs.iter().collect();
        let mut streamed = Vec::new();
        super::write_runs_json(&refs, &mut streamed).expect("writing to memory");
        let mut whole = Vec::new();
        super::write_json(&super::runs_json(refs.iter().copied()), &mut whole)
            .expect("writing to memory");
        prop_assert_eq!(String::from_utf8_lossy(&streamed), String::from_utf8_lossy(&whole));
    }

    #[test]
    fn key_sets_are_the_union_of_every_runs_keys(
        runs in proptest::collection::vec(run(), 0..12),
        repeat in proptest::collection::vec(0..12usize, 0..12),
    ) {
        // Runs repeated (a sweep's runs hold the same keys) and not.
        let mut all: Vec<&Run> = runs.iter().collect();
        for r in repeat {
            if let Some(run) = runs.get(r) {
                all.push(run);
                all.push(run);
            }
        }
        let keys = KeySets::of(all.iter().copied());
        let union = |f: fn(&Run) -> Vec<String>| -> Vec<String> {
            all.iter().flat_map(|r| f(r)).collect::<BTreeSet<_>>().into_iter().collect()
        };
        prop_assert_eq!(keys.metrics, union(|r| r.metrics.keys().map(|k| k.to_string()).collect()));
        prop_assert_eq!(keys.params, union(|r| r.params.keys().map(|k| k.to_string()).collect()));
        prop_assert_eq!(keys.tags, union(|r| r.tags.keys().map(|k| k.to_string()).collect()));
    }
}
