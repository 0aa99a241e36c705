//! The file store's model registry (`<root>/models/<name>/…`) and logged models
//! (`<root>/<exp>/models/<model_id>/…`), and where its artifacts are: what `Catalog` needs
//! from an `mlruns` folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::model::Experiment;

use super::artifacts::{ArtifactAccess, ArtifactOwner, resolve_local};
use super::file::{FileStore, list_dir, list_subdirs};
use super::file_keys::{read_key_files, walk_key_files};
use super::fsread::{MAX_SMALL_FILE, human_size, read_capped};
use super::registry::{
    Catalog, LoggedModel, LoggedModelList, LoggedModelStatus, ModelMetric, ModelVersion,
    RegisteredModel, Registry, RunModelLinks,
};
use super::yaml::Meta;
use super::{StoreError, Warning};

impl FileStore {
    fn read_registry(&self) -> Result<Registry, StoreError> {
        let models_dir = self.root().join("models");
        let mut registry = Registry::default();
        if !models_dir.is_dir() {
            return Ok(registry);
        }
        let dirs: Vec<PathBuf> = list_subdirs(&models_dir)?;
        let read: Vec<_> = dirs.par_iter().map(|d| read_model_dir(d)).collect();
        for (model, versions, warnings) in read {
            registry.warnings.extend(warnings);
            if let Some(m) = model {
                registry.models.push(m);
                registry.versions.extend(versions);
            }
        }
        Ok(registry.finish(&self.describe_root()))
    }

    fn describe_root(&self) -> String {
        self.root().display().to_string()
    }

    /// `<exp>/models/<id>/` folders of one experiment folder.
    fn model_dirs(exp_dir: &Path) -> Vec<PathBuf> {
        let dir = exp_dir.join("models");
        list_dir(&dir)
            .map(|v| v.into_iter().filter(|d| d.is_dir()).collect())
            .unwrap_or_default()
    }

    fn experiment_folder(&self, id: &str) -> Option<PathBuf> {
        if id.is_empty() || id.contains(['/', '\\', '\0']) || id == "." || id == ".." {
            return None;
        }
        [self.root().join(id), self.root().join(".trash").join(id)]
            .into_iter()
            .find(|d| d.join("meta.yaml").is_file())
    }
}

/// One `models/<name>/` folder: the model, its versions, and warnings. A broken model
/// `meta.yaml` drops the model (with a warning); a broken version drops that version.
fn read_model_dir(dir: &Path) -> (Option<RegisteredModel>, Vec<ModelVersion>, Vec<Warning>) {
    let mut warnings = Vec::new();
    let folder = dir
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let meta_path = dir.join("meta.yaml");
    let meta = match read_meta(&meta_path) {
        Ok(m) => m,
        Err(e) => {
            warnings.push(Warning::from(e));
            return (None, Vec::new(), warnings);
        }
    };
    let name = meta.string("name").unwrap_or(folder);
    let mut model = RegisteredModel {
        name: name.clone(),
        creation_timestamp: meta.int("creation_timestamp"),
        last_updated_timestamp: meta.int("last_updated_timestamp"),
        description: meta.string("description"),
        tags: BTreeMap::new(),
        aliases: BTreeMap::new(),
    };
    read_key_files(&dir.join("tags"), &mut model.tags, &mut warnings);
    // MLflow reads aliases from the aliases/ folder (file name = alias, content = version);
    // older layouts only have the map in meta.yaml.
    let aliases_dir = dir.join("aliases");
    if aliases_dir.is_dir() {
        read_key_files(&aliases_dir, &mut model.aliases, &mut warnings);
        for v in model.aliases.values_mut() {
            *v = v.trim().to_string();
        }
    } else {
        model.aliases = meta.string_map("aliases").into_iter().collect();
    }
    let mut versions = Vec::new();
    for vdir in list_subdirs(dir).unwrap_or_default() {
        let is_version = vdir
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("version-"));
        if !is_version {
            continue;
        }
        match read_version_dir(&vdir, &name, &mut warnings) {
            Ok(v) => versions.push(v),
            Err(e) => warnings.push(e.into()),
        }
    }
    (Some(model), versions, warnings)
}

