//! `spawn_app()` and typed clients. Each test gets its own database and
//! Redis prefix, dropped when the last node of the test is dropped.

#![allow(dead_code)]

pub mod redis_cluster;

use futures_util::{SinkExt, StreamExt};
use hail_protocol::http::{TokenResponse, UserResponse};
use hail_protocol::ws::ClientFrame;
use hail_protocol::{ClientMessage, ErrorCode, Place, Role, ServerMessage, Trip, TripId, User};
use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const SECRET: &str = "integration-test-secret-0123456789abcdef";
/// Every test account's password.
pub const PASSWORD: &str = "hail-test-pass-7291";
const PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS: &str = "redis://127.0.0.1:6379";
/// How long any single expected event may take.
pub const WAIT: Duration = Duration::from_secs(10);

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(tag: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(
        "{tag}_{}_{}_{n}",
        std::process::id(),
        uuid::Uuid::now_v7().simple().to_string()[24..].to_owned()
    )
}

/// Which backends a node runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite file + in-process bus and geo index (`make run`'s default).
    Embedded,
    /// Postgres + Redis (several nodes form one service).
    External,
}

/// Runs a single-node test once per backend set: `mod NAME { embedded,
/// postgres_redis }`, the same body both times.
#[macro_export]
macro_rules! on_both_backends {
    ($(#[$meta:meta])* async fn $name:ident($backend:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($backend: $crate::helpers::Backend) $body

            #[tokio::test]
            async fn embedded() {
                run($crate::helpers::Backend::Embedded).await
            }

            #[tokio::test]
            async fn postgres_redis() {
                run($crate::helpers::Backend::External).await
            }
        }
    };
}

/// Which Redis the nodes of a multi-node test share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisMode {
    /// The machine's Redis on 6379, under a prefix of the test's own.
    Single,
    /// A private 3-master, 3-replica Redis Cluster started for the test.
    Cluster,
}

/// Runs a multi-node test once on one Redis and once on a Redis Cluster:
/// `mod NAME { single_redis, redis_cluster }`, the same body both times.
#[macro_export]
macro_rules! on_both_redis {
    ($(#[$meta:meta])* async fn $name:ident($redis:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($redis: $crate::helpers::RedisMode) $body

            #[tokio::test]
            async fn single_redis() {
                run($crate::helpers::RedisMode::Single).await
            }

            #[tokio::test]
            async fn redis_cluster() {
                run($crate::helpers::RedisMode::Cluster).await
            }
        }
    };
}

/// What the nodes of one test share: a database and Redis prefix, or a
/// data directory for the embedded store. Dropped with the last node.
pub struct TestEnv {
    pub backend: Backend,
    pub db: String,
    pub prefix: String,
    /// The embedded store's directory.
    pub data_dir: Option<tempfile::TempDir>,
    /// The test's own Redis Cluster, when it runs on one (else the shared
    /// Redis under `prefix`).
    pub cluster: Option<tokio::sync::Mutex<redis_cluster::LocalCluster>>,
    /// The cluster's seeds (`HAIL_REDIS_CLUSTER_NODES`).
    cluster_seeds: Option<String>,
}

impl TestEnv {
    pub async fn create(backend: Backend) -> Arc<Self> {
        Self::create_on(backend, RedisMode::Single).await
    }

    pub async fn create_on(backend: Backend, redis: RedisMode) -> Arc<Self> {
        if backend == Backend::Embedded {
            let dir = tempfile::Builder::new()
                .prefix("hail-test-")
                .tempdir()
                .expect("temp dir");
            return Arc::new(Self {
                backend,
                db: String::new(),
                prefix: String::new(),
                data_dir: Some(dir),
                cluster: None,
                cluster_seeds: None,
            });
        }
        let db = unique("hail_test");
        let (client, conn) = tokio_postgres::connect(PG_ADMIN, tokio_postgres::NoTls)
            .await
            .expect("Postgres must run on 127.0.0.1:5432 (see README)");
        tokio::spawn(conn);
        client
            .batch_execute(&format!("CREATE DATABASE {db}"))
            .await
            .expect("create test database");
        let cluster = match redis {
            RedisMode::Single => None,
            RedisMode::Cluster => Some(redis_cluster::LocalCluster::start().await),
        };
        Arc::new(Self {
            backend,
            prefix: format!("{db}:"),
            db,
            data_dir: None,
            cluster_seeds: cluster.as_ref().map(|c| c.seeds()),
            cluster: cluster.map(tokio::sync::Mutex::new),
        })
    }

