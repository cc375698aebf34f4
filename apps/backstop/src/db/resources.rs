//! Businesses, customers and invoices.

use backstop_axum::idempotency::{IdempotencyClaim, StoredResponse};

use super::idempotency::{complete_claim, insert_completing_claim};
use super::{Db, DbError, new_id, now_millis, on_pool, write_tx};

/// The outcome of a create that may find the resource already there (by `external_id`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Insert<T> {
    /// Created now.
    Created(T),
    /// Already there.
    Existing(T),
}

/// How a create completes its idempotency claim in its own transaction: the claim, and the response
/// to store for the outcome (`None`: leave the claim to the idempotency layer, e.g. for an error).
pub struct Completion<'a, T> {
    /// The request's claim.
    pub claim: &'a IdempotencyClaim,
    /// The response a replay of this outcome sends.
    pub respond: &'a (dyn Fn(&Insert<T>) -> Option<StoredResponse> + Send + Sync),
}

/// What a create did, and the response it committed with its claim, if any.
pub struct Created<T> {
    /// Created now, or found by its external id.
    pub outcome: Insert<T>,
    /// The response stored with the claim's completion (send exactly this).
    pub committed: Option<StoredResponse>,
}

/// One page of a list and the total count.
#[derive(Clone, Debug)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many items the whole list has.
    pub count: i64,
}

/// A business (owned by a partner).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Business {
    /// `biz_...`.
    pub id: String,
    /// The owning partner.
    pub partner_id: String,
    /// The partner's own id for it (unique per partner).
    pub external_id: String,
    /// Legal name.
    pub legal_name: String,
    /// Contact email.
    pub email: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// GBP, EUR or USD.
    pub base_currency: String,
    /// Creation time, unix millis.
    pub created_at: i64,
}

/// A validated business to create.
#[derive(Clone, Debug)]
pub struct NewBusiness {
    /// The partner's own id for it.
    pub external_id: String,
    /// Legal name.
    pub legal_name: String,
    /// Contact email.
    pub email: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// GBP, EUR or USD.
    pub base_currency: String,
}

/// A customer of a business.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Customer {
    /// `cus_...`.
    pub id: String,
    /// The owning business.
    pub business_id: String,
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Creation time, unix millis.
    pub created_at: i64,
}

/// A validated customer to create.
#[derive(Clone, Debug)]
pub struct NewCustomer {
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
}

/// An invoice line.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct LineItem {
    /// What is billed.
    pub description: String,
    /// How many (> 0).
    pub quantity: i64,
    /// Price of one, in minor units (>= 0).
    pub unit_amount: i64,
    /// `quantity * unit_amount`.
    pub amount: i64,
}

/// An invoice with its lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invoice {
    /// `inv_...`.
    pub id: String,
    /// The owning business.
    pub business_id: String,
    /// The billed customer.
    pub customer_id: String,
    /// The business's own id for it (unique per business when set).
    pub external_id: Option<String>,
    /// GBP, EUR or USD.
    pub currency: String,
    /// `YYYY-MM-DD`.
    pub due_date: String,
    /// Sum of the lines' amounts, minor units.
    pub total: i64,
    /// Creation time, unix millis.
    pub created_at: i64,
    /// The lines, in order.
    pub line_items: Vec<LineItem>,
}

#[derive(sqlx::FromRow)]
struct InvoiceRow {
    id: String,
    business_id: String,
    customer_id: String,
    external_id: Option<String>,
    currency: String,
    due_date: String,
    total: i64,
    created_at: i64,
}

impl InvoiceRow {
    fn with_lines(self, line_items: Vec<LineItem>) -> Invoice {
        Invoice {
            id: self.id,
            business_id: self.business_id,
            customer_id: self.customer_id,
            external_id: self.external_id,
            currency: self.currency,
            due_date: self.due_date,
            total: self.total,
            created_at: self.created_at,
            line_items,
        }
    }
}

