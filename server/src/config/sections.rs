//! The settings' sections, one struct each, with the defaults that work on
//! a laptop; `super` reads them from the environment and validates them.

use crate::domain::dispatch::Policy;
use std::time::Duration;

/// Dispatch policy knobs (the contract's defaults).
#[derive(Debug, Clone)]
pub struct DispatchConfig {
    /// Radii, offers per round, offer and trip lifetimes: what a trip's
    /// dispatch plan runs by (`domain::dispatch`).
    pub plan: Policy,
    /// A position older than this makes a driver unavailable.
    pub stale_after: Duration,
    /// An available driver's position is written to the geo index at most
    /// this often (the latest one wins); GPS during a trip is never throttled.
    pub index_interval: Duration,
    /// A node holds each requested trip's dispatch under a lease this long,
    /// renewed at a third of it; when the node dies another takes the trip
    /// over once the lease has run out.
    pub lease: Duration,
    /// Trips one rider may request per `trip_request_window` (0: no
    /// limit): a request -> cancel loop otherwise keeps offering drivers
    /// trips nobody will take. Counted in the store, so across nodes.
    pub trip_requests_per_window: usize,
    pub trip_request_window: Duration,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        Self {
            plan: Policy::default(),
            stale_after: Duration::from_secs(30),
            index_interval: Duration::from_millis(1000),
            lease: Duration::from_secs(5),
            trip_requests_per_window: 10,
            trip_request_window: Duration::from_secs(600),
        }
    }
}

/// WebSocket session limits.
#[derive(Debug, Clone)]
pub struct WsConfig {
    /// Server ping interval; browsers and proxies answer with pongs.
    pub ping_interval: Duration,
    /// A socket silent for this long after a ping is closed as dead.
    pub pong_timeout: Duration,
    /// A write that does not finish in this time means the peer stopped
    /// reading: the session ends instead of stalling.
    pub write_timeout: Duration,
    /// Frames queued per connection; a client that lets it fill is too slow
    /// and is disconnected rather than allowed to stall fan-out.
    pub outbox: usize,
    /// Sustained messages per second per connection.
    pub rate_per_sec: u32,
    /// Burst allowance on top of the rate.
    pub burst: u32,
    /// Largest accepted message (the contract's 64 KiB): bigger ones are
    /// answered `too_large` and the connection stays.
    pub max_message: usize,
    /// Frames past this are not even read: `too_large`, then close 1009.
    /// Bounds the memory one socket can make the server buffer.
    pub hard_max_message: usize,
    /// tungstenite read/write buffers: tungstenite allocates and zero-fills
    /// its 128 KiB read buffer per read, so with the defaults an idle socket
    /// costs ~134 KiB of RSS; with 4 KiB, ~6 KiB (measured on these
    /// machines; docs/benchmarks.md).
    pub buffer: usize,
    /// WebSockets one user may hold on a node (0: no cap); past it the
    /// oldest is closed with 4009, so the newest tab or device works.
    pub max_sockets_per_user: usize,
}

impl Default for WsConfig {
    fn default() -> Self {
        Self {
            ping_interval: Duration::from_secs(20),
            pong_timeout: Duration::from_secs(20),
            write_timeout: Duration::from_secs(10),
            outbox: 256,
            rate_per_sec: 20,
            burst: 50,
            max_message: 64 * 1024,
            hard_max_message: 256 * 1024,
            buffer: 4 * 1024,
            max_sockets_per_user: 5,
        }
    }
}

/// GPS persistence: a bounded queue drained by a batching writer.
#[derive(Debug, Clone)]
pub struct GpsConfig {
    /// Points buffered before drivers are slowed (backpressure).
    pub queue: usize,
    /// Points per COPY.
    pub batch: usize,
    /// Longest a point waits for a write.
    pub flush_interval: Duration,
    /// Longest a driver's point waits for room in a full queue before it is
    /// refused with `unavailable`.
    pub push_timeout: Duration,
}

impl Default for GpsConfig {
    fn default() -> Self {
        Self {
            queue: 65_536,
            batch: 2_000,
            flush_interval: Duration::from_millis(20),
            push_timeout: Duration::from_secs(2),
        }
    }
}

/// Log-in throttling and the password-hashing queue (issue 11).
#[derive(Debug, Clone)]
pub struct LoginConfig {
    /// Failed log-ins are counted over this sliding window; `Retry-After`
    /// is when the oldest counted one leaves it.
    pub window: Duration,
    /// Failures per username (on any IP) before that username gets 429:
    /// slows guessing one account from many addresses.
    pub max_failures_per_user: u32,
    /// Failures per client IP (over any usernames) before that IP gets 429:
    /// slows one address spraying many accounts.
    pub max_failures_per_ip: u32,
    /// Take the client IP from the right-most `X-Forwarded-For` entry (the
    /// one our own proxy appended) instead of the TCP peer. Only behind a
    /// proxy that sets it: otherwise clients could pick their own IP.
    pub trust_forwarded_for: bool,
    /// Hashing jobs waiting for a thread; past it a log-in or sign-up gets
    /// 503 at once. Small, so a flood cannot delay real log-ins by seconds.
    pub hash_queue: usize,
}

impl Default for LoginConfig {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(900),
            max_failures_per_user: 10,
            max_failures_per_ip: 20,
            trust_forwarded_for: false,
            hash_queue: default_hash_queue(),
        }
    }
}

/// HTTP connection handling (issue 11): timeouts and caps so that no client,
/// and no single address, can hold all of the node's sockets.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// A request's header must be complete within this, counted from when the
    /// node starts waiting for it (the accept, or the end of the previous
    /// response): connections that send nothing, or a header a byte at a
    /// time (slowloris), are closed instead of holding a file descriptor.
    pub header_timeout: Duration,
    /// A kept-alive connection with no request in flight is closed after
    /// this. The header timer also runs while a connection waits for its
    /// next request, so the shorter of the two applies there.
    pub idle_timeout: Duration,
    /// Open TCP connections at most (HTTP and WebSocket, both listeners).
    /// Past it a connection is refused with 503 rather than `accept` failing
    /// with "too many open files". Default: the soft `RLIMIT_NOFILE` at start
    /// minus 256 (kept for Postgres, Redis and files), at least 64.
    pub max_connections: usize,
    /// Open connections from one IP address at most; 0 = no per-address cap.
    /// Behind a proxy every connection comes from the proxy: set 0 there.
    /// Either way one address never gets the last tenth of
    /// `max_connections`, so another address can still reach `/healthz`.
    pub max_connections_per_ip: usize,
    /// TCP_NODELAY on accepted sockets: without it a second small frame
    /// waits for the peer's delayed ACK (~40 ms). Off only to measure that.
    pub tcp_nodelay: bool,
    /// The map tile origin the browser apps load images from (the client's
    /// build-time `VITE_MAP_TILE_URL`), allowed in the CSP's `img-src`.
    pub tile_host: String,
}

impl HttpConfig {
    /// The default connection cap: what the fd limit leaves after a reserve
    /// for the store, Redis, the log and the listeners.
    pub fn default_max_connections() -> usize {
        Self::fd_limit().saturating_sub(256).max(64)
    }

    /// The process's soft `RLIMIT_NOFILE` (1024 if it cannot be read).
    pub fn fd_limit() -> usize {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit only writes the struct it is given.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
            usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX)
        } else {
            1024
        }
    }
}

/// 8 jobs per hashing thread (one thread per core): at ~20-50 ms a hash, a
/// full queue waits at most a few hundred ms.
pub fn default_hash_queue() -> usize {
    8 * std::thread::available_parallelism().map_or(2, |n| n.get())
}
