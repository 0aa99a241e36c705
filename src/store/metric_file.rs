//! Parsing a file store's metric files: one `<timestamp> <value> <step> [dataset fields]` line
//! per point. Shared by full loads and (later) by tailing appended bytes.

use std::io::Read;

use crate::model::MetricPoint;

use super::yaml::parse_int_lenient;

/// What parsing a chunk of a metric file found besides the points.
#[derive(Debug, Default, PartialEq)]
pub struct ParseOutcome {
    /// Bytes consumed: everything up to and including the last `\n`. A final line without
    /// a newline is still being written by MLflow and is left for the next read.
    pub consumed: usize,
    /// Number of complete lines that were not valid metric lines.
    pub bad_lines: usize,
    /// The first bad line: its 1-based number within the chunk and its text (shortened).
    pub first_bad: Option<(usize, String)>,
}

/// Parses every complete line of `bytes`, calling `on_point` for each valid point in order.
pub fn parse_metric_lines(bytes: &[u8], mut on_point: impl FnMut(MetricPoint)) -> ParseOutcome {
    let mut out = ParseOutcome::default();
    let (consumed, _) = parse_chunk(bytes, 0, &mut out, &mut on_point);
    out.consumed = consumed;
    out
}

/// Longest metric line read (MLflow's are under 100 bytes): a longer one is skipped as a bad
/// line without being kept, so a file of one endless line (`/dev/zero` copied, a sparse
/// file) costs no more memory than this.
pub const MAX_LINE: usize = 1 << 20;

