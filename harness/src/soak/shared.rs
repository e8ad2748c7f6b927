//! What every soak client task shares: the nodes, the live counters, the
//! stop signals and the evidence the final checks read.

use super::evidence::Evidence;
use crate::client::Node;
use crate::tally::{FirstOffers, Live, Tally};
use hail_protocol::ErrorCode;
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;
use tokio_util::sync::CancellationToken;

pub(super) struct Shared {
    pub(super) nodes: Vec<Node>,
    pub(super) live: Live,
    /// No new trip requests.
    pub(super) stop_requests: AtomicBool,
    /// Everyone stops.
    pub(super) stop: CancellationToken,
    /// Updated live, so a client that fails to stop loses nothing of it.
    pub(super) evidence: Mutex<Evidence>,
    /// For the dispatch latency.
    pub(super) first_offer: FirstOffers,
}

impl Shared {
    pub(super) fn new(nodes: Vec<Node>) -> Self {
        Self {
            nodes,
            live: Live::default(),
            stop_requests: AtomicBool::new(false),
            stop: CancellationToken::new(),
            evidence: Mutex::new(Evidence::default()),
            first_offer: FirstOffers::default(),
        }
    }

    pub(super) fn evidence(&self) -> std::sync::MutexGuard<'_, Evidence> {
        self.evidence.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts an error frame; true if it was `unavailable`.
    pub(super) fn count_error(&self, t: &mut Tally, code: ErrorCode) -> bool {
        t.error(code.as_str());
        if code == ErrorCode::Unavailable {
            self.live.unavailable.inc();
            t.count("unavailable_answers");
            true
        } else {
            false
        }
    }
}
