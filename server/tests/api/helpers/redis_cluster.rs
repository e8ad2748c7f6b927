//! A private Redis Cluster per test: 3 masters and 3 replicas from the
//! machine's `redis-server` on free local ports (the settings of
//! `compose/redis-cluster.sh`), killed with the test. Private, so a test
//! may kill a master or move a slot without disturbing any other.

use std::process::Stdio;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

pub struct LocalCluster {
    pub ports: Vec<u16>,
    children: Vec<Option<Child>>,
    _dir: tempfile::TempDir,
}

static NEXT: AtomicU16 = AtomicU16::new(0);

/// Six consecutive ports free both for clients and for the cluster bus
/// (port + 10000).
fn free_base() -> u16 {
    let start = 20000 + (std::process::id() % 400) as u16 * 20;
    loop {
        let base = start + NEXT.fetch_add(6, Ordering::Relaxed) % 9000;
        let free = (0..6).all(|i| {
            let p = base + i;
            std::net::TcpListener::bind(("127.0.0.1", p)).is_ok()
                && std::net::TcpListener::bind(("127.0.0.1", p + 10000)).is_ok()
        });
        if free {
            return base;
        }
    }
}

/// One `redis-cli` command against `port`; its stdout.
pub async fn cli(port: u16, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .arg("-p")
        .arg(port.to_string())
        .args(args)
        .output()
        .await
        .expect("redis-cli");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl LocalCluster {
    pub async fn start() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("hail-cluster-")
            .tempdir()
            .expect("temp dir");
        let base = free_base();
        let ports: Vec<u16> = (0..6).map(|i| base + i).collect();
        let mut children = Vec::new();
        for p in &ports {
            let child = Command::new("redis-server")
                .args(["--port", &p.to_string(), "--bind", "127.0.0.1"])
                .args(["--cluster-enabled", "yes"])
                .args(["--cluster-config-file", &format!("nodes-{p}.conf")])
                .args(["--cluster-node-timeout", "2000"])
                .args(["--save", "", "--appendonly", "no"])
                .arg("--dir")
                .arg(dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .expect("redis-server must be installed (see README)");
            children.push(Some(child));
        }
        for p in &ports {
            wait_for(Duration::from_secs(10), || async {
                cli(*p, &["ping"]).await.trim() == "PONG"
            })
            .await;
        }
        let hosts: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        let out = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&hosts)
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .output()
            .await
            .expect("redis-cli --cluster create");
        assert!(
            out.status.success(),
            "cluster create: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let cluster = Self {
            ports,
            children,
            _dir: dir,
        };
        cluster.wait_healthy(3).await;
        cluster
    }

    /// `HAIL_REDIS_CLUSTER_NODES`: the first three ports as seeds.
    pub fn seeds(&self) -> String {
        self.ports[..3]
            .iter()
            .map(|p| format!("redis://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    fn alive(&self) -> impl Iterator<Item = u16> + '_ {
        self.ports
            .iter()
            .zip(&self.children)
            .filter(|(_, c)| c.is_some())
            .map(|(p, _)| *p)
    }

    /// Until every live node says the cluster is ok and `replicas` replicas
    /// are attached and in sync.
    pub async fn wait_healthy(&self, replicas: usize) {
        wait_for(Duration::from_secs(30), || async {
            let mut synced = 0;
            for p in self.alive() {
                if !cli(p, &["cluster", "info"])
                    .await
                    .contains("cluster_state:ok")
                {
                    return false;
                }
                if cli(p, &["info", "replication"])
                    .await
                    .contains("master_link_status:up")
                {
                    synced += 1;
                }
            }
            synced >= replicas
        })
        .await;
    }

    /// The slot of a key or channel name.
    pub async fn slot(&self, name: &str) -> u16 {
        let port = self.alive().next().expect("a live node");
        cli(port, &["cluster", "keyslot", name])
            .await
            .trim()
            .parse()
            .expect("slot")
    }

    /// `(port, node id)` of the master serving `slot`, as a live node sees it.
    pub async fn master_of(&self, slot: u16) -> (u16, String) {
        let port = self.alive().next().expect("a live node");
        for line in cli(port, &["cluster", "nodes"]).await.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 9 || !f[2].contains("master") || f[2].contains("fail") {
                continue;
            }
            for range in &f[8..] {
                let (lo, hi) = match range.split_once('-') {
                    Some((lo, hi)) => (lo.parse().ok(), hi.parse().ok()),
                    None => (range.parse().ok(), range.parse().ok()),
                };
                if let (Some(lo), Some(hi)) = (lo, hi) {
                    if (lo..=hi).contains(&slot) {
                        return (port_of(f[1]), f[0].to_owned());
                    }
                }
            }
        }
        panic!("no master serves slot {slot}");
    }

    /// Another master than `port`: `(port, node id)`.
    pub async fn other_master(&self, port: u16) -> (u16, String) {
        let me = self.alive().next().expect("a live node");
        for line in cli(me, &["cluster", "nodes"]).await.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() >= 9 && f[2].contains("master") && !f[2].contains("fail") {
                let p = port_of(f[1]);
                if p != port {
                    return (p, f[0].to_owned());
                }
            }
        }
        panic!("no other master");
    }

    /// Every key matching `pattern` on every live master.
    pub async fn keys(&self, pattern: &str) -> Vec<String> {
        let mut all = Vec::new();
        for p in self.alive() {
            if cli(p, &["role"]).await.starts_with("master") {
                let out = cli(p, &["--scan", "--pattern", pattern]).await;
                all.extend(out.lines().map(str::to_owned));
            }
        }
        all
    }

    /// kill -9 the node on `port`.
    pub async fn kill(&mut self, port: u16) {
        let i = self
            .ports
            .iter()
            .position(|p| *p == port)
            .expect("our port");
        if let Some(mut child) = self.children[i].take() {
            let _ = child.kill().await;
        }
    }

    /// Moves one slot (and any keys in it) from its master to another, the
    /// steps `redis-cli --cluster reshard` takes for each slot.
    pub async fn migrate_slot(&self, slot: u16) -> (u16, u16) {
        let (from, from_id) = self.master_of(slot).await;
        let (to, to_id) = self.other_master(from).await;
        let s = slot.to_string();
        cli(to, &["cluster", "setslot", &s, "importing", &from_id]).await;
        cli(from, &["cluster", "setslot", &s, "migrating", &to_id]).await;
        loop {
            let keys = cli(from, &["cluster", "getkeysinslot", &s, "100"]).await;
            let keys: Vec<&str> = keys.split_whitespace().collect();
            if keys.is_empty() {
                break;
            }
            let to_port = to.to_string();
            let mut args = vec!["migrate", "127.0.0.1", &to_port, "", "0", "5000", "KEYS"];
            args.extend(keys);
            cli(from, &args).await;
        }
        for p in [to, from] {
            cli(p, &["cluster", "setslot", &s, "node", &to_id]).await;
        }
        for p in self.alive() {
            if p != to && p != from {
                cli(p, &["cluster", "setslot", &s, "node", &to_id]).await;
            }
        }
        (from, to)
    }
}

/// The client port of a `CLUSTER NODES` address (`ip:port@busport`).
fn port_of(addr: &str) -> u16 {
    addr.split(['@', ':'])
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("ip:port@bus")
}

/// Polls `check` until it holds, or panics after `limit`.
async fn wait_for<F, Fut>(limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < limit, "local Redis Cluster not ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
