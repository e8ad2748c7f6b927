//! Dispatch leases, takeover, offers and rounds on Postgres.

use super::*;
use std::sync::LazyLock;
use tokio_postgres::types::ToSql;

/// Renews `$2`'s leases on the trips `$1`, a node's every dispatch in one
/// statement (arrays: Postgres only); returns those renewed.
const LEASES_RENEW: &str = "UPDATE trips SET dispatch_lease_until = $3 \
     WHERE id = ANY($1) AND status = 'requested' AND dispatch_node = $2 RETURNING id";

/// Ends pending offers of a trip (`$4`: of these drivers, or all when NULL).
pub(super) const END_OFFERS: &str = "UPDATE trip_offers SET outcome = $2, ended_at = $3 \
     WHERE trip_id = $1 AND outcome = 'pending' \
       AND ($4::uuid[] IS NULL OR driver_id = ANY($4)) \
     RETURNING driver_id";

#[async_trait]
impl DispatchStore for PgStore {
    async fn stranded_requests(
        &self,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<TripId>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(sql::STRANDED)
            .await
            .map_err(map_err)?;
        let rows = client
            .query(&stmt, &[&cutoff, &(limit as i64)])
            .await
            .map_err(map_err)?;
        Ok(rows.iter().map(|r| TripId(r.get(0))).collect())
    }

    async fn renew_leases(
        &self,
        trips: &[TripId],
        node: &str,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<TripId>> {
        if trips.is_empty() {
            return Ok(Vec::new());
        }
        let client = self.client().await?;
        let stmt = client.prepare_cached(LEASES_RENEW).await.map_err(map_err)?;
        let ids: Vec<uuid::Uuid> = trips.iter().map(|t| t.0).collect();
        let rows = client
            .query(&stmt, &[&ids, &node, &until])
            .await
            .map_err(map_err)?;
        Ok(rows.iter().map(|r| TripId(r.get(0))).collect())
    }

    async fn release_lease(&self, trip: TripId, node: &str, now: DateTime<Utc>) -> StoreResult<()> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(sql::LEASE_SET)
            .await
            .map_err(map_err)?;
        client
            .execute(&stmt, &[&trip.0, &node, &now])
            .await
            .map_err(map_err)?;
        Ok(())
    }

    // Own SQL: `FOR UPDATE SKIP LOCKED` lets nodes sweeping at once claim different trips.
    async fn take_over(
        &self,
        node: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<TakenOver>> {
        let client = self.client().await?;
        // SKIP LOCKED: two nodes sweeping at once claim different trips.
        let stmt = client
            .prepare_cached(
                "UPDATE trips SET dispatch_node = $1, dispatch_lease_until = $3 \
                 WHERE id IN (SELECT id FROM trips WHERE status = 'requested' \
                   AND dispatch_lease_until < $2 ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED) \
                 AND status = 'requested' \
                 RETURNING id, (SELECT coalesce(max(round), 0) FROM dispatch_rounds r WHERE r.trip_id = trips.id)",
            )
            .await
            .map_err(map_err)?;
        let rows = client
            .query(&stmt, &[&node, &now, &until, &(limit as i64)])
            .await
            .map_err(map_err)?;
        drop(client);
        let claimed = rows
            .iter()
            .map(|row| (TripId(row.get(0)), row.get::<_, i32>(1).max(0) as u32))
            .collect();
        load_taken_over(self, claimed).await
    }

    async fn offer_status(&self, trip: TripId, driver: UserId) -> StoreResult<Option<OfferStatus>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(sql::OFFER_STATUS)
            .await
            .map_err(map_err)?;
        let row = client
            .query_opt(&stmt, &[&trip.0, &driver.0])
            .await
            .map_err(map_err)?;
        Ok(row.map(|r| OfferStatus::parse(r.get::<_, &str>(0))))
    }

