//! The chart screen's state: which runs and metrics, display options, zoom and value cursor,
//! and the cache of metric histories loaded in the background.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::{App, Effect, Message, Screen, move_cursor};
use crate::chart::{self, ChartOptions, Series};
use crate::model::MetricPoint;
use crate::text;
use crate::tui::action::Action;

/// Smoothing weights `+`/`-` step through.
const SMOOTHING: [f64; 7] = [0.0, 0.3, 0.6, 0.8, 0.9, 0.95, 0.99];
/// Most charts shown at once in grid mode.
pub const GRID_MAX: usize = 9;

/// A metric history in the cache.
#[derive(Debug, Clone)]
pub enum History {
    Loading,
    Loaded(Arc<Vec<MetricPoint>>),
    Failed(String),
}

/// A downsampled line of a chart: run position, drawn faint (raw under smoothed), points.
pub type Curve = (usize, bool, Vec<(f64, f64)>);

/// A chart as last drawn: what it was drawn from, its bounds and its curves.
pub type Drawn = (DrawStamp, chart::Bounds, Arc<Vec<Curve>>);

/// What a drawn chart depends on; the same stamp means the same curves.
#[derive(Debug, Clone)]
pub struct DrawStamp {
    pub opts: ChartOptions,
    pub x_range: Option<(f64, f64)>,
    pub width: usize,
    /// The prepared series drawn (held, so a new preparation is always a new allocation).
    pub series: Vec<(usize, Arc<Series>)>,
}

impl PartialEq for DrawStamp {
    fn eq(&self, other: &Self) -> bool {
        self.opts == other.opts
            && self.x_range == other.x_range
            && self.width == other.width
            && self.series.len() == other.series.len()
            && self
                .series
                .iter()
                .zip(&other.series)
                .all(|(a, b)| a.0 == b.0 && Arc::ptr_eq(&a.1, &b.1))
    }
}

/// A finer sample of a step range of a history.
pub type ZoomSample = ((i64, i64), Arc<Vec<MetricPoint>>);

/// A series prepared with some options (drawing reuses it until the options change).
pub type Prepared = (ChartOptions, Option<(i64, i64)>, Arc<Series>);

/// What ↑/↓ and Space act on in the chart screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChartFocus {
    #[default]
    Keys,
    Legend,
}

/// State of the chart screen.
#[derive(Debug, Default)]
pub struct ChartView {
    pub run_ids: Vec<String>,
    /// Grouped curves (from group mode): `(label, run ids)` per group; each group is drawn
    /// as its mean with a band instead of one line per run.
    pub groups: Vec<(String, Vec<String>)>,
    /// The band of grouped curves.
    pub band: crate::chart::bands::BandKind,
    /// Every metric key of those runs, sorted.
    pub keys: Vec<String>,
    /// Position in `shown_keys()`.
    pub key_cursor: usize,
    pub search: String,
    pub grid: bool,
    pub opts: ChartOptions,
    /// The x window when zoomed.
    pub x_range: Option<(f64, f64)>,
    /// The value cursor's x position.
    pub cursor_x: Option<f64>,
    /// Prepared series by (run, key), valid for the options and step range stored with them.
    /// Kept apart for the full history (`false`) and the zoomed sample (`true`), so that
    /// reading the full extent while zoomed does not evict the zoomed series.
    pub prepared: RefCell<HashMap<(String, String, bool), Prepared>>,
    /// The store sends samples of long histories (a server): zooming asks for the range.
    pub sampled: bool,
    /// Bounds and curves last drawn per metric, with what they were drawn from.
    pub drawn: RefCell<HashMap<String, Drawn>>,
    /// Samples of the zoomed step range, by (run, key).
    pub zoomed: HashMap<(String, String), ZoomSample>,
    pub focus: ChartFocus,
    /// The run (position in `run_ids`) under the legend cursor.
    pub legend_cursor: usize,
    /// Runs (positions in `run_ids`) hidden from the charts.
    pub hidden: HashSet<usize>,
    /// Metrics pinned into the grid, in the order they were pinned.
    pub pinned: Vec<String>,
    /// Drawn in the terminal UI, with keys to say (not for `plot --format text`).
    pub interactive: bool,
    /// Opened from the run table: its options are remembered with the table's view.
    pub from_table: bool,
}

