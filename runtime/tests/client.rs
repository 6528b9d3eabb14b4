//! The client against a real HTTP server on 127.0.0.1: one asserted test per case of the
//! runtime issue. Timeouts and backoffs are milliseconds; every loop is bounded.
#![cfg(feature = "client")]

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{
    APIV3_KEY, MCHID, MERCHANT_SERIAL, PUBLIC_KEY_ID, Reply, Server, Signing, TransactionEvent,
    callback, fixture,
};
use wechatpay_apiv3_runtime::client::{
    AnyErrorCode, Client, Config, Error, MerchantKey, PlatformCertificate, RetryPolicy, Timeouts,
    TrustError,
};
use wechatpay_apiv3_runtime::decode::{self, DecodeError};
use wechatpay_apiv3_runtime::{
    BuildError, ErrorDoc, Operation, OperationMeta, RequestBody, ResponseKind, UploadFile,
};

/// A POST operation, retry-safe or not.
struct Post<const SAFE: bool>(Value);

impl<const SAFE: bool> Operation for Post<SAFE> {
    type Body = Value;
    type Response = Value;
    type ErrorCode = AnyErrorCode;
    const META: OperationMeta = OperationMeta {
        id: "test.post",
        summary: "test",
        method: http::Method::POST,
        path_template: "/v3/test/items",
        doc_url: "https://example.com",
        callers: &[],
        idempotency_keys: &["out_request_no"],
        retry_safe: SAFE,
        rate_limit: Some(wechatpay_apiv3_runtime::RateLimit {
            requests: 2,
            per_seconds: 1,
        }),
        success_status: 200,
        response: ResponseKind::Json,
        has_sensitive_fields: false,
        // Documented rows decide retries before the status does (busifavor's use answers
        // `400 SYSTEM_ERROR`, documented as worth retrying).
        errors: &[
            ErrorDoc::new(400, "PARAM_ERROR", "Bad.", "Fix.", false),
            ErrorDoc::new(400, "SYSTEM_ERROR", "Busy.", "Retry.", true),
            ErrorDoc::new(500, "ORDER_PAID", "Paid already.", "Query it.", false),
        ],
    };
    fn path(&self) -> String {
        "/v3/test/items".into()
    }
    fn body(&self) -> RequestBody<'_, Value> {
        RequestBody::Json(&self.0)
    }
    fn validate(&self) -> Result<(), BuildError> {
        Ok(())
    }
    fn decode_response(body: &[u8]) -> Result<Value, DecodeError> {
        decode::json(body)
    }
}

/// A multipart upload.
struct Upload(UploadFile);

impl Operation for Upload {
    type Body = ();
    type Response = Value;
    type ErrorCode = AnyErrorCode;
    const META: OperationMeta = OperationMeta {
        id: "test.upload",
        summary: "upload",
        method: http::Method::POST,
        path_template: "/v3/test/upload",
        doc_url: "https://example.com",
        callers: &[],
        idempotency_keys: &[],
        retry_safe: false,
        rate_limit: None,
        success_status: 200,
        response: ResponseKind::Json,
        has_sensitive_fields: false,
        errors: &[],
    };
    fn path(&self) -> String {
        "/v3/test/upload".into()
    }
    fn body(&self) -> RequestBody<'_, ()> {
        RequestBody::Multipart(&self.0)
    }
    fn validate(&self) -> Result<(), BuildError> {
        Ok(())
    }
    fn decode_response(body: &[u8]) -> Result<Value, DecodeError> {
        decode::json(body)
    }
}

fn body() -> Value {
    json!({ "out_request_no": "REQ_000001", "amount": 100 })
}

fn quick() -> (Timeouts, RetryPolicy) {
    (
        Timeouts {
            connect: Duration::from_millis(500),
            attempt: Duration::from_millis(800),
            total: Duration::from_secs(5),
        },
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(100),
        },
    )
}

