//! Axes of the sweep charts (scatter, parallel coordinates): numeric — linear, or log10 for
//! positive values spanning decades — or categorical, with each category at its own place
//! and label. Positions are fractions 0..=1 of the axis; drawing code maps them to cells or
//! pixels.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use crate::index::column::{Column, Value};
use crate::index::group::cmp_keys;
use crate::model::Run;
use crate::text;

/// A run's value on an axis.
#[derive(Debug, Clone, PartialEq)]
pub enum AxisValue {
    Num(f64),
    Cat(String),
}

/// Whether an axis uses a log scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogScale {
    /// Log when every value is positive and they span at least two decades.
    #[default]
    Auto,
    On,
    Off,
}

/// How values map to positions.
#[derive(Debug, Clone, PartialEq)]
pub enum Scale {
    /// `lo..=hi` (already log10 when `log`).
    Numeric { lo: f64, hi: f64, log: bool },
    /// One place per category, in this order.
    Categories(Vec<String>),
}

/// One axis: a column and its scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub column: Column,
    pub scale: Scale,
    /// A category's position in `Scale::Categories`, by label.
    index: HashMap<String, usize>,
}

/// The values of `column` for `rows`: numbers (also text that parses as a number), text,
/// or `None` when missing or not finite.
pub fn values(
    runs: &[Run],
    rows: &[usize],
    column: &Column,
    now_ms: i64,
) -> Vec<Option<AxisValue>> {
    rows.iter()
        .map(|&r| match column.value(&runs[r], now_ms) {
            Value::Number(v) if v.is_finite() => Some(AxisValue::Num(v)),
            Value::Number(_) | Value::Missing => None,
            Value::Int(i) | Value::Duration(i) | Value::Time(i) => Some(AxisValue::Num(i as f64)),
            Value::Text(s) => Some(match s.trim().parse::<f64>() {
                Ok(v) if v.is_finite() => AxisValue::Num(v),
                _ => AxisValue::Cat(s.to_string()),
            }),
        })
        .collect()
}

impl Axis {
    /// An axis for `vals`: numeric when every present value is a number, else categorical
    /// (numbers then shown as their text). `None` when no value is present.
    pub fn fit(column: &Column, vals: &[Option<AxisValue>], log: LogScale) -> Option<Axis> {
        let present: Vec<&AxisValue> = vals.iter().flatten().collect();
        if present.is_empty() {
            return None;
        }
        let nums: Option<Vec<f64>> = present
            .iter()
            .map(|v| match v {
                AxisValue::Num(x) => Some(*x),
                AxisValue::Cat(_) => None,
            })
            .collect();
        let scale = match nums {
            Some(xs) => {
                let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let positive = lo > 0.0;
                let use_log = match log {
                    LogScale::On => positive,
                    LogScale::Off => false,
                    LogScale::Auto => positive && hi / lo >= 100.0,
                };
                let (lo, hi) = if use_log {
                    (lo.log10(), hi.log10())
                } else {
                    (lo, hi)
                };
                Scale::Numeric {
                    lo,
                    hi,
                    log: use_log,
                }
            }
            None => {
                let mut seen: HashSet<&str> = HashSet::new();
                let mut cats: Vec<Option<String>> = Vec::new();
                for v in &present {
                    match v {
                        AxisValue::Num(x) => cats.push(Some(num_label(*x))),
                        AxisValue::Cat(s) => {
                            if seen.insert(s) {
                                cats.push(Some(s.clone()));
                            }
                        }
                    }
                }
                cats.sort_by(|a, b| cmp_keys(std::slice::from_ref(a), std::slice::from_ref(b)));
                cats.dedup();
                Scale::Categories(cats.into_iter().flatten().collect())
            }
        };
        let index = match &scale {
            Scale::Categories(c) => c.iter().enumerate().map(|(i, l)| (l.clone(), i)).collect(),
            Scale::Numeric { .. } => HashMap::new(),
        };
        Some(Axis {
            column: column.clone(),
            scale,
            index,
        })
    }

    pub fn is_log(&self) -> bool {
        matches!(self.scale, Scale::Numeric { log: true, .. })
    }

    pub fn categories(&self) -> Option<&[String]> {
        match &self.scale {
            Scale::Categories(c) => Some(c),
            Scale::Numeric { .. } => None,
        }
    }