impl ChartView {
    /// Keys matching the search.
    pub fn shown_keys(&self) -> Vec<&String> {
        let needle = self.search.to_lowercase();
        self.keys
            .iter()
            .filter(|k| needle.is_empty() || k.to_lowercase().contains(&needle))
            .collect()
    }

    pub fn current_key(&self) -> Option<&String> {
        self.shown_keys().get(self.key_cursor).copied()
    }

    /// The metrics drawn: the current one, or in grid mode the pinned ones, else the
    /// current one's group (the keys sharing the prefix before the first `/`), at most
    /// `GRID_MAX`.
    pub fn chart_keys(&self) -> Vec<String> {
        if self.grid && !self.pinned.is_empty() {
            return self.pinned.iter().take(GRID_MAX).cloned().collect();
        }
        let Some(current) = self.current_key() else {
            return Vec::new();
        };
        if !self.grid {
            return vec![current.clone()];
        }
        let group = key_group(current);
        let shown = self.shown_keys();
        let start = shown
            .iter()
            .position(|k| key_group(k) == group)
            .unwrap_or(0);
        let mut keys: Vec<String> = shown
            .iter()
            .skip(start)
            .filter(|k| key_group(k) == group)
            .take(GRID_MAX)
            .map(|k| (*k).clone())
            .collect();
        if !keys.contains(current) {
            keys.truncate(GRID_MAX - 1);
            keys.push(current.clone());
        }
        keys
    }
}

/// The chart group of a metric key: the part before the first `/` (MLflow's sections).
pub fn key_group(key: &str) -> &str {
    key.split_once('/').map_or("", |(g, _)| g)
}

impl App {
    /// Opens charts for the marked runs, or the run under the cursor.
    pub(super) fn open_chart(&mut self, run_ids: Vec<String>) -> Vec<Effect> {
        let runs: Vec<_> = run_ids.iter().filter_map(|id| self.index.run(id)).collect();
        let mut keys: Vec<String> = runs
            .iter()
            .flat_map(|r| r.metrics.keys().map(|k| k.to_string()))
            .collect();
        keys.sort();
        keys.dedup();
        if keys.is_empty() {
            self.message = Some(Message {
                text: "these runs have no metrics to chart".into(),
                error: true,
            });
            return Vec::new();
        }
        // Start on a loss-like key when there is one: the curve people look at first.
        let start = keys.iter().position(|k| k.contains("loss")).unwrap_or(0);
        self.chart = ChartView {
            run_ids,
            keys,
            key_cursor: start,
            interactive: true,
            sampled: self.chart.sampled,
            ..ChartView::default()
        };
        self.stack.push(Screen::Chart);
        self.request_histories()
    }

    /// Effects to load the histories the chart needs that are not cached yet.
    pub(crate) fn request_histories(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        for key in self.chart.chart_keys() {
            let missing: Vec<String> = self
                .chart
                .run_ids
                .iter()
                .filter(|id| {
                    let slot = ((*id).clone(), key.clone());
                    !self.histories.contains_key(&slot) || self.stale_histories.contains(&slot)
                })
                .filter(|id| {
                    self.index
                        .run(id)
                        .is_some_and(|r| r.metrics.contains_key(key.as_str()))
                })
                .cloned()
                .collect();
            if missing.is_empty() {
                continue;
            }
            for id in &missing {
                let slot = (id.clone(), key.clone());
                // A stale history stays drawn until its reload arrives.
                if !self.stale_histories.remove(&slot) {
                    self.histories.insert(slot, History::Loading);
                }
            }
            effects.push(Effect::LoadHistories {
                run_ids: missing,
                key,
                steps: None,
            });
        }
        effects
    }

