//! What one client may do to a node over its sockets, and how the server
//! ends a socket that must go: the per-user cap, floods of any frame kind,
//! trip spam, expired tokens, deleted accounts, text that is not UTF-8,
//! positions the geo index cannot hold and device clocks that are off.

use crate::helpers::*;
use futures_util::StreamExt;
use hail_protocol::close;
use hail_protocol::http::TrackResponse;
use hail_protocol::{ClientMessage, ErrorCode, Role, ServerMessage};
use serde_json::json;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn past_the_per_user_cap_the_oldest_socket_is_closed_with_4009() {
    let app = spawn_with(
        Backend::Embedded,
        Settings::default().set("HAIL_MAX_SOCKETS_PER_USER", 2),
    )
    .await;
    let rider = app.user(Role::Rider).await;
    let mut first = Ws::connect(&app, rider.token()).await;
    let mut second = Ws::connect(&app, rider.token()).await;
    still_works(&mut first, Role::Rider).await;
    let mut third = Ws::connect(&app, rider.token()).await;
    assert_eq!(first.wait_closed().await, Some(close::REPLACED));
    still_works(&mut second, Role::Rider).await;
    still_works(&mut third, Role::Rider).await;
    // Another user is not affected by this one's cap.
    let (_other, mut other) = app.connect(Role::Rider).await;
    still_works(&mut other, Role::Rider).await;
    assert!(
        app.metric("hail_sockets_replaced_total")
            .await
            .unwrap_or(0.0)
            >= 1.0
    );
}

/// Binary frames and pings count against the rate like text; past it they
/// are not answered, and a socket that keeps flooding is closed with 1008.
#[tokio::test]
async fn binary_and_ping_floods_count_against_the_rate_and_are_closed() {
    let app = spawn_with(
        Backend::Embedded,
        Settings::default()
            .set("HAIL_WS_RATE_PER_SEC", 5)
            .set("HAIL_WS_BURST", 10),
    )
    .await;
    for flood in [
        Message::Binary(vec![1u8; 16].into()),
        Message::Ping(vec![7u8; 8].into()),
    ] {
        let (_d, mut ws) = app.connect(Role::Driver).await;
        for _ in 0..200 {
            ws.send_raw(flood.clone()).await;
        }
        assert_eq!(ws.wait_closed().await, Some(close::POLICY), "{flood:?}");
    }
    let metrics = app.metrics_text().await;
    for kind in ["binary", "ping"] {
        assert!(
            metrics.contains(&format!("hail_frames_limited_total{{kind=\"{kind}\"}}")),
            "{kind} frames counted as limited"
        );
    }
    // A text flood is answered frame by frame and keeps the connection
    // (bad_input.rs); a well-behaved socket is untouched.
    let (_d, mut calm) = app.connect(Role::Driver).await;
    still_works(&mut calm, Role::Driver).await;
}

on_both_backends! {
    /// request -> cancel loops are bounded per rider, across the rider's
    /// sockets; other riders are not affected.
    async fn a_riders_trip_requests_are_bounded(backend) {
        let app = spawn_with(
            backend,
            Settings::default()
                .set("HAIL_TRIP_REQUESTS_PER_WINDOW", 3)
                .set("HAIL_TRIP_REQUEST_WINDOW_SECS", 600),
        )
        .await;
        let (rider, mut ws) = app.connect(Role::Rider).await;
        for _ in 0..3 {
            let trip = ws.ok(request_at_centre()).await.expect("trip");
            ws.ok(ClientMessage::cancel(trip.id, None)).await;
        }
        let reply = ws.request(request_at_centre()).await;
        let ServerMessage::Error { code, message, .. } = reply else {
            panic!("the fourth request is refused: {reply:?}")
        };
        assert_eq!(code, ErrorCode::RateLimited);
        assert!(message.contains("3 trip requests per 600 s"), "{message}");
        // A second socket of the same rider is bound by the same count.
        let mut again = Ws::connect(&app, rider.token()).await;
        assert_eq!(again.err(request_at_centre()).await, ErrorCode::RateLimited);
        let (_other, mut other) = app.connect(Role::Rider).await;
        assert!(other.ok(request_at_centre()).await.is_some());
    }
}

