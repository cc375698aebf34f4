//! The lenient one-pass reader under every shape: one JSON object read into [`Obj`], which has a slot
//! for every member any supported shape uses.
//!
//! Hand-written visitors rather than `#[derive(Deserialize)]`: each member is read leniently (a member
//! of an unexpected type is skipped, never fatal, so one odd member never loses the rest), several
//! members have aliases (`requestId`, `Message`), a member such as `details` is an object in one shape
//! and an array in another, and unknown members are counted (RFC 9457 extension members) without being
//! kept. Strings are borrowed from the body where they need no unescaping, so the common shapes decode
//! with few allocations.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::details::Details;

/// A member read leniently: strings, booleans and integers are kept, anything else is skipped.
#[derive(Debug, Default)]
pub(crate) enum Text<'de> {
    Str(Cow<'de, str>),
    Bool(bool),
    Int(i64),
    #[default]
    Other,
}

impl<'de> Text<'de> {
    /// A string member (an integer is written out: Google's and Microsoft's numeric codes).
    pub(crate) fn into_str(self) -> Option<Cow<'de, str>> {
        match self {
            Text::Str(s) => Some(s),
            Text::Int(i) => Some(Cow::Owned(i.to_string())),
            _ => None,
        }
    }
    /// A string member, not an integer.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Text::Str(s) => Some(s),
            _ => None,
        }
    }
    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self {
            Text::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

pub(crate) fn text<'de>(t: Option<Text<'de>>) -> Option<Cow<'de, str>> {
    t.and_then(Text::into_str)
}

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text::Str(Cow::Owned(v)))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Text<'de>, E> {
                Ok(Text::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text<'de>, E> {
                Ok(Text::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text<'de>, E> {
                Ok(i64::try_from(v).map(Text::Int).unwrap_or(Text::Other))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Text<'de>, E> {
                Ok(Text::Other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Text<'de>, E> {
                Ok(Text::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Text<'de>, A::Error> {
                skip_seq(seq).map(|()| Text::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Text<'de>, A::Error> {
                skip_map(map).map(|()| Text::Other)
            }
        }
        d.deserialize_any(V)
    }
}

fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Implements the visitor methods of a lenient member type: every JSON type not handled by the type
/// itself is skipped and gives `$none`.
macro_rules! skip_other_types {
    ($value:ty, $none:expr; $($skip:ident),*) => {
        $(skip_other_types!(@one $skip, $value, $none);)*
    };
    (@one str, $value:ty, $none:expr) => {
        fn visit_str<E: de::Error>(self, _: &str) -> Result<$value, E> { Ok($none) }
    };
    (@one bool, $value:ty, $none:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<$value, E> { Ok($none) }
    };
    (@one num, $value:ty, $none:expr) => {
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<$value, E> { Ok($none) }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<$value, E> { Ok($none) }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<$value, E> { Ok($none) }
    };
    (@one unit, $value:ty, $none:expr) => {
        fn visit_unit<E: de::Error>(self) -> Result<$value, E> { Ok($none) }
    };
    (@one seq, $value:ty, $none:expr) => {
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<$value, A::Error> {
            skip_seq(seq).map(|()| $none)
        }
    };
    (@one map, $value:ty, $none:expr) => {
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<$value, A::Error> {
            skip_map(map).map(|()| $none)
        }
    };
}

/// The `error` member: a message string (flat, status, Spring) or an object (backstop, Google,
/// Microsoft, Stripe).
#[derive(Debug)]
pub(crate) enum ErrorMember<'de> {
    Message(Cow<'de, str>),
    Nested(Box<Obj<'de>>),
    Other,
}

impl<'de> Deserialize<'de> for ErrorMember<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ErrorMember<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an error message or object")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(ErrorMember::Message(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ErrorMember::Message(Cow::Owned(v.to_owned())))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                ObjVisitor
                    .visit_map(map)
                    .map(|o| ErrorMember::Nested(Box::new(o)))
            }
            skip_other_types!(Self::Value, ErrorMember::Other; bool, num, unit, seq);
        }
        d.deserialize_any(V)
    }
}

