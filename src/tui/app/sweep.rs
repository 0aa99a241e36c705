//! The sweep screens' state: scatter (`v`), parallel coordinates (`|`) and parameter
//! importance (`I`), over the runs the run table shows; their column prompts; and the
//! grouped chart with bands opened from group mode.

use super::groups::GroupRow;
use super::{App, Effect, Message, Prompt, PromptKind, Screen, move_cursor};
use crate::chart::axis::LogScale;
use crate::chart::parallel::{self, Parallel};
use crate::chart::scatter::{self, Dir, Scatter, ScatterOptions};
use crate::index::importance::{self, Goal, Importance};
use crate::index::{Attr, Column};
use crate::tui::action::Action;

/// State of the scatter screen.
#[derive(Debug, Clone)]
pub struct ScatterView {
    pub x: Column,
    pub y: Column,
    pub color: Option<Column>,
    pub data: Option<Scatter>,
    /// Index into `data.points`.
    pub cursor: usize,
    /// The run under the cursor (kept across refreshes).
    pub cursor_run: Option<usize>,
}

/// State of the parallel-coordinates screen.
#[derive(Debug, Clone)]
pub struct ParallelView {
    pub axes: Vec<(Column, LogScale)>,
    pub color: Option<Column>,
    pub data: Option<Parallel>,
    /// Changes whenever `data` is recomputed.
    pub generation: u64,
    /// The highlighted run: a rank, 0 being the best line.
    pub cursor: usize,
    pub axis_cursor: usize,
}

/// State of the importance screen.
#[derive(Debug, Clone)]
pub struct ImportanceView {
    pub target: Column,
    pub goal: Goal,
    pub list: Vec<Importance>,
    pub cursor: usize,
}

/// Which column a sweep prompt sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepPrompt {
    GroupBy,
    ScatterX,
    ScatterY,
    ScatterColor,
    ParallelAdd,
    ParallelColor,
    Target,
}

impl SweepPrompt {
    pub fn label(self) -> &'static str {
        match self {
            SweepPrompt::GroupBy => "group by (columns, comma-separated): ",
            SweepPrompt::ScatterX => "x axis column: ",
            SweepPrompt::ScatterY => "y axis column: ",
            SweepPrompt::ScatterColor => "colour by column (empty: none): ",
            SweepPrompt::ParallelAdd => "add axis column: ",
            SweepPrompt::ParallelColor => "colour by column (empty: the last metric axis): ",
            SweepPrompt::Target => "target metric column: ",
        }
    }
}

/// True for columns worth offering as chart axes.
fn axis_worthy(c: &Column) -> bool {
    matches!(
        c,
        Column::Param(_)
            | Column::Metric(_)
            | Column::MetricAgg(..)
            | Column::Tag(_)
            | Column::Attr(Attr::Status | Attr::User | Attr::Duration)
    )
}

impl App {
    /// Columns the sweep screens use (their aggregates are computed for them).
    pub(super) fn sweep_columns(&self) -> Vec<Column> {
        let mut out = Vec::new();
        if let Some(g) = &self.groups {
            out.extend(g.by.iter().cloned());
        }
        if let Some(s) = &self.scatter {
            out.extend([s.x.clone(), s.y.clone()]);
            out.extend(s.color.iter().cloned());
        }
        if let Some(p) = &self.parallel {
            out.extend(p.axes.iter().map(|(c, _)| c.clone()));
            out.extend(p.color.iter().cloned());
        }
        if let Some(i) = &self.importance {
            out.push(i.target.clone());
        }
        out
    }

    /// The runs the sweep screens use: what the run table shows.
    fn sweep_rows(&self) -> Vec<usize> {
        self.runs.rows.iter().map(|r| r.run).collect()
    }

