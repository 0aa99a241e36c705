//! Writes a synthetic MLflow file store (`<out>/mlruns`) in MLflow 3's exact on-disk layout,
//! or (`--sqlite DB --template EMPTY_DB`) a SQLite tracking database with MLflow's own schema,
//! deterministic by seed: the same shape, seed and output path give byte-identical files, and
//! a shape written both ways holds the same runs, params, tags and metric points.
//!
//! ```sh
//! cargo run --release --example gen_store -- --shape medium --out target/bench-data/medium
//! cargo run --release --example gen_store -- --shape sweep --seed 7 --out /tmp/sweep
//! cargo run --release --example gen_store -- --runs 50 --params 5 --metrics 3 --steps 10 --out /tmp/tiny
//! cargo run --release --example gen_store -- --shape huge --runs 10000 \
//!     --template mlflow-empty.db --sqlite target/bench-data/huge-10k.db
//! ```
//!
//! The template for `--sqlite` is an empty database made by MLflow (its tables, migrations,
//! Default experiment), e.g. with
//! `python -c 'from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore as S;
//! S("sqlite:///mlflow-empty.db", "/tmp/art")'`; it is copied, never changed. See `sqlite.rs`
//! for which rows are written and how.
//!
//! Shapes (runs × params × metrics × steps):
//! - `medium`: 2,000 × 20 × 10 × 200 in 4 experiments (74,000 files, about 150 MB)
//! - `sweep`: 20,000 × 30 × 5 × 20 in one experiment, nested under 200 parent runs
//! - `huge`: 100,000 × 30 × 10 × 50 in one experiment, nested under 1,000 parent runs
//!   (meant for `--sqlite`: about 47 million metric rows; `--runs` for smaller copies)
//! - `long`: 10 × 5 × 3 × 1,000,000 (about 1.1 GB of metric files)
//! - `tiny`: 20 × 4 × 3 × 10 (for a quick look)
//! - `registry`: 200 × 3 × 2 × 5 in one experiment, plus a model registry of 1,000 models
//!   × 20 versions (`--models`, `--versions`) and a folder of 10,000 artifact files in the
//!   first run (`--artifact-files`)
//!
//! Registered models are written in MLflow 3's registry layout (`mlruns/models/<name>/`:
//! `meta.yaml`, `tags/`, `aliases/` with `champion` and `challenger`, `version-<n>/` with
//! `meta.yaml` and a tag); each version's source is a run of the store, the latest in
//! Production, the one before in Staging, older ones Archived.
//!
//! Every run has 6 tags (`mlflow.runName`, `mlflow.user`, `mlflow.source.name`,
//! `mlflow.source.type`, `mlflow.source.git.commit`, and `mlflow.parentRunId` for nested
//! runs or `sweep` otherwise), an empty `artifacts/` folder, and metric files of
//! `<ts_ms> <value> <step>\n` lines with values written as Python's `repr(float)`. Keys with
//! `/` (`train/loss`, `optim/beta1`) become subfolders, as MLflow does. Curves are
//! realistic: decaying losses, saturating accuracies, a cosine learning rate, noise.
//! About 5% of runs failed, 3% were killed, 2% are still running and 1% are deleted
//! (except in `long`, where every run finished all its steps).
//!
//! In SQLite, experiments are numbered 1, 2, … (as MLflow's SQL store numbers them), runs'
//! artifact URIs point under `<db dir>/<db stem>-artifacts/` (not created), `source_type` is
//! `UNKNOWN` with empty source columns (what MLflow's `create_run` writes), and every metric
//! point is a `metrics` row in the order MLflow's `log_metrics` would insert them (all
//! metrics of one step, then the next step).

mod data;
mod files;
mod sqlite;

use std::path::PathBuf;

use data::Shape;
use files::Gen;
use sqlite::SqliteGen;