/// A member that is a list of items in some shapes and something else in others: `details` (an
/// object in the backstop profiles, a list in Google's and Microsoft's), `errors` (a list in RFC 9457,
/// GitHub and Spring, a field map elsewhere), `detail` (a string in RFC 9457, a list in FastAPI).
#[derive(Debug)]
pub(crate) enum Many<'de> {
    Text(Cow<'de, str>),
    Map(Details),
    List(Vec<Item<'de>>),
    Other,
}

/// How a [`Many`] reads an object: as `details` (field map or context) or not at all.
trait ReadsMap {
    const DETAILS: bool;
}

/// `details` and `errors`: an object is a field map or context.
pub(crate) struct ObjectIsDetails;
impl ReadsMap for ObjectIsDetails {
    const DETAILS: bool = true;
}
/// `detail`: an object is skipped.
pub(crate) struct ObjectIsSkipped;
impl ReadsMap for ObjectIsSkipped {
    const DETAILS: bool = false;
}

/// [`Many`] reading objects as `R` says.
pub(crate) struct ManyAs<'de, R>(pub(crate) Many<'de>, std::marker::PhantomData<R>);

#[allow(private_bounds)]
impl<'de, R: ReadsMap> Deserialize<'de> for ManyAs<'de, R> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<R>(std::marker::PhantomData<R>);
        impl<'de, R: ReadsMap> Visitor<'de> for V<R> {
            type Value = Many<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list, an object or a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Many::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Many::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(MaybeItem(item)) = seq.next_element()? {
                    // At most this many items are kept: a hostile body cannot make the decoder
                    // build an unbounded list (the body itself is at most MAX_DECODE_BYTES).
                    if let Some(item) = item
                        && items.len() < MAX_ITEMS
                    {
                        items.push(item);
                    }
                }
                Ok(Many::List(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                if R::DETAILS {
                    Details::deserialize(de::value::MapAccessDeserializer::new(map)).map(Many::Map)
                } else {
                    skip_map(map).map(|()| Many::Other)
                }
            }
            skip_other_types!(Self::Value, Many::Other; bool, num, unit);
        }
        d.deserialize_any(V::<R>(std::marker::PhantomData))
            .map(|m| ManyAs(m, std::marker::PhantomData))
    }
}

/// The most items of one list kept (field violations, typed details, problem `errors`).
pub(crate) const MAX_ITEMS: usize = 1000;

/// One element of a list member: Google's typed details (`@type` with `reason`, `fieldViolations`,
/// `retryDelay`, `requestId`), Microsoft's `details` (`code`, `target`, `message`), RFC 9457's
/// `errors` (`detail`, `pointer`), GitHub's `errors` (`resource`, `field`, `code`, `message`),
/// pydantic's `detail` (`loc`, `msg`, `type`), Spring's binding `errors` (`field`, `defaultMessage`),
/// or a bare string. Other JSON values in a list are skipped ([`MaybeItem`] reads them as `None`).
#[derive(Debug, Default)]
pub(crate) struct Item<'de> {
    pub(crate) at_type: Option<Text<'de>>,
    pub(crate) reason: Option<Text<'de>>,
    pub(crate) field_violations: Option<Vec<Item<'de>>>,
    pub(crate) retry_delay: Option<Text<'de>>,
    pub(crate) request_id: Option<Text<'de>>,
    pub(crate) code: Option<Text<'de>>,
    pub(crate) target: Option<Text<'de>>,
    pub(crate) message: Option<Text<'de>>,
    pub(crate) detail: Option<Text<'de>>,
    pub(crate) pointer: Option<Text<'de>>,
    pub(crate) field: Option<Text<'de>>,
    pub(crate) description: Option<Text<'de>>,
    pub(crate) loc: Option<Loc>,
    pub(crate) msg: Option<Text<'de>>,
    pub(crate) default_message: Option<Text<'de>>,
    pub(crate) param: Option<Text<'de>>,
    /// The item was a bare string.
    pub(crate) bare: Option<Cow<'de, str>>,
}

