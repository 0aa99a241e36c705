//! Writes a synthetic MLflow file store (`<out>/mlruns`) in MLflow 3's exact on-disk layout,
//! deterministic by seed: the same shape, seed and output path give byte-identical files.
//!
//! ```sh
//! cargo run --release --example gen_store -- --shape medium --out target/bench-data/medium
//! cargo run --release --example gen_store -- --shape sweep --seed 7 --out /tmp/sweep
//! cargo run --release --example gen_store -- --runs 50 --params 5 --metrics 3 --steps 10 --out /tmp/tiny
//! ```
//!
//! Shapes (runs × params × metrics × steps):
//! - `medium`: 2,000 × 20 × 10 × 200 in 4 experiments (74,000 files, about 150 MB)
//! - `sweep`: 20,000 × 30 × 5 × 20 in one experiment, nested under 200 parent runs
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

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

/// A tiny deterministic RNG (splitmix64).
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Roughly normal (sum of uniforms), mean 0, sd 1.
    fn normal(&mut self) -> f64 {
        (0..4).map(|_| self.f64()).sum::<f64>() * 1.732_050_8 - 3.464_101_6
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    fn hex(&mut self, digits: usize) -> String {
        let mut s = String::with_capacity(digits);
        while s.len() < digits {
            let _ = write!(s, "{:016x}", self.next_u64());
        }
        s.truncate(digits);
        s
    }
}

/// A seed for item `i` of stream `stream`, independent of iteration order (for rayon).
fn sub_seed(seed: u64, stream: u64, i: u64) -> u64 {
    let mut r = Rng::new(seed ^ stream.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ i.rotate_left(32));
    r.next_u64()
}

#[derive(Clone, Debug)]
struct Shape {
    name: String,
    experiments: usize,
    runs: usize,
    params: usize,
    metrics: usize,
    steps: u64,
    /// Children per parent run (0: no nesting).
    nest: usize,
    /// Some runs failed, were killed, still run (and stopped early) or are deleted.
    mixed_status: bool,
    /// Registered models, and versions of each.
    models: usize,
    versions: usize,
    /// Files in `artifacts/many/` of the first run.
    artifact_files: usize,
}

impl Shape {
    fn named(name: &str) -> Option<Self> {
        let (experiments, runs, params, metrics, steps, nest) = match name {
            "medium" => (4, 2_000, 20, 10, 200, 0),
            "sweep" => (1, 20_000, 30, 5, 20, 100),
            "long" => (1, 10, 5, 3, 1_000_000, 0),
            "tiny" => (2, 20, 4, 3, 10, 0),
            "registry" => (1, 200, 3, 2, 5, 0),
            _ => return None,
        };
        let registry = name == "registry";
        Some(Self {
            name: name.into(),
            experiments,
            runs,
            params,
            metrics,
            steps,
            nest,
            mixed_status: name != "long",
            models: if registry { 1_000 } else { 0 },
            versions: if registry { 20 } else { 0 },
            artifact_files: if registry { 10_000 } else { 0 },
        })
    }
}

/// Base epoch (ms) of every generated timestamp: 2025-01-06T00:00:00Z.
const EPOCH_MS: i64 = 1_736_121_600_000;

const PARAM_NAMES: &[&str] = &[
    "lr",
    "batch_size",
    "optimizer",
    "model",
    "weight_decay",
    "dropout",
    "seed",
    "epochs",
    "warmup_steps",
    "optim/beta1",
    "optim/beta2",
    "scheduler",
    "label_smoothing",
    "grad_clip",
    "precision",
    "dataset",
    "augment",
    "num_workers",
    "hidden_size",
    "num_layers",
];

const METRIC_NAMES: &[&str] = &[
    "train/loss",
    "val/loss",
    "val/acc",
    "lr",
    "train/acc",
    "grad_norm",
    "val/f1",
    "throughput",
    "epoch_time",
    "gpu_mem_gb",
];

const USERS: &[&str] = &["alice", "bob", "carol", "dave", "erin"];
const MODELS: &[&str] = &["resnet18", "resnet34", "resnet50", "vit-s16", "convnext-t"];
const OPTIMIZERS: &[&str] = &["adam", "adamw", "sgd", "lion"];

