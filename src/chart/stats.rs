//! Percentiles for outlier clipping.

/// The `p`th percentile (0–100) of sorted values, linearly interpolated (numpy's default).
pub fn percentile_sorted(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let rank = (p.clamp(0.0, 100.0) / 100.0) * (n - 1) as f64;
            let lo = rank.floor() as usize;
            let hi = rank.ceil() as usize;
            sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_like_numpy() {
        let v: Vec<f64> = (1..=5).map(f64::from).collect();
        assert_eq!(percentile_sorted(&v, 50.0), 3.0);
        assert_eq!(percentile_sorted(&v, 5.0), 1.2);
        assert!((percentile_sorted(&v, 95.0) - 4.8).abs() < 1e-12);
        assert_eq!(percentile_sorted(&[7.0], 95.0), 7.0);
        assert!(percentile_sorted(&[], 5.0).is_nan());
    }
}
