//! A contract error kept as data for replay: code, status, message, details (fields or context,
//! told apart), retryability and `Retry-After`, in a JSON form that reads back exactly.
//!
//! A replayed error must say what the first answer said (docs/CONTRACT.md §9.2), in whatever
//! profile the server speaks at replay time. Storing the encoded body would tie it to one profile,
//! and decoding an envelope cannot always tell field violations from a context map whose values
//! happen to be lists of strings; so the error itself is stored, and the contract encodes it again,
//! with the replaying request's id and timestamp.

use std::time::Duration;

use axum::http::StatusCode;
use backstop::{ApiError, Code, Details, FieldViolations};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Serialize, Deserialize)]
struct Stored {
    code: String,
    status: u16,
    code_retryable: bool,
    message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fields: Option<Vec<(String, Vec<backstop::Text>)>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    context: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retryable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retry_after_secs: Option<u64>,
}

/// The stored form of `error` (without request id, timestamp or source).
pub(crate) fn to_bytes(error: &ApiError) -> Vec<u8> {
    let code = error.code();
    let (fields, context) = match error.details() {
        Some(Details::Fields(f)) => (
            Some(
                f.iter()
                    .map(|(name, msgs)| (name.to_owned(), msgs.to_vec()))
                    .collect(),
            ),
            None,
        ),
        Some(Details::Context(c)) => (None, Some(c.clone())),
        None => (None, None),
    };
    let stored = Stored {
        code: code.name().to_owned(),
        status: error.status().as_u16(),
        code_retryable: code.is_retryable(),
        message: error.message().to_owned(),
        fields,
        context,
        retryable: Some(error.is_retryable()),
        retry_after_secs: error.retry_after().map(|d| d.as_secs()),
    };
    // Strings, numbers and JSON values only: serializing cannot fail.
    serde_json::to_vec(&stored).unwrap_or_default()
}

/// The error `to_bytes` stored; `None` if the bytes are not such a record.
pub(crate) fn from_bytes(bytes: &[u8]) -> Option<ApiError> {
    let s: Stored = serde_json::from_slice(bytes).ok()?;
    let status = StatusCode::from_u16(s.status).ok()?;
    let code = Code::from_catalog(&s.code)
        .filter(|c| c.status() == status)
        .or_else(|| Code::custom(s.code.clone(), status, s.code_retryable).ok())?;
    let mut error = ApiError::new(code).with_message(s.message);
    if error.status() != status {
        error = error.with_status(status);
    }
    if let Some(fields) = s.fields {
        let mut violations = FieldViolations::default();
        for (name, msgs) in fields {
            for msg in msgs {
                violations.add(name.clone(), msg);
            }
        }
        error = error.with_details(Details::Fields(violations));
    } else if let Some(context) = s.context {
        error = error.with_details(Details::Context(context));
    }
    if let Some(r) = s.retryable {
        error = error.with_retryable(r);
    }
    if let Some(secs) = s.retry_after_secs {
        error = error.with_retry_after(Duration::from_secs(secs));
    }
    Some(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &ApiError, b: &ApiError) {
        assert_eq!(a.code().name(), b.code().name());
        assert_eq!(a.status(), b.status());
        assert_eq!(a.message(), b.message());
        assert_eq!(a.details(), b.details());
        assert_eq!(a.is_retryable(), b.is_retryable());
        assert_eq!(a.retry_after(), b.retry_after());
    }

    #[test]
    fn errors_read_back_exactly() {
        let cases = [
            ApiError::validation()
                .with_field("email", "Enter a valid email address.")
                .with_field("items[2].amount", "Must be at least 0")
                .with_field("email", "Too long."),
            ApiError::new(Code::DUPLICATE_EXTERNAL_ID)
                .with_detail("resource", "invoice")
                .with_detail("id", "inv_1"),
            // A context whose values are lists of strings stays a context.
            ApiError::new(Code::INVALID_PARAMETER)
                .with_detail("allowed", serde_json::json!(["GBP", "EUR"])),
            ApiError::not_found("invoice", "inv_9").with_message("No such invoice"),
            ApiError::new(
                Code::custom("CARD_DECLINED", StatusCode::PAYMENT_REQUIRED, false).unwrap(),
            ),
            ApiError::rate_limited(Duration::from_secs(7)),
        ];
        for e in cases {
            let back = from_bytes(&to_bytes(&e)).expect("reads back");
            same(&e, &back);
        }
        assert!(from_bytes(b"not json").is_none());
    }
}
