//! The run detail's sections about models and files: the models the run logged, the
//! registered versions made from it (aliases, stage), a reproducibility block (source, git,
//! MLflow Project entry point and environment, each model's flavors and signature) and the
//! top of its artifacts.

use ratatui::text::{Line, Span};

use crate::model::Run;
use crate::preview::{self, human_size};
use crate::text;
use crate::tui::app::{App, Loadable, model_label};
use crate::tui::fetch::{ENV_FILES, FolderSummary, RootState};
use crate::tui::theme::Theme;

/// Top-level artifacts listed in the detail before "… more".
const TOP_SHOWN: usize = 12;

fn s(t: &str) -> String {
    text::sanitize(t).into_owned()
}

fn kv<'a>(key: &str, value: &str, theme: &Theme, w: usize) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("  {}", text::pad(&s(key), w, false)), theme.key),
        Span::raw(format!("  {}", s(value))),
    ])
}

fn section<'a>(title: String, theme: &Theme) -> Line<'a> {
    Line::from(Span::styled(title, theme.section))
}

/// The tags that say how to reproduce a run, in a sensible order, with short labels.
const REPRO_TAGS: [(&str, &str); 10] = [
    ("mlflow.source.name", "source"),
    ("mlflow.source.type", "source type"),
    ("mlflow.source.git.commit", "git commit"),
    ("mlflow.source.git.branch", "git branch"),
    ("mlflow.source.git.repoURL", "git repo"),
    ("mlflow.gitRepoURL", "git repo URL"),
    ("mlflow.project.entryPoint", "entry point"),
    ("mlflow.project.backend", "project backend"),
    ("mlflow.project.env", "project env"),
    ("mlflow.parentRunId", "parent run"),
];

/// Every section, each preceded by an empty line.
pub fn sections<'a>(app: &App, run: &Run, theme: &Theme) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    let files = match app.artifacts.run_files.get(&run.run_id) {
        Some(Loadable::Ready(f)) => Some(f.as_slice()),
        _ => None,
    };
    models_section(app, run, theme, &mut out);
    repro_section(app, run, files, theme, &mut out);
    artifacts_section(app, run, files, theme, &mut out);
    out
}

fn models_section<'a>(app: &App, run: &Run, theme: &Theme, out: &mut Vec<Line<'a>>) {
    let logged = app.models_of_run(&run.run_id);
    let loading = matches!(
        app.logged.cache.get(&run.experiment_id),
        None | Some(Loadable::Loading | Loadable::NotAsked)
    );
    let versions = app
        .models
        .registry()
        .map(|r| r.versions_of_run(&run.run_id))
        .unwrap_or_default();
    if logged.is_empty() && versions.is_empty() && !loading {
        return;
    }
    out.push(Line::from(""));
    out.push(section(
        format!(
            "Models ({} logged, {} registered versions)",
            logged.len(),
            versions.len()
        ),
        theme,
    ));
    if loading && logged.is_empty() {
        out.push(Line::from(Span::styled(
            "  reading logged models…",
            theme.dim,
        )));
    }
    for m in &logged {
        let metrics: Vec<String> = m
            .metric_summaries()
            .iter()
            .take(4)
            .map(|(k, v)| format!("{k}={}", text::float_short(v.latest.value)))
            .collect();
        out.push(Line::from(vec![
            Span::styled(format!("  {}", s(&model_label(m))), theme.key),
            Span::raw(format!(
                "  {} {}  {}",
                m.status.short(),
                s(m.model_type.as_deref().unwrap_or("")),
                s(&metrics.join(" "))
            )),
        ]));
    }
    for v in &versions {
        let aliases = if v.aliases.is_empty() {
            String::new()
        } else {
            format!("  @{}", v.aliases.join(" @"))
        };
        let from = match v.logged_model_id() {
            Some(id) => format!("  from model {}", id.chars().take(12).collect::<String>()),
            None => format!("  from {}", v.source.as_deref().unwrap_or("-")),
        };
        out.push(Line::from(vec![
            Span::styled(format!("  {} v{}", s(&v.name), s(&v.version)), theme.key),
            Span::styled(s(&aliases), theme.best),
            Span::raw(format!("  {}{}", s(&v.current_stage), s(&from))),
        ]));
    }
}

