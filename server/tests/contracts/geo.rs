use hail_protocol::{Position, UserId};
use hail_server::geo::batched::BatchedGeo;
use hail_server::geo::memory::MemoryGeo;
use hail_server::geo::redis::RedisGeo;
use hail_server::geo::redis_cells::RedisCellGeo;
use hail_server::geo::{GeoIndex, GeoWrite};
use hail_server::keys::Keys;
use std::collections::HashSet;
use std::sync::Arc;

/// `m` metres north of the centre.
fn north(m: f64) -> Position {
    Position::new(52.52 + m / 111_320.0, 13.405).expect("valid")
}

async fn contract(geo: &dyn GeoIndex) {
    let centre = north(0.0);
    let now = chrono::Utc::now().timestamp_millis();
    let (a, b, c, far) = (UserId::new(), UserId::new(), UserId::new(), UserId::new());
    geo.upsert(a, north(100.0), now).await.expect("upsert");
    geo.upsert(b, north(400.0), now).await.expect("upsert");
    geo.upsert(c, north(900.0), now - 60_000)
        .await
        .expect("upsert"); // stale
    geo.upsert(far, north(50_000.0), now).await.expect("upsert");
    let none = HashSet::new();

    let found = geo
        .nearest(centre, 1_000.0, 10, &none, now - 30_000)
        .await
        .expect("nearest");
    assert_eq!(
        found.iter().map(|c| c.driver_id).collect::<Vec<_>>(),
        vec![a, b],
        "fresh, within radius, nearest first"
    );
    assert!(
        (found[0].distance_m - 100.0).abs() < 2.0,
        "{}",
        found[0].distance_m
    );
    assert!(
        (found[1].distance_m - 400.0).abs() < 4.0,
        "{}",
        found[1].distance_m
    );

    let with_stale = geo
        .nearest(centre, 1_000.0, 10, &none, now - 120_000)
        .await
        .expect("nearest");
    assert_eq!(with_stale.len(), 3, "staleness is the caller's cutoff");
    assert_eq!(
        geo.nearest(centre, 1_000.0, 1, &none, 0)
            .await
            .expect("nearest")
            .len(),
        1,
        "limit"
    );
    let excl: HashSet<UserId> = [a].into();
    let found = geo
        .nearest(centre, 1_000.0, 1, &excl, now - 30_000)
        .await
        .expect("nearest");
    assert_eq!(
        found.iter().map(|c| c.driver_id).collect::<Vec<_>>(),
        vec![b],
        "exclusions do not eat the limit"
    );
    assert!(geo
        .nearest(centre, 50.0, 10, &none, 0)
        .await
        .expect("nearest")
        .is_empty());

    // Moving replaces, never duplicates.
    geo.upsert(a, north(700.0), now).await.expect("move");
    let found = geo
        .nearest(centre, 1_000.0, 10, &none, now - 30_000)
        .await
        .expect("nearest");
    assert_eq!(
        found.iter().map(|c| c.driver_id).collect::<Vec<_>>(),
        vec![b, a]
    );

    geo.remove(b).await.expect("remove");
    geo.remove(b).await.expect("removing twice is fine");
    let found = geo
        .nearest(centre, 1_000.0, 10, &none, now - 30_000)
        .await
        .expect("nearest");
    assert_eq!(
        found.iter().map(|c| c.driver_id).collect::<Vec<_>>(),
        vec![a]
    );

    assert_eq!(
        geo.sweep(now - 30_000).await.expect("sweep"),
        1,
        "only c was stale"
    );
    assert_eq!(
        geo.nearest(centre, 1_000.0, 10, &none, 0)
            .await
            .expect("nearest")
            .len(),
        1
    );
    assert_eq!(
        geo.nearest(centre, 60_000.0, 10, &none, 0)
            .await
            .expect("nearest")
            .len(),
        2
    );
    assert_eq!(geo.count(0).await.expect("count"), 2);
    let listed = geo.positions(0, 10).await.expect("positions");
    assert_eq!(listed.len(), 2);
    let (id, pos) = listed.iter().find(|(id, _)| *id == a).expect("a is listed");
    assert_eq!(*id, a);
    assert!((pos.lat() - centre.lat()).abs() < 0.01, "{pos:?}");
    assert_eq!(geo.positions(0, 1).await.expect("positions").len(), 1);
    assert!(geo
        .positions(i64::MAX, 10)
        .await
        .expect("positions")
        .is_empty());
    assert_eq!(
        geo.count(i64::MAX).await.expect("count"),
        0,
        "none that fresh"
    );
}

