//! Reading a server's quota from its response headers: `RateLimit` / `RateLimit-Policy`
//! (draft-ietf-httpapi-ratelimit-headers-11, and the dictionary form of draft-07), and the older
//! `X-RateLimit-Limit` / `-Remaining` / `-Reset` trio (also without the `X-`).
//!
//! Hand-written rather than through `sfv`: the fields are parsed on every response that carries
//! them, the grammar needed is a small subset of RFC 8941 (strings, tokens, integers and their
//! parameters), and a whole-list allocation per response would be the most expensive thing on the
//! success path. As the draft requires, a malformed field is ignored entirely.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, HeaderName};

/// What a response announced about the tightest of its quota policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Announced {
    /// Quota units left in the current window.
    pub(crate) remaining: u64,
    /// Until the window resets.
    pub(crate) reset: Duration,
    /// Units per window, when the policy says (`q`, `X-RateLimit-Limit`).
    pub(crate) limit: Option<u64>,
    /// The window's length, when the policy says (`w`).
    pub(crate) window: Option<Duration>,
}

use backstop::headers::{RATELIMIT, RATELIMIT_POLICY};
const X_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
const X_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
const X_RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");
const LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
const RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

/// The longest reset believed: a field announcing a longer one is treated as malformed.
const MAX_RESET: Duration = Duration::from_secs(24 * 60 * 60);

/// Reads the quota fields of `headers` (`None` when there are none, or none well-formed); `now`
/// resolves `X-RateLimit-Reset` given as a Unix time.
pub(crate) fn quota(headers: &HeaderMap, now: SystemTime) -> Option<Announced> {
    if let Some(v) = headers.get(RATELIMIT).and_then(|v| v.to_str().ok()) {
        let policy = headers.get(RATELIMIT_POLICY).and_then(|v| v.to_str().ok());
        let q = structured(v, policy).or_else(|| draft07(v));
        if q.is_some() {
            return q;
        }
    }
    for (limit, remaining, reset) in [
        (&X_LIMIT, &X_REMAINING, &X_RESET),
        (&LIMIT, &REMAINING, &RESET),
    ] {
        let field = |name: &HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        if let Some(r) = field(remaining) {
            return Some(Announced {
                remaining: integer(r)?,
                reset: reset_time(field(reset)?, now)?,
                limit: field(limit).and_then(integer),
                window: None,
            });
        }
    }
    None
}

/// `X-RateLimit-Reset`: delta-seconds, or a Unix time in seconds (GitHub) or milliseconds; told
/// apart by size (no window lasts 30 years).
fn reset_time(v: &str, now: SystemTime) -> Option<Duration> {
    let n = integer(v)?;
    let since_epoch = now.duration_since(UNIX_EPOCH).ok()?;
    let d = if n >= 1_000_000_000_000 {
        Duration::from_millis(n).saturating_sub(since_epoch)
    } else if n >= 1_000_000_000 {
        Duration::from_secs(n).saturating_sub(since_epoch)
    } else {
        Duration::from_secs(n)
    };
    (d <= MAX_RESET).then_some(d)
}

/// A non-negative decimal integer of at most 15 digits (RFC 8941 §3.3.1).
fn integer(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 15 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// One list member of `RateLimit` or `RateLimit-Policy`: the policy name and the parameters read.
#[derive(Debug, Default)]
struct Member<'a> {
    name: &'a str,
    /// `r` (RateLimit).
    remaining: Option<u64>,
    /// `t` (RateLimit).
    reset: Option<u64>,
    /// `q` (RateLimit-Policy).
    quota: Option<u64>,
    /// `w` (RateLimit-Policy).
    window: Option<u64>,
}

