//! The built browser apps (`client/dist`): `/` (landing), `/rider/`, `/monitor/`,
//! `/driver/`, served from the same origin as the API so the apps need no
//! CORS and no configured URL. Compressed copies made at build time are
//! preferred (brotli, then gzip) when the browser accepts them.

use super::error::ApiError;
use axum::extract::Request;
use axum::handler::HandlerWithoutStateExt;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use std::path::Path;
use tower_http::services::ServeDir;

/// Serves `dir` behind the API routes. Unknown paths (and non-GET methods)
/// get the API's JSON 404, so `/api/nope` answers the same with or without
/// a client build.
pub fn router<S: Clone + Send + Sync + 'static>(dir: &Path) -> Router<S> {
    // `npm run build` writes `x.br` and `x.gz` beside every asset and page
    // (`client/scripts/compress.mjs`); a client that accepts one gets it
    // with `content-encoding` and the original's type. A build without
    // them is served uncompressed, as before.
    let files = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(true)
        .call_fallback_on_method_not_allowed(true)
        .fallback((|| async { ApiError::NotFound }).into_service());
    Router::new()
        .fallback_service(files)
        .layer(axum::middleware::from_fn(cache_control))
}

/// Vite fingerprints everything under `/assets/`, so a name never changes
/// content; pages must be revalidated to pick up a new build. Errors are
/// never cached.
async fn cache_control(request: Request, next: Next) -> Response {
    let immutable = request.uri().path().starts_with("/assets/");
    let mut response = next.run(request).await;
    if response.status().is_success() || response.status().is_redirection() {
        let value = if immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    response
}
