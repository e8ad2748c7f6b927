//! The statements both stores run, written once with Postgres placeholders
//! (`$1`); the SQLite store rewrites them with [`lite`] once per call site.
//! What the dialects do differently (COPY, `FOR UPDATE SKIP LOCKED`,
//! arrays, writable CTEs, defaults for `created_at`) stays in each backend.

use super::{TripFilter, TRIP_SELECT};
use std::sync::LazyLock;

/// `$n` -> `?n`: the statements here hold no other `$`.
pub(crate) fn lite(pg: &str) -> String {
    pg.replace('$', "?")
}

// Users.

pub(crate) const USER_BY_USERNAME: &str =
    "SELECT id, username, role, name, password_hash FROM users WHERE lower(username) = lower($1)";
pub(crate) const USER_BY_ID: &str =
    "SELECT id, username, role, name FROM users WHERE id = $1 AND deleted_at IS NULL AND suspended_at IS NULL";
/// Whether the account exists and whether it is on an active trip.
pub(crate) const USER_DELETABLE: &str =
    "SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND deleted_at IS NULL), \
     EXISTS (SELECT 1 FROM trips WHERE (rider_id = $1 OR driver_id = $1) \
     AND status IN ('requested', 'accepted', 'arrived', 'in_progress'))";
/// '!' is no PHC string: no password can match it again.
pub(crate) const USER_SOFT_DELETE: &str =
    "UPDATE users SET deleted_at = $2, password_hash = '!deleted' WHERE id = $1";
pub(crate) const USER_TOKENS_DELETE: &str = "DELETE FROM refresh_tokens WHERE user_id = $1";

// Trips.

pub(crate) static TRIP_BY_ID: LazyLock<String> =
    LazyLock::new(|| format!("{TRIP_SELECT} WHERE t.id = $1"));
/// A rider's trip until it ends; a driver's once accepted.
pub(crate) static ACTIVE_TRIP: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{TRIP_SELECT} WHERE (t.rider_id = $1 AND t.status IN ('requested', 'accepted', 'arrived', 'in_progress')) \
         OR (t.driver_id = $1 AND t.status IN ('accepted', 'arrived', 'in_progress')) \
         ORDER BY t.id DESC LIMIT 1"
    )
});
/// The requesting node holds the dispatch lease from the start; `$12`
/// class, `$13` quote, `$14` estimate (JSON).
pub(crate) const TRIP_INSERT: &str =
    "INSERT INTO trips (id, rider_id, status, pickup_lat, pickup_lng, pickup_address, \
     dropoff_lat, dropoff_lng, dropoff_address, requested_at, node_id, \
     dispatch_node, dispatch_lease_until, class, quote_id, estimate) \
     VALUES ($1, $2, 'requested', $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, $13, $14)";
pub(crate) const EVENT_INSERT: &str =
    "INSERT INTO trip_events (trip_id, from_status, to_status, actor_id, reason, node_id, at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
/// The accepting driver's offer, if still pending.
pub(crate) const OFFER_ACCEPT: &str = "UPDATE trip_offers SET outcome = 'accepted', ended_at = $3 \
     WHERE trip_id = $1 AND driver_id = $2 AND outcome = 'pending'";
/// `$1` trip, `$2` from, `$3` to, `$4` driver, `$5` at, `$6` cancelled by,
/// `$7` reason, `$8` fare, `$9` vehicle, `$10` cancel reason code, `$11`
/// cancel fee (JSON where not a code; each NULL leaves its column alone);
/// changes nothing unless the trip is still in `$2`.
pub(crate) const TRIP_TRANSITION: &str =
    "UPDATE trips SET status = $3, driver_id = COALESCE($4, driver_id), seq = seq + 1, \
     accepted_at  = CASE WHEN $3 = 'accepted'    THEN $5 ELSE accepted_at END, \
     arrived_at   = CASE WHEN $3 = 'arrived'     THEN $5 ELSE arrived_at END, \
     started_at   = CASE WHEN $3 = 'in_progress' THEN $5 ELSE started_at END, \
     completed_at = CASE WHEN $3 = 'completed'   THEN $5 ELSE completed_at END, \
     cancelled_at = CASE WHEN $3 = 'cancelled'   THEN $5 ELSE cancelled_at END, \
     expired_at   = CASE WHEN $3 = 'expired'     THEN $5 ELSE expired_at END, \
     cancelled_by = COALESCE($6, cancelled_by), \
     cancel_reason = COALESCE($10, $7, cancel_reason), \
     fare = COALESCE($8, fare), vehicle = COALESCE($9, vehicle), \
     cancel_fee = COALESCE($11, cancel_fee) \
     WHERE id = $1 AND status = $2";
