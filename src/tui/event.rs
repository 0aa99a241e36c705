//! Everything the event loop waits for, and the threads that produce it: terminal input,
//! the history worker, a spinner ticker (only while loading) and termination signals (the
//! loader, which follows the store, is in `loader.rs`). A panic in a worker is reported as
//! an error, never left as "loading…".

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::thread;
use std::time::Duration;

use ratatui::crossterm::event as ct;

use super::app::LoadEvent;
use crate::model::MetricPoint;
use crate::store::Store;

/// A request for metric histories: `(run ids, key, step range)`.
pub type HistoryRequest = (Vec<String>, String, Option<(i64, i64)>);

/// Points per run asked of a server for one chart (local stores return everything).
const CHART_POINTS: usize = 2500;

/// The message of a panic, for an error line.
pub(super) fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    format!("internal error: {what}")
}

pub(super) fn epoch_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Loads metric histories on request, off the UI thread, until the request side closes.
pub fn spawn_history_worker(
    store: Arc<dyn Store>,
    requests: Receiver<HistoryRequest>,
    tx: Sender<Event>,
) {
    thread::spawn(move || {
        for (run_ids, key, steps) in requests {
            let result = catch_unwind(AssertUnwindSafe(|| {
                store.metric_history_for_chart(&run_ids, &key, CHART_POINTS, steps)
            }))
            .map_err(|p| panic_text(p.as_ref()))
            .and_then(|r| r.map_err(|e| e.to_string()));
            if tx
                .send(Event::History {
                    key,
                    run_ids,
                    steps,
                    result,
                })
                .is_err()
            {
                return;
            }
        }
    });
}

/// An event for the UI thread.
#[derive(Debug)]
pub enum Event {
    Term(ct::Event),
    InputFailed(String),
    Load(LoadEvent),
    Tick,
    /// Histories for the charts arrived (or failed).
    History {
        key: String,
        run_ids: Vec<String>,
        steps: Option<(i64, i64)>,
        result: Result<Vec<(String, Vec<MetricPoint>)>, String>,
    },
    /// A batch of metric aggregates arrived (`batch`), or a job ended (`None`, with its
    /// error if it failed).
    Aggregates {
        job: u64,
        batch: Option<crate::store::AggBatch>,
        error: Option<String>,
    },
    /// Writing the remembered views failed.
    SaveFailed(String),
    /// A signal arrived: SIGTERM, SIGHUP, SIGINT or SIGQUIT (quit), SIGTSTP (suspend) or
    /// SIGCONT (continued: take the terminal back and redraw).
    Signal(i32),
    /// Models, logged models or artifacts arrived (see `fetch`).
    Fetched(super::fetch::Fetched),
}

/// Reads terminal input until the receiver goes away.
pub fn spawn_input(tx: Sender<Event>) {
    thread::spawn(move || {
        loop {
            let ev = match ct::read() {
                Ok(ev) => Event::Term(ev),
                Err(e) => {
                    let _ = tx.send(Event::InputFailed(e.to_string()));
                    return;
                }
            };
            if tx.send(ev).is_err() {
                return;
            }
        }
    });
}

/// Sends ticks for the spinner while `active` is set, then stops (no idle wake-ups).
pub fn spawn_ticker(tx: Sender<Event>, active: Arc<AtomicBool>) {
    thread::spawn(move || {
        while active.load(Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(120));
            if tx.send(Event::Tick).is_err() {
                return;
            }
        }
    });
}

/// Forwards signals to the event loop: termination (so the terminal is restored before
/// exit), SIGTSTP (`kill -TSTP`: suspend as Ctrl-Z does) and SIGCONT.
pub fn spawn_signals(tx: Sender<Event>) -> std::io::Result<()> {
    use signal_hook::consts::{SIGCONT, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP};
    let mut signals =
        signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGTSTP, SIGCONT])?;
    thread::spawn(move || {
        for sig in signals.forever() {
            if tx.send(Event::Signal(sig)).is_err() {
                return;
            }
        }
    });
    Ok(())
}
