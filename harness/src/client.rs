//! Talking to Hail like any outside client: accounts and reads over HTTP,
//! sockets over tokio-tungstenite with small buffers (the harness holds many).

use futures_util::{SinkExt, StreamExt};
use hail_protocol::http::{TokenResponse, TripsResponse, UserResponse};
use hail_protocol::ws::ClientFrame;
use hail_protocol::{Role, ServerMessage, Trip, UserId};
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

pub type Socket = WebSocketStream<TcpStream>;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("http: {0}")]
    Http(String),
    #[error("websocket: {0}")]
    Ws(String),
    #[error("bad url {0}")]
    Url(String),
    #[error("unexpected: {0}")]
    Protocol(String),
}

/// A user the harness acts as.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    pub token: String,
}

/// `http://host:port` of a node, and its socket address.
#[derive(Debug, Clone)]
pub struct Node {
    pub base: String,
    pub addr: SocketAddr,
}

impl Node {
    pub async fn parse(url: &str) -> Result<Self, ClientError> {
        let base = url.trim_end_matches('/').to_string();
        let hostport = base
            .strip_prefix("http://")
            .ok_or_else(|| ClientError::Url(format!("{url}: expected http://host:port")))?;
        let addr = tokio::net::lookup_host(hostport)
            .await
            .map_err(|e| ClientError::Url(format!("{url}: {e}")))?
            .next()
            .ok_or_else(|| ClientError::Url(url.to_string()))?;
        Ok(Self { base, addr })
    }

    pub fn ws_url(&self, token: &str) -> String {
        format!("ws://{}/ws?token={token}", self.addr)
    }
}

#[derive(Serialize)]
struct Claims {
    sub: UserId,
    role: Role,
    iat: u64,
    exp: u64,
}

/// Every harness account's password: fixed, because the server refuses a
/// password that contains the username (the old `pw-{username}`).
pub const PASSWORD: &str = "hail-harness-pass-5820";

/// How often a sign-up or log-in answered 503 (the server's hashing queue
/// was full: it refuses rather than queues) is tried again.
const BUSY_RETRIES: u32 = 50;

/// Posts `body` to `url`, trying again after a short pause while the server
/// answers 503: a burst of sign-ups is meant to be spread, not to fail.
async fn post_retrying_busy(
    http: &reqwest::Client,
    url: &str,
    body: &serde_json::Value,
) -> Result<reqwest::Response, ClientError> {
    let mut tries = 0;
    loop {
        let res = http
            .post(url)
            .json(body)
            .send()
            .await
            .map_err(|e| ClientError::Http(e.to_string()))?;
        if res.status().as_u16() != 503 || tries == BUSY_RETRIES {
            return Ok(res);
        }
        tries += 1;
        tokio::time::sleep(std::time::Duration::from_millis(20 + 10 * u64::from(tries))).await;
    }
}

/// Creates accounts: sign-up, then a token from log-in, or minted locally
/// when the server's JWT secret is known (log-in costs an Argon2 hash).
#[derive(Clone)]
pub struct Accounts {
    http: reqwest::Client,
    secret: Option<Arc<String>>,
}

impl Accounts {
    pub fn new(secret: Option<String>) -> Self {
        Self {
            http: reqwest::Client::new(),
            secret: secret.map(Arc::new),
        }
    }

    pub async fn create(
        &self,
        node: &Node,
        role: Role,
        username: String,
    ) -> Result<Account, ClientError> {
        let password = PASSWORD;
        let res = post_retrying_busy(
            &self.http,
            &format!("{}/api/auth/signup", node.base),
            &serde_json::json!({"username": username, "password": password, "role": role, "name": username}),
        )
        .await?;
        let status = res.status();
        let signed_up: Option<UserResponse> = if status.as_u16() == 201 {
            Some(
                res.json()
                    .await
                    .map_err(|e| ClientError::Http(e.to_string()))?,
            )
        } else if status.as_u16() == 409 {
            None // reuse the account
        } else {
            return Err(ClientError::Http(format!("signup {username}: {status}")));
        };
        if let (Some(secret), Some(signed)) = (&self.secret, &signed_up) {
            let now = chrono::Utc::now().timestamp() as u64;
            let claims = Claims {
                sub: signed.user.id,
                role,
                iat: now,
                exp: now + 6 * 3600,
            };
            let token = jsonwebtoken::encode(
                &jsonwebtoken::Header::default(),
                &claims,
                &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
            )
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
            return Ok(Account {
                id: signed.user.id,
                username,
                role,
                token,
            });
        }
        let res = post_retrying_busy(
            &self.http,
            &format!("{}/api/auth/login", node.base),
            &serde_json::json!({"username": username, "password": password}),
        )
        .await?;
        if !res.status().is_success() {
            return Err(ClientError::Http(format!(
                "login {username}: {}",
                res.status()
            )));
        }
        let tokens: TokenResponse = res
            .json()
            .await
            .map_err(|e| ClientError::Http(e.to_string()))?;
        Ok(Account {
            id: tokens.user.id,
            username,
            role,
            token: tokens.access_token,
        })
    }

