//! The geo index on Redis Cluster: one GEO set and one last-seen sorted set
//! per geohash cell ([`super::cells`]), the pair hash-tagged onto one slot.
//! Every MULTI and script touches one cell, so nothing crosses slots; a
//! search reads the cells its circle touches, concurrently, and merges.
//!
//! A driver who crosses into a new cell is written there first, then
//! removed from the old one; in between (or when two nodes disagree after a
//! reconnect) a driver can sit in two cells, so reads keep the entry seen
//! last.

use super::cells::{cell_of, cells_covering};
use super::{Candidate, GeoError, GeoIndex, GeoWrite, FIRST_SEARCH_RADIUS_M};
use crate::keys::Keys;
use async_trait::async_trait;
use futures_util::future::try_join_all;
use hail_protocol::{Position, UserId};
use redis::aio::ConnectionLike;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// Removes a cell's entries still older than the cutoff (a driver may have
/// sent a fresh position since they were listed); returns their ids.
const SWEEP_CELL: &str = r"
local gone = {}
local cutoff = tonumber(ARGV[1])
for i = 2, #ARGV do
  local id = ARGV[i]
  local seen = redis.call('ZSCORE', KEYS[2], id)
  if seen and tonumber(seen) < cutoff then
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZREM', KEYS[2], id)
    table.insert(gone, id)
  end
end
return gone
";

/// Drops a driver's cell record unless it has moved on to another cell.
const FORGET_IF_IN: &str = r"
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
";

pub struct RedisCellGeo<C> {
    keys: Keys,
    con: C,
    /// The cell this node last wrote each driver to: a driver who stays in
    /// a cell costs one MULTI per position, no lookup.
    written: Mutex<HashMap<UserId, String>>,
    sweep: redis::Script,
    forget: redis::Script,
}

impl<C> RedisCellGeo<C> {
    pub fn new(keys: Keys, con: C) -> Self {
        Self {
            keys,
            con,
            written: Mutex::new(HashMap::new()),
            sweep: redis::Script::new(SWEEP_CELL),
            forget: redis::Script::new(FORGET_IF_IN),
        }
    }

    fn local_cell(&self, driver: UserId) -> Option<String> {
        self.written
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&driver)
            .cloned()
    }

    fn remember(&self, driver: UserId, cell: Option<String>) {
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        match cell {
            Some(cell) => written.insert(driver, cell),
            None => written.remove(&driver),
        };
    }
}

fn unavailable(e: redis::RedisError) -> GeoError {
    GeoError::Unavailable(e.to_string())
}

