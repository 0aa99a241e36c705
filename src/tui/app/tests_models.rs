//! Scenarios of the models, logged models and artifact screens on the MLflow-written models
//! fixtures: keys in, background work served synchronously (`fetch::serve`), state out.

use std::path::{Path, PathBuf};

use super::detail::ItemKind;
use super::tests::{NOW, fixture};
use super::*;
use crate::store::{self, Store};
use crate::tui::fetch::{self, RootState};

/// The app and its store, everything loaded.
pub(crate) struct Rig {
    pub app: App,
    pub store: Box<dyn Store>,
    pub export: tempfile::TempDir,
}

impl Rig {
    pub(crate) fn new(store_path: &Path) -> Self {
        let spec =
            store::parse_source(&store_path.display().to_string(), Path::new("/")).expect("source");
        let st = store::open(&spec).expect("open");
        let export = tempfile::tempdir().expect("tempdir");
        let mut app = App::new("fixture".into(), export.path().to_path_buf(), NOW);
        let list = st.experiments().expect("experiments");
        let exps = list.experiments.clone();
        app.on_load(LoadEvent::Experiments(list));
        let mut batches = Vec::new();
        st.runs(&crate::store::RunQuery::all(&exps), &mut |b| {
            batches.push(b)
        })
        .expect("runs");
        for b in batches {
            app.on_load(LoadEvent::Runs(b));
        }
        app.on_load(LoadEvent::Done);
        Self {
            app,
            store: st,
            export,
        }
    }

    /// Applies an action and serves the background work it asks for (and what that asks
    /// for), as the event loop and the fetcher would.
    pub(crate) fn act(&mut self, action: Action) {
        let effects = self.app.update(action);
        self.serve(effects);
    }

    pub(crate) fn serve(&mut self, mut effects: Vec<Effect>) {
        while !effects.is_empty() {
            let mut next = Vec::new();
            for e in effects {
                let Effect::Fetch(req) = e else { continue };
                let mut answers = Vec::new();
                fetch::serve(self.store.as_ref(), None, &req, &|| false, &mut |f| {
                    answers.push(f)
                });
                for f in answers {
                    next.extend(self.app.on_fetched(f));
                }
            }
            effects = next;
        }
    }

    pub(crate) fn press(&mut self, key: crate::tui::keymap::Key) {
        let effects = self.app.on_key(key);
        self.serve(effects);
    }

    /// Moves the cursor of the current list to the row for which `is` holds.
    pub(crate) fn cursor_to(&mut self, rows: usize, is: impl Fn(&App, usize) -> bool) {
        self.act(Action::Top);
        for _ in 0..rows + 2 {
            if is(&self.app, self.cursor()) {
                return;
            }
            self.act(Action::Down);
        }
        panic!("no row matched on {:?}", self.app.screen());
    }

    fn cursor(&self) -> usize {
        match self.app.screen() {
            Screen::Experiments => self.app.experiments.cursor,
            Screen::Models => self.app.models.cursor,
            Screen::Versions => self.app.models.version_cursor,
            Screen::LoggedModels => self.app.logged.cursor,
            Screen::Artifacts => self.app.artifacts.cursor,
            other => panic!("no cursor on {other:?}"),
        }
    }
}

pub(crate) fn models_fixture(rel: &str) -> PathBuf {
    fixture(&format!("models/{rel}"))
}

fn experiment_named(app: &App, row: usize, name: &str) -> bool {
    app.experiments
        .rows
        .get(row)
        .is_some_and(|&i| app.index.experiments()[i].name == name)
}

/// From the experiment list to the versions of `fraud-detector`.
pub(crate) fn to_fraud_versions(rig: &mut Rig) {
    rig.act(Action::Models);
    assert_eq!(rig.app.screen(), Screen::Models);
    let n = rig.app.models.rows.len();
    rig.cursor_to(n, |app, _| {
        app.models
            .current()
            .is_some_and(|m| m.name == "fraud-detector")
    });
    rig.act(Action::Open);
    assert_eq!(rig.app.screen(), Screen::Versions);
}

