use crate::eventually::{eventually, holds_throughout};
use hail_protocol::{TripId, UserId};
use hail_server::bus::memory::MemoryBus;
use hail_server::bus::redis::RedisBus;
use hail_server::bus::{Bus, Inbound, Topic};
use hail_server::keys::Keys;
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

async fn contract(bus: &dyn Bus, rec: &Recorder) {
    bus.ping().await.expect("ping");
    let (u, v, t) = (
        Topic::User(UserId::new()),
        Topic::User(UserId::new()),
        Topic::Trip(TripId::new()),
    );
    bus.subscribe(&[u, t]).await.expect("subscribe");
    bus.publish(u, b"one".to_vec()).await.expect("publish");
    bus.publish(v, b"not for us".to_vec())
        .await
        .expect("publish");
    bus.publish(t, b"two".to_vec()).await.expect("publish");
    let got = rec.wait_for(2).await;
    assert_eq!(
        got,
        vec![(u, b"one".to_vec()), (t, b"two".to_vec())],
        "in order, only subscribed topics"
    );
    bus.unsubscribe(&[u]).await.expect("unsubscribe");
    bus.publish(u, b"after".to_vec()).await.expect("publish");
    bus.publish(t, b"three".to_vec()).await.expect("publish");
    let got = rec.wait_for(3).await;
    assert_eq!(got.last(), Some(&(t, b"three".to_vec())));
    holds_throughout(
        Duration::from_millis(100),
        "nothing after unsubscribe",
        || async { rec.got().len() == 3 },
    )
    .await;
}

#[tokio::test]
async fn memory_bus_meets_the_contract() {
    let rec = Arc::new(Recorder::default());
    let bus = MemoryBus::new(rec.clone());
    contract(&bus, &rec).await;
}

#[tokio::test]
async fn redis_bus_meets_the_contract() {
    let rec = Arc::new(Recorder::default());
    let client = hail_server::bus::redis::client(crate::REDIS).expect("client");
    let keys = Keys::new(format!("{}:", crate::unique("bus")));
    let bus = RedisBus::connect(&client, keys, rec.clone(), Duration::from_secs(5))
        .await
        .expect("Redis");
    contract(&bus, &rec).await;
}
