//! [`Catalog`]: the messages of every language, in Fluent, and the localization of an [`ApiError`].

use std::sync::Arc;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast;
use unic_langid::LanguageIdentifier;

/// The catalog's lookup tables, keyed by message text and id: foldhash rather than std's SipHash,
/// which was a fifth of a localized 422's cost (callgrind, `benches/localized_errors.sh`). The
/// tables are fixed once built, so collision flooding has nothing to insert into.
type HashMap<K, V> = foldhash::HashMap<K, V>;

use super::negotiate::negotiate;
use super::pattern::Pattern;
use crate::details::Details;
use crate::error::ApiError;
use crate::text::Text;

/// The language code messages are written in (in code, and in `en.ftl`): the key to every
/// translation. A server may answer in another language by default.
pub const SOURCE_LANGUAGE: &str = "en";

/// The message catalogs backstop ships: English, Spanish, French and German.
const BUILTIN: [(&str, &str); 4] = [
    ("en", include_str!("locales/en.ftl")),
    ("es", include_str!("locales/es.ftl")),
    ("fr", include_str!("locales/fr.ftl")),
    ("de", include_str!("locales/de.ftl")),
];

/// A language of a [`Catalog`], as [`Catalog::negotiate`] picks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lang(usize);

impl Lang {
    /// Its position in [`Catalog::languages`].
    pub fn index(self) -> usize {
        self.0
    }
}

/// Why a catalog could not take a resource or a setting.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum I18nError {
    /// The language tag is not a valid BCP 47 tag.
    #[error("invalid language tag {0:?}")]
    InvalidTag(String),
    /// The Fluent source does not parse.
    #[error("invalid Fluent resource for {tag}: {detail}")]
    InvalidResource {
        /// The language the resource was for.
        tag: String,
        /// What the parser said.
        detail: String,
    },
    /// The language has no messages in the catalog.
    #[error("no messages for language {0:?}")]
    UnknownLanguage(String),
}

struct Language {
    /// As given (`fr`, `pt-BR`): what `Content-Language` says.
    tag: String,
    bundle: FluentBundle<Arc<FluentResource>>,
}

/// Error messages in every language an API speaks, as Fluent resources, with the negotiation of
/// `Accept-Language` and the localization of an [`ApiError`] (docs/CONTRACT.md §13).
///
/// Messages are keyed by their text in the source language, English: an error's message, and each
/// field violation's message, is recognised as one of the English patterns of the catalog (a code's
/// default message by the code, `"Ensure this field has no more than 255 characters."` as
/// `field-max-length` with `max = 255`) and formatted in the target language; an argument whose
/// value is itself an English message (`"a string"`) is translated too. A text the catalog does not
/// know stays as it is. Codes, detail keys, field paths and request ids are never translated.
///
/// Why `fluent-bundle` rather than `fluent-templates`: an application adds its own codes, messages
/// and languages at run time (from its own `.ftl` text), English patterns must be read from the
/// resources' syntax trees for recognition, and the fallback chain is one line; fluent-templates'
/// static loaders and file-system loaders would add dependencies for none of that.
///
/// ```
/// use backstop::i18n::Catalog;
/// use backstop::{ApiError, Code};
///
/// let catalog = Catalog::builtin();
/// let fr = catalog.negotiate(Some("fr-CA;q=0.9, de;q=0.5"));
/// assert_eq!(catalog.tag(fr), "fr");
///
/// let mut e = ApiError::validation()
///     .with_field("email", "This field is required.")
///     .with_field("name", "Ensure this field has no more than 255 characters.");
/// catalog.localize(&mut e, fr);
/// assert_eq!(e.message(), "La validation de la requête a échoué");
/// let fields = e.details().unwrap().fields().unwrap();
/// assert_eq!(fields.get("email").unwrap()[0], "Ce champ est obligatoire.");
/// assert_eq!(fields.get("name").unwrap()[0], "Assurez-vous que ce champ ne comporte pas plus de 255 caractères.");
///
/// // An application's own code and language.
/// let catalog = Catalog::builtin()
///     .add_ftl("en", "CARD_DECLINED = The card was declined")?
///     .add_ftl("fr", "CARD_DECLINED = La carte a été refusée")?;
/// let card = Code::custom("CARD_DECLINED", http::StatusCode::PAYMENT_REQUIRED, false)?
///     .with_default_message("The card was declined");
/// let mut e = ApiError::new(card);
/// catalog.localize(&mut e, catalog.negotiate(Some("fr")));
/// assert_eq!(e.message(), "La carte a été refusée");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Catalog {
    languages: Vec<Language>,
    default: usize,
    /// Every tag, for negotiation.
    tags: Vec<String>,
    /// English texts without arguments, to their message id.
    plain: HashMap<String, String>,
    /// English patterns with arguments.
    patterns: Vec<Pattern>,
    /// Whether English output differs from English input (an application overrode an English
    /// message): then even English errors are formatted.
    english_overridden: bool,
    /// The id of every message.
    ids: std::collections::BTreeSet<String>,
    /// Per language, what localizing needs ready, built on first use after every resource is in:
    /// a code's default message and a plain field message (`This field is required.`) cost one
    /// map lookup, a pattern's instance a fill of its pieces, rather than a Fluent format.
    tables: std::sync::OnceLock<Vec<Tables>>,
}

