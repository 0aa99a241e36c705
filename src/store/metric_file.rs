//! Parsing a file store's metric files: one `<timestamp> <value> <step> [dataset fields]` line
//! per point. Shared by full loads and (later) by tailing appended bytes.

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
    let mut start = 0;
    let mut line_no = 0;
    while let Some(rel) = bytes[start..].iter().position(|&b| b == b'\n') {
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
    out.consumed = start;
    out
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
    fn malformed_lines_are_counted_and_skipped() {
        let (pts, out) = parse("1000 1.0 0\ngarbage\n1001 x 1\n1002 2.0 2 extra\n1003 3.0 3\n");
        assert_eq!(pts, vec![p(1000, 1.0, 0), p(1003, 3.0, 3)]);
        assert_eq!(out.bad_lines, 3);
        assert_eq!(out.first_bad, Some((2, "garbage".to_string())));
    }
}
