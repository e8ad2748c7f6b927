//! Connection limits and timeouts (issue 11), over raw TCP sockets: idle
//! and slowloris connections are closed by the header timeout, an idle
//! kept-alive connection by the idle timeout, and a flood from one address
//! is refused with 503 while another address still gets `/healthz`.

use crate::helpers::*;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

const FLOODER: &str = "127.0.0.2";

fn socket_addr(app: &TestApp) -> SocketAddr {
    app.addr
        .strip_prefix("http://")
        .expect("http:// address")
        .parse()
        .expect("socket address")
}

/// A TCP connection to the node from `source` (any local address if None).
async fn connect_from(app: &TestApp, source: Option<&str>) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    if let Some(ip) = source {
        socket
            .bind(SocketAddr::new(ip.parse().expect("ip"), 0))
            .expect("bind the source address");
    }
    socket.connect(socket_addr(app)).await.expect("connect")
}

/// What the first read within `within` gave.
#[derive(Debug, PartialEq)]
enum Read {
    /// Nothing arrived: the connection is open and waiting.
    Nothing,
    /// The server closed (EOF or reset).
    Closed,
    Data(String),
}

async fn read_within(stream: &mut TcpStream, within: Duration) -> Read {
    let mut buf = vec![0u8; 4096];
    match tokio::time::timeout(within, stream.read(&mut buf)).await {
        Err(_) => Read::Nothing,
        Ok(Ok(0)) | Ok(Err(_)) => Read::Closed,
        Ok(Ok(n)) => Read::Data(String::from_utf8_lossy(&buf[..n]).into_owned()),
    }
}

/// Reads (discarding data) until the server closes; how long that took
/// from `since`, or None if still open at `deadline` after `since`.
async fn closed_by(stream: &mut TcpStream, since: Instant, deadline: Duration) -> Option<Duration> {
    let mut buf = vec![0u8; 4096];
    loop {
        let left = deadline.checked_sub(since.elapsed())?;
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(since.elapsed()),
            Ok(Ok(_)) => continue,
        }
    }
}

fn header_timeout(ms: u64) -> Settings {
    Settings::default().set("HAIL_HTTP_HEADER_TIMEOUT_MS", ms)
}

async fn healthz_quickly(app: &TestApp) {
    let began = Instant::now();
    let res = tokio::time::timeout(
        Duration::from_secs(2),
        app.http().get(app.url("/healthz")).send(),
    )
    .await
    .expect("/healthz answered within 2 s")
    .expect("/healthz");
    assert_eq!(res.status(), 200);
    assert!(
        began.elapsed() < Duration::from_secs(1),
        "{:?}",
        began.elapsed()
    );
}

#[tokio::test]
async fn an_idle_connection_is_closed_within_the_header_timeout() {
    let app = spawn_with(Backend::Embedded, header_timeout(500)).await;
    let began = Instant::now();
    let mut stream = connect_from(&app, None).await;
    assert_eq!(
        read_within(&mut stream, Duration::from_millis(250)).await,
        Read::Nothing,
        "still open before the timeout"
    );
    let closed = closed_by(&mut stream, began, Duration::from_millis(1500))
        .await
        .expect("closed within the header timeout and slack");
    assert!(closed >= Duration::from_millis(400), "{closed:?}");
}

