//! Security headers on every response (pages, assets and the API alike),
//! set by tower-http's `SetResponseHeaderLayer`: the apps load scripts,
//! styles and fonts only from this origin, images also from the map tile
//! host, connect only back to this origin (CSP Level 3 `'self'` covers
//! same-origin `ws:`/`wss:`), and may not be framed. Inline *styles* are
//! allowed (`style-src 'unsafe-inline'`): the map's car markers rotate by a
//! `style` attribute in Leaflet divIcon HTML
//! (`client/src/features/map/markers.ts`), and Leaflet positions tiles and
//! markers with inline styles; the e2e suite fails on any CSP violation.
//! Scripts stay `'self'` only.

use axum::http::{header, HeaderName, HeaderValue};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

/// The Content-Security-Policy for a tile origin such as
/// `https://tile.openstreetmap.org` (checked by config: one CSP source).
pub fn content_security_policy(tile_host: &str) -> String {
    format!(
        "default-src 'self'; img-src 'self' data: {tile_host}; connect-src 'self'; \
         style-src 'self' 'unsafe-inline'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Adds the headers to every response of `router`.
pub fn layer<S: Clone + Send + Sync + 'static>(router: Router<S>, tile_host: &str) -> Router<S> {
    let csp = HeaderValue::from_str(&content_security_policy(tile_host))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"));
    let fixed: [(HeaderName, &'static str); 3] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    let mut router = router.layer(SetResponseHeaderLayer::overriding(
        header::CONTENT_SECURITY_POLICY,
        csp,
    ));
    for (name, value) in fixed {
        router = router.layer(SetResponseHeaderLayer::overriding(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router
}
