//! The quick filter (`/` in the run table, a saved view's filter headless): a case-blind
//! substring search in the text a run shows and holds.

use crate::model::Run;
use crate::timefmt::TimeFormat;

/// Longest part of one value the quick filter searches (values can be huge).
const HAYSTACK_VALUE: usize = 1 << 20;

/// The lower-case text the quick filter searches in a run: what its cells show (name, id,
/// status, user, start time, duration, metric values), every param and tag value (notes,
/// source names and git commits included) and the experiment id. Fields are separated
/// by a NUL so a match never spans two.
pub fn haystack(run: &Run, now: i64, time: &TimeFormat) -> String {
    // Sized once: the values' bytes, a separator each, and room for the formatted fields.
    let values: usize = run
        .params
        .values()
        .chain(run.tags.values())
        .map(|v| v.len().min(HAYSTACK_VALUE) + 1)
        .sum();
    let mut out = String::with_capacity(
        values + run.run_name.len() + run.run_id.len() + 64 + 12 * run.metrics.len(),
    );
    add(&mut out, &run.run_name);
    add(&mut out, &run.run_id);
    add(&mut out, &run.experiment_id);
    add(&mut out, run.status.as_str());
    add(&mut out, &run.user_id);
    if let Some(t) = run.start_time {
        add(&mut out, &time.short(t));
        add(&mut out, &time.ago(t, now));
    }
    if let Some(d) = run.duration_ms(now) {
        add(&mut out, &crate::text::duration_compact(d));
    }
    for m in run.metrics.values() {
        let v = m.latest.value;
        if v.is_finite() {
            // Digits, a sign, a point and `e`: lower case already.
            crate::text::push_float_short(&mut out, v);
            out.push('\0');
        } else {
            add(&mut out, &crate::text::float_short(v));
        }
    }
    for v in run.params.values().chain(run.tags.values()) {
        add(&mut out, v);
    }
    out
}

/// Appends `s` (its first [`HAYSTACK_VALUE`] bytes), lower-cased, and a NUL to `out`.
fn add(out: &mut String, s: &str) {
    let mut end = s.len().min(HAYSTACK_VALUE);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let s = &s[..end];
    if s.is_ascii() {
        // Most text is ASCII: lower-cased in place, without a string per value.
        let at = out.len();
        out.push_str(s);
        out[at..].make_ascii_lowercase();
    } else {
        out.push_str(&s.to_lowercase());
    }
    out.push('\0');
}

/// The haystacks of `runs[i]` for each `i` of `which`, built on every core when there are
/// many (a first search of a 100,000-run table).
pub fn haystacks(
    runs: &[Run],
    which: &[usize],
    now: i64,
    time: &TimeFormat,
) -> Vec<(usize, String)> {
    let build = |part: &[usize]| -> Vec<(usize, String)> {
        part.iter()
            .map(|&i| (i, haystack(&runs[i], now, time)))
            .collect()
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if which.len() < 4096 || cores < 2 {
        return build(which);
    }
    let per = which.len().div_ceil(cores);
    std::thread::scope(|s| {
        let parts: Vec<_> = which
            .chunks(per)
            .map(|part| s.spawn(move || build(part)))
            .collect();
        let mut out = Vec::with_capacity(which.len());
        for p in parts {
            match p.join() {
                Ok(part) => out.extend(part),
                // A panic in a helper thread is a bug: pass it on as the UI thread's own.
                Err(e) => std::panic::resume_unwind(e),
            }
        }
        out
    })
}

/// True when the quick filter `needle` (any case) is in the run's text.
pub fn matches(run: &Run, needle: &str, now: i64, time: &TimeFormat) -> bool {
    needle.is_empty() || haystack(run, now, time).contains(&needle.to_lowercase())
}
