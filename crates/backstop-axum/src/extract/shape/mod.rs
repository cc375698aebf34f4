//! Every shape violation of a document at once.
//!
//! serde stops at the first error, and docs/CONTRACT.md §5 wants every offending field listed. Only on the
//! error path (the fast path is a plain `serde_json::from_slice`), the body is read as a
//! [`serde_json::Value`] and deserialized again through [`Recorder`], a deserializer over that value
//! which, instead of failing on a wrongly typed value, records the violation with its path
//! (`items[2].amount`) and hands the visitor a placeholder of the requested type, so the walk goes on.
//! Errors that only the target type can raise (a missing required field, an unknown field under
//! `deny_unknown_fields`, a value a custom `Deserialize` refuses) end a pass; they are recorded and the
//! pass is rerun with that spot patched (a missing field gets a silent placeholder, an unknown field is
//! skipped, a refused value is replaced by a placeholder), at most [`MAX_PASSES`] times.
//!
//! No crate does this (serde_path_to_error reports the first error's path only), hence hand-written.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fmt;

use backstop::FieldViolations;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess,
    SeqAccess, VariantAccess, Visitor,
};
use serde_json::Value;

mod placeholder;

use super::REQUIRED;
use placeholder::Placeholder;

/// The most passes over one document (each pass uncovers at least one new violation).
pub(crate) const MAX_PASSES: usize = 64;

/// How scalars are read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// JSON: types must match exactly.
    Json,
    /// Query strings, forms and path parameters: every value is a string; numbers and booleans are
    /// parsed from it.
    Text,
}

/// A violation found by a pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A required field is absent.
    Missing,
    /// Any other violation.
    Invalid,
}

/// The violations of `value` against `T`, with whether each is a missing field, sorted by path as
/// strings (byte order: `items[10]` before `items[2]`; violations at one path keep the order they were
/// found in).
pub(crate) fn collect<T: DeserializeOwned>(
    value: &Value,
    mode: Mode,
) -> Vec<(String, Kind, String)> {
    let state = RefCell::new(State::default());
    for _ in 0..MAX_PASSES {
        state.borrow_mut().pass.clear();
        let outcome = T::deserialize(Recorder {
            value: Some(value),
            path: String::new(),
            state: &state,
            mode,
        });
        let mut s = state.borrow_mut();
        let Err(e) = outcome else { break };
        let path = e.path.clone().unwrap_or_default();
        let progressed = match e.kind {
            ErrKind::Missing(field) => {
                let full = join(&path, field);
                let fresh = s.synth.entry(path).or_default().insert(field);
                if fresh {
                    s.fixed.push((full, Kind::Missing, REQUIRED.into()));
                }
                fresh
            }
            ErrKind::Unknown(field) => {
                let full = join(&path, &field);
                let fresh = s.skip.insert(full.clone());
                if fresh {
                    s.fixed.push((full, Kind::Invalid, "Unknown field.".into()));
                }
                fresh
            }
            ErrKind::Other(message) => {
                let fresh = s.poisoned.insert(path.clone());
                if fresh && !s.pass.iter().any(|(p, _, _)| *p == path) {
                    s.fixed.push((path, Kind::Invalid, message));
                }
                fresh
            }
        };
        if !progressed {
            break;
        }
    }
    let s = state.into_inner();
    let mut out = s.fixed;
    for v in s.pass {
        if !out.iter().any(|(p, _, _)| *p == v.0) {
            out.push(v);
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// `collect` as field violations.
pub(crate) fn violations(found: &[(String, Kind, String)]) -> FieldViolations {
    let mut v = FieldViolations::new();
    for (path, _, message) in found {
        let field = if path.is_empty() {
            "body"
        } else {
            path.as_str()
        };
        v.add(field, message.clone());
    }
    v
}

fn join(parent: &str, field: &str) -> String {
    if parent.is_empty() {
        field.to_owned()
    } else {
        format!("{parent}.{field}")
    }
}

#[derive(Default)]
struct State {
    /// Violations found by the current pass (type mismatches; rerun each pass).
    pass: Vec<(String, Kind, String)>,
    /// Violations that ended a pass (kept across passes).
    fixed: Vec<(String, Kind, String)>,
    /// Per struct path, the missing required fields to fill with placeholders.
    synth: HashMap<String, HashSet<&'static str>>,
    /// Full paths of unknown fields to skip.
    skip: HashSet<String>,
    /// Full paths whose value is replaced by a placeholder.
    poisoned: HashSet<String>,
}

/// The error of a pass: what went wrong and where.
#[derive(Debug)]
pub(crate) struct ShapeError {
    path: Option<String>,
    kind: ErrKind,
}

#[derive(Debug)]
enum ErrKind {
    Missing(&'static str),
    Unknown(String),
    Other(String),
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrKind::Missing(m) => write!(f, "missing field {m}"),
            ErrKind::Unknown(u) => write!(f, "unknown field {u}"),
            ErrKind::Other(o) => f.write_str(o),
        }
    }
}

impl std::error::Error for ShapeError {}

impl de::Error for ShapeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ShapeError {
            path: None,
            kind: ErrKind::Other(tidy(&msg.to_string())),
        }
    }

    fn missing_field(field: &'static str) -> Self {
        ShapeError {
            path: None,
            kind: ErrKind::Missing(field),
        }
    }

    fn unknown_field(field: &str, _expected: &'static [&'static str]) -> Self {
        ShapeError {
            path: None,
            kind: ErrKind::Unknown(field.to_owned()),
        }
    }

    fn invalid_type(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        Self::custom(format_args!("Expected {exp}, got {}.", unexpected(&unexp)))
    }

    fn invalid_value(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        Self::custom(format_args!(
            "Invalid value {}: expected {exp}.",
            unexpected(&unexp)
        ))
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Self::custom(format_args!(
            "Must be one of: {}.",
            if expected.is_empty() {
                "(none)".to_owned()
            } else {
                expected.join(", ")
            }
        ))
        .with_variant_hint(variant)
    }
}

