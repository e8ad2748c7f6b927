//! The monitor's search and pages (admins only): trips by query
//! (`domain::trip_query`) with cursor paging, one trip in full, a user's
//! page and a node's page.

use super::error::{parse_limit, ApiError, ApiQuery};
use super::monitor::Admin;
use super::AppState;
use crate::domain::trip_query::{self, Sort, TripQuery};
use crate::monitor::view;
use crate::store::AuditFilter;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use hail_protocol::history::{
    NodePageResponse, TripDetailResponse, TripSearchResponse, UserPageResponse,
};
use hail_protocol::operator::AuditEntry;
use hail_protocol::{Trip, TripId, UserId};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/monitor/trips", get(search))
        .route("/monitor/trips/{trip_id}", get(trip))
        .route("/monitor/users/{user_id}", get(user))
        .route("/monitor/nodes/{node_id}", get(node))
}

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 200;
/// Trips shown on a user's or a node's page.
const PAGE_TRIPS: usize = 20;
/// Operator actions shown on a trip or user page.
const PAGE_AUDIT: usize = 50;

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
    sort: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

impl From<trip_query::QueryError> for ApiError {
    fn from(e: trip_query::QueryError) -> Self {
        ApiError::Malformed(format!("q: {e}"))
    }
}

/// One page and the cursor after it (one extra row says there is more).
async fn page(
    state: &AppState,
    query: &TripQuery,
    sort: Sort,
    cursor: Option<TripId>,
    limit: usize,
) -> Result<(Vec<Trip>, Option<TripId>), ApiError> {
    let mut trips = state
        .node
        .store
        .search_trips(query, sort, cursor, limit + 1)
        .await?;
    let more = trips.len() > limit;
    trips.truncate(limit);
    let next = more.then(|| trips.last().map(|t| t.id)).flatten();
    Ok((trips, next))
}

async fn search(
    State(state): State<AppState>,
    _: Admin,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<TripSearchResponse>, ApiError> {
    let query = trip_query::parse(q.q.as_deref().unwrap_or(""), chrono::Utc::now())?;
    let sort = Sort::parse(q.sort.as_deref().unwrap_or(""))
        .ok_or_else(|| ApiError::Malformed("sort: newest, oldest, fare or updated".into()))?;
    let cursor = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(
            c.parse::<TripId>()
                .map_err(|_| ApiError::Malformed("cursor: a trip id from next_cursor".into()))?,
        ),
    };
    let limit = parse_limit(q.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)?;
    let (trips, next_cursor) = page(&state, &query, sort, cursor, limit).await?;
    Ok(Json(TripSearchResponse { trips, next_cursor }))
}

async fn trip(
    State(state): State<AppState>,
    _: Admin,
    Path(trip_id): Path<String>,
) -> Result<Json<TripDetailResponse>, ApiError> {
    let id: TripId = trip_id.parse().map_err(|_| ApiError::NotFound)?;
    let store = &state.node.store;
    let record = store.trip(id).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(TripDetailResponse {
        trip: record.trip,
        dispatch: store.dispatch_detail(id).await?,
        ratings: store.trip_ratings(id).await?,
        audit: audit_of(&state, id.to_string()).await?,
    }))
}

async fn user(
    State(state): State<AppState>,
    _: Admin,
    Path(user_id): Path<String>,
) -> Result<Json<UserPageResponse>, ApiError> {
    let id = UserId(user_id.parse().map_err(|_| ApiError::NotFound)?);
    let store = &state.node.store;
    // An operator looks at suspended users too (`user_by_id` skips them).
    let account = store.account(id).await?.ok_or(ApiError::NotFound)?;
    let user = account.user;
    let query = TripQuery {
        participant: Some(id),
        ..Default::default()
    };
    let (trips, next_cursor) = page(&state, &query, Sort::Newest, None, PAGE_TRIPS).await?;
    let mut ratings = Vec::new();
    for t in &trips {
        ratings.extend(store.trip_ratings(t.id).await?);
    }
    Ok(Json(UserPageResponse {
        user,
        rating: store.rating_summary(id).await?,
        trips,
        next_cursor,
        ratings,
        suspended: account.suspended,
        audit: audit_of(&state, id.to_string()).await?,
    }))
}

/// The newest operator actions on `target` (as its id is written in the
/// action's path).
async fn audit_of(state: &AppState, target: String) -> Result<Vec<AuditEntry>, ApiError> {
    let filter = AuditFilter {
        target: Some(target),
        before: None,
        limit: PAGE_AUDIT,
    };
    Ok(state.node.store.audit(&filter).await?)
}

async fn node(
    State(state): State<AppState>,
    _: Admin,
    Path(node_id): Path<String>,
) -> Result<Json<NodePageResponse>, ApiError> {
    let overview = view::overview(&state.node).await?;
    let node = overview
        .nodes
        .into_iter()
        .find(|n| n.id == node_id)
        .ok_or(ApiError::NotFound)?;
    let tasks = view::tasks(&state.node)
        .await?
        .tasks
        .into_iter()
        .filter(|t| t.node == node_id)
        .collect();
    let query = TripQuery {
        node: Some(node_id),
        ..Default::default()
    };
    let (trips, _) = page(&state, &query, Sort::Newest, None, PAGE_TRIPS).await?;
    Ok(Json(NodePageResponse { node, tasks, trips }))
}
