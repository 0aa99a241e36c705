#!/usr/bin/env python3
"""Add models, the registry, logged models and artifacts to the mltui demo stores.

A second stage after make_demo.py (which it leaves as it is: same runs, same values):

    python assets/make_demo_models.py
        -> adds to BOTH assets/demo/mlflow.db and assets/demo/mlruns/

    python assets/make_demo_models.py TRACKING_URI [--artifact-root URI]
        -> adds to one store

Content (deterministic but for ids and timestamps):

  * experiment "fraud-detection" (team risk): three runs of an MLflow Project (tags
    mlflow.source.git.commit/branch/repoURL, mlflow.gitRepoURL, mlflow.project.entryPoint,
    backend, env), each with config.json, MLproject, python_env.yaml, requirements.txt,
    reports/confusion_matrix.csv and reports/roc.png among its artifacts, and a scikit-learn
    model logged with MLflow 3's log_model (a logged model with params, metrics, and a metric
    per evaluation dataset).
  * registered model "fraud-detector": v1 from the first run (Archived), v2 (Production,
    alias champion), v3 (Staging, alias challenger); tags and descriptions.
  * registered model "cifar-classifier": v1 from the best resnet-cifar10 run's artifacts
    (alias champion), so that an older run shows the version made from it.
  * prompt "fraud-triage" (one version).

SQLite artifacts: the demo database records them under file:///tmp/mltui-demo-artifacts (as
make_demo.py does), and this script copies that folder next to the database
(assets/demo/mltui-demo-artifacts/), where mltui finds them by the recorded path's tail. The
config.json of the runs make_demo.py wrote is rebuilt there from their params when the /tmp
folder is gone.
"""

import argparse
import json
import math
import os
import random
import shutil
import struct
import sys
import tempfile
import zlib
from datetime import datetime, timezone

os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
for _v in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_EXPERIMENT_NAME",
           "MLFLOW_EXPERIMENT_ID", "MLFLOW_RUN_ID"):
    os.environ.pop(_v, None)

import mlflow  # noqa: E402
import numpy as np  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import Metric  # noqa: E402
from sklearn.ensemble import GradientBoostingClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = os.path.join(HERE, "demo")
SQLITE_ARTIFACTS = "/tmp/mltui-demo-artifacts"
# After make_demo.py's runs (2025-03-14): the next day.
BASE_TS = int(datetime(2025, 3, 15, 10, 0, tzinfo=timezone.utc).timestamp() * 1000)
SEED = 20250315
REPO = "https://github.com/example/fraud-models.git"
COMMIT = "7b1e4c9a2d3f5e6a8b9c0d1e2f3a4b5c6d7e8f90"

MLPROJECT = """name: fraud-models

python_env: python_env.yaml

entry_points:
  main:
    parameters:
      model: {type: string, default: logreg}
      C: {type: float, default: 1.0}
      n_estimators: {type: int, default: 100}
    command: "python train.py --model {model} --C {C} --n-estimators {n_estimators}"
  evaluate:
    parameters:
      model_uri: string
    command: "python evaluate.py --model-uri {model_uri}"
"""

PYTHON_ENV = """python: 3.11.7
build_dependencies:
  - pip==24.0
dependencies:
  - -r requirements.txt
"""

REQUIREMENTS = "mlflow==3.17.2\nscikit-learn==1.9.1\nnumpy==2.4.6\npandas==3.1.1\n"