    // Own SQL: `= ANY($4)` over an array (SQLite: one UPDATE per driver).
    async fn end_offers(
        &self,
        trip: TripId,
        drivers: Option<&[UserId]>,
        end: OfferEnd,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<UserId>> {
        let ids: Option<Vec<uuid::Uuid>> = drivers.map(|d| d.iter().map(|u| u.0).collect());
        let client = self.client().await?;
        let stmt = client.prepare_cached(END_OFFERS).await.map_err(map_err)?;
        let rows = client
            .query(&stmt, &[&trip.0, &end.as_str(), &at, &ids])
            .await
            .map_err(map_err)?;
        Ok(rows.iter().map(|r| UserId(r.get(0))).collect())
    }

    // Own SQL: the change and the conditional end pipelined (tokio-postgres
    // sends both before reading a reply; each runs in its own implicit
    // transaction, in order, so the end sees the change committed).
    async fn leave_requested(
        &self,
        t: &Transition,
        end: OfferEnd,
    ) -> StoreResult<(Option<Trip>, Vec<UserId>)> {
        debug_assert!(t.from == TripStatus::Requested && t.assign_driver.is_none());
        let bound = super::trips::Bound::new(t)?;
        let params = bound.params();
        let client = self.client().await?;
        let (change, end_stmt) = tokio::try_join!(
            client.prepare_cached(&super::trips::TRANSITION),
            client.prepare_cached(sql::OFFERS_END_IF_IN),
        )
        .map_err(map_err)?;
        let to = t.to.as_str();
        let end_params: [&(dyn ToSql + Sync); 4] = [&t.trip_id.0, &end.as_str(), &t.at, &to];
        let (changed, ended) = tokio::join!(
            client.query_opt(&change, &params),
            client.query(&end_stmt, &end_params),
        );
        let ended: Vec<UserId> = ended
            .map_err(map_err)?
            .iter()
            .map(|r| UserId(r.get(0)))
            .collect();
        match changed {
            Ok(row) => Ok((super::trips::trip_of(row)?, ended)),
            // The offers this call ended are still its to withdraw: report
            // the change as lost (the caller reads the trip again).
            Err(e) if !ended.is_empty() => {
                tracing::warn!(trip = %t.trip_id, "status change failed after its offers ended: {e}");
                Ok((None, ended))
            }
            Err(e) => Err(map_err(e)),
        }
    }

    // Own SQL: writable CTEs over `unnest` arrays (SQLite: a transaction).
    async fn offer_batch(&self, b: &OfferBatch<'_>) -> StoreResult<BatchOffered> {
        let ids: Vec<uuid::Uuid> = b.candidates.iter().map(|c| c.driver_id.0).collect();
        let distances: Vec<f64> = b.candidates.iter().map(|c| c.distance_m).collect();
        let client = self.client().await?;
        let stmt = client.prepare_cached(&OFFER_BATCH).await.map_err(map_err)?;
        let round = b.round as i32;
        let limit = i64::try_from(b.limit).unwrap_or(i64::MAX);
        let rows = client
            .query(
                &stmt,
                &[
                    &b.trip_id.0,
                    &round,
                    &b.offered_at,
                    &b.expires_at,
                    &ids,
                    &distances,
                    &b.radius_m,
                    &b.node_id,
                    &limit,
                ],
            )
            .await
            .map_err(map_err)?;
        let mut out = BatchOffered::default();
        for r in &rows {
            let driver_id = UserId(r.get(0));
            if r.get::<_, bool>(2) {
                out.offered.push(Candidate {
                    driver_id,
                    distance_m: r.get(1),
                });
            } else {
                out.other_class.push(driver_id);
            }
        }
        out.offered
            .sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
        Ok(out)
    }
}

/// `$1` trip, `$2` round, `$3` offered at, `$4` expires at, `$5`/`$6` the
/// candidates (ids, distances), `$7` radius, `$8` node, `$9` the most
/// offers to make (the nearest that may be offered). Rows: each driver
/// offered (`true`) and each skipped for its vehicle class (`false`). The
/// round's `found` grows by the offers made, and a round is recorded only
/// for a trip that exists.
/// The trip row is read `FOR SHARE`: a status change waits for these
/// offers to commit (and then ends them, in its own statement), and offers
/// are never inserted for a trip whose change committed first.
pub(super) static OFFER_BATCH: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH trip AS (SELECT status, class FROM trips WHERE id = $1 FOR SHARE), \
     c AS ( \
       SELECT c.driver_id, c.distance_m, \
         COALESCE((SELECT v.class FROM vehicles v WHERE v.driver_id = c.driver_id), 'standard') \
           = (SELECT class FROM trip) AS serves \
       FROM unnest($5::uuid[], $6::float8[]) AS c (driver_id, distance_m)), \
     o AS ( \
       INSERT INTO trip_offers (trip_id, driver_id, round, distance_m, offered_at, expires_at) \
       SELECT $1, c.driver_id, $2, c.distance_m, $3, $4 FROM c \
       WHERE c.serves \
         AND EXISTS (SELECT 1 FROM trip WHERE status = 'requested') \
         AND NOT EXISTS (SELECT 1 FROM trips a WHERE a.driver_id = c.driver_id \
                         AND a.status IN ('accepted', 'arrived', 'in_progress')) \
         AND NOT EXISTS (SELECT 1 FROM trip_offers x WHERE x.trip_id = $1 \
                         AND x.driver_id = c.driver_id AND x.outcome <> 'expired') \
       ORDER BY c.distance_m LIMIT $9 \
       {} RETURNING driver_id, distance_m), \
     r AS ( \
       INSERT INTO dispatch_rounds (trip_id, round, radius_m, found, node_id, at) \
       SELECT $1, $2, $7, (SELECT count(*) FROM o), $8, $3 \
       WHERE EXISTS (SELECT 1 FROM trip) \
       ON CONFLICT (trip_id, round) DO UPDATE SET found = dispatch_rounds.found + EXCLUDED.found) \
     SELECT driver_id, distance_m, true FROM o \
     UNION ALL SELECT driver_id, distance_m, false FROM c WHERE NOT c.serves",
        sql::REOFFER
    )
});
