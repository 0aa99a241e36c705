//! What a generated store holds, independent of how it is written: the shapes, the
//! deterministic RNG, the plan of experiments and runs, and each run's params, tags, status
//! and metric points. The file-store writer (`files.rs`) and the SQLite writer (`sqlite.rs`)
//! write the same data, so a shape written both ways is the same store.

use std::fmt::Write as _;

/// A tiny deterministic RNG (splitmix64).
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Roughly normal (sum of uniforms), mean 0, sd 1.
    fn normal(&mut self) -> f64 {
        (0..4).map(|_| self.f64()).sum::<f64>() * 1.732_050_8 - 3.464_101_6
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    pub fn hex(&mut self, digits: usize) -> String {
        let mut s = String::with_capacity(digits);
        while s.len() < digits {
            let _ = write!(s, "{:016x}", self.next_u64());
        }
        s.truncate(digits);
        s
    }
}

/// A seed for item `i` of stream `stream`, independent of iteration order (for rayon).
pub fn sub_seed(seed: u64, stream: u64, i: u64) -> u64 {
    let mut r = Rng::new(seed ^ stream.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ i.rotate_left(32));
    r.next_u64()
}

#[derive(Clone, Debug)]
pub struct Shape {
    pub name: String,
    pub experiments: usize,
    pub runs: usize,
    pub params: usize,
    pub metrics: usize,
    pub steps: u64,
    /// Children per parent run (0: no nesting).
    pub nest: usize,
    /// Some runs failed, were killed, still run (and stopped early) or are deleted.
    pub mixed_status: bool,
    /// Registered models, and versions of each.
    pub models: usize,
    pub versions: usize,
    /// Files in `artifacts/many/` of the first run.
    pub artifact_files: usize,
}

