//! Legend labels: run names cut to fit, never ambiguous.

use crate::text;

/// Labels for runs `(name, run_id)` at most `max` cells wide. Names are escaped; empty
/// names use the id; names that would read the same after cutting get an id suffix.
pub fn legend_labels(runs: &[(&str, &str)], max: usize) -> Vec<String> {
    let base: Vec<String> = runs
        .iter()
        .map(|(name, id)| {
            // Only the start of a name can show: cut it before anything else looks at it.
            let n = text::cut(name, max.saturating_add(64)).into_owned();
            if n.is_empty() {
                id.chars().take(8).collect()
            } else {
                n
            }
        })
        .collect();
    let cut: Vec<String> = base
        .iter()
        .map(|n| text::truncate(n, max).into_owned())
        .collect();
    cut.iter()
        .enumerate()
        .map(|(i, c)| {
            let clash = cut.iter().enumerate().any(|(j, o)| j != i && o == c);
            if !clash {
                return c.clone();
            }
            let suffix = format!(" #{}", runs[i].1.chars().take(6).collect::<String>());
            let room = max.saturating_sub(text::width(&suffix)).max(1);
            format!("{}{suffix}", text::truncate(&base[i], room))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_names_stay_distinct() {
        let runs = [
            ("resnet50-sgd-lr0.1-wd0.0005", "aaaaaa11"),
            ("resnet50-sgd-lr0.1-wd0.0001", "bbbbbb22"),
            ("short", "cccccc33"),
            ("", "dddddd44"),
        ];
        let l = legend_labels(&runs, 16);
        assert_eq!(l[2], "short");
        assert_eq!(l[3], "dddddd44");
        assert_ne!(l[0], l[1]);
        assert!(
            l[0].ends_with("#aaaaaa") && l[1].ends_with("#bbbbbb"),
            "{l:?}"
        );
        assert!(l.iter().all(|s| text::width(s) <= 16), "{l:?}");
        let same = legend_labels(&[("x", "1111111"), ("x", "2222222")], 20);
        assert_ne!(same[0], same[1]);
    }
}
