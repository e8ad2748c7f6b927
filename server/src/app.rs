//! Building and running a node: the same path in production and in tests
//! (bind port 0 and read [`Application::port`]).

use crate::auth::throttle::memory::MemoryFailureLog;
use crate::auth::throttle::redis::RedisFailureLog;
use crate::auth::throttle::{FailureLog, LoginThrottle};
use crate::auth::tokens::TokenKeys;
use crate::bus::memory::MemoryBus;
use crate::bus::redis::{client as redis_client, manager_config, RedisBus};
use crate::bus::redis_cluster::{cluster_client, ClusterBus};
use crate::bus::Bus;
use crate::bus::Inbound;
use crate::config::Config;
use crate::geo::batched::BatchedGeo;
use crate::geo::memory::MemoryGeo;
use crate::geo::redis::RedisGeo;
use crate::geo::redis_cells::RedisCellGeo;
use crate::geo::GeoIndex;
use crate::http::limits::ConnectionLimits;
use crate::http::serve::serve;
use crate::http::{app, AppState};
use crate::keys::Keys;
use crate::node::live::{Live, Task};
use crate::node::registry::Registry;
use crate::node::subscriptions::Subscriptions;
use crate::node::surge::SurgeBoard;
use crate::node::{gps, Node};
use crate::presence::memory::MemoryPresence;
use crate::presence::redis::RedisPresence;
use crate::presence::Presence;
use crate::store::postgres::PgStore;
use crate::store::sqlite::SqliteStore;
use crate::store::{Store, StoreError};
use crate::surge::memory::MemorySurgeShare;
use crate::surge::redis::RedisSurgeShare;
use crate::surge::SurgeShare;
use metrics_exporter_prometheus::PrometheusHandle;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot bind {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error("{0}: {1}")]
    Store(String, crate::store::StoreError),
    /// The URL is shown redacted (no password), with the variable it came
    /// from.
    #[error("Redis at {0}: {1}")]
    Redis(String, redis::RedisError),
    #[error("Redis at {0}: {1}")]
    Bus(String, crate::bus::BusError),
}

/// Opens the configured store and applies its migrations (what `hail
/// migrate` does): Postgres when `HAIL_DATABASE_URL` is set, else the
/// embedded SQLite file. A configured Postgres that does not answer is an
/// error, never a silent fallback.
pub async fn open_store(config: &Config) -> Result<Arc<dyn Store>, StartError> {
    let Some(database_url) = &config.database_url else {
        let dir = config.data_dir.clone();
        let shown = format!("embedded store at {}", dir.join("hail.db").display());
        let store = tokio::task::spawn_blocking(move || SqliteStore::open(&dir))
            .await
            .map_err(|e| StartError::Store(shown.clone(), StoreError::Internal(e.to_string())))?
            .map_err(|e| StartError::Store(shown.clone(), e))?;
        tracing::info!("store: embedded SQLite at {}", store.path().display());
        return Ok(Arc::new(store));
    };
    let url = database_url.redacted();
    let database_url = database_url.expose();
    let shown = format!("Postgres at {url} (HAIL_DATABASE_URL)");
    if config.dev {
        match PgStore::create_database_if_missing(database_url).await {
            Ok(true) => tracing::info!("created database {url} (HAIL_DEV=1)"),
            Ok(false) => {}
            Err(e) => return Err(StartError::Store(shown, e)),
        }
    }
    let store = PgStore::connect(database_url, config.db_pool_size, config.db_timeout)
        .map_err(|e| StartError::Store(shown.clone(), e))?;
    store
        .ping()
        .await
        .map_err(|e| StartError::Store(shown.clone(), e))?;
    let applied = store
        .migrate()
        .await
        .map_err(|e| StartError::Store(shown.clone(), e))?;
    tracing::info!(applied, "store: Postgres at {url}, migrations up to date");
    // Best effort: a pool that cannot open every connection now (Postgres
    // near max_connections) still serves, opening them as it goes.
    match store.warm(config.db_pool_warm).await {
        Ok(n) => tracing::info!(
            connections = n,
            "store: connections open, statements prepared"
        ),
        Err(e) => tracing::warn!("store: could not open the whole pool at start: {e}"),
    }
    Ok(Arc::new(store))
}

/// The bus and geo index: Redis when `HAIL_REDIS_URL` is set (many nodes),
/// else in-process (one node). Redis not answering is an error.
/// The backends that come with the bus choice: Redis for a cluster, all
/// in-process for one node.
type Backends = (
    Arc<dyn Bus>,
    Arc<dyn GeoIndex>,
    Arc<dyn Presence>,
    Arc<dyn FailureLog>,
    Arc<dyn SurgeShare>,
);

