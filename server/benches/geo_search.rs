//! The dispatch search: the nearest available drivers to a pickup, with
//! 10,000 drivers spread uniformly over a city (a disc of 10 km radius),
//! the default first round (3 km, 10 offers) and a wider one (12 km, the
//! default maximum). The in-process R-tree (`geo/memory.rs`) always; the
//! Redis GEOSEARCH index (`geo/redis.rs`) too when Redis answers on
//! 127.0.0.1:6379 (under its own key prefix, removed after), skipped with
//! a note when it does not.
//!
//! `cargo bench -p hail-server --bench geo_search` (`HAIL_BENCH_REDIS=0`
//! skips Redis).

use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use hail_protocol::{Position, UserId};
use hail_server::geo::memory::MemoryGeo;
use hail_server::geo::redis::RedisGeo;
use hail_server::geo::GeoIndex;
use hail_server::keys::Keys;
use std::collections::HashSet;
use std::hint::black_box;
use std::time::Duration;

const DRIVERS: usize = 10_000;
const CITY_RADIUS_M: f64 = 10_000.0;
const CENTRE: (f64, f64) = (52.52, 13.405);
const REDIS: &str = "redis://127.0.0.1:6379";

/// Driver `i`'s position: a deterministic spread over the disc (golden
/// angle spiral, so the density is even).
fn position(i: usize) -> Position {
    let r = CITY_RADIUS_M * ((i as f64 + 0.5) / DRIVERS as f64).sqrt();
    let theta = i as f64 * 2.399_963_229_728_653;
    let dlat = r * theta.cos() / 111_195.0;
    let dlng = r * theta.sin() / (111_195.0 * CENTRE.0.to_radians().cos());
    Position::new(CENTRE.0 + dlat, CENTRE.1 + dlng).expect("inside the city")
}

async fn fill(geo: &dyn GeoIndex, now_ms: i64) {
    for i in 0..DRIVERS {
        geo.upsert(UserId::new(), position(i), now_ms)
            .await
            .expect("upsert");
    }
}

fn searches(
    g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    rt: &tokio::runtime::Runtime,
    name: &str,
    geo: &dyn GeoIndex,
) {
    let pickup = Position::new(CENTRE.0 + 0.01, CENTRE.1 - 0.02).expect("in range");
    let none = HashSet::new();
    for (label, radius_m) in [
        ("3 km, 10 nearest", 3_000.0),
        ("12 km, 10 nearest", 12_000.0),
    ] {
        let found = rt
            .block_on(geo.nearest(pickup, radius_m, 10, &none, 0))
            .expect("search");
        assert_eq!(found.len(), 10, "{name} {label}");
        g.bench_function(format!("{name} {label}"), |b| {
            b.to_async(rt)
                .iter(|| geo.nearest(black_box(pickup), radius_m, 10, &none, 0))
        });
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn geo_search(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let mut g = c.benchmark_group("nearest, 10k drivers");
    let memory = MemoryGeo::new();
    rt.block_on(fill(&memory, now_ms()));
    searches(&mut g, &rt, "memory", &memory);
    if std::env::var("HAIL_BENCH_REDIS").as_deref() == Ok("0") {
        eprintln!("geo_search: HAIL_BENCH_REDIS=0, Redis skipped");
    } else {
        match rt.block_on(redis_index()) {
            Ok((geo, prefix)) => {
                rt.block_on(fill(&geo, now_ms()));
                g.measurement_time(Duration::from_secs(5));
                searches(&mut g, &rt, "redis", &geo);
                if let Err(e) = rt.block_on(clean(&prefix)) {
                    eprintln!("geo_search: could not remove {prefix}*: {e}");
                }
            }
            Err(e) => eprintln!("geo_search: Redis on {REDIS} unavailable ({e}), skipped"),
        }
    }
    g.finish();
}

async fn redis_index() -> Result<(RedisGeo, String), redis::RedisError> {
    let client = redis::Client::open(REDIS)?;
    let con = tokio::time::timeout(
        Duration::from_secs(2),
        redis::aio::ConnectionManager::new(client),
    )
    .await
    .map_err(|_| redis::RedisError::from((redis::ErrorKind::Io, "connect timed out")))??;
    let prefix = format!("bench-geo-{}:", std::process::id());
    Ok((RedisGeo::new(Keys::new(prefix.clone()), con), prefix))
}

async fn clean(prefix: &str) -> Result<(), redis::RedisError> {
    let client = redis::Client::open(REDIS)?;
    let mut con = client.get_multiplexed_async_connection().await?;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut con)
        .await?;
    if !keys.is_empty() {
        redis::cmd("DEL")
            .arg(keys)
            .query_async::<()>(&mut con)
            .await?;
    }
    Ok(())
}

criterion_group!(benches, geo_search);
criterion_main!(benches);
