#!/usr/bin/env python3
"""Build the mltui demo tracking store (for screenshots / trying the TUI).

Usage (MLflow 3.x; file stores need MLFLOW_ALLOW_FILE_STORE=true, set here):

    python assets/make_demo.py
        -> rebuilds BOTH assets/demo/mlflow.db (SQLite) and assets/demo/mlruns/
           (file store) with the same content.

    python assets/make_demo.py TRACKING_URI [--artifact-root URI]
        -> writes the content into one (new) store.

Content is deterministic (seeded RNG, fixed timestamps starting 2025-03-14
09:00 UTC); only run ids / experiment ids differ between builds.

  * "resnet-cifar10": 8 sweep runs (one FAILED: loss diverges to NaN and the
    curves stop early) + "sweep-parent" with 3 nested children. Params lr,
    batch_size, optimizer, weight_decay, epochs, model; metrics train/loss, lr
    (every step = epoch, ~13-27 s apart), val/loss, val/acc (every 5 steps),
    120-200 steps.
  * "bert-finetune": 5 runs (one still RUNNING), metrics train/loss (every
    step), eval/f1, eval/accuracy (every 10 steps).
Each run has a small config.json artifact. For the SQLite store, artifacts go
to file:///tmp/mltui-demo-artifacts so nothing else lands in the repository.
"""

import argparse
import json
import math
import os
import random
import shutil
import sys
import tempfile
from datetime import datetime, timezone

os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
for _v in ("MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_EXPERIMENT_ID", "MLFLOW_RUN_ID"):
    os.environ.pop(_v, None)

from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import Metric, Param, RunTag  # noqa: E402

BASE_TS = int(datetime(2025, 3, 14, 9, 0, tzinfo=timezone.utc).timestamp() * 1000)
SEED = 20250314
BATCH = 1000  # MLflow's log_batch metric limit
HERE = os.path.dirname(os.path.abspath(__file__))
SQLITE_ARTIFACTS = "file:///tmp/mltui-demo-artifacts"


def source_tags(user, script):
    return {
        "mlflow.user": user,
        "mlflow.source.name": script,
        "mlflow.source.type": "LOCAL",
        "mlflow.source.git.commit": "3f9c2a1d8e7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a",
    }


