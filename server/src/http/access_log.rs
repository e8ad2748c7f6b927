//! Access log: one line per request with method, path, status and latency
//! (target `hail::access`, level info; `RUST_LOG=info,hail::access=warn`
//! silences it). Never the query string: `/ws?token=` and the monitor's
//! `/api/monitor/stream?token=` carry access tokens there.

use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::response::Response;
use axum::Router;
use std::net::SocketAddr;
use std::time::Duration;
use tower_http::trace::TraceLayer;
use tracing::Span;

/// Wraps `router` in the access log.
pub fn layer<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router.layer(
        TraceLayer::new_for_http()
            .make_span_with(|request: &Request<_>| {
                let peer = request
                    .extensions()
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|ConnectInfo(addr)| addr.ip().to_string())
                    .unwrap_or_default();
                // `uri().path()`: the query is left out on purpose.
                tracing::info_span!(
                    target: "hail::access",
                    "request",
                    method = %request.method(),
                    path = %request.uri().path(),
                    %peer,
                )
            })
            .on_request(())
            // ApiError already logs the 5xx it makes, with the reason.
            .on_failure(())
            .on_response(|response: &Response, latency: Duration, _span: &Span| {
                tracing::info!(
                    target: "hail::access",
                    status = response.status().as_u16(),
                    latency_ms = latency.as_secs_f64() * 1000.0,
                    "served"
                );
            }),
    )
}
