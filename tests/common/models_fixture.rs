//! The models / registry / artifacts fixtures (`tests/fixtures/models/`): temporary copies
//! with the 3 MB text file rebuilt (it is not committed), and MLflow's recorded answers.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The bytes of `logs/train.log`, exactly as `gen_models.py`'s `big_text()` writes them.
pub fn big_text() -> Vec<u8> {
    let mut out = String::with_capacity(3_200_000);
    for i in 0..48_000u64 {
        out.push_str(&format!(
            "line {i:07} the quick brown fox jumps over the lazy dog {}\n",
            i * 7919 % 10007
        ));
    }
    out.into_bytes()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fixture store copied to a temporary folder.
pub struct ModelsStore {
    pub label: String,
    /// The store inside `dir` (an `mlruns` folder or `mlflow.db`).
    pub store: PathBuf,
    /// MLflow's answers (`expected_*.json`), in the repository.
    pub expected: PathBuf,
    pub dir: tempfile::TempDir,
    /// Read through a server: MLflow's REST API leaves out empty strings that its store
    /// returns as `""` (a description, a prompt's run id), so `""` and `null` compare equal.
    pub rest: bool,
}

impl ModelsStore {
    pub fn store_arg(&self) -> String {
        self.store.display().to_string()
    }

    pub fn expected(&self, name: &str) -> serde_json::Value {
        crate::common::read_json(&self.expected.join(name))
    }

    /// Asserts `ours == expected`, with `""` taken as `null` for answers read over REST.
    pub fn assert_same(&self, mut ours: Value, mut expected: Value, what: &str) {
        if self.rest {
            empty_as_null(&mut ours);
            empty_as_null(&mut expected);
        }
        assert_eq!(ours, expected, "{}: {what}", self.label);
    }
}

pub fn fixture_dir(version: &str, kind: &str) -> PathBuf {
    crate::common::fixtures()
        .join("models")
        .join(version)
        .join(kind)
}

/// A temporary copy of `models/<version>/<kind>` with the big text file rebuilt.
pub fn copy_store(version: &str, kind: &str) -> ModelsStore {
    let src = fixture_dir(version, kind);
    let dir = tempfile::tempdir().expect("tempdir");
    crate::common::copy_tree(&src, dir.path());
    let big: Vec<String> =
        serde_json::from_value(crate::common::read_json(&src.join("big_files.json")))
            .expect("paths");
    let bytes = big_text();
    for rel in big {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, &bytes).expect("write big file");
    }
    let store = match kind {
        "file" => dir.path().join("mlruns"),
        _ => dir.path().join("mlflow.db"),
    };
    ModelsStore {
        label: format!("{version}/{kind}"),
        store,
        expected: src,
        dir,
        rest: false,
    }
}

/// Every models fixture, copied.
pub fn all_stores() -> Vec<ModelsStore> {
    let mut out = Vec::new();
    for v in ["v3", "v2"] {
        for k in ["file", "sqlite"] {
            out.push(copy_store(v, k));
        }
    }
    out
}

/// Expected versions of one model, in MLflow's order, as mltui writes them: aliases from
/// `get_model_version` (search leaves them out on SQL stores).
pub fn expected_versions(expected: &serde_json::Value, name: &str) -> Vec<serde_json::Value> {
    expected
        .as_array()
        .expect("array")
        .iter()
        .filter(|v| v["name"] == name)
        .map(|v| {
            let mut v = v.clone();
            let obj = v.as_object_mut().expect("object");
            let aliases = obj.remove("get_aliases").expect("get_aliases");
            obj.remove("get_model_id");
            obj.insert("aliases".into(), aliases);
            v
        })
        .collect()
}

/// MLflow's SQL stores return every point of a logged model's metric; its file store (and
/// mltui) the latest per (key, dataset). Reduce a recorded list to that.
pub fn latest_model_metrics(metrics: &serde_json::Value) -> serde_json::Value {
    use std::collections::BTreeMap;
    let mut best: BTreeMap<(String, String, String), serde_json::Value> = BTreeMap::new();
    for m in metrics.as_array().expect("array") {
        let key = (
            m["key"].as_str().unwrap_or_default().to_string(),
            m["dataset_name"].as_str().unwrap_or_default().to_string(),
            m["dataset_digest"].as_str().unwrap_or_default().to_string(),
        );
        let rank = |x: &serde_json::Value| {
            (
                x["step"].as_i64().unwrap_or(0),
                x["timestamp"].as_i64().unwrap_or(0),
                x["value"].as_f64().unwrap_or(f64::NAN),
            )
        };
        let better = match best.get(&key) {
            None => true,
            Some(old) => {
                let (a, b) = (rank(m), rank(old));
                (a.0, a.1) > (b.0, b.1) || ((a.0, a.1) == (b.0, b.1) && a.2 > b.2)
            }
        };
        if better {
            best.insert(key, m.clone());
        }
    }
    serde_json::Value::Array(best.into_values().collect())
}

