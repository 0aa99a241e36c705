//! The experiment list: sort, name filter, marks, and opening runs of one or several.

use std::collections::HashSet;

use super::{App, Message, Screen, move_cursor};
use crate::index::cmp_ids;
use crate::tui::action::Action;

/// Sort orders of the experiment list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExpSort {
    #[default]
    LastActivity,
    Name,
    Id,
    Runs,
}

impl ExpSort {
    pub fn label(self) -> &'static str {
        match self {
            ExpSort::LastActivity => "last activity",
            ExpSort::Name => "name",
            ExpSort::Id => "id",
            ExpSort::Runs => "runs",
        }
    }

    fn next(self) -> Self {
        match self {
            ExpSort::LastActivity => ExpSort::Name,
            ExpSort::Name => ExpSort::Id,
            ExpSort::Id => ExpSort::Runs,
            ExpSort::Runs => ExpSort::LastActivity,
        }
    }
}

/// State of the experiment list.
#[derive(Debug, Default)]
pub struct ExperimentsView {
    /// Indices into `RunIndex::experiments()`, as shown.
    pub rows: Vec<usize>,
    /// Last activity per experiment (same order as the index), in epoch ms.
    pub activity: Vec<Option<i64>>,
    pub cursor: usize,
    pub sort: ExpSort,
    pub filter: String,
    pub marks: HashSet<String>,
    pub show_deleted: bool,
}

impl App {
    /// Recomputes the shown experiments, keeping the cursor on the same one.
    pub fn refresh_experiments(&mut self) {
        let exps = self.index.experiments();
        let current = self
            .experiments
            .rows
            .get(self.experiments.cursor)
            .map(|&i| exps[i].experiment_id.clone());
        let mut activity: Vec<Option<i64>> = exps
            .iter()
            .map(|e| e.last_update_time.or(e.creation_time))
            .collect();
        let pos: std::collections::HashMap<&str, usize> = exps
            .iter()
            .enumerate()
            .map(|(i, e)| (e.experiment_id.as_str(), i))
            .collect();
        for run in self.index.runs() {
            if let Some(&i) = pos.get(run.experiment_id.as_str()) {
                let t = run.end_time.max(run.start_time);
                activity[i] = activity[i].max(t);
            }
        }
        let needle = self.experiments.filter.to_lowercase();
        let v = &self.experiments;
        let mut rows: Vec<usize> = (0..exps.len())
            .filter(|&i| v.show_deleted || exps[i].lifecycle == crate::model::Lifecycle::Active)
            .filter(|&i| {
                needle.is_empty()
                    || exps[i].name.to_lowercase().contains(&needle)
                    || exps[i].experiment_id.contains(&needle)
            })
            .collect();
        let idx = &self.index;
        rows.sort_by(|&a, &b| {
            let (ea, eb) = (&exps[a], &exps[b]);
            match v.sort {
                ExpSort::LastActivity => activity[b].cmp(&activity[a]),
                ExpSort::Name => ea.name.to_lowercase().cmp(&eb.name.to_lowercase()),
                ExpSort::Id => cmp_ids(&ea.experiment_id, &eb.experiment_id),
                ExpSort::Runs => idx
                    .run_count(&eb.experiment_id)
                    .active
                    .cmp(&idx.run_count(&ea.experiment_id).active),
            }
            .then_with(|| cmp_ids(&ea.experiment_id, &eb.experiment_id))
        });
        let cursor = current
            .and_then(|id| rows.iter().position(|&i| exps[i].experiment_id == id))
            .unwrap_or(0);
        self.experiments.rows = rows;
        self.experiments.activity = activity;
        self.experiments.cursor = cursor.min(self.experiments.rows.len().saturating_sub(1));
    }

    pub(super) fn update_experiments(&mut self, action: Action, page: usize) {
        let len = self.experiments.rows.len();
        match action {
            a if a.is_row_move() => {
                self.experiments.cursor = move_cursor(self.experiments.cursor, len, action, page);
            }
            Action::Open => self.open_experiments(),
            Action::ToggleMark => {
                if let Some(id) = self.current_experiment_id() {
                    if !self.experiments.marks.remove(&id) {
                        self.experiments.marks.insert(id);
                    }
                    self.experiments.cursor =
                        move_cursor(self.experiments.cursor, len, Action::Down, 1);
                }
            }
            Action::MarkAll => {
                let exps = self.index.experiments();
                let ids: Vec<String> = self
                    .experiments
                    .rows
                    .iter()
                    .map(|&i| exps[i].experiment_id.clone())
                    .collect();
                self.experiments.marks.extend(ids);
            }
            Action::ClearMarks => self.experiments.marks.clear(),
            Action::SortCycle => {
                self.experiments.sort = self.experiments.sort.next();
                self.refresh_experiments();
            }
            Action::ToggleDeleted => {
                self.experiments.show_deleted = !self.experiments.show_deleted;
                self.refresh_experiments();
            }
            Action::Filter => self.start_filter(),
            Action::Activity => self.open_activity(),
            Action::Back => {
                if !self.experiments.filter.is_empty() {
                    self.experiments.filter.clear();
                    self.refresh_experiments();
                } else if !self.experiments.marks.is_empty() {
                    self.experiments.marks.clear();
                } else {
                    let quit = self
                        .settings
                        .keymap
                        .label(crate::tui::keymap::Context::Experiments, Action::Leave);
                    self.message = Some(Message {
                        text: format!("this is the first screen: {quit} quits"),
                        error: false,
                    });
                }
            }
            _ => {}
        }
    }

