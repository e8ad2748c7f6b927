//! Idle authenticated sockets at scale: opens `count` WebSockets spread
//! over the nodes, from several worker processes (one process may hold at
//! most 20,000 open files here) and several 127.0.0.x source addresses
//! (past the ephemeral-port limit), holds them, and reports the connect
//! rate, failures and each server's RSS per connection.

use crate::client::{self, Accounts, Node};
use crate::report::{Latency, Report};
use crate::server_cpu::CpuMeter;
use hail_protocol::Role;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Serialize)]
pub struct ConnParams {
    pub urls: Vec<String>,
    pub count: usize,
    /// Worker processes; 0 opens the sockets in this process.
    pub workers: usize,
    /// Sockets per account (accounts cost an Argon2 hash each to create).
    pub per_account: usize,
    /// Distinct 127.0.0.x source addresses for loopback nodes.
    pub sources: usize,
    pub hold_secs: u64,
    /// Server pids whose RSS to read from /proc (same order as `urls`).
    pub pids: Vec<u32>,
    pub prefix: String,
    #[serde(skip)]
    pub secret: Option<String>,
}

/// What a worker is told to do (JSON in `HAIL_HARNESS_WORKER`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkerSpec {
    pub urls: Vec<String>,
    pub tokens: Vec<String>,
    /// Global index of this worker's first socket.
    pub first: usize,
    pub count: usize,
    pub sources: usize,
}

/// What a worker reports when its sockets are open.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WorkerResult {
    pub opened: u64,
    pub failed: u64,
    pub secs: f64,
    pub connect_p50_ms: f64,
    pub connect_p99_ms: f64,
    /// Sockets the server closed while held (only after the hold).
    pub dropped: u64,
    pub first_error: Option<String>,
}

/// The source address of socket `i`: 127.0.0.(1 + i mod n) for loopback.
pub fn source_for(node: &Node, i: usize, sources: usize) -> Option<IpAddr> {
    if !node.addr.ip().is_loopback() || sources <= 1 || !node.addr.is_ipv4() {
        return None;
    }
    Some(IpAddr::V4(Ipv4Addr::new(
        127,
        0,
        0,
        1 + (i % sources.min(250)) as u8,
    )))
}

/// Opens this worker's sockets and keeps each read (answering pings)
/// until `hold` ends. Returns after the sockets are open, with a handle
/// that resolves to the number dropped.
async fn open(spec: &WorkerSpec) -> anyhow::Result<(WorkerResult, tokio::task::JoinSet<bool>)> {
    let mut nodes = Vec::new();
    for u in &spec.urls {
        nodes.push(Node::parse(u).await?);
    }
    let started = Instant::now();
    let mut latency = Latency::default();
    let mut result = WorkerResult::default();
    let mut held = tokio::task::JoinSet::new();
    let opened = Arc::new(AtomicU64::new(0));
    let indices: Vec<usize> = (spec.first..spec.first + spec.count).collect();
    for chunk in indices.chunks(256) {
        let attempts = futures_util::future::join_all(chunk.iter().map(|&i| {
            let node = nodes[i % nodes.len()].clone();
            let token = spec.tokens[i % spec.tokens.len()].clone();
            let source = source_for(&node, i, spec.sources);
            async move {
                let t = Instant::now();
                (client::connect(&node, &token, source).await, t.elapsed())
            }
        }))
        .await;
        for (r, took) in attempts {
            match r {
                Ok((mut ws, _)) => {
                    latency.record(took);
                    result.opened += 1;
                    opened.fetch_add(1, Ordering::Relaxed);
                    // true when the server closed it.
                    held.spawn(async move {
                        client::next_message(&mut ws).await.is_none()
                            || loop_until_closed(&mut ws).await
                    });
                }
                Err(e) => {
                    result.failed += 1;
                    result.first_error.get_or_insert_with(|| e.to_string());
                }
            }
        }
    }
    result.secs = started.elapsed().as_secs_f64();
    let s = latency.summary();
    result.connect_p50_ms = s.p50_ms;
    result.connect_p99_ms = s.p99_ms;
    Ok((result, held))
}

async fn loop_until_closed(ws: &mut client::Socket) -> bool {
    while client::next_message(ws).await.is_some() {}
    true
}

/// The worker process: reads its spec, opens, prints one JSON line, holds
/// until stdin closes, prints how many were dropped.
pub async fn worker_main() -> anyhow::Result<()> {
    let spec: WorkerSpec = serde_json::from_str(&std::env::var("HAIL_HARNESS_WORKER")?)?;
    let (mut result, mut held) = open(&spec).await?;
    println!("{}", serde_json::to_string(&result)?);
    std::io::stdout().flush()?;
    // Hold until the parent closes our stdin.
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
    })
    .await?;
    result.dropped = count_dropped(&mut held);
    println!("{}", serde_json::to_string(&result)?);
    Ok(())
}

/// Sockets whose task already ended (the server closed them).
fn count_dropped(held: &mut tokio::task::JoinSet<bool>) -> u64 {
    let mut dropped = 0;
    while let Some(r) = held.try_join_next() {
        if r.unwrap_or(true) {
            dropped += 1;
        }
    }
    dropped
}

/// Resident memory of a process, in KiB, from /proc.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