fn param_name(i: usize) -> String {
    match PARAM_NAMES.get(i) {
        Some(n) => (*n).to_string(),
        None => format!("extra/p{i:02}"),
    }
}

fn metric_name(i: usize) -> String {
    match METRIC_NAMES.get(i) {
        Some(n) => (*n).to_string(),
        None => format!("aux/m{i:02}"),
    }
}

/// Python's `repr(float)`: shortest round-trip digits, `.0` on integral values, exponent
/// form (`1e-05`, `1.5e+16`) outside [1e-4, 1e16), `nan`, `inf`, `-inf`.
fn py_float(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("nan");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "inf" } else { "-inf" });
    } else if v != 0.0 && (v.abs() < 1e-4 || v.abs() >= 1e16) {
        let s = format!("{v:e}");
        let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let (sign, digits) = match exp.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', exp),
        };
        let _ = write!(out, "{mant}e{sign}{digits:0>2}");
    } else {
        let start = out.len();
        let _ = write!(out, "{v}");
        if !out[start..].contains('.') {
            out.push_str(".0");
        }
    }
}

fn py_float_string(v: f64) -> String {
    let mut s = String::new();
    py_float(&mut s, v);
    s
}

/// One run's hyperparameters, which shape its curves.
struct Hyper {
    lr: f64,
    quality: f64,
    speed: f64,
}

/// The value of metric `m` at `step` of `steps` (before noise).
fn curve(m: usize, h: &Hyper, step: u64, steps: u64, rng: &mut Rng) -> f64 {
    let t = step as f64 / steps.max(1) as f64;
    let decay = (-t * 5.0 * h.speed).exp();
    let noise = rng.normal();
    match m % 10 {
        0 => (2.3 * decay + 0.15 / h.quality) * (1.0 + 0.04 * noise),
        1 => (2.4 * decay + 0.2 / h.quality + 0.05 * t) * (1.0 + 0.02 * noise),
        2 => (0.1 + (0.85 * h.quality - 0.1) * (1.0 - decay) + 0.01 * noise).clamp(0.0, 1.0),
        3 => {
            let warm = (t * 20.0).min(1.0);
            h.lr * warm * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
        }
        4 => (0.1 + (0.9 * h.quality - 0.1) * (1.0 - decay) + 0.015 * noise).clamp(0.0, 1.0),
        5 => (5.0 * decay + 0.3) * (1.0 + 0.3 * noise).abs(),
        6 => (0.05 + (0.8 * h.quality - 0.05) * (1.0 - decay) + 0.01 * noise).clamp(0.0, 1.0),
        7 => 1800.0 * h.speed * (1.0 + 0.05 * noise),
        8 => 42.0 / h.speed * (1.0 + 0.03 * noise),
        _ => (11.0 + 2.0 * h.speed + 0.1 * noise).max(0.0),
    }
}

struct Gen {
    root: PathBuf,
    shape: Shape,
    seed: u64,
}

struct RunPlan {
    exp_id: String,
    run_id: String,
    parent: Option<String>,
    index: usize,
}

