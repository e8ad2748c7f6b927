//! Sign-up, log-in, refresh (rotated: a used refresh token stops working,
//! and replaying one revokes its whole family), `GET /api/me`, and the
//! Bearer extractor every other route uses.

use super::error::{ApiError, ApiJson};
use super::AppState;
use crate::auth::{password, tokens};
use crate::node::Actor;
use crate::store::{NewUser, Rotation, Store};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use hail_protocol::http::{
    LoginRequest, RefreshRequest, SignupRequest, TokenResponse, UserResponse,
};
use hail_protocol::{Role, User, UserId};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/signup", post(signup))
        .route("/auth/login", post(login))
        .route("/auth/refresh", post(refresh))
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

/// The caller, from a valid access token.
pub struct Caller(pub Actor);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(&parts.headers).ok_or(ApiError::Unauthorized("missing bearer token"))?;
        let claims = state
            .node
            .tokens
            .verify(token)
            .map_err(|_| ApiError::Unauthorized("invalid or expired token"))?;
        Ok(Caller(Actor {
            id: claims.sub,
            role: claims.role,
        }))
    }
}

/// Checks sign-up fields once, at the edge.
fn validate_signup(req: &SignupRequest) -> Result<(), ApiError> {
    if req.role == Role::Admin {
        return Err(ApiError::Invalid(
            "role: rider or driver (admins are made with `hail admin create`)".into(),
        ));
    }
    validate_account(&req.username, &req.password, req.name.as_deref())
}

/// The rules every account follows, admins included.
pub fn validate_account(
    username: &str,
    password: &str,
    name: Option<&str>,
) -> Result<(), ApiError> {
    let username_ok = (3..=32).contains(&username.chars().count())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !username_ok {
        return Err(ApiError::Invalid(
            "username: 3-32 characters of letters, digits, '_', '-' or '.'".into(),
        ));
    }
    if !(8..=128).contains(&password.chars().count()) {
        return Err(ApiError::Invalid("password: 8-128 characters".into()));
    }
    if name.is_some_and(|n| n.trim().is_empty() || n.trim().chars().count() > 100) {
        return Err(ApiError::Invalid("name: 1-100 characters".into()));
    }
    Ok(())
}

async fn signup(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<SignupRequest>,
) -> Result<(StatusCode, Json<UserResponse>), ApiError> {
    validate_signup(&req)?;
    let user = create_user(
        &*state.node.store,
        req.username,
        req.password,
        req.role,
        req.name,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(UserResponse { user })))
}

/// Creates an account (also used by `hail admin create`).
pub async fn create_user(
    store: &dyn Store,
    username: String,
    password: String,
    role: Role,
    name: Option<String>,
) -> Result<User, ApiError> {
    let password_hash = password::hash(password)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let name = name
        .map(|n| n.trim().to_string())
        .unwrap_or_else(|| username.clone());
    Ok(store
        .create_user(NewUser {
            id: UserId::new(),
            username,
            password_hash,
            role,
            name,
        })
        .await?)
}

async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let found = state.node.store.user_by_username(&req.username).await?;
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    let ok = password::verify(req.password, hash).await;
    match user {
        Some(user) if ok => Ok(Json(issue(&state, user, uuid::Uuid::now_v7()).await?)),
        _ => Err(ApiError::Unauthorized("wrong username or password")),
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
            let user = state
                .node
                .store
                .user_by_id(user_id)
                .await?
                .ok_or(ApiError::Unauthorized("invalid refresh token"))?;
            Ok(Json(issue(&state, user, family).await?))
        }
        Rotation::Reused => {
            tracing::warn!("a used refresh token was presented again; its family is revoked");
            Err(ApiError::Unauthorized("refresh token already used"))
        }
        Rotation::Invalid => Err(ApiError::Unauthorized("invalid or expired refresh token")),
    }
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
    let ttl =
        chrono::Duration::from_std(node.config.refresh_ttl).unwrap_or(chrono::Duration::days(30));
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

async fn me(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<UserResponse>, ApiError> {
    let user = state
        .node
        .store
        .user_by_id(actor.id)
        .await?
        .ok_or(ApiError::Unauthorized("unknown user"))?;
    Ok(Json(UserResponse { user }))
}
