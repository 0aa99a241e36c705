//! Reducing a long series to what a chart of a given width can show, without losing the
//! shape: per x bucket the first, lowest, highest and last point are kept.

/// Points of `pts` (sorted by x) for an x window `[lo, hi]` drawn `buckets` columns wide.
/// One point either side of the window is kept so lines run to the edges; the first and
/// last points of the window and every bucket's extremes are always kept.
pub fn minmax(pts: &[(f64, f64)], lo: f64, hi: f64, buckets: usize) -> Vec<(f64, f64)> {
    let a = pts.partition_point(|p| p.0 < lo).saturating_sub(1);
    let b = (pts.partition_point(|p| p.0 <= hi) + 1).min(pts.len());
    let window = &pts[a..b];
    let buckets = buckets.max(1);
    if window.len() <= 4 * buckets {
        return window.to_vec();
    }
    let span = (hi - lo).max(f64::MIN_POSITIVE);
    let mut out = Vec::with_capacity(4 * buckets + 2);
    let mut i = 0;
    while i < window.len() {
        // The bucket of point i, and where it ends (a binary search, not a division per point).
        let b = (((window[i].0 - lo) / span) * buckets as f64).floor();
        let edge = lo + (b + 1.0) * span / buckets as f64;
        let j = i + window[i..].partition_point(|p| p.0 < edge).max(1);
        let bucket = &window[i..j];
        let (mut min_k, mut max_k) = (0, 0);
        for (k, p) in bucket.iter().enumerate() {
            if p.1 < bucket[min_k].1 {
                min_k = k;
            }
            if p.1 > bucket[max_k].1 {
                max_k = k;
            }
        }
        let mut keep = [0, min_k, max_k, bucket.len() - 1];
        keep.sort_unstable();
        let mut prev = usize::MAX;
        for k in keep {
            if k != prev {
                out.push(bucket[k]);
                prev = k;
            }
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_first_last_and_extremes() {
        let pts: Vec<(f64, f64)> = (0..100_000)
            .map(|i| (i as f64, ((i * 7919) % 1000) as f64))
            .collect();
        let mut spiky = pts.clone();
        spiky[50_000].1 = 1e6;
        spiky[70_001].1 = -1e6;
        let d = minmax(&spiky, 0.0, 99_999.0, 100);
        assert!(d.len() <= 4 * 100 + 2, "{}", d.len());
        assert_eq!(d.first(), spiky.first());
        assert_eq!(d.last(), spiky.last());
        assert!(d.contains(&(50_000.0, 1e6)) && d.contains(&(70_001.0, -1e6)));
        assert!(d.windows(2).all(|w| w[0].0 <= w[1].0), "still sorted by x");
    }

    #[test]
    fn short_series_and_windows() {
        let pts: Vec<(f64, f64)> = (0..10).map(|i| (i as f64, i as f64)).collect();
        assert_eq!(minmax(&pts, 0.0, 9.0, 50), pts);
        // A zoomed window keeps one neighbour on each side.
        assert_eq!(minmax(&pts, 3.0, 5.0, 50), pts[2..7].to_vec());
        assert!(minmax(&[], 0.0, 1.0, 10).is_empty());
    }
}
