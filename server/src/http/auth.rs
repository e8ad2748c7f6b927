//! Sign-up, log-in (throttled per username and per IP), refresh (rotated:
//! a used refresh token stops working, and replaying one revokes its whole
//! family), log-out (revokes the family), `GET /api/me`, and the Bearer
//! extractor every other route uses.

use super::client_ip::ClientIp;
use super::error::{ApiError, ApiJson};
use super::AppState;
use crate::auth::password::{self, HashError};
use crate::auth::throttle::{LoginThrottle, ThrottleError};
use crate::auth::tokens;
use crate::domain::account::NewAccount;
use crate::node::Actor;
use crate::store::{NewUser, Rotation, Store};
use axum::extract::{Extension, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use hail_protocol::http::{
    LoginRequest, RefreshRequest, SignupRequest, TokenResponse, UserResponse,
};
use hail_protocol::{Role, User, UserId};
use std::sync::Arc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/signup", post(signup))
        .route("/auth/login", post(login))
        .route("/auth/refresh", post(refresh))
        .route("/auth/logout", post(logout))
        .route("/me", get(me))
}

/// The token of an `Authorization: Bearer ...` header.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The user behind an access token: valid signature and times, and an
/// account that still exists.
pub async fn authenticate(state: &AppState, token: &str) -> Result<User, ApiError> {
    let claims = state
        .node
        .tokens
        .verify(token)
        .map_err(|_| ApiError::Unauthorized("invalid or expired token"))?;
    state
        .node
        .store
        .user_by_id(claims.sub)
        .await?
        .ok_or(ApiError::Unauthorized("unknown user"))
}

/// The caller, from a valid access token of a user who still exists: a
/// deleted user's unexpired token is refused on every REST route (one
/// store lookup per request; REST is not the hot path).
pub struct Caller(pub Actor);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let CallerUser(user) = CallerUser::from_request_parts(parts, state).await?;
        // The stored role, not the token's: a changed role applies at once.
        Ok(Caller(Actor {
            id: user.id,
            role: user.role,
        }))
    }
}

/// Like [`Caller`], keeping the whole stored user, for routes that answer
/// with it or need its username: the one lookup serves both.
pub struct CallerUser(pub User);

impl FromRequestParts<AppState> for CallerUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(&parts.headers).ok_or(ApiError::Unauthorized("missing bearer token"))?;
        Ok(CallerUser(authenticate(state, token).await?))
    }
}

/// Checks sign-up fields once, at the edge.
fn validate_signup(req: SignupRequest) -> Result<NewAccount, ApiError> {
    if req.role == Role::Admin {
        return Err(ApiError::Invalid(
            "role: rider or driver (admins are made with `hail admin create`)".into(),
        ));
    }
    NewAccount::parse(&req.username, req.password, req.name.as_deref())
        .map_err(|e| ApiError::Invalid(e.to_string()))
}

async fn signup(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<SignupRequest>,
) -> Result<(StatusCode, Json<UserResponse>), ApiError> {
    let role = req.role;
    let account = validate_signup(req)?;
    let user = create_user(&*state.node.store, account, role).await?;
    Ok((
        StatusCode::CREATED,
        Json(UserResponse {
            user,
            rating: None,
            vehicle: None,
        }),
    ))
}

/// Creates an account (also used by `hail admin create`).
pub async fn create_user(
    store: &dyn Store,
    account: NewAccount,
    role: Role,
) -> Result<User, ApiError> {
    let password_hash = password::hash(account.password.into_string())
        .await
        .map_err(hash_error)?;
    Ok(store
        .create_user(NewUser {
            id: UserId::new(),
            username: account.username.into_string(),
            password_hash,
            role,
            name: account.name.into_string(),
        })
        .await?)
}

/// A full hashing queue is `unavailable` (retry shortly), not an error.
pub(super) fn hash_error(e: HashError) -> ApiError {
    match e {
        HashError::Busy => ApiError::Unavailable(e.to_string()),
        HashError::Failed(why) => ApiError::Internal(why),
    }
}

pub(super) fn throttle_error(e: ThrottleError) -> ApiError {
    ApiError::Unavailable(e.to_string())
}

