//! Row-to-struct mapping both stores share. Each driver answers the typed
//! reads in [`Columns`] its own way (Postgres: native uuid and timestamptz;
//! SQLite: uuid text and i64 micros), and the mappers here read the
//! columns of [`TRIP_SELECT`](super::TRIP_SELECT), the user columns and
//! [`DISPATCH_SELECT`](super::dispatch_log::DISPATCH_SELECT) once.

use super::dispatch_log::{DispatchColumns, OfferRow};
use super::{QuoteRecord, TripRecord};
use chrono::{DateTime, Utc};
use hail_protocol::http::Rating;
use hail_protocol::http::TrackPoint;
use hail_protocol::monitor::{MapPoint, MapTrip, TimelineEvent};
use hail_protocol::{
    CancelReason, CancelledBy, FareBreakdown, Money, Place, Position, RatingSummary, Role, Trip,
    TripId, TripStatus, TripUser, User, UserId, Vehicle,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A column whose value the domain rejects (an unknown status or role).
#[derive(Debug)]
pub(crate) struct BadValue {
    pub idx: usize,
    pub what: String,
}

impl From<BadValue> for super::StoreError {
    fn from(b: BadValue) -> Self {
        Self::Internal(b.what)
    }
}

/// The reads the shared mappers need, by column index.
pub(crate) trait Columns {
    type Error: From<BadValue>;
    fn id(&self, i: usize) -> Result<uuid::Uuid, Self::Error>;
    fn opt_id(&self, i: usize) -> Result<Option<uuid::Uuid>, Self::Error>;
    fn text(&self, i: usize) -> Result<String, Self::Error>;
    fn opt_text(&self, i: usize) -> Result<Option<String>, Self::Error>;
    fn float(&self, i: usize) -> Result<f64, Self::Error>;
    fn opt_float(&self, i: usize) -> Result<Option<f64>, Self::Error>;
    /// A bigint (counts, `seq`).
    fn int(&self, i: usize) -> Result<i64, Self::Error>;
    /// A bigint or NULL (a left-joined count).
    fn opt_int(&self, i: usize) -> Result<Option<i64>, Self::Error>;
    /// A smallint (seats, stars).
    fn small(&self, i: usize) -> Result<i16, Self::Error>;
    /// A bytea / blob.
    fn bytes(&self, i: usize) -> Result<Vec<u8>, Self::Error>;
    /// A small non-negative int (a round, drivers found).
    fn count(&self, i: usize) -> Result<u32, Self::Error>;
    fn flag(&self, i: usize) -> Result<bool, Self::Error>;
    fn at(&self, i: usize) -> Result<DateTime<Utc>, Self::Error>;
    fn opt_at(&self, i: usize) -> Result<Option<DateTime<Utc>>, Self::Error>;
}

fn status<R: Columns + ?Sized>(r: &R, i: usize) -> Result<TripStatus, R::Error> {
    let s = r.text(i)?;
    TripStatus::parse(&s).ok_or_else(|| {
        BadValue {
            idx: i,
            what: format!("bad status {s}"),
        }
        .into()
    })
}

/// `lat, lng` from column `i` on, checked as on the wire: a stored point
/// out of range is a bad row, not a position.
fn position<R: Columns + ?Sized>(r: &R, i: usize) -> Result<Position, R::Error> {
    Position::new(r.float(i)?, r.float(i + 1)?).map_err(|e| {
        BadValue {
            idx: i,
            what: e.to_string(),
        }
        .into()
    })
}

/// `lat, lng, address` from column `i` on.
fn place<R: Columns + ?Sized>(r: &R, i: usize) -> Result<Place, R::Error> {
    Place::new(position(r, i)?, r.opt_text(i + 2)?).map_err(|e| {
        BadValue {
            idx: i + 2,
            what: e.to_string(),
        }
        .into()
    })
}

/// `id, username, role, name`.
pub(crate) fn user<R: Columns + ?Sized>(r: &R) -> Result<User, R::Error> {
    let role = r.text(2)?;
    Ok(User {
        id: UserId(r.id(0)?),
        username: r.text(1)?,
        role: Role::parse(&role).ok_or_else(|| BadValue {
            idx: 2,
            what: format!("bad role {role}"),
        })?,
        name: r.text(3)?,
    })
}

/// The columns of `TRIP_SELECT`.
pub(crate) fn trip<R: Columns + ?Sized>(r: &R) -> Result<TripRecord, R::Error> {
    let rider_id = UserId(r.id(2)?);
    let driver_id = r.opt_id(4)?.map(UserId);
    let mut rider = TripUser::named(rider_id, r.text(3)?);
    rider.rating = summary(r.int(28)?, r.int(29)?);
    let driver = match driver_id {
        Some(id) => {
            let mut driver = TripUser::named(id, r.opt_text(5)?.unwrap_or_default());
            driver.vehicle = json(r, 25)?;
            driver.rating = summary(r.opt_int(30)?.unwrap_or(0), r.opt_int(31)?.unwrap_or(0));
            Some(driver)
        }
        None => None,
    };
    let trip = Trip {
        id: TripId(r.id(0)?),
        status: status(r, 1)?,
        rider,
        driver,
        pickup: place(r, 6)?,
        dropoff: place(r, 9)?,
        requested_at: r.at(12)?,
        accepted_at: r.opt_at(13)?,
        arrived_at: r.opt_at(14)?,
        started_at: r.opt_at(15)?,
        completed_at: r.opt_at(16)?,
        cancelled_at: r.opt_at(17)?,
        cancelled_by: r.opt_text(18)?.as_deref().and_then(CancelledBy::parse),
        expired_at: r.opt_at(19)?,
        seq: r.int(20)?.max(0) as u64,
        class: Some(r.text(21)?),
        quote_id: r.opt_id(22)?.map(|q| q.to_string()),
        estimate: json(r, 23)?,
        fare: json(r, 24)?,
        // A free-text reason (stored before codes, or with none) is no code.
        cancel_reason: r.opt_text(26)?.as_deref().and_then(CancelReason::parse),
        cancel_fee: json(r, 27)?,
    };
    Ok(TripRecord {
        trip,
        rider_id,
        driver_id,
        dispatch_node: r.opt_text(32)?,
    })
}

/// A JSON text column (NULL: `None`); a value that does not parse is a bad row.
fn json<T: DeserializeOwned, R: Columns + ?Sized>(r: &R, i: usize) -> Result<Option<T>, R::Error> {
    match r.opt_text(i)? {
        None => Ok(None),
        Some(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
            BadValue {
                idx: i,
                what: format!("bad JSON in column {i}: {e}"),
            }
            .into()
        }),
    }
}

