//! The accept loop, in place of `axum::serve`: hyper's HTTP/1 server with a
//! timer, so a connection cannot hold a file descriptor for free.
//!
//! - the header-read timeout closes connections that send nothing or send
//!   their header slowly (hyper runs it from the moment it waits for a
//!   request head, so it also bounds the wait for a kept-alive
//!   connection's next request);
//! - the idle timeout closes a kept-alive connection with no request in
//!   flight (a response body still streaming, like the monitor's SSE,
//!   counts as in flight);
//! - [`ConnectionLimits`] caps open connections; over a cap the connection
//!   gets a minimal 503 and is closed at once, counted, never queued;
//! - every request carries `ConnectInfo<SocketAddr>` (the peer);
//! - TCP_NODELAY on every accepted socket.
//!
//! HTTP/1.1 only: browsers speak HTTP/2 only over TLS, which a proxy in
//! front terminates, and sniffing for an HTTP/2 preface would be a read
//! without a timeout.

use super::limits::{ConnectionLimits, Counted, Refusal};
use crate::config::HttpConfig;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_service::Service;

/// The whole answer to a refused connection: no parsing, no allocation.
const REFUSED: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: application/json\r\n\
content-length: 78\r\n\
connection: close\r\n\
retry-after: 1\r\n\
\r\n\
{\"error\":{\"code\":\"unavailable\",\"message\":\"too many connections; retry later\"}}";

/// Serves `router` on `listener` until `shutdown`: then stops accepting and
/// lets requests in flight finish (upgraded WebSockets are the sessions'
/// business: `node.tasks`).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    config: HttpConfig,
    limits: Arc<ConnectionLimits>,
    shutdown: CancellationToken,
) {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_timeout)
        // A header may take up to this much memory (hyper's default is
        // ~400 KiB): ours are small (a bearer token at most), and bodies are
        // capped at 64 KiB anyway, so 1,000 half-sent headers cost 64 MiB,
        // not 400.
        .max_buf_size(64 * 1024)
        .keep_alive(true);
    let connections = TaskTracker::new();
    let mut backoff = AcceptErrors::default();
    let mut refusals = RateLimitedLog::default();
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                backoff.on_error(e).await;
                continue;
            }
        };
        let peer = SocketAddr::new(peer.ip().to_canonical(), peer.port());
        let slot = match limits.try_acquire(peer.ip()) {
            Ok(slot) => slot,
            Err(why) => {
                crate::metrics::connection_refused(why.as_str());
                refusals.log(|suppressed| {
                    tracing::warn!(
                        %peer,
                        reason = why.as_str(),
                        open = limits.total(),
                        max = limits.max(),
                        per_ip = limits.per_ip(),
                        suppressed,
                        "connection refused (503): over the {} cap",
                        match why { Refusal::Global => "HAIL_MAX_CONNECTIONS", Refusal::PerIp => "per-address" },
                    )
                });
                refuse(stream);
                continue;
            }
        };
        if config.tcp_nodelay {
            if let Err(e) = stream.set_nodelay(true) {
                tracing::debug!(%peer, "TCP_NODELAY: {e}");
            }
        }
        let io = Counted::new(stream, slot);
        connections.spawn(connection(
            builder.clone(),
            io,
            peer,
            router.clone(),
            config.idle_timeout,
            shutdown.clone(),
        ));
    }
    drop(listener);
    connections.close();
    connections.wait().await;
}

/// One HTTP connection, until it closes, upgrades, idles out or the node
/// drains.
async fn connection(
    builder: http1::Builder,
    io: Counted,
    peer: SocketAddr,
    router: Router,
    idle_timeout: Duration,
    shutdown: CancellationToken,
) {
    let activity = Activity::new();
    let service = hyper::service::service_fn({
        let activity = activity.clone();
        move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let busy = activity.begin();
            let mut router = router.clone();
            async move {
                let response = router.call(request.map(Body::new)).await?;
                // The request stays in flight until its body is sent: the
                // guard lives in the body.
                Ok::<_, Infallible>(response.map(|body| {
                    Body::new(body.map_frame(move |frame| {
                        let _ = &busy;
                        frame
                    }))
                }))
            }
        }
    });
    let conn = builder
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    tokio::pin!(conn);
    let mut closing = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    // Header timeouts, resets, malformed requests: the
                    // client's doing, not the node's.
                    tracing::debug!(%peer, "connection ended: {e}");
                }
                return;
            }
            _ = shutdown.cancelled(), if !closing => {
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
            _ = activity.idle_for(idle_timeout), if !closing => {
                tracing::debug!(%peer, "idle keep-alive connection closed");
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
        }
    }
}

/// Whether a connection has a request in flight, and since when not.
#[derive(Clone)]
struct Activity {
    in_flight: Arc<AtomicUsize>,
    /// `Some(since)` while nothing is in flight.
    idle_since: Arc<watch::Sender<Option<Instant>>>,
}

