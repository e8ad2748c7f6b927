//! The browser apps are served from `HAIL_CLIENT_DIR` beside the API,
//! without shadowing it.

use crate::helpers::*;
use reqwest::header::CACHE_CONTROL;
use reqwest::StatusCode;

fn client_build() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |path: &str, body: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, body).expect("write");
    };
    write("index.html", "<title>landing</title>");
    write("rider/index.html", "<title>rider</title>");
    write("driver/index.html", "<title>driver</title>");
    write("monitor/index.html", "<title>monitor</title>");
    write("assets/app-3f9a.js", "console.log('hail')");
    dir
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.http().get(app.url(path)).send().await.expect("request")
}

#[tokio::test]
async fn pages_and_assets_are_served_beside_the_api() {
    let dir = client_build();
    let app = spawn_with(
        Backend::Embedded,
        Settings::default().set("HAIL_CLIENT_DIR", dir.path().display()),
    )
    .await;

    for (path, title) in [
        ("/", "landing"),
        ("/rider/", "rider"),
        ("/driver/", "driver"),
    ] {
        let res = get(&app, path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()[CACHE_CONTROL], "no-cache", "{path}");
        assert!(res.text().await.expect("body").contains(title), "{path}");
    }

    let asset = get(&app, "/assets/app-3f9a.js").await;
    assert_eq!(asset.status(), StatusCode::OK);
    assert!(asset.headers()[CACHE_CONTROL]
        .to_str()
        .expect("ascii")
        .contains("immutable"));

    // `/rider` without the slash: the browser is sent to the page.
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let res = no_redirects
        .get(app.url("/rider"))
        .send()
        .await
        .expect("request");
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(res.headers()["location"], "/rider/");

    // The API is not shadowed, and misses answer the API's JSON 404.
    assert_eq!(get(&app, "/healthz").await.status(), StatusCode::OK);
    for path in [
        "/api/nope",
        "/nope.html",
        "/assets/missing.js",
        "/../Cargo.toml",
    ] {
        let res = get(&app, path).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(
            res.headers().get(CACHE_CONTROL).is_none(),
            "a miss must not be cached: {path}"
        );
        let body: serde_json::Value = res.json().await.expect("json");
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }
    let post = app
        .http()
        .post(app.url("/rider/"))
        .send()
        .await
        .expect("request");
    assert_eq!(post.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_a_client_build_the_api_still_runs() {
    let empty = tempfile::tempdir().expect("tempdir");
    let app = spawn_with(
        Backend::Embedded,
        Settings::default().set("HAIL_CLIENT_DIR", empty.path().display()),
    )
    .await;
    assert_eq!(get(&app, "/").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(get(&app, "/healthz").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn security_headers_on_every_page_and_asset() {
    let dir = client_build();
    let app = spawn_with(
        Backend::Embedded,
        Settings::default()
            .set("HAIL_CLIENT_DIR", dir.path().display())
            .set("HAIL_TILE_HOST", "https://tiles.example.org"),
    )
    .await;
    for path in [
        "/",
        "/rider/",
        "/driver/",
        "/monitor/",
        "/assets/app-3f9a.js",
        "/healthz",
        "/api/nope",
    ] {
        let res = get(&app, path).await;
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().expect("ascii");
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(
            csp.contains("img-src 'self' data: https://tiles.example.org"),
            "{path}: {csp}"
        );
        assert!(csp.contains("connect-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
    }
}

#[tokio::test]
async fn precompressed_copies_are_sent_to_browsers_that_accept_them() {
    let dir = client_build();
    // What `client/scripts/compress.mjs` leaves beside an asset and a page
    // (the bytes only need to differ: the server does not compress itself).
    std::fs::write(dir.path().join("assets/app-3f9a.js.br"), "BR").expect("write");
    std::fs::write(dir.path().join("assets/app-3f9a.js.gz"), "GZ").expect("write");
    std::fs::write(dir.path().join("driver/index.html.br"), "BR page").expect("write");
    let app = spawn_with(
        Backend::Embedded,
        Settings::default().set("HAIL_CLIENT_DIR", dir.path().display()),
    )
    .await;
    let fetch = |path: &'static str, accept: &'static str| {
        let request = app.http().get(app.url(path));
        let request = if accept.is_empty() {
            request
        } else {
            request.header("accept-encoding", accept)
        };
        async move { request.send().await.expect("request") }
    };

    for (accept, encoding, body) in [
        ("br", Some("br"), "BR"),
        ("gzip, deflate, br", Some("br"), "BR"),
        ("gzip", Some("gzip"), "GZ"),
        ("", None, "console.log('hail')"),
    ] {
        let res = fetch("/assets/app-3f9a.js", accept).await;
        assert_eq!(res.status(), StatusCode::OK, "{accept}");
        let h = res.headers();
        assert_eq!(
            h.get("content-encoding")
                .map(|v| v.to_str().expect("ascii")),
            encoding,
            "{accept}"
        );
        assert!(
            h["content-type"]
                .to_str()
                .expect("ascii")
                .contains("javascript"),
            "the original's type, {accept}: {h:?}"
        );
        assert!(
            h[CACHE_CONTROL]
                .to_str()
                .expect("ascii")
                .contains("immutable"),
            "{accept}"
        );
        assert_eq!(res.text().await.expect("body"), body, "{accept}");
    }

    // Pages too (through the index.html of a directory), still revalidated.
    let page = fetch("/driver/", "br").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-encoding"], "br");
    assert_eq!(page.headers()[CACHE_CONTROL], "no-cache");
    assert!(page.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .starts_with("text/html"));
    // A page with no compressed copy is sent as it is.
    let plain = fetch("/rider/", "br").await;
    assert!(plain.headers().get("content-encoding").is_none());
    assert!(plain.text().await.expect("body").contains("rider"));
}
