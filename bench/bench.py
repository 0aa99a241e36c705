"""The benchmark driver (run it through bench/run.sh): generates the stores, times mltui
against the floors and MLflow's client on the same data, runs the in-process benchmarks,
and prints a Markdown table with the targets.

Environment: BENCH_DATA (store folder, default target/bench-data), BENCH_RUNS (timed runs
per command, default 5), BENCH_SHAPES (default "medium sweep long registry"), MLFLOW_PYTHON (a Python
with mlflow; default: /work/venvs/mlflow3/bin/python, else python3 if it imports mlflow),
BENCH_MLFLOW_SWEEP=1 (also time MLflow's client on the sweep stores: minutes),
BENCH_TARGET_DIR (cargo's target dir holding the release builds), BENCH_POSTGRES=0 (skip
the PostgreSQL copy of `medium`; it needs PostgreSQL's programs, psql, and psycopg2 in
MLFLOW_PYTHON's environment).
"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("BENCH_DATA", ROOT / "target" / "bench-data")).resolve()
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
SHAPES = os.environ.get("BENCH_SHAPES", "medium sweep long registry").split()
TARGET = Path(os.environ.get("BENCH_TARGET_DIR", ROOT / "target")).resolve()
MLTUI = TARGET / "release" / "mltui"
GEN = TARGET / "release" / "examples" / "gen_store"
FRAMES = TARGET / "release" / "examples" / "bench_frames"
HYPERFINE = shutil.which("hyperfine")
SQLITE3 = shutil.which("sqlite3")


def log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def mlflow_python() -> str | None:
    candidates = [os.environ.get("MLFLOW_PYTHON"), "/work/venvs/mlflow3/bin/python", "python3"]
    for py in candidates:
        if not py or not shutil.which(py):
            continue
        ok = subprocess.run(
            [py, "-c", "import mlflow"], capture_output=True, check=False
        ).returncode == 0
        if ok:
            return py
    return None


def run_rusage(cmd: list[str], stdout=subprocess.DEVNULL) -> tuple[float, float]:
    """Runs cmd once; returns (seconds, peak RSS in MB) of the child."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"failed: {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss / 1024


def timed(name: str, shell_cmd: str, runs: int = RUNS) -> dict:
    """Times a shell command (hyperfine when installed); returns mean/min/median seconds."""
    if HYPERFINE:
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            subprocess.run(
                [HYPERFINE, "--style", "none", "--warmup", "1", "--runs", str(runs),
                 "--export-json", out.name, "-n", name, shell_cmd],
                check=True, stdout=subprocess.DEVNULL,
            )
            r = json.load(open(out.name))["results"][0]
        res = {"mean": r["mean"], "min": r["min"], "median": r["median"], "runs": runs}
    else:
        subprocess.run(shell_cmd, shell=True, check=True, stdout=subprocess.DEVNULL)
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            subprocess.run(shell_cmd, shell=True, check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - t)
        times.sort()
        res = {"mean": sum(times) / len(times), "min": times[0],
               "median": times[len(times) // 2], "runs": runs}
    log(f"{name}: median {res['median'] * 1e3:.1f} ms (min {res['min'] * 1e3:.1f})")
    return res


def generate(shape: str, py: str | None) -> None:
    dest = DATA / shape
    if not (dest / "mlruns").exists():
        if dest.exists():
            shutil.rmtree(dest)
        log(f"generating {shape} store")
        subprocess.run([str(GEN), "--shape", shape, "--seed", "42", "--out", str(dest)], check=True)
    db = DATA / f"{shape}.db"
    if shape == "long" or db.exists():
        return
    if py is None:
        log(f"MLflow not installed: no SQLite copy of {shape}")
        return
    log(f"converting {shape} to SQLite with mlflow migrate-filestore (minutes)")
    tmp = DATA / f"{shape}.db.tmp"
    tmp.unlink(missing_ok=True)
    env = dict(os.environ, MLFLOW_ALLOW_FILE_STORE="true")
    subprocess.run(
        [py, "-m", "mlflow", "migrate-filestore", "--source", str(dest),
         "--target", f"sqlite:///{tmp}", "--no-progress"],
        check=True, env=env, stdout=subprocess.DEVNULL,
    )
    # The migration turns WAL on; MLflow's own databases use the default rollback journal.
    conn = sqlite3.connect(tmp)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    tmp.rename(db)


def sql_scan_cmd(db: Path) -> str:
    queries = ("SELECT * FROM runs; SELECT * FROM params; SELECT * FROM tags; "
               "SELECT * FROM latest_metrics;")
    if SQLITE3:
        return f"{SQLITE3} {db} '{queries}' > /dev/null"
    code = (f"import sqlite3; c = sqlite3.connect('file:{db}?mode=ro', uri=True); "
            f"[list(c.execute(q)) for q in {queries!r}.split(';') if q.strip()]")
    return f"python3 -c \"{code}\""


def registry_floor_cmd(source: Path) -> str:
    """Reading every registry file once, or every registry row once."""
    if source.is_dir():
        return f"find {source / 'models'} -type f -print0 | xargs -0 cat > /dev/null"
    queries = ("SELECT * FROM registered_models; SELECT * FROM model_versions; "
               "SELECT * FROM registered_model_tags; SELECT * FROM model_version_tags; "
               "SELECT * FROM registered_model_aliases;")
    if SQLITE3:
        return f"{SQLITE3} {source} '{queries}' > /dev/null"
    code = (f"import sqlite3; c = sqlite3.connect('file:{source}?mode=ro', uri=True); "
            f"[list(c.execute(q)) for q in {queries!r}.split(';') if q.strip()]")
    return f"python3 -c \"{code}\""


def bench_registry(label: str, source: Path) -> dict:
    """`mltui models` (the whole registry as JSON) against reading it once, and the
    in-process registry load and artifact listing."""
    out = {
        "mltui": timed(f"{label} mltui models", f"{MLTUI} models {source} -f json > /dev/null"),
        "floor": timed(f"{label} registry floor", registry_floor_cmd(source)),
    }
    out.update(frames(["--registry", str(source)]))
    return out


def bench_store(label: str, source, py: str | None, mlflow: bool, floor=None,
                mlflow_uri: str | None = None) -> dict:
    """Times `mltui runs SOURCE -f csv` against a floor and MLflow's client. `source` is a
    path, or a URI with `floor` = (what, shell command) and the URI MLflow takes."""
    out: dict = {"label": label}
    if floor is not None:
        out["floor_name"], cmd = floor
        out["floor"] = timed(f"{label} floor", cmd)
    elif source.is_dir():
        out["floor_name"] = "read every file once (`find \\| xargs cat`)"
        out["floor"] = timed(f"{label} floor", f"find {source} -type f -print0 | xargs -0 cat > /dev/null")
        out["floor2"] = timed(f"{label} floor -P2",
                              f"find {source} -type f -print0 | xargs -0 -P2 -n 2000 cat > /dev/null")
        out["files"] = sum(len(f) for _, _, f in os.walk(source))
    else:
        out["floor_name"] = "plain SQL scan of runs, params, tags, latest_metrics"
        out["floor"] = timed(f"{label} floor", sql_scan_cmd(source))
    out["mltui"] = timed(f"{label} mltui", f"{MLTUI} runs {source} --format csv > /dev/null")
    if label.startswith("sweep"):
        out["agg_cli"] = timed(
            f"{label} mltui -c :min",
            f"{MLTUI} runs {source} -c run_id,metrics.val/loss:min,metrics.val/acc:max_step "
            f"--order-by 'metrics.val/acc:max DESC' --format csv > /dev/null",
        )
        out["group_cli"] = timed(
            f"{label} mltui --group-by",
            f"{MLTUI} runs {source} --group-by params.optimizer -c metrics.val/acc:max "
            f"--format csv > /dev/null",
        )
    _, out["rss"] = run_rusage([str(MLTUI), "runs", str(source), "--format", "csv"])
    if mlflow and py:
        if mlflow_uri is not None:
            uri = mlflow_uri
        else:
            uri = f"file://{source}" if source.is_dir() else f"sqlite:///{source}"
        log(f"{label}: MLflow search_runs (one run)")
        secs, rss = run_rusage([py, str(ROOT / "bench" / "mlflow_search.py"), uri])
        out["mlflow"] = {"median": secs, "rss": rss}
        log(f"{label} mlflow: {secs:.2f} s")
    return out


class Postgres:
    """A PostgreSQL server for the benchmark, its data kept under BENCH_DATA/postgres (made
    once, with `medium` copied in from the SQLite conversion), started on a free port."""

    def __init__(self, py: str):
        self.py = py
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
        self.bin = bins[-1].parent if bins else None
        self.data = DATA / "postgres"
        self.proc = None
        self.port = 0

    def _as_user(self, cmd: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd

    def start(self) -> bool:
        if self.bin is None or not shutil.which("psql"):
            log("PostgreSQL or psql not installed: no PostgreSQL rows")
            return False
        if not (self.data / "PG_VERSION").exists():
            self.data.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(self.data, "postgres", "postgres")
            subprocess.run(self._as_user([str(self.bin / "initdb"), "-D", str(self.data), "-U", "bench",
                                          "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
                           check=True, stdout=subprocess.DEVNULL)
        import socket
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.proc = subprocess.Popen(
            self._as_user([str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port),
                           "-k", str(self.data), "-c", "listen_addresses=127.0.0.1",
                           "-c", "shared_buffers=256MB", "-c", "fsync=off"]),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(300):
            if subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "bench",
                               "-d", "postgres", "-c", "SELECT 1"], capture_output=True).returncode == 0:
                return True
            time.sleep(0.2)
        log("PostgreSQL did not start")
        return False

    def uri(self, db: str, driver: str = "") -> str:
        return f"postgresql{driver}://bench@127.0.0.1:{self.port}/{db}"

    def psql(self, db: str, *args: str) -> list[str]:
        return ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "bench", "-d", db, *args]

    def load(self, db: str, sqlite_db: Path) -> None:
        """Copies a SQLite tracking database into a new database `db` with MLflow's schema."""
        exists = subprocess.run(self.psql("postgres", "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{db}'"),
                                capture_output=True, text=True, check=True).stdout.strip()
        if exists:
            return
        log(f"copying {sqlite_db.name} into PostgreSQL database {db}")
        # Made under another name and renamed once complete: a failed copy is not reused.
        tmp = f"{db}_loading"
        subprocess.run(self.psql("postgres", "-c", f"DROP DATABASE IF EXISTS {tmp}"), check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(self.psql("postgres", "-c", f"CREATE DATABASE {tmp}"), check=True, stdout=subprocess.DEVNULL)
        subprocess.run([self.py, "-m", "mlflow", "db", "upgrade", self.uri(tmp, "+psycopg2")],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run([self.py, str(ROOT / "bench" / "sqlite_to_sql.py"), str(sqlite_db),
                        self.uri(tmp, "+psycopg2")], check=True)
        subprocess.run(self.psql("postgres", "-c", f"ALTER DATABASE {tmp} RENAME TO {db}"), check=True,
                       stdout=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.proc:
            os.killpg(self.proc.pid, 15)
            self.proc.wait()


def frames(args: list[str]) -> dict:
    res = subprocess.run([str(FRAMES), *args], check=True, capture_output=True, text=True)
    out = {}
    for line in res.stdout.splitlines():
        name, ms, note = line.split("\t", 2)
        out[name] = (float(ms), note)
        log(f"{name}: {float(ms):.2f} ms ({note})")
    return out


def fmt_s(s: float) -> str:
    return f"{s * 1e3:.0f} ms" if s < 1 else f"{s:.2f} s"


def machine() -> str:
    cpu = "unknown CPU"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(int(line.split()[1]) for line in open("/proc/meminfo")
                  if line.startswith("MemTotal"))
    return f"{os.cpu_count()} cores, {cpu}, {mem_kb / 2**20:.0f} GiB RAM"


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    py = mlflow_python()
    log(f"data in {DATA}; hyperfine: {HYPERFINE or 'not installed (simple timer)'}; "
        f"MLflow: {py or 'not installed (its columns are skipped)'}")
    for shape in SHAPES:
        generate(shape, py)

    stores = {}
    mlflow_sweep = os.environ.get("BENCH_MLFLOW_SWEEP") == "1"
    for shape in ("medium", "sweep"):
        if shape not in SHAPES:
            continue
        want_mlflow = shape == "medium" or mlflow_sweep
        stores[f"{shape} file"] = bench_store(f"{shape} file", DATA / shape / "mlruns", py, want_mlflow)
        db = DATA / f"{shape}.db"
        if db.exists():
            stores[f"{shape} SQLite"] = bench_store(f"{shape} SQLite", db, py, want_mlflow)

    pg = None
    medium_db = DATA / "medium.db"
    if "medium" in SHAPES and py and medium_db.exists() and os.environ.get("BENCH_POSTGRES") != "0":
        pg = Postgres(py)
        if pg.start():
            pg.load("medium", medium_db)
            uri = pg.uri("medium")
            scan = " ".join(
                f"-c 'SELECT * FROM {t}'" for t in ("runs", "params", "tags", "latest_metrics"))
            floor_cmd = " ".join(pg.psql("medium", "-At")) + f" {scan} > /dev/null"
            stores["medium PostgreSQL"] = bench_store(
                "medium PostgreSQL", uri, py, True,
                floor=("`psql` selecting every row of runs, params, tags, latest_metrics", floor_cmd),
                mlflow_uri=pg.uri("medium", "+psycopg2"))
        else:
            pg = None

    registries = {}
    if "registry" in SHAPES:
        registries["file"] = bench_registry("registry file", DATA / "registry" / "mlruns")
        if (DATA / "registry.db").exists():
            registries["SQLite"] = bench_registry("registry SQLite", DATA / "registry.db")

    inproc = frames(["--sort"])
    for kind, src in (("file", DATA / "sweep" / "mlruns"), ("SQLite", DATA / "sweep.db")):
        if "sweep" in SHAPES and src.exists():
            for k, v in frames(["--sweep", str(src)]).items():
                inproc[f"{k} {kind}"] = v
    if pg is not None:
        for k, v in frames(["--sweep", pg.uri("medium")]).items():
            inproc[f"{k} PostgreSQL"] = v
        pg.stop()
    if "long" in SHAPES:
        inproc.update(frames(["--long", str(DATA / "long" / "mlruns")]))

    rows = []  # (what, result, target, met)

    def add(what, result, target="", met=None):
        mark = "" if met is None else ("met" if met else "**missed**")
        rows.append((what, result, target, mark))

    for label, s in stores.items():
        m = s["mltui"]["median"]
        f = s["floor"]["median"]
        kind = "file" if "file" in label else "SQLite" if "SQLite" in label else "PostgreSQL"
        limit = 1.5 if kind == "file" else 2.0
        extra = ""
        if "floor2" in s:
            extra = f"; 2 parallel `cat`s: {fmt_s(s['floor2']['median'])}"
        add(f"{label}: full index (`mltui runs -f csv`)", fmt_s(m))
        add(f"{label}: {s['floor_name']}", fmt_s(f) + extra)
        medium = label.startswith("medium")
        add(f"{label}: index / floor", f"{m / f:.2f}×",
            f"≤ {limit}×" if medium else "", (m / f <= limit) if medium else None)
        if "mlflow" in s:
            ml = s["mlflow"]["median"]
            add(f"{label}: MLflow `search_runs`, all runs", fmt_s(ml)
                + f" (peak RSS {s['mlflow']['rss']:.0f} MB)")
            want = 20 if kind == "PostgreSQL" else 30
            add(f"{label}: speed-up over MLflow", f"{ml / m:.0f}×",
                f"≥ {want}×" if medium else "", (ml / m >= want) if medium else None)
        is_file = kind == "file"
        add(f"{label}: peak RSS", f"{s['rss']:.0f} MB",
            "≤ 150 MB" if medium and is_file else "",
            (s["rss"] <= 150) if medium and is_file else None)
        if label.startswith("sweep"):
            add(f"{label}: full index ≤ 2 s", fmt_s(m), "≤ 2 s", m <= 2.0)
            add(f"{label}: `runs -c ...val/loss:min,...val/acc:max_step --order-by ...val/acc:max`",
                fmt_s(s["agg_cli"]["median"]))
            add(f"{label}: `runs --group-by params.optimizer -c metrics.val/acc:max`",
                fmt_s(s["group_cli"]["median"]))

    def ms(name):
        return inproc[name][0] if name in inproc else None

    for kind in ("file", "SQLite", "PostgreSQL"):
        v = ms(f"first_rows {kind}")
        if v is not None:
            shape = "medium" if kind == "PostgreSQL" else "sweep"
            add(f"{shape} {kind}: TUI, open to first frame with rows", f"{v:.0f} ms", "≤ 300 ms", v <= 300)
            t = ms(f"tui_loaded {kind}")
            add(f"{shape} {kind}: TUI, every batch applied and drawn", fmt_s(t / 1e3),
                inproc[f"tui_loaded {kind}"][1].split(": ", 1)[-1])
    for kind in ("file", "SQLite"):
        for name, what, target in (
            ("agg_min", "add a `metrics.val/loss:min` column (every run already loaded)", 1000),
            ("agg_at", "add a `metrics.val/loss@10` column", 1500 if kind == "SQLite" else None),
            ("agg_first_step", "add a `metrics.val/acc:max_step` column", None),
        ):
            v = ms(f"{name} {kind}")
            if v is not None:
                note = inproc[f"{name} {kind}"][1].split(",")[0]
                add(f"sweep {kind}: {what}, {note}", fmt_s(v / 1e3),
                    f"≤ {fmt_s(target / 1e3)}" if target else "",
                    (v <= target) if target else None)
        v = ms(f"group_param {kind}")
        if v is not None:
            add(f"sweep {kind}: group by one param ({inproc[f'group_param {kind}'][1]})",
                f"{v:.1f} ms", "≤ 50 ms", v <= 50)
        for name, what in (("scatter_frame", "scatter"), ("parallel_frame", "parallel coordinates")):
            v = ms(f"{name} {kind}")
            if v is not None:
                add(f"sweep {kind}: one {what} frame ({inproc[f'{name} {kind}'][1]})",
                    f"{v:.2f} ms", "≤ 15 ms", v <= 15)
        for name, what in (("scatter_build", "scatter"), ("parallel_build", "parallel coordinates")):
            v = ms(f"{name} {kind}")
            if v is not None:
                add(f"sweep {kind}: recompute the {what} ({inproc[f'{name} {kind}'][1]})",
                    f"{v:.1f} ms")
    v = ms("sort_100k")
    add("sort 100,000 runs by a metric", f"{v:.1f} ms", "≤ 50 ms", v <= 50)
    v = ms("sort_100k_default")
    add("sort 100,000 runs in MLflow's default order", f"{v:.1f} ms")
    for kind in ("file", "SQLite", "PostgreSQL"):
        v = ms(f"table_frame {kind}")
        if v is not None:
            add(f"one run-table frame, {inproc[f'table_frame {kind}'][1]} ({kind})",
                f"{v:.2f} ms", "≤ 5 ms", v <= 5)
    if "chart_frame" in inproc:
        add(f"load 10 histories ({inproc['history_load'][1]})",
            fmt_s(ms("history_load") / 1e3))
        add("first chart frame, 10 × 1M points (prepares the series)",
            f"{ms('chart_first_frame'):.0f} ms")
        v = ms("chart_frame")
        add("chart frame, 10 × 1M points, series prepared", f"{v:.2f} ms", "≤ 30 ms", v <= 30)

    for kind, r in registries.items():
        limit = 0.5 if kind == "file" else 0.2
        load = r["registry_load"][0] / 1e3
        add(f"registry {kind} (1,000 models × 20 versions): load in process", fmt_s(load),
            f"≤ {fmt_s(limit)}", load <= limit)
        add(f"registry {kind}: `mltui models -f json`", fmt_s(r["mltui"]["median"]))
        what = "read every registry file once" if kind == "file" else "plain SQL scan of the registry tables"
        add(f"registry {kind}: {what}", fmt_s(r["floor"]["median"]))
        if "artifacts_first" in r:
            first = r["artifacts_first"][0]
            add(f"{kind}: first entries of a 10,000-file artifact folder", f"{first:.1f} ms",
                "at once (≤ 50 ms)", first <= 50)
            add(f"{kind}: all 10,000 entries of that folder", f"{r['artifacts_all'][0]:.0f} ms")

    print()
    print(f"Machine: {machine()}. Median of {RUNS} warm runs "
          f"({'hyperfine' if HYPERFINE else 'simple timer'}); MLflow's client timed once.")
    print()
    print("| measurement | result | target | |")
    print("|---|---|---|---|")
    for what, result, target, mark in rows:
        print(f"| {what} | {result} | {target} | {mark} |")


if __name__ == "__main__":
    main()
