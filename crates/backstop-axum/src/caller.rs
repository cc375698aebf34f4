//! Who is calling, when no credentials say so: the client's address, from the connection or from
//! proxy headers when told to trust them. One [`CallerIdentity`] is used by rate limiting (the key of
//! an anonymous caller's budget) and by idempotency (the scope of an anonymous caller's keys), so
//! behind a proxy both tell the same clients apart.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap, header};
use backstop::headers::X_FORWARDED_FOR;

/// How an anonymous caller is told apart: its address, read through `trusted_hops` proxies, with an
/// IPv6 address cut to its network prefix.
///
/// The default trusts no proxy header (only the TCP peer counts) and cuts IPv6 to /64 (see
/// [`limited_address`]). Give the same value to [`RateLimitLayer`](crate::RateLimitLayer) and
/// [`IdempotencyLayer`](crate::IdempotencyLayer) (`caller_identity`) when behind a proxy.
///
/// ```
/// use backstop_axum::caller::CallerIdentity;
///
/// // One load balancer in front: the client is the last address it appended.
/// let callers = CallerIdentity::new().trusted_hops(1);
/// # let _ = callers;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallerIdentity {
    trusted_hops: usize,
    ipv6_prefix: u8,
}

impl Default for CallerIdentity {
    fn default() -> Self {
        CallerIdentity {
            trusted_hops: 0,
            ipv6_prefix: 64,
        }
    }
}

impl CallerIdentity {
    /// No trusted proxy, IPv6 callers by their /64.
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts `hops` proxies to append to `Forwarded` / `X-Forwarded-For` (see [`client_ip`]).
    /// With 0 (the default) those headers are ignored, so a client cannot pick its own identity.
    pub fn trusted_hops(mut self, hops: usize) -> Self {
        self.trusted_hops = hops;
        self
    }

    /// The IPv6 prefix length callers are told apart by (default 64, clamped to 128).
    pub fn ipv6_prefix(mut self, bits: u8) -> Self {
        self.ipv6_prefix = bits.min(128);
        self
    }

    /// The number of trusted proxy hops.
    pub fn hops(&self) -> usize {
        self.trusted_hops
    }

    /// The caller's address as this identity counts it (the client IP, IPv6 cut to the prefix, an
    /// IPv4-mapped address as IPv4), or `None` when the request has neither a peer nor a header.
    pub fn address(&self, headers: &HeaderMap, extensions: &Extensions) -> Option<IpAddr> {
        let ip = client_ip(headers, extensions, self.trusted_hops)?;
        Some(cut(ip, self.ipv6_prefix))
    }
}

fn cut(ip: IpAddr, bits: u8) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
                IpAddr::V6((u128::from(v6) & mask).into())
            }
        },
    }
}

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
    let forwarded = headers.get_all(header::FORWARDED);
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
            .get_all(X_FORWARDED_FOR)
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

/// The address an anonymous caller is limited by: an IPv4 address as it is (an IPv4-mapped IPv6
/// address as the IPv4 one), an IPv6 address by its /64 prefix.
///
/// One subscriber, host or VM gets a whole IPv6 /64 (RFC 6177 and the providers' practice), so
/// limiting each /128 would let one client rotate through 2^64 addresses to escape its quota and to
/// fill the limiter's memory with keys.
pub fn limited_address(ip: IpAddr) -> IpAddr {
    cut(ip, 64)
}

/// Parses `1.2.3.4`, `1.2.3.4:80`, `"[2001:db8::1]:80"`, `[2001:db8::1]`, `2001:db8::1`.
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