async fn open_bus(config: &Config, inbound: Arc<dyn Inbound>) -> Result<Backends, StartError> {
    if !config.redis_cluster_nodes.is_empty() {
        return open_cluster(config, inbound).await;
    }
    let Some(redis_url) = &config.redis_url else {
        tracing::info!(
            "bus and geo index: in-process (a single node; set HAIL_REDIS_URL to run several)"
        );
        return Ok((
            Arc::new(MemoryBus::new(inbound)),
            Arc::new(MemoryGeo::new()),
            Arc::new(MemoryPresence::new()),
            Arc::new(MemoryFailureLog::new(config.login.window)),
            Arc::new(MemorySurgeShare::new()),
        ));
    };
    let shown = format!("{} (HAIL_REDIS_URL)", redis_url.redacted());
    let redis_err = |e| StartError::Redis(shown.clone(), e);
    let bus_err = |e| StartError::Bus(shown.clone(), e);
    let keys = Keys::new(config.redis_prefix.clone());
    let client = redis_client(redis_url.expose()).map_err(bus_err)?;
    let timeout = config.db_timeout;
    let bus = RedisBus::connect(&client, keys.clone(), inbound, timeout)
        .await
        .map_err(bus_err)?;
    bus.ping().await.map_err(bus_err)?;
    let geo_con = client
        .get_connection_manager_with_config(manager_config(timeout))
        .await
        .map_err(redis_err)?;
    tracing::info!(prefix = %config.redis_prefix, "bus and geo index: Redis at {shown}");
    let presence = RedisPresence::new(keys.clone(), geo_con.clone());
    let failures = RedisFailureLog::new(keys.clone(), geo_con.clone(), config.login.window);
    let surge = RedisSurgeShare::new(keys.clone(), geo_con.clone(), config.ride.surge.interval);
    Ok((
        Arc::new(bus),
        Arc::new(BatchedGeo::new(Arc::new(RedisGeo::new(keys, geo_con)))),
        Arc::new(presence),
        Arc::new(failures),
        Arc::new(surge),
    ))
}

/// Redis Cluster (`HAIL_REDIS_CLUSTER_NODES`): sharded pub/sub, the geo
/// index split by cell, and the single-key backends on a cluster connection.
async fn open_cluster(config: &Config, inbound: Arc<dyn Inbound>) -> Result<Backends, StartError> {
    let seeds: Vec<String> = config
        .redis_cluster_nodes
        .iter()
        .map(|u| u.expose().to_owned())
        .collect();
    let shown = format!(
        "{} (HAIL_REDIS_CLUSTER_NODES)",
        config
            .redis_cluster_nodes
            .iter()
            .map(|u| u.redacted())
            .collect::<Vec<_>>()
            .join(",")
    );
    let redis_err = |e| StartError::Redis(shown.clone(), e);
    let bus_err = |e| StartError::Bus(shown.clone(), e);
    let keys = Keys::new(config.redis_prefix.clone());
    let timeout = config.db_timeout;
    let bus = ClusterBus::connect(&seeds, keys.clone(), inbound, timeout)
        .await
        .map_err(bus_err)?;
    bus.ping().await.map_err(bus_err)?;
    let con = cluster_client(&seeds, timeout, None)
        .map_err(redis_err)?
        .get_async_connection()
        .await
        .map_err(redis_err)?;
    tracing::info!(prefix = %config.redis_prefix, "bus and geo index: Redis Cluster at {shown}");
    Ok((
        Arc::new(bus),
        Arc::new(BatchedGeo::new(Arc::new(RedisCellGeo::new(
            keys.clone(),
            con.clone(),
        )))),
        Arc::new(RedisPresence::new(keys.clone(), con.clone())),
        Arc::new(RedisFailureLog::new(
            keys.clone(),
            con.clone(),
            config.login.window,
        )),
        Arc::new(RedisSurgeShare::new(keys, con, config.ride.surge.interval)),
    ))
}

pub struct Application {
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    state: AppState,
    /// Failed log-ins, handed to the log-in route as an `Extension` layer:
    /// only that route needs it, so `Node` stays as it is.
    throttle: Arc<LoginThrottle>,
    /// Subscriptions, GPS writer, sweeps: stopped after the sessions.
    background: TaskTracker,
    stop_background: CancellationToken,
    close_gps: CancellationToken,
    gps_writer: tokio::task::JoinHandle<()>,
}