/// A validated invoice to create (the total is computed by the caller, checked for overflow).
#[derive(Clone, Debug)]
pub struct NewInvoice {
    /// The billed customer (checked to belong to the business).
    pub customer_id: String,
    /// The business's own id for it.
    pub external_id: Option<String>,
    /// GBP, EUR or USD.
    pub currency: String,
    /// `YYYY-MM-DD`.
    pub due_date: String,
    /// Sum of the lines.
    pub total: i64,
    /// The lines.
    pub line_items: Vec<LineItem>,
}

macro_rules! business_columns {
    () => {
        "id, partner_id, external_id, legal_name, email, country, base_currency, created_at"
    };
}
macro_rules! invoice_columns {
    () => {
        "id, business_id, customer_id, external_id, currency, due_date, total, created_at"
    };
}

impl Db {
    /// Creates a business, or returns the partner's existing one with the same `external_id`; with
    /// a `completion`, completes the idempotency claim in the same transaction.
    pub async fn create_business(
        &self,
        partner_id: &str,
        new: NewBusiness,
        completion: Option<Completion<'_, Business>>,
    ) -> Result<Created<Business>, DbError> {
        let id = new_id("biz");
        let now = now_millis();
        let sql = concat!(
            "SELECT ",
            business_columns!(),
            " FROM businesses WHERE partner_id = $1 AND external_id = $2"
        );
        write_tx!(self, |c| {
            let inserted = sqlx::query(
                "INSERT INTO businesses (id, partner_id, external_id, legal_name, email, country, base_currency, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (partner_id, external_id) DO NOTHING",
            )
            .bind(&id)
            .bind(partner_id)
            .bind(&new.external_id)
            .bind(&new.legal_name)
            .bind(&new.email)
            .bind(&new.country)
            .bind(&new.base_currency)
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected();
            let business: Business = sqlx::query_as(sql)
                .bind(partner_id)
                .bind(&new.external_id)
                .fetch_one(&mut *c)
                .await?;
            let outcome = if inserted == 1 {
                Insert::Created(business)
            } else {
                Insert::Existing(business)
            };
            let committed = match &completion {
                Some(done) => match (done.respond)(&outcome) {
                    Some(stored) => {
                        complete_claim!(c, done.claim, stored);
                        Some(stored)
                    }
                    None => None,
                },
                None => None,
            };
            Ok(Created { outcome, committed })
        })
    }

    /// The business with this id, if it belongs to `partner_id`.
    pub async fn business(&self, partner_id: &str, id: &str) -> Result<Option<Business>, DbError> {
        let sql = concat!(
            "SELECT ",
            business_columns!(),
            " FROM businesses WHERE id = $1 AND partner_id = $2"
        );
        Ok(on_pool!(self, |p| {
            sqlx::query_as(sql)
                .bind(id)
                .bind(partner_id)
                .fetch_optional(p)
                .await?
        }))
    }

