//! "Did you mean …": the known names closest to a name that matched nothing, by edit
//! distance (with transpositions) and by substring, for messages about typed names
//! (columns, experiments, metric keys).

/// Edit distance between `a` and `b` counting insertions, deletions, substitutions and
/// swaps of two neighbouring characters (optimal string alignment), case-sensitively.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows: the one before the previous (for swaps), the previous and the current.
    let mut before = vec![0usize; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0usize; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Up to `max` of `candidates` that `typed` most likely meant, best first: names within a
/// small edit distance (a third of the length, at least 2; 1 for names of up to three
/// characters; case ignored), then names that contain what was typed or are contained in
/// it, then longer names that begin with what was typed, give or take one edit (`resnt`
/// for `resnet-cifar10`). Empty when nothing is close.
pub fn closest<'a, I>(typed: &str, candidates: I, max: usize) -> Vec<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let t = typed.to_lowercase();
    let len = t.chars().count();
    let limit = if len <= 3 { 1 } else { (len / 3).max(2) };
    let mut scored: Vec<(usize, usize, &'a str)> = Vec::new();
    for c in candidates {
        let lc = c.to_lowercase();
        let d = distance(&t, &lc);
        // Rank: 0 for near misses (by distance), 1 for substring matches.
        let rank = if d <= limit {
            Some((0, d))
        } else if !t.is_empty() && (lc.contains(&t) || t.contains(&lc)) && lc.len() > 1 {
            Some((1, lc.len().abs_diff(t.len())))
        } else if len >= 4 && prefix_distance(&t, &lc) <= 1 {
            // A mistyped beginning of a longer name: `resnt` for `resnet-cifar10`.
            Some((2, prefix_distance(&t, &lc)))
        } else {
            None
        };
        if let Some((r, d)) = rank {
            scored.push((r, d, c));
        }
    }
    scored.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
    scored.dedup_by(|a, b| a.2 == b.2);
    scored.into_iter().take(max).map(|(_, _, c)| c).collect()
}

/// The smallest distance between `typed` and a beginning of `name` about as long (one
/// character shorter to one longer), for names longer than what was typed.
fn prefix_distance(typed: &str, name: &str) -> usize {
    let n = typed.chars().count();
    if name.chars().count() <= n {
        return usize::MAX;
    }
    (n.saturating_sub(1)..=n + 1)
        .map(|k| distance(typed, &name.chars().take(k).collect::<String>()))
        .min()
        .unwrap_or(usize::MAX)
}

/// `"; did you mean a, b or c?"` for the closest candidates, or an empty string.
pub fn did_you_mean<'a, I>(typed: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    let found = closest(typed, candidates, 3);
    match found.as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean {one}?"),
        [init @ .., last] => format!("; did you mean {} or {last}?", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits_and_swaps() {
        assert_eq!(distance("", ""), 0);
        assert_eq!(distance("abc", ""), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("metrics.eval_f1", "metrics.val_f1"), 1);
        assert_eq!(distance("acc", "cac"), 1);
        assert_eq!(distance("実験", "実験-🚀"), 2);
    }

    #[test]
    fn closest_prefers_near_misses_then_substrings() {
        let keys = ["val_f1", "val_acc", "train_f1", "lr"];
        assert_eq!(closest("eval_f1", keys, 3), ["val_f1"]);
        assert_eq!(closest("LR", keys, 3), ["lr"]);
        assert_eq!(closest("f1", keys, 3), ["val_f1", "train_f1"]);
        assert_eq!(
            closest("val", ["resnet-val", "bert", "sweep"], 3),
            ["resnet-val"]
        );
        assert!(closest("zzzzzzzz", keys, 3).is_empty());
        assert_eq!(
            closest("resnt", ["resnet-cifar10", "bert-finetune", "Default"], 3),
            ["resnet-cifar10"]
        );
        assert_eq!(
            closest("trian", ["train/loss", "val/loss"], 3),
            ["train/loss"]
        );
    }

    #[test]
    fn did_you_mean_reads_as_a_sentence() {
        assert_eq!(did_you_mean("x", Vec::<&str>::new()), "");
        assert_eq!(did_you_mean("sweep", ["swep"]), "; did you mean swep?");
        assert_eq!(
            did_you_mean("abcd", ["abce", "abcf", "abcg", "abch"]),
            "; did you mean abce, abcf or abcg?"
        );
    }
}
