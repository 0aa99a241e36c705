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
    fn garbage_is_an_error_not_a_panic() {
        assert!(Meta::parse("").is_err());
        assert!(Meta::parse("- a\n- b\n").is_err());
        assert!(Meta::parse("key: [unclosed").is_err());
        assert!(Meta::parse("\u{0}\u{1}binary").is_err());
    }
}
