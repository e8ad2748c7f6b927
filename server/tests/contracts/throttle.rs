//! The failed-log-in log answers the same in memory and in Redis.

use hail_server::auth::throttle::memory::MemoryFailureLog;
use hail_server::auth::throttle::redis::RedisFailureLog;
use hail_server::auth::throttle::{Count, FailureLog};
use hail_server::keys::Keys;
use std::net::IpAddr;
use std::time::Duration;

const WINDOW: Duration = Duration::from_secs(60);

fn ip(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

async fn contract(log: &dyn FailureLog, user: &str) {
    let t0 = chrono::Utc::now().timestamp_millis();
    let (none, _) = log.count(user, ip(2), t0).await.expect("count");
    assert_eq!(none, Count::default());

    log.record(user, ip(2), t0).await.expect("record");
    log.record(user, ip(2), t0 + 10).await.expect("record");
    log.record(user, ip(3), t0 + 20).await.expect("record");
    let (by_user, by_ip) = log.count(user, ip(2), t0 + 30).await.expect("count");
    assert_eq!(
        by_user,
        Count {
            failures: 3,
            oldest_ms: Some(t0)
        }
    );
    assert_eq!(by_ip.failures, 2);
    assert_eq!(by_ip.oldest_ms, Some(t0));

    // The window slides: the first failure leaves 60 s after it was made.
    let later = t0 + WINDOW.as_millis() as i64 + 5;
    let (by_user, by_ip) = log.count(user, ip(2), later).await.expect("count");
    assert_eq!((by_user.failures, by_user.oldest_ms), (2, Some(t0 + 10)));
    assert_eq!(by_ip.failures, 1);

    // A success from .3 clears the username's failures from .3 only, and
    // never an IP's own count.
    log.clear(user, ip(3)).await.expect("clear");
    let (by_user, by_ip3) = log.count(user, ip(3), later).await.expect("count");
    assert_eq!(by_user.failures, 1, "the .2 failure in the window stays");
    assert_eq!(by_ip3.failures, 1);
}

#[tokio::test]
async fn memory_failure_log_meets_the_contract() {
    contract(&MemoryFailureLog::new(WINDOW), "ann").await;
}

#[tokio::test]
async fn redis_failure_log_meets_the_contract() {
    let prefix = format!("{}:", crate::unique("login"));
    let client = hail_server::bus::redis::client(crate::REDIS).expect("client");
    let con = client
        .get_connection_manager_with_config(hail_server::bus::redis::manager_config(
            Duration::from_secs(5),
        ))
        .await
        .expect("Redis");
    let keys = Keys::new(prefix);
    contract(
        &RedisFailureLog::new(keys.clone(), con.clone(), WINDOW),
        "ann",
    )
    .await;
    let mut con = con;
    let ttl: i64 = redis::cmd("PTTL")
        .arg(keys.login_failures_user("ann"))
        .query_async(&mut con)
        .await
        .expect("pttl");
    assert!(
        ttl > 0 && ttl <= WINDOW.as_millis() as i64,
        "expires: {ttl}"
    );
    let _: () = redis::cmd("DEL")
        .arg(keys.login_failures_user("ann"))
        .arg(keys.login_failures_ip(ip(2)))
        .arg(keys.login_failures_ip(ip(3)))
        .query_async(&mut con)
        .await
        .expect("cleanup");
}

/// On a cluster each username's and each IP's set is its own slot: every
/// pipeline and script touches one key, so none is refused as cross-slot.
#[tokio::test]
async fn redis_cluster_failure_log_meets_the_contract() {
    let cluster = crate::redis_cluster::LocalCluster::start().await;
    let seeds: Vec<String> = cluster.seeds().split(',').map(str::to_owned).collect();
    let con = hail_server::bus::redis_cluster::cluster_client(&seeds, Duration::from_secs(5), None)
        .expect("client")
        .get_async_connection()
        .await
        .expect("Redis Cluster");
    contract(&RedisFailureLog::new(Keys::new("t:"), con, WINDOW), "ann").await;
}
