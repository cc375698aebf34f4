//! [`CredentialStore`]: where API keys are looked up.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::SystemTime;

use crate::store::BoxFuture;

use super::api_key::KeyHash;
use super::principal::Principal;

pub use crate::store::StoreError;

/// Whether a stored key may still be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyStatus {
    /// Usable.
    Active,
    /// Revoked by its owner or an operator.
    Revoked,
}

/// A key as a credential store keeps it: its public prefix, the hash of its secret, who it
/// authenticates, and its status.
#[derive(Debug, Clone)]
pub struct StoredKey {
    /// The public prefix the key is looked up by.
    pub prefix: String,
    /// The SHA-256 of the secret.
    pub hash: KeyHash,
    /// Who the key authenticates.
    pub principal: Principal,
    /// When the key stops working, if ever.
    pub expires_at: Option<SystemTime>,
    /// Active or revoked.
    pub status: KeyStatus,
}

/// Looks up API keys by prefix and accounts by principal. Implement it over your database.
///
/// Both methods return boxed futures so the store can be used as `Arc<dyn CredentialStore>`.
pub trait CredentialStore: Send + Sync + 'static {
    /// The key with this public prefix, if any.
    fn find_key<'a>(
        &'a self,
        prefix: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredKey>, StoreError>>;

    /// Whether the principal's account is suspended (checked for keys and tokens alike, after the
    /// credential itself was verified). The default says no.
    fn is_suspended<'a>(
        &'a self,
        principal: &'a Principal,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let _ = principal;
        Box::pin(async { Ok(false) })
    }
}

/// An in-memory [`CredentialStore`] for tests, examples and small deployments.
#[derive(Debug, Default)]
pub struct MemoryCredentialStore {
    keys: RwLock<HashMap<String, StoredKey>>,
    suspended: RwLock<std::collections::HashSet<String>>,
}

impl MemoryCredentialStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a key.
    pub fn insert(&self, key: StoredKey) {
        self.keys
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.prefix.clone(), key);
    }

    /// Marks the key with this prefix revoked. Returns whether it existed.
    pub fn revoke(&self, prefix: &str) -> bool {
        let mut keys = self.keys.write().unwrap_or_else(|p| p.into_inner());
        match keys.get_mut(prefix) {
            Some(k) => {
                k.status = KeyStatus::Revoked;
                true
            }
            None => false,
        }
    }

    /// Suspends (or un-suspends) the account with this principal id.
    pub fn set_suspended(&self, principal_id: &str, suspended: bool) {
        let mut s = self.suspended.write().unwrap_or_else(|p| p.into_inner());
        if suspended {
            s.insert(principal_id.to_owned());
        } else {
            s.remove(principal_id);
        }
    }
}

impl CredentialStore for MemoryCredentialStore {
    fn find_key<'a>(
        &'a self,
        prefix: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredKey>, StoreError>> {
        let found = self
            .keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(prefix)
            .cloned();
        Box::pin(async move { Ok(found) })
    }

    fn is_suspended<'a>(
        &'a self,
        principal: &'a Principal,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let s = self
            .suspended
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains(principal.id());
        Box::pin(async move { Ok(s) })
    }
}