/// A value for a JSON text column.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<String, super::StoreError> {
    serde_json::to_string(value).map_err(|e| super::StoreError::Internal(e.to_string()))
}

/// [`to_json`] of an optional value.
pub(crate) fn opt_json<T: Serialize>(
    value: Option<&T>,
) -> Result<Option<String>, super::StoreError> {
    value.map(to_json).transpose()
}

/// A person's received ratings from `rating_sum, rating_count` (none: `None`).
pub(crate) fn summary(sum: i64, count: i64) -> Option<RatingSummary> {
    if count <= 0 {
        return None;
    }
    let average = (sum as f64 / count as f64 * 10.0).round() / 10.0;
    Some(RatingSummary {
        average,
        count: u32::try_from(count).unwrap_or(u32::MAX),
    })
}

/// A smallint that must fit a `u8` (seats, stars).
fn small_u8<R: Columns + ?Sized>(r: &R, i: usize) -> Result<u8, R::Error> {
    let n = r.small(i)?;
    u8::try_from(n).map_err(|_| {
        BadValue {
            idx: i,
            what: format!("bad small number {n}"),
        }
        .into()
    })
}

/// `make, model, colour, plate, class, seats` (`sql::VEHICLE_GET`).
pub(crate) fn vehicle<R: Columns + ?Sized>(r: &R) -> Result<Vehicle, R::Error> {
    Ok(Vehicle {
        make: r.text(0)?,
        model: r.text(1)?,
        colour: r.text(2)?,
        plate: r.text(3)?,
        class: r.text(4)?,
        seats: small_u8(r, 5)?,
    })
}

/// The columns of `sql::QUOTE_BY_ID`.
pub(crate) fn quote<R: Columns + ?Sized>(r: &R) -> Result<QuoteRecord, R::Error> {
    Ok(QuoteRecord {
        id: r.id(0)?,
        rider_id: UserId(r.id(1)?),
        class: r.text(2)?,
        pickup: place(r, 3)?,
        dropoff: place(r, 6)?,
        fare: json(r, 9)?.ok_or_else(|| BadValue {
            idx: 9,
            what: "quote without a fare".into(),
        })?,
        created_at: r.at(10)?,
        expires_at: r.at(11)?,
    })
}

/// `trip_id, by_role, stars, comment, created_at` (`sql::TRIP_RATINGS`).
pub(crate) fn rating<R: Columns + ?Sized>(r: &R) -> Result<Rating, R::Error> {
    let by = r.text(1)?;
    Ok(Rating {
        trip_id: TripId(r.id(0)?),
        by: Role::parse(&by).ok_or_else(|| BadValue {
            idx: 1,
            what: format!("bad role {by}"),
        })?,
        stars: small_u8(r, 2)?,
        comment: r.opt_text(3)?,
        at: r.at(4)?,
    })
}

/// `rating_sum, rating_count` (`sql::RATING_SUMMARY`).
pub(crate) fn rating_summary<R: Columns + ?Sized>(
    r: &R,
) -> Result<Option<RatingSummary>, R::Error> {
    Ok(summary(r.int(0)?, r.int(1)?))
}

