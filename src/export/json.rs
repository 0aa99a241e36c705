//! JSON that cannot drive a terminal: serde_json already escapes C0 controls; this formatter
//! also writes C1 controls (U+0080–U+009F), bidirectional marks and overrides, and the
//! Unicode line and paragraph separators as `\u` escapes. The output is still valid JSON
//! that parses to exactly the same strings.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

/// Characters written as `\uXXXX` on top of what JSON requires.
fn needs_escape(c: char) -> bool {
    matches!(c,
        '\u{80}'..='\u{9f}'
        | '\u{200e}' | '\u{200f}'
        | '\u{2028}' | '\u{2029}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

/// serde_json's pretty formatter, with the extra escapes.
#[derive(Debug, Default)]
pub struct SafeFormatter(PrettyFormatter<'static>);

impl SafeFormatter {
    pub fn new() -> Self {
        Self(PrettyFormatter::new())
    }
}

/// `serde_json::to_writer_pretty` with [`SafeFormatter`].
pub fn to_writer_safe<W: Write, T: Serialize + ?Sized>(
    writer: W,
    value: &T,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(writer, SafeFormatter::new());
    value.serialize(&mut ser)
}

impl Formatter for SafeFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if needs_escape(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                write!(writer, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c1_and_bidi_are_escaped_and_parse_back() {
        let evil = "a\u{1b}]0;pwned\u{7}b\u{9b}31mc\u{202e}d\u{2066}e\u{2028}f é 実";
        let value = serde_json::json!({"name": evil, "list": [evil], "plain": "x"});
        let mut out = Vec::new();
        to_writer_safe(&mut out, &value).expect("json");
        let text = String::from_utf8(out).expect("utf8");
        assert!(
            !text
                .chars()
                .any(|c| c.is_control() && c != '\n' || needs_escape(c)),
            "{text:?}"
        );
        assert!(
            text.contains("\\u009b31m") && text.contains("\\u202e"),
            "{text}"
        );
        assert!(text.contains("é 実"), "other text stays as is: {text}");
        let back: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(back, value);
        // Same layout as serde_json's pretty printer.
        let plain = serde_json::json!({"a": [1, {"b": null}], "c": "d"});
        let mut out = Vec::new();
        to_writer_safe(&mut out, &plain).expect("json");
        assert_eq!(
            String::from_utf8(out).expect("utf8"),
            serde_json::to_string_pretty(&plain).expect("json")
        );
    }
}
