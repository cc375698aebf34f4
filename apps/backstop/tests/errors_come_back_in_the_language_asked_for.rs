//! docs/CONTRACT.md §13 over HTTP: in every language the reference API speaks, a 422 with several
//! fields, a 401, a 404 (an unknown path and an unknown resource), a 413 and a 429 come back with
//! their messages in that language, `Content-Language` naming it and `Vary: Accept-Language`;
//! codes, detail keys and field paths never change. `fr-CA;q=0.9, de;q=0.5` picks French; `xx` and
//! a malformed header get the default language (English, or `--default-language`) and no error.
//! The error record keeps the language it was sent in, and the client asks for a language and
//! reads which one it got.

mod common;

use backstop_app::messages;
use common::*;
use reqwest::header::{ACCEPT_LANGUAGE, CONTENT_LANGUAGE, VARY};
use serde_json::{Value, json};

struct Answer {
    status: u16,
    language: Option<String>,
    vary: Vec<String>,
    body: Value,
}

async fn answer(r: reqwest::RequestBuilder) -> Answer {
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let language = r
        .headers()
        .get(CONTENT_LANGUAGE)
        .map(|v| v.to_str().unwrap().to_owned());
    let vary = r
        .headers()
        .get_all(VARY)
        .iter()
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .collect();
    let body = r.json().await.unwrap();
    Answer {
        status,
        language,
        vary,
        body,
    }
}

/// The English text as the server writes it, in `lang` according to the API's catalog.
fn expected(english: &str, lang: &str) -> String {
    let catalog = messages::catalog("en").unwrap();
    let l = catalog.negotiate(Some(lang));
    if lang == "en" {
        return english.to_owned();
    }
    let translated = catalog
        .translate(english, l)
        .unwrap_or_else(|| panic!("{english:?} has a translation in {lang}"));
    assert_ne!(translated, english, "{lang}");
    translated
}

fn assert_in(a: &Answer, status: u16, code: &str, english: &str, lang: &str) {
    assert_eq!(a.status, status, "{lang}: {}", a.body);
    assert_eq!(
        a.body["error"]["code"], code,
        "{lang}: codes are never translated"
    );
    assert_eq!(
        a.body["error"]["message"],
        expected(english, lang),
        "{lang} {code}"
    );
    assert_eq!(
        a.language.as_deref(),
        Some(lang),
        "{lang} {code}: Content-Language"
    );
    assert!(
        a.vary.iter().any(|v| v.contains("accept-language")),
        "{lang} {code}: Vary {:?}",
        a.vary
    );
}

