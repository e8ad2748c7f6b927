//! `GET /ws?token=...`: the token is checked before the upgrade (401 with
//! the usual error body), then the socket is configured with small buffers
//! and the contract's size limit, and handed to a session task.
//!
//! The token may also come as a WebSocket subprotocol (`Sec-WebSocket-
//! Protocol: hail.v1, bearer.TOKEN`): browsers can set that header, and
//! unlike the query it is not written to URL logs. The server then
//! selects `hail.v1`, never echoing the token.

use crate::http::error::ApiError;
use crate::http::AppState;
use crate::node::Actor;
use crate::session;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// `GET /ws`, for [`crate::http::app`].
pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/ws", axum::routing::get(handler))
}

#[derive(Deserialize)]
pub struct WsQuery {
    token: Option<String>,
}

/// The subprotocol the server selects when a client offers it.
pub const SUBPROTOCOL: &str = "hail.v1";
/// The prefix of the subprotocol that carries the access token.
pub const TOKEN_SUBPROTOCOL_PREFIX: &str = "bearer.";

/// The token offered as a `bearer.TOKEN` subprotocol, if any.
fn subprotocol_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| p.trim().strip_prefix(TOKEN_SUBPROTOCOL_PREFIX))
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

pub async fn handler(
    State(state): State<AppState>,
    Query(query): Query<WsQuery>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    // Browsers cannot set headers on a WebSocket: the query is the main
    // way; a Bearer header is accepted too for other clients.
    let token = query
        .token
        .or_else(|| subprotocol_token(&headers))
        .or_else(|| crate::http::auth::bearer(&headers).map(str::to_string));
    let Some(token) = token else {
        return ApiError::Unauthorized("missing token").into_response();
    };
    let Ok(claims) = state.node.tokens.verify(&token) else {
        return ApiError::Unauthorized("invalid or expired token").into_response();
    };
    let upgrade = match upgrade {
        Ok(u) => u,
        Err(rejection) => return ApiError::Malformed(rejection.body_text()).into_response(),
    };
    let ws = &state.node.config.ws;
    let node = state.node.clone();
    let actor = Actor {
        id: claims.sub,
        role: claims.role,
    };
    let exp = claims.exp;
    upgrade
        .protocols([SUBPROTOCOL])
        .read_buffer_size(ws.buffer)
        .write_buffer_size(ws.buffer)
        .max_write_buffer_size(ws.buffer.max(64 * 1024) * 4)
        .max_message_size(ws.hard_max_message)
        .max_frame_size(ws.hard_max_message)
        .on_upgrade(move |socket| {
            // Tracked, so shutdown waits for every session to close.
            let tasks = node.tasks.clone();
            tasks.track_future(session::run(node, actor, exp, socket))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_subprotocol_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            axum::http::header::SEC_WEBSOCKET_PROTOCOL,
            "hail.v1, bearer.abc.def-ghi".parse().expect("header"),
        );
        assert_eq!(subprotocol_token(&headers).as_deref(), Some("abc.def-ghi"));
        let mut none = HeaderMap::new();
        none.append(
            axum::http::header::SEC_WEBSOCKET_PROTOCOL,
            "hail.v1, bearer.".parse().expect("header"),
        );
        assert_eq!(subprotocol_token(&none), None);
    }
}