    /// The embedded store's file.
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        self.data_dir.as_ref().map(|d| d.path().join("hail.db"))
    }

    /// Points a `hail` command at this test's backends.
    pub fn configure(&self, cmd: &mut Command) {
        match &self.data_dir {
            Some(dir) => {
                cmd.env("HAIL_DATA_DIR", dir.path());
            }
            None => {
                cmd.env("HAIL_DATABASE_URL", self.database_url())
                    .env("HAIL_REDIS_PREFIX", &self.prefix);
                match &self.cluster_seeds {
                    Some(seeds) => cmd.env("HAIL_REDIS_CLUSTER_NODES", seeds),
                    None => cmd.env("HAIL_REDIS_URL", REDIS),
                };
            }
        }
    }

    pub fn database_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:5432/{}", self.db)
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        if self.backend == Backend::Embedded {
            return; // the TempDir removes itself
        }
        let db = self.db.clone();
        let prefix = self.prefix.clone();
        // Drop runs outside async: clean up on a thread of its own.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok((client, conn)) =
                    tokio_postgres::connect(PG_ADMIN, tokio_postgres::NoTls).await
                {
                    tokio::spawn(conn);
                    let _ = client
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
                        .await;
                }
                if let Ok(client) = redis::Client::open(REDIS) {
                    if let Ok(mut con) = client.get_multiplexed_async_connection().await {
                        let keys: Vec<String> = redis::cmd("KEYS")
                            .arg(format!("{prefix}*"))
                            .query_async(&mut con)
                            .await
                            .unwrap_or_default();
                        if !keys.is_empty() {
                            let _: Result<(), _> =
                                redis::cmd("DEL").arg(keys).query_async(&mut con).await;
                        }
                    }
                }
            });
        })
        .join();
    }
}

/// One running `hail serve`.
pub struct TestApp {
    pub addr: String,
    pub env: Arc<TestEnv>,
    child: Option<Child>,
    http: reqwest::Client,
}

/// Settings for the nodes of a test.
#[derive(Clone, Default)]
pub struct Settings {
    pub vars: Vec<(String, String)>,
    /// A command the node runs under, e.g. `["prlimit", "--nofile=300:300"]`
    /// (empty: `hail` itself).
    pub wrapper: Vec<String>,
}

impl Settings {
    /// Runs the node under `command` (its arguments, then `hail serve`).
    pub fn wrapped(mut self, command: &[&str]) -> Self {
        self.wrapper = command.iter().map(|s| s.to_string()).collect();
        self
    }