/// Paths that must not appear in output: the fixture is a copy, so answers are read from
/// where the store is now.
pub fn is_inside(path: &str, dir: &Path) -> bool {
    Path::new(path).starts_with(dir)
}

// ---- checks against MLflow's answers, for any source (a copied store or a server) ----

use serde_json::Value;

fn empty_as_null(v: &mut Value) {
    match v {
        Value::String(s) if s.is_empty() => *v = Value::Null,
        Value::Array(a) => a.iter_mut().for_each(empty_as_null),
        Value::Object(o) => o.values_mut().for_each(empty_as_null),
        _ => {}
    }
}

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&crate::common::mltui_ok(args)).expect("json output")
}

/// The `aliases` of each version of `latest_versions`, as get_model_version gives them.
fn with_version_aliases(models: &mut Value, versions: &Value) {
    for m in models.as_array_mut().expect("array") {
        for v in m["latest_versions"].as_array_mut().expect("latest") {
            let got = versions
                .as_array()
                .expect("versions")
                .iter()
                .find(|x| x["name"] == v["name"] && x["version"] == v["version"])
                .unwrap_or_else(|| panic!("version {v} recorded"));
            v["aliases"] = got["get_aliases"].clone();
        }
    }
}

/// `mltui models` (models and prompts) equals `search_registered_models`.
pub fn check_registered_models(s: &ModelsStore, source: &str) {
    let versions = s.expected("expected_model_versions.json");
    let mut expected = s.expected("expected_registered_models.json");
    with_version_aliases(&mut expected, &versions);
    let ours = json(&["models", source, "-f", "json"]);
    s.assert_same(ours, expected, "models");
    let mut expected = s.expected("expected_prompts.json");
    with_version_aliases(&mut expected, &versions);
    let ours = json(&["models", source, "--prompts", "-f", "json"]);
    s.assert_same(ours, expected, "prompts");
}

/// `mltui models SOURCE NAME` equals `search_model_versions` (aliases as
/// `get_model_version` has them), for every model and prompt.
pub fn check_versions(s: &ModelsStore, source: &str) {
    let recorded = s.expected("expected_model_versions.json");
    let names: Vec<String> = s
        .expected("expected_registered_models.json")
        .as_array()
        .expect("models")
        .iter()
        .chain(s.expected("expected_prompts.json").as_array().expect("p"))
        .map(|m| m["name"].as_str().expect("name").to_string())
        .collect();
    assert!(names.len() >= 5, "{}: {names:?}", s.label);
    for name in names {
        let expected = Value::Array(expected_versions(&recorded, &name));
        let ours = json(&["models", source, &name, "-f", "json"]);
        s.assert_same(ours, expected, &format!("versions of {name}"));
    }
    // What the fixture is meant to hold.
    let fraud = json(&["models", source, "fraud-detector", "-f", "json"]);
    let by_version = |v: &str| {
        fraud
            .as_array()
            .expect("array")
            .iter()
            .find(|x| x["version"] == v)
            .cloned()
            .expect("version")
    };
    assert_eq!(by_version("2")["aliases"], serde_json::json!(["champion"]));
    assert_eq!(by_version("2")["current_stage"], "Production");
    assert_eq!(
        by_version("3")["aliases"],
        serde_json::json!(["challenger"])
    );
    assert_eq!(by_version("1")["current_stage"], "Archived");
}

/// `mltui logged-models -e ID` equals `search_logged_models([ID])` for every experiment.
pub fn check_logged_models(s: &ModelsStore, source: &str) {
    let recorded = s.expected("expected_logged_models.json");
    let exps = json(&["experiments", source, "--view", "all", "-f", "json"]);
    let mut total = 0;
    for e in exps.as_array().expect("experiments") {
        let id = e["experiment_id"].as_str().expect("id");
        let mut expected = recorded.get(id).cloned().unwrap_or(Value::Array(vec![]));
        for m in expected.as_array_mut().expect("models") {
            m["metrics"] = latest_model_metrics(&m["metrics"]);
        }
        let ours = json(&["logged-models", source, "-e", id, "-f", "json"]);
        total += ours.as_array().expect("array").len();
        s.assert_same(ours, expected, &format!("logged models of experiment {id}"));
    }
    let want = if s.label.starts_with("v3") { 4 } else { 0 };
    assert_eq!(total, want, "{}", s.label);
}