/// One language's ready-made messages (see [`Catalog::tables`]).
struct Tables {
    /// Every message without arguments, by id, formatted (and the language it came out in).
    /// Shared, so that an error takes one by reference count rather than by copy.
    by_id: HashMap<String, (Arc<str>, Lang)>,
    /// The same messages by their English text, for a text-keyed lookup in one step.
    by_text: HashMap<String, (Arc<str>, Lang)>,
    /// By the index of the English pattern: the message as pieces around its arguments, when it
    /// has only text and variables (no selector, term or function), so that a fill gives what
    /// Fluent would.
    templates: Vec<Option<(Pattern, Lang)>>,
    /// Translations of messages written as literals, by the literal's address (see [`Memo`]).
    memo: Memo,
}

/// What [`Catalog::localize`] found for each message it met as a `&'static str` (a literal in the
/// program: `"This field is required."`, a code's default message), keyed by the literal's
/// address and length rather than its text: hashing two words instead of the text, and a pattern's
/// instance (`"Ensure this field has no more than 255 characters."`) found rather than matched
/// and filled again, brought a localized 422 with three fields from 1.10x to 1.046x the cost of
/// the same 422 in English (callgrind, backstop-axum's `benches/localized_errors.sh`). A literal's
/// address never changes and its text never does, so the key cannot go stale. Unknown texts are
/// remembered too (as `None`). Bounded: at [`MEMO_CAP`] entries the memo is emptied and fills
/// again; a program has few distinct literals, so this happens only to one that leaks strings.
type Memo = std::sync::RwLock<HashMap<(usize, usize), Option<(Text, Lang)>>>;

/// The most messages a language's [`Memo`] keeps.
const MEMO_CAP: usize = 4096;

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("languages", &self.tags)
            .field("default", &self.tags[self.default])
            .finish_non_exhaustive()
    }
}

impl Catalog {
    /// The catalogs backstop ships (English, Spanish, French, German), English by default.
    pub fn builtin() -> Catalog {
        let mut catalog = Catalog {
            languages: Vec::new(),
            default: 0,
            tags: Vec::new(),
            plain: HashMap::default(),
            patterns: Vec::new(),
            english_overridden: false,
            ids: std::collections::BTreeSet::new(),
            tables: std::sync::OnceLock::new(),
        };
        for (tag, source) in BUILTIN {
            catalog = catalog
                .add_ftl(tag, source)
                .unwrap_or_else(|e| unreachable!("the shipped catalogs parse: {e}"));
        }
        catalog.english_overridden = false;
        catalog
    }

