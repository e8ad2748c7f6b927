//! GPS by day: on Postgres points land in their UTC day's partition, the
//! `gps_partitions` task makes the days ahead and drops whole partitions
//! past retention (the writer makes a missing day itself), migration V11
//! keeps the old table's points; the embedded store deletes old points in
//! batches. `/track` of a recent trip is whole throughout.

use crate::helpers::*;
use chrono::{DateTime, Duration as Days, NaiveDate, Utc};
use hail_protocol::http::TrackResponse;
use hail_protocol::monitor::{TaskState, TasksResponse};
use hail_protocol::{ClientMessage, Role, TripId};
use std::time::Duration;

/// Runs the task every 200 ms, keeping two days of points.
fn fast() -> Settings {
    Settings::default()
        .set("HAIL_GPS_PARTITIONS_INTERVAL_MS", 200)
        .set("HAIL_GPS_RETENTION_DAYS", 2)
        .set("HAIL_HEARTBEAT_MS", 200)
}

fn name(day: NaiveDate) -> String {
    format!("gps_points_p{}", day.format("%Y%m%d"))
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

async fn pg(env: &TestEnv) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(&env.database_url(), tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    client
}

/// The partitions of `gps_points`, by name.
async fn partitions(db: &tokio_postgres::Client) -> Vec<String> {
    let rows = db
        .query(
            "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
             WHERE i.inhparent = 'gps_points'::regclass ORDER BY 1",
            &[],
        )
        .await
        .expect("list partitions");
    rows.iter().map(|r| r.get(0)).collect()
}

async fn partitions_until(
    db: &tokio_postgres::Client,
    ok: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let mut wait = Waiting::new("the partitions to match", Duration::from_secs(15));
    loop {
        let now = partitions(db).await;
        if ok(&now) {
            return now;
        }
        wait.again_showing(&now).await;
    }
}

/// Makes a past day's partition by hand, as the task did on that day.
async fn old_partition(db: &tokio_postgres::Client, day: NaiveDate) {
    let next = day + Days::days(1);
    db.batch_execute(&format!(
        "CREATE TABLE {} PARTITION OF gps_points FOR VALUES FROM ('{day} 00:00:00+00') TO ('{next} 00:00:00+00')",
        name(day)
    ))
    .await
    .expect("create an old partition");
}

/// Inserts `n` points of `trip` at `at` straight into the table.
async fn insert_at(db: &tokio_postgres::Client, trip: TripId, at: DateTime<Utc>, n: i64) {
    db.execute(
        "INSERT INTO gps_points (trip_id, driver_id, lat, lng, at, received_at) \
         SELECT $1, gen_random_uuid(), 52.5, 13.4, $2, $2 FROM generate_series(1, $3::bigint)",
        &[&trip.0, &at, &n],
    )
    .await
    .expect("insert points");
}

/// (partition, points) of `trip`.
async fn where_points_are(db: &tokio_postgres::Client, trip: TripId) -> Vec<(String, i64)> {
    let rows = db
        .query(
            "SELECT tableoid::regclass::text, count(*) FROM gps_points WHERE trip_id = $1 \
             GROUP BY 1 ORDER BY 1",
            &[&trip.0],
        )
        .await
        .expect("where are the points");
    rows.iter().map(|r| (r.get(0), r.get(1))).collect()
}

/// A completed trip whose driver sent 12 points; returns its rider, id and the points.
async fn a_trip(app: &TestApp) -> (TestUser, TripId, Vec<(f64, f64)>) {
    let (_driver, mut dws) = driver_online(app, near(200.0)).await;
    let (rider, mut rws) = app.connect(Role::Rider).await;
    let trip = rws.ok(request_at_centre()).await.expect("trip");
    dws.offer_for(trip.id).await;
    dws.ok(ClientMessage::TripAccept { trip_id: trip.id }).await;
    let points: Vec<(f64, f64)> = (0..12).map(|i| near(200.0 - i as f64 * 15.0)).collect();
    for p in &points {
        dws.send(location(*p)).await;
    }
    // Completion waits for every queued point to be written.
    drive_to_completion(&mut dws, &mut rws, trip.id).await;
    (rider, trip.id, points)
}

async fn track(app: &TestApp, user: &TestUser, trip: TripId) -> Vec<(f64, f64)> {
    let res = app
        .get(&format!("/api/trips/{trip}/track"), user.token())
        .await;
    assert_eq!(res.status(), 200);
    let track: TrackResponse = res.json().await.expect("track json");
    track.points.iter().map(|p| (p.lat, p.lng)).collect()
}

#[tokio::test]
async fn points_land_in_their_day_partition_and_the_days_ahead_are_made() {
    let app = spawn_with(Backend::External, fast()).await;
    let db = pg(&app.env).await;
    let ahead: Vec<String> = (0..=3).map(|n| name(today() + Days::days(n))).collect();
    // A fresh database has no legacy table: only the task's day partitions.
    let made = partitions_until(&db, |p| ahead.iter().all(|a| p.contains(a))).await;
    assert_eq!(made, ahead, "today and three days ahead, nothing else");

    let (rider, trip, points) = a_trip(&app).await;
    assert_eq!(where_points_are(&db, trip).await, vec![(name(today()), 12)]);
    // Points of the same trip stamped tomorrow go to tomorrow's partition
    // and still come last in its track (ordered by id).
    insert_at(&db, trip, Utc::now() + Days::days(1), 2).await;
    assert_eq!(
        where_points_are(&db, trip).await,
        vec![(name(today()), 12), (name(today() + Days::days(1)), 2)]
    );
    let got = track(&app, &rider, trip).await;
    assert_eq!(got.len(), 14);
    assert_eq!(got[..12], points[..]);
}

#[tokio::test]
async fn retention_drops_old_partitions_and_keeps_recent_ones() {
    let app = spawn_with(Backend::External, fast()).await;
    let db = pg(&app.env).await;
    partitions_until(&db, |p| p.contains(&name(today()))).await;
    let (rider, recent, points) = a_trip(&app).await;

    // An old trip with points on five past days; retention is two days.
    let old = TripId::new();
    for back in [5, 3, 2, 1] {
        let day = today() - Days::days(back);
        old_partition(&db, day).await;
        insert_at(&db, old, Utc::now() - Days::days(back), 10).await;
    }
    // Partitions ending before now - 2 days go whole: the 5th and 3rd days back.
    let gone = [name(today() - Days::days(5)), name(today() - Days::days(3))];
    let left = partitions_until(&db, |p| !gone.iter().any(|g| p.contains(g))).await;
    for kept in [2, 1, 0] {
        assert!(
            left.contains(&name(today() - Days::days(kept))),
            "{kept} days back: {left:?}"
        );
    }
    assert_eq!(
        where_points_are(&db, old).await,
        vec![
            (name(today() - Days::days(2)), 10),
            (name(today() - Days::days(1)), 10)
        ]
    );
    assert_eq!(
        track(&app, &rider, recent).await,
        points,
        "/track unaffected"
    );

    // The monitor lists the task with its schedule and successful runs.
    let admin = app.admin().await;
    // (Heartbeats carry the figures: wait for one after a few runs.)
    let mut wait = Waiting::new("the task in the monitor", Duration::from_secs(15));
    let task = loop {
        let res = app.get("/api/monitor/tasks", admin.token()).await;
        let tasks: TasksResponse = res.json().await.expect("tasks json");
        match tasks.tasks.into_iter().find(|t| t.name == "gps_partitions") {
            Some(t) if t.runs >= 2 => break t,
            seen => wait.again_showing(&seen).await,
        }
    };
    assert_eq!(task.interval_ms, Some(200));
    assert_eq!(task.state, Some(TaskState::Ok), "{task:?}");
    assert_eq!(task.failures, 0, "{task:?}");
}

#[tokio::test]
async fn three_nodes_running_the_task_together_never_fail() {
    // Every 50 ms on each node, while old partitions keep appearing for
    // them to drop: the advisory lock makes them take turns.
    let settings = fast()
        .set("HAIL_GPS_PARTITIONS_INTERVAL_MS", 50)
        .set("HAIL_GPS_PARTITIONS_AHEAD", 10);
    let nodes = spawn_cluster(3, settings).await;
    let db = pg(&nodes[0].env).await;
    for back in 3..13 {
        old_partition(&db, today() - Days::days(back)).await;
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let want: Vec<String> = (0..=10).map(|n| name(today() + Days::days(n))).collect();
    let left = partitions_until(&db, |p| p.len() == 11).await;
    assert_eq!(left, want, "today and ten ahead; the old ones dropped");

    let admin = nodes[0].admin().await;
    let mut wait = Waiting::new("every node's task in the monitor", Duration::from_secs(15));
    loop {
        let res = nodes[0].get("/api/monitor/tasks", admin.token()).await;
        let tasks: TasksResponse = res.json().await.expect("tasks json");
        let runs: Vec<_> = tasks
            .tasks
            .iter()
            .filter(|t| t.name == "gps_partitions")
            .collect();
        assert!(runs.iter().all(|t| t.failures == 0), "{runs:?}");
        if runs.len() == 3 && runs.iter().all(|t| t.runs >= 20) {
            break;
        }
        wait.again_showing(&runs).await;
    }
}

#[tokio::test]
async fn the_writer_makes_a_missing_day_itself() {
    // The task runs once at start (hourly after): today's partition is
    // dropped under it, and the next GPS batch must not be lost.
    let app = spawn_with(Backend::External, Settings::default()).await;
    let db = pg(&app.env).await;
    partitions_until(&db, |p| p.contains(&name(today()))).await;
    db.batch_execute(&format!("DROP TABLE {}", name(today())))
        .await
        .expect("drop today's partition");
    let (rider, trip, points) = a_trip(&app).await;
    assert_eq!(where_points_are(&db, trip).await, vec![(name(today()), 12)]);
    assert_eq!(track(&app, &rider, trip).await, points);
}

#[tokio::test]
async fn the_migration_keeps_the_old_tables_points_in_a_legacy_partition() {
    let env = TestEnv::create(Backend::External).await;
    let db = pg(&env).await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let run = |v: u32| {
        let dir = dir.clone();
        let db = &db;
        async move {
            let file = std::fs::read_dir(&dir)
                .expect("migrations")
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(&format!("V{v}__")))
                })
                .expect("the migration file");
            let sql = std::fs::read_to_string(file).expect("read migration");
            db.batch_execute(&format!("BEGIN; {sql}; COMMIT;"))
                .await
                .expect("migrate");
        }
    };
    for v in 1..=10 {
        run(v).await;
    }
    let trip = TripId::new();
    insert_at(&db, trip, Utc::now() - Days::days(40), 3).await;
    insert_at(&db, trip, Utc::now(), 2).await;
    run(11).await;

    assert_eq!(
        where_points_are(&db, trip).await,
        vec![("gps_points_legacy".into(), 5)]
    );
    let bound: String = db
        .query_one("SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'gps_points_legacy'", &[])
        .await
        .expect("bound")
        .get(0);
    let tomorrow = today() + Days::days(1);
    assert!(
        bound.starts_with("FOR VALUES FROM (MINVALUE) TO ('")
            && bound.contains(&tomorrow.to_string()),
        "{bound}"
    );
    // New points continue the ids (a track is ordered by id) in their days.
    old_partition(&db, tomorrow).await;
    insert_at(&db, trip, Utc::now() + Days::days(1), 1).await;
    let ids: Vec<(i64, String)> = db
        .query(
            "SELECT id, tableoid::regclass::text FROM gps_points WHERE trip_id = $1 ORDER BY id",
            &[&trip.0],
        )
        .await
        .expect("ids")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        ids.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    assert_eq!(ids[5].1, name(tomorrow));
}