impl<'de> Item<'de> {
    /// The field path this item names, if any: `pointer` (a JSON Pointer), `field`, `loc`, `target`
    /// or `param`.
    pub(crate) fn field_path(&self) -> Option<String> {
        if let Some(p) = self.pointer.as_ref().and_then(Text::as_str) {
            return Some(crate::details::pointer_to_path(p));
        }
        if let Some(loc) = &self.loc {
            return Some(loc.path());
        }
        [&self.field, &self.target, &self.param]
            .into_iter()
            .find_map(|t| t.as_ref().and_then(Text::as_str))
            .map(str::to_owned)
    }

    /// The human-readable message of this item: `detail`, `message`, `msg`, `description`,
    /// `defaultMessage`, a bare string, or, failing all of those, its `code` (GitHub's
    /// `missing_field`).
    pub(crate) fn message_text(&self) -> Option<&str> {
        [
            &self.detail,
            &self.message,
            &self.msg,
            &self.description,
            &self.default_message,
        ]
        .into_iter()
        .find_map(|t| t.as_ref().and_then(Text::as_str))
        .or(self.bare.as_deref())
        .or_else(|| self.code.as_ref().and_then(Text::as_str))
    }
}

/// A list element: an [`Item`], or `None` for a value that cannot be one.
struct MaybeItem<'de>(Option<Item<'de>>);

impl<'de> Deserialize<'de> for MaybeItem<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<Item<'de>>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list item")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Some(Item {
                    bare: Some(Cow::Borrowed(v)),
                    ..Item::default()
                }))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Some(Item {
                    bare: Some(Cow::Owned(v.to_owned())),
                    ..Item::default()
                }))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut item = Item::default();
                while let Some(key) = map.next_key::<ItemKey>()? {
                    match key {
                        ItemKey::AtType => item.at_type = Some(map.next_value()?),
                        ItemKey::Reason => item.reason = Some(map.next_value()?),
                        ItemKey::FieldViolations => {
                            item.field_violations =
                                match map.next_value::<ManyAs<ObjectIsSkipped>>()?.0 {
                                    Many::List(v) => Some(v),
                                    _ => None,
                                }
                        }
                        ItemKey::RetryDelay => item.retry_delay = Some(map.next_value()?),
                        ItemKey::RequestId => item.request_id = Some(map.next_value()?),
                        ItemKey::Code => item.code = Some(map.next_value()?),
                        ItemKey::Target => item.target = Some(map.next_value()?),
                        ItemKey::Message => item.message = Some(map.next_value()?),
                        ItemKey::Detail => item.detail = Some(map.next_value()?),
                        ItemKey::Pointer => item.pointer = Some(map.next_value()?),
                        ItemKey::Field => item.field = Some(map.next_value()?),
                        ItemKey::Description => item.description = Some(map.next_value()?),
                        ItemKey::Loc => item.loc = map.next_value::<MaybeLoc>()?.0,
                        ItemKey::Msg => item.msg = Some(map.next_value()?),
                        ItemKey::DefaultMessage => item.default_message = Some(map.next_value()?),
                        ItemKey::Param => item.param = Some(map.next_value()?),
                        ItemKey::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(Some(item))
            }
            skip_other_types!(Self::Value, None; bool, num, unit, seq);
        }
        d.deserialize_any(V).map(MaybeItem)
    }
}

/// Declares a key enum whose variants match member names (several names may map to one variant),
/// with `Other` for every other name.
macro_rules! keys {
    ($name:ident { $($variant:ident = [$($s:literal),+]),* $(,)? }) => {
        enum $name { $($variant,)* Other }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a member name")
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok(match v {
                            $($($s)|+ => $name::$variant,)*
                            _ => $name::Other,
                        })
                    }
                }
                d.deserialize_identifier(V)
            }
        }
    };
}