    /// Recomputes the sweep screens' data (after loads, aggregates, filters).
    pub fn refresh_sweep(&mut self) {
        self.refresh_groups();
        let rows = self.sweep_rows();
        let runs = self.index.runs();
        let now = self.now_ms;
        // A new scatter starts on the run under the run table's cursor, else on the best.
        let table_run = self.runs.rows.get(self.runs.cursor).map(|r| r.run);
        if let Some(s) = self.scatter.as_mut() {
            s.data = scatter::scatter(
                runs,
                &rows,
                &s.x,
                &s.y,
                s.color.as_ref(),
                ScatterOptions::default(),
                now,
            );
            let n = s.data.as_ref().map_or(0, |d| d.points.len());
            let find = |r: usize| {
                s.data
                    .as_ref()
                    .and_then(|d| d.points.iter().position(|p| p.run == r))
            };
            let best = || {
                let goal = Goal::guess(&s.y);
                s.data.as_ref().and_then(|d| {
                    d.points
                        .iter()
                        .enumerate()
                        .reduce(|a, b| match goal {
                            Goal::Max if b.1.y > a.1.y => b,
                            Goal::Min if b.1.y < a.1.y => b,
                            _ => a,
                        })
                        .map(|(i, _)| i)
                })
            };
            let at = match s.cursor_run {
                Some(r) => find(r),
                None => table_run.and_then(find).or_else(best),
            };
            s.cursor = at.unwrap_or(s.cursor).min(n.saturating_sub(1));
            s.cursor_run = s
                .data
                .as_ref()
                .and_then(|d| d.points.get(s.cursor))
                .map(|p| p.run);
        }
        if let Some(p) = self.parallel.as_mut() {
            let data = parallel::parallel_with(runs, &rows, &p.axes, p.color.as_ref(), None, now);
            p.cursor = p.cursor.min(data.lines.len().saturating_sub(1));
            p.axis_cursor = p.axis_cursor.min(data.axes.len().saturating_sub(1));
            p.data = Some(data);
            p.generation += 1;
        }
        if let Some(i) = self.importance.as_mut() {
            i.list = importance::importance(runs, &rows, &i.target, i.goal, now);
            i.cursor = i.cursor.min(i.list.len().saturating_sub(1));
        }
    }

    /// Columns offered as axes: the run table's shown params, metrics and aggregates.
    fn axis_columns(&self) -> Vec<Column> {
        self.runs
            .shown
            .iter()
            .map(|&i| self.runs.columns[i].column.clone())
            .filter(axis_worthy)
            .collect()
    }

    /// The metric to analyse: the first sort key when it is a metric, else the column
    /// under the cursor when it is one, else the first validation/evaluation metric shown
    /// (`val/…`, `eval…`, `test…`), else the first metric shown.
    fn target_column(&self) -> Option<Column> {
        let metric = |c: &Column| c.metric_parts().is_some();
        let held_out = |c: &Column| {
            c.metric_parts().is_some_and(|(k, _)| {
                let k = k.to_ascii_lowercase();
                ["val", "eval", "test", "valid"]
                    .iter()
                    .any(|p| k.starts_with(p))
            })
        };
        self.runs
            .sort
            .iter()
            .map(|k| k.column.clone())
            .find(metric)
            .or_else(|| self.runs.current_column().filter(|c| metric(c)).cloned())
            .or_else(|| self.axis_columns().into_iter().find(held_out))
            .or_else(|| self.axis_columns().into_iter().find(metric))
    }

    /// The most important param for `target` among the shown runs (see `index::importance`).
    fn top_param(&self, target: &Column) -> Option<Column> {
        let rows = self.sweep_rows();
        importance::importance(
            self.index.runs(),
            &rows,
            target,
            Goal::guess(target),
            self.now_ms,
        )
        .into_iter()
        .find(|i| i.values > 1)
        .map(|i| Column::Param(i.param))
    }

    /// Params of the shown runs that take more than one value.
    fn varying_params(&self) -> Vec<Column> {
        let runs = self.index.runs();
        let rows = self.sweep_rows();
        let mut out = Vec::new();
        for c in self.axis_columns() {
            let Column::Param(k) = &c else { continue };
            let mut first: Option<&str> = None;
            let varies = rows.iter().any(|&r| {
                let v = runs[r].params.get(k.as_str()).map(|v| v.as_str());
                match first {
                    None => {
                        first = Some(v.unwrap_or(""));
                        false
                    }
                    Some(f) => v.unwrap_or("") != f,
                }
            });
            if varies {
                out.push(c);
            }
        }
        out
    }

