//! Operator actions (issue 15): each from an operator token, its effect
//! seen over real sockets, its audit entry; a viewer is refused (403) and
//! nothing changes; bad targets are 404 / 409.

use crate::helpers::*;
use futures_util::StreamExt;
use hail_protocol::history::{TripDetailResponse, UserPageResponse};
use hail_protocol::monitor::Overview;
use hail_protocol::operator::{
    ActionKind, ActionResponse, ActionResult, AuditResponse, MonitorMe, MonitorRole,
};
use hail_protocol::{CancelledBy, ClientMessage, ErrorCode, Role, TripStatus};
use std::process::Stdio;
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::Message;

/// A new admin of `role`, made by `hail admin create --role ROLE
/// --password-stdin` (the password is piped in), logged in.
async fn monitor_user(app: &TestApp, role: &str) -> TestUser {
    let username = format!(
        "{role}_{}",
        &uuid::Uuid::now_v7().simple().to_string()[20..]
    );
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_hail"));
    cmd.args(["admin", "create", "--username", &username, "--role", role])
        .arg("--password-stdin")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    app.env.configure(&mut cmd);
    let mut child = cmd.spawn().expect("run hail admin create");
    let mut stdin = child.stdin.take().expect("piped stdin");
    stdin
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .await
        .expect("write password");
    drop(stdin);
    let out = child.wait_with_output().await.expect("admin create exits");
    assert!(
        out.status.success(),
        "hail admin create: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tokens = app.login(&username).await;
    TestUser {
        user: tokens.user.clone(),
        tokens,
    }
}

async fn act(app: &TestApp, who: &TestUser, path: &str) -> reqwest::Response {
    app.http()
        .post(app.url(&format!("/api/monitor/actions/{path}")))
        .bearer_auth(who.token())
        .send()
        .await
        .expect("POST action")
}

async fn act_ok(app: &TestApp, who: &TestUser, path: &str) -> ActionResponse {
    let res = act(app, who, path).await;
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.expect("action response")
}

async fn audit(app: &TestApp, who: &TestUser, query: &str) -> AuditResponse {
    let res = app
        .get(&format!("/api/monitor/audit{query}"), who.token())
        .await;
    assert_eq!(res.status(), 200, "audit");
    res.json().await.expect("audit response")
}

#[tokio::test]
async fn an_operator_cancels_a_trip_and_both_sides_see_it() {
    let nodes = spawn_cluster(2, Settings::default()).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let ops = monitor_user(a, "operator").await;
    let (_driver, mut dws) = driver_online(a, near(200.0)).await;
    let (_rider, mut rws) = b.connect(Role::Rider).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    dws.offer_for(trip.id).await;
    dws.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;
    rws.update_to(trip.id, TripStatus::Accepted).await;

    let done = act_ok(a, &ops, &format!("trips/{}/cancel", trip.id)).await;
    assert_eq!(done.entry.result, ActionResult::Done);
    assert_eq!(done.entry.action, ActionKind::CancelTrip);
    assert_eq!(done.entry.actor_id, ops.user.id);
    for ws in [&mut rws, &mut dws] {
        let t = ws.update_to(trip.id, TripStatus::Cancelled).await;
        assert_eq!(t.cancelled_by, Some(CancelledBy::System));
    }
    // Idempotent: again is `unchanged`, from either node.
    let again = act_ok(b, &ops, &format!("trips/{}/cancel", trip.id)).await;
    assert_eq!(again.entry.result, ActionResult::Unchanged);

    let log = audit(b, &ops, &format!("?target={}", trip.id)).await;
    let ids: Vec<i64> = log.entries.iter().map(|e| e.id).collect();
    assert_eq!(ids, vec![again.entry.id, done.entry.id], "newest first");
    // Cursor paging.
    let page = audit(b, &ops, &format!("?target={}&limit=1", trip.id)).await;
    assert_eq!(page.entries.len(), 1);
    let next = page.next_before.expect("a next page");
    let rest = audit(b, &ops, &format!("?target={}&before={next}", trip.id)).await;
    assert_eq!(rest.entries[0].id, done.entry.id);
    // The trip's page in the monitor lists the same entries.
    let page: TripDetailResponse = monitor_get(a, &ops, &format!("trips/{}", trip.id)).await;
    assert_eq!(page.trip.status, TripStatus::Cancelled);
    let ids: Vec<i64> = page.audit.iter().map(|e| e.id).collect();
    assert_eq!(ids, vec![again.entry.id, done.entry.id]);
}

/// `GET /api/monitor/{path}` as `who`, which must answer 200.
async fn monitor_get<T: serde::de::DeserializeOwned>(
    app: &TestApp,
    who: &TestUser,
    path: &str,
) -> T {
    let res = app.get(&format!("/api/monitor/{path}"), who.token()).await;
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.expect("monitor page")
}

#[tokio::test]
async fn a_redispatched_trip_is_offered_again() {
    let settings = Settings::default().set("HAIL_TRIP_TIMEOUT_SECS", 2);
    let nodes = spawn_cluster(2, settings).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let ops = monitor_user(a, "operator").await;
    let (_rider, mut rws) = a.connect(Role::Rider).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    rws.update_to(trip.id, TripStatus::Expired).await;

    let (_driver, mut dws) = driver_online(b, near(200.0)).await;
    let done = act_ok(b, &ops, &format!("trips/{}/redispatch", trip.id)).await;
    assert_eq!(done.entry.result, ActionResult::Done);
    rws.update_to(trip.id, TripStatus::Requested).await;
    dws.offer_for(trip.id).await;
    dws.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;
    rws.update_to(trip.id, TripStatus::Accepted).await;
    // Accepted now: not re-dispatched again.
    let res = act(a, &ops, &format!("trips/{}/redispatch", trip.id)).await;
    assert_eq!(res.status(), 409);
}

#[tokio::test]
async fn a_suspended_driver_is_closed_refused_and_offered_nothing() {
    let nodes = spawn_cluster(2, Settings::default()).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let ops = monitor_user(a, "operator").await;
    let (driver, mut dws) = driver_online(b, near(200.0)).await;

    let done = act_ok(a, &ops, &format!("users/{}/suspend", driver.user.id)).await;
    assert_eq!(done.entry.result, ActionResult::Done);
    assert_eq!(dws.wait_closed().await, Some(4003));
    // Log-in, refresh and the old token are refused.
    let res = post_json(
        a,
        "/api/auth/login",
        serde_json::json!({"username": driver.user.username, "password": PASSWORD}),
    )
    .await;
    assert_eq!(res.status(), 403);
    let body: serde_json::Value = res.json().await.expect("error body");
    assert!(body.to_string().contains("suspended"), "{body}");
    let res = post_json(
        b,
        "/api/auth/refresh",
        serde_json::json!({"refresh_token": driver.tokens.refresh_token}),
    )
    .await;
    assert_eq!(res.status(), 403);
    let (mut socket, _) = tokio_tungstenite::connect_async(a.ws_url(driver.token()))
        .await
        .expect("upgrade");
    match tokio::time::timeout(WAIT, socket.next())
        .await
        .expect("frame")
    {
        Some(Ok(Message::Close(Some(f)))) => assert_eq!(u16::from(f.code), 4003),
        other => panic!("expected close 4003, got {other:?}"),
    }
    // No offers: a trip requested now finds nobody.
    let (_rider, mut rws) = a.connect(Role::Rider).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    assert!(rws
        .recv_within(std::time::Duration::from_secs(2), |m| matches!(
            m,
            hail_protocol::ServerMessage::TripUpdated { trip: t } if t.id == trip.id && t.status == TripStatus::Accepted
        ))
        .await
        .is_none());
    rws.ok(ClientMessage::cancel(trip.id, None)).await;

    // The monitor's user page still finds a suspended user, and says so.
    let page: UserPageResponse = monitor_get(b, &ops, &format!("users/{}", driver.user.id)).await;
    assert!(page.suspended);
    assert_eq!(page.audit.len(), 1);
    assert_eq!(page.audit[0].action, ActionKind::Suspend);
    let same = act_ok(b, &ops, &format!("users/{}/suspend", driver.user.id)).await;
    assert_eq!(same.entry.result, ActionResult::Unchanged);
    let lifted = act_ok(b, &ops, &format!("users/{}/unsuspend", driver.user.id)).await;
    assert_eq!(lifted.entry.result, ActionResult::Done);
    let tokens = a.login(&driver.user.username).await;
    let mut back = Ws::connect(b, &tokens.access_token).await;
    still_works(&mut back, Role::Driver).await;
    let page: UserPageResponse = monitor_get(a, &ops, &format!("users/{}", driver.user.id)).await;
    assert!(!page.suspended);
    let log = audit(a, &ops, &format!("?target={}", driver.user.id)).await;
    let kinds: Vec<ActionKind> = log.entries.iter().map(|e| e.action).collect();
    assert_eq!(
        kinds,
        vec![
            ActionKind::Unsuspend,
            ActionKind::Suspend,
            ActionKind::Suspend
        ]
    );
}

#[tokio::test]
async fn disconnect_closes_a_users_sockets_on_every_node() {
    let nodes = spawn_cluster(2, Settings::default()).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let ops = monitor_user(a, "operator").await;
    let rider = a.user(Role::Rider).await;
    let mut on_a = Ws::connect(a, rider.token()).await;
    let mut on_b = Ws::connect(b, rider.token()).await;
    let done = act_ok(b, &ops, &format!("users/{}/disconnect", rider.user.id)).await;
    assert_eq!(done.entry.result, ActionResult::Done);
    assert_eq!(on_a.wait_closed().await, Some(1008));
    assert_eq!(on_b.wait_closed().await, Some(1008));
    // Not suspended: the same token opens a socket again.
    let mut back = Ws::connect(a, rider.token()).await;
    still_works(&mut back, Role::Rider).await;
}

#[tokio::test]
async fn a_drained_node_hands_over_closes_with_1001_and_leaves() {
    let env = TestEnv::create(Backend::External).await;
    let settings = Settings::default().set("HAIL_TRIP_TIMEOUT_SECS", 120);
    let a = spawn_node(env.clone(), &settings.clone().set("HAIL_NODE_ID", "node-a")).await;
    let mut b = spawn_node(env.clone(), &settings.set("HAIL_NODE_ID", "node-b")).await;
    let ops = monitor_user(&a, "operator").await;
    // The trip is requested on B, which runs its dispatch; nobody is near.
    let (_rider, mut rws) = b.connect(Role::Rider).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    eventually("both nodes listed", || async {
        let o: Overview = a
            .get("/api/monitor/overview", ops.token())
            .await
            .json()
            .await
            .ok()?;
        (o.nodes.len() == 2).then_some(())
    })
    .await;

    let done = act_ok(&a, &ops, "nodes/node-b/drain").await;
    assert_eq!(done.entry.result, ActionResult::Done);
    assert_eq!(rws.wait_closed().await, Some(1001));
    assert!(b.terminate().await, "the drained node exits cleanly");
    // A takes the dispatch over: a driver coming online on A is offered it.
    let (_driver, mut dws) = driver_online(&a, near(200.0)).await;
    dws.offer_for(trip.id).await;
    let o: Overview = a
        .get("/api/monitor/overview", ops.token())
        .await
        .json()
        .await
        .expect("overview");
    let ids: Vec<&str> = o.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, vec!["node-a"], "the drained node left the list");
    let res = act(&a, &ops, "nodes/node-b/drain").await;
    assert_eq!(res.status(), 404, "a node that left is unknown");
}

