//! `GET /ws?token=...`: the token is checked before the upgrade (401 with
//! the usual error body), then the socket is configured with small buffers
//! and the contract's size limit, and handed to a session task.

use crate::http::error::ApiError;
use crate::http::AppState;
use crate::node::Actor;
use crate::session;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct WsQuery {
    token: Option<String>,
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
    upgrade
        .read_buffer_size(ws.buffer)
        .write_buffer_size(ws.buffer)
        .max_write_buffer_size(ws.buffer.max(64 * 1024) * 4)
        .max_message_size(ws.hard_max_message)
        .max_frame_size(ws.hard_max_message)
        .on_upgrade(move |socket| {
            // Tracked, so shutdown waits for every session to close.
            let tasks = node.tasks.clone();
            tasks.track_future(session::run(node, actor, socket))
        })
}
