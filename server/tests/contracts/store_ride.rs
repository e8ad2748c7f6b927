//! The store contract, ride half: vehicles, quotes, ratings, the trip's
//! ride columns, class-aware offers, surge demand and photos. On both
//! backends.

use crate::store::{accept, cand, new_trip, offer, place, user};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use hail_protocol::{
    CancelReason, CancelledBy, FareBreakdown, Money, RatingSummary, Role, TripId, TripStatus,
    UserId, Vehicle,
};
use hail_server::store::sqlite::SqliteStore;
use hail_server::store::*;

/// Now, as the stores keep it (microseconds).
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn vehicle(class: &str, plate: &str) -> Vehicle {
    Vehicle {
        make: "Skoda".into(),
        model: "Octavia".into(),
        colour: "grey".into(),
        plate: plate.into(),
        class: class.into(),
        seats: 4,
    }
}

fn fare(total: i64) -> FareBreakdown {
    FareBreakdown {
        currency: "EUR".into(),
        base: 250,
        distance: total - 250,
        time: 0,
        surge: 0,
        minimum_adjustment: 0,
        booking_fee: 0,
        total,
        distance_m: 4200,
        duration_s: 600,
        surge_bp: 10_000,
    }
}

fn step(trip: TripId, from: TripStatus, to: TripStatus) -> Transition {
    Transition {
        from,
        to,
        actor: None,
        assign_driver: None,
        ..accept(trip, UserId::new())
    }
}

async fn vehicles(store: &dyn Store) {
    let d = user(store, Role::Driver).await;
    let other = user(store, Role::Driver).await;
    assert_eq!(store.vehicle(d).await.expect("get"), None);
    store
        .put_vehicle(d, &vehicle("standard", "B-1"), now())
        .await
        .expect("put");
    assert_eq!(
        store.vehicle(d).await.expect("get"),
        Some(vehicle("standard", "B-1"))
    );
    store
        .put_vehicle(d, &vehicle("xl", "B-2"), now())
        .await
        .expect("replace");
    assert_eq!(
        store.vehicle(d).await.expect("get"),
        Some(vehicle("xl", "B-2"))
    );
    let classes = store.vehicle_classes(&[d, other]).await.expect("classes");
    assert_eq!(classes.len(), 1, "a driver without a vehicle is absent");
    assert_eq!(classes.get(&d).map(String::as_str), Some("xl"));
    assert!(store.vehicle_classes(&[]).await.expect("none").is_empty());
}

/// Runs first on a fresh store: the prune counts only this quote.
async fn quotes(store: &dyn Store) {
    let rider = user(store, Role::Rider).await;
    let at = now();
    let quote = QuoteRecord {
        id: uuid::Uuid::now_v7(),
        rider_id: rider,
        class: "xl".into(),
        pickup: place(52.5),
        dropoff: place(52.6),
        fare: fare(1234),
        created_at: at,
        expires_at: at + Duration::seconds(60),
    };
    store
        .insert_quotes(std::slice::from_ref(&quote))
        .await
        .expect("insert");
    assert_eq!(
        store.quote(quote.id).await.expect("get"),
        Some(quote.clone())
    );
    assert_eq!(store.quote(uuid::Uuid::now_v7()).await.expect("get"), None);
    assert_eq!(store.prune_quotes(at).await.expect("prune"), 0);
    assert_eq!(
        store
            .prune_quotes(at + Duration::seconds(61))
            .await
            .expect("prune"),
        1
    );
    assert_eq!(store.quote(quote.id).await.expect("get"), None);
}