impl<C: ConnectionLike + Clone + Send + Sync + 'static> RedisCellGeo<C> {
    /// `found` without the excluded and the stale, each driver once (a
    /// driver found in two cells mid-move counts where it was seen last),
    /// nearest first, at most `limit`.
    async fn fresh_nearest(
        &self,
        found: Vec<(UserId, f64, String)>,
        limit: usize,
        exclude: &HashSet<UserId>,
        fresh_since_ms: i64,
    ) -> Result<Vec<Candidate>, GeoError> {
        let found: Vec<(UserId, f64, String)> = found
            .into_iter()
            .filter(|(id, _, _)| !exclude.contains(id))
            .collect();
        if found.is_empty() {
            return Ok(Vec::new());
        }
        let entries: Vec<(UserId, String)> =
            found.iter().map(|(id, _, c)| (*id, c.clone())).collect();
        let seen = self.seen(&entries).await?;
        let mut best: HashMap<UserId, (f64, f64)> = HashMap::new();
        for ((id, d, _), seen) in found.iter().zip(&seen) {
            let Some(seen) = seen.filter(|s| *s as i64 >= fresh_since_ms) else {
                continue;
            };
            let slot = best.entry(*id).or_insert((*d, seen));
            if seen > slot.1 {
                *slot = (*d, seen);
            }
        }
        let mut out: Vec<Candidate> = best
            .into_iter()
            .map(|(driver_id, (distance_m, _))| Candidate {
                driver_id,
                distance_m,
            })
            .collect();
        out.sort_by(|a, b| {
            a.distance_m
                .total_cmp(&b.distance_m)
                .then(a.driver_id.cmp(&b.driver_id))
        });
        out.truncate(limit);
        Ok(out)
    }

    /// The cell a driver was last written to, by this node or another.
    async fn known_cell(&self, driver: UserId) -> Result<Option<String>, GeoError> {
        if let Some(cell) = self.local_cell(driver) {
            return Ok(Some(cell));
        }
        let mut con = self.con.clone();
        redis::cmd("HGET")
            .arg(self.keys.driver_cells())
            .arg(driver.to_string())
            .query_async(&mut con)
            .await
            .map_err(unavailable)
    }

    async fn remove_from_cell(&self, cell: &str, id: &str) -> Result<(), GeoError> {
        let mut con = self.con.clone();
        redis::pipe()
            .atomic()
            .cmd("ZREM")
            .arg(self.keys.cell_geo(cell))
            .arg(id)
            .ignore()
            .cmd("ZREM")
            .arg(self.keys.cell_seen(cell))
            .arg(id)
            .ignore()
            .query_async::<()>(&mut con)
            .await
            .map_err(unavailable)
    }

    async fn all_cells(&self) -> Result<Vec<String>, GeoError> {
        let mut con = self.con.clone();
        redis::cmd("SMEMBERS")
            .arg(self.keys.cells())
            .query_async(&mut con)
            .await
            .map_err(unavailable)
    }

    /// Up to `count` of one cell's drivers within `radius_m`, nearest first.
    async fn search_cell(
        &self,
        cell: &str,
        center: Position,
        radius_m: f64,
        count: usize,
    ) -> Result<Vec<(String, f64)>, GeoError> {
        let mut con = self.con.clone();
        super::redis::nearest_in(&self.keys.cell_geo(cell), center, radius_m, count)
            .query_async(&mut con)
            .await
            .map_err(unavailable)
    }

    /// The drivers within `radius_m` across every cell the circle touches,
    /// nearest first, each once, with the cell it was found in.
    async fn search(
        &self,
        center: Position,
        radius_m: f64,
        count: usize,
    ) -> Result<Vec<(UserId, f64, String)>, GeoError> {
        let cells = cells_covering(center, radius_m);
        let found = try_join_all(
            cells
                .iter()
                .map(|cell| self.search_cell(cell, center, radius_m, count)),
        )
        .await?;
        let mut merged: Vec<(UserId, f64, String)> = cells
            .into_iter()
            .zip(found)
            .flat_map(|(cell, hits)| {
                hits.into_iter()
                    .filter_map(move |(id, d)| Some((id.parse().ok()?, d, cell.clone())))
            })
            .collect();
        merged.sort_by(|a, b| a.1.total_cmp(&b.1));
        Ok(merged)
    }

    /// Last-seen unix ms of each `(driver, cell)` in its cell.
    async fn seen(&self, entries: &[(UserId, String)]) -> Result<Vec<Option<f64>>, GeoError> {
        try_join_all(entries.iter().map(|(id, cell)| {
            let mut con = self.con.clone();
            let key = self.keys.cell_seen(cell);
            let id = id.to_string();
            async move {
                redis::cmd("ZSCORE")
                    .arg(key)
                    .arg(id)
                    .query_async::<Option<f64>>(&mut con)
                    .await
                    .map_err(unavailable)
            }
        }))
        .await
    }
}

