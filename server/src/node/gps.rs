//! GPS persistence: a bounded queue and one batching writer (COPY BINARY).
//!
//! Sessions `push` and wait when the queue is full, so a slow Postgres slows
//! the drivers' sockets (TCP backpressure) instead of losing points; past
//! `push_timeout` the point is refused and the driver told `unavailable`
//! (counted, never silent). A failed write is retried until it lands, so an
//! outage shorter than the queue's worth of points loses nothing. A `barrier` waits until every point
//! queued before it is written, so a trip's track is complete when the
//! driver's `trip.complete` is answered.

use crate::config::GpsConfig;
use crate::metrics as m;
use crate::node::live::{Live, Task, TaskCell};
use crate::store::{GpsPoint, Store};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

enum Item {
    /// A point, and who to tell once it is written.
    Point(GpsPoint, Option<oneshot::Sender<()>>),
    Barrier(oneshot::Sender<()>),
}

#[derive(Debug, thiserror::Error)]
#[error("the GPS writer has stopped")]
pub struct WriterGone;

#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error(
        "GPS points are not being stored right now (the buffer is full); send this one again later"
    )]
    Full,
    #[error(transparent)]
    Gone(#[from] WriterGone),
}

#[derive(Clone)]
pub struct GpsQueue {
    tx: mpsc::Sender<Item>,
    push_timeout: Duration,
}

impl GpsQueue {
    /// Queues a point, waiting up to `push_timeout` while the queue is full.
    pub async fn push(&self, point: GpsPoint) -> Result<(), PushError> {
        self.send(Item::Point(point, None)).await
    }

    /// Like [`push`](Self::push), and returns what resolves once the point
    /// is written: how a `location` with a `ref` is answered only when its
    /// point is durable, without the session waiting for it.
    pub async fn push_acked(&self, point: GpsPoint) -> Result<oneshot::Receiver<()>, PushError> {
        let (tx, rx) = oneshot::channel();
        self.send(Item::Point(point, Some(tx))).await.map(|()| rx)
    }

    async fn send(&self, item: Item) -> Result<(), PushError> {
        // The depth gauge is set by the writer after each batch, not here
        // on the hot path.
        match self.tx.send_timeout(item, self.push_timeout).await {
            Ok(()) => Ok(()),
            Err(mpsc::error::SendTimeoutError::Timeout(_)) => {
                m::gps_point_refused();
                Err(PushError::Full)
            }
            Err(mpsc::error::SendTimeoutError::Closed(_)) => {
                m::gps_point_refused();
                Err(WriterGone.into())
            }
        }
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
    live: Arc<Live>,
    close: CancellationToken,
) -> (GpsQueue, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(cfg.queue);
    let push_timeout = cfg.push_timeout;
    let writer = tokio::spawn(run(store, cfg, live, rx, close));
    (GpsQueue { tx, push_timeout }, writer)
}

async fn run(
    store: Arc<dyn Store>,
    cfg: GpsConfig,
    live: Arc<Live>,
    mut rx: mpsc::Receiver<Item>,
    close: CancellationToken,
) {
    let task = live.task(Task::GpsWriter);
    let depth = |n: usize| {
        task.set_backlog(n as u64);
        m::gps_queue_depth(n);
    };
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
        flush(&*store, &live, task, &mut items, &mut points, &mut barriers).await;
        depth(rx.len());
    }
    // Shutting down: no new points are accepted; write what is queued.
    rx.close();
    loop {
        let n = rx.recv_many(&mut items, cfg.batch).await;
        if n == 0 {
            break;
        }
        flush(&*store, &live, task, &mut items, &mut points, &mut barriers).await;
    }
    depth(0);
}

async fn flush(
    store: &dyn Store,
    live: &Live,
    task: &TaskCell,
    items: &mut Vec<Item>,
    points: &mut Vec<GpsPoint>,
    barriers: &mut Vec<oneshot::Sender<()>>,
) {
    for item in items.drain(..) {
        match item {
            Item::Point(p, ack) => {
                points.push(p);
                barriers.extend(ack);
            }
            Item::Barrier(b) => barriers.push(b),
        }
    }
    let mut backoff = Duration::from_millis(50);
    while !points.is_empty() {
        let started = Instant::now();
        match store.insert_points(points).await {
            Ok(()) => {
                task.ran(started.elapsed());
                m::gps_flushed(points.len(), started.elapsed());
                live.gps_written(points.len());
                points.clear();
            }
            Err(e) => {
                task.failed(started.elapsed(), &e);
                m::gps_flush_failed();
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
