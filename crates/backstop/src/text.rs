//! [`Text`]: a message's text, borrowed from the program, shared with a catalog, or owned.

use std::borrow::{Borrow, Cow};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The text of a human-readable message: an error's message or a field violation's.
///
/// Messages are mostly literals (`"This field is required."`) or the catalog's translations of
/// them, so a `Text` holds either without copying: a `&'static str` as it is, a catalog's
/// `Arc<str>` by reference count, and any other text as an owned `String`. Localizing a 422 then
/// swaps pointers instead of allocating a string per field (`benches/localized_errors.sh` in
/// backstop-axum). It reads as a `str` everywhere (`Deref`, comparisons, `Display`, serde).
///
/// ```
/// use backstop::Text;
/// use std::sync::Arc;
///
/// let literal = Text::from("This field is required.");
/// let shared = Text::from(Arc::<str>::from("Ce champ est obligatoire."));
/// let owned = Text::from(format!("Must be at most {}.", 10));
/// assert_eq!(literal, "This field is required.");
/// assert!(shared.starts_with("Ce champ"));
/// assert_eq!(owned, "Must be at most 10.");
/// ```
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Static(&'static str),
    Shared(Arc<str>),
    Owned(String),
}

impl Text {
    /// The text as a `str`.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Static(s) => s,
            Repr::Shared(s) => s,
            Repr::Owned(s) => s,
        }
    }

    /// The address and length of a `&'static str` text: a key that stands for its text for the
    /// life of the program.
    pub(crate) fn static_key(&self) -> Option<(usize, usize)> {
        match &self.0 {
            Repr::Static(s) => Some((s.as_ptr() as usize, s.len())),
            _ => None,
        }
    }

    /// The text as an owned `String` (a copy unless it was owned).
    pub fn into_string(self) -> String {
        match self.0 {
            Repr::Owned(s) => s,
            other => Text(other).as_str().to_owned(),
        }
    }
}

impl Default for Text {
    fn default() -> Self {
        Text(Repr::Static(""))
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&'static str> for Text {
    fn from(s: &'static str) -> Self {
        Text(Repr::Static(s))
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text(Repr::Owned(s))
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Self {
        Text(Repr::Owned(s.clone()))
    }
}

impl From<Arc<str>> for Text {
    fn from(s: Arc<str>) -> Self {
        Text(Repr::Shared(s))
    }
}

impl From<Box<str>> for Text {
    fn from(s: Box<str>) -> Self {
        Text(Repr::Owned(s.into()))
    }
}

impl From<Cow<'static, str>> for Text {
    fn from(s: Cow<'static, str>) -> Self {
        match s {
            Cow::Borrowed(s) => Text(Repr::Static(s)),
            Cow::Owned(s) => Text(Repr::Owned(s)),
        }
    }
}

impl From<Text> for String {
    fn from(t: Text) -> Self {
        t.into_string()
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Text) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        self == other.as_str()
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Text::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_text_reads_and_compares_as_its_str() {
        let texts = [
            Text::from("Ce champ est obligatoire."),
            Text::from(Arc::<str>::from("Ce champ est obligatoire.")),
            Text::from(String::from("Ce champ est obligatoire.")),
            Text::from(Cow::Borrowed("Ce champ est obligatoire.")),
        ];
        for t in &texts {
            assert_eq!(t, &texts[0]);
            assert_eq!(*t, "Ce champ est obligatoire.");
            assert_eq!(t.to_string(), "Ce champ est obligatoire.");
            assert_eq!(format!("{t:?}"), "\"Ce champ est obligatoire.\"");
            assert_eq!(
                serde_json::to_string(t).ok().as_deref(),
                Some("\"Ce champ est obligatoire.\"")
            );
            assert_eq!(t.clone().into_string(), "Ce champ est obligatoire.");
        }
        let back: Text = serde_json::from_str("\"x\\u00e9\"").unwrap_or_default();
        assert_eq!(back, "xé");
    }
}