#[test]
fn models_screen_lists_models_and_prompts_apart_sorts_and_filters() {
    for store in [
        "v3/file/mlruns",
        "v3/sqlite/mlflow.db",
        "v2/sqlite/mlflow.db",
    ] {
        let mut rig = Rig::new(&models_fixture(store));
        rig.act(Action::Models);
        let names = |app: &App| -> Vec<String> {
            let reg = app.models.registry().expect("registry");
            app.models
                .rows
                .iter()
                .map(|&i| reg.models[i].name.clone())
                .collect()
        };
        assert_eq!(
            names(&rig.app),
            [
                "empty-model",
                "fraud-detector",
                "orphan-model",
                "ünïcode-模型"
            ],
            "{store}"
        );
        rig.act(Action::TogglePrompts);
        assert_eq!(names(&rig.app), ["summarize-prompt"], "{store}");
        rig.act(Action::TogglePrompts);
        rig.act(Action::SortCycle); // last update
        rig.act(Action::SortCycle); // versions
        assert_eq!(names(&rig.app)[0], "fraud-detector", "most versions first");
        // `/` filters by name, alias, tag or description.
        rig.act(Action::Filter);
        for c in "champ".chars() {
            rig.act(Action::InputChar(c));
        }
        rig.act(Action::InputSubmit);
        assert_eq!(names(&rig.app), ["fraud-detector"]);
        rig.act(Action::Back);
        assert_eq!(names(&rig.app).len(), 4, "Esc clears the filter first");
        rig.act(Action::Back);
        assert_eq!(rig.app.screen(), Screen::Experiments);
    }
}

#[test]
fn a_version_opens_its_source_run_with_models_repro_and_artifacts() {
    for store in ["v3/file/mlruns", "v3/sqlite/mlflow.db", "v2/file/mlruns"] {
        let mut rig = Rig::new(&models_fixture(store));
        to_fraud_versions(&mut rig);
        let versions: Vec<(String, Vec<String>)> = {
            let reg = rig.app.models.registry().expect("registry");
            rig.app
                .models
                .versions
                .iter()
                .map(|&i| {
                    (
                        reg.versions[i].version.clone(),
                        reg.versions[i].aliases.clone(),
                    )
                })
                .collect()
        };
        assert_eq!(
            versions,
            [
                ("3".to_string(), vec!["challenger".to_string()]),
                ("2".to_string(), vec!["champion".to_string()]),
                ("1".to_string(), vec![]),
            ],
            "{store}"
        );
        rig.act(Action::Down); // v2, the champion
        rig.act(Action::Open);
        assert_eq!(rig.app.screen(), Screen::Detail, "{store}");
        let run_id = rig.app.detail.run_id.clone();
        let run = rig.app.index.run(&run_id).expect("run");
        assert_eq!(run.run_name, "train-lr", "{store}");
        assert_eq!(
            run.tags.get("mlflow.source.git.commit").map(|t| t.as_str()),
            Some("9f2c4e1a7b3d5f60718293a4b5c6d7e8f9a0b1c2")
        );
        // The detail's new sections have what they need.
        let files = match rig.app.artifacts.run_files.get(&run_id) {
            Some(Loadable::Ready(f)) => f.clone(),
            other => panic!("{store}: run files {other:?}"),
        };
        let top: Vec<&str> = files[0].top.iter().map(|e| e.path.as_str()).collect();
        assert!(
            top.contains(&"config.json") && top.contains(&"MLproject"),
            "{top:?}"
        );
        assert!(files[0].mlproject.is_some(), "{store}: MLproject read");
        let logged = rig.app.models_of_run(&run_id);
        if store.starts_with("v3") {
            assert_eq!(logged.len(), 1, "{store}");
            assert_eq!(files.len(), 2, "{store}: the run and its model");
            assert_eq!(files[1].mlmodels.len(), 1, "{store}: the model's MLmodel");
        } else {
            assert!(logged.is_empty());
            assert_eq!(
                files[0].mlmodels.len(),
                1,
                "{store}: model/MLmodel of a 2.x run"
            );
            assert_eq!(files[0].mlmodels[0].0, "model");
        }
        let versions = rig
            .app
            .models
            .registry()
            .expect("registry")
            .versions_of_run(&run_id)
            .len();
        assert_eq!(
            versions, 2,
            "{store}: fraud-detector v2 and ünïcode-模型 v1"
        );
    }
}

