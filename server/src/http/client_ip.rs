//! The client's IP address, for log-in throttling: the TCP peer (from
//! `ConnectInfo`, which the accept loop puts on every request), or, behind
//! our own proxy (`HAIL_TRUST_FORWARDED_FOR`), the right-most
//! `X-Forwarded-For` entry: the one that proxy appended, so a client cannot
//! choose it (entries to its left are whatever the client sent).

use super::error::ApiError;
use super::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The client IP of a request.
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        let trust = state.node.config.login.trust_forwarded_for;
        Ok(ClientIp(client_ip(peer, &parts.headers, trust)))
    }
}

/// The IP to count a request against. Without a peer address (a router
/// driven in-process, with no socket) every such request shares one
/// address rather than escaping the count.
pub fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap, trust_forwarded: bool) -> IpAddr {
    if trust_forwarded {
        if let Some(ip) = rightmost_forwarded(headers) {
            return ip;
        }
    }
    peer.map(canonical)
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// The last entry of the last `X-Forwarded-For` header, if it is an IP.
fn rightmost_forwarded(headers: &HeaderMap) -> Option<IpAddr> {
    let last = headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()?
        .to_str()
        .ok()?;
    let entry = last.rsplit(',').next()?.trim();
    entry.parse::<IpAddr>().ok().map(canonical)
}

/// `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) counts as
/// `1.2.3.4`, so one client has one counter.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).expect("value"));
        }
        h
    }

    #[test]
    fn the_peer_unless_forwarded_for_is_trusted_then_its_rightmost_entry() {
        let peer = Some(IpAddr::from([10, 0, 0, 9]));
        let h = headers(&["6.6.6.6, 1.2.3.4"]);
        assert_eq!(client_ip(peer, &h, false), IpAddr::from([10, 0, 0, 9]));
        assert_eq!(client_ip(peer, &h, true), IpAddr::from([1, 2, 3, 4]));
        let two = headers(&["6.6.6.6", "5.5.5.5 , 7.7.7.7"]);
        assert_eq!(client_ip(peer, &two, true), IpAddr::from([7, 7, 7, 7]));
        let junk = headers(&["1.2.3.4, not-an-ip"]);
        assert_eq!(
            client_ip(peer, &junk, true),
            IpAddr::from([10, 0, 0, 9]),
            "falls back"
        );
        assert_eq!(
            client_ip(peer, &HeaderMap::new(), true),
            IpAddr::from([10, 0, 0, 9])
        );
    }

    #[test]
    fn mapped_ipv4_is_ipv4() {
        let mapped: IpAddr = "::ffff:127.0.0.2".parse().expect("ip");
        assert_eq!(
            client_ip(Some(mapped), &HeaderMap::new(), false),
            IpAddr::from([127, 0, 0, 2])
        );
    }
}
