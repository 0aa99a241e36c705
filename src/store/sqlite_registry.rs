//! The SQLite store's model registry (`registered_models`, `model_versions` and their tag and
//! alias tables) and logged models (`logged_models*`), read with the columns checked, and
//! where its artifacts are. The same tables exist in every SQL backend MLflow supports.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::model::Experiment;

use super::artifacts::{ArtifactAccess, ArtifactOwner, resolve_local};
use super::registry::{
    Catalog, LoggedModel, LoggedModelList, LoggedModelStatus, ModelMetric, ModelVersion,
    RegisteredModel, Registry, RunModelLinks,
};
use super::sqlite::{SqliteStore, connect, unclamp};
use super::{StoreError, Warning};

/// MLflow 3.17 scopes registry rows by workspace; everything else lives in `default`.
const DEFAULT_WORKSPACE: &str = "default";

impl SqliteStore {
    /// `AND workspace = 'default'` when `table` has that column (MLflow 3.17+).
    fn workspace_clause(&self, table: &str, alias: &str) -> String {
        if self.schema.has_column(table, "workspace") {
            format!(" AND {alias}workspace = '{DEFAULT_WORKSPACE}'")
        } else {
            String::new()
        }
    }

    fn read_registry(&self) -> Result<Registry, StoreError> {
        let mut reg = Registry::default();
        if !self.schema.has_table("registered_models") {
            return Ok(reg);
        }
        let conn = connect(&self.path)?;
        let s = &self.schema;
        let sql = format!(
            "SELECT name, {ct}, {ut}, {desc} FROM registered_models WHERE 1=1{ws}",
            ct = s.col_or_null("registered_models", "creation_time"),
            ut = s.col_or_null("registered_models", "last_updated_time"),
            desc = s.col_or_null("registered_models", "description"),
            ws = self.workspace_clause("registered_models", ""),
        );
        self.for_each_row(&conn, &sql, &[], |row| {
            reg.models.push(RegisteredModel {
                name: row.get(0)?,
                creation_timestamp: row.get(1)?,
                last_updated_timestamp: row.get(2)?,
                description: row.get(3)?,
                tags: BTreeMap::new(),
                aliases: BTreeMap::new(),
            });
            Ok(())
        })?;
        let by_name: HashMap<String, usize> = reg
            .models
            .iter()
            .enumerate()
            .map(|(i, m)| (m.name.clone(), i))
            .collect();
        if s.has_table("registered_model_tags") {
            let sql = format!(
                "SELECT name, key, value FROM registered_model_tags WHERE 1=1{}",
                self.workspace_clause("registered_model_tags", "")
            );
            self.for_each_row(&conn, &sql, &[], |row| {
                let name: String = row.get(0)?;
                if let Some(&i) = by_name.get(&name) {
                    let value: Option<String> = row.get(2)?;
                    reg.models[i]
                        .tags
                        .insert(row.get(1)?, value.unwrap_or_default());
                }
                Ok(())
            })?;
        }
        if s.has_table("registered_model_aliases") {
            let sql = format!(
                "SELECT name, alias, CAST(version AS TEXT) FROM registered_model_aliases WHERE 1=1{}",
                self.workspace_clause("registered_model_aliases", "")
            );
            self.for_each_row(&conn, &sql, &[], |row| {
                let name: String = row.get(0)?;
                if let Some(&i) = by_name.get(&name) {
                    let version: Option<String> = row.get(2)?;
                    reg.models[i]
                        .aliases
                        .insert(row.get(1)?, version.unwrap_or_default());
                }
                Ok(())
            })?;
        }
        if s.has_table("model_versions") {
            let t = "model_versions";
            let sql = format!(
                "SELECT name, CAST(version AS TEXT), {ct}, {ut}, {desc}, {user}, {stage}, {source}, \
                 {run}, {status}, {msg}, {link}, {storage} FROM model_versions WHERE 1=1{ws}",
                ct = s.col_or_null(t, "creation_time"),
                ut = s.col_or_null(t, "last_updated_time"),
                desc = s.col_or_null(t, "description"),
                user = s.col_or_null(t, "user_id"),
                stage = s.col_or_null(t, "current_stage"),
                source = s.col_or_null(t, "source"),
                run = s.col_or_null(t, "run_id"),
                status = s.col_or_null(t, "status"),
                msg = s.col_or_null(t, "status_message"),
                link = s.col_or_null(t, "run_link"),
                storage = s.col_or_null(t, "storage_location"),
                ws = self.workspace_clause(t, ""),
            );
            let mut orphans = 0usize;
            self.for_each_row(&conn, &sql, &[], |row| {
                let name: String = row.get(0)?;
                if !by_name.contains_key(&name) {
                    orphans += 1;
                    return Ok(());
                }
                reg.versions.push(ModelVersion {
                    name,
                    version: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    creation_timestamp: row.get(2)?,
                    last_updated_timestamp: row.get(3)?,
                    description: row.get(4)?,
                    user_id: row.get(5)?,
                    current_stage: row
                        .get::<_, Option<String>>(6)?
                        .unwrap_or_else(|| "None".into()),
                    source: row.get(7)?,
                    run_id: row.get(8)?,
                    status: row.get(9)?,
                    status_message: row.get(10)?,
                    run_link: row.get(11)?,
                    storage_location: row.get(12)?,
                    model_id: None,
                    tags: BTreeMap::new(),
                    aliases: Vec::new(),
                });
                Ok(())
            })?;
            if orphans > 0 {
                reg.warnings.push(Warning {
                    location: format!("{} (table model_versions)", self.path.display()),
                    message: format!("{orphans} version(s) of models that do not exist"),
                });
            }
        }
        if s.has_table("model_version_tags") && !reg.versions.is_empty() {
            let index: HashMap<(String, String), usize> = reg
                .versions
                .iter()
                .enumerate()
                .map(|(i, v)| ((v.name.clone(), v.version.clone()), i))
                .collect();
            let sql = format!(
                "SELECT name, CAST(version AS TEXT), key, value FROM model_version_tags WHERE 1=1{}",
                self.workspace_clause("model_version_tags", "")
            );
            self.for_each_row(&conn, &sql, &[], |row| {
                let key = (row.get::<_, String>(0)?, row.get::<_, String>(1)?);
                if let Some(&i) = index.get(&key) {
                    let value: Option<String> = row.get(3)?;
                    reg.versions[i]
                        .tags
                        .insert(row.get(2)?, value.unwrap_or_default());
                }
                Ok(())
            })?;
        }
        Ok(reg.finish(&self.path.display().to_string()))
    }

