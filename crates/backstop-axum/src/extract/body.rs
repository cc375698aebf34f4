//! Reading a request body, with the contract's errors.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use backstop::{ApiError, Code};

/// The whole body; 413 `PAYLOAD_TOO_LARGE` beyond the limit, 400 `INVALID_REQUEST` if it breaks off.
pub(crate) async fn read<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(Code::PAYLOAD_TOO_LARGE)
        } else {
            ApiError::new(Code::INVALID_REQUEST)
                .with_message("The request body could not be read")
                .with_source(rejection)
        }
    })
}

/// Whether the `Content-Type` is `type/subtype` or `type/*+suffix` (parameters ignored).
pub(crate) fn has_content_type(headers: &HeaderMap, ty: &str, subtype: &str) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    let Some((t, s)) = essence.split_once('/') else {
        return false;
    };
    t.eq_ignore_ascii_case(ty)
        && (s.eq_ignore_ascii_case(subtype)
            || s.rsplit_once('+')
                .is_some_and(|(_, suffix)| suffix.eq_ignore_ascii_case(subtype)))
}

/// 415 naming the expected media type.
pub(crate) fn unsupported(expected: &'static str) -> ApiError {
    ApiError::new(Code::UNSUPPORTED_MEDIA_TYPE)
        .with_message(format!("Expected Content-Type: {expected}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        let mut h = HeaderMap::new();
        for (v, ok) in [
            ("application/json", true),
            ("application/json; charset=utf-8", true),
            ("Application/JSON", true),
            ("application/cloudevents+json", true),
            ("text/json", false),
            ("text/plain", false),
            ("application/jsonx", false),
        ] {
            h.insert(header::CONTENT_TYPE, v.parse().unwrap());
            assert_eq!(has_content_type(&h, "application", "json"), ok, "{v}");
        }
        assert!(!has_content_type(&HeaderMap::new(), "application", "json"));
    }
}
