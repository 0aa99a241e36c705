"""Checks that real MLflow reads a SQLite tracking database written by
`gen_store --sqlite` (or any MLflow SQLite store) as mltui does: for a sample of runs spread
over the store (every k-th by rowid, plus the newest and oldest of every experiment in
MLflow's order), `MlflowClient.search_runs` (status, times, lifecycle, user, name, artifact
URI, params, tags, latest metric values with their step and timestamp) against
`mltui runs DB --view all -f json`; for every metric of every sampled run (or as many as
--histories allows, the keys rotating from run to run), MLflow's
`get_metric_history` against mltui's min/max/count and against MLflow's own latest value
(`latest_metrics`, which both read: the largest (step, timestamp, value) of the history),
and for the first sampled run every point against `mltui history`; the experiments against `mltui experiments -f json`.
With --count, every run id through `search_runs` pages (active only, then all) against
mltui's listing of the same view.

usage: python check_sqlite_store.py DB [--mltui PATH] [--sample N] [--count] [--page N]
                                     [--histories N]

Run it with a Python that has mlflow (e.g. /work/venvs/mlflow3/bin/python). Prints what was
compared and every difference; exits 1 if there was one.
"""

import argparse
import json
import math
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from mlflow.entities import ViewType
from mlflow.tracking import MlflowClient

ROOT = Path(__file__).resolve().parent.parent


class Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.compared = 0

    def same(self, what: str, mlflow_value, mltui_value, names=("MLflow", "mltui")) -> None:
        self.compared += 1
        if not equal(mlflow_value, mltui_value):
            self.problems.append(
                f"{what}: {names[0]} {mlflow_value!r}, {names[1]} {mltui_value!r}")
            if len(self.problems) <= 20:
                log(f"DIFFERENT {self.problems[-1]}")


F64_MAX = sys.float_info.max


def equal(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float | int) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    if isinstance(a, float) and abs(a) == F64_MAX and isinstance(b, float) and math.isinf(b):
        # MLflow stores ±inf as ±f64::MAX and hands that back; mltui shows the infinity that
        # was logged (README, "Where mltui and MLflow differ").
        return (a > 0) == (b > 0)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    return a == b


def log(msg: str) -> None:
    print(f"check: {msg}", file=sys.stderr, flush=True)


