//! Probes and metrics: `/healthz` (the process runs), `/readyz` (store and
//! bus answer; 503 while draining), `/metrics` (Prometheus text).

use super::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::time::Duration;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { (StatusCode::OK, "ok") }))
        .route("/readyz", get(readyz))
}

pub fn metrics_router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let node = &state.node;
    let limit = Duration::from_secs(2);
    let store = matches!(
        tokio::time::timeout(limit, node.store.ping()).await,
        Ok(Ok(()))
    );
    let bus = matches!(
        tokio::time::timeout(limit, node.bus.ping()).await,
        Ok(Ok(()))
    );
    let draining = node.shutdown.is_cancelled();
    let ready = store && bus && !draining;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "ready": ready,
        "node": node.id(),
        "store": if store { "ok" } else { "down" },
        "bus": if bus { "ok" } else { "down" },
        "draining": draining,
    });
    (status, Json(body))
}

async fn metrics(State(state): State<AppState>) -> String {
    state.metrics.render()
}