keys!(ItemKey {
    AtType = ["@type"],
    Reason = ["reason"],
    FieldViolations = ["fieldViolations", "field_violations"],
    RetryDelay = ["retryDelay", "retry_delay"],
    RequestId = ["requestId", "request_id"],
    Code = ["code"],
    Target = ["target"],
    Message = ["message", "Message"],
    Detail = ["detail"],
    Pointer = ["pointer"],
    Field = ["field"],
    Description = ["description"],
    Loc = ["loc"],
    Msg = ["msg"],
    DefaultMessage = ["defaultMessage"],
    Param = ["param", "parameter"],
});

/// pydantic's `loc`: a list of names and indexes, such as `["body", "items", 2, "amount"]`.
#[derive(Debug, Default)]
pub(crate) struct Loc(Vec<LocPart>);

#[derive(Debug)]
enum LocPart {
    Name(String),
    Index(u64),
}

/// Where FastAPI says a parameter came from; dropped from the front of a `loc`.
const LOC_SOURCES: [&str; 5] = ["body", "query", "path", "header", "cookie"];

impl Loc {
    /// The field path: `items[2].amount`. A leading source (`body`, `query`, ...) is dropped when
    /// something follows it.
    pub(crate) fn path(&self) -> String {
        let mut parts = self.0.as_slice();
        if parts.len() > 1
            && let LocPart::Name(first) = &parts[0]
            && LOC_SOURCES.contains(&first.as_str())
        {
            parts = &parts[1..];
        }
        let mut out = String::new();
        for part in parts {
            match part {
                LocPart::Index(i) if !out.is_empty() => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
                LocPart::Index(i) => out.push_str(&i.to_string()),
                LocPart::Name(n) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(n);
                }
            }
        }
        out
    }
}

/// A `loc` member, or `None` when it is not a list (or a string).
struct MaybeLoc(Option<Loc>);

impl<'de> Deserialize<'de> for MaybeLoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<Loc>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a location list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut parts = Vec::new();
                while let Some(t) = seq.next_element::<Text<'de>>()? {
                    match t {
                        Text::Str(s) if parts.len() < 64 => {
                            parts.push(LocPart::Name(s.into_owned()))
                        }
                        Text::Int(i) if parts.len() < 64 => {
                            parts.push(LocPart::Index(u64::try_from(i).unwrap_or(0)))
                        }
                        _ => {}
                    }
                }
                Ok(Some(Loc(parts)))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Some(Loc(vec![LocPart::Name(v.to_owned())])))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Some(Loc(vec![LocPart::Name(v.to_owned())])))
            }
            skip_other_types!(Self::Value, None; bool, num, unit, map);
        }
        d.deserialize_any(V).map(MaybeLoc)
    }
}

/// One JSON object with a slot for every member any supported shape uses. The same struct reads the
/// top level and the nested `error` object.
#[derive(Debug, Default)]
pub(crate) struct Obj<'de> {
    pub(crate) error: Option<ErrorMember<'de>>,
    pub(crate) error_code: Option<Text<'de>>,
    pub(crate) code: Option<Text<'de>>,
    pub(crate) message: Option<Text<'de>>,
    pub(crate) detail: Option<Many<'de>>,
    pub(crate) details: Option<Many<'de>>,
    pub(crate) errors: Option<Many<'de>>,
    pub(crate) request_id: Option<Text<'de>>,
    pub(crate) timestamp: Option<Text<'de>>,
    pub(crate) retryable: Option<Text<'de>>,
    pub(crate) status: Option<Text<'de>>,
    pub(crate) title: Option<Text<'de>>,
    pub(crate) type_: Option<Text<'de>>,
    pub(crate) aws_type: Option<Text<'de>>,
    pub(crate) instance: Option<Text<'de>>,
    pub(crate) param: Option<Text<'de>>,
    pub(crate) target: Option<Text<'de>>,
    pub(crate) innererror: Option<Box<Obj<'de>>>,
    pub(crate) path: Option<Text<'de>>,
    pub(crate) documentation_url: Option<Text<'de>>,
    pub(crate) request_log_url: Option<Text<'de>>,
    pub(crate) doc_url: Option<Text<'de>>,
    pub(crate) decline_code: Option<Text<'de>>,
    pub(crate) error_description: Option<Text<'de>>,
    /// How many members had none of the names above.
    pub(crate) unknown: u32,
}

