//! The end of a soak run: every trip read back over HTTP (the clients'
//! list plus each rider's own), the tracks of trips with acknowledged
//! points, the checks, and the report.

use super::evidence::{at_key, Evidence, FinalTrip};
use super::shared::Shared;
use super::verify::verify;
use crate::client::{Account, Http};
use crate::report::Report;
use crate::tally::Tally;
use hail_protocol::http::{TrackResponse, TripResponse};
use hail_protocol::{TripId, TripStatus, UserId};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Every trip any rider created: what the clients saw plus each rider's
/// own list (which also finds a trip whose creation no client learned of).
pub(super) async fn all_trips(
    http: &Http,
    sh: &Shared,
    riders: &[Account],
    listed_only: &mut u64,
) -> BTreeMap<TripId, UserId> {
    let mut ids: BTreeMap<TripId, UserId> =
        sh.evidence().trips.iter().map(|(k, v)| (*k, *v)).collect();
    *listed_only = 0;
    for r in riders {
        match http.list_trips(&r.token).await {
            Ok(trips) => {
                for t in trips {
                    if ids.insert(t.id, t.rider.id).is_none() {
                        *listed_only += 1;
                    }
                }
            }
            Err(e) => eprintln!("soak: listing {}'s trips failed: {e}", r.username),
        }
    }
    ids
}

async fn read_finals(
    http: &Http,
    ids: &BTreeMap<TripId, UserId>,
    tokens: &HashMap<UserId, String>,
) -> BTreeMap<TripId, Result<FinalTrip, String>> {
    let mut out = BTreeMap::new();
    for (id, rider) in ids {
        let r = match tokens.get(rider) {
            Some(token) => http
                .get::<TripResponse>(&format!("/api/trips/{id}"), token)
                .await
                .map(|r| FinalTrip::from(&r.trip)),
            None => Err(format!("rider {rider} is not one of this run's accounts")),
        };
        out.insert(*id, r);
    }
    out
}

/// The `at` keys of the track of every trip with an acknowledged point.
async fn read_tracks(
    http: &Http,
    evidence: &Evidence,
    ids: &BTreeMap<TripId, UserId>,
    tokens: &HashMap<UserId, String>,
) -> BTreeMap<TripId, Result<BTreeSet<i64>, String>> {
    let mut tracks = BTreeMap::new();
    for trip in evidence.acked.keys() {
        let r = match ids.get(trip).and_then(|rider| tokens.get(rider)) {
            Some(token) => http
                .get::<TrackResponse>(&format!("/api/trips/{trip}/track"), token)
                .await
                .map(|t| t.points.iter().map(|p| at_key(p.at)).collect()),
            None => Err("no rider known for this trip".into()),
        };
        tracks.insert(*trip, r);
    }
    tracks
}

/// The final read, the checks, and everything into `report` (finished by
/// the caller over the load window).
pub(super) async fn conclude(
    report: &mut Report,
    mut tally: Tally,
    http: &Http,
    sh: &Shared,
    riders: &[Account],
    tokens: &HashMap<UserId, String>,
) {
    let mut listed_only = 0u64;
    let ids = all_trips(http, sh, riders, &mut listed_only).await;
    let finals = read_finals(http, &ids, tokens).await;
    let evidence = sh.evidence().clone();
    let tracks = read_tracks(http, &evidence, &ids, tokens).await;
    let violations = verify(&evidence, &finals, &tracks);

    tally.dispatch_from(&sh.first_offer);
    let reconnects: BTreeMap<String, u64> = tally
        .counts
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("reconnects_").map(|r| (r.to_string(), *v)))
        .collect();
    tally.into_report(
        report,
        &[
            "dispatch",
            "accept",
            "gps_end_to_end",
            "gps_ack",
            "reconnect",
        ],
    );
    let counts = &mut report.counts;
    let mut by_status: BTreeMap<&str, u64> = BTreeMap::new();
    for f in finals.values().flatten() {
        *by_status.entry(f.status.as_str()).or_default() += 1;
    }
    counts.insert("trips_created".into(), finals.len() as u64);
    for status in TripStatus::ALL {
        counts.insert(
            format!("trips_{}", status.as_str()),
            by_status.get(status.as_str()).copied().unwrap_or(0),
        );
    }
    counts.insert("trips_found_only_by_listing".into(), listed_only);
    let acked: u64 = evidence.acked.values().map(|s| s.len() as u64).sum();
    let track_points: u64 = tracks.values().flatten().map(|s| s.len() as u64).sum();
    counts.insert("points_acked".into(), acked);
    counts.insert("points_in_checked_tracks".into(), track_points);
    counts.insert(
        "trips_with_acked_points".into(),
        evidence.acked.len() as u64,
    );
    counts.insert(
        "double_winner_checks".into(),
        finals
            .values()
            .flatten()
            .filter(|f| f.driver.is_some())
            .count() as u64,
    );
    counts.insert("reconnects".into(), reconnects.values().sum::<u64>());
    counts.insert("nodes".into(), sh.nodes.len() as u64);
    report.extra = serde_json::json!({
        "reconnects_by_reason": reconnects,
        "checks": {
            "lost_gps": violations.iter().filter(|v| v.starts_with("lost GPS")).count(),
            "double_winner": violations.iter().filter(|v| v.starts_with("double winner")).count(),
            "stuck_trip": violations.iter().filter(|v| v.starts_with("stuck trip")).count(),
        },
    });
    for v in violations {
        report.violation(v);
    }
}
