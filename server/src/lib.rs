//! Hail: a realtime ride-hailing server.
//!
//! Layout (data flows down; nothing below knows what is above):
//! - `config`    settings from `HAIL_*`, validated at start
//! - `app`       builds a node and runs it until shutdown
//! - `http`      REST routes, their error boundary, the accept loop (timeouts, caps), headers
//! - `ws`        the WebSocket upgrade and the frame codec (text -> typed message)
//! - `session`   one connection: the select loop, rate limit, outbox, heartbeat
//! - `node`      commands, per-trip dispatchers, the local registry, GPS writer
//! - `domain`    pure decisions: trip state machine, dispatch rounds
//! - `auth`      password hashing and rules, access and refresh tokens, log-in throttling
//! - `store`     persistence, one trait per concern; `postgres/`, `sqlite/`; shared `sql`, `rows`
//! - `bus`       pub/sub trait + Redis (node-level subscriptions)
//! - `geo`       available-driver index trait + Redis GEO
//! - `keys`      every Redis key and channel name, with the prefix
//! - `metrics`   Prometheus metric names
//!
//! A frame: socket -> `ws::codec` -> `session` -> `node` (asks `domain`) ->
//! `store` / `bus` -> other nodes' `node::registry` -> session outbox -> socket.

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
pub mod ws;