#[tokio::test]
async fn a_slowloris_header_is_closed_within_the_header_timeout() {
    let app = spawn_with(Backend::Embedded, header_timeout(500)).await;
    let began = Instant::now();
    let stream = connect_from(&app, None).await;
    let (mut read, mut write) = stream.into_split();
    // One byte every 200 ms: the bytes keep coming, the header never ends.
    let dribble = tokio::spawn(async move {
        let header =
            b"GET /healthz HTTP/1.1\r\nHost: hail\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let mut sent = 0;
        for byte in header {
            if write.write_all(&[*byte]).await.is_err() {
                break;
            }
            sent += 1;
            // The pace is the attack: the header must keep trickling in.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        sent
    });
    let mut buf = vec![0u8; 1024];
    let closed = tokio::time::timeout(Duration::from_millis(1500), async {
        loop {
            match read.read(&mut buf).await {
                Ok(0) | Err(_) => return began.elapsed(),
                Ok(_) => continue,
            }
        }
    })
    .await
    .expect("closed within the header timeout and slack, bytes notwithstanding");
    assert!(closed >= Duration::from_millis(400), "{closed:?}");
    let sent = dribble.await.expect("dribble task");
    assert!(sent >= 3, "bytes were still arriving: {sent} sent");
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_the_idle_timeout() {
    let app = spawn_with(
        Backend::Embedded,
        header_timeout(10_000).set("HAIL_HTTP_IDLE_TIMEOUT_SECS", 1),
    )
    .await;
    let mut stream = connect_from(&app, None).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: hail\r\n\r\n")
        .await
        .expect("request");
    let Read::Data(head) = read_within(&mut stream, Duration::from_secs(2)).await else {
        panic!("no response");
    };
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let answered = Instant::now();
    assert_eq!(
        read_within(&mut stream, Duration::from_millis(500)).await,
        Read::Nothing,
        "kept alive after the response"
    );
    let closed = closed_by(&mut stream, answered, Duration::from_millis(3000))
        .await
        .expect("closed after the 1 s idle timeout (well before the 10 s header timeout)");
    assert!(closed >= Duration::from_millis(800), "{closed:?}");
}

/// Opens `n` connections from [`FLOODER`] that send nothing; returns the
/// ones the node kept and the answers of those it refused.
async fn flood(app: &TestApp, n: usize) -> (Vec<TcpStream>, Vec<String>) {
    let mut streams = Vec::new();
    for _ in 0..n {
        streams.push(connect_from(app, Some(FLOODER)).await);
    }
    let checks = streams.into_iter().map(|mut s| async move {
        let began = Instant::now();
        match read_within(&mut s, Duration::from_millis(700)).await {
            Read::Nothing => Ok(s),
            Read::Data(answer) => {
                assert!(began.elapsed() < Duration::from_millis(500), "refused fast");
                Err(answer)
            }
            Read::Closed => Err(String::new()),
        }
    });
    let mut kept = Vec::new();
    let mut refused = Vec::new();
    for result in futures_util::future::join_all(checks).await {
        match result {
            Ok(s) => kept.push(s),
            Err(answer) => refused.push(answer),
        }
    }
    (kept, refused)
}

fn assert_refusal(answer: &str) {
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer:?}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    let body = answer.split_once("\r\n\r\n").expect("head and body").1;
    let json: serde_json::Value = serde_json::from_str(body).expect("JSON body");
    assert_eq!(json["error"]["code"], "unavailable");
}

#[tokio::test]
async fn a_node_at_a_low_fd_limit_flooded_from_one_address_still_answers_healthz() {
    // 300 files: the default cap is then 64 connections (limit - 256, at
    // least 64), of which one address gets 58. No per-address cap, and a
    // header timeout long enough not to help: the reserve alone holds.
    let app = spawn_with(
        Backend::Embedded,
        header_timeout(60_000)
            .set("HAIL_MAX_CONNECTIONS_PER_IP", 0)
            .wrapped(&["prlimit", "--nofile=300:300"]),
    )
    .await;
    // More connections than the node has files.
    let (kept, refused) = flood(&app, 350).await;
    assert!(!kept.is_empty() && kept.len() < 64, "kept {}", kept.len());
    assert_eq!(kept.len() + refused.len(), 350);
    for answer in &refused {
        assert_refusal(answer);
    }
    healthz_quickly(&app).await;
    let counted = app
        .metric("hail_connections_refused_total{reason=\"per_ip\"}")
        .await
        .expect("refusals counted");
    assert_eq!(counted as usize, refused.len());
    assert_eq!(
        app.metric("hail_tcp_connections").await,
        Some((kept.len() + 1) as f64),
        "the flood's connections and the one asking"
    );
    drop(kept);
}

#[tokio::test]
async fn the_sixth_connection_from_one_address_is_refused_over_a_per_ip_cap_of_five() {
    let app = spawn_with(
        Backend::Embedded,
        header_timeout(60_000).set("HAIL_MAX_CONNECTIONS_PER_IP", 5),
    )
    .await;
    let (kept, refused) = flood(&app, 5).await;
    assert_eq!((kept.len(), refused.len()), (5, 0));
    let began = Instant::now();
    let mut sixth = connect_from(&app, Some(FLOODER)).await;
    let Read::Data(answer) = read_within(&mut sixth, Duration::from_secs(2)).await else {
        panic!("the sixth connection got no 503");
    };
    assert!(
        began.elapsed() < Duration::from_millis(500),
        "{:?}",
        began.elapsed()
    );
    assert_refusal(&answer);
    assert!(
        closed_by(&mut sixth, began, Duration::from_secs(2))
            .await
            .is_some(),
        "closed after the 503"
    );
    healthz_quickly(&app).await;
    assert_eq!(
        app.metric("hail_connections_refused_total{reason=\"per_ip\"}")
            .await,
        Some(1.0)
    );
    // Closing one gives its place back.
    let open = app.metric("hail_tcp_connections").await.expect("gauge");
    drop(kept);
    // The gauge drops after the per-address count is given back.
    eventually("the five closed connections to be released", || async {
        (app.metric("hail_tcp_connections").await.expect("gauge") <= open - 5.0).then_some(())
    })
    .await;
    let (kept, refused) = flood(&app, 5).await;
    assert_eq!((kept.len(), refused.len()), (5, 0));
}

#[tokio::test]
async fn metrics_on_a_fresh_node_list_every_main_metric() {
    let app = spawn_app(Backend::Embedded).await;
    let text = app.metrics_text().await;
    for (name, kind) in [
        ("hail_connections", "gauge"),
        ("hail_messages_in_total", "counter"),
        ("hail_messages_out_total", "counter"),
        ("hail_errors_total", "counter"),
        ("hail_trips_requested_total", "counter"),
        ("hail_trips_ended_total", "counter"),
        ("hail_gps_points_written_total", "counter"),
        ("hail_gps_queue_depth", "gauge"),
        ("hail_tcp_connections", "gauge"),
        ("hail_connections_refused_total", "counter"),
        ("hail_sessions_closed_total", "counter"),
        ("hail_frames_limited_total", "counter"),
        ("hail_sockets_replaced_total", "counter"),
        ("hail_trip_requests_limited_total", "counter"),
        ("hail_location_time_replaced_total", "counter"),
        ("hail_login_throttled_total", "counter"),
        ("hail_password_hash_refused_total", "counter"),
        ("hail_dispatch_latency_seconds", "histogram"),
        ("hail_gps_flush_seconds", "histogram"),
    ] {
        assert!(
            text.contains(&format!("# TYPE {name} {kind}")),
            "no TYPE for {name}:\n{text}"
        );
        assert!(
            text.contains(&format!("# HELP {name} ")),
            "no HELP for {name}"
        );
    }
    assert!(
        text.contains("hail_connections{role=\"rider\"} 0"),
        "{text}"
    );
}

#[tokio::test]
async fn a_websocket_holds_its_connection_slot_until_it_closes() {
    let app = spawn_app(Backend::Embedded).await;
    let user = app.user(hail_protocol::Role::Rider).await;
    // The test's own pooled HTTP connection is counted too.
    let before = app.metric("hail_tcp_connections").await.expect("gauge");
    let ws = Ws::connect(&app, user.token()).await;
    assert_eq!(
        app.metric("hail_tcp_connections").await,
        Some(before + 1.0),
        "the upgraded socket keeps its slot"
    );
    drop(ws);
    eventually("the closed socket's slot to be released", || async {
        (app.metric("hail_tcp_connections").await.expect("gauge") == before).then_some(())
    })
    .await;
}

/// CPU ticks (1/100 s) a process has used, from /proc.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    let fields: Vec<&str> = stat[stat.rfind(')').expect("comm") + 2..]
        .split_whitespace()
        .collect();
    fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime")
}