/// Reads `reader` to its end through `buf` (reused, grown only for a line longer than it,
/// up to [`MAX_LINE`]), parsing as it goes: the same outcome as [`parse_metric_lines`] on
/// the whole content, in bounded memory.
pub fn read_metric_lines(
    reader: &mut impl Read,
    buf: &mut Vec<u8>,
    mut on_point: impl FnMut(MetricPoint),
) -> std::io::Result<ParseOutcome> {
    const CHUNK: usize = 64 * 1024;
    if buf.len() < CHUNK {
        buf.resize(CHUNK, 0);
    }
    let mut out = ParseOutcome::default();
    let mut lines = 0;
    let mut filled = 0;
    // Inside a line longer than MAX_LINE: its bytes are dropped up to its newline.
    let mut skipping = false;
    loop {
        if filled == buf.len() {
            if buf.len() >= MAX_LINE {
                if !skipping {
                    lines += 1;
                    out.bad_lines += 1;
                    if out.first_bad.is_none() {
                        let text = String::from_utf8_lossy(&buf[..80.min(filled)]);
                        out.first_bad = Some((lines, format!("{text}… (a line over 1 MB)")));
                    }
                    skipping = true;
                }
                out.consumed += filled;
                filled = 0;
            } else {
                buf.resize((buf.len() * 2).min(MAX_LINE.max(buf.len() + 1)), 0);
            }
        }
        match reader.read(&mut buf[filled..]) {
            Ok(0) => {
                if skipping {
                    out.consumed += filled;
                }
                return Ok(out);
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        if skipping {
            match find_newline(&buf[..filled]) {
                Some(i) => {
                    out.consumed += i + 1;
                    buf.copy_within(i + 1..filled, 0);
                    filled -= i + 1;
                    skipping = false;
                }
                None => {
                    out.consumed += filled;
                    filled = 0;
                    continue;
                }
            }
        }
        let (consumed, n) = parse_chunk(&buf[..filled], lines, &mut out, &mut on_point);
        lines += n;
        out.consumed += consumed;
        buf.copy_within(consumed..filled, 0);
        filled -= consumed;
    }
}

/// Parses the complete lines of `bytes` (numbered from `first_line + 1`), counting bad
/// lines into `out`; returns the bytes and lines consumed.
fn parse_chunk(
    bytes: &[u8],
    first_line: usize,
    out: &mut ParseOutcome,
    on_point: &mut impl FnMut(MetricPoint),
) -> (usize, usize) {
    let mut start = 0;
    let mut line_no = first_line;
    while start < bytes.len() {
        // Fast path: the `ts value step\n` lines MLflow writes, parsed in one pass.
        if let Some((p, next)) = parse_plain_line(bytes, start) {
            on_point(p);
            line_no += 1;
            start = next;
            continue;
        }
        let Some(rel) = find_newline(&bytes[start..]) else {
            break;
        };
        let line = &bytes[start..start + rel];
        start += rel + 1;
        line_no += 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match parse_line(line) {
            Some(p) => on_point(p),
            None => {
                out.bad_lines += 1;
                if out.first_bad.is_none() {
                    let text = String::from_utf8_lossy(line);
                    let short: String = text.chars().take(80).collect();
                    out.first_bad = Some((line_no, short));
                }
            }
        }
    }
    (start, line_no - first_line)
}

/// Position of the first `\n`, scanning a word at a time.
fn find_newline(bytes: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const NL: u64 = LO * b'\n' as u64;
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ NL;
        if (x.wrapping_sub(LO) & !x & HI) != 0 {
            break;
        }
        at += 8;
    }
    bytes[at..].iter().position(|&b| b == b'\n').map(|i| at + i)
}

/// Parses `<digits> <value> <digits>\n` (optionally `\r\n`) at `start`: the exact form MLflow
/// writes. Returns the point and the start of the next line, or `None` for anything else
/// (other spacing, 2 or 5 fields, float timestamps, a missing newline), which the general
/// parser then handles. Accepting only a subset of what [`parse_line`] accepts, with the
/// same result, keeps both paths in agreement.
fn parse_plain_line(bytes: &[u8], start: usize) -> Option<(MetricPoint, usize)> {
    let (timestamp, mut i) = parse_plain_int(bytes, start)?;
    if bytes.get(i) != Some(&b' ') {
        return None;
    }
    i += 1;
    let value_start = i;
    while i < bytes.len() && !matches!(bytes[i], b' ' | b'\n' | b'\r' | b'\t') {
        i += 1;
    }
    if bytes.get(i) != Some(&b' ') {
        return None;
    }
    let value = parse_value(std::str::from_utf8(&bytes[value_start..i]).ok()?)?;
    let (step, mut i) = parse_plain_int(bytes, i + 1)?;
    if bytes.get(i) == Some(&b'\r') {
        i += 1;
    }
    if bytes.get(i) != Some(&b'\n') {
        return None;
    }
    Some((
        MetricPoint {
            step,
            timestamp,
            value,
        },
        i + 1,
    ))
}

/// An optional `-` and 1 to 18 digits (cannot overflow an i64); returns the value and the
/// index after it.
fn parse_plain_int(bytes: &[u8], mut i: usize) -> Option<(i64, usize)> {
    let negative = bytes.get(i) == Some(&b'-');
    if negative {
        i += 1;
    }
    let digits_start = i;
    let mut n: i64 = 0;
    while let Some(&b) = bytes.get(i) {
        if !b.is_ascii_digit() {
            break;
        }
        if i - digits_start == 18 {
            return None;
        }
        n = n * 10 + i64::from(b - b'0');
        i += 1;
    }
    if i == digits_start {
        return None;
    }
    Some((if negative { -n } else { n }, i))
}

/// Parses one line: 2 fields (`ts value`, step 0), 3 fields, or 5 fields (MLflow 3 adds the
/// dataset name and digest).
fn parse_line(line: &[u8]) -> Option<MetricPoint> {
    let text = std::str::from_utf8(line).ok()?;
    let mut fields = text.split_ascii_whitespace();
    let timestamp = parse_int_lenient(fields.next()?)?;
    let value = parse_value(fields.next()?)?;
    let step = match fields.next() {
        Some(s) => parse_int_lenient(s)?,
        None => 0,
    };
    let rest = fields.count();
    if rest != 0 && rest != 2 {
        return None;
    }
    Some(MetricPoint {
        step,
        timestamp,
        value,
    })
}

/// Python's `repr(float)` output: `0.5`, `1e-20`, `nan`, `inf`, `-inf`.
fn parse_value(s: &str) -> Option<f64> {
    s.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Vec<MetricPoint>, ParseOutcome) {
        let mut pts = Vec::new();
        let out = parse_metric_lines(text.as_bytes(), |p| pts.push(p));
        (pts, out)
    }

    fn p(timestamp: i64, value: f64, step: i64) -> MetricPoint {
        MetricPoint {
            step,
            timestamp,
            value,
        }
    }

    #[test]
    fn field_counts_and_special_values() {
        let (pts, out) = parse(
            "1000 0.5 0\n1001 3.0\n1002 -0.0 -5\n1003 1e-20 1099511627776\n1004 2.5 7 train 5d3f\n",
        );
        assert_eq!(
            pts,
            vec![
                p(1000, 0.5, 0),
                p(1001, 3.0, 0),
                p(1002, -0.0, -5),
                p(1003, 1e-20, 1_099_511_627_776),
                p(1004, 2.5, 7)
            ]
        );
        assert_eq!(out.bad_lines, 0);
        let (pts, _) = parse("1 nan 0\n2 inf 1\n3 -inf 2\n");
        assert!(pts[0].value.is_nan());
        assert_eq!(pts[1].value, f64::INFINITY);
        assert_eq!(pts[2].value, f64::NEG_INFINITY);
    }

    #[test]
    fn crlf_blank_lines_and_float_timestamps() {
        let (pts, out) = parse("1000 1.0 0\r\n\r\n1700000000000.0 2.0 1\r\n");
        assert_eq!(pts, vec![p(1000, 1.0, 0), p(1_700_000_000_000, 2.0, 1)]);
        assert_eq!(out.bad_lines, 0);
    }

    #[test]
    fn partial_last_line_waits_for_its_newline() {
        let text = "1000 1.0 0\n1001 2.0 1\n1002 0.";
        let (pts, out) = parse(text);
        assert_eq!(pts.len(), 2);
        assert_eq!(out.consumed, "1000 1.0 0\n1001 2.0 1\n".len());
        assert_eq!(out.bad_lines, 0);
        let (pts, out) = parse("17957");
        assert!(pts.is_empty());
        assert_eq!(out.consumed, 0);
    }

    #[test]
    fn fast_and_general_paths_agree() {
        let lines = [
            "1000 0.5 0",
            "-5 -0.0 -7",
            "1795721746511 nan 3",
            "1795721746511 -inf 3",
            "1795721746511 +1.5 3",
            "1795721746511 1e-20 1099511627776",
            "1795721746511 1.2345678901234567e+19 12",
            "1 2 3  ",
            "1  2 3",
            "\t1 2 3",
            "9999999999999999999 1.0 0",
            "123456789012345678 1.0 -123456789012345678",
            "1 2 3 4",
            "1 2 3 ds digest",
            "1 x 3",
            "- 1.0 3",
            "1 1.0 -",
            "1 1.0 3-",
            "1.5 1.0 3",
            "1 1.0",
        ];
        for line in lines {
            for ending in ["\n", "\r\n"] {
                let text = format!("{line}{ending}");
                let fast = parse_plain_line(text.as_bytes(), 0).map(|(p, _)| p);
                let general = parse_line(line.trim_end_matches(['\r', '\n']).as_bytes());
                if let Some(f) = fast {
                    let g = general.unwrap_or_else(|| panic!("{line:?}: fast accepted"));
                    assert_eq!(
                        (f.step, f.timestamp, f.value.to_bits()),
                        (g.step, g.timestamp, g.value.to_bits()),
                        "{line:?}"
                    );
                }
                let (pts, out) = parse(&text);
                assert_eq!(pts.len(), usize::from(general.is_some()), "{line:?}");
                assert_eq!(out.consumed, text.len());
            }
        }
    }

    /// Hands out at most `step` bytes per read, to split lines across chunks.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(out.len()).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn streaming_matches_parsing_the_whole_content() {
        let mut text = String::new();
        for i in 0..5000 {
            text.push_str(&format!(
                "{} {} {}\n",
                1_700_000_000_000i64 + i,
                i as f64 / 7.0,
                i
            ));
            if i % 997 == 0 {
                text.push_str("garbage line\n\r\n1 2\n");
            }
        }
        text.push_str("1 2 3 partial");
        let mut whole = Vec::new();
        let want = parse_metric_lines(text.as_bytes(), |p| whole.push(p));
        for step in [1, 7, 4096, 1 << 20] {
            let mut got = Vec::new();
            let mut buf = Vec::new();
            let mut r = Trickle {
                data: text.as_bytes(),
                step,
            };
            let out = read_metric_lines(&mut r, &mut buf, |p| got.push(p)).expect("read");
            assert_eq!(out, want, "step {step}");
            assert_eq!(got, whole, "step {step}");
        }
        assert_eq!(want.bad_lines, 6);
        assert_eq!(want.first_bad, Some((2, "garbage line".to_string())));
    }

    /// Endless bytes without a newline, like `/dev/zero`.
    struct Zeros(u64);

    impl Read for Zeros {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = (out.len() as u64).min(self.0) as usize;
            out[..n].fill(0);
            self.0 -= n as u64;
            Ok(n)
        }
    }

    #[test]
    fn an_endless_line_is_skipped_in_bounded_memory() {
        let mut buf = Vec::new();
        let mut n = 0;
        let out = read_metric_lines(&mut Zeros(50 << 20), &mut buf, |_| n += 1).expect("read");
        assert!(buf.len() <= MAX_LINE, "{}", buf.len());
        assert_eq!((n, out.bad_lines, out.consumed), (0, 1, 50 << 20));
        // A long line between good ones.
        let mut text = b"1 1.0 0\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', 3 * MAX_LINE + 17));
        text.extend_from_slice(b"\n2 2.0 1\n3 3.0 2\n");
        let mut got = Vec::new();
        let out =
            read_metric_lines(&mut text.as_slice(), &mut buf, |p| got.push(p.step)).expect("read");
        assert_eq!(got, vec![0, 1, 2]);
        assert_eq!(out.bad_lines, 1);
        assert_eq!(out.consumed, text.len());
        assert_eq!(out.first_bad.map(|(line, _)| line), Some(2));
    }

    #[test]
    fn newlines_are_found_at_every_offset() {
        for len in 0..40 {
            let mut text = vec![b'x'; len];
            assert_eq!(find_newline(&text), None);
            text.push(b'\n');
            text.extend_from_slice(b"ab\n");
            assert_eq!(find_newline(&text), Some(len));
        }
    }

    #[test]
    fn malformed_lines_are_counted_and_skipped() {
        let (pts, out) = parse("1000 1.0 0\ngarbage\n1001 x 1\n1002 2.0 2 extra\n1003 3.0 3\n");
        assert_eq!(pts, vec![p(1000, 1.0, 0), p(1003, 3.0, 3)]);
        assert_eq!(out.bad_lines, 3);
        assert_eq!(out.first_bad, Some((2, "garbage".to_string())));
    }
}
