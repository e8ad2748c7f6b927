//! The ride product over HTTP, as an app uses it: the fare table, a
//! driver's vehicle, quotes, ratings, receipts and tracks.

use crate::client::Http;
use hail_protocol::http::{Receipt, TrackPoint, TrackResponse};
use hail_protocol::ride::{
    FaresResponse, Quote, QuoteRequest, QuotesResponse, RatingRequest, VehicleResponse,
};
use hail_protocol::{Place, TripId, Vehicle};
use reqwest::Method;

/// Parses a body the server answered `want` with; anything else is an error
/// quoting what it said.
fn answer<T: serde::de::DeserializeOwned>(
    what: &str,
    want: u16,
    (status, body): (u16, String),
) -> Result<T, String> {
    if status != want {
        return Err(format!("{what}: {status} {body}"));
    }
    serde_json::from_str(&body).map_err(|e| format!("{what}: {e} in {body}"))
}

pub async fn fares(http: &Http, token: &str) -> Result<FaresResponse, String> {
    http.get("/api/fares", token).await
}

/// Registers the `n`th harness driver's vehicle of `class`.
pub async fn register_vehicle(
    http: &Http,
    token: &str,
    n: usize,
    class: &str,
) -> Result<Vehicle, String> {
    let vehicle = Vehicle {
        make: "Harness".into(),
        model: format!("Sim {}", n % 100),
        colour: ["white", "black", "silver", "blue"][n % 4].into(),
        plate: format!("H {n}"),
        class: class.into(),
        seats: if class == "xl" { 6 } else { 4 },
    };
    let res = http
        .send(Method::PUT, "/api/me/vehicle", token, &vehicle)
        .await?;
    answer::<VehicleResponse>("PUT /api/me/vehicle", 200, res).map(|r| r.vehicle)
}

/// The quote for one class.
pub async fn quote(
    http: &Http,
    token: &str,
    pickup: &Place,
    dropoff: &Place,
    class: &str,
) -> Result<Quote, String> {
    let req = QuoteRequest {
        pickup: pickup.clone(),
        dropoff: dropoff.clone(),
        class: Some(class.into()),
    };
    let res = http.send(Method::POST, "/api/quotes", token, &req).await?;
    let mut quotes = answer::<QuotesResponse>("POST /api/quotes", 200, res)?.quotes;
    match quotes.len() {
        1 => Ok(quotes.remove(0)),
        n => Err(format!("POST /api/quotes for {class}: {n} quotes, not 1")),
    }
}

/// Rates the other party of `trip`; `Ok` only when the server stored it (201).
pub async fn rate(http: &Http, token: &str, trip: TripId, stars: u8) -> Result<(), String> {
    let req = RatingRequest {
        stars,
        comment: Some("harness ride".into()),
    };
    let path = format!("/api/trips/{trip}/rating");
    let (status, body) = http.send(Method::POST, &path, token, &req).await?;
    match status {
        201 => Ok(()),
        _ => Err(format!("POST {path}: {status} {body}")),
    }
}

pub async fn receipt(http: &Http, token: &str, trip: TripId) -> Result<Receipt, String> {
    http.get(&format!("/api/trips/{trip}/receipt"), token).await
}

pub async fn track(http: &Http, token: &str, trip: TripId) -> Result<Vec<TrackPoint>, String> {
    let res: TrackResponse = http.get(&format!("/api/trips/{trip}/track"), token).await?;
    Ok(res.points)
}