/// A quote request's quotes go in together: every one readable after,
/// or, when one of them cannot be stored, none of them.
async fn quotes_together(store: &dyn Store) {
    let rider = user(store, Role::Rider).await;
    let at = now();
    let no_address = hail_protocol::Place::new(place(52.7).position(), None).expect("a place");
    let quotes: Vec<QuoteRecord> = [("standard", 900), ("xl", 1400), ("comfort", 1100)]
        .into_iter()
        .map(|(class, total)| QuoteRecord {
            id: uuid::Uuid::now_v7(),
            rider_id: rider,
            class: class.into(),
            pickup: place(52.5),
            dropoff: no_address.clone(),
            fare: fare(total),
            created_at: at,
            expires_at: at + Duration::seconds(60),
        })
        .collect();
    store.insert_quotes(&quotes).await.expect("insert");
    for q in &quotes {
        assert_eq!(store.quote(q.id).await.expect("get"), Some(q.clone()));
    }
    // A batch whose last quote repeats a stored id stores nothing.
    let fresh = QuoteRecord {
        id: uuid::Uuid::now_v7(),
        ..quotes[0].clone()
    };
    let repeated = quotes[1].clone();
    assert!(store
        .insert_quotes(&[fresh.clone(), repeated])
        .await
        .is_err());
    assert_eq!(store.quote(fresh.id).await.expect("get"), None);
    store.insert_quotes(&[]).await.expect("nothing to insert");
}

async fn ratings(store: &dyn Store) {
    let rider = user(store, Role::Rider).await;
    let driver = user(store, Role::Driver).await;
    let trip = store.create_trip(new_trip(rider)).await.expect("trip");
    offer(store, trip.id, 1, &[cand(driver, 100.0)], now(), now()).await;
    store
        .transition(&accept(trip.id, driver))
        .await
        .expect("accept")
        .expect("accepted");
    assert_eq!(store.rating_summary(driver).await.expect("sum"), None);
    assert_eq!(
        store.rating_summary(UserId::new()).await.expect("sum"),
        None
    );

    let at = now();
    let by_rider = NewRating {
        trip_id: trip.id,
        rater_id: rider,
        ratee_id: driver,
        by: Role::Rider,
        stars: 4,
        comment: Some("smooth".into()),
        at,
    };
    let first = store.insert_rating(&by_rider).await.expect("rate");
    assert_eq!((first.by, first.stars, first.at), (Role::Rider, 4, at));
    let again = store
        .insert_rating(&NewRating {
            stars: 1,
            ..by_rider.clone()
        })
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict("already rated"))),
        "{again:?}"
    );
    let by_driver = store
        .insert_rating(&NewRating {
            trip_id: trip.id,
            rater_id: driver,
            ratee_id: rider,
            by: Role::Driver,
            stars: 5,
            comment: None,
            at: at + Duration::seconds(1),
        })
        .await
        .expect("rate");
    assert_eq!(
        store.trip_ratings(trip.id).await.expect("ratings"),
        vec![first, by_driver],
        "the second insert changed nothing; oldest first"
    );
    let summary = |average, count| Some(RatingSummary { average, count });
    assert_eq!(
        store.rating_summary(driver).await.expect("sum"),
        summary(4.0, 1)
    );

    // Two more for the driver from other trips: (4 + 5 + 4) / 3 = 4.3.
    for stars in [5, 4] {
        let other = user(store, Role::Rider).await;
        let t = store.create_trip(new_trip(other)).await.expect("trip");
        store
            .insert_rating(&NewRating {
                trip_id: t.id,
                rater_id: other,
                stars,
                ..by_rider.clone()
            })
            .await
            .expect("rate");
    }
    assert_eq!(
        store.rating_summary(driver).await.expect("sum"),
        summary(4.3, 3)
    );
    let read = store
        .trip(trip.id)
        .await
        .expect("read")
        .expect("known")
        .trip;
    assert_eq!(read.rider.rating, summary(5.0, 1));
    assert_eq!(read.driver.expect("driver").rating, summary(4.3, 3));
}

