//! Routing errors (docs/CONTRACT.md §3.1): unknown paths, unknown resources, refused methods. No request here can
//! change anything: unknown paths and random ids name nothing, and a refused method is sent only under random ids
//! or where the server's own `Allow` leaves it out.

use reqwest::Method;

use super::{ProbeSpec, Prober, Verdict, expect_code, expect_status, random_id, unreachable};
use crate::http::Request;
use crate::wire::Issue;

impl Prober {
    pub(super) async fn unknown_route(&mut self, spec: &'static ProbeSpec) -> Verdict {
        let req = Request::new(Method::GET, format!("/{}", random_id()));
        let ex = match self.send(spec.name, req).await {
            Ok(ex) => ex,
            Err(e) => return unreachable(spec, e),
        };
        let mut v = Verdict::new("404 NOT_FOUND").evidence(&ex);
        let expected = "404 with code NOT_FOUND, before any credential check (§6)";
        if expect_status(spec, &ex, &[404], expected, &mut v) {
            expect_code(spec, &ex, &["NOT_FOUND"], expected, &mut v);
        }
        v
    }

    pub(super) async fn unknown_resource(&mut self, spec: &'static ProbeSpec) -> Verdict {
        let routes = &self.http().config().routes;
        // A route with parameters, else a random id under a known GET route (GET cannot change anything).
        let (path, secured) = match (
            routes.templated_get(),
            routes.all.iter().find(|r| r.op("GET").is_some()),
        ) {
            (Some(r), _) => (
                r.concrete(&random_id()),
                r.op("GET").is_some_and(|o| o.secured),
            ),
            (None, Some(r)) => (
                under_random_id(&r.path),
                r.op("GET").is_some_and(|o| o.secured),
            ),
            (None, None) => {
                return Verdict::skip("no GET route known (give --openapi or --get-route)");
            }
        };
        let req = Request::new(Method::GET, path).authed(secured);
        let ex = match self.send(spec.name, req).await {
            Ok(ex) => ex,
            Err(e) => return unreachable(spec, e),
        };
        if let Some(why) = self.blocked(&ex) {
            return Verdict::skip(why).evidence(&ex);
        }
        let mut v = Verdict::new(format!("{} for a random id", ex.status.as_u16())).evidence(&ex);
        let expected = "404 NOT_FOUND, RESOURCE_NOT_FOUND or <RESOURCE>_NOT_FOUND; 400 INVALID_PARAMETER or 422 VALIDATION_ERROR for a malformed id";
        if expect_status(spec, &ex, &[404, 400, 422], expected, &mut v) {
            let codes: &[&str] = match ex.status.as_u16() {
                404 => &["*NOT_FOUND"],
                _ => &["INVALID_PARAMETER", "VALIDATION_ERROR"],
            };
            if expect_code(spec, &ex, codes, expected, &mut v) {
                v.passed = format!(
                    "{} {} for a random id",
                    ex.status.as_u16(),
                    ex.code().unwrap_or_default()
                );
            }
        }
        v
    }

    pub(super) async fn wrong_method(&mut self, spec: &'static ProbeSpec) -> Verdict {
        let routes = self.http().config().routes.clone();
        // 1. Under random ids, a method the document does not declare.
        if let Some((route, method)) = routes.refused_on_random_id() {
            let secured = route.ops.iter().any(|o| o.secured);
            let path = route.concrete(&random_id());
            return self
                .judge_405(spec, method, path, secured, "the document declares")
                .await;
        }
        // 2. A method the server's own Allow leaves out (OPTIONS is safe).
        for route in routes.all.iter().filter(|r| !r.is_token_endpoint()) {
            let secured = route.ops.iter().any(|o| o.secured);
            let path = route.concrete(&random_id());
            let Ok(ex) = self
                .send(
                    spec.name,
                    Request::new(Method::OPTIONS, path.clone()).authed(secured),
                )
                .await
            else {
                continue;
            };
            let Some(allow) = ex.header("allow").map(|a| a.to_ascii_uppercase()) else {
                continue;
            };
            let allowed: Vec<&str> = allow.split(',').map(str::trim).collect();
            if let Some(m) = ["DELETE", "PATCH", "PUT", "POST"]
                .into_iter()
                .find(|m| !allowed.contains(m))
            {
                return self.judge_405(spec, m, path, secured, "Allow lists").await;
            }
        }
        // 3. Under a random id below a known route: DELETE cannot touch a resource that does not exist.
        let Some(route) = routes
            .all
            .iter()
            .find(|r| !r.is_token_endpoint() && r.path.len() > 1)
        else {
            return Verdict::skip("no route known (give --openapi or --get-route/--post-route)");
        };
        let path = under_random_id(&route.path);
        let secured = route.ops.iter().any(|o| o.secured);
        let ex = match self
            .send(
                spec.name,
                Request::new(Method::DELETE, path).authed(secured),
            )
            .await
        {
            Ok(ex) => ex,
            Err(e) => return unreachable(spec, e),
        };
        match ex.status.as_u16() {
            405 => self.verdict_405(spec, &ex),
            s if (200..300).contains(&s) || s == 404 => Verdict::skip(format!(
                "no route known to refuse a method: {} got {s} (give --openapi)",
                ex.request
            ))
            .evidence(&ex),
            _ => match self.blocked(&ex) {
                Some(why) => Verdict::skip(why).evidence(&ex),
                None => self.verdict_405(spec, &ex),
            },
        }
    }

