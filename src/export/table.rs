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
    /// Exact text for CSV and Markdown: shortest round-trip floats, ISO-8601 UTC times.
    pub fn exact(&self) -> String {
        match self {
            Cell::Missing => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(v) => text::float_exact(*v),
            Cell::Int(i) => i.to_string(),
            Cell::Time(t) => text::time_iso(*t),
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
pub(crate) const MAX_TEXT_WIDTH: usize = 40;

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
        for row in &self.rows {
            w.write_record(row.iter().map(|c| show(c.exact())))?;
        }
        w.flush()?;
        Ok(())
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
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(|c| esc(&c.exact())).collect();
            writeln!(out, "| {} |", cells.join(" | "))?;
        }
        Ok(())
    }

    /// An aligned, width-aware text table; values are escaped for the terminal.
    pub fn write_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let headers: Vec<String> = self
            .headers
            .iter()
            .map(|h| text::sanitize(h).into_owned())
            .collect();
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| text::truncate(&c.display(), MAX_TEXT_WIDTH).into_owned())
                    .collect()
            })
            .collect();
        let widths: Vec<usize> = (0..headers.len())
            .map(|i| {
                cells
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|s| text::width(s))
                    .chain([text::width(&headers[i]).min(MAX_TEXT_WIDTH)])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
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
        writeln!(out, "{}", line(&headers))?;
        for r in &cells {
            writeln!(out, "{}", line(r))?;
        }
        Ok(())
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