/// A driver who drives far (into other cells of the cluster's index) is
/// found where they are, once, and no longer where they were.
async fn moving_far(geo: &dyn GeoIndex) {
    let now = chrono::Utc::now().timestamp_millis();
    let d = UserId::new();
    let none = HashSet::new();
    let ids = |found: Vec<hail_server::geo::Candidate>| {
        found.iter().map(|c| c.driver_id).collect::<Vec<_>>()
    };
    for step in 0..4 {
        // 0, 7, 14, 21 km north: a new geohash-5 cell each time.
        let here = north(step as f64 * 7_000.0);
        geo.upsert(d, here, now).await.expect("upsert");
        let found = geo
            .nearest(here, 500.0, 10, &none, now - 1)
            .await
            .expect("nearest");
        assert_eq!(ids(found), vec![d], "step {step}: found where it is");
        if step > 0 {
            let before = north((step - 1) as f64 * 7_000.0);
            let found = geo
                .nearest(before, 500.0, 10, &none, 0)
                .await
                .expect("nearest");
            assert!(found.is_empty(), "step {step}: gone from where it was");
        }
    }
    let wide = geo
        .nearest(north(10_000.0), 30_000.0, 10, &none, 0)
        .await
        .expect("nearest");
    assert_eq!(ids(wide), vec![d], "once, however wide the search");
    assert_eq!(geo.count(0).await.expect("count"), 1);
    geo.remove(d).await.expect("remove");
    assert_eq!(geo.count(0).await.expect("count"), 0);
}

/// The nearest across circles: a search that widens past its first circle
/// (250 m) finds the same drivers, in the same order, on every backend,
/// and the excluded and the stale never take a place.
async fn growing_circles(geo: &dyn GeoIndex) {
    let now = chrono::Utc::now().timestamp_millis();
    let at = [100.0, 200.0, 600.0, 1_500.0, 5_000.0];
    let ds: Vec<UserId> = at.iter().map(|_| UserId::new()).collect();
    for (d, m) in ds.iter().zip(at) {
        geo.upsert(*d, north(m), now).await.expect("upsert");
    }
    let stale = UserId::new();
    geo.upsert(stale, north(300.0), now - 60_000)
        .await
        .expect("upsert");
    let centre = north(0.0);
    let ids = |found: Vec<hail_server::geo::Candidate>| {
        found.iter().map(|c| c.driver_id).collect::<Vec<_>>()
    };
    let none = HashSet::new();
    let found = geo
        .nearest(centre, 10_000.0, 3, &none, now - 30_000)
        .await
        .expect("nearest");
    assert_eq!(ids(found), ds[..3].to_vec(), "past the first circle");
    let excl: HashSet<UserId> = [ds[0]].into();
    let found = geo
        .nearest(centre, 10_000.0, 3, &excl, now - 30_000)
        .await
        .expect("nearest");
    assert_eq!(ids(found), ds[1..4].to_vec(), "the excluded take no place");
    let found = geo
        .nearest(centre, 3_000.0, 10, &none, now - 30_000)
        .await
        .expect("nearest");
    assert_eq!(ids(found), ds[..4].to_vec(), "never past the radius");
    for d in ds.iter().chain([&stale]) {
        geo.remove(*d).await.expect("remove");
    }
}

/// A batch of writes (one per driver) lands as those writes one by one
/// would; then many callers at once through the node's batching writer,
/// which answers each caller once its batch landed.
async fn batched_writes(geo: Arc<dyn GeoIndex>) {
    let now = chrono::Utc::now().timestamp_millis();
    let fresh = now - 30_000;
    let none = HashSet::new();
    let (stay, go) = (UserId::new(), UserId::new());
    geo.upsert(go, north(50.0), now).await.expect("upsert");
    let many: Vec<UserId> = (0..300).map(|_| UserId::new()).collect();
    let mut writes: Vec<GeoWrite> = many
        .iter()
        .enumerate()
        .map(|(i, &driver)| GeoWrite::Upsert {
            driver,
            pos: north(1_000.0 + i as f64 * 10.0),
            at_ms: now,
        })
        .collect();
    writes.push(GeoWrite::Upsert {
        driver: stay,
        pos: north(10.0),
        at_ms: now,
    });
    writes.push(GeoWrite::Remove { driver: go });
    geo.apply(&writes).await.expect("apply");
    let found = geo
        .nearest(north(0.0), 5_000.0, 2, &none, fresh)
        .await
        .expect("nearest");
    assert_eq!(
        found.iter().map(|c| c.driver_id).collect::<Vec<_>>(),
        vec![stay, many[0]]
    );
    assert_eq!(geo.count(fresh).await.expect("count"), 301);
    geo.apply(&[])
        .await
        .expect("an empty batch changes nothing");
    let gone: Vec<GeoWrite> = many
        .iter()
        .map(|&driver| GeoWrite::Remove { driver })
        .collect();
    geo.apply(&gone).await.expect("apply");
    assert_eq!(geo.count(fresh).await.expect("count"), 1);

    let batched = Arc::new(BatchedGeo::new(geo.clone()));
    let at = |i: usize| north(2_000.0 + i as f64 * 10.0);
    futures_util::future::try_join_all(
        many.iter()
            .enumerate()
            .map(|(i, &d)| batched.upsert(d, at(i), now)),
    )
    .await
    .expect("concurrent upserts");
    assert_eq!(batched.count(fresh).await.expect("count"), 301);
    futures_util::future::try_join_all(many.iter().map(|&d| batched.remove(d)))
        .await
        .expect("concurrent removes");
    batched.remove(stay).await.expect("remove");
    assert_eq!(geo.count(0).await.expect("count"), 0);
}

