//! `spawn_app()` and typed clients. Each test gets its own database and
//! Redis prefix, dropped when the last node of the test is dropped.

#![allow(dead_code)]

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

/// What the nodes of one test share: a database and Redis prefix, or a
/// data directory for the embedded store. Dropped with the last node.
pub struct TestEnv {
    pub backend: Backend,
    pub db: String,
    pub prefix: String,
    /// The embedded store's directory.
    pub data_dir: Option<tempfile::TempDir>,
}

impl TestEnv {
    pub async fn create(backend: Backend) -> Arc<Self> {
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
        Arc::new(Self {
            backend,
            prefix: format!("{db}:"),
            db,
            data_dir: None,
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
                    .env("HAIL_REDIS_URL", REDIS)
                    .env("HAIL_REDIS_PREFIX", &self.prefix);
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
    let env = TestEnv::create(Backend::External).await;
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

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A typed WebSocket client that keeps events which arrive while it waits
/// for a reply, so tests can assert on them afterwards.
pub struct Ws {
    socket: Socket,
    pub hello: ServerMessage,
    pending: VecDeque<ServerMessage>,
    next_ref: u64,
    /// The close code, once the server closed.
    pub closed: Option<u16>,
}

impl Ws {
    pub async fn connect(app: &TestApp, token: &str) -> Ws {
        Self::connect_url(&app.ws_url(token)).await
    }

    pub async fn connect_url(url: &str) -> Ws {
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("ws connect");
        let mut ws = Ws {
            socket,
            hello: ServerMessage::Ok {
                reference: String::new(),
                trip: None,
            },
            pending: VecDeque::new(),
            next_ref: 0,
            closed: None,
        };
        let hello = ws.read().await.expect("hello frame");
        assert!(
            matches!(hello, ServerMessage::Hello { .. }),
            "first frame is hello: {hello:?}"
        );
        ws.hello = hello;
        ws
    }

    pub fn hello_trip(&self) -> Option<Trip> {
        match &self.hello {
            ServerMessage::Hello { trip, .. } => trip.clone(),
            _ => None,
        }
    }

    /// Next frame from the socket (not the pending queue); `None` on close.
    async fn read(&mut self) -> Option<ServerMessage> {
        loop {
            let frame = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .expect("timed out waiting for a frame");
            match frame {
                Some(Ok(Message::Text(text))) => {
                    return Some(
                        serde_json::from_str(text.as_str())
                            .unwrap_or_else(|e| panic!("bad frame {text}: {e}")),
                    );
                }
                Some(Ok(Message::Close(frame))) => {
                    self.closed = Some(frame.map(|f| u16::from(f.code)).unwrap_or(1005));
                    return None;
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }

    pub async fn send_text(&mut self, text: impl Into<String>) {
        self.socket
            .send(Message::Text(text.into().into()))
            .await
            .expect("send");
    }

    pub async fn send_raw(&mut self, msg: Message) {
        self.socket.send(msg).await.expect("send");
    }

    pub async fn send(&mut self, msg: ClientMessage) {
        let text = serde_json::to_string(&ClientFrame {
            message: msg,
            reference: None,
        })
        .expect("json");
        self.send_text(text).await;
    }

    fn new_ref(&mut self) -> String {
        self.next_ref += 1;
        format!("r{}", self.next_ref)
    }

    /// Sends raw JSON with a fresh `ref` added and waits for its reply.
    pub async fn request_json(&mut self, mut value: serde_json::Value) -> ServerMessage {
        let reference = self.new_ref();
        value["ref"] = serde_json::Value::String(reference.clone());
        self.send_text(value.to_string()).await;
        self.reply(&reference).await
    }

    /// Sends `msg` with a `ref` and waits for its `ok` or `error`.
    pub async fn request(&mut self, msg: ClientMessage) -> ServerMessage {
        let reference = self.new_ref();
        let text = serde_json::to_string(&msg.with_ref(reference.clone())).expect("json");
        self.send_text(text).await;
        self.reply(&reference).await
    }

    /// Waits for the reply with `reference`, keeping other frames.
    pub async fn reply(&mut self, reference: &str) -> ServerMessage {
        let is_reply = |msg: &ServerMessage| match msg {
            ServerMessage::Ok { reference: r, .. } => r == reference,
            ServerMessage::Error {
                reference: Some(r), ..
            } => r == reference,
            _ => false,
        };
        // Answers that come later (a location's, once written) may arrive
        // out of order: one read while waiting for another is kept.
        if let Some(pos) = self.pending.iter().position(is_reply) {
            return self.pending.remove(pos).expect("position is valid");
        }
        loop {
            let msg = self
                .read()
                .await
                .unwrap_or_else(|| panic!("closed before reply {reference}"));
            if is_reply(&msg) {
                return msg;
            }
            self.pending.push_back(msg);
        }
    }

    /// `ok` expected: returns its trip.
    pub async fn ok(&mut self, msg: ClientMessage) -> Option<Trip> {
        match self.request(msg).await {
            ServerMessage::Ok { trip, .. } => trip,
            other => panic!("expected ok, got {other:?}"),
        }
    }

    /// `error` expected: returns its code.
    pub async fn err(&mut self, msg: ClientMessage) -> ErrorCode {
        match self.request(msg).await {
            ServerMessage::Error { code, .. } => code,
            other => panic!("expected an error, got {other:?}"),
        }
    }

    /// The first frame (pending or new) matching `pred`, within [`WAIT`].
    pub async fn recv_until(&mut self, pred: impl Fn(&ServerMessage) -> bool) -> ServerMessage {
        if let Some(pos) = self.pending.iter().position(&pred) {
            return self.pending.remove(pos).expect("position is valid");
        }
        loop {
            let msg = self.read().await.expect("socket closed while waiting");
            if pred(&msg) {
                return msg;
            }
            self.pending.push_back(msg);
        }
    }

    /// Like [`recv_until`](Self::recv_until) with a longer wait.
    pub async fn recv_within(
        &mut self,
        within: Duration,
        pred: impl Fn(&ServerMessage) -> bool,
    ) -> Option<ServerMessage> {
        if !self.sees(within, &pred).await {
            return None;
        }
        let pos = self.pending.iter().position(&pred)?;
        self.pending.remove(pos)
    }

    /// Whether a frame matching `pred` arrives within `within`.
    pub async fn sees(&mut self, within: Duration, pred: impl Fn(&ServerMessage) -> bool) -> bool {
        if self.pending.iter().any(&pred) {
            return true;
        }
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let Ok(frame) = tokio::time::timeout_at(deadline, self.socket.next()).await else {
                return false;
            };
            match frame {
                Some(Ok(Message::Text(text))) => {
                    let msg: ServerMessage = serde_json::from_str(text.as_str()).expect("frame");
                    if pred(&msg) {
                        self.pending.push_back(msg);
                        return true;
                    }
                    self.pending.push_back(msg);
                }
                Some(Ok(Message::Close(frame))) => {
                    self.closed = Some(frame.map(|f| u16::from(f.code)).unwrap_or(1005));
                    return false;
                }
                Some(Ok(_)) => {}
                _ => return false,
            }
        }
    }

    /// Waits for the server to close; returns the close code.
    pub async fn wait_closed(&mut self) -> Option<u16> {
        while self.closed.is_none() {
            if self.read().await.is_none() {
                break;
            }
        }
        self.closed
    }

    pub async fn offer_for(&mut self, trip: TripId) -> ServerMessage {
        self.recv_until(|m| matches!(m, ServerMessage::TripOffer { trip: t, .. } if t.id == trip))
            .await
    }

    pub async fn update_to(&mut self, trip: TripId, status: hail_protocol::TripStatus) -> Trip {
        match self
            .recv_until(|m| matches!(m, ServerMessage::TripUpdated { trip: t } if t.id == trip && t.status == status))
            .await
        {
            ServerMessage::TripUpdated { trip } => trip,
            _ => unreachable!("matched above"),
        }
    }

    pub async fn withdrawn(&mut self, trip: TripId) -> hail_protocol::WithdrawReason {
        match self
            .recv_until(
                |m| matches!(m, ServerMessage::OfferWithdrawn { trip_id, .. } if *trip_id == trip),
            )
            .await
        {
            ServerMessage::OfferWithdrawn { reason, .. } => reason,
            _ => unreachable!("matched above"),
        }
    }
}

/// POSTs a JSON body.
pub async fn post_json(app: &TestApp, path: &str, body: serde_json::Value) -> reqwest::Response {
    app.http()
        .post(app.url(path))
        .json(&body)
        .send()
        .await
        .expect("POST")
}

/// The error code of an HTTP error response.
pub async fn error_code(res: reqwest::Response) -> ErrorCode {
    res.json::<hail_protocol::ErrorBody>()
        .await
        .expect("error body")
        .error
        .code
}

/// Berlin, where every test city lives.
pub const CENTRE: (f64, f64) = (52.520, 13.405);

pub fn place(lat: f64, lng: f64) -> Place {
    Place {
        lat,
        lng,
        address: None,
    }
}

/// A point `north_m` metres north of the centre.
pub fn near(north_m: f64) -> (f64, f64) {
    (CENTRE.0 + north_m / 111_320.0, CENTRE.1)
}

pub fn location(pos: (f64, f64)) -> ClientMessage {
    ClientMessage::Location {
        lat: pos.0,
        lng: pos.1,
        heading: None,
        speed: None,
        at: None,
    }
}

pub fn request_at_centre() -> ClientMessage {
    ClientMessage::TripRequest {
        pickup: place(CENTRE.0, CENTRE.1),
        dropoff: place(CENTRE.0 + 0.02, CENTRE.1 + 0.02),
    }
}

/// The assigned driver takes an accepted trip to `completed`; the rider
/// sees each step.
pub async fn drive_to_completion(dws: &mut Ws, rws: &mut Ws, trip: TripId) {
    use hail_protocol::TripStatus;
    for (cmd, status) in [
        (
            ClientMessage::TripArrive { trip_id: trip },
            TripStatus::Arrived,
        ),
        (
            ClientMessage::TripStart { trip_id: trip },
            TripStatus::InProgress,
        ),
        (
            ClientMessage::TripComplete { trip_id: trip },
            TripStatus::Completed,
        ),
    ] {
        dws.ok(cmd).await;
        rws.update_to(trip, status).await;
    }
}

/// A driver on duty at `pos`.
pub async fn driver_online(app: &TestApp, pos: (f64, f64)) -> (TestUser, Ws) {
    let (d, mut ws) = app.connect(Role::Driver).await;
    ws.ok(location(pos)).await;
    ws.ok(ClientMessage::DriverAvailable { available: true })
        .await;
    (d, ws)
}

pub fn is_offer(m: &ServerMessage) -> bool {
    matches!(m, ServerMessage::TripOffer { .. })
}

/// All drivers of a race accept `trip` at once; returns every reply and the
/// indices of the winners.
pub async fn accept_race(
    drivers: &mut [(TestUser, Ws)],
    trip: TripId,
) -> (Vec<ServerMessage>, Vec<usize>) {
    let results = futures_util::future::join_all(drivers.iter_mut().map(|(_, ws)| async move {
        ws.request(ClientMessage::TripAccept { trip_id: trip })
            .await
    }))
    .await;
    let winners = results
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r, ServerMessage::Ok { .. }))
        .map(|(i, _)| i)
        .collect();
    (results, winners)
}