def png(width, height, seed):
    """A small ROC-ish image, written by hand (deterministic bytes)."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            on_curve = abs((height - 1 - y) - int((height - 1) * (x / (width - 1)) ** (0.25 + seed * 0.1))) <= 1
            row += bytes((20, 120, 200) if on_curve else (250, 250, 250))
        rows.append(bytes(row))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))


def dataset(rng, n):
    """Card transactions: amount, hour, distance, merchant risk, velocity; ~8% fraud."""
    X, y = [], []
    for _ in range(n):
        fraud = rng.random() < 0.08
        amount = rng.lognormvariate(4.5 if fraud else 3.6, 0.8)
        hour = rng.randint(0, 5) if fraud and rng.random() < 0.6 else rng.randint(0, 23)
        distance = rng.expovariate(1 / (80 if fraud else 12))
        risk = min(1.0, max(0.0, rng.gauss(0.6 if fraud else 0.3, 0.15)))
        velocity = rng.randint(3, 12) if fraud else rng.randint(0, 4)
        X.append([round(amount, 2), hour, round(distance, 1), round(risk, 3), velocity])
        y.append(1 if fraud else 0)
    return np.array(X), np.array(y)


def write(root, rel, data):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


class Stage:
    def __init__(self, uri, artifact_root=None):
        self.uri = uri
        mlflow.set_tracking_uri(uri)
        mlflow.set_registry_uri(uri)
        self.c = MlflowClient(tracking_uri=uri, registry_uri=uri)
        self.artifact_root = artifact_root
        self.rng = random.Random(SEED)

    def build(self):
        if self.c.get_experiment_by_name("fraud-detection") is not None:
            print(f"{self.uri}: already has the models stage; nothing to do")
            return
        loc = f"{self.artifact_root.rstrip('/')}/fraud-detection" if self.artifact_root else None
        eid = self.c.create_experiment(
            "fraud-detection",
            artifact_location=loc,
            tags={
                "team": "risk",
                "mlflow.note.content": "Card-fraud classifiers. The registered model "
                "fraud-detector serves the champion.",
            },
        )
        mlflow.set_experiment(experiment_id=eid)
        X, y = dataset(self.rng, 1200)
        Xh, yh = dataset(self.rng, 400)
        train_ds = mlflow.data.from_numpy(X, targets=y, name="train")
        holdout_ds = mlflow.data.from_numpy(Xh, targets=yh, name="holdout")
        configs = [
            ("logreg-baseline", "logreg", {"C": 0.1, "class_weight": "none"}),
            ("logreg-balanced", "logreg", {"C": 1.0, "class_weight": "balanced"}),
            ("gbm-12", "gbm", {"n_estimators": 12, "learning_rate": 0.3, "max_depth": 2}),
        ]
        runs = []
        t = BASE_TS
        for i, (name, kind, hp) in enumerate(configs):
            params = {"model": kind, **hp}
            tags = {
                "mlflow.user": "dana",
                "mlflow.source.name": REPO,
                "mlflow.source.type": "PROJECT",
                "mlflow.source.git.commit": COMMIT,
                "mlflow.source.git.branch": "main",
                "mlflow.source.git.repoURL": REPO,
                "mlflow.gitRepoURL": REPO,
                "mlflow.project.entryPoint": "main",
                "mlflow.project.backend": "local",
                "mlflow.project.env": "virtualenv",
                "team": "risk",
            }
            run = self.c.create_run(eid, start_time=t, tags=tags, run_name=name)
            rid = run.info.run_id
            with mlflow.start_run(run_id=rid):
                mlflow.log_params(params)
                mlflow.log_input(train_ds, context="training")
                if kind == "logreg":
                    model = LogisticRegression(
                        C=hp["C"], class_weight=None if hp["class_weight"] == "none" else "balanced",
                        max_iter=2000,
                    )
                else:
                    model = GradientBoostingClassifier(
                        n_estimators=hp["n_estimators"], learning_rate=hp["learning_rate"],
                        max_depth=hp["max_depth"], random_state=0,
                    )
                model.fit(X, y)
                scores = {}
                for ds_name, (XX, yy) in (("train", (X, y)), ("holdout", (Xh, yh))):
                    p = model.predict_proba(XX)[:, 1]
                    pred = (p >= 0.5).astype(int)
                    scores[ds_name] = {
                        "auc": round(float(roc_auc_score(yy, p)), 4),
                        "precision": round(float(precision_score(yy, pred, zero_division=0)), 4),
                        "recall": round(float(recall_score(yy, pred, zero_division=0)), 4),
                        "f1": round(float(f1_score(yy, pred, zero_division=0)), 4),
                    }
                with tempfile.TemporaryDirectory() as d:
                    write(d, "config.json", json.dumps(params, indent=2, sort_keys=True) + "\n")
                    write(d, "MLproject", MLPROJECT)
                    write(d, "python_env.yaml", PYTHON_ENV)
                    write(d, "requirements.txt", REQUIREMENTS)
                    pred = (model.predict_proba(Xh)[:, 1] >= 0.5).astype(int)
                    tn = int(((pred == 0) & (yh == 0)).sum())
                    fp = int(((pred == 1) & (yh == 0)).sum())
                    fn = int(((pred == 0) & (yh == 1)).sum())
                    tp = int(((pred == 1) & (yh == 1)).sum())
                    write(d, "reports/confusion_matrix.csv",
                          f"actual,predicted_legit,predicted_fraud\nlegit,{tn},{fp}\nfraud,{fn},{tp}\n")
                    write(d, "reports/roc.png", png(48, 32, i))
                    mlflow.log_artifacts(d)
                extra = {"skops_trusted_types": ["sklearn.tree._tree.Tree"]} if kind == "gbm" else {}
                info = mlflow.sklearn.log_model(
                    model, name="model", input_example=X[:3], model_type="classifier",
                    params={k: str(v) for k, v in hp.items()}, **extra,
                )
                for ds_name, ds in (("train", train_ds), ("holdout", holdout_ds)):
                    for k, v in scores[ds_name].items():
                        mlflow.log_metric(k, v, step=0, model_id=info.model_id, dataset=ds)
                mlflow.set_logged_model_tags(info.model_id, {"algorithm": kind})
            # The run's own metrics, logged outside the fluent run so that MLflow does not
            # copy them onto the logged model (which has them per dataset).
            metrics = [Metric(f"holdout/{k}", v, t + 60_000, 0) for k, v in scores["holdout"].items()]
            metrics += [Metric(f"train/{k}", v, t + 60_000, 0) for k, v in scores["train"].items()]
            self.c.log_batch(rid, metrics=metrics)
            self.c.set_terminated(rid, "FINISHED", end_time=t + 90_000)
            runs.append((rid, info.model_id, scores))
            t += 15 * 60 * 1000

        self.c.create_registered_model(
            "fraud-detector",
            tags={"team": "risk", "serving": "card-payments"},
            description="Scores card transactions for fraud. Serve the version with alias "
            "'champion'; 'challenger' is in shadow mode.",
        )
        stages = ["Archived", "Production", "Staging"]
        for i, (rid, model_id, scores) in enumerate(runs):
            mv = self.c.create_model_version(
                "fraud-detector", f"models:/{model_id}", run_id=rid, model_id=model_id,
                tags={"holdout_auc": str(scores["holdout"]["auc"])},
                description=["first baseline", "balanced classes; promoted 2025-03-16",
                             "gradient boosting; shadow traffic"][i],
            )
            self.c.transition_model_version_stage("fraud-detector", mv.version, stages[i])
        self.c.set_registered_model_alias("fraud-detector", "champion", "2")
        self.c.set_registered_model_alias("fraud-detector", "challenger", "3")

        # An older run gets a registered version too (MLflow 2 style: from its files).
        resnet = self.c.get_experiment_by_name("resnet-cifar10")
        if resnet is not None:
            best = self.c.search_runs(
                [resnet.experiment_id], "attributes.status = 'FINISHED'",
                order_by=["metrics.`val/acc` DESC"], max_results=1,
            )
            if best:
                r = best[0]
                self.c.create_registered_model("cifar-classifier", tags={"team": "vision"},
                                               description="CIFAR-10 classifier.")
                self.c.create_model_version("cifar-classifier", f"runs:/{r.info.run_id}/config.json",
                                            run_id=r.info.run_id)
                self.c.set_registered_model_alias("cifar-classifier", "champion", "1")

        mlflow.genai.register_prompt(
            name="fraud-triage",
            template="Explain to an analyst why transaction {{id}} scored {{score}}: {{features}}",
            commit_message="first version",
            tags={"team": "risk"},
        )
        print(f"added models, registry and artifacts to {self.uri}")


def restore_sqlite_artifacts(db):
    """Copies /tmp/mltui-demo-artifacts next to the database; rebuilds the config.json of
    make_demo.py's runs when /tmp no longer has them."""
    import sqlite3

    dest = os.path.join(os.path.dirname(db), "mltui-demo-artifacts")
    shutil.rmtree(os.path.join(dest, "fraud-detection"), ignore_errors=True)
    if os.path.isdir(SQLITE_ARTIFACTS):
        shutil.copytree(SQLITE_ARTIFACTS, dest, dirs_exist_ok=True)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = conn.execute(
        "SELECT r.run_uuid, r.artifact_uri FROM runs r JOIN experiments e "
        "ON e.experiment_id = r.experiment_id WHERE e.name IN ('resnet-cifar10', 'bert-finetune')"
    ).fetchall()
    for run_id, uri in rows:
        rel = uri[len("file://" + SQLITE_ARTIFACTS) + 1:]
        target = os.path.join(dest, rel, "config.json")
        if os.path.exists(target):
            continue
        params = dict(conn.execute("SELECT key, value FROM params WHERE run_uuid = ?", (run_id,)))
        write(os.path.dirname(target), "config.json",
              json.dumps({k: typed(v) for k, v in params.items()}, indent=2, sort_keys=True) + "\n")
    conn.close()


def typed(v):
    """A param value as make_demo.py wrote it into config.json (int, float or text)."""
    for cast in (int, float):
        try:
            return cast(v)
        except ValueError:
            pass
    return v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("uri", nargs="?")
    ap.add_argument("--artifact-root", default=None)
    a = ap.parse_args()
    if a.uri:
        Stage(a.uri, a.artifact_root).build()
        return
    scratch = os.path.join(tempfile.gettempdir(), "mltui-demo-cwd")
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    os.chdir(scratch)
    try:
        Stage("file://" + os.path.join(DEMO, "mlruns")).build()
        db = os.path.join(DEMO, "mlflow.db")
        # Leftovers of an earlier attempt would be copied next to the database.
        shutil.rmtree(os.path.join(SQLITE_ARTIFACTS, "fraud-detection"), ignore_errors=True)
        Stage("sqlite:///" + db, "file://" + SQLITE_ARTIFACTS).build()
        restore_sqlite_artifacts(db)
    finally:
        os.chdir("/")
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
