//! The whole trip loop on one node: request, offer, accept, GPS to the
//! rider, arrive, start, complete; history and track; reconnects.

use crate::helpers::*;
use hail_protocol::http::{TrackResponse, TripResponse, TripsResponse};
use hail_protocol::{ClientMessage, ErrorCode, Role, ServerMessage, TripStatus, WithdrawReason};

on_both_backends! {
    async fn full_lifecycle_with_updates_gps_history_and_track(backend) {
    let app = spawn_app(backend).await;
    let (driver, mut dws) = driver_online(&app, near(500.0)).await;
    let (rider, mut rws) = app.connect(Role::Rider).await;
    assert_eq!(rws.hello_trip(), None);

    let trip = rws
        .ok(request_at_centre())
        .await
        .expect("ok carries the trip");
    assert_eq!(trip.status, TripStatus::Requested);
    assert_eq!(trip.rider.id, rider.user.id);
    assert!(trip.driver.is_none());

    let ServerMessage::TripOffer {
        trip: offered,
        distance_m,
        expires_at,
        ..
    } = dws.offer_for(trip.id).await
    else {
        unreachable!()
    };
    assert_eq!(offered.id, trip.id);
    assert!((distance_m - 500.0).abs() < 20.0, "distance {distance_m}");
    assert!(expires_at > chrono::Utc::now());

    let accepted = dws
        .ok(ClientMessage::TripAccept { trip_id: trip.id })
        .await
        .expect("trip");
    assert_eq!(accepted.status, TripStatus::Accepted);
    assert_eq!(accepted.driver.as_ref().map(|d| d.id), Some(driver.user.id));
    let seen = rws.update_to(trip.id, TripStatus::Accepted).await;
    assert_eq!(
        seen.driver.as_ref().map(|d| d.name.clone()),
        Some(driver.user.name.clone())
    );
    // The trip's version: 1 when requested, one more per status change.
    assert_eq!((trip.seq, accepted.seq, seen.seq), (1, 2, 2));
    let mut seq = seen.seq;
    dws.update_to(trip.id, TripStatus::Accepted).await;

    // Every point the driver sends during the trip reaches the rider and
    // lands in the track, in order.
    let mut sent = Vec::new();
    let send_points = |n: usize, from: f64| {
        (0..n)
            .map(move |i| near(from - i as f64 * 20.0))
            .collect::<Vec<_>>()
    };
    for (step, cmd, status) in [
        (
            0,
            ClientMessage::TripArrive { trip_id: trip.id },
            TripStatus::Arrived,
        ),
        (
            1,
            ClientMessage::TripStart { trip_id: trip.id },
            TripStatus::InProgress,
        ),
        (
            2,
            ClientMessage::TripComplete { trip_id: trip.id },
            TripStatus::Completed,
        ),
    ] {
        for pos in send_points(5, 400.0 - step as f64 * 100.0) {
            dws.send(location(pos)).await;
            sent.push(pos);
        }
        let updated = dws.ok(cmd).await.expect("trip");
        assert_eq!(updated.status, status);
        seq += 1;
        assert_eq!(updated.seq, seq);
        assert_eq!(rws.update_to(trip.id, status).await.seq, seq);
        dws.update_to(trip.id, status).await;
    }
    for pos in &sent {
        let got = rws
            .recv_until(|m| matches!(m, ServerMessage::DriverLocation { .. }))
            .await;
        let ServerMessage::DriverLocation {
            trip_id, lat, lng, ..
        } = got
        else {
            unreachable!()
        };
        assert_eq!(trip_id, trip.id);
        assert_eq!((lat, lng), *pos, "driver.location arrives in order");
    }

    let track: TrackResponse = app
        .get(&format!("/api/trips/{}/track", trip.id), rider.token())
        .await
        .json()
        .await
        .expect("track");
    let points: Vec<(f64, f64)> = track.points.iter().map(|p| (p.lat, p.lng)).collect();
    assert_eq!(
        points, sent,
        "every GPS point sent during the trip is in the track"
    );

    let detail: TripResponse = app
        .get(&format!("/api/trips/{}", trip.id), driver.token())
        .await
        .json()
        .await
        .expect("detail");
    assert_eq!(detail.trip.status, TripStatus::Completed);
    for t in ["accepted_at", "arrived_at", "started_at", "completed_at"] {
        assert!(
            serde_json::to_value(&detail.trip)
                .expect("json")
                .get(t)
                .is_some(),
            "{t} set"
        );
    }
    for who in [&rider, &driver] {
        let list: TripsResponse = app
            .get("/api/trips", who.token())
            .await
            .json()
            .await
            .expect("list");
        assert_eq!(list.trips.len(), 1);
        assert_eq!(list.trips[0].id, trip.id);
    }
    // Strangers see nothing: 404, not 403.
    let stranger = app.user(Role::Rider).await;
    for path in [
        format!("/api/trips/{}", trip.id),
        format!("/api/trips/{}/track", trip.id),
    ] {
        let res = app.get(&path, stranger.token()).await;
        assert_eq!(res.status(), 404, "{path}");
    }
    let list: TripsResponse = app
        .get("/api/trips", stranger.token())
        .await
        .json()
        .await
        .expect("list");
    assert!(list.trips.is_empty());
    assert_eq!(
        app.get("/api/trips/not-an-id", rider.token())
            .await
            .status(),
        404
    );

    // The driver is on duty again after the trip: the next request reaches it.
    dws.ok(location(near(300.0))).await;
    let rider2 = app.user(Role::Rider).await;
    let mut rws2 = Ws::connect(&app, rider2.token()).await;
    let next = rws2.ok(request_at_centre()).await.expect("trip");
    dws.offer_for(next.id).await;
}
}

