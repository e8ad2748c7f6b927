//! Surge per cell (issue 13): requests with nobody to take them raise the
//! pickup cell's multiplier on the shared board, quotes there price it, and
//! the monitor shows the cell.

use crate::helpers::*;
use hail_protocol::monitor::SurgeResponse;
use hail_protocol::ride::QuotesResponse;
use hail_protocol::Role;
use std::time::Duration;

on_both_backends! {
    async fn unmet_demand_surges_its_cell_for_quotes_and_the_monitor(backend) {
    let settings = Settings::default()
        .set("HAIL_SURGE_INTERVAL_SECS", 1)
        .set("HAIL_TRIP_TIMEOUT_SECS", 120);
    let app = spawn_with(backend, settings).await;
    // Three riders ask at the centre; no driver is on duty anywhere.
    let mut riders = Vec::new();
    for _ in 0..3 {
        let (rider, mut ws) = app.connect(Role::Rider).await;
        ws.ok(request_at_centre()).await.expect("trip");
        riders.push((rider, ws));
    }
    let admin = app.admin().await;
    let board: SurgeResponse = eventually_within(Duration::from_secs(15), "the three requests on the surge board", || async {
        let board: SurgeResponse = app.get("/api/monitor/surge", admin.token()).await
            .json().await.ok()?;
        board.cells.first().is_some_and(|c| c.demand == 3).then_some(board)
    })
    .await;
    assert_eq!(board.resolution, 8);
    assert!(board.computed_at.is_some() && board.computed_by.is_some(), "{board:?}");
    let cell = board.cells.first().expect("the centre's cell");
    assert_eq!((cell.supply, cell.demand), (0, 3), "{board:?}");
    assert_eq!(cell.surge_bp, 20_000, "demand with no supply: the cap");

    // A quote from that cell carries the surge; the breakdown says so.
    let (rider, _) = &riders[0];
    let (pickup, dropoff) = (CENTRE, (CENTRE.0 + 0.02, CENTRE.1));
    let body = serde_json::json!({
        "pickup": {"lat": pickup.0, "lng": pickup.1},
        "dropoff": {"lat": dropoff.0, "lng": dropoff.1},
        "class": "standard",
    });
    let quotes: QuotesResponse = app.http().post(app.url("/api/quotes")).bearer_auth(rider.token())
        .json(&body).send().await.expect("quote").json().await.expect("quotes");
    let fare = &quotes.quotes[0].fare;
    assert_eq!(fare.surge_bp, 20_000);
    assert_eq!(fare.surge, fare.base + fare.distance + fare.time, "2.0x doubles the subtotal");
    // Far away, nothing surges.
    let elsewhere = serde_json::json!({
        "pickup": {"lat": 48.137, "lng": 11.575},
        "dropoff": {"lat": 48.15, "lng": 11.58},
    });
    let quotes: QuotesResponse = app.http().post(app.url("/api/quotes")).bearer_auth(rider.token())
        .json(&elsewhere).send().await.expect("quote").json().await.expect("quotes");
    assert!(quotes.quotes.iter().all(|q| q.fare.surge_bp == 10_000 && q.fare.surge == 0));
    assert_eq!(quotes.quotes.len(), 2, "one quote per class without a class");
    // Only admins read the board.
    assert_eq!(app.get("/api/monitor/surge", rider.token()).await.status(), 403);
    }
}
