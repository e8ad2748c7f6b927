//! Settings, read once from the environment (`HAIL_*`) at start. Every field
//! has a default that works on a laptop; secrets are never logged.

use crate::domain::dispatch::Policy;
use std::net::SocketAddr;
use std::time::Duration;

/// The secret used when `HAIL_DEV=1` and none is given. Never valid in
/// production: `serve` refuses it unless dev mode is on.
const DEV_JWT_SECRET: &str = "hail-dev-secret-do-not-use-in-production";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name}: cannot parse {value:?}: {reason}")]
    Parse {
        name: &'static str,
        value: String,
        reason: String,
    },
    #[error("HAIL_JWT_SECRET is not set; set it (at least 32 bytes) or run with HAIL_DEV=1")]
    MissingSecret,
    #[error("HAIL_JWT_SECRET must be at least 32 bytes")]
    WeakSecret,
    #[error("{0}")]
    Invalid(String),
}

pub mod fares;
mod gps_partitions;
mod ride;
mod rollup;
mod secret;
mod sections;
pub use gps_partitions::GpsPartitionsConfig;
pub use ride::{RideConfig, SurgeConfig};
pub use rollup::RollupConfig;
pub use secret::{Secret, ServiceUrl};
pub use sections::*;

#[derive(Debug, Clone)]
pub struct Config {
    /// Where HTTP and WebSocket are served.
    pub bind: SocketAddr,
    /// Serve `/metrics` here instead, so only operators reach it.
    pub metrics_bind: Option<SocketAddr>,
    /// This node's name in logs and metrics; random when unset.
    pub node_id: String,
    /// `HAIL_DATABASE_URL`: Postgres; `None`: the embedded SQLite store
    /// under `data_dir`.
    pub database_url: Option<ServiceUrl>,
    /// Where the embedded store keeps its file (`hail.db`).
    pub data_dir: std::path::PathBuf,
    pub db_pool_size: usize,
    /// Postgres connections opened (statements prepared) at start, so the
    /// first requests after a start do not each connect.
    pub db_pool_warm: usize,
    /// Bounds every pool wait and statement, so a stuck Postgres surfaces
    /// as `unavailable` instead of hanging sessions.
    pub db_timeout: Duration,
    /// `HAIL_REDIS_URL`: Redis; `None`: the in-process bus and geo index
    /// (one node).
    pub redis_url: Option<ServiceUrl>,
    /// `HAIL_REDIS_CLUSTER_NODES`: seed nodes of a Redis Cluster
    /// (comma-separated URLs); when set it replaces `HAIL_REDIS_URL`.
    pub redis_cluster_nodes: Vec<ServiceUrl>,
    /// Prefix of every Redis key and channel (tests use their own).
    pub redis_prefix: String,
    /// `HAIL_JWT_SECRET`: HMAC secret for access tokens.
    pub jwt_secret: Secret,
    pub dev: bool,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub dispatch: DispatchConfig,
    pub ws: WsConfig,
    pub gps: GpsConfig,
    pub http: HttpConfig,
    /// How long SIGTERM may take to drain sessions and flush GPS.
    pub shutdown_timeout: Duration,
    /// The built browser apps (`npm run build` in `client/`), served at `/`,
    /// `/rider/`, `/driver/` and `/monitor/`. Relative to the working directory.
    pub client_dir: std::path::PathBuf,
    /// How often this node announces itself to the monitor; a node silent
    /// for three of these shows as down.
    pub heartbeat: Duration,
    pub login: LoginConfig,
    pub ride: RideConfig,
    /// The monitor's per-minute history.
    pub rollup: RollupConfig,
    /// GPS day partitions and retention.
    pub gps_partitions: GpsPartitionsConfig,
}

impl Config {
    /// A node whose last heartbeat is older than this is down.
    pub fn heartbeat_window(&self) -> Duration {
        self.heartbeat * 3
    }
}

/// Reads the environment through a lookup function so tests need not touch
/// the process environment.
pub struct Env<F: Fn(&str) -> Option<String>>(pub F);

