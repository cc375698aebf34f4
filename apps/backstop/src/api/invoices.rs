//! `/v1/platform/businesses/{business_id}/invoices/`: a business's invoices.

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use backstop::{ApiError, Code};
use backstop_axum::auth::Principal;
use backstop_axum::extract::{Json, Path, Query, Validation};
use backstop_axum::idempotency::IdempotencyClaim;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use super::auth::require_business;
use super::created::{respond, stored_json};
use super::page::{PageQuery, Paginated};
use super::schema_fields::{Currency, date, optional_text_255, text_64, text_500};
use super::validate::{self, trimmed};
use crate::db::{Completion, Insert, Invoice, LineItem, NewInvoice, millis_to_rfc3339};

/// The most lines an invoice may have.
pub const MAX_LINE_ITEMS: usize = 100;
/// The largest quantity of a line.
pub const MAX_QUANTITY: i64 = 1_000_000;
/// The largest unit amount of a line, in minor units. With [`MAX_QUANTITY`] and [`MAX_LINE_ITEMS`],
/// no invoice the document calls valid can overflow its total (10^6 × 10^10 × 100 = 10^18 < 2^63).
pub const MAX_UNIT_AMOUNT: i64 = 10_000_000_000;

/// An invoice as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvoiceView {
    /// The invoice's id (`inv_...`).
    id: String,
    /// The business it belongs to.
    business_id: String,
    /// The customer billed.
    customer_id: String,
    /// The business's own id for it, if given.
    external_id: Option<String>,
    /// The currency.
    #[schema(value_type = Currency)]
    currency: String,
    /// When it is due (`YYYY-MM-DD`).
    #[schema(format = Date)]
    due_date: String,
    /// The sum of the lines' amounts, in minor units.
    total: i64,
    /// The lines.
    line_items: Vec<LineItemView>,
    /// When it was created (RFC 3339).
    #[schema(format = DateTime)]
    created_at: String,
}

/// An invoice line as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineItemView {
    /// What was sold.
    description: String,
    /// How many.
    quantity: i64,
    /// The price of one, in minor units.
    unit_amount: i64,
    /// `quantity × unit_amount`.
    amount: i64,
}

impl From<Invoice> for InvoiceView {
    fn from(i: Invoice) -> Self {
        InvoiceView {
            id: i.id,
            business_id: i.business_id,
            customer_id: i.customer_id,
            external_id: i.external_id,
            currency: i.currency,
            due_date: i.due_date,
            total: i.total,
            line_items: i
                .line_items
                .into_iter()
                .map(|l| LineItemView {
                    description: l.description,
                    quantity: l.quantity,
                    unit_amount: l.unit_amount,
                    amount: l.amount,
                })
                .collect(),
            created_at: millis_to_rfc3339(i.created_at),
        }
    }
}

/// The create body.
#[derive(Debug, Deserialize, ToSchema, garde::Validate)]
pub struct CreateInvoice {
    /// A customer of this business.
    #[schema(required = true, schema_with = text_64)]
    #[garde(required, custom(validate::text::<64>))]
    customer_id: Option<String>,
    /// Your own id for the invoice, unique in the business (a second create with it gets 409
    /// `DUPLICATE_EXTERNAL_ID`).
    #[schema(schema_with = optional_text_255)]
    #[garde(custom(validate::optional_text::<255>))]
    external_id: Option<String>,
    /// The currency.
    #[schema(value_type = Currency, required = true)]
    #[garde(required, custom(validate::currency))]
    currency: Option<String>,
    /// When it is due (`YYYY-MM-DD`).
    #[schema(required = true, schema_with = date)]
    #[garde(required, custom(validate::date))]
    due_date: Option<String>,
    /// The lines (1 to 100).
    #[schema(value_type = Vec<CreateLineItem>, required = true, min_items = 1, max_items = 100)]
    #[garde(required, custom(line_count), dive)]
    line_items: Option<Vec<CreateLineItem>>,
}

/// One line of the create body.
#[derive(Debug, Deserialize, ToSchema, garde::Validate)]
pub struct CreateLineItem {
    /// What was sold.
    #[schema(required = true, schema_with = text_500)]
    #[garde(required, custom(validate::text::<500>))]
    description: Option<String>,
    /// How many (1 to 1,000,000).
    #[serde(default, deserialize_with = "integer")]
    #[schema(value_type = i64, required = true, minimum = 1, maximum = 1_000_000)]
    #[garde(required, inner(range(min = 1, max = MAX_QUANTITY)))]
    quantity: Option<i64>,
    /// The price of one, in minor units (0 to 10^10).
    #[serde(default, deserialize_with = "integer")]
    #[schema(value_type = i64, required = true, minimum = 0, maximum = 10_000_000_000_i64)]
    #[garde(required, inner(range(min = 0, max = MAX_UNIT_AMOUNT)))]
    unit_amount: Option<i64>,
}

/// 1 to [`MAX_LINE_ITEMS`] lines (seed 000's messages).
fn line_count(lines: &Option<Vec<CreateLineItem>>, _: &()) -> garde::Result {
    match lines {
        Some(l) if l.is_empty() => Err(garde::Error::new("At least one line item is required.")),
        Some(l) if l.len() > MAX_LINE_ITEMS => Err(garde::Error::new(format!(
            "At most {MAX_LINE_ITEMS} line items."
        ))),
        _ => Ok(()),
    }
}

