//! Reading MLflow's `meta.yaml` files: tolerant field access over a parsed YAML mapping.
//! Only regular files up to [`MAX_SMALL_FILE`] are read, and text with more flow
//! collections (`[`, `{`) than any `meta.yaml` has is refused before parsing (deep nesting
//! makes the YAML parser quadratic).

use std::path::Path;
use std::time::Duration;

use serde_yaml_ng::{Mapping, Value};

use super::StoreError;
use super::fsread::{MAX_SMALL_FILE, human_size, read_capped};

/// Most `[` and `{` a `meta.yaml` may hold. MLflow writes block mappings (a flow collection
/// only for an empty value, `tags: {}`); the cap bounds the nesting, so parsing stays linear.
const MAX_FLOW_OPENERS: usize = 256;

/// A parsed `meta.yaml` mapping with typed, forgiving accessors.
pub struct Meta(Mapping);

impl Meta {
    /// Reads and parses `path`. An empty file is retried twice (MLflow rewrites meta files
    /// through a temp file, so a reader can catch one mid-write) before it is reported.
    pub fn read(path: &Path) -> Result<Self, StoreError> {
        let mut delays = [Duration::from_millis(100), Duration::from_millis(200)].into_iter();
        let mut buf = Vec::new();
        loop {
            let got =
                read_capped(path, MAX_SMALL_FILE, &mut buf).map_err(|e| StoreError::io(path, e))?;
            if let Some(size) = got.cut_from {
                return Err(StoreError::bad(
                    path,
                    format!(
                        "meta.yaml is {}, more than the {} read: not read",
                        human_size(size),
                        human_size(MAX_SMALL_FILE as u64)
                    ),
                ));
            }
            let text = std::str::from_utf8(&buf[..got.len])
                .map_err(|e| StoreError::bad(path, format!("meta.yaml is not UTF-8 text ({e})")))?;
            if text.trim().is_empty() {
                match delays.next() {
                    Some(d) => {
                        std::thread::sleep(d);
                        continue;
                    }
                    None => return Err(StoreError::bad(path, "meta.yaml is empty")),
                }
            }
            return Self::parse(text).map_err(|m| StoreError::bad(path, m));
        }
    }

    /// Parses YAML text that must be a mapping.
    pub fn parse(text: &str) -> Result<Self, String> {
        let openers = text.bytes().filter(|b| matches!(b, b'[' | b'{')).count();
        if openers > MAX_FLOW_OPENERS {
            return Err(format!(
                "{openers} '[' or '{{' in meta.yaml (MLflow writes a few at most; more than \
                 {MAX_FLOW_OPENERS} are not parsed)"
            ));
        }
        match serde_yaml_ng::from_str::<Value>(text) {
            Ok(Value::Mapping(m)) => Ok(Self(m)),
            Ok(Value::Null) => Err("meta.yaml is empty".into()),
            Ok(_) => Err("meta.yaml is not a YAML mapping".into()),
            Err(e) => Err(format!("invalid YAML: {e}")),
        }
    }

    /// Parses the flat `key: value` files MLflow writes (one plain or single-quoted scalar
    /// per line, YAML 1.2 core types) without a YAML parser; `None` for anything else
    /// (nesting, double quotes, block scalars, anchors, comments), which
    /// [`Meta::parse`] then reads. Gives what `parse` gives whenever it answers.
    pub fn parse_flat(text: &str) -> Option<Self> {
        let mut m = Mapping::new();
        for line in text.lines() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            let first = line.chars().next()?;
            if first.is_whitespace() || "#-?:[]{}\"'&*!|>%@`".contains(first) {
                return None;
            }
            let (key, value) = line
                .split_once(": ")
                .or_else(|| line.strip_suffix(':').map(|k| (k, "")))?;
            if key.contains(": ") || key.contains(" #") || key.ends_with(' ') {
                return None;
            }
            let key = Value::String(key.to_string());
            if m.contains_key(&key) {
                return None;
            }
            m.insert(key, flat_scalar(value)?);
        }
        if m.is_empty() {
            return None;
        }
        Some(Self(m))
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    /// A string field; numbers and booleans are rendered as text (ids may be bare ints).
    pub fn string(&self, key: &str) -> Option<String> {
        match self.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// An integer field; accepts floats (`1700000000000.0`) and numeric strings.
    pub fn int(&self, key: &str) -> Option<i64> {
        match self.get(key)? {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Value::String(s) => parse_int_lenient(s),
            _ => None,
        }
    }

    /// A nested mapping of string keys to string values (e.g. input tags).
    pub fn string_map(&self, key: &str) -> Vec<(String, String)> {
        let Some(Value::Mapping(m)) = self.get(key) else {
            return Vec::new();
        };
        m.iter()
            .filter_map(|(k, v)| {
                let k = k.as_str()?.to_string();
                let v = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => return None,
                };
                Some((k, v))
            })
            .collect()
    }
}

