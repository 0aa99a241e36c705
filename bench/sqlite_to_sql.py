"""Copies an MLflow SQLite tracking database into a PostgreSQL database that already has
MLflow's schema (`mlflow db upgrade`), for the benchmark (bench/bench.py) and to check the
registry reader on PostgreSQL against the SQLite fixtures.

usage: python sqlite_to_sql.py SQLITE_DB postgresql+psycopg2://user@host:port/db

Tables are copied in the order their foreign keys need, with COPY; columns are those both
databases have. Experiment ids that do not fit PostgreSQL's `integer` column (MLflow's
`migrate-filestore` keeps a file store's 18-digit ids, which SQLite takes) are renumbered
after the largest one that fits (the Default experiment keeps its 0), in every
`experiment_id` column alike. Run with the Python that has
mlflow and psycopg2.
"""

import io
import sqlite3
import sys

import psycopg2

TABLES = [
    "experiments", "experiment_tags", "runs", "params", "tags", "metrics", "latest_metrics",
    "datasets", "inputs", "input_tags",
    "registered_models", "registered_model_tags", "model_versions", "model_version_tags",
    "registered_model_aliases", "logged_models", "logged_model_tags", "logged_model_params",
    "logged_model_metrics",
]


def text(value) -> str:
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    s = str(value)
    return (s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
             .replace("\r", "\\r"))


def main() -> None:
    src = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    dst = psycopg2.connect(sys.argv[2].replace("postgresql+psycopg2://", "postgresql://"))
    cur = dst.cursor()
    ids = [r[0] for r in src.execute("SELECT experiment_id FROM experiments ORDER BY experiment_id")]
    small = [i for i in ids if int(i) <= 2**31 - 1]
    large = [i for i in ids if int(i) > 2**31 - 1]
    start = max((int(i) for i in small), default=0) + 1
    renumber = {i: n for n, i in enumerate(large, start=start)}
    if renumber:
        print(f"{len(large)} experiment ids too large for integer renumbered from {start}",
              file=sys.stderr)
    for table in TABLES:
        cols = [r[1] for r in src.execute(f'PRAGMA table_info("{table}")')]
        cur.execute("SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = %s", (table,))
        pg = dict(cur.fetchall())
        cols = [c for c in cols if c in pg]
        if not cols:
            continue
        booleans = {c for c in cols if pg[c] == "boolean"}
        names = ", ".join(f'"{c}"' for c in cols)
        rows = src.execute(f'SELECT {names} FROM "{table}"')
        n = 0
        while True:
            chunk = rows.fetchmany(200_000)
            if not chunk:
                break
            buf = io.StringIO()
            for row in chunk:
                buf.write("\t".join(
                    text(bool(v) if c in booleans and v is not None
                         else renumber.get(v, v) if c == "experiment_id" else v)
                    for c, v in zip(cols, row)))
                buf.write("\n")
            buf.seek(0)
            cur.copy_expert(f'COPY "{table}" ({names}) FROM STDIN', buf)
            n += len(chunk)
        print(f"{table}: {n} rows", file=sys.stderr)
    dst.commit()
    dst.autocommit = True
    cur.execute("ANALYZE")
    dst.close()


if __name__ == "__main__":
    main()