on_both_backends! {
    async fn a_viewer_can_look_but_not_act(backend) {
        let app = spawn_app(backend).await;
        let viewer = monitor_user(&app, "viewer").await;
        let ops = monitor_user(&app, "operator").await;
        let me: MonitorMe = app.get("/api/monitor/me", viewer.token()).await.json().await.expect("me");
        assert_eq!(me.role, MonitorRole::Viewer);
        let me: MonitorMe = app.get("/api/monitor/me", ops.token()).await.json().await.expect("me");
        assert_eq!(me.role, MonitorRole::Operator);

        let (rider, mut rws) = app.connect(Role::Rider).await;
        let trip = rws.ok(request_at_centre()).await.expect("trip");
        let node = app.get("/api/monitor/overview", ops.token()).await.json::<Overview>().await.expect("overview").nodes[0].id.clone();
        for path in [
            format!("trips/{}/cancel", trip.id),
            format!("trips/{}/redispatch", trip.id),
            format!("users/{}/disconnect", rider.user.id),
            format!("users/{}/suspend", rider.user.id),
            format!("users/{}/unsuspend", rider.user.id),
            format!("nodes/{node}/drain"),
        ] {
            let res = act(&app, &viewer, &path).await;
            assert_eq!(res.status(), 403, "{path}");
            assert_eq!(error_code(res).await, ErrorCode::Forbidden);
        }
        // Nothing changed: the socket is open, the trip still requested,
        // the node still up, nothing audited; riders are no monitor users.
        still_works(&mut rws, Role::Rider).await;
        let t: hail_protocol::http::TripResponse = app.get(&format!("/api/trips/{}", trip.id), rider.token()).await.json().await.expect("trip");
        assert_eq!(t.trip.status, TripStatus::Requested);
        assert!(audit(&app, &viewer, "").await.entries.is_empty());
        let res = act(&app, &rider, &format!("trips/{}/cancel", trip.id)).await;
        assert_eq!(res.status(), 403);
    }
}

