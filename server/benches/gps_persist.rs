//! GPS points persisted per second through the real path: the bounded queue
//! and the batching writer, into the embedded SQLite store and (when
//! Postgres answers) into Postgres by COPY BINARY.
//!
//! `cargo bench -p hail-server --bench gps_persist` (set
//! `HAIL_BENCH_POINTS` to change the count; `HAIL_BENCH_PG=0` skips
//! Postgres).

use chrono::Utc;
use hail_protocol::{TripId, UserId};
use hail_server::config::GpsConfig;
use hail_server::node::gps;
use hail_server::store::postgres::PgStore;
use hail_server::store::sqlite::SqliteStore;
use hail_server::store::{GpsPoint, Store};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn point(trip: TripId, driver: UserId, i: usize) -> GpsPoint {
    GpsPoint {
        trip_id: trip,
        driver_id: driver,
        lat: 52.5 + (i % 1000) as f64 * 1e-5,
        lng: 13.4,
        heading: Some(90.0),
        speed: Some(8.3),
        at: Utc::now(),
        received_at: Utc::now(),
    }
}

/// Pushes `n` points from `drivers` concurrent producers through the queue
/// and waits until all are written. Returns points per second.
async fn run(store: Arc<dyn Store>, n: usize, drivers: usize) -> f64 {
    let close = CancellationToken::new();
    let live = std::sync::Arc::new(hail_server::node::live::Live::new());
    let (queue, writer) = gps::spawn(store, GpsConfig::default(), live, close.clone());
    let started = Instant::now();
    let per = n / drivers;
    let producers: Vec<_> = (0..drivers)
        .map(|_| {
            let q = queue.clone();
            tokio::spawn(async move {
                let (trip, driver) = (TripId::new(), UserId::new());
                for i in 0..per {
                    q.push(point(trip, driver, i)).await.expect("writer alive");
                }
                q.barrier().await.expect("writer alive");
            })
        })
        .collect();
    for p in producers {
        p.await.expect("producer");
    }
    let secs = started.elapsed().as_secs_f64();
    close.cancel();
    drop(queue);
    let _ = tokio::time::timeout(Duration::from_secs(10), writer).await;
    (per * drivers) as f64 / secs
}

fn report(name: &str, n: usize, drivers: usize, rate: f64) {
    println!("{name:<28} {n:>9} points  {drivers:>4} drivers  {rate:>12.0} points/s");
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("HAIL_BENCH_POINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400_000);
    // Warm-up, then the measured runs.
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).expect("sqlite"));
    run(sqlite.clone(), 20_000, 10).await;
    for drivers in [1, 100, 1000] {
        report(
            "embedded (SQLite, WAL)",
            n,
            drivers,
            run(sqlite.clone(), n, drivers).await,
        );
    }

    if std::env::var("HAIL_BENCH_PG").as_deref() == Ok("0") {
        return;
    }
    let Ok((admin, conn)) = tokio_postgres::connect(PG_ADMIN, tokio_postgres::NoTls).await else {
        println!("postgres: not answering on 127.0.0.1:5432, skipped");
        return;
    };
    tokio::spawn(conn);
    let db = format!("hail_bench_{}", std::process::id());
    admin
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .await
        .expect("create db");
    let url = format!("postgres://postgres@127.0.0.1:5432/{db}");
    let pg = PgStore::connect(&url, 8, Duration::from_secs(10)).expect("pool");
    pg.migrate().await.expect("migrate");
    let pg: Arc<dyn Store> = Arc::new(pg);
    run(pg.clone(), 20_000, 10).await;
    for drivers in [1, 100, 1000] {
        report(
            "postgres (COPY BINARY)",
            n,
            drivers,
            run(pg.clone(), n, drivers).await,
        );
    }
    drop(pg);
    let _ = admin
        .batch_execute(&format!("DROP DATABASE {db} WITH (FORCE)"))
        .await;
}
