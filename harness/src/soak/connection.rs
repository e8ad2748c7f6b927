//! A soak client's connections: to the next node with jittered backoff
//! (a node may be down), and why a connection ended.

use super::params::CONNECT_TIMEOUT;
use super::shared::Shared;
use crate::client::{self, Socket};
use crate::tally::Tally;
use hail_protocol::ws::ClientFrame;
use hail_protocol::{ServerMessage, Trip};
use rand::rngs::StdRng;
use rand::Rng;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Jittered exponential backoff after `failures` refused connects in a row:
/// 100 ms doubling up to 2 s, times 0.5..1.5.
pub fn backoff(failures: u32, rng: &mut impl Rng) -> Duration {
    let base = 100u64.saturating_mul(1u64 << failures.saturating_sub(1).min(5));
    let ms = base.min(2_000) as f64 * rng.random_range(0.5..1.5);
    Duration::from_millis(ms as u64)
}

/// Why a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The run is over (or this rider is done).
    Stop,
    /// The socket ended: with the server's close code, or none (lost).
    Closed(Option<u16>),
    /// The harness dropped the connection to resync from `hello`.
    Resync(&'static str),
}

/// How far `attempt` moves after a lost connection (on top of the one step
/// per connect): 0..n-2 at random, so the next node is never the one just
/// lost and the clients of a dead node spread over all the others. (Always
/// one step would pile every client onto one node after two round-robin
/// kills, and every later kill would then hit all of them at once.)
pub fn spread(n: usize, rng: &mut impl Rng) -> usize {
    if n > 2 {
        rng.random_range(0..n - 1)
    } else {
        0
    }
}

/// The counter name for a reconnect after `end`.
pub fn end_reason(end: End) -> String {
    match end {
        End::Stop => "stop".into(),
        End::Closed(None) => "socket_lost".into(),
        End::Closed(Some(code)) => format!("close_{code}"),
        End::Resync(why) => format!("resync_{why}"),
    }
}

pub(super) async fn tx(ws: &mut Socket, frame: &ClientFrame) -> Result<(), End> {
    match tokio::time::timeout(Duration::from_secs(5), client::send(ws, frame)).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(End::Closed(None)),
    }
}

/// Sleeps, unless the run stops first (then false).
async fn pause(stop: &CancellationToken, d: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => true,
        _ = stop.cancelled() => false,
    }
}

/// Connects client `idx` to node (idx + attempt) mod n, so a client whose
/// node died moves on to another; each refused connect moves one node on
/// and backs off. `None` once the run stops.
async fn connect_next(
    sh: &Shared,
    token: &str,
    idx: usize,
    attempt: &mut usize,
    t: &mut Tally,
    rng: &mut StdRng,
) -> Option<(Socket, Option<Trip>)> {
    let mut failures = 0u32;
    loop {
        if sh.stop.is_cancelled() {
            return None;
        }
        let node = &sh.nodes[(idx + *attempt) % sh.nodes.len()];
        *attempt += 1;
        let r = tokio::select! {
            r = tokio::time::timeout(CONNECT_TIMEOUT, client::connect(node, token, None)) => r,
            _ = sh.stop.cancelled() => return None,
        };
        match r {
            Ok(Ok((ws, ServerMessage::Hello { trip, .. }))) => return Some((ws, trip)),
            _ => {
                failures += 1;
                t.count("connect_failures");
                sh.live.connect_failures.inc();
                if !pause(&sh.stop, backoff(failures, rng)).await {
                    return None;
                }
            }
        }
    }
}

/// One client's way through its connections: the node to try next, and
/// when the last connection was lost (for the reconnect latency).
pub(super) struct Reconnect {
    /// The client's token, for every connect.
    token: String,
    /// The client's index: its first node is `idx mod n`.
    idx: usize,
    /// How many nodes it has moved on so far (one per connect, more after a loss).
    attempt: usize,
    /// When the last connection was lost, until the next `hello`.
    lost: Option<Instant>,
}

impl Reconnect {
    pub(super) fn new(token: String, idx: usize) -> Self {
        Self {
            token,
            idx,
            attempt: 0,
            lost: None,
        }
    }

    /// The next connection and its `hello.trip`; `None` once the run stops.
    pub(super) async fn connect(
        &mut self,
        sh: &Shared,
        t: &mut Tally,
        rng: &mut StdRng,
    ) -> Option<(Socket, Option<Trip>)> {
        let next = connect_next(sh, &self.token, self.idx, &mut self.attempt, t, rng).await?;
        if let Some(at) = self.lost.take() {
            t.reconnect.record(at.elapsed());
        }
        Some(next)
    }

    /// The connection ended with `end` (not a stop): counts why, moves on
    /// past the lost node and waits a short jitter. False once the run stops.
    pub(super) async fn ended(
        &mut self,
        sh: &Shared,
        t: &mut Tally,
        rng: &mut StdRng,
        end: End,
    ) -> bool {
        t.count(&format!("reconnects_{}", end_reason(end)));
        sh.live.reconnects.inc();
        self.lost = Some(Instant::now());
        self.attempt += spread(sh.nodes.len(), rng);
        let jitter = Duration::from_millis(rng.random_range(20..250));
        pause(&sh.stop, jitter).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::collections::BTreeSet;

    #[test]
    fn backoff_grows_and_is_capped() {
        let mut rng = StdRng::seed_from_u64(1);
        for failures in 1..20 {
            let d = backoff(failures, &mut rng);
            assert!(d <= Duration::from_millis(3_000), "{failures}: {d:?}");
            assert!(d >= Duration::from_millis(50), "{failures}: {d:?}");
        }
        let first = backoff(1, &mut rng);
        assert!(first <= Duration::from_millis(150));
    }

    #[test]
    fn after_a_lost_node_the_next_is_another_and_all_others_are_used() {
        let mut rng = StdRng::seed_from_u64(3);
        let n = 3;
        let mut seen = BTreeSet::new();
        for _ in 0..100 {
            // Lost node 0 (attempt 0 used); connect_next adds the one step.
            let next = (1 + spread(n, &mut rng)) % n;
            assert_ne!(next, 0);
            seen.insert(next);
        }
        assert_eq!(seen, BTreeSet::from([1, 2]));
        assert_eq!(spread(1, &mut rng), 0);
        assert_eq!(spread(2, &mut rng), 0);
    }

    #[test]
    fn reconnect_reasons_name_the_close_code() {
        assert_eq!(end_reason(End::Closed(Some(1012))), "close_1012");
        assert_eq!(end_reason(End::Closed(Some(1001))), "close_1001");
        assert_eq!(end_reason(End::Closed(None)), "socket_lost");
        assert_eq!(end_reason(End::Resync("x")), "resync_x");
    }
}
