//! mltui's registry, logged models and artifacts equal MLflow's own answers
//! (`tests/fixtures/models/*/expected_*.json`, recorded by `record_models.py`) on stores
//! written by MLflow 3.17.2 and 2.22.4, file and SQLite. Stores are read from temporary
//! copies, so every recorded artifact location is gone and the artifacts must be found
//! next to the store (file store: `mlruns/<exp>/<run>/artifacts`; SQLite written directly:
//! `./mlruns`; SQLite written through a server: `./mlartifacts`), and mltui says so.
//! `tests/models_server.rs` runs the same checks through a real `mlflow server`.

mod common;
#[path = "common/models_fixture.rs"]
mod models_fixture;

use models_fixture::{ModelsStore, all_stores};

fn each_store(check: impl Fn(&ModelsStore, &str)) {
    for s in all_stores() {
        eprintln!("== {}", s.label);
        check(&s, &s.store_arg());
    }
}

#[test]
fn registered_models_equal_search_registered_models() {
    each_store(models_fixture::check_registered_models);
}

#[test]
fn versions_equal_search_model_versions() {
    each_store(models_fixture::check_versions);
}

#[test]
fn logged_models_equal_search_logged_models() {
    each_store(models_fixture::check_logged_models);
}

#[test]
fn run_model_links_equal_get_run() {
    each_store(models_fixture::check_run_links);
}

#[test]
fn artifact_listings_and_bytes_equal_mlflows() {
    each_store(|s, source| {
        // Read from the copy (next to the store), never from where MLflow wrote them.
        let copy = s.dir.path().display().to_string();
        models_fixture::check_artifacts(s, source, &copy);
    });
}

#[test]
fn one_level_listing_and_sub_paths() {
    each_store(models_fixture::check_levels);
}
