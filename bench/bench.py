"""The benchmark driver (run it through bench/run.sh): generates the stores, times mltui
against the floors and MLflow's client on the same data, runs the in-process benchmarks,
and prints a Markdown table with the targets.

Environment: BENCH_DATA (store folder, default target/bench-data), BENCH_RUNS (timed runs
per command, default 5), BENCH_HUGE_RUNS (timed runs per command on the `huge` stores, default
3), BENCH_SERVER_RUNS (timed full passes through the server, default 1), BENCH_SHAPES (default "medium sweep long registry
huge"), MLFLOW_PYTHON (a Python
with mlflow; default: /work/venvs/mlflow3/bin/python, else python3 if it imports mlflow),
BENCH_MLFLOW_SWEEP=1 (also time MLflow's client on the sweep stores: minutes),
BENCH_TARGET_DIR (cargo's target dir holding the release builds), BENCH_POSTGRES=0 (skip
the PostgreSQL copy of `medium`; it needs PostgreSQL's programs, psql, and psycopg2 in
MLFLOW_PYTHON's environment), BENCH_SERVER=0 (skip `huge` through a real `mlflow server`: a
pass over its 100,000 runs takes MLflow about 3 minutes), BENCH_GROWTH_FILE=1 (also the
file-store copies of the 1k and 10k `huge` stores in the growth table: 2 GB on disk).

`huge` (100,000 runs × 30 params × 10 metrics × 50 steps, about 12 GB) and its 1k and 10k
copies for the growth table, and the SQLite copy of `long` (about 7 GB), are written
straight into MLflow's schema by `gen_store --sqlite` from an empty database MLflow makes
(`mlflow-empty.db`); the other SQLite copies come from `mlflow migrate-filestore`.
"""

import json
import os
import re
import shlex
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
HUGE_RUNS = int(os.environ.get("BENCH_HUGE_RUNS", "3"))
# Timed full passes through the server (each about 3 minutes of MLflow's time on `huge`).
SERVER_RUNS = int(os.environ.get("BENCH_SERVER_RUNS", "1"))
SHAPES = os.environ.get("BENCH_SHAPES", "medium sweep long registry huge").split()
# The `huge` stores of the growth table: (label, runs).
GROWTH = [("huge-1k", 1_000), ("huge-10k", 10_000), ("huge", 100_000)]
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


def timed(name: str, shell_cmd: str, runs: int = RUNS, warmup: int = 1) -> dict:
    """Times a shell command (hyperfine when installed); returns mean/min/median seconds."""
    if HYPERFINE:
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            subprocess.run(
                [HYPERFINE, "--style", "none", "--warmup", str(warmup), "--runs", str(runs),
                 "--export-json", out.name, "-n", name, shell_cmd],
                check=True, stdout=subprocess.DEVNULL,
            )
            r = json.load(open(out.name))["results"][0]
        res = {"mean": r["mean"], "min": r["min"], "median": r["median"], "runs": runs}
    else:
        for _ in range(warmup):
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


