//! `GET /api/monitor/history?range=1h|24h|7d`: the per-minute rollups every
//! node writes (`node::rollup`), bucketed for the range (admins only).

use super::error::{ApiError, ApiQuery};
use super::monitor::Admin;
use super::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{TimeDelta, Utc};
use hail_protocol::history::{HistoryRange, HistoryResponse};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/monitor/history", get(history))
}

#[derive(Deserialize)]
struct HistoryQuery {
    range: Option<String>,
}

async fn history(
    State(state): State<AppState>,
    _: Admin,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> Result<Json<HistoryResponse>, ApiError> {
    let range = match q.range.as_deref().filter(|s| !s.is_empty()) {
        None => HistoryRange::Hour,
        Some(s) => HistoryRange::parse(s)
            .ok_or_else(|| ApiError::Malformed(format!("range: one of 1h, 24h, 7d (got {s:?})")))?,
    };
    let now = Utc::now();
    let since = now - TimeDelta::seconds(range.span_secs() + range.bucket_secs());
    let rows = state.node.store.rollups_since(since).await?;
    Ok(Json(crate::domain::rollup::history(&rows, range, now)))
}
