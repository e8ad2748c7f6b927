//! The embedded store: SQLite (bundled) in WAL mode, one file, its own
//! migrations. One connection serialises access (SQLite has one writer
//! anyway); every call runs on the blocking pool so the async workers
//! never wait on disk. The same conditional updates as Postgres keep each
//! offer ending once and the first accept winning.

use super::*;
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

mod embedded {
    refinery::embed_migrations!("migrations/sqlite");
}

pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

fn us(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn time(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or_default()
}

fn opt_time(us: Option<i64>) -> Option<DateTime<Utc>> {
    us.map(time)
}

fn uuid_col(row: &Row, idx: usize) -> rusqlite::Result<uuid::Uuid> {
    let text: String = row.get(idx)?;
    uuid::Uuid::parse_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn bad(idx: usize, what: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, what.into())
}

fn map_err(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(code, Some(msg)) = &e {
        if code.code == rusqlite::ErrorCode::ConstraintViolation && msg.contains("UNIQUE") {
            return StoreError::Conflict(
                if msg.contains("users.username") || msg.contains("users_username_lower") {
                    "username is taken"
                } else if msg.contains("trips_one_active_per_rider") {
                    "rider already has an active trip"
                } else if msg.contains("trips_one_active_per_driver") {
                    "driver already has an active trip"
                } else {
                    "already exists"
                },
            );
        }
        if matches!(
            code.code,
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
        ) {
            return StoreError::Unavailable(e.to_string());
        }
    }
    StoreError::Internal(e.to_string())
}

fn user_from_row(row: &Row) -> rusqlite::Result<User> {
    let role: String = row.get(2)?;
    Ok(User {
        id: UserId(uuid_col(row, 0)?),
        username: row.get(1)?,
        role: Role::parse(&role).ok_or_else(|| bad(2, format!("bad role {role}")))?,
        name: row.get(3)?,
    })
}

fn trip_from_row(row: &Row) -> rusqlite::Result<TripRecord> {
    let status: String = row.get(1)?;
    let status =
        TripStatus::parse(&status).ok_or_else(|| bad(1, format!("bad status {status}")))?;
    let rider_id = UserId(uuid_col(row, 2)?);
    let driver_text: Option<String> = row.get(4)?;
    let driver_id = driver_text
        .map(|t| uuid::Uuid::parse_str(&t).map(UserId))
        .transpose()
        .map_err(|e| bad(4, e.to_string()))?;
    let cancelled_by: Option<String> = row.get(18)?;
    let trip = Trip {
        id: TripId(uuid_col(row, 0)?),
        status,
        rider: hail_protocol::TripUser {
            id: rider_id,
            name: row.get(3)?,
        },
        driver: match driver_id {
            Some(id) => Some(hail_protocol::TripUser {
                id,
                name: row.get::<_, Option<String>>(5)?.unwrap_or_default(),
            }),
            None => None,
        },
        pickup: Place {
            lat: row.get(6)?,
            lng: row.get(7)?,
            address: row.get(8)?,
        },
        dropoff: Place {
            lat: row.get(9)?,
            lng: row.get(10)?,
            address: row.get(11)?,
        },
        requested_at: time(row.get(12)?),
        accepted_at: opt_time(row.get(13)?),
        arrived_at: opt_time(row.get(14)?),
        started_at: opt_time(row.get(15)?),
        completed_at: opt_time(row.get(16)?),
        cancelled_at: opt_time(row.get(17)?),
        cancelled_by: cancelled_by.as_deref().and_then(CancelledBy::parse),
        expired_at: opt_time(row.get(19)?),
        seq: row.get::<_, i64>(20)?.max(0) as u64,
    };
    Ok(TripRecord {
        trip,
        rider_id,
        driver_id,
    })
}

fn trip_by_id(conn: &Connection, id: TripId) -> rusqlite::Result<Option<TripRecord>> {
    conn.prepare_cached(&format!("{TRIP_SELECT} WHERE t.id = ?1"))?
        .query_row([id.to_string()], trip_from_row)
        .optional()
}

/// One row of `trip_events`.
struct Event<'a> {
    trip: TripId,
    from: Option<TripStatus>,
    to: TripStatus,
    actor: Option<UserId>,
    reason: Option<&'a str>,
    node: &'a str,
    at: DateTime<Utc>,
}