class Demo:
    def __init__(self, uri, artifact_root=None):
        self.c = MlflowClient(tracking_uri=uri)
        self.artifact_root = artifact_root
        self.rng = random.Random(SEED)

    def experiment(self, name, tags):
        loc = f"{self.artifact_root.rstrip('/')}/{name}" if self.artifact_root else None
        return self.c.create_experiment(name, artifact_location=loc, tags=tags)

    def log_metrics(self, run_id, metrics):
        for i in range(0, len(metrics), BATCH):
            self.c.log_batch(run_id, metrics=metrics[i : i + BATCH])

    def start(self, eid, name, start_ts, params, tags):
        run = self.c.create_run(eid, start_time=start_ts, tags=tags, run_name=name)
        rid = run.info.run_id
        self.c.log_batch(rid, params=[Param(k, str(v)) for k, v in params.items()])
        self.c.log_text(rid, json.dumps(params, indent=2, sort_keys=True) + "\n", "config.json")
        return rid

    # ------------------------------------------------------------------ resnet
    def resnet_curves(self, p, steps, step_ms, start_ts, diverge_at=None):
        """Noisy decaying loss / rising accuracy; quality depends on hyperparams."""
        rng = self.rng
        opt, lr0, bs, wd = p["optimizer"], p["lr"], p["batch_size"], p["weight_decay"]
        best_lr = 0.1 if opt == "sgd" else 1e-3
        lr_pen = abs(math.log10(lr0 / best_lr))  # 0 = ideal
        depth_bonus = 0.02 if p["model"] == "resnet50" else 0.0
        final_acc = 0.945 - 0.09 * lr_pen - 0.015 * abs(math.log10(wd / 5e-4)) + depth_bonus - 0.01 * (bs == 256)
        final_acc = max(0.55, min(0.96, final_acc + rng.uniform(-0.01, 0.01)))
        floor = 0.05 + (0.96 - final_acc) * 2.2
        k = 3.5 / steps * (1.0 - 0.25 * lr_pen)
        warm = max(1, steps // 20)
        m = []
        val_loss = None
        for s in range(steps):
            if diverge_at is not None and s > diverge_at + 2:
                break  # the job crashed a few steps after the loss went NaN
            ts = start_ts + 15_000 + s * step_ms + rng.randint(-150, 150)
            if s < warm:
                lr = lr0 * (s + 1) / warm
            else:  # cosine decay to lr0 / 1000
                lr = lr0 * (1e-3 + (1 - 1e-3) * 0.5 * (1 + math.cos(math.pi * (s - warm) / (steps - warm))))
            loss = floor + (2.35 - floor) * math.exp(-k * s)
            loss *= math.exp(rng.gauss(0, 0.04))
            if diverge_at is not None and s >= diverge_at - 12:
                loss *= math.exp(0.45 * (s - (diverge_at - 12)))
            if diverge_at is not None and s >= diverge_at:
                loss = float("nan")
            m.append(Metric("train/loss", round(loss, 6) if loss == loss else loss, ts, s))
            m.append(Metric("lr", float(f"{lr:.6g}"), ts, s))
            if s % 5 == 4 or s == steps - 1:
                vts = ts + 4_000
                progress = 1 - math.exp(-k * 1.15 * s)
                acc = 0.1 + (final_acc - 0.1) * progress + rng.gauss(0, 0.006)
                val_loss = floor * 1.25 + (2.3 - floor * 1.25) * math.exp(-k * s) + abs(rng.gauss(0, 0.02))
                if diverge_at is not None and s >= diverge_at - 12:
                    acc = 0.1 + rng.uniform(0, 0.02)
                    val_loss = float("nan") if s >= diverge_at else val_loss * math.exp(0.4 * (s - (diverge_at - 12)))
                m.append(Metric("val/acc", round(min(acc, 0.999), 5), vts, s))
                m.append(Metric("val/loss", round(val_loss, 6) if val_loss == val_loss else val_loss, vts, s))
        last_ts = max(x.timestamp for x in m)
        return m, last_ts

    def resnet(self):
        eid = self.experiment(
            "resnet-cifar10",
            {
                "team": "vision",
                "dataset": "cifar10",
                "mlflow.note.content": "ResNet baselines on CIFAR-10.\n\nGrid over lr / optimizer / weight decay; "
                "cosine schedule with 5% warmup.",
            },
        )
        configs = [
            # model, optimizer, lr, batch, wd, epochs
            ("resnet18", "sgd", 0.1, 128, 5e-4, 200),
            ("resnet18", "sgd", 0.05, 128, 5e-4, 200),
            ("resnet18", "sgd", 0.3, 256, 1e-4, 160),
            ("resnet18", "adam", 1e-3, 128, 5e-4, 160),
            ("resnet18", "adam", 3e-4, 64, 1e-4, 120),
            ("resnet34", "sgd", 0.1, 128, 1e-3, 200),
            ("resnet50", "sgd", 0.1, 256, 5e-4, 180),
            ("resnet50", "adam", 0.5, 256, 5e-4, 200),  # diverges -> FAILED
        ]
        t = BASE_TS
        grid_end = t
        for i, (model, opt, lr, bs, wd, epochs) in enumerate(configs):
            p = {"model": model, "optimizer": opt, "lr": lr, "batch_size": bs, "weight_decay": wd, "epochs": epochs}
            name = f"{model}-{opt}-lr{lr:g}"
            failed = lr == 0.5
            user = ["alice", "bob"][i % 2]
            tags = {**source_tags(user, "train.py"), "team": "vision", "gpu": self.rng.choice(["A100", "V100"])}
            if i == 0:
                tags["mlflow.note.content"] = "Reference run: the classic SGD recipe (lr 0.1, wd 5e-4)."
            if failed:
                tags["mlflow.note.content"] = "Adam with lr=0.5 blew up around step 70: loss -> NaN."
            rid = self.start(eid, name, t, p, tags)
            # one step = one epoch: ~13-27 s on a single GPU
            step_ms = 5 * ({64: 2600, 128: 3100, 256: 3900}[bs] + {"resnet18": 0, "resnet34": 700, "resnet50": 1500}[model])
            steps = epochs
            m, last = self.resnet_curves(p, steps, step_ms, t, diverge_at=70 if failed else None)
            self.log_metrics(rid, m)
            self.c.set_terminated(rid, "FAILED" if failed else "FINISHED", end_time=last + 2_000)
            grid_end = max(grid_end, last + 2_000)
            t += 95_000 + self.rng.randint(0, 30_000)  # staggered launches on a shared cluster

        # sweep-parent with nested children (weight-decay sweep)
        t = grid_end + 30 * 60 * 1000  # half an hour after the grid finished
        parent_tags = {**source_tags("alice", "sweep.py"), "team": "vision", "sweep": "weight_decay"}
        parent_tags["mlflow.note.content"] = "Weight-decay sweep for resnet18/sgd/lr=0.1 (3 children)."
        parent = self.start(eid, "sweep-parent", t, {"search": "grid", "grid": "weight_decay"}, parent_tags)
        ends = []
        for j, wd in enumerate([1e-4, 5e-4, 2e-3]):
            p = {"model": "resnet18", "optimizer": "sgd", "lr": 0.1, "batch_size": 128, "weight_decay": wd, "epochs": 150}
            ct = t + 5_000 + j * 2_000
            tags = {**source_tags("alice", "sweep.py"), "team": "vision", "mlflow.parentRunId": parent}
            rid = self.start(eid, f"wd-{wd:g}", ct, p, tags)
            m, last = self.resnet_curves(p, 150, 15_500, ct)
            self.log_metrics(rid, m)
            self.c.set_terminated(rid, "FINISHED", end_time=last + 2_000)
            ends.append((last, m))
        best = max(max(x.value for x in m if x.key == "val/acc") for _, m in ends)
        end = max(e for e, _ in ends) + 10_000
        self.log_metrics(parent, [Metric("best/val_acc", best, end, 0)])
        self.c.set_terminated(parent, "FINISHED", end_time=end + 1_000)
        return end

    # -------------------------------------------------------------------- bert
    def bert(self, t0):
        eid = self.experiment(
            "bert-finetune",
            {"team": "nlp", "task": "sst2", "mlflow.note.content": "BERT fine-tuning on SST-2 (binary sentiment)."},
        )
        configs = [
            ("bert-base-uncased", 2e-5, 32, 3, 0.1, "FINISHED"),
            ("bert-base-uncased", 3e-5, 32, 3, 0.1, "FINISHED"),
            ("bert-base-uncased", 5e-5, 16, 2, 0.06, "FINISHED"),
            ("distilbert-base-uncased", 5e-5, 64, 3, 0.1, "FINISHED"),
            ("bert-large-uncased", 2e-5, 16, 3, 0.1, "RUNNING"),  # still training
        ]
        rng = self.rng
        t = t0 + 30 * 60 * 1000
        for i, (model, lr, bs, epochs, warmup, status) in enumerate(configs):
            p = {"model": model, "lr": lr, "batch_size": bs, "epochs": epochs, "warmup_ratio": warmup, "max_seq_len": 128}
            tags = {**source_tags("carol", "finetune.py"), "team": "nlp"}
            rid = self.start(eid, f"{model.split('-')[0]}-{i}", t, p, tags)
            steps = 150
            if status == "RUNNING":
                steps = 90
            step_ms = {"bert-base-uncased": 2200, "distilbert-base-uncased": 1300, "bert-large-uncased": 5200}[model]
            quality = {"bert-base-uncased": 0.925, "distilbert-base-uncased": 0.905, "bert-large-uncased": 0.94}[model]
            quality -= 0.004 * abs(math.log(lr / 3e-5))
            m = []
            for s in range(steps):
                ts = t + 20_000 + s * step_ms + rng.randint(-100, 100)
                loss = 0.09 + 0.62 * math.exp(-s / 28) + 0.03 * math.sin(s / 6.0) * math.exp(-s / 80)
                m.append(Metric("train/loss", round(max(0.01, loss * math.exp(rng.gauss(0, 0.07))), 5), ts, s))
                if s % 10 == 9:
                    acc = quality - 0.35 * math.exp(-s / 22) + rng.gauss(0, 0.004)
                    f1 = acc - 0.004 + rng.gauss(0, 0.003)
                    m.append(Metric("eval/accuracy", round(acc, 5), ts + 9_000, s))
                    m.append(Metric("eval/f1", round(f1, 5), ts + 9_000, s))
            self.log_metrics(rid, m)
            last = max(x.timestamp for x in m)
            if status != "RUNNING":
                self.c.set_terminated(rid, status, end_time=last + 3_000)
            t = last + 120_000

    def build(self):
        end = self.resnet()
        self.bert(end)


def build_one(uri, artifact_root):
    Demo(uri, artifact_root).build()
    print(f"wrote demo store {uri}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("uri", nargs="?")
    ap.add_argument("--artifact-root", default=None)
    a = ap.parse_args()
    if a.uri:
        build_one(a.uri, a.artifact_root)
        return
    demo = os.path.join(HERE, "demo")
    db = os.path.join(demo, "mlflow.db")
    mlruns = os.path.join(demo, "mlruns")
    os.makedirs(demo, exist_ok=True)
    shutil.rmtree(mlruns, ignore_errors=True)
    if os.path.exists(db):
        os.remove(db)
    shutil.rmtree(SQLITE_ARTIFACTS[len("file://"):], ignore_errors=True)
    # Run from a scratch dir: the SQLite "Default" experiment's artifact location
    # is derived from the CWD, and nothing stray should land in the repo.
    scratch = os.path.join(tempfile.gettempdir(), "mltui-demo-cwd")
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    os.chdir(scratch)
    try:
        build_one("file://" + mlruns, None)
        build_one("sqlite:///" + db, SQLITE_ARTIFACTS)
    finally:
        os.chdir("/")
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
