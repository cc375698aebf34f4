//! The `details` member of an error: per-field violations or free-form context.

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};
use std::fmt;

use crate::text::Text;

/// Validation messages per field, in the order the fields were first reported.
///
/// Field names are paths: `email`, `address.city`, `items[2].amount` (docs/CONTRACT.md §5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldViolations {
    entries: Vec<(String, Vec<Text>)>,
}

impl FieldViolations {
    /// No violations.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `message` to `field`'s messages (a field keeps every message it gets, in order).
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<Text>) {
        let field = field.into();
        let message = message.into();
        match self.entries.iter_mut().find(|(f, _)| *f == field) {
            Some((_, messages)) => messages.push(message),
            None => self.entries.push((field, vec![message])),
        }
    }

    /// Adds every violation of `other`.
    pub fn merge(&mut self, other: FieldViolations) {
        for (field, messages) in other.entries {
            for message in messages {
                self.add(field.clone(), message);
            }
        }
    }

    /// The messages of one field.
    pub fn get(&self, field: &str) -> Option<&[Text]> {
        self.entries
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_slice())
    }

    /// Every field with its messages, in first-reported order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &[Text])> {
        self.entries.iter().map(|(f, m)| (f.as_str(), m.as_slice()))
    }

    /// Replaces each message `f` gives a new text for (a translation, say); field paths and order
    /// stay as they are.
    pub fn map_messages(&mut self, mut f: impl FnMut(&str) -> Option<String>) {
        for (_, messages) in &mut self.entries {
            for message in messages.iter_mut() {
                if let Some(new) = f(message) {
                    *message = new.into();
                }
            }
        }
    }

    /// Lets `f` rewrite every message in place (a catalog's shared translation, say).
    pub fn for_each_message_mut(&mut self, mut f: impl FnMut(&mut Text)) {
        for (_, messages) in &mut self.entries {
            messages.iter_mut().for_each(&mut f);
        }
    }

    /// How many fields have violations.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no field has a violation.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<F: Into<String>, M: Into<Text>> FromIterator<(F, M)> for FieldViolations {
    fn from_iter<I: IntoIterator<Item = (F, M)>>(iter: I) -> Self {
        let mut v = FieldViolations::new();
        for (f, m) in iter {
            v.add(f, m);
        }
        v
    }
}

/// The `details` of an error.
#[derive(Debug, Clone, PartialEq)]
pub enum Details {
    /// `field -> [messages]`, for validation errors.
    Fields(FieldViolations),
    /// Any other context, such as `{"resource": "invoice", "id": "inv_9"}`.
    Context(Map<String, Value>),
}

impl Details {
    /// Whether there is nothing to send (an empty map is omitted from the wire).
    pub fn is_empty(&self) -> bool {
        match self {
            Details::Fields(f) => f.is_empty(),
            Details::Context(c) => c.is_empty(),
        }
    }

    /// The field violations, if these details are a field map.
    pub fn fields(&self) -> Option<&FieldViolations> {
        match self {
            Details::Fields(f) => Some(f),
            Details::Context(_) => None,
        }
    }

    /// The context map, if these details are context.
    pub fn context(&self) -> Option<&Map<String, Value>> {
        match self {
            Details::Context(c) => Some(c),
            Details::Fields(_) => None,
        }
    }
}

impl Serialize for FieldViolations {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (field, messages) in &self.entries {
            map.serialize_entry(field, messages)?;
        }
        map.end()
    }
}

impl Serialize for Details {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Details::Fields(f) => f.serialize(serializer),
            Details::Context(c) => c.serialize(serializer),
        }
    }
}

/// Reads a `details` object. An object whose every value is an array of strings is a field map;
/// anything else is context. A non-object is kept as context under `"value"`.
impl<'de> Deserialize<'de> for Details {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DetailsVisitor;

        impl<'de> Visitor<'de> for DetailsVisitor {
            type Value = Details;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an error details object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Details, A::Error> {
                let mut fields: Vec<(String, Vec<Text>)> = Vec::new();
                let mut context: Option<Map<String, Value>> = None;
                while let Some(key) = map.next_key::<String>()? {
                    let value: Member = map.next_value()?;
                    match (context.as_mut(), value) {
                        (None, Member::Messages(msgs)) if !msgs.is_empty() => {
                            match fields.iter_mut().find(|(f, _)| *f == key) {
                                Some((_, existing)) => existing.extend(msgs),
                                None => fields.push((key, msgs)),
                            }
                        }
                        (Some(ctx), value) => {
                            ctx.insert(key, value.into_value());
                        }
                        (None, value) => {
                            let mut ctx = Map::new();
                            for (k, msgs) in fields.drain(..) {
                                ctx.insert(k, Member::Messages(msgs).into_value());
                            }
                            ctx.insert(key, value.into_value());
                            context = Some(ctx);
                        }
                    }
                }
                Ok(match context {
                    Some(ctx) => Details::Context(ctx),
                    None => Details::Fields(FieldViolations { entries: fields }),
                })
            }
        }

