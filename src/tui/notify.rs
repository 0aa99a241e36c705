//! Notifications outside the terminal UI (`--notify`): the terminal bell, or a desktop
//! notification by OSC 9 or OSC 777, which the terminal turns into one. Inside tmux the
//! sequence is also sent wrapped for tmux's passthrough (`allow-passthrough on`).

use crate::config::Notify;

/// Longest text sent in a notification.
const MAX_TEXT: usize = 200;

/// Text safe inside an OSC sequence: no control characters, no `;` (which separates
/// OSC 777's fields), at most `MAX_TEXT` characters.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                ' '
            } else if c == ';' {
                ','
            } else {
                c
            }
        })
        .take(MAX_TEXT)
        .collect()
}

/// The bytes that notify `title: body` the way `kind` says (nothing for `Off`).
pub fn sequence(kind: Notify, title: &str, body: &str, in_tmux: bool) -> Vec<u8> {
    let seq = match kind {
        Notify::Off => return Vec::new(),
        Notify::Bell => return b"\x07".to_vec(),
        Notify::Osc9 => format!("\x1b]9;{}: {}\x07", clean(title), clean(body)),
        Notify::Osc777 => format!("\x1b]777;notify;{};{}\x07", clean(title), clean(body)),
    };
    let mut out = seq.clone().into_bytes();
    if in_tmux {
        out.extend_from_slice(b"\x1bPtmux;");
        out.extend_from_slice(seq.replace('\x1b', "\x1b\x1b").as_bytes());
        out.extend_from_slice(b"\x1b\\");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_carry_clean_text() {
        assert_eq!(sequence(Notify::Off, "t", "b", false), b"");
        assert_eq!(sequence(Notify::Bell, "t", "b", true), b"\x07");
        assert_eq!(
            sequence(Notify::Osc9, "mltui", "run-1: loss = NaN", false),
            b"\x1b]9;mltui: run-1: loss = NaN\x07"
        );
        // A hostile run name cannot end the sequence or add fields.
        assert_eq!(
            sequence(Notify::Osc777, "mltui", "evil\x07\x1b]0;x;y", false),
            b"\x1b]777;notify;mltui;evil  ]0,x,y\x07"
        );
        let wrapped = sequence(Notify::Osc9, "a", "b", true);
        assert!(wrapped.ends_with(b"\x1bPtmux;\x1b\x1b]9;a: b\x07\x1b\\"));
    }
}
