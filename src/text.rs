//! Text for terminals: escaping hostile characters, display widths, and human formats for
//! numbers, times and durations. Shared by the text table output and the TUI.

use std::borrow::Cow;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Replaces every character that a terminal could interpret (C0/C1 controls, DEL, and
/// bidirectional overrides) with a visible escape: `\n`, `\t`, `\e`, `\x07`, `\u{202e}`.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !needs_escape(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{1b}' => out.push_str("\\e"),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Display width in terminal cells.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cuts `s` to at most `max` cells, ending with `…` when something was cut.
pub fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    Cow::Owned(out)
}

/// Pads `s` with spaces to `w` cells (left-aligned), or right-aligns when `right`.
pub fn pad(s: &str, w: usize, right: bool) -> String {
    let fill = w.saturating_sub(width(s));
    if right {
        format!("{}{s}", " ".repeat(fill))
    } else {
        format!("{s}{}", " ".repeat(fill))
    }
}

/// The shortest text that parses back to exactly `v`, spelled as Python's `repr` (and so
/// pandas' CSV) spells it: `0.1`, `42.0`, `1e-05`, `1.2345678901234567e+19`, `NaN`, `inf`.
pub fn float_exact(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        // Rust's shortest form switches to exponents at the same magnitudes as Python's
        // repr (below 1e-4, from 1e16 on); Python signs the exponent and gives it 2 digits.
        let s = format!("{v:?}");
        match s.split_once('e') {
            Some((mantissa, exp)) => {
                let (sign, digits) = match exp.strip_prefix('-') {
                    Some(d) => ('-', d),
                    None => ('+', exp),
                };
                format!("{mantissa}e{sign}{digits:0>2}")
            }
            None => s,
        }
    }
}

/// A compact human form with up to 6 significant digits, like C's `%g`.
pub fn float_short(v: f64) -> String {
    let mut out = String::new();
    push_float_short(&mut out, v);
    out
}

/// Appends [`float_short`]`(v)` to `out`, without a string of its own (the quick filter's
/// search text holds every metric of every run).
pub fn push_float_short(out: &mut String, v: f64) {
    if !v.is_finite() {
        out.push_str(&float_exact(v));
        return;
    }
    if v == 0.0 {
        out.push('0');
        return;
    }
    // One exact rounding to six significant digits (`-d.ddddde-x`, on the stack); both
    // notations are laid out from its digits. Fixed notation rounding at 5 - exp decimals
    // gives the same digits: the same place, or (when rounding carried into a new leading
    // digit) one place coarser, where the carry happens too.
    let mut buf = StackText::<32>::default();
    let _ = std::fmt::Write::write_fmt(&mut buf, format_args!("{:.5e}", v.abs()));
    let sci = buf.as_str();
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut digits = [b'0'; 6];
    for (d, b) in digits
        .iter_mut()
        .zip(mantissa.bytes().filter(u8::is_ascii_digit))
    {
        *d = b;
    }
    // Significant digits up to the last non-zero one.
    let used = digits.iter().rposition(|&d| d != b'0').map_or(1, |p| p + 1);
    let digits = &digits[..used];
    if v < 0.0 {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        push_ascii(out, &digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            push_ascii(out, &digits[1..]);
        }
        let _ = std::fmt::Write::write_fmt(out, format_args!("e{exp}"));
    } else if exp >= 0 {
        let int = exp as usize + 1;
        let (whole, frac) = digits.split_at(digits.len().min(int));
        push_ascii(out, whole);
        for _ in whole.len()..int {
            out.push('0');
        }
        if !frac.is_empty() {
            out.push('.');
            push_ascii(out, frac);
        }
    } else {
        out.push_str("0.");
        for _ in 1..-exp {
            out.push('0');
        }
        push_ascii(out, digits);
    }
}

/// Appends ASCII bytes (digits) to `out`.
fn push_ascii(out: &mut String, bytes: &[u8]) {
    out.extend(bytes.iter().map(|&b| char::from(b)));
}

/// A few bytes of formatted text on the stack (text longer than `N` is cut).
struct StackText<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> Default for StackText<N> {
    fn default() -> Self {
        Self {
            buf: [0; N],
            len: 0,
        }
    }
}

impl<const N: usize> StackText<N> {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

impl<const N: usize> std::fmt::Write for StackText<N> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let room = N - self.len;
        let n = s.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        if n < s.len() {
            Err(std::fmt::Error)
        } else {
            Ok(())
        }
    }
}

