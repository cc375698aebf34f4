//! The error bodies of the major public APIs, as their documentation prints them
//! (`tests/fixtures/providers/`, see its README), decode into the typed error: code, message, request
//! id, field violations, retryability and retry delay.

use std::time::Duration;

use backstop::{ApiError, Code, Detected, Profile, Provider, decode_detailed};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("fixtures/providers/", $name, ".json")).as_slice()
    };
}

fn st(n: u16) -> StatusCode {
    StatusCode::from_u16(n).unwrap()
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    h
}

fn fields(e: &ApiError) -> Vec<(String, Vec<String>)> {
    e.details()
        .and_then(|d| d.fields())
        .map(|f| {
            f.iter()
                .map(|(k, v)| (k.to_owned(), v.iter().map(ToString::to_string).collect()))
                .collect()
        })
        .unwrap_or_default()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (f, m) in list {
        match out.iter_mut().find(|(k, _)| k == f) {
            Some((_, msgs)) => msgs.push((*m).to_owned()),
            None => out.push(((*f).to_owned(), vec![(*m).to_owned()])),
        }
    }
    out
}

// ---------------------------------------------------------------- Google AIP-193

#[test]
fn google_error_info_reason_is_the_code() {
    let (e, d) = decode_detailed(st(400), None, fixture!("google_api_key_invalid"));
    assert_eq!(d, Detected::Provider(Provider::Google));
    assert_eq!(e.code().name(), "API_KEY_INVALID");
    assert_eq!(e.status(), st(400));
    assert_eq!(
        e.message(),
        "API key not valid. Please pass a valid API key."
    );
    assert!(!e.is_retryable());
}

#[test]
fn google_resource_exhausted_is_retryable_and_keeps_its_reason() {
    let (e, d) = decode_detailed(st(429), None, fixture!("google_resource_exhausted"));
    assert_eq!(d, Detected::Provider(Provider::Google));
    assert_eq!(e.code().name(), "RESOURCE_AVAILABILITY");
    assert!(e.message().starts_with("The zone 'us-east1-a'"));
    assert!(e.is_retryable(), "429");
    assert_eq!(e.retry_after(), None, "no RetryInfo in this one");
}

#[test]
fn google_bad_request_field_violations_and_request_info() {
    let (e, d) = decode_detailed(
        st(400),
        None,
        fixture!("google_bad_request_retry_request_info"),
    );
    assert_eq!(d, Detected::Provider(Provider::Google));
    assert_eq!(
        e.code().name(),
        "INVALID_ARGUMENT",
        "no ErrorInfo: the status name"
    );
    assert_eq!(e.request_id(), Some("7e2c9a41-5d0f-4c1a-9a3b-2f1e8d6c4b20"));
    assert_eq!(
        fields(&e),
        pairs(&[
            ("book.title", "Title must not be empty."),
            (
                "book.authors[0].name",
                "Author name must be at most 100 characters."
            ),
        ])
    );
}

#[test]
fn google_retry_info_sets_the_retry_delay() {
    let (e, _) = decode_detailed(st(429), None, fixture!("google_quota_retry_info"));
    assert_eq!(e.code().name(), "RESOURCE_EXHAUSTED");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(38)));
    assert!(e.is_retryable());
}

// ---------------------------------------------------------------- Microsoft

#[test]
fn microsoft_target_and_innererror() {
    let (e, d) = decode_detailed(st(400), None, fixture!("microsoft_innererror"));
    assert_eq!(d, Detected::Provider(Provider::Microsoft));
    assert_eq!(e.code().name(), "BAD_ARGUMENT");
    assert_eq!(e.message(), "Previous passwords may not be reused");
    assert_eq!(
        fields(&e),
        pairs(&[("password", "Previous passwords may not be reused")])
    );
}

