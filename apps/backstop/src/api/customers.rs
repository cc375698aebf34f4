//! `/v1/platform/businesses/{business_id}/customers/`: a business's customers.

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
use super::auth::require_business;
use super::created::{respond, stored_json};
use super::page::{PageQuery, Paginated};
use super::schema_fields::{email, text_255};
use super::validate::{self, trimmed};
use crate::db::{Completion, Customer, Insert, NewCustomer, millis_to_rfc3339};

/// A customer as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerView {
    /// The customer's id (`cus_...`).
    id: String,
    /// The business it belongs to.
    business_id: String,
    /// Its name.
    name: String,
    /// Its email address.
    email: String,
    /// When it was created (RFC 3339).
    #[schema(format = DateTime)]
    created_at: String,
}

impl From<Customer> for CustomerView {
    fn from(c: Customer) -> Self {
        CustomerView {
            id: c.id,
            business_id: c.business_id,
            name: c.name,
            email: c.email,
            created_at: millis_to_rfc3339(c.created_at),
        }
    }
}

/// The create body.
#[derive(Debug, Deserialize, ToSchema, garde::Validate)]
pub struct CreateCustomer {
    /// The customer's name.
    #[schema(required = true, schema_with = text_255)]
    #[garde(required, custom(validate::text::<255>))]
    name: Option<String>,
    /// The customer's email address.
    #[schema(required = true, schema_with = email)]
    #[garde(required, custom(validate::email))]
    email: Option<String>,
}

impl CreateCustomer {
    /// The customer to store, once validated: the name without its surrounding blanks, the email
    /// address as sent.
    fn into_new(self) -> NewCustomer {
        NewCustomer {
            name: trimmed(&self.name.unwrap_or_default()),
            email: self.email.unwrap_or_default(),
        }
    }
}

/// `POST`: 201 with the customer.
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    Path(business_id): Path<String>,
    claim: Option<IdempotencyClaim>,
    body: Validation<Json<CreateCustomer>>,
) -> Result<Response, backstop_axum::Error> {
    require_business(&principal, &business_id)?;
    let Json(body) = body.finish()?;
    let new = body.into_new();
    let stored = |o: &Insert<Customer>| {
        let (Insert::Created(c) | Insert::Existing(c)) = o;
        stored_json(StatusCode::CREATED, &CustomerView::from(c.clone()))
    };
    let completion = state.claims(&claim).map(|claim| Completion {
        claim,
        respond: &stored,
    });
    let created = state
        .db
        .create_customer(&business_id, new, completion)
        .await?;
    let (Insert::Created(customer) | Insert::Existing(customer)) = created.outcome;
    Ok(respond(
        created.committed,
        StatusCode::CREATED,
        CustomerView::from(customer),
    ))
}

/// `GET`: the business's customers.
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    Path(business_id): Path<String>,
    uri: Uri,
    query: Validation<Query<PageQuery>>,
) -> Result<axum::Json<Paginated<CustomerView>>, backstop_axum::Error> {
    require_business(&principal, &business_id)?;
    let req = query.finish()?.request();
    let page = state
        .db
        .customers(&business_id, req.limit(), req.offset())
        .await?;
    let results = page.items.into_iter().map(CustomerView::from).collect();
    Ok(axum::Json(Paginated::new(&uri, req, page.count, results)))
}

/// `GET /{customer_id}/`.
pub async fn show(
    State(state): State<AppState>,
    principal: Principal,
    Path((business_id, customer_id)): Path<(String, String)>,
) -> Result<axum::Json<CustomerView>, backstop_axum::Error> {
    require_business(&principal, &business_id)?;
    match state.db.customer(&business_id, &customer_id).await? {
        Some(c) => Ok(axum::Json(c.into())),
        None => Err(ApiError::not_found("customer", &customer_id).into()),
    }
}
