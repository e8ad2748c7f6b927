//! Two nodes on a private Redis Cluster, while the cluster changes under a
//! trip: a master dies (kill -9, its replica is promoted) or the slot of
//! the rider's channel moves to another master. Either way the rider keeps
//! getting the driver's locations and the trip's status: here by a 1012
//! close and a whole `hello` (events published while the subscription was
//! gone cannot be replayed), and no point the server acknowledged is lost.

use crate::helpers::*;
use hail_protocol::http::TrackResponse;
use hail_protocol::{ClientMessage, ErrorCode, Role, ServerMessage, TripStatus};
use std::time::Duration;

/// What the cluster does to the rider's channel mid-trip.
enum Fault {
    KillMaster,
    MoveSlot,
}

async fn survives(fault: Fault) {
    let nodes = spawn_nodes(RedisMode::Cluster, 2, Settings::default()).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let (rider, mut rws) = a.connect(Role::Rider).await;
    let (driver, mut dws) = driver_online(b, near(300.0)).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    dws.offer_for(trip.id).await;
    dws.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;
    rws.update_to(trip.id, TripStatus::Accepted).await;

    let mut acked = vec![near(290.0)];
    dws.ok(location(acked[0])).await;
    rws.recv_until(|m| matches!(m, ServerMessage::DriverLocation { .. }))
        .await;

    let cluster = a.env.cluster.as_ref().expect("a cluster test");
    // The channel the rider's events travel on (node A subscribes to it).
    let channel = format!("{}user:{}", a.env.prefix, rider.user.id);
    let slot = cluster.lock().await.slot(&channel).await;
    match fault {
        Fault::KillMaster => {
            let (master, _) = cluster.lock().await.master_of(slot).await;
            cluster.lock().await.kill(master).await;
        }
        Fault::MoveSlot => {
            let (from, to) = cluster.lock().await.migrate_slot(slot).await;
            assert_ne!(from, to);
            let (now, _) = cluster.lock().await.master_of(slot).await;
            assert_eq!(now, to, "the slot moved");
        }
    }

    // The driver keeps driving through it: a point every 100 ms. A point
    // answered `ok` is acknowledged and must be kept; one refused as
    // `unavailable` was not taken; a 1012 means reconnect.
    let mut driver_reconnects = 0;
    for i in 0..40 {
        let p = near(280.0 - i as f64 * 4.0);
        match dws.try_request(location(p)).await {
            Some(ServerMessage::Ok { .. }) => acked.push(p),
            Some(ServerMessage::Error {
                code: ErrorCode::Unavailable,
                ..
            }) => {}
            Some(other) => panic!("a location got {other:?}"),
            None => {
                assert_eq!(dws.closed, Some(1012), "the driver's close code");
                driver_reconnects += 1;
                dws = Ws::connect(b, driver.token()).await;
                assert_eq!(dws.hello_trip().map(|t| t.id), Some(trip.id));
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if matches!(fault, Fault::KillMaster) {
        // The replica took over: two replicas left, all slots served.
        cluster.lock().await.wait_healthy(2).await;
    }

    // The rider's node lost the subscription: its clients were told to
    // come back (1012), and `hello` gives the trip as it is now.
    assert_eq!(
        rws.wait_closed().await,
        Some(1012),
        "the rider's close code"
    );
    let mut rws = Ws::connect(a, rider.token()).await;
    assert_eq!(
        rws.hello_trip().map(|t| (t.id, t.status)),
        Some((trip.id, TripStatus::Accepted))
    );
    assert!(a.metric("hail_bus_recoveries_total").await >= Some(1.0));

    // Live again: the next location reaches the rider, and every status.
    let last = near(50.0);
    let reply = dws.try_request(location(last)).await;
    assert!(matches!(reply, Some(ServerMessage::Ok { .. })), "{reply:?}");
    acked.push(last);
    let got = rws
        .recv_until(|m| matches!(m, ServerMessage::DriverLocation { .. }))
        .await;
    let ServerMessage::DriverLocation { lat, lng, .. } = got else {
        unreachable!()
    };
    assert_eq!((lat, lng), last);
    drive_to_completion(&mut dws, &mut rws, trip.id).await;

    // No acknowledged point lost.
    let track: TrackResponse = a
        .get(&format!("/api/trips/{}/track", trip.id), rider.token())
        .await
        .json()
        .await
        .expect("track");
    let kept: Vec<(f64, f64)> = track.points.iter().map(|p| (p.lat, p.lng)).collect();
    for p in &acked {
        assert!(kept.contains(p), "acknowledged point {p:?} lost");
    }
    assert!(acked.len() >= 30, "most points were taken: {}", acked.len());
    eprintln!(
        "cluster fault: {} points acknowledged, driver reconnected {driver_reconnects} times",
        acked.len()
    );
}

#[tokio::test]
async fn a_master_killed_mid_trip_fails_over_without_losing_a_point() {
    survives(Fault::KillMaster).await;
}

#[tokio::test]
async fn a_slot_moved_mid_trip_loses_no_point() {
    survives(Fault::MoveSlot).await;
}
