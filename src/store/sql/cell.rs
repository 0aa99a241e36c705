//! One SQL cell as the database hands it over, and lenient decoding: a cell that is not what
//! MLflow writes (invalid UTF-8, text in a numeric column, a BLOB) is decoded as well as it
//! can be and described, so that one bad cell costs a warning, not the whole load.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::store::Warning;

/// A cell as stored: SQLite's storage classes, which the other backends map onto.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cell<'a> {
    Null,
    Int(i64),
    Real(f64),
    /// Text, not necessarily valid UTF-8 (SQLite stores whatever it is given).
    Text(&'a [u8]),
    Blob(&'a [u8]),
}

/// A row of cells.
pub(crate) trait Row {
    fn cell(&self, i: usize) -> Cell<'_>;
}

impl<'a> Cell<'a> {
    fn kind(&self) -> &'static str {
        match self {
            Cell::Null => "NULL",
            Cell::Int(_) => "an integer",
            Cell::Real(_) => "a real number",
            Cell::Text(_) => "text",
            Cell::Blob(_) => "a BLOB",
        }
    }

    /// Text as it is when valid UTF-8, else lossily decoded; the second value says what was
    /// wrong. Numbers become their decimal text (MySQL and SQLite may hand text columns over
    /// as numbers).
    pub fn text(self) -> (Option<Cow<'a, str>>, Option<String>) {
        match self {
            Cell::Null => (None, None),
            Cell::Text(b) => match std::str::from_utf8(b) {
                Ok(s) => (Some(Cow::Borrowed(s)), None),
                Err(_) => (
                    Some(String::from_utf8_lossy(b)),
                    Some("is not valid UTF-8 (shown with U+FFFD for the bad bytes)".into()),
                ),
            },
            Cell::Blob(b) => (
                Some(String::from_utf8_lossy(b)),
                Some(format!("is a BLOB of {} bytes, not text", b.len())),
            ),
            Cell::Int(v) => (Some(Cow::Owned(v.to_string())), None),
            Cell::Real(v) => (Some(Cow::Owned(v.to_string())), None),
        }
    }

    /// An integer; integral reals and numeric text count (servers' text protocols send
    /// numbers as text).
    pub fn int(&self) -> Result<Option<i64>, String> {
        match *self {
            Cell::Null => Ok(None),
            Cell::Int(v) => Ok(Some(v)),
            Cell::Real(v) if v.fract() == 0.0 && v.abs() < 9.2e18 => Ok(Some(v as i64)),
            Cell::Text(b) => {
                let s = std::str::from_utf8(b).unwrap_or("").trim();
                if let Ok(v) = s.parse::<i64>() {
                    return Ok(Some(v));
                }
                match s.parse::<f64>() {
                    Ok(v) if v.fract() == 0.0 && v.abs() < 9.2e18 => Ok(Some(v as i64)),
                    _ => Err(format!(
                        "is text {:?}, not an integer",
                        short(&String::from_utf8_lossy(b))
                    )),
                }
            }
            other => Err(format!("is {}, not an integer", other.kind())),
        }
    }

    /// A real number; integers and numeric text count.
    pub fn real(&self) -> Result<Option<f64>, String> {
        match *self {
            Cell::Null => Ok(None),
            Cell::Int(v) => Ok(Some(v as f64)),
            Cell::Real(v) => Ok(Some(v)),
            Cell::Text(b) => {
                let s = std::str::from_utf8(b).unwrap_or("").trim();
                s.parse::<f64>().map(Some).map_err(|_| {
                    format!(
                        "is text {:?}, not a number",
                        short(&String::from_utf8_lossy(b))
                    )
                })
            }
            Cell::Blob(b) => Err(format!("is a BLOB of {} bytes, not a number", b.len())),
        }
    }
}

/// At most 40 characters of `s`, for messages.
fn short(s: &str) -> String {
    if s.chars().count() <= 40 {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(40).collect();
        out.push('…');
        out
    }
}

/// Decodes the cells of one row, remembering what was wrong with them.
pub(crate) struct Cells<'r> {
    row: &'r dyn Row,
    pub problems: Vec<String>,
}

impl<'r> Cells<'r> {
    pub fn new(row: &'r dyn Row) -> Self {
        Self {
            row,
            problems: Vec::new(),
        }
    }

    fn note(&mut self, what: &str, problem: String) {
        self.problems.push(format!("{what} {problem}"));
    }

    /// Text (lossy when it must be); `None` for NULL.
    pub fn text(&mut self, i: usize, what: &str) -> Option<String> {
        let (value, problem) = self.row.cell(i).text();
        if let Some(p) = problem {
            self.note(what, p);
        }
        value.map(Cow::into_owned)
    }

    /// Text that identifies something (an id, a key): it must be valid text, else `None`
    /// and a problem (a lossy copy would name something that does not exist).
    pub fn name(&mut self, i: usize, what: &str) -> Option<String> {
        match self.row.cell(i) {
            Cell::Null => {
                self.note(what, "is NULL".into());
                None
            }
            cell @ (Cell::Text(_) | Cell::Int(_) | Cell::Real(_)) => {
                let (value, problem) = cell.text();
                match problem {
                    Some(p) => {
                        self.note(what, format!("{p}; the row is skipped"));
                        None
                    }
                    None => value.map(Cow::into_owned),
                }
            }
            Cell::Blob(b) => match std::str::from_utf8(b) {
                Ok(s) => Some(s.to_string()),
                Err(_) => {
                    self.note(
                        what,
                        format!("is a BLOB of {} bytes; the row is skipped", b.len()),
                    );
                    None
                }
            },
        }
    }

