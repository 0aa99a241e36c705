//! The quick filter (`/` in the run table, a saved view's filter headless): a case-blind
//! substring search in the text a run shows and holds.

use crate::index::RunIndex;
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

/// The search text of every run of an index, each built at some index generation and
/// redone only when its run changed after that. Built all at once when the quick filter
/// needs them ([`SearchTexts::update`]), or a slice at a time ahead of it
/// ([`SearchTexts::update_some`], while a terminal UI waits for input).
#[derive(Debug, Default, Clone)]
pub struct SearchTexts {
    texts: Vec<String>,
    /// Index generation each text was built at (0: never).
    built: Vec<u64>,
    /// Index generation up to which every text is current.
    current: u64,
}

impl SearchTexts {
    /// The search text of the run at position `i`, when built.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.built
            .get(i)
            .filter(|&&b| b > 0)
            .and_then(|_| self.texts.get(i))
            .map(String::as_str)
    }

    /// True when every run's text is current for `index`.
    pub fn is_current(&self, index: &RunIndex) -> bool {
        self.current == index.generation()
    }

    /// Brings every run's text up to date.
    pub fn update(&mut self, index: &RunIndex, now: i64, time: &TimeFormat) {
        while self.update_some(index, now, time, usize::MAX) {}
    }

    /// Builds or redoes at most `budget` of the texts that are missing or older than their
    /// run; true when some are still left.
    pub fn update_some(
        &mut self,
        index: &RunIndex,
        now: i64,
        time: &TimeFormat,
        budget: usize,
    ) -> bool {
        if self.is_current(index) {
            return false;
        }
        let runs = index.runs();
        self.texts.resize(runs.len(), String::new());
        self.built.resize(runs.len(), 0);
        let built = &self.built;
        let todo: Vec<usize> = index
            .changed_since(self.current)
            .filter(|&i| built[i] < index.stamp(i))
            .take(budget)
            .collect();
        let generation = index.generation();
        for (i, text) in haystacks(runs, &todo, now, time) {
            self.texts[i] = text;
            self.built[i] = generation;
        }
        if todo.len() < budget {
            self.current = generation;
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Lifecycle, RunStatus};

    fn run(n: usize) -> Run {
        Run {
            run_id: format!("run{n:05}"),
            run_name: format!("Name-{n}"),
            experiment_id: "1".into(),
            status: RunStatus::Finished,
            lifecycle: Lifecycle::Active,
            user_id: "ana".into(),
            start_time: Some(1_700_000_000_000 + n as i64),
            end_time: None,
            artifact_uri: String::new(),
            params: Default::default(),
            tags: Default::default(),
            metrics: Default::default(),
            datasets: Vec::new(),
            aggregates: Default::default(),
        }
    }

    fn index_of(n: usize) -> RunIndex {
        let mut index = RunIndex::new(Vec::new());
        for i in 0..n {
            index.upsert(run(i));
        }
        index
    }

    /// Every text is what building it now would give.
    fn all_current(texts: &SearchTexts, index: &RunIndex, time: &TimeFormat) {
        assert!(texts.is_current(index));
        for (i, r) in index.runs().iter().enumerate() {
            assert_eq!(texts.get(i), Some(haystack(r, 0, time).as_str()), "{i}");
        }
    }

    #[test]
    fn texts_built_a_slice_at_a_time_with_changes_between_end_up_current() {
        let time = TimeFormat::default();
        let mut index = index_of(1000);
        let mut texts = SearchTexts::default();
        assert_eq!(texts.get(0), None);
        let mut slices = 0;
        while texts.update_some(&index, 0, &time, 300) {
            slices += 1;
            // A run already built changes, one not built yet changes, one is added.
            let mut changed = run(slices);
            changed.run_name = format!("Renamed-{slices}");
            index.upsert(changed);
            let mut later = run(999);
            later.user_id = format!("bo{slices}");
            index.upsert(later);
            index.upsert(run(1000 + slices));
        }
        assert!(slices >= 3, "{slices} slices");
        all_current(&texts, &index, &time);
        assert!(texts.get(1).is_some_and(|t| t.contains("renamed-1")));
        // Nothing left: no work, and a change makes exactly that run's text over.
        assert!(!texts.update_some(&index, 0, &time, 1));
        let mut r = run(5);
        r.run_name = "Last".into();
        index.upsert(r);
        assert!(texts.update_some(&index, 0, &time, 1), "one slice of one");
        assert!(!texts.update_some(&index, 0, &time, 1));
        all_current(&texts, &index, &time);
    }

    #[test]
    fn update_builds_everything_at_once() {
        let time = TimeFormat::default();
        let index = index_of(50);
        let mut texts = SearchTexts::default();
        texts.update(&index, 0, &time);
        all_current(&texts, &index, &time);
    }
}