impl Gen {
    fn write(&self) -> std::io::Result<(usize, u64)> {
        let mlruns = &self.root;
        std::fs::create_dir_all(mlruns)?;
        let abs = std::fs::canonicalize(mlruns)?;
        let mut rng = Rng::new(sub_seed(self.seed, 1, 0));
        let mut files = 0usize;
        let mut bytes = 0u64;

        // The Default experiment, always present and empty here.
        let mut exp_ids = Vec::new();
        self.experiment(&abs, "0", "Default", EPOCH_MS)?;
        files += 1;
        for e in 0..self.shape.experiments {
            // 18-digit ids, as MLflow 2.x and 3.x make them.
            let id = (100_000_000_000_000_000 + rng.below(800_000_000_000_000_000)).to_string();
            let name = if self.shape.experiments == 1 {
                format!("{}-sweep", self.shape.name)
            } else {
                format!("{}-exp-{e}", self.shape.name)
            };
            self.experiment(&abs, &id, &name, EPOCH_MS + e as i64 * 60_000)?;
            files += 1;
            exp_ids.push(id);
        }

        // Plan the runs: ids first (so children know their parent's id).
        let per_exp = self.shape.runs.div_ceil(self.shape.experiments.max(1));
        let mut plans = Vec::with_capacity(self.shape.runs);
        let mut parent: Option<String> = None;
        for i in 0..self.shape.runs {
            let exp_id = exp_ids[(i / per_exp).min(exp_ids.len() - 1)].clone();
            let run_id = rng.hex(32);
            let is_parent = self.shape.nest > 0 && i % self.shape.nest == 0;
            let p = if self.shape.nest == 0 || is_parent {
                None
            } else {
                parent.clone()
            };
            if is_parent {
                parent = Some(run_id.clone());
            }
            plans.push(RunPlan {
                exp_id,
                run_id,
                parent: p,
                index: i,
            });
        }
        let results: Vec<std::io::Result<(usize, u64)>> =
            plans.par_iter().map(|p| self.run(&abs, p)).collect();
        for r in results {
            let (f, b) = r?;
            files += f;
            bytes += b;
        }
        if let Some(first) = plans.first() {
            let many = abs
                .join(&first.exp_id)
                .join(&first.run_id)
                .join("artifacts/many");
            for i in 0..self.shape.artifact_files {
                let path = many.join(format!("part-{i:05}.txt"));
                if i == 0 {
                    std::fs::create_dir_all(&many)?;
                }
                let text = format!("shard {i}\n");
                std::fs::write(path, &text)?;
                files += 1;
                bytes += text.len() as u64;
            }
        }
        let runs: Vec<&str> = plans.iter().map(|p| p.run_id.as_str()).collect();
        let results: Vec<std::io::Result<(usize, u64)>> = (0..self.shape.models)
            .into_par_iter()
            .map(|m| self.registered_model(&abs, m, &runs))
            .collect();
        for r in results {
            let (f, b) = r?;
            files += f;
            bytes += b;
        }
        Ok((files, bytes))
    }

