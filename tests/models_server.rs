//! The registry, logged models and artifacts through a real `mlflow server` (MLflow 3.17.2
//! from `MLTUI_TEST_MLFLOW`) over a copy of `tests/fixtures/models/v3/sqlite`, whose
//! artifacts are proxied (`mlflow-artifacts:` URIs, served from `--artifacts-destination`):
//! the same answers as MLflow recorded for the store itself, and paging with tiny pages.
//!
//! Without `MLTUI_TEST_MLFLOW` this fails unless `MLTUI_SKIP_SERVER_TESTS=1`.

mod common;
#[path = "common/mlflow_server.rs"]
mod mlflow_server;
#[path = "common/models_fixture.rs"]
mod models_fixture;

use std::panic::{AssertUnwindSafe, catch_unwind};

use mlflow_server::{MlflowServer, mlflow_bin};
use mltui::store::artifacts::{ArtifactAccess, ArtifactOwner, OwnerKind};
use mltui::store::{Catalog, HttpOptions, HttpStore, Store};
use models_fixture::{ModelsStore, copy_store};

type Case = (&'static str, fn(&ModelsStore, &MlflowServer));

#[test]
fn registry_logged_models_and_artifacts_through_a_real_server() {
    let Some(bin) = mlflow_bin() else { return };
    let mut s = copy_store("v3", "sqlite");
    s.rest = true;
    let server =
        MlflowServer::start_with_artifacts(&bin, &s.store, &s.dir.path().join("mlartifacts"));
    eprintln!(
        "mlflow server up in {:.1?} at {}",
        server.startup, server.url
    );
    let cases: &[Case] = &[
        ("registered_models", |s, srv| {
            models_fixture::check_registered_models(s, &srv.url)
        }),
        ("versions", |s, srv| {
            models_fixture::check_versions(s, &srv.url)
        }),
        ("logged_models", |s, srv| {
            models_fixture::check_logged_models(s, &srv.url)
        }),
        ("artifacts_and_bytes", |s, srv| {
            models_fixture::check_artifacts(s, &srv.url, "through the server")
        }),
        ("levels", |s, srv| models_fixture::check_levels(s, &srv.url)),
        ("run_model_links", |s, srv| {
            models_fixture::check_run_links(s, &srv.url)
        }),
        ("tiny_pages_give_the_same_answers", tiny_pages),
        ("unknown_names_and_ids_are_clear_errors", unknown),
    ];
    let mut failures = Vec::new();
    for (name, case) in cases {
        match catch_unwind(AssertUnwindSafe(|| case(&s, &server))) {
            Ok(()) => eprintln!("  ok   {name}"),
            Err(_) => {
                eprintln!("  FAIL {name}");
                failures.push(*name);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "failed cases: {failures:?}\nserver log:\n{}",
        server.log_tail()
    );
}

fn tiny_pages(_s: &ModelsStore, srv: &MlflowServer) {
    let paged = HttpStore::with_options(
        &srv.url,
        HttpOptions {
            page_size: Some(1),
            ..HttpOptions::default()
        },
    )
    .expect("store");
    let whole = HttpStore::with_options(&srv.url, HttpOptions::default()).expect("store");
    let (a, b) = (
        paged.registry().expect("paged"),
        whole.registry().expect("whole"),
    );
    assert_eq!(a.models, b.models);
    assert_eq!(a.versions, b.versions);
    assert_eq!(a.models.len(), 5, "4 models and a prompt");
    assert_eq!(
        a.versions.len(),
        7,
        "5 model versions and 2 prompt versions"
    );
    let exps = whole.experiments().expect("experiments").experiments;
    let (a, b) = (
        paged.logged_models(&exps).expect("paged"),
        whole.logged_models(&exps).expect("whole"),
    );
    assert_eq!(a.models, b.models);
    assert_eq!(a.models.len(), 4);
    // A logged model's files through the server, listed by the library directly.
    let m = &a.models[0];
    let owner = ArtifactOwner::of_model(m);
    assert_eq!(owner.kind, OwnerKind::LoggedModel);
    let ArtifactAccess::Readable(repo) = whole.artifacts(&owner, None).expect("access") else {
        panic!("a server reads every artifact");
    };
    let mut n = 0;
    repo.list("", &mut |b| n += b.len()).expect("list");
    assert!(repo.location().contains("through the server"));
    let _ = n;
}

fn unknown(_s: &ModelsStore, srv: &MlflowServer) {
    let out = common::mltui(&["models", &srv.url, "no-such-model"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no registered model or prompt named 'no-such-model'"),
        "{err}"
    );
    let out = common::mltui(&["artifacts", &srv.url, "m-00000000000000000000000000000000"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("m-00000000000000000000000000000000"), "{err}");
}