def mltui_json(mltui: str, *args: str):
    out = subprocess.run([mltui, *args, "-f", "json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def float_or_nan(v):
    """mltui writes NaN and infinities as strings in JSON (JSON has no such numbers)."""
    if isinstance(v, str):
        return float(v)
    return v


def sample_ids(db: Path, n: int) -> list[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    ids = [r[0] for r in conn.execute("SELECT run_uuid FROM runs ORDER BY rowid")]
    conn.close()
    if not ids:
        return []
    k = max(1, len(ids) // n)
    picked = ids[::k][:n]
    if ids[-1] not in picked:
        picked.append(ids[-1])
    return picked


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("db", type=Path)
    ap.add_argument("--mltui", default=str(ROOT / "target" / "release" / "mltui"))
    ap.add_argument("--sample", type=int, default=200)
    ap.add_argument("--count", action="store_true", help="compare every run id (paging)")
    ap.add_argument("--page", type=int, default=1000, help="search_runs page size for --count")
    ap.add_argument("--histories", type=int, default=2000,
                    help="at most about this many get_metric_history calls")
    args = ap.parse_args()
    db = args.db.resolve()
    client = MlflowClient(tracking_uri=f"sqlite:///{db}")
    chk = Checker()
    started = time.perf_counter()

    # Experiments.
    exps = client.search_experiments(view_type=ViewType.ALL, max_results=50000)
    ours = {e["experiment_id"]: e for e in mltui_json(args.mltui, "experiments", str(db), "--view", "all")}
    chk.same("experiment ids", sorted(e.experiment_id for e in exps), sorted(ours))
    for e in exps:
        o = ours.get(e.experiment_id, {})
        chk.same(f"experiment {e.experiment_id} name", e.name, o.get("name"))
        chk.same(f"experiment {e.experiment_id} lifecycle", e.lifecycle_stage, o.get("lifecycle_stage"))
    exp_ids = [e.experiment_id for e in exps]

    # The sample: spread over the store by rowid, plus each experiment's newest and oldest.
    ids = sample_ids(db, args.sample)
    for e in exp_ids:
        for order in (None, ["attributes.start_time ASC"]):
            page = client.search_runs([e], run_view_type=ViewType.ALL, max_results=1, order_by=order)
            for r in page:
                if r.info.run_id not in ids:
                    ids.append(r.info.run_id)
    log(f"{len(ids)} runs sampled of {db.name}")

    t = time.perf_counter()
    theirs = {}
    for i in range(0, len(ids), 100):
        chunk = ids[i:i + 100]
        flt = "attributes.run_id IN ({})".format(", ".join(f"'{r}'" for r in chunk))
        for r in client.search_runs(exp_ids, filter_string=flt, run_view_type=ViewType.ALL,
                                    max_results=len(chunk)):
            theirs[r.info.run_id] = r
    t_mlflow = time.perf_counter() - t
    t = time.perf_counter()
    flt = "attributes.run_id IN ({})".format(", ".join(f"'{r}'" for r in ids))
    mine = {r["run_id"]: r for r in mltui_json(args.mltui, "runs", str(db), "--view", "all", "--filter", flt)}
    t_mltui = time.perf_counter() - t
    log(f"search_runs of the sample: MLflow {t_mlflow:.2f} s, mltui (whole store read) {t_mltui:.2f} s")
    chk.same("sampled run ids found", sorted(theirs), sorted(mine))
    chk.same("sampled runs", len(ids), len(theirs))

    for run_id, r in theirs.items():
        m = mine.get(run_id)
        if m is None:
            continue
        info = r.info
        for field, value in (
            ("experiment_id", info.experiment_id), ("status", info.status),
            ("start_time", info.start_time), ("end_time", info.end_time),
            ("lifecycle_stage", info.lifecycle_stage), ("user_id", info.user_id),
            ("run_name", info.run_name), ("artifact_uri", info.artifact_uri),
        ):
            chk.same(f"{run_id} {field}", value, m.get(field))
        chk.same(f"{run_id} params", dict(r.data.params), m.get("params"))
        chk.same(f"{run_id} tags", dict(r.data.tags), m.get("tags"))
        chk.same(f"{run_id} latest metrics", dict(r.data.metrics),
                 {k: float_or_nan(v) for k, v in m.get("metrics", {}).items()})
        summaries = m.get("metric_summaries", {})
        for metric in getattr(r.data, "_metric_objs", []):
            s = summaries.get(metric.key, {})
            chk.same(f"{run_id} {metric.key} latest step", metric.step, s.get("step"))
            chk.same(f"{run_id} {metric.key} latest timestamp", metric.timestamp, s.get("timestamp"))

    # Histories against mltui's summaries: every metric of every sampled run, or as many
    # per run as --histories allows (MLflow's query scans every row of the metric's key, so
    # one call takes about 0.4 s on `huge`), the keys rotating from run to run.
    t = time.perf_counter()
    points = calls = 0
    wanted = sum(len(r.data.metrics) for r in theirs.values())
    per_run = max(1, args.histories // max(1, len(theirs)))
    for n, (run_id, r) in enumerate(sorted(theirs.items())):
        if run_id not in mine:
            continue
        latest = {m.key: m for m in getattr(r.data, "_metric_objs", [])}
        keys = sorted(r.data.metrics)
        if wanted > args.histories:
            keys = [keys[(n + i) % len(keys)] for i in range(min(per_run, len(keys)))]
        for key in keys:
            calls += 1
            hist = client.get_metric_history(run_id, key)
            points += len(hist)
            s = mine[run_id].get("metric_summaries", {}).get(key, {})
            finite = [p.value for p in hist if not math.isnan(p.value)]
            chk.same(f"{run_id} {key} count", len(hist), s.get("count"))
            if finite:
                chk.same(f"{run_id} {key} min", min(finite), float_or_nan(s.get("min")))
                chk.same(f"{run_id} {key} max", max(finite), float_or_nan(s.get("max")))
            # MLflow's latest_metrics row against its own rule over the history: the largest
            # (step, timestamp, value) (this checks the writer: both readers share the row).
            if hist and key in latest:
                top = max(hist, key=lambda p: (p.step, p.timestamp,
                                               0.0 if math.isnan(p.value) else p.value))
                chk.same(f"{run_id} {key} MLflow's latest vs its history",
                         (top.step, top.timestamp, top.value),
                         (latest[key].step, latest[key].timestamp, latest[key].value),
                         names=("history", "latest_metrics"))
            if n == 0 and key == keys[0]:
                full = mltui_json(args.mltui, "history", str(db), "-r", run_id, "-m", key)
                chk.same(f"{run_id} {key} history",
                         sorted((p.step, p.timestamp, p.value) for p in hist),
                         sorted((p["step"], p["timestamp"], float_or_nan(p["value"])) for p in full))
                log(f"history of {run_id} {key}: {len(hist)} points compared one by one")
    log(f"get_metric_history: {calls} histories of {len(theirs)} runs ({points} points), "
        f"{time.perf_counter() - t:.1f} s")

    if args.count:
        for view, flag in ((ViewType.ACTIVE_ONLY, "active"), (ViewType.ALL, "all")):
            t = time.perf_counter()
            seen, token, pages = [], None, 0
            while True:
                page = client.search_runs(exp_ids, run_view_type=view, max_results=args.page,
                                          page_token=token)
                seen.extend(r.info.run_id for r in page)
                pages += 1
                token = page.token
                if not token:
                    break
            t_mlflow = time.perf_counter() - t
            out = subprocess.run([args.mltui, "runs", str(db), "--view", flag, "-c", "run_id",
                                  "-f", "csv"], check=True, capture_output=True, text=True)
            listed = out.stdout.split()[1:]
            chk.same(f"{flag} runs: count", len(seen), len(listed))
            chk.same(f"{flag} runs: each once in MLflow's pages", len(seen), len(set(seen)))
            chk.same(f"{flag} runs: the same ids", sorted(seen), sorted(listed))
            log(f"{flag}: MLflow {len(seen)} runs in {pages} pages of {args.page} "
                f"({t_mlflow:.1f} s), mltui {len(listed)}")

    log(f"{chk.compared} comparisons, {len(chk.problems)} differences "
        f"({time.perf_counter() - started:.1f} s)")
    if chk.problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
