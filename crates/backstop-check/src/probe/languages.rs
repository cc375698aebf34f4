//! Languages (docs/CONTRACT.md §13): an error in the language the client asks for, said by
//! `Content-Language`; a header the server cannot use is as good as none.
//!
//! Honouring `Accept-Language` is a recommendation, so an API that ignores it gets advice, not a
//! failure. Answering a malformed header with an error of its own breaks the contract ("never an
//! error for an unknown language"), and fails.

use reqwest::Method;

use super::{ProbeSpec, Prober, Verdict, random_id, unreachable};
use crate::http::Request;
use crate::wire::Issue;

/// What the probe asks for.
const ASKED: &str = "fr, de;q=0.5";
/// A header no server can use.
const MALFORMED: &str = ";;q=x,, -- 12345";

impl Prober {
    pub(super) async fn languages(&mut self, spec: &'static ProbeSpec) -> Verdict {
        let path = format!("/{}", random_id());
        let asked = Request::new(Method::GET, path.clone()).header("accept-language", ASKED);
        let ex = match self.send(spec.name, asked).await {
            Ok(ex) => ex,
            Err(e) => return unreachable(spec, e),
        };
        let malformed = Request::new(Method::GET, path).header("accept-language", MALFORMED);
        let bad = match self.send(spec.name, malformed).await {
            Ok(bad) => bad,
            Err(e) => return unreachable(spec, e),
        };
        let mut v = Verdict::new(format!(
            "the error came back in {} with Content-Language, and a malformed Accept-Language was ignored",
            ex.header("content-language").unwrap_or("?")
        ))
        .evidence(&ex);
        if bad.status != ex.status {
            v.issue(Issue::new(
                spec.clause,
                "language.malformed-refused",
                format!(
                    "a malformed Accept-Language got {} where the same request otherwise gets {}",
                    bad.status.as_u16(),
                    ex.status.as_u16()
                ),
                "an unknown or malformed Accept-Language answered in the default language, never with an error of its own",
            ));
            return v;
        }
        match ex.header("content-language") {
            None => v.advise(
                "no Content-Language on error responses: a client cannot tell which language a message is in \
                 (recommended: answer in the language Accept-Language asks for, say which with Content-Language \
                 and Vary: Accept-Language)",
            ),
            Some(tag) if tag.starts_with("fr") || tag.starts_with("de") => {
                let varies = ex
                    .header("vary")
                    .is_some_and(|v| v.to_ascii_lowercase().contains("accept-language"));
                if !varies {
                    v.advise(format!(
                        "answers in {tag} but without Vary: Accept-Language, so a cache may serve it to others"
                    ));
                }
            }
            Some(tag) => v.advise(format!(
                "answers in {tag} whatever Accept-Language asks ({ASKED}) (recommended: honour Accept-Language)"
            )),
        }
        v
    }
}
