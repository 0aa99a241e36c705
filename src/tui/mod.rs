//! The terminal UI: the only module that uses ratatui and crossterm. This file owns the
//! terminal (setup, restore on every exit path) and the event loop.

pub mod action;
pub mod aggs;
pub mod app;
pub mod clipboard;
pub mod event;
pub mod fetch;
pub mod keymap;
pub mod keymap_config;
pub mod loader;
pub mod notify;
pub mod text_chart;
pub mod theme;
pub mod view;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;

use anyhow::Result;
use ratatui::crossterm::event::{Event as CtEvent, KeyEventKind};

use app::{App, Effect};
use event::Event;
use keymap::Key;
use theme::Theme;

use crate::store::Store;

/// Options of the terminal UI.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub no_color: bool,
    /// Live refresh interval; `None` turns it off.
    pub refresh: Option<std::time::Duration>,
    /// Watch a local store for changes between refreshes (`false`: poll only).
    pub watch: bool,
    /// The id of an experiment whose runs to show first (`mltui SOURCE -e NAME`).
    pub experiment: Option<String>,
    /// `--artifacts-root`: where else to look for artifacts.
    pub artifacts_root: Option<PathBuf>,
    pub settings: app::Settings,
    /// `[theme]` colours over the built-in theme.
    pub theme: Vec<crate::config::ThemeEntry>,
    /// The state file of remembered views (`None`: nothing is remembered).
    pub state_file: Option<PathBuf>,
    /// The source as the state file names it.
    pub source_id: String,
}

/// Checks what the configuration file says about the terminal UI: key bindings and
/// theme colours (reported with the file's other problems).
pub fn check_config(c: &crate::config::Config) -> Vec<crate::config::ConfigError> {
    let mut errors = keymap::check_keys(&c.keys);
    errors.extend(theme::check_roles(&c.theme));
    errors
}

/// Turns mouse reporting on: clicks and the wheel (no motion events), in SGR encoding.
const MOUSE_ON: &[u8] = b"\x1b[?1000h\x1b[?1006h";
/// Turns off every mouse mode a terminal may have been left in.
const MOUSE_OFF: &[u8] = b"\x1b[?1006l\x1b[?1015l\x1b[?1003l\x1b[?1002l\x1b[?1000l";

fn set_mouse(on: bool) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout();
    out.write_all(if on { MOUSE_ON } else { MOUSE_OFF })?;
    out.flush()
}

/// Restores the terminal when dropped, whatever way the loop ends.
struct TerminalGuard {
    mouse: bool,
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        if self.mouse {
            let _ = set_mouse(false);
        }
        ratatui::restore();
    }
}

/// The UI ended because of a signal (SIGTERM, SIGHUP, SIGINT, SIGQUIT): the process should
/// exit with status 128 + the signal number, as a shell reports it.
#[derive(Debug, thiserror::Error)]
#[error("stopped by signal {0}")]
pub struct Interrupted(pub i32);

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Takes the terminal back after the process was stopped: raw mode, the alternate screen,
/// the mouse, and a full redraw on the next frame.
fn reenter(terminal: &mut ratatui::DefaultTerminal, mouse: bool) -> Result<()> {
    use ratatui::crossterm::{cursor, execute, terminal as ct};
    ct::enable_raw_mode()?;
    execute!(
        std::io::stdout(),
        ct::EnterAlternateScreen,
        cursor::Hide,
        ct::Clear(ct::ClearType::All)
    )?;
    if mouse {
        set_mouse(true)?;
    }
    // Forget the last frame so the next one is drawn whole. (`Terminal::clear` would ask
    // the terminal for the cursor position, which the input thread's read would swallow.)
    terminal.swap_buffers();
    Ok(())
}

/// Ctrl-Z or SIGTSTP: give the terminal back to the shell, stop until continued (`fg`),
/// then take it back.
fn suspend(terminal: &mut ratatui::DefaultTerminal, mouse: bool) -> Result<()> {
    if mouse {
        set_mouse(false)?;
    }
    ratatui::restore();
    // SIGTSTP is handled (to get here), so stop with SIGSTOP, which cannot be.
    signal_hook::low_level::raise(signal_hook::consts::SIGSTOP)?;
    reenter(terminal, mouse)
}

