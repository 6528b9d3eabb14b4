//! Unsigned file downloads and empty answers, as complaint images (`GET
//! /v3/merchant-service/images/{media_id}`, binary), transfer receipt PDFs (a `download_url` and
//! a SHA256 `hash_value`) and 204 answers need them: only the API's own hosts, no redirects, size
//! caps per client or per call, digests checked, empty answers still verified.

mod support;

use std::time::Duration;

use support::{PUBLIC_KEY_ID, Reply, Server, Signing, fixture, merchant_config};
use wechatpay_apiv3_runtime::client::{
    AnyErrorCode, BodyKind, Client, Error, RequestOptions, TooLarge, TrustError, crypto,
};
use wechatpay_apiv3_runtime::decode::{self, DecodeError};
use wechatpay_apiv3_runtime::{BuildError, Operation, OperationMeta, RequestBody, ResponseKind};

const fn meta(
    id: &'static str,
    method: http::Method,
    response: ResponseKind,
    success_status: u16,
) -> OperationMeta {
    OperationMeta {
        id,
        summary: id,
        method,
        path_template: "/v3/test",
        doc_url: "https://example.com",
        callers: &[],
        idempotency_keys: &[],
        retry_safe: true,
        rate_limit: None,
        success_status,
        response,
        has_sensitive_fields: false,
        errors: &[],
    }
}

/// 图片下载: the bytes of a complaint image, unsigned.
struct Image;

