//! Broken registries, logged models and artifact folders: each problem is a clear message
//! naming the thing, and everything else still works. Every case works on a temporary copy
//! of an MLflow-written fixture.

mod common;
#[path = "common/models_fixture.rs"]
mod models_fixture;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{mltui, mltui_ok};
use models_fixture::{ModelsStore, copy_store};
use serde_json::Value;

fn run_id(s: &ModelsStore, name: &str) -> String {
    let listings = s.expected("expected_artifacts.json");
    listings
        .as_array()
        .expect("owners")
        .iter()
        .find(|o| o["name"] == name)
        .and_then(|o| o["owner"].as_str())
        .unwrap_or_else(|| panic!("{name} recorded"))
        .to_string()
}

/// The artifact folder of a run in the file-store copy.
fn artifacts_dir(s: &ModelsStore, run: &str) -> PathBuf {
    for exp in std::fs::read_dir(&s.store).expect("mlruns") {
        let dir = exp.expect("entry").path().join(run).join("artifacts");
        if dir.is_dir() {
            return dir;
        }
    }
    panic!("no artifacts folder for {run}");
}

fn model_names(out: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(out).expect("json");
    v.as_array()
        .expect("array")
        .iter()
        .map(|m| m["name"].as_str().expect("name").to_string())
        .collect()
}

