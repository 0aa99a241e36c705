//! The store's parsers of untrusted input, driven with arbitrary bytes by
//! `crate::fuzz_api` (fuzz targets and property tests), with the checks that must hold.

use std::io::Read;

use super::metric_file::{ParseOutcome, parse_metric_lines, read_metric_lines};
use super::yaml::Meta;
use crate::model::MetricPoint;

/// Hands out the bytes in reads of a fixed size, to split lines at every place.
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

fn bits(points: &[MetricPoint]) -> Vec<(i64, i64, u64)> {
    points
        .iter()
        .map(|p| (p.step, p.timestamp, p.value.to_bits()))
        .collect()
}

pub fn metric_lines(data: &[u8]) {
    let mut whole = Vec::new();
    let want: ParseOutcome = parse_metric_lines(data, |p| whole.push(p));
    assert!(want.consumed <= data.len());
    assert!(
        want.consumed == 0 || data[want.consumed - 1] == b'\n',
        "consumed ends inside a line"
    );
    assert!(
        !data[want.consumed..].contains(&b'\n'),
        "a complete line was left unconsumed"
    );
    assert!(whole.len() + want.bad_lines <= data.iter().filter(|&&b| b == b'\n').count());
    let step = 1 + data.first().map_or(0, |&b| usize::from(b) % 13);
    for step in [step, 4096] {
        let mut got = Vec::new();
        let mut buf = Vec::new();
        let mut reader = Trickle { data, step };
        let out = read_metric_lines(&mut reader, &mut buf, |p| got.push(p)).expect("read");
        assert_eq!(out, want, "step {step}");
        assert_eq!(bits(&got), bits(&whole), "step {step}");
    }
}

pub fn meta_yaml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(meta) = Meta::parse(text) else {
        return;
    };
    for key in [
        "experiment_id",
        "run_id",
        "name",
        "status",
        "start_time",
        "tags",
    ] {
        let s = meta.string(key);
        if let (Some(s), Some(i)) = (s.as_deref(), meta.int(key)) {
            // A number read as text reads back as the same number.
            if let Ok(direct) = s.parse::<i64>() {
                assert_eq!(direct, i, "{key}: {s:?}");
            }
        }
        let _ = meta.string_map(key);
    }
}
