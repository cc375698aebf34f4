//! Authentication errors (docs/CONTRACT.md §7.2, §7.3), on GET routes only: a request without credentials to a
//! route that forgot its check must not be able to create anything.

use reqwest::Method;

use super::{ProbeSpec, Prober, Verdict, expect_code, expect_status, random_id, unreachable};
use crate::http::Request;
use crate::wire::Issue;

impl Prober {
    fn secured_path(&self) -> Option<(String, bool)> {
        let route = self.http().config().routes.secured_get()?;
        let bearer = route.op("GET").is_some_and(|o| {
            o.schemes.is_empty() || o.schemes.iter().any(|s| s == "bearer" || s == "oauth2")
        });
        Some((route.concrete(&random_id()), bearer))
    }

    pub(super) async fn missing_credentials(&mut self, spec: &'static ProbeSpec) -> Verdict {
        let Some((path, _)) = self.secured_path() else {
            return Verdict::skip(
                "no GET route known to need credentials (give --openapi, or --get-route with --routes-need-auth)",
            );
        };
        let ex = match self.send(spec.name, Request::new(Method::GET, path)).await {
            Ok(ex) => ex,
            Err(e) => return unreachable(spec, e),
        };
        let mut v = Verdict::new("401 AUTHENTICATION_REQUIRED with WWW-Authenticate").evidence(&ex);
        let expected = "401 with code AUTHENTICATION_REQUIRED and a WWW-Authenticate challenge";
        if expect_status(spec, &ex, &[401], expected, &mut v) {
            expect_code(spec, &ex, &["AUTHENTICATION_REQUIRED"], expected, &mut v);
            if ex.header("www-authenticate").is_none() {
                v.issue(no_challenge());
            }
        }
        v
    }

    pub(super) async fn garbage_token(&mut self, spec: &'static ProbeSpec) -> Verdict {
        let Some((path, bearer)) = self.secured_path() else {
            return Verdict::skip(
                "no GET route known to need credentials (give --openapi, or --get-route with --routes-need-auth)",
            );
        };
        let req = Request::new(Method::GET, path)
            .header("authorization", "Bearer backstop-check.garbage.token");
        let ex = match self.send(spec.name, req).await {
            Ok(ex) => ex,
            Err(e) => return unreachable(spec, e),
        };
        let mut v =
            Verdict::new("401 with WWW-Authenticate: Bearer error=\"invalid_token\"").evidence(&ex);
        let expected = "401 with code INVALID_TOKEN (or INVALID_API_KEY, AUTHENTICATION_FAILED) and WWW-Authenticate: Bearer error=\"invalid_token\"";
        if expect_status(spec, &ex, &[401], expected, &mut v) {
            expect_code(
                spec,
                &ex,
                &["INVALID_TOKEN", "INVALID_API_KEY", "AUTHENTICATION_FAILED"],
                expected,
                &mut v,
            );
            match ex.header("www-authenticate") {
                None => v.issue(no_challenge()),
                Some(c) if bearer && !c.contains("invalid_token") => v.issue(Issue::new(
                    "7.3",
                    "auth.challenge-without-error",
                    format!("a rejected bearer token gets WWW-Authenticate {c:?}, without error=\"invalid_token\""),
                    "WWW-Authenticate: Bearer error=\"invalid_token\" (RFC 6750)",
                )),
                Some(_) => {}
            }
        }
        v
    }
}

fn no_challenge() -> Issue {
    Issue::new(
        "7.3",
        "auth.no-challenge",
        "401 responses without WWW-Authenticate",
        "a WWW-Authenticate challenge on every 401 (Bearer error=\"invalid_token\" for a bad token)",
    )
}
