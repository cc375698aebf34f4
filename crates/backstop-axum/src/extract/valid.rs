//! [`Valid<E>`]: runs the `garde` rules declared on the extracted type.
//!
//! Why `garde` rather than `validator`: garde reports a flat list of `(path, error)` with paths already
//! in the contract's form (`items[2].amount`, through `#[garde(dive)]`), which maps one to one onto the
//! `field -> [messages]` map; its rules are checked against a typed context (handy for per-tenant
//! limits); and it is actively maintained with a smaller dependency tree. validator's nested
//! `ValidationErrors` tree would have to be walked and re-pathed.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use backstop::{ApiError, FieldViolations};

use super::{Form, Json, Path, Query};
use crate::Error;

/// `Valid(Json(order))`: extracts with the inner extractor (whose shape errors list every field), then
/// validates with `garde` and answers 422 `VALIDATION_ERROR` listing every rule a field breaks.
///
/// Shape comes first: a body that does not deserialize has no value to validate, so the rules run only
/// once the shape is right. Works with [`Json`], [`Form`], [`Query`] and [`Path`]; the type's
/// `garde::Validate::Context` must implement `Default`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Valid<E>(pub E);

/// An extractor whose extracted value can be validated by [`Valid`].
pub trait Extracted {
    /// The extracted value's type.
    type Target;
    /// The extracted value.
    fn target(&self) -> &Self::Target;
}

macro_rules! extracted {
    ($($t:ident),*) => {$(
        impl<T> Extracted for $t<T> {
            type Target = T;
            fn target(&self) -> &T {
                &self.0
            }
        }
    )*};
}
extracted!(Json, Form, Query, Path);

/// The report of `garde` as 422 `VALIDATION_ERROR`, or `Ok` when it is clean.
pub fn check<T>(value: &T) -> Result<(), ApiError>
where
    T: garde::Validate,
    T::Context: Default,
{
    match value.validate() {
        Ok(()) => Ok(()),
        Err(report) => Err(ApiError::from_violations(report_to_violations(&report))),
    }
}

/// A `garde` report as a field map (`""` paths, rules on the whole value, become `body`).
pub fn report_to_violations(report: &garde::Report) -> FieldViolations {
    let mut violations = FieldViolations::new();
    for (path, error) in report.iter() {
        let path = path.to_string();
        let field = if path.is_empty() {
            "body".to_owned()
        } else {
            path
        };
        violations.add(field, error.message());
    }
    violations
}

impl<E, S> FromRequest<S> for Valid<E>
where
    E: FromRequest<S, Rejection = Error> + Extracted,
    E::Target: garde::Validate,
    <E::Target as garde::Validate>::Context: Default,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let inner = E::from_request(req, state).await?;
        check(inner.target())?;
        Ok(Valid(inner))
    }
}

impl<E, S> FromRequestParts<S> for Valid<E>
where
    E: FromRequestParts<S, Rejection = Error> + Extracted,
    E::Target: garde::Validate,
    <E::Target as garde::Validate>::Context: Default,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let inner = E::from_request_parts(parts, state).await?;
        check(inner.target())?;
        Ok(Valid(inner))
    }
}
