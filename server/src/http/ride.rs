//! The ride product's REST side: fares, quotes, a driver's vehicle,
//! ratings and receipts (docs/protocol.md §3). The decisions are the
//! node's and the domain's; this file checks who may ask and shapes the
//! answers.

use super::auth::Caller;
use super::error::{ApiError, ApiJson};
use super::trips::visible;
use super::AppState;
use crate::domain::vehicle;
use crate::node::Actor;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use hail_protocol::http::{RatingResponse, Receipt};
use hail_protocol::ride::{
    FareClass, FaresResponse, QuoteRequest, QuotesResponse, RatingRequest, TrackRules,
    VehicleResponse,
};
use hail_protocol::{Money, Role, TripId, Vehicle};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/fares", get(fares))
        .route("/quotes", post(quotes))
        .route("/me/vehicle", get(my_vehicle).put(put_vehicle))
        .route("/trips/{id}/rating", post(rate))
        .route("/trips/{id}/receipt", get(receipt))
}

fn only(actor: Actor, role: Role, what: &'static str) -> Result<(), ApiError> {
    if actor.role == role {
        Ok(())
    } else {
        Err(ApiError::Forbidden(what))
    }
}

/// Public: what each class costs, so an app can show prices before a quote.
async fn fares(State(state): State<AppState>) -> Json<FaresResponse> {
    let table = &state.node.config.ride.fares;
    let classes = table
        .classes
        .iter()
        .map(|(class, r)| FareClass {
            class: class.as_str().to_string(),
            currency: table.currency.as_str().to_string(),
            base: r.base.minor(),
            per_km: r.per_km.minor(),
            per_minute: r.per_minute.minor(),
            minimum: r.minimum.minor(),
            booking_fee: r.booking_fee.minor(),
        })
        .collect();
    Json(FaresResponse {
        classes,
        cancel_grace_s: table.cancel.grace_secs,
        cancel_fee: Money {
            amount: table.cancel.fee.minor(),
            currency: table.currency.as_str().to_string(),
        },
        track: Some(TrackRules {
            jitter_m: table.track.jitter_m,
            max_speed_kmh: table.track.max_speed_kmh,
            gap_s: table.track.gap_secs,
            road_factor: table.track.road_factor,
            max_rejected: crate::domain::track::MAX_REJECTED as u32,
        }),
    })
}

async fn quotes(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(req): ApiJson<QuoteRequest>,
) -> Result<Json<QuotesResponse>, ApiError> {
    only(actor, Role::Rider, "only riders ask for quotes")?;
    let quotes = state
        .node
        .quotes(actor, req.pickup, req.dropoff, req.class)
        .await?;
    Ok(Json(QuotesResponse { quotes }))
}

async fn my_vehicle(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<VehicleResponse>, ApiError> {
    only(actor, Role::Driver, "only drivers have a vehicle")?;
    let vehicle = state
        .node
        .store
        .vehicle(actor.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(VehicleResponse { vehicle }))
}

/// Registers or replaces the driver's vehicle; its class must be one the
/// fare table prices. Offers of the new class start with the next round.
async fn put_vehicle(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(raw): ApiJson<Vehicle>,
) -> Result<Json<VehicleResponse>, ApiError> {
    only(actor, Role::Driver, "only drivers register a vehicle")?;
    let raw = vehicle::RawVehicle {
        make: raw.make,
        model: raw.model,
        colour: raw.colour,
        plate: raw.plate,
        class: raw.class,
        seats: i64::from(raw.seats),
    };
    let parsed = vehicle::Vehicle::parse(&raw).map_err(|e| ApiError::Invalid(e.to_string()))?;
    state
        .node
        .config
        .ride
        .fares
        .priced(parsed.class.as_str())
        .map_err(ApiError::Invalid)?;
    let vehicle = parsed.to_wire();
    state
        .node
        .store
        .put_vehicle(actor.id, &vehicle, chrono::Utc::now())
        .await?;
    Ok(Json(VehicleResponse { vehicle }))
}

async fn rate(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RatingRequest>,
) -> Result<(StatusCode, Json<RatingResponse>), ApiError> {
    let id: TripId = id.parse().map_err(|_| ApiError::NotFound)?;
    let rating = state.node.rate(actor, id, req.stars, req.comment).await?;
    Ok((StatusCode::CREATED, Json(RatingResponse { rating })))
}

/// A trip's receipt: its estimate, final fare or cancellation fee, and the
/// ratings given. Participants (and admins) only.
async fn receipt(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Json<Receipt>, ApiError> {
    let record = visible(&state, actor, &id).await?;
    let ratings = state.node.store.trip_ratings(record.trip.id).await?;
    let t = record.trip;
    Ok(Json(Receipt {
        trip_id: t.id,
        status: t.status,
        class: t
            .class
            .unwrap_or_else(|| crate::node::ride::DEFAULT_CLASS.to_string()),
        rider: t.rider,
        driver: t.driver,
        pickup: t.pickup,
        dropoff: t.dropoff,
        requested_at: t.requested_at,
        started_at: t.started_at,
        completed_at: t.completed_at,
        estimate: t.estimate,
        fare: t.fare,
        cancel_fee: t.cancel_fee,
        ratings,
    }))
}