#[async_trait]
impl<C: ConnectionLike + Clone + Send + Sync + 'static> GeoIndex for RedisCellGeo<C> {
    async fn upsert(&self, driver: UserId, pos: Position, at_ms: i64) -> Result<(), GeoError> {
        let cell = cell_of(pos);
        let id = driver.to_string();
        let mut con = self.con.clone();
        let previous = match self.local_cell(driver) {
            Some(same) if same == cell => None,
            _ => Some(self.known_cell(driver).await?),
        };
        redis::pipe()
            .atomic()
            .cmd("GEOADD")
            .arg(self.keys.cell_geo(&cell))
            .arg(pos.lng())
            .arg(pos.lat())
            .arg(&id)
            .ignore()
            .cmd("ZADD")
            .arg(self.keys.cell_seen(&cell))
            .arg(at_ms)
            .arg(&id)
            .ignore()
            .query_async::<()>(&mut con)
            .await
            .map_err(unavailable)?;
        let Some(previous) = previous else {
            return Ok(());
        };
        // New to this node or to this cell: record where it is, then leave
        // the old cell (written first, so a search never misses it).
        redis::cmd("SADD")
            .arg(self.keys.cells())
            .arg(&cell)
            .query_async::<()>(&mut con)
            .await
            .map_err(unavailable)?;
        redis::cmd("HSET")
            .arg(self.keys.driver_cells())
            .arg(&id)
            .arg(&cell)
            .query_async::<()>(&mut con)
            .await
            .map_err(unavailable)?;
        if let Some(old) = previous.filter(|old| *old != cell) {
            self.remove_from_cell(&old, &id).await?;
        }
        self.remember(driver, Some(cell));
        Ok(())
    }

    /// Each write on its own cell's slot, all at once: a batch's drivers
    /// are distinct, so their order does not matter.
    async fn apply(&self, writes: &[GeoWrite]) -> Result<(), GeoError> {
        try_join_all(writes.iter().map(|w| async move {
            match *w {
                GeoWrite::Upsert { driver, pos, at_ms } => self.upsert(driver, pos, at_ms).await,
                GeoWrite::Remove { driver } => self.remove(driver).await,
            }
        }))
        .await
        .map(drop)
    }

    async fn remove(&self, driver: UserId) -> Result<(), GeoError> {
        let id = driver.to_string();
        if let Some(cell) = self.known_cell(driver).await? {
            self.remove_from_cell(&cell, &id).await?;
        }
        let mut con = self.con.clone();
        redis::cmd("HDEL")
            .arg(self.keys.driver_cells())
            .arg(&id)
            .query_async::<()>(&mut con)
            .await
            .map_err(unavailable)?;
        self.remember(driver, None);
        Ok(())
    }

    async fn nearest(
        &self,
        center: Position,
        radius_m: f64,
        limit: usize,
        exclude: &HashSet<UserId>,
        fresh_since_ms: i64,
    ) -> Result<Vec<Candidate>, GeoError> {
        // Widening circles, as on one Redis: the nearest `limit` within a
        // smaller circle are the nearest overall, and a small circle reads
        // fewer cells. A circle whose first `count` entries were not enough
        // once the excluded and the stale are dropped is read again for
        // twice as many before it widens, so those never take a place.
        let mut count = limit + exclude.len();
        let mut r = FIRST_SEARCH_RADIUS_M.min(radius_m);
        loop {
            let found = self.search(center, r, count).await?;
            let exhausted = found.len() < count;
            let out = self
                .fresh_nearest(found, limit, exclude, fresh_since_ms)
                .await?;
            if out.len() >= limit || (exhausted && r >= radius_m) {
                return Ok(out);
            }
            if exhausted {
                r = (r * 4.0).min(radius_m);
            } else {
                count *= 2;
            }
        }
    }

    async fn sweep(&self, cutoff_ms: i64) -> Result<usize, GeoError> {
        let mut removed = 0;
        for cell in self.all_cells().await? {
            let mut con = self.con.clone();
            let stale: Vec<String> = redis::cmd("ZRANGEBYSCORE")
                .arg(self.keys.cell_seen(&cell))
                .arg("-inf")
                .arg(format!("({cutoff_ms}"))
                .arg("LIMIT")
                .arg(0)
                .arg(10_000)
                .query_async(&mut con)
                .await
                .map_err(unavailable)?;
            if stale.is_empty() {
                continue;
            }
            let gone: Vec<String> = self
                .sweep
                .key(self.keys.cell_geo(&cell))
                .key(self.keys.cell_seen(&cell))
                .arg(cutoff_ms)
                .arg(stale)
                .invoke_async(&mut con)
                .await
                .map_err(unavailable)?;
            if gone.is_empty() {
                continue;
            }
            // Forget where the swept drivers were, unless they have moved on
            // (their record then names another cell).
            for id in &gone {
                let _: i64 = self
                    .forget
                    .key(self.keys.driver_cells())
                    .arg(id)
                    .arg(&cell)
                    .invoke_async(&mut con)
                    .await
                    .map_err(unavailable)?;
                if let Ok(driver) = id.parse::<UserId>() {
                    let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
                    if written.get(&driver) == Some(&cell) {
                        written.remove(&driver);
                    }
                }
            }
            removed += gone.len();
        }
        Ok(removed)
    }

    async fn count(&self, fresh_since_ms: i64) -> Result<usize, GeoError> {
        let counts = try_join_all(self.all_cells().await?.into_iter().map(|cell| {
            let mut con = self.con.clone();
            let key = self.keys.cell_seen(&cell);
            async move {
                redis::cmd("ZCOUNT")
                    .arg(key)
                    .arg(fresh_since_ms)
                    .arg("+inf")
                    .query_async::<usize>(&mut con)
                    .await
                    .map_err(unavailable)
            }
        }))
        .await?;
        Ok(counts.into_iter().sum())
    }

    async fn positions(
        &self,
        fresh_since_ms: i64,
        limit: usize,
    ) -> Result<Vec<(UserId, Position)>, GeoError> {
        let per_cell = try_join_all(self.all_cells().await?.into_iter().map(|cell| {
            let mut con = self.con.clone();
            let seen_key = self.keys.cell_seen(&cell);
            let geo_key = self.keys.cell_geo(&cell);
            async move {
                let ids: Vec<(String, f64)> = redis::cmd("ZRANGE")
                    .arg(seen_key)
                    .arg("+inf")
                    .arg(fresh_since_ms)
                    .arg("BYSCORE")
                    .arg("REV")
                    .arg("LIMIT")
                    .arg(0)
                    .arg(limit)
                    .arg("WITHSCORES")
                    .query_async(&mut con)
                    .await
                    .map_err(unavailable)?;
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let positions: Vec<Option<(f64, f64)>> = redis::cmd("GEOPOS")
                    .arg(geo_key)
                    .arg(ids.iter().map(|(id, _)| id).collect::<Vec<_>>())
                    .query_async(&mut con)
                    .await
                    .map_err(unavailable)?;
                Ok::<_, GeoError>(
                    ids.into_iter()
                        .zip(positions)
                        .filter_map(|((id, seen), pos)| {
                            let (lng, lat) = pos?;
                            Some((id.parse().ok()?, Position::new(lat, lng).ok()?, seen))
                        })
                        .collect::<Vec<(UserId, Position, f64)>>(),
                )
            }
        }))
        .await?;
        let mut latest: HashMap<UserId, (Position, f64)> = HashMap::new();
        for (id, pos, seen) in per_cell.into_iter().flatten() {
            let slot = latest.entry(id).or_insert((pos, seen));
            if seen > slot.1 {
                *slot = (pos, seen);
            }
        }
        let mut all: Vec<(UserId, Position, f64)> = latest
            .into_iter()
            .map(|(id, (pos, seen))| (id, pos, seen))
            .collect();
        all.sort_by(|a, b| b.2.total_cmp(&a.2));
        all.truncate(limit);
        Ok(all.into_iter().map(|(id, pos, _)| (id, pos)).collect())
    }
}