#[test]
fn the_artifact_browser_walks_previews_pages_and_saves() {
    let mut rig = Rig::new(&models_fixture("v3/file/mlruns"));
    to_fraud_versions(&mut rig);
    rig.act(Action::Down);
    rig.act(Action::Open);
    rig.act(Action::Artifacts);
    assert_eq!(rig.app.screen(), Screen::Artifacts);
    let v = &rig.app.artifacts;
    assert_eq!(v.roots.len(), 2, "the run and the model it logged");
    assert!(v.roots.iter().all(|r| !r.walking));
    let Some(RootState::Ready { location }) = &v.roots[0].state else {
        panic!("run root {:?}", v.roots[0].state);
    };
    assert!(location.contains("next to the store"), "{location}");
    // Folder totals add up: 11 files at the top level and below (logs/train.log is not
    // committed).
    let run_root = &v.nodes[v.roots[0].node];
    assert_eq!(run_root.files, 10, "{:?}", run_root);
    // Move onto config.json: its preview is pretty JSON.
    let n = rig.app.artifacts.rows.len();
    rig.cursor_to(n, |app, _| {
        app.artifacts
            .current()
            .is_some_and(|n| n.path == "config.json")
    });
    let p = rig
        .app
        .artifacts
        .preview
        .as_ref()
        .and_then(|p| p.content.ready())
        .cloned()
        .expect("preview");
    assert_eq!(p.kind, "JSON");
    assert!(p.lines().iter().any(|l| l.contains("\"penalty\": \"l2\"")));
    // Enter: the pager; q: back to the tree.
    rig.act(Action::Open);
    assert_eq!(rig.app.screen(), Screen::File);
    rig.press(crate::tui::keymap::Key::Ch('q'));
    assert_eq!(rig.app.screen(), Screen::Artifacts);
    // w saves it; the status line says where.
    rig.act(Action::Save);
    let expected_dest = rig.export.path().join("config.json");
    assert_eq!(
        rig.app.prompt.as_ref().map(|p| p.text().to_string()),
        Some(expected_dest.display().to_string())
    );
    rig.act(Action::InputSubmit);
    let msg = rig.app.message.clone().expect("message");
    assert!(
        !msg.error && msg.text.contains("saved config.json"),
        "{msg:?}"
    );
    let saved = std::fs::read_to_string(&expected_dest).expect("saved");
    assert!(saved.contains("\"C\": 1.0"), "{saved}");
    // The model's folder opens on Enter and has the MLmodel.
    let n = rig.app.artifacts.rows.len();
    rig.cursor_to(n, |app, _| {
        app.artifacts
            .current()
            .is_some_and(|n| n.parent.is_none() && n.root == 1)
    });
    rig.act(Action::Open);
    let n = rig.app.artifacts.rows.len();
    rig.cursor_to(n, |app, _| {
        app.artifacts.current().is_some_and(|n| n.path == "MLmodel")
    });
    let p = rig
        .app
        .artifacts
        .preview
        .as_ref()
        .and_then(|p| p.content.ready())
        .cloned()
        .expect("preview");
    assert!(
        p.summary
            .iter()
            .any(|(k, v)| k == "flavors" && v.contains("sklearn")),
        "{:?}",
        p.summary
    );
}