impl<F: Fn(&str) -> Option<String>> Env<F> {
    fn get<T: std::str::FromStr>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        match (self.0)(name).filter(|v| !v.trim().is_empty()) {
            None => Ok(default),
            Some(value) => value
                .trim()
                .parse()
                .map_err(|e: T::Err| ConfigError::Parse {
                    name,
                    reason: e.to_string(),
                    value,
                }),
        }
    }

    fn opt(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|v| !v.trim().is_empty())
    }

    /// `1`, `true`, `yes` or `on`; anything else (or unset) is off.
    fn flag(&self, name: &str) -> bool {
        matches!(
            self.opt(name).as_deref().map(str::trim),
            Some("1" | "true" | "yes" | "on")
        )
    }

    fn secs(&self, name: &'static str, default: u64) -> Result<Duration, ConfigError> {
        self.get(name, default).map(Duration::from_secs)
    }

    /// Whole seconds, defaulting to a section's own default.
    fn secs_or(&self, name: &'static str, default: Duration) -> Result<Duration, ConfigError> {
        self.secs(name, default.as_secs())
    }

    /// Milliseconds, defaulting to a section's own default.
    fn millis_or(&self, name: &'static str, default: Duration) -> Result<Duration, ConfigError> {
        let ms = u64::try_from(default.as_millis()).unwrap_or(u64::MAX);
        self.get(name, ms).map(Duration::from_millis)
    }
}