    fn no_target(&mut self) -> Vec<Effect> {
        self.message = Some(Message {
            text: "no metric column to analyse: show one (C) or sort by one (s)".into(),
            error: true,
        });
        Vec::new()
    }

    /// Opens the scatter screen: y the target metric, x the column under the cursor (or
    /// the first varying param), coloured by the first group-by column in group mode.
    pub(super) fn open_scatter(&mut self) -> Vec<Effect> {
        let Some(y) = self.target_column() else {
            return self.no_target();
        };
        let current = self
            .runs
            .current_column()
            .filter(|c| matches!(c, Column::Param(_)))
            .cloned();
        let Some(x) = current
            .or_else(|| self.top_param(&y))
            .or_else(|| self.varying_params().into_iter().next())
            .or_else(|| self.axis_columns().into_iter().find(|c| *c != y))
        else {
            return self.no_target();
        };
        let color = self.groups.as_ref().and_then(|g| g.by.first().cloned());
        self.open_scatter_with(x, y, color)
    }

    pub(super) fn open_scatter_with(
        &mut self,
        x: Column,
        y: Column,
        color: Option<Column>,
    ) -> Vec<Effect> {
        self.scatter = Some(ScatterView {
            x,
            y,
            color,
            data: None,
            cursor: 0,
            cursor_run: None,
        });
        self.stack.push(Screen::Scatter);
        self.refresh_sweep();
        Vec::new()
    }

    /// Opens parallel coordinates over the varying params (up to 7, the most important for
    /// the target first) and the target.
    pub(super) fn open_parallel(&mut self) -> Vec<Effect> {
        let Some(target) = self.target_column() else {
            return self.no_target();
        };
        let rows = self.sweep_rows();
        let rank: Vec<String> = importance::importance(
            self.index.runs(),
            &rows,
            &target,
            Goal::guess(&target),
            self.now_ms,
        )
        .into_iter()
        .map(|i| i.param)
        .collect();
        let mut params = self.varying_params();
        params.sort_by_key(|c| match c {
            Column::Param(k) => rank.iter().position(|r| r == k).unwrap_or(usize::MAX),
            _ => usize::MAX,
        });
        let mut axes: Vec<(Column, LogScale)> = params
            .into_iter()
            .take(7)
            .map(|c| (c, LogScale::Auto))
            .collect();
        axes.push((target, LogScale::Auto));
        self.parallel = Some(ParallelView {
            axes,
            color: None,
            data: None,
            generation: 0,
            cursor: 0,
            axis_cursor: 0,
        });
        self.stack.push(Screen::Parallel);
        self.refresh_sweep();
        Vec::new()
    }

    /// Opens the importance table for the target metric.
    pub(super) fn open_importance(&mut self) -> Vec<Effect> {
        let Some(target) = self.target_column() else {
            return self.no_target();
        };
        let goal = Goal::guess(&target);
        self.importance = Some(ImportanceView {
            target,
            goal,
            list: Vec::new(),
            cursor: 0,
        });
        self.stack.push(Screen::Importance);
        self.refresh_sweep();
        Vec::new()
    }

    pub(super) fn start_sweep_prompt(&mut self, which: SweepPrompt) {
        let text = match which {
            SweepPrompt::ScatterX => self.scatter.as_ref().map(|s| s.x.name().into_owned()),
            SweepPrompt::ScatterY => self.scatter.as_ref().map(|s| s.y.name().into_owned()),
            SweepPrompt::ScatterColor => self
                .scatter
                .as_ref()
                .and_then(|s| s.color.as_ref().map(|c| c.name().into_owned())),
            SweepPrompt::Target => self
                .importance
                .as_ref()
                .map(|i| i.target.name().into_owned()),
            _ => None,
        };
        self.prompt = Some(Prompt::new(
            PromptKind::Sweep(which),
            text.unwrap_or_default(),
        ));
    }

