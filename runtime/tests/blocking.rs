//! The blocking client drives the same pipeline from synchronous code.
#![cfg(feature = "blocking")]

mod support;

use serde_json::{Value, json};
use support::{MCHID, MERCHANT_SERIAL, PUBLIC_KEY_ID, Reply, Server, fixture};
use wechatpay_apiv3_runtime::client::{BlockingClient, Config, MerchantKey};

#[test]
fn the_blocking_client_signs_sends_and_verifies() {
    let runtime = tokio::runtime::Runtime::new().expect("server runtime");
    let server = runtime.block_on(Server::start(vec![Reply::json(200, r#"{"ok":true}"#)]));
    let key =
        MerchantKey::from_pem(&fixture("java_merchant_private_key.pem")).expect("merchant key");
    let config = Config::builder(MCHID, MERCHANT_SERIAL, key)
        .wechatpay_public_key(PUBLIC_KEY_ID, &fixture("java_wechatpay_public_key.pem"))
        .base_url(server.url())
        .build()
        .expect("config");
    let client = BlockingClient::new(config).expect("client");
    let answer: Value = client
        .call_json(http::Method::GET, "/v3/anything", None, true)
        .expect("works");
    assert_eq!(answer, json!({ "ok": true }));
    assert!(server.seen()[0].authorization_valid);
}
