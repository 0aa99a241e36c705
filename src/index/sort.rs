//! Sorting rows of runs by one or more columns. Missing values and NaN always sort last, in
//! both directions; ties fall back to MLflow's default order (start_time DESC, run_id ASC).

use std::cmp::Ordering;

use rayon::prelude::*;

use super::column::{Attr, Column, Value};
use crate::model::Run;

/// One sort key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SortKey {
    pub column: Column,
    pub descending: bool,
}

impl SortKey {
    pub fn asc(column: Column) -> Self {
        Self {
            column,
            descending: false,
        }
    }

    pub fn desc(column: Column) -> Self {
        Self {
            column,
            descending: true,
        }
    }
}

/// How text is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextOrder {
    /// Byte-wise, as MLflow orders params and tags (`"128" < "32"`).
    #[default]
    Lexical,
    /// Numbers inside text compare as numbers when both values parse (`"32" < "128"`).
    Numeric,
}

/// A precomputed sort value: cheap to compare many times.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Key<'a> {
    Num(f64),
    Text(&'a str),
    Nan,
    Missing,
}

#[cfg(test)]
impl Key<'_> {
    fn rank(&self) -> u8 {
        match self {
            Key::Num(_) | Key::Text(_) => 0,
            Key::Nan => 1,
            Key::Missing => 2,
        }
    }
}

#[cfg(test)]
fn key_of<'a>(run: &'a Run, column: &Column, text: TextOrder, now_ms: i64) -> Key<'a> {
    let mut no_hint = usize::MAX;
    key_hinted(run, column, text, now_ms, &mut no_hint)
}

/// The sort key of `column` of `run` (`hint`: see [`Column::value_hinted`]).
fn key_hinted<'a>(
    run: &'a Run,
    column: &Column,
    text: TextOrder,
    now_ms: i64,
    hint: &mut usize,
) -> Key<'a> {
    match column.value_hinted(run, now_ms, hint) {
        Value::Missing => Key::Missing,
        Value::Number(v) if v.is_nan() => Key::Nan,
        Value::Number(v) => Key::Num(v),
        Value::Time(t) | Value::Duration(t) | Value::Int(t) => Key::Num(t as f64),
        Value::Text(s) => match text {
            TextOrder::Numeric => match s.trim().parse::<f64>() {
                Ok(v) if !v.is_nan() => Key::Num(v),
                _ => Key::Text(s),
            },
            TextOrder::Lexical => Key::Text(s),
        },
    }
}

#[cfg(test)]
fn cmp_keys(a: &Key<'_>, b: &Key<'_>, descending: bool) -> Ordering {
    let by_rank = a.rank().cmp(&b.rank());
    if by_rank != Ordering::Equal {
        return by_rank;
    }
    let ord = match (a, b) {
        // Never NaN here (NaN is `Key::Nan`); -0.0 ties 0.0 as in MLflow's stores.
        (Key::Num(x), Key::Num(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Key::Text(x), Key::Text(y)) => x.cmp(y),
        // Numbers before text when a column mixes them.
        (Key::Num(_), Key::Text(_)) => Ordering::Less,
        (Key::Text(_), Key::Num(_)) => Ordering::Greater,
        _ => Ordering::Equal,
    };
    if descending { ord.reverse() } else { ord }
}

/// A sort key encoded for cheap comparison: `class` orders the kinds (numbers and text by
/// direction, then NaN, then missing), `num` is an order-preserving encoding of a number
/// (already flipped for descending), and `text` is compared (reversed for descending) only
/// between two texts. Comparing encodings gives exactly the order of `cmp_keys`.
#[derive(Clone, Copy)]
struct Enc<'a> {
    class: u8,
    is_text: bool,
    num: u64,
    text: &'a str,
}

