//! The in-process bus for a single node: the same subscribe/publish path
//! as Redis (payloads are encoded and decoded the same way), without the
//! network. Delivery is synchronous and never blocks: the registry only
//! queues into bounded outboxes.

use super::{Bus, BusError, Inbound, Topic};
use async_trait::async_trait;
use std::collections::HashSet;
use std::sync::{Arc, RwLock};

pub struct MemoryBus {
    inbound: Arc<dyn Inbound>,
    subscribed: RwLock<HashSet<Topic>>,
}

impl MemoryBus {
    pub fn new(inbound: Arc<dyn Inbound>) -> Self {
        Self {
            inbound,
            subscribed: RwLock::new(HashSet::new()),
        }
    }
}

#[async_trait]
impl Bus for MemoryBus {
    async fn publish_counted(
        &self,
        topic: Topic,
        payload: Vec<u8>,
    ) -> Result<Option<u64>, BusError> {
        let listening = self
            .subscribed
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&topic);
        if listening {
            self.inbound.deliver(topic, &payload);
        }
        Ok(Some(u64::from(listening)))
    }

    async fn subscribe(&self, topics: &[Topic]) -> Result<(), BusError> {
        let mut set = self.subscribed.write().unwrap_or_else(|e| e.into_inner());
        set.extend(topics.iter().copied());
        Ok(())
    }

    async fn unsubscribe(&self, topics: &[Topic]) -> Result<(), BusError> {
        let mut set = self.subscribed.write().unwrap_or_else(|e| e.into_inner());
        for t in topics {
            set.remove(t);
        }
        Ok(())
    }

    async fn ping(&self) -> Result<(), BusError> {
        Ok(())
    }
}