/// The mouse event of a terminal event, for the app.
fn mouse_of(ev: &ratatui::crossterm::event::MouseEvent) -> Option<app::Mouse> {
    use ratatui::crossterm::event::{MouseButton, MouseEventKind};
    let kind = match ev.kind {
        MouseEventKind::Down(MouseButton::Left) => app::MouseKind::Click,
        MouseEventKind::ScrollUp => app::MouseKind::ScrollUp,
        MouseEventKind::ScrollDown => app::MouseKind::ScrollDown,
        _ => return None,
    };
    Some(app::Mouse {
        kind,
        x: ev.column,
        y: ev.row,
    })
}

/// Runs the UI on `store` until the user quits or a signal arrives (then the error is
/// [`Interrupted`]).
pub fn run(store: Arc<dyn Store>, opts: &Options) -> Result<()> {
    let theme = Theme::from_env(opts.no_color).with_roles(&opts.theme);
    let export_dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let mut app = App::new(store.describe(), export_dir, now_ms());
    app.settings = opts.settings.clone();
    let mouse = app.settings.mouse;
    app.load_views(opts.state_file.clone(), &opts.source_id);
    app.live.interval = opts.refresh.map(|d| d.as_secs_f64());
    app.chart.sampled = store.samples_histories();
    if let Some(id) = &opts.experiment {
        app.start_on_experiment(id.clone());
    }
    let (tx, rx) = mpsc::channel();
    let loading = Arc::new(AtomicBool::new(true));
    event::spawn_signals(tx.clone())?;
    // Views are written off this thread. Dropping the saver (on any way out, after the
    // terminal guard below has restored the terminal) writes what is pending.
    let failed = tx.clone();
    let saver = crate::config::state::Saver::spawn(move |e| {
        let _ = failed.send(Event::SaveFailed(e));
    });
    // ratatui::init enters raw mode and the alternate screen and installs a panic hook
    // that restores the terminal; the guard covers normal returns and errors.
    let mut terminal = ratatui::try_init()?;
    let _guard = TerminalGuard { mouse };
    if mouse {
        // A panic restores the terminal (ratatui's hook); the mouse goes off first.
        let restore = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = set_mouse(false);
            restore(info);
        }));
        set_mouse(true)?;
    }
    event::spawn_input(tx.clone());
    let (history_tx, history_rx) = mpsc::channel();
    event::spawn_history_worker(store.clone(), history_rx, tx.clone());
    let (aggs_tx, aggs_rx) = mpsc::channel();
    aggs::spawn_worker(store.clone(), aggs_rx, tx.clone());
    let fetcher = fetch::Fetcher::new(store.clone(), opts.artifacts_root.clone(), tx.clone());
    let follow = loader::Follow {
        interval: opts.refresh,
        watch: opts.watch,
    };
    let control_tx = loader::spawn_loader(store, tx.clone(), loading.clone(), follow);
    event::spawn_ticker(tx, loading);
    let in_tmux = std::env::var_os("TMUX").is_some_and(|v| !v.is_empty());

    let mut dirty = true;
    let mut save_failed = false;
    loop {
        if dirty {
            app.now_ms = now_ms();
            terminal.draw(|f| view::draw(f, &app, &theme))?;
            dirty = false;
        }
        // With work to do while idle, a slice of it whenever no event is waiting.
        let idle = if app.has_idle_work() {
            match rx.try_recv() {
                Ok(ev) => Some(ev),
                Err(mpsc::TryRecvError::Empty) => {
                    app.idle_work();
                    continue;
                }
                Err(mpsc::TryRecvError::Disconnected) => break,
            }
        } else {
            None
        };
        // Wake up for the clock only while something on screen shows it.
        let first = match idle {
            Some(ev) => ev,
            None => match app.clock_interval() {
                Some(every) => match rx.recv_timeout(every) {
                    Ok(ev) => ev,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        dirty = true;
                        continue;
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                },
                None => match rx.recv() {
                    Ok(ev) => ev,
                    Err(_) => break,
                },
            },
        };
        let mut effects = Vec::new();
        let mut signal = None;
        for ev in std::iter::once(first).chain(rx.try_iter()) {
            match ev {
                Event::Term(CtEvent::Key(k)) if k.kind != KeyEventKind::Release => {
                    if let Some(key) = Key::from_event(&k) {
                        app.now_ms = now_ms();
                        effects.extend(app.on_key(key));
                        dirty = true;
                    }
                }
                Event::Term(CtEvent::Mouse(m)) => {
                    if let Some(m) = mouse_of(&m) {
                        app.now_ms = now_ms();
                        effects.extend(app.on_mouse(m));
                        dirty = true;
                    }
                }
                Event::Term(CtEvent::Resize(..)) => dirty = true,
                // Said once: a state directory that cannot be written stays so.
                Event::SaveFailed(e) if !save_failed => {
                    save_failed = true;
                    app.message = Some(app::Message {
                        text: e,
                        error: true,
                    });
                    dirty = true;
                }
                Event::SaveFailed(_) => {}
                Event::Term(_) => {}
                Event::InputFailed(e) => anyhow::bail!("reading the terminal failed: {e}"),
                Event::Load(l) => {
                    effects.extend(app.on_load(l));
                    dirty = true;
                }
                Event::Fetched(f) => {
                    effects.extend(app.on_fetched(f));
                    dirty = true;
                }
                Event::History {
                    key,
                    run_ids,
                    steps,
                    result,
                } => {
                    app.on_history(&key, steps, result, &run_ids);
                    dirty = true;
                }
                Event::Aggregates { job, batch, error } => {
                    app.on_aggregates(job, batch, error);
                    dirty = true;
                }
                Event::Tick => {
                    app.tick();
                    dirty = true;
                }
                Event::Signal(sig) if sig == signal_hook::consts::SIGTSTP => {
                    effects.push(Effect::Suspend);
                }
                Event::Signal(sig) if sig == signal_hook::consts::SIGCONT => {
                    reenter(&mut terminal, mouse)?;
                    dirty = true;
                }
                Event::Signal(sig) => signal = Some(sig),
            }
            // Effects run in order, before the next event: a quit stops here.
            let mut quit = false;
            for effect in effects.drain(..) {
                match effect {
                    Effect::SetPaused(paused) => {
                        let c = if paused {
                            loader::Control::Pause
                        } else {
                            loader::Control::Resume
                        };
                        let _ = control_tx.send(c);
                    }
                    Effect::Refresh => {
                        let _ = control_tx.send(loader::Control::RefreshNow);
                    }
                    Effect::Fetch(req) => fetcher.request(req),
                    Effect::Copy(text) => {
                        use std::io::Write;
                        let out = terminal.backend_mut();
                        out.write_all(&clipboard::osc52(&text, in_tmux))?;
                        out.flush()?;
                    }
                    Effect::Suspend => {
                        suspend(&mut terminal, mouse)?;
                        dirty = true;
                    }
                    Effect::ComputeAggregates(job) => {
                        let _ = aggs_tx.send(job);
                    }
                    Effect::Notify { title, body } => {
                        use std::io::Write;
                        let kind = app.settings.activity.notify;
                        let out = terminal.backend_mut();
                        out.write_all(&notify::sequence(kind, &title, &body, in_tmux))?;
                        out.flush()?;
                    }
                    other => quit |= run_effect(&mut app, other, &history_tx),
                }
            }
            // Changes to the view are remembered soon (a dropped session loses nothing).
            if let Some(save) = app.sync_views() {
                saver.save(save);
            }
            if quit {
                return Ok(());
            }
            if let Some(sig) = signal {
                return Err(Interrupted(sig).into());
            }
        }
    }
    Ok(())
}