    /// One registered model with its versions, in MLflow 3's file layout.
    fn registered_model(
        &self,
        abs: &Path,
        m: usize,
        runs: &[&str],
    ) -> std::io::Result<(usize, u64)> {
        let mut rng = Rng::new(sub_seed(self.seed, 90, m as u64));
        let name = format!("{}-model-{m:04}", rng.pick(MODELS));
        let dir = abs.join("models").join(&name);
        let mut files = 0;
        let mut bytes = 0u64;
        let mut put = |rel: &str, data: &[u8]| -> std::io::Result<()> {
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, data)?;
            files += 1;
            bytes += data.len() as u64;
            Ok(())
        };
        let n = self.shape.versions;
        let created = EPOCH_MS + m as i64 * 3_600_000;
        let updated = created + n as i64 * 600_000;
        let champion = n.saturating_sub(1).max(1);
        let challenger = n.max(1);
        let mut meta = String::new();
        if n > 0 {
            let _ = write!(
                meta,
                "aliases:\n  challenger: '{challenger}'\n  champion: '{champion}'\n"
            );
            put("aliases/champion", champion.to_string().as_bytes())?;
            put("aliases/challenger", challenger.to_string().as_bytes())?;
        } else {
            meta.push_str("aliases: {}\n");
        }
        let _ = write!(
            meta,
            "creation_timestamp: {created}\ndeployment_job_id: null\ndeployment_job_state: null\n\
             description: Model {m} of the benchmark registry.\nlast_updated_timestamp: {updated}\n\
             name: {name}\nworkspace: default\n"
        );
        put("meta.yaml", meta.as_bytes())?;
        put(
            "tags/team",
            rng.pick(&["vision", "nlp", "risk", "ads"]).as_bytes(),
        )?;
        put("tags/owner", rng.pick(USERS).as_bytes())?;
        for v in 1..=n {
            let run = runs[rng.below(runs.len() as u64) as usize];
            let stage = if v == n {
                "Production"
            } else if v + 1 == n {
                "Staging"
            } else if v + 5 < n {
                "Archived"
            } else {
                "None"
            };
            let ts = created + v as i64 * 600_000;
            let meta = format!(
                "creation_timestamp: {ts}\ncurrent_stage: {stage}\ndeployment_job_state: null\n\
                 description: null\nlast_updated_timestamp: {ts}\nmodel_id: null\nname: {name}\n\
                 run_id: {run}\nrun_link: null\nsource: runs:/{run}/model\nstatus: READY\n\
                 status_message: null\nstorage_location: runs:/{run}/model\nuser_id: null\n\
                 version: {v}\nworkspace: default\n"
            );
            put(&format!("version-{v}/meta.yaml"), meta.as_bytes())?;
            put(
                &format!("version-{v}/tags/validated"),
                rng.pick(&["yes", "no"]).as_bytes(),
            )?;
        }
        Ok((files, bytes))
    }

    fn experiment(&self, abs: &Path, id: &str, name: &str, created: i64) -> std::io::Result<()> {
        let dir = abs.join(id);
        std::fs::create_dir_all(&dir)?;
        let meta = format!(
            "artifact_location: file://{loc}\ncreation_time: {created}\n\
             effective_trace_archival_retention: null\nexperiment_id: '{id}'\n\
             last_update_time: {created}\nlifecycle_stage: active\nname: {name}\n\
             trace_location: null\nworkspace: default\n",
            loc = dir.display(),
        );
        std::fs::write(dir.join("meta.yaml"), meta)
    }

    /// Writes one run; returns (files, bytes).
    fn run(&self, abs: &Path, plan: &RunPlan) -> std::io::Result<(usize, u64)> {
        let s = &self.shape;
        let mut rng = Rng::new(sub_seed(self.seed, 2, plan.index as u64));
        let dir = abs.join(&plan.exp_id).join(&plan.run_id);
        for sub in ["params", "metrics", "tags", "artifacts"] {
            std::fs::create_dir_all(dir.join(sub))?;
        }
        let mut files = 0;
        let mut bytes = 0u64;
        let mut put = |rel: &str, data: &[u8]| -> std::io::Result<()> {
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, data)?;
            files += 1;
            bytes += data.len() as u64;
            Ok(())
        };

        // Hyperparameters and the params files.
        let hyper = Hyper {
            lr: 10f64.powf(rng.range(-4.5, -1.0)),
            quality: rng.range(0.75, 1.1),
            speed: rng.range(0.5, 1.5),
        };
        let model = rng.pick(MODELS);
        let optimizer = rng.pick(OPTIMIZERS);
        let user = rng.pick(USERS);
        let interval_ms = (rng.range(50.0, 400.0) * hyper.speed) as i64 + 1;
        let start = EPOCH_MS + plan.index as i64 * 90_000 + rng.below(60_000) as i64;
        for i in 0..s.params {
            let value = match i {
                0 => py_float_string(hyper.lr),
                1 => ["16", "32", "64", "128", "256"][rng.below(5) as usize].to_string(),
                2 => optimizer.to_string(),
                3 => model.to_string(),
                4 => py_float_string(10f64.powf(rng.range(-6.0, -2.0))),
                5 => py_float_string((rng.range(0.0, 0.5) * 100.0).round() / 100.0),
                6 => rng.below(10_000).to_string(),
                7 => (s.steps / 10).max(1).to_string(),
                8 => (rng.below(20) * 50).to_string(),
                9 => "0.9".to_string(),
                10 => "0.999".to_string(),
                11 => rng
                    .pick(&["cosine", "linear", "step", "constant"])
                    .to_string(),
                12 => py_float_string(rng.below(3) as f64 * 0.05),
                13 => "1.0".to_string(),
                14 => rng.pick(&["fp32", "bf16", "fp16"]).to_string(),
                15 => rng
                    .pick(&["cifar10", "cifar100", "imagenet-1k"])
                    .to_string(),
                16 => rng.pick(&["True", "False"]).to_string(),
                17 => "8".to_string(),
                18 => (256 << rng.below(4)).to_string(),
                19 => (2 + rng.below(22)).to_string(),
                _ => py_float_string(rng.f64()),
            };
            put(&format!("params/{}", param_name(i)), value.as_bytes())?;
        }

        // Tags: the ones MLflow's fluent API sets, plus the parent link.
        let run_name = format!("{model}-{optimizer}-{:05}", plan.index);
        put("tags/mlflow.runName", run_name.as_bytes())?;
        put("tags/mlflow.user", user.as_bytes())?;
        put("tags/mlflow.source.name", b"train.py")?;
        put("tags/mlflow.source.type", b"LOCAL")?;
        put("tags/mlflow.source.git.commit", rng.hex(40).as_bytes())?;
        match &plan.parent {
            Some(p) => put("tags/mlflow.parentRunId", p.as_bytes())?,
            None => put("tags/sweep", s.name.as_bytes())?,
        }

        // Status: most finish; a running one stops early and has no end time.
        let roll = if s.mixed_status { rng.below(100) } else { 99 };
        let (status, fraction) = match roll {
            0..=4 => (4, rng.range(0.1, 0.9)),
            5..=7 => (5, rng.range(0.2, 0.9)),
            8..=9 => (1, rng.range(0.3, 0.95)),
            _ => (3, 1.0),
        };
        let deleted = s.mixed_status && rng.below(100) == 0;
        let steps = ((s.steps as f64 * fraction) as u64).max(1);

        // Metrics: every metric logged at every step, a few ms apart.
        let mut text = String::new();
        let mut last_ts = start;
        for m in 0..s.metrics {
            text.clear();
            let mut mrng = Rng::new(sub_seed(self.seed, 3 + m as u64, plan.index as u64));
            for step in 0..steps {
                let ts = start + step as i64 * interval_ms + m as i64;
                let v = curve(m, &hyper, step, s.steps, &mut mrng);
                let _ = write!(text, "{ts} ");
                py_float(&mut text, v);
                let _ = writeln!(text, " {step}");
                last_ts = last_ts.max(ts);
            }
            put(&format!("metrics/{}", metric_name(m)), text.as_bytes())?;
        }

        let end_time = if status == 1 {
            "null".to_string()
        } else {
            (last_ts + 500).to_string()
        };
        let mut meta = format!(
            "artifact_uri: file://{art}\n",
            art = dir.join("artifacts").display()
        );
        if deleted {
            let _ = writeln!(meta, "deleted_time: {}", last_ts + 10_000);
        }
        let _ = write!(
            meta,
            "end_time: {end_time}\nentry_point_name: ''\nexperiment_id: '{exp}'\n\
             lifecycle_stage: {lc}\nrun_id: {id}\nrun_name: {run_name}\nsource_name: ''\n\
             source_type: 4\nsource_version: ''\nstart_time: {start}\nstatus: {status}\n\
             tags: []\nuser_id: {user}\n",
            exp = plan.exp_id,
            lc = if deleted { "deleted" } else { "active" },
            id = plan.run_id,
        );
        put("meta.yaml", meta.as_bytes())?;
        Ok((files, bytes))
    }
}