#[tokio::test]
async fn errors_come_back_in_the_language_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let srv = start(config(&format!(
        "sqlite://{}",
        dir.path().join("l.db").display()
    )))
    .await;
    let p = partner(&srv.db, "Languages").await;
    let token = partner_token(&srv, &p).await;
    let biz = create_business(&srv, &token, "l-1").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let btoken = business_token(&srv, &token, &biz).await;
    let base = srv.url(&format!("/v1/platform/businesses/{biz}"));
    let http = reqwest::Client::new();

    for lang in messages::LANGUAGES {
        // 422 with several fields: every field's message in the language, keys unchanged.
        let a = answer(
            http.post(format!("{base}/invoices/"))
                .bearer_auth(&btoken)
                .header(ACCEPT_LANGUAGE, lang)
                .json(&json!({"currency": "JPY", "due_date": "2026-02-30", "line_items": []})),
        )
        .await;
        assert_in(
            &a,
            422,
            "VALIDATION_ERROR",
            "Request validation failed",
            lang,
        );
        let fields = &a.body["error"]["details"];
        for (field, english) in [
            ("customer_id", "This field is required."),
            (
                "currency",
                "Invalid currency code. Must be one of: GBP, EUR, USD",
            ),
            ("due_date", "Enter a valid date in the format YYYY-MM-DD."),
            ("line_items", "At least one line item is required."),
        ] {
            assert_eq!(fields[field][0], expected(english, lang), "{lang} {field}");
        }

        // 401 without credentials.
        let a = answer(
            http.get(srv.url("/v1/platform/businesses"))
                .header(ACCEPT_LANGUAGE, lang),
        )
        .await;
        assert_in(
            &a,
            401,
            "AUTHENTICATION_REQUIRED",
            "Authentication credentials were not provided",
            lang,
        );

        // 404: a path no route matches (the router's own), and a resource that does not exist.
        let a = answer(http.get(srv.url("/nowhere")).header(ACCEPT_LANGUAGE, lang)).await;
        assert_in(
            &a,
            404,
            "NOT_FOUND",
            "The requested URL was not found",
            lang,
        );
        let a = answer(
            http.get(format!("{base}/invoices/inv_missing"))
                .bearer_auth(&btoken)
                .header(ACCEPT_LANGUAGE, lang),
        )
        .await;
        assert_in(
            &a,
            404,
            "INVOICE_NOT_FOUND",
            "The requested invoice was not found",
            lang,
        );
        assert_eq!(a.body["error"]["details"]["resource"], "invoice", "{lang}");

        // 413: a body over the limit.
        let a = answer(
            http.post(format!("{base}/customers/"))
                .bearer_auth(&btoken)
                .header(ACCEPT_LANGUAGE, lang)
                .header("content-type", "application/json")
                .body(vec![b' '; 3 * 1024 * 1024]),
        )
        .await;
        assert_in(
            &a,
            413,
            "PAYLOAD_TOO_LARGE",
            "The request body is too large",
            lang,
        );
    }

    // A few anchors in plain words, so the test does not only trust the catalog it reads.
    let a = answer(
        http.post(format!("{base}/invoices/"))
            .bearer_auth(&btoken)
            .header(ACCEPT_LANGUAGE, "fr-CA;q=0.9, de;q=0.5")
            .json(&json!({})),
    )
    .await;
    assert_eq!(
        a.language.as_deref(),
        Some("fr"),
        "fr-CA;q=0.9, de;q=0.5 picks French"
    );
    assert_eq!(
        a.body["error"]["message"],
        "La validation de la requête a échoué"
    );
    assert_eq!(
        a.body["error"]["details"]["customer_id"][0],
        "Ce champ est obligatoire."
    );
    let a = answer(
        http.get(format!("{base}/invoices/inv_missing"))
            .bearer_auth(&btoken)
            .header(ACCEPT_LANGUAGE, "es"),
    )
    .await;
    assert_eq!(
        a.body["error"]["message"],
        "No se encontró el recurso solicitado (factura)"
    );

    // Unknown and malformed preferences: the default language, and the request's own answer.
    for header in ["xx", ";;;q=,,,", "de;q=2", "*;q=0"] {
        let a = answer(
            http.get(srv.url("/nowhere"))
                .header(ACCEPT_LANGUAGE, header),
        )
        .await;
        assert_in(
            &a,
            404,
            "NOT_FOUND",
            "The requested URL was not found",
            "en",
        );
    }
    // A success is untouched.
    let r = http
        .get(format!("{base}/invoices/"))
        .bearer_auth(&btoken)
        .header(ACCEPT_LANGUAGE, "de")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get(CONTENT_LANGUAGE).is_none());

    // The record of a German 422 keeps the German message and says so.
    let a = answer(
        http.post(srv.url("/v1/platform/businesses/"))
            .bearer_auth(&token)
            .header(ACCEPT_LANGUAGE, "de")
            .json(&json!({"name": "x"})),
    )
    .await;
    assert_eq!(a.status, 422, "{}", a.body);
    let id = a.body["error"]["request_id"].as_str().unwrap().to_owned();
    let record: Value = http
        .get(srv.url(&format!("/v1/requests/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(record["language"], "de", "{record}");
    assert_eq!(record["message"], a.body["error"]["message"], "{record}");

    // The client: a language for every request, another for one request, and what came back.
    let client = backstop_client::ClientBuilder::new()
        .accept_language(reqwest::header::HeaderValue::from_static("es"))
        .max_attempts(1)
        .build();
    let e = client
        .get(srv.url("/nowhere"))
        .send()
        .await
        .expect_err("404");
    assert_eq!(e.language(), Some("es"));
    assert_eq!(
        e.api_error().unwrap().message(),
        expected("The requested URL was not found", "es")
    );
    let e = client
        .get(srv.url("/nowhere"))
        .accept_language("de")
        .send()
        .await
        .expect_err("404");
    assert_eq!(e.language(), Some("de"));
    srv.stop().await;
}

#[tokio::test]
async fn a_429_and_the_default_language_follow_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(&format!("sqlite://{}", dir.path().join("r.db").display()));
    c.default_language = "de".to_owned();
    c.rate_limit_per_address_per_minute = 1;
    let srv = start(c).await;
    let http = reqwest::Client::new();

    // An unknown language gets the default one, German.
    let a = answer(
        http.get(srv.url("/v1/nowhere"))
            .header(ACCEPT_LANGUAGE, "xx"),
    )
    .await;
    assert_eq!(a.status, 404, "{}", a.body);
    assert_eq!(a.language.as_deref(), Some("de"));
    assert_eq!(
        a.body["error"]["message"],
        expected("The requested URL was not found", "de")
    );

    // The address's one request of the minute, then 429s, each in the language asked for (the
    // default without a preference).
    let mut limited = false;
    for _ in 0..5 {
        let a = answer(http.get(srv.url("/v1/platform/businesses"))).await;
        if a.status == 429 {
            limited = true;
            break;
        }
        assert_eq!(a.status, 401, "{}", a.body);
    }
    assert!(limited, "the per-address quota of 1 a minute ran out");
    for lang in messages::LANGUAGES {
        let a = answer(
            http.get(srv.url("/v1/platform/businesses"))
                .header(ACCEPT_LANGUAGE, lang),
        )
        .await;
        assert_in(&a, 429, "RATE_LIMIT_EXCEEDED", "Rate limit exceeded", lang);
    }
    let a = answer(http.get(srv.url("/v1/platform/businesses"))).await;
    assert_in(&a, 429, "RATE_LIMIT_EXCEEDED", "Rate limit exceeded", "de");
    srv.stop().await;
}