#[test]
fn microsoft_details_list_becomes_field_violations() {
    let h = headers(&[("x-ms-request-id", "3f2a7c1e-9b8d-4e6f-a5c4-1d2e3f4a5b6c")]);
    let (e, d) = decode_detailed(st(400), Some(&h), fixture!("microsoft_details"));
    assert_eq!(d, Detected::Provider(Provider::Microsoft));
    assert_eq!(e.code().name(), "BAD_ARGUMENT");
    assert_eq!(e.message(), "Multiple errors in ContactInfo data");
    assert_eq!(
        fields(&e),
        pairs(&[
            ("PhoneNumber", "Phone number must not be null"),
            ("LastName", "Last name must not be null"),
            ("Address", "Address is not valid"),
        ])
    );
    assert_eq!(e.request_id(), Some("3f2a7c1e-9b8d-4e6f-a5c4-1d2e3f4a5b6c"));
}

#[test]
fn microsoft_innererror_chain_is_kept_as_context() {
    let (e, d) = decode_detailed(st(503), None, fixture!("microsoft_innererror_no_target"));
    assert_eq!(d, Detected::Provider(Provider::Microsoft));
    assert_eq!(
        e.code().name(),
        "SERVICE_UNAVAILABLE",
        "the catalog's own code"
    );
    assert!(e.is_retryable());
    assert_eq!(
        e.details().unwrap().context().unwrap()["innererror"],
        serde_json::json!(["TooManyConcurrentRequests"])
    );
}

// ---------------------------------------------------------------- Stripe

#[test]
fn stripe_card_error_code_and_request_id() {
    let h = headers(&[("request-id", "req_Kb3nHtVUtJhPce")]);
    let (e, d) = decode_detailed(st(402), Some(&h), fixture!("stripe_card_declined"));
    assert_eq!(d, Detected::Provider(Provider::Stripe));
    assert_eq!(e.code().name(), "CARD_DECLINED");
    assert_eq!(e.status(), st(402));
    assert_eq!(e.message(), "Your card has insufficient funds.");
    assert_eq!(e.request_id(), Some("req_Kb3nHtVUtJhPce"));
    assert!(!e.is_retryable());
}

#[test]
fn stripe_param_is_the_field_and_the_log_url_gives_the_request_id() {
    let (e, d) = decode_detailed(st(400), None, fixture!("stripe_parameter_missing"));
    assert_eq!(d, Detected::Provider(Provider::Stripe));
    assert_eq!(e.code().name(), "PARAMETER_MISSING");
    assert_eq!(
        fields(&e),
        pairs(&[("amount", "Missing required param: amount.")])
    );
    assert_eq!(e.request_id(), Some("req_5cFhWhEpvDd8pX"));
}

#[test]
fn stripe_type_is_the_code_when_there_is_none_and_should_retry_false_wins() {
    let (e, _) = decode_detailed(st(500), None, fixture!("stripe_api_error"));
    assert_eq!(e.code().name(), "API_ERROR");
    assert!(e.is_retryable(), "a 500 with no signal");
    let h = headers(&[("stripe-should-retry", "false")]);
    let (e, _) = decode_detailed(st(500), Some(&h), fixture!("stripe_api_error"));
    assert!(!e.is_retryable(), "Stripe-Should-Retry: false always wins");
    let h = headers(&[("stripe-should-retry", "true")]);
    let (e, _) = decode_detailed(st(409), Some(&h), fixture!("stripe_api_error"));
    assert!(
        e.is_retryable(),
        "an explicit true on a 409 (Stripe's lock timeouts)"
    );
}

// ---------------------------------------------------------------- GitHub

#[test]
fn github_validation_failed() {
    let h = headers(&[("x-github-request-id", "CD36:3F1A:1E0D8B5:1F9B7C1:65A1B2C3")]);
    let (e, d) = decode_detailed(st(422), Some(&h), fixture!("github_validation_failed"));
    assert_eq!(d, Detected::Provider(Provider::GitHub));
    assert_eq!(e.code(), &Code::VALIDATION_ERROR, "from the status");
    assert_eq!(e.message(), "Validation Failed");
    assert_eq!(fields(&e), pairs(&[("title", "missing_field")]));
    assert_eq!(e.request_id(), Some("CD36:3F1A:1E0D8B5:1F9B7C1:65A1B2C3"));
}

#[test]
fn github_custom_error_without_a_field() {
    let (e, _) = decode_detailed(st(422), None, fixture!("github_custom_error"));
    assert_eq!(
        fields(&e),
        pairs(&[("", "A pull request already exists for octocat:new-feature.")])
    );
}

