//! The model registry (`registered_models`, `model_versions` and their tag and alias tables)
//! and logged models (`logged_models*`) of every SQL store — SQLite, PostgreSQL and
//! MySQL/MariaDB have the same tables — read with the columns checked and cells decoded
//! leniently (a bad cell is a warning naming table and model), and where artifacts are.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::model::Experiment;
use crate::store::StoreError;
use crate::store::artifacts::{ArtifactAccess, ArtifactOwner, resolve_local};
use crate::store::registry::{
    Catalog, LoggedModel, LoggedModelList, LoggedModelStatus, ModelMetric, ModelVersion,
    RegisteredModel, Registry, RunModelLinks,
};

use super::{Arg, Backend, Cells, Conn, Dialect, SqlStore, Warnings, at, extremes::unclamp};

/// MLflow 3.17 scopes registry rows by workspace; everything else lives in `default`.
const DEFAULT_WORKSPACE: &str = "default";

impl<B: Backend> SqlStore<B> {
    /// `AND workspace = 'default'` when `table` has that column (MLflow 3.17+).
    fn workspace_clause(&self, table: &str) -> String {
        if self.schema.has_column(table, "workspace") {
            format!(" AND \"workspace\" = '{DEFAULT_WORKSPACE}'")
        } else {
            String::new()
        }
    }

    /// `column` of `table` quoted, or `NULL` when the schema has no such column.
    fn c(&self, table: &str, column: &str) -> String {
        self.schema.col(table, "", column)
    }

