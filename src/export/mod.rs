//! Headless output: tables of runs, experiments, comparisons, models and artifacts written as
//! an aligned text table, CSV, JSON or Markdown. Shared by the CLI and the TUI's export; no
//! UI imports.

mod fit;
mod json;
pub mod models;
#[cfg(test)]
mod props;
pub(crate) mod runs;
mod stream;
mod table;

pub use json::{SafeFormatter, to_writer_safe};
pub use runs::{
    experiments_json, experiments_table, groups_table, importance_table, runs_json, runs_table,
    write_runs_csv, write_runs_json,
};
pub use stream::{RowWriter, text_width};
pub use table::{Cell, Table};

use std::io::Write;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// An aligned text table for reading in a terminal (values are escaped).
    #[default]
    Table,
    /// RFC 4180 CSV with exact values (escaped on a terminal).
    Csv,
    /// JSON with exact values.
    Json,
    /// A GitHub-flavoured Markdown table.
    #[value(alias = "markdown")]
    Md,
}

impl Format {
    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Table => "txt",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Md => "md",
        }
    }

    /// Guesses the format from a file name's extension.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "md" | "markdown" => Some(Format::Md),
            "txt" => Some(Format::Table),
            _ => None,
        }
    }
}

/// Errors while writing output.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("write failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Reading what was being written failed midway (what was written is still well-formed).
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
}

/// Where output goes, which decides how text is escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Target {
    /// A file or a pipe: exact values (JSON still escapes what could trick a terminal).
    #[default]
    Exact,
    /// A terminal: control characters (C0, C1, bidirectional overrides) in CSV and Markdown
    /// are escaped as the text table does, so data cannot drive the terminal.
    Terminal,
}

/// Writes `table` in `format`, with exact values (for files and pipes).
pub fn write_table(table: &Table, format: Format, out: &mut dyn Write) -> Result<(), ExportError> {
    write_table_to(table, format, Target::Exact, out)
}

/// Writes `table` in `format` for `target`.
pub fn write_table_to(
    table: &Table,
    format: Format,
    target: Target,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    let terminal = target == Target::Terminal;
    match format {
        Format::Table => table.write_text(out)?,
        Format::Csv => table.write_csv(out, terminal)?,
        Format::Json => write_json(&table.to_json(), out)?,
        Format::Md => table.write_markdown(out, terminal)?,
    }
    Ok(())
}

/// Writes a JSON value, pretty-printed, with a trailing newline; C1 and bidirectional
/// control characters are written as `\u` escapes (the same strings to any JSON reader).
pub fn write_json(value: &serde_json::Value, out: &mut dyn Write) -> Result<(), ExportError> {
    to_writer_safe(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// A metric value as JSON: a number, or `"NaN"`, `"Infinity"`, `"-Infinity"`.
pub fn json_float(v: f64) -> serde_json::Value {
    match serde_json::Number::from_f64(v) {
        Some(n) => serde_json::Value::Number(n),
        None if v.is_nan() => "NaN".into(),
        None if v > 0.0 => "Infinity".into(),
        None => "-Infinity".into(),
    }
}

/// Writes a file through a buffered writer.
pub fn write_file(
    path: &std::path::Path,
    write: impl FnOnce(&mut dyn Write) -> Result<(), ExportError>,
) -> Result<(), ExportError> {
    let file = std::fs::File::create(path)?;
    let mut w = std::io::BufWriter::new(file);
    write(&mut w)?;
    w.flush()?;
    Ok(())
}
