//! Faults, with real processes: a node killed (`kill -9`) while it holds a
//! trip's dispatch or a rider's socket. Nothing the service promised is lost.

use crate::helpers::*;
use hail_protocol::{ClientMessage, Role, ServerMessage, TripStatus};
use std::time::Duration;

/// Leases short enough that a takeover happens within the test's patience.
fn short_leases() -> Settings {
    Settings::default()
        .set("HAIL_DISPATCH_LEASE_MS", 1500)
        .set("HAIL_EMPTY_ROUND_RETRY_SECS", 1)
}

#[tokio::test]
async fn a_dead_nodes_requested_trip_is_offered_and_accepted_through_another() {
    let mut nodes = spawn_cluster(2, short_leases()).await;
    let (rider, mut rws) = nodes[0].connect(Role::Rider).await;
    // No driver anywhere yet: node A's dispatcher keeps searching.
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    nodes[0].kill().await;
    drop(rws);

    // A driver comes online on node B; B takes the trip over and offers it.
    let (driver, mut dws) = driver_online(&nodes[1], near(300.0)).await;
    let offer = dws
        .recv_within(
            Duration::from_secs(15),
            |m| matches!(m, ServerMessage::TripOffer { trip: t, .. } if t.id == trip.id),
        )
        .await;
    assert!(offer.is_some(), "node B resumes the dead node's dispatch");
    dws.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;

    // The rider, back on node B, is whole from `hello`.
    let rws = Ws::connect(&nodes[1], rider.token()).await;
    let now = rws.hello_trip().expect("the active trip");
    assert_eq!((now.id, now.status), (trip.id, TripStatus::Accepted));
    assert_eq!(now.driver.map(|d| d.id), Some(driver.user.id));
    assert_eq!(
        nodes[1].metric("hail_dispatch_takeovers_total").await,
        Some(1.0)
    );
}

#[tokio::test]
async fn a_live_node_keeps_its_dispatch_for_longer_than_a_lease() {
    let nodes = spawn_cluster(2, short_leases()).await;
    let (_rider, mut rws) = nodes[0].connect(Role::Rider).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    // Three leases long with nobody near: node A's keeper renews the trip's
    // lease with its others, so node B's takeover sweep never claims it.
    tokio::time::sleep(Duration::from_millis(4500)).await;
    let (_driver, mut dws) = driver_online(&nodes[1], near(300.0)).await;
    dws.offer_for(trip.id).await;
    for node in &nodes {
        assert_eq!(
            node.metric("hail_dispatch_takeovers_total")
                .await
                .unwrap_or(0.0),
            0.0,
            "the trip stayed with node A"
        );
    }
}

#[tokio::test]
async fn a_rider_whose_node_dies_reconnects_elsewhere_and_misses_nothing_after() {
    let mut nodes = spawn_cluster(2, Settings::default()).await;
    let (rider, mut rws) = nodes[0].connect(Role::Rider).await;
    let (_driver, mut dws) = driver_online(&nodes[1], near(300.0)).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    dws.offer_for(trip.id).await;
    dws.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;
    rws.update_to(trip.id, TripStatus::Accepted).await;

    nodes[0].kill().await;
    drop(rws);
    let mut rws = Ws::connect(&nodes[1], rider.token()).await;
    let hello = rws.hello_trip().expect("the active trip");
    assert_eq!((hello.id, hello.status), (trip.id, TripStatus::Accepted));

    // Every position and status change after the reconnect arrives, in order.
    let points: Vec<(f64, f64)> = (0..10).map(|i| near(300.0 - i as f64 * 25.0)).collect();
    for p in &points {
        dws.send(location(*p)).await;
    }
    for p in &points {
        let got = rws
            .recv_until(|m| matches!(m, ServerMessage::DriverLocation { .. }))
            .await;
        let ServerMessage::DriverLocation {
            lat, lng, trip_id, ..
        } = got
        else {
            unreachable!()
        };
        assert_eq!((trip_id, lat, lng), (trip.id, p.0, p.1));
    }
    drive_to_completion(&mut dws, &mut rws, trip.id).await;
}

#[tokio::test]
async fn a_draining_node_hands_its_dispatch_over_at_once() {
    // A long lease: only the release on SIGTERM explains a quick takeover.
    let settings = Settings::default().set("HAIL_DISPATCH_LEASE_MS", 30_000);
    let mut nodes = spawn_cluster(2, settings).await;
    let (_rider, mut rws) = nodes[0].connect(Role::Rider).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    let (_driver, mut dws) = driver_online(&nodes[1], near(300.0)).await;
    // Offered by node A first (the driver is near), then A drains.
    dws.offer_for(trip.id).await;
    dws.ok(ClientMessage::TripDecline { trip_id: trip.id })
        .await;
    assert!(nodes[0].terminate().await, "node A drains cleanly");
    let (_late, mut late) = driver_online(&nodes[1], near(500.0)).await;
    let offer = late
        .recv_within(
            Duration::from_secs(10),
            |m| matches!(m, ServerMessage::TripOffer { trip: t, .. } if t.id == trip.id),
        )
        .await;
    assert!(
        offer.is_some(),
        "node B carries on well before the 30 s lease ends"
    );
}

#[tokio::test]
async fn an_acknowledged_point_survives_a_kill_of_its_node() {
    let mut nodes = spawn_cluster(2, Settings::default()).await;
    let (rider, mut rws) = nodes[0].connect(Role::Rider).await;
    let (_driver, mut dws) = driver_online(&nodes[1], near(300.0)).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    dws.offer_for(trip.id).await;
    dws.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;
    // `ok` to a location means written: nothing acknowledged is in memory only.
    let points: Vec<(f64, f64)> = (0..20).map(|i| near(300.0 - i as f64 * 10.0)).collect();
    for p in &points {
        dws.ok(location(*p)).await;
    }
    nodes[1].kill().await;
    let track: hail_protocol::http::TrackResponse = nodes[0]
        .get(&format!("/api/trips/{}/track", trip.id), rider.token())
        .await
        .json()
        .await
        .expect("track");
    let got: Vec<(f64, f64)> = track.points.iter().map(|p| (p.lat, p.lng)).collect();
    assert_eq!(got, points);
}