    fn read_registry(&self, conn: &mut B::Conn) -> Result<Registry, StoreError> {
        let mut reg = Registry::default();
        let s = &self.schema;
        if !s.has_table("registered_models") {
            return Ok(reg);
        }
        let loc = self.backend.location();
        let mut warnings = Warnings::default();
        let t = "registered_models";
        let sql = format!(
            "SELECT \"name\", {}, {}, {} FROM registered_models WHERE 1=1{}",
            self.c(t, "creation_time"),
            self.c(t, "last_updated_time"),
            self.c(t, "description"),
            self.workspace_clause(t),
        );
        conn.query(&sql, &[], &mut |row| {
            let mut c = Cells::new(row);
            let name = c.name(0, "name");
            let model = name.clone().map(|name| RegisteredModel {
                name,
                creation_timestamp: c.int(1, "creation_time"),
                last_updated_timestamp: c.int(2, "last_updated_time"),
                description: c.text(3, "description"),
                tags: BTreeMap::new(),
                aliases: BTreeMap::new(),
            });
            warnings.row(t, || at(&loc, t, "model", name.as_deref(), None), &c);
            reg.models.extend(model);
        })?;
        let by_name: HashMap<String, usize> = reg
            .models
            .iter()
            .enumerate()
            .map(|(i, m)| (m.name.clone(), i))
            .collect();
        // (table, what the second column is, tags or aliases)
        for (t, second, value, is_alias) in [
            ("registered_model_tags", "key", "value", false),
            ("registered_model_aliases", "alias", "version", true),
        ] {
            if !s.has_table(t) {
                continue;
            }
            let sql = format!(
                "SELECT \"name\", \"{second}\", \"{value}\" FROM {t} WHERE 1=1{}",
                self.workspace_clause(t)
            );
            conn.query(&sql, &[], &mut |row| {
                let mut c = Cells::new(row);
                let name = c.name(0, "name");
                let key = c.name(1, second);
                let value = c.text(2, value).unwrap_or_default();
                warnings.row(
                    t,
                    || at(&loc, t, "model", name.as_deref(), key.as_deref()),
                    &c,
                );
                if let (Some(&i), Some(key)) = (name.and_then(|n| by_name.get(&n)), key) {
                    let m = &mut reg.models[i];
                    let map = if is_alias {
                        &mut m.aliases
                    } else {
                        &mut m.tags
                    };
                    map.insert(key, value);
                }
            })?;
        }
        if s.has_table("model_versions") {
            let t = "model_versions";
            let cols = [
                "creation_time",
                "last_updated_time",
                "description",
                "user_id",
                "current_stage",
                "source",
                "run_id",
                "status",
                "status_message",
                "run_link",
                "storage_location",
            ]
            .map(|col| self.c(t, col))
            .join(", ");
            let sql = format!(
                "SELECT \"name\", \"version\", {cols} FROM model_versions WHERE 1=1{}",
                self.workspace_clause(t),
            );
            let mut orphans = 0usize;
            conn.query(&sql, &[], &mut |row| {
                let mut c = Cells::new(row);
                let name = c.name(0, "name");
                let version = c.name(1, "version");
                warnings.row(t, || at(&loc, t, "model", name.as_deref(), None), &c);
                let (Some(name), Some(version)) = (name, version) else {
                    return;
                };
                if !by_name.contains_key(&name) {
                    orphans += 1;
                    return;
                }
                let v = ModelVersion {
                    name,
                    version,
                    creation_timestamp: c.int(2, "creation_time"),
                    last_updated_timestamp: c.int(3, "last_updated_time"),
                    description: c.text(4, "description"),
                    user_id: c.text(5, "user_id"),
                    current_stage: c.text(6, "current_stage").unwrap_or_else(|| "None".into()),
                    source: c.text(7, "source"),
                    run_id: c.text(8, "run_id"),
                    status: c.text(9, "status"),
                    status_message: c.text(10, "status_message"),
                    run_link: c.text(11, "run_link"),
                    storage_location: c.text(12, "storage_location"),
                    model_id: None,
                    tags: BTreeMap::new(),
                    aliases: Vec::new(),
                };
                warnings.row(t, || at(&loc, t, "model", Some(&v.name), None), &c);
                reg.versions.push(v);
            })?;
            if orphans > 0 {
                warnings.push(
                    "model_versions: orphans",
                    format!("{loc} (table model_versions)"),
                    format!("{orphans} version(s) of models that do not exist"),
                );
            }
        }
        let t = "model_version_tags";
        if s.has_table(t) && !reg.versions.is_empty() {
            let index: HashMap<(String, String), usize> = reg
                .versions
                .iter()
                .enumerate()
                .map(|(i, v)| ((v.name.clone(), v.version.clone()), i))
                .collect();
            let sql = format!(
                "SELECT \"name\", \"version\", \"key\", \"value\" FROM {t} WHERE 1=1{}",
                self.workspace_clause(t)
            );
            conn.query(&sql, &[], &mut |row| {
                let mut c = Cells::new(row);
                let (name, version) = (c.name(0, "name"), c.name(1, "version"));
                let key = c.name(2, "key");
                let value = c.text(3, "value").unwrap_or_default();
                warnings.row(
                    t,
                    || at(&loc, t, "model", name.as_deref(), key.as_deref()),
                    &c,
                );
                if let (Some(name), Some(version), Some(key)) = (name, version, key) {
                    if let Some(&i) = index.get(&(name, version)) {
                        reg.versions[i].tags.insert(key, value);
                    }
                }
            })?;
        }
        reg.warnings.extend(warnings.finish(&loc));
        Ok(reg.finish(&loc))
    }