#[tokio::test]
async fn memory_geo_meets_the_contract() {
    contract(&MemoryGeo::new()).await;
    moving_far(&MemoryGeo::new()).await;
    growing_circles(&MemoryGeo::new()).await;
    batched_writes(Arc::new(MemoryGeo::new())).await;
    // The batching writer in front of an index answers as the index does.
    contract(&BatchedGeo::new(Arc::new(MemoryGeo::new()))).await;
}

#[tokio::test]
async fn redis_cluster_geo_meets_the_contract() {
    let cluster = crate::redis_cluster::LocalCluster::start().await;
    let seeds: Vec<String> = cluster.seeds().split(',').map(str::to_owned).collect();
    let con = hail_server::bus::redis_cluster::cluster_client(
        &seeds,
        std::time::Duration::from_secs(5),
        None,
    )
    .expect("client")
    .get_async_connection()
    .await
    .expect("Redis Cluster");
    contract(&RedisCellGeo::new(Keys::new("a:"), con.clone())).await;
    moving_far(&RedisCellGeo::new(Keys::new("b:"), con.clone())).await;
    growing_circles(&RedisCellGeo::new(Keys::new("g:"), con.clone())).await;
    batched_writes(Arc::new(RedisCellGeo::new(Keys::new("w:"), con.clone()))).await;
    contract(&BatchedGeo::new(Arc::new(RedisCellGeo::new(
        Keys::new("x:"),
        con.clone(),
    ))))
    .await;
    // Another node's index (a fresh process) moves and removes a driver the
    // first one wrote: where it is comes from the cluster, not memory.
    let first = RedisCellGeo::new(Keys::new("c:"), con.clone());
    let second = RedisCellGeo::new(Keys::new("c:"), con);
    let (d, now, none) = (
        UserId::new(),
        chrono::Utc::now().timestamp_millis(),
        HashSet::new(),
    );
    first.upsert(d, north(0.0), now).await.expect("upsert");
    second
        .upsert(d, north(9_000.0), now)
        .await
        .expect("upsert elsewhere");
    assert!(first
        .nearest(north(0.0), 500.0, 10, &none, 0)
        .await
        .expect("nearest")
        .is_empty());
    second.remove(d).await.expect("remove");
    assert_eq!(first.count(0).await.expect("count"), 0);
}

#[tokio::test]
async fn redis_geo_meets_the_contract() {
    let prefix = format!("{}:", crate::unique("geo"));
    let client = hail_server::bus::redis::client(crate::REDIS).expect("client");
    let con = client
        .get_connection_manager_with_config(hail_server::bus::redis::manager_config(
            std::time::Duration::from_secs(5),
        ))
        .await
        .expect("Redis");
    let keys = Keys::new(prefix.clone());
    contract(&RedisGeo::new(keys.clone(), con.clone())).await;
    let moved = Keys::new(format!("{prefix}moved:"));
    moving_far(&RedisGeo::new(moved.clone(), con.clone())).await;
    growing_circles(&RedisGeo::new(moved.clone(), con.clone())).await;
    let batched = Keys::new(format!("{prefix}batched:"));
    batched_writes(Arc::new(RedisGeo::new(batched.clone(), con.clone()))).await;
    contract(&BatchedGeo::new(Arc::new(RedisGeo::new(
        batched.clone(),
        con.clone(),
    ))))
    .await;
    let mut con = con;
    let _: () = redis::cmd("DEL")
        .arg(keys.drivers_geo())
        .arg(keys.drivers_seen())
        .arg(moved.drivers_geo())
        .arg(moved.drivers_seen())
        .arg(batched.drivers_geo())
        .arg(batched.drivers_seen())
        .query_async(&mut con)
        .await
        .expect("cleanup");
}