        // Non-objects are rare; read them as a Value and wrap them.
        struct AnyDetails(Details);
        impl<'de> Deserialize<'de> for AnyDetails {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(EitherVisitor).map(AnyDetails)
            }
        }
        struct EitherVisitor;
        impl<'de> Visitor<'de> for EitherVisitor {
            type Value = Details;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("error details")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Details, A::Error> {
                DetailsVisitor.visit_map(map)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Details, A::Error> {
                let v = Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(wrap(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Details, E> {
                Ok(wrap(Value::String(v.to_owned())))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Details, E> {
                Ok(wrap(Value::Bool(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Details, E> {
                Ok(wrap(Value::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Details, E> {
                Ok(wrap(Value::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Details, E> {
                Ok(wrap(Value::from(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Details, E> {
                Ok(Details::Context(Map::new()))
            }
        }
        fn wrap(v: Value) -> Details {
            let mut m = Map::new();
            m.insert("value".to_owned(), v);
            Details::Context(m)
        }

        AnyDetails::deserialize(deserializer).map(|d| d.0)
    }
}

/// One member of a details object: an array of strings (a field's messages) or any other JSON value.
/// Read directly, without building a `serde_json::Value` for the common case.
enum Member {
    Messages(Vec<Text>),
    Other(Value),
}

impl Member {
    fn into_value(self) -> Value {
        match self {
            Member::Messages(m) => Value::Array(
                m.into_iter()
                    .map(|m| Value::String(m.into_string()))
                    .collect(),
            ),
            Member::Other(v) => v,
        }
    }
}

impl<'de> Deserialize<'de> for Member {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Member;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Member, A::Error> {
                let mut strings = Vec::new();
                while let Some(item) = seq.next_element::<Value>()? {
                    match item {
                        Value::String(s) => strings.push(Text::from(s)),
                        other => {
                            let mut all: Vec<Value> = strings
                                .into_iter()
                                .map(|s| Value::String(s.into_string()))
                                .collect();
                            all.push(other);
                            while let Some(rest) = seq.next_element::<Value>()? {
                                all.push(rest);
                            }
                            return Ok(Member::Other(Value::Array(all)));
                        }
                    }
                }
                if strings.is_empty() {
                    return Ok(Member::Other(Value::Array(Vec::new())));
                }
                Ok(Member::Messages(strings))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Member, A::Error> {
                Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(Member::Other)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Member, E> {
                Ok(Member::Other(Value::String(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Member, E> {
                Ok(Member::Other(Value::String(v)))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Member, E> {
                Ok(Member::Other(Value::Bool(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Member, E> {
                Ok(Member::Other(Value::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Member, E> {
                Ok(Member::Other(Value::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Member, E> {
                Ok(Member::Other(Value::from(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Member, E> {
                Ok(Member::Other(Value::Null))
            }
        }
        d.deserialize_any(V)
    }
}

/// Converts a field path (`items[2].amount`) to a JSON Pointer (`/items/2/amount`), escaping `~` and `/`.
pub fn path_to_pointer(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 2);
    for segment in path_segments(path) {
        out.push('/');
        for c in segment.chars() {
            match c {
                '~' => out.push_str("~0"),
                '/' => out.push_str("~1"),
                c => out.push(c),
            }
        }
    }
    out
}

/// Converts a JSON Pointer (`/items/2/amount`, or `#/items/2/amount`) back to a field path
/// (`items[2].amount`). Numeric segments become indexes.
pub fn pointer_to_path(pointer: &str) -> String {
    let pointer = pointer.strip_prefix('#').unwrap_or(pointer);
    let pointer = pointer.strip_prefix('/').unwrap_or(pointer);
    let mut out = String::with_capacity(pointer.len());
    if pointer.is_empty() {
        return out;
    }
    for segment in pointer.split('/') {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) && !out.is_empty() {
            out.push('[');
            out.push_str(&segment);
            out.push(']');
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&segment);
        }
    }
    out
}

fn path_segments(path: &str) -> impl Iterator<Item = &str> {
    path.split(['.', '[', ']']).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_round_trip() {
        assert_eq!(path_to_pointer("items[2].amount"), "/items/2/amount");
        assert_eq!(pointer_to_path("#/items/2/amount"), "items[2].amount");
        assert_eq!(pointer_to_path("/email"), "email");
        assert_eq!(path_to_pointer("a~b/c"), "/a~0b~1c");
        assert_eq!(pointer_to_path("/a~0b~1c"), "a~b/c");
    }

    #[test]
    fn details_object_of_string_arrays_is_fields() {
        let d: Details = serde_json::from_str(r#"{"email":["bad"],"currency":["x","y"]}"#).unwrap();
        let f = d.fields().unwrap();
        assert_eq!(f.get("currency").unwrap(), ["x", "y"]);
        let d: Details = serde_json::from_str(r#"{"email":["bad"],"id":"inv_9"}"#).unwrap();
        assert_eq!(d.context().unwrap()["email"], serde_json::json!(["bad"]));
        let d: Details = serde_json::from_str(r#"[1,2]"#).unwrap();
        assert_eq!(d.context().unwrap()["value"], serde_json::json!([1, 2]));
    }
}
