//! [`Valid<E>`] and [`Validation<E>`]: run the `garde` rules declared on the extracted type.
//!
//! Why `garde` rather than `validator`: garde reports a flat list of `(path, error)` with paths already
//! in the contract's form (`items[2].amount`, through `#[garde(dive)]`), which maps one to one onto the
//! `field -> [messages]` map; its rules are checked against a typed context (handy for per-tenant
//! limits); and it is actively maintained with a smaller dependency tree. validator's nested
//! `ValidationErrors` tree would have to be walked and re-pathed.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use backstop::{ApiError, FieldViolations};

use super::messages::Messages;
use super::query::parameter_rejection;
use super::{Form, Json, Path, Query};
use crate::Error;

/// `Valid(Json(order))`: extracts with the inner extractor (whose shape errors list every field), then
/// validates with `garde` and rejects listing every rule a field breaks: 422 `VALIDATION_ERROR` for a
/// body ([`Json`], [`Form`]), 400 `INVALID_PARAMETER` for [`Query`] and [`Path`] (`MISSING_PARAMETER`
/// when every violation is a missing parameter), as docs/CONTRACT.md §5 says.
///
/// Shape comes first: a body that does not deserialize has no value to validate, so the rules run only
/// once the shape is right. Messages are [`Messages`]'. The type's `garde::Validate::Context` must
/// implement `Default`. When the handler has checks of its own to make first (permissions) or
/// violations only it can find (a database lookup), use [`Validation`] instead.
#[derive(Debug, Clone, Copy, Default)]
pub struct Valid<E>(pub E);

/// An extractor whose extracted value can be validated by [`Valid`] and [`Validation`].
pub trait Extracted {
    /// The extracted value's type.
    type Target;
    /// The extracted value.
    fn target(&self) -> &Self::Target;
    /// The error listing `violations`: 422 `VALIDATION_ERROR`, unless the extractor says otherwise
    /// ([`Query`] and [`Path`] answer 400 `INVALID_PARAMETER` or `MISSING_PARAMETER`).
    fn rejection(violations: FieldViolations) -> ApiError {
        ApiError::from_violations(violations)
    }
}

macro_rules! extracted {
    ($($t:ident => $rejection:expr),*) => {$(
        impl<T> Extracted for $t<T> {
            type Target = T;
            fn target(&self) -> &T {
                &self.0
            }
            fn rejection(violations: FieldViolations) -> ApiError {
                $rejection(violations)
            }
        }
    )*};
}
extracted!(
    Json => ApiError::from_violations,
    Form => ApiError::from_violations,
    Query => parameter_rejection,
    Path => parameter_rejection
);

/// Every rule `value` breaks, with [`Messages`].
fn violations<T>(value: &T) -> FieldViolations
where
    T: garde::Validate,
    T::Context: Default,
{
    match garde::i18n::with_i18n(Messages, || value.validate()) {
        Ok(()) => FieldViolations::new(),
        Err(report) => report_to_violations(&report),
    }
}

/// A `garde` report as a field map (`""` paths, rules on the whole value, become `body`).
fn report_to_violations(report: &garde::Report) -> FieldViolations {
    let mut violations = FieldViolations::new();
    for (path, error) in report.iter() {
        let path = path.to_string();
        let field = if path.is_empty() {
            "body".to_owned()
        } else {
            path
        };
        violations.add(field, error.message().to_owned());
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
        Validation::new(inner).finish().map(Valid)
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
        Validation::new(inner).finish().map(Valid)
    }
}

/// Like [`Valid`], but the rules' violations do not reject yet: the handler first makes the checks
/// that come before the body (permissions: docs/CONTRACT.md §6), adds the violations only it can
/// find (a lookup that needs the database), then [`finish`](Self::finish)es with one error listing
/// every violation, the rules' and its own (docs/CONTRACT.md §5: "an unknown `customer_id` MAY be
/// reported as a field violation in the same 422").
///
/// Shape errors still reject at once, as with [`Valid`]: without a value there is nothing to check.
///
/// ```
/// use axum::extract::State;
/// use backstop_axum::extract::{Json, Validation};
///
/// #[derive(serde::Deserialize, garde::Validate)]
/// struct NewInvoice {
///     #[garde(required, length(max = 64))]
///     customer_id: Option<String>,
///     #[garde(range(min = 1))]
///     quantity: i64,
/// }
///
/// # #[derive(Clone)] struct Db;
/// # impl Db { async fn has_customer(&self, _: &str) -> bool { false } }
/// async fn create(
///     State(db): State<Db>,
///     mut body: Validation<Json<NewInvoice>>,
/// ) -> Result<&'static str, backstop_axum::Error> {
///     // Permissions first; then look the customer up only if its id passed the rules.
///     if body.is_valid("customer_id")
///         && let Some(id) = body.customer_id.as_deref()
///         && !db.has_customer(id).await
///     {
///         body.add("customer_id", "No customer with this id.");
///     }
///     // One 422 listing `customer_id` and `quantity` together, or the body.
///     let Json(invoice) = body.finish()?;
///     # let _ = invoice;
///     Ok("created")
/// }
/// # let _: axum::Router = axum::Router::new().route("/", axum::routing::post(create)).with_state(Db);
/// ```
#[derive(Debug)]
#[must_use = "a Validation rejects only when finished"]
pub struct Validation<E> {
    extracted: E,
    violations: FieldViolations,
}

impl<E> Validation<E>
where
    E: Extracted,
    E::Target: garde::Validate,
    <E::Target as garde::Validate>::Context: Default,
{
    /// Runs the rules of `extracted`'s value.
    pub fn new(extracted: E) -> Self {
        let violations = violations(extracted.target());
        Validation {
            extracted,
            violations,
        }
    }
}

impl<E: Extracted> Validation<E> {
    /// Whether `field` has no violation so far (check it before a lookup that needs a well-formed
    /// value).
    pub fn is_valid(&self, field: &str) -> bool {
        self.violations.get(field).is_none()
    }

    /// Adds a violation the handler found.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<backstop::Text>) {
        self.violations.add(field, message);
    }

    /// The violations so far, the rules' first.
    pub fn violations(&self) -> &FieldViolations {
        &self.violations
    }

    /// The extractor when nothing was found; otherwise the error listing every violation (422
    /// `VALIDATION_ERROR` for a body, 400 for parameters: see [`Valid`]).
    pub fn finish(self) -> Result<E, Error> {
        if self.violations.is_empty() {
            Ok(self.extracted)
        } else {
            Err(E::rejection(self.violations).into())
        }
    }
}

impl<E: Extracted> std::ops::Deref for Validation<E> {
    type Target = E::Target;
    /// The extracted value, whatever its violations.
    fn deref(&self) -> &E::Target {
        self.extracted.target()
    }
}

impl<E, S> FromRequest<S> for Validation<E>
where
    E: FromRequest<S, Rejection = Error> + Extracted,
    E::Target: garde::Validate,
    <E::Target as garde::Validate>::Context: Default,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Validation::new(E::from_request(req, state).await?))
    }
}

impl<E, S> FromRequestParts<S> for Validation<E>
where
    E: FromRequestParts<S, Rejection = Error> + Extracted,
    E::Target: garde::Validate,
    <E::Target as garde::Validate>::Context: Default,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Validation::new(E::from_request_parts(parts, state).await?))
    }
}
