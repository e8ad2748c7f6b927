//! Redis GEO: `GEOADD` into one set plus a sorted set of last-seen times,
//! written together in one MULTI so they never disagree.

use super::{Candidate, GeoError, GeoIndex, GeoWrite, FIRST_SEARCH_RADIUS_M};
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

/// The whole search in one round trip: growing circles (GEOSEARCH sorts
/// every member inside its radius, milliseconds with thousands of drivers
/// in 3 km; the nearest `limit` within a smaller circle are the nearest
/// overall), dropping the excluded and the stale (last-seen score) as it
/// goes; a circle whose first `count` members were not enough once those
/// are dropped is read again for twice as many before it widens, so they
/// never take a place. Nearest first, at most `limit`.
/// KEYS: the geo set, the last-seen set. ARGV: lng, lat, first radius,
/// radius, limit, fresh since (ms), then the excluded ids.
static NEAREST: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
    redis::Script::new(
        r"
local r, max_r = tonumber(ARGV[3]), tonumber(ARGV[4])
local limit, fresh = tonumber(ARGV[5]), tonumber(ARGV[6])
local excluded = {}
for i = 7, #ARGV do excluded[ARGV[i]] = true end
local count = limit + #ARGV - 6
local out
while true do
  local found = redis.call('GEOSEARCH', KEYS[1], 'FROMLONLAT', ARGV[1], ARGV[2],
    'BYRADIUS', r, 'm', 'ASC', 'COUNT', count, 'WITHDIST')
  out = {}
  for _, m in ipairs(found) do
    if not excluded[m[1]] then
      local seen = redis.call('ZSCORE', KEYS[2], m[1])
      if seen and tonumber(seen) >= fresh then
        out[#out + 1] = m
        if #out >= limit then return out end
      end
    end
  end
  if #found < count then
    if r >= max_r then return out end
    r = math.min(r * 4, max_r)
  else
    count = count * 2
  end
end
",
    )
});

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

    /// Every upsert and remove of the batch in one MULTI: a GEOADD and a
    /// ZADD for all the upserts, two ZREMs for all the removes.
    async fn apply(&self, writes: &[GeoWrite]) -> Result<(), GeoError> {
        let mut add = redis::cmd("GEOADD");
        add.arg(self.keys.drivers_geo());
        let mut seen = redis::cmd("ZADD");
        seen.arg(self.keys.drivers_seen());
        let mut gone = Vec::new();
        let mut upserts = 0;
        for w in writes {
            match *w {
                GeoWrite::Upsert { driver, pos, at_ms } => {
                    let id = driver.to_string();
                    add.arg(pos.lng()).arg(pos.lat()).arg(&id);
                    seen.arg(at_ms).arg(id);
                    upserts += 1;
                }
                GeoWrite::Remove { driver } => gone.push(driver.to_string()),
            }
        }
        let mut pipe = redis::pipe();
        pipe.atomic();
        if upserts > 0 {
            pipe.add_command(add).ignore().add_command(seen).ignore();
        }
        if !gone.is_empty() {
            pipe.cmd("ZREM")
                .arg(self.keys.drivers_geo())
                .arg(&gone)
                .ignore();
            pipe.cmd("ZREM")
                .arg(self.keys.drivers_seen())
                .arg(&gone)
                .ignore();
        }
        if upserts == 0 && gone.is_empty() {
            return Ok(());
        }
        let mut con = self.con.clone();
        pipe.query_async::<()>(&mut con).await.map_err(unavailable)
    }

    async fn nearest(
        &self,
        center: Position,
        radius_m: f64,
        limit: usize,
        exclude: &HashSet<UserId>,
        fresh_since_ms: i64,
    ) -> Result<Vec<Candidate>, GeoError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut con = self.con.clone();
        let mut call = NEAREST.prepare_invoke();
        call.key(self.keys.drivers_geo())
            .key(self.keys.drivers_seen())
            .arg(center.lng())
            .arg(center.lat())
            .arg(FIRST_SEARCH_RADIUS_M.min(radius_m))
            .arg(radius_m)
            .arg(limit)
            .arg(fresh_since_ms);
        for id in exclude {
            call.arg(id.to_string());
        }
        let found: Vec<(String, f64)> = call.invoke_async(&mut con).await.map_err(unavailable)?;
        Ok(found
            .into_iter()
            .filter_map(|(id, distance_m)| {
                id.parse().ok().map(|driver_id| Candidate {
                    driver_id,
                    distance_m,
                })
            })
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
