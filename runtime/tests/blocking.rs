//! The blocking client drives the same pipeline from synchronous code.
#![cfg(feature = "blocking")]

mod support;

use serde_json::{Value, json};
use support::{
    APIV3_KEY, MCHID, MERCHANT_SERIAL, PUBLIC_KEY_ID, Reply, Server, Signing, TransactionEvent,
    callback, fixture,
};
use wechatpay_apiv3_runtime::client::{BlockingClient, Config, Error, MerchantKey, crypto};

fn blocking_client(url: String) -> BlockingClient {
    let key =
        MerchantKey::from_pem(&fixture("java_merchant_private_key.pem")).expect("merchant key");
    let config = Config::builder(MCHID, MERCHANT_SERIAL, key)
        .wechatpay_public_key(PUBLIC_KEY_ID, &fixture("java_wechatpay_public_key.pem"))
        .apiv3_key(APIV3_KEY)
        .base_url(url)
        .build()
        .expect("config");
    BlockingClient::new(config).expect("client")
}

#[test]
fn the_blocking_client_signs_sends_and_verifies() {
    let runtime = tokio::runtime::Runtime::new().expect("server runtime");
    let server = runtime.block_on(Server::start(vec![Reply::json(200, r#"{"ok":true}"#)]));
    let client = blocking_client(server.url());
    let answer: Value = client
        .call_json(http::Method::GET, "/v3/anything", None, true)
        .expect("works");
    assert_eq!(answer, json!({ "ok": true }));
    assert!(server.seen()[0].authorization_valid);
}

#[test]
fn the_blocking_client_downloads_bills_and_parses_callbacks() {
    let file = "交易时间,商户订单号\n`2026-11-22 10:00:00,`ORDER-1\n";
    let runtime = tokio::runtime::Runtime::new().expect("server runtime");
    let reply = Reply::json(200, file).signed(Signing::None);
    let server = runtime.block_on(Server::start(vec![reply.clone(), reply]));
    let client = blocking_client(server.url());
    let link = format!("{}/v3/billdownload/file?token=T1", server.url());
    let sha1 = crypto::sha1_hex(file.as_bytes());
    let bytes = client
        .download_bill(&link, "SHA1", &sha1)
        .expect("downloads");
    assert_eq!(bytes, file.as_bytes());
    let err = client
        .download_bill(&link, "SHA1", &"0".repeat(40))
        .expect_err("wrong hash");
    assert!(matches!(err, Error::Untrusted(_)), "{err}");
    assert!(server.seen().iter().all(|s| s.authorization_valid));

    let resource = r#"{"out_trade_no":"ORDER-1","trade_state":"SUCCESS"}"#;
    let (headers, body) = callback("TRANSACTION.SUCCESS", resource, false);
    let n = client
        .parse_notification::<TransactionEvent>(&headers, &body)
        .expect("valid callback");
    assert_eq!(n.event.out_trade_no, "ORDER-1");
    let (headers, body) = callback("TRANSACTION.SUCCESS", resource, true);
    assert!(
        client
            .parse_notification::<TransactionEvent>(&headers, &body)
            .is_err()
    );
}
