//! The Postgres store: deadpool-postgres with every timeout set, prepared
//! statements, COPY BINARY for GPS batches, and conditional updates so that
//! two nodes racing on one trip can never both win.

use super::*;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use std::time::Duration;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{NoTls, Row};

mod embedded {
    refinery::embed_migrations!("migrations/postgres");
}

/// Arbitrary constant: serialises `migrate` across nodes starting together.
const MIGRATION_LOCK: i64 = 0x4841_494c; // "HAIL"

const ACTIVE: &str = "('requested', 'accepted', 'arrived', 'in_progress')";

pub struct PgStore {
    pool: Pool,
}

impl PgStore {
    /// A pool for `url`; connects lazily, so call [`ping`](Store::ping) to
    /// fail fast.
    pub fn connect(url: &str, pool_size: usize, timeout: Duration) -> StoreResult<Self> {
        let mut pg: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Internal(format!("bad HAIL_DATABASE_URL: {e}")))?;
        pg.connect_timeout(timeout);
        // A statement that outlives the timeout is cancelled by Postgres and
        // surfaces as `unavailable` instead of holding a session forever.
        pg.options(format!("-c statement_timeout={}", timeout.as_millis()));
        pg.application_name("hail");
        let manager = Manager::from_config(
            pg,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size)
            .wait_timeout(Some(timeout))
            .create_timeout(Some(timeout))
            .recycle_timeout(Some(timeout))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        Ok(Self { pool })
    }

    /// Creates the database named in `url` if it does not exist (dev mode:
    /// `make run` on a laptop with a bare Postgres).
    pub async fn create_database_if_missing(url: &str) -> StoreResult<bool> {
        let target: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Internal(format!("bad HAIL_DATABASE_URL: {e}")))?;
        let Some(name) = target.get_dbname().map(str::to_string) else {
            return Ok(false);
        };
        let mut admin = target.clone();
        admin.dbname("postgres");
        let (client, conn) = admin.connect(NoTls).await.map_err(map_err)?;
        let driver = tokio::spawn(conn);
        let exists = client
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
            .await
            .map_err(map_err)?
            .is_some();
        if !exists {
            let quoted = format!("\"{}\"", name.replace('"', "\"\""));
            client
                .batch_execute(&format!("CREATE DATABASE {quoted}"))
                .await
                .map_err(map_err)?;
        }
        drop(client);
        let _ = driver.await;
        Ok(!exists)
    }

    /// Applies the embedded migrations, one node at a time.
    pub async fn migrate(&self) -> StoreResult<usize> {
        let mut client = self.client().await?;
        client
            .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(map_err)?;
        let result = embedded::migrations::runner()
            .run_async(&mut **client)
            .await
            .map_err(|e| StoreError::Internal(format!("migration failed: {e}")));
        let unlock = client
            .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(map_err);
        let report = result?;
        unlock?;
        Ok(report.applied_migrations().len())
    }

    async fn client(&self) -> StoreResult<deadpool_postgres::Object> {
        self.pool
            .get()
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    async fn query_trips(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> StoreResult<Vec<TripRecord>> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(sql).await.map_err(map_err)?;
        let rows = client.query(&stmt, params).await.map_err(map_err)?;
        rows.iter().map(trip_from_row).collect()
    }
}

/// Postgres errors to store errors: lost connections and cancelled
/// statements mean "retry later"; uniqueness is a conflict.
fn map_err(e: tokio_postgres::Error) -> StoreError {
    match e.code() {
        None => {
            // "error connecting to server: Connection refused": say why.
            let why = std::error::Error::source(&e)
                .map(|s| format!("{e}: {s}"))
                .unwrap_or_else(|| e.to_string());
            StoreError::Unavailable(why)
        }
        Some(code) if *code == SqlState::QUERY_CANCELED || *code == SqlState::ADMIN_SHUTDOWN => {
            StoreError::Unavailable(e.to_string())
        }
        Some(code) if *code == SqlState::UNIQUE_VIOLATION => {
            let constraint = e
                .as_db_error()
                .and_then(|db| db.constraint())
                .unwrap_or_default();
            StoreError::Conflict(match constraint {
                "users_username_key" | "users_username_lower" => "username is taken",
                "trips_one_active_per_rider" => "rider already has an active trip",
                "trips_one_active_per_driver" => "driver already has an active trip",
                _ => "already exists",
            })
        }
        Some(_) => StoreError::Internal(e.to_string()),
    }
}

