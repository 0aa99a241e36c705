//! Text tables fitted to a terminal's width: the most useful columns that fit (runs), or
//! keys and columns sharing the width (compare), with group headers and `…` cuts.

use std::io::Write;

use super::table::{Cell, Table, natural_widths};
use crate::text;

/// Narrowest a text column is cut to when a table is fitted to a terminal.
pub const MIN_FIT_WIDTH: usize = 12;

impl Table {
    /// Writes the text table within `width` cells: columns are taken in `priority` order
    /// (most useful first; columns not listed come last, in table order) while they fit,
    /// and written in that order. A text column may be cut down to [`MIN_FIT_WIDTH`] cells
    /// (values end in `…`) to fit; numbers and times are never cut. Returns how many columns
    /// were left out.
    pub fn write_text_fitted(
        &self,
        out: &mut dyn Write,
        width: usize,
        priority: &[usize],
    ) -> std::io::Result<usize> {
        let (_, headers) = self.header_lines(true);
        let cells = self.display_cells();
        let natural = natural_widths(&headers, &cells);
        let mut order: Vec<usize> = priority
            .iter()
            .copied()
            .filter(|&i| i < self.headers.len())
            .collect();
        order.extend((0..self.headers.len()).filter(|i| !priority.contains(i)));
        order.dedup();
        let mut kept: Vec<(usize, usize)> = Vec::new();
        let mut used = 0;
        for &i in &order {
            let sep = if kept.is_empty() { 0 } else { 2 };
            let room = width.saturating_sub(used + sep);
            let shrinkable = !self.column_is_numeric(i) && !self.column_is_time(i);
            let w = if natural[i] <= room {
                natural[i]
            } else if shrinkable && room >= MIN_FIT_WIDTH.min(natural[i]) {
                room
            } else {
                break;
            };
            used += sep + w;
            kept.push((i, w));
        }
        if kept.is_empty() {
            // Not even one column fits: show the first one anyway, cut.
            if let Some(&i) = order.first() {
                kept.push((i, natural[i].min(width.max(1))));
            }
        }
        let narrowed = Table {
            headers: kept.iter().map(|&(i, _)| self.headers[i].clone()).collect(),
            rows: self
                .rows
                .iter()
                .map(|r| {
                    kept.iter()
                        .map(|&(i, _)| r.get(i).cloned().unwrap_or(Cell::Missing))
                        .collect()
                })
                .collect(),
        };
        let caps: Vec<usize> = kept.iter().map(|&(_, w)| w).collect();
        narrowed.write_text_capped(out, &caps, true)?;
        Ok(self.headers.len() - kept.len())
    }

    /// Writes the text table within `width` cells for a comparison: the first column (the
    /// keys) at most `first_max` cells, then as many of the other columns as fit at least
    /// `min_each` cells wide, in order, sharing the room evenly (longer values end in `…`).
    /// Returns how many columns were left out.
    pub fn write_text_shared(
        &self,
        out: &mut dyn Write,
        width: usize,
        first_max: usize,
        min_each: usize,
    ) -> std::io::Result<usize> {
        let (_, headers) = self.header_lines(false);
        let natural = natural_widths(&headers, &self.display_cells());
        let Some((&first, rest)) = natural.split_first() else {
            return self.write_text(out).map(|()| 0);
        };
        let first = first.min(first_max);
        let room = width.saturating_sub(first);
        // The most columns that fit: each takes 2 cells of gap and at least `min_each`
        // (or its natural width, when smaller).
        let mut shown = 0;
        let mut need = 0;
        for w in rest {
            need += 2 + (*w).min(min_each);
            if need > room {
                break;
            }
            shown += 1;
        }
        let shown = shown.max(1).min(rest.len());
        // Narrow columns keep their width; the wide ones share what is left evenly.
        let mut caps = vec![first];
        caps.extend_from_slice(&rest[..shown]);
        let mut by_width: Vec<usize> = (1..=shown).collect();
        by_width.sort_by_key(|&i| caps[i]);
        let (mut left, mut k) = (room, shown);
        for i in by_width {
            let share = (left / k).saturating_sub(2).max(min_each);
            caps[i] = caps[i].min(share);
            left = left.saturating_sub(caps[i] + 2);
            k -= 1;
        }
        let narrowed = Table {
            headers: self.headers[..=shown].to_vec(),
            rows: self
                .rows
                .iter()
                .map(|r| r.iter().take(shown + 1).cloned().collect())
                .collect(),
        };
        narrowed.write_text_capped(out, &caps, false)?;
        Ok(rest.len() - shown)
    }

    fn column_is_time(&self, i: usize) -> bool {
        self.rows
            .iter()
            .any(|r| matches!(r.get(i), Some(Cell::Time(_))))
    }
}

