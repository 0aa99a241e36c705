//! Real PostgreSQL and MariaDB servers for tests: each on a free loopback port with its data
//! in a temporary directory, run as an unprivileged user (`postgres`/`mysql` via `runuser`
//! when the tests run as root), in its own process group that is killed on drop.
//!
//! When the server programs are missing, [`SqlServer::start`] says so and returns `None`
//! (the tests skip), unless `MLTUI_REQUIRE_SQL_SERVERS=1` (then it panics). `.ci/run`
//! installs them from Debian's packages.

#![allow(dead_code)]

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ENV_REQUIRE: &str = "MLTUI_REQUIRE_SQL_SERVERS";
/// Password of every test account.
pub const PASSWORD: &str = "mltui-test-pw";
const START_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Postgres,
    Mariadb,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Postgres => "postgresql",
            Kind::Mariadb => "mariadb",
        }
    }
}

/// A running server.
pub struct SqlServer {
    pub kind: Kind,
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
    log: PathBuf,
    /// Set once the server was killed on purpose.
    killed: bool,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// `cmd` as `user` when running as root (servers refuse root), else as is.
fn as_user(user: &str, program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", user, "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn skip_or_panic(why: String) -> Option<SqlServer> {
    if std::env::var(ENV_REQUIRE).as_deref() == Ok("1") {
        panic!("{why} ({ENV_REQUIRE}=1)");
    }
    eprintln!(
        "SQL server tests skipped: {why}; .ci/run installs them (as root), or set {ENV_REQUIRE}=1 to make this an error"
    );
    None
}

fn postgres_bin() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|d| d.join("postgres").is_file() && d.join("initdb").is_file())
        .collect();
    dirs.sort();
    dirs.pop()
}

fn which(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    dirs.extend(["/usr/sbin", "/usr/bin", "/sbin"].map(PathBuf::from));
    names
        .iter()
        .flat_map(|n| dirs.iter().map(move |d| d.join(n)))
        .find(|p| p.is_file())
}

pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl SqlServer {
    /// Starts a server of `kind`, or `None` when its programs are not installed.
    pub fn start(kind: Kind) -> Option<SqlServer> {
        match kind {
            Kind::Postgres => Self::start_postgres(None),
            Kind::Mariadb => Self::start_mariadb(None),
        }
    }

    /// Starts a server that takes TCP connections over TLS only, with a certificate for
    /// `localhost` signed by a CA of its own (`None` also when `openssl` is missing). The
    /// account `tls` (password [`PASSWORD`]) may log in.
    pub fn start_tls(kind: Kind) -> Option<(SqlServer, Certs)> {
        let dir = tempfile::tempdir().expect("tempdir");
        let certs = Certs::make(dir.path())?;
        let server = match kind {
            Kind::Postgres => Self::start_postgres(Some(&certs))?,
            Kind::Mariadb => Self::start_mariadb(Some(&certs))?,
        };
        match kind {
            Kind::Postgres => server.admin(
                None,
                &[&format!("CREATE ROLE tls LOGIN PASSWORD '{PASSWORD}'")],
            ),
            Kind::Mariadb => server.admin(
                None,
                &[&format!(
                    "CREATE USER 'tls'@'%' IDENTIFIED BY '{PASSWORD}' REQUIRE SSL"
                )],
            ),
        }
        Some((server, Certs { dir, ..certs }))
    }

    fn start_postgres(tls: Option<&Certs>) -> Option<SqlServer> {
        let Some(bin) = postgres_bin() else {
            return skip_or_panic(
                "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres)".into(),
            );
        };
        let user = "postgres";
        if is_root()
            && Command::new("id")
                .arg(user)
                .output()
                .map_or(true, |o| !o.status.success())
        {
            return skip_or_panic(
                "running as root, but there is no 'postgres' user to run the server as".into(),
            );
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).expect("mkdir");
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, PASSWORD).expect("pwfile");
        give_to(user, dir.path());
        run(
            as_user(user, &bin.join("initdb"))
                .args(["-D"])
                .arg(&data)
                .args([
                    "-U",
                    "admin",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                ])
                .arg(format!("--pwfile={}", pwfile.display()))
                .args(["-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]),
            "initdb",
        );
        let mut extra: Vec<String> = Vec::new();
        if let Some(certs) = tls {
            for f in [&certs.server_cert, &certs.server_key] {
                std::fs::copy(f, data.join(f.file_name().expect("name"))).expect("copy cert");
            }
            // TCP connections must use TLS; the admin logs in over the socket.
            std::fs::write(
                data.join("pg_hba.conf"),
                "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n",
            )
            .expect("pg_hba");
            give_to(user, &data);
            let key = data.join("server.key");
            std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .expect("chmod");
            extra = [
                "ssl=on",
                "ssl_cert_file=server.crt",
                "ssl_key_file=server.key",
            ]
            .iter()
            .flat_map(|s| ["-c".to_string(), s.to_string()])
            .collect();
        }
        let port = free_port();
        let log = dir.path().join("server.log");
        let log_file = std::fs::File::create(&log).expect("log");
        give_to(user, &log);
        let child = as_user(user, &bin.join("postgres"))
            .args(&extra)
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-k"])
            .arg(&data)
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "shared_buffers=64MB",
                "-c",
                "max_connections=60",
            ])
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log"))
            .stderr(log_file)
            .process_group(0)
            .spawn()
            .expect("start postgres");
        let mut server = SqlServer {
            kind: Kind::Postgres,
            child,
            port,
            dir,
            log,
            killed: false,
        };
        server.wait_ready();
        Some(server)
    }

    fn start_mariadb(tls: Option<&Certs>) -> Option<SqlServer> {
        let (Some(server_bin), Some(install)) = (
            which(&["mariadbd", "mysqld"]),
            which(&["mariadb-install-db", "mysql_install_db"]),
        ) else {
            return skip_or_panic(
                "MariaDB is not installed (no mariadbd / mariadb-install-db)".into(),
            );
        };
        let user = "mysql";
        if is_root()
            && Command::new("id")
                .arg(user)
                .output()
                .map_or(true, |o| !o.status.success())
        {
            return skip_or_panic(
                "running as root, but there is no 'mysql' user to run the server as".into(),
            );
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).expect("mkdir");
        give_to(user, dir.path());
        run(
            as_user(user, &install)
                .arg("--no-defaults")
                .arg(format!("--datadir={}", data.display()))
                .args([
                    "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                    "--skip-name-resolve",
                    "--skip-log-bin",
                ]),
            "mariadb-install-db",
        );
        let mut extra: Vec<String> = Vec::new();
        if let Some(certs) = tls {
            for f in [&certs.ca, &certs.server_cert, &certs.server_key] {
                let to = dir.path().join(f.file_name().expect("name"));
                std::fs::copy(f, &to).expect("copy cert");
                give_to(user, &to);
                extra.push(match f.extension().and_then(|e| e.to_str()) {
                    Some("pem") => format!("--ssl-ca={}", to.display()),
                    Some("crt") => format!("--ssl-cert={}", to.display()),
                    _ => format!("--ssl-key={}", to.display()),
                });
            }
        }
        let port = free_port();
        let log = dir.path().join("server.log");
        let child = as_user(user, &server_bin)
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", dir.path().join("sock").display()))
            .arg(format!("--pid-file={}", dir.path().join("pid").display()))
            .arg(format!("--log-error={}", log.display()))
            .arg(format!("--port={port}"))
            .args([
                "--bind-address=127.0.0.1",
                "--skip-name-resolve",
                "--skip-log-bin",
                "--innodb-flush-log-at-trx-commit=0",
                "--innodb-buffer-pool-size=64M",
                "--character-set-server=utf8mb4",
                "--max-connections=60",
            ])
            .args(&extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start mariadbd");
        let mut server = SqlServer {
            kind: Kind::Mariadb,
            child,
            port,
            dir,
            log,
            killed: false,
        };
        server.wait_ready();
        // The root account only works on the socket: make an administrator for TCP.
        let mut root = server.socket_admin();
        use mysql::prelude::Queryable;
        for sql in [
            format!("CREATE USER 'admin'@'%' IDENTIFIED BY '{PASSWORD}'"),
            "GRANT ALL PRIVILEGES ON *.* TO 'admin'@'%' WITH GRANT OPTION".to_string(),
        ] {
            root.query_drop(sql).expect("admin account");
        }
        Some(server)
    }

    fn socket_admin(&self) -> mysql::Conn {
        let opts = mysql::OptsBuilder::new()
            .socket(Some(self.dir.path().join("sock").display().to_string()))
            .user(Some("root"));
        mysql::Conn::new(opts).expect("root on the socket")
    }

    fn wait_ready(&mut self) {
        let started = Instant::now();
        loop {
            let ready = match self.kind {
                Kind::Postgres => postgres::Config::new()
                    .host(&self.dir.path().join("data").display().to_string())
                    .port(self.port)
                    .user("admin")
                    .password(PASSWORD)
                    .dbname("postgres")
                    .connect_timeout(Duration::from_secs(2))
                    .connect(postgres::NoTls)
                    .is_ok(),
                Kind::Mariadb => {
                    self.dir.path().join("sock").exists()
                        && mysql::Conn::new(
                            mysql::OptsBuilder::new()
                                .socket(Some(self.dir.path().join("sock").display().to_string()))
                                .user(Some("root")),
                        )
                        .is_ok()
                }
            };
            if ready {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "{} exited ({status}) while starting:\n{}",
                    self.kind.label(),
                    self.log_tail()
                );
            }
            if started.elapsed() > START_TIMEOUT {
                panic!(
                    "{} did not start within {START_TIMEOUT:?}:\n{}",
                    self.kind.label(),
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// A URI for `user` (with `password`) and database `db`, as MLflow takes it.
    pub fn uri(&self, user: &str, password: &str, db: &str) -> String {
        match self.kind {
            Kind::Postgres => format!(
                "postgresql+psycopg2://{user}:{password}@127.0.0.1:{}/{db}",
                self.port
            ),
            Kind::Mariadb => format!(
                "mysql+pymysql://{user}:{password}@127.0.0.1:{}/{db}",
                self.port
            ),
        }
    }

    /// The administrator's URI for database `db`.
    pub fn admin_uri(&self, db: &str) -> String {
        self.uri("admin", PASSWORD, db)
    }

    /// Runs statements as the administrator in database `db` (`None`: no database).
    pub fn admin(&self, db: Option<&str>, statements: &[&str]) {
        match self.kind {
            Kind::Postgres => {
                let mut c = postgres::Config::new()
                    .host(&self.dir.path().join("data").display().to_string())
                    .port(self.port)
                    .user("admin")
                    .password(PASSWORD)
                    .dbname(db.unwrap_or("postgres"))
                    .connect(postgres::NoTls)
                    .expect("admin connection");
                for s in statements {
                    c.batch_execute(s).unwrap_or_else(|e| panic!("{s}: {e}"));
                }
            }
            Kind::Mariadb => {
                use mysql::prelude::Queryable;
                let mut c = mysql::Conn::new(
                    mysql::OptsBuilder::new()
                        .socket(Some(self.dir.path().join("sock").display().to_string()))
                        .user(Some("root"))
                        .db_name(db),
                )
                .expect("admin connection");
                for s in statements {
                    c.query_drop(*s).unwrap_or_else(|e| panic!("{s}: {e}"));
                }
            }
        }
    }

    /// Creates database `db` owned by a new account `user` (password [`PASSWORD`]).
    pub fn create_database(&self, db: &str, user: &str) {
        match self.kind {
            Kind::Postgres => self.admin(
                None,
                &[
                    &format!("CREATE ROLE {user} LOGIN PASSWORD '{PASSWORD}'"),
                    &format!("CREATE DATABASE {db} OWNER {user}"),
                ],
            ),
            Kind::Mariadb => self.admin(
                None,
                &[
                    &format!("CREATE DATABASE {db} CHARACTER SET utf8mb4"),
                    &format!("CREATE USER IF NOT EXISTS '{user}'@'%' IDENTIFIED BY '{PASSWORD}'"),
                    &format!("GRANT ALL PRIVILEGES ON {db}.* TO '{user}'@'%'"),
                ],
            ),
        }
    }

    /// Makes sure the server (and its data) goes when this process ends, for servers held
    /// in statics, which are never dropped: a small shell waits for this process.
    pub fn stop_with_this_process(&self) {
        let script = format!(
            "while kill -0 {me} 2>/dev/null; do sleep 1; done; kill -TERM -- -{group} 2>/dev/null; \
             sleep 5; kill -KILL -- -{group} 2>/dev/null; rm -rf '{dir}'",
            me = std::process::id(),
            group = self.child.id(),
            dir = self.dir.path().display().to_string().replace('\'', "")
        );
        let _ = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn();
    }

    /// Kills the server at once (SIGKILL to its process group), as a crash would.
    pub fn kill(&mut self) {
        signal_group(self.child.id(), "KILL");
        let _ = self.child.wait();
        self.killed = true;
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

fn signal_group(pid: u32, sig: &str) {
    let _ = Command::new("kill")
        .args(["-s", sig, "--", &format!("-{pid}")])
        .stderr(Stdio::null())
        .status();
}

/// A test CA and a server certificate for `localhost` it signed (PEM files).
pub struct Certs {
    dir: tempfile::TempDir,
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
}

impl Certs {
    /// Makes them with `openssl` (`None` when it is missing).
    fn make(dir: &Path) -> Option<Certs> {
        if Command::new("openssl").arg("version").output().is_err() {
            eprintln!("TLS tests skipped: no openssl to make certificates with");
            return None;
        }
        let p = |n: &str| dir.join(n);
        let ssl = |args: &[&str]| {
            run(
                Command::new("openssl").args(args).current_dir(dir),
                "openssl",
            );
        };
        ssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=mltui test CA",
        ]);
        ssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ]);
        std::fs::write(
            p("ext"),
            "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n\
             keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
        )
        .expect("ext");
        ssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "ext",
        ]);
        Some(Certs {
            dir: tempfile::tempdir().expect("tempdir"),
            ca: p("ca.pem"),
            server_cert: p("server.crt"),
            server_key: p("server.key"),
        })
    }
}

/// Makes `path` (a directory, recursively) belong to `user` when running as root.
fn give_to(user: &str, path: &Path) {
    if is_root() {
        run(
            Command::new("chown")
                .args(["-R", &format!("{user}:")])
                .arg(path),
            "chown",
        );
    }
}

impl Drop for SqlServer {
    fn drop(&mut self) {
        if self.killed {
            return;
        }
        signal_group(self.child.id(), "TERM");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        signal_group(self.child.id(), "KILL");
        let _ = self.child.wait();
        // The data belongs to the server's user; root removes it with the directory.
    }
}