fn insert_event(tx: &Transaction, e: Event) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO trip_events (trip_id, from_status, to_status, actor_id, reason, node_id, at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        e.trip.to_string(),
        e.from.map(|s| s.as_str()),
        e.to.as_str(),
        e.actor.map(|a| a.to_string()),
        e.reason,
        e.node,
        us(e.at)
    ])?;
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) `dir/hail.db` and applies migrations.
    pub fn open(dir: &Path) -> StoreResult<Self> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
        })?;
        let path = dir.join("hail.db");
        let mut conn = Connection::open(&path).map_err(map_err)?;
        // WAL: readers never block the writer; NORMAL sync: a committed
        // transaction survives a process crash (not necessarily power loss).
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
        )
        .map_err(map_err)?;
        embedded::migrations::runner()
            .run(&mut conn)
            .map_err(|e| StoreError::Internal(format!("migration failed: {e}")))?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn run<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Internal(e.to_string()))?
        .map_err(map_err)
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        self.run(|c| c.query_row("SELECT 1", [], |_| Ok(()))).await
    }

    async fn create_user(&self, user: NewUser) -> StoreResult<User> {
        self.run(move |c| {
            c.prepare_cached(
                "INSERT INTO users (id, username, password_hash, role, name, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id, username, role, name",
            )?
            .query_row(
                params![
                    user.id.to_string(),
                    user.username,
                    user.password_hash,
                    user.role.as_str(),
                    user.name,
                    us(Utc::now())
                ],
                user_from_row,
            )
        })
        .await
    }

    async fn user_by_username(&self, username: &str) -> StoreResult<Option<(User, String)>> {
        let username = username.to_string();
        self.run(move |c| {
            c.prepare_cached(
                "SELECT id, username, role, name, password_hash FROM users \
                 WHERE lower(username) = lower(?1)",
            )?
            .query_row([username], |r| Ok((user_from_row(r)?, r.get(4)?)))
            .optional()
        })
        .await
    }

    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>> {
        self.run(move |c| {
            c.prepare_cached(
                "SELECT id, username, role, name FROM users WHERE id = ?1 AND deleted_at IS NULL",
            )?
            .query_row([id.to_string()], user_from_row)
            .optional()
        })
        .await
    }

    async fn delete_user(&self, id: UserId, now: DateTime<Utc>) -> StoreResult<bool> {
        let outcome = self
            .run(move |c| {
                let tx = c.transaction()?;
                let id = id.to_string();
                let (exists, busy): (bool, bool) = tx
                    .prepare_cached(
                        "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1 AND deleted_at IS NULL), \
                         EXISTS (SELECT 1 FROM trips WHERE (rider_id = ?1 OR driver_id = ?1) \
                         AND status IN ('requested', 'accepted', 'arrived', 'in_progress'))",
                    )?
                    .query_row([&id], |r| Ok((r.get(0)?, r.get(1)?)))?;
                if !exists || busy {
                    return Ok((exists, busy));
                }
                // '!' is no PHC string: no password can match it again.
                tx.prepare_cached(
                    "UPDATE users SET deleted_at = ?2, password_hash = '!deleted' WHERE id = ?1",
                )?
                .execute(params![id, us(now)])?;
                tx.prepare_cached("DELETE FROM refresh_tokens WHERE user_id = ?1")?
                    .execute([&id])?;
                tx.commit()?;
                Ok((true, false))
            })
            .await?;
        match outcome {
            (false, _) => Ok(false),
            (true, true) => Err(StoreError::Conflict("the account has an active trip")),
            (true, false) => Ok(true),
        }
    }

    async fn trips_requested_since(
        &self,
        rider: UserId,
        since: DateTime<Utc>,
        cap: usize,
    ) -> StoreResult<usize> {
        let cap = i64::try_from(cap).unwrap_or(i64::MAX);
        self.run(move |c| {
            c.prepare_cached(
                "SELECT count(*) FROM (SELECT 1 FROM trips WHERE rider_id = ?1 \
                 AND requested_at > ?2 LIMIT ?3)",
            )?
            .query_row(params![rider.to_string(), us(since), cap], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| usize::try_from(n).unwrap_or(0))
        })
        .await
    }

    async fn insert_refresh_token(
        &self,
        token_hash: &[u8],
        user_id: UserId,
        family: uuid::Uuid,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let hash = token_hash.to_vec();
        self.run(move |c| {
            c.prepare_cached(
                "INSERT INTO refresh_tokens (token_hash, user_id, family, expires_at, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                hash,
                user_id.to_string(),
                family.to_string(),
                us(expires_at),
                us(Utc::now())
            ])?;
            Ok(())
        })
        .await
    }

    async fn use_refresh_token(
        &self,
        token_hash: &[u8],
        now: DateTime<Utc>,
    ) -> StoreResult<Rotation> {
        let hash = token_hash.to_vec();
        self.run(move |c| {
            let tx = c.transaction()?;
            let found: Option<(String, String, Option<i64>, i64)> = tx
                .prepare_cached("SELECT user_id, family, used_at, expires_at FROM refresh_tokens WHERE token_hash = ?1")?
                .query_row([&hash], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .optional()?;
            let outcome = match found {
                None => Rotation::Invalid,
                Some((_, family, Some(_), _)) => {
                    // A replay: revoke every live token of the family.
                    tx.prepare_cached("UPDATE refresh_tokens SET used_at = ?2 WHERE family = ?1 AND used_at IS NULL")?
                        .execute(params![family, us(now)])?;
                    Rotation::Reused
                }
                Some((_, _, None, expires)) if expires <= us(now) => Rotation::Invalid,
                Some((user, family, None, _)) => {
                    tx.prepare_cached("UPDATE refresh_tokens SET used_at = ?2 WHERE token_hash = ?1")?
                        .execute(params![hash, us(now)])?;
                    let user_id = uuid::Uuid::parse_str(&user).map_err(|e| bad(0, e.to_string()))?;
                    let family = uuid::Uuid::parse_str(&family).map_err(|e| bad(1, e.to_string()))?;
                    Rotation::Rotated {
                        user_id: UserId(user_id),
                        family,
                    }
                }
            };
            tx.commit()?;
            Ok(outcome)
        })
        .await
    }

    async fn revoke_refresh_family(
        &self,
        token_hash: &[u8],
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let hash = token_hash.to_vec();
        self.run(move |c| {
            let tx = c.transaction()?;
            let family: Option<String> = tx
                .prepare_cached("SELECT family FROM refresh_tokens WHERE token_hash = ?1")?
                .query_row([&hash], |r| r.get(0))
                .optional()?;
            if let Some(family) = &family {
                tx.prepare_cached(
                    "UPDATE refresh_tokens SET used_at = ?2 WHERE family = ?1 AND used_at IS NULL",
                )?
                .execute(params![family, us(now)])?;
            }
            tx.commit()?;
            Ok(family.is_some())
        })
        .await
    }

    async fn create_trip(&self, trip: NewTrip) -> StoreResult<Trip> {
        self.run(move |c| {
            let tx = c.transaction()?;
            tx.prepare_cached(
                "INSERT INTO trips (id, rider_id, status, pickup_lat, pickup_lng, pickup_address, \
                 dropoff_lat, dropoff_lng, dropoff_address, requested_at, node_id, \
                 dispatch_node, dispatch_lease_until) \
                 VALUES (?1, ?2, 'requested', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11)",
            )?
            .execute(params![
                trip.id.to_string(),
                trip.rider_id.to_string(),
                trip.pickup.lat,
                trip.pickup.lng,
                trip.pickup.address,
                trip.dropoff.lat,
                trip.dropoff.lng,
                trip.dropoff.address,
                us(trip.requested_at),
                trip.node_id,
                us(trip.lease_until)
            ])?;
            insert_event(
                &tx,
                Event {
                    trip: trip.id,
                    from: None,
                    to: TripStatus::Requested,
                    actor: Some(trip.rider_id),
                    reason: None,
                    node: &trip.node_id,
                    at: trip.requested_at,
                },
            )?;
            let record = trip_by_id(&tx, trip.id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
            tx.commit()?;
            Ok(record.trip)
        })
        .await
    }

    async fn trip(&self, id: TripId) -> StoreResult<Option<TripRecord>> {
        self.run(move |c| trip_by_id(c, id)).await
    }

    async fn active_trip(&self, user: UserId) -> StoreResult<Option<Trip>> {
        self.run(move |c| {
            c.prepare_cached(&format!(
                "{TRIP_SELECT} WHERE (t.rider_id = ?1 AND t.status IN ('requested', 'accepted', 'arrived', 'in_progress')) \
                 OR (t.driver_id = ?1 AND t.status IN ('accepted', 'arrived', 'in_progress')) \
                 ORDER BY t.id DESC LIMIT 1"
            ))?
            .query_row([user.to_string()], trip_from_row)
            .optional()
            .map(|r| r.map(|r| r.trip))
        })
        .await
    }

    async fn list_trips(&self, filter: &TripFilter) -> StoreResult<Vec<Trip>> {
        let filter = filter.clone();
        self.run(move |c| {
            let mut clauses = Vec::new();
            let mut args: Vec<rusqlite::types::Value> = Vec::new();
            if let Some(user) = filter.participant {
                args.push(user.to_string().into());
                clauses.push(format!(
                    "(t.rider_id = ?{0} OR t.driver_id = ?{0})",
                    args.len()
                ));
            }
            if let Some(status) = filter.status {
                args.push(status.as_str().to_string().into());
                clauses.push(format!("t.status = ?{}", args.len()));
            }
            if let Some(before) = filter.before {
                args.push(before.to_string().into());
                clauses.push(format!("t.id < ?{}", args.len()));
            }
            args.push((filter.limit as i64).into());
            let where_sql = if clauses.is_empty() {
                String::new()
            } else {
                format!(" WHERE {}", clauses.join(" AND "))
            };
            let sql = format!(
                "{TRIP_SELECT}{where_sql} ORDER BY t.id DESC LIMIT ?{}",
                args.len()
            );
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(args), trip_from_row)?;
            rows.map(|r| r.map(|r| r.trip)).collect()
        })
        .await
    }

    async fn transition(&self, t: &Transition) -> StoreResult<Option<Trip>> {
        let t = t.clone();
        self.run(move |c| {
            let tx = c.transaction()?;
            let trip = t.trip_id.to_string();
            if let Some(driver) = t.assign_driver {
                let changed = tx
                    .prepare_cached(
                        "UPDATE trip_offers SET outcome = 'accepted', ended_at = ?3 \
                         WHERE trip_id = ?1 AND driver_id = ?2 AND outcome = 'pending'",
                    )?
                    .execute(params![trip, driver.to_string(), us(t.at)])?;
                if changed == 0 {
                    return Ok(None); // dropping tx rolls back
                }
            }
            let to = t.to.as_str();
            let changed = tx
                .prepare_cached(
                    "UPDATE trips SET status = ?3, driver_id = COALESCE(?4, driver_id), seq = seq + 1, \
                     accepted_at  = CASE WHEN ?3 = 'accepted'    THEN ?5 ELSE accepted_at END, \
                     arrived_at   = CASE WHEN ?3 = 'arrived'     THEN ?5 ELSE arrived_at END, \
                     started_at   = CASE WHEN ?3 = 'in_progress' THEN ?5 ELSE started_at END, \
                     completed_at = CASE WHEN ?3 = 'completed'   THEN ?5 ELSE completed_at END, \
                     cancelled_at = CASE WHEN ?3 = 'cancelled'   THEN ?5 ELSE cancelled_at END, \
                     expired_at   = CASE WHEN ?3 = 'expired'     THEN ?5 ELSE expired_at END, \
                     cancelled_by = COALESCE(?6, cancelled_by), cancel_reason = COALESCE(?7, cancel_reason) \
                     WHERE id = ?1 AND status = ?2",
                )?
                .execute(params![
                    trip,
                    t.from.as_str(),
                    to,
                    t.assign_driver.map(|d| d.to_string()),
                    us(t.at),
                    t.cancelled_by.map(|c| c.as_str()),
                    t.reason
                ])?;
            if changed == 0 {
                return Ok(None);
            }
            insert_event(
                &tx,
                Event {
                    trip: t.trip_id,
                    from: Some(t.from),
                    to: t.to,
                    actor: t.actor,
                    reason: t.reason.as_deref(),
                    node: &t.node_id,
                    at: t.at,
                },
            )?;
            let record = trip_by_id(&tx, t.trip_id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
            tx.commit()?;
            Ok(Some(record.trip))
        })
        .await
    }

    async fn stranded_requests(
        &self,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<TripId>> {
        self.run(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT id FROM trips WHERE status = 'requested' AND requested_at < ?1 ORDER BY id LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![us(cutoff), limit as i64], |r| uuid_col(r, 0).map(TripId))?;
            rows.collect()
        })
        .await
    }

    async fn renew_lease(
        &self,
        trip: TripId,
        node: &str,
        until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let node = node.to_string();
        self.run(move |c| {
            let n = c
                .prepare_cached(
                    "UPDATE trips SET dispatch_lease_until = ?3 \
                     WHERE id = ?1 AND status = 'requested' AND dispatch_node = ?2",
                )?
                .execute(params![trip.to_string(), node, us(until)])?;
            Ok(n == 1)
        })
        .await
    }

    async fn release_lease(&self, trip: TripId, node: &str, now: DateTime<Utc>) -> StoreResult<()> {
        self.renew_lease(trip, node, now).await.map(|_| ())
    }

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
        let mut out = Vec::with_capacity(claimed.len());
        for (id, rounds_done) in claimed {
            if let Some(record) = self.trip(id).await? {
                out.push(TakenOver {
                    trip: record.trip,
                    rounds_done,
                });
            }
        }
        Ok(out)
    }

    async fn offer_status(&self, trip: TripId, driver: UserId) -> StoreResult<Option<OfferStatus>> {
        self.run(move |c| {
            let outcome: Option<String> = c
                .prepare_cached(
                    "SELECT outcome FROM trip_offers WHERE trip_id = ?1 AND driver_id = ?2",
                )?
                .query_row([trip.to_string(), driver.to_string()], |r| r.get(0))
                .optional()?;
            Ok(outcome.map(|o| OfferStatus::parse(&o)))
        })
        .await
    }

    async fn create_offers(
        &self,
        trip: TripId,
        round: u32,
        candidates: &[Candidate],
        offered_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<Vec<Candidate>> {
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let candidates = candidates.to_vec();
        self.run(move |c| {
            let tx = c.transaction()?;
            let trip_id = trip.to_string();
            let open: bool = tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM trips WHERE id = ?1 AND status = 'requested')")?
                .query_row([&trip_id], |r| r.get(0))?;
            let mut offered = Vec::new();
            if open {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO trip_offers (trip_id, driver_id, round, distance_m, offered_at, expires_at) \
                     SELECT ?1, ?2, ?3, ?4, ?5, ?6 \
                     WHERE NOT EXISTS (SELECT 1 FROM trips a WHERE a.driver_id = ?2 \
                                       AND a.status IN ('accepted', 'arrived', 'in_progress')) \
                     ON CONFLICT (trip_id, driver_id) DO UPDATE SET round = excluded.round, \
                       distance_m = excluded.distance_m, offered_at = excluded.offered_at, \
                       expires_at = excluded.expires_at, outcome = 'pending', ended_at = NULL \
                     WHERE trip_offers.outcome = 'expired'",
                )?;
                for cand in &candidates {
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
            }
            tx.commit()?;
            offered.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
            Ok(offered)
        })
        .await
    }

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

    async fn insert_points(&self, points: &[GpsPoint]) -> StoreResult<()> {
        if points.is_empty() {
            return Ok(());
        }
        let points = points.to_vec();
        self.run(move |c| {
            // One transaction per batch: one fsync for thousands of rows.
            let tx = c.transaction()?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO gps_points (trip_id, driver_id, lat, lng, heading, speed, at, received_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?;
                for p in &points {
                    stmt.execute(params![
                        p.trip_id.to_string(),
                        p.driver_id.to_string(),
                        p.lat,
                        p.lng,
                        p.heading,
                        p.speed,
                        us(p.at),
                        us(p.received_at)
                    ])?;
                }
            }
            tx.commit()
        })
        .await
    }

    async fn track(&self, trip: TripId) -> StoreResult<Vec<TrackPoint>> {
        self.run(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT lat, lng, at FROM gps_points WHERE trip_id = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([trip.to_string()], |r| {
                Ok(TrackPoint {
                    lat: r.get(0)?,
                    lng: r.get(1)?,
                    at: time(r.get(2)?),
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn record_round(&self, r: &RoundRecord) -> StoreResult<()> {
        let r = r.clone();
        self.run(move |c| {
            c.prepare_cached(
                "INSERT OR IGNORE INTO dispatch_rounds (trip_id, round, radius_m, found, node_id, at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                r.trip_id.to_string(),
                r.round,
                r.radius_m,
                r.found,
                r.node_id,
                us(r.at)
            ])?;
            Ok(())
        })
        .await
    }

    async fn trip_counts(&self) -> StoreResult<hail_protocol::monitor::TripCounts> {
        self.run(move |c| {
            let mut stmt =
                c.prepare_cached("SELECT status, count(*) FROM trips GROUP BY status")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            let mut counts = hail_protocol::monitor::TripCounts::default();
            for row in rows {
                let (status, n) = row?;
                if let Some(status) = TripStatus::parse(&status) {
                    counts.set(status, n.max(0) as u64);
                }
            }
            Ok(counts)
        })
        .await
    }

    async fn dispatches(
        &self,
        outcome: Option<hail_protocol::monitor::DispatchOutcome>,
        limit: usize,
    ) -> StoreResult<Vec<hail_protocol::monitor::Dispatch>> {
        use dispatch_log::{outcome_clause, DISPATCH_SELECT};
        let sql = match outcome {
            Some(o) => format!(
                "{DISPATCH_SELECT} WHERE {} ORDER BY t.id DESC LIMIT ?1",
                outcome_clause(o)
            ),
            None => format!("{DISPATCH_SELECT} ORDER BY t.id DESC LIMIT ?1"),
        };
        self.run(move |c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map([limit as i64], dispatch_from_row)?;
            rows.collect()
        })
        .await
    }

    async fn active_trips(
        &self,
        limit: usize,
    ) -> StoreResult<Vec<hail_protocol::monitor::MapTrip>> {
        let sql = format!("{} LIMIT ?1", dispatch_log::ACTIVE_TRIPS);
        self.run(move |c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map([limit as i64], |r| {
                let status: String = r.get(1)?;
                let Some(status) = TripStatus::parse(&status) else {
                    return Ok(None);
                };
                let driver = match (
                    r.get::<_, Option<f64>>(6)?,
                    r.get::<_, Option<f64>>(7)?,
                    r.get::<_, Option<i64>>(8)?,
                ) {
                    (Some(lat), Some(lng), Some(at)) => Some(hail_protocol::monitor::MapPoint {
                        lat,
                        lng,
                        at: time(at),
                    }),
                    _ => None,
                };
                Ok(Some(hail_protocol::monitor::MapTrip {
                    trip_id: TripId(uuid_col(r, 0)?),
                    status,
                    pickup: hail_protocol::Position {
                        lat: r.get(2)?,
                        lng: r.get(3)?,
                    },
                    dropoff: hail_protocol::Position {
                        lat: r.get(4)?,
                        lng: r.get(5)?,
                    },
                    driver,
                }))
            })?;
            let mut out = Vec::new();
            for row in rows {
                out.extend(row?);
            }
            Ok(out)
        })
        .await
    }

    async fn dispatch_detail(
        &self,
        trip: TripId,
    ) -> StoreResult<Option<hail_protocol::monitor::DispatchDetail>> {
        use hail_protocol::monitor::{DispatchDetail, TimelineEvent};
        let sql = format!("{} WHERE t.id = ?1", dispatch_log::DISPATCH_SELECT);
        self.run(move |c| {
            let id = trip.to_string();
            let Some(dispatch) = c
                .prepare_cached(&sql)?
                .query_row([&id], dispatch_from_row)
                .optional()?
            else {
                return Ok(None);
            };
            let statuses = c
                .prepare_cached(
                    "SELECT from_status, to_status, node_id, at FROM trip_events WHERE trip_id = ?1 ORDER BY id",
                )?
                .query_map([&id], |r| {
                    let from: Option<String> = r.get(0)?;
                    let to: String = r.get(1)?;
                    Ok((from, to, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?
                .into_iter()
                .filter_map(|(from, to, node, at)| {
                    Some(TimelineEvent::Status {
                        at: time(at),
                        from: from.as_deref().and_then(TripStatus::parse),
                        to: TripStatus::parse(&to)?,
                        node,
                    })
                })
                .collect();
            let rounds = c
                .prepare_cached(
                    "SELECT round, radius_m, found, node_id, at FROM dispatch_rounds WHERE trip_id = ?1 ORDER BY round",
                )?
                .query_map([&id], |r| {
                    Ok(TimelineEvent::Round {
                        round: r.get(0)?,
                        radius_m: r.get(1)?,
                        found: r.get(2)?,
                        node: r.get(3)?,
                        at: time(r.get(4)?),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let offers = c
                .prepare_cached(
                    "SELECT o.driver_id, u.name, o.round, o.distance_m, o.offered_at, o.outcome, o.ended_at \
                     FROM trip_offers o JOIN users u ON u.id = o.driver_id WHERE o.trip_id = ?1",
                )?
                .query_map([&id], |r| {
                    Ok(dispatch_log::OfferRow {
                        driver_id: UserId(uuid_col(r, 0)?),
                        driver_name: r.get(1)?,
                        round: r.get(2)?,
                        distance_m: r.get(3)?,
                        offered_at: time(r.get(4)?),
                        outcome: r.get(5)?,
                        ended_at: opt_time(r.get(6)?),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(Some(DispatchDetail {
                dispatch,
                timeline: dispatch_log::timeline(statuses, rounds, offers),
            }))
        })
        .await
    }
}

fn dispatch_from_row(r: &Row) -> rusqlite::Result<hail_protocol::monitor::Dispatch> {
    let status: String = r.get(1)?;
    let status =
        TripStatus::parse(&status).ok_or_else(|| bad(1, format!("bad status {status}")))?;
    Ok(dispatch_log::DispatchColumns {
        trip_id: TripId(uuid_col(r, 0)?),
        status,
        requested_at: time(r.get(2)?),
        accepted_at: opt_time(r.get(3)?),
        has_driver: r.get(4)?,
        node: r.get(5)?,
        rounds: r.get(6)?,
        radius_m: r.get(7)?,
        offered: r.get(8)?,
        declined: r.get(9)?,
    }
    .into())
}
