//! Request ids (docs/CONTRACT.md §4): a valid incoming id is kept, an invalid one replaced.

use backstop::is_valid_request_id;
use reqwest::Method;

use super::{ProbeSpec, Prober, Verdict, random_id, unreachable};
use crate::http::Request;
use crate::wire::Issue;

const EXPECTED: &str = "X-Request-Id on every response: a valid incoming id (1..=128 of [A-Za-z0-9._:-]) kept, anything else replaced by a fresh one";

impl Prober {
    /// A path any client may GET: a public route, else a path that does not exist (its 404 must carry the id too).
    fn plain_path(&self) -> String {
        match self.http().config().routes.public_get() {
            Some(r) => r.path.clone(),
            None => format!("/{}", random_id()),
        }
    }

    pub(super) async fn request_id_echoed(&mut self, spec: &'static ProbeSpec) -> Verdict {
        let id = format!("check-{}", uuid::Uuid::now_v7().simple());
        let req = Request::new(Method::GET, self.plain_path()).header("x-request-id", &id);
        let ex = match self.send(spec.name, req).await {
            Ok(ex) => ex,
            Err(e) => return unreachable(spec, e),
        };
        let mut v = Verdict::new("a valid incoming X-Request-Id is kept").evidence(&ex);
        match ex.header("x-request-id") {
            Some(got) if got == id => {}
            Some(got) => v.issue(Issue::new(
                spec.clause,
                "request-id.not-kept",
                format!("a valid incoming X-Request-Id was replaced ({id} -> {got})"),
                EXPECTED,
            )),
            None => v.issue(absent()),
        }
        v
    }

    pub(super) async fn request_id_replaced(&mut self, spec: &'static ProbeSpec) -> Verdict {
        let mut v = Verdict::new("invalid incoming ids are replaced by fresh valid ones");
        let path = self.plain_path();
        for bad in [
            "evil%0d%0aSet-Cookie: backstop=1\tinjected",
            &"a".repeat(1024),
        ] {
            let req = Request::new(Method::GET, path.clone()).header("x-request-id", bad);
            let ex = match self.send(spec.name, req).await {
                Ok(ex) => ex,
                Err(e) => return unreachable(spec, e),
            };
            let shown = if bad.len() > 40 {
                "a 1 KiB id"
            } else {
                "an id with CR/LF-like text"
            };
            match ex.header("x-request-id") {
                None => v.issue(absent()),
                Some(got) if got == bad => v.issue(Issue::new(
                    spec.clause,
                    "request-id.invalid-kept",
                    format!("an invalid incoming X-Request-Id ({shown}) is sent back as is"),
                    EXPECTED,
                )),
                Some(got) if !is_valid_request_id(got) => v.issue(Issue::new(
                    spec.clause,
                    "request-id.invalid-made",
                    format!(
                        "the replacement X-Request-Id {:?} is not a valid id",
                        crate::wire::excerpt(got, 60)
                    ),
                    EXPECTED,
                )),
                Some(_) => {}
            }
            if ex
                .headers
                .get_all("set-cookie")
                .iter()
                .any(|c| c.as_bytes().starts_with(b"backstop="))
            {
                v.issue(Issue::new(
                    spec.clause,
                    "request-id.header-injection",
                    "a header was injected through X-Request-Id",
                    EXPECTED,
                ));
            }
            v = v.evidence(&ex);
        }
        v
    }
}

/// The one finding for an API without request ids.
fn absent() -> Issue {
    Issue::new(
        "4",
        "request-id.absent",
        "responses carry no request id (no X-Request-Id header, no request_id member)",
        "X-Request-Id on every response, equal to the error body's request_id",
    )
}