impl Operation for Image {
    type Body = ();
    type Response = Vec<u8>;
    type ErrorCode = AnyErrorCode;
    const META: OperationMeta = meta("test.image", http::Method::GET, ResponseKind::Download, 200);
    fn path(&self) -> String {
        "/v3/merchant-service/images/MEDIA_1".into()
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

/// A call answered `204 No Content`.
struct Complete;

impl Operation for Complete {
    type Body = ();
    type Response = ();
    type ErrorCode = AnyErrorCode;
    const META: OperationMeta = meta(
        "test.complete",
        http::Method::POST,
        ResponseKind::Empty,
        204,
    );
    fn path(&self) -> String {
        "/v3/test/complete".into()
    }
    fn body(&self) -> RequestBody<'_, ()> {
        RequestBody::None
    }
    fn validate(&self) -> Result<(), BuildError> {
        Ok(())
    }
    fn decode_response(body: &[u8]) -> Result<(), DecodeError> {
        decode::empty(body)
    }
}

fn unsigned(status: u16, body: Vec<u8>) -> Reply {
    Reply {
        status,
        body,
        signing: Signing::None,
        delay: Duration::ZERO,
    }
}

fn client(url: &str) -> Client {
    let config = merchant_config(url)
        .wechatpay_public_key(PUBLIC_KEY_ID, &fixture("java_wechatpay_public_key.pem"))
        .build()
        .expect("config");
    Client::new(config).expect("client")
}

#[tokio::test]
async fn a_complaint_image_is_unsigned_binary_under_a_per_call_cap() {
    let image: Vec<u8> = (0..=255).cycle().take(900).collect();
    let server = Server::start(vec![
        unsigned(200, image.clone()),
        unsigned(200, vec![0xFF; 4096]),
    ])
    .await;
    let client = client(&server.url());
    let capped = RequestOptions::new().download_limit(1024);
    let got = client
        .execute_with(Image, &capped)
        .await
        .expect("binary, unsigned");
    assert_eq!(got.value, image);
    let err = client
        .execute_with(Image, &capped)
        .await
        .expect_err("over this call's cap");
    assert!(
        matches!(
            err,
            Error::TooLarge(TooLarge {
                body: BodyKind::Download,
                limit: 1024,
                status: 200
            })
        ),
        "{err:?}"
    );
    assert_eq!(
        server.seen()[0].path_and_query,
        "/v3/merchant-service/images/MEDIA_1"
    );
}

#[tokio::test]
async fn downloads_never_follow_a_redirect() {
    let server = Server::start(vec![unsigned(302, Vec::new())]).await;
    let client = client(&server.url());
    let typed = client.execute(Image).await;
    assert!(
        matches!(typed, Err(Error::Redirected { status: 302, .. })),
        "{typed:?}"
    );
    let url = format!(
        "{}/v3/transferbilldownload/elecvoucherfile?token=T",
        server.url()
    );
    let linked = client
        .download_file(&url, "SHA256", "00", &RequestOptions::new())
        .await;
    assert!(
        matches!(linked, Err(Error::Redirected { status: 302, .. })),
        "{linked:?}"
    );
    assert_eq!(server.seen().len(), 2, "one request each, nothing followed");
}

#[tokio::test]
async fn a_receipt_pdf_is_checked_against_its_sha256() {
    let pdf = b"%PDF-1.4\n% a transfer receipt\n%%EOF\n".to_vec();
    let digest = crypto::sha256_hex(&pdf);
    let server = Server::start(vec![unsigned(200, pdf.clone())]).await;
    let client = client(&server.url());
    let url = format!(
        "{}/v3/transferbilldownload/elecvoucherfile?source=elecsign&token=T0KEN",
        server.url()
    );
    let options = RequestOptions::new().download_limit(64 * 1024);
    let got = client
        .download_file(&url, "SHA256", &digest.to_uppercase(), &options)
        .await
        .expect("matches, case aside");
    assert_eq!(got, pdf);
    let wrong = client
        .download_file(&url, "SHA256", &"0".repeat(64), &options)
        .await;
    assert!(
        matches!(wrong, Err(Error::Untrusted(TrustError::HashMismatch { ref actual, .. })) if *actual == digest),
        "{wrong:?}"
    );
    // An SM3 receipt is checked with SM3: the SHA256 digest does not pass for it.
    let sm3 = client.download_file(&url, "SM3", &digest, &options).await;
    assert!(
        matches!(sm3, Err(Error::Untrusted(TrustError::HashMismatch { ref actual, .. })) if *actual != digest),
        "{sm3:?}"
    );
    let sent = server.seen().len();
    let crc = client.download_file(&url, "CRC32", &digest, &options).await;
    assert!(
        matches!(crc, Err(Error::Config(ref m)) if m.contains("CRC32")),
        "{crc:?}"
    );
    assert_eq!(server.seen().len(), sent, "refused before sending");
}

#[tokio::test]
async fn download_links_off_the_api_host_are_refused_before_anything_is_sent() {
    let server = Server::start(vec![unsigned(200, b"x".to_vec())]).await;
    let client = client(&server.url());
    let base = server.url();
    for url in [
        "https://evil.example/v3/transferbilldownload/elecvoucherfile?token=SECRET".to_string(),
        format!("{base}.evil.example/v3/x?token=SECRET"),
        format!("{base}@evil.example/v3/x?token=SECRET"),
        format!("{base}?token=SECRET"),
    ] {
        let err = client
            .download_file(&url, "SHA1", "00", &RequestOptions::new())
            .await
            .expect_err("refused");
        let text = err.to_string();
        assert!(
            matches!(err, Error::Config(_)) && text.contains("not on the configured API host"),
            "{url}: {text}"
        );
        assert!(
            !text.contains("SECRET"),
            "the token stays out of errors: {text}"
        );
    }
    assert_eq!(server.seen().len(), 0);
}

#[tokio::test]
async fn a_204_is_verified_like_any_answer() {
    let server = Server::start(vec![Reply::json(204, ""), unsigned(204, Vec::new())]).await;
    let client = client(&server.url());
    client.execute(Complete).await.expect("signed empty answer");
    let err = client.execute(Complete).await.expect_err("unsigned");
    assert!(
        matches!(err, Error::Untrusted(TrustError::MissingHeader(_))),
        "{err:?}"
    );
}