#[tokio::test]
async fn an_expired_access_token_closes_its_socket_with_4001() {
    let app = spawn_with(
        Backend::Embedded,
        Settings::default().set("HAIL_ACCESS_TTL_SECS", 2),
    )
    .await;
    let (rider, mut ws) = app.connect(Role::Rider).await;
    still_works(&mut ws, Role::Rider).await;
    let closed = tokio::time::timeout(Duration::from_secs(10), ws.wait_closed())
        .await
        .expect("closed at expiry");
    assert_eq!(closed, Some(close::TOKEN_EXPIRED));
    // The client refreshes and is back.
    let res = app
        .http()
        .post(app.url("/api/auth/refresh"))
        .json(&json!({"refresh_token": rider.tokens.refresh_token}))
        .send()
        .await
        .expect("refresh");
    assert_eq!(res.status(), 200);
    let fresh: hail_protocol::http::TokenResponse = res.json().await.expect("tokens");
    let mut back = Ws::connect(&app, &fresh.access_token).await;
    still_works(&mut back, Role::Rider).await;
}

/// A user deletes their account on one node: its sockets on both nodes
/// close with 4003, its token stops working everywhere, and it cannot
/// log in or connect again.
#[tokio::test]
async fn deleting_an_account_closes_its_sockets_on_every_node() {
    let nodes = spawn_cluster(2, Settings::default()).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let rider = a.user(Role::Rider).await;
    let mut on_a = Ws::connect(a, rider.token()).await;
    let mut on_b = Ws::connect(b, rider.token()).await;
    still_works(&mut on_b, Role::Rider).await;

    let delete = |password: &'static str| {
        a.http()
            .delete(a.url("/api/me"))
            .bearer_auth(rider.token())
            .json(&json!({ "password": password }))
            .send()
    };
    assert_eq!(
        delete("not-the-password").await.expect("delete").status(),
        403
    );
    still_works(&mut on_a, Role::Rider).await;
    assert_eq!(delete(PASSWORD).await.expect("delete").status(), 204);
    assert_eq!(on_a.wait_closed().await, Some(close::REVOKED));
    assert_eq!(on_b.wait_closed().await, Some(close::REVOKED));

    for node in [a, b] {
        assert_eq!(node.get("/api/me", rider.token()).await.status(), 401);
        let login = node
            .http()
            .post(node.url("/api/auth/login"))
            .json(&json!({"username": rider.user.username, "password": PASSWORD}))
            .send()
            .await
            .expect("login");
        assert_eq!(login.status(), 401);
        let refresh = node
            .http()
            .post(node.url("/api/auth/refresh"))
            .json(&json!({"refresh_token": rider.tokens.refresh_token}))
            .send()
            .await
            .expect("refresh");
        assert_eq!(refresh.status(), 401);
        // The old token still verifies, but the socket closes at once.
        let (mut socket, _) = tokio_tungstenite::connect_async(node.ws_url(rider.token()))
            .await
            .expect("upgrade");
        let frame = tokio::time::timeout(WAIT, socket.next())
            .await
            .expect("frame");
        match frame {
            Some(Ok(Message::Close(Some(f)))) => assert_eq!(u16::from(f.code), close::REVOKED),
            other => panic!("expected close 4003, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn an_account_with_an_active_trip_cannot_be_deleted() {
    let app = spawn_app(Backend::Embedded).await;
    let (rider, mut ws) = app.connect(Role::Rider).await;
    ws.ok(request_at_centre()).await.expect("trip");
    let res = app
        .http()
        .delete(app.url("/api/me"))
        .bearer_auth(rider.token())
        .json(&json!({ "password": PASSWORD }))
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), 409);
    // Bad bodies get the contract's errors and delete nothing.
    for (body, status) in [("{}", 422), (r#"{"password": 7}"#, 422), ("not json", 400)] {
        let res = app
            .http()
            .delete(app.url("/api/me"))
            .bearer_auth(rider.token())
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("delete");
        assert_eq!(res.status(), status, "{body}");
        assert_eq!(error_code(res).await, ErrorCode::Invalid);
    }
    assert_eq!(app.get("/api/me", rider.token()).await.status(), 200);
    still_works(&mut ws, Role::Rider).await;
}

#[tokio::test]
async fn the_token_may_come_as_a_subprotocol() {
    let app = spawn_app(Backend::Embedded).await;
    let rider = app.user(Role::Rider).await;
    let url = app.ws_url("").replace("?token=", "");
    let mut request = url.as_str().into_client_request().expect("request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        format!("hail.v1, bearer.{}", rider.token())
            .parse()
            .expect("header"),
    );
    let (mut socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("upgrade with the token as a subprotocol");
    assert_eq!(
        response
            .headers()
            .get("sec-websocket-protocol")
            .map(|v| v.to_str().unwrap_or_default().to_string()),
        Some("hail.v1".to_string()),
        "the server selects hail.v1, never echoes the token"
    );
    let Some(Ok(Message::Text(text))) = tokio::time::timeout(WAIT, socket.next())
        .await
        .expect("hello")
    else {
        panic!("no hello")
    };
    assert!(text.as_str().contains("\"hello\""));

    let mut forged = url.as_str().into_client_request().expect("request");
    forged.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "hail.v1, bearer.not-a-token".parse().expect("header"),
    );
    let err = tokio_tungstenite::connect_async(forged)
        .await
        .expect_err("a forged token is refused before the upgrade");
    match err {
        tokio_tungstenite::tungstenite::Error::Http(res) => assert_eq!(res.status(), 401),
        other => panic!("expected 401, got {other}"),
    }
}

#[tokio::test]
async fn a_text_frame_that_is_not_utf8_closes_with_1007() {
    let app = spawn_app(Backend::Embedded).await;
    let (_r, mut ws) = app.connect(Role::Rider).await;
    let frame = Frame::message(vec![b'{', 0xff, 0xfe, b'}'], OpCode::Data(Data::Text), true);
    ws.send_raw(Message::Frame(frame)).await;
    assert_eq!(ws.wait_closed().await, Some(close::INVALID_DATA));
}

on_both_backends! {
    /// Redis GEO cannot hold latitudes past +-85.05; the R-tree could. Both
    /// backends refuse them the same way, and nothing is half-written: the
    /// driver stays where it was and is still offered trips there.
    async fn latitudes_the_geo_index_cannot_hold_are_invalid_everywhere(backend) {
        let app = spawn_app(backend).await;
        let (_d, mut dws) = driver_online(&app, near(200.0)).await;
        let reply = dws.request(location((89.0, 13.4))).await;
        let ServerMessage::Error { code, message, .. } = reply else {
            panic!("lat 89 is refused: {reply:?}")
        };
        assert_eq!(code, ErrorCode::Invalid);
        assert!(message.contains("85.05"), "{message}");

        let (_r, mut rws) = app.connect(Role::Rider).await;
        let polar = ClientMessage::request(place(88.5, 13.4), place(52.5, 13.4));
        assert_eq!(rws.err(polar).await, ErrorCode::Invalid);
        let trip = rws.ok(request_at_centre()).await.expect("trip");
        dws.offer_for(trip.id).await;
    }
}

on_both_backends! {
    /// A device clock years off (or ahead) does not date a track point:
    /// the server's receive time replaces it.
    async fn a_location_dated_far_from_server_time_is_stored_at_server_time(backend) {
        let app = spawn_app(backend).await;
        let (_d, mut dws) = driver_online(&app, near(300.0)).await;
        let (rider, mut rws) = app.connect(Role::Rider).await;
        let trip = rws.ok(request_at_centre()).await.expect("trip");
        dws.offer_for(trip.id).await;
        dws.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;
        let before = chrono::Utc::now();
        let skewed = [
            "2001-01-01T00:00:00Z".to_string(),
            (before + chrono::Duration::hours(1)).to_rfc3339(),
            (before - chrono::Duration::seconds(2)).to_rfc3339(),
        ];
        for (i, at) in skewed.iter().enumerate() {
            let reply = dws
                .request_json(json!({"type": "location", "lat": 52.52, "lng": 13.4 + i as f64 * 0.001, "at": at}))
                .await;
            assert!(matches!(reply, ServerMessage::Ok { .. }), "{reply:?}");
        }
        drive_to_completion(&mut dws, &mut rws, trip.id).await;
        let track: TrackResponse = app
            .get(&format!("/api/trips/{}/track", trip.id), rider.token())
            .await
            .json()
            .await
            .expect("track");
        assert_eq!(track.points.len(), 3);
        let window = (before - chrono::Duration::seconds(5))..(chrono::Utc::now() + chrono::Duration::seconds(1));
        for point in &track.points {
            assert!(window.contains(&point.at), "{:?} outside {window:?}", point.at);
        }
        // A time within the window is kept as the device sent it.
        let sent = chrono::DateTime::parse_from_rfc3339(&skewed[2]).expect("time");
        let drift = (track.points[2].at - sent.with_timezone(&chrono::Utc)).num_milliseconds();
        assert!(drift.abs() <= 1, "kept as sent (to the store's precision): {drift} ms");
    }
}