    /// Logged models matching `cond` (an SQL condition on `logged_models`, `?` bound to
    /// `args`), with their tags, params and metrics.
    fn read_logged_models(
        &self,
        conn: &mut B::Conn,
        cond: &str,
        args: &[Arg],
    ) -> Result<LoggedModelList, StoreError> {
        let mut list = LoggedModelList::default();
        let s = &self.schema;
        let t = "logged_models";
        if !s.has_table(t) {
            return Ok(list);
        }
        let loc = self.backend.location();
        let mut warnings = Warnings::default();
        let lifecycle = if s.has_column(t, "lifecycle_stage") {
            " AND (\"lifecycle_stage\" IS NULL OR \"lifecycle_stage\" <> 'deleted')"
        } else {
            ""
        };
        let cols = [
            "name",
            "artifact_location",
            "creation_timestamp_ms",
            "last_updated_timestamp_ms",
            "status",
            "model_type",
            "source_run_id",
            "status_message",
        ]
        .map(|col| self.c(t, col))
        .join(", ");
        let sql = format!(
            "SELECT \"model_id\", \"experiment_id\", {cols} FROM logged_models \
             WHERE {cond}{lifecycle}"
        );
        conn.query(&sql, args, &mut |row| {
            let mut c = Cells::new(row);
            let Some(model_id) = c.name(0, "model_id") else {
                warnings.row(t, || at(&loc, t, "model", None, None), &c);
                return;
            };
            let code = c.int(6, "status");
            let status = match code.map(LoggedModelStatus::from_code) {
                None => LoggedModelStatus::Unspecified,
                Some(Some(s)) => s,
                Some(None) => {
                    warnings.push(
                        "logged_models: status",
                        at(&loc, t, "model", Some(&model_id), None),
                        format!(
                            "unknown status {} (expected 0 to 3)",
                            code.unwrap_or_default()
                        ),
                    );
                    LoggedModelStatus::Unspecified
                }
            };
            let m = LoggedModel {
                experiment_id: c.text(1, "experiment_id").unwrap_or_default(),
                name: c.text(2, "name").unwrap_or_default(),
                artifact_uri: c.text(3, "artifact_location").unwrap_or_default(),
                creation_timestamp: c.int(4, "creation_timestamp_ms"),
                last_updated_timestamp: c.int(5, "last_updated_timestamp_ms"),
                status,
                model_type: c.text(7, "model_type"),
                source_run_id: c.text(8, "source_run_id"),
                status_message: c.text(9, "status_message"),
                model_id,
                ..LoggedModel::default()
            };
            warnings.row(t, || at(&loc, t, "model", Some(&m.model_id), None), &c);
            list.models.push(m);
        })?;
        if list.models.is_empty() {
            list.warnings = warnings.finish(&loc);
            return Ok(list);
        }
        let index: HashMap<String, usize> = list
            .models
            .iter()
            .enumerate()
            .map(|(i, m)| (m.model_id.clone(), i))
            .collect();
        let sub = format!("SELECT lm.\"model_id\" FROM logged_models lm WHERE {cond}");
        for (t, key, value, is_param) in [
            ("logged_model_tags", "tag_key", "tag_value", false),
            ("logged_model_params", "param_key", "param_value", true),
        ] {
            if !s.has_table(t) {
                continue;
            }
            let sql = format!(
                "SELECT \"model_id\", \"{key}\", \"{value}\" FROM {t} WHERE \"model_id\" IN ({sub})"
            );
            conn.query(&sql, args, &mut |row| {
                let mut c = Cells::new(row);
                let id = c.name(0, "model_id");
                let k = c.name(1, key);
                let v = c.text(2, value).unwrap_or_default();
                warnings.row(t, || at(&loc, t, "model", id.as_deref(), k.as_deref()), &c);
                if let (Some(&i), Some(k)) = (id.and_then(|id| index.get(&id)), k) {
                    let m = &mut list.models[i];
                    let map = if is_param { &mut m.params } else { &mut m.tags };
                    map.insert(k, v);
                }
            })?;
        }
        let t = "logged_model_metrics";
        if s.has_table(t) {
            let sql = format!(
                "SELECT \"model_id\", \"metric_name\", {}, {}, \"metric_value\", {}, {}, {} \
                 FROM {t} WHERE \"model_id\" IN ({sub})",
                self.c(t, "metric_timestamp_ms"),
                self.c(t, "metric_step"),
                self.c(t, "run_id"),
                self.c(t, "dataset_name"),
                self.c(t, "dataset_digest"),
            );
            conn.query(&sql, args, &mut |row| {
                let mut c = Cells::new(row);
                let id = c.name(0, "model_id");
                let key = c.name(1, "metric_name");
                let metric = key.clone().map(|key| ModelMetric {
                    key,
                    timestamp: c.int(2, "metric_timestamp_ms").unwrap_or(0),
                    step: c.int(3, "metric_step").unwrap_or(0),
                    value: c.real(4, "metric_value").map_or(f64::NAN, unclamp),
                    run_id: c.text(5, "run_id"),
                    dataset_name: c.text(6, "dataset_name"),
                    dataset_digest: c.text(7, "dataset_digest"),
                });
                warnings.row(
                    t,
                    || at(&loc, t, "model", id.as_deref(), key.as_deref()),
                    &c,
                );
                if let (Some(&i), Some(metric)) = (id.and_then(|id| index.get(&id)), metric) {
                    list.models[i].metrics.push(metric);
                }
            })?;
        }
        list.warnings = warnings.finish(&loc);
        Ok(list.finish())
    }