/// A request in flight; dropped with its response body.
struct Busy(Activity);

impl Activity {
    fn new() -> Self {
        Self {
            in_flight: Arc::new(AtomicUsize::new(0)),
            idle_since: Arc::new(watch::Sender::new(Some(Instant::now()))),
        }
    }

    fn begin(&self) -> Busy {
        if self.in_flight.fetch_add(1, Ordering::AcqRel) == 0 {
            self.idle_since.send_replace(None);
        }
        Busy(self.clone())
    }

    /// Resolves once nothing has been in flight for `limit`.
    async fn idle_for(&self, limit: Duration) {
        let mut changes = self.idle_since.subscribe();
        loop {
            let since = *changes.borrow_and_update();
            match since {
                None => {
                    if changes.changed().await.is_err() {
                        std::future::pending::<()>().await;
                    }
                }
                Some(since) => {
                    let deadline = tokio::time::Instant::from_std(since + limit);
                    tokio::select! {
                        _ = tokio::time::sleep_until(deadline) => return,
                        changed = changes.changed() => if changed.is_err() {
                            std::future::pending::<()>().await;
                        },
                    }
                }
            }
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle_since.send_replace(Some(Instant::now()));
        }
    }
}

/// Answers a connection over a cap without waiting on it: the socket is
/// fresh, so its send buffer takes the 503 at once, or it is just closed.
fn refuse(stream: TcpStream) {
    let Ok(mut socket) = stream.into_std() else {
        return;
    };
    let _ = socket.write(REFUSED);
    // Bytes the client already sent would turn the close into a reset that
    // can destroy the 503 before it is read: drain what has arrived.
    let mut scratch = [0u8; 2048];
    for _ in 0..4 {
        match socket.read(&mut scratch) {
            Ok(n) if n > 0 => continue,
            _ => break,
        }
    }
    let _ = socket.shutdown(std::net::Shutdown::Write);
}

/// `accept` failing with "too many open files" (or any other error that is
/// not one connection's fault) must not spin: pause, and log once a second.
#[derive(Default)]
struct AcceptErrors {
    log: RateLimitedLog,
}

impl AcceptErrors {
    async fn on_error(&mut self, e: std::io::Error) {
        use std::io::ErrorKind::*;
        if matches!(
            e.kind(),
            ConnectionAborted | ConnectionReset | ConnectionRefused
        ) {
            return; // that client gave up; the next accept is fine
        }
        crate::metrics::accept_failed();
        self.log
            .log(|suppressed| tracing::error!(suppressed, "accept failed: {e}; pausing 50 ms"));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Logs at most once a second, saying how many were skipped.
#[derive(Default)]
struct RateLimitedLog {
    last: Option<Instant>,
    suppressed: u64,
}

impl RateLimitedLog {
    fn log(&mut self, emit: impl FnOnce(u64)) {
        let now = Instant::now();
        if self
            .last
            .is_some_and(|t| now.duration_since(t) < Duration::from_secs(1))
        {
            self.suppressed += 1;
            return;
        }
        emit(self.suppressed);
        self.suppressed = 0;
        self.last = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn config() -> HttpConfig {
        HttpConfig {
            header_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(5),
            max_connections: 100,
            max_connections_per_ip: 0,
            tcp_nodelay: true,
            tile_host: "https://tile.openstreetmap.org".into(),
        }
    }

    /// Every request carries its peer address, as axum's
    /// `into_make_service_with_connect_info` would give it; shutdown stops
    /// the loop.
    #[tokio::test]
    async fn handlers_see_the_peer_address_and_shutdown_stops_serving() {
        let router = Router::new().route(
            "/peer",
            axum::routing::get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move {
                peer.to_string()
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let shutdown = CancellationToken::new();
        let limits = ConnectionLimits::new(100, 0);
        let server = tokio::spawn(serve(
            listener,
            router,
            config(),
            limits.clone(),
            shutdown.clone(),
        ));
        let mut client = TcpStream::connect(addr).await.expect("connect");
        let me = client.local_addr().expect("local addr");
        client
            .write_all(b"GET /peer HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            .await
            .expect("request");
        let mut response = String::new();
        client
            .read_to_string(&mut response)
            .await
            .expect("response");
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.ends_with(&me.to_string()), "{response} from {me}");
        shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(2), server)
            .await
            .expect("serve returns after shutdown")
            .expect("serve task");
        assert_eq!(limits.total(), 0, "every slot given back");
        assert!(
            TcpStream::connect(addr).await.is_err(),
            "no longer listening"
        );
    }

    #[test]
    fn the_refusal_declares_its_body_length() {
        let text = std::str::from_utf8(REFUSED).expect("ascii");
        let (_, body) = text.split_once("\r\n\r\n").expect("head and body");
        assert_eq!(body.len(), 78);
        let json: serde_json::Value = serde_json::from_str(body).expect("json");
        assert_eq!(json["error"]["code"], "unavailable");
    }
}
