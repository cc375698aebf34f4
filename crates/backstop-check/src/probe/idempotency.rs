//! Idempotency keys (docs/CONTRACT.md §9.2, §9.3): a repeat is a replay, another body under the same key is refused.
//! Runs only with `--allow-writes`: the first POST may create a record.

use reqwest::Method;

use super::{ProbeSpec, Prober, Verdict, expect_code, expect_status, unreachable};
use crate::http::Request;
use crate::wire::Issue;

/// What the replay probe sent.
pub(crate) struct Sent {
    key: String,
    path: String,
    body: Vec<u8>,
    /// Whether the API replayed the repeat (it has idempotency keys at all).
    replayed: bool,
    auth: bool,
}

fn absent(detail: String) -> Issue {
    Issue::new(
        "9.2",
        "idempotency.absent",
        format!("the API has no idempotency keys: {detail}"),
        "a repeat with the same Idempotency-Key replays the first response with Idempotent-Replayed: true; another body under it gets 422 IDEMPOTENCY_KEY_MISMATCH",
    )
}

impl Prober {
    pub(super) async fn idempotency_replay(&mut self, spec: &'static ProbeSpec) -> Verdict {
        let (route, op) = match self.http().config().routes.post_target() {
            Some((r, o)) => (r.clone(), o.clone()),
            None => {
                return Verdict::skip("no JSON POST route known (give --openapi or --post-route)");
            }
        };
        let path = route.concrete(&super::random_id());
        let body = match &self.http().config().post_body {
            Some(b) => b.to_string().into_bytes(),
            None => b"{}".to_vec(),
        };
        let key = format!("check-{}", uuid::Uuid::now_v7().simple());
        let auth = op.secured || self.has_credentials();
        let request = || {
            Request::new(Method::POST, path.clone())
                .authed(auth)
                .header("idempotency-key", &key)
                .body("application/json", body.clone())
        };
        let first = match self.send(spec.name, request()).await {
            Ok(ex) => ex,
            Err(e) => return unreachable(spec, e),
        };
        if let Some(why) = self.blocked(&first) {
            return Verdict::skip(why).evidence(&first);
        }
        if first.status.is_server_error() {
            let mut v = Verdict::new("").evidence(&first);
            v.issue(Issue::new(
                spec.clause,
                "status.idempotency_replay",
                format!(
                    "{} got {}, which is never stored: the replay cannot be tested",
                    first.request,
                    first.status.as_u16()
                ),
                "a stored outcome for the first request",
            ));
            return v;
        }
        let second = match self.send(spec.name, request()).await {
            Ok(ex) => ex,
            Err(e) => return unreachable(spec, e),
        };
        let replayed = second.header("idempotent-replayed") == Some("true");
        self.idempotency = Some(Sent {
            key: key.clone(),
            path: path.clone(),
            body: body.clone(),
            replayed,
            auth,
        });
        let mut v = Verdict::new(format!(
            "the repeat replays {} with Idempotent-Replayed: true",
            first.status.as_u16()
        ))
        .evidence(&second);
        if !replayed {
            if second.status.as_u16() == first.status.as_u16() && !second.status.is_client_error() {
                v.issue(absent(format!(
                    "the same POST sent twice with one Idempotency-Key ran twice ({} then {}, no Idempotent-Replayed)",
                    first.status.as_u16(),
                    second.status.as_u16()
                )));
            } else if second.status.as_u16() == first.status.as_u16() {
                v.issue(absent(format!(
                    "a repeat with the same Idempotency-Key got {} again without Idempotent-Replayed: true",
                    second.status.as_u16()
                )));
            } else {
                v.issue(Issue::new(
                    spec.clause,
                    "idempotency.not-replayed",
                    format!(
                        "a repeat with the same Idempotency-Key got {} where the first got {}",
                        second.status.as_u16(),
                        first.status.as_u16()
                    ),
                    "the first response replayed, with Idempotent-Replayed: true",
                ));
            }
        } else if second.status != first.status || second.body != first.body {
            v.issue(Issue::new(
                spec.clause,
                "idempotency.replay-differs",
                "a replay differs from the first response (status or body)",
                "the first response's status and body, byte for byte",
            ));
        }
        v
    }

    pub(super) async fn idempotency_mismatch(&mut self, spec: &'static ProbeSpec) -> Verdict {
        let Some(sent) = self.idempotency.take() else {
            return Verdict::skip("the replay probe sent nothing to compare with");
        };
        let mut other = sent.body.clone();
        if other == b"{}" {
            other = br#"{"backstop_check":1}"#.to_vec();
        } else {
            other.extend_from_slice(b" ");
        }
        let req = Request::new(Method::POST, sent.path.clone())
            .authed(sent.auth)
            .header("idempotency-key", &sent.key)
            .body("application/json", other);
        let ex = match self.send(spec.name, req).await {
            Ok(ex) => ex,
            Err(e) => return unreachable(spec, e),
        };
        let mut v = Verdict::new("422 IDEMPOTENCY_KEY_MISMATCH for another body").evidence(&ex);
        let refused =
            ex.status.as_u16() == 422 && ex.code().as_deref() == Some("IDEMPOTENCY_KEY_MISMATCH");
        if !sent.replayed && !refused {
            v.issue(absent(format!(
                "another body under a used Idempotency-Key got {}",
                ex.status.as_u16()
            )));
            return v;
        }
        let expected = "422 with code IDEMPOTENCY_KEY_MISMATCH";
        if expect_status(spec, &ex, &[422], expected, &mut v) {
            expect_code(spec, &ex, &["IDEMPOTENCY_KEY_MISMATCH"], expected, &mut v);
        }
        v
    }
}
