//! Work the terminal does while no input waits: building the quick filter's search text
//! of a big table once it is loaded, a slice at a time, so the first key finds it built.

use super::{App, Screen};

/// Runs from which the quick filter's search text is built ahead, while the terminal
/// waits for input (below, the first key builds it in a few milliseconds).
const SEARCH_AHEAD_MIN: usize = 5_000;

/// Search texts built per slice of idle time: 7–13 ms on two cores (100,000 runs), so a
/// key pressed meanwhile waits no longer than that.
const SEARCH_SLICE: usize = 4_096;

impl App {
    /// True when there is work to do while no input waits: the quick filter's search text of
    /// a big table, once everything is loaded, so that the first key filters at once.
    pub fn has_idle_work(&self) -> bool {
        self.load.done
            && self.index.runs().len() >= SEARCH_AHEAD_MIN
            && self.stack.contains(&Screen::Runs)
            && !self.runs.search.is_current(&self.index)
    }

    /// One short slice of the work [`App::has_idle_work`] tells of (nothing on screen
    /// changes).
    pub fn idle_work(&mut self) {
        if self.has_idle_work() {
            let time = &self.settings.time;
            self.runs
                .search
                .update_some(&self.index, self.now_ms, time, SEARCH_SLICE);
        }
    }
}
