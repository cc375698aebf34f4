//! Which routes to probe: read from the API's OpenAPI document, or given as flags.
//!
//! Paths keep their templates (`/items/{id}`); a probe fills each parameter with a fresh random id
//! ([`Route::concrete`]), so a request can never name an existing resource.

use serde_json::Value;

/// One operation of a route.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The method, upper case.
    pub method: String,
    /// Whether it needs credentials.
    pub secured: bool,
    /// The security schemes it accepts, by type (`bearer`, `basic`, `apiKey`, `oauth2`...).
    pub schemes: Vec<String>,
    /// Whether the document lists a 429 response for it (the API limits it).
    pub limited: bool,
    /// The media types of its request body.
    pub body_types: Vec<String>,
    /// The JSON schema of its request body, `$ref`s resolved one level.
    pub body_schema: Option<Value>,
}

/// A route the probes may use.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// The path template, e.g. `/v1/items/{id}/`, or a concrete path given as a flag.
    pub path: String,
    /// Its operations.
    pub ops: Vec<Operation>,
}

/// The routes a check run knows.
#[derive(Debug, Clone, Default)]
pub struct Routes {
    /// Every route known.
    pub all: Vec<Route>,
}

const METHODS: [&str; 7] = ["get", "post", "put", "patch", "delete", "head", "options"];

/// Last path segments of health, metrics and documentation endpoints, which are never rate limited or probed as
/// API routes.
const NOT_API: [&str; 14] = [
    "health",
    "healthz",
    "healthcheck",
    "ready",
    "readyz",
    "live",
    "livez",
    "ping",
    "status",
    "metrics",
    "openapi.json",
    "openapi",
    "docs",
    "swagger.json",
];

impl Route {
    /// Whether the path has `{parameters}`.
    pub fn is_templated(&self) -> bool {
        self.path.contains('{')
    }

    /// The operation for `method`, if the route declares it.
    pub fn op(&self, method: &str) -> Option<&Operation> {
        self.ops.iter().find(|o| o.method == method)
    }

    /// Whether this is a health, metrics or documentation endpoint rather than an API route.
    pub fn is_infrastructure(&self) -> bool {
        let last = self
            .path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        NOT_API.contains(&last.as_str()) || self.path.starts_with("/_")
    }

    /// The path with every parameter replaced by `id` (a random id no resource has).
    pub fn concrete(&self, id: &str) -> String {
        let mut out = String::with_capacity(self.path.len() + 16);
        let mut depth = 0;
        for c in self.path.chars() {
            match c {
                '{' => {
                    depth += 1;
                    if depth == 1 {
                        out.push_str(id);
                    }
                }
                '}' if depth > 0 => depth -= 1,
                c if depth == 0 => out.push(c),
                _ => {}
            }
        }
        out
    }

    /// Whether the route is an OAuth2 token endpoint (docs/CONTRACT.md §7.4: answered in RFC 6749 form, the
    /// documented exception to the envelope), which no probe aims at.
    pub fn is_token_endpoint(&self) -> bool {
        let p = self.path.to_ascii_lowercase();
        p.contains("oauth") || p.trim_end_matches('/').ends_with("/token")
    }
}