impl Application {
    pub async fn build(config: Config, metrics: PrometheusHandle) -> Result<Self, StartError> {
        let config = Arc::new(config);
        let store = open_store(&config).await?;
        let live = Arc::new(Live::new());
        let registry = Arc::new(Registry::new(live.clone()));
        let inbound: Arc<dyn Inbound> = registry.clone();
        let (bus, geo, presence, failures, surge_share) = open_bus(&config, inbound).await?;
        crate::auth::password::configure(config.login.hash_queue);
        let throttle = Arc::new(LoginThrottle::new(failures, &config.login));

        let background = TaskTracker::new();
        let stop_background = CancellationToken::new();
        let close_gps = CancellationToken::new();
        let subs = Subscriptions::spawn(
            bus.clone(),
            registry.clone(),
            stop_background.clone(),
            &background,
        );
        let (gps, gps_writer) = gps::spawn(
            store.clone(),
            config.gps.clone(),
            live.clone(),
            close_gps.clone(),
        );
        spawn_sweeper(
            geo.clone(),
            live.clone(),
            config.dispatch.stale_after,
            stop_background.clone(),
            &background,
        );
        spawn_metrics_upkeep(metrics.clone(), stop_background.clone(), &background);

        let shutdown = CancellationToken::new();
        registry.set_drain(config.node_id.clone(), shutdown.clone());
        let node = Arc::new(Node {
            tokens: TokenKeys::new(config.jwt_secret.expose().as_bytes(), config.access_ttl),
            config: config.clone(),
            store,
            bus,
            geo,
            presence,
            live,
            registry,
            subs,
            gps,
            surge: SurgeBoard::new(
                config.ride.surge.resolution,
                config.ride.surge.demand_window,
            ),
            quotes: crate::node::quote_cache::QuoteCache::new(config.ride.quote_cache),
            tasks: TaskTracker::new(),
            resync: std::sync::Mutex::new(shutdown.child_token()),
            shutdown,
        });
        background.spawn(resync_after_bus_loss(node.clone(), stop_background.clone()));
        // Operator requests to nodes (drain) come on one shared topic;
        // signals for this node's dispatchers on its own.
        if let Err(e) = node.subs.sync(crate::keys::Topic::Nodes).await {
            tracing::warn!("not listening for operator requests to nodes: {e}");
        }
        let dispatch = crate::keys::Topic::Dispatch(crate::keys::NodeTag::of(node.id()));
        if let Err(e) = node.subs.sync(dispatch).await {
            tracing::warn!("not listening for dispatch signals from other nodes: {e}");
        }

        background.spawn(crate::node::dispatcher::take_over(
            node.clone(),
            stop_background.clone(),
        ));
        background.spawn(crate::node::dispatcher::keep_leases(
            node.clone(),
            stop_background.clone(),
        ));
        background.spawn(crate::node::dispatcher::sweep_stranded(
            node.clone(),
            stop_background.clone(),
        ));
        crate::node::surge::spawn(
            node.clone(),
            surge_share,
            stop_background.clone(),
            &background,
        );
        crate::node::ride::spawn_quote_pruner(node.clone(), stop_background.clone(), &background);
        crate::node::rollup::spawn(node.clone(), stop_background.clone(), &background);
        crate::node::gps_partitions::spawn(node.clone(), stop_background.clone(), &background);

        let listener = TcpListener::bind(config.bind)
            .await
            .map_err(|e| StartError::Bind(config.bind, e))?;
        let metrics_listener = match config.metrics_bind {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .map_err(|e| StartError::Bind(addr, e))?,
            ),
            None => None,
        };
        let address = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        background.spawn(crate::monitor::heartbeat::run(
            node.clone(),
            address,
            stop_background.clone(),
        ));
        Ok(Self {
            listener,
            metrics_listener,
            state: AppState { node, metrics },
            throttle,
            background,
            stop_background,
            close_gps,
            gps_writer,
        })
    }

    /// The node, for in-process tests that drive sessions over channels.
    pub fn node(&self) -> Arc<Node> {
        self.state.node.clone()
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `signal` resolves, then drains: stop accepting, close
    /// every socket with 1001, stop dispatchers, flush queued GPS points.
    pub async fn run(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let node = self.state.node.clone();
        let shutdown = node.shutdown.clone();
        let with_metrics = self.metrics_listener.is_none();
        let client_dir = client_build(&node.config.client_dir);
        let router = app(
            self.state.clone(),
            crate::ws::upgrade::router(),
            with_metrics,
            client_dir.as_deref(),
        )
        .layer(axum::Extension(self.throttle.clone()));
        let http_config = node.config.http.clone();
        // One set of counters for both listeners: file descriptors are per
        // process.
        let limits = ConnectionLimits::new(
            http_config.max_connections,
            http_config.max_connections_per_ip,
        );
        tracing::info!(
            max_connections = limits.max(),
            per_ip = limits.per_ip(),
            header_timeout_ms = http_config.header_timeout.as_millis() as u64,
            idle_timeout_s = http_config.idle_timeout.as_secs(),
            tcp_nodelay = http_config.tcp_nodelay,
            "connection limits"
        );
        let fds = crate::config::HttpConfig::fd_limit();
        if limits.max() >= fds {
            tracing::warn!(
                "HAIL_MAX_CONNECTIONS={} is not below the open-file limit ({fds}): past the \
                 limit accept fails with \"too many open files\" instead of a 503; \
                 lower it or raise `ulimit -n`",
                limits.max()
            );
        }
        let http = tokio::spawn(serve(
            self.listener,
            router,
            http_config.clone(),
            limits.clone(),
            shutdown.clone(),
        ));
        let metrics_http = self.metrics_listener.map(|listener| {
            let router = crate::http::health::metrics_router().with_state(self.state.clone());
            tokio::spawn(serve(
                listener,
                router,
                http_config,
                limits,
                shutdown.clone(),
            ))
        });

        tokio::select! {
            _ = signal => tracing::info!("shutdown requested: draining"),
            _ = shutdown.cancelled() => {}
        }
        shutdown.cancel();
        let limit = node.config.shutdown_timeout;
        // The HTTP server does not wait for upgraded sockets
        // (tokio-rs/axum#3003 for axum::serve; the same holds for ours):
        // sessions are tracked and awaited here.
        node.tasks.close();
        if tokio::time::timeout(limit, node.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!("sessions still open after {limit:?}; closing anyway");
        }
        // Sessions are gone: no more points. The writer drains the queue.
        self.close_gps.cancel();
        if tokio::time::timeout(limit, self.gps_writer).await.is_err() {
            tracing::error!(
                "GPS writer did not drain within {limit:?}; queued points are unwritten"
            );
        }
        self.stop_background.cancel();
        self.background.close();
        let _ = tokio::time::timeout(limit, self.background.wait()).await;
        let _ = tokio::time::timeout(Duration::from_secs(1), http).await;
        if let Some(m) = metrics_http {
            let _ = tokio::time::timeout(Duration::from_secs(1), m).await;
        }
        if node.registry.drain_requested() {
            // Drained by an operator: leave the nodes list now rather than
            // show as down until forgotten.
            if let Err(e) = node.presence.forget(node.id()).await {
                tracing::warn!("drained node still listed: {e}");
            }
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// Drops drivers whose last position is stale from the geo index.
fn spawn_sweeper(
    geo: Arc<dyn GeoIndex>,
    live: Arc<Live>,
    stale: Duration,
    stop: CancellationToken,
    tracker: &TaskTracker,
) {
    let every = (stale / 3).max(Duration::from_secs(1));
    live.task(Task::StaleDriverSweep).set_interval(every);
    tracker.spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.cancelled() => return,
            }
            let began = std::time::Instant::now();
            let cutoff = chrono::Utc::now() - crate::domain::clock::span(stale);
            let result = geo.sweep(cutoff.timestamp_millis()).await;
            live.task(Task::StaleDriverSweep)
                .record(began.elapsed(), &result);
            match result {
                Ok(0) => {}
                Ok(n) => tracing::debug!(removed = n, "stale drivers swept"),
                Err(e) => tracing::warn!("stale sweep failed: {e}"),
            }
        }
    });
}

