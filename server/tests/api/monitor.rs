//! The admin monitor over a scripted scenario on two nodes: the figures it
//! reports are the ones the scenario made, any node answers for all, and a
//! killed node shows as down within its heartbeat window.

use crate::helpers::*;
use hail_protocol::monitor::{
    DispatchDetail, DispatchOutcome, DispatchesResponse, MonitorMap, NodeStatus, Overview,
    RoleCounts, TasksResponse, TimelineEvent,
};
use hail_protocol::{ClientMessage, Role, TripStatus};
use std::time::Duration;

/// Heartbeats every 200 ms: a node is down after 600 ms of silence.
fn fast_heartbeats() -> Settings {
    Settings::default().set("HAIL_HEARTBEAT_MS", 200)
}

async fn get_json<T: serde::de::DeserializeOwned>(app: &TestApp, path: &str, token: &str) -> T {
    let res = app.get(path, token).await;
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.expect("json")
}

/// Polls the overview until `ok` holds (heartbeats lag by one interval).
async fn overview_until(app: &TestApp, token: &str, ok: impl Fn(&Overview) -> bool) -> Overview {
    let mut wait = Waiting::new("the overview to match", Duration::from_secs(10));
    loop {
        let o: Overview = get_json(app, "/api/monitor/overview", token).await;
        if ok(&o) {
            return o;
        }
        wait.again_showing(&o).await;
    }
}

fn node_id_of(o: &Overview, app: &TestApp) -> String {
    let addr = app.addr.trim_start_matches("http://");
    o.nodes
        .iter()
        .find(|n| n.address == addr)
        .map(|n| n.id.clone())
        .unwrap_or_else(|| panic!("no node at {addr}: {o:#?}"))
}