/// Ends a trip's pending offers (`$2` outcome, `$3` at) if the trip is in
/// `$4`: run right after a change out of `requested` (`leave_requested`).
pub(crate) const OFFERS_END_IF_IN: &str = "UPDATE trip_offers SET outcome = $2, ended_at = $3 \
     WHERE trip_id = $1 AND outcome = 'pending' \
       AND EXISTS (SELECT 1 FROM trips WHERE id = $1 AND status = $4) \
     RETURNING driver_id";
pub(crate) const TRIPS_REQUESTED_SINCE: &str =
    "SELECT count(*) FROM (SELECT 1 FROM trips WHERE rider_id = $1 \
     AND requested_at > $2 LIMIT $3) recent";

/// A value [`list_trips`] binds; each store converts it to its own type.
pub(crate) enum Arg {
    Id(uuid::Uuid),
    Text(&'static str),
    Int(i64),
}

/// The page of trips `filter` selects and the values for its placeholders.
pub(crate) fn list_trips(filter: &TripFilter) -> (String, Vec<Arg>) {
    let mut clauses = Vec::new();
    let mut args = Vec::new();
    if let Some(user) = filter.participant {
        args.push(Arg::Id(user.0));
        clauses.push(format!(
            "(t.rider_id = ${0} OR t.driver_id = ${0})",
            args.len()
        ));
    }
    if let Some(status) = filter.status {
        args.push(Arg::Text(status.as_str()));
        clauses.push(format!("t.status = ${}", args.len()));
    }
    if let Some(before) = filter.before {
        args.push(Arg::Id(before.0));
        clauses.push(format!("t.id < ${}", args.len()));
    }
    args.push(Arg::Int(i64::try_from(filter.limit).unwrap_or(i64::MAX)));
    let where_sql = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    let sql = format!(
        "{TRIP_SELECT}{where_sql} ORDER BY t.id DESC LIMIT ${}",
        args.len()
    );
    (sql, args)
}

// Dispatch.

pub(crate) const STRANDED: &str =
    "SELECT id FROM trips WHERE status = 'requested' AND requested_at < $1 ORDER BY id LIMIT $2";
/// Renews (a later `$3`) or releases (`$3` = now) `$2`'s lease.
pub(crate) const LEASE_SET: &str = "UPDATE trips SET dispatch_lease_until = $3 \
     WHERE id = $1 AND status = 'requested' AND dispatch_node = $2";
pub(crate) const OFFER_STATUS: &str =
    "SELECT outcome FROM trip_offers WHERE trip_id = $1 AND driver_id = $2";
/// How an offer insert meets an earlier offer of the same trip to the same
/// driver: only an expired one is offered again (a later round); one that
/// is pending, declined or lost stays as it is and is not returned.
pub(crate) const REOFFER: &str =
    "ON CONFLICT (trip_id, driver_id) DO UPDATE SET round = EXCLUDED.round, \
     distance_m = EXCLUDED.distance_m, offered_at = EXCLUDED.offered_at, \
     expires_at = EXCLUDED.expires_at, outcome = 'pending', ended_at = NULL \
     WHERE trip_offers.outcome = 'expired'";

// Ride: vehicles, quotes, ratings, demand, photos.

pub(crate) const VEHICLE_PUT: &str =
    "INSERT INTO vehicles (driver_id, make, model, colour, plate, class, seats, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (driver_id) DO UPDATE SET \
     make = excluded.make, model = excluded.model, colour = excluded.colour, \
     plate = excluded.plate, class = excluded.class, seats = excluded.seats, \
     updated_at = excluded.updated_at";
pub(crate) const VEHICLE_GET: &str =
    "SELECT make, model, colour, plate, class, seats FROM vehicles WHERE driver_id = $1";
/// SQLite: one row at a time (in one transaction); Postgres inserts the
/// whole request's quotes from arrays (`postgres::ride::QUOTES_INSERT`).
pub(crate) const QUOTE_INSERT: &str =
    "INSERT INTO quotes (id, rider_id, class, pickup_lat, pickup_lng, pickup_address, \
     dropoff_lat, dropoff_lng, dropoff_address, fare, created_at, expires_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
pub(crate) const QUOTE_BY_ID: &str =
    "SELECT id, rider_id, class, pickup_lat, pickup_lng, pickup_address, \
     dropoff_lat, dropoff_lng, dropoff_address, fare, created_at, expires_at \
     FROM quotes WHERE id = $1";
pub(crate) const QUOTES_PRUNE: &str = "DELETE FROM quotes WHERE expires_at < $1";
/// Inserts nothing when this rater already rated this trip.
pub(crate) const RATING_INSERT: &str =
    "INSERT INTO ratings (trip_id, rater_id, ratee_id, by_role, stars, comment, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (trip_id, rater_id) DO NOTHING";
/// `$1` ratee, `$2` stars.
pub(crate) const RATING_ADD: &str = "UPDATE users SET rating_sum = rating_sum + $2, \
     rating_count = rating_count + 1 WHERE id = $1";
pub(crate) const TRIP_RATINGS: &str =
    "SELECT trip_id, by_role, stars, comment, created_at FROM ratings \
     WHERE trip_id = $1 ORDER BY created_at, rater_id";
pub(crate) const RATING_SUMMARY: &str = "SELECT rating_sum, rating_count FROM users WHERE id = $1";
pub(crate) const PICKUPS_SINCE: &str = "SELECT pickup_lat, pickup_lng FROM trips \
     WHERE requested_at >= $1 ORDER BY requested_at DESC LIMIT $2";
pub(crate) const PHOTO_PUT: &str =
    "INSERT INTO user_photos (user_id, content_type, bytes, updated_at) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (user_id) DO UPDATE SET content_type = excluded.content_type, \
     bytes = excluded.bytes, updated_at = excluded.updated_at";
pub(crate) const PHOTO_GET: &str = "SELECT content_type, bytes FROM user_photos WHERE user_id = $1";

// GPS.

pub(crate) const TRACK: &str = "SELECT lat, lng, at FROM gps_points WHERE trip_id = $1 ORDER BY id";

// Monitor.

pub(crate) const TRIP_COUNTS: &str = "SELECT status, count(*) FROM trips GROUP BY status";
pub(crate) static ACTIVE_TRIPS: LazyLock<String> =
    LazyLock::new(|| format!("{} LIMIT $1", super::dispatch_log::ACTIVE_TRIPS));
pub(crate) static DISPATCH_BY_ID: LazyLock<String> =
    LazyLock::new(|| format!("{} WHERE t.id = $1", super::dispatch_log::DISPATCH_SELECT));
pub(crate) const EVENTS_OF_TRIP: &str =
    "SELECT from_status, to_status, node_id, at FROM trip_events WHERE trip_id = $1 ORDER BY id";
pub(crate) const ROUNDS_OF_TRIP: &str =
    "SELECT round, radius_m, found, node_id, at FROM dispatch_rounds WHERE trip_id = $1 ORDER BY round";
pub(crate) const OFFERS_OF_TRIP: &str =
    "SELECT o.driver_id, u.name, o.round, o.distance_m, o.offered_at, o.outcome, o.ended_at \
     FROM trip_offers o JOIN users u ON u.id = o.driver_id WHERE o.trip_id = $1";

/// Dispatches newest first, of one outcome or all; `$1` is the limit.
pub(crate) fn dispatches(outcome: Option<hail_protocol::monitor::DispatchOutcome>) -> String {
    use super::dispatch_log::{outcome_clause, DISPATCH_SELECT};
    match outcome {
        Some(o) => format!(
            "{DISPATCH_SELECT} WHERE {} ORDER BY t.id DESC LIMIT $1",
            outcome_clause(o)
        ),
        None => format!("{DISPATCH_SELECT} ORDER BY t.id DESC LIMIT $1"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_sqlite_ones() {
        assert_eq!(
            lite("UPDATE t SET a = $2 WHERE id = $1 AND b = $10"),
            "UPDATE t SET a = ?2 WHERE id = ?1 AND b = ?10"
        );
    }

    #[test]
    fn a_trip_page_numbers_its_placeholders_in_order() {
        let filter = TripFilter {
            participant: Some(hail_protocol::UserId::new()),
            status: Some(hail_protocol::TripStatus::Completed),
            before: None,
            limit: 20,
        };
        let (sql, args) = list_trips(&filter);
        assert!(sql.ends_with("WHERE (t.rider_id = $1 OR t.driver_id = $1) AND t.status = $2 ORDER BY t.id DESC LIMIT $3"));
        assert_eq!(args.len(), 3);
    }
}
