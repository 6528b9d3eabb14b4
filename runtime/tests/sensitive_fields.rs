//! Answer fields WeChat Pay encrypts to the merchant's key (`user_name`, `payer_phone`, ...):
//! decrypted by the client with the merchant private key after the answer is verified, nested
//! objects and lists included, with real RSA-OAEP and the fixture keys against a real server on
//! 127.0.0.1.

mod support;

use serde_json::{Value, json};
use support::{PUBLIC_KEY_ID, Reply, Server, Signing, fixture, merchant_config};
use wechatpay_apiv3_runtime::client::{
    AnyErrorCode, Client, Error, MerchantKey, PlatformCertificate, TrustError, VerifyingKey,
};
use wechatpay_apiv3_runtime::decode::{self, DecodeError};
use wechatpay_apiv3_runtime::shape::for_each_sensitive;
use wechatpay_apiv3_runtime::{
    BuildError, FieldRule, Kind, Operation, OperationMeta, RequestBody, ResponseKind, Shape,
};

/// A payee: a name, and phone numbers (a list of sensitive texts).
static PAYEE: Shape = Shape::new(
    "Payee",
    &[
        FieldRule::opt("name", Kind::TEXT).sensitive(),
        FieldRule::opt("phones", Kind::list(0, u64::MAX, &Kind::TEXT)).sensitive(),
    ],
);

/// A bill: its number (not sensitive), the payee's name, and a nested payee.
static BILL: Shape = Shape::new(
    "Bill",
    &[
        FieldRule::req("out_bill_no", Kind::TEXT),
        FieldRule::opt("user_name", Kind::TEXT).sensitive(),
        FieldRule::opt("payee", Kind::Object(&PAYEE)),
    ],
);

static BILL_ITEM: Kind = Kind::Object(&BILL);

/// A page of bills, as a list query would answer.
static BILLS: Shape = Shape::new(
    "Bills",
    &[
        FieldRule::req("bills", Kind::list(0, u64::MAX, &BILL_ITEM)),
        FieldRule::opt("total", Kind::INTEGER),
    ],
);

/// A query whose answer carries fields encrypted to the merchant's key.
struct ListBills;