    /// The position (0..=1) of a value: the centre of its category's place.
    pub fn pos(&self, v: &AxisValue) -> Option<f64> {
        match (&self.scale, v) {
            (Scale::Numeric { lo, hi, log }, AxisValue::Num(x)) => {
                let x = if *log {
                    if *x <= 0.0 {
                        return None;
                    }
                    x.log10()
                } else {
                    *x
                };
                Some(if hi > lo { (x - lo) / (hi - lo) } else { 0.5 })
            }
            (Scale::Numeric { .. }, AxisValue::Cat(_)) => None,
            (Scale::Categories(cats), v) => {
                let i = match v {
                    AxisValue::Num(x) => *self.index.get(&num_label(*x))?,
                    AxisValue::Cat(s) => *self.index.get(s.as_str())?,
                };
                Some((i as f64 + 0.5) / cats.len() as f64)
            }
        }
    }

    /// Half the width of one category's place (for spreading its points), 0 for numbers.
    pub fn half_band(&self) -> f64 {
        match &self.scale {
            Scale::Categories(c) => 0.5 / c.len().max(1) as f64,
            Scale::Numeric { .. } => 0.0,
        }
    }

    /// The value at a position (numeric axes), undoing the log.
    pub fn value_at(&self, pos: f64) -> Option<f64> {
        match &self.scale {
            Scale::Numeric { lo, hi, log } => {
                let x = lo + pos * (hi - lo);
                Some(if *log { 10f64.powf(x) } else { x })
            }
            Scale::Categories(_) => None,
        }
    }

    /// About `n` labelled ticks: `(position, text)`. Categories get one each (thinned to
    /// fit `n`); numeric axes get evenly spaced values.
    pub fn ticks(&self, n: usize) -> Vec<(f64, String)> {
        let n = n.max(2);
        match &self.scale {
            Scale::Categories(cats) => {
                let step = cats.len().div_ceil(n).max(1);
                cats.iter()
                    .enumerate()
                    .filter(|(i, _)| i % step == 0)
                    .map(|(i, c)| {
                        (
                            (i as f64 + 0.5) / cats.len() as f64,
                            text::sanitize(c).into_owned(),
                        )
                    })
                    .collect()
            }
            Scale::Numeric { lo, hi, .. } if hi <= lo => {
                vec![(0.5, self.label_at(0.5))]
            }
            Scale::Numeric { lo, hi, log } => {
                let values = if *log {
                    log_ticks(*lo, *hi, n)
                } else {
                    nice_ticks(*lo, *hi, n)
                };
                let to_pos = |v: f64| {
                    let x = if *log { v.log10() } else { v };
                    (x - lo) / (hi - lo)
                };
                let mut out: Vec<(f64, String)> = values
                    .into_iter()
                    .map(|v| (to_pos(v), text::float_short(v)))
                    .filter(|(p, _)| (-1e-9..=1.0 + 1e-9).contains(p))
                    .collect();
                if out.len() < 2 {
                    out = vec![(0.0, self.label_at(0.0)), (1.0, self.label_at(1.0))];
                }
                out
            }
        }
    }

    fn label_at(&self, pos: f64) -> String {
        match &self.scale {
            Scale::Numeric { lo, hi, log } => {
                let x = if hi > lo { lo + pos * (hi - lo) } else { *lo };
                text::float_short(if *log { 10f64.powf(x) } else { x })
            }
            Scale::Categories(_) => String::new(),
        }
    }

    /// The axis title: the column's name, with `(log)` on a log scale.
    pub fn title(&self) -> String {
        let name = text::sanitize(&self.column.name()).into_owned();
        if self.is_log() {
            format!("{name} (log)")
        } else {
            name
        }
    }
}

/// Round values (1, 2 or 5 times a power of ten apart) between `lo` and `hi`, about `n`.
pub fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let raw = (hi - lo) / n.max(2) as f64;
    if raw.is_nan() || raw <= 0.0 || !raw.is_finite() {
        return vec![lo];
    }
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// Powers of ten between `lo` and `hi` (log10 values); with few decades also 2× and 5×.
fn log_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let (a, b) = (lo.floor() as i32, hi.ceil() as i32);
    let decades = (b - a).max(1) as usize;
    let mults: &[f64] = if decades * 3 <= n {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    let every = decades.div_ceil(n.max(1)).max(1);
    let mut out = Vec::new();
    for e in (a..=b).step_by(every) {
        for m in mults {
            let v = m * 10f64.powi(e);
            let l = v.log10();
            if l >= lo - 1e-9 && l <= hi + 1e-9 {
                out.push(v);
            }
        }
    }
    out
}

