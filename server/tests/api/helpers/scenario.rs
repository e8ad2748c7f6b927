//! Places, commands and trip steps the scenarios share.

#![allow(dead_code)]

use super::*;

/// POSTs a JSON body.
pub async fn post_json(app: &TestApp, path: &str, body: serde_json::Value) -> reqwest::Response {
    app.http()
        .post(app.url(path))
        .json(&body)
        .send()
        .await
        .expect("POST")
}

/// The error code of an HTTP error response.
pub async fn error_code(res: reqwest::Response) -> ErrorCode {
    res.json::<hail_protocol::ErrorBody>()
        .await
        .expect("error body")
        .error
        .code
}

/// Berlin, where every test city lives.
pub const CENTRE: (f64, f64) = (52.520, 13.405);

pub fn place(lat: f64, lng: f64) -> Place {
    let at = hail_protocol::Position::new(lat, lng).expect("a test position");
    Place::new(at, None).expect("no address")
}

/// A point `north_m` metres north of the centre.
pub fn near(north_m: f64) -> (f64, f64) {
    (CENTRE.0 + north_m / 111_320.0, CENTRE.1)
}

pub fn location(pos: (f64, f64)) -> ClientMessage {
    let at = hail_protocol::Position::new(pos.0, pos.1).expect("a test position");
    ClientMessage::Location(hail_protocol::Location::at(at))
}

/// Sends the driver's next point (a little further north each time).
pub async fn next_point(dws: &mut Ws, north: &mut f64) -> (f64, f64) {
    *north += 5.0;
    let pos = near(*north);
    dws.send(location(pos)).await;
    pos
}

/// The `driver.location` of the point at `pos`.
pub fn is_point(pos: (f64, f64)) -> impl Fn(&ServerMessage) -> bool {
    move |m| matches!(m, ServerMessage::DriverLocation { lat, lng, .. } if (*lat, *lng) == pos)
}

/// The driver streams points, each awaited at the rider's socket `rws`,
/// until `other` (another socket of the rider's) gets one too; from then
/// on `other` must get each of the next `then`. `what` names `other`.
pub async fn points_reach(
    dws: &mut Ws,
    north: &mut f64,
    rws: &mut Ws,
    other: &mut Ws,
    then: usize,
    what: &str,
) {
    let mut reached = false;
    for _ in 0..100 {
        let p = next_point(dws, north).await;
        rws.recv_until(is_point(p)).await;
        if other.sees(Duration::from_millis(100), is_point(p)).await {
            reached = true;
            break;
        }
    }
    assert!(reached, "{what} never got a point");
    for _ in 0..then {
        let p = next_point(dws, north).await;
        rws.recv_until(is_point(p)).await;
        let got = other.recv_within(Duration::from_secs(5), is_point(p)).await;
        assert!(got.is_some(), "a point missed {what}");
    }
}

/// The driver streams points (10/s, under the socket's frame rate), each
/// awaited at `rws`, until `app` sends one past the bus.
pub async fn until_past_the_bus(app: &TestApp, dws: &mut Ws, north: &mut f64, rws: &mut Ws) {
    let local = r#"hail_locations_forwarded_total{way="local"}"#;
    let before = app.metric(local).await.unwrap_or(0.0);
    for _ in 0..100 {
        let p = next_point(dws, north).await;
        rws.recv_until(is_point(p)).await;
        if app.metric(local).await.unwrap_or(0.0) > before {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the points never went past the bus");
}

pub fn request_at_centre() -> ClientMessage {
    ClientMessage::request(
        place(CENTRE.0, CENTRE.1),
        place(CENTRE.0 + 0.02, CENTRE.1 + 0.02),
    )
}

/// The assigned driver takes an accepted trip to `completed`; the rider
/// sees each step.
pub async fn drive_to_completion(dws: &mut Ws, rws: &mut Ws, trip: TripId) {
    use hail_protocol::TripStatus;
    for (cmd, status) in [
        (
            ClientMessage::TripArrive { trip_id: trip },
            TripStatus::Arrived,
        ),
        (
            ClientMessage::TripStart { trip_id: trip },
            TripStatus::InProgress,
        ),
        (
            ClientMessage::TripComplete { trip_id: trip },
            TripStatus::Completed,
        ),
    ] {
        dws.ok(cmd).await;
        rws.update_to(trip, status).await;
    }
}

/// A driver on duty at `pos`.
pub async fn driver_online(app: &TestApp, pos: (f64, f64)) -> (TestUser, Ws) {
    let (d, mut ws) = app.connect(Role::Driver).await;
    ws.ok(location(pos)).await;
    ws.ok(ClientMessage::DriverAvailable { available: true })
        .await;
    (d, ws)
}

pub fn is_offer(m: &ServerMessage) -> bool {
    matches!(m, ServerMessage::TripOffer { .. })
}

/// All drivers of a race accept `trip` at once; returns every reply and the
/// indices of the winners.
pub async fn accept_race(
    drivers: &mut [(TestUser, Ws)],
    trip: TripId,
) -> (Vec<ServerMessage>, Vec<usize>) {
    let results = futures_util::future::join_all(drivers.iter_mut().map(|(_, ws)| async move {
        ws.request(ClientMessage::TripAccept { trip_id: trip })
            .await
    }))
    .await;
    let winners = results
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r, ServerMessage::Ok { .. }))
        .map(|(i, _)| i)
        .collect();
    (results, winners)
}

/// The connection still answers: a driver's location is `ok`, a rider's
/// cancel of an unknown trip `not_found`.
pub async fn still_works(ws: &mut Ws, role: Role) {
    let probe = match role {
        Role::Driver => location(CENTRE),
        _ => ClientMessage::cancel(TripId::new(), None),
    };
    match ws.request(probe).await {
        ServerMessage::Ok { .. } => {}
        ServerMessage::Error {
            code: ErrorCode::NotFound,
            ..
        } if role == Role::Rider => {}
        other => panic!("connection must keep working, got {other:?}"),
    }
}
