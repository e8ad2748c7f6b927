//! Failed log-ins of a single node, in memory.

use super::{Count, FailureLog, ThrottleError};
use async_trait::async_trait;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

/// Sweep every this many records, so keys nobody retries (a spray of
/// usernames) do not pile up.
const SWEEP_EVERY: u64 = 1024;

#[derive(Default)]
struct Inner {
    /// Username -> (unix ms, IP) of each failure, oldest first.
    users: HashMap<String, VecDeque<(i64, IpAddr)>>,
    /// IP -> unix ms of each failure, oldest first.
    ips: HashMap<IpAddr, VecDeque<i64>>,
    records: u64,
}

pub struct MemoryFailureLog {
    window_ms: i64,
    inner: Mutex<Inner>,
}

impl MemoryFailureLog {
    pub fn new(window: Duration) -> Self {
        Self {
            window_ms: window.as_millis() as i64,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn prune<T>(q: &mut VecDeque<T>, at: impl Fn(&T) -> i64, cutoff: i64) {
    while q.front().is_some_and(|e| at(e) <= cutoff) {
        q.pop_front();
    }
}

#[async_trait]
impl FailureLog for MemoryFailureLog {
    async fn count(
        &self,
        username: &str,
        ip: IpAddr,
        now_ms: i64,
    ) -> Result<(Count, Count), ThrottleError> {
        let cutoff = now_ms - self.window_ms;
        let mut inner = self.lock();
        let user = inner.users.get_mut(username).map_or(Count::default(), |q| {
            prune(q, |e| e.0, cutoff);
            Count {
                failures: q.len() as u32,
                oldest_ms: q.front().map(|e| e.0),
            }
        });
        let by_ip = inner.ips.get_mut(&ip).map_or(Count::default(), |q| {
            prune(q, |e| *e, cutoff);
            Count {
                failures: q.len() as u32,
                oldest_ms: q.front().copied(),
            }
        });
        Ok((user, by_ip))
    }

    async fn record(&self, username: &str, ip: IpAddr, now_ms: i64) -> Result<(), ThrottleError> {
        let cutoff = now_ms - self.window_ms;
        let mut inner = self.lock();
        inner
            .users
            .entry(username.to_string())
            .or_default()
            .push_back((now_ms, ip));
        inner.ips.entry(ip).or_default().push_back(now_ms);
        inner.records += 1;
        if inner.records.is_multiple_of(SWEEP_EVERY) {
            inner.users.retain(|_, q| {
                prune(q, |e| e.0, cutoff);
                !q.is_empty()
            });
            inner.ips.retain(|_, q| {
                prune(q, |e| *e, cutoff);
                !q.is_empty()
            });
        }
        Ok(())
    }

    async fn clear(&self, username: &str, ip: IpAddr) -> Result<(), ThrottleError> {
        let mut inner = self.lock();
        if let Some(q) = inner.users.get_mut(username) {
            q.retain(|e| e.1 != ip);
            if q.is_empty() {
                inner.users.remove(username);
            }
        }
        Ok(())
    }
}