/// (points older than a day, newer ones) in the embedded store's file.
fn embedded_counts(env: &TestEnv) -> (i64, i64) {
    let conn = rusqlite::Connection::open(env.sqlite_path().expect("embedded"))
        .expect("open the data file");
    conn.busy_timeout(Duration::from_secs(5))
        .expect("busy timeout");
    let day_ago = (Utc::now() - Days::days(1)).timestamp_micros();
    let count = |sql: &str| {
        conn.query_row(sql, [day_ago], |r| r.get::<_, i64>(0))
            .expect("count")
    };
    (
        count("SELECT count(*) FROM gps_points WHERE at < ?1"),
        count("SELECT count(*) FROM gps_points WHERE at >= ?1"),
    )
}

#[tokio::test]
async fn the_embedded_store_deletes_old_points_in_batches_and_keeps_recent_ones() {
    let app = spawn_with(Backend::Embedded, fast()).await;
    let (rider, recent, points) = a_trip(&app).await;
    {
        // More than two delete batches of points three days old, and some
        // a day and a half old that retention (two days) keeps.
        let mut conn =
            rusqlite::Connection::open(app.env.sqlite_path().expect("embedded")).expect("open");
        conn.busy_timeout(Duration::from_secs(5))
            .expect("busy timeout");
        let tx = conn.transaction().expect("tx");
        let old = TripId::new().to_string();
        for (back, n) in [(Days::days(3), 12_000), (Days::hours(36), 50)] {
            let at = (Utc::now() - back).timestamp_micros();
            for _ in 0..n {
                tx.execute(
                    "INSERT INTO gps_points (trip_id, driver_id, lat, lng, at, received_at) VALUES (?1, ?1, 52.5, 13.4, ?2, ?2)",
                    rusqlite::params![old, at],
                )
                .expect("insert");
            }
        }
        tx.commit().expect("commit");
    }
    let mut wait = Waiting::new("old points deleted", Duration::from_secs(15));
    loop {
        let counts = embedded_counts(&app.env);
        if counts.0 == 50 {
            // Had the task not run since the insert, 12,050 would be old.
            assert_eq!(counts.1, 12, "recent points kept");
            break;
        }
        wait.again_showing(&counts).await;
    }
    assert_eq!(
        track(&app, &rider, recent).await,
        points,
        "/track unaffected"
    );
}