def mlflow_template(py: str) -> Path:
    """An empty tracking database made by MLflow itself (schema, migrations, the Default
    experiment), which `gen_store --sqlite` copies and fills."""
    db = DATA / "mlflow-empty.db"
    if not db.exists():
        tmp = DATA / "mlflow-empty.db.tmp"
        tmp.unlink(missing_ok=True)
        log("making an empty tracking database with MLflow")
        code = ("import sys; from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore; "
                "SqlAlchemyStore('sqlite:///' + sys.argv[1], sys.argv[2])")
        with tempfile.TemporaryDirectory() as art:
            subprocess.run([py, "-c", code, str(tmp), art], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        tmp.rename(db)
    return db


def write_sqlite(shape: str, db: Path, py: str | None, runs: int | None = None) -> None:
    """Writes `db` with `gen_store --sqlite` (MLflow's schema, rows written directly)."""
    if db.exists():
        return
    if py is None:
        log(f"MLflow not installed: no {db.name}")
        return
    log(f"writing {db.name} with gen_store --sqlite")
    cmd = [str(GEN), "--shape", shape, "--seed", "42", "--template", str(mlflow_template(py)),
           "--sqlite", str(db)]
    if runs is not None:
        cmd += ["--runs", str(runs)]
    subprocess.run(cmd, check=True)


def generate(shape: str, py: str | None) -> None:
    if shape == "huge":
        for label, runs in GROWTH:
            write_sqlite("huge", DATA / f"{label}.db", py, runs)
            if label != "huge" and os.environ.get("BENCH_GROWTH_FILE") == "1":
                dest = DATA / label
                if not (dest / "mlruns").exists():
                    shutil.rmtree(dest, ignore_errors=True)
                    subprocess.run([str(GEN), "--shape", "huge", "--runs", str(runs), "--seed", "42",
                                    "--out", str(dest)], check=True)
        return
    dest = DATA / shape
    if not (dest / "mlruns").exists():
        if dest.exists():
            shutil.rmtree(dest)
        log(f"generating {shape} store")
        subprocess.run([str(GEN), "--shape", shape, "--seed", "42", "--out", str(dest)], check=True)
    db = DATA / f"{shape}.db"
    if shape == "long":
        write_sqlite("long", db, py)
        return
    if db.exists():
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


def metrics_scan_cmd(db: Path) -> str:
    """Every row of the metrics table, the floor of min/max/count of every metric."""
    if SQLITE3:
        return f"{SQLITE3} {db} 'SELECT * FROM metrics;' > /dev/null"
    code = (f"import sqlite3; c = sqlite3.connect('file:{db}?mode=ro', uri=True); "
            f"[None for _ in c.execute('SELECT * FROM metrics')]")
    return f"python3 -c \"{code}\""


def history_floor_cmd(db: Path) -> str:
    """Reading the 10 `train/loss` histories of `long` through MLflow's (run_uuid, key, step)
    index, summed in SQL (no output): the floor of loading them from SQLite."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    ids = ", ".join(f"'{r[0]}'" for r in conn.execute("SELECT run_uuid FROM runs"))
    conn.close()
    query = (f"SELECT total(step), total(timestamp), total(value), count(*) FROM metrics "
             f"WHERE run_uuid IN ({ids}) AND key = 'train/loss'")
    if SQLITE3:
        return f"{SQLITE3} {db} {shlex.quote(query)} > /dev/null"
    code = (f"import sqlite3; c = sqlite3.connect('file:{db}?mode=ro', uri=True); "
            f"c.execute({query!r}).fetchall()")
    return f"python3 -c {shlex.quote(code)}"


def run_count(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    n = conn.execute("SELECT count(*) FROM runs").fetchone()[0]
    conn.close()
    return n


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
                mlflow_uri: str | None = None, runs: int = RUNS) -> dict:
    """Times `mltui runs SOURCE -f csv` against a floor and MLflow's client. `source` is a
    path, or a URI with `floor` = (what, shell command) and the URI MLflow takes. For a
    SQLite file, also `-f json` (min/max/count of every metric) against a scan of the
    metrics table, side by side."""
    out: dict = {"label": label}
    if floor is not None:
        out["floor_name"], cmd = floor
        out["floor"] = timed(f"{label} floor", cmd, runs)
    elif source.is_dir():
        out["floor_name"] = "read every file once (`find \\| xargs cat`)"
        out["floor"] = timed(f"{label} floor", f"find {source} -type f -print0 | xargs -0 cat > /dev/null")
        out["floor2"] = timed(f"{label} floor -P2",
                              f"find {source} -type f -print0 | xargs -0 -P2 -n 2000 cat > /dev/null")
        out["files"] = sum(len(f) for _, _, f in os.walk(source))
    else:
        out["floor_name"] = "plain SQL scan of runs, params, tags, latest_metrics"
        out["floor"] = timed(f"{label} floor", sql_scan_cmd(source), runs)
    out["mltui"] = timed(f"{label} mltui", f"{MLTUI} runs {source} --format csv > /dev/null", runs)
    if isinstance(source, Path) and source.is_file():
        out["runs"] = run_count(source)
        out["metrics_floor"] = timed(f"{label} metrics scan", metrics_scan_cmd(source), runs)
        out["json"] = timed(f"{label} mltui -f json",
                            f"{MLTUI} runs {source} --format json > /dev/null", runs)
        _, out["json_rss"] = run_rusage([str(MLTUI), "runs", str(source), "--format", "json"])
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


class MlflowServer:
    """A real `mlflow server` over a SQLite store (one worker, no job runner), on a free
    loopback port; it only reads the store here."""

    def __init__(self, py: str, db: Path):
        self.py = py
        self.db = db
        self.proc = None
        self.url = ""
        self.dir = None

    def start(self) -> bool:
        import socket
        import urllib.request
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.dir = tempfile.TemporaryDirectory()
        self.url = f"http://127.0.0.1:{port}"
        env = dict(os.environ, MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false")
        env.pop("MLFLOW_TRACKING_URI", None)
        log(f"starting mlflow server on {self.db.name} at {self.url}")
        self.proc = subprocess.Popen(
            [self.py, "-m", "mlflow", "server", "--backend-store-uri", f"sqlite:///{self.db}",
             "--default-artifact-root", str(Path(self.dir.name) / "artifacts"),
             "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            cwd=self.dir.name, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as r:
                    if r.status == 200:
                        return True
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        log("mlflow server did not start")
        self.stop()
        return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            self.proc.wait()
        if self.dir:
            self.dir.cleanup()


def bench_server(url: str) -> dict:
    """`huge` through a real server: the first page with curl, mltui's first rows (one TUI
    load), and `mltui runs URL -f csv` against paging through every run with curl."""
    pages = ROOT / "bench" / "curl_pages.sh"
    out = {"first_page": timed("server: experiments + first page (curl)", f"{pages} {url} --first",
                               HUGE_RUNS)}
    out.update(frames(["--server", url]))
    # The curl pass first also warms the store's pages for both timed commands.
    out["curl"] = timed("server: every page (curl)", f"{pages} {url} 2> /dev/null", SERVER_RUNS)
    out["mltui"] = timed("server: mltui runs -f csv", f"{MLTUI} runs {url} --format csv > /dev/null",
                         SERVER_RUNS, warmup=0)
    return out


def frames(args: list[str]) -> dict:
    res = subprocess.run([str(FRAMES), *args], check=True, capture_output=True, text=True)
    out = {}
    for line in res.stdout.splitlines():
        name, ms, note = line.split("\t", 2)
        out[name] = (float(ms), note)
        unit = "MB" if name.endswith("_mb") else "ms"
        log(f"{name}: {float(ms):.2f} {unit} ({note})")
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
    began = time.perf_counter()
    DATA.mkdir(parents=True, exist_ok=True)
    py = mlflow_python()
    log(f"data in {DATA}; hyperfine: {HYPERFINE or 'not installed (simple timer)'}; "
        f"MLflow: {py or 'not installed (its columns are skipped)'}")
    for shape in SHAPES:
        generate(shape, py)
    generated = time.perf_counter()

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

    # `huge` (SQLite) and its smaller copies for the growth table.
    growth = {}
    if "huge" in SHAPES:
        for label, _ in GROWTH:
            db = DATA / f"{label}.db"
            if db.exists():
                growth[(label, "SQLite")] = bench_store(f"{label} SQLite", db, py, False,
                                                       runs=HUGE_RUNS)
            files = DATA / label / "mlruns"
            if files.exists() and os.environ.get("BENCH_GROWTH_FILE") == "1":
                growth[(label, "file")] = bench_store(f"{label} file", files, py, False,
                                                     runs=HUGE_RUNS)
        if ("huge", "SQLite") in growth:
            stores["huge SQLite"] = growth[("huge", "SQLite")]

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
    longs = {}
    if "long" in SHAPES:
        for kind, src in (("file", DATA / "long" / "mlruns"), ("SQLite", DATA / "long.db")):
            if src.exists():
                longs[kind] = frames(["--long", str(src)])
                if kind == "SQLite":
                    longs[kind]["floor"] = timed("long SQLite: the 10 histories in SQL",
                                                 history_floor_cmd(src), HUGE_RUNS)
        inproc.update(longs.get("file", {}))
    huge_tui = {}
    server = None
    huge_db = DATA / "huge.db"
    if "huge" in SHAPES and huge_db.exists():
        huge_tui = frames(["--huge", str(huge_db)])
        if py and os.environ.get("BENCH_SERVER") != "0":
            srv = MlflowServer(py, huge_db)
            if srv.start():
                try:
                    server = bench_server(srv.url)
                finally:
                    srv.stop()

    rows = []  # (what, result, target, met)

    def add(what, result, target="", met=None):
        mark = "" if met is None else ("met" if met else "**missed**")
        rows.append((what, result, target, mark))

    for label, s in stores.items():
        m = s["mltui"]["median"]
        f = s["floor"]["median"]
        kind = "file" if "file" in label else "SQLite" if "SQLite" in label else "PostgreSQL"
        medium = label.startswith("medium")
        # Targets: SQLite ≤ 1.5× on every shape; the file store and PostgreSQL on `medium`.
        limit = 2.0 if kind == "PostgreSQL" else 1.5
        targeted = kind == "SQLite" or medium
        extra = ""
        if "floor2" in s:
            extra = f"; 2 parallel `cat`s: {fmt_s(s['floor2']['median'])}"
        add(f"{label}: full index (`mltui runs -f csv`)", fmt_s(m))
        add(f"{label}: {s['floor_name']}", fmt_s(f) + extra)
        add(f"{label}: index / floor", f"{m / f:.2f}×",
            f"≤ {limit}×" if targeted else "", (m / f <= limit) if targeted else None)
        if "json" in s:
            j, mf = s["json"]["median"], s["metrics_floor"]["median"]
            add(f"{label}: full index with min/max/count (`mltui runs -f json`)", fmt_s(j))
            add(f"{label}: plain SQL scan of the metrics table", fmt_s(mf))
            add(f"{label}: `-f json` / metrics scan", f"{j / mf:.2f}×", "≤ 3×", j / mf <= 3)
        if "mlflow" in s:
            ml = s["mlflow"]["median"]
            add(f"{label}: MLflow `search_runs`, all runs", fmt_s(ml)
                + f" (peak RSS {s['mlflow']['rss']:.0f} MB)")
            want = 20 if kind == "PostgreSQL" else 30
            add(f"{label}: speed-up over MLflow", f"{ml / m:.0f}×",
                f"≥ {want}×" if medium else "", (ml / m >= want) if medium else None)
        is_file = kind == "file"
        per_run = ""
        if "runs" in s:
            per_run = f" ({s['rss'] * 2**20 / s['runs'] / 1e3:.1f} KB per run)"
        add(f"{label}: peak RSS", f"{s['rss']:.0f} MB{per_run}",
            "≤ 150 MB" if medium and is_file else "",
            (s["rss"] <= 150) if medium and is_file else None)
        if "json_rss" in s:
            add(f"{label}: peak RSS, `-f json`", f"{s['json_rss']:.0f} MB")
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
        add("first chart frame, 10 × 1M points (prepares the series)",
            f"{ms('chart_first_frame'):.0f} ms")
        v = ms("chart_frame")
        add("chart frame, 10 × 1M points, series prepared", f"{v:.2f} ms", "≤ 30 ms", v <= 30)

    for kind, res in longs.items():
        if "history_load" not in res:
            continue
        secs, note = res["history_load"][0] / 1e3, res["history_load"][1]
        points = int(re.search(r"(\d+) points", note).group(1))
        rate = points / secs / 1e6
        add(f"long {kind}: load 10 histories of 1M points", f"{fmt_s(secs)} ({rate:.1f} M points/s)",
            "≥ 15 M points/s", rate >= 15)
        if "floor" in res:
            f = res["floor"]["median"]
            add(f"long {kind}: the same points read in SQL (`sqlite3`, summed, no output)",
                f"{fmt_s(f)} ({points / f / 1e6:.1f} M points/s)")
        if "history_rss_mb" in res:
            mb = res["history_rss_mb"][0]
            per = mb * 2**20 / points
            add(f"long {kind}: peak RSS with the 10 histories loaded", f"{mb:.0f} MB ({per:.1f} B/point)",
                "≤ 2 × 16 B/point", per <= 32)

    if huge_tui:
        def h(name):
            return huge_tui[name][0] if name in huge_tui else None
        csv = stores.get("huge SQLite", {}).get("mltui", {}).get("median")
        v = h("first_rows")
        add("huge SQLite: TUI, open to first frame with rows", f"{v:.0f} ms", "≤ 150 ms", v <= 150)
        v = h("tui_loaded") / 1e3
        note = huge_tui["tui_loaded"][1].split(": ", 1)[-1]
        if csv:
            add(f"huge SQLite: TUI, everything loaded and drawn ({note})",
                f"{fmt_s(v)} ({v / csv:.2f}× the CSV time)", "≤ 2× CSV", v <= 2 * csv)
        v = h("peak_rss_mb")
        if v is not None:
            per = huge_tui["peak_rss_mb"][1].split(": ", 1)[-1].split(" (")[0]
            add("huge SQLite: TUI peak RSS once loaded (VmHWM)", f"{v:.0f} MB ({per})", "≤ 600 MB",
                v <= 600)
        v = h("table_frame")
        add(f"huge SQLite: one run-table frame ({huge_tui['table_frame'][1]})", f"{v:.2f} ms",
            "≤ 5 ms", v <= 5)
        for name, what in (("sort_name", "run name"), ("sort_param", "a param (`lr`)"),
                           ("sort_param_text", "a text param (`optimizer`)"),
                           ("sort_metric", "a metric (`val/acc`)"), ("sort_start", "start time")):
            v = h(name)
            if v is not None:
                add(f"huge SQLite: sort by {what}, and the frame", f"{v:.0f} ms", "≤ 50 ms", v <= 50)
        for name, what in (("filter_first", "quick filter, first key (builds the search text)"),
                           ("filter_key", "quick filter, each further key")):
            v = h(name)
            if v is not None:
                add(f"huge SQLite: {what}, and the frame", f"{v:.0f} ms", "≤ 50 ms", v <= 50)

    if server:
        first_page = server["first_page"]["median"]
        first = server["first_rows"][0] / 1e3
        after = first - first_page
        add("huge via `mlflow server`: experiments and the first page with curl (1,000 runs)",
            fmt_s(first_page))
        add("huge via `mlflow server`: TUI first frame with rows, after the first page arrives",
            f"{after * 1e3:+.0f} ms (first rows {fmt_s(first)} from opening, one load)",
            "≤ 0.5 s", after <= 0.5)
        c, m = server["curl"]["median"], server["mltui"]["median"]
        add("huge via `mlflow server`: every page with curl (1k, 4k, 16k, then 25k runs)", fmt_s(c))
        add("huge via `mlflow server`: `mltui runs URL -f csv`", f"{fmt_s(m)} ({m / c:.2f}×)",
            "≤ 1.1× curl", m / c <= 1.1)
        if "tui_loaded" in server:
            add("huge via `mlflow server`: TUI, everything loaded and drawn",
                fmt_s(server["tui_loaded"][0] / 1e3))

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
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    log(f"generating took {(generated - began) / 60:.1f} min, measuring "
        f"{(time.perf_counter() - generated) / 60:.1f} min")
    huge_runs = ""
    if growth:
        huge_runs = f"{HUGE_RUNS} on the `huge` stores"
        if server:
            huge_runs += f", {SERVER_RUNS} full pass(es) through the server after one untimed one"
        huge_runs = f" ({huge_runs})"
    print(f"Machine: {machine()}; load average at the end {load}. Median of {RUNS} warm runs"
          f"{huge_runs} ({'hyperfine' if HYPERFINE else 'simple timer'}); MLflow's client "
          f"timed once.")
    print()
    print("| measurement | result | target | |")
    print("|---|---|---|---|")
    for what, result, target, mark in rows:
        print(f"| {what} | {result} | {target} | {mark} |")
    if growth:
        print()
        print(f"Growth (`huge` shape: 30 params, 10 metrics × 50 steps, 6 tags per run; median of "
              f"{HUGE_RUNS} warm runs; peak RSS of one run):")
        print()
        print("| store | runs | `runs -f csv` | per run | peak RSS | per run "
              "| `runs -f json` | per run | peak RSS | per run |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for (label, kind), g in growth.items():
            n = g.get("runs") or dict(GROWTH)[label]
            cells = [f"{label} {kind}", f"{n:,}"]
            for t, rss in (("mltui", "rss"), ("json", "json_rss")):
                if t in g:
                    secs = g[t]["median"]
                    cells += [fmt_s(secs), f"{secs / n * 1e6:.0f} µs", f"{g[rss]:.0f} MB",
                              f"{g[rss] * 2**20 / n / 1e3:.1f} KB"]
                else:
                    cells += ["", "", "", ""]
            print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