/// ISO-8601 UTC with milliseconds: `2026-11-26T19:57:51.123Z`.
pub fn time_iso(ms: i64) -> String {
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_else(|| ms.to_string())
}

/// A UTC time as pandas writes MLflow's `start_time`/`end_time` columns to CSV:
/// `2026-11-26 19:57:51.123+00:00`, or without the fraction (`2026-11-26 19:57:51+00:00`)
/// when `millis` is false (pandas leaves it out when a whole column is on whole seconds).
pub fn time_pandas(ms: i64, millis: bool) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok();
    let text = if millis {
        let fmt = time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:3]+00:00"
        );
        t.and_then(|t| t.format(&fmt).ok())
    } else {
        let fmt = time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]+00:00"
        );
        t.and_then(|t| t.format(&fmt).ok())
    };
    text.unwrap_or_else(|| ms.to_string())
}

/// A short UTC time for tables: `2026-11-26 19:57`.
pub fn time_short(ms: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_else(|| ms.to_string())
}

/// A UTC time to the millisecond for tables: `2026-11-26 19:57:51.123`.
pub fn time_precise(ms: i64) -> String {
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:3]"
    );
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_else(|| ms.to_string())
}

/// A count with its noun in the right number: `1 run`, `0 runs`, `7 runs`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A duration such as `850ms`, `42s`, `3m07s`, `5h02m`, `2d04h`.
pub fn duration_short(ms: i64) -> String {
    if ms < 0 {
        return format!("-{}", duration_short(-ms));
    }
    let s = ms / 1000;
    match s {
        _ if ms < 1000 => format!("{ms}ms"),
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// Escapes `s` like [`sanitize`] and cuts it to at most `max` cells (ending with `…` when
/// cut), reading only as much of `s` as fits: a 100 MB value costs what its first `max`
/// characters cost, so views can call this on every frame.
pub fn cut(s: &str, max: usize) -> Cow<'_, str> {
    if s.len() <= max && s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::new();
    // Where the text may be cut to leave room for `…`, and the width up to there.
    let mut cut_at = 0;
    let mut used = 0;
    let mut buf = [0u8; 4];
    // Zero-width characters are unbounded in number; give up on exactness after plenty.
    for (n, c) in s.chars().enumerate() {
        let piece: Cow<'_, str> = if needs_escape(c) {
            Cow::Owned(escape_char(c))
        } else {
            Cow::Borrowed(c.encode_utf8(&mut buf))
        };
        let w = width(&piece);
        if used + w > max || n > 8 * max + 64 {
            out.truncate(cut_at);
            out.push('…');
            return Cow::Owned(out);
        }
        out.push_str(&piece);
        used += w;
        if used < max {
            cut_at = out.len();
        }
    }
    Cow::Owned(out)
}

fn escape_char(c: char) -> String {
    match c {
        '\n' => "\\n".into(),
        '\r' => "\\r".into(),
        '\t' => "\\t".into(),
        '\u{1b}' => "\\e".into(),
        c if (c as u32) < 0x100 => format!("\\x{:02x}", c as u32),
        c => format!("\\u{{{:x}}}", c as u32),
    }
}

