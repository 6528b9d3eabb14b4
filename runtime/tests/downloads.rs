//! Unsigned file downloads and empty answers, as complaint images (`GET
//! /v3/merchant-service/images/{media_id}`, binary), transfer receipt PDFs (a `download_url` and
//! a SHA256 `hash_value`) and 204 answers need them: only the API's own hosts, no redirects, size
//! caps per client or per call, digests checked, empty answers still verified.

mod support;

use std::time::Duration;

use support::{PUBLIC_KEY_ID, Reply, Server, Signing, fixture, merchant_config};
use wechatpay_apiv3_runtime::client::{
    AnyErrorCode, BodyKind, Client, Error, RequestOptions, TooLarge, TrustError, crypto, gcm,
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

/// An encrypted bill answer as a generated type writes it (the runtime reads any such answer).
struct EncryptedBill {
    count: i64,
    parts: Vec<BillPart>,
}

struct BillPart {
    sequence: i64,
    url: String,
    encrypt_key: String,
    nonce: String,
    hash_value: String,
}

impl wechatpay_apiv3_runtime::JsonFields for EncryptedBill {
    fn write_fields(&self, out: &mut wechatpay_apiv3_runtime::json::Object) {
        out.req("download_bill_count", &self.count);
        out.req("download_bill_list", &self.parts);
    }
    fn read_fields(input: &mut wechatpay_apiv3_runtime::json::Members) -> Self {
        Self {
            count: input.req("download_bill_count"),
            parts: input.req("download_bill_list"),
        }
    }
}

impl wechatpay_apiv3_runtime::JsonFields for BillPart {
    fn write_fields(&self, out: &mut wechatpay_apiv3_runtime::json::Object) {
        out.req("bill_sequence", &self.sequence);
        out.req("download_url", &self.url);
        out.req("encrypt_key", &self.encrypt_key);
        out.req("nonce", &self.nonce);
        out.req("hash_type", &"SHA1".to_string());
        out.req("hash_value", &self.hash_value);
    }
    fn read_fields(input: &mut wechatpay_apiv3_runtime::json::Members) -> Self {
        Self {
            sequence: input.req("bill_sequence"),
            url: input.req("download_url"),
            encrypt_key: input.req("encrypt_key"),
            nonce: input.req("nonce"),
            hash_value: input.req("hash_value"),
        }
    }
}

/// A part as WeChat Pay serves it: `plain` (gzipped when asked) sealed with AES-256-GCM under
/// `key`, the key encrypted to the fixture merchant certificate.
fn sealed_part(key: &[u8; 32], nonce: &str, plain: &[u8], gzip: bool) -> (Vec<u8>, String) {
    use std::io::Write as _;
    let mut data = if gzip {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(plain).expect("gzip");
        gz.finish().expect("gzip")
    } else {
        plain.to_vec()
    };
    gcm::seal(key, nonce.as_bytes(), b"", &mut data).expect("seals");
    let merchant = wechatpay_apiv3_runtime::client::PlatformCertificate::from_pem(&fixture(
        "java_merchant_certificate.pem",
    ))
    .expect("merchant certificate");
    (data, merchant.key.encrypt_oaep(key).expect("encrypts"))
}

#[tokio::test]
async fn an_encrypted_bill_opens_with_the_merchant_key_and_joins_in_order() {
    let first = "记账时间,微信支付业务单号,业务名称\n`2026-11-22 10:00:00,`4200001,`交易\n";
    let second = "`2026-11-22 11:00:00,`4200002,`交易\n";
    // Part 1 gzipped with a 16-character nonce (GHASH-derived counter), part 2 plain with a
    // 12-byte one (aws-lc-rs's own AES-GCM).
    let (one, key_one) = sealed_part(
        b"K1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "a8607ef79034c49c",
        first.as_bytes(),
        true,
    );
    let (two, key_two) = sealed_part(
        b"K2bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        "8XOl7iBMSRmd",
        second.as_bytes(),
        false,
    );
    let server = Server::routed(vec![
        ("/v3/billdownload/file?token=P1", vec![unsigned(200, one)]),
        ("/v3/billdownload/file?token=P2", vec![unsigned(200, two)]),
    ])
    .await;
    let client = client(&server.url());
    let part = |sequence, token: &str, encrypt_key: &str, nonce: &str, plain: &str| BillPart {
        sequence,
        url: format!("{}/v3/billdownload/file?token={token}", server.url()),
        encrypt_key: encrypt_key.into(),
        nonce: nonce.into(),
        hash_value: crypto::sha1_hex(plain.as_bytes()),
    };
    let bill = EncryptedBill {
        count: 2,
        parts: vec![
            part(2, "P2", &key_two, "8XOl7iBMSRmd", second),
            part(1, "P1", &key_one, "a8607ef79034c49c", first),
        ],
    };
    let joined = client
        .download_encrypted_bill(&bill, "AEAD_AES_256_GCM")
        .await
        .expect("opens");
    assert_eq!(
        String::from_utf8(joined).expect("text"),
        format!("{first}{second}")
    );
    assert_eq!(server.seen().len(), 2);

    // A file key encrypted to another key, or one that is not 32 bytes, is refused before any
    // part is fetched.
    let to_wechatpay = wechatpay_apiv3_runtime::client::VerifyingKey::from_public_key_pem(
        &fixture("java_wechatpay_public_key.pem"),
    )
    .expect("key")
    .encrypt_oaep(b"K1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
    .expect("encrypts");
    let merchant = wechatpay_apiv3_runtime::client::PlatformCertificate::from_pem(&fixture(
        "java_merchant_certificate.pem",
    ))
    .expect("merchant certificate");
    let sixteen = merchant
        .key
        .encrypt_oaep(b"only-sixteen-b!!")
        .expect("encrypts");
    for (encrypt_key, rule) in [
        (to_wechatpay, "encrypt_key does not open"),
        (sixteen, "opens to 16 bytes"),
    ] {
        let bill = EncryptedBill {
            count: 1,
            parts: vec![part(1, "P1", &encrypt_key, "a8607ef79034c49c", first)],
        };
        let err = client
            .download_encrypted_bill(&bill, "AEAD_AES_256_GCM")
            .await
            .expect_err(rule);
        assert!(
            matches!(&err, Error::Untrusted(TrustError::BillPart { sequence: 1, reason }) if reason.contains(rule)),
            "{err}"
        );
        assert!(!format!("{err:?}").contains("K1aaaa"), "{err:?}");
    }
    assert_eq!(server.seen().len(), 2, "nothing more was fetched");
}
