//! The client's IP: from the connection, or from proxy headers when told to trust them.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap};

/// The client IP of a request.
///
/// With `trusted_hops == 0` only the TCP peer (axum's `ConnectInfo<SocketAddr>`) counts. With
/// `trusted_hops == n > 0`, `n` proxies in front of the server are trusted to append to
/// `Forwarded` (RFC 7239, preferred) or `X-Forwarded-For`, so the client is the `n`-th address from
/// the right (the leftmost one if the list is shorter); unparsable entries fall back to the peer.
pub fn client_ip(
    headers: &HeaderMap,
    extensions: &Extensions,
    trusted_hops: usize,
) -> Option<IpAddr> {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    if trusted_hops == 0 {
        return peer;
    }
    let mut hops: Vec<&str> = Vec::new();
    let forwarded = headers.get_all("forwarded");
    if forwarded.iter().next().is_some() {
        for v in forwarded.iter().filter_map(|v| v.to_str().ok()) {
            for element in v.split(',') {
                let for_ = element.split(';').find_map(|pair| {
                    let (k, v) = pair.split_once('=')?;
                    k.trim().eq_ignore_ascii_case("for").then_some(v.trim())
                });
                hops.push(for_.unwrap_or(""));
            }
        }
    } else {
        for v in headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            hops.extend(v.split(',').map(str::trim));
        }
    }
    if hops.is_empty() {
        return peer;
    }
    let index = hops.len().saturating_sub(trusted_hops);
    parse_node(hops[index]).or(peer)
}

/// Parses `1.2.3.4`, `1.2.3.4:80`, `"[2001:db8::1]:80"`, `[2001:db8::1]`, `2001:db8::1`.
/// The address an anonymous caller is limited by: an IPv4 address as it is (an IPv4-mapped IPv6
/// address as the IPv4 one), an IPv6 address by its /64 prefix.
///
/// One subscriber, host or VM gets a whole IPv6 /64 (RFC 6177 and the providers' practice), so
/// limiting each /128 would let one client rotate through 2^64 addresses to escape its quota and to
/// fill the limiter's memory with keys.
pub fn limited_address(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
    }
}

fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sa) = node.parse::<SocketAddr>() {
        return Some(sa.ip());
    }
    let inner = node.strip_prefix('[')?.split(']').next()?;
    inner.parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ipv6_callers_are_limited_by_their_64_prefix() {
        use super::limited_address;
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        assert_eq!(limited_address(ip("203.0.113.9")), ip("203.0.113.9"));
        assert_eq!(limited_address(ip("::ffff:203.0.113.9")), ip("203.0.113.9"));
        assert_eq!(
            limited_address(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")),
            ip("2001:db8:1:2::")
        );
        assert_eq!(
            limited_address(ip("2001:db8:1:2::1")),
            limited_address(ip("2001:db8:1:2::ffff"))
        );
        assert_ne!(
            limited_address(ip("2001:db8:1:2::1")),
            limited_address(ip("2001:db8:1:3::1"))
        );
        assert_eq!(limited_address(ip("::1")), ip("::"));
    }

    use super::*;
    use axum::http::HeaderValue;

    fn ext(peer: &str) -> Extensions {
        let mut e = Extensions::new();
        e.insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        e
    }

    #[test]
    fn headers_ignored_unless_trusted() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 10.0.0.2"),
        );
        let e = ext("10.0.0.1:5000");
        assert_eq!(client_ip(&h, &e, 0), Some("10.0.0.1".parse().unwrap()));
        assert_eq!(client_ip(&h, &e, 1), Some("10.0.0.2".parse().unwrap()));
        assert_eq!(client_ip(&h, &e, 2), Some("6.6.6.6".parse().unwrap()));
        assert_eq!(client_ip(&h, &e, 9), Some("6.6.6.6".parse().unwrap()));
        h.insert(
            "forwarded",
            HeaderValue::from_static("for=\"[2001:db8::1]:4711\";proto=https, for=192.0.2.60"),
        );
        assert_eq!(client_ip(&h, &e, 2), Some("2001:db8::1".parse().unwrap()));
        assert_eq!(client_ip(&HeaderMap::new(), &Extensions::new(), 1), None);
    }
}
