//! Presence for a single node: only itself to show.

use super::{Heartbeat, Presence, PresenceError};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::Mutex;

#[derive(Default)]
pub struct MemoryPresence {
    nodes: Mutex<BTreeMap<String, Heartbeat>>,
}

impl MemoryPresence {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Heartbeat>> {
        self.nodes.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl Presence for MemoryPresence {
    async fn announce(&self, beat: &Heartbeat) -> Result<(), PresenceError> {
        self.lock().insert(beat.id.clone(), beat.clone());
        Ok(())
    }

    async fn nodes(&self) -> Result<Vec<Heartbeat>, PresenceError> {
        Ok(self.lock().values().cloned().collect())
    }

    async fn forget(&self, id: &str) -> Result<(), PresenceError> {
        self.lock().remove(id);
        Ok(())
    }
}
