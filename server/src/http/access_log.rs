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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use std::sync::{Arc, Mutex};
    use tower_service::Service;

    /// Log output captured in memory.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("log buffer").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn the_query_string_is_never_logged() {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer({
                let captured = captured.clone();
                move || captured.clone()
            })
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let mut router: Router = layer(Router::new().route("/ws", get(|| async { "hi" })));
        let request = Request::get("/ws?token=secret-token-123")
            .body(Body::empty())
            .expect("request");
        let response = router.call(request).await.expect("infallible");
        assert_eq!(response.status(), 200);
        let logged =
            String::from_utf8(captured.0.lock().expect("log buffer").clone()).expect("utf-8 log");
        assert!(logged.contains("path=/ws"), "{logged}");
        assert!(logged.contains("status=200"), "{logged}");
        assert!(!logged.contains("secret-token-123"), "{logged}");
        assert!(!logged.contains("token="), "{logged}");
    }
}
