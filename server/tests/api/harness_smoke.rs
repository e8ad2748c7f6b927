//! A short run of the harness inside `make test`: a small city on one node
//! and on two nodes over a Redis Cluster, a contested race over two nodes
//! (on one Redis and on a cluster), idle connections, and a short soak over
//! two nodes (without kills). Fails on any correctness violation (a lost GPS
//! update, two winners, a stuck trip, an unexpected error).

use crate::helpers::*;
use hail_harness::load::Load;
use std::time::Duration;

/// A load generator shares accounts and addresses across many sockets and
/// trips: the caps that protect an exposed node are lifted, as
/// `harness/bench.sh` does.
fn load_settings() -> Settings {
    Settings::default()
        .set("HAIL_MAX_SOCKETS_PER_USER", 0)
        .set("HAIL_TRIP_REQUESTS_PER_WINDOW", 0)
        .set("HAIL_MAX_CONNECTIONS_PER_IP", 0)
}

/// The built-in classes, but a track speed limit (the most the loader
/// takes) above the smoke city's 250 m/s cars, so their tracks are charged
/// rather than dropped as bad fixes: the audit then checks real distances,
/// not just minimum fares.
const SMOKE_FARES: &str = r#"
currency = "EUR"
[classes.standard]
base = 250
per_km = 120
per_minute = 25
minimum = 700
booking_fee = 100
[classes.xl]
base = 400
per_km = 180
per_minute = 35
minimum = 1000
booking_fee = 150
[track]
max_speed_kmh = 1000.0
"#;

/// `load_settings` with the smoke fares; the file lives as long as the
/// returned directory.
fn smoke_fares() -> (tempfile::TempDir, Settings) {
    let dir = tempfile::tempdir().expect("tempdir");
    let fares = dir.path().join("fares.toml");
    std::fs::write(&fares, SMOKE_FARES).expect("write fares");
    let settings = load_settings().set("HAIL_FARES_FILE", fares.display());
    (dir, settings)
}

#[tokio::test]
async fn harness_city_smoke_has_no_violations() {
    let (_fares, settings) = smoke_fares();
    let app = spawn_with(Backend::Embedded, settings).await;
    city_smoke(vec![app.addr.clone()]).await;
}

/// The same city over two nodes on a Redis Cluster of their own.
#[tokio::test]
async fn harness_city_smoke_on_a_redis_cluster_has_no_violations() {
    let (_fares, settings) = smoke_fares();
    let nodes = spawn_nodes(RedisMode::Cluster, 2, settings).await;
    city_smoke(nodes.iter().map(|n| n.addr.clone()).collect()).await;
}

async fn city_smoke(urls: Vec<String>) {
    let report = hail_harness::city::run(hail_harness::city::CityParams {
        load: Load {
            urls,
            drivers: 15,
            riders: 5,
            gps_interval: Duration::from_millis(100),
            trip_rate: 3.0,
            duration: Duration::from_secs(6),
            grace: Duration::from_secs(30),
            centre: (52.52, 13.405),
            radius_m: 1_000.0,
            seed: 42,
            prefix: "smoke".into(),
            secret: Some(SECRET.into()),
            progress: false,
        },
        speed_mps: 250.0,
    })
    .await
    .expect("city runs");
    assert!(report.ok, "{}", report.table());
    let completed = report.counts.get("trips_completed").copied().unwrap_or(0);
    assert!(completed >= 3, "trips complete: {}", report.table());
    assert!(report.counts.get("gps_forwarded").copied().unwrap_or(0) > 0);
    assert!(report.latency["gps_end_to_end"].count > 0);
    assert!(report.latency["dispatch"].count >= completed);
    // The ride layer: every trip quoted, every completed one audited.
    let count = |k: &str| report.counts.get(k).copied().unwrap_or(0);
    // The window starts with every driver on duty (its `ok` received).
    assert_eq!(
        count("drivers_on_duty_before_window"),
        15,
        "{}",
        report.table()
    );
    assert_eq!(
        count("quotes"),
        count("trips_requested"),
        "{}",
        report.table()
    );
    assert_eq!(count("fares_checked"), completed, "{}", report.table());
    assert_eq!(count("ratings_given"), 2 * completed, "{}", report.table());
    assert!(
        count("riders_saw_vehicle") >= completed,
        "{}",
        report.table()
    );
    assert!(
        count("fares_with_distance") > 0,
        "tracks were charged: {}",
        report.table()
    );
    assert!(report.extra["fares"]
        .as_object()
        .is_some_and(|m| !m.is_empty()));
}

