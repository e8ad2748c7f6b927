//! Backend outages, simulated with a proxy between the node and the
//! machine's Postgres: commands that need the store answer `unavailable`,
//! `/readyz` says so, GPS points wait in the buffer (or are refused with a
//! reply, never dropped silently) and are all in the track afterwards.

use crate::helpers::*;
use crate::proxy::{PrivateRedis, TcpProxy};
use hail_protocol::http::TrackResponse;
use hail_protocol::{ClientMessage, ErrorCode, Role, ServerMessage, TripId, TripStatus};
use std::time::Duration;

/// One node whose Postgres connection runs through `proxy`.
async fn node_behind(proxy: &TcpProxy, settings: Settings) -> TestApp {
    let env = TestEnv::create(Backend::External).await;
    let url = format!("postgres://postgres@127.0.0.1:{}/{}", proxy.port, env.db);
    let settings = settings
        .set("HAIL_DATABASE_URL", url)
        .set("HAIL_DB_TIMEOUT_SECS", 1);
    spawn_node(env, &settings).await
}

async fn ready(app: &TestApp) -> u16 {
    match app.http().get(app.url("/readyz")).send().await {
        Ok(res) => res.status().as_u16(),
        Err(_) => 0,
    }
}

async fn readyz_becomes(app: &TestApp, status: u16) {
    eventually_within(
        Duration::from_secs(15),
        &format!("/readyz to answer {status}"),
        || async { (ready(app).await == status).then_some(()) },
    )
    .await
}

/// A rider and a driver on an accepted trip.
async fn accepted_trip(app: &TestApp) -> (TestUser, Ws, Ws, TripId) {
    let (rider, mut rws) = app.connect(Role::Rider).await;
    let (_driver, mut dws) = driver_online(app, near(300.0)).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    dws.offer_for(trip.id).await;
    dws.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;
    rws.update_to(trip.id, TripStatus::Accepted).await;
    (rider, rws, dws, trip.id)
}

/// A point of the drive, `i` steps along.
fn point(i: usize) -> (f64, f64) {
    near(300.0 - i as f64 * 5.0)
}

/// Sends point `i` with `ref` "p{i}", without waiting for the answer.
async fn send_point(ws: &mut Ws, i: usize) {
    let (lat, lng) = point(i);
    ws.send_text(
        serde_json::json!({"type": "location", "lat": lat, "lng": lng, "ref": format!("p{i}")})
            .to_string(),
    )
    .await;
}

/// Retries a trip command the way a client would until the store is back.
async fn until_ok(ws: &mut Ws, cmd: ClientMessage) {
    // The probe is the command itself, on the socket: a hand-written loop.
    let mut wait = Waiting::new("the store to come back", Duration::from_secs(20))
        .every(Duration::from_millis(200));
    loop {
        match ws.request(cmd.clone()).await {
            ServerMessage::Ok { .. } => return,
            ServerMessage::Error {
                code: ErrorCode::Unavailable,
                ..
            } => {}
            other => panic!("{other:?}"),
        }
        wait.again().await;
    }
}

async fn finish_and_track(
    app: &TestApp,
    rider: &TestUser,
    dws: &mut Ws,
    trip: TripId,
) -> Vec<(f64, f64)> {
    until_ok(dws, ClientMessage::TripArrive { trip_id: trip }).await;
    until_ok(dws, ClientMessage::TripStart { trip_id: trip }).await;
    until_ok(dws, ClientMessage::TripComplete { trip_id: trip }).await;
    let track: TrackResponse = app
        .get(&format!("/api/trips/{trip}/track"), rider.token())
        .await
        .json()
        .await
        .expect("track");
    track.points.iter().map(|p| (p.lat, p.lng)).collect()
}

