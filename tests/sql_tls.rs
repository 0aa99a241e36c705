//! TLS to PostgreSQL and MariaDB as their own clients do it (issue 16): servers that take
//! TLS connections only, with a certificate for `localhost` from a test CA
//! (tests/common/sql_servers.rs); the real binary must follow `sslmode`/`PGSSLMODE`,
//! `sslrootcert`/`PGSSLROOTCERT`, `ssl-mode`, `ssl_ca`/`MLFLOW_MYSQL_SSL_CA` and say what
//! is wrong when verification fails.

#[path = "common/sql_servers.rs"]
mod sql_servers;

use std::process::Command;

use sql_servers::{Kind, PASSWORD, SqlServer};

/// `mltui experiments URI` with `env`: the first line of its error (every URI here names a
/// database without MLflow's tables, so reaching it ends in "not an MLflow tracking
/// database").
fn reach(uri: &str, env: &[(&str, &str)]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_mltui"))
        .args(["experiments", uri])
        .env_remove("MLFLOW_TRACKING_URI")
        .env_remove("PGSSLMODE")
        .env_remove("PGSSLROOTCERT")
        .envs(env.iter().copied())
        .output()
        .expect("run mltui");
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        !err.contains("panicked") && !err.contains(PASSWORD),
        "{err}"
    );
    err
}

const REACHED: &str = "not an MLflow tracking database";

#[test]
fn postgres_tls_follows_sslmode_and_sslrootcert() {
    let Some((server, certs)) = SqlServer::start_tls(Kind::Postgres) else {
        return;
    };
    let ca = certs.ca.display().to_string();
    let at = |host: &str, query: &str| {
        format!(
            "postgresql://tls:{PASSWORD}@{host}:{}/postgres?{query}",
            server.port
        )
    };
    // The server takes TLS connections only.
    assert!(reach(&at("127.0.0.1", "sslmode=disable"), &[]).contains("no encryption"));
    assert!(reach(&at("127.0.0.1", ""), &[("PGSSLMODE", "disable")]).contains("no encryption"));
    // Encrypted without verification (prefer, the default, and require).
    assert!(reach(&at("127.0.0.1", ""), &[]).contains(REACHED));
    assert!(reach(&at("127.0.0.1", "sslmode=require"), &[]).contains(REACHED));
    // Verified against the test CA: the chain for verify-ca, the name as well for
    // verify-full (the certificate is for "localhost").
    let verify =
        |mode: &str, host: &str| reach(&at(host, &format!("sslmode={mode}&sslrootcert={ca}")), &[]);
    assert!(verify("verify-full", "localhost").contains(REACHED));
    assert!(verify("verify-ca", "127.0.0.1").contains(REACHED));
    let wrong_name = verify("verify-full", "127.0.0.1");
    assert!(
        wrong_name.contains("cannot connect") && wrong_name.contains("TLS"),
        "{wrong_name}"
    );
    // The system's roots do not know the test CA; PGSSLROOTCERT names it.
    let unknown = reach(&at("localhost", "sslmode=verify-full"), &[]);
    assert!(unknown.contains("TLS"), "{unknown}");
    assert!(
        reach(
            &at("localhost", "sslmode=verify-full"),
            &[("PGSSLROOTCERT", &ca)]
        )
        .contains(REACHED)
    );
    // require with a root certificate verifies the chain, as libpq does.
    let other_ca = SqlServer::start_tls(Kind::Postgres);
    if let Some((_, other)) = &other_ca {
        let e = reach(
            &at(
                "127.0.0.1",
                &format!("sslmode=require&sslrootcert={}", other.ca.display()),
            ),
            &[],
        );
        assert!(e.contains("TLS"), "{e}");
    }
}

#[test]
fn mariadb_tls_follows_ssl_mode_and_ssl_ca() {
    let Some((server, certs)) = SqlServer::start_tls(Kind::Mariadb) else {
        return;
    };
    server.admin(
        None,
        &[
            "CREATE DATABASE empty",
            "GRANT SELECT ON empty.* TO 'tls'@'%'",
        ],
    );
    let ca = certs.ca.display().to_string();
    let at = |host: &str, query: &str| {
        format!(
            "mysql://tls:{PASSWORD}@{host}:{}/empty?{query}",
            server.port
        )
    };
    // The account requires TLS.
    assert!(reach(&at("127.0.0.1", "ssl-mode=DISABLED"), &[]).contains("Access denied"));
    assert!(reach(&at("127.0.0.1", ""), &[]).contains(REACHED));
    assert!(reach(&at("127.0.0.1", "ssl_mode=REQUIRED"), &[]).contains(REACHED));
    assert!(reach(&at("127.0.0.1", &format!("ssl_ca={ca}")), &[]).contains(REACHED));
    let wrong_name = reach(
        &at(
            "127.0.0.1",
            &format!("ssl-mode=VERIFY_IDENTITY&ssl_ca={ca}"),
        ),
        &[],
    );
    assert!(wrong_name.contains("cannot connect"), "{wrong_name}");
    let unknown = reach(&at("127.0.0.1", "ssl-mode=VERIFY_CA"), &[]);
    assert!(unknown.contains("cannot connect"), "{unknown}");
    assert!(
        reach(
            &at("127.0.0.1", "ssl-mode=VERIFY_CA"),
            &[("MLFLOW_MYSQL_SSL_CA", &ca)]
        )
        .contains(REACHED)
    );
}
