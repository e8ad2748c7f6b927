//! Every bad input of the contract gets its error code, and the connection
//! keeps working afterwards.

use crate::helpers::*;
use hail_protocol::{ClientMessage, ErrorCode, Role, ServerMessage, TripId, TripStatus};
use serde_json::json;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// The error code a raw frame gets (sent with a `ref` when it is JSON).
async fn code_of(ws: &mut Ws, value: serde_json::Value) -> ErrorCode {
    match ws.request_json(value).await {
        ServerMessage::Error { code, .. } => code,
        other => panic!("expected an error, got {other:?}"),
    }
}

on_both_backends! {
    async fn malformed_frames_get_invalid_and_the_connection_stays(backend) {
    let app = spawn_app(backend).await;
    let (_d, mut ws) = app.connect(Role::Driver).await;

    ws.send_text("{this is not json").await;
    let err = ws
        .recv_until(|m| matches!(m, ServerMessage::Error { .. }))
        .await;
    assert!(
        matches!(
            err,
            ServerMessage::Error {
                code: ErrorCode::Invalid,
                reference: None,
                ..
            }
        ),
        "{err:?}"
    );
    still_works(&mut ws, Role::Driver).await;

    ws.send_raw(Message::Binary(vec![1u8, 2, 3].into())).await;
    let err = ws
        .recv_until(|m| matches!(m, ServerMessage::Error { .. }))
        .await;
    assert!(matches!(
        err,
        ServerMessage::Error {
            code: ErrorCode::Invalid,
            ..
        }
    ));

    let cases = [
        json!({"type": "trip.teleport"}),
        json!({"no_type": true}),
        json!({"type": "location", "lat": 91.0, "lng": 0.0}),
        json!({"type": "location", "lat": 0.0, "lng": 180.5}),
        json!({"type": "location", "lat": -90.5, "lng": 0.0}),
        json!({"type": "location", "lat": "52.5", "lng": 13.4}),
        json!({"type": "location", "lat": 52.5}),
        json!({"type": "location", "lat": 52.5, "lng": 13.4, "speed": -3}),
        json!({"type": "driver.available", "available": "yes"}),
        json!({"type": "trip.accept", "trip_id": 17}),
        json!({"type": "trip.accept", "trip_id": "not-a-trip-id"}),
        json!({"type": "trip.accept"}),
        json!({"type": "trip.cancel", "trip_id": TripId::new(), "reason": "x".repeat(501)}),
    ];
    for case in cases {
        assert_eq!(
            code_of(&mut ws, case.clone()).await,
            ErrorCode::Invalid,
            "{case}"
        );
    }
    // Numbers JSON cannot hold as f64 are not coordinates either.
    ws.send_text(r#"{"type":"location","lat":1e999,"lng":0,"ref":"inf"}"#)
        .await;
    assert!(matches!(
        ws.reply("inf").await,
        ServerMessage::Error {
            code: ErrorCode::Invalid,
            ..
        }
    ));
    still_works(&mut ws, Role::Driver).await;
}
}

on_both_backends! {
    async fn bad_trip_requests_are_invalid(backend) {
    let app = spawn_app(backend).await;
    let (_r, mut ws) = app.connect(Role::Rider).await;
    let ok_place = json!({"lat": 52.5, "lng": 13.4});
    for case in [
        json!({"type": "trip.request", "pickup": ok_place}),
        json!({"type": "trip.request", "pickup": ok_place, "dropoff": {"lat": 100, "lng": 0}}),
        json!({"type": "trip.request", "pickup": {"lat": 52.5}, "dropoff": ok_place}),
        json!({"type": "trip.request", "pickup": ok_place, "dropoff": {"lat": 1, "lng": 1, "address": "a".repeat(201)}}),
        json!({"type": "trip.request", "pickup": "here", "dropoff": ok_place}),
    ] {
        assert_eq!(
            code_of(&mut ws, case.clone()).await,
            ErrorCode::Invalid,
            "{case}"
        );
    }
    let trip = ws
        .ok(request_at_centre())
        .await
        .expect("a valid request still works");
    assert_eq!(trip.status, TripStatus::Requested);
}
}

on_both_backends! {
    async fn roles_may_not_send_each_others_commands(backend) {
    let app = spawn_app(backend).await;
    let (_r, mut rider) = app.connect(Role::Rider).await;
    let (_d, mut driver) = app.connect(Role::Driver).await;
    let some_trip = TripId::new();
    for cmd in [
        location(CENTRE),
        ClientMessage::DriverAvailable { available: true },
        ClientMessage::TripAccept { trip_id: some_trip },
        ClientMessage::TripDecline { trip_id: some_trip },
        ClientMessage::TripArrive { trip_id: some_trip },
        ClientMessage::TripStart { trip_id: some_trip },
        ClientMessage::TripComplete { trip_id: some_trip },
    ] {
        assert_eq!(
            rider.err(cmd.clone()).await,
            ErrorCode::Forbidden,
            "rider sends {cmd:?}"
        );
    }
    assert_eq!(driver.err(request_at_centre()).await, ErrorCode::Forbidden);
    // forbidden wins over invalid: a rider's malformed driver command.
    assert_eq!(
        code_of(&mut rider, json!({"type": "location", "lat": "x"})).await,
        ErrorCode::Forbidden
    );
    still_works(&mut rider, Role::Rider).await;
    still_works(&mut driver, Role::Driver).await;
}
}

on_both_backends! {
    async fn other_drivers_cannot_touch_my_trip_and_illegal_transitions_conflict(backend) {
    let app = spawn_app(backend).await;
    let (_me, mut me) = driver_online(&app, near(100.0)).await;
    let (_other, mut other) = driver_online(&app, near(200.0)).await;
    let (_r, mut rider) = app.connect(Role::Rider).await;
    let trip = rider.ok(request_at_centre()).await.expect("trip");
    me.offer_for(trip.id).await;
    other.offer_for(trip.id).await;

    // Offered but not assigned: only the assigned driver may arrive.
    assert_eq!(
        me.err(ClientMessage::TripArrive { trip_id: trip.id }).await,
        ErrorCode::Forbidden
    );
    me.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;

    // The other (offered) driver may not drive or cancel my trip.
    for cmd in [
        ClientMessage::TripArrive { trip_id: trip.id },
        ClientMessage::TripStart { trip_id: trip.id },
        ClientMessage::TripComplete { trip_id: trip.id },
        ClientMessage::cancel(trip.id, None),
    ] {
        assert_eq!(other.err(cmd).await, ErrorCode::Forbidden);
    }
    // A driver never offered it: the trip does not exist for them...
    let (_x, mut stranger) = app.connect(Role::Driver).await;
    assert_eq!(
        stranger
            .err(ClientMessage::TripArrive { trip_id: trip.id })
            .await,
        ErrorCode::NotFound
    );
    assert_eq!(
        stranger
            .err(ClientMessage::cancel(trip.id, None))
            .await,
        ErrorCode::NotFound
    );
    // ...and accepting one never offered is forbidden, as the contract says.
    assert_eq!(
        stranger
            .err(ClientMessage::TripAccept { trip_id: trip.id })
            .await,
        ErrorCode::Forbidden
    );
    assert_eq!(
        stranger
            .err(ClientMessage::TripArrive {
                trip_id: TripId::new()
            })
            .await,
        ErrorCode::NotFound
    );
    // Another rider.
    let (_r2, mut rider2) = app.connect(Role::Rider).await;
    assert_eq!(
        rider2
            .err(ClientMessage::cancel(trip.id, None))
            .await,
        ErrorCode::NotFound
    );

    // Illegal transitions from `accepted`.
    assert_eq!(
        me.err(ClientMessage::TripStart { trip_id: trip.id }).await,
        ErrorCode::Conflict
    );
    assert_eq!(
        me.err(ClientMessage::TripComplete { trip_id: trip.id })
            .await,
        ErrorCode::Conflict
    );
    assert_eq!(
        me.err(ClientMessage::TripAccept { trip_id: trip.id }).await,
        ErrorCode::Conflict
    );
    me.ok(ClientMessage::TripArrive { trip_id: trip.id }).await;
    assert_eq!(
        me.err(ClientMessage::TripArrive { trip_id: trip.id }).await,
        ErrorCode::Conflict
    );
    me.ok(ClientMessage::TripStart { trip_id: trip.id }).await;
    assert_eq!(
        rider
            .err(ClientMessage::cancel(trip.id, None))
            .await,
        ErrorCode::Conflict
    );
    me.ok(ClientMessage::TripComplete { trip_id: trip.id })
        .await;
    assert_eq!(
        me.err(ClientMessage::cancel(trip.id, None))
        .await,
        ErrorCode::Conflict
    );
    still_works(&mut me, Role::Driver).await;
}
}

on_both_backends! {
    async fn an_oversized_message_is_too_large_and_the_connection_stays(backend) {
    let app = spawn_app(backend).await;
    let (_d, mut ws) = app.connect(Role::Driver).await;
    let big = format!(
        r#"{{"type":"location","lat":1,"lng":1,"ref":"big","pad":"{}"}}"#,
        "x".repeat(70 * 1024)
    );
    ws.send_text(big).await;
    assert!(matches!(
        ws.reply("big").await,
        ServerMessage::Error {
            code: ErrorCode::TooLarge,
            ..
        }
    ));
    still_works(&mut ws, Role::Driver).await;

    // Just under the limit is fine.
    let fits = format!(
        r#"{{"type":"location","lat":1,"lng":1,"ref":"fits","pad":"{}"}}"#,
        "x".repeat(60 * 1024)
    );
    ws.send_text(fits).await;
    assert!(matches!(ws.reply("fits").await, ServerMessage::Ok { .. }));

    // A frame so large the server will not even buffer it ends the
    // connection (close 1009, when the close frame gets through).
    ws.send_text("x".repeat(300 * 1024)).await;
    let code = ws.wait_closed().await;
    assert!(matches!(code, Some(1009) | None), "closed: {code:?}");
    // The server itself is fine.
    let (_d2, mut other) = app.connect(Role::Driver).await;
    still_works(&mut other, Role::Driver).await;
}
}

on_both_backends! {
    async fn a_flood_is_rate_limited_and_the_connection_stays(backend) {
    let app = spawn_app(backend).await;
    let (_d, mut ws) = app.connect(Role::Driver).await;
    let n = 120;
    for i in 0..n {
        let frame = json!({"type": "location", "lat": 52.5, "lng": 13.4, "ref": format!("f{i}")});
        ws.send_text(frame.to_string()).await;
    }
    let mut ok = 0;
    let mut limited = 0;
    for i in 0..n {
        match ws.reply(&format!("f{i}")).await {
            ServerMessage::Ok { .. } => ok += 1,
            ServerMessage::Error {
                code: ErrorCode::RateLimited,
                ..
            } => limited += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(ok >= 50, "the burst of 50 passes: {ok} ok");
    assert!(limited > 0, "past the limit: {limited} limited");
    assert_eq!(ok + limited, n, "every message is answered");
    // The rate limit's bucket refills on the wall clock (per second): polling
    // would not assert it is working again within that second.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    still_works(&mut ws, Role::Driver).await;
}
}

/// A rider that stops reading while its driver streams GPS: its outbox
/// overflows and it is cut off; the driver is never slowed and carries on.
#[tokio::test]
async fn a_slow_consumer_is_disconnected_without_stalling_the_sender() {
    let settings = Settings::default()
        .set("HAIL_WS_OUTBOX", 4)
        .set("HAIL_WS_WRITE_TIMEOUT_SECS", 2)
        .set("HAIL_WS_RATE_PER_SEC", 1_000_000)
        .set("HAIL_WS_BURST", 1_000_000);
    let app = spawn_with(Backend::Embedded, settings).await;
    let (_d, mut dws) = driver_online(&app, near(100.0)).await;
    let (_r, mut rws) = app.connect(Role::Rider).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    dws.offer_for(trip.id).await;
    dws.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;
    // The rider reads nothing from here on. Stream until the server has
    // cut it off (its socket buffers fill, then its outbox).
    let started = std::time::Instant::now();
    let mut sent = 0;
    let cut_off = loop {
        for _ in 0..500 {
            dws.send(location(near(50.0))).await;
        }
        sent += 500;
        let overflowed = app
            .metric("hail_outbox_overflow_total")
            .await
            .unwrap_or(0.0);
        if overflowed > 0.0 {
            break true;
        }
        if started.elapsed() > Duration::from_secs(60) {
            break false;
        }
    };
    assert!(
        cut_off,
        "the slow rider was never cut off after {sent} updates"
    );
    // The driver was not stalled: it still gets answers at once.
    let answered = tokio::time::timeout(Duration::from_secs(2), dws.ok(location(near(40.0)))).await;
    assert!(
        answered.is_ok(),
        "the sender was stalled by the slow consumer"
    );
    // And the slow rider's session is gone within the write timeout.
    eventually("the slow rider's session to end", || async {
        (app.metric("hail_connections{role=\"rider\"}").await == Some(0.0)).then_some(())
    })
    .await;
}
