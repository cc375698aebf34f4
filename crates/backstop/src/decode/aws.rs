//! AWS's JSON protocols (`awsJson1_0`, `awsJson1_1`, `restJson1`): `{"__type":
//! "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", "message"}` (or `Message`), the
//! type in the `X-Amzn-ErrorType` header for REST APIs.
//!
//! The code is the type, sanitized as the protocol specifies (the part before the first `:`, then
//! after the last `#`) and spelled SCREAMING_SNAKE: `RESOURCE_NOT_FOUND_EXCEPTION`. The request id
//! is the `x-amzn-RequestId` header.

use std::borrow::Cow;

use http::HeaderMap;

use super::parts::Parts;
use super::raw::{Obj, Text, text};

/// The REST protocols' error type header.
const ERROR_TYPE: &str = "x-amzn-errortype";

/// A top-level object is AWS's when it has `__type`, or when the response has `X-Amzn-ErrorType`
/// and the body names no code of its own.
pub(crate) fn matches(top: &Obj<'_>, headers: Option<&HeaderMap>) -> bool {
    top.aws_type.is_some()
        || (top.code.is_none()
            && top.error_code.is_none()
            && headers.is_some_and(|h| h.contains_key(ERROR_TYPE)))
}

pub(crate) fn parts<'de>(top: Obj<'de>, headers: Option<&HeaderMap>) -> Parts<'de> {
    let code = match top.aws_type.as_ref().and_then(Text::as_str) {
        Some(t) => Some(Cow::Owned(sanitize(t).to_owned())),
        None => headers
            .and_then(|h| h.get(ERROR_TYPE))
            .and_then(|v| v.to_str().ok())
            .map(|t| Cow::Owned(sanitize(t).to_owned())),
    };
    Parts {
        code,
        message: text(top.message),
        ..Parts::default()
    }
}

/// `aws.protocoltests#ComplexError:http://internal.amazon.com/` gives `ComplexError`.
fn sanitize(t: &str) -> &str {
    let t = t.split(':').next().unwrap_or(t);
    t.rsplit('#').next().unwrap_or(t).trim()
}

#[cfg(test)]
mod tests {
    #[test]
    fn types_are_sanitized_as_the_protocol_says() {
        for (raw, code) in [
            ("FooError", "FooError"),
            (
                "FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/",
                "FooError",
            ),
            ("aws.protocoltests.restjson#FooError", "FooError"),
            (
                "aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/",
                "FooError",
            ),
        ] {
            assert_eq!(super::sanitize(raw), code);
        }
    }
}
