//! Dispatch leases, takeover, offers and rounds on SQLite.

use super::*;
use rusqlite::{params, OptionalExtension};

#[async_trait]
impl DispatchStore for SqliteStore {
    async fn stranded_requests(
        &self,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<TripId>> {
        self.run(move |c| {
            let mut stmt = c.prepare_cached(lite!(sql::STRANDED))?;
            let rows = stmt.query_map(params![us(cutoff), limit as i64], |r| {
                uuid_col(r, 0).map(TripId)
            })?;
            rows.collect()
        })
        .await
    }

    // One statement per trip, all in one call on the one connection.
    async fn renew_leases(
        &self,
        trips: &[TripId],
        node: &str,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<TripId>> {
        if trips.is_empty() {
            return Ok(Vec::new());
        }
        let (trips, node) = (trips.to_vec(), node.to_string());
        self.run(move |c| {
            let mut stmt = c.prepare_cached(lite!(sql::LEASE_SET))?;
            let mut renewed = Vec::with_capacity(trips.len());
            for trip in trips {
                if stmt.execute(params![trip.to_string(), node, us(until)])? == 1 {
                    renewed.push(trip);
                }
            }
            Ok(renewed)
        })
        .await
    }

    async fn release_lease(&self, trip: TripId, node: &str, now: DateTime<Utc>) -> StoreResult<()> {
        let node = node.to_string();
        self.run(move |c| {
            c.prepare_cached(lite!(sql::LEASE_SET))?.execute(params![
                trip.to_string(),
                node,
                us(now)
            ])?;
            Ok(())
        })
        .await
    }

    // Own SQL: no `FOR UPDATE SKIP LOCKED`; the single connection makes the UPDATE atomic.
    async fn take_over(
        &self,
        node: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<TakenOver>> {
        let node = node.to_string();
        let claimed: Vec<(TripId, u32)> = self
            .run(move |c| {
                // One connection, one writer: the UPDATE claims atomically.
                let mut stmt = c.prepare_cached(
                    "UPDATE trips SET dispatch_node = ?1, dispatch_lease_until = ?3 \
                     WHERE id IN (SELECT id FROM trips WHERE status = 'requested' \
                       AND dispatch_lease_until < ?2 ORDER BY id LIMIT ?4) \
                     RETURNING id, (SELECT coalesce(max(round), 0) FROM dispatch_rounds r WHERE r.trip_id = trips.id)",
                )?;
                let rows = stmt.query_map(params![node, us(now), us(until), limit as i64], |r| {
                    Ok((TripId(uuid_col(r, 0)?), r.get::<_, i64>(1)?.max(0) as u32))
                })?;
                rows.collect()
            })
            .await?;
        load_taken_over(self, claimed).await
    }

    async fn offer_status(&self, trip: TripId, driver: UserId) -> StoreResult<Option<OfferStatus>> {
        self.run(move |c| {
            let outcome: Option<String> = c
                .prepare_cached(lite!(sql::OFFER_STATUS))?
                .query_row([trip.to_string(), driver.to_string()], |r| r.get(0))
                .optional()?;
            Ok(outcome.map(|o| OfferStatus::parse(&o)))
        })
        .await
    }

    // Own SQL: no arrays, so one UPDATE per driver in one transaction.
    async fn end_offers(
        &self,
        trip: TripId,
        drivers: Option<&[UserId]>,
        end: OfferEnd,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<UserId>> {
        let drivers: Option<Vec<UserId>> = drivers.map(<[UserId]>::to_vec);
        self.run(move |c| {
            let tx = c.transaction()?;
            let trip_id = trip.to_string();
            let mut ended = Vec::new();
            match drivers {
                None => {
                    let mut stmt = tx.prepare_cached(
                        "UPDATE trip_offers SET outcome = ?2, ended_at = ?3 \
                         WHERE trip_id = ?1 AND outcome = 'pending' RETURNING driver_id",
                    )?;
                    let rows =
                        stmt.query_map(params![trip_id, end.as_str(), us(at)], |r| uuid_col(r, 0))?;
                    for id in rows {
                        ended.push(UserId(id?));
                    }
                }
                Some(list) => {
                    let mut stmt = tx.prepare_cached(
                        "UPDATE trip_offers SET outcome = ?3, ended_at = ?4 \
                         WHERE trip_id = ?1 AND driver_id = ?2 AND outcome = 'pending'",
                    )?;
                    for d in list {
                        if stmt.execute(params![trip_id, d.to_string(), end.as_str(), us(at)])? > 0
                        {
                            ended.push(d);
                        }
                    }
                }
            }
            tx.commit()?;
            Ok(ended)
        })
        .await
    }

    // The change, then the end in its own call: like Postgres's second
    // statement, the end runs after the change committed and sees every
    // offer committed before it.
    async fn leave_requested(
        &self,
        t: &Transition,
        end: OfferEnd,
    ) -> StoreResult<(Option<Trip>, Vec<UserId>)> {
        let changed = self.transition(t).await;
        let (trip, to, at) = (t.trip_id.to_string(), t.to.as_str(), us(t.at));
        let ended = self
            .run(move |c| {
                let mut stmt = c.prepare_cached(lite!(sql::OFFERS_END_IF_IN))?;
                let rows =
                    stmt.query_map(params![trip, end.as_str(), at, to], |r| uuid_col(r, 0))?;
                rows.map(|id| id.map(UserId)).collect::<Result<Vec<_>, _>>()
            })
            .await?;
        match changed {
            Ok(trip) => Ok((trip, ended)),
            Err(e) if !ended.is_empty() => {
                tracing::warn!(trip = %t.trip_id, "status change failed after its offers ended: {e}");
                Ok((None, ended))
            }
            Err(e) => Err(e),
        }
    }

    // Own SQL: the class of each candidate, its offer and the round's
    // record, in one transaction.
    async fn offer_batch(&self, b: &OfferBatch<'_>) -> StoreResult<BatchOffered> {
        let (trip, round, radius_m, node) = (b.trip_id, b.round, b.radius_m, b.node_id.to_string());
        let (offered_at, expires_at, limit) = (b.offered_at, b.expires_at, b.limit);
        let candidates = b.candidates.to_vec();
        self.run(move |c| {
            let tx = c.transaction()?;
            let trip_id = trip.to_string();
            let class: Option<String> = tx
                .prepare_cached("SELECT class FROM trips WHERE id = ?1")?
                .query_row([&trip_id], |r| r.get(0))
                .optional()?;
            let mut out = BatchOffered::default();
            let mut serving = Vec::with_capacity(candidates.len());
            {
                let mut theirs = tx.prepare_cached(
                    "SELECT COALESCE((SELECT class FROM vehicles WHERE driver_id = ?1), 'standard')",
                )?;
                for cand in &candidates {
                    let class_of: String =
                        theirs.query_row([cand.driver_id.to_string()], |r| r.get(0))?;
                    if class.as_deref() == Some(class_of.as_str()) {
                        serving.push(*cand);
                    } else if class.is_some() {
                        out.other_class.push(cand.driver_id);
                    }
                }
            }
            out.offered =
                insert_offers(&tx, trip, round, &serving, limit, offered_at, expires_at)?;
            if class.is_some() {
                tx.prepare_cached(
                    "INSERT INTO dispatch_rounds (trip_id, round, radius_m, found, node_id, at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                     ON CONFLICT (trip_id, round) DO UPDATE SET found = found + excluded.found",
                )?
                .execute(params![
                    trip_id,
                    round,
                    radius_m,
                    out.offered.len() as i64,
                    node,
                    us(offered_at)
                ])?;
            }
            tx.commit()?;
            Ok(out)
        })
        .await
    }
}

/// Offers to the nearest `limit` of `candidates` (all of the trip's class)
/// that the store allows (see [`DispatchStore::offer_batch`]); returns
/// those made, nearest first.
fn insert_offers(
    tx: &rusqlite::Transaction<'_>,
    trip: TripId,
    round: u32,
    candidates: &[Candidate],
    limit: usize,
    offered_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> rusqlite::Result<Vec<Candidate>> {
    let trip_id = trip.to_string();
    let mut offered = Vec::new();
    if candidates.is_empty() {
        return Ok(offered);
    }
    let open: bool = tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM trips WHERE id = ?1 AND status = 'requested')",
        )?
        .query_row([&trip_id], |r| r.get(0))?;
    if !open {
        return Ok(offered);
    }
    let mut nearest = candidates.to_vec();
    nearest.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
    let mut insert = tx.prepare_cached(&OFFER_INSERT)?;
    for cand in &nearest {
        if offered.len() >= limit {
            break;
        }
        let n = insert.execute(params![
            trip_id,
            cand.driver_id.to_string(),
            round,
            cand.distance_m,
            us(offered_at),
            us(expires_at)
        ])?;
        if n > 0 {
            offered.push(*cand);
        }
    }
    offered.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
    Ok(offered)
}

/// One candidate's offer, on the same conditions as Postgres' batch insert
/// but the class, which `offer_batch` checked for every candidate in the
/// same transaction (nothing else writes while it holds the connection).
static OFFER_INSERT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "INSERT INTO trip_offers (trip_id, driver_id, round, distance_m, offered_at, expires_at) \
         SELECT ?1, ?2, ?3, ?4, ?5, ?6 \
         WHERE NOT EXISTS (SELECT 1 FROM trips a WHERE a.driver_id = ?2 \
                           AND a.status IN ('accepted', 'arrived', 'in_progress')) \
         {}",
        sql::REOFFER
    )
});