#[tokio::test]
async fn the_monitor_reports_what_a_two_node_scenario_did() {
    let mut nodes = spawn_cluster(2, fast_heartbeats()).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let (d1, mut d1ws) = driver_online(a, near(200.0)).await;
    let (_d2, mut d2ws) = driver_online(b, near(400.0)).await;
    let (_r1, mut r1ws) = a.connect(Role::Rider).await;
    let (_r2, mut r2ws) = b.connect(Role::Rider).await;
    let (_r3, _r3ws) = b.connect(Role::Rider).await;

    // Trip 1 (node A): offered to both drivers, d2 declines, d1 accepts.
    let t1 = r1ws.ok(request_at_centre()).await.expect("trip");
    d1ws.offer_for(t1.id).await;
    d2ws.offer_for(t1.id).await;
    d2ws.ok(ClientMessage::TripDecline { trip_id: t1.id }).await;
    d1ws.ok(ClientMessage::TripAccept { trip_id: t1.id }).await;
    r1ws.update_to(t1.id, TripStatus::Accepted).await;
    // Trip 2 (node B): far from every driver, still searching.
    let t2 = r2ws
        .ok(ClientMessage::request(
            place(48.137, 11.575),
            place(48.15, 11.58),
        ))
        .await
        .expect("trip");

    let admin = b.admin().await;
    let token = admin.token();
    let o = overview_until(a, token, |o| {
        o.nodes.len() == 2
            && o.totals.connections
                == RoleCounts {
                    rider: 3,
                    driver: 2,
                    admin: 0,
                }
            && o.drivers.available == 1
    })
    .await;
    let (id_a, id_b) = (node_id_of(&o, a), node_id_of(&o, b));
    for n in &o.nodes {
        assert_eq!(n.status, NodeStatus::Up);
        let expected = if n.id == id_a {
            RoleCounts {
                rider: 1,
                driver: 1,
                admin: 0,
            }
        } else {
            RoleCounts {
                rider: 2,
                driver: 1,
                admin: 0,
            }
        };
        assert_eq!(n.connections, expected, "node {}", n.id);
        assert!(n.messages_in_per_sec >= 0.0 && n.uptime_secs < 600);
    }
    assert_eq!((o.totals.nodes_up, o.totals.nodes_down), (2, 0));
    assert_eq!((o.trips.requested, o.trips.accepted), (1, 1));
    assert_eq!(o.trips.completed + o.trips.expired + o.trips.cancelled, 0);
    assert_eq!(o.drivers.online, 2);

    // Dispatches, newest first, with their rounds and outcome.
    let list: DispatchesResponse = get_json(b, "/api/monitor/dispatches", token).await;
    let ids: Vec<_> = list.dispatches.iter().map(|d| d.trip_id).collect();
    assert_eq!(ids, [t2.id, t1.id]);
    let d1row = &list.dispatches[1];
    assert_eq!(d1row.outcome, DispatchOutcome::Accepted);
    assert_eq!((d1row.rounds, d1row.offered, d1row.declined), (1, 2, 1));
    assert_eq!(d1row.radius_m, Some(3000.0));
    assert_eq!(d1row.node, id_a);
    assert!(d1row.time_to_accept_ms.is_some());
    let d2row = &list.dispatches[0];
    assert_eq!(d2row.outcome, DispatchOutcome::Searching);
    assert_eq!((d2row.offered, d2row.node.as_str()), (0, id_b.as_str()));
    assert!(d2row.rounds >= 1, "{d2row:?}");
    let searching: DispatchesResponse =
        get_json(a, "/api/monitor/dispatches?status=searching&limit=5", token).await;
    assert_eq!(searching.dispatches.len(), 1);
    assert_eq!(searching.dispatches[0].trip_id, t2.id);
    assert_eq!(
        a.get("/api/monitor/dispatches?status=lost", token)
            .await
            .status(),
        400
    );

    // Trip 1's timeline, in the order it happened.
    let detail: DispatchDetail =
        get_json(a, &format!("/api/monitor/dispatches/{}", t1.id), token).await;
    let story: Vec<String> = detail
        .timeline
        .iter()
        .map(|e| match e {
            TimelineEvent::Status { to, .. } => format!("status {}", to.as_str()),
            TimelineEvent::Round { round, found, .. } => format!("round {round} found {found}"),
            TimelineEvent::Offered { .. } => "offered".into(),
            TimelineEvent::OfferEnded {
                driver_id, outcome, ..
            } => {
                let who = if *driver_id == d1.user.id { "d1" } else { "d2" };
                format!("{who} {outcome}")
            }
        })
        .collect();
    assert_eq!(
        story,
        [
            "status requested",
            "round 1 found 2",
            "offered",
            "offered",
            "d2 declined",
            "d1 accepted",
            "status accepted"
        ],
        "{detail:#?}"
    );
    assert_eq!(
        a.get(
            &format!("/api/monitor/dispatches/{}", hail_protocol::TripId::new()),
            token
        )
        .await
        .status(),
        404
    );

    // Background tasks, per node. They travel in heartbeats, which lag by
    // an interval (more on a loaded machine): poll for node A's round.
    let mut wait = Waiting::new("a dispatch round on node A", Duration::from_secs(10));
    let tasks = loop {
        let tasks: TasksResponse = get_json(a, "/api/monitor/tasks", token).await;
        let round = tasks
            .tasks
            .iter()
            .find(|t| t.node == id_a && t.name == "dispatch_round")
            .expect("node A's dispatch rounds")
            .clone();
        if round.runs >= 1 {
            assert_eq!(round.failures, 0, "{round:?}");
            break tasks;
        }
        wait.again_showing(&round).await;
    };
    for name in [
        "gps_writer",
        "stale_driver_sweep",
        "trip_expiry",
        "offer_expiry",
    ] {
        assert!(
            tasks.tasks.iter().any(|t| t.node == id_b && t.name == name),
            "{name} on node B"
        );
    }

    // The map: the available driver, and both active trips with where
    // their driver is (trip 1's after it streamed a point).
    d1ws.send(location(near(150.0))).await;
    let map = eventually("trip 1's driver on the map", || async {
        let map: MonitorMap = get_json(b, "/api/monitor/map", token).await;
        map.trips
            .iter()
            .any(|t| t.trip_id == t1.id && t.driver.is_some())
            .then_some(map)
    })
    .await;
    assert_eq!(map.drivers.len(), 1, "only d2 is available: {map:?}");
    assert_eq!(map.drivers[0].driver_id, _d2.user.id);
    let trips: Vec<_> = map.trips.iter().map(|t| (t.trip_id, t.status)).collect();
    assert_eq!(
        trips,
        [
            (t2.id, TripStatus::Requested),
            (t1.id, TripStatus::Accepted)
        ]
    );
    let at = map.trips[1]
        .driver
        .as_ref()
        .expect("trip 1's driver position");
    assert_eq!((at.lat, at.lng), near(150.0));
    assert!(map.trips[0].driver.is_none());

    // Kill -9 node B: it shows as down within its window, its connections gone.
    nodes[1].kill().await;
    let started = tokio::time::Instant::now();
    let o = overview_until(&nodes[0], token, |o| o.totals.nodes_down == 1).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    let down = o
        .nodes
        .iter()
        .find(|n| n.id == id_b)
        .expect("node B listed");
    assert_eq!(down.status, NodeStatus::Down);
    assert_eq!(down.connections, RoleCounts::default());
    assert_eq!(o.totals.connections.driver, 1);
}

