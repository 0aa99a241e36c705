//! A format-neutral table of typed cells and its four writers.

use std::io::Write;

use serde_json::{Map, Value as Json};

use crate::text;

/// One typed cell; each writer formats it for its audience.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Missing,
    Text(String),
    Number(f64),
    Int(i64),
    /// Epoch milliseconds.
    Time(i64),
    /// Milliseconds.
    Duration(i64),
}

impl Cell {
    /// Exact text for CSV and Markdown, as pandas writes MLflow's `search_runs` DataFrame:
    /// shortest round-trip floats in Python's spelling, UTC times as
    /// `2026-11-26 19:57:51.123+00:00`.
    pub fn exact(&self) -> String {
        self.exact_in(true)
    }

    /// [`Cell::exact`], with the milliseconds of times written only when `millis` (pandas
    /// leaves them out of a column whose times are all on whole seconds).
    pub fn exact_in(&self, millis: bool) -> String {
        match self {
            Cell::Missing => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(v) => text::float_exact(*v),
            Cell::Int(i) => i.to_string(),
            Cell::Time(t) => text::time_pandas(*t, millis),
            Cell::Duration(d) => format!("{:.3}", *d as f64 / 1000.0),
        }
    }

    /// Short text for reading on screen (escaped for the terminal).
    pub fn display(&self) -> String {
        match self {
            Cell::Missing => "-".into(),
            Cell::Text(s) => text::sanitize(s).into_owned(),
            Cell::Number(v) => text::float_short(*v),
            Cell::Int(i) => i.to_string(),
            Cell::Time(t) => text::time_short(*t),
            Cell::Duration(d) => text::duration_short(*d),
        }
    }

    fn json(&self) -> Json {
        match self {
            Cell::Missing => Json::Null,
            Cell::Text(s) => Json::String(s.clone()),
            Cell::Number(v) => super::json_float(*v),
            Cell::Int(i) | Cell::Time(i) | Cell::Duration(i) => Json::from(*i),
        }
    }

    fn is_numeric(&self) -> bool {
        matches!(self, Cell::Number(_) | Cell::Int(_) | Cell::Duration(_))
    }
}

/// A table: named columns and rows of cells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Widest a text-table column may get before values are cut with `…`.
const MAX_TEXT_WIDTH: usize = 40;

/// Narrowest a text column is cut to when a table is fitted to a terminal.
pub const MIN_FIT_WIDTH: usize = 12;

impl Table {
    pub fn new(headers: Vec<String>) -> Self {
        Self {
            headers,
            rows: Vec::new(),
        }
    }

    pub fn write_csv(&self, out: &mut dyn Write) -> Result<(), csv::Error> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(&self.headers)?;
        let millis = self.time_millis();
        for row in &self.rows {
            w.write_record(row.iter().zip(&millis).map(|(c, &m)| c.exact_in(m)))?;
        }
        w.flush()?;
        Ok(())
    }

    /// Per column: whether its times need milliseconds (some time is not on a whole second).
    fn time_millis(&self) -> Vec<bool> {
        let mut millis = vec![false; self.headers.len()];
        for row in &self.rows {
            for (m, c) in millis.iter_mut().zip(row) {
                if let Cell::Time(t) = c {
                    *m |= t.rem_euclid(1000) != 0;
                }
            }
        }
        millis
    }

    /// An array of objects keyed by column name.
    pub fn to_json(&self) -> Json {
        Json::Array(
            self.rows
                .iter()
                .map(|row| {
                    let obj: Map<String, Json> = self
                        .headers
                        .iter()
                        .zip(row)
                        .map(|(h, c)| (h.clone(), c.json()))
                        .collect();
                    Json::Object(obj)
                })
                .collect(),
        )
    }

    pub fn write_markdown(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let esc = |s: &str| {
            s.replace('\\', "\\\\")
                .replace('|', "\\|")
                .replace("\r\n", "<br>")
                .replace('\n', "<br>")
        };
        writeln!(
            out,
            "| {} |",
            self.headers
                .iter()
                .map(|h| esc(h))
                .collect::<Vec<_>>()
                .join(" | ")
        )?;
        let rule: Vec<&str> = (0..self.headers.len())
            .map(|i| {
                if self.column_is_numeric(i) {
                    "---:"
                } else {
                    "---"
                }
            })
            .collect();
        writeln!(out, "| {} |", rule.join(" | "))?;
        let millis = self.time_millis();
        for row in &self.rows {
            let cells: Vec<String> = row
                .iter()
                .zip(&millis)
                .map(|(c, &m)| esc(&c.exact_in(m)))
                .collect();
            writeln!(out, "| {} |", cells.join(" | "))?;
        }
        Ok(())
    }

    /// An aligned, width-aware text table; values are escaped for the terminal.
    pub fn write_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let caps = vec![MAX_TEXT_WIDTH; self.headers.len()];
        self.write_text_capped(out, &caps, false)
    }

    /// [`Table::write_text`] with each column at most `caps[i]` cells wide. With `grouped`,
    /// `metrics.`, `params.` and `tags.` columns are headed by their key under a line that
    /// names the group once (`metrics` over `loss  acc`), which keeps them narrow.
    fn write_text_capped(
        &self,
        out: &mut dyn Write,
        caps: &[usize],
        grouped: bool,
    ) -> std::io::Result<()> {
        let (groups, headers) = self.header_lines(grouped);
        let cells = self.display_cells();
        let widths = natural_widths(&headers, &cells);
        let widths: Vec<usize> = widths.iter().zip(caps).map(|(w, c)| *w.min(c)).collect();
        let numeric: Vec<bool> = (0..headers.len())
            .map(|i| self.column_is_numeric(i))
            .collect();
        let line = |vals: &[String]| -> String {
            let parts: Vec<String> = vals
                .iter()
                .enumerate()
                .map(|(i, v)| text::pad(&text::truncate(v, widths[i]), widths[i], numeric[i]))
                .collect();
            parts.join("  ").trim_end().to_string()
        };
        if groups.iter().any(Option::is_some) {
            writeln!(out, "{}", group_line(&groups, &widths))?;
        }
        writeln!(out, "{}", line(&headers))?;
        for r in &cells {
            writeln!(out, "{}", line(r))?;
        }
        Ok(())
    }

    /// The group of each column (`metrics`, `params`, `tags`; only when `grouped`) and the
    /// header shown under it, escaped for the terminal.
    fn header_lines(&self, grouped: bool) -> (Vec<Option<String>>, Vec<String>) {
        self.headers
            .iter()
            .map(|h| {
                let split = ["metrics", "params", "tags"].iter().find_map(|g| {
                    let key = h.strip_prefix(g)?.strip_prefix('.')?;
                    Some((g.to_string(), key))
                });
                match split {
                    Some((g, key)) if grouped => (Some(g), text::sanitize(key).into_owned()),
                    _ => (None, text::sanitize(h).into_owned()),
                }
            })
            .unzip()
    }

    /// Every cell as shown on screen, cut at [`MAX_TEXT_WIDTH`].
    fn display_cells(&self) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| text::truncate(&c.display(), MAX_TEXT_WIDTH).into_owned())
                    .collect()
            })
            .collect()
    }

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

    fn column_is_numeric(&self, i: usize) -> bool {
        let mut any = false;
        for row in &self.rows {
            match row.get(i) {
                Some(Cell::Missing) | None => {}
                Some(c) if c.is_numeric() => any = true,
                Some(_) => return false,
            }
        }
        any
    }
}

