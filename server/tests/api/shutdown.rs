//! SIGTERM drains: sockets close with 1001, queued GPS points are written,
//! the process exits cleanly.

use crate::helpers::*;
use hail_protocol::http::TrackResponse;
use hail_protocol::{ClientMessage, Role};

#[tokio::test]
async fn sigterm_closes_sockets_with_1001_and_flushes_gps() {
    // A long flush interval keeps points queued until shutdown flushes them.
    let settings = Settings::default()
        .set("HAIL_GPS_FLUSH_MS", 3000)
        .set("HAIL_GPS_BATCH", 100_000);
    let env_nodes = spawn_cluster(2, settings.clone()).await;
    let (mut a, b) = {
        let mut it = env_nodes.into_iter();
        (it.next().expect("node a"), it.next().expect("node b"))
    };
    let (_d, mut dws) = driver_online(&a, near(100.0)).await;
    let (rider, mut rws) = b.connect(Role::Rider).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    dws.offer_for(trip.id).await;
    dws.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;
    for i in 0..20 {
        dws.send(location(near(100.0 - i as f64))).await;
    }
    dws.ok(location(near(50.0))).await; // all 21 points are queued now

    assert!(a.terminate().await, "clean exit");
    assert_eq!(dws.wait_closed().await, Some(1001));
    let track: TrackResponse = b
        .get(&format!("/api/trips/{}/track", trip.id), rider.token())
        .await
        .json()
        .await
        .expect("track");
    assert_eq!(
        track.points.len(),
        21,
        "queued points were flushed on shutdown"
    );
}