#[tokio::test]
async fn a_postgres_outage_costs_trip_commands_but_no_gps_point() {
    let proxy = TcpProxy::start("127.0.0.1:5432").await;
    let app = node_behind(&proxy, Settings::default()).await;
    let (rider, mut rws, mut dws, trip) = accepted_trip(&app).await;
    let mut sent = Vec::new();
    for i in 0..5 {
        dws.ok(location(point(i))).await;
        sent.push(point(i));
        rws.recv_until(|m| matches!(m, ServerMessage::DriverLocation { .. }))
            .await;
    }

    proxy.cut();
    readyz_becomes(&app, 503).await;
    assert_eq!(
        dws.err(ClientMessage::TripArrive { trip_id: trip }).await,
        ErrorCode::Unavailable,
        "a trip command answers unavailable instead of hanging"
    );
    // The drive goes on: points are taken into the buffer, and the rider
    // still sees each one live (Redis is up); their `ok` waits until they
    // are written.
    for i in 5..25 {
        send_point(&mut dws, i).await;
        sent.push(point(i));
        let got = rws
            .recv_until(|m| matches!(m, ServerMessage::DriverLocation { .. }))
            .await;
        let ServerMessage::DriverLocation { lat, lng, .. } = got else {
            unreachable!()
        };
        assert_eq!((lat, lng), point(i));
    }
    // Writes keep failing (1 s store timeout) for the whole window.
    dws.assert_quiet(
        Duration::from_millis(2200),
        |m| matches!(m, ServerMessage::Ok { .. }),
        "no point is acknowledged before it is written",
    )
    .await;
    proxy.restore();
    readyz_becomes(&app, 200).await;
    for i in 5..25 {
        assert!(
            matches!(dws.reply(&format!("p{i}")).await, ServerMessage::Ok { .. }),
            "point {i} acknowledged once written"
        );
    }

    let track = finish_and_track(&app, &rider, &mut dws, trip).await;
    assert_eq!(track.len(), sent.len(), "every point sent is in the track");
    assert_eq!(track, sent, "in order");
    assert_eq!(app.metric("hail_gps_points_in_total").await, Some(25.0));
    assert_eq!(
        app.metric("hail_gps_points_written_total").await,
        Some(25.0)
    );
    assert!(
        app.metric("hail_gps_flush_failures_total")
            .await
            .unwrap_or(0.0)
            >= 1.0
    );
}

#[tokio::test]
async fn when_the_gps_buffer_is_full_drivers_are_told_and_nothing_is_dropped_silently() {
    let proxy = TcpProxy::start("127.0.0.1:5432").await;
    let settings = Settings::default()
        .set("HAIL_GPS_QUEUE", 8)
        .set("HAIL_GPS_BATCH", 4)
        .set("HAIL_GPS_PUSH_TIMEOUT_MS", 200);
    let app = node_behind(&proxy, settings).await;
    let (rider, _rws, mut dws, trip) = accepted_trip(&app).await;

    proxy.cut();
    readyz_becomes(&app, 503).await;
    // Thirty points, each with a `ref`: the buffer takes what fits (answered
    // once written), the rest is refused at once with `unavailable`.
    for i in 0..30 {
        send_point(&mut dws, i).await;
    }
    let mut refused = Vec::new();
    let last = dws.reply("p29").await;
    assert!(
        matches!(
            last,
            ServerMessage::Error {
                code: ErrorCode::Unavailable,
                ..
            }
        ),
        "a full buffer refuses, with a reply: {last:?}"
    );
    proxy.restore();
    readyz_becomes(&app, 200).await;
    let mut taken = Vec::new();
    for i in 0..30 {
        let reply = if i == 29 {
            last.clone()
        } else {
            dws.reply(&format!("p{i}")).await
        };
        match reply {
            ServerMessage::Ok { .. } => taken.push(point(i)),
            ServerMessage::Error {
                code: ErrorCode::Unavailable,
                ..
            } => refused.push(i),
            other => panic!("{other:?}"),
        }
    }
    assert!(
        taken.len() >= 8,
        "the buffer's worth was taken: {}",
        taken.len()
    );

    let track = finish_and_track(&app, &rider, &mut dws, trip).await;
    assert_eq!(track, taken, "exactly the points that were answered ok");
    assert_eq!(
        app.metric("hail_gps_points_refused_total").await,
        Some(refused.len() as f64)
    );
    assert_eq!(
        app.metric("hail_gps_points_written_total").await,
        Some(taken.len() as f64)
    );
}