    /// Applies a sweep prompt; an error keeps the prompt open.
    pub(super) fn apply_sweep_prompt(
        &mut self,
        which: SweepPrompt,
        text: &str,
    ) -> Result<(), String> {
        if which == SweepPrompt::GroupBy {
            return self.set_group_by(text);
        }
        let t = text.trim();
        let col = if t.is_empty() {
            None
        } else {
            Some(Column::parse(t).ok_or_else(|| {
                format!(
                    "unknown column '{}': use metrics.KEY (or metrics.KEY:min, :max, @STEP, ...), \
                     params.KEY, tags.KEY or an attribute",
                    crate::text::sanitize(t)
                )
            })?)
        };
        let need = |c: Option<Column>| c.ok_or_else(|| "a column is needed".to_string());
        match which {
            SweepPrompt::ScatterX | SweepPrompt::ScatterY | SweepPrompt::ScatterColor => {
                let Some(s) = self.scatter.as_mut() else {
                    return Ok(());
                };
                match which {
                    SweepPrompt::ScatterX => s.x = need(col)?,
                    SweepPrompt::ScatterY => s.y = need(col)?,
                    _ => s.color = col,
                }
            }
            SweepPrompt::ParallelAdd | SweepPrompt::ParallelColor => {
                let Some(p) = self.parallel.as_mut() else {
                    return Ok(());
                };
                if which == SweepPrompt::ParallelAdd {
                    let c = need(col)?;
                    if !p.axes.iter().any(|(a, _)| *a == c) {
                        let at = (p.axis_cursor + 1).min(p.axes.len());
                        p.axes.insert(at, (c, LogScale::Auto));
                        p.axis_cursor = at;
                    }
                } else {
                    p.color = col;
                }
            }
            SweepPrompt::Target => {
                let c = need(col)?;
                if c.metric_parts().is_none() {
                    return Err("the target is a metric column (metrics.KEY[:AGG])".into());
                }
                if let Some(i) = self.importance.as_mut() {
                    i.goal = Goal::guess(&c);
                    i.target = c;
                }
            }
            SweepPrompt::GroupBy => {}
        }
        self.refresh_sweep();
        Ok(())
    }

    /// The next column after `c` among the axis columns (cycling), for `x`/`y` keys.
    fn next_axis(&self, c: &Column, skip: Option<&Column>) -> Option<Column> {
        let cols: Vec<Column> = self
            .axis_columns()
            .into_iter()
            .filter(|k| Some(k) != skip)
            .collect();
        let at = cols.iter().position(|k| k == c);
        let next = at.map_or(0, |i| (i + 1) % cols.len().max(1));
        cols.get(next).cloned()
    }