async fn trip_columns(store: &dyn Store) {
    let plain = store
        .create_trip(new_trip(user(store, Role::Rider).await))
        .await
        .expect("trip");
    assert_eq!(plain.class.as_deref(), Some("standard"));
    assert_eq!((plain.quote_id, plain.estimate), (None, None));
    assert_eq!(plain.rider.rating, None);

    let rider = user(store, Role::Rider).await;
    let driver = user(store, Role::Driver).await;
    store
        .put_vehicle(driver, &vehicle("xl", "B-9"), now())
        .await
        .expect("vehicle");
    let quote = uuid::Uuid::now_v7();
    let trip = store
        .create_trip(NewTrip {
            class: "xl".into(),
            quote_id: Some(quote),
            estimate: Some(fare(1500)),
            ..new_trip(rider)
        })
        .await
        .expect("trip");
    assert_eq!(trip.class.as_deref(), Some("xl"));
    assert_eq!(trip.quote_id, Some(quote.to_string()));
    assert_eq!(trip.estimate, Some(fare(1500)));
    offer(store, trip.id, 1, &[cand(driver, 100.0)], now(), now()).await;
    let accepted = store
        .transition(&Transition {
            vehicle: Some(vehicle("xl", "B-9")),
            ..accept(trip.id, driver)
        })
        .await
        .expect("accept")
        .expect("accepted");
    let on_trip = |t: &hail_protocol::Trip| t.driver.as_ref().and_then(|d| d.vehicle.clone());
    assert_eq!(on_trip(&accepted), Some(vehicle("xl", "B-9")));
    store
        .transition(&Transition {
            cancelled_by: Some(CancelledBy::Rider),
            reason: Some("the driver went the wrong way".into()),
            cancel_reason: Some(CancelReason::WrongPickup),
            cancel_fee: Some(Money {
                amount: 500,
                currency: "EUR".into(),
            }),
            ..step(trip.id, TripStatus::Accepted, TripStatus::Cancelled)
        })
        .await
        .expect("cancel")
        .expect("cancelled");
    let read = store
        .trip(trip.id)
        .await
        .expect("read")
        .expect("known")
        .trip;
    assert_eq!(read.cancel_reason, Some(CancelReason::WrongPickup));
    assert_eq!(read.cancel_fee.as_ref().map(|m| m.amount), Some(500));
    assert_eq!(on_trip(&read), Some(vehicle("xl", "B-9")), "left alone");
    assert_eq!((read.estimate, read.fare), (Some(fare(1500)), None));

    // A completed trip gets its fare; a free-text reason alone is no code.
    let rider = user(store, Role::Rider).await;
    let trip = store.create_trip(new_trip(rider)).await.expect("trip");
    let driver = user(store, Role::Driver).await;
    offer(store, trip.id, 1, &[cand(driver, 100.0)], now(), now()).await;
    store
        .transition(&accept(trip.id, driver))
        .await
        .expect("accept");
    for (from, to) in [
        (TripStatus::Accepted, TripStatus::Arrived),
        (TripStatus::Arrived, TripStatus::InProgress),
    ] {
        store
            .transition(&step(trip.id, from, to))
            .await
            .expect("step");
    }
    let done = store
        .transition(&Transition {
            fare: Some(fare(2100)),
            ..step(trip.id, TripStatus::InProgress, TripStatus::Completed)
        })
        .await
        .expect("complete")
        .expect("completed");
    assert_eq!(done.fare, Some(fare(2100)));
    let other = store
        .create_trip(new_trip(user(store, Role::Rider).await))
        .await
        .expect("trip");
    let cancelled = store
        .transition(&Transition {
            cancelled_by: Some(CancelledBy::Rider),
            reason: Some("changed my mind".into()),
            ..step(other.id, TripStatus::Requested, TripStatus::Cancelled)
        })
        .await
        .expect("cancel")
        .expect("cancelled");
    assert_eq!(
        (cancelled.cancel_reason, cancelled.cancel_fee),
        (None, None)
    );
}

/// A new `xl` trip of a new rider.
async fn xl_trip(store: &dyn Store) -> hail_protocol::Trip {
    store
        .create_trip(NewTrip {
            class: "xl".into(),
            ..new_trip(user(store, Role::Rider).await)
        })
        .await
        .expect("trip")
}

