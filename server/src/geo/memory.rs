//! The in-process geo index: an R-tree (`rstar`) of available drivers,
//! searched by bounding box and then measured exactly (haversine), with the
//! same nearest-within-radius, exclusion and staleness rules as Redis.

use super::{Candidate, GeoError, GeoIndex, FIRST_SEARCH_RADIUS_M};
use async_trait::async_trait;
use geo::{Distance, Haversine, Point};
use hail_protocol::{Position, UserId};
use rstar::primitives::GeomWithData;
use rstar::{RTree, AABB};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// `[lng, lat]` tagged with its driver.
type Entry = GeomWithData<[f64; 2], UserId>;

/// Slightly under the true ~111.2 km, so the search box errs on the large
/// side; the exact haversine filter then decides.
const METRES_PER_DEGREE_LAT: f64 = 110_000.0;

#[derive(Default)]
struct Inner {
    tree: RTree<Entry>,
    /// Each indexed driver's point (to remove it) and last-seen unix ms.
    drivers: HashMap<UserId, ([f64; 2], i64)>,
}

impl Inner {
    fn remove(&mut self, driver: UserId) -> bool {
        match self.drivers.remove(&driver) {
            Some((point, _)) => {
                self.tree.remove(&Entry::new(point, driver));
                true
            }
            None => false,
        }
    }
}

#[derive(Default)]
pub struct MemoryGeo {
    inner: Mutex<Inner>,
}

impl MemoryGeo {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A box that contains every point within `radius_m` of `center`.
fn search_box(center: Position, radius_m: f64) -> AABB<[f64; 2]> {
    let dlat = radius_m / METRES_PER_DEGREE_LAT;
    let cos = center.lat().to_radians().cos().abs().max(1e-6);
    let dlng = (radius_m / (METRES_PER_DEGREE_LAT * cos)).min(360.0);
    AABB::from_corners(
        [center.lng() - dlng, (center.lat() - dlat).max(-90.0)],
        [center.lng() + dlng, (center.lat() + dlat).min(90.0)],
    )
}

#[async_trait]
impl GeoIndex for MemoryGeo {
    async fn upsert(&self, driver: UserId, pos: Position, at_ms: i64) -> Result<(), GeoError> {
        let mut inner = self.lock();
        inner.remove(driver);
        let point = [pos.lng(), pos.lat()];
        inner.tree.insert(Entry::new(point, driver));
        inner.drivers.insert(driver, (point, at_ms));
        Ok(())
    }

    async fn remove(&self, driver: UserId) -> Result<(), GeoError> {
        self.lock().remove(driver);
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
        let origin = Point::new(center.lng(), center.lat());
        let inner = self.lock();
        // Widening circles, as on Redis; here exclusions and staleness are
        // applied before counting, so a circle holding `limit` is enough.
        let mut r = FIRST_SEARCH_RADIUS_M.min(radius_m);
        loop {
            let mut found: Vec<Candidate> = inner
                .tree
                .locate_in_envelope(&search_box(center, r))
                .filter(|e| !exclude.contains(&e.data))
                .filter(|e| {
                    inner
                        .drivers
                        .get(&e.data)
                        .is_some_and(|(_, seen)| *seen >= fresh_since_ms)
                })
                .map(|e| {
                    let [lng, lat] = *e.geom();
                    Candidate {
                        driver_id: e.data,
                        distance_m: Haversine.distance(origin, Point::new(lng, lat)),
                    }
                })
                .filter(|c| c.distance_m <= r)
                .collect();
            if found.len() >= limit || r >= radius_m {
                found.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
                found.truncate(limit);
                return Ok(found);
            }
            r = (r * 4.0).min(radius_m);
        }
    }

    async fn sweep(&self, cutoff_ms: i64) -> Result<usize, GeoError> {
        let mut inner = self.lock();
        let stale: Vec<UserId> = inner
            .drivers
            .iter()
            .filter(|(_, (_, seen))| *seen < cutoff_ms)
            .map(|(d, _)| *d)
            .collect();
        for d in &stale {
            inner.remove(*d);
        }
        Ok(stale.len())
    }

    async fn positions(
        &self,
        fresh_since_ms: i64,
        limit: usize,
    ) -> Result<Vec<(UserId, Position)>, GeoError> {
        let inner = self.lock();
        let mut fresh: Vec<(i64, UserId, [f64; 2])> = inner
            .drivers
            .iter()
            .filter(|(_, (_, seen))| *seen >= fresh_since_ms)
            .map(|(d, (point, seen))| (*seen, *d, *point))
            .collect();
        fresh.sort_by_key(|e| std::cmp::Reverse(e.0));
        Ok(fresh
            .into_iter()
            .take(limit)
            .filter_map(|(_, d, [lng, lat])| Some((d, Position::new(lat, lng).ok()?)))
            .collect())
    }

    async fn count(&self, fresh_since_ms: i64) -> Result<usize, GeoError> {
        let inner = self.lock();
        Ok(inner
            .drivers
            .values()
            .filter(|(_, seen)| *seen >= fresh_since_ms)
            .count())
    }
}
