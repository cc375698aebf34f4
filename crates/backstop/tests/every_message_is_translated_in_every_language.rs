//! docs/CONTRACT.md §13: every catalog code and every message the crates write has a translation in
//! every shipped language: no missing keys, no unused keys, and the same arguments everywhere, so a
//! new code or message cannot ship untranslated.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use backstop::CATALOG;
use fluent_syntax::ast;

const LANGUAGES: [(&str, &str); 4] = [
    ("en", include_str!("../src/i18n/locales/en.ftl")),
    ("es", include_str!("../src/i18n/locales/es.ftl")),
    ("fr", include_str!("../src/i18n/locales/fr.ftl")),
    ("de", include_str!("../src/i18n/locales/de.ftl")),
];

/// Message id → (its text with `{ $x }` placeables, the set of its variables).
fn messages(source: &str) -> BTreeMap<String, (String, BTreeSet<String>)> {
    let resource = fluent_syntax::parser::parse(source).expect("the catalog parses");
    let mut out = BTreeMap::new();
    for entry in resource.body {
        let ast::Entry::Message(m) = entry else {
            continue;
        };
        let value = m.value.expect("every message has a value");
        let mut text = String::new();
        let mut vars = BTreeSet::new();
        collect(&value, &mut text, &mut vars);
        assert!(
            out.insert(m.id.name.to_owned(), (text, vars)).is_none(),
            "{} twice",
            m.id.name
        );
    }
    out
}

fn collect(pattern: &ast::Pattern<&str>, text: &mut String, vars: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        match element {
            ast::PatternElement::TextElement { value } => text.push_str(value),
            ast::PatternElement::Placeable { expression } => match expression {
                ast::Expression::Inline(ast::InlineExpression::VariableReference { id }) => {
                    vars.insert(id.name.to_owned());
                    text.push_str(&format!("{{ ${} }}", id.name));
                }
                ast::Expression::Select { selector, variants } => {
                    if let ast::InlineExpression::VariableReference { id } = selector {
                        vars.insert(id.name.to_owned());
                    }
                    for v in variants {
                        collect(&v.value, text, vars);
                    }
                }
                _ => {}
            },
        }
    }
}

#[test]
fn every_language_has_every_message_with_the_same_arguments() {
    let en = messages(LANGUAGES[0].1);
    for (tag, source) in &LANGUAGES[1..] {
        let other = messages(source);
        let missing: Vec<_> = en.keys().filter(|k| !other.contains_key(*k)).collect();
        let unused: Vec<_> = other.keys().filter(|k| !en.contains_key(*k)).collect();
        assert!(missing.is_empty(), "{tag} lacks {missing:?}");
        assert!(
            unused.is_empty(),
            "{tag} has messages English does not: {unused:?}"
        );
        for (id, (_, vars)) in &en {
            assert_eq!(&other[id].1, vars, "{tag} {id}: the same arguments");
        }
    }
}

#[test]
fn every_catalog_code_has_its_default_message_in_english() {
    let en = messages(LANGUAGES[0].1);
    for code in CATALOG {
        let (text, vars) = en
            .get(code.name())
            .unwrap_or_else(|| panic!("{} has no English message", code.name()));
        assert_eq!(text, code.default_message(), "{}", code.name());
        assert!(vars.is_empty());
    }
    for code in [
        backstop::oauth2::unsupported_grant_type(),
        backstop::oauth2::invalid_scope(),
        backstop::oauth2::invalid_grant(),
    ] {
        assert_eq!(en[code.name()].0, code.default_message(), "{}", code.name());
    }
}

/// Every Rust source file of the workspace's crates and app.
fn sources() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = String::new();
    let mut stack = vec![root.join("crates"), root.join("apps")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if !matches!(name.as_str(), "target" | "tests" | "fixtures" | "benches") {
                    stack.push(path);
                }
            } else if name.ends_with(".rs") {
                out.push_str(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    out
}

#[test]
fn every_english_message_is_one_the_code_writes() {
    let en = messages(LANGUAGES[0].1);
    let code = sources();
    let codes: BTreeSet<&str> = CATALOG.iter().map(|c| c.name()).collect();
    for (id, (text, vars)) in &en {
        if codes.contains(id.as_str())
            || ["UNSUPPORTED_GRANT_TYPE", "INVALID_SCOPE", "INVALID_GRANT"].contains(&id.as_str())
        {
            continue;
        }
        // The literal text before the first argument (or the whole text) appears in the code,
        // quoted or inside a format string.
        let literal = text.split("{ $").next().unwrap().trim_end();
        // In Rust source a quote inside a string is escaped.
        let escaped = literal.replace('"', "\\\"");
        let written = if vars.is_empty() {
            code.contains(&format!("\"{escaped}\""))
        } else {
            escaped.is_empty() || code.contains(&escaped)
        };
        // Words used as arguments (`value-…`) appear in the code, inside a message or alone.
        assert!(
            written || (id.starts_with("value-") && code.contains(literal)),
            "{id} = {text:?}: no code writes it (an unused message?)"
        );
    }
}
