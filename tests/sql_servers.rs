//! PostgreSQL and MariaDB tracking stores (issue 16), against real servers started for the
//! test (tests/common/sql_servers.rs): MLflow 3.17 creates the schema (`mlflow db upgrade`)
//! and writes the fixture content (tests/fixtures/gen_fixtures.py); its answers are recorded
//! (record_expected.py, record_filters.py); mltui's answers must equal them exactly, as for
//! the SQLite fixtures. Then: a real MLflow writer is not slowed while mltui follows and
//! reads its database, and bad inputs (wrong password, unknown or foreign database, no
//! server, a server killed mid-load, a statement timeout) end in a clear message within
//! seconds.
//!
//! Needs `MLTUI_TEST_MLFLOW` (a venv with mlflow 3.17.2, psycopg2-binary and PyMySQL) and
//! the servers' programs; without them the tests say why and skip (unless
//! `MLTUI_REQUIRE_SQL_SERVERS=1`).

mod common;
#[path = "common/contract.rs"]
mod contract;
#[path = "common/differential.rs"]
mod differential;
#[path = "common/mlflow_server.rs"]
mod mlflow_server;
#[path = "common/sql_servers.rs"]
mod sql_servers;
#[path = "common/writer.rs"]
mod writer;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use mltui::store::{Change, RunQuery, Store};
use sql_servers::{Kind, PASSWORD, SqlServer};

/// A server with MLflow's fixture content and MLflow's recorded answers.
struct Fixture {
    server: SqlServer,
    /// The URI MLflow wrote with (the `mlflow` account).
    uri: String,
    expected: tempfile::TempDir,
    python: PathBuf,
    mlflow: PathBuf,
}

