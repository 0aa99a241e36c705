//! Activity across experiments: running runs (with the time of their last metric and a
//! stalled mark), runs that finished, failed or were killed recently, and alerts raised
//! while following the store: a running run logged NaN or ±inf for a watched metric, it
//! failed, or it stalled. Alerts not yet seen are counted in the header of every screen.

use std::collections::HashSet;

use super::{App, Effect, Message, Screen, move_cursor};
use crate::model::{Run, RunStatus};
use crate::text;
use crate::tui::action::Action;

/// Why an alert was raised.
#[derive(Debug, Clone, PartialEq)]
pub enum AlertKind {
    /// A watched metric's value is NaN or infinite.
    NonFinite {
        key: String,
        value: f64,
    },
    Failed,
    /// No metric logged since `since` (epoch ms).
    Stalled {
        since: i64,
    },
}

/// One alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub run_id: String,
    pub kind: AlertKind,
    /// When it was raised (epoch ms).
    pub at: i64,
    /// Not seen on the activity screen yet.
    pub unread: bool,
    /// Unread when the activity screen was last opened (drawn as new).
    pub new: bool,
}

impl Alert {
    /// What happened, in a few words.
    pub fn text(&self) -> String {
        match &self.kind {
            AlertKind::NonFinite { key, value } => {
                format!("{} = {}", text::sanitize(key), text::float_short(*value))
            }
            AlertKind::Failed => "failed".into(),
            AlertKind::Stalled { .. } => "stalled".into(),
        }
    }
}

/// A line of the activity screen.
#[derive(Debug, Clone, PartialEq)]
pub enum ActivityLine {
    /// A section title and how many lines it has.
    Section(&'static str, usize),
    /// An alert (index into `alerts`).
    Alert(usize),
    /// A run: running, or finished/failed/killed recently.
    Run(String),
}

impl ActivityLine {
    fn selectable(&self) -> bool {
        !matches!(self, ActivityLine::Section(..))
    }
}

/// State of the activity screen and of the alerts.
#[derive(Debug, Default)]
pub struct ActivityView {
    pub lines: Vec<ActivityLine>,
    pub cursor: usize,
    pub alerts: Vec<Alert>,
    /// Watching started (the first load is done): changes from now on raise alerts.
    watching: bool,
    /// Runs counted as stalled (alerted, or stalled already when watching started).
    stalled: HashSet<String>,
    /// (run, metric) pairs alerted for a non-finite value.
    non_finite: HashSet<(String, String)>,
    failed: HashSet<String>,
}

impl ActivityView {
    /// Alerts not seen yet.
    pub fn unread(&self) -> usize {
        self.alerts.iter().filter(|a| a.unread).count()
    }
}

/// The time of a run's last metric (else its start).
pub fn last_activity(run: &Run) -> Option<i64> {
    run.metrics
        .values()
        .map(|m| m.latest.timestamp)
        .max()
        .or(run.start_time)
}

/// The value of a watched-for alert in a metric: its latest value when that is not finite,
/// else an infinite extreme.
fn non_finite(m: &crate::model::MetricSummary) -> Option<f64> {
    if !m.latest.value.is_finite() {
        Some(m.latest.value)
    } else if m.max.is_infinite() {
        Some(m.max)
    } else if m.min.is_infinite() {
        Some(m.min)
    } else {
        None
    }
}

impl App {
    fn watched(&self, key: &str) -> bool {
        self.settings
            .activity
            .watch
            .iter()
            .any(|p| crate::config::glob_match(p, key))
    }

    fn stalled_after_ms(&self) -> i64 {
        (self.settings.activity.stalled_after * 1000.0) as i64
    }

    /// Whether a running run has logged nothing for the stalled time at `now`.
    pub fn is_stalled(&self, run: &Run, now: i64) -> bool {
        run.status == RunStatus::Running
            && last_activity(run).is_some_and(|t| now - t > self.stalled_after_ms())
    }

    /// Starts watching after the first load: what is already wrong then is listed on the
    /// screen; only running runs that show a non-finite value alert at once.
    pub(super) fn start_watching(&mut self) {
        if self.activity.watching {
            return;
        }
        self.activity.watching = true;
        let now = self.now_ms;
        let mut alerts = Vec::new();
        for run in self.index.runs() {
            if self.is_stalled(run, now) {
                self.activity.stalled.insert(run.run_id.clone());
                continue;
            }
            if run.status != RunStatus::Running {
                continue;
            }
            for (key, m) in &run.metrics {
                if let (true, Some(value)) = (self.watched(key), non_finite(m)) {
                    alerts.push((run.run_id.clone(), key.to_string(), value));
                }
            }
        }
        for (run_id, key, value) in alerts {
            self.activity
                .non_finite
                .insert((run_id.clone(), key.clone()));
            self.raise(run_id, AlertKind::NonFinite { key, value });
        }
    }

