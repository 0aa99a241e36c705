//! Round axis ticks: 1-2-5 steps for numbers, decades on a log axis, and clock-friendly
//! steps (seconds, minutes, hours, days) for time axes.

/// The step of 1, 2 or 5 times a power of ten nearest to `raw` (on a log scale).
pub fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .min_by(|a, b| (a / raw).ln().abs().total_cmp(&(b / raw).ln().abs()))
        .unwrap_or(mag)
}

/// Multiples of `step` within `[lo, hi]`.
fn multiples(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let first = (lo / step - 1e-9).ceil();
    let last = (hi / step + 1e-9).floor();
    if !(first.is_finite() && last.is_finite()) || last - first > 1000.0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut k = first;
    while k <= last {
        // Snap tiny float noise (0.30000000000000004 → 0.3) to the step's precision.
        let v = k * step;
        let snapped = if step.abs() < 1.0 {
            let digits = (-step.log10().floor()) as i32 + 1;
            let p = 10f64.powi(digits);
            (v * p).round() / p
        } else {
            v
        };
        out.push(if snapped == 0.0 { 0.0 } else { snapped });
        k += 1.0;
    }
    out
}

/// At most about `count` round values within `[lo, hi]` (1-2-5 steps).
pub fn linear(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi < lo {
        return Vec::new();
    }
    if hi == lo {
        return vec![lo];
    }
    let step = nice_step((hi - lo) / count.max(1) as f64);
    multiples(lo, hi, step)
}

/// Ticks for a log axis whose bounds are log10 values: whole decades (every k-th when
/// there are many), else 1-2-5 within decades, else round values of the span. Returned
/// as log10 values.
pub fn log10(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi < lo {
        return Vec::new();
    }
    let count = count.max(2);
    let decades = (hi.floor() - lo.ceil()) as i64 + 1;
    if decades >= 2 {
        let every = (decades as usize).div_ceil(count).max(1) as f64;
        return multiples(lo, hi, every);
    }
    let mut out = Vec::new();
    let mut e = lo.floor();
    while e <= hi.ceil() {
        for m in [1.0, 2.0, 5.0] {
            let v = e + f64::log10(m);
            if v >= lo - 1e-12 && v <= hi + 1e-12 {
                out.push(v);
            }
        }
        e += 1.0;
    }
    if out.len() >= 3 && out.len() <= count + 1 {
        return out;
    }
    linear(10f64.powf(lo), 10f64.powf(hi), count)
        .into_iter()
        .filter(|v| *v > 0.0)
        .map(f64::log10)
        .collect()
}

/// Round steps of a time axis, in milliseconds.
const TIME_STEPS_MS: [f64; 19] = [
    1_000.0,
    2_000.0,
    5_000.0,
    10_000.0,
    15_000.0,
    30_000.0,
    60_000.0,
    120_000.0,
    300_000.0,
    600_000.0,
    900_000.0,
    1_800_000.0,
    3_600_000.0,
    7_200_000.0,
    10_800_000.0,
    21_600_000.0,
    43_200_000.0,
    86_400_000.0,
    604_800_000.0,
];

/// At most about `count` ticks on clock boundaries within `[lo, hi]`; `unit_ms` is what one
/// unit of the axis is in milliseconds (1 for wall time, 1000 for seconds).
pub fn time(lo: f64, hi: f64, count: usize, unit_ms: f64) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi < lo {
        return Vec::new();
    }
    let raw = (hi - lo) * unit_ms / count.max(1) as f64;
    match TIME_STEPS_MS.iter().find(|s| **s >= raw) {
        Some(step) => multiples(lo, hi, step / unit_ms),
        // Longer than weeks per tick: round numbers of days.
        None => {
            let day = 86_400_000.0 / unit_ms;
            multiples(lo, hi, nice_step(raw / 86_400_000.0) * day)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_two_five_steps() {
        assert_eq!(nice_step(0.7), 0.5);
        assert_eq!(nice_step(1.5), 2.0);
        assert_eq!(nice_step(3.0), 2.0);
        assert_eq!(nice_step(37.0), 50.0);
        assert_eq!(nice_step(0.013), 0.01);
        assert_eq!(linear(0.0, 179.0, 5), [0.0, 50.0, 100.0, 150.0]);
        assert_eq!(linear(0.0277, 2.63, 5), [0.5, 1.0, 1.5, 2.0, 2.5]);
        assert_eq!(linear(0.1, 0.9, 4), [0.2, 0.4, 0.6, 0.8]);
        assert_eq!(linear(-1.0, 1.0, 4), [-1.0, -0.5, 0.0, 0.5, 1.0]);
    }

    #[test]
    fn decades_on_log_axes() {
        // 0.001 .. 10
        assert_eq!(log10(-3.0, 1.0, 5), [-3.0, -2.0, -1.0, 0.0, 1.0]);
        // 1e-12 .. 1e12: every few decades, still whole ones.
        let t = log10(-12.0, 12.0, 5);
        assert!(t.len() <= 6 && t.iter().all(|v| v.fract() == 0.0), "{t:?}");
        // 0.2 .. 0.9: within one decade, 1-2-5 then round values.
        let t = log10(0.2f64.log10(), 0.9f64.log10(), 4);
        let vals: Vec<f64> = t
            .iter()
            .map(|v| (10f64.powf(*v) * 1000.0).round() / 1000.0)
            .collect();
        assert_eq!(vals, [0.2, 0.4, 0.6, 0.8]);
    }

    #[test]
    fn clock_steps_for_time_axes() {
        // Relative seconds over 40 minutes: 10-minute ticks.
        assert_eq!(
            time(0.0, 2400.0, 4, 1000.0),
            [0.0, 600.0, 1200.0, 1800.0, 2400.0]
        );
        // Wall time over 3 hours: hourly ticks on the hour.
        let h = 3_600_000.0;
        let t = time(1000.5 * h, 1003.5 * h, 3, 1.0);
        assert_eq!(t, [1001.0 * h, 1002.0 * h, 1003.0 * h]);
    }
}
