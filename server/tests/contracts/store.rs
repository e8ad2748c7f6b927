use chrono::{DateTime, Duration, Utc};
use hail_protocol::{CancelledBy, Place, Role, TripId, TripStatus, UserId};
use hail_server::store::sqlite::SqliteStore;
use hail_server::store::*;

pub(crate) fn place(lat: f64) -> Place {
    let at = hail_protocol::Position::new(lat, 13.4).expect("a test position");
    Place::new(at, Some("Somewhere 1".into())).expect("a short address")
}

pub(crate) async fn user(store: &dyn Store, role: Role) -> UserId {
    let id = UserId::new();
    store
        .create_user(NewUser {
            id,
            username: crate::unique("u"),
            password_hash: "hash".into(),
            role,
            name: "Name".into(),
        })
        .await
        .expect("user");
    id
}

pub(crate) fn new_trip(rider: UserId) -> NewTrip {
    NewTrip {
        id: TripId::new(),
        rider_id: rider,
        pickup: place(52.5),
        dropoff: place(52.6),
        requested_at: Utc::now(),
        node_id: "n1".into(),
        lease_until: Utc::now() + Duration::seconds(5),
        class: "standard".into(),
        quote_id: None,
        estimate: None,
    }
}

pub(crate) fn accept(trip: TripId, driver: UserId) -> Transition {
    Transition {
        trip_id: trip,
        from: TripStatus::Requested,
        to: TripStatus::Accepted,
        actor: Some(driver),
        assign_driver: Some(driver),
        cancelled_by: None,
        reason: None,
        at: Utc::now(),
        node_id: "n1".into(),
        fare: None,
        vehicle: None,
        cancel_reason: None,
        cancel_fee: None,
    }
}

pub(crate) fn cand(d: UserId, m: f64) -> Candidate {
    Candidate {
        driver_id: d,
        distance_m: m,
    }
}

/// A dispatch search's batch as a dispatcher makes it (node `n1`, at
/// `radius_m`, offers for 15 s, every candidate offerable).
fn batch_of<'a>(
    trip: TripId,
    round: u32,
    radius_m: f64,
    candidates: &'a [Candidate],
    at: DateTime<Utc>,
) -> OfferBatch<'a> {
    OfferBatch {
        trip_id: trip,
        round,
        radius_m,
        node_id: "n1",
        offered_at: at,
        expires_at: at + Duration::seconds(15),
        candidates,
        limit: candidates.len(),
    }
}

/// One such batch recorded.
pub(crate) async fn batch(
    store: &dyn Store,
    trip: TripId,
    round: u32,
    radius_m: f64,
    candidates: &[Candidate],
    at: DateTime<Utc>,
) -> BatchOffered {
    store
        .offer_batch(&batch_of(trip, round, radius_m, candidates, at))
        .await
        .expect("offer batch")
}