impl ShapeError {
    fn with_variant_hint(self, _variant: &str) -> Self {
        // The offending value is client input: it is not echoed back.
        self
    }

    fn at(mut self, path: &str) -> Self {
        if self.path.is_none() {
            self.path = Some(path.to_owned());
        }
        self
    }
}

/// Describes an unexpected value without echoing client strings back.
fn unexpected(u: &de::Unexpected<'_>) -> String {
    match u {
        de::Unexpected::Str(_) | de::Unexpected::Char(_) => "a string".into(),
        de::Unexpected::Bytes(_) => "bytes".into(),
        de::Unexpected::Signed(_) | de::Unexpected::Unsigned(_) => "an integer".into(),
        de::Unexpected::Float(_) => "a number".into(),
        other => other.to_string(),
    }
}

/// Capitalises a message and ends it with a period.
fn tidy(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len() + 1);
    let mut chars = msg.chars();
    if let Some(c) = chars.next() {
        out.extend(c.to_uppercase());
        out.push_str(chars.as_str());
    }
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// What a JSON value is, in a message.
fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The deserializer of one position of the document.
struct Recorder<'a, 'v> {
    value: Option<&'v Value>,
    path: String,
    state: &'a RefCell<State>,
    mode: Mode,
}

impl<'a, 'v> Recorder<'a, 'v> {
    fn child(&self, value: Option<&'v Value>, path: String) -> Self {
        Recorder {
            value,
            path,
            state: self.state,
            mode: self.mode,
        }
    }

    fn mismatch(&self, expected: &str) {
        let message = match (self.mode, self.value) {
            // A key repeated in a query string or form, for a field that takes one value.
            (Mode::Text, Some(Value::Array(items))) => {
                format!("Expected a single value, got {}.", items.len())
            }
            (_, value) => {
                let got = value.map(kind_of).unwrap_or("nothing");
                format!("Expected {expected}, got {got}.")
            }
        };
        self.state
            .borrow_mut()
            .pass
            .push((self.path.clone(), Kind::Invalid, message));
    }

    fn poisoned(&self) -> bool {
        self.value.is_none() || self.state.borrow().poisoned.contains(&self.path)
    }

