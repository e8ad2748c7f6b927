//! Nothing is lost when the process restarts, on either backend set; and
//! with no settings at all Hail runs on its embedded default.

use crate::helpers::*;
use hail_protocol::http::{TrackResponse, TripResponse};
use hail_protocol::{ClientMessage, Role, TripId, TripStatus};
use std::process::Stdio;
use std::time::Duration;

/// The statuses recorded in `trip_events` for a trip, in order.
async fn events(env: &TestEnv, trip: TripId) -> Vec<String> {
    match env.sqlite_path() {
        Some(path) => {
            let conn = rusqlite::Connection::open(path).expect("open the data file");
            let mut stmt = conn
                .prepare("SELECT to_status FROM trip_events WHERE trip_id = ?1 ORDER BY id")
                .expect("prepare");
            let rows = stmt
                .query_map([trip.to_string()], |r| r.get::<_, String>(0))
                .expect("query");
            rows.map(|r| r.expect("row")).collect()
        }
        None => {
            let (client, conn) =
                tokio_postgres::connect(&env.database_url(), tokio_postgres::NoTls)
                    .await
                    .expect("connect");
            tokio::spawn(conn);
            client
                .query(
                    "SELECT to_status FROM trip_events WHERE trip_id = $1 ORDER BY id",
                    &[&trip.0],
                )
                .await
                .expect("query")
                .iter()
                .map(|r| r.get(0))
                .collect()
        }
    }
}

on_both_backends! {
    async fn a_restart_keeps_trips_events_tracks_and_the_active_trip(backend) {
        let mut app = spawn_app(backend).await;
        let (driver, mut dws) = driver_online(&app, near(200.0)).await;
        let (rider, mut rws) = app.connect(Role::Rider).await;

        let done = rws.ok(request_at_centre()).await.expect("trip");
        dws.offer_for(done.id).await;
        dws.ok(ClientMessage::TripAccept { trip_id: done.id }).await;
        let points: Vec<(f64, f64)> = (0..12).map(|i| near(200.0 - i as f64 * 15.0)).collect();
        for p in &points {
            dws.send(location(*p)).await;
        }
        dws.ok(ClientMessage::TripArrive { trip_id: done.id }).await;
        dws.ok(ClientMessage::TripStart { trip_id: done.id }).await;
        dws.ok(ClientMessage::TripComplete { trip_id: done.id }).await;

        // A second trip is active (accepted) when the server stops.
        dws.ok(location(near(100.0))).await;
        let active = rws.ok(request_at_centre()).await.expect("trip");
        dws.offer_for(active.id).await;
        dws.ok(ClientMessage::TripAccept { trip_id: active.id }).await;
        dws.ok(location(near(90.0))).await; // queued GPS of the active trip

        assert!(app.terminate().await, "SIGTERM: clean exit");
        assert!(dws.wait_closed().await.is_some() || dws.closed.is_none());
        let app = spawn_node(app.env.clone(), &Settings::default()).await;

        let detail: TripResponse = app.get(&format!("/api/trips/{}", done.id), rider.token()).await.json().await.expect("trip");
        assert_eq!(detail.trip.status, TripStatus::Completed);
        let track: TrackResponse = app.get(&format!("/api/trips/{}/track", done.id), rider.token()).await.json().await.expect("track");
        assert_eq!(track.points.iter().map(|p| (p.lat, p.lng)).collect::<Vec<_>>(), points);
        assert_eq!(
            events(&app.env, done.id).await,
            ["requested", "accepted", "arrived", "in_progress", "completed"]
        );
        let active_track: TrackResponse = app.get(&format!("/api/trips/{}/track", active.id), driver.token()).await.json().await.expect("track");
        assert_eq!(active_track.points.len(), 1, "the active trip's queued point was flushed");

        // Both sides are whole again from `hello`.
        let rws = Ws::connect(&app, rider.token()).await;
        assert_eq!(rws.hello_trip().map(|t| (t.id, t.status)), Some((active.id, TripStatus::Accepted)));
        let mut dws = Ws::connect(&app, driver.token()).await;
        assert_eq!(dws.hello_trip().map(|t| t.id), Some(active.id));
        // Refresh tokens survived too.
        let res = app
            .http()
            .post(app.url("/api/auth/refresh"))
            .json(&serde_json::json!({"refresh_token": rider.tokens.refresh_token}))
            .send()
            .await
            .expect("refresh");
        assert_eq!(res.status(), 200);
        dws.ok(ClientMessage::TripArrive { trip_id: active.id }).await;
    }
}

/// `make run` on a fresh clone: no `HAIL_*` backend settings, nothing
/// running but Hail, data under `./data` of the working directory.
#[tokio::test]
async fn with_no_settings_hail_serves_on_its_embedded_default() {
    let cwd = tempfile::tempdir().expect("temp dir");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_hail"))
        .arg("serve")
        .current_dir(cwd.path())
        .env_clear()
        .env("HAIL_DEV", "1")
        .env("HAIL_BIND", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));
    let addr = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(a) = line.strip_prefix("HAIL_LISTENING ") {
                return a.to_string();
            }
        }
        panic!("no listening line");
    })
    .await
    .expect("started");
    let ready = reqwest::get(format!("http://{addr}/readyz"))
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 200);
    assert!(
        cwd.path().join("data/hail.db").exists(),
        "the embedded store lives in ./data"
    );
}

/// Asking for Postgres or Redis that is not there fails fast and says so:
/// no silent fallback to the embedded parts.
#[tokio::test]
async fn configured_backends_that_do_not_answer_fail_fast() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (var, url, what) in [
        (
            "HAIL_DATABASE_URL",
            "postgres://postgres@127.0.0.1:1/nothing",
            "Postgres",
        ),
        ("HAIL_REDIS_URL", "redis://127.0.0.1:1", "Redis"),
    ] {
        let started = std::time::Instant::now();
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_hail"))
            .arg("serve")
            .env_clear()
            .env("HAIL_DEV", "1")
            .env("HAIL_BIND", "127.0.0.1:0")
            .env("HAIL_DATA_DIR", dir.path())
            .env(var, url)
            .output()
            .await
            .expect("run");
        assert!(!out.status.success(), "{var}: must not start");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(what) && stderr.contains("127.0.0.1:1"),
            "{var}: {stderr}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{var}: fails fast"
        );
    }
}