    pub(super) fn update_scatter(&mut self, action: Action) -> Vec<Effect> {
        let Some(s) = self.scatter.as_ref() else {
            return Vec::new();
        };
        match action {
            Action::Left | Action::Right | Action::Up | Action::Down => {
                let dir = match action {
                    Action::Left => Dir::Left,
                    Action::Right => Dir::Right,
                    Action::Up => Dir::Up,
                    _ => Dir::Down,
                };
                let next = s.data.as_ref().and_then(|d| d.step(s.cursor, dir));
                if let (Some(n), Some(s)) = (next, self.scatter.as_mut()) {
                    s.cursor = n;
                    s.cursor_run = s.data.as_ref().and_then(|d| d.points.get(n)).map(|p| p.run);
                }
            }
            Action::Top | Action::Bottom => {
                if let Some(s) = self.scatter.as_mut() {
                    let n = s.data.as_ref().map_or(0, |d| d.points.len());
                    s.cursor = if action == Action::Top {
                        0
                    } else {
                        n.saturating_sub(1)
                    };
                    s.cursor_run = s
                        .data
                        .as_ref()
                        .and_then(|d| d.points.get(s.cursor))
                        .map(|p| p.run);
                }
            }
            Action::NextX | Action::NextY => {
                let (cur, other) = if action == Action::NextX {
                    (&s.x, &s.y)
                } else {
                    (&s.y, &s.x)
                };
                if let Some(c) = self.next_axis(cur, Some(other)) {
                    if let Some(s) = self.scatter.as_mut() {
                        if action == Action::NextX {
                            s.x = c;
                        } else {
                            s.y = c;
                        }
                    }
                    self.refresh_sweep();
                }
            }
            Action::NextColor => {
                let next = match &s.color {
                    None => self.axis_columns().into_iter().next(),
                    Some(c) => {
                        let cols = self.axis_columns();
                        let i = cols.iter().position(|k| k == c);
                        i.and_then(|i| cols.get(i + 1).cloned())
                    }
                };
                if let Some(s) = self.scatter.as_mut() {
                    s.color = next;
                }
                self.refresh_sweep();
            }
            Action::SetX => self.start_sweep_prompt(SweepPrompt::ScatterX),
            Action::SetY => self.start_sweep_prompt(SweepPrompt::ScatterY),
            Action::SetColor => self.start_sweep_prompt(SweepPrompt::ScatterColor),
            Action::SwapAxes => {
                if let Some(s) = self.scatter.as_mut() {
                    std::mem::swap(&mut s.x, &mut s.y);
                }
                self.refresh_sweep();
            }
            Action::Open => {
                if let Some(r) = s.cursor_run {
                    self.open_detail_of(r);
                }
            }
            Action::Back => {
                self.scatter = None;
                self.back();
            }
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn update_parallel(&mut self, action: Action, page: usize) -> Vec<Effect> {
        let Some(p) = self.parallel.as_mut() else {
            return Vec::new();
        };
        let lines = p.data.as_ref().map_or(0, |d| d.lines.len());
        match action {
            a if a.is_row_move() => p.cursor = move_cursor(p.cursor, lines, a, page),
            Action::Left => p.axis_cursor = p.axis_cursor.saturating_sub(1),
            Action::Right => {
                p.axis_cursor = (p.axis_cursor + 1).min(p.axes.len().saturating_sub(1))
            }
            Action::HideColumn if p.axes.len() > 2 && p.axis_cursor < p.axes.len() => {
                p.axes.remove(p.axis_cursor);
                self.refresh_sweep();
            }
            Action::PickerMoveUp | Action::PickerMoveDown => {
                let i = p.axis_cursor;
                let j = if action == Action::PickerMoveUp {
                    i.checked_sub(1)
                } else {
                    Some(i + 1).filter(|j| *j < p.axes.len())
                };
                if let Some(j) = j {
                    p.axes.swap(i, j);
                    p.axis_cursor = j;
                    self.refresh_sweep();
                }
            }
            Action::ToggleLogY => {
                if let Some((_, log)) = p.axes.get_mut(p.axis_cursor) {
                    let on = p
                        .data
                        .as_ref()
                        .and_then(|d| d.axes.get(p.axis_cursor))
                        .is_some_and(|a| a.is_log());
                    *log = if on { LogScale::Off } else { LogScale::On };
                    self.refresh_sweep();
                }
            }
            Action::AddAxis => self.start_sweep_prompt(SweepPrompt::ParallelAdd),
            Action::SetColor => self.start_sweep_prompt(SweepPrompt::ParallelColor),
            Action::Open => {
                let run = p
                    .data
                    .as_ref()
                    .and_then(|d| d.lines.iter().rev().nth(p.cursor))
                    .map(|l| l.run);
                if let Some(r) = run {
                    self.open_detail_of(r);
                }
            }
            Action::Back => {
                self.parallel = None;
                self.back();
            }
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn update_importance(&mut self, action: Action, page: usize) -> Vec<Effect> {
        let Some(i) = self.importance.as_mut() else {
            return Vec::new();
        };
        match action {
            a if a.is_row_move() => i.cursor = move_cursor(i.cursor, i.list.len(), a, page),
            Action::SetTarget => self.start_sweep_prompt(SweepPrompt::Target),
            Action::FlipGoal => {
                i.goal = match i.goal {
                    Goal::Max => Goal::Min,
                    Goal::Min => Goal::Max,
                };
                self.refresh_sweep();
            }
            Action::Open => {
                let x = i.list.get(i.cursor).map(|p| Column::Param(p.param.clone()));
                let y = i.target.clone();
                if let Some(x) = x {
                    return self.open_scatter_with(x, y, None);
                }
            }
            Action::Back => {
                self.importance = None;
                self.back();
            }
            _ => {}
        }
        Vec::new()
    }

    /// The table a sweep screen exports: the points of a scatter, the runs' values on the
    /// parallel axes, or the importance table.
    pub(super) fn sweep_table(&self) -> crate::export::Table {
        use crate::export::runs::cell;
        use crate::export::{Cell, Table};
        let runs = self.index.runs();
        let now = self.now_ms;
        let with = |cols: Vec<Column>, rows: Vec<usize>| {
            let mut headers = vec!["run_id".to_string(), "run_name".to_string()];
            headers.extend(cols.iter().map(|c| c.name().into_owned()));
            let mut t = Table::new(headers);
            for r in rows {
                let mut row = vec![
                    Cell::Text(runs[r].run_id.clone()),
                    Cell::Text(runs[r].run_name.clone()),
                ];
                row.extend(cols.iter().map(|c| cell(c.value(&runs[r], now))));
                t.rows.push(row);
            }
            t
        };
        match self.screen() {
            Screen::Scatter => match &self.scatter {
                Some(s) => {
                    let mut cols = vec![s.x.clone(), s.y.clone()];
                    cols.extend(s.color.iter().cloned());
                    let rows = s
                        .data
                        .as_ref()
                        .map_or(Vec::new(), |d| d.points.iter().map(|p| p.run).collect());
                    with(cols, rows)
                }
                None => Table::default(),
            },
            Screen::Parallel => match &self.parallel {
                Some(p) => {
                    let mut cols: Vec<Column> = p.axes.iter().map(|(c, _)| c.clone()).collect();
                    cols.extend(p.color.iter().cloned());
                    // Best first, as the highlight moves.
                    let rows = p.data.as_ref().map_or(Vec::new(), |d| {
                        d.lines.iter().rev().map(|l| l.run).collect()
                    });
                    with(cols, rows)
                }
                None => Table::default(),
            },
            _ => match &self.importance {
                Some(i) => crate::export::importance_table(&i.list),
                None => Table::default(),
            },
        }
    }

    /// The grouped curves of metric `key`: one band per group with loaded histories (x is
    /// the step), and whether some histories are still loading.
    pub fn group_bands(&self, key: &str) -> (Vec<crate::chart::bands::Band>, bool) {
        use super::History;
        let v = &self.chart;
        let mut loading = false;
        let opts = crate::chart::ChartOptions {
            x_mode: crate::chart::XMode::Step,
            ..v.opts
        };
        let mut out = Vec::new();
        for (label, ids) in &v.groups {
            let mut hs: Vec<&[crate::model::MetricPoint]> = Vec::new();
            for id in ids {
                match self.histories.get(&(id.clone(), key.to_string())) {
                    Some(History::Loaded(p)) if !p.is_empty() => hs.push(p),
                    Some(History::Loading) => loading = true,
                    _ => {}
                }
            }
            if !hs.is_empty() {
                out.push(crate::chart::bands::band(label, key, &hs, v.band, &opts));
            }
        }
        (out, loading)
    }

    /// The run detail of run index `r`.
    fn open_detail_of(&mut self, r: usize) {
        if let Some(run) = self.index.runs().get(r) {
            self.open_detail(run.run_id.clone());
        }
    }

    /// The chart of the chosen groups (marked, else the one under the cursor; all when
    /// none is chosen): one mean line per group with a band.
    pub(super) fn open_group_chart(&mut self) -> Vec<Effect> {
        let Some(gv) = &self.groups else {
            return Vec::new();
        };
        let runs = self.index.runs();
        let mut chosen = self.chosen_groups();
        let any_marked = chosen.len() > 1
            || chosen.first().is_some_and(|&g| {
                gv.groups[g]
                    .rows
                    .iter()
                    .all(|&r| self.runs.marks.contains(&runs[r].run_id))
            });
        if !any_marked || matches!(gv.rows.get(gv.cursor), Some(GroupRow::Group(_)) if !any_marked)
        {
            chosen = (0..gv.groups.len()).collect();
        }
        let groups: Vec<(String, Vec<String>)> = chosen
            .into_iter()
            .map(|g| {
                let grp = &gv.groups[g];
                (
                    grp.label(),
                    grp.rows.iter().map(|&r| runs[r].run_id.clone()).collect(),
                )
            })
            .collect();
        let ids: Vec<String> = groups.iter().flat_map(|(_, ids)| ids.clone()).collect();
        let effects = self.open_chart(ids);
        self.chart.groups = groups;
        effects
    }
}