impl Routes {
    /// Reads routes from an OpenAPI 3 document.
    pub fn from_openapi(doc: &Value) -> Routes {
        let global_security = doc.get("security").and_then(Value::as_array);
        let schemes = doc
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object);
        let declares_security = global_security.is_some_and(|a| !a.is_empty())
            || schemes.is_some_and(|o| !o.is_empty());
        let scheme_type = |name: &str| -> String {
            let s = schemes.and_then(|o| o.get(name));
            match (
                s.and_then(|s| s.get("type")).and_then(Value::as_str),
                s.and_then(|s| s.get("scheme")).and_then(Value::as_str),
            ) {
                (Some("http"), Some(scheme)) => scheme.to_ascii_lowercase(),
                (Some(t), _) => t.to_owned(),
                _ => name.to_owned(),
            }
        };
        let mut all = Vec::new();
        let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
            return Routes { all };
        };
        for (path, item) in paths {
            let mut ops = Vec::new();
            for m in METHODS {
                let Some(op) = item.get(m) else { continue };
                let requirements = op
                    .get("security")
                    .and_then(Value::as_array)
                    .or(global_security);
                let responses = op.get("responses").and_then(Value::as_object);
                let (secured, names): (bool, Vec<String>) = match requirements {
                    Some(reqs) => {
                        let names: Vec<String> = reqs
                            .iter()
                            .filter_map(Value::as_object)
                            .flat_map(|o| o.keys().cloned())
                            .collect();
                        // `[{}]` or `[]` means anonymous access is allowed.
                        let anonymous = reqs.is_empty()
                            || reqs
                                .iter()
                                .any(|r| r.as_object().is_some_and(|o| o.is_empty()));
                        (!anonymous, names)
                    }
                    // A document that declares no security: an operation listing a 401 needs credentials.
                    None if !declares_security => {
                        (responses.is_some_and(|r| r.contains_key("401")), Vec::new())
                    }
                    None => (false, Vec::new()),
                };
                let content = op
                    .pointer("/requestBody/content")
                    .and_then(Value::as_object);
                let body_types = content
                    .map(|c| c.keys().cloned().collect())
                    .unwrap_or_default();
                let body_schema = content
                    .and_then(|c| c.iter().find(|(k, _)| k.contains("json")))
                    .and_then(|(_, v)| v.get("schema"))
                    .map(|s| resolve(doc, s));
                ops.push(Operation {
                    method: m.to_ascii_uppercase(),
                    secured,
                    schemes: names.iter().map(|n| scheme_type(n)).collect(),
                    limited: responses.is_some_and(|r| r.contains_key("429")),
                    body_types,
                    body_schema,
                });
            }
            if !ops.is_empty() {
                all.push(Route {
                    path: path.clone(),
                    ops,
                });
            }
        }
        Routes { all }
    }

    /// Adds a route given on the command line (a concrete path).
    pub fn add(&mut self, path: &str, method: &str, secured: bool) {
        let op = Operation {
            method: method.to_ascii_uppercase(),
            secured,
            schemes: Vec::new(),
            limited: false,
            body_types: if method.eq_ignore_ascii_case("POST") {
                vec!["application/json".to_owned()]
            } else {
                Vec::new()
            },
            body_schema: None,
        };
        match self.all.iter_mut().find(|r| r.path == path) {
            Some(r) => {
                if r.op(&op.method).is_none() {
                    r.ops.push(op);
                }
            }
            None => self.all.push(Route {
                path: path.to_owned(),
                ops: vec![op],
            }),
        }
    }

    /// Whether any route is known.
    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// A GET route anyone may call, without parameters: for the request-id probes.
    pub fn public_get(&self) -> Option<&Route> {
        self.all
            .iter()
            .filter(|r| !r.is_templated() && r.op("GET").is_some_and(|o| !o.secured))
            .min_by_key(|r| (!r.is_infrastructure(), r.path.len()))
    }

    /// The route the body probes POST to: a JSON create route, not a token endpoint, preferably without
    /// parameters.
    pub fn post_target(&self) -> Option<(&Route, &Operation)> {
        self.all
            .iter()
            .filter(|r| !r.is_token_endpoint() && !r.is_infrastructure())
            .filter_map(|r| r.op("POST").map(|o| (r, o)))
            .filter(|(_, o)| {
                o.body_types.is_empty() || o.body_types.iter().any(|t| t.contains("json"))
            })
            .min_by_key(|(r, _)| (r.is_templated(), r.path.len()))
    }

    /// A GET route that needs credentials (for the credential probes), preferably without parameters.
    pub fn secured_get(&self) -> Option<&Route> {
        self.all
            .iter()
            .filter(|r| !r.is_token_endpoint() && r.op("GET").is_some_and(|o| o.secured))
            .min_by_key(|r| (r.is_templated(), r.path.len()))
    }

    /// A GET route with parameters (for the unknown-resource probe), the fewest parameters first.
    pub fn templated_get(&self) -> Option<&Route> {
        self.all
            .iter()
            .filter(|r| r.is_templated() && r.op("GET").is_some())
            .min_by_key(|r| (r.path.matches('{').count(), r.path.len()))
    }

    /// A route with parameters and a method its document does not declare: DELETE, else PATCH (sent under random
    /// ids, neither can touch an existing resource).
    pub fn refused_on_random_id(&self) -> Option<(&Route, &'static str)> {
        self.all
            .iter()
            .filter(|r| r.is_templated() && !r.is_token_endpoint())
            .filter_map(|r| {
                ["DELETE", "PATCH"]
                    .into_iter()
                    .find(|m| r.op(m).is_none())
                    .map(|m| (r, m))
            })
            .min_by_key(|(r, _)| (r.path.matches('{').count(), r.path.len()))
    }

    /// A GET route the API rate limits (the document lists a 429), never a health check; with `has_credentials`
    /// a secured one first.
    pub fn limited_get(&self, has_credentials: bool) -> Option<&Route> {
        let candidates = self
            .all
            .iter()
            .filter(|r| !r.is_infrastructure() && !r.is_token_endpoint())
            .filter(|r| r.op("GET").is_some());
        let listed: Vec<&Route> = candidates
            .clone()
            .filter(|r| r.op("GET").is_some_and(|o| o.limited))
            .collect();
        let pool: Vec<&Route> = if listed.is_empty() {
            candidates.collect()
        } else {
            listed
        };
        pool.into_iter().min_by_key(|r| {
            let secured = r.op("GET").is_some_and(|o| o.secured);
            (secured != has_credentials, r.is_templated(), r.path.len())
        })
    }
}

