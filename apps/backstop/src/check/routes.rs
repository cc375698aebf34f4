//! Which routes to probe: from the API's OpenAPI document, or from flags.

use serde_json::Value;

/// A route the probes may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The path, with any `{param}` replaced by a placeholder.
    pub path: String,
    /// The methods the API declares for it (upper case).
    pub methods: Vec<String>,
    /// Whether the document says it needs credentials.
    pub secured: bool,
}

/// The routes a check run knows.
#[derive(Debug, Clone, Default)]
pub struct Routes {
    /// Every route known.
    pub all: Vec<Route>,
}

const METHODS: [&str; 7] = ["get", "post", "put", "patch", "delete", "head", "options"];

impl Routes {
    /// Reads routes from an OpenAPI 3 document. Paths with parameters get the placeholder
    /// `backstop-check` in each parameter.
    pub fn from_openapi(doc: &Value) -> Routes {
        let global_security = doc
            .get("security")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        let declares_security = global_security
            || doc
                .pointer("/components/securitySchemes")
                .is_some_and(|s| s.as_object().is_some_and(|o| !o.is_empty()));
        let mut all = Vec::new();
        if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
            for (path, item) in paths {
                let mut methods = Vec::new();
                let mut secured = false;
                for m in METHODS {
                    if let Some(op) = item.get(m) {
                        methods.push(m.to_ascii_uppercase());
                        let op_security = op.get("security").and_then(Value::as_array);
                        // A document that declares no security at all: an operation that lists a
                        // 401 response needs credentials.
                        let lists_401 = op
                            .get("responses")
                            .and_then(Value::as_object)
                            .is_some_and(|r| r.contains_key("401"));
                        secured |= match op_security {
                            Some(s) => s
                                .iter()
                                .any(|req| req.as_object().is_some_and(|o| !o.is_empty())),
                            None if declares_security => global_security,
                            None => lists_401,
                        };
                    }
                }
                if !methods.is_empty() {
                    all.push(Route {
                        path: fill_params(path),
                        methods,
                        secured,
                    });
                }
            }
        }
        Routes { all }
    }

    /// Adds routes given on the command line.
    pub fn add(&mut self, path: &str, method: &str, secured: bool) {
        let method = method.to_ascii_uppercase();
        match self.all.iter_mut().find(|r| r.path == path) {
            Some(r) => {
                if !r.methods.contains(&method) {
                    r.methods.push(method);
                }
                r.secured |= secured;
            }
            None => self.all.push(Route {
                path: path.to_owned(),
                methods: vec![method],
                secured,
            }),
        }
    }

    /// A route taking POST, preferring one without path parameters and with security when `secured`.
    pub fn post(&self) -> Option<&Route> {
        self.pick("POST", None)
    }

    /// A route that needs credentials, preferring a GET without path parameters.
    pub fn secured(&self) -> Option<&Route> {
        self.all.iter().filter(|r| r.secured).min_by_key(|r| {
            (
                !r.methods.contains(&"GET".to_owned()),
                r.path.contains(PLACEHOLDER),
                r.path.len(),
            )
        })
    }

    /// A route taking GET, preferring one without parameters; `secured` filters when given.
    pub fn get(&self, secured: Option<bool>) -> Option<&Route> {
        self.pick("GET", secured)
    }

    /// A route, and a method it does not declare (for the 405 probe).
    pub fn with_undeclared_method(&self) -> Option<(&Route, &'static str)> {
        let mut candidates: Vec<&Route> = self.all.iter().collect();
        candidates.sort_by_key(|r| (r.path.contains(PLACEHOLDER), r.path.len()));
        candidates.into_iter().find_map(|r| {
            ["DELETE", "PUT", "PATCH", "POST"]
                .into_iter()
                .find(|m| !r.methods.iter().any(|x| x == m))
                .map(|m| (r, m))
        })
    }

    fn pick(&self, method: &str, secured: Option<bool>) -> Option<&Route> {
        self.all
            .iter()
            .filter(|r| r.methods.iter().any(|m| m == method))
            .filter(|r| secured.is_none_or(|s| r.secured == s))
            .min_by_key(|r| (r.path.contains(PLACEHOLDER), r.path.len()))
    }
}

/// What replaces path parameters.
pub const PLACEHOLDER: &str = "backstop-check";

fn fill_params(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    out.push_str(PLACEHOLDER);
                }
            }
            '}' if depth > 0 => depth -= 1,
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_paths_methods_and_security() {
        let doc = serde_json::json!({
            "security": [{"bearer": []}],
            "paths": {
                "/healthz": {"get": {"security": []}},
                "/v1/things/": {"get": {}, "post": {}},
                "/v1/things/{id}/": {"get": {}}
            }
        });
        let r = Routes::from_openapi(&doc);
        assert_eq!(r.post().unwrap().path, "/v1/things/");
        assert_eq!(r.get(Some(false)).unwrap().path, "/healthz");
        assert_eq!(r.secured().unwrap().path, "/v1/things/");
        assert!(r.all.iter().any(|x| x.path == "/v1/things/backstop-check/"));
        let (route, method) = r.with_undeclared_method().unwrap();
        assert_eq!((route.path.as_str(), method), ("/healthz", "DELETE"));
    }
}
