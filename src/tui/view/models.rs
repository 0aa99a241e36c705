//! The Models screen (registered models or prompts) and the versions of one model.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

use super::{empty_hint, scroll_to};
use crate::export::models::{alias_list, latest_version, stage_counts};
use crate::store::registry::ModelVersion;
use crate::text;
use crate::tui::app::{App, Loadable, Target};
use crate::tui::theme::Theme;

fn s(t: &str) -> String {
    text::sanitize(t).into_owned()
}

/// Tags as `k=v k=v`, without MLflow's own (`mlflow.*`, `_mlflow*`).
fn user_tags(tags: &std::collections::BTreeMap<String, String>) -> String {
    tags.iter()
        .filter(|(k, _)| !k.starts_with("mlflow.") && !k.starts_with("_mlflow"))
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The hint for a registry that is not there (yet).
fn registry_hint(app: &App) -> Option<String> {
    match &app.models.registry {
        Loadable::NotAsked | Loadable::Loading => Some("reading the model registry…".into()),
        Loadable::Failed(e) => Some(format!("the registry could not be read: {}", s(e))),
        Loadable::Ready(_) => None,
    }
}

fn stage_style(stage: &str, theme: &Theme) -> Style {
    match stage {
        "Production" => theme.finished,
        "Staging" => theme.scheduled,
        "Archived" => theme.dim,
        _ => theme.base,
    }
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let v = &app.models;
    let height = area.height.saturating_sub(1) as usize;
    app.viewport.table_rows.set(height);
    if let Some(hint) = registry_hint(app) {
        empty_hint(frame, area, &hint, theme);
        return;
    }
    let Some(reg) = v.registry() else { return };
    if v.rows.is_empty() {
        let msg = if !v.filter.is_empty() {
            "nothing matches the filter (Esc clears it)"
        } else if v.prompts {
            "no prompts in this registry (Tab: models)"
        } else {
            "no registered models in this store (Tab: prompts)"
        };
        empty_hint(frame, area, msg, theme);
        return;
    }
    let start = scroll_to(&app.viewport.models_offset, v.cursor, height, v.rows.len());
    // Text of every shown model (sizes the columns), then the visible rows.
    let texts: Vec<[String; 5]> = v
        .rows
        .iter()
        .map(|&i| {
            let m = &reg.models[i];
            [
                s(&m.name),
                latest_version(reg, &m.name).map_or("-".into(), |v| format!("v{v}")),
                s(&alias_list(m)),
                s(&short_stages(&reg.versions_of(&m.name))),
                s(&user_tags(&m.tags)),
            ]
        })
        .collect();
    let w = |k: usize, head: &str, cap: usize| -> u16 {
        texts
            .iter()
            .map(|t| text::width(&t[k]))
            .chain(std::iter::once(text::width(head)))
            .max()
            .unwrap_or(0)
            .min(cap) as u16
    };
    let rows: Vec<Row<'_>> = v
        .rows
        .iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(pos, &i)| {
            let m = &reg.models[i];
            let [name, latest, aliases, stages, tags] = texts[pos].clone();
            let mut style = theme.base;
            if pos == v.cursor {
                style = style.patch(theme.cursor);
            }
            let updated = m
                .last_updated_timestamp
                .map_or("-".into(), |ms| app.settings.time.short(ms));
            Row::new(vec![
                Cell::from(name),
                Cell::from(Line::from(latest).right_aligned()),
                Cell::from(Span::styled(aliases, theme.key)),
                Cell::from(stages),
                Cell::from(updated),
                Cell::from(Span::styled(tags, theme.dim)),
            ])
            .style(style)
        })
        .collect();
    let name_head = if v.prompts { "prompt" } else { "name" };
    let widths = [
        Constraint::Length(w(0, name_head, 28)),
        Constraint::Length(w(1, "latest", 8)),
        Constraint::Length(w(2, "aliases", 26)),
        Constraint::Length(w(3, "stages", 16)),
        Constraint::Length(16),
        Constraint::Fill(1),
    ];
    let header = Row::new(vec![
        Cell::from(name_head),
        Cell::from(Line::from("latest").right_aligned()),
        Cell::from("aliases"),
        Cell::from("stages"),
        Cell::from("updated"),
        Cell::from("tags"),
    ])
    .style(theme.header);
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
    let count = v.rows.len() - start;
    super::row_targets(app, area, area.y + 1, start, count, Target::ListRow);
}