/// A registry `meta.yaml` (a regular file of at most [`MAX_SMALL_FILE`]).
fn read_meta(path: &Path) -> Result<Meta, StoreError> {
    let text = read_small(path)?;
    match Meta::parse_flat(&text) {
        Some(m) => Ok(m),
        None => Meta::parse(&text).map_err(|m| StoreError::bad(path, m)),
    }
}

/// A small file of the registry or of a logged model, as text: a regular file only, and one
/// larger than [`MAX_SMALL_FILE`] is refused rather than read.
fn read_small(path: &Path) -> Result<String, StoreError> {
    let mut buf = Vec::new();
    let got = read_capped(path, MAX_SMALL_FILE, &mut buf).map_err(|e| StoreError::io(path, e))?;
    if let Some(size) = got.cut_from {
        return Err(StoreError::bad(
            path,
            format!(
                "{} is more than the {} read of such a file",
                human_size(size),
                human_size(MAX_SMALL_FILE as u64)
            ),
        ));
    }
    Ok(String::from_utf8_lossy(&buf[..got.len]).into_owned())
}

fn read_version_dir(
    dir: &Path,
    model_name: &str,
    warnings: &mut Vec<Warning>,
) -> Result<ModelVersion, StoreError> {
    let meta_path = dir.join("meta.yaml");
    let meta = read_meta(&meta_path)?;
    let version = meta
        .string("version")
        .ok_or_else(|| StoreError::bad(&meta_path, "missing version"))?;
    let mut v = ModelVersion {
        name: meta
            .string("name")
            .unwrap_or_else(|| model_name.to_string()),
        version,
        creation_timestamp: meta.int("creation_timestamp"),
        last_updated_timestamp: meta.int("last_updated_timestamp"),
        user_id: meta.string("user_id"),
        current_stage: meta
            .string("current_stage")
            .unwrap_or_else(|| "None".into()),
        description: meta.string("description"),
        source: meta.string("source"),
        run_id: meta.string("run_id"),
        status: meta.string("status"),
        status_message: meta.string("status_message"),
        run_link: meta.string("run_link"),
        storage_location: meta.string("storage_location"),
        model_id: meta.string("model_id"),
        tags: BTreeMap::new(),
        aliases: Vec::new(),
    };
    read_key_files(&dir.join("tags"), &mut v.tags, warnings);
    Ok(v)
}

