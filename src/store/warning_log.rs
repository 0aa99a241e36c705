//! Collecting warnings in bounded memory: a message seen many times is kept a few times and
//! counted after that ("and 3,499,990 more like this"; an exact repeat is never shown twice),
//! and past a total cap only a count is kept. Used wherever warnings pile up (a page of a
//! server's answer, the run index), so a flood from any source stays cheap and readable.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use super::Warning;

/// Warnings kept with the same message before the rest are only counted.
const PER_MESSAGE: usize = 5;
/// Warnings kept in all; later ones with a new message are only counted.
const MAX_KEPT: usize = 200;

/// Warnings, deduplicated and capped (see the module documentation).
#[derive(Debug, Default, Clone)]
pub struct WarningLog {
    kept: Vec<Warning>,
    /// Hashes of the exact `(location, message)` pairs kept, to drop repeats (a follower
    /// re-reading a broken file every poll).
    exact: HashSet<u64>,
    /// Per message of a kept warning: how many are kept, and how many more were counted.
    per_message: HashMap<String, (usize, u64)>,
    /// Warnings with messages not kept at all (past `MAX_KEPT`).
    other: u64,
    total: u64,
}

impl WarningLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one warning.
    pub fn push(&mut self, w: Warning) {
        self.total += 1;
        let repeat = self.exact.contains(&exact_hash(&w));
        match self.per_message.get_mut(&w.message) {
            Some((kept, more)) => {
                // An exact repeat of a kept warning is counted, never shown twice.
                if !repeat && *kept < PER_MESSAGE && self.kept.len() < MAX_KEPT {
                    *kept += 1;
                    self.keep(w);
                } else {
                    *more += 1;
                }
            }
            None if self.kept.len() < MAX_KEPT => {
                self.per_message.insert(w.message.clone(), (1, 0));
                self.keep(w);
            }
            None => self.other += 1,
        }
    }

    fn keep(&mut self, w: Warning) {
        self.exact.insert(exact_hash(&w));
        self.kept.push(w);
    }

    pub fn extend(&mut self, ws: impl IntoIterator<Item = Warning>) {
        for w in ws {
            self.push(w);
        }
    }

    /// Every warning added.
    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The warnings to show: those kept, the last of each often-seen message ending with
    /// "(and N more like this)", then one line counting the rest, if any.
    pub fn to_vec(&self) -> Vec<Warning> {
        let mut left: HashMap<&str, usize> = self
            .per_message
            .iter()
            .map(|(m, (kept, _))| (m.as_str(), *kept))
            .collect();
        let mut out = Vec::with_capacity(self.kept.len() + 1);
        for w in &self.kept {
            let mut w = w.clone();
            if let Some(n) = left.get_mut(w.message.as_str()) {
                *n -= 1;
                let more = self
                    .per_message
                    .get(&w.message)
                    .map_or(0, |(_, more)| *more);
                if *n == 0 && more > 0 {
                    w.message = format!("{} (and {} more like this)", w.message, thousands(more));
                }
            }
            out.push(w);
        }
        if self.other > 0 {
            out.push(Warning {
                location: String::new(),
                message: format!("and {} more warnings", thousands(self.other)),
            });
        }
        out
    }
}

impl Extend<Warning> for WarningLog {
    fn extend<T: IntoIterator<Item = Warning>>(&mut self, iter: T) {
        WarningLog::extend(self, iter);
    }
}

fn exact_hash(w: &Warning) -> u64 {
    let mut h = DefaultHasher::new();
    (&w.location, &w.message).hash(&mut h);
    h.finish()
}

/// `3499990` as `3,499,990`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(location: &str, message: &str) -> Warning {
        Warning {
            location: location.into(),
            message: message.into(),
        }
    }

    #[test]
    fn floods_are_counted_not_kept() {
        let mut log = WarningLog::new();
        for _ in 0..100_000 {
            log.push(w("server (runs/search)", "a run without run_id"));
        }
        // Exact repeats of a kept warning are counted, not shown again.
        assert_eq!(
            log.to_vec(),
            [w(
                "server (runs/search)",
                "a run without run_id (and 99,999 more like this)"
            )]
        );
        let mut log = WarningLog::new();
        for i in 0..200_000u64 {
            log.push(w(&format!("run {i}"), "a run without run_id"));
        }
        let shown = log.to_vec();
        assert_eq!(shown.len(), PER_MESSAGE);
        assert_eq!(
            shown[PER_MESSAGE - 1].message,
            "a run without run_id (and 199,995 more like this)"
        );
        assert_eq!(log.total(), 200_000);
        assert!(log.exact.len() <= MAX_KEPT && log.per_message.len() <= MAX_KEPT);
    }

    #[test]
    fn distinct_messages_are_capped_in_order() {
        let mut log = WarningLog::new();
        log.push(w("a", "first"));
        for i in 0..1000 {
            log.push(w("x", &format!("message {i}")));
        }
        log.push(w("b", "first"));
        let shown = log.to_vec();
        assert_eq!(shown.len(), MAX_KEPT + 1);
        assert_eq!(shown[0], w("a", "first (and 1 more like this)"));
        assert_eq!(shown[MAX_KEPT - 1].message, "message 198");
        assert_eq!(shown[MAX_KEPT].to_string(), "and 801 more warnings");
        assert_eq!(log.total(), 1002);
        assert!(log.per_message.len() <= MAX_KEPT);
    }

    #[test]
    fn numbers_get_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(3_499_990), "3,499,990");
    }
}