/// A duration for tables, to the unit that matters: `850ms`, `42s`, `39m`, `1h20m`, `2d04h`.
pub fn duration_compact(ms: i64) -> String {
    if ms < 0 {
        return format!("-{}", duration_compact(-ms));
    }
    let s = ms / 1000;
    match s {
        _ if ms < 1000 => format!("{ms}ms"),
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// A span of time set by hand, in its own round unit: `90s`, `10m`, `24h`, `2d`.
pub fn span(secs: f64) -> String {
    let s = secs.round() as i64;
    match s {
        _ if s >= 2 * 86_400 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        _ if s >= 3600 && s % 3600 == 0 => format!("{}h", s / 3600),
        _ if s >= 60 && s % 60 == 0 => format!("{}m", s / 60),
        _ => format!("{s}s"),
    }
}

/// A duration to the millisecond: `850ms`, `42.005s`, `3m07.250s`, `5h02m07.250s`.
pub fn duration_precise(ms: i64) -> String {
    if ms < 0 {
        return format!("-{}", duration_precise(-ms));
    }
    let (s, frac) = (ms / 1000, ms % 1000);
    match s {
        _ if ms < 1000 => format!("{ms}ms"),
        0..=59 => format!("{s}.{frac:03}s"),
        60..=3599 => format!("{}m{:02}.{frac:03}s", s / 60, s % 60),
        _ => format!(
            "{}h{:02}m{:02}.{frac:03}s",
            s / 3600,
            (s % 3600) / 60,
            s % 60
        ),
    }
}

/// How long ago `ms` was at `now`: `42s ago`, `39m ago`, `3h ago`, `5d ago`; older than
/// 30 days (or in the future) the date, `2026-03-14`.
pub fn time_ago(ms: i64, now: i64) -> String {
    let s = (now - ms) / 1000;
    match s {
        0..=59 => format!("{s}s ago"),
        60..=3599 => format!("{}m ago", s / 60),
        3600..=86_399 => format!("{}h ago", s / 3600),
        86_400..=2_591_999 => format!("{}d ago", s / 86_400),
        _ => time_short(ms).get(..10).unwrap_or_default().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `float_short` as it was written first (two rounds of formatting), the reference.
    fn float_short_reference(v: f64) -> String {
        fn trim_zeros(s: &str) -> &str {
            if s.contains('.') {
                s.trim_end_matches('0').trim_end_matches('.')
            } else {
                s
            }
        }
        if !v.is_finite() {
            return float_exact(v);
        }
        if v == 0.0 {
            return "0".into();
        }
        let sci = format!("{v:.5e}");
        let exp: i32 = sci
            .rsplit_once('e')
            .and_then(|(_, e)| e.parse().ok())
            .unwrap_or(0);
        if !(-4..6).contains(&exp) {
            let (mantissa, _) = sci.split_once('e').unwrap_or((&sci, ""));
            format!("{}e{exp}", trim_zeros(mantissa))
        } else {
            let decimals = (5 - exp).max(0) as usize;
            trim_zeros(&format!("{v:.decimals$}")).to_string()
        }
    }

    #[test]
    fn float_short_lays_out_one_rounding_as_the_two_did() {
        let edges = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            9.999995,
            9.9999949,
            99999.95,
            999999.5,
            999995.0,
            1e-4,
            9.999995e-5,
            0.000099999949,
            1e6,
            123456.7,
            0.1,
            0.30000000000000004,
            1e300,
            -1e-300,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            2.5,
            0.000125,
            100.0,
            123.0,
            1.5e-5,
            12345.65,
            0.1234565,
        ];
        for v in edges {
            assert_eq!(float_short(v), float_short_reference(v), "{v:e}");
        }
    }

    proptest::proptest! {
        #[test]
        fn float_short_equals_the_reference(bits in proptest::num::u64::ANY, small in -1e7f64..1e7) {
            let v = f64::from_bits(bits);
            proptest::prop_assert_eq!(float_short(v), float_short_reference(v));
            proptest::prop_assert_eq!(float_short(small), float_short_reference(small));
            let rounded = (small * 1000.0).round() / 1000.0;
            proptest::prop_assert_eq!(float_short(rounded), float_short_reference(rounded));
        }
    }

    #[test]
    fn spans_read_in_their_round_unit() {
        assert_eq!(span(600.0), "10m");
        assert_eq!(span(86_400.0), "24h");
        assert_eq!(span(172_800.0), "2d");
        assert_eq!(span(90.0), "90s");
        assert_eq!(span(5400.0), "90m");
    }

    #[test]
    fn escapes_terminal_controls() {
        let evil = "evil\u{1b}]0;pwned\u{7}\u{1b}[2Jname";
        let s = sanitize(evil);
        assert_eq!(s, "evil\\e]0;pwned\\x07\\e[2Jname");
        assert!(!s.chars().any(|c| c.is_control()));
        assert_eq!(
            sanitize("a\tb\r\nc\u{9b}d\u{202e}"),
            "a\\tb\\r\\nc\\x9bd\\u{202e}"
        );
        assert!(matches!(sanitize("plain 実験 🚀"), Cow::Borrowed(_)));
    }

    #[test]
    fn widths_and_truncation_count_cells() {
        assert_eq!(width("実験-🚀"), 7);
        assert_eq!(truncate("実験-🚀", 5), "実験…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "ab…");
        assert_eq!(pad("実", 4, false), "実  ");
        assert_eq!(pad("1", 3, true), "  1");
    }

    #[test]
    fn float_forms() {
        for v in [
            0.1,
            1e-20,
            1.2345678901234567e19,
            -0.0,
            3.0,
            0.30000000000000004,
        ] {
            assert_eq!(float_exact(v).parse::<f64>().ok(), Some(v));
        }
        assert_eq!(float_exact(f64::NAN), "NaN");
        // Python's repr, as in MLflow's search_runs CSV.
        assert_eq!(float_exact(42.0), "42.0");
        assert_eq!(float_exact(1e-5), "1e-05");
        assert_eq!(float_exact(1e-20), "1e-20");
        assert_eq!(float_exact(1e16), "1e+16");
        assert_eq!(float_exact(1.2345678901234567e19), "1.2345678901234567e+19");
        assert_eq!(
            float_exact(-1.7976931348623157e308),
            "-1.7976931348623157e+308"
        );
        assert_eq!(float_exact(123456789012.0), "123456789012.0");
        assert_eq!(float_exact(0.30000000000000004), "0.30000000000000004");
        assert_eq!(float_exact(-0.0), "-0.0");
        assert_eq!(float_exact(f64::NEG_INFINITY), "-inf");
        assert_eq!(float_short(0.123456789), "0.123457");
        assert_eq!(float_short(3.0), "3");
        assert_eq!(float_short(1234567.0), "1.23457e6");
        assert_eq!(float_short(0.00001234), "1.234e-5");
        assert_eq!(float_short(999999.7), "1e6");
        assert_eq!(float_short(-2.5), "-2.5");
    }

    #[test]
    fn counts_agree_in_number() {
        assert_eq!(count(0, "run", "runs"), "0 runs");
        assert_eq!(count(1, "run", "runs"), "1 run");
        assert_eq!(count(7, "match", "matches"), "7 matches");
    }

    #[test]
    fn times_and_durations() {
        assert_eq!(time_iso(1_795_721_746_376), "2026-11-26T19:35:46.376Z");
        assert_eq!(time_short(0), "1970-01-01 00:00");
        assert_eq!(time_precise(1_795_721_746_376), "2026-11-26 19:35:46.376");
        assert_eq!(
            time_pandas(1_795_723_383_665, true),
            "2026-11-26 20:03:03.665+00:00"
        );
        assert_eq!(
            time_pandas(1_795_723_383_000, true),
            "2026-11-26 20:03:03.000+00:00"
        );
        assert_eq!(
            time_pandas(1_795_723_383_000, false),
            "2026-11-26 20:03:03+00:00"
        );
        assert_eq!(duration_short(850), "850ms");
        assert_eq!(duration_short(187_000), "3m07s");
        assert_eq!(duration_short(18_120_000), "5h02m");
    }
    #[test]
    fn plurals() {
        assert_eq!(count(1, "run", "runs"), "1 run");
        assert_eq!(count(0, "run", "runs"), "0 runs");
        assert_eq!(count(7, "match", "matches"), "7 matches");
    }

    #[test]
    fn cut_escapes_and_reads_only_what_fits() {
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("abcd", 3), "ab…");
        assert_eq!(cut("実験-🚀", 5), "実験…");
        assert_eq!(cut("実験-🚀", 7), "実験-🚀");
        assert_eq!(cut("a\u{1b}[2Jb", 20), "a\\e[2Jb");
        assert_eq!(cut("a\u{1b}[2Jb", 3), "a…");
        assert_eq!(cut("x", 0), "");
        // Exactly like truncate(sanitize(..)) on text without escapes; an escape is never
        // split (`\e` stays whole or goes).
        assert_eq!(cut("evil\u{1b}]0;t\u{7}", 6), "evil…");
        assert_eq!(truncate(&sanitize("evil\u{1b}]0;t\u{7}"), 6), "evil\\…");
        for s in ["plain", "ünï ｗｉｄｅ", "a b c d e f g h"] {
            for w in 0..12 {
                assert_eq!(cut(s, w), truncate(&sanitize(s), w), "{s:?} {w}");
            }
        }
        let huge = "ab".repeat(10_000_000);
        assert_eq!(cut(&huge, 6), "ababa…");
    }

    #[test]
    fn compact_times_and_durations() {
        assert_eq!(duration_compact(2_348_000), "39m");
        assert_eq!(duration_compact(42_000), "42s");
        assert_eq!(duration_compact(4_800_000), "1h20m");
        assert_eq!(duration_precise(359_123), "5m59.123s");
        assert_eq!(duration_precise(359_124), "5m59.124s");
        let now = 1_800_000_000_000;
        assert_eq!(time_ago(now - 3 * 3_600_000 - 5, now), "3h ago");
        assert_eq!(time_ago(now - 61_000, now), "1m ago");
        assert_eq!(time_ago(now - 40 * 86_400_000, now), "2026-12-06");
        assert_eq!(time_ago(now + 5_000, now), "2027-01-15");
    }
}