    pub fn set(mut self, k: &str, v: impl ToString) -> Self {
        self.vars.push((k.into(), v.to_string()));
        self
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_with(backend, Settings::default()).await
}

pub async fn spawn_with(backend: Backend, settings: Settings) -> TestApp {
    let env = TestEnv::create(backend).await;
    spawn_node(env, &settings).await
}

/// `n` nodes sharing one database and Redis prefix.
pub async fn spawn_cluster(n: usize, settings: Settings) -> Vec<TestApp> {
    spawn_nodes(RedisMode::Single, n, settings).await
}

/// `n` nodes sharing one database and `redis`.
pub async fn spawn_nodes(redis: RedisMode, n: usize, settings: Settings) -> Vec<TestApp> {
    let env = TestEnv::create_on(Backend::External, redis).await;
    let mut nodes = Vec::new();
    for _ in 0..n {
        nodes.push(spawn_node(env.clone(), &settings).await);
    }
    nodes
}

pub async fn spawn_node(env: Arc<TestEnv>, settings: &Settings) -> TestApp {
    let mut cmd = match settings.wrapper.split_first() {
        None => Command::new(env!("CARGO_BIN_EXE_hail")),
        Some((program, args)) => {
            let mut cmd = Command::new(program);
            cmd.args(args).arg(env!("CARGO_BIN_EXE_hail"));
            cmd
        }
    };
    cmd.arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HAIL_BIND", "127.0.0.1:0")
        .env("HAIL_JWT_SECRET", SECRET)
        .env("HAIL_SHUTDOWN_TIMEOUT_SECS", "5")
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
        )
        .stdout(Stdio::piped())
        .stderr(if std::env::var_os("TEST_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .kill_on_drop(true);
    env.configure(&mut cmd);
    for (k, v) in &settings.vars {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn hail serve");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let addr = tokio::time::timeout(Duration::from_secs(60), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(addr) = line.strip_prefix("HAIL_LISTENING ") {
                return Some(addr.to_string());
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
    .expect("hail serve did not start (run with TEST_LOG=1 to see why)");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    TestApp {
        addr: format!("http://{addr}"),
        env,
        child: Some(child),
        http: reqwest::Client::new(),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.addr)
    }

    pub fn ws_url(&self, token: &str) -> String {
        format!("{}/ws?token={token}", self.addr.replacen("http", "ws", 1))
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(|c| c.id())
    }

    /// SIGTERM, then wait for the process to exit; returns its success.
    pub async fn terminate(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return false;
        };
        if let Some(pid) = child.id() {
            let _ = std::process::Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status();
        }
        match tokio::time::timeout(Duration::from_secs(20), child.wait()).await {
            Ok(Ok(status)) => status.success(),
            _ => false,
        }
    }

    /// SIGKILL: the node dies without draining.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }

    pub async fn signup(&self, role: Role) -> User {
        let username = unique(role.as_str());
        let res = self
            .http
            .post(self.url("/api/auth/signup"))
            .json(&serde_json::json!({
                "username": username, "password": PASSWORD, "role": role, "name": format!("{} {}", role.as_str(), &username[username.len()-4..]),
            }))
            .send()
            .await
            .expect("signup request");
        assert_eq!(res.status(), 201, "signup");
        res.json::<UserResponse>().await.expect("user").user
    }

    pub async fn login(&self, username: &str) -> TokenResponse {
        let res = self
            .http
            .post(self.url("/api/auth/login"))
            .json(&serde_json::json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .expect("login request");
        assert_eq!(res.status(), 200, "login");
        res.json().await.expect("tokens")
    }

    /// A new user of `role`, logged in.
    pub async fn user(&self, role: Role) -> TestUser {
        let user = self.signup(role).await;
        let tokens = self.login(&user.username).await;
        TestUser { user, tokens }
    }

    /// A new admin, made the only way there is (`hail admin create`), logged in.
    pub async fn admin(&self) -> TestUser {
        let username = unique("admin");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hail"));
        cmd.args(["admin", "create", "--username", &username])
            .args(["--password", PASSWORD, "--name", "Ada Admin"])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        self.env.configure(&mut cmd);
        let out = cmd.output().await.expect("run hail admin create");
        assert!(
            out.status.success(),
            "hail admin create: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let tokens = self.login(&username).await;
        TestUser {
            user: tokens.user.clone(),
            tokens,
        }
    }

    /// A new user, logged in and connected.
    pub async fn connect(&self, role: Role) -> (TestUser, Ws) {
        let u = self.user(role).await;
        let ws = Ws::connect(self, &u.tokens.access_token).await;
        (u, ws)
    }

    /// The node's `/metrics` text.
    pub async fn metrics_text(&self) -> String {
        self.http
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("GET /metrics")
            .text()
            .await
            .expect("metrics text")
    }

    /// The value of the first metric line starting with `series`, if any.
    pub async fn metric(&self, series: &str) -> Option<f64> {
        self.metrics_text()
            .await
            .lines()
            .find(|l| l.starts_with(series))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|v| v.parse().ok())
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
    }
}

pub struct TestUser {
    pub user: User,
    pub tokens: TokenResponse,
}

impl TestUser {
    pub fn token(&self) -> &str {
        &self.tokens.access_token
    }
}

mod scenario;
mod ws;
pub use crate::eventually::*;
pub use scenario::*;
pub use ws::*;
