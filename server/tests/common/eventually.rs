//! Waiting for what a test can observe instead of sleeping for a guessed
//! while. Shared by the `api` and `contracts` test crates:
//! `#[path = "../common/eventually.rs"] mod eventually;`.

#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// How long anything awaited may take: generous, the machine is shared.
pub const EVENTUALLY: Duration = Duration::from_secs(10);
/// How often a condition is looked at again.
pub const POLL: Duration = Duration::from_millis(20);

/// Polls `probe` every [`POLL`] until it returns `Some`, for up to
/// [`EVENTUALLY`]; fails naming `what` was awaited.
pub async fn eventually<T, F, Fut>(what: &str, probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    eventually_within(EVENTUALLY, what, probe).await
}

/// [`eventually`] with a deadline of its own.
pub async fn eventually_within<T, F, Fut>(within: Duration, what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let mut wait = Waiting::new(what, within);
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        wait.again().await;
    }
}

/// [`eventually`] for a condition that only holds or not.
pub async fn eventually_true<F, Fut>(what: &str, mut probe: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    eventually(what, || {
        let holds = probe();
        async move { holds.await.then_some(()) }
    })
    .await
}

/// Checks every [`POLL`] for all of `window` that `holds` still holds (the
/// test asserts something does not happen, so time has to pass); fails
/// naming `what` the first time it does not.
pub async fn holds_throughout<F, Fut>(window: Duration, what: &str, mut holds: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let end = Instant::now() + window;
    loop {
        assert!(holds().await, "within {window:?}: {what}");
        if Instant::now() >= end {
            return;
        }
        tokio::time::sleep(POLL.min(end - Instant::now())).await;
    }
}

/// The deadline of a hand-written poll loop, for probes that need `&mut`
/// state a closure cannot lend out (a WebSocket that is read):
/// `loop { if done { break } wait.again().await }`.
pub struct Waiting<'a> {
    what: &'a str,
    within: Duration,
    deadline: Instant,
    every: Duration,
}

impl<'a> Waiting<'a> {
    pub fn new(what: &'a str, within: Duration) -> Self {
        Self {
            what,
            within,
            deadline: Instant::now() + within,
            every: POLL,
        }
    }

    /// Polls every `every` instead of [`POLL`] (a probe that costs the
    /// server something, e.g. a command that fails over a cut connection).
    pub fn every(mut self, every: Duration) -> Self {
        self.every = every;
        self
    }

    /// Fails once the deadline has passed, else waits before the next look.
    pub async fn again(&mut self) {
        self.again_showing(&"(not shown)").await
    }

    /// [`again`](Self::again), showing what was seen last if it fails.
    pub async fn again_showing(&mut self, last: &dyn std::fmt::Debug) {
        assert!(
            Instant::now() < self.deadline,
            "timed out after {:?} waiting for {}; last seen: {last:#?}",
            self.within,
            self.what
        );
        tokio::time::sleep(self.every).await;
    }
}