    /// Starts on the runs of experiment `id` (by id) once the experiment list has loaded,
    /// with the list below it (Esc goes back to it, the cursor on that experiment).
    pub fn start_on_experiment(&mut self, id: String) {
        self.open_on_load = Some(id);
        if self.load.experiments_loaded {
            self.open_pending_experiment();
        }
    }

    pub(super) fn open_pending_experiment(&mut self) {
        let Some(id) = self.open_on_load.take() else {
            return;
        };
        let Some(name) = self.index.experiment(&id).map(|e| e.name.clone()) else {
            self.message = Some(Message {
                text: format!("experiment {id} is not in the store any more"),
                error: true,
            });
            return;
        };
        let exps = self.index.experiments();
        if let Some(pos) = self
            .experiments
            .rows
            .iter()
            .position(|&i| exps[i].experiment_id == id)
        {
            self.experiments.cursor = pos;
        }
        self.open_runs(vec![id], name);
        self.stack.push(Screen::Runs);
    }

    fn current_experiment_id(&self) -> Option<String> {
        let i = *self.experiments.rows.get(self.experiments.cursor)?;
        Some(self.index.experiments()[i].experiment_id.clone())
    }

    /// Opens the runs of the marked experiments, or of the one under the cursor.
    fn open_experiments(&mut self) {
        let exps = self.index.experiments();
        let mut ids: Vec<String> = exps
            .iter()
            .filter(|e| self.experiments.marks.contains(&e.experiment_id))
            .map(|e| e.experiment_id.clone())
            .collect();
        if ids.is_empty() {
            match self.current_experiment_id() {
                Some(id) => ids.push(id),
                None => {
                    self.message = Some(Message {
                        text: "no experiment to open".into(),
                        error: true,
                    });
                    return;
                }
            }
        }
        let names: Vec<String> = ids
            .iter()
            .filter_map(|id| self.index.experiment(id).map(|e| e.name.clone()))
            .collect();
        let title = if names.len() == 1 {
            names.join("")
        } else {
            format!("{} experiments: {}", names.len(), names.join(", "))
        };
        self.open_runs(ids, title);
        self.stack.push(Screen::Runs);
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{fixture, loaded_app};
    use super::super::*;

    /// `mltui SOURCE -e sweep`: the runs of `sweep` first, the experiment list below them.
    #[test]
    fn starts_on_the_runs_of_an_experiment() {
        let mut app = loaded_app(&fixture("v3/file/mlruns"));
        let id = app
            .index
            .experiments()
            .iter()
            .find(|e| e.name == "sweep")
            .map(|e| e.experiment_id.clone())
            .expect("sweep");
        // Asked for before anything loaded, as `tui::run` does.
        let mut fresh = App::new("fixture".into(), std::env::temp_dir(), app.now_ms);
        fresh.start_on_experiment(id.clone());
        assert_eq!(fresh.screen(), Screen::Experiments);
        let list = crate::store::ExperimentList {
            experiments: app.index.experiments().to_vec(),
            warnings: Vec::new(),
        };
        fresh.on_load(LoadEvent::Experiments(list));
        assert_eq!(fresh.screen(), Screen::Runs);
        assert_eq!(fresh.runs.experiment_ids, std::slice::from_ref(&id));
        assert_eq!(fresh.runs.title, "sweep");
        let runs: Vec<crate::model::Run> = app.index.runs().to_vec();
        fresh.on_load(LoadEvent::Runs(crate::store::RunBatch {
            summaries: Vec::new(),
            runs,
            warnings: Vec::new(),
        }));
        assert!(!fresh.shown_runs().is_empty(), "runs fill in as they load");
        fresh.update(Action::Back);
        assert_eq!(fresh.screen(), Screen::Experiments);
        let exps = fresh.index.experiments();
        assert_eq!(
            exps[fresh.experiments.rows[fresh.experiments.cursor]].name,
            "sweep"
        );
        // Asked for after the list loaded: opens at once.
        app.start_on_experiment(id);
        assert_eq!(app.screen(), Screen::Runs);
    }
}