impl Shape {
    pub fn named(name: &str) -> Option<Self> {
        let (experiments, runs, params, metrics, steps, nest) = match name {
            "medium" => (4, 2_000, 20, 10, 200, 0),
            "sweep" => (1, 20_000, 30, 5, 20, 100),
            "huge" => (1, 100_000, 30, 10, 50, 100),
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
pub const EPOCH_MS: i64 = 1_736_121_600_000;

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

pub const USERS: &[&str] = &["alice", "bob", "carol", "dave", "erin"];
pub const MODELS: &[&str] = &["resnet18", "resnet34", "resnet50", "vit-s16", "convnext-t"];
const OPTIMIZERS: &[&str] = &["adam", "adamw", "sgd", "lion"];

fn param_name(i: usize) -> String {
    match PARAM_NAMES.get(i) {
        Some(n) => (*n).to_string(),
        None => format!("extra/p{i:02}"),
    }
}

pub fn metric_name(i: usize) -> String {
    match METRIC_NAMES.get(i) {
        Some(n) => (*n).to_string(),
        None => format!("aux/m{i:02}"),
    }
}

/// Python's `repr(float)`: shortest round-trip digits, `.0` on integral values, exponent
/// form (`1e-05`, `1.5e+16`) outside [1e-4, 1e16), `nan`, `inf`, `-inf`.
pub fn py_float(out: &mut String, v: f64) {
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

pub fn py_float_string(v: f64) -> String {
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

/// One experiment of the store (the Default experiment is not in the plan).
pub struct ExperimentPlan {
    /// An 18-digit id, as MLflow's file store makes them (the SQLite writer numbers
    /// experiments 1, 2, … instead, as MLflow's SQL store does).
    pub file_id: String,
    pub name: String,
    pub created: i64,
}

/// One run's identity and place in the store.
pub struct RunPlan {
    /// Position in `Plan::experiments`.
    pub exp: usize,
    pub run_id: String,
    pub parent: Option<String>,
    pub index: usize,
}

/// The experiments and runs of a store, before any run's content.
pub struct Plan {
    pub experiments: Vec<ExperimentPlan>,
    pub runs: Vec<RunPlan>,
}

/// A run's status as MLflow's `RunStatus` enum.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Running,
    Finished,
    Failed,
    Killed,
}

impl Status {
    /// The number in a file store's `meta.yaml`.
    pub fn code(self) -> u8 {
        match self {
            Status::Running => 1,
            Status::Finished => 3,
            Status::Failed => 4,
            Status::Killed => 5,
        }
    }

    /// The name in a SQL store's `runs.status`.
    pub fn name(self) -> &'static str {
        match self {
            Status::Running => "RUNNING",
            Status::Finished => "FINISHED",
            Status::Failed => "FAILED",
            Status::Killed => "KILLED",
        }
    }
}

/// One metric's history: the point at index `i` is step `i`.
pub struct Series {
    pub key: String,
    /// (timestamp ms, value)
    pub points: Vec<(i64, f64)>,
}

/// Everything one run holds.
pub struct RunData {
    pub run_name: String,
    pub user: &'static str,
    pub start: i64,
    /// `None` while the run is still running.
    pub end_time: Option<i64>,
    pub status: Status,
    /// `Some` for a deleted run.
    pub deleted_time: Option<i64>,
    pub params: Vec<(String, String)>,
    /// The tags MLflow's fluent API sets, plus the parent link (or `sweep`).
    pub tags: Vec<(&'static str, String)>,
    pub metrics: Vec<Series>,
}

impl Shape {
    /// Plans the experiments and the runs: ids first (so children know their parent's id).
    pub fn plan(&self, seed: u64) -> Plan {
        let mut rng = Rng::new(sub_seed(seed, 1, 0));
        let mut experiments = Vec::new();
        for e in 0..self.experiments {
            // 18-digit ids, as MLflow 2.x and 3.x make them.
            let file_id =
                (100_000_000_000_000_000 + rng.below(800_000_000_000_000_000)).to_string();
            let name = if self.experiments == 1 {
                format!("{}-sweep", self.name)
            } else {
                format!("{}-exp-{e}", self.name)
            };
            experiments.push(ExperimentPlan {
                file_id,
                name,
                created: EPOCH_MS + e as i64 * 60_000,
            });
        }
        let per_exp = self.runs.div_ceil(self.experiments.max(1));
        let mut runs = Vec::with_capacity(self.runs);
        let mut parent: Option<String> = None;
        for i in 0..self.runs {
            let exp = (i / per_exp).min(experiments.len() - 1);
            let run_id = rng.hex(32);
            let is_parent = self.nest > 0 && i % self.nest == 0;
            let p = if self.nest == 0 || is_parent {
                None
            } else {
                parent.clone()
            };
            if is_parent {
                parent = Some(run_id.clone());
            }
            runs.push(RunPlan {
                exp,
                run_id,
                parent: p,
                index: i,
            });
        }
        Plan { experiments, runs }
    }

    /// The content of one run, deterministic by `seed` and the run's index.
    pub fn run_data(&self, seed: u64, plan: &RunPlan) -> RunData {
        let mut rng = Rng::new(sub_seed(seed, 2, plan.index as u64));

        // Hyperparameters and the params.
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
        let mut params = Vec::with_capacity(self.params);
        for i in 0..self.params {
            let value = match i {
                0 => py_float_string(hyper.lr),
                1 => ["16", "32", "64", "128", "256"][rng.below(5) as usize].to_string(),
                2 => optimizer.to_string(),
                3 => model.to_string(),
                4 => py_float_string(10f64.powf(rng.range(-6.0, -2.0))),
                5 => py_float_string((rng.range(0.0, 0.5) * 100.0).round() / 100.0),
                6 => rng.below(10_000).to_string(),
                7 => (self.steps / 10).max(1).to_string(),
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
            params.push((param_name(i), value));
        }

        // Tags: the ones MLflow's fluent API sets, plus the parent link.
        let run_name = format!("{model}-{optimizer}-{:05}", plan.index);
        let mut tags = vec![
            ("mlflow.runName", run_name.clone()),
            ("mlflow.user", user.to_string()),
            ("mlflow.source.name", "train.py".to_string()),
            ("mlflow.source.type", "LOCAL".to_string()),
            ("mlflow.source.git.commit", rng.hex(40)),
        ];
        match &plan.parent {
            Some(p) => tags.push(("mlflow.parentRunId", p.clone())),
            None => tags.push(("sweep", self.name.clone())),
        }

        // Status: most finish; a running one stops early and has no end time.
        let roll = if self.mixed_status {
            rng.below(100)
        } else {
            99
        };
        let (status, fraction) = match roll {
            0..=4 => (Status::Failed, rng.range(0.1, 0.9)),
            5..=7 => (Status::Killed, rng.range(0.2, 0.9)),
            8..=9 => (Status::Running, rng.range(0.3, 0.95)),
            _ => (Status::Finished, 1.0),
        };
        let deleted = self.mixed_status && rng.below(100) == 0;
        let steps = ((self.steps as f64 * fraction) as u64).max(1);

        // Metrics: every metric logged at every step, a few ms apart.
        let mut last_ts = start;
        let mut metrics = Vec::with_capacity(self.metrics);
        for m in 0..self.metrics {
            let mut mrng = Rng::new(sub_seed(seed, 3 + m as u64, plan.index as u64));
            let mut points = Vec::with_capacity(steps as usize);
            for step in 0..steps {
                let ts = start + step as i64 * interval_ms + m as i64;
                let v = curve(m, &hyper, step, self.steps, &mut mrng);
                points.push((ts, v));
                last_ts = last_ts.max(ts);
            }
            metrics.push(Series {
                key: metric_name(m),
                points,
            });
        }
        RunData {
            run_name,
            user,
            start,
            end_time: (status != Status::Running).then_some(last_ts + 500),
            status,
            deleted_time: deleted.then_some(last_ts + 10_000),
            params,
            tags,
            metrics,
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
