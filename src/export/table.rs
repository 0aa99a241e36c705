//! A format-neutral table of typed cells and its four writers.

use std::io::Write;

use serde_json::{Map, Value as Json};

use super::fit::group_line;
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

    pub(crate) fn json(&self) -> Json {
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
pub(super) const MAX_TEXT_WIDTH: usize = 40;

impl Table {
    pub fn new(headers: Vec<String>) -> Self {
        Self {
            headers,
            rows: Vec::new(),
        }
    }

    /// RFC 4180 CSV with exact values, or (`for_terminal`) with control characters escaped
    /// as in the text table.
    pub fn write_csv(&self, out: &mut dyn Write, for_terminal: bool) -> Result<(), csv::Error> {
        let show = |s: String| {
            if for_terminal {
                text::sanitize(&s).into_owned()
            } else {
                s
            }
        };
        let mut w = csv::Writer::from_writer(out);
        w.write_record(self.headers.iter().map(|h| show(h.clone())))?;
        let millis = self.time_millis();
        for row in &self.rows {
            w.write_record(row.iter().zip(&millis).map(|(c, &m)| show(c.exact_in(m))))?;
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

    /// A GitHub-flavoured Markdown table with exact values, or (`for_terminal`) with control
    /// characters escaped as in the text table.
    pub fn write_markdown(&self, out: &mut dyn Write, for_terminal: bool) -> std::io::Result<()> {
        let esc = |s: &str| {
            let md = s
                .replace('\\', "\\\\")
                .replace('|', "\\|")
                .replace("\r\n", "<br>")
                .replace('\n', "<br>");
            if for_terminal {
                text::sanitize(&md).into_owned()
            } else {
                md
            }
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
    pub(super) fn write_text_capped(
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
    pub(super) fn header_lines(&self, grouped: bool) -> (Vec<Option<String>>, Vec<String>) {
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
    pub(super) fn display_cells(&self) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| text::truncate(&c.display(), MAX_TEXT_WIDTH).into_owned())
                    .collect()
            })
            .collect()
    }

    pub(super) fn column_is_numeric(&self, i: usize) -> bool {
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
pub(super) fn natural_widths(headers: &[String], cells: &[Vec<String>]) -> Vec<usize> {
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
        sample().write_csv(&mut out, false).expect("csv");
        let text = String::from_utf8(out).expect("utf8");
        assert_eq!(
            text,
            "name,loss\n\"a,\"\"b\"\"\nc\",0.1\n実験|🚀,NaN\nevil\u{1b}[2J,\n"
        );
    }

    #[test]
    fn csv_and_markdown_for_a_terminal_escape_controls() {
        let mut t = sample();
        t.rows.push(vec![
            Cell::Text("a\u{1b}]0;pwned\u{7}b\u{9b}c\u{202e}d".into()),
            Cell::Missing,
        ]);
        let mut out = Vec::new();
        t.write_csv(&mut out, true).expect("csv");
        let text = String::from_utf8(out).expect("utf8");
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
        assert!(
            text.contains("a\\e]0;pwned\\x07b\\x9bc\\u{202e}d"),
            "{text}"
        );
        assert!(
            text.contains("\"a,\"\"b\"\"\\nc\""),
            "a newline in a value: {text}"
        );
        let mut out = Vec::new();
        t.write_markdown(&mut out, true).expect("md");
        let text = String::from_utf8(out).expect("utf8");
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
        assert!(text.contains("| a,\"b\"<br>c | 0.1 |"), "{text}");
        assert!(text.contains("\\u{202e}"), "{text}");
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
        t.write_csv(&mut out, false).expect("csv");
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
        sample().write_markdown(&mut out, false).expect("md");
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
}
