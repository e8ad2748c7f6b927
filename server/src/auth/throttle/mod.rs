//! Log-in throttling: failed log-ins counted per username and per client IP
//! over a sliding window. In memory on one node; in Redis for a cluster, so
//! an attacker gains nothing by spreading guesses over the nodes.
//!
//! The policy (what counts, when to answer 429, what a success clears) is
//! here; the backends only keep timestamps.
//! - A failure counts against the (lower-cased) username, whether or not the
//!   account exists, so the answers never tell which usernames exist, and
//!   against the IP.
//! - An attempt is refused, before any password hashing, when either count
//!   has reached its limit; refused attempts are not counted, so a locked
//!   username or IP frees itself when the window moves on.
//! - A success clears that username's failures made from the same IP only:
//!   a user who mistyped is not locked out later, while failures from other
//!   IPs (an attacker's) and the per-IP count stay.

pub mod memory;
pub mod redis;

use crate::config::LoginConfig;
use async_trait::async_trait;
use std::net::IpAddr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ThrottleError {
    #[error("log-in throttle unavailable: {0}")]
    Unavailable(String),
}

/// The failures still inside the window for one key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    pub failures: u32,
    /// Unix ms of the oldest counted failure.
    pub oldest_ms: Option<i64>,
}

/// Where failed log-ins are kept: timestamps per username and per IP, each
/// forgotten once older than the window the backend was built with.
#[async_trait]
pub trait FailureLog: Send + Sync + 'static {
    /// Failures inside the window ending at `now_ms`: (username, IP).
    async fn count(
        &self,
        username: &str,
        ip: IpAddr,
        now_ms: i64,
    ) -> Result<(Count, Count), ThrottleError>;
    /// Counts one failure against both.
    async fn record(&self, username: &str, ip: IpAddr, now_ms: i64) -> Result<(), ThrottleError>;
    /// Forgets `username`'s failures that came from `ip` (not the IP's own
    /// count, not the username's failures from other IPs).
    async fn clear(&self, username: &str, ip: IpAddr) -> Result<(), ThrottleError>;
}

/// The throttle the log-in route asks: limits plus a [`FailureLog`].
pub struct LoginThrottle {
    log: std::sync::Arc<dyn FailureLog>,
    window: Duration,
    max_per_user: u32,
    max_per_ip: u32,
}

/// Usernames are compared case-insensitively (`Ann` is `ann`). One longer
/// than any account can have is counted under its SHA-256 instead, so a
/// client cannot make the server (or Redis) keep huge keys.
fn key(username: &str) -> String {
    let lower = username.to_lowercase();
    if lower.len() <= 64 {
        return lower;
    }
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(lower.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("#sha256:{hex}")
}

impl LoginThrottle {
    pub fn new(log: std::sync::Arc<dyn FailureLog>, config: &LoginConfig) -> Self {
        Self {
            log,
            window: config.window,
            max_per_user: config.max_failures_per_user,
            max_per_ip: config.max_failures_per_ip,
        }
    }

    /// `Some(retry_after)` when this attempt must be refused: the time until
    /// the oldest failure counted against the exhausted limit leaves the window.
    pub async fn check(
        &self,
        username: &str,
        ip: IpAddr,
        now_ms: i64,
    ) -> Result<Option<Duration>, ThrottleError> {
        let (user, by_ip) = self.log.count(&key(username), ip, now_ms).await?;
        let window_ms = self.window.as_millis() as i64;
        let wait = |c: Count| {
            let leaves = c.oldest_ms.unwrap_or(now_ms) + window_ms;
            Duration::from_millis((leaves - now_ms).max(1) as u64)
        };
        let mut retry = None;
        if user.failures >= self.max_per_user {
            retry = Some(wait(user));
        }
        if by_ip.failures >= self.max_per_ip {
            retry = retry.max(Some(wait(by_ip)));
        }
        Ok(retry)
    }

    pub async fn failed(
        &self,
        username: &str,
        ip: IpAddr,
        now_ms: i64,
    ) -> Result<(), ThrottleError> {
        self.log.record(&key(username), ip, now_ms).await
    }

    pub async fn succeeded(&self, username: &str, ip: IpAddr) -> Result<(), ThrottleError> {
        self.log.clear(&key(username), ip).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle() -> LoginThrottle {
        let config = LoginConfig {
            window: Duration::from_secs(60),
            max_failures_per_user: 3,
            max_failures_per_ip: 5,
            ..LoginConfig::default()
        };
        let log = std::sync::Arc::new(memory::MemoryFailureLog::new(config.window));
        LoginThrottle::new(log, &config)
    }

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    #[tokio::test]
    async fn a_username_locks_on_every_ip_until_its_oldest_failure_leaves() {
        let t = throttle();
        for i in 0..3 {
            assert_eq!(t.check("Ann", ip(2), 1_000 + i).await.expect("check"), None);
            t.failed("Ann", ip(2), 1_000 + i).await.expect("record");
        }
        let retry = t.check("ann", ip(3), 2_000).await.expect("check");
        assert_eq!(
            retry,
            Some(Duration::from_millis(59_000)),
            "case-insensitive, any IP"
        );
        assert_eq!(t.check("ann", ip(3), 61_000).await.expect("check"), None);
    }

    #[test]
    fn long_usernames_are_counted_under_a_short_key() {
        assert_eq!(key("Ann"), "ann");
        let long = "x".repeat(10_000);
        assert!(key(&long).len() < 80);
        assert_eq!(key(&long), key(&long.to_uppercase()));
    }

    #[tokio::test]
    async fn an_ip_locks_over_many_usernames_and_a_success_clears_only_its_own() {
        let t = throttle();
        t.failed("bob", ip(2), 1_000).await.expect("record");
        t.failed("bob", ip(2), 1_001).await.expect("record");
        t.failed("bob", ip(4), 1_002).await.expect("record");
        // Bob logs in from .2: his failures from .2 go, the one from .4 stays.
        t.succeeded("bob", ip(2)).await.expect("clear");
        let (user, by_ip) = t.log.count("bob", ip(2), 2_000).await.expect("count");
        assert_eq!(user.failures, 1);
        assert_eq!(by_ip.failures, 2, "a success does not reset the IP's count");
        for n in 0..3 {
            t.failed(&format!("u{n}"), ip(2), 3_000)
                .await
                .expect("record");
        }
        assert!(t
            .check("someone", ip(2), 3_001)
            .await
            .expect("check")
            .is_some());
        assert_eq!(t.check("someone", ip(5), 3_001).await.expect("check"), None);
    }
}
