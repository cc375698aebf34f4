//! Internals an error body must never show (docs/CONTRACT.md §2.1): stack traces and source paths of the common
//! server stacks, framework debug pages, SQL and database-driver errors, connection strings.
//!
//! No crate ships such a list, so the patterns are written here, each named after what it betrays. They run over
//! the whole body the check read (at most [`super::MAX_BODY`]), HTML pages included.

use std::sync::LazyLock;

use regex::bytes::{Regex, RegexSet};

/// One kind of leak, and the pattern that betrays it.
struct Pattern {
    what: &'static str,
    regex: &'static str,
}

const fn p(what: &'static str, regex: &'static str) -> Pattern {
    Pattern { what, regex }
}

const PATTERNS: &[Pattern] = &[
    // Python and its frameworks.
    p(
        "a Python stack trace",
        r"Traceback \(most recent call last\)",
    ),
    p("a Python stack frame", r#"File "[^"\n]+\.py", line \d+"#),
    p("a Python package path", r"[/\\](?:site|dist)-packages[/\\]"),
    p("Django's DEBUG page", r"DEBUG\s*=\s*True"),
    p(
        "Django's URL-pattern 404 page",
        r"Using the URLconf defined in|Django tried these URL patterns",
    ),
    p(
        "a Django module path",
        r"\bdjango\.(?:core|db|http|urls|views|template)\.[a-z_.]+",
    ),
    p("the Werkzeug debugger", r"Werkzeug Debugger|werkzeug/debug"),
    // Node.
    p("a Node package path", r"node_modules[/\\]"),
    p("a Node internal frame", r"\(?node:internal/"),
    p(
        "a Node stack frame",
        r"\bat (?:[\w$.<>\[\] ]+ )?\(?(?:/|[A-Za-z]:\\)[^\s()]+\.(?:js|mjs|cjs|ts):\d+:\d+\)?",
    ),
    // Java and the JVM.
    p(
        "a Java stack frame",
        r"\bat [\w$]+(?:\.[\w$<>]+)+\([\w$]+\.(?:java|kt|scala|groovy):\d+\)",
    ),
    p(
        "a Java exception",
        r#"\bjava\.(?:lang|io|util|sql)\.\w*(?:Exception|Error)\b|Exception in thread ""#,
    ),
    p("Spring's Whitelabel error page", r"Whitelabel Error Page"),
    // Go.
    p("a Go stack trace", r"goroutine \d+ \[[a-z ]+\]:"),
    p("a Go source location", r"\.go:\d+ \+0x[0-9a-f]+"),
    p("a Go panic", r"panic: runtime error"),
    // Ruby.
    p("a Ruby stack frame", r"\.rb:\d+:in [`']"),
    p("a Ruby gem path", r"/gems/[\w.-]+-\d[\w.]*/"),
    p(
        "Rails' exception page",
        r"Action Controller: Exception caught",
    ),
    // .NET.
    p("a .NET stack frame", r" in [^\n]+\.cs:line \d+"),
    p(
        "a .NET exception",
        r"\bSystem\.(?:[A-Z]\w*\.)*\w*Exception\b|--- End of stack trace from previous location",
    ),
    p(
        "ASP.NET's error page",
        r"Server Error in '[^']*' Application",
    ),
    // PHP.
    p(
        "a PHP error location",
        r"\.php(?:</b>)? on line (?:<b>)?\d+",
    ),
    p("a PHP stack frame", r"#\d+ [^\n]+\.php\(\d+\)"),
    p(
        "a PHP debug page",
        r"Whoops, looks like something went wrong|Whoops! There was an error",
    ),
    // Rust.
    p("a Rust panic", r"panicked at|stack backtrace:"),
    p(
        "a Rust source location",
        r"(?:\bsrc|\.cargo[/\\]registry)[/\\][\w/\\.-]+\.rs:\d+",
    ),
    // SQL and database drivers.
    p(
        "a PostgreSQL error",
        r#"(?i)syntax error at or near|duplicate key value violates unique constraint|violates (?:foreign key|not-null|check) constraint|relation "[^"]+" does not exist"#,
    ),
    p("an SQLSTATE", r"SQLSTATE"),
    p("a MySQL error", r"(?i)you have an error in your sql syntax"),
    p("an Oracle error", r"\bORA-\d{5}\b"),
    p(
        "an SQLite error",
        r"(?i)\bno such (?:table|column): |\bSQLITE_[A-Z]+\b",
    ),
    p(
        "a database driver error",
        r"(?i)\b(?:sqlalchemy\.exc|psycopg2?\.(?:errors|extensions|\w*Error)|pymysql\.err|django\.db\.utils|sqlite3\.\w*Error|Sequelize\w*Error|PrismaClient\w*Error|MongoServerError|E11000 duplicate key|org\.postgresql|java\.sql\.SQL\w*Exception|com\.mysql\.|sqlx::|diesel::|tokio_postgres::)",
    ),
    p(
        "an SQL statement",
        r"(?i)\b(?:SELECT\s+[\w*,.\x22\s]+\s+FROM\s+[\w\x22.]+|INSERT\s+INTO\s+[\w\x22.]+|UPDATE\s+[\w\x22.]+\s+SET\s|DELETE\s+FROM\s+[\w\x22.]+)",
    ),
    p(
        "a connection string",
        r"(?i)\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|redis|rediss|amqp)://",
    ),
    // Server file paths.
    p(
        "a server file path",
        r"(?:^|[\s\x22'(=:])(?:/home/[\w.-]+|/Users/[\w.-]+|/root|/var/www|/usr/(?:local/)?(?:lib|src|share)|/opt/[\w.-]+|/srv/[\w.-]+)/",
    ),
    p(
        "a Windows file path",
        r"\b[A-Za-z]:\\(?:Users|Windows|inetpub|Program Files|src|app)\\",
    ),
];

struct Compiled {
    set: RegexSet,
    each: Vec<Regex>,
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    // Byte patterns without Unicode classes: the leaks are ASCII, and Unicode `\w` and case folding made the set
    // fall back to its slow engine (seconds for a Django DEBUG page). The patterns are constants pinned by the
    // tests below: they compile.
    let ascii = |p: &Pattern| format!("(?-u){}", p.regex);
    let set = RegexSet::new(PATTERNS.iter().map(ascii)).expect("leak patterns compile");
    let each = PATTERNS
        .iter()
        .map(|p| Regex::new(&ascii(p)).expect("leak pattern compiles"))
        .collect();
    Compiled { set, each }
});

