//! A TCP proxy a test can cut and restore: the node sees its backend go
//! away (connections reset, new ones refused) without the test stopping
//! the machine's shared Postgres or Redis.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct TcpProxy {
    pub port: u16,
    up: Arc<AtomicBool>,
    /// Bumped on every cut: live connections end when it changes.
    cuts: watch::Sender<u64>,
    accept: tokio::task::JoinHandle<()>,
}

impl TcpProxy {
    /// Forwards 127.0.0.1:`port` (random) to `upstream`.
    pub async fn start(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("addr").port();
        let up = Arc::new(AtomicBool::new(true));
        let (cuts, _) = watch::channel(0u64);
        let upstream = upstream.to_string();
        let accept = tokio::spawn({
            let up = up.clone();
            let cuts = cuts.clone();
            async move {
                while let Ok((client, _)) = listener.accept().await {
                    if !up.load(Ordering::SeqCst) {
                        drop(client); // refused while down
                        continue;
                    }
                    let mut cut = cuts.subscribe();
                    let upstream = upstream.clone();
                    tokio::spawn(async move {
                        let Ok(server) = TcpStream::connect(&upstream).await else {
                            return;
                        };
                        let (mut client, mut server) = (client, server);
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                            _ = cut.changed() => {}
                        }
                    });
                }
            }
        });
        Self {
            port,
            up,
            cuts,
            accept,
        }
    }

    /// The backend "goes down": every connection drops, new ones are refused.
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    /// The backend is back.
    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// A Redis of the test's own (the machine's `redis-server` on a free port),
/// so a test can kill and restart it without touching the shared one.
pub struct PrivateRedis {
    pub port: u16,
    child: Option<tokio::process::Child>,
}

impl PrivateRedis {
    pub async fn start() -> Self {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
            l.local_addr().expect("addr").port()
        };
        let mut redis = Self { port, child: None };
        redis.restart().await;
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts (again) on the same port, empty (nothing is saved), and waits
    /// until it answers.
    pub async fn restart(&mut self) {
        let child = tokio::process::Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("redis-server on PATH");
        self.child = Some(child);
        let url = self.url();
        crate::eventually::eventually("redis-server to answer PING", || async {
            let client = redis::Client::open(url.as_str()).ok()?;
            let mut con = client.get_multiplexed_async_connection().await.ok()?;
            let pong: Result<String, _> = redis::cmd("PING").query_async(&mut con).await;
            pong.ok().map(|_| ())
        })
        .await
    }

    /// `kill -9`: every connection drops and the data is gone.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }
}
