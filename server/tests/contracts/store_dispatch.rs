//! The store contract, dispatch half: leases and takeover, and the
//! dispatch log the monitor reads. Run from `store.rs`'s contract on both
//! backends.

use crate::store::{accept, batch, cand, new_trip, offer, user};
use chrono::{Duration, Utc};
use hail_protocol::{Role, Trip, TripId, TripStatus, UserId};
use hail_server::store::*;

/// Whether `node` renewed its lease on `trip` (alone in the call).
async fn renews(store: &dyn Store, trip: TripId, node: &str, until: chrono::DateTime<Utc>) -> bool {
    let renewed = store
        .renew_leases(&[trip], node, until)
        .await
        .expect("renew");
    assert!(renewed.len() <= 1 && renewed.iter().all(|t| *t == trip));
    renewed == [trip]
}

/// A node renews all its leases in one call: the trips it holds that are
/// still `requested`, and none of another node's or of a closed trip.
pub async fn dispatch_leases_renew_together(store: &dyn Store) {
    let mut trips = Vec::new();
    for _ in 0..4 {
        let rider = user(store, Role::Rider).await; // one active trip each
        trips.push(store.create_trip(new_trip(rider)).await.expect("trip").id);
    }
    let now = Utc::now();
    let later = |s: i64| now + Duration::seconds(s);
    // The first two are n1's, the third n2's (a takeover after its lease
    // ran out), the fourth n1's but accepted.
    for t in &trips {
        assert!(renews(store, *t, "n1", later(5)).await);
    }
    assert!(renews(store, trips[2], "n1", now).await, "released");
    let taken = store
        .take_over("n2", later(1), later(9), 100)
        .await
        .expect("sweep");
    assert!(taken.iter().any(|t| t.trip.id == trips[2]));
    let driver = user(store, Role::Driver).await;
    offer(store, trips[3], 1, &[cand(driver, 10.0)], now, later(15)).await;
    store
        .transition(&accept(trips[3], driver))
        .await
        .expect("accept");

    let mut renewed = store
        .renew_leases(&trips, "n1", later(10))
        .await
        .expect("renew");
    renewed.sort();
    let mut want = trips[..2].to_vec();
    want.sort();
    assert_eq!(renewed, want, "n1's requested trips only");
    assert!(store
        .renew_leases(&[], "n1", later(10))
        .await
        .expect("nothing to renew")
        .is_empty());
    // Renewed means held: n2's sweep past the old lease claims none of
    // n1's two, and n2 renews its own.
    let taken = store
        .take_over("n2", later(6), later(12), 100)
        .await
        .expect("sweep");
    assert!(!taken.iter().any(|t| want.contains(&t.trip.id)));
    assert_eq!(
        store
            .renew_leases(&trips, "n2", later(12))
            .await
            .expect("renew"),
        vec![trips[2]]
    );
}

/// A requested trip's dispatch belongs to one node at a time, under a lease.
pub async fn dispatch_lease(store: &dyn Store) {
    let rider = user(store, Role::Rider).await;
    let trip = store.create_trip(new_trip(rider)).await.expect("trip");
    let now = Utc::now();
    let later = |s: i64| now + Duration::seconds(s);
    assert!(renews(store, trip.id, "n1", later(5)).await);
    assert!(
        !renews(store, trip.id, "n2", later(5)).await,
        "only the holder renews"
    );
    let held = |v: &[TakenOver]| v.iter().any(|t| t.trip.id == trip.id);
    assert!(!held(
        &store
            .take_over("n2", now, later(5), 100)
            .await
            .expect("sweep")
    ));
    batch(store, trip.id, 2, 6000.0, &[], now).await;

    // n1 died: once its lease ran out, one sweeper claims the trip.
    let taken = store
        .take_over("n2", later(6), later(11), 100)
        .await
        .expect("sweep");
    let t = taken
        .iter()
        .find(|t| t.trip.id == trip.id)
        .expect("claimed");
    assert_eq!((t.rounds_done, t.trip.status), (2, TripStatus::Requested));
    assert!(!held(
        &store
            .take_over("n3", later(6), later(11), 100)
            .await
            .expect("sweep")
    ));
    assert!(!renews(store, trip.id, "n1", later(11)).await, "n1 lost it");
    assert!(renews(store, trip.id, "n2", later(11)).await);

    // A draining holder releases it at once.
    store
        .release_lease(trip.id, "n2", later(7))
        .await
        .expect("release");
    assert!(held(
        &store
            .take_over("n3", later(8), later(13), 100)
            .await
            .expect("sweep")
    ));

    // A trip that left `requested` is nobody's to dispatch.
    let driver = user(store, Role::Driver).await;
    offer(store, trip.id, 3, &[cand(driver, 10.0)], now, later(15)).await;
    store
        .transition(&accept(trip.id, driver))
        .await
        .expect("accept");
    assert!(!renews(store, trip.id, "n3", later(20)).await);
    assert!(!held(
        &store
            .take_over("n4", later(60), later(65), 100)
            .await
            .expect("sweep")
    ));
}