/// The line above grouped headers: each group's name where its first column starts, cut
/// where the next group starts.
pub(super) fn group_line(groups: &[Option<String>], widths: &[usize]) -> String {
    let mut starts: Vec<(usize, &str)> = Vec::new();
    let mut x = 0;
    for (i, (g, w)) in groups.iter().zip(widths).enumerate() {
        if let Some(g) = g {
            if i == 0 || groups[i - 1].as_deref() != Some(g.as_str()) {
                starts.push((x, g));
            }
        }
        x += w + 2;
    }
    let mut line = String::new();
    for (n, (at, g)) in starts.iter().enumerate() {
        let room = starts
            .get(n + 1)
            .map_or(usize::MAX, |(next, _)| next - at - 1);
        line.push_str(&" ".repeat(at.saturating_sub(text::width(&line))));
        line.push_str(&text::truncate(g, room));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_text_shows_the_runs_that_fit_evenly() {
        let t = Table {
            headers: vec!["key".into(), "r1".into(), "r2".into(), "r3".into()],
            rows: vec![
                vec![
                    Cell::Text("tags.mlflow.source.git.commit".into()),
                    Cell::Text("3f9c2a1d8e7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a".into()),
                    Cell::Text("short".into()),
                    Cell::Text("x".into()),
                ],
                vec![
                    Cell::Text("metrics.acc".into()),
                    Cell::Number(0.5),
                    Cell::Number(0.25),
                    Cell::Number(0.125),
                ],
            ],
        };
        let shared = |width: usize| {
            let mut out = Vec::new();
            let left = t.write_text_shared(&mut out, width, 20, 16).expect("text");
            (String::from_utf8(out).expect("utf8"), left)
        };
        let (text, left) = shared(80);
        assert_eq!(left, 0);
        assert!(text.lines().all(|l| text::width(l) <= 80), "{text}");
        assert!(
            text.contains(
                "tags.mlflow.source.…  3f9c2a1d8e7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a  short  x"
            ),
            "{text}"
        );
        let (text, left) = shared(50);
        assert_eq!(left, 1, "{text}");
        assert!(text.lines().all(|l| text::width(l) <= 50), "{text}");
        assert!(
            text.contains("tags.mlflow.source.…  3f9c2a1d8e7b6c5a4f3e…  short\n"),
            "{text}"
        );
    }

    #[test]
    fn fitted_text_keeps_the_most_useful_columns_that_fit() {
        let t = Table {
            headers: vec!["id".into(), "long_text".into(), "n".into(), "m".into()],
            rows: vec![vec![
                Cell::Text("abc".into()),
                Cell::Text("x".repeat(30)),
                Cell::Number(1.5),
                Cell::Number(22.25),
            ]],
        };
        let fit = |width: usize, priority: &[usize]| {
            let mut out = Vec::new();
            let left = t
                .write_text_fitted(&mut out, width, priority)
                .expect("text");
            (String::from_utf8(out).expect("utf8"), left)
        };
        // Everything fits: all columns, in priority order.
        let (text, left) = fit(80, &[0, 2, 3, 1]);
        assert_eq!(left, 0);
        assert_eq!(text.lines().next(), Some("id     n      m  long_text"));
        // Grouped headers: the key under its group's name.
        let g = Table {
            headers: vec![
                "run_id".into(),
                "metrics.loss".into(),
                "metrics.acc".into(),
                "params.lr".into(),
            ],
            rows: vec![vec![
                Cell::Text("ab".into()),
                Cell::Number(0.5),
                Cell::Number(0.25),
                Cell::Text("0.1".into()),
            ]],
        };
        let mut out = Vec::new();
        assert_eq!(
            g.write_text_fitted(&mut out, 80, &[0, 1, 2, 3])
                .expect("text"),
            0
        );
        assert_eq!(
            String::from_utf8(out).expect("utf8"),
            "        metrics     params\nrun_id  loss   acc  lr\nab       0.5  0.25  0.1\n"
        );
        // The text column is cut to the room left (at least 12 cells)...
        let (text, left) = fit(30, &[0, 2, 3, 1]);
        assert_eq!(left, 0);
        assert!(text.lines().all(|l| text::width(l) <= 30), "{text}");
        assert!(text.contains('…'), "{text}");
        // ...or left out when less is left; numbers are never cut.
        let (text, left) = fit(20, &[0, 2, 3, 1]);
        assert_eq!(left, 1);
        assert_eq!(text.lines().nth(1), Some("abc  1.5  22.25"));
        let (text, left) = fit(8, &[0, 3, 2]);
        assert_eq!(left, 3);
        assert_eq!(text, "id\nabc\n");
    }
}
