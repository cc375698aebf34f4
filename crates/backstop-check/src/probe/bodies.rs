//! Request-body errors (docs/CONTRACT.md §3.1, §5), sent to the create route. These may create a record on an API
//! that accepts anything, so they run only with `--allow-writes`.

use reqwest::Method;
use serde_json::{Map, Value, json};

use super::{ProbeSpec, Prober, Verdict, expect_code, expect_status, random_id, unreachable};
use crate::http::Request;
use crate::routes::{Operation, Route};
use crate::wire::{ECHO_MARKER, Issue, Shape};

impl Prober {
    /// The create route, its operation, and the path to POST to.
    fn post_target(&self) -> Result<(Route, Operation, String), Box<Verdict>> {
        match self.http().config().routes.post_target() {
            Some((r, o)) => Ok((r.clone(), o.clone(), r.concrete(&random_id()))),
            None => Err(Box::new(Verdict::skip(
                "no JSON POST route known (give --openapi or --post-route)",
            ))),
        }
    }

    async fn post_probe(
        &mut self,
        spec: &'static ProbeSpec,
        content_type: &'static str,
        body: Vec<u8>,
        status: u16,
        code: &str,
    ) -> Verdict {
        let (_, op, path) = match self.post_target() {
            Ok(t) => t,
            Err(v) => return *v,
        };
        let req = Request::new(Method::POST, path)
            .authed(op.secured || self.has_credentials())
            .body(content_type, body);
        let ex = match self.send(spec.name, req).await {
            Ok(ex) => ex,
            Err(e) => return unreachable(spec, e),
        };
        if status != 401
            && let Some(why) = self.blocked(&ex)
        {
            return Verdict::skip(why).evidence(&ex);
        }
        let mut v = Verdict::new(format!("{status} {code}")).evidence(&ex);
        let expected = format!("{status} with code {code}");
        if expect_status(spec, &ex, &[status], &expected, &mut v) {
            expect_code(spec, &ex, &[code], &expected, &mut v);
        }
        v
    }