impl CreateInvoice {
    /// The invoice to store, once validated (every required field is then present), with each
    /// line's amount and the total. The bounds make an overflow impossible; should one happen all
    /// the same, it is a violation, not a panic.
    fn into_new(self) -> Result<NewInvoice, ApiError> {
        let too_large =
            || ApiError::validation().with_field("line_items", "The invoice total is too large.");
        let mut total: i64 = 0;
        let mut line_items = Vec::new();
        for line in self.line_items.unwrap_or_default() {
            let (quantity, unit_amount) = (
                line.quantity.unwrap_or_default(),
                line.unit_amount.unwrap_or_default(),
            );
            let amount = quantity.checked_mul(unit_amount).ok_or_else(too_large)?;
            total = total.checked_add(amount).ok_or_else(too_large)?;
            line_items.push(LineItem {
                description: trimmed(&line.description.unwrap_or_default()),
                quantity,
                unit_amount,
                amount,
            });
        }
        Ok(NewInvoice {
            customer_id: trimmed(&self.customer_id.unwrap_or_default()),
            external_id: self.external_id.as_deref().map(trimmed),
            currency: self.currency.unwrap_or_default(),
            due_date: self.due_date.unwrap_or_default(),
            total,
            line_items,
        })
    }
}

/// A JSON integer: a number with no fractional part, whether written `3` or `3.0` (JSON and JSON
/// Schema do not tell them apart; serde's `i64` refuses `3.0`).
fn integer<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    struct Integer;
    impl<'de> serde::de::Visitor<'de> for Integer {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an integer")
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<S: serde::Deserializer<'de>>(self, d: S) -> Result<Self::Value, S::Error> {
            d.deserialize_any(self)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            i64::try_from(v)
                .map(Some)
                .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
            // Within ±2^53 every integral f64 is exact; beyond, bounds checks reject it anyway.
            if v.fract() == 0.0 && v.abs() <= 9_007_199_254_740_992.0 {
                Ok(Some(v as i64))
            } else {
                Err(E::invalid_type(serde::de::Unexpected::Float(v), &self))
            }
        }
    }
    d.deserialize_option(Integer)
}

/// `POST`: 201 with the invoice and its computed total; an `external_id` already used in this
/// business gives 409 `DUPLICATE_EXTERNAL_ID` with the existing invoice's id in the details.
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    Path(business_id): Path<String>,
    claim: Option<IdempotencyClaim>,
    mut body: Validation<Json<CreateInvoice>>,
) -> Result<Response, backstop_axum::Error> {
    require_business(&principal, &business_id)?;
    // An unknown customer is a violation of `customer_id`, in the same 422 as the others (the
    // lookup only for an id that passed its own rule).
    if body.is_valid("customer_id")
        && let Some(id) = body.customer_id.as_deref()
        && state
            .db
            .customer(&business_id, &trimmed(id))
            .await?
            .is_none()
    {
        body.add("customer_id", "No customer with this id in this business.");
    }
    let Json(body) = body.finish()?;
    let new = body.into_new()?;
    // A duplicate external_id is an error answer: the idempotency layer stores that one itself.
    let stored = |o: &Insert<Invoice>| match o {
        Insert::Created(i) => stored_json(StatusCode::CREATED, &InvoiceView::from(i.clone())),
        Insert::Existing(_) => None,
    };
    let completion = state.claims(&claim).map(|claim| Completion {
        claim,
        respond: &stored,
    });
    let created = state
        .db
        .create_invoice(&business_id, new, completion)
        .await?;
    match created.outcome {
        Insert::Created(invoice) => Ok(respond(
            created.committed,
            StatusCode::CREATED,
            InvoiceView::from(invoice),
        )),
        Insert::Existing(existing) => Err(ApiError::new(Code::DUPLICATE_EXTERNAL_ID)
            .with_detail("resource", "invoice")
            .with_detail("id", existing.id)
            .with_detail("external_id", existing.external_id.unwrap_or_default())
            .into()),
    }
}

/// `GET`: the business's invoices.
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    Path(business_id): Path<String>,
    uri: Uri,
    query: Validation<Query<PageQuery>>,
) -> Result<axum::Json<Paginated<InvoiceView>>, backstop_axum::Error> {
    require_business(&principal, &business_id)?;
    let req = query.finish()?.request();
    let page = state
        .db
        .invoices(&business_id, req.limit(), req.offset())
        .await?;
    let results = page.items.into_iter().map(InvoiceView::from).collect();
    Ok(axum::Json(Paginated::new(&uri, req, page.count, results)))
}

/// `GET /{invoice_id}/`.
pub async fn show(
    State(state): State<AppState>,
    principal: Principal,
    Path((business_id, invoice_id)): Path<(String, String)>,
) -> Result<axum::Json<InvoiceView>, backstop_axum::Error> {
    require_business(&principal, &business_id)?;
    match state.db.invoice(&business_id, &invoice_id).await? {
        Some(i) => Ok(axum::Json(i.into())),
        None => Err(ApiError::not_found("invoice", &invoice_id).into()),
    }
}