impl Config {
    /// The process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(lookup);
        let dev = env.flag("HAIL_DEV");
        // Each section's defaults live in its `Default` (sections.rs), once.
        let d = DispatchConfig::default();
        let dispatch = DispatchConfig {
            plan: Policy {
                radius_m: env.get("HAIL_DISPATCH_RADIUS_M", d.plan.radius_m)?,
                max_radius_m: env.get("HAIL_MAX_RADIUS_M", d.plan.max_radius_m)?,
                offer_limit: env.get("HAIL_OFFER_LIMIT", d.plan.offer_limit)?,
                offer_ttl: env.secs_or("HAIL_OFFER_TTL_SECS", d.plan.offer_ttl)?,
                trip_timeout: env.secs_or("HAIL_TRIP_TIMEOUT_SECS", d.plan.trip_timeout)?,
                empty_round_retry: env
                    .secs_or("HAIL_EMPTY_ROUND_RETRY_SECS", d.plan.empty_round_retry)?,
            },
            stale_after: env.secs_or("HAIL_STALE_SECS", d.stale_after)?,
            index_interval: env.millis_or("HAIL_GEO_INDEX_MS", d.index_interval)?,
            lease: env.millis_or("HAIL_DISPATCH_LEASE_MS", d.lease)?,
            trip_requests_per_window: env
                .get("HAIL_TRIP_REQUESTS_PER_WINDOW", d.trip_requests_per_window)?,
            trip_request_window: env
                .secs_or("HAIL_TRIP_REQUEST_WINDOW_SECS", d.trip_request_window)?,
        };
        let w = WsConfig::default();
        let ws = WsConfig {
            ping_interval: env.secs_or("HAIL_WS_PING_SECS", w.ping_interval)?,
            pong_timeout: env.secs_or("HAIL_WS_PONG_TIMEOUT_SECS", w.pong_timeout)?,
            write_timeout: env.secs_or("HAIL_WS_WRITE_TIMEOUT_SECS", w.write_timeout)?,
            outbox: env.get("HAIL_WS_OUTBOX", w.outbox)?,
            rate_per_sec: env.get("HAIL_WS_RATE_PER_SEC", w.rate_per_sec)?,
            burst: env.get("HAIL_WS_BURST", w.burst)?,
            max_sockets_per_user: env.get("HAIL_MAX_SOCKETS_PER_USER", w.max_sockets_per_user)?,
            ..w
        };
        let g = GpsConfig::default();
        let gps = GpsConfig {
            queue: env.get("HAIL_GPS_QUEUE", g.queue)?,
            batch: env.get("HAIL_GPS_BATCH", g.batch)?,
            flush_interval: env.millis_or("HAIL_GPS_FLUSH_MS", g.flush_interval)?,
            push_timeout: env.millis_or("HAIL_GPS_PUSH_TIMEOUT_MS", g.push_timeout)?,
        };
        let l = LoginConfig::default();
        let login = LoginConfig {
            window: env.secs_or("HAIL_LOGIN_WINDOW_SECS", l.window)?,
            max_failures_per_user: env
                .get("HAIL_LOGIN_MAX_FAILURES_PER_USER", l.max_failures_per_user)?,
            max_failures_per_ip: env
                .get("HAIL_LOGIN_MAX_FAILURES_PER_IP", l.max_failures_per_ip)?,
            trust_forwarded_for: env.flag("HAIL_TRUST_FORWARDED_FOR"),
            hash_queue: env.get("HAIL_HASH_QUEUE", l.hash_queue)?,
        };
        let http = HttpConfig {
            header_timeout: Duration::from_millis(env.get("HAIL_HTTP_HEADER_TIMEOUT_MS", 10_000)?),
            idle_timeout: env.secs("HAIL_HTTP_IDLE_TIMEOUT_SECS", 60)?,
            max_connections: match env.opt("HAIL_MAX_CONNECTIONS") {
                None => HttpConfig::default_max_connections(),
                Some(_) => env.get("HAIL_MAX_CONNECTIONS", 0)?,
            },
            max_connections_per_ip: env.get("HAIL_MAX_CONNECTIONS_PER_IP", 1000)?,
            tcp_nodelay: !matches!(
                env.opt("HAIL_TCP_NODELAY").as_deref(),
                Some("0" | "false" | "no" | "off")
            ),
            tile_host: env
                .opt("HAIL_TILE_HOST")
                .unwrap_or_else(|| "https://tile.openstreetmap.org".into()),
        };
        let config = Self {
            bind: env.get("HAIL_BIND", SocketAddr::from(([127, 0, 0, 1], 8080)))?,
            metrics_bind: match env.opt("HAIL_METRICS_BIND") {
                None => None,
                Some(_) => Some(env.get("HAIL_METRICS_BIND", SocketAddr::from(([0; 4], 0)))?),
            },
            node_id: env.opt("HAIL_NODE_ID").unwrap_or_else(|| {
                format!("node-{}", &uuid::Uuid::now_v7().simple().to_string()[24..])
            }),
            database_url: env.opt("HAIL_DATABASE_URL").map(ServiceUrl::new),
            data_dir: env
                .opt("HAIL_DATA_DIR")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| std::path::PathBuf::from("./data")),
            db_pool_size: env.get("HAIL_DB_POOL_SIZE", 16)?,
            db_pool_warm: env.get("HAIL_DB_POOL_WARM", 4)?,
            db_timeout: env.secs("HAIL_DB_TIMEOUT_SECS", 5)?,
            redis_url: env.opt("HAIL_REDIS_URL").map(ServiceUrl::new),
            redis_cluster_nodes: env
                .opt("HAIL_REDIS_CLUSTER_NODES")
                .map(|seeds| {
                    seeds
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(ServiceUrl::new)
                        .collect()
                })
                .unwrap_or_default(),
            redis_prefix: env
                .opt("HAIL_REDIS_PREFIX")
                .unwrap_or_else(|| "hail:".into()),
            jwt_secret: Secret::new(match env.opt("HAIL_JWT_SECRET") {
                Some(secret) => secret,
                None if dev => DEV_JWT_SECRET.into(),
                // `migrate` and `admin create` need no secret; `serve`
                // refuses to start without one (see `check_serve`).
                None => String::new(),
            }),
            dev,
            access_ttl: env.secs("HAIL_ACCESS_TTL_SECS", 900)?,
            refresh_ttl: env.secs("HAIL_REFRESH_TTL_SECS", 30 * 24 * 3600)?,
            dispatch,
            ws,
            gps,
            http,
            shutdown_timeout: env.secs("HAIL_SHUTDOWN_TIMEOUT_SECS", 10)?,
            client_dir: env
                .opt("HAIL_CLIENT_DIR")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| std::path::PathBuf::from("client/dist")),
            heartbeat: Duration::from_millis(env.get("HAIL_HEARTBEAT_MS", 1000)?),
            login,
            ride: RideConfig::from_env(&env)?,
            rollup: RollupConfig::from_env(&env)?,
            gps_partitions: GpsPartitionsConfig::from_env(&env)?,
        };
        config.validate()?;
        Ok(config)
    }

    /// What `serve` needs beyond the other commands: a real secret, unless
    /// dev mode is on.
    pub fn check_serve(&self) -> Result<(), ConfigError> {
        if self.jwt_secret.is_empty() || (!self.dev && self.jwt_secret.expose() == DEV_JWT_SECRET) {
            return Err(ConfigError::MissingSecret);
        }
        if !self.dev && self.jwt_secret.len() < 32 {
            return Err(ConfigError::WeakSecret);
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let d = &self.dispatch;
        if !(d.plan.radius_m > 0.0 && d.plan.max_radius_m >= d.plan.radius_m) {
            return Err(ConfigError::Invalid(
                "HAIL_DISPATCH_RADIUS_M must be > 0 and <= HAIL_MAX_RADIUS_M".into(),
            ));
        }
        if d.plan.offer_limit == 0
            || self.ws.outbox == 0
            || self.gps.queue == 0
            || self.gps.batch == 0
        {
            return Err(ConfigError::Invalid(
                "HAIL_OFFER_LIMIT, HAIL_WS_OUTBOX, HAIL_GPS_QUEUE and HAIL_GPS_BATCH must be > 0"
                    .into(),
            ));
        }
        if d.lease < Duration::from_millis(300) {
            return Err(ConfigError::Invalid(
                "HAIL_DISPATCH_LEASE_MS must be at least 300".into(),
            ));
        }
        if d.trip_requests_per_window > 0 && d.trip_request_window.is_zero() {
            return Err(ConfigError::Invalid(
                "HAIL_TRIP_REQUEST_WINDOW_SECS must be > 0 when HAIL_TRIP_REQUESTS_PER_WINDOW is set"
                    .into(),
            ));
        }
        if self.heartbeat.is_zero() {
            return Err(ConfigError::Invalid("HAIL_HEARTBEAT_MS must be > 0".into()));
        }
        let l = &self.login;
        if l.window.is_zero()
            || l.max_failures_per_user == 0
            || l.max_failures_per_ip == 0
            || l.hash_queue == 0
        {
            return Err(ConfigError::Invalid(
                "HAIL_LOGIN_WINDOW_SECS, HAIL_LOGIN_MAX_FAILURES_PER_USER, \
                 HAIL_LOGIN_MAX_FAILURES_PER_IP and HAIL_HASH_QUEUE must be > 0"
                    .into(),
            ));
        }
        if self.ws.rate_per_sec == 0 || self.ws.burst == 0 {
            return Err(ConfigError::Invalid(
                "HAIL_WS_RATE_PER_SEC and HAIL_WS_BURST must be > 0".into(),
            ));
        }
        let h = &self.http;
        if h.header_timeout.is_zero() || h.idle_timeout.is_zero() || h.max_connections == 0 {
            return Err(ConfigError::Invalid(
                "HAIL_HTTP_HEADER_TIMEOUT_MS, HAIL_HTTP_IDLE_TIMEOUT_SECS and HAIL_MAX_CONNECTIONS must be > 0"
                    .into(),
            ));
        }
        // It goes into the Content-Security-Policy header as one source.
        if h.tile_host.is_empty()
            || !h
                .tile_host
                .bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b';' | b',' | b'\'' | b'"'))
        {
            return Err(ConfigError::Invalid(
                "HAIL_TILE_HOST must be one CSP source such as https://tile.openstreetmap.org"
                    .into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(move |k| map.get(k).cloned())
    }

    #[test]
    fn serve_refuses_to_start_without_a_secret_unless_dev() {
        let plain = config(&[]).expect("migrate needs no secret");
        assert!(matches!(
            plain.check_serve(),
            Err(ConfigError::MissingSecret)
        ));
        assert!(config(&[("HAIL_DEV", "1")])
            .expect("dev")
            .check_serve()
            .is_ok());
        let weak = config(&[("HAIL_JWT_SECRET", "short")]).expect("parses");
        assert!(matches!(weak.check_serve(), Err(ConfigError::WeakSecret)));
        let strong = config(&[("HAIL_JWT_SECRET", &"s".repeat(32))]).expect("parses");
        assert!(strong.check_serve().is_ok());
    }

    #[test]
    fn defaults_follow_the_contract() {
        let c = config(&[("HAIL_DEV", "1")]).expect("valid");
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.dispatch.plan.radius_m, 3000.0);
        assert_eq!(c.dispatch.plan.max_radius_m, 12000.0);
        assert_eq!(c.dispatch.plan.offer_limit, 10);
        assert_eq!(c.dispatch.plan.offer_ttl, Duration::from_secs(15));
        assert_eq!(c.dispatch.plan.trip_timeout, Duration::from_secs(60));
        assert_eq!(c.dispatch.stale_after, Duration::from_secs(30));
        assert!(c.metrics_bind.is_none());
        assert!(c.database_url.is_none(), "embedded store by default");
        assert!(c.redis_url.is_none(), "in-process bus by default");
        assert_eq!(c.data_dir, std::path::PathBuf::from("./data"));
        assert_eq!(c.login.window, Duration::from_secs(900));
        assert_eq!(
            (c.login.max_failures_per_user, c.login.max_failures_per_ip),
            (10, 20)
        );
        assert!(!c.login.trust_forwarded_for, "the TCP peer by default");
        assert!(c.login.hash_queue > 0);
    }

    #[test]
    fn login_settings_parse_and_zero_is_refused() {
        let c = config(&[
            ("HAIL_DEV", "1"),
            ("HAIL_LOGIN_WINDOW_SECS", "60"),
            ("HAIL_TRUST_FORWARDED_FOR", "on"),
            ("HAIL_HASH_QUEUE", "1"),
        ])
        .expect("valid");
        assert_eq!(c.login.window, Duration::from_secs(60));
        assert!(c.login.trust_forwarded_for);
        assert_eq!(c.login.hash_queue, 1);
        let err = config(&[("HAIL_LOGIN_MAX_FAILURES_PER_IP", "0")]).expect_err("zero");
        assert!(
            err.to_string().contains("HAIL_LOGIN_MAX_FAILURES_PER_IP"),
            "{err}"
        );
    }

    #[test]
    fn an_empty_environment_gives_each_sections_default() {
        let c = config(&[("HAIL_DEV", "1")]).expect("valid");
        let same =
            |a: &dyn std::fmt::Debug, b: &dyn std::fmt::Debug| format!("{a:?}") == format!("{b:?}");
        assert!(same(&c.dispatch, &DispatchConfig::default()));
        assert!(same(&c.ws, &WsConfig::default()));
        assert!(same(&c.gps, &GpsConfig::default()));
        assert!(same(&c.login, &LoginConfig::default()));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = config(&[("HAIL_DEV", "1"), ("HAIL_OFFER_LIMIT", "ten")]).expect_err("bad");
        assert!(err.to_string().contains("HAIL_OFFER_LIMIT"), "{err}");
    }

    #[test]
    fn http_settings_have_defaults_and_are_checked() {
        let c = config(&[("HAIL_DEV", "1")]).expect("valid");
        assert_eq!(c.http.header_timeout, Duration::from_secs(10));
        assert_eq!(c.http.idle_timeout, Duration::from_secs(60));
        assert_eq!(c.http.max_connections_per_ip, 1000);
        assert_eq!(
            c.http.max_connections,
            HttpConfig::default_max_connections()
        );
        assert!(c.http.max_connections >= 64);
        assert!(c.http.tcp_nodelay);
        assert_eq!(c.http.tile_host, "https://tile.openstreetmap.org");
        let off = config(&[("HAIL_DEV", "1"), ("HAIL_TCP_NODELAY", "0")]).expect("valid");
        assert!(!off.http.tcp_nodelay);
        let set = config(&[("HAIL_DEV", "1"), ("HAIL_MAX_CONNECTIONS", "500")]).expect("valid");
        assert_eq!(set.http.max_connections, 500);
        for bad in [
            ("HAIL_MAX_CONNECTIONS", "0"),
            ("HAIL_HTTP_HEADER_TIMEOUT_MS", "0"),
            ("HAIL_TILE_HOST", "https://x.org; script-src *"),
        ] {
            assert!(config(&[("HAIL_DEV", "1"), bad]).is_err(), "{bad:?}");
        }
    }
}
