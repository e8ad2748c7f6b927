//! Revocation (issue 11): log-out revokes the refresh family, and a deleted
//! user's unexpired access token opens no REST route.

use crate::helpers::*;
use hail_protocol::http::TokenResponse;
use hail_protocol::{ErrorCode, Role, TripId, UserId};
use serde_json::json;

on_both_backends! {
    async fn logout_revokes_the_whole_refresh_family(backend) {
    let app = spawn_app(backend).await;
    let user = app.user(Role::Rider).await;
    let first = user.tokens.refresh_token.clone();
    let res = post_json(&app, "/api/auth/refresh", json!({"refresh_token": first})).await;
    assert_eq!(res.status(), 200);
    let second: TokenResponse = res.json().await.expect("tokens");
    // Another log-in of the same user: a family of its own.
    let other = app.login(&user.user.username).await;

    // Logging out with the first (already used) token ends the family...
    let out = post_json(&app, "/api/auth/logout", json!({"refresh_token": first})).await;
    assert_eq!(out.status(), 204);
    for token in [&first, &second.refresh_token] {
        let res = post_json(&app, "/api/auth/refresh", json!({"refresh_token": token})).await;
        assert_eq!(res.status(), 401, "revoked with its family");
        assert_eq!(error_code(res).await, ErrorCode::Unauthorized);
    }
    // ...again is fine (204), an unknown token is 401, the other log-in stays.
    let again = post_json(&app, "/api/auth/logout", json!({"refresh_token": second.refresh_token})).await;
    assert_eq!(again.status(), 204);
    let unknown = post_json(&app, "/api/auth/logout", json!({"refresh_token": "made-up"})).await;
    assert_eq!(unknown.status(), 401);
    let res = post_json(&app, "/api/auth/refresh", json!({"refresh_token": other.refresh_token})).await;
    assert_eq!(res.status(), 200, "another device's log-in is untouched");
    let missing = post_json(&app, "/api/auth/logout", json!({})).await;
    assert_eq!(missing.status(), 422);
}
}

/// Deletes a user's rows behind the server's back, as an operator (or the
/// coming soft deletion) would: the server must cope.
async fn delete_user(app: &TestApp, id: UserId) {
    match app.env.sqlite_path() {
        Some(path) => {
            let conn = rusqlite::Connection::open(path).expect("open the embedded store");
            conn.busy_timeout(std::time::Duration::from_secs(5))
                .expect("busy timeout");
            conn.execute_batch(&format!(
                "DELETE FROM refresh_tokens WHERE user_id = '{id}'; DELETE FROM users WHERE id = '{id}';"
            ))
            .expect("delete the user");
        }
        None => {
            let (client, conn) =
                tokio_postgres::connect(&app.env.database_url(), tokio_postgres::NoTls)
                    .await
                    .expect("Postgres");
            tokio::spawn(conn);
            client
                .execute("DELETE FROM refresh_tokens WHERE user_id = $1", &[&id.0])
                .await
                .expect("delete tokens");
            let gone = client
                .execute("DELETE FROM users WHERE id = $1", &[&id.0])
                .await
                .expect("delete the user");
            assert_eq!(gone, 1);
        }
    }
}

on_both_backends! {
    async fn a_deleted_users_token_is_refused_on_every_rest_route(backend) {
    let app = spawn_app(backend).await;
    let rider = app.user(Role::Rider).await;
    let admin = app.admin().await;
    let trip = TripId::new();
    let rider_routes = [
        "/api/me".to_string(),
        "/api/trips".to_string(),
        format!("/api/trips/{trip}"),
        format!("/api/trips/{trip}/track"),
    ];
    // While they exist the tokens work (a made-up trip is 404, not 401).
    assert_eq!(app.get("/api/me", rider.token()).await.status(), 200);
    assert_eq!(app.get("/api/monitor/overview", admin.token()).await.status(), 200);

    delete_user(&app, rider.user.id).await;
    delete_user(&app, admin.user.id).await;
    for path in &rider_routes {
        let res = app.get(path, rider.token()).await;
        assert_eq!(res.status(), 401, "{path}");
        assert_eq!(error_code(res).await, ErrorCode::Unauthorized, "{path}");
    }
    let res = app.get("/api/monitor/overview", admin.token()).await;
    assert_eq!(res.status(), 401, "a deleted admin");
    let res = post_json(&app, "/api/auth/refresh", json!({"refresh_token": rider.tokens.refresh_token})).await;
    assert_eq!(res.status(), 401);
}
}