    /// Adds `source` (Fluent syntax) to the messages of `tag`, adding the language if it is new.
    /// A message with an id already present replaces it (an application overriding a shipped
    /// message). English messages also become recognisable patterns (see the type's docs).
    pub fn add_ftl(mut self, tag: &str, source: &str) -> Result<Catalog, I18nError> {
        let langid: LanguageIdentifier = tag
            .parse()
            .map_err(|_| I18nError::InvalidTag(tag.to_owned()))?;
        let resource = FluentResource::try_new(source.to_owned()).map_err(|(_, errors)| {
            I18nError::InvalidResource {
                tag: tag.to_owned(),
                detail: errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            }
        })?;
        let resource = Arc::new(resource);
        for entry in resource.entries() {
            if let ast::Entry::Message(m) = entry {
                self.ids.insert(m.id.name.to_owned());
            }
        }
        self.tables = std::sync::OnceLock::new();
        if tag.eq_ignore_ascii_case(SOURCE_LANGUAGE) {
            self.learn_patterns(&resource);
        }
        let index = match self.index_of(tag) {
            Some(i) => {
                if tag.eq_ignore_ascii_case(SOURCE_LANGUAGE) {
                    self.english_overridden = true;
                }
                i
            }
            None => {
                let mut bundle = FluentBundle::new_concurrent(vec![langid]);
                bundle.set_use_isolating(false);
                self.languages.push(Language {
                    tag: tag.to_owned(),
                    bundle,
                });
                self.tags.push(tag.to_owned());
                self.languages.len() - 1
            }
        };
        self.languages[index]
            .bundle
            .add_resource_overriding(resource);
        Ok(self)
    }

    /// Answers in `tag` when a request states no acceptable language (default: English).
    pub fn default_language(mut self, tag: &str) -> Result<Catalog, I18nError> {
        self.default = self
            .index_of(tag)
            .ok_or_else(|| I18nError::UnknownLanguage(tag.to_owned()))?;
        Ok(self)
    }

