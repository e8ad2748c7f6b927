//! The shared JSON fixtures (`protocol/fixtures/`): every example must parse
//! into the Rust wire type its file names and serialise back unchanged. The
//! client's `protocol.ts` runs the same files, so the two cannot drift.

use hail_protocol::history::{HistoryResponse, TripSearchResponse};
use hail_protocol::http::{
    LoginRequest, RatingResponse, Receipt, RefreshRequest, SignupRequest, TokenResponse,
    TrackResponse, TripResponse, TripsResponse, UserResponse,
};
use hail_protocol::monitor::{
    DispatchDetail, DispatchesResponse, MonitorMap, Overview, SurgeResponse, TasksResponse,
};
use hail_protocol::ride::{
    FaresResponse, QuoteRequest, QuotesResponse, RatingRequest, VehicleResponse,
};
use hail_protocol::{ClientMessage, ErrorBody, ServerMessage};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::path::Path;

/// Parses `value` as `T` and serialises it back; returns what came back.
fn round_trip<T: DeserializeOwned + Serialize>(value: &Value) -> Result<Value, String> {
    let parsed: T = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(&parsed).map_err(|e| e.to_string())
}

#[test]
fn every_fixture_parses_and_round_trips() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        panic!("no fixtures directory at {}", dir.display());
    };
    let mut files = 0;
    for entry in entries {
        let path = entry.expect("dir entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        files += 1;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let text = std::fs::read_to_string(&path).expect("readable");
        let examples: Vec<Value> =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: not a JSON array: {e}"));
        assert!(!examples.is_empty(), "{name}: no examples");
        for (i, example) in examples.iter().enumerate() {
            let (back, expected) = if name.starts_with("server-") {
                (round_trip::<ServerMessage>(example), example.clone())
            } else if name.starts_with("client-") {
                // `ref` belongs to the frame, not the message.
                let mut without_ref = example.clone();
                if let Some(obj) = without_ref.as_object_mut() {
                    obj.remove("ref");
                }
                (round_trip::<ClientMessage>(example), without_ref)
            } else if name.starts_with("http-operator-me") {
                (
                    round_trip::<hail_protocol::operator::MonitorMe>(example),
                    example.clone(),
                )
            } else if name.starts_with("http-operator-action") {
                (
                    round_trip::<hail_protocol::operator::ActionResponse>(example),
                    example.clone(),
                )
            } else if name.starts_with("http-operator-audit") {
                (
                    round_trip::<hail_protocol::operator::AuditResponse>(example),
                    example.clone(),
                )
            } else if name.starts_with("http-monitor-overview") {
                (round_trip::<Overview>(example), example.clone())
            } else if name.starts_with("http-monitor-dispatches") {
                (round_trip::<DispatchesResponse>(example), example.clone())
            } else if name.starts_with("http-monitor-dispatch-detail") {
                (round_trip::<DispatchDetail>(example), example.clone())
            } else if name.starts_with("http-monitor-map") {
                (round_trip::<MonitorMap>(example), example.clone())
            } else if name.starts_with("http-monitor-tasks") {
                (round_trip::<TasksResponse>(example), example.clone())
            } else if name.starts_with("http-monitor-surge") {
                (round_trip::<SurgeResponse>(example), example.clone())
            } else if name.starts_with("http-history-trip-search") {
                (round_trip::<TripSearchResponse>(example), example.clone())
            } else if name.starts_with("http-history-response") {
                (round_trip::<HistoryResponse>(example), example.clone())
            } else if name.starts_with("http-fares-response") {
                (round_trip::<FaresResponse>(example), example.clone())
            } else if name.starts_with("http-quote-request") {
                (round_trip::<QuoteRequest>(example), example.clone())
            } else if name.starts_with("http-quotes-response") {
                (round_trip::<QuotesResponse>(example), example.clone())
            } else if name.starts_with("http-vehicle-response") {
                (round_trip::<VehicleResponse>(example), example.clone())
            } else if name.starts_with("http-rating-request") {
                (round_trip::<RatingRequest>(example), example.clone())
            } else if name.starts_with("http-rating-response") {
                (round_trip::<RatingResponse>(example), example.clone())
            } else if name.starts_with("http-receipt") {
                (round_trip::<Receipt>(example), example.clone())
            } else if name.starts_with("http-token-response") {
                (round_trip::<TokenResponse>(example), example.clone())
            } else if name.starts_with("http-trips-response") {
                (round_trip::<TripsResponse>(example), example.clone())
            } else if name.starts_with("http-track-response") {
                (round_trip::<TrackResponse>(example), example.clone())
            } else if name.starts_with("http-trip-response") {
                (round_trip::<TripResponse>(example), example.clone())
            } else if name.starts_with("http-user-response") {
                (round_trip::<UserResponse>(example), example.clone())
            } else if name.starts_with("http-signup-request") {
                (round_trip::<SignupRequest>(example), example.clone())
            } else if name.starts_with("http-login-request") {
                (round_trip::<LoginRequest>(example), example.clone())
            } else if name.starts_with("http-refresh-request") {
                (round_trip::<RefreshRequest>(example), example.clone())
            } else if name.starts_with("http-error-body") {
                (round_trip::<ErrorBody>(example), example.clone())
            } else {
                panic!("{name}: no Rust type is mapped to this fixture file; add one here");
            };
            let back =
                back.unwrap_or_else(|e| panic!("{name}[{i}]: does not parse: {e}\n{example}"));
            assert_eq!(back, expected, "{name}[{i}]: does not round-trip");
        }
    }
    assert!(files > 0, "no fixture files found");
}