/// When the bus comes back after losing its connection, messages published
/// meanwhile are gone: every local client is asked to reconnect and is
/// whole again from `hello`, rather than left on a socket that missed them.
async fn resync_after_bus_loss(node: Arc<Node>, stop: CancellationToken) {
    let mut recoveries = node.bus.recoveries();
    loop {
        tokio::select! {
            changed = recoveries.changed() => if changed.is_err() { return },
            _ = stop.cancelled() => return,
        }
        tracing::warn!(
            "the bus is back after a loss: closing local sessions (1012) so clients resync"
        );
        crate::metrics::bus_recovered();
        node.registry.routes().reset();
        node.resync_all();
    }
}

/// Histograms in the Prometheus exporter need periodic upkeep.
fn spawn_metrics_upkeep(handle: PrometheusHandle, stop: CancellationToken, tracker: &TaskTracker) {
    tracker.spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tokio::select! {
                _ = tick.tick() => handle.run_upkeep(),
                _ = stop.cancelled() => return,
            }
        }
    });
}

/// The client build to serve, if there is one: without it the API still
/// works and `/` answers 404, so say how to get the apps.
fn client_build(dir: &std::path::Path) -> Option<std::path::PathBuf> {
    if dir.join("index.html").is_file() {
        tracing::info!(dir = %dir.display(), "serving the browser apps at /, /rider/, /driver/, /monitor/");
        Some(dir.to_path_buf())
    } else {
        tracing::warn!(
            dir = %dir.display(),
            "no client build here (HAIL_CLIENT_DIR): the API runs, the apps are not served; \
             build them with `make client` or `cd client && npm ci && npm run build`"
        );
        None
    }
}