on_both_backends! {
    async fn bad_targets_are_404_and_final_trips_409(backend) {
        let app = spawn_with(backend, Settings::default().set("HAIL_TRIP_TIMEOUT_SECS", 1)).await;
        let ops = monitor_user(&app, "operator").await;
        let unknown = uuid::Uuid::now_v7();
        for path in [
            format!("trips/{unknown}/cancel"),
            format!("trips/{unknown}/redispatch"),
            "trips/not-a-trip/cancel".to_string(),
            format!("users/{unknown}/suspend"),
            format!("users/{unknown}/disconnect"),
            "nodes/no-such-node/drain".to_string(),
        ] {
            let res = act(&app, &ops, &path).await;
            assert_eq!(res.status(), 404, "{path}");
        }
        let (_rider, mut rws) = app.connect(Role::Rider).await;
        let trip = rws.ok(request_at_centre()).await.expect("trip");
        rws.update_to(trip.id, TripStatus::Expired).await;
        let res = act(&app, &ops, &format!("trips/{}/cancel", trip.id)).await;
        assert_eq!(res.status(), 409);
        let body: serde_json::Value = res.json().await.expect("error body");
        assert!(body.to_string().contains("expired"), "{body}");
        // Admins are not suspended here.
        let res = act(&app, &ops, &format!("users/{}/suspend", ops.user.id)).await;
        assert_eq!(res.status(), 409);
        // Refusals are audited too.
        let log = audit(&app, &ops, &format!("?target={}", trip.id)).await;
        assert_eq!(log.entries.len(), 1);
        assert_eq!(log.entries[0].result, ActionResult::Refused);
    }
}