    async fn judge_405(
        &mut self,
        spec: &'static ProbeSpec,
        method: &str,
        path: String,
        secured: bool,
        source: &str,
    ) -> Verdict {
        let m = Method::from_bytes(method.as_bytes()).unwrap_or(Method::DELETE);
        let ex = match self
            .send(spec.name, Request::new(m, path).authed(secured))
            .await
        {
            Ok(ex) => ex,
            Err(e) => return unreachable(spec, e),
        };
        // The method is known to be refused: its 405 comes before any credential check (§6), so a 401 or 403
        // here is a violation, not a probe blocked by credentials.
        if matches!(ex.status.as_u16(), 401 | 403) {
            let mut v = Verdict::new("").evidence(&ex);
            v.issue(Issue::new(
                "6",
                "order.credentials-before-method",
                format!(
                    "{} got {} ({source} no {method}): credentials are checked before the method",
                    ex.request,
                    ex.status.as_u16()
                ),
                "405 METHOD_NOT_ALLOWED with Allow before any credential check",
            ));
            return v;
        }
        if ex.status.as_u16() == 429
            && let Some(why) = self.blocked(&ex)
        {
            return Verdict::skip(why).evidence(&ex);
        }
        let mut v = self.verdict_405(spec, &ex);
        if let Some(i) = v.issues.iter_mut().find(|i| i.key.starts_with("status.")) {
            i.problem = format!("{} ({source} no {method}) ", i.problem)
                .trim_end()
                .to_owned();
        }
        v
    }

    fn verdict_405(&self, spec: &'static ProbeSpec, ex: &crate::http::Exchange) -> Verdict {
        let mut v = Verdict::new("405 METHOD_NOT_ALLOWED with Allow").evidence(ex);
        let expected = "405 with code METHOD_NOT_ALLOWED and an Allow header";
        if expect_status(spec, ex, &[405], expected, &mut v) {
            if ex.header("allow").is_none_or(|a| a.trim().is_empty()) {
                v.issue(Issue::new(
                    spec.clause,
                    "method.no-allow",
                    "405 responses without an Allow header",
                    expected,
                ));
            }
            expect_code(spec, ex, &["METHOD_NOT_ALLOWED"], expected, &mut v);
        }
        v
    }
}

/// A path under a random id below `path`: `/items/<id>` for `/items` or `/items/`, and for `/items/42` (a
/// resource's own path given as a flag) the id replaced: `/items/<id>`.
fn under_random_id(path: &str) -> String {
    let slash = if path.ends_with('/') { "/" } else { "" };
    let trimmed = path.trim_end_matches('/');
    let (parent, last) = trimmed.rsplit_once('/').unwrap_or(("", trimmed));
    let looks_like_id = !last.is_empty()
        && (last.bytes().all(|b| b.is_ascii_digit())
            || (last.len() >= 16 && last.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')));
    let base = if looks_like_id { parent } else { trimmed };
    format!("{base}/{}{slash}", random_id())
}

#[cfg(test)]
mod tests {
    #[test]
    fn random_ids_go_below_collections_and_replace_ids() {
        let p = super::under_random_id("/items");
        assert!(
            p.starts_with("/items/backstop-check-") && !p.ends_with('/'),
            "{p}"
        );
        assert!(super::under_random_id("/items/").ends_with('/'));
        let p = super::under_random_id("/items/42");
        assert!(
            p.starts_with("/items/backstop-check-") && p.matches('/').count() == 2,
            "{p}"
        );
    }
}