#[test]
fn a_version_whose_run_is_gone_says_so() {
    let copy = tempfile::tempdir().expect("tmp");
    crate::tui::app::tests_models::copy_dir(&models_fixture("v3/file/mlruns"), copy.path());
    // The orphan's run is deleted (in the store, lifecycle deleted): it still opens.
    let mut rig = Rig::new(copy.path());
    rig.act(Action::Models);
    let n = rig.app.models.rows.len();
    rig.cursor_to(n, |app, _| {
        app.models
            .current()
            .is_some_and(|m| m.name == "orphan-model")
    });
    rig.act(Action::Open);
    rig.act(Action::Open);
    assert_eq!(rig.app.screen(), Screen::Detail);
    let run_id = rig.app.detail.run_id.clone();
    assert_eq!(
        rig.app.index.run(&run_id).map(|r| r.lifecycle),
        Some(crate::model::Lifecycle::Deleted)
    );
    // Removed for good (mlflow gc): a message, and the screen stays.
    for exp in std::fs::read_dir(copy.path()).expect("ls") {
        let dir = exp.expect("e").path().join(&run_id);
        if dir.is_dir() {
            std::fs::remove_dir_all(dir).expect("rm");
        }
    }
    let mut rig = Rig::new(copy.path());
    rig.act(Action::Models);
    let n = rig.app.models.rows.len();
    rig.cursor_to(n, |app, _| {
        app.models
            .current()
            .is_some_and(|m| m.name == "orphan-model")
    });
    rig.act(Action::Open);
    rig.act(Action::Open);
    assert_eq!(rig.app.screen(), Screen::Versions);
    let msg = rig.app.message.clone().expect("message");
    assert!(
        msg.error && msg.text.contains("not in this store"),
        "{msg:?}"
    );
}

#[test]
fn logged_models_sort_mark_and_compare_side_by_side() {
    let mut rig = Rig::new(&models_fixture("v3/sqlite/mlflow.db"));
    let n = rig.app.experiments.rows.len();
    rig.cursor_to(n, |app, row| experiment_named(app, row, "models-α"));
    rig.act(Action::LoggedModels);
    assert_eq!(rig.app.screen(), Screen::LoggedModels);
    assert_eq!(rig.app.logged.rows.len(), 4);
    // Sort by a metric column: acc ascending, models without it last.
    let acc = crate::index::Column::Metric("acc".into());
    let pos = rig
        .app
        .logged
        .columns
        .iter()
        .position(|c| *c == acc)
        .expect("acc column");
    rig.app.logged.col_cursor = pos;
    rig.act(Action::SortCycle);
    let accs: Vec<Option<f64>> = rig
        .app
        .logged
        .rows
        .iter()
        .map(|&i| {
            rig.app.logged.runs[i]
                .metrics
                .get("acc")
                .map(|m| m.latest.value)
        })
        .collect();
    assert_eq!(accs, [Some(0.917), Some(0.95), None, None]);
    // Mark the two trained models and compare them.
    rig.act(Action::Top);
    rig.act(Action::ToggleMark);
    rig.act(Action::ToggleMark);
    rig.act(Action::Compare);
    assert_eq!(rig.app.screen(), Screen::Compare);
    let cmp = rig.app.comparison();
    assert_eq!(cmp.runs.len(), 2);
    let c = cmp
        .rows
        .iter()
        .find(|r| r.column.name() == "params.C")
        .expect("params.C row");
    assert!(c.differs);
    let acc_row = cmp
        .rows
        .iter()
        .find(|r| r.column.name() == "metrics.acc")
        .expect("acc");
    assert_eq!(acc_row.best, Some(1), "higher accuracy wins");
    // Charts are for runs.
    rig.act(Action::Plot);
    assert_eq!(rig.app.screen(), Screen::Compare);
    assert!(rig.app.message.as_ref().is_some_and(|m| m.error));
    rig.act(Action::Back);
    // Enter: the model's detail; a: its files.
    rig.act(Action::Top);
    rig.act(Action::Open);
    assert_eq!(rig.app.screen(), Screen::ModelDetail);
    rig.act(Action::Artifacts);
    assert_eq!(rig.app.screen(), Screen::Artifacts);
    assert_eq!(rig.app.artifacts.roots.len(), 1);
    let Some(RootState::Ready { location }) = &rig.app.artifacts.roots[0].state else {
        panic!("{:?}", rig.app.artifacts.roots[0].state);
    };
    assert!(location.contains("mlartifacts"), "{location}");
    // A model whose upload failed has no files: a note, not an error.
    rig.act(Action::Back);
    rig.act(Action::Back);
    rig.cursor_to(4, |app, _| {
        app.logged
            .current()
            .is_some_and(|m| m.name == "broken-upload")
    });
    rig.act(Action::Open);
    rig.act(Action::Artifacts);
    let Some(RootState::Note(note)) = &rig.app.artifacts.roots[0].state else {
        panic!("{:?}", rig.app.artifacts.roots[0].state);
    };
    assert!(note.contains("no artifact folder found"), "{note}");
}

