//! Accounts and refresh tokens on Postgres.

use super::*;
use tokio_postgres::Row;

fn user_from_row(row: &Row) -> StoreResult<User> {
    rows::user(row)
}

#[async_trait]
impl UserStore for PgStore {
    // Own SQL: `created_at` defaults to now() here; SQLite stores micros set by the caller.
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
            .prepare_cached(sql::USER_BY_USERNAME)
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
            .prepare_cached(sql::USER_BY_ID)
            .await
            .map_err(map_err)?;
        let row = client.query_opt(&stmt, &[&id.0]).await.map_err(map_err)?;
        row.map(|r| user_from_row(&r)).transpose()
    }

    async fn delete_user(&self, id: UserId, now: DateTime<Utc>) -> StoreResult<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_err)?;
        let stmt = tx
            .prepare_cached(sql::USER_DELETABLE)
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
            &tx.prepare_cached(sql::USER_SOFT_DELETE)
                .await
                .map_err(map_err)?,
            &[&id.0, &now],
        )
        .await
        .map_err(map_err)?;
        tx.execute(
            &tx.prepare_cached(sql::USER_TOKENS_DELETE)
                .await
                .map_err(map_err)?,
            &[&id.0],
        )
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    // Own SQL: `created_at` defaults to now() here (SQLite: set by the caller).
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

    // Own SQL: conditional UPDATE ... RETURNING, no transaction (SQLite: one transaction).
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

    // Own SQL: a writable CTE, which SQLite lacks (there: a transaction).
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
}
