//! The run detail's items about models and files: the models the run logged and used
//! (Enter shows one), the registered versions made from it (aliases, stage), a reproducibility block
//! (source, git, MLflow Project entry point and environment, each model's flavors and
//! signature) and the top of its artifacts (Enter opens the browser there).

use std::borrow::Cow;

use super::artifacts::model_label;
use super::detail::{DetailItem, ItemKind};
use super::models::Loadable;
use super::run_models::UsedModel;
use super::{App, Effect};
use crate::model::Run;
use crate::preview::{self, human_size};
use crate::store::registry::LoggedModel;
use crate::text;
use crate::tui::fetch::{ENV_FILES, FolderSummary, RootState};

/// Top-level artifacts listed in the detail before "… more".
const TOP_SHOWN: usize = 12;

/// The tags that say how to reproduce a run, in a sensible order, with short labels.
const REPRO_TAGS: [(&str, &str); 9] = [
    ("mlflow.source.name", "source"),
    ("mlflow.source.type", "source type"),
    ("mlflow.source.git.commit", "git commit"),
    ("mlflow.source.git.branch", "git branch"),
    ("mlflow.source.git.repoURL", "git repo"),
    ("mlflow.gitRepoURL", "git repo URL"),
    ("mlflow.project.entryPoint", "entry point"),
    ("mlflow.project.backend", "project backend"),
    ("mlflow.project.env", "project env"),
];

/// A dim, unselectable line (something being read, a note).
fn note<'a>(text: impl Into<Cow<'a, str>>) -> DetailItem<'a> {
    DetailItem {
        kind: ItemKind::Header,
        key: Cow::Borrowed(""),
        value: text.into(),
    }
}

fn item<'a>(
    kind: ItemKind,
    key: impl Into<Cow<'a, str>>,
    value: impl Into<Cow<'a, str>>,
) -> DetailItem<'a> {
    DetailItem {
        kind,
        key: key.into(),
        value: value.into(),
    }
}

/// The start of a model id, as model labels show it.
fn short_id(id: &str) -> String {
    id.chars().take(10).collect()
}

/// A model's status, type and first metrics.
fn model_value(m: &LoggedModel) -> String {
    let metrics: Vec<String> = m
        .metric_summaries()
        .iter()
        .take(4)
        .map(|(k, v)| format!("{k}={}", text::float_short(v.latest.value)))
        .collect();
    let kind = m.model_type.as_deref().unwrap_or("");
    format!("{} {kind}  {}", m.status.short(), metrics.join(" "))
}

/// `[model] fraud · m-1234` → `fraud`.
fn short_label(label: &str) -> String {
    label
        .strip_prefix("[model] ")
        .and_then(|l| l.split(" · ").next())
        .unwrap_or(label)
        .to_string()
}

impl App {
    /// The models, reproducibility and artifacts items of `run`, each section preceded by
    /// an empty line.
    pub fn detail_extras<'a>(&'a self, run: &'a Run) -> Vec<DetailItem<'a>> {
        let mut out = Vec::new();
        let files = match self.artifacts.run_files.get(&run.run_id) {
            Some(Loadable::Ready(f)) => Some(f.as_slice()),
            _ => None,
        };
        self.models_items(run, &mut out);
        self.repro_items(run, files, &mut out);
        artifact_items(files, &mut out);
        out
    }