#[tokio::test]
async fn accept_failing_at_the_fd_limit_pauses_instead_of_spinning_and_recovers() {
    // A cap set above the fd limit by hand: accept itself fails (EMFILE).
    let app = spawn_with(
        Backend::Embedded,
        header_timeout(60_000)
            .set("HAIL_MAX_CONNECTIONS", 1000)
            .set("HAIL_MAX_CONNECTIONS_PER_IP", 0)
            .wrapped(&["prlimit", "--nofile=128:128"]),
    )
    .await;
    let pid = app.pid().expect("pid");
    let mut flood = Vec::new();
    for _ in 0..200 {
        flood.push(connect_from(&app, Some(FLOODER)).await);
    }
    // CPU use is measured over wall-clock time: let the accept loop settle
    // into failing, then count the ticks it burns in one second.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = cpu_ticks(pid);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let used = cpu_ticks(pid) - before;
    assert!(
        used < 30,
        "the node used {used}/100 of a core while accept failed"
    );
    drop(flood);
    eventually_within(Duration::from_secs(5), "/healthz to come back", || async {
        tokio::time::timeout(
            Duration::from_millis(500),
            app.http().get(app.url("/healthz")).send(),
        )
        .await
        .is_ok_and(|r| r.is_ok_and(|r| r.status() == 200))
        .then_some(())
    })
    .await;
    assert!(
        app.metric("hail_accept_errors_total")
            .await
            .expect("counter")
            > 0.0,
        "accept failures counted"
    );
}