impl<'a> Enc<'a> {
    fn new(key: Key<'a>, descending: bool) -> Self {
        // Numbers sort before text ascending, and after it descending.
        let (num_class, text_class) = if descending { (1, 0) } else { (0, 1) };
        match key {
            Key::Num(v) => {
                // -0.0 ties 0.0, as in `cmp_keys`.
                let v = if v == 0.0 { 0.0 } else { v };
                let bits = v.to_bits();
                let ordered = if bits >> 63 == 1 {
                    !bits
                } else {
                    bits | 1 << 63
                };
                Self {
                    class: num_class,
                    is_text: false,
                    num: if descending { !ordered } else { ordered },
                    text: "",
                }
            }
            Key::Text(text) => Self {
                class: text_class,
                is_text: true,
                num: 0,
                text,
            },
            Key::Nan => Self {
                class: 2,
                is_text: false,
                num: 0,
                text: "",
            },
            Key::Missing => Self {
                class: 3,
                is_text: false,
                num: 0,
                text: "",
            },
        }
    }

    fn cmp(&self, other: &Self, descending: bool) -> Ordering {
        match self.class.cmp(&other.class) {
            Ordering::Equal => {}
            o => return o,
        }
        if !self.is_text {
            // Same class and not text: both numbers, or both NaN or missing (num 0).
            return self.num.cmp(&other.num);
        }
        if descending {
            other.text.cmp(self.text)
        } else {
            self.text.cmp(other.text)
        }
    }
}

/// Replaces the text keys among `encs` (one key of every row) by their rank among the
/// distinct texts, when there are few of them (a param with a handful of values): the sort
/// then compares integers held in its items instead of strings held in each run (a cache
/// miss per comparison). Orders exactly as comparing the texts does.
fn rank_texts<'a: 'b, 'b>(encs: impl Iterator<Item = &'b mut Enc<'a>>, descending: bool) {
    let mut texts: Vec<&'b mut Enc<'a>> = encs.filter(|e| e.is_text).collect();
    let mut ids: std::collections::HashMap<&'a str, u32> = std::collections::HashMap::new();
    let mut of: Vec<u32> = Vec::with_capacity(texts.len());
    for e in &texts {
        let next = ids.len() as u32;
        of.push(*ids.entry(e.text).or_insert(next));
        // Mostly distinct (names, ids): comparing the texts themselves is as good.
        if ids.len() > 1024 && ids.len() > texts.len() / 8 {
            return;
        }
    }
    let mut distinct: Vec<(&'a str, u32)> = ids.into_iter().collect();
    distinct.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut rank = vec![0u64; distinct.len()];
    let last = distinct.len().saturating_sub(1) as u64;
    for (r, (_, id)) in distinct.iter().enumerate() {
        rank[*id as usize] = if descending {
            last - r as u64
        } else {
            r as u64
        };
    }
    for (e, id) in texts.iter_mut().zip(of) {
        // Still of the text class (numbers and text keep their order), compared as numbers.
        e.is_text = false;
        e.num = rank[id as usize];
        e.text = "";
    }
}

/// Sorts of at least this many rows use every core.
const PARALLEL_FROM: usize = 10_000;

/// One row being sorted: its first two keys inline (so comparisons touch only the two
/// items compared), the rest in a side table read on ties.
struct Item<'a> {
    k0: Enc<'a>,
    k1: Enc<'a>,
    pos: usize,
}

