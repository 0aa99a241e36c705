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
    let mut out = String::new();
    let mut add = |s: &str| {
        let mut end = s.len().min(HAYSTACK_VALUE);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        out.push_str(&s[..end].to_lowercase());
        out.push('\0');
    };
    add(&run.run_name);
    add(&run.run_id);
    add(&run.experiment_id);
    add(run.status.as_str());
    add(&run.user_id);
    if let Some(t) = run.start_time {
        add(&time.short(t));
        add(&time.ago(t, now));
    }
    if let Some(d) = run.duration_ms(now) {
        add(&crate::text::duration_compact(d));
    }
    for m in run.metrics.values() {
        add(&crate::text::float_short(m.latest.value));
    }
    for v in run.params.values().chain(run.tags.values()) {
        add(v);
    }
    out
}

/// True when the quick filter `needle` (any case) is in the run's text.
pub fn matches(run: &Run, needle: &str, now: i64, time: &TimeFormat) -> bool {
    needle.is_empty() || haystack(run, now, time).contains(&needle.to_lowercase())
}
