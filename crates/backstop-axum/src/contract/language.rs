//! The language of error messages (docs/CONTRACT.md §13): the contract's [`Catalog`], negotiated
//! against the request's `Accept-Language` only when the request fails.

use std::sync::{Arc, OnceLock};

use axum::http::{HeaderMap, HeaderValue, header};
use backstop::ApiError;
use backstop::i18n::{Catalog, Lang};

/// A catalog with the `Content-Language` value of each of its languages ready to send.
pub(crate) struct Languages {
    catalog: Catalog,
    /// `Content-Language` per language, by [`Lang::index`].
    content_language: Vec<HeaderValue>,
}

impl Languages {
    pub(crate) fn new(catalog: Catalog) -> Self {
        let content_language = catalog
            .languages()
            .map(|tag| {
                // `Catalog` only takes valid BCP 47 tags, which are ASCII letters, digits and '-'.
                HeaderValue::from_str(tag).unwrap_or(HeaderValue::from_static("und"))
            })
            .collect();
        Languages {
            catalog,
            content_language,
        }
    }

    /// The shipped catalog (English by default), parsed once per process.
    pub(crate) fn builtin() -> Arc<Languages> {
        static BUILTIN: OnceLock<Arc<Languages>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| Arc::new(Languages::new(Catalog::builtin())))
            .clone()
    }

    pub(crate) fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The language to answer in: from `Accept-Language` when it names one the catalog has,
    /// the default language otherwise (an unknown, malformed or non-text header included).
    pub(crate) fn negotiate(&self, accept_language: Option<&HeaderValue>) -> Lang {
        self.catalog
            .negotiate(accept_language.and_then(|v| v.to_str().ok()))
    }

    /// Whether an error in `lang` comes out as the code wrote it (English, unchanged).
    pub(crate) fn as_written(&self, lang: Lang) -> bool {
        !self.catalog.needs_work(lang)
    }

    /// Localizes `error` into `lang` and answers the `Content-Language` of its message (which
    /// is English when the catalog does not know the message). `keep` notes the language in the
    /// error itself, for its record and for layers outside the contract.
    pub(crate) fn localize(&self, error: &mut ApiError, lang: Lang, keep: bool) -> HeaderValue {
        let used = self.catalog.localize(error, lang);
        if keep {
            error.set_language(self.catalog.tag(used));
        }
        self.content_language(used)
    }

    pub(crate) fn content_language(&self, lang: Lang) -> HeaderValue {
        self.content_language
            .get(lang.index())
            .cloned()
            .unwrap_or(HeaderValue::from_static("en"))
    }
}

/// `Content-Language: <language>` and `Vary: Accept-Language` on an error response: its message
/// depends on that request header, so a cache must not serve it to a client asking for another.
pub(crate) fn set_language_headers(headers: &mut HeaderMap, content_language: HeaderValue) {
    headers.insert(header::CONTENT_LANGUAGE, content_language);
    let varies = headers.get_all(header::VARY).iter().any(|v| {
        v.to_str().is_ok_and(|v| {
            v.split(',')
                .any(|s| s.trim() == "*" || s.trim().eq_ignore_ascii_case("accept-language"))
        })
    });
    if !varies {
        headers.append(header::VARY, HeaderValue::from_static("accept-language"));
    }
}
