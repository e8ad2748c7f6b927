//! The monitor's history: rollups written by the nodes are in the store,
//! so they survive a restart of every node, and are never counted twice.

use crate::helpers::*;
use hail_protocol::history::HistoryResponse;
use hail_protocol::{ClientMessage, Role};
use std::time::Duration;

/// Rollups rewritten every 200 ms instead of every 10 s.
fn fast_rollups() -> Settings {
    Settings::default()
        .set("HAIL_ROLLUP_INTERVAL_MS", 200)
        .set("HAIL_HEARTBEAT_MS", 200)
}

/// (requested, accepted, latency samples, GPS points) over the hour.
fn totals(h: &HistoryResponse) -> (u64, u64, u64, u64) {
    h.points.iter().fold((0, 0, 0, 0), |(r, a, s, g), p| {
        (
            r + p.trips.requested,
            a + p.trips.accepted,
            s + p.dispatch_latency.map_or(0, |l| l.samples),
            g + p.gps_points,
        )
    })
}

async fn history(app: &TestApp, range: &str, token: &str) -> HistoryResponse {
    let res = app
        .get(&format!("/api/monitor/history?range={range}"), token)
        .await;
    assert_eq!(res.status(), 200, "history {range}");
    res.json().await.expect("history json")
}

async fn history_until(
    app: &TestApp,
    token: &str,
    ok: impl Fn(&HistoryResponse) -> bool,
) -> HistoryResponse {
    let mut wait = Waiting::new("the history to match", Duration::from_secs(15));
    loop {
        let h = history(app, "1h", token).await;
        if ok(&h) {
            return h;
        }
        wait.again_showing(&h).await;
    }
}

/// One trip requested on `a`, accepted by a driver on `b`, with 3 GPS
/// points written; returns when the history shows all of it.
async fn a_trip_with_gps(a: &TestApp, b: &TestApp, token: &str) -> HistoryResponse {
    let (_driver, mut dws) = driver_online(b, near(200.0)).await;
    let (_rider, mut rws) = a.connect(Role::Rider).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    dws.offer_for(trip.id).await;
    dws.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;
    for i in 0..3 {
        dws.ok(location(near(150.0 - i as f64 * 20.0))).await;
    }
    history_until(a, token, |h| {
        let (r, acc, s, g) = totals(h);
        r >= 1 && acc >= 1 && s >= 1 && g >= 3
    })
    .await
}

#[tokio::test]
async fn rollups_survive_a_restart_of_both_nodes() {
    let mut nodes = spawn_cluster(2, fast_rollups()).await;
    let admin = nodes[0].admin().await;
    let before = a_trip_with_gps(&nodes[0], &nodes[1], admin.token()).await;
    assert_eq!(totals(&before), (1, 1, 1, 3), "{before:#?}");
    let latency = before
        .points
        .iter()
        .find_map(|p| p.dispatch_latency)
        .expect("a latency");
    assert!(latency.p50_ms > 0.0 && latency.p99_ms >= latency.p50_ms);
    assert!(
        before.points.iter().any(|p| p.connections.len() == 2),
        "both nodes report connections"
    );

    for node in nodes.iter_mut() {
        assert!(node.terminate().await, "SIGTERM: clean exit");
    }
    let env = nodes[0].env.clone();
    let a = spawn_node(env.clone(), &fast_rollups()).await;
    let _b = spawn_node(env, &fast_rollups()).await;
    // The new nodes have written their own rows a few times by now.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let after = history(&a, "1h", admin.token()).await;
    assert_eq!(
        totals(&after),
        (1, 1, 1, 3),
        "kept, not doubled: {after:#?}"
    );
    for range in ["24h", "7d"] {
        let coarse = history(&a, range, admin.token()).await;
        assert_eq!(totals(&coarse), (1, 1, 1, 3), "{range}: {coarse:#?}");
    }
}

#[tokio::test]
async fn rollups_survive_a_restart_on_the_embedded_store() {
    let mut app = spawn_with(Backend::Embedded, fast_rollups()).await;
    let admin = app.admin().await;
    let before = a_trip_with_gps(&app, &app, admin.token()).await;
    assert_eq!(totals(&before), (1, 1, 1, 3), "{before:#?}");
    assert!(app.terminate().await, "SIGTERM: clean exit");
    let app = spawn_node(app.env.clone(), &fast_rollups()).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let after = history(&app, "1h", admin.token()).await;
    assert_eq!(totals(&after), (1, 1, 1, 3), "{after:#?}");
}

#[tokio::test]
async fn history_is_for_admins_and_checks_its_range() {
    let app = spawn_app(Backend::Embedded).await;
    let rider = app.user(Role::Rider).await;
    let res = app
        .get("/api/monitor/history?range=1h", rider.token())
        .await;
    assert_eq!(res.status(), 403);
    let admin = app.admin().await;
    let res = app
        .get("/api/monitor/history?range=2d", admin.token())
        .await;
    assert_eq!(res.status(), 400);
    let h = history(&app, "24h", admin.token()).await;
    assert_eq!(h.bucket_secs, 900);
}
