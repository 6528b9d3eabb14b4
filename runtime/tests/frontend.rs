//! Front-end payment parameters: byte-exact vectors (tests/fixtures/frontend_vectors.json,
//! computed with openssl over the fixture merchant key) and the client's own calls, whose random
//! nonce is checked by verifying the signature with the merchant certificate.
#![cfg(feature = "client")]

use std::sync::Arc;

use serde_json::Value;
use wechatpay_apiv3_runtime::client::crypto::PlatformCertificate;
use wechatpay_apiv3_runtime::client::{AppPayParams, Client, Config, JsapiPayParams, MerchantKey};

fn vectors() -> Value {
    serde_json::from_str(include_str!("fixtures/frontend_vectors.json")).expect("vectors parse")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

fn key() -> MerchantKey {
    MerchantKey::from_pem(&fixture("java_merchant_private_key.pem")).expect("key loads")
}

fn str_of<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("vector field {k}"))
}

#[test]
fn jsapi_parameters_match_the_vector_byte_for_byte() {
    let v = &vectors()["jsapi"];
    let params = JsapiPayParams::sign(
        &key(),
        str_of(v, "appid"),
        str_of(v, "prepay_id"),
        v["timestamp"].as_i64().expect("number"),
        str_of(v, "nonce"),
    )
    .expect("signs");
    // Field names, order-independent values and the signature, exactly as the front end gets them.
    assert_eq!(
        serde_json::to_value(&params).expect("serializes"),
        v["json"]
    );
    assert_eq!(
        params.package,
        "prepay_id=wx201410272009395522657a690389285100"
    );
    assert_eq!(params.sign_type, "RSA");
}

#[test]
fn app_parameters_match_the_vector_byte_for_byte() {
    let v = &vectors()["app"];
    let params = AppPayParams::sign(
        &key(),
        str_of(v, "appid"),
        str_of(v, "mchid"),
        str_of(v, "prepay_id"),
        v["timestamp"].as_i64().expect("number"),
        str_of(v, "nonce"),
    )
    .expect("signs");
    assert_eq!(
        serde_json::to_value(&params).expect("serializes"),
        v["json"]
    );
    assert_eq!(params.package, "Sign=WXPay");
}

fn client(now: i64) -> Client {
    let config = Config::builder("1900000001", "MERCHANT_SERIAL_1", key())
        .wechatpay_public_key(
            "PUB_KEY_ID_0000000000000024101100397200000006",
            &fixture("java_wechatpay_public_key.pem"),
        )
        .clock(Arc::new(move || now))
        .build()
        .expect("config");
    Client::new(config).expect("client")
}

#[test]
fn the_client_signs_with_its_own_key_at_its_clock_with_a_fresh_nonce() {
    let merchant = PlatformCertificate::from_pem(&fixture("java_merchant_certificate.pem"))
        .expect("certificate loads");
    let client = client(1_700_000_000);

    let js = client
        .jsapi_pay_params("wxappid", "wx_prepay_1")
        .expect("signs");
    assert_eq!(js.time_stamp, "1700000000");
    assert_eq!(js.nonce_str.len(), 32);
    let message = format!(
        "wxappid\n1700000000\n{}\nprepay_id=wx_prepay_1\n",
        js.nonce_str
    );
    assert!(
        merchant.key.verify(message.as_bytes(), &js.pay_sign),
        "paySign verifies"
    );
    let again = client
        .jsapi_pay_params("wxappid", "wx_prepay_1")
        .expect("signs");
    assert_ne!(again.nonce_str, js.nonce_str, "each call has its own nonce");

    let app = client
        .app_pay_params("wxmobile", "wx_prepay_2")
        .expect("signs");
    assert_eq!(
        app.partnerid, "1900000001",
        "partnerid is the client's merchant id"
    );
    let message = format!("wxmobile\n1700000000\n{}\nwx_prepay_2\n", app.noncestr);
    assert!(
        merchant.key.verify(message.as_bytes(), &app.sign),
        "sign verifies"
    );
    assert!(!merchant.key.verify(b"something else\n", &app.sign));
}

#[test]
fn the_signer_is_the_configured_key() {
    let merchant = PlatformCertificate::from_pem(&fixture("java_merchant_certificate.pem"))
        .expect("certificate loads");
    let signature = client(0)
        .signer()
        .sign(b"any message the docs ask for\n")
        .expect("signs");
    assert!(
        merchant
            .key
            .verify(b"any message the docs ask for\n", &signature)
    );
    // Same key, deterministic PKCS#1 v1.5: the same signature as the key loaded separately.
    assert_eq!(
        signature,
        key()
            .sign(b"any message the docs ask for\n")
            .expect("signs")
    );
}