fn python_run(python: &Path, args: &[&str], cwd: &Path, what: &str) {
    let out = Command::new(python)
        .args(args)
        .current_dir(cwd)
        .env_remove("MLFLOW_TRACKING_URI")
        .env("PYTHONWARNINGS", "ignore")
        .env("GIT_PYTHON_REFRESH", "quiet")
        .env("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Creates database `db` for account `db` and MLflow's schema in it; its URI.
fn mlflow_database(server: &SqlServer, mlflow: &Path, db: &str) -> String {
    server.create_database(db, db);
    let uri = server.uri(db, PASSWORD, db);
    let out = Command::new(mlflow)
        .args(["db", "upgrade", &uri])
        .env_remove("MLFLOW_TRACKING_URI")
        .output()
        .expect("mlflow db upgrade");
    assert!(
        out.status.success(),
        "mlflow db upgrade failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    uri
}

fn build(kind: Kind) -> Option<Fixture> {
    let mlflow = mlflow_server::mlflow_bin()?;
    let python = writer::python_of(&mlflow);
    let server = SqlServer::start(kind)?;
    let started = Instant::now();
    let uri = mlflow_database(&server, &mlflow, "mlflow");
    let expected = tempfile::tempdir().expect("tempdir");
    let work = expected.path();
    let scripts = common::fixtures();
    let script = |name: &str| scripts.join(name).display().to_string();
    let artifacts = work.join("artifacts").display().to_string();
    python_run(
        &python,
        &[
            &script("gen_fixtures.py"),
            &uri,
            "--artifact-root",
            &artifacts,
        ],
        work,
        "gen_fixtures.py",
    );
    let out = work.display().to_string();
    python_run(
        &python,
        &[&script("record_expected.py"), &uri, &out],
        work,
        "record_expected.py",
    );
    python_run(
        &python,
        &[&script("record_filters.py"), "--uri", &uri, &out],
        work,
        "record_filters.py",
    );
    eprintln!(
        "{}: MLflow wrote and answered the fixtures in {:.1?}",
        kind.label(),
        started.elapsed()
    );
    Some(Fixture {
        server,
        uri,
        expected,
        python,
        mlflow,
    })
}

/// Held while a test works the servers, so that one test's load does not blur another's
/// timings (fixtures are still built in parallel).
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The fixture of `kind`, built once per test process (`None`: skipped).
fn fixture(kind: Kind) -> Option<&'static Fixture> {
    static PG: OnceLock<Option<Fixture>> = OnceLock::new();
    static MARIA: OnceLock<Option<Fixture>> = OnceLock::new();
    let cell = match kind {
        Kind::Postgres => &PG,
        Kind::Mariadb => &MARIA,
    };
    let f = cell.get_or_init(|| {
        let f = build(kind);
        if let Some(f) = &f {
            // Statics are never dropped: the server goes when this process does.
            f.server.stop_with_this_process();
        }
        f
    });
    f.as_ref()
}

fn open(uri: &str) -> Arc<dyn Store> {
    let spec = mltui::store::parse_source(uri, Path::new("/")).expect("source");
    Arc::from(mltui::store::open(&spec).expect("open"))
}

fn answers_equal_mlflow(kind: Kind) {
    let Some(f) = fixture(kind) else { return };
    let _serial = serial();
    let label = kind.label();
    let dir = f.expected.path();
    contract::check_runs(label, &f.uri, dir);
    contract::check_experiments(label, &f.uri, dir);
    let store = open(&f.uri);
    let checked = contract::check_histories(label, store.as_ref(), dir);
    assert!(checked > 40, "{label}: only {checked} histories");
    let index = mltui::load_index(store.as_ref(), |_| true).expect("load");
    let cases = common::read_json(&dir.join("expected_filters.json"));
    let cases = cases.as_array().expect("cases");
    eprintln!("{}", differential::check(label, &index, cases));
    // Narrowing in SQL never loses a match.
    let mut narrowed = 0;
    for case in cases {
        let filter = case["filter"].as_str().expect("filter");
        let Ok(parsed) = mltui::index::parse_filter(filter) else {
            continue;
        };
        let narrow = parsed.mlflow_part().to_string();
        let list = store.experiments().expect("experiments");
        let needs = mltui::Needs {
            narrow: Some(&narrow),
            summaries: true,
            aggregates: &[],
        };
        let part = mltui::index_runs(store.as_ref(), list, |_| true, needs).expect("load");
        let order_by = differential::strings(&case["order_by"]);
        assert_eq!(
            differential::answer(&part, filter, &order_by),
            differential::answer(&index, filter, &order_by),
            "{label}: narrowing {filter:?}"
        );
        narrowed += usize::from(part.runs().len() < index.runs().len());
    }
    assert!(narrowed > 30, "{label}: narrowing did little ({narrowed})");
    // Nothing was written: the database still answers as MLflow recorded.
    contract::check_runs(label, &f.uri, dir);
}

#[test]
fn postgres_answers_equal_mlflow() {
    answers_equal_mlflow(Kind::Postgres);
}

#[test]
fn mariadb_answers_equal_mlflow() {
    answers_equal_mlflow(Kind::Mariadb);
}

/// The writer logs into its own database on the fixture's server while mltui, in turns,
/// does nothing, follows the store (polling every second; the terminal UI polls a database
/// server every 5 s), and loads everything with the running run's history. A server takes
/// no lock for mltui's reads that MLflow's writes would wait for; what remains is the CPU
/// the server spends on them, on this machine shared with the writer: following must not
/// show, full reads back to back may only a little.
fn writer_is_not_slowed(kind: Kind) {
    let Some(f) = fixture(kind) else { return };
    let _serial = serial();
    let label = kind.label();
    let uri = mlflow_database(&f.server, &f.mlflow, "live");
    let run_id = writer::create_run(&f.python, &uri);
    // 200,000 earlier points, so that reading them takes a while.
    let fill = match kind {
        Kind::Postgres => format!(
            "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) \
             SELECT 'loss', 1.0 / s, 1700000000000 + s, '{run_id}', s, false \
             FROM generate_series(1, 200000) s"
        ),
        Kind::Mariadb => format!(
            "INSERT INTO metrics (`key`, value, timestamp, run_uuid, step, is_nan) \
             SELECT 'loss', 1.0 / seq, 1700000000000 + seq, '{run_id}', seq, 0 \
             FROM seq_1_to_200000"
        ),
    };
    f.server.admin(Some("live"), &[&fill]);
    let store = open(&uri);
    let mut follower = mltui::store::follow(store.clone());
    follower.poll(&mut |_| {}).expect("first poll");

    let rounds = 3;
    let phase = 4.0;
    let w = writer::Writer::start(
        &f.python,
        &uri,
        &run_id,
        rounds as f64 * 3.0 * phase + 5.0,
        20,
        300_000,
    );
    let mut phases = writer::Phases::default();
    let mut seen = 0u64;
    for _ in 0..rounds {
        phases.run("alone", phase, || {
            std::thread::sleep(Duration::from_millis(50))
        });
        phases.run("follow", phase, || {
            follower
                .poll(&mut |c| {
                    if let Change::Runs(b) = c {
                        for r in b.runs.iter().filter(|r| r.run_id == run_id) {
                            seen = r.metrics["loss"].count.unwrap_or(0);
                        }
                    }
                })
                .expect("poll");
            std::thread::sleep(Duration::from_millis(1000));
        });
        phases.run("reads", phase, || {
            let exps = store.experiments().expect("experiments").experiments;
            store
                .runs(&RunQuery::all(&exps), &mut |_| {})
                .expect("runs");
            store.metric_history(&run_id, "loss").expect("history");
        });
    }
    let samples = w.finish();
    // Counted from new steps only, the follower agrees with a full count.
    follower
        .poll(&mut |c| {
            if let Change::Runs(b) = c {
                for r in b.runs.iter().filter(|r| r.run_id == run_id) {
                    seen = r.metrics["loss"].count.unwrap_or(0);
                }
            }
        })
        .expect("last poll");
    let full = store.run(&run_id).expect("run").metrics["loss"];
    assert_eq!(Some(seen), full.count, "{label}: the follower's count");
    let errors: Vec<&String> = samples.iter().filter_map(|s| s.error.as_ref()).collect();
    let alone = phases.durations(&samples, "alone");
    let follow = phases.durations(&samples, "follow");
    let reads = phases.durations(&samples, "reads");
    eprintln!(
        "{label} writer alone:       {}\n{label} writer, following:  {}\n{label} writer, full reads: {}",
        writer::describe(&alone),
        writer::describe(&follow),
        writer::describe(&reads)
    );
    assert!(errors.is_empty(), "{label}: the writer failed: {errors:?}");
    let bound = |base: f64| (1.5 * base).max(50.0);
    let p99 = |v: &[f64]| writer::quantile(v, 0.99);
    assert!(
        p99(&follow) <= bound(p99(&alone)),
        "{label}: following slowed the writer"
    );
    assert!(
        p99(&reads) <= (3.0 * p99(&alone)).max(300.0),
        "{label}: full reads stalled the writer"
    );
    assert!(alone.len() > 60 && follow.len() > 60 && reads.len() > 60);
    assert!(
        seen > 200_000,
        "{label}: the follower saw new points ({seen})"
    );
}

#[test]
fn postgres_writer_is_not_slowed() {
    writer_is_not_slowed(Kind::Postgres);
}

#[test]
fn mariadb_writer_is_not_slowed() {
    writer_is_not_slowed(Kind::Mariadb);
}

/// `mltui runs URI` fails within `limit` with `expect` in its message, without a panic or
/// the password.
fn fails_clearly(uri: &str, env: &[(&str, &str)], expect: &[&str], limit: Duration) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_mltui"))
        .args(["runs", uri, "-f", "json"])
        .env_remove("MLFLOW_TRACKING_URI")
        .envs(env.iter().copied())
        .output()
        .expect("run mltui");
    let took = started.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{uri}: {err}");
    assert!(took < limit, "{uri}: took {took:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        !err.contains(PASSWORD) && !err.contains("wrong-pw"),
        "password shown: {err}"
    );
    for e in expect {
        assert!(err.contains(e), "{e:?} missing from: {err}");
    }
}

fn bad_inputs_are_clear(kind: Kind) {
    let Some(f) = fixture(kind) else { return };
    let _serial = serial();
    let s = &f.server;
    let quick = Duration::from_secs(15);
    let product = match kind {
        Kind::Postgres => "PostgreSQL",
        Kind::Mariadb => "MySQL",
    };
    // Wrong password, unknown database, no server at all.
    let wrong = s.uri("mlflow", "wrong-pw", "mlflow");
    let auth = match kind {
        Kind::Postgres => "password authentication failed",
        Kind::Mariadb => "Access denied",
    };
    fails_clearly(&wrong, &[], &[auth, "give the password", ":***@"], quick);
    let unknown = s.uri("mlflow", PASSWORD, "nope");
    let what = match kind {
        Kind::Postgres => "database \"nope\" does not exist",
        Kind::Mariadb => "nope",
    };
    fails_clearly(&unknown, &[], &[what], quick);
    let down = match kind {
        Kind::Postgres => format!(
            "postgresql://mlflow:{PASSWORD}@127.0.0.1:{}/mlflow",
            sql_servers::free_port()
        ),
        Kind::Mariadb => format!(
            "mysql://mlflow:{PASSWORD}@127.0.0.1:{}/mlflow",
            sql_servers::free_port()
        ),
    };
    fails_clearly(
        &down,
        &[],
        &["cannot connect to", "connection refused", product],
        quick,
    );
    // A database that is not MLflow's.
    s.create_database("other", "other");
    s.admin(Some("other"), &["CREATE TABLE t (x INTEGER)"]);
    fails_clearly(
        &s.uri("other", PASSWORD, "other"),
        &[],
        &["not an MLflow tracking database"],
        quick,
    );

    // A server of its own with a big table, for a statement timeout and a crash.
    let Some(mut scratch) = SqlServer::start(kind) else {
        return;
    };
    scratch.create_database("big", "big");
    let q = |sql: &str| match kind {
        Kind::Postgres => sql.to_string(),
        Kind::Mariadb => sql.replace('"', "`"),
    };
    let (series, pick, fals) = match kind {
        Kind::Postgres => ("generate_series(1, 3000000) s", "s", "false"),
        Kind::Mariadb => ("seq_1_to_3000000 s", "s.seq", "0"),
    };
    let statements = [
        q(
            "CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name VARCHAR(256), \
           lifecycle_stage VARCHAR(32))",
        ),
        q(
            "CREATE TABLE runs (run_uuid VARCHAR(32) PRIMARY KEY, name VARCHAR(250), \
           status VARCHAR(9), start_time BIGINT, end_time BIGINT, lifecycle_stage VARCHAR(20), \
           experiment_id INTEGER)",
        ),
        q(
            "CREATE TABLE metrics (\"key\" VARCHAR(250), value DOUBLE PRECISION, \
           \"timestamp\" BIGINT, run_uuid VARCHAR(32), step BIGINT, is_nan BOOLEAN)",
        ),
        q(
            "CREATE TABLE latest_metrics (\"key\" VARCHAR(250), value DOUBLE PRECISION, \
           \"timestamp\" BIGINT, run_uuid VARCHAR(32), step BIGINT, is_nan BOOLEAN)",
        ),
        "INSERT INTO experiments VALUES (1, 'big', 'active')".to_string(),
        format!(
            "INSERT INTO runs SELECT md5(CAST({pick} AS CHAR(12))), 'r', 'FINISHED', {pick}, {pick}, \
             'active', 1 FROM {} WHERE {pick} <= 100",
            series
        ),
        q(&format!(
            "INSERT INTO metrics SELECT 'loss', 0.5, {pick}, md5(CAST(MOD({pick}, 100) + 1 AS CHAR(12))), \
             {pick}, {fals} FROM {series}"
        )),
        q(&format!(
            "INSERT INTO latest_metrics SELECT 'loss', 0.5, 1, run_uuid, 1, {fals} FROM runs"
        )),
        match kind {
            Kind::Postgres => "GRANT SELECT ON ALL TABLES IN SCHEMA public TO big".to_string(),
            Kind::Mariadb => "SELECT 1".to_string(),
        },
    ];
    let statements: Vec<&str> = statements.iter().map(String::as_str).collect();
    scratch.admin(Some("big"), &statements);
    let big = scratch.uri("big", PASSWORD, "big");
    fails_clearly(
        &big,
        &[("MLTUI_STATEMENT_TIMEOUT", "0.05")],
        &["statement timeout (0.05 s)", "MLTUI_STATEMENT_TIMEOUT"],
        quick,
    );
    // Killed while mltui loads: an error within seconds, not a hang.
    let child = Command::new(env!("CARGO_BIN_EXE_mltui"))
        .args(["runs", &big, "-f", "json"])
        .env_remove("MLFLOW_TRACKING_URI")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("mltui");
    std::thread::sleep(Duration::from_millis(400));
    scratch.kill();
    let killed = Instant::now();
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        killed.elapsed() < quick,
        "took {:?} after the kill",
        killed.elapsed()
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "the load did not fail (finished before the kill?): {err}"
    );
    assert!(err.contains("connection to the server was lost"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn postgres_bad_inputs_are_clear_and_quick() {
    bad_inputs_are_clear(Kind::Postgres);
}

#[test]
fn mariadb_bad_inputs_are_clear_and_quick() {
    bad_inputs_are_clear(Kind::Mariadb);
}

/// The password from the environment or the password/option file instead of the URI, and
/// the URI from MLFLOW_TRACKING_URI.
fn credentials_from_the_usual_places(kind: Kind) {
    let Some(f) = fixture(kind) else { return };
    let _serial = serial();
    let s = &f.server;
    let bare = match kind {
        Kind::Postgres => format!("postgresql://mlflow@127.0.0.1:{}/mlflow", s.port),
        Kind::Mariadb => format!("mysql://mlflow@127.0.0.1:{}/mlflow", s.port),
    };
    let home = tempfile::tempdir().expect("home");
    let run = |env: &[(&str, &str)], source: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mltui"));
        cmd.arg("experiments");
        if let Some(src) = source {
            cmd.arg(src);
        }
        cmd.env_remove("MLFLOW_TRACKING_URI")
            .env_remove("PGPASSWORD")
            .env_remove("PGPASSFILE")
            .env_remove("MYSQL_PWD")
            .env("HOME", home.path())
            .envs(env.iter().copied())
            .current_dir(home.path())
            .output()
            .expect("mltui")
    };
    let ok = |out: std::process::Output, what: &str| {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{what}: {err}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("sweep"),
            "{what}"
        );
    };
    // Without a password anywhere the server refuses, saying where one may go.
    let out = run(&[], Some(&bare));
    assert_eq!(out.status.code(), Some(1));
    match kind {
        Kind::Postgres => {
            ok(run(&[("PGPASSWORD", PASSWORD)], Some(&bare)), "PGPASSWORD");
            let pgpass = home.path().join("pgpass");
            std::fs::write(
                &pgpass,
                format!("127.0.0.1:{}:mlflow:mlflow:{PASSWORD}\n", s.port),
            )
            .expect("pgpass");
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600))
                .expect("chmod");
            ok(
                run(
                    &[("PGPASSFILE", pgpass.to_str().expect("utf-8"))],
                    Some(&bare),
                ),
                "PGPASSFILE",
            );
            std::fs::rename(&pgpass, home.path().join(".pgpass")).expect("mv");
            ok(run(&[], Some(&bare)), "~/.pgpass");
        }
        Kind::Mariadb => {
            ok(run(&[("MYSQL_PWD", PASSWORD)], Some(&bare)), "MYSQL_PWD");
            std::fs::write(
                home.path().join(".my.cnf"),
                format!("[client]\npassword = {PASSWORD}\n"),
            )
            .expect("my.cnf");
            ok(run(&[], Some(&bare)), "~/.my.cnf");
        }
    }
    // MLFLOW_TRACKING_URI names the database, as for MLflow's client.
    ok(
        run(&[("MLFLOW_TRACKING_URI", &f.uri)], None),
        "MLFLOW_TRACKING_URI",
    );
}

#[test]
fn postgres_credentials_from_the_usual_places() {
    credentials_from_the_usual_places(Kind::Postgres);
}

#[test]
fn mariadb_credentials_from_the_usual_places() {
    credentials_from_the_usual_places(Kind::Mariadb);
}