/// Draft-11: `RateLimit: "default";r=0;t=30, "daily";r=100;t=3600`, with `RateLimit-Policy:
/// "default";q=100;w=60` giving each policy's quota and window (and the reset when `t` is absent).
/// The policy with the fewest units left is the one announced. `None` when malformed.
fn structured(field: &str, policy: Option<&str>) -> Option<Announced> {
    let members = list(field)?;
    let policies = policy.and_then(list).unwrap_or_default();
    let mut tightest: Option<Announced> = None;
    for m in &members {
        // `r` is required by the draft: a member without it is malformed.
        let remaining = m.remaining?;
        let p = policies.iter().find(|p| p.name == m.name);
        let window = p.and_then(|p| p.window).map(Duration::from_secs);
        let reset = m.reset.map(Duration::from_secs).or(window)?;
        if reset > MAX_RESET {
            return None;
        }
        let announced = Announced {
            remaining,
            reset,
            limit: p.and_then(|p| p.quota),
            window,
        };
        let tighter = tightest.is_none_or(|t| {
            (remaining, std::cmp::Reverse(reset)) < (t.remaining, std::cmp::Reverse(t.reset))
        });
        if tighter {
            tightest = Some(announced);
        }
    }
    tightest
}

/// Parses an RFC 8941 list of strings or tokens with parameters, keeping the integer parameters
/// `r`, `t` and `w`. `None` for anything malformed.
fn list(s: &str) -> Option<Vec<Member<'_>>> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    let skip_sp = |i: &mut usize| {
        while *i < b.len() && (b[*i] == b' ' || b[*i] == b'\t') {
            *i += 1;
        }
    };
    skip_sp(&mut i);
    if i == b.len() {
        return Some(out);
    }
    loop {
        // The bare item: a string or a token.
        let name = if b[i] == b'"' {
            let start = i + 1;
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' || !(0x20..0x7f).contains(&b[i]) {
                    return None;
                }
                i += 1;
            }
            if i == b.len() {
                return None;
            }
            i += 1;
            &s[start..i - 1]
        } else if b[i].is_ascii_alphabetic() || b[i] == b'*' {
            let start = i;
            while i < b.len() && is_tchar(b[i]) {
                i += 1;
            }
            &s[start..i]
        } else {
            return None;
        };
        let mut m = Member {
            name,
            ..Member::default()
        };
        // Parameters: `;key=value` (a key alone means true).
        while i < b.len() && b[i] == b';' {
            i += 1;
            skip_sp(&mut i);
            let start = i;
            while i < b.len()
                && (b[i].is_ascii_lowercase() || b[i].is_ascii_digit() || b"_-.*".contains(&b[i]))
            {
                i += 1;
            }
            if start == i || !b[start].is_ascii_lowercase() && b[start] != b'*' {
                return None;
            }
            let key = &s[start..i];
            if i < b.len() && b[i] == b'=' {
                i += 1;
                let vstart = i;
                if i < b.len() && b[i] == b'"' {
                    i += 1;
                    while i < b.len() && b[i] != b'"' {
                        i += 1;
                    }
                    if i == b.len() {
                        return None;
                    }
                    i += 1;
                } else if i < b.len() && b[i] == b':' {
                    // A byte sequence (`pk=:...:`).
                    i += 1;
                    while i < b.len() && b[i] != b':' {
                        i += 1;
                    }
                    if i == b.len() {
                        return None;
                    }
                    i += 1;
                } else {
                    while i < b.len() && !matches!(b[i], b';' | b',' | b' ' | b'\t') {
                        i += 1;
                    }
                }
                let value = &s[vstart..i];
                let slot = match key {
                    "r" => Some(&mut m.remaining),
                    "t" => Some(&mut m.reset),
                    "q" => Some(&mut m.quota),
                    "w" => Some(&mut m.window),
                    _ => None,
                };
                if let Some(slot) = slot {
                    *slot = Some(integer(value)?);
                }
            }
        }
        out.push(m);
        skip_sp(&mut i);
        if i == b.len() {
            return Some(out);
        }
        if b[i] != b',' {
            return None;
        }
        i += 1;
        skip_sp(&mut i);
        if i == b.len() {
            return None;
        }
        if out.len() >= 16 {
            return None;
        }
    }
}

fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~:/".contains(&c)
}

