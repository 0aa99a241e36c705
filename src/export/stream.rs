//! Writing a table row by row as rows arrive, in constant memory, in any format: CSV and
//! Markdown as they go, JSON as an array that is closed by `finish` (valid even when the rows
//! stop early), the text table with column widths given up front.

use std::io::Write;

use super::table::MAX_TEXT_WIDTH;
use super::{Cell, ExportError, Format, Target};
use crate::text;

/// The width `cell` takes in the text table (see [`RowWriter::new`]).
pub fn text_width(cell: &Cell) -> usize {
    text::width(&text::truncate(&cell.display(), MAX_TEXT_WIDTH))
}

/// A table written as its rows come (see the module documentation).
pub struct RowWriter<'a> {
    out: &'a mut dyn Write,
    format: Format,
    target: Target,
    headers: Vec<String>,
    /// Right-aligned columns (text table) and `---:` rules (Markdown).
    numeric: Vec<bool>,
    /// Column widths of the text table.
    widths: Vec<usize>,
    rows: u64,
    /// CSV quoting, kept from row to row (it writes into `csv_buf`).
    csv: csv::Writer<SharedBuf>,
    csv_buf: SharedBuf,
}

/// A buffer the CSV writer fills and the row writer empties.
#[derive(Clone, Default)]
struct SharedBuf(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> RowWriter<'a> {
    /// Starts a table: writes what comes before the first row. `widths` (one per column) are
    /// used by the text table only: the widest value of each column, which the caller must
    /// know before writing (cells are cut to them).
    pub fn new(
        out: &'a mut dyn Write,
        format: Format,
        target: Target,
        headers: &[&str],
        numeric: &[bool],
        widths: &[usize],
    ) -> Result<Self, ExportError> {
        let mut w = Self {
            out,
            format,
            target,
            headers: headers.iter().map(|h| h.to_string()).collect(),
            numeric: numeric.to_vec(),
            widths: widths
                .iter()
                .zip(headers)
                .map(|(w, h)| (*w).max(text::width(h)))
                .collect(),
            rows: 0,
            csv: csv::Writer::from_writer(SharedBuf::default()),
            csv_buf: SharedBuf::default(),
        };
        w.csv = csv::Writer::from_writer(w.csv_buf.clone());
        match format {
            Format::Table => {
                let header: Vec<Cell> = w.headers.iter().cloned().map(Cell::Text).collect();
                w.text_line(&header, false)?;
            }
            Format::Csv => {
                let header: Vec<String> = w.headers.iter().map(|h| w.csv_text(h.clone())).collect();
                w.csv_record(&header)?;
            }
            Format::Md => {
                let header: Vec<String> = w.headers.iter().map(|h| w.md_text(h)).collect();
                writeln!(w.out, "| {} |", header.join(" | "))?;
                let rule: Vec<&str> = w
                    .numeric
                    .iter()
                    .map(|&n| if n { "---:" } else { "---" })
                    .collect();
                writeln!(w.out, "| {} |", rule.join(" | "))?;
            }
            Format::Json => w.out.write_all(b"[")?,
        }
        Ok(w)
    }

    /// Writes one row.
    pub fn row(&mut self, cells: &[Cell]) -> Result<(), ExportError> {
        match self.format {
            Format::Table => self.text_line(cells, true)?,
            Format::Csv => {
                let record: Vec<String> = cells.iter().map(|c| self.csv_text(c.exact())).collect();
                self.csv_record(&record)?;
            }
            Format::Md => {
                let cells: Vec<String> = cells.iter().map(|c| self.md_text(&c.exact())).collect();
                writeln!(self.out, "| {} |", cells.join(" | "))?;
            }
            Format::Json => {
                // The layout of serde_json's pretty printer, one object at a time.
                self.out
                    .write_all(if self.rows == 0 { b"\n  {" } else { b",\n  {" })?;
                for (i, (h, c)) in self.headers.iter().zip(cells).enumerate() {
                    self.out
                        .write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
                    super::to_writer_safe(&mut *self.out, h)?;
                    self.out.write_all(b": ")?;
                    match c {
                        Cell::Text(t) => super::to_writer_safe(&mut *self.out, t)?,
                        other => super::to_writer_safe(&mut *self.out, &other.json())?,
                    }
                }
                self.out
                    .write_all(if cells.is_empty() { b"}" } else { b"\n  }" })?;
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Ends the table (closes the JSON array).
    pub fn finish(self) -> Result<(), ExportError> {
        if self.format == Format::Json {
            self.out
                .write_all(if self.rows == 0 { b"]\n" } else { b"\n]\n" })?;
        }
        self.out.flush()?;
        Ok(())
    }

    fn text_line(&mut self, cells: &[Cell], data: bool) -> Result<(), ExportError> {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let w = self.widths.get(i).copied().unwrap_or(0);
                let shown = if data {
                    c.display()
                } else {
                    text::sanitize(&c.exact()).into_owned()
                };
                let right = self.numeric.get(i).copied().unwrap_or(false);
                text::pad(&text::truncate(&shown, w), w, right)
            })
            .collect();
        writeln!(self.out, "{}", parts.join("  ").trim_end())?;
        Ok(())
    }

    fn csv_text(&self, s: String) -> String {
        match self.target {
            Target::Terminal => text::sanitize(&s).into_owned(),
            Target::Exact => s,
        }
    }

    /// One CSV record, quoted as RFC 4180 asks.
    fn csv_record(&mut self, fields: &[String]) -> Result<(), ExportError> {
        self.csv.write_record(fields)?;
        self.csv.flush()?;
        let mut buf = self.csv_buf.0.borrow_mut();
        self.out.write_all(&buf)?;
        buf.clear();
        Ok(())
    }

    fn md_text(&self, s: &str) -> String {
        let md = if s.contains(['\\', '|', '\n']) {
            s.replace('\\', "\\\\")
                .replace('|', "\\|")
                .replace("\r\n", "<br>")
                .replace('\n', "<br>")
        } else {
            s.to_string()
        };
        match self.target {
            Target::Terminal => text::sanitize(&md).into_owned(),
            Target::Exact => md,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{Table, write_table_to};

    fn sample() -> Table {
        Table {
            headers: vec!["name".into(), "step".into(), "value".into()],
            rows: vec![
                vec![
                    Cell::Text("a,\"b\"\nc|\u{1b}[2J\u{9b}".into()),
                    Cell::Int(1),
                    Cell::Number(0.5),
                ],
                vec![
                    Cell::Text("実験".into()),
                    Cell::Int(20),
                    Cell::Number(f64::NAN),
                ],
            ],
        }
    }

    fn streamed(t: &Table, format: Format, target: Target, widths: &[usize]) -> String {
        let mut out = Vec::new();
        let headers: Vec<&str> = t.headers.iter().map(String::as_str).collect();
        let mut w = RowWriter::new(
            &mut out,
            format,
            target,
            &headers,
            &[false, true, true],
            widths,
        )
        .expect("start");
        for r in &t.rows {
            w.row(r).expect("row");
        }
        w.finish().expect("finish");
        String::from_utf8(out).expect("utf8")
    }

    #[test]
    fn streamed_output_matches_the_whole_table_writers() {
        let t = sample();
        for format in [Format::Csv, Format::Json, Format::Md] {
            for target in [Target::Exact, Target::Terminal] {
                let mut whole = Vec::new();
                write_table_to(&t, format, target, &mut whole).expect("whole");
                assert_eq!(
                    streamed(&t, format, target, &[0, 0, 0]),
                    String::from_utf8(whole).expect("utf8"),
                    "{format:?} {target:?}"
                );
            }
        }
        // The text table, given the widest cell of each column.
        let widths: Vec<usize> = (0..3)
            .map(|i| t.rows.iter().map(|r| text_width(&r[i])).max().unwrap_or(0))
            .collect();
        let mut whole = Vec::new();
        write_table_to(&t, Format::Table, Target::Exact, &mut whole).expect("whole");
        assert_eq!(
            streamed(&t, Format::Table, Target::Exact, &widths),
            String::from_utf8(whole).expect("utf8")
        );
    }

    #[test]
    fn json_is_valid_whatever_the_row_count() {
        let t = Table {
            headers: vec!["a".into()],
            rows: vec![],
        };
        let out = streamed(&t, Format::Json, Target::Exact, &[0]);
        assert_eq!(out, "[]\n");
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        assert_eq!(v, serde_json::json!([]));
    }
}
