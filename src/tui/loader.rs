//! The background loader: loads the store, then follows it — woken at once by a local
//! store's watcher (`store::watch`), at the refresh interval, and when asked — sending what
//! changed to the UI thread; and its watchdog, which reports a store that stops answering.
//! Polling, watching and waiting all happen off the UI thread.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use super::app::LoadEvent;
use super::event::{Event, epoch_ms, panic_text};
use crate::store::watch::{Next, Schedule, Unwatched, Watcher};
use crate::store::{Cause, Change, Follower, Store, WatchSet};

/// A load or refresh without news from the store for this long is reported as stalled.
const STALL_AFTER: Duration = Duration::from_secs(30);

/// Requests to the loader while it follows the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Pause,
    /// Resume and refresh at once.
    Resume,
    /// Refresh once, now, looking at everything (also while paused or with live refresh
    /// off).
    RefreshNow,
    /// The store's watcher saw a change at this instant.
    Changed(Instant),
}

/// How the loader follows the store once it is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Follow {
    /// The refresh interval (with a watcher, the safety net's); `None`: live refresh off.
    pub interval: Option<Duration>,
    /// Watch a local store for changes (`false`: poll, as `MLTUI_WATCH=poll` asks).
    pub watch: bool,
}

/// Loads everything (experiments, then runs batch by batch), clears `loading`, then keeps
/// following the store as `follow` says — at once when a local store's watcher sees a
/// change, every interval, and whenever asked — sending only what changed. Returns the
/// loader's controls.
pub fn spawn_loader(
    store: Arc<dyn Store>,
    tx: Sender<Event>,
    loading: Arc<AtomicBool>,
    follow: Follow,
) -> Sender<Control> {
    spawn_loader_watched(store, tx, loading, follow, STALL_AFTER)
}

/// One poll of `follower`, with the watchdog's clock kept and a panic caught.
fn poll_once(
    follower: &mut dyn Follower,
    cause: Cause,
    tx: &Sender<Event>,
    news: &AtomicI64,
) -> Result<(), String> {
    news.store(epoch_ms(), Ordering::SeqCst);
    let result = catch_unwind(AssertUnwindSafe(|| {
        follower.poll_for(cause, &mut |change| {
            news.store(epoch_ms(), Ordering::SeqCst);
            let ev = match change {
                Change::Experiments(list) => LoadEvent::Experiments(list),
                Change::Runs(batch) => LoadEvent::Runs(batch),
            };
            let _ = tx.send(Event::Load(ev));
        })
    }));
    news.store(0, Ordering::SeqCst);
    match result {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(p) => Err(panic_text(p.as_ref())),
    }
}

/// The follower's watch set (`None` if it has none, or if finding it panicked).
fn watch_set(follower: &dyn Follower) -> Option<WatchSet> {
    catch_unwind(AssertUnwindSafe(|| follower.watch_set()))
        .ok()
        .flatten()
}

/// What the header says about how the store is followed, and why it is polled when it
/// could not be watched.
fn following(watching: bool, why: Option<&Unwatched>, interval: Duration) -> Event {
    let note = why
        .filter(|w| **w != Unwatched::Asked)
        .map(|w| format!("live refresh polls every {} s: {w}", interval.as_secs_f64()));
    Event::Load(LoadEvent::Following { watching, note })
}