fn user_from_row(row: &Row) -> StoreResult<User> {
    let role: String = row.get("role");
    Ok(User {
        id: UserId(row.get("id")),
        username: row.get("username"),
        role: Role::parse(&role).ok_or_else(|| StoreError::Internal(format!("bad role {role}")))?,
        name: row.get("name"),
    })
}

fn place(lat: f64, lng: f64, address: Option<String>) -> Place {
    Place { lat, lng, address }
}

fn trip_from_row(row: &Row) -> StoreResult<TripRecord> {
    let status: String = row.get(1);
    let status = TripStatus::parse(&status)
        .ok_or_else(|| StoreError::Internal(format!("bad status {status}")))?;
    let rider_id = UserId(row.get(2));
    let driver_id: Option<uuid::Uuid> = row.get(4);
    let driver_id = driver_id.map(UserId);
    let cancelled_by: Option<String> = row.get(18);
    let trip = Trip {
        id: TripId(row.get(0)),
        status,
        rider: hail_protocol::TripUser {
            id: rider_id,
            name: row.get(3),
        },
        driver: driver_id.map(|id| hail_protocol::TripUser {
            id,
            name: row.get::<_, Option<String>>(5).unwrap_or_default(),
        }),
        pickup: place(row.get(6), row.get(7), row.get(8)),
        dropoff: place(row.get(9), row.get(10), row.get(11)),
        requested_at: row.get(12),
        accepted_at: row.get(13),
        arrived_at: row.get(14),
        started_at: row.get(15),
        completed_at: row.get(16),
        cancelled_at: row.get(17),
        cancelled_by: cancelled_by.as_deref().and_then(CancelledBy::parse),
        expired_at: row.get(19),
        seq: row.get::<_, i64>(20).max(0) as u64,
    };
    Ok(TripRecord {
        trip,
        rider_id,
        driver_id,
    })
}

#[async_trait]
impl Store for PgStore {
    async fn ping(&self) -> StoreResult<()> {
        let client = self.client().await?;
        client.simple_query("SELECT 1").await.map_err(map_err)?;
        Ok(())
    }