    /// Stores loaded histories (or the error) and drops prepared series that used them.
    pub fn on_history(
        &mut self,
        key: &str,
        steps: Option<(i64, i64)>,
        result: Result<Vec<(String, Vec<MetricPoint>)>, String>,
        requested: &[String],
    ) {
        let result = match (steps, result) {
            (Some(range), Ok(list)) => {
                self.zoomed_histories(key, range, list);
                return;
            }
            (_, result) => result,
        };
        match result {
            Ok(list) => {
                // Moved, not copied: ten histories of a million points are 240 MB.
                let mut by_run: HashMap<String, Vec<MetricPoint>> = list.into_iter().collect();
                for id in requested {
                    let points = by_run.remove(id).unwrap_or_default();
                    self.histories.insert(
                        (id.clone(), key.to_string()),
                        History::Loaded(Arc::new(points)),
                    );
                    self.chart
                        .prepared
                        .borrow_mut()
                        .remove(&(id.clone(), key.to_string(), false));
                }
            }
            Err(e) => {
                for id in requested {
                    self.histories
                        .insert((id.clone(), key.to_string()), History::Failed(e.clone()));
                }
                self.message = Some(Message {
                    text: format!("loading history of {key} failed: {e}"),
                    error: true,
                });
            }
        }
    }

    /// Stores the finer histories of a zoomed step range.
    fn zoomed_histories(
        &mut self,
        key: &str,
        range: (i64, i64),
        list: Vec<(String, Vec<MetricPoint>)>,
    ) {
        for (id, points) in list {
            let slot = (id, key.to_string());
            self.chart
                .prepared
                .borrow_mut()
                .remove(&(slot.0.clone(), slot.1.clone(), true));
            self.chart.zoomed.insert(slot, (range, Arc::new(points)));
        }
    }

    /// The prepared series of `key` for every chart run that has it loaded (the finer
    /// sample of the zoomed range where there is one).
    pub fn chart_series(&self, key: &str) -> Vec<(usize, Arc<Series>)> {
        self.series_of(key, true)
    }

    fn series_of(&self, key: &str, use_zoom: bool) -> Vec<(usize, Arc<Series>)> {
        let v = &self.chart;
        let mut cache = v.prepared.borrow_mut();
        let mut out = Vec::new();
        for (i, id) in v.run_ids.iter().enumerate() {
            if v.hidden.contains(&i) {
                continue;
            }
            let slot = (id.clone(), key.to_string());
            let Some(History::Loaded(full)) = self.histories.get(&slot) else {
                continue;
            };
            // A zoomed chart of sampled histories draws the finer sample of its range.
            let wanted = self.zoom_steps().filter(|_| use_zoom);
            let (range, points) = match (wanted, v.zoomed.get(&slot)) {
                (Some(w), Some((r, pts))) if *r == w => (Some(w), pts),
                _ => (None, full),
            };
            let cache_key = (slot.0, slot.1, range.is_some());
            let series = match cache.get(&cache_key) {
                Some((opts, r, s)) if *opts == v.opts && *r == range => s.clone(),
                _ => {
                    let s = Arc::new(chart::prepare(id, key, points, &v.opts));
                    cache.insert(cache_key, (v.opts, range, s.clone()));
                    s
                }
            };
            out.push((i, series));
        }
        out
    }

    /// The step range to ask a sampling store for: set when zoomed on the step axis.
    fn zoom_steps(&self) -> Option<(i64, i64)> {
        let v = &self.chart;
        if !v.sampled || v.opts.x_mode != chart::XMode::Step {
            return None;
        }
        v.x_range
            .map(|(lo, hi)| (lo.floor() as i64, hi.ceil() as i64))
    }

    /// Effects asking a sampling store for the zoomed range of every drawn metric.
    fn request_zoomed(&mut self) -> Vec<Effect> {
        let Some(steps) = self.zoom_steps() else {
            return Vec::new();
        };
        self.chart
            .chart_keys()
            .into_iter()
            .map(|key| Effect::LoadHistories {
                run_ids: self.chart.run_ids.clone(),
                key,
                steps: Some(steps),
            })
            .collect()
    }

