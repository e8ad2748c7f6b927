//! Failed log-ins are throttled per username and per IP (429 with
//! `Retry-After`, before any hashing), and the hashing queue is bounded:
//! abandoned log-ins are skipped and a flood past the queue gets 503.
//! Clients bind 127.0.0.x source addresses to be different IPs.

use crate::helpers::*;
use hail_protocol::{ErrorBody, ErrorCode, Role};
use serde_json::json;
use std::net::IpAddr;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// A client whose requests come from 127.0.0.`last`.
fn from(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::from([127, 0, 0, last]))
        .build()
        .expect("client")
}

async fn log_in(
    app: &TestApp,
    http: &reqwest::Client,
    username: &str,
    password: &str,
) -> reqwest::Response {
    http.post(app.url("/api/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .expect("POST /api/auth/login")
}

async fn status(app: &TestApp, http: &reqwest::Client, username: &str, password: &str) -> u16 {
    log_in(app, http, username, password)
        .await
        .status()
        .as_u16()
}

/// Asserts a 429 `rate_limited` with a `Retry-After` inside the window.
async fn assert_throttled(res: reqwest::Response, what: &str) {
    assert_eq!(res.status(), 429, "{what}");
    let retry: u64 = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{what}: Retry-After in seconds"));
    assert!((1..=900).contains(&retry), "{what}: Retry-After {retry}");
    let body: ErrorBody = res.json().await.expect("error body");
    assert_eq!(body.error.code, ErrorCode::RateLimited, "{what}");
}

const RIGHT: &str = "hail-test-pass-7291";
const WRONG: &str = "not-the-password-1";

on_both_backends! {
    async fn failed_log_ins_are_throttled_per_ip_and_per_username(backend) {
    let app = spawn_app(backend).await; // 10 per username, 20 per IP, 900 s
    let ann = app.signup(Role::Rider).await;

    // Per IP: 20 wrong log-ins over 20 usernames from .4, then even Ann's
    // right password is refused from there, but not from .5.
    let ip4 = from(4);
    for i in 0..20 {
        assert_eq!(status(&app, &ip4, &format!("nobody_{i}"), WRONG).await, 401, "#{i}");
    }
    assert_throttled(log_in(&app, &ip4, &ann.username, RIGHT).await, "IP .4").await;
    assert_eq!(status(&app, &from(5), &ann.username, RIGHT).await, 200);

    // Per username: 10 wrong from .2; the 11th is refused even with the
    // right password, from .2 and from .3 alike (the account is what the
    // guesses were aimed at, whichever addresses they come from).
    let bob = app.signup(Role::Driver).await;
    let ip2 = from(2);
    for i in 0..10 {
        assert_eq!(status(&app, &ip2, &bob.username, WRONG).await, 401, "#{i}");
    }
    assert_throttled(log_in(&app, &ip2, &bob.username, RIGHT).await, "user from .2").await;
    let upper = bob.username.to_uppercase();
    assert_throttled(log_in(&app, &from(3), &upper, RIGHT).await, "user from .3").await;
    assert!(app.metric("hail_login_throttled_total").await >= Some(3.0));
}
}

on_both_backends! {
    async fn a_success_clears_only_its_own_ips_failures(backend) {
    let app = spawn_app(backend).await;
    let cid = app.signup(Role::Rider).await;
    let (ip6, ip7) = (from(6), from(7));
    // 9 wrong from .6; a success from .7 must not wipe them...
    for _ in 0..9 {
        assert_eq!(status(&app, &ip6, &cid.username, WRONG).await, 401);
    }
    assert_eq!(status(&app, &ip7, &cid.username, RIGHT).await, 200);
    // ...so the 10th wrong one from .6 locks the username.
    assert_eq!(status(&app, &ip6, &cid.username, WRONG).await, 401);
    assert_throttled(log_in(&app, &ip7, &cid.username, RIGHT).await, "10 from .6").await;

    // A success from the same IP clears that IP's failures for the username:
    // someone who mistyped 9 times and got in is not locked out later.
    let dee = app.signup(Role::Rider).await;
    let ip8 = from(8);
    for _ in 0..9 {
        assert_eq!(status(&app, &ip8, &dee.username, WRONG).await, 401);
    }
    assert_eq!(status(&app, &ip8, &dee.username, RIGHT).await, 200);
    for _ in 0..9 {
        assert_eq!(status(&app, &ip8, &dee.username, WRONG).await, 401);
    }
    assert_eq!(status(&app, &ip8, &dee.username, RIGHT).await, 200);
}
}

async fn log_in_forwarded(app: &TestApp, forwarded_for: &str, username: &str) -> reqwest::Response {
    app.http()
        .post(app.url("/api/auth/login"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"username": username, "password": WRONG}))
        .send()
        .await
        .expect("POST /api/auth/login")
}

on_both_backends! {
    async fn forwarded_for_counts_only_when_trusted(backend) {
    // Untrusted (the default): a client varying X-Forwarded-For is still
    // counted as its TCP peer.
    let app = spawn_app(backend).await;
    for i in 0..20 {
        let res = log_in_forwarded(&app, &format!("10.0.0.{i}"), &format!("u_{i}")).await;
        assert_eq!(res.status(), 401);
    }
    assert_throttled(log_in_forwarded(&app, "10.9.9.9", "u_x").await, "spoofing").await;

    // Trusted (behind our proxy): the right-most entry is the client.
    let app = spawn_with(backend, Settings::default().set("HAIL_TRUST_FORWARDED_FOR", "1")).await;
    // 21 failures from one peer, each from another client behind it: none
    // reaches a per-IP limit (counted by the peer, the 21st would be 429).
    for i in 0..21 {
        let res = log_in_forwarded(&app, &format!("6.6.6.6, 1.2.3.{i}"), &format!("w_{i}")).await;
        assert_eq!(res.status(), 401, "a count per forwarded client");
    }
    // The right-most entry, not one the client wrote to its left.
    for i in 0..20 {
        let res = log_in_forwarded(&app, "1.2.3.4, 5.5.5.5", &format!("v_{i}")).await;
        assert_eq!(res.status(), 401);
    }
    assert_throttled(log_in_forwarded(&app, "5.5.5.5", "v_x").await, "5.5.5.5").await;
    assert_eq!(log_in_forwarded(&app, "5.5.5.6", "v_x").await.status(), 401);
}
}

/// Sends a whole log-in over raw TCP, waits long enough for the server to
/// read it and queue its hash (1 s: the hashing threads take the cores, so
/// handlers get scheduled slowly), then hangs up. A fixed wait: nothing the
/// server exposes says a request has been read and queued, so it cannot be polled.
async fn hang_up_after_sending(addr: &str, body: &str) {
    let mut socket = TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "POST /api/auth/login HTTP/1.1\r\nhost: hail\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    );
    socket
        .write_all(request.as_bytes())
        .await
        .expect("write the request");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// Hundreds of log-ins whose clients hang up cost no hashing: a real
/// log-in right after them still answers quickly. Were each one hashed
/// (2 threads, 20-50 ms a hash) it would wait far longer than 5 s.
#[tokio::test]
async fn abandoned_log_ins_are_skipped_and_do_not_delay_real_ones() {
    let settings = Settings::default()
        .set("HAIL_HASH_QUEUE", 1000)
        .set("HAIL_LOGIN_MAX_FAILURES_PER_IP", 100_000)
        .set("HAIL_LOGIN_MAX_FAILURES_PER_USER", 100_000);
    let app = spawn_with(Backend::Embedded, settings).await;
    let eve = app.signup(Role::Rider).await;
    let addr = app.addr.trim_start_matches("http://").to_string();
    let body = json!({"username": eve.username, "password": WRONG}).to_string();
    let abandoned = 600;
    futures_util::future::join_all((0..abandoned).map(|_| hang_up_after_sending(&addr, &body)))
        .await;

    let began = Instant::now();
    assert_eq!(status(&app, app.http(), &eve.username, RIGHT).await, 200);
    let took = began.elapsed();
    assert!(took < Duration::from_secs(5), "a real log-in took {took:?}");
    let skipped = app
        .metric("hail_password_hash_skipped_total")
        .await
        .unwrap_or(0.0);
    assert!(
        skipped >= f64::from(abandoned / 2),
        "abandoned hashes skipped: {skipped} of {abandoned}"
    );
}

/// Past a queue of 1, concurrent log-ins are refused at once with 503
/// `unavailable` instead of waiting; some still get through.
#[tokio::test]
async fn a_flood_past_the_hashing_queue_gets_503() {
    let app = spawn_with(
        Backend::Embedded,
        Settings::default().set("HAIL_HASH_QUEUE", 1),
    )
    .await;
    let fay = app.signup(Role::Rider).await;
    let flood = (0..50).map(|_| log_in(&app, app.http(), &fay.username, RIGHT));
    let answers = futures_util::future::join_all(flood).await;
    let mut ok = 0;
    let mut busy = 0;
    for res in answers {
        match res.status().as_u16() {
            200 => ok += 1,
            503 => {
                let body: ErrorBody = res.json().await.expect("error body");
                assert_eq!(body.error.code, ErrorCode::Unavailable);
                busy += 1;
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(ok >= 1 && busy >= 1, "{ok} ok, {busy} refused");
    assert!(app.metric("hail_password_hash_refused_total").await >= Some(1.0));
}
