//! Recognising a message in the default language as one of the catalog's patterns, with its
//! arguments: `"Ensure this field has no more than 255 characters."` is `field-max-length` with
//! `max = 255`.
//!
//! This is how messages written anywhere (a handler's `with_message`, a validator's text, an
//! extractor's rejection) are localized without each call site carrying a message id: the text in
//! the default language is the key. A pattern is the message's text with each placeable (`{ $max }`)
//! as a hole; holes match any non-empty text.

/// The most arguments a recognised pattern has: the arguments of a match are kept on the stack.
/// A message with more is not recognised (it stays as written); the shipped ones have two at most.
pub(super) const MAX_ARGS: usize = 4;

/// The arguments of a match, by name, in the pattern's order.
pub(super) struct Args<'p, 't> {
    values: [(&'p str, &'t str); MAX_ARGS],
    len: usize,
}

impl<'p, 't> Args<'p, 't> {
    pub(super) fn as_slice(&self) -> &[(&'p str, &'t str)] {
        &self.values[..self.len]
    }

    pub(super) fn as_mut_slice(&mut self) -> &mut [(&'p str, &'t str)] {
        &mut self.values[..self.len]
    }
}

/// A message of the default language as literal pieces around its arguments.
#[derive(Debug, Clone)]
pub(super) struct Pattern {
    /// The message id.
    pub(super) id: String,
    /// `pieces[0] arg[0] pieces[1] arg[1] ... pieces[n]`.
    pieces: Vec<String>,
    /// The arguments' names, in order.
    args: Vec<String>,
}

impl Pattern {
    /// Splits `source` (a pattern's text with `{ $name }` placeables) into pieces; `None` if it
    /// has other placeables (selectors, terms, functions), which recognition does not handle.
    pub(super) fn parse(id: &str, source: &str) -> Option<Pattern> {
        let mut pieces = Vec::new();
        let mut args = Vec::new();
        let mut rest = source;
        loop {
            match rest.find('{') {
                None => {
                    pieces.push(rest.to_owned());
                    break;
                }
                Some(open) => {
                    let close = rest[open..].find('}')? + open;
                    let name = rest[open + 1..close].trim().strip_prefix('$')?;
                    if name.is_empty()
                        || !name
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                    {
                        return None;
                    }
                    pieces.push(rest[..open].to_owned());
                    args.push(name.to_owned());
                    rest = &rest[close + 1..];
                }
            }
        }
        if args.len() > MAX_ARGS {
            return None;
        }
        // Two holes side by side could split the text in more than one way.
        if pieces.len() > 2 && pieces[1..pieces.len() - 1].iter().any(String::is_empty) {
            return None;
        }
        Some(Pattern {
            id: id.to_owned(),
            pieces,
            args,
        })
    }

    /// Whether the pattern has no arguments (an exact text).
    pub(super) fn is_plain(&self) -> bool {
        self.args.is_empty()
    }

    /// The text of a plain pattern.
    pub(super) fn text(&self) -> &str {
        &self.pieces[0]
    }

    /// The arguments' names, in order.
    #[cfg(test)]
    pub(super) fn arg_names(&self) -> impl Iterator<Item = &str> {
        self.args.iter().map(String::as_str)
    }

    /// The first literal piece (an index key).
    pub(super) fn prefix(&self) -> &str {
        &self.pieces[0]
    }

    /// The pattern with each hole filled by the argument of its name in `args`; `None` if one is
    /// missing or `accept` refuses its value.
    pub(super) fn fill(&self, args: &[(&str, &str)], accept: fn(&str) -> bool) -> Option<String> {
        let mut len = self.pieces.iter().map(String::len).sum::<usize>();
        let mut values = [""; MAX_ARGS];
        for (slot, name) in values.iter_mut().zip(&self.args) {
            let (_, value) = args.iter().find(|(n, _)| *n == name.as_str())?;
            if !accept(value) {
                return None;
            }
            len += value.len();
            *slot = value;
        }
        let mut out = String::with_capacity(len);
        out.push_str(&self.pieces[0]);
        for (value, piece) in values.iter().zip(&self.pieces[1..]) {
            out.push_str(value);
            out.push_str(piece);
        }
        Some(out)
    }

    /// The arguments, if `text` is an instance of this pattern.
    pub(super) fn matches<'t>(&self, text: &'t str) -> Option<Args<'_, 't>> {
        let mut rest = text.strip_prefix(self.pieces[0].as_str())?;
        let mut values = Args {
            values: [("", ""); MAX_ARGS],
            len: self.args.len(),
        };
        for (i, name) in self.args.iter().enumerate() {
            let next = &self.pieces[i + 1];
            let end = if i + 1 == self.args.len() {
                // The last hole runs to the final piece, which ends the text.
                let end = rest.len().checked_sub(next.len())?;
                if &rest[end..] != next.as_str() || !rest.is_char_boundary(end) {
                    return None;
                }
                end
            } else {
                rest.find(next.as_str())?
            };
            if end == 0 {
                return None;
            }
            values.values[i] = (name.as_str(), &rest[..end]);
            rest = &rest[end + next.len()..];
        }
        if self.args.is_empty() && !rest.is_empty() {
            return None;
        }
        Some(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_their_instances_and_nothing_else() {
        let p = Pattern::parse(
            "max",
            "Ensure this field has no more than { $max } characters.",
        )
        .unwrap();
        assert_eq!(
            p.matches("Ensure this field has no more than 255 characters.")
                .map(|a| a.as_slice().to_vec()),
            Some(vec![("max", "255")])
        );
        assert!(
            p.matches("Ensure this field has no more than  characters.")
                .is_none()
        );
        assert!(p.matches("Something else.").is_none());
        let p = Pattern::parse("two", "Expected { $expected }, got { $got }.").unwrap();
        assert_eq!(
            p.matches("Expected a string, got an integer.")
                .map(|a| a.as_slice().to_vec()),
            Some(vec![("expected", "a string"), ("got", "an integer")])
        );
        let p = Pattern::parse("plain", "This field is required.").unwrap();
        assert!(p.is_plain());
        assert!(p.matches("This field is required.").is_some());
        assert!(p.matches("This field is required. Really.").is_none());
        assert!(Pattern::parse("sel", "{ $n -> [one] x *[other] y }").is_none());
        assert!(Pattern::parse("adjacent", "{ $a }{ $b }").is_none());
        assert!(Pattern::parse("five", "{ $a } { $b } { $c } { $d } { $e }").is_none());
    }

    #[test]
    fn a_fill_puts_each_argument_in_its_hole_whatever_the_order() {
        let p = Pattern::parse("two", "{ $got } reçu, { $expected } attendu.").unwrap();
        let args = [("expected", "une chaîne"), ("got", "un entier")];
        assert_eq!(
            p.fill(&args, |_| true).as_deref(),
            Some("un entier reçu, une chaîne attendu.")
        );
        assert_eq!(p.fill(&args[..1], |_| true), None, "a missing argument");
        assert_eq!(p.fill(&args, |v| v != "un entier"), None, "a refused value");
    }
}
