use crate::eventually::{eventually, holds_throughout};
use hail_protocol::UserId;
use hail_server::bus::memory::MemoryBus;
use hail_server::bus::redis::RedisBus;
use hail_server::bus::{Bus, Inbound, Topic};
use hail_server::keys::{Keys, NodeTag};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct Recorder(Mutex<Vec<(Topic, Vec<u8>)>>);

impl Inbound for Recorder {
    fn deliver(&self, topic: Topic, payload: &[u8]) {
        self.0.lock().expect("lock").push((topic, payload.to_vec()));
    }
}

impl Recorder {
    fn got(&self) -> Vec<(Topic, Vec<u8>)> {
        self.0.lock().expect("lock").clone()
    }

    /// What arrived, once `n` messages have.
    async fn wait_for(&self, n: usize) -> Vec<(Topic, Vec<u8>)> {
        eventually(&format!("{n} messages delivered"), || async {
            let got = self.got();
            (got.len() >= n).then_some(got)
        })
        .await
    }
}

/// Whether messages on different topics arrive in publish order: true on
/// one Redis and in memory; on a cluster two topics may live on two shards
/// (two connections), so only each topic's own order holds, which is all
/// Hail relies on.
async fn contract(bus: &dyn Bus, rec: &Recorder, ordered_across_topics: bool) {
    bus.ping().await.expect("ping");
    let (u, v, t) = (
        Topic::User(UserId::new()),
        Topic::User(UserId::new()),
        Topic::Dispatch(NodeTag::of("node-x")),
    );
    bus.subscribe(&[u, t]).await.expect("subscribe");
    bus.publish(u, b"one".to_vec()).await.expect("publish");
    bus.publish(v, b"not for us".to_vec())
        .await
        .expect("publish");
    bus.publish(t, b"two".to_vec()).await.expect("publish");
    let mut got = rec.wait_for(2).await;
    if !ordered_across_topics {
        got.sort_by_key(|(_, payload)| payload.clone());
    }
    assert_eq!(
        got,
        vec![(u, b"one".to_vec()), (t, b"two".to_vec())],
        "in order, only subscribed topics"
    );
    // One topic's messages keep their order everywhere.
    let many: Vec<Vec<u8>> = (0..50).map(|i| format!("m{i}").into_bytes()).collect();
    for m in &many {
        bus.publish(t, m.clone()).await.expect("publish");
    }
    let got = rec.wait_for(2 + many.len()).await;
    assert_eq!(
        got[2..].iter().map(|(_, p)| p.clone()).collect::<Vec<_>>(),
        many,
        "one topic, publish order"
    );
    let base = rec.got().len();
    bus.unsubscribe(&[u]).await.expect("unsubscribe");
    bus.publish(u, b"after".to_vec()).await.expect("publish");
    bus.publish(t, b"three".to_vec()).await.expect("publish");
    let got = rec.wait_for(base + 1).await;
    assert_eq!(got.last(), Some(&(t, b"three".to_vec())));
    holds_throughout(
        Duration::from_millis(100),
        "nothing after unsubscribe",
        || async { rec.got().len() == base + 1 },
    )
    .await;
}

#[tokio::test]
async fn memory_bus_meets_the_contract() {
    let rec = Arc::new(Recorder::default());
    let bus = MemoryBus::new(rec.clone());
    contract(&bus, &rec, true).await;
}

#[tokio::test]
async fn redis_cluster_bus_meets_the_contract() {
    let cluster = crate::redis_cluster::LocalCluster::start().await;
    let seeds: Vec<String> = cluster.seeds().split(',').map(str::to_owned).collect();
    let rec = Arc::new(Recorder::default());
    let keys = Keys::new(format!("{}:", crate::unique("bus")));
    let bus = hail_server::bus::redis_cluster::ClusterBus::connect(
        &seeds,
        keys,
        rec.clone(),
        Duration::from_secs(5),
    )
    .await
    .expect("Redis Cluster");
    contract(&bus, &rec, false).await;
}

#[tokio::test]
async fn redis_bus_meets_the_contract() {
    let rec = Arc::new(Recorder::default());
    let client = hail_server::bus::redis::client(crate::REDIS).expect("client");
    let keys = Keys::new(format!("{}:", crate::unique("bus")));
    let bus = RedisBus::connect(&client, keys, rec.clone(), Duration::from_secs(5))
        .await
        .expect("Redis");
    contract(&bus, &rec, true).await;
}