/// Checks the throttle before anything costly: a refused attempt hashes
/// nothing. A failure is counted before the 401 goes out, so a client
/// cannot skip the count by hanging up once it has its answer.
async fn login(
    State(state): State<AppState>,
    Extension(throttle): Extension<Arc<LoginThrottle>>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let now_ms = Utc::now().timestamp_millis();
    if let Some(retry_after) = throttle
        .check(&req.username, ip, now_ms)
        .await
        .map_err(throttle_error)?
    {
        crate::metrics::login_throttled();
        tracing::info!(%ip, "log-in refused: too many failures for this username or IP");
        return Err(ApiError::RateLimited {
            message: "too many failed log-ins; retry later".into(),
            retry_after,
        });
    }
    let found = state.node.store.user_by_username(&req.username).await?;
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    let ok = password::verify(req.password, hash)
        .await
        .map_err(hash_error)?;
    match user {
        Some(user) if ok => {
            // The right password of a suspended account: say so (it is
            // no guess), and leave its failure count alone.
            refuse_suspended(&state, user.id).await?;
            if let Err(e) = throttle.succeeded(&req.username, ip).await {
                // The log-in is good; old failures merely stay counted.
                tracing::warn!("cannot clear failed log-ins: {e}");
            }
            Ok(Json(issue(&state, user, uuid::Uuid::now_v7()).await?))
        }
        _ => {
            throttle
                .failed(&req.username, ip, now_ms)
                .await
                .map_err(throttle_error)?;
            Err(ApiError::Unauthorized("wrong username or password"))
        }
    }
}

async fn refresh(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let hash = tokens::hash_refresh_token(&req.refresh_token);
    match state
        .node
        .store
        .use_refresh_token(&hash, Utc::now())
        .await?
    {
        Rotation::Rotated { user_id, family } => {
            refuse_suspended(&state, user_id).await?;
            let user = state
                .node
                .store
                .user_by_id(user_id)
                .await?
                .ok_or(ApiError::Unauthorized("unknown user"))?;
            Ok(Json(issue(&state, user, family).await?))
        }
        Rotation::Reused => {
            tracing::warn!("a used refresh token was presented again; its family is revoked");
            Err(ApiError::Unauthorized("refresh token already used"))
        }
        Rotation::Invalid => Err(ApiError::Unauthorized("invalid or expired refresh token")),
    }
}

/// Revokes the whole family of the presented refresh token (every refresh
/// token issued from that one log-in; other log-ins of the user stay):
/// 204, also when it was already used
/// or revoked, so a client may retry. A token this server never issued is
/// 401, which tells a buggy client something and an attacker nothing (the
/// tokens are 256 random bits). The body is the refresh request's.
async fn logout(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<StatusCode, ApiError> {
    let hash = tokens::hash_refresh_token(&req.refresh_token);
    if state
        .node
        .store
        .revoke_refresh_family(&hash, Utc::now())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::Unauthorized("invalid refresh token"))
    }
}

/// 403 for a suspended account (log-in and refresh): its tokens are
/// already refused everywhere, as `user_by_id` does not find it.
async fn refuse_suspended(state: &AppState, id: UserId) -> Result<(), ApiError> {
    let account = state.node.store.account(id).await?;
    if account.is_some_and(|a| a.suspended) {
        return Err(ApiError::Forbidden("account suspended"));
    }
    Ok(())
}

/// A fresh access token and the next refresh token of `family`.
async fn issue(
    state: &AppState,
    user: User,
    family: uuid::Uuid,
) -> Result<TokenResponse, ApiError> {
    let node = &state.node;
    let access_token = node
        .tokens
        .issue(user.id, user.role)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let (refresh_token, hash) = tokens::new_refresh_token();
    let ttl = crate::domain::clock::span(node.config.refresh_ttl);
    node.store
        .insert_refresh_token(&hash, user.id, family, Utc::now() + ttl)
        .await?;
    Ok(TokenResponse {
        access_token,
        refresh_token,
        token_type: "Bearer".into(),
        expires_in: node.tokens.access_ttl.as_secs(),
        user,
    })
}

/// The caller, with the ratings they received and (drivers) their vehicle.
async fn me(
    State(state): State<AppState>,
    CallerUser(user): CallerUser,
) -> Result<Json<UserResponse>, ApiError> {
    let store = &state.node.store;
    let rating = store.rating_summary(user.id).await?;
    let vehicle = match user.role {
        Role::Driver => store.vehicle(user.id).await?,
        _ => None,
    };
    Ok(Json(UserResponse {
        user,
        rating,
        vehicle,
    }))
}
