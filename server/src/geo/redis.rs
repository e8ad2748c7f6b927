//! Redis GEO: `GEOADD` into one set plus a sorted set of last-seen times,
//! written together in one MULTI so they never disagree.

use super::{Candidate, GeoError, GeoIndex, FIRST_SEARCH_RADIUS_M};
use crate::keys::Keys;
use async_trait::async_trait;
use hail_protocol::{Position, UserId};
use redis::aio::ConnectionManager;
use std::collections::HashSet;

pub struct RedisGeo {
    keys: Keys,
    con: ConnectionManager,
}

impl RedisGeo {
    pub fn new(keys: Keys, con: ConnectionManager) -> Self {
        Self { keys, con }
    }
}

/// `GEOSEARCH` of up to `count` members of `key` within `radius_m` of
/// `center`, nearest first, with their distances: `[(id, metres)]`.
pub(super) fn nearest_in(key: &str, center: Position, radius_m: f64, count: usize) -> redis::Cmd {
    let mut cmd = redis::cmd("GEOSEARCH");
    cmd.arg(key)
        .arg("FROMLONLAT")
        .arg(center.lng())
        .arg(center.lat())
        .arg("BYRADIUS")
        .arg(radius_m)
        .arg("m")
        .arg("ASC")
        .arg("COUNT")
        .arg(count)
        .arg("WITHDIST");
    cmd
}

fn unavailable(e: redis::RedisError) -> GeoError {
    GeoError::Unavailable(e.to_string())
}

#[async_trait]
impl GeoIndex for RedisGeo {
    async fn upsert(&self, driver: UserId, pos: Position, at_ms: i64) -> Result<(), GeoError> {
        let id = driver.to_string();
        let mut con = self.con.clone();
        redis::pipe()
            .atomic()
            .cmd("GEOADD")
            .arg(self.keys.drivers_geo())
            .arg(pos.lng())
            .arg(pos.lat())
            .arg(&id)
            .ignore()
            .cmd("ZADD")
            .arg(self.keys.drivers_seen())
            .arg(at_ms)
            .arg(&id)
            .ignore()
            .query_async::<()>(&mut con)
            .await
            .map_err(unavailable)
    }

    async fn remove(&self, driver: UserId) -> Result<(), GeoError> {
        let id = driver.to_string();
        let mut con = self.con.clone();
        redis::pipe()
            .atomic()
            .cmd("ZREM")
            .arg(self.keys.drivers_geo())
            .arg(&id)
            .ignore()
            .cmd("ZREM")
            .arg(self.keys.drivers_seen())
            .arg(&id)
            .ignore()
            .query_async::<()>(&mut con)
            .await
            .map_err(unavailable)
    }

    async fn nearest(
        &self,
        center: Position,
        radius_m: f64,
        limit: usize,
        exclude: &HashSet<UserId>,
        fresh_since_ms: i64,
    ) -> Result<Vec<Candidate>, GeoError> {
        let mut con = self.con.clone();
        // Ask for enough to fill `limit` after dropping the excluded ones;
        // stale ones (rare: the sweep removes them) may leave a round short.
        let count = limit + exclude.len();
        // GEOSEARCH sorts every member inside the radius: with thousands of
        // drivers in a 3 km circle that is milliseconds per search. Search
        // growing circles instead and stop at the first that holds enough:
        // the nearest `count` within a smaller circle are the nearest overall.
        let mut r = FIRST_SEARCH_RADIUS_M.min(radius_m);
        let found: Vec<(String, f64)> = loop {
            let found: Vec<(String, f64)> = nearest_in(&self.keys.drivers_geo(), center, r, count)
                .query_async(&mut con)
                .await
                .map_err(unavailable)?;
            if found.len() >= count || r >= radius_m {
                break found;
            }
            r = (r * 4.0).min(radius_m);
        };
        let found: Vec<(UserId, f64)> = found
            .into_iter()
            .filter_map(|(id, d)| id.parse().ok().map(|id| (id, d)))
            .filter(|(id, _)| !exclude.contains(id))
            .collect();
        if found.is_empty() {
            return Ok(Vec::new());
        }
        let seen: Vec<Option<f64>> = redis::cmd("ZMSCORE")
            .arg(self.keys.drivers_seen())
            .arg(
                found
                    .iter()
                    .map(|(id, _)| id.to_string())
                    .collect::<Vec<_>>(),
            )
            .query_async(&mut con)
            .await
            .map_err(unavailable)?;
        Ok(found
            .into_iter()
            .zip(seen)
            .filter(|(_, seen)| seen.is_some_and(|s| s as i64 >= fresh_since_ms))
            .map(|((driver_id, distance_m), _)| Candidate {
                driver_id,
                distance_m,
            })
            .take(limit)
            .collect())
    }

    async fn positions(
        &self,
        fresh_since_ms: i64,
        limit: usize,
    ) -> Result<Vec<(UserId, Position)>, GeoError> {
        let mut con = self.con.clone();
        let ids: Vec<String> = redis::cmd("ZRANGE")
            .arg(self.keys.drivers_seen())
            .arg("+inf")
            .arg(fresh_since_ms)
            .arg("BYSCORE")
            .arg("REV")
            .arg("LIMIT")
            .arg(0)
            .arg(limit)
            .query_async(&mut con)
            .await
            .map_err(unavailable)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let positions: Vec<Option<(f64, f64)>> = redis::cmd("GEOPOS")
            .arg(self.keys.drivers_geo())
            .arg(&ids)
            .query_async(&mut con)
            .await
            .map_err(unavailable)?;
        Ok(ids
            .iter()
            .zip(positions)
            .filter_map(|(id, pos)| {
                let (lng, lat) = pos?;
                Some((id.parse().ok()?, Position::new(lat, lng).ok()?))
            })
            .collect())
    }

    async fn count(&self, fresh_since_ms: i64) -> Result<usize, GeoError> {
        let mut con = self.con.clone();
        redis::cmd("ZCOUNT")
            .arg(self.keys.drivers_seen())
            .arg(fresh_since_ms)
            .arg("+inf")
            .query_async(&mut con)
            .await
            .map_err(unavailable)
    }

    async fn sweep(&self, cutoff_ms: i64) -> Result<usize, GeoError> {
        let mut con = self.con.clone();
        let stale: Vec<String> = redis::cmd("ZRANGEBYSCORE")
            .arg(self.keys.drivers_seen())
            .arg("-inf")
            .arg(format!("({cutoff_ms}"))
            .arg("LIMIT")
            .arg(0)
            .arg(10_000)
            .query_async(&mut con)
            .await
            .map_err(unavailable)?;
        if stale.is_empty() {
            return Ok(0);
        }
        // Only remove entries still stale, in case a driver sent a fresh
        // position between the two commands.
        let script = redis::Script::new(
            r"local n = 0
              local cutoff = tonumber(ARGV[1])
              for i = 2, #ARGV do
                local id = ARGV[i]
                local seen = redis.call('ZSCORE', KEYS[2], id)
                if seen and tonumber(seen) < cutoff then
                  redis.call('ZREM', KEYS[1], id)
                  redis.call('ZREM', KEYS[2], id)
                  n = n + 1
                end
              end
              return n",
        );
        let removed: usize = script
            .key(self.keys.drivers_geo())
            .key(self.keys.drivers_seen())
            .arg(cutoff_ms)
            .arg(stale)
            .invoke_async(&mut con)
            .await
            .map_err(unavailable)?;
        Ok(removed)
    }
}