#[test]
fn a_model_folder_with_garbage_meta_yaml_is_a_warning_naming_it() {
    let s = copy_store("v3", "file");
    let meta = s.store.join("models/orphan-model/meta.yaml");
    std::fs::write(&meta, "name: [unclosed\n\u{0}garbage").expect("write");
    let out = mltui(&["models", &s.store_arg(), "-f", "json"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning") && err.contains(&meta.display().to_string()),
        "{err}"
    );
    let names = model_names(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(names, ["empty-model", "fraud-detector", "ünïcode-模型"]);
    // A broken version drops that version only.
    let vmeta = s.store.join("models/fraud-detector/version-1/meta.yaml");
    std::fs::write(&vmeta, "- not a mapping\n").expect("write");
    let out = mltui(&["models", &s.store_arg(), "fraud-detector", "-f", "json"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&vmeta.display().to_string()), "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v.as_array().expect("array").len(), 2);
}

#[test]
fn an_alias_to_a_missing_version_is_a_warning() {
    let s = copy_store("v3", "file");
    std::fs::write(s.store.join("models/fraud-detector/aliases/champion"), "9").expect("write");
    let out = mltui(&["models", &s.store_arg(), "fraud-detector", "-f", "json"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("alias \"champion\" points to version 9, which does not exist")
            && err.contains("fraud-detector"),
        "{err}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let all_aliases: Vec<&Value> = v
        .as_array()
        .expect("array")
        .iter()
        .flat_map(|x| x["aliases"].as_array().expect("aliases"))
        .collect();
    assert_eq!(all_aliases, [&Value::from("challenger")]);

    // The same in a SQLite store.
    let s = copy_store("v3", "sqlite");
    let conn = rusqlite::Connection::open(&s.store).expect("open copy");
    conn.execute(
        "UPDATE registered_model_aliases SET version = 9 WHERE alias = 'champion'",
        [],
    )
    .expect("update");
    drop(conn);
    let out = mltui(&["models", &s.store_arg()]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("points to version 9"), "{err}");
}

#[test]
fn a_logged_model_with_garbage_meta_yaml_is_a_warning_and_the_rest_load() {
    let s = copy_store("v3", "file");
    let models: Vec<PathBuf> = std::fs::read_dir(&s.store)
        .expect("mlruns")
        .filter_map(|e| {
            let p = e.ok()?.path().join("models");
            p.is_dir().then_some(p)
        })
        .flat_map(|d| {
            std::fs::read_dir(d)
                .expect("models")
                .map(|e| e.expect("e").path())
        })
        .collect();
    assert_eq!(models.len(), 4);
    let broken = models[0].join("meta.yaml");
    std::fs::write(&broken, "model_id: [").expect("write");
    let out = mltui(&["logged-models", &s.store_arg(), "-f", "json"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&broken.display().to_string()), "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v.as_array().expect("array").len(), 3);
}

#[test]
fn a_missing_artifact_folder_names_where_it_looked() {
    let s = copy_store("v3", "file");
    let run = run_id(&s, "train-strong");
    let dir = artifacts_dir(&s, &run);
    std::fs::remove_dir_all(&dir).expect("rm");
    let out = mltui(&["artifacts", &s.store_arg(), &run, "-f", "json"]);
    assert!(out.status.success(), "like MLflow: no folder, no artifacts");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no artifact folder found")
            && err.contains(&dir.display().to_string())
            && err.contains("--artifacts-root"),
        "{err}"
    );
    let out = mltui(&["artifacts", &s.store_arg(), &run, "config.json", "--cat"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&run) && err.contains("config.json"), "{err}");
    // --artifacts-root finds them where they were copied to.
    let elsewhere = s.dir.path().join("backup");
    let src = artifacts_dir(&s, &run_id(&s, "train-lr"));
    let exp = src
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .expect("exp")
        .to_string_lossy()
        .into_owned();
    common::copy_tree(&src, &elsewhere.join(&exp).join(&run).join("artifacts"));
    let out = Command::new(env!("CARGO_BIN_EXE_mltui"))
        .args(["artifacts", &s.store_arg(), &run, "--artifacts-root"])
        .arg(&elsewhere)
        .output()
        .expect("run");
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("under the artifacts root"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("config.json"));
    // The configuration file does the same, per source or for every source.
    let config = s.dir.path().join("config.toml");
    let toml_str = |p: &Path| format!("{:?}", p.display().to_string());
    let with_config = |text: String| {
        std::fs::write(&config, text).expect("config");
        Command::new(env!("CARGO_BIN_EXE_mltui"))
            .args(["artifacts", &s.store_arg(), &run, "--config"])
            .arg(&config)
            .env_remove("MLTUI_ARTIFACTS_ROOT")
            .output()
            .expect("run")
    };
    let per_source = format!(
        "[artifacts]\nroot = \"/nowhere\"\n[artifacts.sources]\n{} = {}\n\"/other/mlruns\" = \"/nowhere\"\n",
        toml_str(Path::new(&s.store_arg())),
        toml_str(&elsewhere)
    );
    let out = with_config(per_source);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("config.json"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("under the artifacts root"), "{err}");
    let out = with_config(format!("[artifacts]\nroot = {}\n", toml_str(&elsewhere)));
    assert!(String::from_utf8_lossy(&out.stdout).contains("config.json"));
    // A source the file does not name falls back to `root` (here: nowhere).
    let out = with_config(format!(
        "[artifacts.sources]\n\"/other/mlruns\" = {}\n",
        toml_str(&elsewhere)
    ));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("config.json"));
}

#[test]
fn a_symlink_out_of_the_artifact_folder_is_listed_not_followed() {
    let s = copy_store("v3", "file");
    let run = run_id(&s, "train-lr");
    let dir = artifacts_dir(&s, &run);
    let secret = s.dir.path().join("secret.txt");
    std::fs::write(&secret, "top secret\n").expect("write");
    std::os::unix::fs::symlink(&secret, dir.join("leak.txt")).expect("symlink");
    std::os::unix::fs::symlink("/", dir.join("root")).expect("symlink");
    let out = mltui(&["artifacts", &s.store_arg(), &run, "-f", "json"]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let leak = v
        .as_array()
        .expect("array")
        .iter()
        .find(|e| e["path"] == "leak.txt")
        .expect("listed");
    assert_eq!(leak["file_size"], Value::Null);
    assert_eq!(leak["is_dir"], false, "/ is not followed into");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("leak.txt") && err.contains("not followed"),
        "{err}"
    );
    let out = mltui(&["artifacts", &s.store_arg(), &run, "leak.txt", "--cat"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "not a byte of the secret");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("leads out of the artifact folder"), "{err}");
    let out = mltui(&[
        "artifacts",
        &s.store_arg(),
        &run,
        "../../meta.yaml",
        "--cat",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("'..' is not allowed"));
    let out = mltui(&["artifacts", &s.store_arg(), &run, "-r", "root"]);
    assert!(!out.status.success(), "listing through the link is refused");
}

#[test]
fn a_10_gb_file_is_listed_and_streamed_never_read_whole() {
    let s = copy_store("v3", "file");
    let run = run_id(&s, "train-lr");
    let dir = artifacts_dir(&s, &run);
    let huge = dir.join("huge.bin");
    // Sparse: 10 GiB on paper, nothing on disk.
    std::fs::File::create(&huge)
        .and_then(|f| f.set_len(10 << 30))
        .expect("sparse file");
    let v: Value = serde_json::from_str(&mltui_ok(&[
        "artifacts",
        &s.store_arg(),
        &run,
        "-f",
        "json",
    ]))
    .expect("json");
    let entry = v
        .as_array()
        .expect("array")
        .iter()
        .find(|e| e["path"] == "huge.bin")
        .expect("listed");
    assert_eq!(entry["file_size"], 10u64 << 30);
    // --cat streams: a reader that stops after 1 MiB ends it (closed pipe, not an error).
    let mut child = Command::new(env!("CARGO_BIN_EXE_mltui"))
        .args(["artifacts", &s.store_arg(), &run, "huge.bin", "--cat"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = vec![0u8; 1 << 20];
    stdout.read_exact(&mut first).expect("first MiB");
    assert!(first.iter().all(|&b| b == 0));
    drop(stdout);
    let status = child.wait().expect("wait");
    assert!(status.success(), "a closed pipe is not an error");
    // The preview reads at most 256 KiB of it.
    let mut f = std::fs::File::open(&huge).expect("open");
    let p = mltui::preview::read_preview("huge.bin", Some(10 << 30), &mut f).expect("preview");
    assert_eq!(p.read, mltui::preview::PREVIEW_LIMIT);
    assert!(p.truncated);
    assert_eq!(p.kind, "binary data");
}

#[test]
fn a_cloud_artifact_uri_is_a_note_not_a_failure_elsewhere() {
    let s = copy_store("v2", "sqlite");
    let run = run_id(&s, "train-strong");
    let conn = rusqlite::Connection::open(&s.store).expect("open copy");
    conn.execute(
        "UPDATE runs SET artifact_uri = 's3://team-bucket/mlflow/1/' || run_uuid || '/artifacts' WHERE run_uuid = ?1",
        [&run],
    )
    .expect("update");
    drop(conn);
    let out = mltui(&["artifacts", &s.store_arg(), &run]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("s3://team-bucket/") && err.contains("not readable from here"),
        "{err}"
    );
    // Other runs are untouched.
    let other = run_id(&s, "train-lr");
    assert!(mltui_ok(&["artifacts", &s.store_arg(), &other]).contains("config.json"));
}

/// A server that has runs and experiments but no registry or logged-models endpoints, like
/// an old MLflow: answers 404 to those.
fn old_server() -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let handle = std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut len = 0usize;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                    break;
                }
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0u8; len];
            let _ = reader.read_exact(&mut body);
            let (status, body) = if line.contains("experiments/search") {
                (
                    "200 OK",
                    r#"{"experiments":[{"experiment_id":"1","name":"e","lifecycle_stage":"active"}]}"#,
                )
            } else {
                ("404 NOT FOUND", "<html><body>Not Found</body></html>")
            };
            let ct = if status.starts_with("200") {
                "application/json"
            } else {
                "text/html"
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, handle)
}

#[test]
fn a_server_without_logged_models_or_registry_has_none() {
    let (url, _h) = old_server();
    let out = mltui(&["logged-models", &url, "-f", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
    let out = mltui(&["models", &url, "-f", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no model registry"), "{err}");
}

#[test]
fn hostile_model_names_are_escaped_in_tables() {
    let s = copy_store("v2", "file");
    let dir = s.store.join("models/evil");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("meta.yaml"),
        "name: \"evil\\e]0;pwned\\a\\e[2Jmodel\"\ncreation_timestamp: 1\nlast_updated_timestamp: 1\n",
    )
    .expect("write");
    let out = mltui(&["models", &s.store_arg()]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text}"
    );
    assert!(text.contains("evil\\e]0;pwned\\x07\\e[2Jmodel"), "{text}");
    // JSON keeps the exact name.
    let json = mltui_ok(&["models", &s.store_arg(), "-f", "json"]);
    assert!(model_names(&json).contains(&"evil\u{1b}]0;pwned\u{7}\u{1b}[2Jmodel".to_string()));
    let _ = std::io::stdout().flush();
}

#[test]
fn a_broken_run_output_link_is_a_warning_naming_it_and_the_other_links_stay() {
    use mltui::store::{Catalog, Store};
    let s = copy_store("v3", "file");
    let links = s.expected("expected_run_links.json");
    // A run that both has an output and (after this) a broken second one.
    let (run, want) = links
        .as_object()
        .expect("runs")
        .iter()
        .find(|(_, l)| l["model_outputs"].as_array().is_some_and(|o| !o.is_empty()))
        .expect("a run with an output");
    let store = mltui::store::FileStore::open(&s.store).expect("open");
    let exp = store.run(run).expect("run").experiment_id;
    let broken = s.store.join(&exp).join(run).join("outputs/m-broken");
    std::fs::create_dir_all(&broken).expect("mkdir");
    std::fs::write(broken.join("meta.yaml"), "source_type: [unclosed\n").expect("write");
    let got = store.run_model_links(&exp, run).expect("links");
    let ids: Vec<&str> = got.outputs.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        [want["model_outputs"][0]["model_id"].as_str().expect("id")]
    );
    assert_eq!(got.warnings.len(), 1, "{:?}", got.warnings);
    assert!(
        got.warnings[0].location.contains("m-broken"),
        "{:?}",
        got.warnings
    );
}