fn usage() -> ! {
    eprintln!(
        "usage: gen_store (--out DIR | --sqlite DB --template EMPTY_DB) \
         [--shape medium|sweep|huge|long|tiny|registry] [--seed N] \
         [--experiments N] [--runs N] [--params N] [--metrics N] [--steps N] [--nest N] \
         [--models N] [--versions N] [--artifact-files N]\n\
         Writes DIR/mlruns (DIR must not already contain one), or the SQLite database DB \
         (which must not exist) from a copy of EMPTY_DB, an empty tracking database made by \
         MLflow."
    );
    std::process::exit(2)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut shape = Shape::named("tiny").unwrap_or_else(|| usage());
    let mut seed = 42u64;
    let mut out: Option<PathBuf> = None;
    let mut sqlite: Option<PathBuf> = None;
    let mut template: Option<PathBuf> = None;
    let mut overrides: Vec<(String, usize)> = Vec::new();
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--shape" => shape = Shape::named(&value).unwrap_or_else(|| usage()),
            "--seed" => seed = value.parse().unwrap_or_else(|_| usage()),
            "--out" => out = Some(PathBuf::from(value)),
            "--sqlite" => sqlite = Some(PathBuf::from(value)),
            "--template" => template = Some(PathBuf::from(value)),
            "--experiments" | "--runs" | "--params" | "--metrics" | "--steps" | "--nest"
            | "--models" | "--versions" | "--artifact-files" => {
                overrides.push((flag, value.parse().unwrap_or_else(|_| usage())));
            }
            _ => usage(),
        }
    }
    for (flag, n) in overrides {
        match flag.as_str() {
            "--experiments" => shape.experiments = n.max(1),
            "--runs" => shape.runs = n,
            "--params" => shape.params = n,
            "--metrics" => shape.metrics = n,
            "--steps" => shape.steps = n as u64,
            "--models" => shape.models = n,
            "--versions" => shape.versions = n,
            "--artifact-files" => shape.artifact_files = n,
            _ => shape.nest = n,
        }
    }
    let started = std::time::Instant::now();
    let dims = format!(
        "{} runs × {} params × {} metrics × {} steps, seed {seed}",
        shape.runs, shape.params, shape.metrics, shape.steps
    );
    if let Some(db) = sqlite {
        let Some(template) = template else { usage() };
        if out.is_some() || shape.models > 0 || shape.artifact_files > 0 {
            eprintln!(
                "gen_store: --sqlite writes runs only (no --out, registry or artifact files)"
            );
            std::process::exit(2);
        }
        if db.exists() {
            eprintln!("gen_store: {} already exists", db.display());
            std::process::exit(1);
        }
        let generator = SqliteGen {
            db: db.clone(),
            template,
            shape,
            seed,
        };
        match generator.write() {
            Ok(w) => eprintln!(
                "gen_store: {} ({dims}): {} runs, {} params, {} tags, {} metric rows; \
                 {:.1} MB in {:.1} s",
                db.display(),
                w.runs,
                w.params,
                w.tags,
                w.metric_rows,
                w.bytes as f64 / 1e6,
                started.elapsed().as_secs_f64()
            ),
            Err(e) => {
                eprintln!("gen_store: {}: {e}", db.display());
                std::process::exit(1);
            }
        }
        return;
    }
    let Some(out) = out else { usage() };
    let root = out.join("mlruns");
    if root.exists() {
        eprintln!("gen_store: {} already exists", root.display());
        std::process::exit(1);
    }
    let generator = Gen {
        root: root.clone(),
        shape: shape.clone(),
        seed,
    };
    match generator.write() {
        Ok((files, bytes)) => eprintln!(
            "gen_store: {} ({dims}): {files} files, {:.1} MB in {:.1} s",
            root.display(),
            bytes as f64 / 1e6,
            started.elapsed().as_secs_f64()
        ),
        Err(e) => {
            eprintln!("gen_store: {}: {e}", root.display());
            std::process::exit(1);
        }
    }
}
