//! Accounts and refresh tokens on SQLite.

use super::*;
use rusqlite::{params, OptionalExtension, Row};

fn user_from_row(row: &Row) -> rusqlite::Result<User> {
    rows::user(row)
}

#[async_trait]
impl UserStore for SqliteStore {
    // Own SQL: `created_at` is i64 micros set here (Postgres defaults to now()).
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
            c.prepare_cached(lite!(sql::USER_BY_USERNAME))?
                .query_row([username], |r| Ok((user_from_row(r)?, r.get(4)?)))
                .optional()
        })
        .await
    }

    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>> {
        self.run(move |c| {
            c.prepare_cached(lite!(sql::USER_BY_ID))?
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
                let (exists, busy): (bool, bool) =
                    tx.prepare_cached(lite!(sql::USER_DELETABLE))?
                        .query_row([&id], |r| Ok((r.get(0)?, r.get(1)?)))?;
                if !exists || busy {
                    return Ok((exists, busy));
                }
                tx.prepare_cached(lite!(sql::USER_SOFT_DELETE))?
                    .execute(params![id, us(now)])?;
                tx.prepare_cached(lite!(sql::USER_TOKENS_DELETE))?
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

    // Own SQL: `created_at` is i64 micros set here (Postgres defaults to now()).
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

    // Own SQL: read then update in one transaction (Postgres: UPDATE ... RETURNING).
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

    // Own SQL: two statements in a transaction (Postgres: one writable CTE).
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
}