    fn models_items<'a>(&'a self, run: &'a Run, out: &mut Vec<DetailItem<'a>>) {
        let logged = self.models_of_run(&run.run_id);
        let used = self.models_used_by_run(&run.run_id);
        let loading = matches!(
            self.logged.cache.get(&run.experiment_id),
            None | Some(Loadable::Loading | Loadable::NotAsked)
        ) || matches!(
            self.logged.run_links.get(&run.run_id),
            None | Some(Loadable::Loading | Loadable::NotAsked)
        );
        let versions = self
            .models
            .registry()
            .map(|r| r.versions_of_run(&run.run_id))
            .unwrap_or_default();
        if logged.is_empty() && used.is_empty() && versions.is_empty() && !loading {
            return;
        }
        out.push(DetailItem::blank());
        let used_count = if used.is_empty() {
            String::new()
        } else {
            format!("{} used, ", used.len())
        };
        out.push(DetailItem::section(format!(
            "Models ({} logged, {used_count}{})",
            logged.len(),
            text::count(versions.len(), "registered version", "registered versions")
        )));
        if loading && logged.is_empty() && used.is_empty() {
            out.push(note("reading logged models…"));
        }
        for m in &logged {
            out.push(item(
                ItemKind::Model(m.model_id.clone()),
                model_label(m),
                model_value(m),
            ));
        }
        for u in used {
            out.push(match u {
                UsedModel::Loaded(m) => item(
                    ItemKind::Model(m.model_id.clone()),
                    format!("[used] {} · {}", m.name, short_id(&m.model_id)),
                    model_value(m),
                ),
                UsedModel::Loading(id) => item(
                    ItemKind::Field,
                    format!("[used] {}", short_id(&id)),
                    format!("{id} (reading…)"),
                ),
                UsedModel::Missing { id, error } => item(
                    ItemKind::Field,
                    format!("[used] {}", short_id(&id)),
                    format!("{id}: {error}"),
                ),
            });
        }
        for v in &versions {
            let aliases = if v.aliases.is_empty() {
                String::new()
            } else {
                format!("@{} · ", v.aliases.join(" @"))
            };
            let from = match v.logged_model_id() {
                Some(id) => format!("from model {}", id.chars().take(12).collect::<String>()),
                None => format!("from {}", v.source.as_deref().unwrap_or("-")),
            };
            out.push(item(
                ItemKind::Field,
                format!("{} v{}", v.name, v.version),
                format!("{aliases}{} · {from}", v.current_stage),
            ));
        }
    }

    fn repro_items<'a>(
        &'a self,
        run: &'a Run,
        files: Option<&'a [FolderSummary]>,
        out: &mut Vec<DetailItem<'a>>,
    ) {
        let tags: Vec<(&str, &crate::model::Text)> = REPRO_TAGS
            .iter()
            .filter_map(|(k, label)| run.tags.get(k).map(|v| (*label, v)))
            .collect();
        out.push(DetailItem::blank());
        out.push(DetailItem::section("Reproducibility".into()));
        for (label, value) in &tags {
            out.push(DetailItem::field(*label, value.as_str()));
        }
        let Some(files) = files else {
            out.push(note("reading the run's files…"));
            return;
        };
        // The entry point's command, from the run's MLproject.
        if let Some(text) = files.first().and_then(|f| f.mlproject.as_deref()) {
            let entry = run
                .tags
                .get("mlflow.project.entryPoint")
                .map_or("main", |e| e.as_str());
            if let Some(cmd) = preview::mlproject_command(text, entry) {
                out.push(DetailItem::field(format!("{entry} command"), cmd));
            }
        }
        let mut env: Vec<String> = Vec::new();
        for f in files {
            for e in f.top.iter().filter(|e| !e.is_dir) {
                if ENV_FILES.contains(&e.path.as_str()) {
                    let place = if f.label == "run" {
                        String::new()
                    } else {
                        format!(" ({})", short_label(&f.label))
                    };
                    env.push(format!("{}{place}", e.path));
                }
            }
        }
        if !env.is_empty() {
            out.push(DetailItem::field("files", env.join(", ")));
        }
        for f in files {
            for (folder, text) in &f.mlmodels {
                let label = match (f.label.as_str(), folder.is_empty()) {
                    ("run", false) => folder.clone(),
                    ("run", true) => "model".to_string(),
                    (l, _) => short_label(l),
                };
                for (k, v) in preview::mlmodel_facts(text) {
                    out.push(DetailItem::field(format!("{label} {k}"), v));
                }
            }
        }
        if tags.is_empty() && env.is_empty() && files.iter().all(|f| f.mlmodels.is_empty()) {
            out.push(note(
                "no source, git, project or environment information recorded",
            ));
        }
    }

    /// The browser on a run's artifacts with the cursor on `path`.
    pub(super) fn browse_run_at(&mut self, run_id: &str, path: &str) -> Vec<Effect> {
        let mut effects = self.browse_run(run_id);
        self.artifacts.focus = Some(path.to_string());
        effects.extend(self.focus_artifact());
        effects
    }
}

fn artifact_items<'a>(files: Option<&'a [FolderSummary]>, out: &mut Vec<DetailItem<'a>>) {
    out.push(DetailItem::blank());
    let Some(run_files) = files.and_then(|f| f.first()) else {
        out.push(DetailItem::section("Artifacts".into()));
        out.push(note("reading…"));
        return;
    };
    out.push(DetailItem::section(format!(
        "Artifacts ({} at the top) · a: browse",
        run_files.top.len()
    )));
    match &run_files.state {
        RootState::Ready { location } => out.push(note(location.as_str())),
        RootState::Note(n) => out.push(note(n.as_str())),
        RootState::Failed(e) => out.push(note(format!("cannot read: {e}"))),
    }
    for e in run_files.top.iter().take(TOP_SHOWN) {
        let (name, size) = if e.is_dir {
            (format!("{}/", e.path), "folder".to_string())
        } else if e.link.is_some() {
            (e.path.clone(), "link, not followed".into())
        } else {
            (e.path.clone(), e.file_size.map_or("-".into(), human_size))
        };
        out.push(item(ItemKind::Artifact(e.path.clone()), name, size));
    }
    if run_files.top.len() > TOP_SHOWN {
        out.push(note(format!("… {} more", run_files.top.len() - TOP_SHOWN)));
    }
}
