//! Sign-up, log-in, refresh rotation, and tokens refused on HTTP and before
//! the WebSocket upgrade.

use crate::helpers::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hail_protocol::http::TokenResponse;
use hail_protocol::{ErrorBody, ErrorCode, Role, UserId};
use hail_server::auth::tokens::Claims;
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::json;

on_both_backends! {
    async fn signup_login_me_and_errors(backend) {
    let app = spawn_app(backend).await;
    let user = app.signup(Role::Driver).await;
    assert_eq!(user.role, Role::Driver);

    let dup = post_json(
        &app,
        "/api/auth/signup",
        json!({"username": user.username, "password": PASSWORD, "role": "rider"}),
    )
    .await;
    assert_eq!(dup.status(), 409);
    assert_eq!(error_code(dup).await, ErrorCode::Conflict);

    for bad in [
        json!({"username": "ok_name", "password": "short", "role": "rider"}),
        json!({"username": "ok_name2", "password": PASSWORD, "role": "admin"}),
        json!({"username": "a", "password": PASSWORD, "role": "rider"}),
        json!({"username": "ok_name3", "password": PASSWORD, "role": "pilot"}),
        json!({"username": "ok_name4", "password": 12345678, "role": "rider"}),
        json!({"username": "ok_name5", "role": "rider"}),
    ] {
        let res = post_json(&app, "/api/auth/signup", bad.clone()).await;
        assert_eq!(res.status(), 422, "{bad}");
        assert_eq!(error_code(res).await, ErrorCode::Invalid);
    }
    let not_json = app
        .http()
        .post(app.url("/api/auth/signup"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("POST");
    assert_eq!(not_json.status(), 400);
    assert_eq!(error_code(not_json).await, ErrorCode::Invalid);

    let wrong = post_json(
        &app,
        "/api/auth/login",
        json!({"username": user.username, "password": "wrong-password"}),
    )
    .await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(error_code(wrong).await, ErrorCode::Unauthorized);
    let nobody = post_json(
        &app,
        "/api/auth/login",
        json!({"username": "nobody_here", "password": PASSWORD}),
    )
    .await;
    assert_eq!(nobody.status(), 401);

    let tokens = app.login(&user.username).await;
    assert_eq!(tokens.token_type, "Bearer");
    assert!(tokens.expires_in > 0);
    let me = app.get("/api/me", &tokens.access_token).await;
    assert_eq!(me.status(), 200);
    let me: hail_protocol::http::UserResponse = me.json().await.expect("me");
    assert_eq!(me.user, user);
}
}

on_both_backends! {
    async fn refresh_rotates_and_a_replayed_token_revokes_the_family(backend) {
    let app = spawn_app(backend).await;
    let user = app.user(Role::Rider).await;
    let first = user.tokens.refresh_token.clone();

    let res = post_json(&app, "/api/auth/refresh", json!({"refresh_token": first})).await;
    assert_eq!(res.status(), 200);
    let second: TokenResponse = res.json().await.expect("tokens");
    assert_ne!(second.refresh_token, first);
    assert_eq!(second.user.id, user.user.id);
    assert_eq!(app.get("/api/me", &second.access_token).await.status(), 200);

    // The used token stops working...
    let replay = post_json(&app, "/api/auth/refresh", json!({"refresh_token": first})).await;
    assert_eq!(replay.status(), 401);
    assert_eq!(error_code(replay).await, ErrorCode::Unauthorized);
    // ...and replaying it revoked the newer token of the same log-in.
    let after = post_json(
        &app,
        "/api/auth/refresh",
        json!({"refresh_token": second.refresh_token}),
    )
    .await;
    assert_eq!(after.status(), 401);

    let unknown = post_json(
        &app,
        "/api/auth/refresh",
        json!({"refresh_token": "made-up"}),
    )
    .await;
    assert_eq!(unknown.status(), 401);
}
}

fn token_with(secret: &str, exp_offset: i64, user: UserId) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: user,
        role: Role::Rider,
        iat: now as u64,
        exp: (now + exp_offset) as u64,
    };
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign")
}

fn unsigned_token(user: UserId) -> String {
    let now = chrono::Utc::now().timestamp() as u64;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let claims = Claims {
        sub: user,
        role: Role::Rider,
        iat: now,
        exp: now + 600,
    };
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("json"));
    format!("{header}.{body}.")
}

