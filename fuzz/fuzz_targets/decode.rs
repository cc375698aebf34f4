//! Fuzzes `backstop::decode`: any status, any headers' Retry-After, any body. It must never panic,
//! and what it keeps of an unrecognised body is bounded.
#![no_main]

use backstop::http::{HeaderMap, HeaderValue, StatusCode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let status = StatusCode::from_u16(100 + (u16::from_le_bytes([data[0], data[1]]) % 900))
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let split = (data[2] as usize).min(data.len() - 3);
    let (header, body) = data[3..].split_at(split);
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_bytes(header) {
        headers.insert("retry-after", v.clone());
        headers.insert("x-request-id", v);
    }
    let e = backstop::decode(status, Some(&headers), body);
    assert!(e.body_excerpt().map_or(0, str::len) <= backstop::MAX_EXCERPT_BYTES * 3);
    assert!(e.status().is_client_error() || e.status().is_server_error());
    assert!(e.retry_after().is_none_or(|d| d <= backstop::MAX_RETRY_AFTER));
    // Whatever was decoded must encode again in every profile.
    for p in backstop::Profile::ALL {
        let _ = p.encode(&e);
    }
});
