//! When the loader polls a store it follows: a change seen by the store's watcher asks for a
//! poll soon (a burst of changes coalesced into one), the refresh interval brings one of its
//! own (the safety net), and pausing stops both. Pure timing, tested without a clock.

use std::time::{Duration, Instant};

use super::follow::Cause;

/// After the first change of a burst, how long to wait for the rest of it before polling.
pub const DEBOUNCE: Duration = Duration::from_millis(50);

/// The longest rest after a slow poll (see [`Schedule`]).
const MAX_REST: Duration = Duration::from_secs(5);
/// When the next poll is due. A change seen by the watcher asks for a poll [`DEBOUNCE`]
/// after it (so a burst of changes is one poll), but never sooner after the last poll than
/// that poll took (polling a big store never takes more than half the time). The interval
/// still brings a poll of its own (`Cause::Timer`, a safety net for anything the watcher
/// cannot see), however often the watcher wakes the follower.
#[derive(Debug, Clone)]
pub struct Schedule {
    interval: Duration,
    /// The first change not polled for yet.
    woken: Option<Instant>,
    /// When the interval's next poll is due.
    timer: Instant,
    /// No poll for a change before this.
    rest_until: Instant,
    pub paused: bool,
}

/// What the loader does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Poll(Cause),
    /// Wait this long (or, `None`, until a message) and ask again.
    Wait(Option<Duration>),
}

impl Schedule {
    /// A schedule whose last poll ended at `now`.
    pub fn new(interval: Duration, now: Instant) -> Self {
        Self {
            interval,
            woken: None,
            timer: now + interval,
            rest_until: now,
            paused: false,
        }
    }

    /// The watcher saw a change at `at`.
    pub fn wake(&mut self, at: Instant) {
        self.woken = Some(self.woken.map_or(at, |w| w.min(at)));
    }

    /// Whether a change is waiting for a poll.
    pub fn woken(&self) -> bool {
        self.woken.is_some()
    }

    pub fn next(&self, now: Instant) -> Next {
        if self.paused {
            return Next::Wait(None);
        }
        if self.timer <= now {
            return Next::Poll(Cause::Timer);
        }
        let due = match self.woken {
            Some(at) => (at + DEBOUNCE).max(self.rest_until).min(self.timer),
            None => self.timer,
        };
        if due <= now {
            Next::Poll(Cause::Watch)
        } else {
            Next::Wait(Some(due - now))
        }
    }

    /// A poll for `cause` ran from `started` to `ended`: the changes seen before it are
    /// taken care of.
    pub fn polled(&mut self, cause: Cause, started: Instant, ended: Instant) {
        self.woken = None;
        let took = ended.saturating_duration_since(started).min(MAX_REST);
        self.rest_until = ended + took;
        if cause != Cause::Watch {
            self.timer = ended + self.interval;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_burst_of_changes_is_one_poll_after_the_debounce() {
        let t0 = Instant::now();
        let mut s = Schedule::new(Duration::from_secs(30), t0);
        assert_eq!(s.next(t0), Next::Wait(Some(Duration::from_secs(30))));
        s.wake(t0 + ms(10));
        s.wake(t0 + ms(20));
        s.wake(t0 + ms(40));
        // Due DEBOUNCE after the first change, however many followed.
        assert_eq!(s.next(t0 + ms(20)), Next::Wait(Some(ms(40))));
        assert_eq!(s.next(t0 + ms(60)), Next::Poll(Cause::Watch));
        s.polled(Cause::Watch, t0 + ms(60), t0 + ms(65));
        assert!(!s.woken());
        // Nothing more: the interval's poll, counted from the start (a watch poll does
        // not put the safety net off).
        assert_eq!(
            s.next(t0 + ms(70)),
            Next::Wait(Some(Duration::from_secs(30) - ms(70)))
        );
        assert_eq!(
            s.next(t0 + Duration::from_secs(30)),
            Next::Poll(Cause::Timer)
        );
    }

    #[test]
    fn a_change_during_a_poll_brings_one_more_poll_but_not_before_the_poll_s_own_time() {
        let t0 = Instant::now();
        let mut s = Schedule::new(Duration::from_secs(2), t0);
        s.wake(t0);
        // A slow poll (400 ms) with a change in the middle of it.
        s.polled(Cause::Watch, t0 + ms(50), t0 + ms(450));
        s.wake(t0 + ms(200));
        // Due at the end of the poll plus as long as it took: 850 ms.
        assert_eq!(s.next(t0 + ms(450)), Next::Wait(Some(ms(400))));
        assert_eq!(s.next(t0 + ms(850)), Next::Poll(Cause::Watch));
    }

    #[test]
    fn the_interval_polls_even_while_changes_keep_coming_and_pausing_stops_both() {
        let t0 = Instant::now();
        let mut s = Schedule::new(ms(1000), t0);
        let mut at = t0;
        let mut causes = Vec::new();
        // A change every 100 ms for 3 s; each poll takes 1 ms.
        while at < t0 + ms(3000) {
            s.wake(at);
            if let Next::Poll(cause) = s.next(at) {
                causes.push(cause);
                s.polled(cause, at, at + ms(1));
            }
            at += ms(100);
        }
        let timers = causes.iter().filter(|c| **c == Cause::Timer).count();
        assert_eq!(timers, 2, "{causes:?}");
        assert!(causes.len() - timers >= 10, "{causes:?}");
        s.paused = true;
        s.wake(at);
        assert_eq!(s.next(at + ms(5000)), Next::Wait(None));
        s.paused = false;
        assert_eq!(s.next(at + ms(5000)), Next::Poll(Cause::Timer));
    }
}
