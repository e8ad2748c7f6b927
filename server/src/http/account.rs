//! `DELETE /api/me`: a user deletes their own account. The password is
//! asked again, so a stolen access token alone cannot do it, and wrong
//! ones count in the log-in throttle (this check would otherwise be a
//! guessing oracle outside it). Every open socket of the account, on any
//! node, is closed with 4003, and its tokens stop working at once (REST
//! answers 401, refresh tokens are gone).

use super::auth::{hash_error, throttle_error, CallerUser};
use super::client_ip::ClientIp;
use super::error::{ApiError, ApiJson};
use super::AppState;
use crate::auth::password;
use crate::auth::throttle::LoginThrottle;
use crate::keys::Topic;
use crate::node::registry::Control;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::routing::delete;
use axum::Router;
use serde::Deserialize;
use std::sync::Arc;

pub fn router() -> Router<AppState> {
    Router::new().route("/me", delete(delete_me))
}

#[derive(Deserialize)]
struct DeleteRequest {
    password: String,
}

async fn delete_me(
    State(state): State<AppState>,
    Extension(throttle): Extension<Arc<LoginThrottle>>,
    ClientIp(ip): ClientIp,
    CallerUser(user): CallerUser,
    ApiJson(req): ApiJson<DeleteRequest>,
) -> Result<StatusCode, ApiError> {
    let node = &state.node;
    let now_ms = chrono::Utc::now().timestamp_millis();
    if let Some(retry_after) = throttle
        .check(&user.username, ip, now_ms)
        .await
        .map_err(throttle_error)?
    {
        crate::metrics::login_throttled();
        return Err(ApiError::RateLimited {
            message: "too many wrong passwords; retry later".into(),
            retry_after,
        });
    }
    let hash = node
        .store
        .user_by_username(&user.username)
        .await?
        .map(|(_, hash)| hash);
    if !password::verify(req.password, hash)
        .await
        .map_err(hash_error)?
    {
        throttle
            .failed(&user.username, ip, now_ms)
            .await
            .map_err(throttle_error)?;
        return Err(ApiError::Forbidden("wrong password"));
    }
    if !node.store.delete_user(user.id, chrono::Utc::now()).await? {
        return Err(ApiError::Unauthorized("unknown user"));
    }
    revoke_sockets(&state, user.id).await;
    tracing::info!(user = %user.id, "account deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// Closes every socket of `user` on every node (4003). A node that misses
/// the message (bus down) still closes them when their access tokens
/// expire, and the user cannot open new ones.
pub async fn revoke_sockets(state: &AppState, user: hail_protocol::UserId) {
    if let Err(e) = state
        .node
        .bus
        .publish(Topic::User(user), Control::Revoke.encode())
        .await
    {
        tracing::warn!(%user, "revocation not published; sockets close at token expiry: {e}");
    }
}
