//! The operator API: `GET /api/monitor/me` (who is looking, and whether
//! they may act), the actions under `POST /api/monitor/actions/...` and
//! `GET /api/monitor/audit`. Every admin may read; only an `operator` may
//! act (a `viewer` gets 403 and nothing happens). Every action an operator
//! attempts that reaches its target (done, unchanged, or refused with 404
//! or 409) is written to the audit log, and answered with its entry.

use super::error::{parse_limit, ApiError, ApiQuery};
use super::monitor::Admin;
use super::AppState;
use crate::node::operator::{ActionError, Outcome};
use crate::store::operator::{AuditFilter, NewAudit};
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::{Json, Router};
use hail_protocol::operator::{
    ActionKind, ActionResponse, ActionResult, AuditResponse, MonitorMe, MonitorRole,
};
use hail_protocol::{TripId, User, UserId};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/monitor/me", get(me))
        .route("/monitor/audit", get(audit))
        .route("/monitor/actions/trips/{id}/cancel", post(cancel_trip))
        .route("/monitor/actions/trips/{id}/redispatch", post(redispatch))
        .route("/monitor/actions/users/{id}/disconnect", post(disconnect))
        .route("/monitor/actions/users/{id}/suspend", post(suspend))
        .route("/monitor/actions/users/{id}/unsuspend", post(unsuspend))
        .route("/monitor/actions/nodes/{id}/drain", post(drain))
}

/// An admin and their monitor role (from the store, so a change applies
/// at once). An admin without one (none should be left after V9) reads only.
struct MonitorUser {
    user: User,
    role: MonitorRole,
}

impl FromRequestParts<AppState> for MonitorUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Admin(user) = Admin::from_request_parts(parts, state).await?;
        let role = state
            .node
            .store
            .account(user.id)
            .await?
            .and_then(|a| a.monitor_role)
            .unwrap_or(MonitorRole::Viewer);
        Ok(Self { user, role })
    }
}

/// An admin whose role is `operator`.
struct Operator(User);

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let who = MonitorUser::from_request_parts(parts, state).await?;
        if who.role != MonitorRole::Operator {
            return Err(ApiError::Forbidden("viewers cannot act; an operator can"));
        }
        Ok(Operator(who.user))
    }
}

async fn me(who: MonitorUser) -> Json<MonitorMe> {
    Json(MonitorMe {
        id: who.user.id,
        username: who.user.username,
        role: who.role,
    })
}

#[derive(Deserialize)]
struct AuditQuery {
    target: Option<String>,
    before: Option<String>,
    limit: Option<String>,
}

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 500;

async fn audit(
    State(state): State<AppState>,
    _: MonitorUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<AuditResponse>, ApiError> {
    let limit = parse_limit(q.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)?;
    let before = match q.before.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            s.parse::<i64>()
                .map_err(|_| ApiError::Malformed(format!("before: an entry id (got {s:?})")))?,
        ),
    };
    let filter = AuditFilter {
        target: q.target.filter(|t| !t.is_empty()),
        before,
        limit,
    };
    let entries = state.node.store.audit(&filter).await?;
    let next_before = (entries.len() == limit)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    Ok(Json(AuditResponse {
        entries,
        next_before,
    }))
}

/// Writes the audit entry of an attempted action and answers with it (or
/// with the action's 404 / 409 once it is written).
async fn record(
    state: &AppState,
    who: &User,
    action: ActionKind,
    target: String,
    outcome: Result<Outcome, ActionError>,
) -> Result<Json<ActionResponse>, ApiError> {
    let (result, detail, refusal) = match outcome {
        Ok(o) => (o.result, o.detail, None),
        Err(ActionError::NotFound) => (
            ActionResult::Refused,
            Some("not found".to_string()),
            Some(ApiError::NotFound),
        ),
        Err(ActionError::Conflict(why)) => (
            ActionResult::Refused,
            Some(why.to_string()),
            Some(ApiError::Conflict(why)),
        ),
        Err(ActionError::Store(e)) => return Err(e.into()),
        Err(ActionError::Bus(e)) => return Err(ApiError::Unavailable(e.to_string())),
    };
    let entry = state
        .node
        .store
        .insert_audit(&NewAudit {
            at: chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6),
            actor_id: who.id,
            actor_username: who.username.clone(),
            action,
            target,
            result,
            detail,
        })
        .await?;
    tracing::info!(
        actor = %who.username,
        action = action.as_str(),
        target = %entry.target,
        result = result.as_str(),
        "operator action"
    );
    match refusal {
        Some(e) => Err(e),
        None => Ok(Json(ActionResponse { entry })),
    }
}

/// An unparsable id is an unknown one (404), audited like one.
fn trip_id(raw: &str) -> Result<TripId, ActionError> {
    raw.parse().map_err(|_| ActionError::NotFound)
}

fn user_id(raw: &str) -> Result<UserId, ActionError> {
    raw.parse().map_err(|_| ActionError::NotFound)
}

async fn cancel_trip(
    State(state): State<AppState>,
    Operator(who): Operator,
    Path(id): Path<String>,
) -> Result<Json<ActionResponse>, ApiError> {
    let outcome = match trip_id(&id) {
        Ok(t) => state.node.operator_cancel(t).await,
        Err(e) => Err(e),
    };
    record(&state, &who, ActionKind::CancelTrip, id, outcome).await
}

async fn redispatch(
    State(state): State<AppState>,
    Operator(who): Operator,
    Path(id): Path<String>,
) -> Result<Json<ActionResponse>, ApiError> {
    let outcome = match trip_id(&id) {
        Ok(t) => state.node.operator_redispatch(t).await,
        Err(e) => Err(e),
    };
    record(&state, &who, ActionKind::Redispatch, id, outcome).await
}

async fn disconnect(
    State(state): State<AppState>,
    Operator(who): Operator,
    Path(id): Path<String>,
) -> Result<Json<ActionResponse>, ApiError> {
    let outcome = match user_id(&id) {
        Ok(u) => state.node.operator_disconnect(u).await,
        Err(e) => Err(e),
    };
    record(&state, &who, ActionKind::Disconnect, id, outcome).await
}

async fn suspend(
    State(state): State<AppState>,
    Operator(who): Operator,
    Path(id): Path<String>,
) -> Result<Json<ActionResponse>, ApiError> {
    let outcome = match user_id(&id) {
        Ok(u) => state.node.operator_suspend(u, true).await,
        Err(e) => Err(e),
    };
    record(&state, &who, ActionKind::Suspend, id, outcome).await
}

async fn unsuspend(
    State(state): State<AppState>,
    Operator(who): Operator,
    Path(id): Path<String>,
) -> Result<Json<ActionResponse>, ApiError> {
    let outcome = match user_id(&id) {
        Ok(u) => state.node.operator_suspend(u, false).await,
        Err(e) => Err(e),
    };
    record(&state, &who, ActionKind::Unsuspend, id, outcome).await
}

async fn drain(
    State(state): State<AppState>,
    Operator(who): Operator,
    Path(id): Path<String>,
) -> Result<Json<ActionResponse>, ApiError> {
    let outcome = state.node.operator_drain(&id).await;
    record(&state, &who, ActionKind::DrainNode, id, outcome).await
}
