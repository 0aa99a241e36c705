//! Colours of the sweep charts: a sequential scale for a numeric colour column (viridis,
//! readable on dark and light backgrounds and by colour-blind readers) and the Okabe–Ito
//! palette for categories.

use super::plot::PALETTE;

/// Viridis, sampled at 9 stops.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// The scale's colour at `t` in 0..=1 (clamped), interpolated between stops.
pub fn scale(t: f64) -> (u8, u8, u8) {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let x = t * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |p: u8, q: u8| (f64::from(p) + (f64::from(q) - f64::from(p)) * f).round() as u8;
    (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The colour of category `i`.
pub fn category(i: usize) -> (u8, u8, u8) {
    PALETTE[i % PALETTE.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_ends_and_clamps() {
        assert_eq!(scale(0.0), VIRIDIS[0]);
        assert_eq!(scale(1.0), VIRIDIS[8]);
        assert_eq!(scale(2.0), VIRIDIS[8]);
        assert_eq!(scale(f64::NAN), VIRIDIS[0]);
        assert_eq!(scale(0.5), VIRIDIS[4]);
    }
}
