//! JSON parsing of a body that may have been cut at [`super::MAX_BODY`].

use jiter::{JsonValue, PartialMode};
use serde_json::{Map, Number, Value};

/// The body as JSON. A complete body must parse whole; a body cut at the cap is parsed as far as it goes (jiter's
/// partial mode, made for JSON prefixes), so a 4 MiB JSON error is still read as JSON and its leading members
/// (`error.code`, `detail`...) are still seen.
pub fn json(body: &[u8], truncated: bool) -> Option<Value> {
    if !truncated {
        return serde_json::from_slice(body).ok();
    }
    let first = body.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first != b'{' && *first != b'[' {
        return None;
    }
    JsonValue::parse_with_config(body, false, PartialMode::TrailingStrings)
        .ok()
        .map(|v| to_serde(&v, 0))
}

/// Converts jiter's value (depth-capped: jiter itself refuses deeper nesting than this).
fn to_serde(v: &JsonValue<'_>, depth: usize) -> Value {
    if depth > 256 {
        return Value::Null;
    }
    match v {
        JsonValue::Null => Value::Null,
        JsonValue::Bool(b) => Value::Bool(*b),
        JsonValue::Int(i) => Value::Number((*i).into()),
        JsonValue::Float(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
        JsonValue::Str(s) => Value::String(s.to_string()),
        JsonValue::Array(a) => Value::Array(a.iter().map(|x| to_serde(x, depth + 1)).collect()),
        JsonValue::Object(o) => {
            let mut m = Map::new();
            for (k, x) in o.iter() {
                m.insert(k.to_string(), to_serde(x, depth + 1));
            }
            Value::Object(m)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::json;

    #[test]
    fn a_cut_json_body_is_still_json() {
        let mut body =
            br#"{"detail":[{"type":"missing","loc":["body","name"],"input":{"pad":""#.to_vec();
        body.resize(body.len() + 5000, b'a');
        let v = json(&body, true).expect("a JSON prefix");
        assert_eq!(v["detail"][0]["type"], "missing");
        assert!(
            json(&body, false).is_none(),
            "a complete body must parse whole"
        );
        assert!(json(b"<html>", true).is_none());
    }
}