    /// The x extent of everything drawn.
    pub(crate) fn chart_extent(&self) -> Option<(f64, f64)> {
        let series: Vec<Arc<Series>> = self
            .chart
            .chart_keys()
            .iter()
            .flat_map(|k| self.series_of(k, false))
            .map(|(_, s)| s)
            .collect();
        let refs: Vec<&Series> = series.iter().map(Arc::as_ref).collect();
        chart::x_extent(&refs)
    }

    pub(super) fn update_chart(&mut self, action: Action, page: usize) -> Vec<Effect> {
        let n = self.chart.shown_keys().len();
        let nruns = self.chart.run_ids.len();
        let legend_page = self.viewport.legend_rows.get().max(1);
        let v = &mut self.chart;
        match action {
            Action::ToggleBand => {
                if v.groups.is_empty() {
                    self.message = Some(Message {
                        text: "bands are drawn for groups: open charts from group mode (g, then p)"
                            .into(),
                        error: true,
                    });
                } else {
                    v.band = v.band.toggle();
                }
                return Vec::new();
            }
            a if a.is_row_move() && v.focus == ChartFocus::Legend => {
                v.legend_cursor = move_cursor(v.legend_cursor, nruns, action, legend_page);
            }
            a if a.is_row_move() => {
                v.key_cursor = move_cursor(v.key_cursor, n, action, page);
                v.x_range = None;
                v.cursor_x = None;
                return self.request_histories();
            }
            Action::SwitchFocus => {
                v.focus = match v.focus {
                    ChartFocus::Keys => ChartFocus::Legend,
                    ChartFocus::Legend => ChartFocus::Keys,
                };
            }
            Action::ToggleItem => match v.focus {
                ChartFocus::Legend => {
                    let i = v.legend_cursor;
                    if !v.hidden.remove(&i) {
                        v.hidden.insert(i);
                    }
                }
                ChartFocus::Keys => {
                    let Some(key) = v.current_key().cloned() else {
                        return Vec::new();
                    };
                    let text = if let Some(p) = v.pinned.iter().position(|k| *k == key) {
                        v.pinned.remove(p);
                        format!("unpinned {key}")
                    } else if v.pinned.len() >= GRID_MAX {
                        format!("the grid holds {GRID_MAX} charts: unpin one first")
                    } else {
                        v.pinned.push(key.clone());
                        v.grid = true;
                        format!("pinned {key}")
                    };
                    let count = text::count(v.pinned.len(), "metric", "metrics");
                    self.message = Some(Message {
                        text: format!("{text} · {count} pinned in the grid (m: one chart)"),
                        error: false,
                    });
                    return self.request_histories();
                }
            },
            Action::Isolate => {
                let i = v.legend_cursor;
                let only_this = (0..nruns).all(|j| (j == i) != v.hidden.contains(&j));
                v.hidden = if only_this {
                    HashSet::new()
                } else {
                    (0..nruns).filter(|&j| j != i).collect()
                };
                v.focus = ChartFocus::Legend;
            }
            Action::ToggleGrid => {
                v.grid = !v.grid;
                return self.request_histories();
            }
            Action::CycleXAxis => {
                let point = self.point_at_cursor();
                let v = &mut self.chart;
                v.opts.x_mode = v.opts.x_mode.next();
                v.x_range = None;
                // The cursor stays on the same logged point in the new units.
                v.cursor_x = point.map(|(p, t0)| chart::x_of(v.opts.x_mode, &p, t0));
            }
            Action::ToggleLogY => v.opts.log_y = !v.opts.log_y,
            Action::ToggleOutliers => v.opts.clip_outliers = !v.opts.clip_outliers,
            Action::SmoothMore | Action::SmoothLess => {
                let i = SMOOTHING
                    .iter()
                    .position(|&w| w >= v.opts.smoothing)
                    .unwrap_or(0);
                let j = if action == Action::SmoothMore {
                    (i + 1).min(SMOOTHING.len() - 1)
                } else {
                    i.saturating_sub(1)
                };
                v.opts.smoothing = SMOOTHING[j];
            }
            Action::Left
            | Action::Right
            | Action::ZoomIn
            | Action::ZoomOut
            | Action::PanLeft
            | Action::PanRight => {
                let Some(full) = self.chart_extent() else {
                    return Vec::new();
                };
                let v = &mut self.chart;
                let (lo, hi) = v.x_range.unwrap_or(full);
                let span = (hi - lo).max(f64::MIN_POSITIVE);
                let cursor = v.cursor_x.unwrap_or(hi).clamp(lo, hi);
                match action {
                    Action::Left => v.cursor_x = Some((cursor - span / 40.0).max(lo)),
                    Action::Right => v.cursor_x = Some((cursor + span / 40.0).min(hi)),
                    Action::ZoomIn => {
                        let half = span / 4.0;
                        let c = cursor.clamp(lo + half, hi - half);
                        v.x_range = Some((c - half, c + half));
                    }
                    Action::ZoomOut => {
                        let (a, b) = (lo - span / 2.0, hi + span / 2.0);
                        v.x_range = if a <= full.0 && b >= full.1 {
                            None
                        } else {
                            Some((a.max(full.0), b.min(full.1)))
                        };
                    }
                    _ => {
                        let shift = if action == Action::PanLeft {
                            -span / 4.0
                        } else {
                            span / 4.0
                        };
                        let shift = shift.clamp(full.0 - lo, full.1 - hi);
                        v.x_range = Some((lo + shift, hi + shift));
                        v.cursor_x = Some(cursor + shift);
                    }
                }
                if !matches!(action, Action::Left | Action::Right) {
                    return self.request_zoomed();
                }
            }
            Action::ResetZoom => {
                v.x_range = None;
                v.cursor_x = None;
            }
            Action::Filter => self.start_filter(),
            // Esc leaves the legend first (q leaves the screen at once).
            Action::Back if self.chart.focus == ChartFocus::Legend => {
                self.chart.focus = ChartFocus::Keys;
            }
            Action::Back => self.back(),
            _ => {}
        }
        Vec::new()
    }