    /// Looks at runs that changed (before they replace the old ones in the index): a run
    /// that failed, a running run with a new non-finite value of a watched metric.
    pub(super) fn watch_runs(&mut self, runs: &[Run]) -> Vec<Effect> {
        if !self.activity.watching {
            return Vec::new();
        }
        let mut raised = Vec::new();
        for run in runs {
            let old = self.index.run(&run.run_id);
            if run.status == RunStatus::Failed
                && old.is_none_or(|o| o.status != RunStatus::Failed)
                && self.activity.failed.insert(run.run_id.clone())
            {
                raised.push((run.run_id.clone(), AlertKind::Failed));
            }
            // A run that logs again is no longer stalled (and may stall again).
            if old.is_some_and(|o| last_activity(o) != last_activity(run)) {
                self.activity.stalled.remove(&run.run_id);
            }
            if run.status != RunStatus::Running {
                continue;
            }
            for (key, m) in &run.metrics {
                let Some(value) = non_finite(m) else {
                    continue;
                };
                let slot = (run.run_id.clone(), key.to_string());
                if self.watched(key) && !self.activity.non_finite.contains(&slot) {
                    self.activity.non_finite.insert(slot);
                    raised.push((
                        run.run_id.clone(),
                        AlertKind::NonFinite {
                            key: key.to_string(),
                            value,
                        },
                    ));
                }
            }
        }
        raised
            .into_iter()
            .flat_map(|(id, kind)| self.raise(id, kind))
            .collect()
    }

    /// After a refresh at `now`: running runs that stalled since the last look.
    pub(super) fn check_stalled(&mut self, now: i64) -> Vec<Effect> {
        if !self.activity.watching {
            return Vec::new();
        }
        let newly: Vec<(String, i64)> = self
            .index
            .runs()
            .iter()
            .filter(|r| self.is_stalled(r, now) && !self.activity.stalled.contains(&r.run_id))
            .filter_map(|r| Some((r.run_id.clone(), last_activity(r)?)))
            .collect();
        let mut effects = Vec::new();
        for (id, since) in newly {
            self.activity.stalled.insert(id.clone());
            effects.extend(self.raise(id, AlertKind::Stalled { since }));
        }
        if self.stack.contains(&Screen::Activity) {
            self.refresh_activity();
        }
        effects
    }

    /// Records an alert; returns the notification to send, if notifications are on.
    fn raise(&mut self, run_id: String, kind: AlertKind) -> Vec<Effect> {
        let on_screen = self.screen() == Screen::Activity;
        let alert = Alert {
            run_id,
            kind,
            at: self.now_ms,
            unread: !on_screen,
            new: true,
        };
        let (name, experiment) = match self.index.run(&alert.run_id) {
            Some(r) => (
                r.run_name.clone(),
                self.index
                    .experiment(&r.experiment_id)
                    .map(|e| e.name.clone())
                    .unwrap_or_default(),
            ),
            None => (alert.run_id.clone(), String::new()),
        };
        let body = format!("{name} ({experiment}): {}", alert.text());
        self.activity.alerts.insert(0, alert);
        if self.stack.contains(&Screen::Activity) {
            self.refresh_activity();
        }
        if self.settings.activity.notify == crate::config::Notify::Off {
            return Vec::new();
        }
        vec![Effect::Notify {
            title: "mltui".into(),
            body,
        }]
    }

    /// Opens the activity screen; the alerts count as seen.
    pub(super) fn open_activity(&mut self) {
        for a in &mut self.activity.alerts {
            a.new = a.unread;
            a.unread = false;
        }
        self.activity.cursor = 0;
        self.stack.push(Screen::Activity);
        self.refresh_activity();
        self.viewport.activity_offset.set(0);
    }