async fn offers_by_class(store: &dyn Store) {
    let standard = user(store, Role::Driver).await;
    let bare = user(store, Role::Driver).await;
    let xl = user(store, Role::Driver).await;
    store
        .put_vehicle(standard, &vehicle("standard", "S-1"), now())
        .await
        .expect("vehicle");
    store
        .put_vehicle(xl, &vehicle("xl", "X-1"), now())
        .await
        .expect("vehicle");
    let all = [cand(standard, 100.0), cand(bare, 200.0), cand(xl, 300.0)];
    let offered = |v: Vec<Candidate>| v.into_iter().map(|c| c.driver_id).collect::<Vec<_>>();

    let big = xl_trip(store).await;
    let got = offer(store, big.id, 1, &all, now(), now()).await;
    assert_eq!(offered(got), vec![xl]);

    let small = store
        .create_trip(new_trip(user(store, Role::Rider).await))
        .await
        .expect("trip");
    let got = offer(store, small.id, 1, &all, now(), now()).await;
    assert_eq!(offered(got), vec![standard, bare]);
}

/// A round's batches in one call each: offers to the trip's class, names
/// the rest, and keeps the round's record (found grows per batch).
async fn offer_batches(store: &dyn Store) {
    use hail_protocol::monitor::TimelineEvent;
    let standard = user(store, Role::Driver).await;
    let bare = user(store, Role::Driver).await;
    let (xl, xl2, busy) = (
        user(store, Role::Driver).await,
        user(store, Role::Driver).await,
        user(store, Role::Driver).await,
    );
    store
        .put_vehicle(standard, &vehicle("standard", "S-2"), now())
        .await
        .expect("vehicle");
    for (d, plate) in [(xl, "X-2"), (xl2, "X-3"), (busy, "X-4")] {
        store
            .put_vehicle(d, &vehicle("xl", plate), now())
            .await
            .expect("vehicle");
    }
    // `busy` drives another trip: skipped, but not for its class.
    let other = xl_trip(store).await;
    offer(
        store,
        other.id,
        1,
        &[cand(busy, 10.0)],
        now(),
        now() + Duration::seconds(15),
    )
    .await;
    store
        .transition(&accept(other.id, busy))
        .await
        .expect("accept")
        .expect("applied");
    let big = xl_trip(store).await;
    fn batch(trip_id: TripId, round: u32, candidates: &[Candidate]) -> OfferBatch<'_> {
        OfferBatch {
            trip_id,
            round,
            radius_m: 1000.0 * round as f64,
            node_id: "n1",
            offered_at: now(),
            expires_at: now() + Duration::seconds(15),
            candidates,
            limit: candidates.len(),
        }
    }
    let first = [
        cand(xl, 300.0),
        cand(standard, 100.0),
        cand(bare, 200.0),
        cand(busy, 50.0),
    ];
    let got = store
        .offer_batch(&batch(big.id, 1, &first))
        .await
        .expect("batch");
    assert_eq!(got.offered, vec![cand(xl, 300.0)]);
    let mut skipped = got.other_class.clone();
    skipped.sort();
    let mut want = vec![standard, bare];
    want.sort();
    assert_eq!(skipped, want, "the busy driver is not of another class");
    // The round's second search: one more offer in the same round.
    let second = [cand(xl2, 400.0)];
    let got = store
        .offer_batch(&batch(big.id, 1, &second))
        .await
        .expect("batch");
    assert_eq!(
        (got.offered, got.other_class),
        (vec![cand(xl2, 400.0)], vec![])
    );
    // A round that found nobody is still recorded.
    let got = store
        .offer_batch(&batch(big.id, 2, &[]))
        .await
        .expect("batch");
    assert_eq!(got, BatchOffered::default());
    let detail = store
        .dispatch_detail(big.id)
        .await
        .expect("detail")
        .expect("known");
    let rounds: Vec<(u32, f64, u32)> = detail
        .timeline
        .iter()
        .filter_map(|e| match e {
            TimelineEvent::Round {
                round,
                radius_m,
                found,
                ..
            } => Some((*round, *radius_m, *found)),
            _ => None,
        })
        .collect();
    assert_eq!(rounds, vec![(1, 1000.0, 2), (2, 2000.0, 0)]);
    // An offered driver is not offered again; an unknown trip records nothing.
    let got = store
        .offer_batch(&batch(big.id, 3, &first))
        .await
        .expect("batch");
    assert!(got.offered.is_empty());
    let unknown = batch(TripId::new(), 1, &second);
    let got = store.offer_batch(&unknown).await.expect("batch");
    assert!(got.offered.is_empty());
    assert!(store
        .dispatch_detail(unknown.trip_id)
        .await
        .expect("detail")
        .is_none());
    // An over-fetched search: at most `limit` offers, to the nearest that
    // may be offered (not `xl`, offered already, nor `standard`'s class).
    let (xl3, xl4) = (
        user(store, Role::Driver).await,
        user(store, Role::Driver).await,
    );
    for (d, plate) in [(xl3, "X-5"), (xl4, "X-6")] {
        store
            .put_vehicle(d, &vehicle("xl", plate), now())
            .await
            .expect("vehicle");
    }
    let wide = [
        cand(xl, 300.0),
        cand(standard, 100.0),
        cand(xl3, 500.0),
        cand(xl4, 450.0),
    ];
    let got = store
        .offer_batch(&OfferBatch {
            limit: 1,
            ..batch(big.id, 4, &wide)
        })
        .await
        .expect("batch");
    assert_eq!(got.offered, vec![cand(xl4, 450.0)]);
    assert_eq!(got.other_class, vec![standard]);
    assert_eq!(
        store.offer_status(big.id, xl3).await.expect("status"),
        None,
        "past the limit: not offered"
    );
}

