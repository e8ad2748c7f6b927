//! Connection caps: how many TCP connections the node holds open, in all and
//! per source address. A connection takes a [`Slot`] when it is accepted and
//! keeps it until its socket closes, WebSocket sessions included (the slot
//! lives inside the socket's IO, which the upgrade takes over).
//!
//! One address can never take the last tenth of the global cap (the
//! reserve), with or without a per-address cap: a flood from one address
//! is refused before it starves everyone else, so `/healthz` from another
//! address still gets in. Several flooding addresses can still fill the cap;
//! then the header timeout frees their idle slots.

use std::collections::HashMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Why a connection was refused: the metric's `reason` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The node holds `HAIL_MAX_CONNECTIONS` connections.
    Global,
    /// This address holds its share (`HAIL_MAX_CONNECTIONS_PER_IP`, or the
    /// global cap less the reserve).
    PerIp,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::PerIp => "per_ip",
        }
    }
}

#[derive(Default)]
struct Open {
    total: usize,
    by_ip: HashMap<IpAddr, usize>,
}

/// The counters behind both listeners (file descriptors are per process).
pub struct ConnectionLimits {
    max: usize,
    /// Effective per-address cap: never above `max` less the reserve.
    per_ip: usize,
    open: Mutex<Open>,
}

impl ConnectionLimits {
    /// `per_ip` 0 means no per-address cap of its own (the reserve still
    /// applies).
    pub fn new(max: usize, per_ip: usize) -> Arc<Self> {
        Arc::new(Self {
            max,
            per_ip: Self::per_ip_cap(max, per_ip),
            open: Mutex::new(Open::default()),
        })
    }

    /// What one address may hold: its own cap, but never the reserve (a
    /// tenth of the global cap) that keeps room for other addresses.
    pub fn per_ip_cap(max: usize, per_ip: usize) -> usize {
        let reserve = max / 10;
        let share = (max - reserve).max(1);
        if per_ip == 0 {
            share
        } else {
            per_ip.min(share)
        }
    }

    pub fn max(&self) -> usize {
        self.max
    }

    pub fn per_ip(&self) -> usize {
        self.per_ip
    }

    fn open(&self) -> std::sync::MutexGuard<'_, Open> {
        // The counts stay consistent even if a holder panicked: each update
        // is a single increment or decrement.
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A slot for a connection from `ip`, or why not.
    pub fn try_acquire(self: &Arc<Self>, ip: IpAddr) -> Result<Slot, Refusal> {
        let mut open = self.open();
        if open.total >= self.max {
            return Err(Refusal::Global);
        }
        let mine = open.by_ip.entry(ip).or_insert(0);
        if *mine >= self.per_ip {
            return Err(Refusal::PerIp);
        }
        *mine += 1;
        open.total += 1;
        drop(open);
        crate::metrics::tcp_connection_opened();
        Ok(Slot {
            limits: self.clone(),
            ip,
        })
    }

    /// Connections open now (all addresses).
    pub fn total(&self) -> usize {
        self.open().total
    }
}

/// One open connection's place under the caps; released on drop.
pub struct Slot {
    limits: Arc<ConnectionLimits>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.limits.open();
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.by_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.by_ip.remove(&self.ip);
            }
        }
        drop(open);
        crate::metrics::tcp_connection_closed();
    }
}

/// An accepted socket holding its [`Slot`], so the slot is released when
/// the socket closes, after a WebSocket upgrade too.
pub struct Counted {
    stream: TcpStream,
    _slot: Slot,
}

impl Counted {
    pub fn new(stream: TcpStream, slot: Slot) -> Self {
        Self {
            stream,
            _slot: slot,
        }
    }
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 1));

    #[test]
    fn one_address_never_takes_the_reserve() {
        assert_eq!(ConnectionLimits::per_ip_cap(100, 0), 90);
        assert_eq!(ConnectionLimits::per_ip_cap(100, 1000), 90);
        assert_eq!(ConnectionLimits::per_ip_cap(100, 5), 5);
        assert_eq!(ConnectionLimits::per_ip_cap(5, 0), 5);
        assert_eq!(ConnectionLimits::per_ip_cap(1, 0), 1);
    }

    #[test]
    fn caps_refuse_and_slots_give_back() {
        let limits = ConnectionLimits::new(20, 0);
        let a: Vec<Slot> = (0..18)
            .map(|_| limits.try_acquire(A).expect("under the share"))
            .collect();
        assert_eq!(limits.try_acquire(A).err(), Some(Refusal::PerIp));
        let b: Vec<Slot> = (0..2)
            .map(|_| limits.try_acquire(B).expect("the reserve"))
            .collect();
        assert_eq!(limits.try_acquire(B).err(), Some(Refusal::Global));
        drop(a);
        assert_eq!(limits.total(), 2);
        assert!(limits.try_acquire(A).is_ok());
        drop(b);
    }
}