    async fn create_user(&self, user: NewUser) -> StoreResult<User> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "INSERT INTO users (id, username, password_hash, role, name) VALUES ($1, $2, $3, $4, $5) \
                 RETURNING id, username, role, name",
            )
            .await
            .map_err(map_err)?;
        let row = client
            .query_one(
                &stmt,
                &[
                    &user.id.0,
                    &user.username,
                    &user.password_hash,
                    &user.role.as_str(),
                    &user.name,
                ],
            )
            .await
            .map_err(map_err)?;
        user_from_row(&row)
    }

    async fn user_by_username(&self, username: &str) -> StoreResult<Option<(User, String)>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT id, username, role, name, password_hash FROM users WHERE lower(username) = lower($1)",
            )
            .await
            .map_err(map_err)?;
        let row = client
            .query_opt(&stmt, &[&username])
            .await
            .map_err(map_err)?;
        row.map(|r| Ok((user_from_row(&r)?, r.get("password_hash"))))
            .transpose()
    }

    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT id, username, role, name FROM users WHERE id = $1 AND deleted_at IS NULL",
            )
            .await
            .map_err(map_err)?;
        let row = client.query_opt(&stmt, &[&id.0]).await.map_err(map_err)?;
        row.map(|r| user_from_row(&r)).transpose()
    }

    async fn delete_user(&self, id: UserId, now: DateTime<Utc>) -> StoreResult<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let stmt = tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND deleted_at IS NULL), \
                 EXISTS (SELECT 1 FROM trips WHERE (rider_id = $1 OR driver_id = $1) \
                 AND status IN ('requested', 'accepted', 'arrived', 'in_progress'))",
            )
            .await
            .map_err(map_err)?;
        let row = tx.query_one(&stmt, &[&id.0]).await.map_err(map_err)?;
        let (exists, busy): (bool, bool) = (row.get(0), row.get(1));
        if !exists {
            return Ok(false);
        }
        if busy {
            return Err(StoreError::Conflict("the account has an active trip"));
        }
        tx.execute(
            &tx.prepare_cached(
                // '!' is no PHC string: no password can match it again.
                "UPDATE users SET deleted_at = $2, password_hash = '!deleted' WHERE id = $1",
            )
            .await
            .map_err(map_err)?,
            &[&id.0, &now],
        )
        .await
        .map_err(map_err)?;
        tx.execute(
            &tx.prepare_cached("DELETE FROM refresh_tokens WHERE user_id = $1")
                .await
                .map_err(map_err)?,
            &[&id.0],
        )
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn trips_requested_since(
        &self,
        rider: UserId,
        since: DateTime<Utc>,
        cap: usize,
    ) -> StoreResult<usize> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT count(*) FROM (SELECT 1 FROM trips WHERE rider_id = $1 \
                 AND requested_at > $2 LIMIT $3) recent",
            )
            .await
            .map_err(map_err)?;
        let cap = i64::try_from(cap).unwrap_or(i64::MAX);
        let row = client
            .query_one(&stmt, &[&rider.0, &since, &cap])
            .await
            .map_err(map_err)?;
        Ok(usize::try_from(row.get::<_, i64>(0)).unwrap_or(0))
    }

    async fn insert_refresh_token(
        &self,
        token_hash: &[u8],
        user_id: UserId,
        family: uuid::Uuid,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "INSERT INTO refresh_tokens (token_hash, user_id, family, expires_at) VALUES ($1, $2, $3, $4)",
            )
            .await
            .map_err(map_err)?;
        client
            .execute(&stmt, &[&token_hash, &user_id.0, &family, &expires_at])
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn use_refresh_token(
        &self,
        token_hash: &[u8],
        now: DateTime<Utc>,
    ) -> StoreResult<Rotation> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "UPDATE refresh_tokens SET used_at = $2 \
                 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
                 RETURNING user_id, family",
            )
            .await
            .map_err(map_err)?;
        if let Some(row) = client
            .query_opt(&stmt, &[&token_hash, &now])
            .await
            .map_err(map_err)?
        {
            return Ok(Rotation::Rotated {
                user_id: UserId(row.get(0)),
                family: row.get(1),
            });
        }
        // Not usable: if it was used before, someone replayed it. Revoke
        // every live token of its family (the thief's and the owner's).
        let stmt = client
            .prepare_cached(
                "UPDATE refresh_tokens SET used_at = $2 WHERE used_at IS NULL AND family = \
                 (SELECT family FROM refresh_tokens WHERE token_hash = $1 AND used_at IS NOT NULL AND used_at < $2) \
                 RETURNING token_hash",
            )
            .await
            .map_err(map_err)?;
        let revoked = client
            .query(&stmt, &[&token_hash, &now])
            .await
            .map_err(map_err)?;
        let stmt = client
            .prepare_cached("SELECT used_at IS NOT NULL FROM refresh_tokens WHERE token_hash = $1")
            .await
            .map_err(map_err)?;
        let used: Option<bool> = client
            .query_opt(&stmt, &[&token_hash])
            .await
            .map_err(map_err)?
            .map(|r| r.get(0));
        Ok(if used == Some(true) || !revoked.is_empty() {
            Rotation::Reused
        } else {
            Rotation::Invalid
        })
    }

    async fn revoke_refresh_family(
        &self,
        token_hash: &[u8],
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "WITH t AS (SELECT family FROM refresh_tokens WHERE token_hash = $1), \
                 revoked AS (UPDATE refresh_tokens SET used_at = $2 \
                   WHERE used_at IS NULL AND family = (SELECT family FROM t) RETURNING 1) \
                 SELECT EXISTS (SELECT 1 FROM t), (SELECT count(*) FROM revoked)",
            )
            .await
            .map_err(map_err)?;
        let row = client
            .query_one(&stmt, &[&token_hash, &now])
            .await
            .map_err(map_err)?;
        Ok(row.get(0))
    }

    async fn create_trip(&self, trip: NewTrip) -> StoreResult<Trip> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let insert = tx
            .prepare_cached(
                "INSERT INTO trips (id, rider_id, status, pickup_lat, pickup_lng, pickup_address, \
                 dropoff_lat, dropoff_lng, dropoff_address, requested_at, node_id, \
                 dispatch_node, dispatch_lease_until) \
                 VALUES ($1, $2, 'requested', $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)",
            )
            .await
            .map_err(map_err)?;
        tx.execute(
            &insert,
            &[
                &trip.id.0,
                &trip.rider_id.0,
                &trip.pickup.lat,
                &trip.pickup.lng,
                &trip.pickup.address,
                &trip.dropoff.lat,
                &trip.dropoff.lng,
                &trip.dropoff.address,
                &trip.requested_at,
                &trip.node_id,
                &trip.lease_until,
            ],
        )
        .await
        .map_err(map_err)?;
        let event = tx
            .prepare_cached(
                "INSERT INTO trip_events (trip_id, from_status, to_status, actor_id, node_id, at) \
                 VALUES ($1, NULL, 'requested', $2, $3, $4)",
            )
            .await
            .map_err(map_err)?;
        tx.execute(
            &event,
            &[
                &trip.id.0,
                &trip.rider_id.0,
                &trip.node_id,
                &trip.requested_at,
            ],
        )
        .await
        .map_err(map_err)?;
        let stmt = tx
            .prepare_cached(&format!("{TRIP_SELECT} WHERE t.id = $1"))
            .await
            .map_err(map_err)?;
        let row = tx.query_one(&stmt, &[&trip.id.0]).await.map_err(map_err)?;
        let record = trip_from_row(&row)?;
        tx.commit().await.map_err(map_err)?;
        Ok(record.trip)
    }

    async fn trip(&self, id: TripId) -> StoreResult<Option<TripRecord>> {
        let mut rows = self
            .query_trips(&format!("{TRIP_SELECT} WHERE t.id = $1"), &[&id.0])
            .await?;
        Ok(rows.pop())
    }

    async fn active_trip(&self, user: UserId) -> StoreResult<Option<Trip>> {
        let sql = format!(
            "{TRIP_SELECT} WHERE (t.rider_id = $1 AND t.status IN {ACTIVE}) \
             OR (t.driver_id = $1 AND t.status IN ('accepted', 'arrived', 'in_progress')) \
             ORDER BY t.id DESC LIMIT 1"
        );
        let mut rows = self.query_trips(&sql, &[&user.0]).await?;
        Ok(rows.pop().map(|r| r.trip))
    }

    async fn list_trips(&self, filter: &TripFilter) -> StoreResult<Vec<Trip>> {
        let mut clauses = Vec::new();
        let mut params: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
        if let Some(user) = filter.participant {
            params.push(Box::new(user.0));
            clauses.push(format!(
                "(t.rider_id = ${0} OR t.driver_id = ${0})",
                params.len()
            ));
        }
        if let Some(status) = filter.status {
            params.push(Box::new(status.as_str()));
            clauses.push(format!("t.status = ${}", params.len()));
        }
        if let Some(before) = filter.before {
            params.push(Box::new(before.0));
            clauses.push(format!("t.id < ${}", params.len()));
        }
        params.push(Box::new(filter.limit as i64));
        let where_sql = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        let sql = format!(
            "{TRIP_SELECT}{where_sql} ORDER BY t.id DESC LIMIT ${}",
            params.len()
        );
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as _).collect();
        Ok(self
            .query_trips(&sql, &refs)
            .await?
            .into_iter()
            .map(|r| r.trip)
            .collect())
    }

    async fn transition(&self, t: &Transition) -> StoreResult<Option<Trip>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        if let Some(driver) = t.assign_driver {
            let stmt = tx
                .prepare_cached(
                    "UPDATE trip_offers SET outcome = 'accepted', ended_at = $3 \
                     WHERE trip_id = $1 AND driver_id = $2 AND outcome = 'pending'",
                )
                .await
                .map_err(map_err)?;
            if tx
                .execute(&stmt, &[&t.trip_id.0, &driver.0, &t.at])
                .await
                .map_err(map_err)?
                == 0
            {
                return Ok(None); // the offer ended meanwhile; dropping tx rolls back
            }
        }
        let update = tx
            .prepare_cached(
                "UPDATE trips SET status = $3, driver_id = COALESCE($4, driver_id), seq = seq + 1, \
                 accepted_at  = CASE WHEN $3 = 'accepted'    THEN $5 ELSE accepted_at END, \
                 arrived_at   = CASE WHEN $3 = 'arrived'     THEN $5 ELSE arrived_at END, \
                 started_at   = CASE WHEN $3 = 'in_progress' THEN $5 ELSE started_at END, \
                 completed_at = CASE WHEN $3 = 'completed'   THEN $5 ELSE completed_at END, \
                 cancelled_at = CASE WHEN $3 = 'cancelled'   THEN $5 ELSE cancelled_at END, \
                 expired_at   = CASE WHEN $3 = 'expired'     THEN $5 ELSE expired_at END, \
                 cancelled_by = COALESCE($6, cancelled_by), cancel_reason = COALESCE($7, cancel_reason) \
                 WHERE id = $1 AND status = $2",
            )
            .await
            .map_err(map_err)?;
        let changed = tx
            .execute(
                &update,
                &[
                    &t.trip_id.0,
                    &t.from.as_str(),
                    &t.to.as_str(),
                    &t.assign_driver.map(|d| d.0),
                    &t.at,
                    &t.cancelled_by.map(|c| c.as_str()),
                    &t.reason,
                ],
            )
            .await
            .map_err(map_err)?;
        if changed == 0 {
            return Ok(None);
        }
        let event = tx
            .prepare_cached(
                "INSERT INTO trip_events (trip_id, from_status, to_status, actor_id, reason, node_id, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .await
            .map_err(map_err)?;
        tx.execute(
            &event,
            &[
                &t.trip_id.0,
                &t.from.as_str(),
                &t.to.as_str(),
                &t.actor.map(|a| a.0),
                &t.reason,
                &t.node_id,
                &t.at,
            ],
        )
        .await
        .map_err(map_err)?;
        let stmt = tx
            .prepare_cached(&format!("{TRIP_SELECT} WHERE t.id = $1"))
            .await
            .map_err(map_err)?;
        let row = tx
            .query_one(&stmt, &[&t.trip_id.0])
            .await
            .map_err(map_err)?;
        let record = trip_from_row(&row)?;
        tx.commit().await.map_err(map_err)?;
        Ok(Some(record.trip))
    }

    async fn stranded_requests(
        &self,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<TripId>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT id FROM trips WHERE status = 'requested' AND requested_at < $1 ORDER BY id LIMIT $2",
            )
            .await
            .map_err(map_err)?;
        let rows = client
            .query(&stmt, &[&cutoff, &(limit as i64)])
            .await
            .map_err(map_err)?;
        Ok(rows.iter().map(|r| TripId(r.get(0))).collect())
    }

    async fn renew_lease(
        &self,
        trip: TripId,
        node: &str,
        until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "UPDATE trips SET dispatch_lease_until = $3 \
                 WHERE id = $1 AND status = 'requested' AND dispatch_node = $2",
            )
            .await
            .map_err(map_err)?;
        let n = client
            .execute(&stmt, &[&trip.0, &node, &until])
            .await
            .map_err(map_err)?;
        Ok(n == 1)
    }

    async fn release_lease(&self, trip: TripId, node: &str, now: DateTime<Utc>) -> StoreResult<()> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "UPDATE trips SET dispatch_lease_until = $3 \
                 WHERE id = $1 AND status = 'requested' AND dispatch_node = $2",
            )
            .await
            .map_err(map_err)?;
        client
            .execute(&stmt, &[&trip.0, &node, &now])
            .await
            .map_err(map_err)?;
        Ok(())
    }

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
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let id = TripId(row.get(0));
            let rounds_done = row.get::<_, i32>(1).max(0) as u32;
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
        let client = self.client().await?;
        let stmt = client
            .prepare_cached("SELECT outcome FROM trip_offers WHERE trip_id = $1 AND driver_id = $2")
            .await
            .map_err(map_err)?;
        let row = client
            .query_opt(&stmt, &[&trip.0, &driver.0])
            .await
            .map_err(map_err)?;
        Ok(row.map(|r| OfferStatus::parse(r.get::<_, &str>(0))))
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
        let ids: Vec<uuid::Uuid> = candidates.iter().map(|c| c.driver_id.0).collect();
        let distances: Vec<f64> = candidates.iter().map(|c| c.distance_m).collect();
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "INSERT INTO trip_offers (trip_id, driver_id, round, distance_m, offered_at, expires_at) \
                 SELECT $1, c.driver_id, $2, c.distance_m, $3, $4 \
                 FROM unnest($5::uuid[], $6::float8[]) AS c (driver_id, distance_m) \
                 WHERE EXISTS (SELECT 1 FROM trips WHERE id = $1 AND status = 'requested') \
                   AND NOT EXISTS (SELECT 1 FROM trips a WHERE a.driver_id = c.driver_id \
                                   AND a.status IN ('accepted', 'arrived', 'in_progress')) \
                 ON CONFLICT (trip_id, driver_id) DO UPDATE SET round = EXCLUDED.round, \
                   distance_m = EXCLUDED.distance_m, offered_at = EXCLUDED.offered_at, \
                   expires_at = EXCLUDED.expires_at, outcome = 'pending', ended_at = NULL \
                 WHERE trip_offers.outcome = 'expired' \
                 RETURNING driver_id, distance_m",
            )
            .await
            .map_err(map_err)?;
        let round = round as i32;
        let rows = client
            .query(
                &stmt,
                &[&trip.0, &round, &offered_at, &expires_at, &ids, &distances],
            )
            .await
            .map_err(map_err)?;
        let mut offered: Vec<Candidate> = rows
            .iter()
            .map(|r| Candidate {
                driver_id: UserId(r.get(0)),
                distance_m: r.get(1),
            })
            .collect();
        offered.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
        Ok(offered)
    }

    async fn end_offers(
        &self,
        trip: TripId,
        drivers: Option<&[UserId]>,
        end: OfferEnd,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<UserId>> {
        let ids: Option<Vec<uuid::Uuid>> = drivers.map(|d| d.iter().map(|u| u.0).collect());
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "UPDATE trip_offers SET outcome = $2, ended_at = $3 \
                 WHERE trip_id = $1 AND outcome = 'pending' \
                   AND ($4::uuid[] IS NULL OR driver_id = ANY($4)) \
                 RETURNING driver_id",
            )
            .await
            .map_err(map_err)?;
        let rows = client
            .query(&stmt, &[&trip.0, &end.as_str(), &at, &ids])
            .await
            .map_err(map_err)?;
        Ok(rows.iter().map(|r| UserId(r.get(0))).collect())
    }

    async fn insert_points(&self, points: &[GpsPoint]) -> StoreResult<()> {
        if points.is_empty() {
            return Ok(());
        }
        let client = self.client().await?;
        let sink = client
            .copy_in(
                "COPY gps_points (trip_id, driver_id, lat, lng, heading, speed, at, received_at) \
                 FROM STDIN BINARY",
            )
            .await
            .map_err(map_err)?;
        let types = [
            Type::UUID,
            Type::UUID,
            Type::FLOAT8,
            Type::FLOAT8,
            Type::FLOAT8,
            Type::FLOAT8,
            Type::TIMESTAMPTZ,
            Type::TIMESTAMPTZ,
        ];
        let writer = BinaryCopyInWriter::new(sink, &types);
        futures_util::pin_mut!(writer);
        for p in points {
            writer
                .as_mut()
                .write(&[
                    &p.trip_id.0,
                    &p.driver_id.0,
                    &p.lat,
                    &p.lng,
                    &p.heading,
                    &p.speed,
                    &p.at,
                    &p.received_at,
                ])
                .await
                .map_err(map_err)?;
        }
        // Without finish() the COPY is never committed (FACTS.md).
        writer.finish().await.map_err(map_err)?;
        Ok(())
    }

    async fn track(&self, trip: TripId) -> StoreResult<Vec<TrackPoint>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached("SELECT lat, lng, at FROM gps_points WHERE trip_id = $1 ORDER BY id")
            .await
            .map_err(map_err)?;
        let rows = client.query(&stmt, &[&trip.0]).await.map_err(map_err)?;
        Ok(rows
            .iter()
            .map(|r| TrackPoint {
                lat: r.get(0),
                lng: r.get(1),
                at: r.get(2),
            })
            .collect())
    }

    async fn record_round(&self, r: &RoundRecord) -> StoreResult<()> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "INSERT INTO dispatch_rounds (trip_id, round, radius_m, found, node_id, at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            )
            .await
            .map_err(map_err)?;
        client
            .execute(
                &stmt,
                &[
                    &r.trip_id.0,
                    &(r.round as i32),
                    &r.radius_m,
                    &(r.found as i32),
                    &r.node_id,
                    &r.at,
                ],
            )
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn trip_counts(&self) -> StoreResult<hail_protocol::monitor::TripCounts> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached("SELECT status, count(*) FROM trips GROUP BY status")
            .await
            .map_err(map_err)?;
        let mut counts = hail_protocol::monitor::TripCounts::default();
        for row in client.query(&stmt, &[]).await.map_err(map_err)? {
            if let Some(status) = TripStatus::parse(row.get::<_, &str>(0)) {
                counts.set(status, row.get::<_, i64>(1).max(0) as u64);
            }
        }
        Ok(counts)
    }

    async fn dispatches(
        &self,
        outcome: Option<hail_protocol::monitor::DispatchOutcome>,
        limit: usize,
    ) -> StoreResult<Vec<hail_protocol::monitor::Dispatch>> {
        use dispatch_log::{outcome_clause, DISPATCH_SELECT};
        let sql = match outcome {
            Some(o) => format!(
                "{DISPATCH_SELECT} WHERE {} ORDER BY t.id DESC LIMIT $1",
                outcome_clause(o)
            ),
            None => format!("{DISPATCH_SELECT} ORDER BY t.id DESC LIMIT $1"),
        };
        let client = self.client().await?;
        let stmt = client.prepare_cached(&sql).await.map_err(map_err)?;
        let rows = client
            .query(&stmt, &[&(limit as i64)])
            .await
            .map_err(map_err)?;
        rows.iter().map(dispatch_from_row).collect()
    }

    async fn active_trips(
        &self,
        limit: usize,
    ) -> StoreResult<Vec<hail_protocol::monitor::MapTrip>> {
        let client = self.client().await?;
        let sql = format!("{} LIMIT $1", dispatch_log::ACTIVE_TRIPS);
        let stmt = client.prepare_cached(&sql).await.map_err(map_err)?;
        let rows = client
            .query(&stmt, &[&(limit as i64)])
            .await
            .map_err(map_err)?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some(hail_protocol::monitor::MapTrip {
                    trip_id: TripId(r.get(0)),
                    status: TripStatus::parse(r.get(1))?,
                    pickup: hail_protocol::Position {
                        lat: r.get(2),
                        lng: r.get(3),
                    },
                    dropoff: hail_protocol::Position {
                        lat: r.get(4),
                        lng: r.get(5),
                    },
                    driver: match (r.get(6), r.get(7), r.get(8)) {
                        (Some(lat), Some(lng), Some(at)) => {
                            Some(hail_protocol::monitor::MapPoint { lat, lng, at })
                        }
                        _ => None,
                    },
                })
            })
            .collect())
    }

    async fn dispatch_detail(
        &self,
        trip: TripId,
    ) -> StoreResult<Option<hail_protocol::monitor::DispatchDetail>> {
        use hail_protocol::monitor::{DispatchDetail, TimelineEvent};
        let client = self.client().await?;
        let sql = format!("{} WHERE t.id = $1", dispatch_log::DISPATCH_SELECT);
        let stmt = client.prepare_cached(&sql).await.map_err(map_err)?;
        let Some(row) = client.query_opt(&stmt, &[&trip.0]).await.map_err(map_err)? else {
            return Ok(None);
        };
        let dispatch = dispatch_from_row(&row)?;
        let stmt = client
            .prepare_cached(
                "SELECT from_status, to_status, node_id, at FROM trip_events WHERE trip_id = $1 ORDER BY id",
            )
            .await
            .map_err(map_err)?;
        let statuses = client
            .query(&stmt, &[&trip.0])
            .await
            .map_err(map_err)?
            .iter()
            .filter_map(|r| {
                Some(TimelineEvent::Status {
                    at: r.get(3),
                    from: r.get::<_, Option<&str>>(0).and_then(TripStatus::parse),
                    to: TripStatus::parse(r.get(1))?,
                    node: r.get(2),
                })
            })
            .collect();
        let stmt = client
            .prepare_cached(
                "SELECT round, radius_m, found, node_id, at FROM dispatch_rounds WHERE trip_id = $1 ORDER BY round",
            )
            .await
            .map_err(map_err)?;
        let rounds = client
            .query(&stmt, &[&trip.0])
            .await
            .map_err(map_err)?
            .iter()
            .map(|r| TimelineEvent::Round {
                round: r.get::<_, i32>(0).max(0) as u32,
                radius_m: r.get(1),
                found: r.get::<_, i32>(2).max(0) as u32,
                node: r.get(3),
                at: r.get(4),
            })
            .collect();
        let stmt = client
            .prepare_cached(
                "SELECT o.driver_id, u.name, o.round, o.distance_m, o.offered_at, o.outcome, o.ended_at \
                 FROM trip_offers o JOIN users u ON u.id = o.driver_id WHERE o.trip_id = $1",
            )
            .await
            .map_err(map_err)?;
        let offers = client
            .query(&stmt, &[&trip.0])
            .await
            .map_err(map_err)?
            .iter()
            .map(|r| dispatch_log::OfferRow {
                driver_id: UserId(r.get(0)),
                driver_name: r.get(1),
                round: r.get::<_, i32>(2).max(0) as u32,
                distance_m: r.get(3),
                offered_at: r.get(4),
                outcome: r.get(5),
                ended_at: r.get(6),
            })
            .collect();
        Ok(Some(DispatchDetail {
            dispatch,
            timeline: dispatch_log::timeline(statuses, rounds, offers),
        }))
    }
}

fn dispatch_from_row(r: &Row) -> StoreResult<hail_protocol::monitor::Dispatch> {
    let status: &str = r.get(1);
    let status = TripStatus::parse(status)
        .ok_or_else(|| StoreError::Internal(format!("bad trip status {status}")))?;
    Ok(dispatch_log::DispatchColumns {
        trip_id: TripId(r.get(0)),
        status,
        requested_at: r.get(2),
        accepted_at: r.get(3),
        has_driver: r.get(4),
        node: r.get(5),
        rounds: r.get(6),
        radius_m: r.get(7),
        offered: r.get(8),
        declined: r.get(9),
    }
    .into())
}