/// One `<exp>/models/<id>/` folder. `None` (no warning) for a folder without `meta.yaml`,
/// like MLflow; deleted models are left out. Files of its key folders that cannot be read
/// are `warnings`; a metric line that does not parse drops the model.
fn read_logged_model(
    dir: &Path,
    exp_id: &str,
    warnings: &mut Vec<Warning>,
) -> Result<Option<LoggedModel>, StoreError> {
    let meta_path = dir.join("meta.yaml");
    if !meta_path.exists() {
        return Ok(None);
    }
    let meta = Meta::read(&meta_path)?;
    if meta
        .string("lifecycle_stage")
        .is_some_and(|s| s.eq_ignore_ascii_case("deleted"))
    {
        return Ok(None);
    }
    let model_id = meta
        .string("model_id")
        .ok_or_else(|| StoreError::bad(&meta_path, "missing model_id"))?;
    let recorded_exp = meta.string("experiment_id").unwrap_or_default();
    if recorded_exp != exp_id {
        return Err(StoreError::bad(
            &meta_path,
            format!(
                "experiment_id '{recorded_exp}' is not its experiment's ('{exp_id}'); MLflow \
                 ignores this model too"
            ),
        ));
    }
    let status = match meta.int("status") {
        Some(code) => LoggedModelStatus::from_code(code).ok_or_else(|| {
            StoreError::bad(
                &meta_path,
                format!("unknown status code {code} (expected 0 to 3)"),
            )
        })?,
        None => meta
            .string("status")
            .and_then(|s| LoggedModelStatus::from_name(&s))
            .unwrap_or_default(),
    };
    let mut model = LoggedModel {
        model_id: model_id.clone(),
        experiment_id: exp_id.to_string(),
        name: meta.string("name").unwrap_or_default(),
        artifact_uri: meta.string("artifact_location").unwrap_or_default(),
        creation_timestamp: meta.int("creation_timestamp"),
        last_updated_timestamp: meta.int("last_updated_timestamp"),
        status,
        model_type: meta.string("model_type"),
        source_run_id: meta.string("source_run_id"),
        status_message: meta.string("status_message"),
        ..LoggedModel::default()
    };
    read_key_files(&dir.join("tags"), &mut model.tags, warnings);
    read_key_files(&dir.join("params"), &mut model.params, warnings);
    let mut bad: Option<StoreError> = None;
    let mut walk_errors = Vec::new();
    walk_key_files(
        &dir.join("metrics"),
        &mut |key, path| {
            if bad.is_some() {
                return;
            }
            let text = match read_small(path) {
                Ok(t) => t,
                Err(e) => return bad = Some(e),
            };
            for (n, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                match parse_model_metric_line(&key, line) {
                    Some(metric) => model.metrics.push(metric),
                    None => {
                        bad = Some(StoreError::bad(
                            path,
                            format!(
                                "line {}: not 'timestamp value step run_id [dataset digest]'",
                                n + 1
                            ),
                        ));
                        return;
                    }
                }
            }
        },
        &mut |e| walk_errors.push(Warning::from(e)),
    );
    warnings.extend(walk_errors);
    if let Some(e) = bad {
        return Err(e);
    }
    Ok(Some(model))
}

/// `timestamp value step run_id [dataset_name dataset_digest]`.
fn parse_model_metric_line(key: &str, line: &str) -> Option<ModelMetric> {
    let parts: Vec<&str> = line.split_whitespace().collect();
    if parts.len() != 4 && parts.len() != 6 {
        return None;
    }
    let value = match parts[1] {
        "nan" | "NaN" => f64::NAN,
        "inf" | "Infinity" => f64::INFINITY,
        "-inf" | "-Infinity" => f64::NEG_INFINITY,
        v => v.parse().ok()?,
    };
    Some(ModelMetric {
        key: key.to_string(),
        value,
        timestamp: super::yaml::parse_int_lenient(parts[0])?,
        step: super::yaml::parse_int_lenient(parts[2])?,
        run_id: Some(parts[3].to_string()),
        dataset_name: parts.get(4).map(|s| s.to_string()),
        dataset_digest: parts.get(5).map(|s| s.to_string()),
    })
}

impl Catalog for FileStore {
    fn registry(&self) -> Result<Registry, StoreError> {
        self.read_registry()
    }

    fn logged_models(&self, experiments: &[Experiment]) -> Result<LoggedModelList, StoreError> {
        let mut dirs = Vec::new();
        for exp in experiments {
            if let Some(exp_dir) = self.experiment_folder(&exp.experiment_id) {
                dirs.extend(
                    FileStore::model_dirs(&exp_dir)
                        .into_iter()
                        .map(|d| (d, exp.experiment_id.clone())),
                );
            }
        }
        let read: Vec<_> = dirs
            .par_iter()
            .map(|(d, exp)| {
                let mut warnings = Vec::new();
                (read_logged_model(d, exp, &mut warnings), warnings)
            })
            .collect();
        let mut list = LoggedModelList::default();
        for (r, warnings) in read {
            list.warnings.extend(warnings);
            match r {
                Ok(Some(m)) => list.models.push(m),
                Ok(None) => {}
                Err(e) => list.warnings.push(e.into()),
            }
        }
        Ok(list.finish())
    }