    /// Logged models matching `cond` (an SQL condition on `logged_models`, `?` bound to
    /// `args`), with their tags, params and metrics.
    fn read_logged_models(
        &self,
        cond: &str,
        args: &[String],
    ) -> Result<LoggedModelList, StoreError> {
        let mut list = LoggedModelList::default();
        if !self.schema.has_table("logged_models") {
            return Ok(list);
        }
        let conn = connect(&self.path)?;
        let s = &self.schema;
        let t = "logged_models";
        let lifecycle = if s.has_column(t, "lifecycle_stage") {
            " AND (lifecycle_stage IS NULL OR lifecycle_stage != 'deleted')"
        } else {
            ""
        };
        let sql = format!(
            "SELECT model_id, CAST(experiment_id AS TEXT), {name}, {art}, {ct}, {ut}, {status}, \
             {mtype}, {run}, {msg} FROM logged_models WHERE {cond}{lifecycle}",
            name = s.col_or_null(t, "name"),
            art = s.col_or_null(t, "artifact_location"),
            ct = s.col_or_null(t, "creation_timestamp_ms"),
            ut = s.col_or_null(t, "last_updated_timestamp_ms"),
            status = s.col_or_null(t, "status"),
            mtype = s.col_or_null(t, "model_type"),
            run = s.col_or_null(t, "source_run_id"),
            msg = s.col_or_null(t, "status_message"),
        );
        let location = format!("{} (table logged_models)", self.path.display());
        self.for_each_row(&conn, &sql, args, |row| {
            let model_id: String = row.get(0)?;
            let code: Option<i64> = row.get(6)?;
            let status = match code.map(LoggedModelStatus::from_code) {
                None => LoggedModelStatus::Unspecified,
                Some(Some(s)) => s,
                Some(None) => {
                    list.warnings.push(Warning {
                        location: location.clone(),
                        message: format!(
                            "model {model_id}: unknown status {} (expected 0 to 3)",
                            code.unwrap_or_default()
                        ),
                    });
                    LoggedModelStatus::Unspecified
                }
            };
            list.models.push(LoggedModel {
                model_id,
                experiment_id: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
                name: row.get::<_, Option<String>>(2)?.unwrap_or_default(),
                artifact_uri: row.get::<_, Option<String>>(3)?.unwrap_or_default(),
                creation_timestamp: row.get(4)?,
                last_updated_timestamp: row.get(5)?,
                status,
                model_type: row.get(7)?,
                source_run_id: row.get(8)?,
                status_message: row.get(9)?,
                ..LoggedModel::default()
            });
            Ok(())
        })?;
        if list.models.is_empty() {
            return Ok(list);
        }
        let index: HashMap<String, usize> = list
            .models
            .iter()
            .enumerate()
            .map(|(i, m)| (m.model_id.clone(), i))
            .collect();
        let sub = format!("SELECT model_id FROM logged_models WHERE {cond}");
        for (table, key, value, is_param) in [
            ("logged_model_tags", "tag_key", "tag_value", false),
            ("logged_model_params", "param_key", "param_value", true),
        ] {
            if !s.has_table(table) {
                continue;
            }
            let sql =
                format!("SELECT model_id, {key}, {value} FROM {table} WHERE model_id IN ({sub})");
            self.for_each_row(&conn, &sql, args, |row| {
                let id: String = row.get(0)?;
                if let Some(&i) = index.get(&id) {
                    let v: Option<String> = row.get(2)?;
                    let m = &mut list.models[i];
                    let map = if is_param { &mut m.params } else { &mut m.tags };
                    map.insert(row.get(1)?, v.unwrap_or_default());
                }
                Ok(())
            })?;
        }
        let mt = "logged_model_metrics";
        if s.has_table(mt) {
            let sql = format!(
                "SELECT model_id, metric_name, {ts}, {step}, metric_value, {run}, {dn}, {dd} \
                 FROM {mt} WHERE model_id IN ({sub})",
                ts = s.col_or_null(mt, "metric_timestamp_ms"),
                step = s.col_or_null(mt, "metric_step"),
                run = s.col_or_null(mt, "run_id"),
                dn = s.col_or_null(mt, "dataset_name"),
                dd = s.col_or_null(mt, "dataset_digest"),
            );
            self.for_each_row(&conn, &sql, args, |row| {
                let id: String = row.get(0)?;
                if let Some(&i) = index.get(&id) {
                    let value: Option<f64> = row.get(4)?;
                    list.models[i].metrics.push(ModelMetric {
                        key: row.get(1)?,
                        timestamp: row.get::<_, Option<i64>>(2)?.unwrap_or(0),
                        step: row.get::<_, Option<i64>>(3)?.unwrap_or(0),
                        value: value.map_or(f64::NAN, unclamp),
                        run_id: row.get(5)?,
                        dataset_name: row.get(6)?,
                        dataset_digest: row.get(7)?,
                    });
                }
                Ok(())
            })?;
        }
        Ok(list.finish())
    }

