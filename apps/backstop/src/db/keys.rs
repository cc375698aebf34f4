//! Partners and their API keys.

use serde::Serialize;

use super::{Db, DbError, new_id, now_millis, on_pool, write_tx};

/// Whether a partner may use the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PartnerStatus {
    /// May use the API.
    Active,
    /// Refused with 403 `SUSPENDED_ACCOUNT`.
    Suspended,
}

impl PartnerStatus {
    fn as_str(self) -> &'static str {
        match self {
            PartnerStatus::Active => "active",
            PartnerStatus::Suspended => "suspended",
        }
    }

    fn parse(s: &str) -> Self {
        if s == "active" {
            PartnerStatus::Active
        } else {
            PartnerStatus::Suspended
        }
    }
}

/// A partner: the API's customer, who owns businesses.
#[derive(Clone, Debug, Serialize)]
pub struct Partner {
    /// `ptn_...`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Active or suspended.
    pub status: PartnerStatus,
    /// Creation time, unix millis.
    pub created_at: i64,
}

/// An API key as stored: never the secret, only its SHA-256 (hex).
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ApiKeyRow {
    /// `key_...`.
    pub id: String,
    /// The owning partner.
    pub partner_id: String,
    /// The key's public prefix (what it is looked up by).
    pub prefix: String,
    /// SHA-256 of the secret, hex.
    #[serde(skip)]
    pub secret_hash: String,
    /// Expiry, unix millis.
    pub expires_at: Option<i64>,
    /// Revocation time, unix millis.
    pub revoked_at: Option<i64>,
    /// Creation time, unix millis.
    pub created_at: i64,
}

/// What to store for a new key.
#[derive(Clone, Debug)]
pub struct NewKey {
    /// The owning partner.
    pub partner_id: String,
    /// The key's public prefix.
    pub prefix: String,
    /// SHA-256 of the secret, hex.
    pub secret_hash: String,
    /// Expiry, unix millis.
    pub expires_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct PartnerRow {
    id: String,
    name: String,
    status: String,
    created_at: i64,
}

impl From<PartnerRow> for Partner {
    fn from(r: PartnerRow) -> Self {
        Partner {
            id: r.id,
            name: r.name,
            status: PartnerStatus::parse(&r.status),
            created_at: r.created_at,
        }
    }
}

macro_rules! key_columns {
    () => {
        "id, partner_id, prefix, secret_hash, expires_at, revoked_at, created_at"
    };
}

impl Db {
    /// Creates an active partner.
    pub async fn create_partner(&self, name: &str) -> Result<Partner, DbError> {
        let partner = Partner {
            id: new_id("ptn"),
            name: name.to_owned(),
            status: PartnerStatus::Active,
            created_at: now_millis(),
        };
        write_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO partners (id, name, status, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(&partner.id)
            .bind(&partner.name)
            .bind(partner.status.as_str())
            .bind(partner.created_at)
            .execute(&mut *c)
            .await?;
            Ok(())
        })?;
        Ok(partner)
    }

    /// The partner with this id.
    pub async fn partner(&self, id: &str) -> Result<Option<Partner>, DbError> {
        let row: Option<PartnerRow> = on_pool!(self, |p| {
            sqlx::query_as("SELECT id, name, status, created_at FROM partners WHERE id = $1")
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        Ok(row.map(Partner::from))
    }

    /// Sets a partner's status. Returns whether the partner exists.
    pub async fn set_partner_status(
        &self,
        id: &str,
        status: PartnerStatus,
    ) -> Result<bool, DbError> {
        let done = write_tx!(self, |c| {
            Ok(sqlx::query("UPDATE partners SET status = $1 WHERE id = $2")
                .bind(status.as_str())
                .bind(id)
                .execute(&mut *c)
                .await?
                .rows_affected())
        })?;
        Ok(done > 0)
    }

    /// Stores a new key.
    pub async fn create_key(&self, key: NewKey) -> Result<ApiKeyRow, DbError> {
        let row = ApiKeyRow {
            id: new_id("key"),
            partner_id: key.partner_id,
            prefix: key.prefix,
            secret_hash: key.secret_hash,
            expires_at: key.expires_at,
            revoked_at: None,
            created_at: now_millis(),
        };
        write_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO api_keys (id, partner_id, prefix, secret_hash, expires_at, revoked_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, NULL, $6)",
            )
            .bind(&row.id)
            .bind(&row.partner_id)
            .bind(&row.prefix)
            .bind(&row.secret_hash)
            .bind(row.expires_at)
            .bind(row.created_at)
            .execute(&mut *c)
            .await?;
            Ok(())
        })?;
        Ok(row)
    }

    /// The key with this public prefix.
    pub async fn key_by_prefix(&self, prefix: &str) -> Result<Option<ApiKeyRow>, DbError> {
        let sql = concat!(
            "SELECT ",
            key_columns!(),
            " FROM api_keys WHERE prefix = $1"
        );
        Ok(on_pool!(self, |p| {
            sqlx::query_as(sql).bind(prefix).fetch_optional(p).await?
        }))
    }

    /// A partner's keys, oldest first.
    pub async fn keys_of(&self, partner_id: &str) -> Result<Vec<ApiKeyRow>, DbError> {
        let sql = concat!(
            "SELECT ",
            key_columns!(),
            " FROM api_keys WHERE partner_id = $1 ORDER BY created_at, id"
        );
        Ok(on_pool!(self, |p| {
            sqlx::query_as(sql).bind(partner_id).fetch_all(p).await?
        }))
    }

    /// Revokes a key (idempotent: the first revocation time is kept). Returns whether it exists.
    pub async fn revoke_key(&self, key_id: &str) -> Result<bool, DbError> {
        let done = write_tx!(self, |c| {
            Ok(sqlx::query(
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2",
            )
            .bind(now_millis())
            .bind(key_id)
            .execute(&mut *c)
            .await?
            .rows_affected())
        })?;
        Ok(done > 0)
    }
}