on_both_redis! {
    async fn harness_race_smoke_has_exactly_one_winner_per_trip(redis) {
        race_smoke(spawn_nodes(redis, 2, load_settings()).await).await;
    }
}

async fn race_smoke(nodes: Vec<TestApp>) {
    let report = hail_harness::race::run(hail_harness::race::RaceParams {
        urls: nodes.iter().map(|n| n.addr.clone()).collect(),
        drivers: 6,
        trips: 15,
        prefix: "smoke".into(),
        secret: Some(SECRET.into()),
    })
    .await
    .expect("race runs");
    assert!(report.ok, "{}", report.table());
    assert_eq!(report.counts["winners"], 15);
    assert_eq!(report.counts["trip_taken"], 15 * 5);
}

on_both_backends! {
    async fn harness_track_smoke_forwards_and_persists_every_point(backend) {
        let app = spawn_with(backend, load_settings()).await;
        track_smoke(vec![app.addr.clone()]).await;
    }
}

/// Riders on one node, their drivers on the other: every point crosses Redis.
#[tokio::test]
async fn harness_track_smoke_across_two_nodes() {
    track_smoke(
        spawn_nodes(RedisMode::Single, 2, load_settings())
            .await
            .iter()
            .map(|n| n.addr.clone())
            .collect(),
    )
    .await;
}

async fn track_smoke(urls: Vec<String>) {
    let report = hail_harness::track::run(hail_harness::track::TrackParams {
        urls,
        pairs: 4,
        gps_interval: Duration::from_millis(50),
        duration: Duration::from_secs(1),
        prefix: "smoke".into(),
        pids: Vec::new(),
        secret: Some(SECRET.into()),
    })
    .await
    .expect("track runs");
    assert!(report.ok, "{}", report.table());
    let sent = report.counts["gps_sent"];
    assert!(sent >= 4 * 10, "{}", report.table());
    assert_eq!(report.counts["gps_forwarded"], sent);
    assert_eq!(report.counts["gps_persisted"], sent);
}

#[tokio::test]
async fn harness_connections_smoke_holds_every_socket() {
    let app = spawn_with(Backend::Embedded, load_settings()).await;
    let report = hail_harness::connections::run(hail_harness::connections::ConnParams {
        urls: vec![app.addr.clone()],
        count: 300,
        workers: 0,
        per_account: 100,
        sources: 4,
        hold_secs: 1,
        pids: app.pid().into_iter().collect(),
        prefix: "smoke".into(),
        secret: Some(SECRET.into()),
    })
    .await
    .expect("connections run");
    assert!(report.ok, "{}", report.table());
    assert_eq!(report.counts["opened"], 300);
    assert!(
        report.extra["rss"]
            .as_object()
            .is_some_and(|m| !m.is_empty()),
        "RSS read from /proc"
    );
}

#[tokio::test]
async fn harness_soak_smoke_has_no_violations() {
    // Two nodes, no kills (harness/soak.sh kills nodes from outside), a
    // quick driver pace so trips finish within seconds.
    let nodes = spawn_cluster(2, load_settings()).await;
    let report = hail_harness::soak::run(hail_harness::soak::SoakParams {
        load: Load {
            urls: nodes.iter().map(|n| n.addr.clone()).collect(),
            drivers: 6,
            riders: 3,
            gps_interval: Duration::from_millis(200),
            trip_rate: 2.0,
            duration: Duration::from_secs(4),
            grace: Duration::from_secs(15),
            centre: (52.52, 13.405),
            radius_m: 1_000.0,
            seed: 42,
            prefix: "smoke".into(),
            secret: Some(SECRET.into()),
            progress: false,
        },
        settle: Duration::from_secs(10),
        timing: hail_harness::soak::Timing {
            accept_delay_ms: 50..=200,
            to_pickup_secs: 0.5..1.0,
            ride_secs: 1.0..2.0,
            boarding: Duration::from_millis(200),
        },
    })
    .await
    .expect("soak runs");
    assert!(report.ok, "{}", report.table());
    assert!(report.counts["points_acked"] > 0, "{}", report.table());
    assert!(report.counts["trips_completed"] > 0, "{}", report.table());
    assert_eq!(
        report.counts["trips_created"],
        report.counts["trips_completed"]
            + report.counts["trips_cancelled"]
            + report.counts["trips_expired"]
    );
    assert!(report.latency["gps_ack"].count > 0);
}