on_both_backends! {
    async fn forged_unsigned_expired_and_missing_tokens_are_refused(backend) {
    let app = spawn_app(backend).await;
    let user = app.user(Role::Rider).await;
    let id = user.user.id;
    let bad_tokens = [
        (
            "forged",
            token_with("some-other-secret-some-other-secret!!", 600, id),
        ),
        ("alg none", unsigned_token(id)),
        ("expired", token_with(SECRET, -120, id)),
        ("garbage", "not.a.token".to_string()),
    ];
    // The same secret and a live expiry work: the refusals are about the token.
    assert_eq!(
        app.get("/api/me", &token_with(SECRET, 600, id))
            .await
            .status(),
        200
    );

    for (what, token) in &bad_tokens {
        let res = app.get("/api/me", token).await;
        assert_eq!(res.status(), 401, "{what} on HTTP");
        assert_eq!(error_code(res).await, ErrorCode::Unauthorized);
        match tokio_tungstenite::connect_async(app.ws_url(token)).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
                assert_eq!(res.status(), 401, "{what} on /ws")
            }
            other => panic!("{what}: the upgrade must be refused, got {other:?}"),
        }
    }
    let missing = app
        .http()
        .get(app.url("/api/me"))
        .send()
        .await
        .expect("GET");
    assert_eq!(missing.status(), 401);
    let no_token = format!("{}/ws", app.addr.replacen("http", "ws", 1));
    match tokio_tungstenite::connect_async(no_token).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 401),
        other => panic!("missing token must be refused, got {other:?}"),
    }
    let trips = app.get("/api/trips", "nope").await;
    assert_eq!(trips.status(), 401);
}
}

on_both_backends! {
    async fn probes_and_metrics(backend) {
    let app = spawn_app(backend).await;
    assert_eq!(
        app.http()
            .get(app.url("/healthz"))
            .send()
            .await
            .expect("GET")
            .status(),
        200
    );
    let ready = app
        .http()
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("GET");
    assert_eq!(ready.status(), 200);
    let (_d, mut ws) = app.connect(Role::Driver).await;
    ws.ok(location(CENTRE)).await;
    let text = app.metrics_text().await;
    assert!(
        text.contains("hail_connections{role=\"driver\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("hail_messages_in_total{type=\"location\"}"),
        "{text}"
    );
    let unknown = app
        .http()
        .get(app.url("/api/nothing-here"))
        .send()
        .await
        .expect("GET");
    assert_eq!(unknown.status(), 404);
    assert_eq!(error_code(unknown).await, ErrorCode::NotFound);
}
}

on_both_backends! {
    async fn common_passwords_and_the_username_as_password_are_refused(backend) {
    let app = spawn_app(backend).await;
    for (username, password) in [
        ("weak_one", "password123"),
        ("weak_two", "Password1"),
        ("weak_three", "iloveyou"),
        ("CasePass", "casepass"),
        ("dora_rides", "my-dora_rides-pw"),
    ] {
        let res = post_json(
            &app,
            "/api/auth/signup",
            json!({"username": username, "password": password, "role": "rider"}),
        )
        .await;
        assert_eq!(res.status(), 422, "{username} / {password}");
        let body: ErrorBody = res.json().await.expect("error body");
        assert_eq!(body.error.code, ErrorCode::Invalid);
        assert!(body.error.message.starts_with("password:"), "{}", body.error.message);
    }
    let fine = post_json(
        &app,
        "/api/auth/signup",
        json!({"username": "strong_one", "password": PASSWORD, "role": "rider"}),
    )
    .await;
    assert_eq!(fine.status(), 201);
}
}

on_both_backends! {
    async fn usernames_are_unique_and_log_in_case_insensitively(backend) {
    let app = spawn_app(backend).await;
    let signup = |username: &'static str| {
        post_json(
            &app,
            "/api/auth/signup",
            json!({"username": username, "password": PASSWORD, "role": "rider"}),
        )
    };
    assert_eq!(signup("ann").await.status(), 201);
    let again = signup("Ann").await;
    assert_eq!(again.status(), 409);
    assert_eq!(error_code(again).await, ErrorCode::Conflict);
    let tokens = app.login("ANN").await;
    assert_eq!(tokens.user.username, "ann", "the account as signed up");
}
}