on_both_backends! {
    async fn trip_list_pages_and_filters(backend) {
    let app = spawn_app(backend).await;
    let (rider, mut rws) = app.connect(Role::Rider).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let trip = rws.ok(request_at_centre()).await.expect("trip");
        rws.ok(ClientMessage::cancel(trip.id, Some("testing".into())))
        .await;
        ids.push(trip.id);
    }
    ids.reverse();
    let page: TripsResponse = app
        .get("/api/trips?limit=2", rider.token())
        .await
        .json()
        .await
        .expect("page");
    assert_eq!(
        page.trips.iter().map(|t| t.id).collect::<Vec<_>>(),
        ids[..2]
    );
    let cursor = page.next_before.expect("a next page");
    let page2: TripsResponse = app
        .get(
            &format!("/api/trips?limit=2&before={cursor}"),
            rider.token(),
        )
        .await
        .json()
        .await
        .expect("page");
    assert_eq!(
        page2.trips.iter().map(|t| t.id).collect::<Vec<_>>(),
        ids[2..]
    );
    assert!(page2.next_before.is_none());
    let cancelled: TripsResponse = app
        .get("/api/trips?status=cancelled", rider.token())
        .await
        .json()
        .await
        .expect("filtered");
    assert_eq!(cancelled.trips.len(), 3);
    assert_eq!(
        cancelled.trips[0].cancelled_by,
        Some(hail_protocol::CancelledBy::Rider)
    );
    let completed: TripsResponse = app
        .get("/api/trips?status=completed", rider.token())
        .await
        .json()
        .await
        .expect("filtered");
    assert!(completed.trips.is_empty());
    for bad in [
        "status=flying",
        "limit=0",
        "limit=101",
        "limit=x",
        "before=zzz",
    ] {
        let res = app.get(&format!("/api/trips?{bad}"), rider.token()).await;
        assert_eq!(res.status(), 400, "{bad}");
    }
}
}

on_both_backends! {
    async fn one_active_trip_per_rider(backend) {
    let app = spawn_app(backend).await;
    let (_rider, mut rws) = app.connect(Role::Rider).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    assert_eq!(rws.err(request_at_centre()).await, ErrorCode::Conflict);
    rws.ok(ClientMessage::cancel(trip.id, None))
    .await;
    rws.ok(request_at_centre())
        .await
        .expect("a new trip after the first ended");
}
}

on_both_backends! {
    async fn reconnect_restores_the_active_trip_in_hello(backend) {
    let app = spawn_app(backend).await;
    let (driver, mut dws) = driver_online(&app, near(200.0)).await;
    let (rider, mut rws) = app.connect(Role::Rider).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    drop(rws);
    let rws = Ws::connect(&app, rider.token()).await;
    assert_eq!(
        rws.hello_trip().map(|t| (t.id, t.status)),
        Some((trip.id, TripStatus::Requested))
    );

    dws.offer_for(trip.id).await;
    dws.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;
    drop(dws);
    drop(rws);
    let mut dws = Ws::connect(&app, driver.token()).await;
    assert_eq!(
        dws.hello_trip().map(|t| (t.id, t.status)),
        Some((trip.id, TripStatus::Accepted))
    );
    let mut rws = Ws::connect(&app, rider.token()).await;
    assert_eq!(
        rws.hello_trip().map(|t| t.status),
        Some(TripStatus::Accepted)
    );

    // The reconnected driver still streams GPS to the rider.
    dws.ok(location(near(100.0))).await;
    let got = rws
        .recv_until(|m| matches!(m, ServerMessage::DriverLocation { .. }))
        .await;
    assert!(matches!(got, ServerMessage::DriverLocation { trip_id, .. } if trip_id == trip.id));
}
}

on_both_backends! {
    async fn cancel_withdraws_live_offers_and_notifies_the_driver(backend) {
    let app = spawn_app(backend).await;
    let (_d1, mut d1) = driver_online(&app, near(100.0)).await;
    let (_d2, mut d2) = driver_online(&app, near(200.0)).await;
    let (_rider, mut rws) = app.connect(Role::Rider).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    d1.offer_for(trip.id).await;
    d2.offer_for(trip.id).await;
    let cancelled = rws
        .ok(ClientMessage::cancel(trip.id, Some("changed my mind".into())))
        .await
        .expect("trip");
    assert_eq!(cancelled.status, TripStatus::Cancelled);
    assert_eq!(d1.withdrawn(trip.id).await, WithdrawReason::Cancelled);
    assert_eq!(d2.withdrawn(trip.id).await, WithdrawReason::Cancelled);
    assert_eq!(
        d1.err(ClientMessage::TripAccept { trip_id: trip.id }).await,
        ErrorCode::Conflict
    );

    // A driver cancels an accepted trip: the rider hears of it.
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    d1.offer_for(trip.id).await;
    d1.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;
    let by_driver = d1
        .ok(ClientMessage::cancel(trip.id, None))
        .await
        .expect("trip");
    assert_eq!(
        by_driver.cancelled_by,
        Some(hail_protocol::CancelledBy::Driver)
    );
    rws.update_to(trip.id, TripStatus::Cancelled).await;
    assert_eq!(d2.withdrawn(trip.id).await, WithdrawReason::Taken);
}
}