    /// `n` accounts named `{prefix}-{role}-{i}`, `concurrency` at a time.
    /// Each is tried one node after another (`tries` times, 500 ms apart)
    /// until one answers: a node may be down while a fault run starts. With
    /// `tries` 1, the first failure ends it.
    pub async fn create_many(
        &self,
        nodes: &[Node],
        role: Role,
        prefix: &str,
        n: usize,
        concurrency: usize,
        tries: usize,
    ) -> Result<Vec<Account>, ClientError> {
        let mut out = Vec::with_capacity(n);
        let concurrency = concurrency.max(1);
        for chunk_start in (0..n).step_by(concurrency) {
            let batch = futures_util::future::join_all(
                (chunk_start..n.min(chunk_start + concurrency))
                    .map(|i| self.create_trying(nodes, role, prefix, i, tries)),
            )
            .await;
            for a in batch {
                out.push(a?);
            }
        }
        Ok(out)
    }

    /// Account `i`, from node `i` on, `tries` times.
    async fn create_trying(
        &self,
        nodes: &[Node],
        role: Role,
        prefix: &str,
        i: usize,
        tries: usize,
    ) -> Result<Account, ClientError> {
        let name = format!("{prefix}-{}-{i}", role.as_str());
        let mut attempt = 0;
        loop {
            let node = &nodes[(i + attempt) % nodes.len()];
            match self.create(node, role, name.clone()).await {
                Ok(a) => return Ok(a),
                Err(e) if attempt + 1 >= tries => {
                    return Err(if tries > 1 {
                        ClientError::Http(format!("account {name}: {e}"))
                    } else {
                        e
                    })
                }
                Err(_) => {}
            }
            attempt += 1;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

/// HTTP reads as a user, tried over the nodes in turn (one may be down
/// while we ask): 40 attempts, 250 ms apart.
pub struct Http {
    /// One connection pool for every read.
    client: reqwest::Client,
    /// Tried in turn, so a dead node costs one attempt.
    nodes: Vec<Node>,
}

impl Http {
    pub fn new(nodes: Vec<Node>) -> Self {
        Self {
            client: reqwest::Client::new(),
            nodes,
        }
    }

    /// `GET {path}` with `token`; a 404 is an answer, not retried.
    pub async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        token: &str,
    ) -> Result<T, String> {
        let mut last = String::new();
        for attempt in 0..40 {
            let node = &self.nodes[attempt % self.nodes.len()];
            let res = self
                .client
                .get(format!("{}{path}", node.base))
                .bearer_auth(token)
                .timeout(Duration::from_secs(5))
                .send()
                .await;
            match res {
                Ok(res) if res.status().is_success() => {
                    return res.json::<T>().await.map_err(|e| format!("{path}: {e}"))
                }
                Ok(res) if res.status().as_u16() == 404 => {
                    return Err(format!("{path}: 404 not_found"))
                }
                Ok(res) => last = format!("{} from {}", res.status(), node.base),
                Err(e) => last = format!("{}: {e}", node.base),
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Err(format!("{path}: no answer in 40 attempts (last: {last})"))
    }

    /// `method path` with a JSON `body` as `token`: the status and the
    /// body text. Tried on the next node only when a node cannot be reached
    /// or answers 503 (a write is not repeated once a node has taken it).
    pub async fn send<B: Serialize>(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: &B,
    ) -> Result<(u16, String), String> {
        let mut last = String::new();
        for attempt in 0..40 {
            let node = &self.nodes[attempt % self.nodes.len()];
            let res = self
                .client
                .request(method.clone(), format!("{}{path}", node.base))
                .bearer_auth(token)
                .json(body)
                .timeout(Duration::from_secs(5))
                .send()
                .await;
            match res {
                Ok(res) if res.status().as_u16() != 503 => {
                    let status = res.status().as_u16();
                    let text = res.text().await.map_err(|e| format!("{path}: {e}"))?;
                    return Ok((status, text));
                }
                Ok(res) => last = format!("{} from {}", res.status(), node.base),
                Err(e) if e.is_connect() => last = format!("{}: {e}", node.base),
                Err(e) => return Err(format!("{method} {path}: {e}")),
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Err(format!(
            "{method} {path}: no answer in 40 attempts (last: {last})"
        ))
    }

    /// Every trip `token`'s user took part in, all pages.
    pub async fn list_trips(&self, token: &str) -> Result<Vec<Trip>, String> {
        let mut out = Vec::new();
        let mut before: Option<String> = None;
        loop {
            let path = match &before {
                Some(b) => format!("/api/trips?limit=100&before={b}"),
                None => "/api/trips?limit=100".to_string(),
            };
            let page: TripsResponse = self.get(&path, token).await?;
            out.extend(page.trips);
            match page.next_before {
                Some(b) => before = Some(b),
                None => return Ok(out),
            }
        }
    }
}

/// Small buffers: an idle socket then costs a few KiB, not 130.
pub fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(4096)
        .max_message_size(Some(1 << 20))
}

/// Opens an authenticated socket (from `source`, if given: several
/// 127.x.y.z sources get past the ephemeral-port limit) and reads `hello`.
pub async fn connect(
    node: &Node,
    token: &str,
    source: Option<IpAddr>,
) -> Result<(Socket, ServerMessage), ClientError> {
    let socket = if node.addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(|e| ClientError::Ws(e.to_string()))?;
    if let Some(ip) = source {
        socket
            .bind(SocketAddr::new(ip, 0))
            .map_err(|e| ClientError::Ws(format!("bind {ip}: {e}")))?;
    }
    let stream = socket
        .connect(node.addr)
        .await
        .map_err(|e| ClientError::Ws(format!("connect: {e}")))?;
    let _ = stream.set_nodelay(true);
    let (mut ws, _) =
        tokio_tungstenite::client_async_with_config(node.ws_url(token), stream, Some(ws_config()))
            .await
            .map_err(|e| ClientError::Ws(e.to_string()))?;
    let hello = tokio::time::timeout(Duration::from_secs(30), next_message(&mut ws))
        .await
        .map_err(|_| ClientError::Ws("no hello within 30 s".into()))?
        .ok_or_else(|| ClientError::Ws("closed before hello".into()))?;
    if !matches!(hello, ServerMessage::Hello { .. }) {
        return Err(ClientError::Protocol(format!(
            "first frame was not hello: {hello:?}"
        )));
    }
    Ok((ws, hello))
}

/// The next server message; `None` when the socket ends.
pub async fn next_message(ws: &mut Socket) -> Option<ServerMessage> {
    loop {
        match ws.next().await? {
            Ok(Message::Text(text)) => match serde_json::from_str(text.as_str()) {
                Ok(msg) => return Some(msg),
                Err(e) => {
                    eprintln!("harness: undecodable frame {text}: {e}");
                    continue;
                }
            },
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

/// What a socket gave: a message, or its end, with the close code when the
/// server sent a close frame (`None`: the connection just died).
#[derive(Debug)]
pub enum Incoming {
    Message(Box<ServerMessage>),
    Closed(Option<u16>),
}

/// Like [`next_message`], but keeps the close code (1001 draining, 1012
/// resync, ...), which fault scenarios count.
pub async fn next_incoming(ws: &mut Socket) -> Incoming {
    loop {
        match ws.next().await {
            None | Some(Err(_)) => return Incoming::Closed(None),
            Some(Ok(Message::Close(frame))) => {
                return Incoming::Closed(frame.map(|f| u16::from(f.code)))
            }
            Some(Ok(Message::Text(text))) => match serde_json::from_str(text.as_str()) {
                Ok(msg) => return Incoming::Message(Box::new(msg)),
                Err(e) => {
                    eprintln!("harness: undecodable frame {text}: {e}");
                    continue;
                }
            },
            Some(Ok(_)) => continue,
        }
    }
}

pub async fn send(ws: &mut Socket, frame: &ClientFrame) -> Result<(), ClientError> {
    let text = serde_json::to_string(frame).map_err(|e| ClientError::Protocol(e.to_string()))?;
    ws.send(Message::Text(text.into()))
        .await
        .map_err(|e| ClientError::Ws(e.to_string()))
}
