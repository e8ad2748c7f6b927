//! Trip history: list, detail, GPS track. Only participants see a trip
//! (admins see all); to anyone else it does not exist (404, not 403).

use super::auth::Caller;
use super::error::{parse_limit, ApiError, ApiQuery};
use super::AppState;
use crate::node::Actor;
use crate::store::{TripFilter, TripRecord};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use hail_protocol::http::{TrackResponse, TripResponse, TripsResponse};
use hail_protocol::{Role, TripId, TripStatus};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/trips", get(list))
        .route("/trips/{id}", get(detail))
        .route("/trips/{id}/track", get(track))
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    limit: Option<String>,
    before: Option<String>,
}

const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 100;

async fn list(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<TripsResponse>, ApiError> {
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            TripStatus::parse(s)
                .ok_or_else(|| ApiError::Malformed(format!("status: unknown status {s:?}")))?,
        ),
    };
    let limit = parse_limit(q.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)?;
    let before =
        match q.before.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(s.parse::<TripId>().map_err(|_| {
                ApiError::Malformed("before: not a cursor this server issued".into())
            })?),
        };
    let filter = TripFilter {
        participant: (actor.role != Role::Admin).then_some(actor.id),
        status,
        before,
        limit,
    };
    let trips = state.node.store.list_trips(&filter).await?;
    let next_before = (trips.len() == limit)
        .then(|| trips.last().map(|t| t.id.to_string()))
        .flatten();
    Ok(Json(TripsResponse { trips, next_before }))
}

/// The trip if `actor` may see it.
pub(super) async fn visible(
    state: &AppState,
    actor: Actor,
    id: &str,
) -> Result<TripRecord, ApiError> {
    let id: TripId = id.parse().map_err(|_| ApiError::NotFound)?;
    let record = state.node.store.trip(id).await?.ok_or(ApiError::NotFound)?;
    let participant = record.rider_id == actor.id || record.driver_id == Some(actor.id);
    if participant || actor.role == Role::Admin {
        Ok(record)
    } else {
        Err(ApiError::NotFound)
    }
}

async fn detail(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Json<TripResponse>, ApiError> {
    let record = visible(&state, actor, &id).await?;
    Ok(Json(TripResponse { trip: record.trip }))
}

async fn track(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Json<TrackResponse>, ApiError> {
    let record = visible(&state, actor, &id).await?;
    let points = state.node.store.track(record.trip.id).await?;
    Ok(Json(TrackResponse { points }))
}
