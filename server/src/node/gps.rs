//! GPS persistence: a bounded queue and one batching writer (COPY BINARY).
//!
//! Sessions `push` and wait when the queue is full, so a slow Postgres slows
//! the drivers' sockets (TCP backpressure) instead of losing points. A failed
//! write is retried until it lands. A `barrier` waits until every point
//! queued before it is written, so a trip's track is complete when the
//! driver's `trip.complete` is answered.

use crate::config::GpsConfig;
use crate::metrics as m;
use crate::store::{GpsPoint, Store};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

enum Item {
    Point(GpsPoint),
    Barrier(oneshot::Sender<()>),
}

#[derive(Debug, thiserror::Error)]
#[error("the GPS writer has stopped")]
pub struct WriterGone;

#[derive(Clone)]
pub struct GpsQueue {
    tx: mpsc::Sender<Item>,
}

impl GpsQueue {
    /// Queues a point, waiting while the queue is full.
    pub async fn push(&self, point: GpsPoint) -> Result<(), WriterGone> {
        // The depth gauge is set by the writer after each batch, not here
        // on the hot path.
        self.tx
            .send(Item::Point(point))
            .await
            .map_err(|_| WriterGone)
    }

    /// Resolves when every point queued before this call is persisted.
    pub async fn barrier(&self) -> Result<(), WriterGone> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Item::Barrier(tx))
            .await
            .map_err(|_| WriterGone)?;
        rx.await.map_err(|_| WriterGone)
    }
}

/// Starts the writer. It runs until `close` is cancelled, then drains what
/// is queued and finishes (await the handle to know it has).
pub fn spawn(
    store: Arc<dyn Store>,
    cfg: GpsConfig,
    close: CancellationToken,
) -> (GpsQueue, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(cfg.queue);
    let writer = tokio::spawn(run(store, cfg, rx, close));
    (GpsQueue { tx }, writer)
}

async fn run(
    store: Arc<dyn Store>,
    cfg: GpsConfig,
    mut rx: mpsc::Receiver<Item>,
    close: CancellationToken,
) {
    let mut items = Vec::with_capacity(cfg.batch);
    let mut points = Vec::with_capacity(cfg.batch);
    let mut barriers = Vec::new();
    loop {
        tokio::select! {
            n = rx.recv_many(&mut items, cfg.batch) => if n == 0 { break },
            _ = close.cancelled() => break,
        }
        // Linger briefly so light traffic still writes in batches.
        let linger = tokio::time::Instant::now() + cfg.flush_interval;
        while items.len() < cfg.batch {
            let room = cfg.batch - items.len();
            match tokio::time::timeout_at(linger, rx.recv_many(&mut items, room)).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        flush(&*store, &mut items, &mut points, &mut barriers).await;
        m::gps_queue_depth(rx.len());
    }
    // Shutting down: no new points are accepted; write what is queued.
    rx.close();
    loop {
        let n = rx.recv_many(&mut items, cfg.batch).await;
        if n == 0 {
            break;
        }
        flush(&*store, &mut items, &mut points, &mut barriers).await;
    }
    m::gps_queue_depth(0);
}

async fn flush(
    store: &dyn Store,
    items: &mut Vec<Item>,
    points: &mut Vec<GpsPoint>,
    barriers: &mut Vec<oneshot::Sender<()>>,
) {
    for item in items.drain(..) {
        match item {
            Item::Point(p) => points.push(p),
            Item::Barrier(b) => barriers.push(b),
        }
    }
    let mut backoff = Duration::from_millis(50);
    while !points.is_empty() {
        let started = Instant::now();
        match store.insert_points(points).await {
            Ok(()) => {
                m::gps_flushed(points.len(), started.elapsed());
                points.clear();
            }
            Err(e) => {
                m::gps_flush_failed(started.elapsed(), &e);
                tracing::warn!(points = points.len(), "GPS write failed, retrying: {e}");
                // Keep retrying, even while closing: points are never
                // dropped; the shutdown timeout bounds how long we try.
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(2));
            }
        }
    }
    for b in barriers.drain(..) {
        let _ = b.send(());
    }
}