    fn text(&self) -> Option<&'v str> {
        match (self.mode, self.value) {
            (Mode::Text, Some(Value::String(s))) => Some(s.as_str()),
            _ => None,
        }
    }

    fn int<T>(&self) -> Option<T>
    where
        T: std::str::FromStr + TryFrom<i64> + TryFrom<u64>,
    {
        if let Some(s) = self.text() {
            return s.trim().parse().ok();
        }
        match self.value {
            Some(Value::Number(n)) => n
                .as_u64()
                .and_then(|u| T::try_from(u).ok())
                .or_else(|| n.as_i64().and_then(|i| T::try_from(i).ok())),
            _ => None,
        }
    }

    fn float(&self) -> Option<f64> {
        if let Some(s) = self.text() {
            return s.trim().parse().ok();
        }
        match self.value {
            Some(Value::Number(n)) => n.as_f64(),
            _ => None,
        }
    }

    fn wrap<T>(&self, r: Result<T, ShapeError>) -> Result<T, ShapeError> {
        r.map_err(|e| e.at(&self.path))
    }
}

macro_rules! int_method {
    ($method:ident, $ty:ty, $visit:ident, $what:literal) => {
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
            if self.poisoned() {
                return Placeholder.$method(visitor);
            }
            match self.int::<$ty>() {
                Some(n) => self.wrap(visitor.$visit(n)),
                None => {
                    self.mismatch($what);
                    Placeholder.$method(visitor)
                }
            }
        }
    };
}

