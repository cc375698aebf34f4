//! `/openapi.json` is generated from the Rust types: every request body and 2xx response names a
//! schema component with its required members, every error response lists its codes as an enum in
//! the running profile's envelope schema, every documented header is declared with its schema, and
//! every operation that needs credentials says which.

use backstop::Profile;
use backstop_app::api::openapi;
use serde_json::Value;

fn doc(profile: Profile) -> Value {
    serde_json::from_str(&openapi::document(profile, None)).unwrap()
}

fn component<'a>(doc: &'a Value, reference: &Value) -> &'a Value {
    let name = reference["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .unwrap_or_else(|| panic!("not a component reference: {reference}"));
    let schema = &doc["components"]["schemas"][name];
    assert!(schema.is_object(), "component {name} exists");
    schema
}

#[test]
fn bodies_and_successes_have_typed_schemas() {
    let doc = doc(Profile::Backstop);
    let mut bodies = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let what = format!("{method} {path}");
            if let Some(content) = op["requestBody"]["content"].as_object() {
                let schema = component(&doc, &content.values().next().unwrap()["schema"]);
                assert!(
                    !schema["required"].as_array().unwrap().is_empty(),
                    "{what}: the body's required members"
                );
                bodies += 1;
            }
            for (status, response) in op["responses"].as_object().unwrap() {
                assert_eq!(
                    response["headers"]["X-Request-Id"]["required"], true,
                    "{what} {status}: X-Request-Id"
                );
                let content = response["content"].as_object().unwrap();
                if status.starts_with('2') {
                    if let Some(json) = content.get("application/json")
                        && path != "/openapi.json"
                    {
                        let schema = component(&doc, &json["schema"]);
                        assert!(schema["properties"].is_object(), "{what} {status}");
                    }
                    continue;
                }
                let schema = &content["application/json"]["schema"];
                // A token endpoint's RFC 6749 error carries the contract's code at the top level
                // (docs/CONTRACT.md §7.4); its 405 is an envelope like any other.
                let oauth2 = path == "/v1/platform/oauth2/token/" && status != "405";
                let codes = if oauth2 {
                    &schema["properties"]["code"]["enum"]
                } else {
                    &schema["properties"]["error"]["properties"]["code"]["enum"]
                };
                let codes = codes
                    .as_array()
                    .unwrap_or_else(|| panic!("{what} {status}: codes as an enum"));
                assert!(!codes.is_empty());
                match status.as_str() {
                    "401" => assert_eq!(response["headers"]["WWW-Authenticate"]["required"], true),
                    "405" => assert_eq!(response["headers"]["Allow"]["required"], true),
                    "429" | "503" => {
                        assert_eq!(response["headers"]["Retry-After"]["required"], true)
                    }
                    _ => {}
                }
            }
            if path.starts_with("/v1/") {
                assert!(
                    op["security"].as_array().is_some_and(|s| !s.is_empty()),
                    "{what}: security"
                );
                let ok = &op["responses"]["200"]
                    .as_object()
                    .or(op["responses"]["201"].as_object())
                    .unwrap()["headers"];
                assert!(ok["RateLimit"]["schema"]["pattern"].is_string(), "{what}");
                assert!(
                    ok["RateLimit-Policy"]["schema"]["pattern"].is_string(),
                    "{what}"
                );
            }
        }
    }
    assert_eq!(bodies, 4, "token form, business, customer, invoice");
}

#[test]
fn bounds_enums_and_formats_are_declared() {
    let doc = doc(Profile::Backstop);
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["Currency"]["enum"],
        serde_json::json!(["GBP", "EUR", "USD"])
    );
    assert!(schemas["Country"]["enum"].as_array().unwrap().len() > 240);
    let invoice = &schemas["CreateInvoice"]["properties"];
    assert_eq!(invoice["due_date"]["format"], "date");
    assert_eq!(invoice["line_items"]["minItems"], 1);
    assert_eq!(invoice["line_items"]["maxItems"], 100);
    let line = &schemas["CreateLineItem"]["properties"];
    assert_eq!(line["quantity"]["minimum"], 1);
    assert_eq!(line["quantity"]["maximum"], 1_000_000);
    assert_eq!(
        schemas["CreateBusiness"]["properties"]["email"]["maxLength"],
        254
    );

    let list = &doc["paths"]["/v1/platform/businesses/"]["get"]["parameters"];
    let param = |name: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()["schema"]
            .clone()
    };
    assert_eq!(param("page")["minimum"], 1);
    assert_eq!(param("page_size")["minimum"], 1);
    assert_eq!(param("page_size")["maximum"], 100);

    let create = &doc["paths"]["/v1/platform/businesses/"]["post"]["parameters"];
    let key = create
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Idempotency-Key")
        .unwrap();
    assert_eq!(key["in"], "header");
    assert_eq!(key["schema"]["minLength"], 1);
    assert_eq!(key["schema"]["pattern"], openapi::IDEMPOTENCY_KEY_PATTERN);
}

#[test]
fn the_error_component_is_the_running_profile_s_envelope() {
    for profile in Profile::ALL {
        let doc = doc(profile);
        let mut expected = backstop::envelope_schema(profile);
        let expected = expected.as_object_mut().unwrap();
        for k in ["$schema", "$id", "title"] {
            expected.remove(k);
        }
        assert_eq!(
            &doc["components"]["schemas"]["Error"],
            &Value::Object(expected.clone()),
            "{profile:?}"
        );
        let not_found = &doc["paths"]["/v1/platform/businesses/{business_id}/invoices/{invoice_id}/"]
            ["get"]["responses"]["404"]["content"];
        assert!(
            not_found[profile.content_type()].is_object(),
            "{profile:?} errors are {}",
            profile.content_type()
        );
    }
    let flat = doc(Profile::Flat);
    let responses = &flat["paths"]["/v1/platform/businesses/"]["post"]["responses"];
    let codes = |status: &str| {
        responses[status]["content"]["application/json"]["schema"]["properties"]["error_code"]["enum"]
            .as_array()
            .unwrap()
            .clone()
    };
    let validation = Value::from("validation_error");
    assert!(
        codes("400").contains(&validation),
        "flat answers validation with 400"
    );
    assert!(!codes("422").contains(&validation));
    assert!(codes("422").contains(&Value::from("idempotency_key_mismatch")));
}