async fn pickups(store: &dyn Store) {
    let soon = now() + Duration::hours(1);
    for (lat, at) in [(50.1, soon), (50.2, soon + Duration::seconds(1))] {
        store
            .create_trip(NewTrip {
                pickup: place(lat),
                requested_at: at,
                ..new_trip(user(store, Role::Rider).await)
            })
            .await
            .expect("trip");
    }
    let lats = |v: Vec<hail_protocol::Position>| v.iter().map(|p| p.lat()).collect::<Vec<_>>();
    let got = store.pickups_since(soon, 10).await.expect("pickups");
    assert_eq!(lats(got), vec![50.2, 50.1], "newest first");
    let got = store.pickups_since(soon, 1).await.expect("pickups");
    assert_eq!(lats(got), vec![50.2]);
    let got = store
        .pickups_since(soon + Duration::seconds(2), 10)
        .await
        .expect("pickups");
    assert!(got.is_empty());
}

async fn photos(store: &dyn Store) {
    let u = user(store, Role::Rider).await;
    assert_eq!(store.photo(u).await.expect("get"), None);
    store
        .put_photo(u, "image/png", &[1, 2, 3], now())
        .await
        .expect("put");
    assert_eq!(
        store.photo(u).await.expect("get"),
        Some(("image/png".to_string(), vec![1, 2, 3]))
    );
    store
        .put_photo(u, "image/jpeg", &[9; 2048], now())
        .await
        .expect("replace");
    assert_eq!(
        store.photo(u).await.expect("get"),
        Some(("image/jpeg".to_string(), vec![9; 2048]))
    );
}

async fn contract(store: &dyn Store) {
    quotes(store).await;
    quotes_together(store).await;
    vehicles(store).await;
    ratings(store).await;
    trip_columns(store).await;
    offers_by_class(store).await;
    offer_batches(store).await;
    pickups(store).await;
    photos(store).await;
}

#[tokio::test]
async fn postgres_store_meets_the_ride_contract() {
    let db = crate::TestDb::create("hail_ride").await;
    contract(&db.store).await;
    db.drop_now().await;
}

#[tokio::test]
async fn sqlite_store_meets_the_ride_contract() {
    let dir = tempfile::tempdir().expect("dir");
    let store = SqliteStore::open(dir.path()).expect("open");
    contract(&store).await;
}
