//! Exponential moving average, debiased at the start the way TensorBoard does it.

/// Smooths `ys` with weight `w` in [0, 1). The bias toward the zero start value is divided
/// out (`1 - w^n`), so the first smoothed value equals the first raw value.
pub fn ema_debiased(ys: &[f64], w: f64) -> Vec<f64> {
    let w = w.clamp(0.0, 0.999_999);
    let mut last = 0.0;
    let mut debias_weight = 1.0;
    ys.iter()
        .map(|&y| {
            last = last * w + (1.0 - w) * y;
            debias_weight *= w;
            last / (1.0 - debias_weight)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_value_is_unbiased_and_constants_stay_constant() {
        let s = ema_debiased(&[5.0, 5.0, 5.0], 0.9);
        for v in s {
            assert!((v - 5.0).abs() < 1e-12);
        }
        assert_eq!(
            ema_debiased(&[3.0, 1.0], 0.0),
            vec![3.0, 1.0],
            "weight 0 is the raw series"
        );
    }

    #[test]
    fn matches_tensorboard_formula() {
        // TensorBoard: last = last*w + (1-w)*y; smoothed = last / (1 - w^n)
        let s = ema_debiased(&[1.0, 0.0], 0.5);
        assert!((s[0] - 1.0).abs() < 1e-12);
        // n=2: last = 0.5*0.5 + 0 = 0.25; debias = 1 - 0.25 = 0.75 -> 1/3
        assert!((s[1] - 1.0 / 3.0).abs() < 1e-12);
    }
}