#[test]
fn github_not_found() {
    let (e, d) = decode_detailed(st(404), None, fixture!("github_not_found"));
    assert_eq!(d, Detected::Provider(Provider::GitHub));
    assert_eq!(e.code(), &Code::NOT_FOUND);
    assert_eq!(e.message(), "Not Found");
    assert!(e.details().is_none());
}

// ---------------------------------------------------------------- RFC 9457

#[test]
fn problem_with_extension_members() {
    let (e, d) = decode_detailed(st(403), None, fixture!("problem_out_of_credit"));
    assert_eq!(d, Detected::Profile(Profile::Problem));
    assert_eq!(
        e.code().name(),
        "OUT_OF_CREDIT",
        "the type URI's last segment"
    );
    assert_eq!(
        e.message(),
        "Your current balance is 30, but that costs 50."
    );
    let ctx = e.details().unwrap().context().unwrap();
    assert_eq!(ctx["balance"], 30);
    assert_eq!(
        ctx["accounts"],
        serde_json::json!(["/account/12345", "/account/67890"])
    );
    assert_eq!(ctx.len(), 2, "only the extension members: {ctx:?}");
}

#[test]
fn problem_errors_extension_becomes_field_violations() {
    let (e, d) = decode_detailed(st(422), None, fixture!("problem_validation_errors"));
    assert_eq!(d, Detected::Profile(Profile::Problem));
    assert_eq!(
        e.code().name(),
        "VALIDATION_ERROR",
        "the type's last segment is a catalog code"
    );
    assert_eq!(
        e.message(),
        "Your request is not valid.",
        "no detail: the title"
    );
    assert_eq!(
        fields(&e),
        pairs(&[
            ("age", "must be a positive integer"),
            ("profile.color", "must be 'green', 'red' or 'blue'"),
        ])
    );
}

#[test]
fn problem_without_extensions() {
    let h = headers(&[("retry-after", "120")]);
    let (e, d) = decode_detailed(st(503), Some(&h), fixture!("problem_about_blank"));
    assert_eq!(d, Detected::Profile(Profile::Problem));
    assert_eq!(
        e.code(),
        &Code::SERVICE_UNAVAILABLE,
        "about:blank: from the status"
    );
    assert_eq!(
        e.message(),
        "The service is down for maintenance until 10:00 UTC."
    );
    assert!(e.details().is_none());
    assert!(e.is_retryable());
    assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
}

#[test]
fn problem_from_aspnet_core_with_an_errors_map_and_trace_id() {
    let (e, _) = decode_detailed(st(400), None, fixture!("problem_aspnetcore_validation"));
    assert_eq!(
        e.code(),
        &Code::INVALID_REQUEST,
        "an RFC link is not a code"
    );
    assert_eq!(e.message(), "One or more validation errors occurred.");
    assert_eq!(
        fields(&e),
        pairs(&[
            ("Name", "The Name field is required."),
            ("Price", "The field Price must be between 0.01 and 1000."),
        ])
    );
    assert_eq!(
        e.request_id(),
        Some("00-84c1fd4063c38d9f3900d06e56542d48-85d1d4e0bf7a7c4e-00")
    );
}

// ---------------------------------------------------------------- FastAPI / pydantic

#[test]
fn fastapi_pydantic_v2_locations_become_paths() {
    let (e, d) = decode_detailed(st(422), None, fixture!("fastapi_validation_v2"));
    assert_eq!(d, Detected::Provider(Provider::FastApi));
    assert_eq!(e.code(), &Code::VALIDATION_ERROR);
    assert_eq!(
        fields(&e),
        pairs(&[
            (
                "item_id",
                "Input should be a valid integer, unable to parse string as an integer"
            ),
            ("items[2].price", "Field required"),
        ])
    );
    assert!(!e.is_retryable());
}

#[test]
fn fastapi_pydantic_v1() {
    let (e, _) = decode_detailed(st(422), None, fixture!("fastapi_validation_v1"));
    assert_eq!(
        fields(&e),
        pairs(&[("item_id", "value is not a valid integer")])
    );
}