pub async fn run(p: ConnParams) -> anyhow::Result<Report> {
    let mut report = Report::new("connections", serde_json::to_value(&p)?);
    let mut nodes = Vec::new();
    for u in &p.urls {
        nodes.push(Node::parse(u).await?);
    }
    let n_accounts = p.count.div_ceil(p.per_account.max(1)).max(1);
    let accounts = Accounts::new(p.secret.clone())
        .create_many(&nodes, Role::Rider, &p.prefix, n_accounts, 16, 1)
        .await?;
    let tokens: Vec<String> = accounts.into_iter().map(|a| a.token).collect();
    let before: Vec<Option<u64>> = p.pids.iter().map(|pid| rss_kib(*pid)).collect();
    let connecting = CpuMeter::start(&p.pids)?;
    let started = Instant::now();
    let mut results = Vec::new();
    let mut children = Vec::new();
    let mut readers = Vec::new();
    let mut in_process = None;
    if p.workers == 0 {
        let spec = WorkerSpec {
            urls: p.urls.clone(),
            tokens: tokens.clone(),
            first: 0,
            count: p.count,
            sources: p.sources,
        };
        let (r, held) = open(&spec).await?;
        results.push(r);
        in_process = Some(held);
    } else {
        let per = p.count.div_ceil(p.workers);
        let exe = std::env::current_exe()?;
        for w in 0..p.workers {
            let first = w * per;
            let count = per.min(p.count.saturating_sub(first));
            if count == 0 {
                break;
            }
            let spec = WorkerSpec {
                urls: p.urls.clone(),
                tokens: tokens.clone(),
                first,
                count,
                sources: p.sources,
            };
            let child = std::process::Command::new(&exe)
                .arg("connections-worker")
                .env("HAIL_HARNESS_WORKER", serde_json::to_string(&spec)?)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()?;
            children.push(child);
        }
        for child in children.iter_mut() {
            let stdout = child
                .stdout
                .take()
                .ok_or_else(|| anyhow::anyhow!("worker stdout"))?;
            let line = tokio::task::spawn_blocking(move || {
                let mut reader = std::io::BufReader::new(stdout);
                let mut line = String::new();
                let _ = reader.read_line(&mut line);
                (line, reader)
            })
            .await?;
            let r: WorkerResult = serde_json::from_str(line.0.trim())
                .map_err(|e| anyhow::anyhow!("worker report {:?}: {e}", line.0))?;
            results.push(r);
            // Keep the reader for the worker's final line.
            readers.push(line.1);
        }
    }
    let connect_secs = started.elapsed().as_secs_f64();
    let connect_cpu = connecting.as_ref().map(CpuMeter::stop).transpose()?;
    let opened: u64 = results.iter().map(|r| r.opened).sum();
    let failed: u64 = results.iter().map(|r| r.failed).sum();
    eprintln!(
        "connections: {opened} open, {failed} failed in {connect_secs:.1} s; holding {} s",
        p.hold_secs
    );
    // Let the servers settle, then read their memory.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let per_node = |i: usize| (0..p.count).filter(|s| s % p.urls.len() == i).count() as f64;
    let mut rss = serde_json::Map::new();
    for (i, pid) in p.pids.iter().enumerate() {
        if let (Some(b), Some(a)) = (before.get(i).copied().flatten(), rss_kib(*pid)) {
            let on_node = per_node(i % p.urls.len().max(1));
            let per_conn = (a.saturating_sub(b)) as f64 / on_node.max(1.0);
            rss.insert(
                pid.to_string(),
                serde_json::json!({"rss_before_kib": b, "rss_after_kib": a, "connections": on_node, "kib_per_connection": per_conn}),
            );
        }
    }
    let holding = CpuMeter::start(&p.pids)?;
    tokio::time::sleep(Duration::from_secs(p.hold_secs)).await;
    let hold_cpu = holding.as_ref().map(CpuMeter::stop).transpose()?;
    let mut dropped = 0;
    if let Some(mut held) = in_process {
        dropped += count_dropped(&mut held);
        held.abort_all();
    }
    for (mut child, reader) in children.into_iter().zip(readers) {
        drop(child.stdin.take()); // tells the worker to report and exit
        let last = tokio::task::spawn_blocking(move || {
            let mut reader = reader;
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            line
        })
        .await?;
        if let Ok(r) = serde_json::from_str::<WorkerResult>(last.trim()) {
            dropped += r.dropped;
        }
        let _ = child.wait();
    }
    let mut connect = Latency::default();
    for r in &results {
        // Workers report percentiles, not histograms: keep the worst.
        connect.record_ms_f64(r.connect_p99_ms);
    }
    report.counts.insert("opened".into(), opened);
    report.counts.insert("failed".into(), failed);
    report.counts.insert("dropped_while_held".into(), dropped);
    report.counts.insert("workers".into(), results.len() as u64);
    report
        .throughput
        .insert("connects".into(), opened as f64 / connect_secs.max(1e-9));
    report.extra = serde_json::json!({
        "rss": rss,
        "connect_p50_ms_per_worker": results.iter().map(|r| r.connect_p50_ms).collect::<Vec<_>>(),
        "connect_p99_ms_per_worker": results.iter().map(|r| r.connect_p99_ms).collect::<Vec<_>>(),
        "first_error": results.iter().find_map(|r| r.first_error.clone()),
    });
    if let Some(used) = connect_cpu {
        used.record_as(
            &mut report,
            "server_cpu_connect",
            "connect",
            &[("connection opened", opened)],
        );
    }
    if let Some(used) = hold_cpu {
        // Idle sockets cost heartbeats and timers; the hold is all they do.
        let conn_secs = (opened as f64 * used.wall.as_secs_f64()).round() as u64;
        used.record(
            &mut report,
            "hold",
            &[("idle connection-second", conn_secs)],
        );
    }
    if failed > 0 {
        report.violation(format!("{failed} connections failed"));
    }
    if dropped > 0 {
        report.violation(format!(
            "{dropped} idle connections were dropped while held"
        ));
    }
    report.finish(started.elapsed());
    Ok(report)
}