on_both_backends! {
    async fn only_admins_see_the_monitor(backend) {
        let app = spawn_with(backend, fast_heartbeats()).await;
        let rider = app.user(Role::Rider).await;
        let driver = app.user(Role::Driver).await;
        let trip = hail_protocol::TripId::new();
        let paths = [
            "/api/monitor/overview".to_string(),
            "/api/monitor/dispatches".to_string(),
            format!("/api/monitor/dispatches/{trip}"),
            "/api/monitor/tasks".to_string(),
            "/api/monitor/map".to_string(),
            "/api/monitor/stream".to_string(),
        ];
        for path in &paths {
            for token in [rider.token(), driver.token()] {
                assert_eq!(app.get(path, token).await.status(), 403, "{path}");
            }
            assert_eq!(app.get(path, "forged.token.here").await.status(), 401, "{path}");
            let anonymous = app.http().get(app.url(path)).send().await.expect("request");
            assert_eq!(anonymous.status(), 401, "{path}");
        }

        // The live stream: an admin (token in the query, as EventSource
        // sends it) gets an overview that counts the admin's own socket
        // and the stream itself (two admin connections).
        let admin = app.admin().await;
        let _ws = Ws::connect(&app, admin.token()).await;
        let mut res = app
            .http()
            .get(app.url(&format!("/api/monitor/stream?token={}", admin.token())))
            .send()
            .await
            .expect("stream");
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "text/event-stream");
        let mut seen = String::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let overview = loop {
            let chunk = tokio::time::timeout_at(deadline, res.chunk())
                .await
                .expect("an overview in time")
                .expect("stream open")
                .expect("stream not ended");
            seen.push_str(&String::from_utf8_lossy(&chunk));
            let found = seen.split("\n\n").find_map(|event| {
                let data = event.strip_prefix("event: overview\ndata: ")?;
                let o: Overview = serde_json::from_str(data).ok()?;
                (o.totals.connections.admin == 2).then_some(o)
            });
            if let Some(o) = found {
                break o;
            }
        };
        assert_eq!(overview.nodes.len(), 1);
        assert!(seen.contains("event: tasks\n"), "{seen}");
        assert!(seen.contains("event: dispatches\n"), "{seen}");
        assert!(seen.contains("event: map\n"), "{seen}");
    }
}

on_both_backends! {
    async fn the_monitor_counts_its_own_stream_as_an_admin(backend) {
        let app = spawn_with(backend, fast_heartbeats()).await;
        let admin = app.admin().await;
        let token = admin.token().to_string();
        overview_until(&app, &token, |o| o.totals.connections.admin == 0).await;

        // No WebSocket: the open stream alone is the admin connection.
        let stream = app
            .http()
            .get(app.url(&format!("/api/monitor/stream?token={token}")))
            .send()
            .await
            .expect("stream");
        assert_eq!(stream.status(), 200);
        let o = overview_until(&app, &token, |o| o.totals.connections.admin == 1).await;
        assert_eq!(o.nodes[0].connections.admin, 1);

        let second = app
            .http()
            .get(app.url(&format!("/api/monitor/stream?token={token}")))
            .send()
            .await
            .expect("stream");
        overview_until(&app, &token, |o| o.totals.connections.admin == 2).await;

        // Closing a stream (the tab went away) stops counting it.
        drop(stream);
        drop(second);
        overview_until(&app, &token, |o| o.totals.connections.admin == 0).await;
    }
}