    /// A page of a partner's businesses, oldest first.
    pub async fn businesses(
        &self,
        partner_id: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Page<Business>, DbError> {
        let sql = concat!(
            "SELECT ",
            business_columns!(),
            " FROM businesses WHERE partner_id = $1 ORDER BY id LIMIT $2 OFFSET $3"
        );
        on_pool!(self, |p| {
            let items = sqlx::query_as(sql)
                .bind(partner_id)
                .bind(limit)
                .bind(offset)
                .fetch_all(p)
                .await?;
            let (count,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM businesses WHERE partner_id = $1")
                    .bind(partner_id)
                    .fetch_one(p)
                    .await?;
            Ok(Page { items, count })
        })
    }

    /// Creates a customer; with a `completion`, completes the idempotency claim in the same
    /// transaction.
    pub async fn create_customer(
        &self,
        business_id: &str,
        new: NewCustomer,
        completion: Option<Completion<'_, Customer>>,
    ) -> Result<Created<Customer>, DbError> {
        let customer = Customer {
            id: new_id("cus"),
            business_id: business_id.to_owned(),
            name: new.name,
            email: new.email,
            created_at: now_millis(),
        };
        let outcome = Insert::Created(customer);
        let committed = completion
            .as_ref()
            .and_then(|done| (done.respond)(&outcome));
        let (Insert::Created(customer) | Insert::Existing(customer)) = &outcome;
        macro_rules! insert {
            () => {
                "INSERT INTO customers (id, business_id, name, email, created_at)"
            };
        }
        macro_rules! bind_customer {
            ($q:expr) => {
                $q.bind(&customer.id)
                    .bind(&customer.business_id)
                    .bind(&customer.name)
                    .bind(&customer.email)
                    .bind(customer.created_at)
            };
        }
        write_tx!(self, |c| {
            if let (Some(done), Some(stored)) = (&completion, &committed) {
                insert_completing_claim!(
                    c,
                    done.claim,
                    stored,
                    concat!(insert!(), " SELECT $6, $7, $8, $9, $10"),
                    |q| bind_customer!(q)
                );
            } else {
                bind_customer!(sqlx::query(concat!(
                    insert!(),
                    " VALUES ($1, $2, $3, $4, $5)"
                )))
                .execute(&mut *c)
                .await?;
            }
            Ok(())
        })?;
        Ok(Created { outcome, committed })
    }

    /// The customer with this id in this business.
    pub async fn customer(&self, business_id: &str, id: &str) -> Result<Option<Customer>, DbError> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT id, business_id, name, email, created_at FROM customers WHERE id = $1 AND business_id = $2",
            )
            .bind(id)
            .bind(business_id)
            .fetch_optional(p)
            .await?
        }))
    }

    /// A page of a business's customers, oldest first.
    pub async fn customers(
        &self,
        business_id: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Page<Customer>, DbError> {
        on_pool!(self, |p| {
            let items = sqlx::query_as(
                "SELECT id, business_id, name, email, created_at FROM customers WHERE business_id = $1 \
                 ORDER BY id LIMIT $2 OFFSET $3",
            )
            .bind(business_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(p)
            .await?;
            let (count,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM customers WHERE business_id = $1")
                    .bind(business_id)
                    .fetch_one(p)
                    .await?;
            Ok(Page { items, count })
        })
    }

    /// Creates an invoice with its lines in one transaction, or returns the id of the business's
    /// invoice with the same `external_id` as `Insert::Existing` (without lines); with a
    /// `completion`, completes the idempotency claim in the same transaction.
    pub async fn create_invoice(
        &self,
        business_id: &str,
        new: NewInvoice,
        completion: Option<Completion<'_, Invoice>>,
    ) -> Result<Created<Invoice>, DbError> {
        if let Some(existing) = self.invoice_by_external_id(business_id, &new).await? {
            return Ok(Created {
                outcome: Insert::Existing(existing),
                committed: None,
            });
        }
        let invoice = Invoice {
            id: new_id("inv"),
            business_id: business_id.to_owned(),
            customer_id: new.customer_id.clone(),
            external_id: new.external_id.clone(),
            currency: new.currency.clone(),
            due_date: new.due_date.clone(),
            total: new.total,
            created_at: now_millis(),
            line_items: new.line_items.clone(),
        };
        let outcome = Insert::Created(invoice);
        let committed = completion
            .as_ref()
            .and_then(|done| (done.respond)(&outcome));
        let (Insert::Created(invoice) | Insert::Existing(invoice)) = &outcome;
        macro_rules! insert {
            () => {
                "INSERT INTO invoices \
                 (id, business_id, customer_id, external_id, currency, due_date, total, created_at)"
            };
        }
        macro_rules! bind_invoice {
            ($q:expr) => {
                $q.bind(&invoice.id)
                    .bind(&invoice.business_id)
                    .bind(&invoice.customer_id)
                    .bind(&invoice.external_id)
                    .bind(&invoice.currency)
                    .bind(&invoice.due_date)
                    .bind(invoice.total)
                    .bind(invoice.created_at)
            };
        }
        let result = write_tx!(self, |c| {
            if let (Some(done), Some(stored)) = (&completion, &committed) {
                insert_completing_claim!(
                    c,
                    done.claim,
                    stored,
                    concat!(insert!(), " SELECT $6, $7, $8, $9, $10, $11, $12, $13"),
                    |q| bind_invoice!(q)
                );
            } else {
                bind_invoice!(sqlx::query(concat!(
                    insert!(),
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                )))
                .execute(&mut *c)
                .await?;
            }
            for (position, line) in invoice.line_items.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO invoice_line_items (invoice_id, position, description, quantity, unit_amount, amount) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&invoice.id)
                .bind(position as i64)
                .bind(&line.description)
                .bind(line.quantity)
                .bind(line.unit_amount)
                .bind(line.amount)
                .execute(&mut *c)
                .await?;
            }
            Ok(())
        });
        match result {
            Ok(()) => Ok(Created { outcome, committed }),
            // Lost a race with a concurrent create of the same external_id.
            Err(DbError::Query(e)) if is_unique_violation(&e) => {
                match self.invoice_by_external_id(business_id, &new).await? {
                    Some(existing) => Ok(Created {
                        outcome: Insert::Existing(existing),
                        committed: None,
                    }),
                    None => Err(DbError::Query(e)),
                }
            }
            Err(e) => Err(e),
        }
    }

    async fn invoice_by_external_id(
        &self,
        business_id: &str,
        new: &NewInvoice,
    ) -> Result<Option<Invoice>, DbError> {
        let Some(external_id) = &new.external_id else {
            return Ok(None);
        };
        let sql = concat!(
            "SELECT ",
            invoice_columns!(),
            " FROM invoices WHERE business_id = $1 AND external_id = $2"
        );
        let row: Option<InvoiceRow> = on_pool!(self, |p| {
            sqlx::query_as(sql)
                .bind(business_id)
                .bind(external_id)
                .fetch_optional(p)
                .await?
        });
        Ok(row.map(|r| r.with_lines(Vec::new())))
    }

    /// The invoice with this id in this business, with its lines.
    pub async fn invoice(&self, business_id: &str, id: &str) -> Result<Option<Invoice>, DbError> {
        let sql = concat!(
            "SELECT ",
            invoice_columns!(),
            " FROM invoices WHERE id = $1 AND business_id = $2"
        );
        let row: Option<InvoiceRow> = on_pool!(self, |p| {
            sqlx::query_as(sql)
                .bind(id)
                .bind(business_id)
                .fetch_optional(p)
                .await?
        });
        let Some(row) = row else { return Ok(None) };
        let lines = self.lines_of(&row.id).await?;
        Ok(Some(row.with_lines(lines)))
    }

    async fn lines_of(&self, invoice_id: &str) -> Result<Vec<LineItem>, DbError> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT description, quantity, unit_amount, amount FROM invoice_line_items \
                 WHERE invoice_id = $1 ORDER BY position",
            )
            .bind(invoice_id)
            .fetch_all(p)
            .await?
        }))
    }

    /// A page of a business's invoices, oldest first, with their lines.
    pub async fn invoices(
        &self,
        business_id: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Page<Invoice>, DbError> {
        let sql = concat!(
            "SELECT ",
            invoice_columns!(),
            " FROM invoices WHERE business_id = $1 ORDER BY id LIMIT $2 OFFSET $3"
        );
        let (rows, count): (Vec<InvoiceRow>, i64) = on_pool!(self, |p| {
            let rows = sqlx::query_as(sql)
                .bind(business_id)
                .bind(limit)
                .bind(offset)
                .fetch_all(p)
                .await?;
            let (count,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM invoices WHERE business_id = $1")
                    .bind(business_id)
                    .fetch_one(p)
                    .await?;
            (rows, count)
        });
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            let lines = self.lines_of(&row.id).await?;
            items.push(row.with_lines(lines));
        }
        Ok(Page { items, count })
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}