keys!(ObjKey {
    Error = ["error"],
    ErrorCode = ["error_code"],
    Code = ["code"],
    Message = ["message", "Message"],
    Detail = ["detail"],
    Details = ["details"],
    Errors = ["errors"],
    RequestId = ["request_id", "requestId", "traceId"],
    Timestamp = ["timestamp"],
    Retryable = ["retryable"],
    Status = ["status"],
    Title = ["title"],
    Type = ["type"],
    AwsType = ["__type"],
    Instance = ["instance"],
    Param = ["param"],
    Target = ["target"],
    InnerError = ["innererror", "innerError"],
    Path = ["path"],
    DocumentationUrl = ["documentation_url"],
    RequestLogUrl = ["request_log_url"],
    DocUrl = ["doc_url"],
    DeclineCode = ["decline_code"],
    ErrorDescription = ["error_description"],
});

struct ObjVisitor;

impl<'de> Visitor<'de> for ObjVisitor {
    type Value = Obj<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an error object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Obj<'de>, A::Error> {
        let mut o = Obj::default();
        while let Some(key) = map.next_key::<ObjKey>()? {
            match key {
                ObjKey::Error => o.error = Some(map.next_value()?),
                ObjKey::ErrorCode => o.error_code = Some(map.next_value()?),
                ObjKey::Code => o.code = Some(map.next_value()?),
                ObjKey::Message => o.message = Some(map.next_value()?),
                ObjKey::Detail => o.detail = Some(map.next_value::<ManyAs<ObjectIsSkipped>>()?.0),
                ObjKey::Details => o.details = Some(map.next_value::<ManyAs<ObjectIsDetails>>()?.0),
                ObjKey::Errors => o.errors = Some(map.next_value::<ManyAs<ObjectIsDetails>>()?.0),
                ObjKey::RequestId => o.request_id = Some(map.next_value()?),
                ObjKey::Timestamp => o.timestamp = Some(map.next_value()?),
                ObjKey::Retryable => o.retryable = Some(map.next_value()?),
                ObjKey::Status => o.status = Some(map.next_value()?),
                ObjKey::Title => o.title = Some(map.next_value()?),
                ObjKey::Type => o.type_ = Some(map.next_value()?),
                ObjKey::AwsType => o.aws_type = Some(map.next_value()?),
                ObjKey::Instance => o.instance = Some(map.next_value()?),
                ObjKey::Param => o.param = Some(map.next_value()?),
                ObjKey::Target => o.target = Some(map.next_value()?),
                ObjKey::InnerError => o.innererror = map.next_value::<NestedObj>()?.0.map(Box::new),
                ObjKey::Path => o.path = Some(map.next_value()?),
                ObjKey::DocumentationUrl => o.documentation_url = Some(map.next_value()?),
                ObjKey::RequestLogUrl => o.request_log_url = Some(map.next_value()?),
                ObjKey::DocUrl => o.doc_url = Some(map.next_value()?),
                ObjKey::DeclineCode => o.decline_code = Some(map.next_value()?),
                ObjKey::ErrorDescription => o.error_description = Some(map.next_value()?),
                ObjKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                    o.unknown = o.unknown.saturating_add(1);
                }
            }
        }
        Ok(o)
    }
}

impl<'de> Deserialize<'de> for Obj<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ObjVisitor)
    }
}

/// An object member read as an [`Obj`] (Microsoft's `innererror`); anything else is skipped.
struct NestedObj<'de>(Option<Obj<'de>>);

impl<'de> Deserialize<'de> for NestedObj<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NestedObj<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                ObjVisitor.visit_map(map).map(|o| NestedObj(Some(o)))
            }
            skip_other_types!(Self::Value, NestedObj(None); str, bool, num, unit, seq);
        }
        d.deserialize_any(V)
    }
}