    /// Rebuilds the lines: alerts, running runs (most recently active first), then runs
    /// that failed or were killed, and runs that finished, within the recent time.
    pub fn refresh_activity(&mut self) {
        let now = self.now_ms;
        let recent = (self.settings.activity.recent * 1000.0) as i64;
        let runs = self.index.runs();
        let current = self.activity.lines.get(self.activity.cursor).cloned();
        let live = |r: &&Run| r.lifecycle == crate::model::Lifecycle::Active;
        let mut running: Vec<&Run> = runs
            .iter()
            .filter(live)
            .filter(|r| r.status == RunStatus::Running)
            .collect();
        running.sort_by_key(|r| std::cmp::Reverse(last_activity(r)));
        let ended = |statuses: &[RunStatus]| {
            let mut v: Vec<&Run> = runs
                .iter()
                .filter(live)
                .filter(|r| statuses.contains(&r.status))
                .filter(|r| {
                    r.end_time
                        .or(r.start_time)
                        .is_some_and(|t| now - t <= recent)
                })
                .collect();
            v.sort_by_key(|r| std::cmp::Reverse(r.end_time.or(r.start_time)));
            v
        };
        let failed = ended(&[RunStatus::Failed, RunStatus::Killed]);
        let finished = ended(&[RunStatus::Finished]);
        let mut lines = Vec::new();
        let sections: [(&'static str, Vec<ActivityLine>); 4] = [
            (
                "Alerts",
                (0..self.activity.alerts.len())
                    .map(ActivityLine::Alert)
                    .collect(),
            ),
            (
                "Running",
                running
                    .iter()
                    .map(|r| ActivityLine::Run(r.run_id.clone()))
                    .collect(),
            ),
            (
                "Failed or killed",
                failed
                    .iter()
                    .map(|r| ActivityLine::Run(r.run_id.clone()))
                    .collect(),
            ),
            (
                "Finished",
                finished
                    .iter()
                    .map(|r| ActivityLine::Run(r.run_id.clone()))
                    .collect(),
            ),
        ];
        for (title, items) in sections {
            if items.is_empty() {
                continue;
            }
            lines.push(ActivityLine::Section(title, items.len()));
            lines.extend(items);
        }
        let v = &mut self.activity;
        v.lines = lines;
        v.cursor = current
            .and_then(|c| v.lines.iter().position(|l| *l == c))
            .unwrap_or(v.cursor)
            .min(v.lines.len().saturating_sub(1));
        v.cursor = selectable_near(&v.lines, v.cursor, true);
    }

    /// The run of the line under the cursor.
    pub fn activity_run(&self) -> Option<String> {
        match self.activity.lines.get(self.activity.cursor)? {
            ActivityLine::Alert(i) => self.activity.alerts.get(*i).map(|a| a.run_id.clone()),
            ActivityLine::Run(id) => Some(id.clone()),
            ActivityLine::Section(..) => None,
        }
    }

    pub(super) fn update_activity(&mut self, action: Action, page: usize) {
        let v = &mut self.activity;
        match action {
            a if a.is_row_move() => {
                let down = !matches!(a, Action::Up | Action::PageUp | Action::Top);
                v.cursor = move_cursor(v.cursor, v.lines.len(), a, page);
                v.cursor = selectable_near(&v.lines, v.cursor, down);
            }
            Action::Open => {
                if let Some(id) = self.activity_run() {
                    self.go_to_run(&id);
                }
            }
            Action::ClearAlerts => {
                let n = v.alerts.len();
                v.alerts.clear();
                self.refresh_activity();
                self.message = Some(Message {
                    text: format!("cleared {}", text::count(n, "alert", "alerts")),
                    error: false,
                });
            }
            _ => {}
        }
    }

    /// Opens the table of a run's experiment with the cursor on it, then its detail.
    pub(super) fn go_to_run(&mut self, run_id: &str) {
        let Some(run) = self.index.run(run_id) else {
            self.message = Some(Message {
                text: "that run is not in the store any more".into(),
                error: true,
            });
            return;
        };
        let exp = run.experiment_id.clone();
        let title = self
            .index
            .experiment(&exp)
            .map(|e| e.name.clone())
            .unwrap_or_else(|| exp.clone());
        self.open_runs(vec![exp], title);
        self.stack.push(Screen::Runs);
        let runs = self.index.runs();
        if let Some(pos) = self
            .runs
            .rows
            .iter()
            .position(|r| runs[r.run].run_id == run_id)
        {
            self.runs.cursor = pos;
        }
        self.open_detail(run_id.to_string());
    }
}

impl App {
    /// The activity screen as a table (for export).
    pub(super) fn activity_table(&self) -> crate::export::Table {
        use crate::export::{Cell, Table};
        let mut table = Table {
            headers: [
                "section",
                "alert",
                "run_id",
                "run_name",
                "experiment",
                "status",
                "last_metric",
                "stalled",
            ]
            .map(String::from)
            .to_vec(),
            rows: Vec::new(),
        };
        let mut section = "";
        for line in &self.activity.lines {
            let (run_id, alert) = match line {
                ActivityLine::Section(title, _) => {
                    section = title;
                    continue;
                }
                ActivityLine::Alert(i) => match self.activity.alerts.get(*i) {
                    Some(a) => (a.run_id.clone(), a.text()),
                    None => continue,
                },
                ActivityLine::Run(id) => (id.clone(), String::new()),
            };
            let Some(run) = self.index.run(&run_id) else {
                continue;
            };
            let experiment = self
                .index
                .experiment(&run.experiment_id)
                .map(|e| e.name.clone())
                .unwrap_or_default();
            table.rows.push(vec![
                Cell::Text(section.to_string()),
                Cell::Text(alert),
                Cell::Text(run.run_id.clone()),
                Cell::Text(run.run_name.clone()),
                Cell::Text(experiment),
                Cell::Text(run.status.as_str().to_string()),
                last_activity(run).map_or(Cell::Missing, Cell::Time),
                Cell::Text(self.is_stalled(run, self.now_ms).to_string()),
            ]);
        }
        table
    }
}

/// The selectable line nearest `at`, looking `down` first.
fn selectable_near(lines: &[ActivityLine], at: usize, down: bool) -> usize {
    let ok = |i: usize| lines.get(i).is_some_and(ActivityLine::selectable);
    let forward = (at..lines.len()).find(|&i| ok(i));
    let backward = (0..=at.min(lines.len().saturating_sub(1)))
        .rev()
        .find(|&i| ok(i));
    let found = if down {
        forward.or(backward)
    } else {
        backward.or(forward)
    };
    found.unwrap_or(0)
}