#[test]
fn m_on_a_version_opens_the_logged_model_it_came_from() {
    let mut rig = Rig::new(&models_fixture("v3/file/mlruns"));
    to_fraud_versions(&mut rig);
    rig.act(Action::Down); // v2
    rig.act(Action::OpenModel);
    assert_eq!(rig.app.screen(), Screen::ModelDetail);
    let m = rig
        .app
        .logged
        .detail
        .as_deref()
        .and_then(|id| rig.app.logged.model(id))
        .expect("model");
    assert_eq!(m.params.get("C").map(String::as_str), Some("1.0"));
    rig.act(Action::Back);
    rig.act(Action::Down); // v1: registered from a run's files
    rig.act(Action::OpenModel);
    assert_eq!(rig.app.screen(), Screen::Versions);
    assert!(
        rig.app
            .message
            .as_ref()
            .is_some_and(|m| m.text.contains("run's files"))
    );
}

/// Copies a folder tree (for tests that break a store).
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

#[test]
fn a_browser_opened_before_the_logged_models_arrive_gets_their_folders() {
    let mut rig = Rig::new(&models_fixture("v3/file/mlruns"));
    let run_id = rig
        .app
        .index
        .runs()
        .iter()
        .find(|r| r.run_name == "train-lr")
        .map(|r| r.run_id.clone())
        .expect("train-lr");
    // The run detail asks for the registry, the experiment's logged models, the run's links
    // to models and the files; the logged models and the links are held back.
    let effects = rig.app.open_run_detail(run_id);
    let (held, rest): (Vec<Effect>, Vec<Effect>) = effects.into_iter().partition(|e| {
        matches!(
            e,
            Effect::Fetch(
                crate::tui::fetch::FetchRequest::LoggedModels { .. }
                    | crate::tui::fetch::FetchRequest::RunLinks { .. }
            )
        )
    });
    assert_eq!(held.len(), 2);
    rig.serve(rest);
    rig.act(Action::Artifacts);
    assert_eq!(
        rig.app.artifacts.roots.len(),
        1,
        "only the run's folder so far"
    );
    rig.serve(held);
    let v = &rig.app.artifacts;
    assert_eq!(v.roots.len(), 2, "the model's folder was added");
    assert!(v.roots[1].label.starts_with("[model] model"));
    assert!(!v.roots[1].walking && v.nodes[v.roots[1].node].files >= 5);
}

