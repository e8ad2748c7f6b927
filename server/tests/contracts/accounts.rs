//! The account rules every store keeps (issue 11): usernames unique and
//! found case-insensitively; a log-out revokes a whole refresh family.

use chrono::{Duration, Utc};
use hail_protocol::{Role, UserId};
use hail_server::store::sqlite::SqliteStore;
use hail_server::store::*;

fn new_user(username: &str) -> NewUser {
    NewUser {
        id: UserId::new(),
        username: username.into(),
        password_hash: "h".into(),
        role: Role::Rider,
        name: "Ann".into(),
    }
}

async fn accounts(store: &dyn Store) {
    // `Ann` after `ann` is taken; log-in finds the account in any case.
    let lower = crate::unique("ann");
    let ann = store.create_user(new_user(&lower)).await.expect("create");
    let clash = store.create_user(new_user(&lower.to_uppercase())).await;
    assert!(
        matches!(clash, Err(StoreError::Conflict("username is taken"))),
        "{clash:?}"
    );
    let (found, _) = store
        .user_by_username(&lower.to_uppercase())
        .await
        .expect("q")
        .expect("found in any case");
    assert_eq!(found, ann, "the stored spelling is kept");

    // Log-out: the family goes, other families stay, again is fine.
    let later = Utc::now() + Duration::days(1);
    let (family, other) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    for (hash, fam) in [(&b"f1"[..], family), (b"f2", family), (b"o1", other)] {
        store
            .insert_refresh_token(hash, ann.id, fam, later)
            .await
            .expect("insert");
    }
    assert!(store
        .revoke_refresh_family(b"f1", Utc::now())
        .await
        .expect("revoke"));
    for hash in [&b"f1"[..], b"f2"] {
        let used = store
            .use_refresh_token(hash, Utc::now())
            .await
            .expect("use");
        assert!(
            !matches!(used, Rotation::Rotated { .. }),
            "revoked: {used:?}"
        );
    }
    assert_eq!(
        store
            .use_refresh_token(b"o1", Utc::now())
            .await
            .expect("use"),
        Rotation::Rotated {
            user_id: ann.id,
            family: other
        },
        "another log-in of the same user stays"
    );
    assert!(
        store
            .revoke_refresh_family(b"f2", Utc::now())
            .await
            .expect("revoke"),
        "idempotent"
    );
    assert!(!store
        .revoke_refresh_family(b"never-issued", Utc::now())
        .await
        .expect("revoke"));
}

#[tokio::test]
async fn postgres_store_keeps_the_account_rules() {
    let db = crate::TestDb::create("hail_accounts").await;
    accounts(&db.store).await;
    db.drop_now().await;
}

#[tokio::test]
async fn sqlite_store_keeps_the_account_rules() {
    let dir = tempfile::tempdir().expect("dir");
    let store = SqliteStore::open(dir.path()).expect("open");
    accounts(&store).await;
}

/// Accounts that differ only in case, made before the unique index
/// existed, stop the migration with a message instead of being renamed.
#[tokio::test]
async fn postgres_migration_names_usernames_that_clash_in_case() {
    let db = crate::unique("hail_clash");
    let (admin, conn) = tokio_postgres::connect(crate::PG_ADMIN, tokio_postgres::NoTls)
        .await
        .expect("Postgres");
    tokio::spawn(conn);
    admin
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .await
        .expect("create db");
    let url = format!("postgres://postgres@127.0.0.1:5432/{db}");
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    // The schema as V1 made it, with two accounts V5 cannot both keep.
    client
        .batch_execute(include_str!("../../migrations/postgres/V1__initial.sql"))
        .await
        .expect("V1 by hand");
    client
        .batch_execute(
            "INSERT INTO users (id, username, password_hash, role, name) VALUES \
             (gen_random_uuid(), 'ann', 'h', 'rider', 'A'), \
             (gen_random_uuid(), 'Ann', 'h', 'rider', 'B')",
        )
        .await
        .expect("clashing users");
    let err = client
        .batch_execute(include_str!(
            "../../migrations/postgres/V5__username_case_insensitive.sql"
        ))
        .await
        .expect_err("the migration must stop");
    let why = err
        .as_db_error()
        .map(|d| d.message().to_string())
        .unwrap_or_default();
    assert!(why.contains("differ only in case: ann"), "{why}");
    drop(client);
    admin
        .batch_execute(&format!("DROP DATABASE {db} WITH (FORCE)"))
        .await
        .expect("drop db");
}
