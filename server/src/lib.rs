//! Hail: a realtime ride-hailing server.
//!
//! Layout (data flows down; nothing below knows what is above):
//! - `config`    settings from `HAIL_*`, validated at start; secrets and URLs
//!   in types whose `Debug` redacts
//! - `app`       builds a node (backends, background tasks) and runs it until shutdown
//! - `session`   one connection: the frame codec, the select loop, rate limit,
//!   outbox, heartbeat, token expiry, kicks (close codes: `hail_protocol::close`)
//! - `ws`        the `/ws` upgrade (handed to `http::app`) that starts a session
//! - `http`      the accept loop (timeouts, caps, TCP_NODELAY), REST routes, the
//!   apps, security headers, access log, the one error boundary
//! - `monitor`   heartbeats and the admin views built from them (reads `node`)
//! - `node`      commands, per-trip dispatchers, the local registry (sessions,
//!   kicks, control messages), GPS writer, this node's live figures, the ride
//!   product (quotes, fares, ratings), the surge board, operator actions
//!   (cancel, re-dispatch, disconnect, suspend, drain), the per-minute
//!   rollups of the monitor's history and the GPS partitions/retention task
//! - `domain`    pure decisions: trip state machine, dispatch rounds and their
//!   candidates, accounts (username, password rules, display name), the
//!   served area, device clocks, and prices: money, fares, estimates/ETA,
//!   track length, surge, vehicles, ratings, cancel reasons; the monitor's
//!   history buckets and percentiles, its trip search language, and GPS
//!   day partitions (names, bounds, what to create and drop)
//! - `auth`      password hashing (bounded), tokens, log-in throttle
//! - `store`     persistence, one trait per concern; `postgres/`, `sqlite/` (embedded);
//!   the SQL and row mapping both share in `sql`, `rows` (and `rollup`,
//!   `trip_search` for the monitor)
//! - `bus`       pub/sub trait + Redis (node-level subscriptions) / in-process
//! - `geo`       available-driver index trait + Redis GEO / in-memory R-tree
//! - `presence`  where nodes announce themselves (Redis hash / in-process)
//! - `surge`     where nodes share the surge board (Redis keys / in-process)
//! - `keys`      every Redis key and channel name, with the prefix
//! - `metrics`   Prometheus metric names
//!
//! A frame: socket -> `session::codec` -> `session` -> `node` (asks `domain`) ->
//! `store` / `bus` -> other nodes' `node::registry` -> session outbox -> socket.
//! Every backend (store, bus, geo, presence, log-in throttle) has an
//! embedded implementation and a Postgres/Redis one behind the same trait;
//! nothing is process-global but the Prometheus recorder and the hashing
//! threads, so nodes can share a process.

pub mod app;
pub mod auth;
pub mod bus;
pub mod config;
pub mod domain;
pub mod geo;
pub mod http;
pub mod keys;
pub mod metrics;
pub mod monitor;
pub mod node;
pub mod presence;
pub mod session;
pub mod store;
pub mod surge;
pub mod ws;
