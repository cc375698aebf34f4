//! The catalog listed for people and programs: every code with its status, retryability, default
//! message and what each wire profile makes of it (docs/CONTRACT.md §3.1 is generated from
//! [`catalog_markdown`]; `backstop codes` prints [`catalog_json`] and [`catalog_markdown`]).

use http::StatusCode;
use serde_json::{Value, json};

use crate::code::{CATALOG, Code};
use crate::error::ApiError;
use crate::profile::Profile;

/// How one profile puts a code on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireSpelling {
    /// The profile.
    pub profile: Profile,
    /// The code as this profile spells it (`lower_snake` in the flat profile).
    pub code: String,
    /// The status this profile answers the code with.
    pub status: StatusCode,
}

/// One row of the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogEntry {
    /// The code (its canonical `SCREAMING_SNAKE_CASE` name, status, retryability, default message).
    pub code: Code,
    /// Every profile's spelling and status, in [`Profile::ALL`] order.
    pub wire: Vec<WireSpelling>,
}

impl CatalogEntry {
    /// The profiles that spell the code or answer it differently from the canonical profile.
    pub fn renamed_by(&self) -> impl Iterator<Item = &WireSpelling> {
        self.wire
            .iter()
            .filter(|w| w.code != self.code.name() || w.status != self.code.status())
    }
}

impl Profile {
    /// How this profile spells `code` on the wire: `lower_snake` in the flat profile (seeds 000
    /// and 001), the canonical `SCREAMING_SNAKE_CASE` name everywhere else.
    ///
    /// ```
    /// use backstop::{Code, Profile};
    /// assert_eq!(Profile::Flat.wire_code(&Code::VALIDATION_ERROR), "validation_error");
    /// assert_eq!(Profile::Problem.wire_code(&Code::VALIDATION_ERROR), "VALIDATION_ERROR");
    /// ```
    pub fn wire_code(self, code: &Code) -> String {
        match self {
            Profile::Flat => code.lower_snake(),
            _ => code.name().to_owned(),
        }
    }

    /// The status this profile answers `code` with when an error carries the code's own status
    /// (the flat profile answers `VALIDATION_ERROR` with 400).
    pub fn wire_status(self, code: &Code) -> StatusCode {
        self.status_for(&ApiError::new(code.clone()))
    }
}

/// Every catalog code with what each profile makes of it, in catalog order.
pub fn catalog_entries() -> Vec<CatalogEntry> {
    CATALOG
        .iter()
        .map(|code| CatalogEntry {
            code: code.clone(),
            wire: Profile::ALL
                .iter()
                .map(|&profile| WireSpelling {
                    profile,
                    code: profile.wire_code(code),
                    status: profile.wire_status(code),
                })
                .collect(),
        })
        .collect()
}

/// The catalog as JSON: an array of `{"code", "status", "retryable", "message", "renamed_by",
/// "profiles": {"<profile>": {"code", "status"}}}` in catalog order.
pub fn catalog_json() -> Value {
    Value::Array(
        catalog_entries()
            .iter()
            .map(|e| {
                let profiles: serde_json::Map<String, Value> = e
                    .wire
                    .iter()
                    .map(|w| {
                        (
                            w.profile.name().to_owned(),
                            json!({"code": w.code, "status": w.status.as_u16()}),
                        )
                    })
                    .collect();
                json!({
                    "code": e.code.name(),
                    "status": e.code.status().as_u16(),
                    "retryable": e.code.is_retryable(),
                    "message": e.code.default_message(),
                    "renamed_by": e.renamed_by().map(|w| w.profile.name()).collect::<Vec<_>>(),
                    "profiles": profiles,
                })
            })
            .collect(),
    )
}

/// The catalog as a Markdown table (the table of docs/CONTRACT.md §3.1), one row per code, ending
/// with a newline.
///
/// ```
/// let table = backstop::catalog_markdown();
/// assert!(table.contains("| `VALIDATION_ERROR` | 422 | no | Request validation failed | flat: `validation_error`, status 400 |"));
/// ```
pub fn catalog_markdown() -> String {
    let mut out = String::from(
        "| code | status | retryable | default message | profiles that rename it |\n\
         |---|---|---|---|---|\n",
    );
    for e in catalog_entries() {
        let renamed: Vec<String> = e
            .renamed_by()
            .map(|w| {
                let mut s = format!("{}: `{}`", w.profile.name(), w.code);
                if w.status != e.code.status() {
                    s.push_str(&format!(", status {}", w.status.as_u16()));
                }
                s
            })
            .collect();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            e.code.name(),
            e.code.status().as_u16(),
            if e.code.is_retryable() { "yes" } else { "no" },
            e.code.default_message(),
            if renamed.is_empty() {
                "none".to_owned()
            } else {
                renamed.join("; ")
            },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once_with_every_profile() {
        let entries = catalog_entries();
        assert_eq!(entries.len(), CATALOG.len());
        for e in &entries {
            assert_eq!(e.wire.len(), Profile::ALL.len());
            let flat = e.renamed_by().find(|w| w.profile == Profile::Flat);
            assert_eq!(flat.unwrap().code, e.code.name().to_ascii_lowercase());
        }
    }

    #[test]
    fn only_flat_moves_a_status_and_only_validation_error() {
        for e in catalog_entries() {
            for w in &e.wire {
                let moved = w.status != e.code.status();
                assert_eq!(
                    moved,
                    w.profile == Profile::Flat && e.code == Code::VALIDATION_ERROR,
                    "{} in {}",
                    e.code,
                    w.profile
                );
            }
        }
    }

    #[test]
    fn json_and_markdown_have_one_row_per_code() {
        assert_eq!(catalog_json().as_array().unwrap().len(), CATALOG.len());
        assert_eq!(catalog_markdown().lines().count(), CATALOG.len() + 2);
    }
}