#[test]
fn a_runs_links_bring_the_models_it_produced_and_used_into_its_detail() {
    use crate::tui::fetch::FetchRequest;
    let mut rig = Rig::new(&models_fixture("v3/sqlite/mlflow.db"));
    let id_of = |rig: &Rig, name: &str| {
        rig.app
            .index
            .runs()
            .iter()
            .find(|r| r.run_name == name)
            .map(|r| r.run_id.clone())
            .expect(name)
    };
    // train-lr's model arrives through its outputs alone: the experiment's logged models
    // are never served.
    let effects = rig.app.open_run_detail(id_of(&rig, "train-lr"));
    let rest: Vec<Effect> = effects
        .into_iter()
        .filter(|e| !matches!(e, Effect::Fetch(FetchRequest::LoggedModels { .. })))
        .collect();
    rig.serve(rest);
    let run = rig
        .app
        .index
        .run(&rig.app.detail.run_id)
        .expect("run")
        .clone();
    let items = rig.app.detail_extras(&run);
    let keys: Vec<String> = items.iter().map(|i| i.key.to_string()).collect();
    assert!(
        keys.iter().any(|k| k.starts_with("[model] model · m-")),
        "{keys:?}"
    );
    let files = match rig.app.artifacts.run_files.get(&run.run_id) {
        Some(Loadable::Ready(f)) => f.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(files.len(), 2, "the run's folder and its model's");
    // eval-external scored a model logged outside any run: listed as used, Enter opens it.
    rig.act(Action::Back);
    let effects = rig.app.open_run_detail(id_of(&rig, "eval-external"));
    rig.serve(effects);
    let run = rig
        .app
        .index
        .run(&rig.app.detail.run_id)
        .expect("run")
        .clone();
    let items = rig.app.detail_extras(&run);
    let sections: Vec<String> = items
        .iter()
        .filter(|i| i.kind == ItemKind::Section)
        .map(|i| i.key.to_string())
        .collect();
    assert!(
        sections
            .iter()
            .any(|s| s.starts_with("Models (0 logged, 1 used, ")),
        "{sections:?}"
    );
    let used = items
        .iter()
        .find(|i| i.key.starts_with("[used] external-llm · m-"))
        .expect("the used model");
    assert!(used.value.contains("READY llm"), "{}", used.value);
    let ItemKind::Model(id) = &used.kind else {
        panic!("{:?}", used.kind)
    };
    let id = id.clone();
    let effects = rig.app.open_model_by_id(&id);
    rig.serve(effects);
    assert_eq!(rig.app.screen(), Screen::ModelDetail);
    assert_eq!(rig.app.logged.detail.as_deref(), Some(id.as_str()));
}

#[test]
fn an_older_answer_about_a_runs_files_never_replaces_a_newer_one() {
    use crate::tui::fetch::FetchRequest;
    let mut rig = Rig::new(&models_fixture("v3/file/mlruns"));
    let run_id = rig
        .app
        .index
        .runs()
        .iter()
        .find(|r| r.run_name == "train-lr")
        .map(|r| r.run_id.clone())
        .expect("train-lr");
    let answer = |rig: &Rig, req: &FetchRequest| {
        let mut out = Vec::new();
        fetch::serve(rig.store.as_ref(), None, req, &|| false, &mut |f| {
            out.push(f)
        });
        out
    };
    let effects = rig.app.open_run_detail(run_id.clone());
    let reqs: Vec<FetchRequest> = effects
        .into_iter()
        .filter_map(|e| match e {
            Effect::Fetch(r) => Some(r),
            _ => None,
        })
        .collect();
    let first_files = reqs
        .iter()
        .find(|r| matches!(r, FetchRequest::RunFiles { .. }))
        .cloned()
        .expect("files asked for");
    // The logged models arrive; the detail asks again, now with the model's folder.
    let mut second_files = None;
    for r in reqs
        .iter()
        .filter(|r| !matches!(r, FetchRequest::RunFiles { .. }))
    {
        for f in answer(&rig, r) {
            for e in rig.app.on_fetched(f) {
                if let Effect::Fetch(r @ FetchRequest::RunFiles { .. }) = e {
                    second_files = Some(r);
                }
            }
        }
    }
    let second_files = second_files.expect("asked again with the model");
    // The newer answer comes first, the older one last.
    for req in [&second_files, &first_files] {
        for f in answer(&rig, req) {
            rig.app.on_fetched(f);
        }
    }
    match rig.app.artifacts.run_files.get(&run_id) {
        Some(Loadable::Ready(folders)) => assert_eq!(folders.len(), 2, "the run and its model"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn y_copies_model_uris_and_artifact_uris() {
    let mut rig = Rig::new(&models_fixture("v3/file/mlruns"));
    to_fraud_versions(&mut rig);
    rig.act(Action::Down); // v2
    let effects = rig.app.update(Action::CopyId);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Copy(t) if t == "models:/fraud-detector/2")),
        "{effects:?}"
    );
    rig.act(Action::Open);
    rig.act(Action::Artifacts);
    let n = rig.app.artifacts.rows.len();
    rig.cursor_to(n, |app, _| {
        app.artifacts
            .current()
            .is_some_and(|n| n.path == "config.json")
    });
    let effects = rig.app.update(Action::CopyId);
    assert!(
        effects.iter().any(
            |e| matches!(e, Effect::Copy(t) if t.starts_with("file://") && t.ends_with("/artifacts/config.json"))
        ),
        "{effects:?}"
    );
}
