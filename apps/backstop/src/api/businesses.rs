//! `/v1/platform/businesses/`: a partner's businesses.

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use backstop::ApiError;
use backstop_axum::auth::Principal;
use backstop_axum::extract::{Json, Path, Query, Validation};
use backstop_axum::idempotency::IdempotencyClaim;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use super::auth::{BUSINESS_SCOPE, PARTNER_SCOPE};
use super::created::{respond, stored_json};
use super::page::{PageQuery, Paginated};
use super::schema_fields::{Country, Currency, email, text_255};
use super::validate::{self, trimmed};
use crate::db::{Business, Completion, Insert, NewBusiness, millis_to_rfc3339};

/// A business as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BusinessView {
    /// The business's id (`biz_...`).
    id: String,
    /// The partner's own id for it.
    external_id: String,
    /// Its legal name.
    legal_name: String,
    /// Its billing email address.
    email: String,
    /// ISO 3166-1 alpha-2 country code.
    #[schema(value_type = Country)]
    country: String,
    /// The currency it bills in.
    #[schema(value_type = Currency)]
    base_currency: String,
    /// When it was created (RFC 3339).
    #[schema(format = DateTime)]
    created_at: String,
    /// On create only: whether this request created it.
    #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
    meta: Option<CreateMeta>,
}

/// What a create did.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreateMeta {
    /// `true` when this request created the business, `false` when its `external_id` was seen before
    /// and the existing business is returned.
    created: bool,
}

impl From<Business> for BusinessView {
    fn from(b: Business) -> Self {
        BusinessView {
            id: b.id,
            external_id: b.external_id,
            legal_name: b.legal_name,
            email: b.email,
            country: b.country,
            base_currency: b.base_currency,
            created_at: millis_to_rfc3339(b.created_at),
            meta: None,
        }
    }
}

/// The create body. (Every field is an `Option` here so that every missing one is reported at
/// once, with the other violations; the document says which are required.)
#[derive(Debug, Deserialize, ToSchema, garde::Validate)]
pub struct CreateBusiness {
    /// Your own id for the business: a second create with the same one returns the first.
    #[schema(required = true, schema_with = text_255)]
    #[garde(required, custom(validate::text::<255>))]
    external_id: Option<String>,
    /// Its legal name.
    #[schema(required = true, schema_with = text_255)]
    #[garde(required, custom(validate::text::<255>))]
    legal_name: Option<String>,
    /// Its billing email address.
    #[schema(required = true, schema_with = email)]
    #[garde(required, custom(validate::email))]
    email: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[schema(value_type = Country, required = true)]
    #[garde(required, custom(validate::country))]
    country: Option<String>,
    /// The currency it bills in.
    #[schema(value_type = Currency, required = true)]
    #[garde(required, custom(validate::currency))]
    base_currency: Option<String>,
}

impl CreateBusiness {
    /// The business to store, once validated (every field is then present): text without its
    /// surrounding blanks, codes and the email address as sent.
    fn into_new(self) -> NewBusiness {
        NewBusiness {
            external_id: trimmed(&self.external_id.unwrap_or_default()),
            legal_name: trimmed(&self.legal_name.unwrap_or_default()),
            email: self.email.unwrap_or_default(),
            country: self.country.unwrap_or_default(),
            base_currency: self.base_currency.unwrap_or_default(),
        }
    }
}

/// `POST`: 201 with `_meta.created = true`, or 200 with the existing business and
/// `_meta.created = false` for an `external_id` seen before.
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    claim: Option<IdempotencyClaim>,
    body: Validation<Json<CreateBusiness>>,
) -> Result<Response, backstop_axum::Error> {
    principal.require_scope(PARTNER_SCOPE)?;
    let Json(body) = body.finish()?;
    let new = body.into_new();
    let stored = |o: &Insert<Business>| {
        let (status, view) = view_of(o.clone());
        stored_json(status, &view)
    };
    let completion = state.claims(&claim).map(|claim| Completion {
        claim,
        respond: &stored,
    });
    let created = state
        .db
        .create_business(principal.id(), new, completion)
        .await?;
    let (status, view) = view_of(created.outcome);
    Ok(respond(created.committed, status, view))
}

/// 201 and `_meta.created = true` for a new business, 200 and `false` for an existing one.
fn view_of(outcome: Insert<Business>) -> (StatusCode, BusinessView) {
    let (status, business, created) = match outcome {
        Insert::Created(b) => (StatusCode::CREATED, b, true),
        Insert::Existing(b) => (StatusCode::OK, b, false),
    };
    let mut view = BusinessView::from(business);
    view.meta = Some(CreateMeta { created });
    (status, view)
}

/// `GET`: the partner's businesses.
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    uri: Uri,
    query: Validation<Query<PageQuery>>,
) -> Result<axum::Json<Paginated<BusinessView>>, backstop_axum::Error> {
    principal.require_scope(PARTNER_SCOPE)?;
    let req = query.finish()?.request();
    let page = state
        .db
        .businesses(principal.id(), req.limit(), req.offset())
        .await?;
    let results = page.items.into_iter().map(BusinessView::from).collect();
    Ok(axum::Json(Paginated::new(&uri, req, page.count, results)))
}

/// `GET /{business_id}/`: with a partner token (any of its businesses) or that business's token.
pub async fn show(
    State(state): State<AppState>,
    principal: Principal,
    Path(business_id): Path<String>,
) -> Result<axum::Json<BusinessView>, backstop_axum::Error> {
    if principal.has_scope(BUSINESS_SCOPE) {
        principal.require_tenant(&business_id)?;
    } else {
        principal.require_scope(PARTNER_SCOPE)?;
    }
    match state.db.business(principal.id(), &business_id).await? {
        Some(b) => Ok(axum::Json(b.into())),
        None => Err(ApiError::not_found("business", &business_id).into()),
    }
}