/// Draft-07's dictionary: `RateLimit: limit=100, remaining=0, reset=30`. `None` when malformed.
fn draft07(field: &str) -> Option<Announced> {
    let (mut limit, mut remaining, mut reset) = (None, None, None);
    for part in field.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        let v = Some(integer(v.trim())?);
        match k.trim() {
            "remaining" => remaining = v,
            "reset" => reset = v,
            "limit" => limit = v,
            _ => {}
        }
    }
    let reset = Duration::from_secs(reset?);
    (reset <= MAX_RESET).then_some(Announced {
        remaining: remaining?,
        reset,
        limit,
        window: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn q(pairs: &[(&str, &str)]) -> Option<Announced> {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        quota(&h, UNIX_EPOCH + Duration::from_secs(1_700_000_000))
    }
    const S: fn(u64) -> Duration = Duration::from_secs;
    fn a(remaining: u64, reset: u64) -> Option<Announced> {
        Some(Announced {
            remaining,
            reset: S(reset),
            limit: None,
            window: None,
        })
    }

    #[test]
    fn draft_11_fields() {
        assert_eq!(q(&[("ratelimit", r#""default";r=0;t=30"#)]), a(0, 30));
        assert_eq!(q(&[("ratelimit", r#""default";r=5;t=30"#)]), a(5, 30));
        assert_eq!(
            q(&[("ratelimit", r#""burst";r=3;t=1, "daily";r=0;t=3600"#)]),
            a(0, 3600),
            "the tightest policy"
        );
        assert_eq!(
            q(&[("ratelimit", r#"default;r=0;t=10;pk=:dXNlcjEyMw==:"#)]),
            a(0, 10),
            "token names and byte-sequence parameters"
        );
        assert_eq!(
            q(&[
                ("ratelimit", r#""default";r=0"#),
                ("ratelimit-policy", r#""default";q=100;w=60"#)
            ]),
            Some(Announced {
                remaining: 0,
                reset: S(60),
                limit: Some(100),
                window: Some(S(60))
            }),
            "no t: the policy's window"
        );
    }

    #[test]
    fn malformed_fields_are_ignored() {
        for bad in [
            r#""default";r=-1;t=30"#,
            r#""default";r=0;t=soon"#,
            r#""default";r=0;t=1.5"#,
            r#""default";t=30"#,
            r#""default";r=0"#,
            r#""unterminated;r=0;t=3"#,
            r#""a";r=0;t=3,"#,
            r#"1;r=0;t=3"#,
            r#""a";r=0;t=999999999999"#,
            "",
        ] {
            assert_eq!(q(&[("ratelimit", bad)]), None, "{bad:?}");
        }
        assert_eq!(
            q(&[
                ("ratelimit", r#""a";r=0;t=x"#),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "9")
            ]),
            a(0, 9),
            "a malformed RateLimit falls through to the older fields"
        );
    }

    #[test]
    fn draft_07_dictionary() {
        assert_eq!(
            q(&[("ratelimit", "limit=100, remaining=0, reset=30")]),
            Some(Announced {
                remaining: 0,
                reset: S(30),
                limit: Some(100),
                window: None
            })
        );
        assert_eq!(
            q(&[("ratelimit", "limit=100, remaining=x, reset=30")]),
            None
        );
    }

    #[test]
    fn x_ratelimit_trio() {
        assert_eq!(
            q(&[
                ("x-ratelimit-limit", "60"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "20")
            ]),
            Some(Announced {
                remaining: 0,
                reset: S(20),
                limit: Some(60),
                window: None
            })
        );
        assert_eq!(
            q(&[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1700000042")
            ]),
            a(0, 42),
            "a Unix time (GitHub)"
        );
        assert_eq!(
            q(&[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1700000001500")
            ])
            .map(|a| a.reset),
            Some(Duration::from_millis(1500)),
            "a Unix time in milliseconds"
        );
        assert_eq!(
            q(&[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1600000000")
            ]),
            a(0, 0),
            "a reset in the past"
        );
        assert_eq!(
            q(&[("ratelimit-remaining", "0"), ("ratelimit-reset", "5")]),
            a(0, 5)
        );
        assert_eq!(
            q(&[
                ("x-ratelimit-remaining", "zero"),
                ("x-ratelimit-reset", "5")
            ]),
            None
        );
        assert_eq!(
            q(&[("x-ratelimit-remaining", "0")]),
            None,
            "no reset: nothing to pace by"
        );
        assert_eq!(q(&[]), None);
    }
}