    pub(super) async fn malformed_json(&mut self, spec: &'static ProbeSpec) -> Verdict {
        let body = format!(r#"{{"backstop_check": "{ECHO_MARKER}", "#).into_bytes();
        self.post_probe(spec, "application/json", body, 400, "INVALID_FORMAT")
            .await
    }

    pub(super) async fn wrong_content_type(&mut self, spec: &'static ProbeSpec) -> Verdict {
        let body = format!("backstop_check={ECHO_MARKER}").into_bytes();
        self.post_probe(spec, "text/plain", body, 415, "UNSUPPORTED_MEDIA_TYPE")
            .await
    }

    pub(super) async fn validation(&mut self, spec: &'static ProbeSpec) -> Verdict {
        let (_, op, path) = match self.post_target() {
            Ok(t) => t,
            Err(v) => return *v,
        };
        let (body, fields, from) = wrong_shape(
            op.body_schema.as_ref(),
            self.http().config().post_body.as_ref(),
        );
        let req = Request::new(Method::POST, path)
            .authed(op.secured || self.has_credentials())
            .body("application/json", body.to_string().into_bytes());
        let ex = match self.send(spec.name, req).await {
            Ok(ex) => ex,
            Err(e) => return unreachable(spec, e),
        };
        if let Some(why) = self.blocked(&ex) {
            return Verdict::skip(why).evidence(&ex);
        }
        let expected = if fields.is_empty() {
            "422 VALIDATION_ERROR with a field map naming the offending fields".to_owned()
        } else {
            format!(
                "422 VALIDATION_ERROR naming every offending field: {}",
                fields.join(", ")
            )
        };
        let mut v = Verdict::new(format!(
            "422 VALIDATION_ERROR naming the offending fields ({from})"
        ))
        .evidence(&ex);
        // The flat profile answers validation errors with 400 (docs/CONTRACT.md §2.2).
        let flat = matches!(
            ex.inspection.as_ref().map(|i| &i.shape),
            Some(Shape::Envelope(backstop::Profile::Flat))
        );
        let statuses: &[u16] = if flat { &[400, 422] } else { &[422] };
        if !expect_status(spec, &ex, statuses, &expected, &mut v)
            || !expect_code(spec, &ex, &["VALIDATION_ERROR"], &expected, &mut v)
        {
            return v;
        }
        let named: Vec<String> = ex
            .inspection
            .as_ref()
            .and_then(|i| i.fields.clone())
            .unwrap_or_default()
            .iter()
            .map(|f| top_field(f).to_owned())
            .collect();
        if named.is_empty() {
            // The envelope reading already names a missing field map; a present but empty one is this finding.
            if ex.inspection.as_ref().is_some_and(|i| i.fields.is_some()) {
                v.issue(Issue::new(
                    "5",
                    "validation.no-fields",
                    "a body of the wrong shape gets VALIDATION_ERROR naming no field",
                    expected.clone(),
                ));
            }
            return v;
        }
        let missing: Vec<&String> = fields.iter().filter(|f| !named.contains(f)).collect();
        if !missing.is_empty() {
            v.issue(Issue::new(
                "5",
                "validation.not-every-field",
                format!(
                    "VALIDATION_ERROR names {} of {} offending fields (missing: {})",
                    fields.len() - missing.len(),
                    fields.len(),
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                expected,
            ));
        }
        v
    }

    /// Bodies of growing size until one gets 413: a server that answers 413 and closes before the upload ends can
    /// break the pipe under a body far over its limit, so the probe starts just over the common limits.
    pub(super) async fn oversized_body(&mut self, spec: &'static ProbeSpec) -> Verdict {
        let (_, op, path) = match self.post_target() {
            Ok(t) => t,
            Err(v) => return *v,
        };
        let max = self.http().config().oversize_bytes;
        let mut sizes: Vec<usize> = [1usize, 2, 4, 8]
            .iter()
            .map(|mib| mib * 1024 * 1024 + 1024)
            .filter(|n| *n < max)
            .collect();
        sizes.push(max);
        let mut last = String::new();
        let pad: String = format!("{ECHO_MARKER} ").repeat(max / (ECHO_MARKER.len() + 1) + 1);
        for n in sizes {
            let mut body = Vec::with_capacity(n + 16);
            body.extend_from_slice(br#"{"pad":""#);
            body.extend_from_slice(&pad.as_bytes()[..n.saturating_sub(10)]);
            body.extend_from_slice(br#""}"#);
            let req = Request::new(Method::POST, path.clone())
                .authed(op.secured || self.has_credentials())
                .body("application/json", body);
            match self.send(spec.name, req).await {
                Ok(ex) if ex.status.as_u16() == 413 => {
                    let mut v =
                        Verdict::new(format!("413 PAYLOAD_TOO_LARGE at {n} bytes")).evidence(&ex);
                    expect_code(
                        spec,
                        &ex,
                        &["PAYLOAD_TOO_LARGE"],
                        "413 with code PAYLOAD_TOO_LARGE",
                        &mut v,
                    );
                    return v;
                }
                Ok(ex) => {
                    if let Some(why) = self.blocked(&ex) {
                        return Verdict::skip(why).evidence(&ex);
                    }
                    last = format!("{n} bytes got {}", ex.status.as_u16());
                }
                Err(e) => last = e,
            }
        }
        let mut v = Verdict::new("");
        v.issue(Issue::new(
            spec.clause,
            "status.oversized_body",
            format!("no 413 for JSON bodies up to {max} bytes (last: {last})"),
            "413 with code PAYLOAD_TOO_LARGE for a body over the limit",
        ));
        v
    }
}

/// A body of the wrong shape, the top-level fields it gets wrong, and where its shape came from: every property of
/// the request schema (at most 16) or member of `--post-body` given a value of another type; else `{}`.
fn wrong_shape(
    schema: Option<&Value>,
    sample: Option<&Value>,
) -> (Value, Vec<String>, &'static str) {
    let mut body = Map::new();
    if let Some(props) = schema
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
    {
        for (name, prop) in props.iter().take(16) {
            if let Some(t) = prop.get("type").and_then(Value::as_str) {
                body.insert(name.clone(), wrong_for(t));
            }
        }
        if !body.is_empty() {
            let fields = body.keys().cloned().collect();
            return (
                Value::Object(body),
                fields,
                "from the OpenAPI request schema",
            );
        }
    }
    if let Some(Value::Object(sample)) = sample {
        for (name, value) in sample.iter().take(16) {
            let t = match value {
                Value::String(_) => "string",
                Value::Number(_) => "number",
                Value::Bool(_) => "boolean",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
                Value::Null => continue,
            };
            body.insert(name.clone(), wrong_for(t));
        }
        if !body.is_empty() {
            let fields = body.keys().cloned().collect();
            return (Value::Object(body), fields, "from --post-body");
        }
    }
    (
        json!({}),
        Vec::new(),
        "an empty object: no schema or --post-body",
    )
}

/// A value that is not of JSON-schema type `t`.
fn wrong_for(t: &str) -> Value {
    match t {
        "string" => json!(12345),
        _ => json!(ECHO_MARKER),
    }
}

/// The top-level field of a path: `items` of `items[2].amount`.
fn top_field(path: &str) -> &str {
    let end = path.find(['.', '[']).unwrap_or(path.len());
    &path[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_gets_another_type() {
        let schema = json!({"properties": {"name": {"type": "string"}, "price": {"type": "number"}, "tags": {"type": "array"}}});
        let (body, fields, _) = wrong_shape(Some(&schema), None);
        assert_eq!(
            body,
            json!({"name": 12345, "price": ECHO_MARKER, "tags": ECHO_MARKER})
        );
        assert_eq!(fields, ["name", "price", "tags"]);
        let (body, fields, _) = wrong_shape(
            Some(&json!({"type": "object"})),
            Some(&json!({"email": "a@b.c", "n": 1})),
        );
        assert_eq!(body, json!({"email": 12345, "n": ECHO_MARKER}));
        assert_eq!(fields, ["email", "n"]);
        assert_eq!(wrong_shape(None, None).0, json!({}));
        assert_eq!(top_field("items[2].amount"), "items");
    }
}