fn public_key_client(url: &str) -> Client {
    let (timeouts, retry) = quick();
    let key =
        MerchantKey::from_pem(&fixture("java_merchant_private_key.pem")).expect("merchant key");
    let config = Config::builder(MCHID, MERCHANT_SERIAL, key)
        .wechatpay_public_key(PUBLIC_KEY_ID, &fixture("java_wechatpay_public_key.pem"))
        .apiv3_key(APIV3_KEY)
        .base_url(url)
        .backup_url(None)
        .timeouts(timeouts)
        .retry(retry)
        .build()
        .expect("config");
    Client::new(config).expect("client")
}

fn untrusted(result: Result<Value, Error<AnyErrorCode>>) -> TrustError {
    match result {
        Err(Error::Untrusted(e)) => e,
        other => panic!("expected an untrusted response, got {other:?}"),
    }
}

#[tokio::test]
async fn a_valid_response_is_verified_and_decoded() {
    let server = Server::start(vec![Reply::json(200, r#"{"id":"1"}"#)]).await;
    let answer = public_key_client(&server.url())
        .execute(Post::<true>(body()))
        .await
        .expect("succeeds");
    assert_eq!(answer, json!({ "id": "1" }));
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert!(
        seen[0].authorization_valid,
        "the server's own check accepts our signature"
    );
    assert_eq!(seen[0].wechatpay_serial.as_deref(), Some(PUBLIC_KEY_ID));
    assert_eq!(
        serde_json::from_slice::<Value>(&seen[0].body).expect("json"),
        body()
    );
}

#[tokio::test]
async fn a_tampered_body_is_rejected() {
    let server = Server::start(vec![
        Reply::json(200, r#"{"id":"1"}"#).signed(Signing::TamperBody),
    ])
    .await;
    let e = untrusted(
        public_key_client(&server.url())
            .execute(Post::<false>(body()))
            .await,
    );
    assert_eq!(e, TrustError::BadSignature);
}

#[tokio::test]
async fn a_signature_probe_is_rejected_with_its_own_error() {
    let server = Server::start(vec![
        Reply::json(200, r#"{"id":"1"}"#).signed(Signing::Probe),
    ])
    .await;
    let e = untrusted(
        public_key_client(&server.url())
            .execute(Post::<false>(body()))
            .await,
    );
    assert_eq!(e, TrustError::SignatureProbe);
}

#[tokio::test]
async fn stale_and_future_timestamps_are_rejected() {
    for skew in [-400, 400] {
        let server = Server::start(vec![
            Reply::json(200, r#"{"id":"1"}"#).signed(Signing::Skew(skew)),
        ])
        .await;
        let e = untrusted(
            public_key_client(&server.url())
                .execute(Post::<false>(body()))
                .await,
        );
        assert!(
            matches!(e, TrustError::TimestampOutOfWindow { skew_secs } if skew_secs.signum() == -skew.signum()),
            "{e:?}"
        );
    }
    let server = Server::start(vec![
        Reply::json(200, r#"{"id":"1"}"#).signed(Signing::Skew(-200)),
    ])
    .await;
    assert!(
        public_key_client(&server.url())
            .execute(Post::<false>(body()))
            .await
            .is_ok(),
        "200 s is within the window"
    );
}

#[tokio::test]
async fn a_missing_signature_header_is_rejected() {
    let server = Server::start(vec![
        Reply::json(200, r#"{"id":"1"}"#).signed(Signing::MissingSignature),
    ])
    .await;
    let e = untrusted(
        public_key_client(&server.url())
            .execute(Post::<false>(body()))
            .await,
    );
    assert_eq!(e, TrustError::MissingHeader("Wechatpay-Signature"));
}

#[tokio::test]
async fn an_unknown_serial_is_rejected_in_public_key_mode() {
    let server = Server::start(vec![
        Reply::json(200, r#"{"id":"1"}"#).signed(Signing::As("PUB_KEY_ID_SOMEONE_ELSE".into())),
    ])
    .await;
    let e = untrusted(
        public_key_client(&server.url())
            .execute(Post::<false>(body()))
            .await,
    );
    assert_eq!(
        e,
        TrustError::UnknownSerial("PUB_KEY_ID_SOMEONE_ELSE".into())
    );
    assert_eq!(server.seen().len(), 1, "public-key mode downloads nothing");
}

#[tokio::test]
async fn certificate_mode_downloads_the_certificates_once() {
    let cert_pem = fixture("platform_old_certificate.pem");
    let serial = PlatformCertificate::from_pem(&cert_pem)
        .expect("cert")
        .serial;
    let key = wechatpay_apiv3_runtime::client::ApiV3Key::new(APIV3_KEY).expect("key");
    let nonce = "0123456789ab";
    let ciphertext = key.encrypt(nonce, "certificate", &cert_pem).expect("seal");
    let list = json!({ "data": [{
        "serial_no": serial, "effective_time": "2021-01-01T00:00:00+08:00", "expire_time": "2031-01-01T00:00:00+08:00",
        "encrypt_certificate": { "algorithm": "AEAD_AES_256_GCM", "associated_data": "certificate", "nonce": nonce, "ciphertext": ciphertext }
    }]});
    // In certificate mode the first call fetches the certificates before anything else.
    let server = Server::start(vec![
        Reply::json(200, &list.to_string()).signed(Signing::As(serial.clone())),
        Reply::json(200, r#"{"id":"1"}"#).signed(Signing::As(serial.clone())),
        Reply::json(200, r#"{"id":"2"}"#).signed(Signing::As(serial.clone())),
    ])
    .await;
    let (timeouts, retry) = quick();
    let merchant =
        MerchantKey::from_pem(&fixture("java_merchant_private_key.pem")).expect("merchant key");
    let config = wechatpay_apiv3::config(MCHID, MERCHANT_SERIAL, merchant)
        .apiv3_key(APIV3_KEY)
        .base_url(server.url())
        .backup_url(None)
        .timeouts(timeouts)
        .retry(retry)
        .build()
        .expect("config");
    let client = Client::new(config).expect("client");
    assert_eq!(
        client
            .execute(Post::<false>(body()))
            .await
            .expect("verified after download"),
        json!({ "id": "1" })
    );
    assert_eq!(
        client
            .execute(Post::<false>(body()))
            .await
            .expect("known now"),
        json!({ "id": "2" })
    );
    let paths: Vec<String> = server
        .seen()
        .iter()
        .map(|s| s.path_and_query.clone())
        .collect();
    assert_eq!(
        paths,
        ["/v3/certificates", "/v3/test/items", "/v3/test/items"]
    );

    // A platform certificate given in advance needs no download.
    let server = Server::start(vec![
        Reply::json(200, r#"{"id":"3"}"#).signed(Signing::As(serial)),
    ])
    .await;
    let merchant =
        MerchantKey::from_pem(&fixture("java_merchant_private_key.pem")).expect("merchant key");
    let config = Config::builder(MCHID, MERCHANT_SERIAL, merchant)
        .platform_certificate(&cert_pem)
        .base_url(server.url())
        .build()
        .expect("config");
    assert!(
        Client::new(config)
            .expect("client")
            .execute(Post::<false>(body()))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_signed_body_that_is_not_json_is_kept_whole_in_the_error() {
    let server = Server::start(vec![Reply::json(200, "<html>gateway</html>")]).await;
    match public_key_client(&server.url())
        .execute(Post::<false>(body()))
        .await
    {
        Err(Error::Undecodable(e)) => assert_eq!(e.body(), b"<html>gateway</html>", "{e}"),
        other => panic!("expected an undecodable answer, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unsigned_4xx_is_an_api_error_with_the_request_id() {
    let server = Server::start(vec![Reply::error(400, "PARAM_ERROR")]).await;
    match public_key_client(&server.url())
        .execute(Post::<true>(body()))
        .await
    {
        Err(Error::Api(e)) => {
            assert_eq!((e.status, e.code.0.as_str()), (400, "PARAM_ERROR"));
            assert_eq!(
                e.request_id.as_deref(),
                Some("08F0D3E2C70610BA0318B0E3F82F2088ACD71F")
            );
        }
        other => panic!("expected an API error, got {other:?}"),
    }
    assert_eq!(server.seen().len(), 1, "a 400 is never retried");
}

#[tokio::test]
async fn a_5xx_is_retried_with_the_same_body_and_a_new_signature() {
    let server = Server::start(vec![
        Reply::error(500, "SYSTEM_ERROR"),
        Reply::json(200, r#"{"id":"1"}"#),
    ])
    .await;
    let answer = public_key_client(&server.url())
        .execute(Post::<true>(body()))
        .await
        .expect("second attempt succeeds");
    assert_eq!(answer, json!({ "id": "1" }));
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0].body, seen[1].body,
        "same body, same idempotency key"
    );
    assert_ne!(seen[0].nonce, seen[1].nonce, "signed anew");
    assert!(seen.iter().all(|s| s.authorization_valid));
}

#[tokio::test]
async fn a_429_is_retried_after_a_backoff() {
    let server = Server::start(vec![
        Reply::error(429, "RATELIMIT_EXCEEDED"),
        Reply::error(429, "RATELIMIT_EXCEEDED"),
        Reply::json(200, "{}"),
    ])
    .await;
    let started = Instant::now();
    assert!(
        public_key_client(&server.url())
            .execute(Post::<true>(body()))
            .await
            .is_ok()
    );
    assert_eq!(server.seen().len(), 3);
    assert!(
        started.elapsed() >= Duration::from_millis(20),
        "backed off between attempts"
    );
}

/// The operation's documented row decides before the status: `400 SYSTEM_ERROR, retry: true` is
/// retried, `500 ORDER_PAID, retry: false` is not; neither makes an unsafe operation repeatable.
#[tokio::test]
async fn documented_rows_decide_retries_before_the_status() {
    for (status, code, safe, attempts) in [
        (400, "SYSTEM_ERROR", true, 2),
        (500, "ORDER_PAID", true, 1),
        (400, "SYSTEM_ERROR", false, 1),
    ] {
        let server = Server::start(vec![Reply::error(status, code), Reply::json(200, "{}")]).await;
        let client = public_key_client(&server.url());
        let result = if safe {
            client.execute(Post::<true>(body())).await
        } else {
            client.execute(Post::<false>(body())).await
        };
        let case = format!("{status} {code}, retry-safe {safe}: {result:?}");
        assert_eq!(server.seen().len(), attempts, "{case}");
        match result {
            Ok(_) => assert_eq!(attempts, 2, "{case}"),
            Err(Error::Api(e)) => assert_eq!((e.status, attempts), (status, 1), "{case}"),
            Err(_) => panic!("{case}"),
        }
    }
}

#[tokio::test]
async fn a_non_idempotent_operation_is_not_retried() {
    let server = Server::start(vec![
        Reply::error(500, "SYSTEM_ERROR"),
        Reply::json(200, "{}"),
    ])
    .await;
    let result = public_key_client(&server.url())
        .execute(Post::<false>(body()))
        .await;
    assert!(
        matches!(result, Err(Error::Api(ref e)) if e.status == 500),
        "{result:?}"
    );
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn the_backup_host_is_used_when_the_primary_cannot_be_reached() {
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    }; // closed again: connections are refused
    let backup = Server::start(vec![Reply::json(200, r#"{"id":"backup"}"#)]).await;
    let (timeouts, retry) = quick();
    let key =
        MerchantKey::from_pem(&fixture("java_merchant_private_key.pem")).expect("merchant key");
    let config = Config::builder(MCHID, MERCHANT_SERIAL, key)
        .wechatpay_public_key(PUBLIC_KEY_ID, &fixture("java_wechatpay_public_key.pem"))
        .base_url(format!("http://{dead}"))
        .backup_url(Some(backup.url()))
        .timeouts(timeouts)
        .retry(retry)
        .build()
        .expect("config");
    let answer = Client::new(config)
        .expect("client")
        .execute(Post::<false>(body()))
        .await
        .expect("backup answers");
    assert_eq!(answer, json!({ "id": "backup" }));
    assert_eq!(
        backup.seen().len(),
        1,
        "even a non-idempotent call fails over when nothing was sent"
    );
}

#[tokio::test]
async fn a_slow_answer_times_out() {
    let server = Server::start(vec![
        // Far longer than the 800 ms attempt timeout, so a loaded machine cannot blur the two.
        Reply::json(200, "{}").delayed(Duration::from_secs(10)),
    ])
    .await;
    let started = Instant::now();
    let result = public_key_client(&server.url())
        .execute(Post::<false>(body()))
        .await;
    assert!(matches!(result, Err(Error::Timeout(_))), "{result:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "gave up long before the answer"
    );
}

#[tokio::test]
async fn uploads_sign_only_the_meta_part() {
    let server = Server::start(vec![Reply::json(200, r#"{"media_id":"m1"}"#)]).await;
    let file = UploadFile::new("logo.png", vec![1, 2, 3, 4]);
    let answer = public_key_client(&server.url())
        .execute(Upload(file))
        .await
        .expect("uploads");
    assert_eq!(answer["media_id"], "m1");
    let seen = server.seen();
    assert!(
        seen[0].authorization_valid,
        "signature over the meta JSON verifies"
    );
    let text = String::from_utf8_lossy(&seen[0].body);
    assert!(text.contains(r#"{"filename":"logo.png","sha256":"9f64a747e1b97f131fabb6b447296c9b6f0201e79fb3c5356e6c77e89b6a806a"}"#), "{text}");
}

#[tokio::test]
async fn untyped_calls_are_signed_and_verified() {
    let server = Server::start(vec![
        Reply::json(200, r#"{"ok":true}"#),
        Reply::json(200, "{}").signed(Signing::TamperBody),
    ])
    .await;
    let client = public_key_client(&server.url());
    let answer = client
        .call_json(http::Method::GET, "/v3/anything?x=1", None, true)
        .await
        .expect("works");
    assert_eq!(answer, json!({ "ok": true }));
    assert!(server.seen()[0].authorization_valid);
    assert!(matches!(
        client
            .call_json(http::Method::GET, "/v3/anything", None, true)
            .await,
        Err(Error::Untrusted(_))
    ));
}

#[tokio::test]
async fn the_limiter_queues_a_burst_within_the_documented_rate() {
    let server = Server::start(vec![Reply::json(200, "{}")]).await;
    let (timeouts, retry) = quick();
    let key =
        MerchantKey::from_pem(&fixture("java_merchant_private_key.pem")).expect("merchant key");
    let config = Config::builder(MCHID, MERCHANT_SERIAL, key)
        .wechatpay_public_key(PUBLIC_KEY_ID, &fixture("java_wechatpay_public_key.pem"))
        .base_url(server.url())
        .timeouts(timeouts)
        .retry(retry)
        .rate_limit(true)
        .build()
        .expect("config");
    let client = Client::new(config).expect("client");
    let started = Instant::now();
    for _ in 0..3 {
        client.execute(Post::<true>(body())).await.expect("ok");
    }
    // 2 per second: the third call waits about half a second.
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn notifications_are_verified_decrypted_and_typed() {
    let client = public_key_client("http://127.0.0.1:9");
    let resource = r#"{"out_trade_no":"1217752501201407033233368018","trade_state":"SUCCESS"}"#;
    let (headers, body) = callback("TRANSACTION.SUCCESS", resource, false);
    let n = client
        .parse_notification::<TransactionEvent>(&headers, &body)
        .await
        .expect("valid callback");
    assert_eq!(
        n.event,
        TransactionEvent {
            out_trade_no: "1217752501201407033233368018".into(),
            trade_state: "SUCCESS".into()
        }
    );
    assert_eq!(n.event_type, "TRANSACTION.SUCCESS");

    let (headers, body) = callback("TRANSACTION.SUCCESS", resource, true);
    let err = client
        .parse_notification::<TransactionEvent>(&headers, &body)
        .await
        .expect_err("tampered");
    assert_eq!(err.status(), 401);
    assert!(err.response_body().contains("\"code\":\"FAIL\""));

    let (headers, body) = callback("REFUND.SUCCESS", resource, false);
    let err = client
        .parse_notification::<TransactionEvent>(&headers, &body)
        .await
        .expect_err("other event");
    assert!(
        matches!(err, wechatpay_apiv3_runtime::client::NotifyError::UnexpectedEvent(ref e) if e == "REFUND.SUCCESS")
    );

    let (headers, body) = callback("TRANSACTION.SUCCESS", r#"{"secret_card_no":"6222"}"#, false);
    let err = client
        .parse_notification::<TransactionEvent>(&headers, &body)
        .await
        .expect_err("wrong shape");
    assert!(
        !err.to_string().contains("6222"),
        "decrypted data never appears in errors: {err}"
    );
}

/// An operation with a sensitive field, encrypted by the client.
struct Sensitive(Value);

impl Operation for Sensitive {
    type Body = Value;
    type Response = Value;
    type ErrorCode = AnyErrorCode;
    const META: OperationMeta = OperationMeta {
        id: "test.sensitive",
        summary: "sensitive",
        method: http::Method::POST,
        path_template: "/v3/test/sensitive",
        doc_url: "https://example.com",
        callers: &[],
        idempotency_keys: &[],
        retry_safe: false,
        rate_limit: None,
        success_status: 200,
        response: ResponseKind::Json,
        has_sensitive_fields: true,
        errors: &[],
    };
    fn path(&self) -> String {
        "/v3/test/sensitive".into()
    }
    fn body(&self) -> RequestBody<'_, Value> {
        RequestBody::Json(&self.0)
    }
    fn validate(&self) -> Result<(), BuildError> {
        Ok(())
    }
    fn encrypt_sensitive(
        &mut self,
        encrypt: &mut wechatpay_apiv3_runtime::EncryptField<'_>,
    ) -> Result<(), wechatpay_apiv3_runtime::SensitiveFieldError> {
        let mut name = self.0["user_name"].as_str().unwrap_or_default().to_string();
        encrypt("user_name", &mut name)?;
        self.0["user_name"] = Value::String(name);
        Ok(())
    }
    fn decode_response(body: &[u8]) -> Result<Value, DecodeError> {
        decode::json(body)
    }
}

#[tokio::test]
async fn sensitive_fields_are_encrypted_with_the_key_wechatpay_serial_names() {
    use aws_lc_rs::rsa::{OAEP_SHA1_MGF1SHA1, OaepPrivateDecryptingKey, PrivateDecryptingKey};
    use base64::Engine as _;
    use rustls_pki_types::PrivatePkcs8KeyDer;
    use rustls_pki_types::pem::PemObject;

    let server = Server::start(vec![Reply::json(200, "{}")]).await;
    public_key_client(&server.url())
        .execute(Sensitive(json!({ "user_name": "张三" })))
        .await
        .expect("sent");
    let seen = &server.seen()[0];
    assert_eq!(seen.wechatpay_serial.as_deref(), Some(PUBLIC_KEY_ID));
    let sent: Value = serde_json::from_slice(&seen.body).expect("json");
    let ciphertext = sent["user_name"].as_str().expect("encrypted text");
    assert_ne!(ciphertext, "张三");
    // WeChat Pay's side decrypts it with the platform private key.
    let der = PrivatePkcs8KeyDer::from_pem_slice(&fixture("java_wechatpay_private_key.pem"))
        .expect("key");
    let key = OaepPrivateDecryptingKey::new(
        PrivateDecryptingKey::from_pkcs8(der.secret_pkcs8_der()).expect("key"),
    )
    .expect("oaep");
    let ct = base64::engine::general_purpose::STANDARD
        .decode(ciphertext)
        .expect("base64");
    let mut out = vec![0; key.min_output_size()];
    assert_eq!(
        key.decrypt(&OAEP_SHA1_MGF1SHA1, &ct, &mut out, None)
            .expect("decrypts"),
        "张三".as_bytes()
    );
}

/// The bill download: unsigned bytes.
struct Download;

impl Operation for Download {
    type Body = ();
    type Response = Vec<u8>;
    type ErrorCode = AnyErrorCode;
    const META: OperationMeta = OperationMeta {
        id: "test.download",
        summary: "download",
        method: http::Method::GET,
        path_template: "/v3/billdownload/file",
        doc_url: "https://example.com",
        callers: &[],
        idempotency_keys: &[],
        retry_safe: true,
        rate_limit: None,
        success_status: 200,
        response: ResponseKind::Download,
        has_sensitive_fields: false,
        errors: &[],
    };
    fn path(&self) -> String {
        "/v3/billdownload/file?token=t".into()
    }
    fn body(&self) -> RequestBody<'_, ()> {
        RequestBody::None
    }
    fn validate(&self) -> Result<(), BuildError> {
        Ok(())
    }
    fn decode_response(body: &[u8]) -> Result<Vec<u8>, DecodeError> {
        decode::bytes(body)
    }
}

#[tokio::test]
async fn bill_downloads_are_checked_against_the_signed_hash() {
    use std::io::Write as _;
    let bill = "交易时间,公众账号ID\n`2025-08-03 12:00:00,`wx1\n".as_bytes();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bill).expect("gzip");
    let gzipped = gz.finish().expect("gzip");
    let sha1 = wechatpay_apiv3_runtime::client::crypto::sha1_hex(bill);
    let unsigned = |body: &[u8]| Reply {
        status: 200,
        body: body.to_vec(),
        signing: Signing::None,
        delay: Duration::ZERO,
    };
    let server = Server::start(vec![unsigned(&gzipped), unsigned(bill)]).await;
    let client = public_key_client(&server.url());
    assert_eq!(
        client
            .download_verified(Download, "SHA1", &sha1.to_uppercase())
            .await
            .expect("gzip verified"),
        bill
    );
    match client
        .download_verified(Download, "SHA1", "0000000000000000000000000000000000000000")
        .await
    {
        Err(Error::Untrusted(TrustError::HashMismatch { actual, .. })) => assert_eq!(actual, sha1),
        other => panic!("expected a hash mismatch, got {other:?}"),
    }
}

#[tokio::test]
async fn pkcs1_keys_load_and_sign_like_pkcs8() {
    let pkcs1 = MerchantKey::from_pem(&fixture("java_merchant_private_key_pkcs1.pem"))
        .expect("PKCS#1 loads");
    let pkcs8 =
        MerchantKey::from_pem(&fixture("java_merchant_private_key.pem")).expect("PKCS#8 loads");
    assert_eq!(
        pkcs1.sign(b"message").expect("signs"),
        pkcs8.sign(b"message").expect("signs")
    );
    assert!(
        MerchantKey::from_pem(b"not a key").is_err_and(|e| e.0.contains("no PKCS#8 or PKCS#1"))
    );
}

#[tokio::test]
async fn during_a_migration_both_key_kinds_verify_by_serial() {
    let cert_pem = fixture("platform_old_certificate.pem");
    let serial = PlatformCertificate::from_pem(&cert_pem)
        .expect("cert")
        .serial;
    let server = Server::start(vec![
        Reply::json(200, r#"{"by":"public key"}"#),
        Reply::json(200, r#"{"by":"certificate"}"#).signed(Signing::As(serial)),
    ])
    .await;
    let key =
        MerchantKey::from_pem(&fixture("java_merchant_private_key.pem")).expect("merchant key");
    let config = Config::builder(MCHID, MERCHANT_SERIAL, key)
        .wechatpay_public_key(PUBLIC_KEY_ID, &fixture("java_wechatpay_public_key.pem"))
        .platform_certificate(&cert_pem)
        .base_url(server.url())
        .build()
        .expect("config");
    let client = Client::new(config).expect("client");
    assert_eq!(
        client
            .execute(Post::<false>(body()))
            .await
            .expect("public key")["by"],
        "public key"
    );
    assert_eq!(
        client
            .execute(Post::<false>(body()))
            .await
            .expect("certificate")["by"],
        "certificate"
    );
    assert!(
        server
            .seen()
            .iter()
            .all(|s| s.wechatpay_serial.as_deref() == Some(PUBLIC_KEY_ID)),
        "requests name the public key"
    );
}
