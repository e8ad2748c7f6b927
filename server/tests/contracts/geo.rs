use hail_protocol::{Position, UserId};
use hail_server::geo::memory::MemoryGeo;
use hail_server::geo::redis::RedisGeo;
use hail_server::geo::GeoIndex;
use hail_server::keys::Keys;
use std::collections::HashSet;

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

#[tokio::test]
async fn memory_geo_meets_the_contract() {
    contract(&MemoryGeo::new()).await;
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
    let keys = Keys::new(prefix);
    contract(&RedisGeo::new(keys.clone(), con.clone())).await;
    let mut con = con;
    let _: () = redis::cmd("DEL")
        .arg(keys.drivers_geo())
        .arg(keys.drivers_seen())
        .query_async(&mut con)
        .await
        .expect("cleanup");
}