    /// The logged models a run produced and used, from MLflow's `inputs` rows:
    /// (RUN_OUTPUT, run, MODEL_OUTPUT, model) for a model the run produced, (RUN_INPUT, run,
    /// MODEL_INPUT, model) for one it used.
    fn read_run_model_links(
        &self,
        conn: &mut B::Conn,
        run_id: &str,
    ) -> Result<RunModelLinks, StoreError> {
        let mut links = RunModelLinks::default();
        let t = "inputs";
        if !self.schema.has_table(t) {
            return Ok(links);
        }
        // The order they were logged in: SQLite's rowid; servers have no such thing, and
        // their tables give rows back in insertion order unless rows moved.
        let order = if B::DIALECT == Dialect::Sqlite {
            " ORDER BY rowid"
        } else {
            ""
        };
        let sql = format!(
            "SELECT \"destination_type\", \"destination_id\", {} FROM inputs \
             WHERE \"source_id\" = ? AND ((\"source_type\" = 'RUN_OUTPUT' AND \
             \"destination_type\" = 'MODEL_OUTPUT') OR (\"source_type\" = 'RUN_INPUT' AND \
             \"destination_type\" = 'MODEL_INPUT')){order}",
            self.c(t, "step"),
        );
        let loc = self.backend.location();
        let mut warnings = Warnings::default();
        conn.query(&sql, &[Arg::Text(run_id.to_string())], &mut |row| {
            let mut c = Cells::new(row);
            let kind = c.text(0, "destination_type");
            let id = c.name(1, "destination_id");
            let step = c.int(2, "step").unwrap_or(0);
            warnings.row(t, || at(&loc, t, "run", Some(run_id), None), &c);
            let Some(id) = id else { return };
            if kind.as_deref() == Some("MODEL_OUTPUT") {
                links.add_output(id, step);
            } else {
                links.add_input(id);
            }
        })?;
        links.warnings = warnings.finish(&loc);
        Ok(links)
    }
}

impl<B: Backend> Catalog for SqlStore<B> {
    fn registry(&self) -> Result<Registry, StoreError> {
        self.with_conn(|conn| self.read_registry(conn))
    }

    fn logged_models(&self, experiments: &[Experiment]) -> Result<LoggedModelList, StoreError> {
        // Experiment ids of SQL stores are integers; they go into the SQL text as such.
        let ids: Vec<i64> = experiments
            .iter()
            .filter_map(|e| e.experiment_id.parse().ok())
            .collect();
        let mut all = LoggedModelList::default();
        self.with_conn(|conn| {
            for chunk in ids.chunks(500) {
                let list = chunk
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(",");
                let cond = format!("\"experiment_id\" IN ({list})");
                let part = self.read_logged_models(conn, &cond, &[])?;
                all.models.extend(part.models);
                all.warnings.extend(part.warnings);
            }
            Ok(())
        })?;
        Ok(all.finish())
    }

    fn logged_model(&self, model_id: &str) -> Result<LoggedModel, StoreError> {
        let args = [Arg::Text(model_id.to_string())];
        self.with_conn(|conn| self.read_logged_models(conn, "\"model_id\" = ?", &args))?
            .models
            .pop()
            .ok_or_else(|| {
                StoreError::Unsupported(format!(
                    "no logged model {model_id} in {}",
                    self.backend.location()
                ))
            })
    }

    fn run_model_links(
        &self,
        experiment_id: &str,
        run_id: &str,
    ) -> Result<RunModelLinks, StoreError> {
        let _ = experiment_id;
        self.with_conn(|conn| self.read_run_model_links(conn, run_id))
    }

    fn artifacts(
        &self,
        owner: &ArtifactOwner,
        extra_root: Option<&Path>,
    ) -> Result<ArtifactAccess, StoreError> {
        Ok(resolve_local(
            owner,
            &self.backend.artifact_bases(),
            extra_root,
        ))
    }
}