/// `mltui artifacts -r` equals `list_artifacts` walked, for every run and logged model, and
/// `--cat` gives the bytes MLflow downloads. `where_read` must appear in what mltui says
/// about where it read them.
pub fn check_artifacts(s: &ModelsStore, source: &str, where_read: &str) {
    let listings = s.expected("expected_artifacts.json");
    for owner in listings.as_array().expect("owners") {
        let id = owner["owner"].as_str().expect("owner");
        let out = crate::common::mltui(&["artifacts", source, id, "-r", "-f", "json"]);
        assert!(
            out.status.success(),
            "{}: {}",
            s.label,
            String::from_utf8_lossy(&out.stderr)
        );
        let ours: Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(
            ours, owner["files"],
            "{}: artifacts of {id} ({})",
            s.label, owner["name"]
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(where_read), "{}: {err}", s.label);
    }
    let files = s.expected("expected_files.json");
    let files = files.as_array().expect("files");
    assert!(files.len() > 20, "{}: {} files", s.label, files.len());
    for f in files {
        let out = crate::common::mltui(&[
            "artifacts",
            source,
            f["owner"].as_str().expect("owner"),
            f["path"].as_str().expect("path"),
            "--cat",
        ]);
        assert!(
            out.status.success(),
            "{}: {}",
            s.label,
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            (out.stdout.len() as u64, sha256_hex(&out.stdout)),
            (
                f["size"].as_u64().expect("size"),
                f["sha256"].as_str().expect("sha").to_string()
            ),
            "{}: bytes of {} {}",
            s.label,
            f["owner"],
            f["path"]
        );
    }
}

/// One level at a time, a sub-folder, and a unicode file name.
pub fn check_levels(s: &ModelsStore, source: &str) {
    let listings = s.expected("expected_artifacts.json");
    let train = listings
        .as_array()
        .expect("owners")
        .iter()
        .find(|o| o["name"] == "train-lr")
        .expect("train-lr");
    let id = train["owner"].as_str().expect("id");
    let all = train["files"].as_array().expect("files");
    let top: Vec<Value> = all
        .iter()
        .filter(|f| !f["path"].as_str().expect("p").contains('/'))
        .cloned()
        .collect();
    let ours = json(&["artifacts", source, id, "-f", "json"]);
    assert_eq!(ours, Value::Array(top), "{}", s.label);
    let reports: Vec<Value> = all
        .iter()
        .filter(|f| f["path"].as_str().expect("p").starts_with("reports/"))
        .filter(|f| f["path"].as_str().expect("p").matches('/').count() == 1)
        .cloned()
        .collect();
    let ours = json(&["artifacts", source, id, "reports", "-f", "json"]);
    assert_eq!(ours, Value::Array(reports), "{}", s.label);
    let text = crate::common::mltui_ok(&["artifacts", source, id, "données/résumé ✓.txt", "--cat"]);
    assert!(text.starts_with("Résumé : modèle entraîné ✓"), "{text}");
}

/// A run's links to logged models (the models it produced and the ones it used) equal
/// `get_run()`'s `outputs.model_outputs` and `inputs.model_inputs`, for every run.
pub fn check_run_links(s: &ModelsStore, source: &str) {
    let spec = mltui::store::parse_source(source, Path::new(".")).expect("source");
    let store = mltui::store::open(&spec).expect("open");
    let expected = s.expected("expected_run_links.json");
    let runs = expected.as_object().expect("runs");
    assert!(runs.len() >= 4, "{}: {} runs", s.label, runs.len());
    let mut linked = 0;
    for (run_id, want) in runs {
        let run = store.run(run_id).expect("run");
        let links = store
            .run_model_links(&run.experiment_id, run_id)
            .expect("links");
        assert!(
            links.warnings.is_empty(),
            "{}: {:?}",
            s.label,
            links.warnings
        );
        let mut outputs: Vec<Value> = links
            .outputs
            .iter()
            .map(|(id, step)| serde_json::json!({"model_id": id, "step": step}))
            .collect();
        outputs.sort_by(|a, b| a["model_id"].as_str().cmp(&b["model_id"].as_str()));
        let mut inputs: Vec<Value> = links
            .inputs
            .iter()
            .map(|id| serde_json::json!({"model_id": id}))
            .collect();
        inputs.sort_by(|a, b| a["model_id"].as_str().cmp(&b["model_id"].as_str()));
        linked += outputs.len() + inputs.len();
        let ours = serde_json::json!({"model_outputs": outputs, "model_inputs": inputs});
        assert_eq!(&ours, want, "{}: links of run {run_id}", s.label);
    }
    // Two runs logged a model, one scored an external model (MLflow 3 only).
    let want = if s.label.starts_with("v3") { 3 } else { 0 };
    assert_eq!(linked, want, "{}", s.label);
}
