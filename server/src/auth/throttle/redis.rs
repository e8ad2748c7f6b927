//! Failed log-ins in Redis, shared by every node: a sorted set per username
//! and one per IP (score: unix ms of the failure). Every pipeline and script
//! touches one key, so each maps to one slot when Redis Cluster comes.

use super::{Count, FailureLog, ThrottleError};
use crate::keys::Keys;
use async_trait::async_trait;
use redis::aio::{ConnectionLike, ConnectionManager};
use std::net::IpAddr;
use std::time::Duration;

/// Removes the username's failures recorded from one IP (members start
/// with `{ip}|`); the per-IP set is untouched.
const CLEAR_FROM_IP: &str = r"
local gone = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if string.sub(m, 1, #ARGV[1]) == ARGV[1] then
    gone = gone + redis.call('ZREM', KEYS[1], m)
  end
end
return gone
";

/// Generic over the connection: a [`ConnectionManager`] on one Redis, a
/// cluster connection on Redis Cluster (every command here touches one key).
pub struct RedisFailureLog<C = ConnectionManager> {
    keys: Keys,
    con: C,
    window: Duration,
    clear: redis::Script,
}

impl<C: ConnectionLike + Clone + Send + Sync + 'static> RedisFailureLog<C> {
    pub fn new(keys: Keys, con: C, window: Duration) -> Self {
        Self {
            keys,
            con,
            window,
            clear: redis::Script::new(CLEAR_FROM_IP),
        }
    }

    /// Drops what left the window, then counts what is left.
    async fn count_key(&self, key: String, now_ms: i64) -> Result<Count, ThrottleError> {
        let cutoff = now_ms - self.window.as_millis() as i64;
        let mut con = self.con.clone();
        let (failures, oldest): (u32, redis::Value) = redis::pipe()
            .cmd("ZREMRANGEBYSCORE")
            .arg(&key)
            .arg("-inf")
            .arg(cutoff)
            .ignore()
            .cmd("ZCARD")
            .arg(&key)
            .cmd("ZRANGE")
            .arg(&key)
            .arg(0)
            .arg(0)
            .arg("WITHSCORES")
            .query_async(&mut con)
            .await
            .map_err(unavailable)?;
        let oldest_ms = first_score(&oldest).map(|s| s as i64);
        Ok(Count {
            failures,
            oldest_ms,
        })
    }

    async fn add(&self, key: String, member: String, now_ms: i64) -> Result<(), ThrottleError> {
        let cutoff = now_ms - self.window.as_millis() as i64;
        let mut con = self.con.clone();
        redis::pipe()
            .cmd("ZADD")
            .arg(&key)
            .arg(now_ms)
            .arg(member)
            .ignore()
            .cmd("ZREMRANGEBYSCORE")
            .arg(&key)
            .arg("-inf")
            .arg(cutoff)
            .ignore()
            // The set outlives its newest failure by one window at most.
            .cmd("PEXPIRE")
            .arg(&key)
            .arg(self.window.as_millis() as u64)
            .ignore()
            .query_async::<()>(&mut con)
            .await
            .map_err(unavailable)
    }
}

/// The score of the first entry of a `ZRANGE ... WITHSCORES` reply: a flat
/// `[member, score]` in RESP2, `[[member, score]]` in RESP3.
fn first_score(reply: &redis::Value) -> Option<f64> {
    use redis::Value;
    let Value::Array(items) = reply else {
        return None;
    };
    match items.as_slice() {
        [pair @ Value::Array(_), ..] => first_score(pair),
        [_member, Value::Double(score), ..] => Some(*score),
        [_member, Value::BulkString(score), ..] => std::str::from_utf8(score).ok()?.parse().ok(),
        [_member, Value::SimpleString(score), ..] => score.parse().ok(),
        _ => None,
    }
}

fn unavailable(e: impl std::fmt::Display) -> ThrottleError {
    ThrottleError::Unavailable(e.to_string())
}

#[async_trait]
impl<C: ConnectionLike + Clone + Send + Sync + 'static> FailureLog for RedisFailureLog<C> {
    async fn count(
        &self,
        username: &str,
        ip: IpAddr,
        now_ms: i64,
    ) -> Result<(Count, Count), ThrottleError> {
        tokio::try_join!(
            self.count_key(self.keys.login_failures_user(username), now_ms),
            self.count_key(self.keys.login_failures_ip(ip), now_ms),
        )
    }

    async fn record(&self, username: &str, ip: IpAddr, now_ms: i64) -> Result<(), ThrottleError> {
        let id = uuid::Uuid::now_v7().simple().to_string();
        tokio::try_join!(
            self.add(
                self.keys.login_failures_user(username),
                format!("{ip}|{id}"),
                now_ms
            ),
            self.add(self.keys.login_failures_ip(ip), id.clone(), now_ms),
        )?;
        Ok(())
    }

    async fn clear(&self, username: &str, ip: IpAddr) -> Result<(), ThrottleError> {
        let mut con = self.con.clone();
        self.clear
            .key(self.keys.login_failures_user(username))
            .arg(format!("{ip}|"))
            .invoke_async::<i64>(&mut con)
            .await
            .map(|_| ())
            .map_err(unavailable)
    }
}