    /// The languages, in the order they were added.
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.tags.iter().map(String::as_str)
    }

    /// The language answered in when nothing acceptable was asked for.
    pub fn default_lang(&self) -> Lang {
        Lang(self.default)
    }

    /// The language to answer a request in, from its `Accept-Language` value (`None`: absent). An
    /// unknown or malformed header gives the default language, never an error.
    pub fn negotiate(&self, accept_language: Option<&str>) -> Lang {
        match accept_language.and_then(|h| negotiate(h, &self.tags)) {
            Some(i) => Lang(i),
            None => Lang(self.default),
        }
    }

    /// The tag of `lang`, for `Content-Language`.
    pub fn tag(&self, lang: Lang) -> &str {
        &self.languages[lang.0].tag
    }

    /// Message `id` in `lang` with `args`, falling back to the default language then English;
    /// `None` if no language has it.
    pub fn format(&self, lang: Lang, id: &str, args: &[(&str, &str)]) -> Option<String> {
        self.format_in(lang, id, args).map(|(text, _)| text)
    }

    /// [`format`](Self::format), with the language the text came out in.
    fn format_in(&self, lang: Lang, id: &str, args: &[(&str, &str)]) -> Option<(String, Lang)> {
        let (pattern, used) = self.message_in(lang, id)?;
        let bundle = &self.languages[used.0].bundle;
        let fluent_args = self.args(lang, args);
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, fluent_args.as_ref(), &mut errors);
        Some((text.into_owned(), used))
    }

    /// The Fluent pattern of message `id` from the first language that has it: `lang`, then the
    /// default language, then English (the one fallback chain), with that language.
    fn message_in(&self, lang: Lang, id: &str) -> Option<(&ast::Pattern<&str>, Lang)> {
        let english = self.index_of(SOURCE_LANGUAGE);
        [Some(lang.0), Some(self.default), english]
            .into_iter()
            .flatten()
            .find_map(|index| {
                let message = self.languages[index].bundle.get_message(id)?;
                Some((message.value()?, Lang(index)))
            })
    }

    /// Whether errors in `lang` need any work: every language but an English that no application
    /// changed.
    pub fn needs_work(&self, lang: Lang) -> bool {
        self.english_overridden
            || !self.languages[lang.0]
                .tag
                .eq_ignore_ascii_case(SOURCE_LANGUAGE)
    }

    /// Translates `error`'s message and field-violation messages into `lang` (see the type's docs),
    /// and answers the language the message is now in: `lang`, or the language a message came
    /// out in when `lang` lacks it (the default language, then English), or English when the
    /// catalog does not know the message at all. That is what `Content-Language` should say.
    pub fn localize(&self, error: &mut ApiError, lang: Lang) -> Lang {
        let english = self.index_of(SOURCE_LANGUAGE).map_or(lang, Lang);
        if !self.needs_work(lang) {
            return lang;
        }
        let by_code = if error.message() == error.code().default_message() {
            self.formatted_in(lang, error.code().name())
                .map(|(text, used)| (Text::from(text.clone()), used))
        } else {
            None
        };
        let message = match by_code {
            Some(found) => Some(found),
            None => self.localized(error.message_text(), lang),
        };
        let used = match message {
            Some((message, used)) => {
                error.set_message(message);
                used
            }
            None => english,
        };
        if let Some(Details::Fields(fields)) = error.details_mut() {
            fields.for_each_message_mut(|m| {
                if let Some((text, _)) = self.localized(m, lang) {
                    *m = text;
                }
            });
        }
        used
    }

    /// The message of a code in `lang` (its id is the code's name) as the catalog has it ready,
    /// with the language it came out in: what [`localize`](Self::localize) writes for an error
    /// that carries its code's default message. `None` if no language has the code.
    pub fn code_message(&self, lang: Lang, code: &str) -> Option<(&str, Lang)> {
        self.formatted_in(lang, code)
            .map(|(text, used)| (&**text, used))
    }

    /// `text` (English) in `lang`, if the catalog recognises it.
    pub fn translate(&self, text: &str, lang: Lang) -> Option<String> {
        self.text_in(text, lang).map(|(text, _)| text.into_string())
    }

    /// `text` in `lang` as [`text_in`](Self::text_in) finds it, through the [`Memo`] when `text`
    /// is a literal.
    fn localized(&self, text: &Text, lang: Lang) -> Option<(Text, Lang)> {
        let (Some(key), Some(tables)) = (text.static_key(), self.tables().get(lang.0)) else {
            return self.text_in(text, lang);
        };
        let memo = &tables.memo;
        if let Some(found) = memo
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&key)
        {
            return found.clone();
        }
        // First sight of this literal: a pattern's instance is kept shared from now on.
        let found = self
            .text_in(text, lang)
            .map(|(t, used)| match t.static_key() {
                Some(_) => (t, used),
                None => (Text::from(Arc::<str>::from(t.as_str())), used),
            });
        let mut memo = memo
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if memo.len() >= MEMO_CAP {
            memo.clear();
        }
        memo.insert(key, found.clone());
        found
    }

    /// [`translate`](Self::translate), with the language the text came out in: a message
    /// without arguments as the catalog's shared copy, a pattern's instance formatted anew.
    fn text_in(&self, text: &str, lang: Lang) -> Option<(Text, Lang)> {
        if let Some((found, used)) = self.plain_in(lang, text) {
            return Some((Text::from(found.clone()), used));
        }
        self.pattern_in(text, lang)
            .map(|(text, used)| (Text::from(text), used))
    }

    /// `text` in `lang` if it is an instance of one of the English patterns with arguments.
    fn pattern_in(&self, text: &str, lang: Lang) -> Option<(String, Lang)> {
        let first = text.as_bytes().first();
        for (index, pattern) in self.patterns.iter().enumerate() {
            // The first byte rules most patterns out without a comparison call.
            if pattern
                .prefix()
                .as_bytes()
                .first()
                .is_some_and(|b| Some(b) != first)
                || !text.starts_with(pattern.prefix())
            {
                continue;
            }
            if let Some(mut args) = pattern.matches(text) {
                // An argument that is itself a message (`a string`) is translated too; a number
                // never is one.
                for (_, value) in args.as_mut_slice() {
                    if value.bytes().all(|b| b.is_ascii_digit()) {
                        continue;
                    }
                    if let Some((text, _)) = self
                        .plain
                        .get(*value)
                        .filter(|id| id.starts_with("value-"))
                        .and_then(|id| self.formatted_in(lang, id))
                    {
                        *value = text;
                    }
                }
                let args = args.as_slice();
                if let Some((template, used)) = self.template(lang, index)
                    && let Some(text) = template.fill(args, fills_as_fluent)
                {
                    return Some((text, *used));
                }
                return self.format_in(lang, &pattern.id, args);
            }
        }
        None
    }

    fn tables(&self) -> &[Tables] {
        self.tables.get_or_init(|| {
            (0..self.languages.len())
                .map(|lang| {
                    let by_id: HashMap<String, (Arc<str>, Lang)> = self
                        .ids
                        .iter()
                        .filter_map(|id| {
                            self.format_in(Lang(lang), id, &[])
                                .map(|(text, used)| (id.clone(), (Arc::from(text), used)))
                        })
                        .collect();
                    let by_text = self
                        .plain
                        .iter()
                        .filter_map(|(text, id)| {
                            by_id.get(id).map(|found| (text.clone(), found.clone()))
                        })
                        .collect();
                    let templates = self
                        .patterns
                        .iter()
                        .map(|p| self.template_of(Lang(lang), &p.id))
                        .collect();
                    Tables {
                        by_id,
                        by_text,
                        templates,
                        memo: Memo::default(),
                    }
                })
                .collect()
        })
    }

    /// Message `id` without arguments in `lang`, ready-made.
    fn formatted_in(&self, lang: Lang, id: &str) -> Option<(&Arc<str>, Lang)> {
        let (text, used) = self.tables().get(lang.0)?.by_id.get(id)?;
        Some((text, *used))
    }

    /// The English plain message `text` in `lang`, ready-made.
    fn plain_in(&self, lang: Lang, text: &str) -> Option<(&Arc<str>, Lang)> {
        let (text, used) = self.tables().get(lang.0)?.by_text.get(text)?;
        Some((text, *used))
    }

    /// The English pattern `index` in `lang` as pieces, if it has only text and variables.
    fn template(&self, lang: Lang, index: usize) -> Option<&(Pattern, Lang)> {
        self.tables().get(lang.0)?.templates.get(index)?.as_ref()
    }

    /// Message `id` as pieces around its variables, from the first language of the fallback
    /// chain that has it (as [`format_in`](Self::format_in) picks it).
    fn template_of(&self, lang: Lang, id: &str) -> Option<(Pattern, Lang)> {
        let (pattern, used) = self.message_in(lang, id)?;
        Pattern::parse(id, &pattern_source(pattern)?).map(|p| (p, used))
    }

    fn index_of(&self, tag: &str) -> Option<usize> {
        self.tags.iter().position(|t| t.eq_ignore_ascii_case(tag))
    }

    /// Numbers as numbers (for plural selection), everything else as text.
    fn args<'a>(&self, _lang: Lang, args: &[(&'a str, &'a str)]) -> Option<FluentArgs<'a>> {
        if args.is_empty() {
            return None;
        }
        let mut out = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            match value.parse::<f64>() {
                Ok(n)
                    if !value.is_empty()
                        && value
                            .bytes()
                            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-') =>
                {
                    out.set(*name, FluentValue::from(n))
                }
                _ => out.set(*name, FluentValue::from(*value)),
            }
        }
        Some(out)
    }

    /// Reads the English messages of `resource` as patterns.
    fn learn_patterns(&mut self, resource: &FluentResource) {
        for entry in resource.entries() {
            let ast::Entry::Message(message) = entry else {
                continue;
            };
            let Some(value) = &message.value else {
                continue;
            };
            let Some(source) = pattern_source(value) else {
                continue;
            };
            let Some(pattern) = Pattern::parse(message.id.name, &source) else {
                continue;
            };
            if pattern.is_plain() {
                self.plain
                    .insert(pattern.text().to_owned(), message.id.name.to_owned());
            } else {
                self.patterns.push(pattern);
            }
        }
    }
}