/// Sorts `rows` (indices into `runs`) by `keys`, then by MLflow's default order.
pub fn sort_rows(runs: &[Run], rows: &mut [usize], keys: &[SortKey], text: TextOrder, now_ms: i64) {
    let mut all: Vec<SortKey> = keys.to_vec();
    all.push(SortKey::desc(Column::Attr(Attr::StartTime)));
    all.push(SortKey::asc(Column::Attr(Attr::RunId)));
    let desc: Vec<bool> = all.iter().map(|k| k.descending).collect();
    let enc = |r: usize, k: &SortKey, hint: &mut usize| {
        Enc::new(
            key_hinted(&runs[r], &k.column, text, now_ms, hint),
            k.descending,
        )
    };
    // The first two keys are looked up where the previous run had them (per thread).
    let item = |hints: &mut [usize; 2], (pos, &r): (usize, &usize)| Item {
        k0: enc(r, &all[0], &mut hints[0]),
        k1: enc(r, &all[1], &mut hints[1]),
        pos,
    };
    let nrest = all.len() - 2;
    let rest_of = |&r: &usize| {
        all[2..].iter().map(move |k| {
            let mut no_hint = usize::MAX;
            enc(r, k, &mut no_hint)
        })
    };
    let cmp = |a: &Item<'_>, b: &Item<'_>, rest: &[Enc<'_>]| {
        a.k0.cmp(&b.k0, desc[0])
            .then_with(|| a.k1.cmp(&b.k1, desc[1]))
            .then_with(|| {
                let (ra, rb) = (&rest[a.pos * nrest..], &rest[b.pos * nrest..]);
                for (i, d) in desc[2..].iter().enumerate() {
                    let o = ra[i].cmp(&rb[i], *d);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                a.pos.cmp(&b.pos)
            })
    };
    // Looking values up is bound by memory latency (each run's maps live apart), so big
    // sorts spread it, and the sort, over rayon's threads. The position breaks every
    // remaining tie, so an unstable sort gives the order a stable one would.
    let items: Vec<Item<'_>> = if rows.len() >= PARALLEL_FROM {
        let rest: Vec<Enc<'_>> = rows.par_iter().flat_map_iter(rest_of).collect();
        let mut items: Vec<Item<'_>> = rows
            .par_iter()
            .enumerate()
            .map_init(|| [usize::MAX; 2], item)
            .collect();
        rank_texts(items.iter_mut().map(|it| &mut it.k0), desc[0]);
        rank_texts(items.iter_mut().map(|it| &mut it.k1), desc[1]);
        items.par_sort_unstable_by(|a, b| cmp(a, b, &rest));

        items
    } else {
        let rest: Vec<Enc<'_>> = rows.iter().flat_map(rest_of).collect();
        let mut hints = [usize::MAX; 2];
        let mut items: Vec<Item<'_>> = rows
            .iter()
            .enumerate()
            .map(|row| item(&mut hints, row))
            .collect();
        items.sort_unstable_by(|a, b| cmp(a, b, &rest));
        items
    };
    let sorted: Vec<usize> = items.iter().map(|it| rows[it.pos]).collect();
    rows.copy_from_slice(&sorted);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::tests::run_with;

    fn order(runs: &[Run], keys: &[SortKey], text: TextOrder) -> Vec<String> {
        let mut rows: Vec<usize> = (0..runs.len()).collect();
        sort_rows(runs, &mut rows, keys, text, 0);
        rows.iter().map(|&i| runs[i].run_id.clone()).collect()
    }

    #[test]
    fn nan_and_missing_sort_last_in_both_directions() {
        let runs = vec![
            run_with("a", 1, &[("acc", 0.5)], &[]),
            run_with("b", 2, &[("acc", f64::NAN)], &[]),
            run_with("c", 3, &[], &[]),
            run_with("d", 4, &[("acc", 0.9)], &[]),
            run_with("e", 5, &[("acc", -1.0)], &[]),
        ];
        let col = Column::Metric("acc".into());
        assert_eq!(
            order(&runs, &[SortKey::asc(col.clone())], TextOrder::Lexical),
            ["e", "a", "d", "b", "c"]
        );
        assert_eq!(
            order(&runs, &[SortKey::desc(col)], TextOrder::Lexical),
            ["d", "a", "e", "b", "c"]
        );
    }

    #[test]
    fn encoded_keys_compare_like_cmp_keys() {
        let keys = [
            Key::Num(f64::NEG_INFINITY),
            Key::Num(-1.5),
            Key::Num(-0.0),
            Key::Num(0.0),
            Key::Num(1e-300),
            Key::Num(2.0),
            Key::Num(f64::MAX),
            Key::Num(f64::INFINITY),
            Key::Text(""),
            Key::Text("128"),
            Key::Text("32"),
            Key::Text("a"),
            Key::Nan,
            Key::Missing,
        ];
        for descending in [false, true] {
            for a in keys {
                for b in keys {
                    let want = cmp_keys(&a, &b, descending);
                    let got = Enc::new(a, descending).cmp(&Enc::new(b, descending), descending);
                    assert_eq!(got, want, "{a:?} vs {b:?}, descending {descending}");
                }
            }
        }
    }

    #[test]
    fn many_keys_and_ties_keep_the_input_order_rule() {
        check_against_reference(40);
    }

    /// Big enough for the parallel path: texts compared by rank, keys looked up where the
    /// previous run had them (runs whose maps differ in between).
    #[test]
    fn big_sorts_order_as_comparing_key_by_key() {
        check_against_reference(PARALLEL_FROM + 2_000);
    }

    /// `sort_rows` against a stable sort comparing the keys one by one, on `n` runs whose
    /// text param has a few values (numbers and words), whose metric is NaN or missing in
    /// places, and whose maps hold extra keys now and then (positions shift).
    fn check_against_reference(n: usize) {
        let runs: Vec<Run> = (0..n)
            .map(|i| {
                let acc = [0.5, f64::NAN, 0.7][i % 3];
                let mut r = run_with(
                    &format!("r{:05}", n - 1 - i),
                    (i % 4) as i64,
                    &[("acc", acc)],
                    &[],
                );
                if i % 5 == 0 {
                    r.metrics.clear();
                }
                r.params
                    .insert("bs".into(), ["32", "128", "x"][i % 3].into());
                if i % 7 == 0 {
                    r.params.insert("a".into(), "first".into());
                    if let Some(m) = r.metrics.get("acc").cloned() {
                        r.metrics.insert("0".into(), m);
                    }
                }
                r
            })
            .collect();
        for keys in [
            vec![
                SortKey::asc(Column::Param("bs".into())),
                SortKey::desc(Column::Metric("acc".into())),
                SortKey::asc(Column::Attr(Attr::Status)),
            ],
            vec![
                SortKey::desc(Column::Param("bs".into())),
                SortKey::asc(Column::Metric("acc".into())),
            ],
            vec![SortKey::desc(Column::Metric("acc".into()))],
        ] {
            // Reference: a stable sort comparing the keys one by one.
            let mut all = keys.to_vec();
            all.push(SortKey::desc(Column::Attr(Attr::StartTime)));
            all.push(SortKey::asc(Column::Attr(Attr::RunId)));
            for text in [TextOrder::Lexical, TextOrder::Numeric] {
                let mut want: Vec<usize> = (0..runs.len()).collect();
                want.sort_by(|&a, &b| {
                    for k in &all {
                        let o = cmp_keys(
                            &key_of(&runs[a], &k.column, text, 0),
                            &key_of(&runs[b], &k.column, text, 0),
                            k.descending,
                        );
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                    Ordering::Equal
                });
                let mut got: Vec<usize> = (0..runs.len()).collect();
                sort_rows(&runs, &mut got, &keys, text, 0);
                assert_eq!(got, want, "{text:?} {keys:?}");
            }
        }
    }

    #[test]
    fn default_tie_break_is_start_time_desc_then_run_id() {
        let runs = vec![
            run_with("b", 1, &[], &[]),
            run_with("a", 1, &[], &[]),
            run_with("c", 2, &[], &[]),
        ];
        assert_eq!(order(&runs, &[], TextOrder::Lexical), ["c", "a", "b"]);
    }

    #[test]
    fn params_sort_as_strings_or_numbers_by_choice() {
        let runs = vec![
            run_with("a", 1, &[], &[("bs", "32")]),
            run_with("b", 2, &[], &[("bs", "128")]),
            run_with("c", 3, &[], &[("bs", "64")]),
        ];
        let col = Column::Param("bs".into());
        assert_eq!(
            order(&runs, &[SortKey::asc(col.clone())], TextOrder::Lexical),
            ["b", "a", "c"]
        );
        assert_eq!(
            order(&runs, &[SortKey::asc(col.clone())], TextOrder::Numeric),
            ["a", "c", "b"]
        );
        let secondary = [SortKey::asc(Column::Attr(Attr::Status)), SortKey::desc(col)];
        assert_eq!(
            order(&runs, &secondary, TextOrder::Numeric),
            ["b", "c", "a"]
        );
    }
}