/// Carries out an effect; returns true to quit. History loads go to the worker.
pub fn run_effect(
    app: &mut App,
    effect: Effect,
    history: &mpsc::Sender<event::HistoryRequest>,
) -> bool {
    match effect {
        Effect::Quit => true,
        // Handled by the event loop, which owns the terminal, the loader's controls, the
        // fetcher and the aggregate worker's queue.
        Effect::SetPaused(_)
        | Effect::Refresh
        | Effect::Copy(_)
        | Effect::Suspend
        | Effect::Fetch(_)
        | Effect::Notify { .. }
        | Effect::ComputeAggregates(_) => false,
        Effect::LoadHistories {
            run_ids,
            key,
            steps,
        } => {
            if history.send((run_ids.clone(), key.clone(), steps)).is_err() {
                app.on_history(
                    &key,
                    steps,
                    Err("the history loader stopped".into()),
                    &run_ids,
                );
            }
            false
        }
        Effect::Export {
            table,
            format,
            path,
        } => {
            let result = crate::export::write_file(&path, |out| {
                crate::export::write_table(&table, format, out)
            })
            .map(|()| {
                let shown = std::fs::canonicalize(&path).unwrap_or(path.clone());
                format!(
                    "exported {} × {} to {}",
                    crate::text::count(table.rows.len(), "row", "rows"),
                    crate::text::count(table.headers.len(), "column", "columns"),
                    shown.display()
                )
            })
            .map_err(|e| format!("export to {} failed: {e}", path.display()));
            app.export_done(result);
            false
        }
    }
}