/// The monitor's views: rounds, offers and status changes of one dispatch.
pub async fn dispatch_log(store: &dyn Store) {
    use hail_protocol::monitor::{DispatchOutcome, TimelineEvent};
    let rider = user(store, Role::Rider).await;
    let (d1, d2) = (
        user(store, Role::Driver).await,
        user(store, Role::Driver).await,
    );
    let trip = store.create_trip(new_trip(rider)).await.expect("trip");
    assert_eq!(trip.seq, 1, "a new trip is version 1");
    // In the past, so the accept (stamped now) comes after all of it.
    let now = Utc::now() - Duration::seconds(1);
    // Round 1 finds nobody; round 2 offers two (and a repeat of its batch
    // neither offers them again nor counts them twice).
    batch(store, trip.id, 1, 3000.0, &[], now).await;
    let at = now + Duration::milliseconds(10);
    let two = [cand(d1, 100.0), cand(d2, 200.0)];
    assert_eq!(
        batch(store, trip.id, 2, 6000.0, &two, at)
            .await
            .offered
            .len(),
        2
    );
    assert!(batch(store, trip.id, 2, 6000.0, &two, at)
        .await
        .offered
        .is_empty());
    let searching = store
        .dispatches(Some(DispatchOutcome::Searching), 100)
        .await
        .expect("dispatches");
    assert!(searching.iter().any(|d| d.trip_id == trip.id));
    store
        .end_offers(
            trip.id,
            Some(&[d2]),
            OfferEnd::Declined,
            at + Duration::milliseconds(5),
        )
        .await
        .expect("decline");
    let accepted = store
        .transition(&accept(trip.id, d1))
        .await
        .expect("accept")
        .expect("applied");
    assert_eq!(accepted.seq, 2, "each status change is one more version");
    let read = store.trip(trip.id).await.expect("read").expect("known");
    assert_eq!(read.trip.seq, 2);

    let all = store.dispatches(None, 100).await.expect("dispatches");
    let d = all.iter().find(|d| d.trip_id == trip.id).expect("listed");
    assert_eq!(d.outcome, DispatchOutcome::Accepted);
    assert_eq!((d.rounds, d.offered, d.declined), (2, 2, 1));
    assert_eq!((d.radius_m, d.node.as_str()), (Some(6000.0), "n1"));
    assert!(d.time_to_accept_ms.is_some());
    for outcome in [
        DispatchOutcome::Searching,
        DispatchOutcome::Expired,
        DispatchOutcome::Cancelled,
    ] {
        let rows = store
            .dispatches(Some(outcome), 100)
            .await
            .expect("filtered");
        assert!(rows
            .iter()
            .all(|r| r.trip_id != trip.id && r.outcome == outcome));
    }
    let newest = store.dispatches(None, 1).await.expect("limit");
    assert_eq!(newest.len(), 1);
    assert_eq!(newest[0].trip_id, trip.id, "newest first");

    let detail = store
        .dispatch_detail(trip.id)
        .await
        .expect("detail")
        .expect("known");
    let rounds: Vec<(u32, u32)> = detail
        .timeline
        .iter()
        .filter_map(|e| match e {
            TimelineEvent::Round { round, found, .. } => Some((*round, *found)),
            _ => None,
        })
        .collect();
    assert_eq!(rounds, [(1, 0), (2, 2)]);
    let ended: Vec<(bool, &str)> = detail
        .timeline
        .iter()
        .filter_map(|e| match e {
            TimelineEvent::OfferEnded {
                driver_id, outcome, ..
            } => Some((*driver_id == d1, outcome.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(ended, [(false, "declined"), (true, "accepted")]);
    assert!(matches!(
        detail.timeline.last(),
        Some(TimelineEvent::Status {
            to: TripStatus::Accepted,
            ..
        })
    ));
    assert!(store
        .dispatch_detail(TripId::new())
        .await
        .expect("q")
        .is_none());
    let counts = store.trip_counts().await.expect("counts");
    assert!(counts.accepted >= 1);
}

/// A new rider's requested trip, offered to `drivers` (round 1, for 15 s).
async fn offered(store: &dyn Store, drivers: &[UserId]) -> Trip {
    let rider = user(store, Role::Rider).await;
    let trip = store.create_trip(new_trip(rider)).await.expect("trip");
    let now = Utc::now();
    let candidates: Vec<Candidate> = (1..)
        .zip(drivers)
        .map(|(i, d)| cand(*d, 10.0 * f64::from(i)))
        .collect();
    offer(
        store,
        trip.id,
        1,
        &candidates,
        now,
        now + Duration::seconds(15),
    )
    .await;
    trip
}

/// A change out of `requested` ends the trip's pending offers with it,
/// only when the trip is then in the new status, each offer once.
pub async fn leave_requested(store: &dyn Store) {
    let (d1, d2) = (
        user(store, Role::Driver).await,
        user(store, Role::Driver).await,
    );
    let leave = |trip: TripId, to: TripStatus| Transition {
        to,
        actor: None,
        assign_driver: None,
        ..accept(trip, d1)
    };
    let ended_as =
        |trip: TripId, d| async move { store.offer_status(trip, d).await.expect("status") };

    // A cancel ends both offers, and returns them to withdraw.
    let trip = offered(store, &[d1, d2]).await;
    let (changed, mut ended) = store
        .leave_requested(&leave(trip.id, TripStatus::Cancelled), OfferEnd::Withdrawn)
        .await
        .expect("leave");
    assert_eq!(changed.map(|t| t.status), Some(TripStatus::Cancelled));
    ended.sort_by_key(|d| d.0);
    let mut both = vec![d1, d2];
    both.sort_by_key(|d| d.0);
    assert_eq!(ended, both);
    for d in [d1, d2] {
        assert_eq!(
            ended_as(trip.id, d).await,
            Some(OfferStatus::Ended(OfferEnd::Withdrawn))
        );
    }
    // The same change again: lost, and nothing ends twice.
    let again = store
        .leave_requested(&leave(trip.id, TripStatus::Cancelled), OfferEnd::Withdrawn)
        .await
        .expect("leave");
    assert_eq!((again.0.is_none(), again.1.len()), (true, 0));

    // Accepted first: a cancel out of `requested` loses, and the other
    // driver's offer is not the cancel's to end (the accept withdraws it).
    let trip = offered(store, &[d1, d2]).await;
    store
        .transition(&accept(trip.id, d1))
        .await
        .expect("accept")
        .expect("accepted");
    let lost = store
        .leave_requested(&leave(trip.id, TripStatus::Cancelled), OfferEnd::Withdrawn)
        .await
        .expect("leave");
    assert_eq!((lost.0.is_none(), lost.1.len()), (true, 0));
    assert_eq!(ended_as(trip.id, d2).await, Some(OfferStatus::Pending));

    // An expiry ends them as expired.
    let trip = offered(store, &[d2]).await;
    let (changed, ended) = store
        .leave_requested(&leave(trip.id, TripStatus::Expired), OfferEnd::Expired)
        .await
        .expect("leave");
    assert_eq!(changed.map(|t| t.status), Some(TripStatus::Expired));
    assert_eq!(ended, vec![d2]);
    assert_eq!(
        ended_as(trip.id, d2).await,
        Some(OfferStatus::Ended(OfferEnd::Expired))
    );
}

/// A database of its own with a rider's requested trip and a driver, and a
/// second connection to hold locks with.
async fn race_setup(name: &str) -> (crate::TestDb, UserId, UserId, Trip, tokio_postgres::Client) {
    let db = crate::TestDb::create(name).await;
    let store = &db.store;
    let rider = user(store, Role::Rider).await;
    let driver = user(store, Role::Driver).await;
    let trip = store.create_trip(new_trip(rider)).await.expect("trip");
    let url = format!("postgres://postgres@127.0.0.1:5432/{}", db.name);
    let (raw, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .expect("Postgres");
    tokio::spawn(conn);
    (db, rider, driver, trip, raw)
}

/// The end that rides with a cancel runs after the cancel commits: an
/// offer a batch in flight commits while the cancel waits for the trip's
/// row is ended too (one statement doing both would miss it).
#[tokio::test]
async fn postgres_leave_requested_ends_offers_committed_while_it_waited() {
    let (db, rider, driver, trip, mut raw) = race_setup("hail_leave_race").await;
    let store = &db.store;
    // A batch in flight: the trip read FOR SHARE, its offer not committed.
    let tx = raw.transaction().await.expect("begin");
    tx.execute("SELECT 1 FROM trips WHERE id = $1 FOR SHARE", &[&trip.id.0])
        .await
        .expect("share");
    tx.execute(
        "INSERT INTO trip_offers (trip_id, driver_id, round, distance_m, offered_at, expires_at) \
         VALUES ($1, $2, 1, 100, now(), now() + interval '15 seconds')",
        &[&trip.id.0, &driver.0],
    )
    .await
    .expect("offer");
    let cancel = Transition {
        to: TripStatus::Cancelled,
        actor: Some(rider),
        assign_driver: None,
        ..accept(trip.id, driver)
    };
    let leave = store.leave_requested(&cancel, OfferEnd::Withdrawn);
    let commit = async {
        // Let the cancel reach Postgres and wait for the row.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        tx.commit().await.expect("commit");
    };
    let (left, ()) = tokio::join!(leave, commit);
    let (changed, ended) = left.expect("leave");
    assert_eq!(changed.map(|t| t.status), Some(TripStatus::Cancelled));
    assert_eq!(
        ended,
        vec![driver],
        "the offer committed meanwhile ended too"
    );
    assert_eq!(
        store.offer_status(trip.id, driver).await.expect("status"),
        Some(OfferStatus::Ended(OfferEnd::Withdrawn))
    );
    db.drop_now().await;
}

/// Postgres runs a round's offers and a status change concurrently: offers
/// for a trip whose change is in flight wait for it and then see it, so no
/// offer is left pending on a trip that left `requested` (the change's own
/// end-offers statement would not see offers committed after it).
#[tokio::test]
async fn postgres_offers_wait_for_a_status_change_in_flight() {
    let (db, _rider, driver, trip, mut raw) = race_setup("hail_offer_race").await;
    let store = &db.store;
    // A cancel, not yet committed, holds the trip's row.
    let tx = raw.transaction().await.expect("begin");
    tx.execute(
        "UPDATE trips SET status = 'cancelled', seq = seq + 1 WHERE id = $1",
        &[&trip.id.0],
    )
    .await
    .expect("cancel");
    let now = Utc::now();
    let candidates = [cand(driver, 100.0)];
    let offers = OfferBatch {
        trip_id: trip.id,
        round: 1,
        radius_m: 3000.0,
        node_id: "n1",
        offered_at: now,
        expires_at: now + Duration::seconds(15),
        candidates: &candidates,
        limit: 1,
    };
    let batch = store.offer_batch(&offers);
    let commit = async {
        // Let the batch reach Postgres while the cancel is in flight.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        tx.commit().await.expect("commit");
    };
    let (made, ()) = tokio::join!(batch, commit);
    let made = made.expect("batch");
    assert!(made.offered.is_empty(), "no offer for a cancelled trip");
    assert_eq!(
        store.offer_status(trip.id, driver).await.expect("status"),
        None
    );
    db.drop_now().await;
}

/// A node opens its whole pool at start (preparing the trip path's
/// statements on each connection), so its first trips do not connect.
#[tokio::test]
async fn postgres_pool_warms_every_connection_at_start() {
    let db = crate::TestDb::create("hail_warm").await;
    assert_eq!(
        db.store.warm(9).await.expect("warm"),
        4,
        "at most the pool's size"
    );
    let url = format!("postgres://postgres@127.0.0.1:5432/{}", db.name);
    let (raw, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .expect("Postgres");
    tokio::spawn(conn);
    let open: i64 = raw
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'hail'",
            &[&db.name],
        )
        .await
        .expect("activity")
        .get(0);
    assert_eq!(open, 4, "every connection open");
    drop(raw);
    db.drop_now().await;
}