/// Version counts per stage in a few cells: `P1 S1 A1 N2` (Production, Staging, Archived,
/// None; other stages by name).
fn short_stages(versions: &[&ModelVersion]) -> String {
    stage_counts(versions)
        .split(' ')
        .filter_map(|part| {
            let (stage, n) = part.rsplit_once(':')?;
            let letter = match stage {
                "Production" => "P",
                "Staging" => "S",
                "Archived" => "A",
                "None" => "N",
                other => other,
            };
            Some(format!("{letter}{n}"))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The source run of a version, by name when it is loaded.
fn source_run(app: &App, v: &ModelVersion) -> (String, Style) {
    let Some(id) = v.run_id.as_deref().filter(|r| !r.is_empty()) else {
        return match v.logged_model_id() {
            Some(m) => (format!("(model {})", short(&m)), Style::default()),
            None => ("-".into(), Style::default()),
        };
    };
    match app.index.run(id) {
        Some(run) if run.lifecycle == crate::model::Lifecycle::Deleted => {
            (format!("{} (deleted)", s(&run.run_name)), Style::default())
        }
        Some(run) => (s(&run.run_name), Style::default()),
        None if app.load.done => (format!("{} (not in store)", short(id)), Style::default()),
        None => (short(id), Style::default()),
    }
}

fn short(id: &str) -> String {
    id.chars().take(10).collect()
}

pub fn draw_versions(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let v = &app.models;
    let height = area.height.saturating_sub(1) as usize;
    app.viewport.table_rows.set(height);
    if let Some(hint) = registry_hint(app) {
        empty_hint(frame, area, &hint, theme);
        return;
    }
    let Some(reg) = v.registry() else { return };
    if v.versions.is_empty() {
        empty_hint(frame, area, "this model has no versions", theme);
        return;
    }
    let start = scroll_to(
        &app.viewport.versions_offset,
        v.version_cursor,
        height,
        v.versions.len(),
    );
    let rows: Vec<Row<'_>> = v
        .versions
        .iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(pos, &i)| {
            let ver = &reg.versions[i];
            let mut style = theme.base;
            if pos == v.version_cursor {
                style = style.patch(theme.cursor);
            }
            let (run, run_style) = source_run(app, ver);
            let created = ver
                .creation_timestamp
                .map_or("-".into(), |ms| app.settings.time.short(ms));
            Row::new(vec![
                Cell::from(Line::from(format!("v{}", s(&ver.version))).right_aligned()),
                Cell::from(Span::styled(s(&ver.aliases.join(" ")), theme.key)),
                Cell::from(Span::styled(
                    s(&ver.current_stage),
                    stage_style(&ver.current_stage, theme),
                )),
                Cell::from(s(ver.status.as_deref().unwrap_or("-"))),
                Cell::from(Span::styled(run, run_style)),
                Cell::from(created),
                Cell::from(Span::styled(s(&user_tags(&ver.tags)), theme.dim)),
            ])
            .style(style)
        })
        .collect();
    let widths = [
        Constraint::Length(5),
        Constraint::Fill(2),
        Constraint::Length(10),
        Constraint::Length(6),
        Constraint::Fill(3),
        Constraint::Length(16),
        Constraint::Fill(2),
    ];
    let header = Row::new(vec![
        Cell::from(Line::from("ver").right_aligned()),
        Cell::from("aliases"),
        Cell::from("stage"),
        Cell::from("status"),
        Cell::from("source run"),
        Cell::from("created"),
        Cell::from("tags"),
    ])
    .style(theme.header);
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
    let count = v.versions.len() - start;
    super::row_targets(app, area, area.y + 1, start, count, Target::ListRow);
}

/// The status line of the registry screens.
pub fn counts(app: &App) -> String {
    let v = &app.models;
    let Some(reg) = v.registry() else {
        return "reading the model registry…".into();
    };
    if app.screen() == crate::tui::app::Screen::Versions {
        let model = reg.model(&v.model);
        let aliases = model.map(alias_list).unwrap_or_default();
        let desc = model
            .and_then(|m| m.description.as_deref())
            .and_then(|d| d.lines().next())
            .unwrap_or("");
        let mut s = format!("{} versions", v.versions.len());
        if !aliases.is_empty() {
            s.push_str(&format!(" · {aliases}"));
        }
        if !desc.is_empty() {
            s.push_str(&format!(" · {desc}"));
        }
        return s;
    }
    let prompts = reg.models.iter().filter(|m| m.is_prompt()).count();
    let models = reg.models.len() - prompts;
    let mut s = if v.prompts {
        format!(
            "{} of {prompts} prompts · {models} models (Tab)",
            v.rows.len()
        )
    } else {
        format!(
            "{} of {models} models · {prompts} prompts (Tab)",
            v.rows.len()
        )
    };
    s.push_str(&format!(" · sort: {}", v.sort.label()));
    if !v.filter.is_empty() {
        s.push_str(&format!(" · filter \"{}\"", v.filter));
    }
    s
}
