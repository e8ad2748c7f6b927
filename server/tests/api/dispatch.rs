//! Who gets offers: distance, declines, busy drivers, the accept race,
//! offer and trip expiry.

use crate::helpers::*;
use hail_protocol::{ClientMessage, ErrorCode, Role, ServerMessage, TripStatus, WithdrawReason};
use std::time::Duration;

on_both_backends! {
    async fn a_far_driver_gets_no_offer(backend) {
    let app = spawn_app(backend).await;
    let (_near, mut near_ws) = driver_online(&app, near(1_000.0)).await;
    let (_far, mut far_ws) = driver_online(&app, near(50_000.0)).await;
    let (_rider, mut rws) = app.connect(Role::Rider).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    near_ws.offer_for(trip.id).await;
    assert!(
        !far_ws.sees(Duration::from_secs(2), is_offer).await,
        "50 km away: no offer"
    );
}
}

on_both_backends! {
    async fn an_off_duty_or_silent_driver_gets_no_offer(backend) {
    let app = spawn_app(backend).await;
    let (_a, mut off) = app.connect(Role::Driver).await;
    off.ok(location(near(100.0))).await; // position, but never on duty
    let (_b, mut no_pos) = app.connect(Role::Driver).await;
    no_pos
        .ok(ClientMessage::DriverAvailable { available: true })
        .await; // on duty, no position
    let (_c, mut went_off) = driver_online(&app, near(150.0)).await;
    went_off
        .ok(ClientMessage::DriverAvailable { available: false })
        .await;
    let (_rider, mut rws) = app.connect(Role::Rider).await;
    rws.ok(request_at_centre()).await;
    for ws in [&mut off, &mut no_pos, &mut went_off] {
        assert!(!ws.sees(Duration::from_millis(1500), is_offer).await);
    }
}
}

on_both_backends! {
    async fn eight_drivers_race_and_exactly_one_wins(backend) {
    let app = spawn_app(backend).await;
    let mut drivers = Vec::new();
    for i in 0..8 {
        drivers.push(driver_online(&app, near(100.0 + i as f64 * 50.0)).await);
    }
    let (_rider, mut rws) = app.connect(Role::Rider).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    for (_, ws) in drivers.iter_mut() {
        ws.offer_for(trip.id).await;
    }
    // All accept at once.
    let (results, winners) = accept_race(&mut drivers, trip.id).await;
    assert_eq!(winners.len(), 1, "exactly one winner: {results:?}");
    let winner = winners[0];
    for (i, r) in results.iter().enumerate() {
        if i != winner {
            assert!(
                matches!(
                    r,
                    ServerMessage::Error {
                        code: ErrorCode::TripTaken,
                        ..
                    }
                ),
                "loser {i} gets trip_taken: {r:?}"
            );
        }
    }
    let accepted = rws.update_to(trip.id, TripStatus::Accepted).await;
    assert_eq!(
        accepted.driver.map(|d| d.id),
        Some(drivers[winner].0.user.id)
    );
    // Losers never see the trip again, nor an accept.
    for (i, (_, ws)) in drivers.iter_mut().enumerate() {
        if i != winner {
            assert_eq!(
                ws.err(ClientMessage::TripAccept { trip_id: trip.id }).await,
                ErrorCode::TripTaken
            );
        }
    }
}
}

on_both_backends! {
    async fn losers_who_did_not_answer_get_offer_withdrawn(backend) {
    let app = spawn_app(backend).await;
    let (_a, mut a) = driver_online(&app, near(100.0)).await;
    let (_b, mut b) = driver_online(&app, near(200.0)).await;
    let (_r, mut rws) = app.connect(Role::Rider).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    a.offer_for(trip.id).await;
    b.offer_for(trip.id).await;
    a.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;
    assert_eq!(b.withdrawn(trip.id).await, WithdrawReason::Taken);
    assert!(
        !a.sees(Duration::from_millis(500), |m| matches!(
            m,
            ServerMessage::OfferWithdrawn { .. }
        ))
        .await,
        "the winner's offer ended by its accept"
    );
}
}