/// [`spawn_loader`], reporting a load or refresh that brings no news for `stall`
/// ([`LoadEvent::Stalled`]).
pub fn spawn_loader_watched(
    store: Arc<dyn Store>,
    tx: Sender<Event>,
    loading: Arc<AtomicBool>,
    follow: Follow,
    stall: Duration,
) -> Sender<Control> {
    let (control_tx, control) = mpsc::channel();
    let wake = control_tx.clone();
    // When the running poll last had news (epoch ms); 0 between polls.
    let news = Arc::new(AtomicI64::new(0));
    spawn_watchdog(tx.clone(), news.clone(), stall);
    thread::spawn(move || {
        let mut follower = crate::store::follow(store);
        let first = poll_once(follower.as_mut(), Cause::Timer, &tx, &news);
        loading.store(false, Ordering::SeqCst);
        let ev = match first {
            Ok(()) => LoadEvent::Done,
            Err(e) => LoadEvent::Failed(e),
        };
        if tx.send(Event::Load(ev)).is_err() {
            return;
        }
        // Whether the UI is still there to be told a refresh finished.
        let refreshed = |error, cause| {
            tx.send(Event::Load(LoadEvent::Refreshed {
                at: epoch_ms(),
                error,
                asked: cause == Cause::Full,
            }))
            .is_ok()
        };
        let Some(interval) = follow.interval else {
            drop(wake);
            // Live refresh off: only when asked.
            for c in control {
                if matches!(c, Control::RefreshNow | Control::Resume) {
                    let error = poll_once(follower.as_mut(), Cause::Full, &tx, &news).err();
                    if !refreshed(error, Cause::Full) {
                        return;
                    }
                }
            }
            return;
        };
        let mut schedule = Schedule::new(interval, Instant::now());
        // A local store is watched unless polling is asked for or cannot be helped.
        let mut watcher = None;
        let mut wake = Some(wake);
        if let Some(set) = watch_set(follower.as_ref()) {
            let started = match wake.take().filter(|_| follow.watch) {
                Some(wake) => Watcher::start(&set, move |at| {
                    let _ = wake.send(Control::Changed(at));
                }),
                None => Err(Unwatched::Asked),
            };
            let ev = following(started.is_ok(), started.as_ref().err(), interval);
            if tx.send(ev).is_err() {
                return;
            }
            if let Ok(w) = started {
                watcher = Some(w);
                // What changed between the first load and the watch is looked at now.
                schedule.wake(Instant::now());
            }
        }
        // Only the watcher keeps a sender: without one, the loader ends with the UI.
        drop(wake);
        loop {
            let cause = match schedule.next(Instant::now()) {
                Next::Poll(cause) => cause,
                Next::Wait(wait) => {
                    let next = match wait {
                        Some(wait) => control.recv_timeout(wait),
                        None => control.recv().map_err(|_| RecvTimeoutError::Disconnected),
                    };
                    match next {
                        Ok(Control::Pause) => {
                            schedule.paused = true;
                            continue;
                        }
                        Ok(Control::Resume) => {
                            schedule.paused = false;
                            Cause::Timer
                        }
                        Ok(Control::RefreshNow) => Cause::Full,
                        Ok(Control::Changed(at)) => {
                            schedule.wake(at);
                            continue;
                        }
                        Err(RecvTimeoutError::Timeout) => continue,
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            };
            if let Some(w) = &watcher {
                // Changes from now on wake the loader again: one more poll after this one.
                w.rearm();
            }
            let started = Instant::now();
            let error = poll_once(follower.as_mut(), cause, &tx, &news).err();
            let ended = Instant::now();
            schedule.polled(cause, started, ended);
            // Running runs come and go: watch the folders the store has now.
            if let (Some(w), Some(set)) = (watcher.as_mut(), watch_set(follower.as_ref())) {
                match w.update(&set) {
                    Ok(0) => {}
                    // A change in a folder before it was watched went unseen: look again.
                    Ok(_) => schedule.wake(ended),
                    Err(why) => {
                        watcher = None;
                        if tx.send(following(false, Some(&why), interval)).is_err() {
                            return;
                        }
                    }
                }
            }
            if !refreshed(error, cause) {
                return;
            }
        }
    });
    control_tx
}

/// Watches the loader: when a poll has had no news for `stall`, says so once (the store
/// may be a hung network mount or a server that stopped answering). Wakes up a few times
/// per `stall`, and ends with the event loop.
fn spawn_watchdog(tx: Sender<Event>, news: Arc<AtomicI64>, stall: Duration) {
    thread::spawn(move || {
        let mut reported = 0;
        loop {
            thread::sleep(stall / 3);
            let last = news.load(Ordering::SeqCst);
            let quiet = Duration::from_millis(epoch_ms().saturating_sub(last).max(0) as u64);
            if last != 0 && last != reported && quiet >= stall {
                reported = last;
                let ev = LoadEvent::Stalled {
                    secs: quiet.as_secs(),
                };
                if tx.send(Event::Load(ev)).is_err() {
                    return;
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::mpsc::{self, Receiver};

    use super::*;
    use crate::model::{MetricPoint, Run};
    use crate::store::{ExperimentList, RunBatch, RunQuery, StoreError};
    use crate::tui::event::spawn_history_worker;

    /// A store whose experiment listing waits for `gate` (or panics without one).
    struct Stuck {
        gate: Option<Mutex<Receiver<()>>>,
    }

    impl crate::store::Catalog for Stuck {}

    impl Store for Stuck {
        fn describe(&self) -> String {
            "stuck".into()
        }

        fn experiments(&self) -> Result<ExperimentList, StoreError> {
            match &self.gate {
                Some(gate) => {
                    let _ = gate.lock().map(|g| g.recv());
                    Ok(ExperimentList::default())
                }
                None => panic!("boom"),
            }
        }

        fn runs(&self, _: &RunQuery<'_>, _: &mut dyn FnMut(RunBatch)) -> Result<(), StoreError> {
            Ok(())
        }

        fn run(&self, id: &str) -> Result<Run, StoreError> {
            Err(StoreError::RunNotFound(id.into()))
        }

        fn metric_history(&self, _: &str, _: &str) -> Result<Vec<MetricPoint>, StoreError> {
            panic!("history boom")
        }
    }

    /// Live refresh off.
    const OFF: Follow = Follow {
        interval: None,
        watch: true,
    };

    fn next_load(rx: &Receiver<Event>) -> LoadEvent {
        loop {
            match rx.recv_timeout(Duration::from_secs(30)) {
                Ok(Event::Load(ev)) => return ev,
                Ok(_) => continue,
                Err(e) => panic!("no load event: {e}"),
            }
        }
    }

    #[test]
    fn a_store_that_stops_answering_is_reported_then_recovers() {
        let (gate_tx, gate_rx) = mpsc::channel();
        let store = Arc::new(Stuck {
            gate: Some(Mutex::new(gate_rx)),
        });
        let (tx, rx) = mpsc::channel();
        let loading = Arc::new(AtomicBool::new(true));
        let _control =
            spawn_loader_watched(store, tx, loading.clone(), OFF, Duration::from_millis(150));
        assert!(matches!(next_load(&rx), LoadEvent::Stalled { .. }));
        assert!(loading.load(Ordering::SeqCst), "still loading");
        gate_tx.send(()).expect("release");
        let mut events = Vec::new();
        loop {
            let ev = next_load(&rx);
            let done = matches!(ev, LoadEvent::Done);
            events.push(ev);
            if done {
                break;
            }
        }
        assert!(
            events
                .iter()
                .all(|e| !matches!(e, LoadEvent::Stalled { .. })),
            "one report per stall: {events:?}"
        );
    }

    /// A copy of the v3 file store fixture; the path of its running run (sweep-4).
    fn running_store(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
        let fixture =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v3/file/mlruns");
        let root = dir.join("mlruns");
        crate::tui::app::tests_models::copy_dir(&fixture, &root);
        let run = root.join("448852731697433311/4cffa9d8f1e244e9a91a499373b2f602");
        assert!(
            std::fs::read_to_string(run.join("meta.yaml"))
                .expect("meta")
                .contains("status: 1"),
            "sweep-4 is running"
        );
        (root, run)
    }

    fn open_file_store(root: &std::path::Path) -> Arc<dyn Store> {
        Arc::new(crate::store::FileStore::open(root).expect("open"))
    }

    /// Load events until `done` says stop (30 s at most); all of them.
    fn load_until(rx: &Receiver<Event>, done: impl Fn(&LoadEvent) -> bool) -> Vec<LoadEvent> {
        let mut events = Vec::new();
        loop {
            let ev = next_load(rx);
            let stop = done(&ev);
            events.push(ev);
            if stop {
                return events;
            }
        }
    }

    #[test]
    fn a_watched_store_is_polled_at_once_when_a_running_run_logs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (root, run) = running_store(dir.path());
        let (tx, rx) = mpsc::channel();
        // A minute between polls: only the watcher can bring the point within the 30 s
        // `next_load` waits.
        let follow = Follow {
            interval: Some(Duration::from_secs(60)),
            watch: true,
        };
        let _control = spawn_loader(
            open_file_store(&root),
            tx,
            Arc::new(AtomicBool::new(true)),
            follow,
        );
        let events = load_until(&rx, |e| matches!(e, LoadEvent::Following { .. }));
        assert!(
            matches!(
                events.last(),
                Some(LoadEvent::Following {
                    watching: true,
                    note: None
                })
            ),
            "{events:?}"
        );
        // The poll right after the watch started (changes in between) finishes first.
        load_until(&rx, |e| matches!(e, LoadEvent::Refreshed { .. }));
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(run.join("metrics/loss"))
            .expect("open");
        use std::io::Write;
        writeln!(f, "1795723400000 0.0424242 99").expect("append");
        let events = load_until(
            &rx,
            |e| matches!(e, LoadEvent::Runs(b) if b.runs.iter().any(|r| r.metrics.get("loss").is_some_and(|m| m.latest.value == 0.0424242))),
        );
        assert!(!events.is_empty());
    }

    #[test]
    fn polling_when_asked_says_so_without_a_note() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (root, _) = running_store(dir.path());
        let (tx, rx) = mpsc::channel();
        let follow = Follow {
            interval: Some(Duration::from_secs(60)),
            watch: false,
        };
        let _control = spawn_loader(
            open_file_store(&root),
            tx,
            Arc::new(AtomicBool::new(true)),
            follow,
        );
        let events = load_until(&rx, |e| matches!(e, LoadEvent::Following { .. }));
        assert!(
            matches!(
                events.last(),
                Some(LoadEvent::Following {
                    watching: false,
                    note: None
                })
            ),
            "{events:?}"
        );
    }

    fn screen(app: &crate::tui::app::App) -> String {
        use ratatui::{Terminal, backend::TestBackend};
        let mut term = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
        term.draw(|f| crate::tui::view::draw(f, app, &crate::tui::theme::Theme::monochrome()))
            .expect("draw");
        let buf = term.backend().buffer();
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn stalls_show_in_the_status_line_then_in_the_live_header() {
        let mut app = crate::tui::app::App::new("file store /x".into(), ".".into(), 0);
        app.live.interval = Some(2.0);
        app.on_load(LoadEvent::Stalled { secs: 30 });
        assert!(
            screen(&app).contains("the store has not answered for 30 s"),
            "{}",
            screen(&app)
        );
        app.on_load(LoadEvent::Done);
        app.on_load(LoadEvent::Stalled { secs: 45 });
        let first = screen(&app).lines().next().unwrap_or_default().to_string();
        assert!(first.contains("no answer for 45 s"), "{first}");
        app.on_load(LoadEvent::Refreshed {
            at: 1,
            error: None,
            asked: false,
        });
        assert!(
            !screen(&app).contains("no answer for"),
            "cleared once it answers"
        );
    }

    #[test]
    fn a_panicking_store_fails_the_load_instead_of_loading_forever() {
        let store = Arc::new(Stuck { gate: None });
        let (tx, rx) = mpsc::channel();
        let loading = Arc::new(AtomicBool::new(true));
        let _control = spawn_loader(store.clone(), tx.clone(), loading.clone(), OFF);
        match next_load(&rx) {
            LoadEvent::Failed(e) => assert!(e.contains("internal error: boom"), "{e}"),
            other => panic!("{other:?}"),
        }
        assert!(!loading.load(Ordering::SeqCst));
        // The chart loader too.
        let (req_tx, req_rx) = mpsc::channel();
        spawn_history_worker(store, req_rx, tx);
        req_tx
            .send((vec!["r".into()], "loss".into(), None))
            .expect("send");
        loop {
            match rx.recv_timeout(Duration::from_secs(30)).expect("history") {
                Event::History { result, .. } => {
                    let e = result.expect_err("an error");
                    assert!(e.contains("internal error: history boom"), "{e}");
                    break;
                }
                _ => continue,
            }
        }
    }
}