impl Operation for ListBills {
    type Body = ();
    type Response = Value;
    type ErrorCode = AnyErrorCode;
    const META: OperationMeta = OperationMeta {
        id: "test.list_bills",
        summary: "list bills",
        method: http::Method::GET,
        path_template: "/v3/test/bills",
        doc_url: "https://example.com",
        callers: &[],
        idempotency_keys: &[],
        retry_safe: true,
        rate_limit: None,
        success_status: 200,
        response: ResponseKind::Json,
        has_sensitive_fields: false,
        errors: &[],
    };
    const SENSITIVE_RESPONSE: Option<&'static Shape> = Some(&BILLS);
    fn path(&self) -> String {
        "/v3/test/bills".into()
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

/// The merchant certificate's public key: what WeChat Pay encrypts answer fields to.
fn merchant_public_key() -> VerifyingKey {
    PlatformCertificate::from_pem(&fixture("java_merchant_certificate.pem"))
        .expect("merchant certificate")
        .key
}

fn to_merchant(plain: &str) -> String {
    merchant_public_key()
        .encrypt_oaep(plain.as_bytes())
        .expect("encrypts")
}

fn client(url: &str) -> Client {
    let config = merchant_config(url)
        .wechatpay_public_key(PUBLIC_KEY_ID, &fixture("java_wechatpay_public_key.pem"))
        .build()
        .expect("config");
    Client::new(config).expect("client")
}

fn answer(first_payee_name: &str) -> String {
    json!({
        "total": 2,
        "bills": [
            { "out_bill_no": "B1", "user_name": to_merchant("张三"),
              "payee": { "name": first_payee_name, "phones": [to_merchant("13800000000"), to_merchant("13900000000")] } },
            { "out_bill_no": "B2" },
        ]
    })
    .to_string()
}

#[tokio::test]
async fn answer_fields_encrypted_to_the_merchant_key_arrive_decrypted() {
    let body = answer(&to_merchant("李四"));
    let server = Server::start(vec![Reply::json(200, &body)]).await;
    let value = client(&server.url())
        .execute(ListBills)
        .await
        .expect("verified and decrypted");
    assert_eq!(value["bills"][0]["user_name"], "张三");
    assert_eq!(value["bills"][0]["payee"]["name"], "李四", "nested object");
    assert_eq!(
        value["bills"][0]["payee"]["phones"],
        json!(["13800000000", "13900000000"]),
        "each text of a sensitive list"
    );
    assert_eq!(
        value["bills"][0]["out_bill_no"], "B1",
        "other fields as sent"
    );
    assert_eq!(
        value["bills"][1],
        json!({ "out_bill_no": "B2" }),
        "absent fields stay absent"
    );
    assert_eq!(value["total"], 2);
}

#[tokio::test]
async fn a_field_that_does_not_decrypt_is_an_error_naming_it_without_secrets() {
    // Encrypted to WeChat Pay's key instead of the merchant's: the merchant key cannot open it.
    let wrong_key = VerifyingKey::from_public_key_pem(&fixture("java_wechatpay_public_key.pem"))
        .expect("key")
        .encrypt_oaep("李四".as_bytes())
        .expect("encrypts");
    for (sent, reason) in [
        (wrong_key.as_str(), "not encrypted to this merchant key"),
        ("李四", "not Base64"),
        ("c2hvcnQ=", "bytes of ciphertext"),
    ] {
        let body = answer(sent);
        let server = Server::start(vec![Reply::json(200, &body)]).await;
        let err = client(&server.url())
            .execute(ListBills)
            .await
            .expect_err("does not decrypt");
        let Error::Undecryptable(e) = &err else {
            panic!("expected Undecryptable, got {err:?}");
        };
        assert_eq!(e.field(), "bills[0].payee.name");
        assert!(e.reason().contains(reason), "{sent}: {}", e.reason());
        assert_eq!(
            e.body(),
            body.as_bytes(),
            "the verified body is kept as received"
        );
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(shown.contains("bills[0].payee.name"), "{shown}");
            for secret in ["张三", "李四", "13800000000", "PRIVATE KEY"] {
                assert!(!shown.contains(secret), "{secret} in {shown}");
            }
        }
    }
}

#[tokio::test]
async fn answers_are_verified_before_anything_is_decrypted() {
    let body = answer(&to_merchant("李四"));
    let server = Server::start(vec![Reply::json(200, &body).signed(Signing::TamperBody)]).await;
    let err = client(&server.url())
        .execute(ListBills)
        .await
        .expect_err("tampered");
    assert!(
        matches!(err, Error::Untrusted(TrustError::BadSignature)),
        "{err:?}"
    );
}

#[test]
fn pkcs1_and_pkcs8_merchant_keys_both_decrypt() {
    let ciphertext = to_merchant("王五");
    for file in [
        "java_merchant_private_key.pem",
        "java_merchant_private_key_pkcs1.pem",
    ] {
        let key = MerchantKey::from_pem(&fixture(file)).expect("key");
        assert_eq!(
            key.decrypt_oaep(&ciphertext).expect("decrypts"),
            "王五",
            "{file}"
        );
        assert_eq!(format!("{key:?}"), "MerchantKey(<redacted>)");
    }
}

#[test]
fn the_walker_finds_sensitive_texts_at_every_depth_and_nothing_else() {
    let mut value = json!({
        "bills": [
            { "out_bill_no": "x", "user_name": "a", "payee": { "name": "b", "phones": ["c", 1, "d"] } },
            { "out_bill_no": "y", "user_name": null, "payee": "not an object" },
        ],
        "total": 3,
        "unknown": { "user_name": "e" },
    });
    let mut seen = Vec::new();
    for_each_sensitive(&BILLS, &mut value, &mut |path, text| {
        seen.push(format!("{path}={text}"));
        text.make_ascii_uppercase();
        Ok::<(), ()>(())
    })
    .expect("walks");
    assert_eq!(
        seen,
        [
            "bills[0].user_name=a",
            "bills[0].payee.name=b",
            "bills[0].payee.phones[0]=c",
            "bills[0].payee.phones[2]=d",
        ]
    );
    assert_eq!(value["bills"][0]["payee"]["phones"], json!(["C", 1, "D"]));
    assert_eq!(
        value["unknown"]["user_name"], "e",
        "undeclared members are left alone"
    );
}

/// A lookup by a sensitive query parameter (like the bank lookup by account number).
struct LookUp {
    account_number: String,
}

impl Operation for LookUp {
    type Body = ();
    type Response = Value;
    type ErrorCode = AnyErrorCode;
    const META: OperationMeta = OperationMeta {
        id: "test.look_up",
        summary: "look up",
        method: http::Method::GET,
        path_template: "/v3/test/banks",
        doc_url: "https://example.com",
        callers: &[],
        idempotency_keys: &[],
        retry_safe: true,
        rate_limit: None,
        success_status: 200,
        response: ResponseKind::Json,
        has_sensitive_fields: true,
        errors: &[],
    };
    fn path(&self) -> String {
        "/v3/test/banks".into()
    }
    fn write_query(&self, query: &mut wechatpay_apiv3_runtime::encode::QueryWriter) {
        query.push("account_number", &self.account_number);
    }
    fn body(&self) -> RequestBody<'_, ()> {
        RequestBody::None
    }
    fn validate(&self) -> Result<(), BuildError> {
        Ok(())
    }
    fn encrypt_sensitive(
        &mut self,
        encrypt: &mut wechatpay_apiv3_runtime::EncryptField<'_>,
    ) -> Result<(), wechatpay_apiv3_runtime::SensitiveFieldError> {
        encrypt("account_number", &mut self.account_number)
    }
    fn decode_response(body: &[u8]) -> Result<Value, DecodeError> {
        decode::json(body)
    }
}

#[tokio::test]
async fn a_query_parameter_is_encrypted_before_the_query_is_written_and_signed() {
    let server = Server::start(vec![Reply::json(200, "{}")]).await;
    client(&server.url())
        .execute(LookUp {
            account_number: "6222000011112222".into(),
        })
        .await
        .expect("sent");
    let seen = &server.seen()[0];
    assert!(seen.authorization_valid, "signed over the encrypted query");
    assert_eq!(seen.wechatpay_serial.as_deref(), Some(PUBLIC_KEY_ID));
    let sent = seen
        .path_and_query
        .strip_prefix("/v3/test/banks?account_number=")
        .expect("the query");
    assert!(!sent.contains('+') && !sent.contains('/') && !sent.contains('='));
    let ciphertext = wechatpay_apiv3_runtime::protocol::percent_decode(sent).expect("encoded");
    let wechatpay = MerchantKey::from_pem(&fixture("java_wechatpay_private_key.pem")).expect("key");
    assert_eq!(
        wechatpay.decrypt_oaep(&ciphertext).expect("opens"),
        "6222000011112222"
    );
}
