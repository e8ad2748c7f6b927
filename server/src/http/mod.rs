//! HTTP routes. Each module exposes `router()`; errors go through
//! [`error::ApiError`], the one place mapping them to status and body.

pub mod access_log;
pub mod account;
pub mod auth;
pub mod client_ip;
pub mod error;
pub mod health;
pub mod history;
pub mod limits;
pub mod monitor;
pub mod monitor_search;
pub mod operator;
pub mod photo;
pub mod ride;
pub mod security_headers;
pub mod serve;
pub mod static_files;
pub mod trips;

use crate::node::Node;
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use std::path::Path;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub node: Arc<Node>,
    pub metrics: PrometheusHandle,
}

/// Every public route. `/metrics` is included unless it has its own
/// listener (`HAIL_METRICS_BIND`); the browser apps are served from
/// `client_dir` when it holds a build. Every response carries the security
/// headers; every request is access-logged (without its query). `upgrades`
/// are the routes that leave HTTP (`/ws`): passed in, so `http` does not
/// depend on the transport built on top of it.
pub fn app(
    state: AppState,
    upgrades: Router<AppState>,
    with_metrics: bool,
    client_dir: Option<&Path>,
) -> Router {
    let mut router = Router::new()
        .nest(
            "/api",
            auth::router()
                .merge(account::router())
                .merge(trips::router())
                .merge(ride::router())
                .merge(photo::router())
                .merge(monitor::router())
                .merge(operator::router())
                .merge(history::router())
                .merge(monitor_search::router()),
        )
        .merge(upgrades)
        .merge(health::router());
    if with_metrics {
        router = router.merge(health::metrics_router());
    }
    router = match client_dir {
        Some(dir) => router.merge(static_files::router(dir)),
        None => router.fallback(|| async { error::ApiError::NotFound }),
    };
    let tile_host = state.node.config.http.tile_host.clone();
    let router = router
        .method_not_allowed_fallback(|| async { error::ApiError::MethodNotAllowed })
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024));
    access_log::layer(security_headers::layer(router, &tile_host)).with_state(state)
}
