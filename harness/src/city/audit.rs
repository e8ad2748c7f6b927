//! After the run: every completed trip's receipt against the fare rules
//! applied to its own track (recomputed by [`crate::fare_check`]), and
//! against the ratings the server said it took.

use super::{lock, Finished, Shared};
use crate::fare_check;
use crate::report::Report;
use crate::ride_api;
use crate::tally::Tally;
use futures_util::StreamExt;
use std::collections::BTreeMap;

/// Receipts read at once.
const CONCURRENCY: usize = 16;

/// Per class: trips and the sum of their fares (minor units).
#[derive(Default, serde::Serialize)]
struct ClassTotal {
    trips: u64,
    total_minor: i64,
    currency: String,
}

pub(super) async fn run(shared: &Shared, t: &mut Tally, report: &mut Report) {
    let tasks = std::mem::take(&mut *lock(&shared.rating_tasks));
    for task in tasks {
        match task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => t.violations.push(e),
            Err(e) => t
                .violations
                .push(format!("a driver's rating task failed: {e}")),
        }
    }
    let finished = std::mem::take(&mut *lock(&shared.finished));
    let ratings = lock(&shared.ratings).clone();
    let mut checks = futures_util::stream::iter(finished.iter().map(|f| audit_one(shared, f)))
        .buffer_unordered(CONCURRENCY);
    let mut totals: BTreeMap<String, ClassTotal> = BTreeMap::new();
    while let Some(outcome) = checks.next().await {
        match outcome {
            Ok((trip, class, fare, seen)) => {
                t.count("fares_checked");
                if fare.distance > 0 {
                    t.count("fares_with_distance");
                }
                let total = totals.entry(class).or_default();
                total.trips += 1;
                total.total_minor = total.total_minor.saturating_add(fare.total);
                total.currency = fare.currency;
                let given = ratings.get(&trip).copied().unwrap_or(0);
                t.add("ratings_given", given as u64);
                if seen != given {
                    t.violations.push(format!(
                        "trip {trip}: {given} ratings taken, the receipt shows {seen}"
                    ));
                }
            }
            Err(e) => t.violations.push(e),
        }
    }
    report.extra["fares"] = serde_json::to_value(&totals).unwrap_or_default();
}

async fn audit_one(
    shared: &Shared,
    f: &Finished,
) -> Result<
    (
        hail_protocol::TripId,
        String,
        hail_protocol::FareBreakdown,
        usize,
    ),
    String,
> {
    let receipt = ride_api::receipt(&shared.http, &f.rider_token, f.trip).await?;
    let track = ride_api::track(&shared.http, &f.rider_token, f.trip).await?;
    let fare = fare_check::check_fare(&receipt, &track, &shared.fares)?;
    Ok((f.trip, receipt.class, fare, receipt.ratings.len()))
}