    /// An integer; `None` (and a problem) when the cell is not one.
    pub fn int(&mut self, i: usize, what: &str) -> Option<i64> {
        match self.row.cell(i).int() {
            Ok(v) => v,
            Err(p) => {
                self.note(what, p);
                None
            }
        }
    }

    /// A real number; `None` (and a problem) when the cell is not one.
    pub fn real(&mut self, i: usize, what: &str) -> Option<f64> {
        match self.row.cell(i).real() {
            Ok(v) => v,
            Err(p) => {
                self.note(what, p);
                None
            }
        }
    }

    /// A flag stored as 0/1 (or a boolean); bad cells count as false.
    pub fn flag(&mut self, i: usize, what: &str) -> bool {
        match self.row.cell(i) {
            Cell::Text(b"t" | b"true" | b"TRUE") => true,
            Cell::Text(b"f" | b"false" | b"FALSE") => false,
            cell => match cell.int() {
                Ok(v) => v.unwrap_or(0) != 0,
                Err(p) => {
                    self.note(what, p);
                    false
                }
            },
        }
    }

    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Warnings of one load, at most [`Warnings::PER_KIND`] of each kind (table and problem),
/// then one line saying how many more there were.
#[derive(Debug, Default)]
pub(crate) struct Warnings {
    list: Vec<Warning>,
    /// Per kind: how many were seen.
    seen: HashMap<String, usize>,
}

impl Warnings {
    pub const PER_KIND: usize = 20;

    /// Adds a warning of a `kind` (e.g. "params: value is not valid UTF-8").
    pub fn push(&mut self, kind: &str, location: String, message: String) {
        let n = self.seen.entry(kind.to_string()).or_default();
        *n += 1;
        if *n <= Self::PER_KIND {
            self.list.push(Warning { location, message });
        }
    }

    /// Adds a row's problems, if any, naming where the row is.
    pub fn row(&mut self, table: &str, location: impl FnOnce() -> String, cells: &Cells<'_>) {
        if cells.is_clean() {
            return;
        }
        let location = location();
        for p in &cells.problems {
            // The kind leaves out quoted values so that equal problems count together.
            let kind = format!("{table}: {}", p.split('"').next().unwrap_or(p));
            self.push(&kind, location.clone(), p.clone());
        }
    }

    /// The warnings, with a summary line for every kind that had more than were kept.
    pub fn finish(mut self, store: &str) -> Vec<Warning> {
        let mut extra: Vec<(String, usize)> = self
            .seen
            .into_iter()
            .filter(|(_, n)| *n > Self::PER_KIND)
            .collect();
        extra.sort();
        for (kind, n) in extra {
            self.list.push(Warning {
                location: store.to_string(),
                message: format!("and {} more like this: {kind}", n - Self::PER_KIND),
            });
        }
        self.list
    }

    pub fn extend(&mut self, other: Warnings) {
        for (kind, n) in other.seen {
            *self.seen.entry(kind).or_default() += n;
        }
        self.list.extend(other.list);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct R(Vec<Cell<'static>>);
    impl Row for R {
        fn cell(&self, i: usize) -> Cell<'_> {
            self.0[i]
        }
    }

    #[test]
    fn lenient_decoding_names_the_problem() {
        let row = R(vec![
            Cell::Text(b"ok"),
            Cell::Text(b"bad \xff byte"),
            Cell::Blob(b"\x00\x01"),
            Cell::Text(b"12"),
            Cell::Text(b"abc"),
            Cell::Real(2.5),
            Cell::Int(1),
            Cell::Null,
        ]);
        let mut c = Cells::new(&row);
        assert_eq!(c.text(0, "value").as_deref(), Some("ok"));
        assert!(c.is_clean());
        assert_eq!(c.text(1, "value").as_deref(), Some("bad \u{fffd} byte"));
        assert_eq!(c.name(1, "key"), None);
        assert_eq!(c.text(2, "value").as_deref(), Some("\u{0}\u{1}"));
        assert_eq!(c.int(3, "start_time"), Some(12));
        assert_eq!(c.real(3, "value"), Some(12.0));
        assert_eq!(c.real(4, "value"), None);
        assert_eq!(c.int(5, "step"), None);
        assert_eq!(c.real(6, "value"), Some(1.0));
        assert!(c.flag(6, "is_nan"));
        assert_eq!(c.name(7, "run_uuid"), None);
        assert_eq!(c.problems.len(), 6, "{:?}", c.problems);
        assert!(c.problems[0].starts_with("value is not valid UTF-8"));
        assert!(c.problems[3].contains("\"abc\""), "{:?}", c.problems);
    }

    #[test]
    fn warnings_are_capped_per_kind() {
        let mut w = Warnings::default();
        for i in 0..25 {
            w.push("params: bad", format!("run {i}"), "bad".into());
        }
        w.push("tags: bad", "run x".into(), "bad".into());
        let list = w.finish("mlflow.db");
        assert_eq!(list.len(), Warnings::PER_KIND + 2);
        assert_eq!(
            list.last().map(|w| w.message.as_str()),
            Some("and 5 more like this: params: bad")
        );
    }
}