/// Offers `candidates` in `round` (one batch at 3 km, until `expires_at`):
/// the drivers offered, nearest first.
pub(crate) async fn offer(
    store: &dyn Store,
    trip: TripId,
    round: u32,
    candidates: &[Candidate],
    at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Vec<Candidate> {
    let b = OfferBatch {
        expires_at,
        ..batch_of(trip, round, 3000.0, candidates, at)
    };
    store.offer_batch(&b).await.expect("offers").offered
}

/// The behaviour every store must have.
async fn contract(store: &dyn Store) {
    store.ping().await.expect("ping");

    // Users.
    let username = crate::unique("ada");
    let ada = store
        .create_user(NewUser {
            id: UserId::new(),
            username: username.clone(),
            password_hash: "h1".into(),
            role: Role::Rider,
            name: "Ada".into(),
        })
        .await
        .expect("create");
    let dup = store
        .create_user(NewUser {
            id: UserId::new(),
            username: username.clone(),
            password_hash: "h2".into(),
            role: Role::Driver,
            name: "X".into(),
        })
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    let (found, hash) = store
        .user_by_username(&username)
        .await
        .expect("q")
        .expect("found");
    assert_eq!((found.clone(), hash.as_str()), (ada.clone(), "h1"));
    assert_eq!(
        store.user_by_id(ada.id).await.expect("q"),
        Some(ada.clone())
    );
    assert_eq!(
        store.user_by_username("nobody-at-all").await.expect("q"),
        None
    );

    // Refresh tokens: once each; a replay revokes the family.
    let family = uuid::Uuid::now_v7();
    let later = Utc::now() + Duration::days(1);
    store
        .insert_refresh_token(b"t1", ada.id, family, later)
        .await
        .expect("insert");
    store
        .insert_refresh_token(b"t2", ada.id, family, later)
        .await
        .expect("insert");
    store
        .insert_refresh_token(
            b"old",
            ada.id,
            uuid::Uuid::now_v7(),
            Utc::now() - Duration::seconds(1),
        )
        .await
        .expect("insert");
    assert_eq!(
        store
            .use_refresh_token(b"t1", Utc::now())
            .await
            .expect("use"),
        Rotation::Rotated {
            user_id: ada.id,
            family
        }
    );
    assert_eq!(
        store
            .use_refresh_token(b"t1", Utc::now())
            .await
            .expect("use"),
        Rotation::Reused
    );
    assert_ne!(
        store
            .use_refresh_token(b"t2", Utc::now())
            .await
            .expect("use"),
        Rotation::Rotated {
            user_id: ada.id,
            family
        },
        "revoked with its family"
    );
    assert_eq!(
        store
            .use_refresh_token(b"old", Utc::now())
            .await
            .expect("use"),
        Rotation::Invalid,
        "expired"
    );
    assert_eq!(
        store
            .use_refresh_token(b"never", Utc::now())
            .await
            .expect("use"),
        Rotation::Invalid
    );

    // Trips: one active per rider.
    let rider = user(store, Role::Rider).await;
    let (a, b, c) = (
        user(store, Role::Driver).await,
        user(store, Role::Driver).await,
        user(store, Role::Driver).await,
    );
    let trip = store.create_trip(new_trip(rider)).await.expect("trip");
    assert_eq!(trip.status, TripStatus::Requested);
    assert_eq!(trip.pickup, place(52.5));
    assert!(matches!(
        store.create_trip(new_trip(rider)).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.active_trip(rider).await.expect("q").map(|t| t.id),
        Some(trip.id)
    );
    let rec = store.trip(trip.id).await.expect("q").expect("found");
    assert_eq!((rec.rider_id, rec.driver_id), (rider, None));
    assert!(store.trip(TripId::new()).await.expect("q").is_none());

    // Offers: recorded once while live; each ends exactly once.
    let now = Utc::now();
    let exp = now + Duration::seconds(15);
    let offered = offer(
        store,
        trip.id,
        1,
        &[cand(b, 200.0), cand(a, 100.0)],
        now,
        exp,
    )
    .await;
    assert_eq!(
        offered.iter().map(|c| c.driver_id).collect::<Vec<_>>(),
        vec![a, b],
        "nearest first"
    );
    assert!(
        offer(store, trip.id, 2, &[cand(a, 100.0)], now, exp)
            .await
            .is_empty(),
        "a live offer is not repeated"
    );
    assert_eq!(
        store.offer_status(trip.id, a).await.expect("q"),
        Some(OfferStatus::Pending)
    );
    assert_eq!(store.offer_status(trip.id, c).await.expect("q"), None);
    assert_eq!(
        store
            .end_offers(trip.id, Some(&[a]), OfferEnd::Declined, now)
            .await
            .expect("end"),
        vec![a]
    );
    assert!(
        store
            .end_offers(trip.id, Some(&[a]), OfferEnd::Expired, now)
            .await
            .expect("end")
            .is_empty(),
        "ends once"
    );
    assert!(
        offer(store, trip.id, 3, &[cand(a, 100.0)], now, exp)
            .await
            .is_empty(),
        "declined is final"
    );
    offer(store, trip.id, 3, &[cand(c, 300.0)], now, exp).await;
    assert_eq!(
        store
            .end_offers(trip.id, Some(&[c]), OfferEnd::Expired, now)
            .await
            .expect("end"),
        vec![c]
    );
    assert_eq!(
        offer(store, trip.id, 4, &[cand(c, 300.0)], now, exp)
            .await
            .len(),
        1,
        "an expired offer may be renewed"
    );

    // First accept wins; the loser's attempt changes nothing.
    assert!(
        store
            .transition(&accept(trip.id, a))
            .await
            .expect("t")
            .is_none(),
        "a declined: no pending offer"
    );
    let accepted = store
        .transition(&accept(trip.id, b))
        .await
        .expect("t")
        .expect("won");
    assert_eq!(accepted.status, TripStatus::Accepted);
    assert_eq!(accepted.driver.as_ref().map(|d| d.id), Some(b));
    assert!(accepted.accepted_at.is_some());
    assert!(
        store
            .transition(&accept(trip.id, c))
            .await
            .expect("t")
            .is_none(),
        "second accept loses"
    );
    assert_eq!(
        store.offer_status(trip.id, b).await.expect("q"),
        Some(OfferStatus::Accepted)
    );
    assert_eq!(
        store
            .end_offers(trip.id, None, OfferEnd::Withdrawn, now)
            .await
            .expect("end"),
        vec![c]
    );
    assert_eq!(
        store.active_trip(b).await.expect("q").map(|t| t.id),
        Some(trip.id)
    );
    assert!(offer(store, TripId::new(), 1, &[cand(c, 1.0)], now, exp)
        .await
        .is_empty());

    // A driver on a trip is never offered another.
    let rider2 = user(store, Role::Rider).await;
    let other = store.create_trip(new_trip(rider2)).await.expect("trip");
    let offered = offer(
        store,
        other.id,
        1,
        &[cand(b, 10.0), cand(c, 20.0)],
        now,
        exp,
    )
    .await;
    assert_eq!(
        offered.iter().map(|c| c.driver_id).collect::<Vec<_>>(),
        vec![c]
    );

    // Transitions are conditional on the current status.
    let mut arrive = accept(trip.id, b);
    arrive.from = TripStatus::Accepted;
    arrive.to = TripStatus::Arrived;
    arrive.assign_driver = None;
    assert_eq!(
        store
            .transition(&arrive)
            .await
            .expect("t")
            .map(|t| t.status),
        Some(TripStatus::Arrived)
    );
    assert!(
        store.transition(&arrive).await.expect("t").is_none(),
        "stale `from`"
    );
    let mut cancel = arrive.clone();
    cancel.from = TripStatus::Arrived;
    cancel.to = TripStatus::Cancelled;
    cancel.cancelled_by = Some(CancelledBy::Driver);
    cancel.reason = Some("flat tyre".into());
    let cancelled = store
        .transition(&cancel)
        .await
        .expect("t")
        .expect("cancelled");
    assert_eq!(
        (cancelled.status, cancelled.cancelled_by),
        (TripStatus::Cancelled, Some(CancelledBy::Driver))
    );
    assert!(store.active_trip(rider).await.expect("q").is_none());

    // GPS: a batch lands whole and reads back in order.
    let points: Vec<GpsPoint> = (0..500)
        .map(|i| GpsPoint {
            trip_id: trip.id,
            driver_id: b,
            lat: 52.0 + i as f64 * 1e-4,
            lng: 13.0,
            heading: Some(90.0),
            speed: None,
            at: Utc::now(),
            received_at: Utc::now(),
        })
        .collect();
    store.insert_points(&points[..250]).await.expect("batch");
    store.insert_points(&points[250..]).await.expect("batch");
    let track = store.track(trip.id).await.expect("track");
    assert_eq!(
        track.iter().map(|p| p.lat).collect::<Vec<_>>(),
        points.iter().map(|p| p.lat).collect::<Vec<_>>()
    );
    assert!(store.track(other.id).await.expect("track").is_empty());

    // Lists: newest first, by participant, status, and cursor.
    let mine = |participant, status, before, limit| TripFilter {
        participant,
        status,
        before,
        limit,
    };
    let rider_trips = store
        .list_trips(&mine(Some(rider), None, None, 10))
        .await
        .expect("list");
    assert_eq!(
        rider_trips.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![trip.id]
    );
    let b_trips = store
        .list_trips(&mine(Some(b), None, None, 10))
        .await
        .expect("list");
    assert_eq!(b_trips.len(), 1, "drivers see trips they drove");
    let all = store
        .list_trips(&mine(None, None, None, 10))
        .await
        .expect("list");
    assert_eq!(
        all.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![other.id, trip.id]
    );
    let page2 = store
        .list_trips(&mine(None, None, Some(other.id), 10))
        .await
        .expect("list");
    assert_eq!(
        page2.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![trip.id]
    );
    let requested = store
        .list_trips(&mine(None, Some(TripStatus::Requested), None, 10))
        .await
        .expect("list");
    assert_eq!(
        requested.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![other.id]
    );
    assert_eq!(
        store
            .list_trips(&mine(None, None, None, 1))
            .await
            .expect("list")
            .len(),
        1
    );

    // Stranded requests: only `requested`, only before the cutoff.
    assert_eq!(
        store
            .stranded_requests(Utc::now() + Duration::seconds(1), 10)
            .await
            .expect("q"),
        vec![other.id]
    );
    assert!(store
        .stranded_requests(Utc::now() - Duration::hours(1), 10)
        .await
        .expect("q")
        .is_empty());

    crate::store_dispatch::dispatch_log(store).await;
    crate::store_dispatch::dispatch_lease(store).await;
    crate::store_dispatch::dispatch_leases_renew_together(store).await;
    crate::store_dispatch::leave_requested(store).await;
}

#[tokio::test]
async fn postgres_store_meets_the_contract() {
    let db = crate::TestDb::create("hail_contract").await;
    db.store.migrate().await.expect("migrations are idempotent");
    contract(&db.store).await;
    db.drop_now().await;
}

#[tokio::test]
async fn sqlite_store_meets_the_contract() {
    let dir = tempfile::tempdir().expect("dir");
    let store = SqliteStore::open(dir.path()).expect("open");
    contract(&store).await;
    drop(store);
    SqliteStore::open(dir.path()).expect("reopening applies no migration twice");
}