impl<'de> Deserializer<'de> for Recorder<'_, '_> {
    type Error = ShapeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        if self.poisoned() {
            return Placeholder.deserialize_any(visitor);
        }
        let r = match self.value {
            None | Some(Value::Null) => visitor.visit_unit(),
            Some(Value::Bool(b)) => visitor.visit_bool(*b),
            Some(Value::Number(n)) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or(0.0))
                }
            }
            Some(Value::String(s)) => visitor.visit_str(s),
            Some(Value::Array(items)) => return self.visit_array(items, visitor),
            Some(Value::Object(_)) => return self.deserialize_map(visitor),
        };
        self.wrap(r)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        if self.poisoned() {
            return Placeholder.deserialize_bool(visitor);
        }
        let b = match (self.text(), self.value) {
            (Some("true"), _) => Some(true),
            (Some("false"), _) => Some(false),
            (None, Some(Value::Bool(b))) => Some(*b),
            _ => None,
        };
        match b {
            Some(b) => self.wrap(visitor.visit_bool(b)),
            None => {
                self.mismatch("a boolean");
                Placeholder.deserialize_bool(visitor)
            }
        }
    }

    int_method!(deserialize_i8, i8, visit_i8, "an integer");
    int_method!(deserialize_i16, i16, visit_i16, "an integer");
    int_method!(deserialize_i32, i32, visit_i32, "an integer");
    int_method!(deserialize_i64, i64, visit_i64, "an integer");
    int_method!(deserialize_u8, u8, visit_u8, "a non-negative integer");
    int_method!(deserialize_u16, u16, visit_u16, "a non-negative integer");
    int_method!(deserialize_u32, u32, visit_u32, "a non-negative integer");
    int_method!(deserialize_u64, u64, visit_u64, "a non-negative integer");

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        if self.poisoned() {
            return Placeholder.deserialize_f64(visitor);
        }
        match self.float() {
            Some(f) => self.wrap(visitor.visit_f64(f)),
            None => {
                self.mismatch("a number");
                Placeholder.deserialize_f64(visitor)
            }
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        if self.poisoned() {
            return Placeholder.deserialize_str(visitor);
        }
        match self.value {
            Some(Value::String(s)) => self.wrap(visitor.visit_str(s)),
            _ => {
                self.mismatch("a string");
                Placeholder.deserialize_str(visitor)
            }
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        match self.value {
            None | Some(Value::Null) => self.wrap(visitor.visit_none()),
            Some(Value::String(s)) if self.mode == Mode::Text && s.is_empty() => {
                self.wrap(visitor.visit_none())
            }
            Some(_) => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        if self.poisoned() {
            return Placeholder.deserialize_unit(visitor);
        }
        match self.value {
            Some(Value::Null) => self.wrap(visitor.visit_unit()),
            _ => {
                self.mismatch("null");
                Placeholder.deserialize_unit(visitor)
            }
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        let path = self.path.clone();
        visitor.visit_newtype_struct(self).map_err(|e| e.at(&path))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        if self.poisoned() {
            return Placeholder.deserialize_seq(visitor);
        }
        match self.value {
            Some(Value::Array(items)) => self.visit_array(items, visitor),
            // A repeated query key arrives as one string when it occurs once.
            Some(v @ Value::String(_)) if self.mode == Mode::Text => {
                self.visit_array(std::slice::from_ref(v), visitor)
            }
            _ => {
                self.mismatch("an array");
                Placeholder.deserialize_seq(visitor)
            }
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        if self.poisoned() {
            return Placeholder.deserialize_tuple(len, visitor);
        }
        match self.value {
            Some(Value::Array(items)) if items.len() == len => self.visit_array(items, visitor),
            _ => {
                self.mismatch(&format!("an array of {len}"));
                Placeholder.deserialize_tuple(len, visitor)
            }
        }
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        self.visit_object(&[], visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        if self.poisoned() {
            return Placeholder.deserialize_struct(name, fields, visitor);
        }
        self.visit_object(fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        if self.poisoned() {
            return Placeholder.deserialize_enum(name, variants, visitor);
        }
        let path = self.path.clone();
        match self.value {
            Some(Value::String(s)) => visitor
                .visit_enum(s.as_str().into_deserializer())
                .map_err(|e: ShapeError| e.at(&path)),
            Some(Value::Object(map)) if map.len() == 1 => {
                let Some((variant, value)) = map.iter().next() else {
                    return Placeholder.deserialize_enum(name, variants, visitor);
                };
                let inner = self.child(Some(value), join(&self.path, variant));
                visitor
                    .visit_enum(RecorderEnum {
                        variant: variant.as_str(),
                        value: inner,
                    })
                    .map_err(|e| e.at(&path))
            }
            _ => {
                self.mismatch(&format!("one of: {}", variants.join(", ")));
                Placeholder.deserialize_enum(name, variants, visitor)
            }
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        visitor.visit_unit()
    }
}

impl<'a, 'v> Recorder<'a, 'v> {
    fn visit_array<'de, V: Visitor<'de>>(
        self,
        items: &'v [Value],
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        let path = self.path.clone();
        visitor
            .visit_seq(RecorderSeq {
                parent: &self,
                items: items.iter().enumerate(),
            })
            .map_err(|e| e.at(&path))
    }

    fn visit_object<'de, V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        let Some(Value::Object(map)) = self.value else {
            self.mismatch("an object");
            return Placeholder.deserialize_struct("", fields, visitor);
        };
        let synth: Vec<&'static str> = self
            .state
            .borrow()
            .synth
            .get(&self.path)
            .map(|s| {
                fields
                    .iter()
                    .copied()
                    .filter(|f| s.contains(f) && !map.contains_key(*f))
                    .collect()
            })
            .unwrap_or_default();
        let path = self.path.clone();
        visitor
            .visit_map(RecorderMap {
                parent: &self,
                entries: map.iter(),
                synth: synth.into_iter(),
                pending: None,
            })
            .map_err(|e| e.at(&path))
    }
}

struct RecorderSeq<'p, 'a, 'v> {
    parent: &'p Recorder<'a, 'v>,
    items: std::iter::Enumerate<std::slice::Iter<'v, Value>>,
}

impl<'de> SeqAccess<'de> for RecorderSeq<'_, '_, '_> {
    type Error = ShapeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ShapeError> {
        let Some((i, item)) = self.items.next() else {
            return Ok(None);
        };
        let path = format!("{}[{i}]", self.parent.path);
        seed.deserialize(self.parent.child(Some(item), path))
            .map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct RecorderMap<'p, 'a, 'v> {
    parent: &'p Recorder<'a, 'v>,
    entries: serde_json::map::Iter<'v>,
    synth: std::vec::IntoIter<&'static str>,
    pending: Option<(String, Option<&'v Value>)>,
}

impl<'de> MapAccess<'de> for RecorderMap<'_, '_, '_> {
    type Error = ShapeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ShapeError> {
        for (key, value) in self.entries.by_ref() {
            let path = join(&self.parent.path, key);
            if self.parent.state.borrow().skip.contains(&path) {
                continue;
            }
            self.pending = Some((path, Some(value)));
            return seed.deserialize(Key(key)).map(Some);
        }
        if let Some(field) = self.synth.next() {
            self.pending = Some((join(&self.parent.path, field), None));
            return seed.deserialize(Key(field)).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ShapeError> {
        let Some((path, value)) = self.pending.take() else {
            return Err(de::Error::custom("value requested before its key"));
        };
        seed.deserialize(self.parent.child(value, path))
    }
}

/// A map key: a string, parsed when the target wants a number.
pub(super) struct Key<'k>(pub(super) &'k str);

impl<'de> Deserializer<'de> for Key<'_> {
    type Error = ShapeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        visitor.visit_str(self.0)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        match self.0.parse() {
            Ok(n) => visitor.visit_u64(n),
            Err(_) => visitor.visit_str(self.0),
        }
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        match self.0.parse() {
            Ok(n) => visitor.visit_i64(n),
            Err(_) => visitor.visit_str(self.0),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i128 u8 u16 u32 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

struct RecorderEnum<'a, 'v> {
    variant: &'v str,
    value: Recorder<'a, 'v>,
}

impl<'de, 'a, 'v> EnumAccess<'de> for RecorderEnum<'a, 'v> {
    type Error = ShapeError;
    type Variant = Recorder<'a, 'v>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), ShapeError> {
        let v = seed.deserialize(Key(self.variant))?;
        Ok((v, self.value))
    }
}

impl<'de> VariantAccess<'de> for Recorder<'_, '_> {
    type Error = ShapeError;

    fn unit_variant(self) -> Result<(), ShapeError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, ShapeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        self.deserialize_tuple(len, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        self.deserialize_struct("", fields, visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Item {
        sku: String,
        amount: u32,
    }

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Order {
        email: String,
        currency: Currency,
        items: Vec<Item>,
        note: Option<String>,
        #[serde(default)]
        priority: u8,
        customer: Customer,
    }

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Customer {
        id: u64,
        name: String,
    }

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    enum Currency {
        #[serde(rename = "GBP")]
        Gbp,
        #[serde(rename = "EUR")]
        Eur,
    }

    fn fields(v: serde_json::Value) -> Vec<String> {
        collect::<Order>(&v, Mode::Json)
            .into_iter()
            .map(|(p, _, _)| p)
            .collect()
    }

    #[test]
    fn lists_every_offending_field_at_once() {
        let found = fields(serde_json::json!({
            "email": 5,
            "currency": "JPY",
            "items": [{"sku": "a", "amount": 1}, {"sku": "b"}, {"sku": 3, "amount": -1}],
            "customer": {"id": "x"}
        }));
        assert_eq!(
            found,
            vec![
                "currency",
                "customer.id",
                "customer.name",
                "email",
                "items[1].amount",
                "items[2].amount",
                "items[2].sku",
            ]
        );
    }

    #[test]
    fn valid_document_has_no_violation() {
        assert!(
            fields(serde_json::json!({
                "email": "a@b.c", "currency": "GBP", "items": [], "customer": {"id": 1, "name": "n"}
            }))
            .is_empty()
        );
    }

    #[test]
    fn everything_missing_is_listed_and_marked_missing() {
        let found = collect::<Order>(&serde_json::json!({}), Mode::Json);
        let names: Vec<_> = found.iter().map(|(p, _, _)| p.as_str()).collect();
        assert_eq!(names, vec!["currency", "customer", "email", "items"]);
        assert!(found.iter().all(|(_, k, _)| *k == Kind::Missing));
    }

    #[test]
    fn text_mode_parses_numbers() {
        #[derive(Deserialize)]
        #[allow(dead_code)]
        struct Q {
            page: u32,
            size: u32,
            q: String,
        }
        let found = collect::<Q>(&serde_json::json!({"page": "2", "size": "big"}), Mode::Text);
        let names: Vec<_> = found
            .iter()
            .map(|(p, k, _)| (p.as_str(), k.clone()))
            .collect();
        assert_eq!(names, vec![("q", Kind::Missing), ("size", Kind::Invalid)]);
    }
}