#[test]
fn fastapi_http_exception_detail_is_the_message() {
    let (e, d) = decode_detailed(st(404), None, fixture!("fastapi_http_exception"));
    assert_eq!(d, Detected::Provider(Provider::FastApi));
    assert_eq!(e.code(), &Code::NOT_FOUND);
    assert_eq!(e.message(), "Item not found");
}

// ---------------------------------------------------------------- Django REST framework

#[test]
fn drf_field_map_with_nesting() {
    let (e, d) = decode_detailed(st(400), None, fixture!("drf_field_errors"));
    assert_eq!(d, Detected::Provider(Provider::DjangoRestFramework));
    assert_eq!(e.code(), &Code::VALIDATION_ERROR);
    assert_eq!(e.status(), st(400), "the status sent is kept");
    assert!(!e.is_retryable());
    let mut got = fields(&e);
    got.sort();
    let mut want = pairs(&[
        ("email", "Enter a valid email address."),
        ("created", "This field is required."),
        (
            "non_field_errors",
            "The fields start, finish must make a unique set.",
        ),
        ("address.city", "This field may not be blank."),
        (
            "items[1].quantity",
            "Ensure this value is greater than or equal to 1.",
        ),
    ]);
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn drf_throttled_detail_with_retry_after() {
    let h = headers(&[("retry-after", "56")]);
    let (e, _) = decode_detailed(st(429), Some(&h), fixture!("drf_throttled"));
    assert_eq!(e.code(), &Code::RATE_LIMIT_EXCEEDED);
    assert_eq!(
        e.message(),
        "Request was throttled. Expected available in 56 seconds."
    );
    assert_eq!(e.retry_after(), Some(Duration::from_secs(56)));
}

#[test]
fn an_object_with_anything_but_messages_is_not_a_field_map() {
    let (e, d) = decode_detailed(st(400), None, br#"{"email": ["bad"], "count": 3}"#);
    assert_eq!(d, Detected::UnknownJson);
    assert!(e.details().is_none());
}

// ---------------------------------------------------------------- Spring Boot

#[test]
fn spring_boot_default_body() {
    let (e, d) = decode_detailed(st(404), None, fixture!("spring_boot_not_found"));
    assert_eq!(d, Detected::Provider(Provider::SpringBoot));
    assert_eq!(e.code(), &Code::NOT_FOUND);
    assert_eq!(e.message(), "Not Found");
    assert_eq!(
        e.timestamp().map(backstop::format_timestamp).as_deref(),
        Some("2024-01-15T10:23:45.123Z")
    );
}

#[test]
fn spring_boot_binding_errors() {
    let (e, _) = decode_detailed(st(400), None, fixture!("spring_boot_binding_errors"));
    assert_eq!(e.code(), &Code::INVALID_REQUEST);
    assert_eq!(
        e.message(),
        "Validation failed for object='order'. Error count: 1"
    );
    assert_eq!(fields(&e), pairs(&[("name", "must not be blank")]));
}

#[test]
fn spring_boot_webflux_request_id() {
    let (e, _) = decode_detailed(st(500), None, fixture!("spring_boot_webflux"));
    assert_eq!(e.code(), &Code::INTERNAL_ERROR);
    assert_eq!(e.request_id(), Some("6a0c8a31-12"));
    assert!(e.is_retryable());
}

// ---------------------------------------------------------------- AWS JSON

#[test]
fn aws_type_is_sanitized_into_the_code() {
    let h = headers(&[(
        "x-amzn-requestid",
        "4KBNVRGD25RG4KEO9UT4V3FQDJVV4KQNSO5AEMVJF66Q9ASUAAJG",
    )]);
    let (e, d) = decode_detailed(st(400), Some(&h), fixture!("aws_dynamodb_not_found"));
    assert_eq!(d, Detected::Provider(Provider::AwsJson));
    assert_eq!(e.code().name(), "RESOURCE_NOT_FOUND_EXCEPTION");
    assert_eq!(
        e.message(),
        "Requested resource not found: Table: tablename not found"
    );
    assert_eq!(
        e.request_id(),
        Some("4KBNVRGD25RG4KEO9UT4V3FQDJVV4KQNSO5AEMVJF66Q9ASUAAJG")
    );
}

#[test]
fn aws_capitalised_message_and_unqualified_type() {
    let (e, _) = decode_detailed(st(400), None, fixture!("aws_conditional_check_failed"));
    assert_eq!(e.code().name(), "CONDITIONAL_CHECK_FAILED_EXCEPTION");
    assert_eq!(e.message(), "The conditional request failed");
    let (e, _) = decode_detailed(st(400), None, fixture!("aws_throttling"));
    assert_eq!(e.code().name(), "THROTTLING_EXCEPTION");
    assert_eq!(e.message(), "Rate exceeded");
}

#[test]
fn aws_rest_error_type_header() {
    let h = headers(&[(
        "x-amzn-errortype",
        "ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/",
    )]);
    let (e, d) = decode_detailed(
        st(400),
        Some(&h),
        br#"{"message":"1 validation error detected"}"#,
    );
    assert_eq!(d, Detected::Provider(Provider::AwsJson));
    assert_eq!(e.code().name(), "VALIDATION_EXCEPTION");
}

// ---------------------------------------------------------------- every fixture

#[test]
fn every_fixture_decodes_without_an_excerpt_and_at_its_status() {
    let all: [(&[u8], u16); 28] = [
        (fixture!("google_api_key_invalid"), 400),
        (fixture!("google_resource_exhausted"), 429),
        (fixture!("google_bad_request_retry_request_info"), 400),
        (fixture!("google_quota_retry_info"), 429),
        (fixture!("microsoft_innererror"), 400),
        (fixture!("microsoft_details"), 400),
        (fixture!("microsoft_innererror_no_target"), 503),
        (fixture!("stripe_card_declined"), 402),
        (fixture!("stripe_parameter_missing"), 400),
        (fixture!("stripe_api_error"), 500),
        (fixture!("github_validation_failed"), 422),
        (fixture!("github_custom_error"), 422),
        (fixture!("github_not_found"), 404),
        (fixture!("problem_out_of_credit"), 403),
        (fixture!("problem_validation_errors"), 422),
        (fixture!("problem_about_blank"), 503),
        (fixture!("problem_aspnetcore_validation"), 400),
        (fixture!("fastapi_validation_v2"), 422),
        (fixture!("fastapi_validation_v1"), 422),
        (fixture!("fastapi_http_exception"), 404),
        (fixture!("drf_field_errors"), 400),
        (fixture!("drf_throttled"), 429),
        (fixture!("spring_boot_not_found"), 404),
        (fixture!("spring_boot_binding_errors"), 400),
        (fixture!("spring_boot_webflux"), 500),
        (fixture!("aws_dynamodb_not_found"), 400),
        (fixture!("aws_conditional_check_failed"), 400),
        (fixture!("aws_throttling"), 400),
    ];
    for (body, status) in all {
        let (e, d) = decode_detailed(st(status), None, body);
        assert!(
            !matches!(
                d,
                Detected::UnknownJson | Detected::NotJson | Detected::Empty
            ),
            "{d:?} for {}",
            String::from_utf8_lossy(body)
        );
        assert_eq!(e.body_excerpt(), None);
        assert_eq!(e.status(), st(status));
        assert!(!e.message().is_empty());
    }
}

// ---------------------------------------------------------------- OAuth2 token endpoints (RFC 6749 §5.2)

#[test]
fn oauth2_error_is_the_code_and_error_description_the_message() {
    let (e, d) = decode_detailed(st(401), None, fixture!("oauth2_invalid_client"));
    assert_eq!(d, Detected::Provider(Provider::OAuth2));
    assert_eq!(e.code().name(), "INVALID_CLIENT");
    assert_eq!(e.message(), "The client credentials are invalid");
    assert!(!e.is_retryable());
}

#[test]
fn a_backstop_token_endpoint_error_keeps_the_contract_code_and_request_id() {
    let (e, d) = decode_detailed(st(400), None, fixture!("oauth2_backstop_token_endpoint"));
    assert_eq!(d, Detected::Provider(Provider::OAuth2));
    assert_eq!(e.code().name(), "SUSPENDED_ACCOUNT");
    assert_eq!(e.message(), "This account is suspended");
    assert_eq!(e.request_id(), Some("0193a4f2-7c1e-7d40-9a51-3f0c2b8e1d22"));
    assert!(!e.is_retryable());
}
