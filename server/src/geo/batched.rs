//! Geo writes batched per node: every session's `upsert` and `remove` go
//! through one writer task, which applies whatever queued while the last
//! batch was in flight as one [`GeoIndex::apply`] (one Redis MULTI for
//! thousands of drivers instead of one round trip each). Under light load a
//! write goes alone, at once; under a burst the batches grow, so a dispatch
//! search on the same connection never waits behind thousands of small
//! transactions. Reads go straight to the index.

use super::{Candidate, GeoError, GeoIndex, GeoWrite};
use async_trait::async_trait;
use hail_protocol::{Position, UserId};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Writes per batch at most (one MULTI on Redis).
const MAX_BATCH: usize = 4096;
/// Writes waiting for the writer; a caller past it waits (backpressure).
const QUEUE: usize = 65_536;

type Done = oneshot::Sender<Result<(), String>>;

pub struct BatchedGeo {
    inner: Arc<dyn GeoIndex>,
    tx: mpsc::Sender<(GeoWrite, Done)>,
}

impl BatchedGeo {
    /// Wraps `inner`; the writer runs until the last handle is dropped.
    pub fn new(inner: Arc<dyn GeoIndex>) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(write(inner.clone(), rx));
        Self { inner, tx }
    }

    /// Queues `write`; what resolves once its batch landed.
    async fn enqueue(
        &self,
        write: GeoWrite,
    ) -> Result<oneshot::Receiver<Result<(), String>>, GeoError> {
        let (done, result) = oneshot::channel();
        self.tx.send((write, done)).await.map_err(|_| gone())?;
        Ok(result)
    }

    async fn queue(&self, write: GeoWrite) -> Result<(), GeoError> {
        landed(self.enqueue(write).await?).await
    }
}

fn gone() -> GeoError {
    GeoError::Unavailable("the geo writer has stopped".into())
}

async fn landed(result: oneshot::Receiver<Result<(), String>>) -> Result<(), GeoError> {
    result
        .await
        .map_err(|_| gone())?
        .map_err(GeoError::Unavailable)
}

async fn write(inner: Arc<dyn GeoIndex>, mut rx: mpsc::Receiver<(GeoWrite, Done)>) {
    let mut queued = Vec::with_capacity(MAX_BATCH);
    let mut writes = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut queued, MAX_BATCH).await > 0 {
        coalesce(queued.iter().map(|(w, _)| *w), &mut writes);
        let result = inner.apply(&writes).await.map_err(|e| e.to_string());
        if let Err(e) = &result {
            tracing::warn!(writes = writes.len(), "geo writes failed: {e}");
        }
        for (_, done) in queued.drain(..) {
            let _ = done.send(result.clone());
        }
        writes.clear();
    }
}

/// One write per driver, the last one queued: applying it leaves the index
/// as applying them all in order would.
fn coalesce(queued: impl Iterator<Item = GeoWrite>, out: &mut Vec<GeoWrite>) {
    let mut at: HashMap<UserId, usize> = HashMap::new();
    for w in queued {
        match at.get(&w.driver()) {
            Some(&i) => out[i] = w,
            None => {
                at.insert(w.driver(), out.len());
                out.push(w);
            }
        }
    }
}

#[async_trait]
impl GeoIndex for BatchedGeo {
    async fn upsert(&self, driver: UserId, pos: Position, at_ms: i64) -> Result<(), GeoError> {
        self.queue(GeoWrite::Upsert { driver, pos, at_ms }).await
    }

    async fn remove(&self, driver: UserId) -> Result<(), GeoError> {
        self.queue(GeoWrite::Remove { driver }).await
    }

    /// Queued together, so they share the writer's next batch.
    async fn apply(&self, writes: &[GeoWrite]) -> Result<(), GeoError> {
        let mut pending = Vec::with_capacity(writes.len());
        for w in writes {
            pending.push(self.enqueue(*w).await?);
        }
        for result in pending {
            landed(result).await?;
        }
        Ok(())
    }

    async fn nearest(
        &self,
        center: Position,
        radius_m: f64,
        limit: usize,
        exclude: &HashSet<UserId>,
        fresh_since_ms: i64,
    ) -> Result<Vec<Candidate>, GeoError> {
        self.inner
            .nearest(center, radius_m, limit, exclude, fresh_since_ms)
            .await
    }

    async fn sweep(&self, cutoff_ms: i64) -> Result<usize, GeoError> {
        self.inner.sweep(cutoff_ms).await
    }

    async fn count(&self, fresh_since_ms: i64) -> Result<usize, GeoError> {
        self.inner.count(fresh_since_ms).await
    }

    async fn positions(
        &self,
        fresh_since_ms: i64,
        limit: usize,
    ) -> Result<Vec<(UserId, Position)>, GeoError> {
        self.inner.positions(fresh_since_ms, limit).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_write_per_driver_wins_in_first_seen_order() {
        let (a, b) = (UserId::new(), UserId::new());
        let p = |lat| Position::new(lat, 13.4).expect("valid");
        let up = |driver, lat, at_ms| GeoWrite::Upsert {
            driver,
            pos: p(lat),
            at_ms,
        };
        let mut out = Vec::new();
        coalesce(
            [
                up(a, 52.0, 1),
                up(b, 52.1, 1),
                GeoWrite::Remove { driver: a },
                up(b, 52.2, 2),
            ]
            .into_iter(),
            &mut out,
        );
        assert_eq!(out, vec![GeoWrite::Remove { driver: a }, up(b, 52.2, 2)]);
    }
}