/// Width of each column: its widest cell or header (headers cut at [`MAX_TEXT_WIDTH`]).
fn natural_widths(headers: &[String], cells: &[Vec<String>]) -> Vec<usize> {
    (0..headers.len())
        .map(|i| {
            cells
                .iter()
                .filter_map(|r| r.get(i))
                .map(|s| text::width(s))
                .chain([text::width(&headers[i]).min(MAX_TEXT_WIDTH)])
                .max()
                .unwrap_or(0)
        })
        .collect()
}

/// The line above grouped headers: each group's name where its first column starts, cut
/// where the next group starts.
fn group_line(groups: &[Option<String>], widths: &[usize]) -> String {
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

    fn sample() -> Table {
        Table {
            headers: vec!["name".into(), "loss".into()],
            rows: vec![
                vec![Cell::Text("a,\"b\"\nc".into()), Cell::Number(0.1)],
                vec![Cell::Text("実験|🚀".into()), Cell::Number(f64::NAN)],
                vec![Cell::Text("evil\u{1b}[2J".into()), Cell::Missing],
            ],
        }
    }

    #[test]
    fn csv_is_exact_and_quoted() {
        let mut out = Vec::new();
        sample().write_csv(&mut out).expect("csv");
        let text = String::from_utf8(out).expect("utf8");
        assert_eq!(
            text,
            "name,loss\n\"a,\"\"b\"\"\nc\",0.1\n実験|🚀,NaN\nevil\u{1b}[2J,\n"
        );
    }

    #[test]
    fn csv_times_drop_milliseconds_only_for_whole_second_columns() {
        let t = Table {
            headers: vec!["a".into(), "b".into()],
            rows: vec![
                vec![Cell::Time(1_795_723_383_000), Cell::Time(1_795_723_383_000)],
                vec![Cell::Time(1_795_723_384_250), Cell::Missing],
            ],
        };
        let mut out = Vec::new();
        t.write_csv(&mut out).expect("csv");
        assert_eq!(
            String::from_utf8(out).expect("utf8"),
            "a,b\n2026-11-26 20:03:03.000+00:00,2026-11-26 20:03:03+00:00\n\
             2026-11-26 20:03:04.250+00:00,\n"
        );
    }

    #[test]
    fn json_uses_strings_for_non_finite() {
        let j = sample().to_json();
        assert_eq!(j[1]["loss"], "NaN");
        assert_eq!(j[2]["loss"], Json::Null);
        assert_eq!(j[0]["name"], "a,\"b\"\nc");
    }

    #[test]
    fn markdown_escapes_pipes_and_newlines() {
        let mut out = Vec::new();
        sample().write_markdown(&mut out).expect("md");
        let text = String::from_utf8(out).expect("utf8");
        assert!(text.contains("| a,\"b\"<br>c | 0.1 |"), "{text}");
        assert!(text.contains("実験\\|🚀"), "{text}");
        assert!(text.contains("| --- | ---: |"), "{text}");
    }

    #[test]
    fn text_table_aligns_wide_chars_and_escapes() {
        let mut out = Vec::new();
        sample().write_text(&mut out).expect("text");
        let text = String::from_utf8(out).expect("utf8");
        assert!(
            !text.contains('\u{1b}'),
            "raw escape reached the output: {text:?}"
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "name       loss");
        assert_eq!(lines[1], "a,\"b\"\\nc    0.1");
        assert_eq!(lines[2], "実験|🚀     NaN");
        assert_eq!(lines[3], "evil\\e[2J     -");
    }

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
