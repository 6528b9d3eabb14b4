//! A 2xx that an operation documents as an error row (202 USERPAYING of 付款码支付) is returned as
//! that error once verified; without such a row a 2xx stays a success.

mod support;

use serde_json::Value;
use std::time::Duration;
use support::{PUBLIC_KEY_ID, Reply, Server, Signing, fixture, merchant_config};

use wechatpay_apiv3_runtime::client::{AnyErrorCode, Client, Error, RetryPolicy, TrustError};
use wechatpay_apiv3_runtime::decode::{self, DecodeError};
use wechatpay_apiv3_runtime::{
    BuildError, ErrorDoc, Operation, OperationMeta, RequestBody, ResponseKind,
};

const USER_PAYING: &str = r#"{"code":"USERPAYING","message":"需要用户输入支付密码"}"#;

/// A charge, with or without the documented 202 row.
struct Charge<const DOCUMENTED: bool>;

impl<const DOCUMENTED: bool> Operation for Charge<DOCUMENTED> {
    type Body = ();
    type Response = Value;
    type ErrorCode = AnyErrorCode;
    const META: OperationMeta = OperationMeta {
        id: "test.charge",
        summary: "charge",
        method: http::Method::POST,
        path_template: "/v3/test/charge",
        doc_url: "https://example.com",
        callers: &[],
        idempotency_keys: &[],
        retry_safe: true,
        rate_limit: None,
        success_status: 200,
        response: ResponseKind::Json,
        has_sensitive_fields: false,
        errors: if DOCUMENTED {
            &[ErrorDoc::new(
                202,
                "USERPAYING",
                "paying",
                "query, then reverse",
                false,
            )]
        } else {
            &[]
        },
    };
    fn path(&self) -> String {
        "/v3/test/charge".into()
    }
    fn body(&self) -> RequestBody<'_, ()> {
        RequestBody::None
    }
    fn validate(&self) -> Result<(), BuildError> {
        Ok(())
    }
    fn decode_response(body: &[u8]) -> Result<Value, DecodeError> {
        decode::json(body)
    }
}

fn client(url: &str) -> Client {
    // Retries allowed, so that "not retried" is the error row's doing.
    let config = merchant_config(url)
        .wechatpay_public_key(PUBLIC_KEY_ID, &fixture("java_wechatpay_public_key.pem"))
        .retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
        })
        .build()
        .expect("config");
    Client::new(config).expect("client")
}

#[tokio::test]
async fn a_documented_202_is_its_error_after_verification_and_is_not_retried() {
    let server = Server::start(vec![Reply::json(202, USER_PAYING)]).await;
    let err = client(&server.url())
        .execute(Charge::<true>)
        .await
        .expect_err("an error answer");
    let Error::Api(api) = &err else {
        panic!("expected the API error, got {err:?}");
    };
    assert_eq!((api.status, api.code.0.as_str()), (202, "USERPAYING"));
    assert_eq!(api.message, "需要用户输入支付密码");
    assert_eq!(
        server.seen().len(),
        1,
        "retry: false, though the call is retry-safe"
    );

    let forged = Server::start(vec![
        Reply::json(202, USER_PAYING).signed(Signing::TamperBody),
    ])
    .await;
    let err = client(&forged.url())
        .execute(Charge::<true>)
        .await
        .expect_err("tampered");
    assert!(
        matches!(err, Error::Untrusted(TrustError::BadSignature)),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_undocumented_2xx_stays_a_success() {
    let server = Server::start(vec![Reply::json(202, r#"{"accepted":true}"#)]).await;
    let value = client(&server.url())
        .execute(Charge::<false>)
        .await
        .expect("a success");
    assert_eq!(value["accepted"], true);
}
