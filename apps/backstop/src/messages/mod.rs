//! The messages of `backstop serve` in every language it speaks (docs/CONTRACT.md §13): the
//! library's catalog plus this API's own texts (`*.ftl` next to this file), which its handlers
//! write in English and the contract translates on the way out.

use backstop::i18n::{Catalog, I18nError};

/// This API's own messages, per language.
const OWN: [(&str, &str); 4] = [
    ("en", include_str!("en.ftl")),
    ("es", include_str!("es.ftl")),
    ("fr", include_str!("fr.ftl")),
    ("de", include_str!("de.ftl")),
];

/// The languages `backstop serve` answers in.
pub const LANGUAGES: [&str; 4] = ["en", "es", "fr", "de"];

/// The library's catalog with this API's messages, answering in `default_language` when a request
/// asks for no language it has.
pub fn catalog(default_language: &str) -> Result<Catalog, I18nError> {
    let mut catalog = Catalog::builtin();
    for (tag, source) in OWN {
        catalog = catalog.add_ftl(tag, source)?;
    }
    catalog.default_language(default_language)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use fluent_syntax::ast;

    use super::*;

    /// Message id → (its English-style text with `{ $x }`, its variables).
    fn messages(source: &str) -> BTreeMap<String, (String, BTreeSet<String>)> {
        let resource = fluent_syntax::parser::parse(source).expect("parses");
        let mut out = BTreeMap::new();
        for entry in resource.body {
            let ast::Entry::Message(m) = entry else {
                continue;
            };
            let mut text = String::new();
            let mut vars = BTreeSet::new();
            for element in &m.value.expect("a value").elements {
                match element {
                    ast::PatternElement::TextElement { value } => text.push_str(value),
                    ast::PatternElement::Placeable {
                        expression:
                            ast::Expression::Inline(ast::InlineExpression::VariableReference { id }),
                    } => {
                        vars.insert(id.name.to_owned());
                        text.push_str(&format!("{{ ${} }}", id.name));
                    }
                    other => panic!("{}: unexpected placeable {other:?}", m.id.name),
                }
            }
            assert!(out.insert(m.id.name.to_owned(), (text, vars)).is_none());
        }
        out
    }

    #[test]
    fn every_language_has_every_message_with_the_same_arguments() {
        let en = messages(OWN[0].1);
        for (tag, source) in &OWN[1..] {
            let other = messages(source);
            let ids: BTreeSet<_> = other.keys().collect();
            assert_eq!(ids, en.keys().collect(), "{tag}: the same messages");
            for (id, (_, vars)) in &en {
                assert_eq!(&other[id].1, vars, "{tag} {id}: the same arguments");
            }
        }
    }

    #[test]
    fn every_english_message_is_recognised_and_translated() {
        let catalog = catalog("en").unwrap();
        for (id, (text, vars)) in messages(OWN[0].1) {
            if id.starts_with("value-") {
                continue;
            }
            // A message with arguments, as the code writes it.
            let mut written = text.clone();
            for var in &vars {
                written = written.replace(&format!("{{ ${var} }}"), "7");
            }
            for tag in &LANGUAGES[1..] {
                let lang = catalog.negotiate(Some(tag));
                let translated = catalog.translate(&written, lang);
                assert!(
                    translated.as_ref().is_some_and(|t| *t != written),
                    "{id} ({written:?}) in {tag}: {translated:?}"
                );
            }
        }
        let fr = catalog.negotiate(Some("fr"));
        assert_eq!(
            catalog
                .translate("The requested invoice was not found", fr)
                .as_deref(),
            Some("La ressource demandée (facture) est introuvable")
        );
    }

    #[test]
    fn every_english_message_is_one_the_api_writes() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut code = String::new();
        let mut stack = vec![dir];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    code.push_str(&std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        // Rust source breaks long strings with `\` and indentation.
        let code = code
            .split("\\\n")
            .map(str::trim_start)
            .collect::<Vec<_>>()
            .join("");
        for (id, (text, _)) in messages(OWN[0].1) {
            let literal = if id.starts_with("value-") {
                format!("\"{text}\"")
            } else {
                text.split("{ $").next().unwrap().to_owned()
            };
            assert!(
                code.contains(&literal),
                "{id}: {literal:?} is written nowhere"
            );
        }
    }

    #[test]
    fn the_default_language_must_be_one_the_api_speaks() {
        assert!(catalog("de").is_ok());
        assert!(catalog("xx").is_err());
    }
}
