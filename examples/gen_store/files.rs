//! The file-store writer: a store's plan and runs written in MLflow 3's exact on-disk
//! layout (`meta.yaml` per experiment and run, one file per param and tag, metric files of
//! `<ts_ms> <value> <step>` lines, MLflow 3's registry layout under `models/`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::data::{EPOCH_MS, MODELS, Rng, RunPlan, Shape, USERS, py_float, sub_seed};

pub struct Gen {
    pub root: PathBuf,
    pub shape: Shape,
    pub seed: u64,
}

impl Gen {
    pub fn write(&self) -> std::io::Result<(usize, u64)> {
        let mlruns = &self.root;
        std::fs::create_dir_all(mlruns)?;
        let abs = std::fs::canonicalize(mlruns)?;
        let mut files = 0usize;
        let mut bytes = 0u64;

        // The Default experiment, always present and empty here.
        self.experiment(&abs, "0", "Default", EPOCH_MS)?;
        files += 1;
        let plan = self.shape.plan(self.seed);
        for e in &plan.experiments {
            self.experiment(&abs, &e.file_id, &e.name, e.created)?;
            files += 1;
        }
        let exp_ids: Vec<&str> = plan
            .experiments
            .iter()
            .map(|e| e.file_id.as_str())
            .collect();
        let results: Vec<std::io::Result<(usize, u64)>> = plan
            .runs
            .par_iter()
            .map(|p| self.run(&abs, exp_ids[p.exp], p))
            .collect();
        for r in results {
            let (f, b) = r?;
            files += f;
            bytes += b;
        }
        if let Some(first) = plan.runs.first() {
            let many = abs
                .join(exp_ids[first.exp])
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
        let runs: Vec<&str> = plan.runs.iter().map(|p| p.run_id.as_str()).collect();
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
    fn run(&self, abs: &Path, exp_id: &str, plan: &RunPlan) -> std::io::Result<(usize, u64)> {
        let data = self.shape.run_data(self.seed, plan);
        let dir = abs.join(exp_id).join(&plan.run_id);
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
        for (key, value) in &data.params {
            put(&format!("params/{key}"), value.as_bytes())?;
        }
        for (key, value) in &data.tags {
            put(&format!("tags/{key}"), value.as_bytes())?;
        }
        let mut text = String::new();
        for series in &data.metrics {
            text.clear();
            for (step, (ts, v)) in series.points.iter().enumerate() {
                let _ = write!(text, "{ts} ");
                py_float(&mut text, *v);
                let _ = writeln!(text, " {step}");
            }
            put(&format!("metrics/{}", series.key), text.as_bytes())?;
        }

        let end_time = data
            .end_time
            .map_or_else(|| "null".to_string(), |t| t.to_string());
        let mut meta = format!(
            "artifact_uri: file://{art}\n",
            art = dir.join("artifacts").display()
        );
        if let Some(t) = data.deleted_time {
            let _ = writeln!(meta, "deleted_time: {t}");
        }
        let _ = write!(
            meta,
            "end_time: {end_time}\nentry_point_name: ''\nexperiment_id: '{exp_id}'\n\
             lifecycle_stage: {lc}\nrun_id: {id}\nrun_name: {run_name}\nsource_name: ''\n\
             source_type: 4\nsource_version: ''\nstart_time: {start}\nstatus: {status}\n\
             tags: []\nuser_id: {user}\n",
            lc = if data.deleted_time.is_some() {
                "deleted"
            } else {
                "active"
            },
            id = plan.run_id,
            run_name = data.run_name,
            start = data.start,
            status = data.status.code(),
            user = data.user,
        );
        put("meta.yaml", meta.as_bytes())?;
        Ok((files, bytes))
    }
}
