//! Errors encoded in every wire profile come back as `Error::Api` with code, status and request id.
mod common;

use backstop::{ApiError, Code, Profile};
use backstop_client::{Client, Error};
use common::{Reply, serve};

#[tokio::test]
async fn each_profile_round_trips() {
    for profile in Profile::ALL {
        for error in [
            ApiError::not_found("invoice", "inv_9"),
            ApiError::validation().with_field("email", "Enter a valid email address."),
            ApiError::new(Code::PERMISSION_DENIED),
        ] {
            let error = error.with_request_id("req-0193a4f2.7c1e:7d40");
            let server = serve(vec![Reply::encoded(&error, profile)]).await;

            let err = Client::new()
                .get(server.url("/x"))
                .send()
                .await
                .unwrap_err();

            assert_eq!(
                err.request_id(),
                Some("req-0193a4f2.7c1e:7d40"),
                "{profile:?}"
            );
            assert_eq!(
                err.status(),
                Some(profile.status_for(&error)),
                "{profile:?}"
            );
            match &err {
                Error::Api {
                    error: decoded,
                    attempts: 1,
                    ..
                } => {
                    assert_eq!(decoded.code(), error.code(), "{profile:?}");
                }
                other => panic!("{profile:?}: {other:?}"),
            }
            assert!(!err.is_transport());
        }
    }
}

#[tokio::test]
async fn the_request_id_header_is_used_when_the_body_has_none() {
    let server = serve(vec![
        Reply::status(500)
            .header("x-request-id", "hdr-1")
            .body("<html>oops</html>"),
    ])
    .await;
    let err = Client::builder()
        .max_attempts(1)
        .build()
        .get(server.url("/"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.request_id(), Some("hdr-1"));
    assert_eq!(err.api_error().unwrap().code(), &Code::INTERNAL_ERROR);
}