/// `schema`, with a top-level `$ref` to `#/components/...` replaced by its target (one level).
fn resolve(doc: &Value, schema: &Value) -> Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) if r.starts_with("#/") => doc
            .pointer(&r[1..])
            .cloned()
            .unwrap_or_else(|| schema.clone()),
        _ => schema.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_paths_methods_security_and_limits() {
        let doc = serde_json::json!({
            "security": [{"bearer": []}],
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                           "schemas": {"New": {"type": "object", "properties": {"name": {"type": "string"}}}}},
            "paths": {
                "/healthz": {"get": {"security": []}},
                "/oauth2/token/": {"post": {"requestBody": {"content": {"application/x-www-form-urlencoded": {}}}}},
                "/v1/things/": {"get": {"responses": {"429": {}}}, "post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/New"}}}}}},
                "/v1/things/{id}/": {"get": {}}
            }
        });
        let r = Routes::from_openapi(&doc);
        let (post, op) = r.post_target().unwrap();
        assert_eq!(post.path, "/v1/things/");
        assert_eq!(
            op.body_schema.as_ref().unwrap()["properties"]["name"]["type"],
            "string"
        );
        assert_eq!(r.public_get().unwrap().path, "/healthz");
        assert_eq!(r.secured_get().unwrap().path, "/v1/things/");
        assert_eq!(
            r.secured_get().unwrap().op("GET").unwrap().schemes,
            ["bearer"]
        );
        assert_eq!(
            r.limited_get(false).unwrap().path,
            "/v1/things/",
            "never the health check"
        );
        let (route, method) = r.refused_on_random_id().unwrap();
        assert_eq!(
            (route.path.as_str(), method),
            ("/v1/things/{id}/", "DELETE")
        );
        assert_eq!(route.concrete("x1"), "/v1/things/x1/");
    }
}