    fn logged_model(&self, model_id: &str) -> Result<LoggedModel, StoreError> {
        let not_found = || {
            StoreError::Unsupported(format!(
                "no logged model {model_id} in {}",
                self.describe_root()
            ))
        };
        if model_id.is_empty() || model_id.contains(['/', '\\', '\0']) || model_id.starts_with('.')
        {
            return Err(not_found());
        }
        let (exp_dirs, _) = self.experiment_dirs()?;
        for (exp_dir, _) in exp_dirs {
            let dir = exp_dir.join("models").join(model_id);
            if dir.join("meta.yaml").is_file() {
                let exp = exp_dir
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                let mut m =
                    read_logged_model(&dir, &exp, &mut Vec::new())?.ok_or_else(not_found)?;
                m.settle_metrics();
                return Ok(m);
            }
        }
        Err(not_found())
    }

    fn run_model_links(
        &self,
        experiment_id: &str,
        run_id: &str,
    ) -> Result<RunModelLinks, StoreError> {
        let mut links = RunModelLinks::default();
        if run_id.is_empty() || run_id.contains(['/', '\\', '\0']) || run_id.starts_with('.') {
            return Ok(links);
        }
        let Some(run_dir) = self
            .experiment_folder(experiment_id)
            .map(|d| d.join(run_id))
            .filter(|d| d.is_dir())
        else {
            return Ok(links);
        };
        // outputs/<model_id>/meta.yaml: the folder names the model (MLflow writes the run's
        // id into the yaml's id fields inconsistently across versions).
        let outputs = run_dir.join("outputs");
        if outputs.is_dir() {
            let mut dirs = list_subdirs(&outputs)?;
            dirs.sort();
            for dir in dirs {
                let meta = match read_meta(&dir.join("meta.yaml")) {
                    Ok(m) => m,
                    Err(e) => {
                        links.warnings.push(e.into());
                        continue;
                    }
                };
                if meta.string("destination_type").as_deref() != Some("MODEL_OUTPUT") {
                    continue;
                }
                let id = dir
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                links.add_output(id, meta.int("step").unwrap_or(0));
            }
        }
        // inputs/<hash>/meta.yaml with `source_type: MODEL` (the others are datasets).
        let inputs = run_dir.join("inputs");
        if inputs.is_dir() {
            let mut dirs = list_subdirs(&inputs)?;
            dirs.sort();
            for dir in dirs {
                let meta = match read_meta(&dir.join("meta.yaml")) {
                    Ok(m) => m,
                    Err(e) => {
                        links.warnings.push(e.into());
                        continue;
                    }
                };
                if meta.string("source_type").as_deref() == Some("MODEL") {
                    links.add_input(meta.string("source_id").unwrap_or_default());
                }
            }
        }
        Ok(links)
    }

    fn artifacts(
        &self,
        owner: &ArtifactOwner,
        extra_root: Option<&Path>,
    ) -> Result<ArtifactAccess, StoreError> {
        // MLflow's layout below the store: <root>/<exp>/<run>/artifacts, also in .trash/.
        let bases = vec![self.root().to_path_buf(), self.root().join(".trash")];
        Ok(resolve_local(owner, &bases, extra_root))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_metric_lines_have_four_or_six_fields() {
        let m = parse_model_metric_line("acc", "1700 0.5 3 run1").expect("4 fields");
        assert_eq!((m.timestamp, m.value, m.step), (1700, 0.5, 3));
        assert_eq!(m.dataset_name, None);
        let m = parse_model_metric_line("acc", "1700 nan 3 run1 ds d1").expect("6 fields");
        assert!(m.value.is_nan());
        assert_eq!(m.dataset_digest.as_deref(), Some("d1"));
        assert!(parse_model_metric_line("acc", "1700 0.5 3").is_none());
        assert!(parse_model_metric_line("acc", "x 0.5 3 r").is_none());
    }
}