#[tokio::test]
async fn a_redis_restart_mid_trip_is_survived() {
    let mut redis = PrivateRedis::start().await;
    let env = TestEnv::create(Backend::External).await;
    let settings = Settings::default().set("HAIL_REDIS_URL", redis.url());
    let a = spawn_node(env.clone(), &settings).await;
    let b = spawn_node(env, &settings).await;
    let (rider, mut rws) = a.connect(Role::Rider).await;
    let (driver, mut dws) = driver_online(&b, near(300.0)).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    dws.offer_for(trip.id).await;
    dws.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;
    rws.update_to(trip.id, TripStatus::Accepted).await;

    redis.kill().await;
    readyz_becomes(&a, 503).await;
    readyz_becomes(&b, 503).await;
    // The outage itself lasts a while (the nodes' reconnects fail meanwhile):
    // part of the scenario, not a wait for an effect (readyz was awaited).
    tokio::time::sleep(Duration::from_secs(1)).await;
    redis.restart().await;
    readyz_becomes(&a, 200).await;
    readyz_becomes(&b, 200).await;

    // Messages published while Redis was away are gone, so each node asks
    // its clients to reconnect (1012) instead of leaving them on sockets
    // that missed them; `hello` makes them whole.
    assert_eq!(rws.wait_closed().await, Some(1012));
    assert_eq!(dws.wait_closed().await, Some(1012));
    let mut rws = Ws::connect(&b, rider.token()).await;
    let mut dws = Ws::connect(&a, driver.token()).await;
    assert_eq!(
        rws.hello_trip().map(|t| t.status),
        Some(TripStatus::Accepted)
    );
    assert_eq!(dws.hello_trip().map(|t| t.id), Some(trip.id));

    // The trip goes on across the nodes, over the new Redis.
    dws.ok(location(near(100.0))).await;
    let got = rws
        .recv_until(|m| matches!(m, ServerMessage::DriverLocation { .. }))
        .await;
    assert!(matches!(got, ServerMessage::DriverLocation { trip_id, .. } if trip_id == trip.id));
    drive_to_completion(&mut dws, &mut rws, trip.id).await;
    assert!(a.metric("hail_bus_recoveries_total").await >= Some(1.0));
}

/// The driver's node sends points past the bus while the rider's other
/// node has lost Redis (it is then the topic's only listener, rightly).
/// Redis's client resubscribes that node by itself, unannounced; the
/// rider's socket that reconnects there announces its join, and gets the
/// points again.
#[tokio::test]
async fn a_socket_whose_node_lost_redis_gets_the_points_again_once_it_reconnects() {
    let proxy = TcpProxy::start("127.0.0.1:6379").await;
    let env = TestEnv::create(Backend::External).await;
    let a = spawn_node(env.clone(), &Settings::default()).await;
    let behind = Settings::default().set(
        "HAIL_REDIS_URL",
        format!("redis://127.0.0.1:{}", proxy.port),
    );
    let b = spawn_node(env, &behind).await;
    let (rider, mut rws) = a.connect(Role::Rider).await;
    let (_driver, mut dws) = driver_online(&a, near(300.0)).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    dws.offer_for(trip.id).await;
    dws.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;
    rws.update_to(trip.id, TripStatus::Accepted).await;
    let mut second = Ws::connect(&b, rider.token()).await;
    let mut north = 0.0;

    proxy.cut();
    readyz_becomes(&b, 503).await;
    // Redis dropped the node's subscription: the driver's node is alone on
    // the topic now, and learns it from a PUBLISH's count.
    until_past_the_bus(&a, &mut dws, &mut north, &mut rws).await;

    proxy.restore();
    readyz_becomes(&b, 200).await;
    assert_eq!(second.wait_closed().await, Some(1012));
    let mut second = Ws::connect(&b, rider.token()).await;
    let what = "the reconnected socket";
    points_reach(&mut dws, &mut north, &mut rws, &mut second, 3, what).await;
}