fn repro_section<'a>(
    app: &App,
    run: &Run,
    files: Option<&[FolderSummary]>,
    theme: &Theme,
    out: &mut Vec<Line<'a>>,
) {
    let tags: Vec<(&str, &String)> = REPRO_TAGS
        .iter()
        .filter_map(|(k, label)| run.tags.get(*k).map(|v| (*label, v)))
        .collect();
    out.push(Line::from(""));
    out.push(section("Reproducibility".into(), theme));
    for (label, value) in &tags {
        let shown = match *label {
            "parent run" => match app.index.run(value) {
                Some(p) => format!("{} ({value})", p.run_name),
                None => value.to_string(),
            },
            _ => value.to_string(),
        };
        out.push(kv(label, &shown, theme, 15));
    }
    let Some(files) = files else {
        out.push(Line::from(Span::styled(
            "  reading the run's files…",
            theme.dim,
        )));
        return;
    };
    // The entry point's command, from the run's MLproject.
    if let Some(text) = files.first().and_then(|f| f.mlproject.as_deref()) {
        let entry = run
            .tags
            .get("mlflow.project.entryPoint")
            .map_or("main", String::as_str);
        if let Some(cmd) = preview::mlproject_command(text, entry) {
            out.push(kv(&format!("{entry} command"), &cmd, theme, 15));
        }
    }
    let mut env: Vec<String> = Vec::new();
    for f in files {
        for e in f.top.iter().filter(|e| !e.is_dir) {
            if ENV_FILES.contains(&e.path.as_str()) {
                let place = if f.label == "run" {
                    String::new()
                } else {
                    format!(" ({})", f.label)
                };
                env.push(format!("{}{place}", e.path));
            }
        }
    }
    if !env.is_empty() {
        out.push(kv("files", &env.join(", "), theme, 15));
    }
    for f in files {
        for (folder, text) in &f.mlmodels {
            let label = match (f.label.as_str(), folder.is_empty()) {
                ("run", false) => format!("{folder}/MLmodel"),
                ("run", true) => "MLmodel".to_string(),
                (l, _) => l.to_string(),
            };
            for (k, v) in preview::mlmodel_facts(text) {
                out.push(kv(&format!("{} {k}", short_label(&label)), &v, theme, 15));
            }
        }
    }
    if tags.is_empty() && env.is_empty() && files.iter().all(|f| f.mlmodels.is_empty()) {
        out.push(Line::from(Span::styled(
            "  no source, git, project or environment information recorded",
            theme.dim,
        )));
    }
}

/// `[model] fraud · m-1234` → `fraud`, for the key column.
fn short_label(label: &str) -> String {
    label
        .strip_prefix("[model] ")
        .and_then(|l| l.split(" · ").next())
        .unwrap_or(label)
        .to_string()
}

fn artifacts_section<'a>(
    _app: &App,
    _run: &Run,
    files: Option<&[FolderSummary]>,
    theme: &Theme,
    out: &mut Vec<Line<'a>>,
) {
    out.push(Line::from(""));
    let Some(run_files) = files.and_then(|f| f.first()) else {
        out.push(section("Artifacts".into(), theme));
        out.push(Line::from(Span::styled("  reading…", theme.dim)));
        return;
    };
    out.push(section(
        format!("Artifacts ({} at the top) · a: browse", run_files.top.len()),
        theme,
    ));
    match &run_files.state {
        RootState::Ready { location } => out.push(Line::from(Span::styled(
            format!("  {}", s(location)),
            theme.dim,
        ))),
        RootState::Note(n) => {
            out.push(Line::from(Span::styled(format!("  {}", s(n)), theme.error)))
        }
        RootState::Failed(e) => out.push(Line::from(Span::styled(
            format!("  cannot read: {}", s(e)),
            theme.error,
        ))),
    }
    for e in run_files.top.iter().take(TOP_SHOWN) {
        let (name, size) = if e.is_dir {
            (format!("{}/", e.path), String::new())
        } else if e.link.is_some() {
            (e.path.clone(), "link, not followed".into())
        } else {
            (e.path.clone(), e.file_size.map_or("-".into(), human_size))
        };
        out.push(Line::from(vec![
            Span::raw(format!("  {}", text::pad(&s(&name), 40, false))),
            Span::styled(format!(" {size}"), theme.dim),
        ]));
    }
    if run_files.top.len() > TOP_SHOWN {
        out.push(Line::from(Span::styled(
            format!("  … {} more", run_files.top.len() - TOP_SHOWN),
            theme.dim,
        )));
    }
}