/// One scalar of a flat line, typed as YAML 1.2's core schema does; `None` when only a
/// YAML parser can tell.
fn flat_scalar(v: &str) -> Option<Value> {
    if v.is_empty() {
        return Some(Value::Null);
    }
    if let Some(inner) = v.strip_prefix('\'') {
        let inner = inner.strip_suffix('\'')?;
        // '' is a quote; a lone ' would have ended the scalar.
        if inner.replace("''", "").contains('\'') {
            return None;
        }
        return Some(Value::String(inner.replace("''", "'")));
    }
    match v {
        "[]" => return Some(Value::Sequence(Vec::new())),
        "{}" => return Some(Value::Mapping(Mapping::new())),
        _ => {}
    }
    if v.ends_with(' ') || v.contains(" #") || v.contains(": ") {
        return None;
    }
    let first = v.chars().next()?;
    if "\"[]{}&*!|>%@`#".contains(first) || v.starts_with("- ") || v == "-" {
        return None;
    }
    match v {
        "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    let numeric_start = first.is_ascii_digit() || matches!(first, '-' | '+' | '.');
    if !numeric_start {
        return Some(Value::String(v.to_string()));
    }
    let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        // A plain integer: leave the rare huge or zero-padded ones to the parser.
        if digits.len() > 1 && digits.starts_with('0') {
            return None;
        }
        return v.parse::<i64>().ok().map(|i| Value::Number(i.into()));
    }
    // Letters among digits (a run id like 0ef4…) make a string unless it could be a
    // float, hex, octal or .inf/.nan: those go to the parser.
    let lower = digits.to_ascii_lowercase();
    if lower.starts_with("0x")
        || lower.starts_with("0o")
        || lower.starts_with("0b")
        || v.contains('_')
    {
        return None;
    }
    let maybe_number = v
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-' | b'x' | b'o'))
        || v.to_ascii_lowercase().contains("inf")
        || v.to_ascii_lowercase().contains("nan");
    if maybe_number {
        return None;
    }
    Some(Value::String(v.to_string()))
}

/// Parses an integer that may have been written as a float (`1.7e12`, `1700000000000.0`).
pub fn parse_int_lenient(s: &str) -> Option<i64> {
    let s = s.trim();
    s.parse::<i64>().ok().or_else(|| {
        s.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| f as i64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_may_be_ints_or_strings_and_times_floats() {
        let m = Meta::parse(
            "experiment_id: 12\nname: '123'\nstart_time: 1700000000000.0\nend_time: null\n",
        )
        .expect("valid");
        assert_eq!(m.string("experiment_id").as_deref(), Some("12"));
        assert_eq!(m.string("name").as_deref(), Some("123"));
        assert_eq!(m.int("start_time"), Some(1_700_000_000_000));
        assert_eq!(m.int("end_time"), None);
        assert_eq!(m.string("missing"), None);
    }

    #[test]
    fn flat_parsing_agrees_with_the_yaml_parser() {
        let samples = [
            "name: m\nversion: 3\nrun_id: 0ef444957c0e4fc9b3c3d833f9299a58\nsource: runs:/a/model\n",
            "description: null\nuser_id:\nstatus: READY\nok: true\nno: False\n",
            "name: 'it''s: quoted'\nt: ~\nn: -12\nz: 0\n",
            "experiment_id: '123'\nstorage_location: file:///tmp/x y/artifacts\n",
            "creation_timestamp: 1796052372173\ncurrent_stage: None\n",
        ];
        for text in samples {
            let fast = Meta::parse_flat(text).expect(text);
            let full = Meta::parse(text).expect(text);
            assert_eq!(fast.0, full.0, "{text}");
        }
        // What it leaves to the parser.
        for text in [
            "aliases:\n  champion: '2'\n",
            "description: \"two\\nlines\"\n",
            "lr: 1e-5\n",
            "x: 0x1f\n",
            "x: .inf\n",
            "x: 007\n",
            "x: a # comment\n",
            "- a\n",
            "",
        ] {
            assert!(Meta::parse_flat(text).is_none(), "{text:?}");
        }
    }

    #[test]
    fn flat_parsing_agrees_on_every_fixture_meta_yaml() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut stack = vec![root];
        let (mut fast, mut all) = (0, 0);
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).expect("read_dir").flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.file_name().is_some_and(|n| n == "meta.yaml") {
                    let text = std::fs::read_to_string(&p).expect("read");
                    all += 1;
                    if let Some(m) = Meta::parse_flat(&text) {
                        fast += 1;
                        assert_eq!(m.0, Meta::parse(&text).expect("yaml").0, "{}", p.display());
                    }
                }
            }
        }
        assert!(all > 80 && fast * 2 > all, "{fast} of {all} parsed flat");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(Meta::parse("").is_err());
        assert!(Meta::parse("- a\n- b\n").is_err());
        assert!(Meta::parse("key: [unclosed").is_err());
        assert!(Meta::parse("\u{0}\u{1}binary").is_err());
    }
}