/// A leak found in a body: what it betrays, and the text that betrays it (at most 80 characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    /// What the text is, e.g. `a Node package path`.
    pub what: &'static str,
    /// The matching text, trimmed and cut to 80 characters.
    pub excerpt: String,
}

/// Every kind of leak in `text`, each once, in the order of the pattern list.
pub fn find(text: &[u8]) -> Vec<Leak> {
    let compiled = &*COMPILED;
    compiled
        .set
        .matches(text)
        .into_iter()
        .filter_map(|i| {
            let m = compiled.each[i].find(text)?;
            Some(Leak {
                what: PATTERNS[i].what,
                excerpt: super::excerpt(&String::from_utf8_lossy(m.as_bytes()), 80),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::find;

    fn kinds(text: &str) -> Vec<&'static str> {
        find(text.as_bytes()).into_iter().map(|l| l.what).collect()
    }

    #[test]
    fn every_stack_names_its_own_kind() {
        let cases = [
            (
                "Traceback (most recent call last):\n  File \"/srv/app/views.py\", line 12, in get",
                "a Python stack trace",
            ),
            (
                "at Layer.handle [as handle_request] (/srv/api/node_modules/express/lib/router/layer.js:95:5)",
                "a Node package path",
            ),
            (
                "at parse (/srv/api/lib/json.js:92:19)",
                "a Node stack frame",
            ),
            ("\tat com.acme.Api.get(Api.java:42)", "a Java stack frame"),
            (
                "goroutine 1 [running]:\nmain.main()\n\t/src/main.go:9 +0x1d",
                "a Go stack trace",
            ),
            (
                "app/controllers/items_controller.rb:7:in `show'",
                "a Ruby stack frame",
            ),
            (
                "   at Api.Get() in /src/Api/Controllers/Items.cs:line 19",
                "a .NET stack frame",
            ),
            (
                "Fatal error: Uncaught Error in /var/www/html/index.php on line 3",
                "a PHP error location",
            ),
            ("thread 'main' panicked at src/main.rs:4:5", "a Rust panic"),
            (
                "ERROR: syntax error at or near \"FROM\"",
                "a PostgreSQL error",
            ),
            (
                "Using the URLconf defined in <code>mysite.urls</code>",
                "Django's URL-pattern 404 page",
            ),
            (
                "could not connect to postgres://app@db/app",
                "a connection string",
            ),
        ];
        for (text, kind) in cases {
            assert!(kinds(text).contains(&kind), "{text:?} -> {:?}", kinds(text));
        }
    }

    #[test]
    fn contract_bodies_leak_nothing() {
        for body in [
            r#"{"error":{"code":"VALIDATION_ERROR","message":"Request validation failed","details":{"email":["Enter a valid email address."],"items[2].amount":["Must be at least 0"]},"request_id":"0193a4f2-7c1e-7d40-9a51-3f0c2b8e1d22","timestamp":"2026-11-22T10:15:30.123Z","retryable":false}}"#,
            r##"{"type":"about:blank","title":"Not Found","status":404,"detail":"Not found","instance":"urn:request:r1","code":"NOT_FOUND","errors":[{"detail":"x","pointer":"#/items/2/amount"}]}"##,
            r#"{"error":{"code":"INVOICE_NOT_FOUND","message":"Invoice not found","details":{"resource":"invoice","id":"inv_nope"}}}"#,
        ] {
            assert_eq!(kinds(body), Vec::<&str>::new(), "{body}");
        }
    }
}