    /// Folders next to the database where MLflow puts artifacts by default: `./mlruns` of a
    /// client writing directly, `./mlartifacts` of `mlflow server`, and the folder itself.
    fn artifact_bases(&self) -> Vec<PathBuf> {
        let dir = self
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        vec![dir.join("mlruns"), dir.join("mlartifacts"), dir]
    }
}

impl Catalog for SqliteStore {
    fn registry(&self) -> Result<Registry, StoreError> {
        self.read_registry()
    }

    fn logged_models(&self, experiments: &[Experiment]) -> Result<LoggedModelList, StoreError> {
        let ids = super::experiment_ids(experiments);
        let mut all = LoggedModelList::default();
        for chunk in ids.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(",");
            let cond = format!("CAST(experiment_id AS TEXT) IN ({marks})");
            let part = self.read_logged_models(&cond, chunk)?;
            all.models.extend(part.models);
            all.warnings.extend(part.warnings);
        }
        Ok(all.finish())
    }

    fn logged_model(&self, model_id: &str) -> Result<LoggedModel, StoreError> {
        self.read_logged_models("model_id = ?", &[model_id.to_string()])?
            .models
            .pop()
            .ok_or_else(|| {
                StoreError::Unsupported(format!(
                    "no logged model {model_id} in {}",
                    self.path.display()
                ))
            })
    }

    fn run_model_links(
        &self,
        experiment_id: &str,
        run_id: &str,
    ) -> Result<RunModelLinks, StoreError> {
        let _ = experiment_id;
        let mut links = RunModelLinks::default();
        if !self.schema.has_table("inputs") {
            return Ok(links);
        }
        let conn = connect(&self.path)?;
        // MLflow's `inputs` rows: (RUN_OUTPUT, run, MODEL_OUTPUT, model) for a model the
        // run produced, (RUN_INPUT, run, MODEL_INPUT, model) for one it used.
        let sql = format!(
            "SELECT destination_type, destination_id, {step} FROM inputs \
             WHERE source_id = ? AND ((source_type = 'RUN_OUTPUT' AND destination_type = \
             'MODEL_OUTPUT') OR (source_type = 'RUN_INPUT' AND destination_type = \
             'MODEL_INPUT')) ORDER BY rowid",
            step = self.schema.col_or_null("inputs", "step"),
        );
        self.for_each_row(&conn, &sql, &[run_id.to_string()], |row| {
            let kind: Option<String> = row.get(0)?;
            let id: String = row.get::<_, Option<String>>(1)?.unwrap_or_default();
            if kind.as_deref() == Some("MODEL_OUTPUT") {
                links.add_output(id, row.get::<_, Option<i64>>(2)?.unwrap_or(0));
            } else {
                links.add_input(id);
            }
            Ok(())
        })?;
        Ok(links)
    }

    fn artifacts(
        &self,
        owner: &ArtifactOwner,
        extra_root: Option<&Path>,
    ) -> Result<ArtifactAccess, StoreError> {
        Ok(resolve_local(owner, &self.artifact_bases(), extra_root))
    }
}