/// `lat, lng` (`sql::PICKUPS_SINCE`).
pub(crate) fn pickup<R: Columns + ?Sized>(r: &R) -> Result<Position, R::Error> {
    position(r, 0)
}

/// `content_type, bytes` (`sql::PHOTO_GET`).
pub(crate) fn photo<R: Columns + ?Sized>(r: &R) -> Result<(String, Vec<u8>), R::Error> {
    Ok((r.text(0)?, r.bytes(1)?))
}

/// `driver_id, class` (vehicle classes).
pub(crate) fn driver_class<R: Columns + ?Sized>(r: &R) -> Result<(UserId, String), R::Error> {
    Ok((UserId(r.id(0)?), r.text(1)?))
}

/// The columns of `DISPATCH_SELECT`.
pub(crate) fn dispatch<R: Columns + ?Sized>(
    r: &R,
) -> Result<hail_protocol::monitor::Dispatch, R::Error> {
    Ok(DispatchColumns {
        trip_id: TripId(r.id(0)?),
        status: status(r, 1)?,
        requested_at: r.at(2)?,
        accepted_at: r.opt_at(3)?,
        has_driver: r.flag(4)?,
        node: r.text(5)?,
        rounds: r.int(6)?,
        radius_m: r.opt_float(7)?,
        offered: r.int(8)?,
        declined: r.int(9)?,
        class: r.opt_text(10)?,
        cancelled_by: r.opt_text(11)?.as_deref().and_then(CancelledBy::parse),
        cancel_reason: r.opt_text(12)?.as_deref().and_then(CancelReason::parse),
        charged: match json::<FareBreakdown, R>(r, 13)? {
            Some(fare) => Some(Money {
                amount: fare.total,
                currency: fare.currency,
            }),
            None => json(r, 14)?,
        },
    }
    .into())
}

/// A GPS point of `SELECT lat, lng, at`.
pub(crate) fn track_point<R: Columns + ?Sized>(r: &R) -> Result<TrackPoint, R::Error> {
    Ok(TrackPoint {
        lat: r.float(0)?,
        lng: r.float(1)?,
        at: r.at(2)?,
    })
}

/// The columns of `dispatch_log::ACTIVE_TRIPS`; `None` for a status this
/// build does not know (skipped, as the monitor only draws known ones).
pub(crate) fn map_trip<R: Columns + ?Sized>(r: &R) -> Result<Option<MapTrip>, R::Error> {
    let Some(status) = TripStatus::parse(&r.text(1)?) else {
        return Ok(None);
    };
    let driver = match (r.opt_float(6)?, r.opt_float(7)?, r.opt_at(8)?) {
        (Some(lat), Some(lng), Some(at)) => Some(MapPoint { lat, lng, at }),
        _ => None,
    };
    Ok(Some(MapTrip {
        trip_id: TripId(r.id(0)?),
        status,
        pickup: position(r, 2)?,
        dropoff: position(r, 4)?,
        driver,
    }))
}

/// `from_status, to_status, node_id, at`; `None` for an unknown status.
pub(crate) fn status_event<R: Columns + ?Sized>(r: &R) -> Result<Option<TimelineEvent>, R::Error> {
    let from = r.opt_text(0)?;
    let Some(to) = TripStatus::parse(&r.text(1)?) else {
        return Ok(None);
    };
    Ok(Some(TimelineEvent::Status {
        at: r.at(3)?,
        from: from.as_deref().and_then(TripStatus::parse),
        to,
        node: r.text(2)?,
    }))
}

/// `round, radius_m, found, node_id, at`.
pub(crate) fn round_event<R: Columns + ?Sized>(r: &R) -> Result<TimelineEvent, R::Error> {
    Ok(TimelineEvent::Round {
        round: r.count(0)?,
        radius_m: r.float(1)?,
        found: r.count(2)?,
        node: r.text(3)?,
        at: r.at(4)?,
    })
}

/// `driver_id, name, round, distance_m, offered_at, outcome, ended_at`.
pub(crate) fn offer<R: Columns + ?Sized>(r: &R) -> Result<OfferRow, R::Error> {
    Ok(OfferRow {
        driver_id: UserId(r.id(0)?),
        driver_name: r.text(1)?,
        round: r.count(2)?,
        distance_m: r.float(3)?,
        offered_at: r.at(4)?,
        outcome: r.text(5)?,
        ended_at: r.opt_at(6)?,
    })
}

/// The rating as stored from `new` (what `insert_rating` returns).
pub(crate) fn new_rating(new: &super::NewRating) -> Rating {
    Rating {
        trip_id: new.trip_id,
        by: new.by,
        stars: new.stars,
        comment: new.comment.clone(),
        // Both stores keep microseconds: answer what a read answers later.
        at: chrono::SubsecRound::trunc_subsecs(new.at, 6),
    }
}