/// A number as a category label: `3`, `0.001` (shortest text that reads back the same).
fn num_label(x: f64) -> String {
    if x == x.trunc() && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// A small stable offset in -1..1 for a run id, to spread points that share a category.
pub fn jitter(run_id: &str) -> f64 {
    jitter_salted(run_id, 0)
}

/// [`jitter`] from another stream (`salt`), for a second direction.
pub fn jitter_salted(run_id: &str, salt: u8) -> f64 {
    // FNV-1a: stable across runs and platforms.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ u64::from(salt);
    for b in run_id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % 2001) as f64 / 1000.0 - 1.0
}

/// Orders numbers before text (for sorting mixed values).
pub fn cmp_values(a: &AxisValue, b: &AxisValue) -> Ordering {
    match (a, b) {
        (AxisValue::Num(x), AxisValue::Num(y)) => x.total_cmp(y),
        (AxisValue::Num(_), AxisValue::Cat(_)) => Ordering::Less,
        (AxisValue::Cat(_), AxisValue::Num(_)) => Ordering::Greater,
        (AxisValue::Cat(x), AxisValue::Cat(y)) => x.cmp(y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col() -> Column {
        Column::Param("x".into())
    }

    #[test]
    fn numeric_axes_go_log_when_values_span_decades() {
        let v = |xs: &[f64]| -> Vec<Option<AxisValue>> {
            xs.iter().map(|x| Some(AxisValue::Num(*x))).collect()
        };
        let a = Axis::fit(&col(), &v(&[0.0001, 0.001, 0.1]), LogScale::Auto).expect("axis");
        assert!(a.is_log());
        assert_eq!(a.pos(&AxisValue::Num(0.001)), Some(1.0 / 3.0));
        let ticks: Vec<String> = a.ticks(4).into_iter().map(|t| t.1).collect();
        assert_eq!(ticks, ["0.0001", "0.001", "0.01", "0.1"]);
        assert_eq!(
            nice_ticks(0.13, 0.92, 4),
            [0.2, 0.4, 0.6000000000000001, 0.8]
        );
        let b = Axis::fit(&col(), &v(&[32.0, 64.0, 256.0]), LogScale::Auto).expect("axis");
        assert!(!b.is_log());
        assert_eq!(b.pos(&AxisValue::Num(64.0)), Some(32.0 / 224.0));
        let c = Axis::fit(&col(), &v(&[-1.0, 100.0]), LogScale::On).expect("axis");
        assert!(!c.is_log(), "log needs positive values");
        let one = Axis::fit(&col(), &v(&[5.0, 5.0]), LogScale::Auto).expect("axis");
        assert_eq!(one.pos(&AxisValue::Num(5.0)), Some(0.5));
        assert_eq!(Axis::fit(&col(), &[None], LogScale::Auto), None);
    }

    #[test]
    fn categories_are_spaced_in_order_with_labels() {
        let vals = vec![
            Some(AxisValue::Cat("sgd".into())),
            Some(AxisValue::Num(3.0)),
            None,
            Some(AxisValue::Cat("adam".into())),
            Some(AxisValue::Cat("sgd".into())),
        ];
        let a = Axis::fit(&col(), &vals, LogScale::Auto).expect("axis");
        assert_eq!(
            a.categories(),
            Some(&["3".to_string(), "adam".into(), "sgd".into()][..])
        );
        assert_eq!(a.pos(&AxisValue::Cat("adam".into())), Some(0.5));
        assert_eq!(a.pos(&AxisValue::Num(3.0)), Some(1.0 / 6.0));
        assert_eq!(a.ticks(10).len(), 3);
        assert!((a.half_band() - 1.0 / 6.0).abs() < 1e-12);
        assert!(jitter("abc").abs() <= 1.0);
        assert_eq!(jitter("abc"), jitter("abc"));
    }
}