fn usage() -> ! {
    eprintln!(
        "usage: gen_store --out DIR [--shape medium|sweep|long|tiny|registry] [--seed N] \
         [--experiments N] [--runs N] [--params N] [--metrics N] [--steps N] [--nest N] \
         [--models N] [--versions N] [--artifact-files N]\n\
         Writes DIR/mlruns (DIR must not already contain one)."
    );
    std::process::exit(2)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut shape = Shape::named("tiny").unwrap_or_else(|| usage());
    let mut seed = 42u64;
    let mut out: Option<PathBuf> = None;
    let mut overrides: Vec<(String, usize)> = Vec::new();
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--shape" => shape = Shape::named(&value).unwrap_or_else(|| usage()),
            "--seed" => seed = value.parse().unwrap_or_else(|_| usage()),
            "--out" => out = Some(PathBuf::from(value)),
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
    let Some(out) = out else { usage() };
    let root = out.join("mlruns");
    if root.exists() {
        eprintln!("gen_store: {} already exists", root.display());
        std::process::exit(1);
    }
    let started = std::time::Instant::now();
    let generator = Gen {
        root: root.clone(),
        shape: shape.clone(),
        seed,
    };
    match generator.write() {
        Ok((files, bytes)) => eprintln!(
            "gen_store: {} ({} runs × {} params × {} metrics × {} steps, seed {seed}): \
             {files} files, {:.1} MB in {:.1} s",
            root.display(),
            shape.runs,
            shape.params,
            shape.metrics,
            shape.steps,
            bytes as f64 / 1e6,
            started.elapsed().as_secs_f64()
        ),
        Err(e) => {
            eprintln!("gen_store: {}: {e}", root.display());
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python_repr() {
        for (v, want) in [
            (0.5, "0.5"),
            (3.0, "3.0"),
            (-0.0, "-0.0"),
            (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (123456.789, "123456.789"),
            (f64::NAN, "nan"),
            (f64::NEG_INFINITY, "-inf"),
        ] {
            assert_eq!(py_float_string(v), want);
        }
    }
}
