//! Localized error messages (docs/CONTRACT.md §13): `Accept-Language` negotiation and message
//! catalogs in Fluent for every catalog code and every validation message, in English, Spanish,
//! French and German, which an application extends with its own codes, messages and languages.
//!
//! No I/O: the shipped catalogs are compiled in; an application passes its own Fluent text to
//! [`Catalog::add_ftl`].
//!
//! ```
//! use backstop::i18n::{Catalog, negotiate};
//! use backstop::{ApiError, Code};
//!
//! // Negotiation alone is a pure function over the header and the available tags.
//! assert_eq!(negotiate("de-CH, fr;q=0.8", &["en", "fr", "de"]), Some(2));
//!
//! let catalog = Catalog::builtin();
//! let mut e = ApiError::new(Code::RATE_LIMIT_EXCEEDED);
//! catalog.localize(&mut e, catalog.negotiate(Some("es")));
//! assert_eq!(e.message(), "Se ha superado el límite de solicitudes");
//! assert_eq!(e.code().name(), "RATE_LIMIT_EXCEEDED", "codes are never translated");
//! ```

mod catalog;
mod negotiate;
mod pattern;

pub use catalog::{Catalog, I18nError, Lang, SOURCE_LANGUAGE};
pub use negotiate::negotiate;
