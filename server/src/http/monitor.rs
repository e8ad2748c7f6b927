//! The admin monitor API: overview, dispatches, background tasks, and a
//! live stream of all three (Server-Sent Events, one snapshot per
//! heartbeat). Admins only: anyone else with a valid token gets 403.

use super::auth::bearer;
use super::error::{parse_limit, ApiError, ApiQuery};
use super::AppState;
use crate::monitor::view::{self, ViewError};
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::stream::{self, Stream, StreamExt};
use hail_protocol::monitor::{
    DispatchDetail, DispatchOutcome, DispatchesResponse, MonitorMap, Overview, SurgeResponse,
    TasksResponse,
};
use hail_protocol::{Role, TripId};
use serde::Deserialize;
use std::convert::Infallible;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/monitor/overview", get(overview))
        .route("/monitor/dispatches", get(dispatches))
        .route("/monitor/dispatches/{trip_id}", get(dispatch))
        .route("/monitor/tasks", get(tasks))
        .route("/monitor/map", get(map))
        .route("/monitor/surge", get(surge))
        .route("/monitor/stream", get(live))
}

/// An admin, from `Authorization: Bearer` or, for `EventSource` (which
/// cannot set headers), a `token` query parameter. Viewers and operators
/// alike (`http::operator` tells them apart).
pub struct Admin(pub hail_protocol::User);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let from_query = || {
            parts.uri.query().and_then(|q| {
                q.split('&')
                    .find_map(|kv| kv.strip_prefix("token="))
                    .map(str::to_string)
            })
        };
        let token = bearer(&parts.headers)
            .map(str::to_string)
            .or_else(from_query)
            .ok_or(ApiError::Unauthorized("missing bearer token"))?;
        // Like `Caller`: a deleted admin's live token opens nothing, and the
        // stored role is the one that counts.
        let user = super::auth::authenticate(state, &token).await?;
        if user.role != Role::Admin {
            return Err(ApiError::Forbidden("the monitor is for admins"));
        }
        Ok(Admin(user))
    }
}

impl From<ViewError> for ApiError {
    fn from(e: ViewError) -> Self {
        match e {
            ViewError::Store(e) => e.into(),
            ViewError::Presence(e) => ApiError::Unavailable(e.to_string()),
            ViewError::Geo(e) => ApiError::Unavailable(e.to_string()),
        }
    }
}

async fn overview(State(state): State<AppState>, _: Admin) -> Result<Json<Overview>, ApiError> {
    Ok(Json(view::overview(&state.node).await?))
}

async fn tasks(State(state): State<AppState>, _: Admin) -> Result<Json<TasksResponse>, ApiError> {
    Ok(Json(view::tasks(&state.node).await?))
}

async fn map(State(state): State<AppState>, _: Admin) -> Result<Json<MonitorMap>, ApiError> {
    Ok(Json(view::map(&state.node).await?))
}

/// The surge board this node prices from (every node holds the same one).
async fn surge(State(state): State<AppState>, _: Admin) -> Json<SurgeResponse> {
    Json(state.node.surge.snapshot())
}

#[derive(Deserialize)]
struct DispatchQuery {
    status: Option<String>,
    limit: Option<String>,
}

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 500;

async fn dispatches(
    State(state): State<AppState>,
    _: Admin,
    ApiQuery(q): ApiQuery<DispatchQuery>,
) -> Result<Json<DispatchesResponse>, ApiError> {
    let outcome = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(DispatchOutcome::parse(s).ok_or_else(|| {
            ApiError::Malformed(format!(
                "status: one of searching, accepted, expired, cancelled (got {s:?})"
            ))
        })?),
    };
    let limit = parse_limit(q.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)?;
    let dispatches = state.node.store.dispatches(outcome, limit).await?;
    Ok(Json(DispatchesResponse { dispatches }))
}

async fn dispatch(
    State(state): State<AppState>,
    _: Admin,
    Path(trip_id): Path<String>,
) -> Result<Json<DispatchDetail>, ApiError> {
    let id: TripId = trip_id.parse().map_err(|_| ApiError::NotFound)?;
    match state.node.store.dispatch_detail(id).await? {
        Some(detail) => Ok(Json(detail)),
        None => Err(ApiError::NotFound),
    }
}

/// An open monitor stream counts as one `admin` connection of this node
/// (the overview's "Admins connected" includes the monitor looking at it)
/// until the stream is dropped: the browser went away or the node drains.
struct OpenStream(std::sync::Arc<crate::node::live::Live>);

impl OpenStream {
    fn open(live: std::sync::Arc<crate::node::live::Live>) -> Self {
        live.connection_opened(Role::Admin);
        Self(live)
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.connection_closed(Role::Admin);
    }
}

/// One `overview`, `tasks`, `dispatches` and `map` event per heartbeat interval;
/// a failed read becomes an `error` event and the stream goes on. Ends
/// when the node drains, so shutdown never waits on an open monitor.
async fn live(
    State(state): State<AppState>,
    _: Admin,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let node = state.node.clone();
    let every = node.config.heartbeat;
    let shutdown = node.shutdown.clone().cancelled_owned();
    let open = OpenStream::open(node.live.clone());
    let ticks = stream::unfold(
        (node, tokio::time::interval(every), open),
        |(node, mut tick, open)| async move {
            tick.tick().await;
            let events = snapshot(&node).await;
            Some((stream::iter(events), (node, tick, open)))
        },
    )
    .flatten()
    .take_until(shutdown)
    .map(Ok);
    Sse::new(ticks).keep_alive(KeepAlive::default())
}

async fn snapshot(node: &crate::node::Node) -> Vec<Event> {
    fn event<T: serde::Serialize>(name: &str, r: Result<T, String>) -> Event {
        match r.and_then(|v| {
            Event::default()
                .event(name)
                .json_data(v)
                .map_err(|e| e.to_string())
        }) {
            Ok(e) => e,
            Err(why) => Event::default()
                .event("error")
                .data(format!("{name}: {why}")),
        }
    }
    let overview = view::overview(node).await.map_err(|e| e.to_string());
    let tasks = view::tasks(node).await.map_err(|e| e.to_string());
    let dispatches = node
        .store
        .dispatches(None, DEFAULT_LIMIT)
        .await
        .map(|dispatches| DispatchesResponse { dispatches })
        .map_err(|e| e.to_string());
    let map = view::map(node).await.map_err(|e| e.to_string());
    vec![
        event("overview", overview),
        event("tasks", tasks),
        event("dispatches", dispatches),
        event("map", map),
    ]
}