    /// The logged point under the value cursor (of the first shown run of the first chart
    /// that has one) and its run's first timestamp.
    fn point_at_cursor(&self) -> Option<(MetricPoint, i64)> {
        let v = &self.chart;
        let cursor = v.cursor_x?;
        let key = v.chart_keys().into_iter().next()?;
        v.run_ids
            .iter()
            .enumerate()
            .filter(|(i, _)| !v.hidden.contains(i))
            .find_map(|(_, id)| {
                let Some(History::Loaded(points)) = self.histories.get(&(id.clone(), key.clone()))
                else {
                    return None;
                };
                let t0 = points.iter().map(|p| p.timestamp).min()?;
                points
                    .iter()
                    .filter(|p| chart::x_of(v.opts.x_mode, p, t0) <= cursor)
                    .max_by(|a, b| {
                        chart::x_of(v.opts.x_mode, a, t0).total_cmp(&chart::x_of(
                            v.opts.x_mode,
                            b,
                            t0,
                        ))
                    })
                    .map(|p| (*p, t0))
            })
    }

    /// The points drawn in the chart, as a table (for export).
    pub(super) fn chart_table(&self) -> crate::export::Table {
        use crate::export::{Cell, Table};
        let headers = ["run_id", "run_name", "key", "step", "timestamp", "value"];
        let mut t = Table::new(headers.iter().map(|s| s.to_string()).collect());
        for key in self.chart.chart_keys() {
            for id in &self.chart.run_ids {
                let Some(History::Loaded(points)) = self.histories.get(&(id.clone(), key.clone()))
                else {
                    continue;
                };
                let name = self
                    .index
                    .run(id)
                    .map(|r| r.run_name.clone())
                    .unwrap_or_default();
                let mut pts: Vec<MetricPoint> = points.to_vec();
                pts.sort_by_key(|p| (p.step, p.timestamp));
                for p in pts {
                    t.rows.push(vec![
                        Cell::Text(id.clone()),
                        Cell::Text(name.clone()),
                        Cell::Text(key.clone()),
                        Cell::Int(p.step),
                        Cell::Int(p.timestamp),
                        Cell::Number(p.value),
                    ]);
                }
            }
        }
        t
    }
}