impl Default for Catalog {
    fn default() -> Self {
        Self::builtin()
    }
}

/// Whether an argument's text is what Fluent would write for it: any text Fluent keeps as text
/// (see [`Catalog::args`]), and numbers written as `f64` displays them (an integer without a
/// leading zero). Anything else is left to Fluent.
fn fills_as_fluent(value: &str) -> bool {
    let bytes = value.as_bytes();
    let numeric = !bytes.is_empty()
        && bytes
            .iter()
            .all(|b| b.is_ascii_digit() || *b == b'.' || *b == b'-');
    if !numeric {
        return true;
    }
    let digits = bytes.strip_prefix(b"-").unwrap_or(bytes);
    !digits.is_empty()
        && digits.len() <= 15
        && digits.iter().all(u8::is_ascii_digit)
        && (digits.len() == 1 || digits[0] != b'0')
        && !(bytes[0] == b'-' && digits == b"0")
}

/// A pattern's text with `{ $name }` for its variable placeables; `None` for any other placeable.
fn pattern_source(pattern: &ast::Pattern<&str>) -> Option<String> {
    let mut out = String::new();
    for element in &pattern.elements {
        match element {
            ast::PatternElement::TextElement { value } => out.push_str(value),
            ast::PatternElement::Placeable {
                expression: ast::Expression::Inline(ast::InlineExpression::VariableReference { id }),
            } => {
                out.push_str("{ $");
                out.push_str(id.name);
                out.push_str(" }");
            }
            ast::PatternElement::Placeable { .. } => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fill that spares Fluent must write exactly what Fluent writes, in every language, for
    /// every pattern with arguments and every kind of value it fills itself.
    #[test]
    fn a_template_fill_writes_what_fluent_writes() {
        let catalog = Catalog::builtin();
        let mut compared = 0;
        for lang in 0..catalog.languages.len() {
            for (index, pattern) in catalog.patterns.iter().enumerate() {
                let Some((template, used)) = catalog.template(Lang(lang), index) else {
                    continue;
                };
                for value in ["255", "0", "-3", "a string", "name", "x y"] {
                    assert!(fills_as_fluent(value));
                    let args: Vec<(&str, &str)> = template_args(pattern, value);
                    let filled = template.fill(&args, fills_as_fluent);
                    let fluent = catalog.format_in(Lang(lang), &pattern.id, &args);
                    assert_eq!(
                        filled.map(|t| (t, *used)),
                        fluent,
                        "{} in {}",
                        pattern.id,
                        catalog.tags[lang]
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 100, "only {compared} fills compared");
        for value in ["007", "1.5", "-0", "-", "1-2", "12345678901234567"] {
            assert!(!fills_as_fluent(value), "{value} is left to Fluent");
        }
    }

    fn template_args<'a>(pattern: &'a Pattern, value: &'a str) -> Vec<(&'a str, &'a str)> {
        pattern.arg_names().map(|name| (name, value)).collect()
    }
}
