//! The ride product end to end (issue 13): quote, request with the quote,
//! the vehicle and ratings the other side sees, the fare from the recorded
//! track, ratings, receipts, classes, cancellation reasons and fees, and
//! the bad input each new field refuses.

use crate::helpers::*;
use hail_protocol::http::UserResponse;
use hail_protocol::http::{RatingResponse, Receipt};
use hail_protocol::ride::{FaresResponse, Quote, QuotesResponse, VehicleResponse};
use hail_protocol::ws::EtaTarget;
use hail_protocol::{
    CancelReason, ClientMessage, ErrorCode, Role, ServerMessage, Trip, TripStatus,
};
use serde_json::json;
use std::time::Duration;

fn place_json(p: (f64, f64)) -> serde_json::Value {
    json!({"lat": p.0, "lng": p.1})
}

/// The trip every test quotes: the centre to 2.2 km north.
fn route() -> ((f64, f64), (f64, f64)) {
    (CENTRE, (CENTRE.0 + 0.02, CENTRE.1))
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    app.http()
        .request(method, app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request")
}

async fn quote(app: &TestApp, rider: &TestUser, class: Option<&str>) -> Vec<Quote> {
    let (pickup, dropoff) = route();
    let mut body = json!({"pickup": place_json(pickup), "dropoff": place_json(dropoff)});
    if let Some(c) = class {
        body["class"] = json!(c);
    }
    let res = send(
        app,
        reqwest::Method::POST,
        "/api/quotes",
        rider.token(),
        body,
    )
    .await;
    assert_eq!(res.status(), 200);
    res.json::<QuotesResponse>().await.expect("quotes").quotes
}

fn vehicle(class: &str) -> serde_json::Value {
    json!({"make": "Toyota", "model": "Prius", "colour": "silver",
           "plate": "b-hx 4821", "class": class, "seats": 4})
}

async fn register_vehicle(app: &TestApp, driver: &TestUser, class: &str) -> VehicleResponse {
    let res = send(
        app,
        reqwest::Method::PUT,
        "/api/me/vehicle",
        driver.token(),
        vehicle(class),
    )
    .await;
    assert_eq!(res.status(), 200);
    res.json().await.expect("vehicle")
}

fn request_with(quote: &Quote) -> ClientMessage {
    let (pickup, dropoff) = route();
    ClientMessage::TripRequest {
        pickup: place(pickup.0, pickup.1),
        dropoff: place(dropoff.0, dropoff.1),
        class: None,
        quote_id: Some(quote.quote_id.clone()),
    }
}

async fn rate(app: &TestApp, who: &TestUser, trip: &Trip, stars: u8) -> reqwest::Response {
    let path = format!("/api/trips/{}/rating", trip.id);
    let body = json!({"stars": stars, "comment": "fine"});
    send(app, reqwest::Method::POST, &path, who.token(), body).await
}

/// A car driving north from the centre at 48 m/s from `started`: 17
/// fixes 0.25 s apart (so no `at` is more than 5 s ahead of the server,
/// which would replace it), 12 m each: 192 m of ride.
fn along_route(started: chrono::DateTime<chrono::Utc>) -> Vec<ClientMessage> {
    (0..=16)
        .map(|i| {
            let pos =
                hail_protocol::Position::new(CENTRE.0 + i as f64 * 12.0 / 111_320.0, CENTRE.1)
                    .expect("valid");
            let at = started + chrono::Duration::milliseconds(250 * i);
            let fix = hail_protocol::Location::new(pos, None, Some(48.0), Some(at)).expect("valid");
            ClientMessage::Location(fix)
        })
        .collect()
}

on_both_backends! {
    async fn quote_request_accept_drive_complete_rate_and_receipt(backend) {
    let app = spawn_app(backend).await;
    let fares: FaresResponse = app.http().get(app.url("/api/fares")).send().await
        .expect("fares").json().await.expect("fares body");
    let rule = fares.classes.iter().find(|c| c.class == "standard").expect("standard").clone();

    let (driver, mut dws) = driver_online(&app, near(300.0)).await;
    let registered = register_vehicle(&app, &driver, "standard").await;
    assert_eq!(registered.vehicle.plate, "B-HX 4821", "plates are upper-cased");
    let (rider, mut rws) = app.connect(Role::Rider).await;

    for round in 0..2 {
        let quotes = quote(&app, &rider, None).await;
        let q = quotes.iter().find(|q| q.class == "standard").expect("a standard quote");
        assert_eq!(q.drivers_nearby, 1, "{q:?}");
        assert!(q.pickup_eta_s.is_some_and(|s| s > 0));
        assert!(q.fare.distance_m > 2_200, "road factor above great circle: {:?}", q.fare);
        assert_eq!(q.fare.surge_bp, 10_000);
        let f = &q.fare;
        assert_eq!(f.total, f.base + f.distance + f.time + f.surge + f.minimum_adjustment + f.booking_fee);

        let trip = rws.ok(request_with(q)).await.expect("trip");
        assert_eq!(trip.class.as_deref(), Some("standard"));
        assert_eq!(trip.quote_id.as_deref(), Some(q.quote_id.as_str()));
        assert_eq!(trip.estimate.as_ref(), Some(&q.fare), "locked to the quote");

        let ServerMessage::TripOffer { trip: offered, pickup_eta_s, .. } =
            dws.offer_for(trip.id).await else { unreachable!() };
        assert!(pickup_eta_s.is_some());
        assert_eq!(offered.estimate.as_ref(), Some(&q.fare), "the driver sees the fare");
        // The second time round both have been rated once.
        let rider_rating = offered.rider.rating.clone();
        dws.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;
        let accepted = rws.update_to(trip.id, TripStatus::Accepted).await;
        let d = accepted.driver.expect("driver");
        assert_eq!(d.vehicle.as_ref(), Some(&registered.vehicle), "the rider sees the vehicle");
        if round == 1 {
            assert_eq!(rider_rating.map(|r| (r.average, r.count)), Some((5.0, 1)));
            assert_eq!(d.rating.map(|r| (r.average, r.count)), Some((4.0, 1)));
        } else {
            assert!(rider_rating.is_none() && d.rating.is_none());
        }
        dws.update_to(trip.id, TripStatus::Accepted).await;

        // Heading to the pickup, each location tells the rider how long.
        dws.ok(location(near(200.0))).await;
        let ServerMessage::DriverLocation { eta_s, eta_to, .. } = rws
            .recv_until(|m| matches!(m, ServerMessage::DriverLocation { trip_id, .. } if *trip_id == trip.id))
            .await else { unreachable!() };
        assert_eq!(eta_to, Some(EtaTarget::Pickup));
        assert!(eta_s.is_some_and(|s| s > 0), "{eta_s:?}");

        // The drive to the pickup (5 fixes, 20 m apart, a second apart) is
        // in the track but not in the fare.
        let now = chrono::Utc::now();
        for i in 0..5i64 {
            let pos = hail_protocol::Position::new(CENTRE.0 - (5 - i) as f64 * 20.0 / 111_320.0, CENTRE.1)
                .expect("valid");
            let at = now - chrono::Duration::seconds(5 - i);
            let fix = hail_protocol::Location::new(pos, None, Some(20.0), Some(at)).expect("valid");
            dws.ok(ClientMessage::Location(fix)).await;
        }
        dws.ok(ClientMessage::TripArrive { trip_id: trip.id }).await;
        let started = dws.ok(ClientMessage::TripStart { trip_id: trip.id }).await
            .and_then(|t| t.started_at).expect("started");
        for fix in along_route(started) {
            dws.ok(fix).await;
        }
        let done = dws.ok(ClientMessage::TripComplete { trip_id: trip.id }).await.expect("trip");
        let fare = done.fare.expect("a completed trip has its fare");
        // 16 steps of 12 m: 192 m of ride (the drive to the pickup, also in
        // the track, is not charged), priced with the rule.
        assert!((fare.distance_m as i64 - 192).abs() <= 2, "{fare:?}");
        assert_eq!(fare.distance, (rule.per_km * fare.distance_m as i64 + 500) / 1000, "{fare:?}");
        assert_eq!(fare.base, rule.base);
        assert_eq!(fare.booking_fee, rule.booking_fee);
        assert_eq!(fare.total, fare.base + fare.distance + fare.time + fare.surge + fare.minimum_adjustment + fare.booking_fee);
        assert!(fare.total >= rule.minimum + rule.booking_fee);
        let seen = rws.update_to(trip.id, TripStatus::Completed).await;
        assert_eq!(seen.fare.as_ref(), Some(&fare));

        let by_rider = rate(&app, &rider, &seen, 4).await;
        assert_eq!(by_rider.status(), 201);
        let body: RatingResponse = by_rider.json().await.expect("rating");
        assert_eq!((body.rating.by, body.rating.stars), (Role::Rider, 4));
        assert_eq!(rate(&app, &driver, &seen, 5).await.status(), 201);
        // Once each.
        let again = rate(&app, &rider, &seen, 1).await;
        assert_eq!(again.status(), 409);
        assert_eq!(error_code(again).await, ErrorCode::Conflict);

        let receipt: Receipt = app.get(&format!("/api/trips/{}/receipt", trip.id), rider.token())
            .await.json().await.expect("receipt");
        assert_eq!(receipt.fare.as_ref(), Some(&fare));
        assert_eq!(receipt.estimate.as_ref(), Some(&q.fare));
        assert_eq!(receipt.ratings.len(), 2);
        assert_eq!(receipt.status, TripStatus::Completed);
    }
    let me: UserResponse = app.get("/api/me", driver.token()).await.json().await.expect("me");
    assert_eq!(me.rating.map(|r| (r.average, r.count)), Some((4.0, 2)));
    assert_eq!(me.vehicle, Some(registered.vehicle));
    let fares_seen = app.metric("hail_fare_minor_units_count").await;
    assert_eq!(fares_seen, Some(2.0), "both completed fares are in the fare histogram");
    }
}

on_both_backends! {
    async fn an_expired_or_foreign_quote_is_refused(backend) {
    let app = spawn_with(backend, Settings::default().set("HAIL_QUOTE_TTL_SECS", 0)).await;
    let (rider, mut rws) = app.connect(Role::Rider).await;
    let q = quote(&app, &rider, Some("standard")).await.remove(0);
    assert!(q.drivers_nearby == 0 && q.pickup_eta_s.is_none(), "nobody nearby, said up front");
    let reply = rws.request(request_with(&q)).await;
    let ServerMessage::Error { code, message, .. } = reply else { panic!("{reply:?}") };
    assert_eq!(code, ErrorCode::Invalid);
    assert!(message.contains("expired"), "{message}");
    let (other, mut ows) = app.connect(Role::Rider).await;
    drop(other);
    assert_eq!(ows.err(request_with(&q)).await, ErrorCode::Invalid, "not their quote");
    let bogus = ClientMessage::TripRequest {
        pickup: place(CENTRE.0, CENTRE.1),
        dropoff: place(CENTRE.0 + 0.02, CENTRE.1),
        class: None,
        quote_id: Some("not-a-quote".into()),
    };
    assert_eq!(rws.err(bogus).await, ErrorCode::Invalid);
    // Nothing was stored: the rider can still request.
    assert!(rws.ok(request_at_centre()).await.is_some());
    }
}

/// A quote is good on every node: the one that issued it prices the request
/// from its own copy, another reads it from the store; both lock the same
/// fare, and only for its rider.
#[tokio::test]
async fn a_quote_from_one_node_is_requested_on_either() {
    let nodes = spawn_cluster(2, Settings::default()).await;
    let (rider, mut on_a) = nodes[0].connect(Role::Rider).await;
    let mut on_b = Ws::connect(&nodes[1], rider.token()).await;
    for ws in [&mut on_a, &mut on_b] {
        let q = quote(&nodes[0], &rider, Some("xl")).await.remove(0);
        let trip = ws.ok(request_with(&q)).await.expect("the quoted trip");
        assert_eq!(trip.class.as_deref(), Some("xl"), "the quote's class");
        assert_eq!(trip.quote_id.as_deref(), Some(q.quote_id.as_str()));
        assert_eq!(trip.estimate.as_ref(), Some(&q.fare), "the quote's fare");
        ws.ok(ClientMessage::cancel(trip.id, None)).await;
    }
    let q = quote(&nodes[0], &rider, None).await.remove(0);
    let (_other, mut other) = nodes[0].connect(Role::Rider).await;
    assert_eq!(
        other.err(request_with(&q)).await,
        ErrorCode::Invalid,
        "not their quote"
    );
}

on_both_backends! {
    async fn a_driver_of_another_class_gets_no_offer(backend) {
    let app = spawn_app(backend).await;
    let (xl, mut xws) = driver_online(&app, near(200.0)).await;
    register_vehicle(&app, &xl, "xl").await;
    let (_std, mut sws) = driver_online(&app, near(400.0)).await;
    let (_rider, mut rws) = app.connect(Role::Rider).await;

    let trip = rws.ok(request_at_centre()).await.expect("a standard trip");
    sws.offer_for(trip.id).await;
    assert!(!xws.sees(Duration::from_millis(500), is_offer).await, "the xl driver is not offered a standard trip");
    rws.ok(ClientMessage::cancel(trip.id, None)).await;

    let xl_trip = ClientMessage::TripRequest {
        pickup: place(CENTRE.0, CENTRE.1),
        dropoff: place(CENTRE.0 + 0.02, CENTRE.1),
        class: Some("xl".into()),
        quote_id: None,
    };
    let trip = rws.ok(xl_trip).await.expect("an xl trip");
    assert_eq!(trip.class.as_deref(), Some("xl"));
    xws.offer_for(trip.id).await;
    assert!(!sws.sees(Duration::from_millis(500), |m| matches!(m, ServerMessage::TripOffer { trip: t, .. } if t.id == trip.id)).await);
    }
}

on_both_backends! {
    async fn a_late_rider_cancel_has_a_reason_and_a_fee(backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let fares = dir.path().join("fares.toml");
    std::fs::write(&fares, FARES_NO_GRACE).expect("write fares");
    let app = spawn_with(backend, Settings::default().set("HAIL_FARES_FILE", fares.display())).await;
    let (_driver, mut dws) = driver_online(&app, near(300.0)).await;
    let (_rider, mut rws) = app.connect(Role::Rider).await;

    // Before a driver accepts: no fee.
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    dws.offer_for(trip.id).await;
    let early = ClientMessage::TripCancel { trip_id: trip.id, reason: None, code: Some(CancelReason::ChangedPlans) };
    let cancelled = rws.ok(early).await.expect("trip");
    assert_eq!(cancelled.cancel_reason, Some(CancelReason::ChangedPlans));
    assert_eq!(cancelled.cancel_fee, None);

    let trip = rws.ok(request_at_centre()).await.expect("trip");
    dws.offer_for(trip.id).await;
    dws.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;
    // A driver's reason is not a rider's, and `other` needs words.
    let wrong = ClientMessage::TripCancel { trip_id: trip.id, reason: None, code: Some(CancelReason::RiderNoShow) };
    assert_eq!(rws.err(wrong).await, ErrorCode::Invalid);
    let bare_other = ClientMessage::TripCancel { trip_id: trip.id, reason: None, code: Some(CancelReason::Other) };
    assert_eq!(rws.err(bare_other).await, ErrorCode::Invalid);
    let late = ClientMessage::TripCancel { trip_id: trip.id, reason: Some("took too long".into()), code: Some(CancelReason::WaitTooLong) };
    let cancelled = rws.ok(late).await.expect("trip");
    assert_eq!(cancelled.status, TripStatus::Cancelled, "the refused cancels changed nothing before");
    assert_eq!(cancelled.cancel_reason, Some(CancelReason::WaitTooLong));
    let fee = cancelled.cancel_fee.expect("a fee after the grace period");
    assert_eq!((fee.amount, fee.currency.as_str()), (450, "EUR"));
    let seen = dws.update_to(trip.id, TripStatus::Cancelled).await;
    assert_eq!(seen.cancel_fee, Some(fee));
    }
}

/// One class, no grace period, a 4.50 fee.
const FARES_NO_GRACE: &str = r#"
currency = "EUR"

[classes.standard]
base = 250
per_km = 120
per_minute = 30
minimum = 700
booking_fee = 100

[cancel]
grace_secs = 0
fee = 450
"#;

on_both_backends! {
    async fn each_new_field_refuses_bad_input_and_stores_nothing(backend) {
    let app = spawn_app(backend).await;
    let (driver, mut dws) = driver_online(&app, near(300.0)).await;
    let (rider, mut rws) = app.connect(Role::Rider).await;
    let (pickup, dropoff) = route();

    // Quotes: riders only, known classes, served coordinates, JSON bodies.
    let ok_body = json!({"pickup": place_json(pickup), "dropoff": place_json(dropoff)});
    assert_eq!(send(&app, reqwest::Method::POST, "/api/quotes", driver.token(), ok_body.clone()).await.status(), 403);
    let mut bad_class = ok_body.clone();
    bad_class["class"] = json!("limo");
    let res = send(&app, reqwest::Method::POST, "/api/quotes", rider.token(), bad_class).await;
    assert_eq!(res.status(), 422);
    assert_eq!(error_code(res).await, ErrorCode::Invalid);
    let polar = json!({"pickup": {"lat": 89.0, "lng": 0.0}, "dropoff": place_json(dropoff)});
    assert_eq!(send(&app, reqwest::Method::POST, "/api/quotes", rider.token(), polar).await.status(), 422);
    let wrong_type = json!({"pickup": {"lat": "north", "lng": 0.0}, "dropoff": place_json(dropoff)});
    assert_eq!(send(&app, reqwest::Method::POST, "/api/quotes", rider.token(), wrong_type).await.status(), 422);
    let res = app.http().post(app.url("/api/quotes")).bearer_auth(rider.token())
        .header("content-type", "application/json").body("{nope").send().await.expect("post");
    assert_eq!(res.status(), 400);

    // Vehicles: drivers only, each field checked, nothing stored on refusal.
    assert_eq!(send(&app, reqwest::Method::PUT, "/api/me/vehicle", rider.token(), vehicle("standard")).await.status(), 403);
    for (field, value) in [
        ("seats", json!(0)), ("seats", json!(9)), ("seats", json!("four")),
        ("plate", json!("B<script>")), ("plate", json!("")), ("class", json!("limo")),
        ("make", json!("x".repeat(41))), ("colour", json!("   ")),
    ] {
        let mut body = vehicle("standard");
        body[field] = value.clone();
        let res = send(&app, reqwest::Method::PUT, "/api/me/vehicle", driver.token(), body).await;
        assert_eq!(res.status(), 422, "{field} = {value}");
        let message = res.json::<hail_protocol::ErrorBody>().await.expect("body").error.message;
        assert!(message.contains(field), "{field}: {message}");
    }
    assert_eq!(app.get("/api/me/vehicle", driver.token()).await.status(), 404, "nothing stored");

    // Trip requests: unknown class.
    let limo = ClientMessage::TripRequest {
        pickup: place(pickup.0, pickup.1), dropoff: place(dropoff.0, dropoff.1),
        class: Some("limo".into()), quote_id: None,
    };
    assert_eq!(rws.err(limo).await, ErrorCode::Invalid);

    // Ratings: only completed trips, stars 1-5, a bounded comment.
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    dws.offer_for(trip.id).await;
    dws.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;
    let early = rate(&app, &rider, &trip, 5).await;
    assert_eq!(early.status(), 409, "not completed yet");
    drive_to_completion(&mut dws, &mut rws, trip.id).await;
    let path = format!("/api/trips/{}/rating", trip.id);
    for body in [json!({"stars": 0}), json!({"stars": 6}), json!({"stars": "five"}),
                 json!({"stars": 5, "comment": "x".repeat(501)}), json!({"stars": 5, "comment": "bad\u{0007}bell"})] {
        let res = send(&app, reqwest::Method::POST, &path, rider.token(), body.clone()).await;
        assert_eq!(res.status(), 422, "{body}");
    }
    let (stranger, _sws) = app.connect(Role::Rider).await;
    assert_eq!(rate(&app, &stranger, &trip, 5).await.status(), 404);
    let receipt: Receipt = app.get(&format!("/api/trips/{}/receipt", trip.id), rider.token())
        .await.json().await.expect("receipt");
    assert!(receipt.ratings.is_empty(), "no refused rating was stored");
    assert_eq!(rate(&app, &rider, &trip, 5).await.status(), 201, "a good one still can be");
    assert_eq!(app.get(&format!("/api/trips/{}/receipt", trip.id), stranger.token()).await.status(), 404);
    }
}

on_both_backends! {
    async fn a_driver_photo_is_checked_by_content_and_re_encoded(backend) {
    let app = spawn_app(backend).await;
    let driver = app.user(Role::Driver).await;
    let rider = app.user(Role::Rider).await;
    let upload = |who: &TestUser, body: Vec<u8>, content_type: &'static str| {
        app.http()
            .put(app.url("/api/me/photo"))
            .bearer_auth(who.token().to_string())
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    // A PNG named as a JPEG is fine: the bytes decide.
    let mut png = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(800, 400, image::Rgb([9, 90, 200])))
        .write_to(&mut png, image::ImageFormat::Png)
        .expect("png");
    let mut png = png.into_inner();
    png.extend_from_slice(b"EXIF-GPS-SECRET");
    assert_eq!(upload(&rider, png.clone(), "image/png").await.expect("put").status(), 403);
    let res = upload(&driver, b"GIF89a not really".to_vec(), "image/jpeg").await.expect("put");
    assert_eq!(res.status(), 422, "wrong type");
    assert_eq!(error_code(res).await, ErrorCode::Invalid);
    let res = upload(&driver, b"<svg onload=alert(1)></svg>".to_vec(), "image/png").await.expect("put");
    assert_eq!(res.status(), 422);
    let too_big = vec![0xFF; 2 * 1024 * 1024 + 1];
    let res = upload(&driver, too_big, "image/jpeg").await.expect("put");
    assert_eq!(res.status(), 413, "too big");
    let photo = format!("/api/users/{}/photo", driver.user.id);
    assert_eq!(app.get(&photo, rider.token()).await.status(), 404, "nothing stored");

    assert_eq!(upload(&driver, png, "image/jpeg").await.expect("put").status(), 204);
    let res = app.get(&photo, rider.token()).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    let bytes = res.bytes().await.expect("bytes");
    let back = image::load_from_memory(&bytes).expect("a JPEG");
    assert_eq!((back.width(), back.height()), (512, 256), "scaled down");
    assert!(!bytes.windows(6).any(|w| w == b"SECRET"), "nothing of the upload but pixels");
    }
}