on_both_backends! {
    async fn a_decline_is_respected(backend) {
    // Short offers so the next rounds come quickly.
    let app = spawn_with(
        backend,
        Settings::default()
            .set("HAIL_OFFER_TTL_SECS", 1)
            .set("HAIL_EMPTY_ROUND_RETRY_SECS", 1),
    )
    .await;
    let (_a, mut a) = driver_online(&app, near(100.0)).await;
    let (_r, mut rws) = app.connect(Role::Rider).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    a.offer_for(trip.id).await;
    assert_eq!(
        a.ok(ClientMessage::TripDecline { trip_id: trip.id }).await,
        None
    );
    assert_eq!(
        a.err(ClientMessage::TripDecline { trip_id: trip.id }).await,
        ErrorCode::Conflict
    );
    assert_eq!(
        a.err(ClientMessage::TripAccept { trip_id: trip.id }).await,
        ErrorCode::Forbidden
    );
    // Rounds go on (radius widens) but never offer it to `a` again; a
    // newcomer gets it.
    let (_b, mut b) = driver_online(&app, near(300.0)).await;
    b.offer_for(trip.id).await;
    assert!(!a.sees(Duration::from_secs(3), is_offer).await);
}
}

on_both_backends! {
    async fn an_expired_offer_is_withdrawn_and_offered_again_next_round(backend) {
    let app = spawn_with(backend, Settings::default().set("HAIL_OFFER_TTL_SECS", 1)).await;
    let (_a, mut a) = driver_online(&app, near(100.0)).await;
    let (_r, mut rws) = app.connect(Role::Rider).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    a.offer_for(trip.id).await;
    assert_eq!(a.withdrawn(trip.id).await, WithdrawReason::Expired);
    // The next round offers it again, and that offer can be accepted.
    a.offer_for(trip.id).await;
    a.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;
}
}

on_both_backends! {
    async fn a_driver_on_a_trip_gets_no_offers(backend) {
    let app = spawn_app(backend).await;
    let (_d, mut dws) = driver_online(&app, near(100.0)).await;
    let (_r1, mut r1) = app.connect(Role::Rider).await;
    let first = r1.ok(request_at_centre()).await.expect("trip");
    dws.offer_for(first.id).await;
    dws.ok(ClientMessage::TripAccept { trip_id: first.id })
        .await;
    dws.ok(location(near(90.0))).await; // still streaming GPS while driving
    let (_r2, mut r2) = app.connect(Role::Rider).await;
    let second = r2.ok(request_at_centre()).await.expect("trip");
    assert!(
        !dws.sees(
            Duration::from_secs(2),
            |m| matches!(m, ServerMessage::TripOffer { trip, .. } if trip.id == second.id)
        )
        .await
    );
}
}

on_both_backends! {
    async fn an_unanswered_trip_expires(backend) {
    let app = spawn_with(
        backend,
        Settings::default()
            .set("HAIL_TRIP_TIMEOUT_SECS", 2)
            .set("HAIL_OFFER_TTL_SECS", 10),
    )
    .await;
    let (_d, mut dws) = driver_online(&app, near(100.0)).await;
    let (rider, mut rws) = app.connect(Role::Rider).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    dws.offer_for(trip.id).await;
    let expired = rws.update_to(trip.id, TripStatus::Expired).await;
    assert!(expired.expired_at.is_some());
    assert_eq!(dws.withdrawn(trip.id).await, WithdrawReason::Expired);
    assert_eq!(
        dws.err(ClientMessage::TripAccept { trip_id: trip.id })
            .await,
        ErrorCode::Conflict
    );
    // The rider is free to ask again.
    let again = Ws::connect(&app, rider.token()).await;
    assert_eq!(again.hello_trip(), None);
    rws.ok(request_at_centre()).await.expect("new trip");
}
}

on_both_backends! {
    async fn a_stale_driver_gets_no_offer(backend) {
    let app = spawn_with(backend, Settings::default().set("HAIL_STALE_SECS", 1).set("HAIL_GEO_INDEX_MS", 100)).await;
    let (_d, mut dws) = driver_online(&app, near(100.0)).await;
    // The position has to age past HAIL_STALE_SECS (1 s, the least) on the
    // wall clock: staleness is not observable before an offer fails to come.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (_r, mut rws) = app.connect(Role::Rider).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    assert!(
        !dws.sees(Duration::from_millis(1500), is_offer).await,
        "position older than HAIL_STALE_SECS"
    );
    // Fresh positions (every 300 ms, as a moving car sends them) bring the
    // driver back: a later round offers the trip.
    let mut offered = false;
    for _ in 0..30 {
        dws.ok(location(near(100.0))).await;
        if dws
            .sees(
                Duration::from_millis(300),
                |m| matches!(m, ServerMessage::TripOffer { trip: t, .. } if t.id == trip.id),
            )
            .await
        {
            offered = true;
            break;
        }
    }
    assert!(offered, "a fresh driver is offered the trip");
}
}
