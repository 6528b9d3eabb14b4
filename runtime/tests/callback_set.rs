//! The runtime side of the one callback entry point, with a set written here the way the
//! generator writes `AnyNotification`: typed by event type and original type together, untyped
//! JSON for other pairs, through the async and the blocking client.
#![cfg(feature = "blocking")]

mod support;

use support::{
    APIV3_KEY, MCHID, MERCHANT_SERIAL, PUBLIC_KEY_ID, TransactionEvent, callback, fixture,
};
use wechatpay_apiv3_runtime::client::{
    AnswerCallback, BlockingClient, Config, MerchantKey, Received,
};
use wechatpay_apiv3_runtime::{DecryptedResource, NotificationSet, ResourceShapeError};

#[derive(Debug)]
enum Set {
    Transaction(TransactionEvent),
}

impl NotificationSet for Set {
    fn kinds() -> Vec<(&'static str, &'static str)> {
        DecryptedResource::kinds_of::<TransactionEvent>().collect()
    }

    fn decode(resource: &DecryptedResource<'_>) -> Option<Result<Self, ResourceShapeError>> {
        resource.decode_as(Set::Transaction)
    }
}

fn client() -> BlockingClient {
    let key = MerchantKey::from_pem(&fixture("java_merchant_private_key.pem")).expect("key");
    let config = Config::builder(MCHID, MERCHANT_SERIAL, key)
        .wechatpay_public_key(PUBLIC_KEY_ID, &fixture("java_wechatpay_public_key.pem"))
        .apiv3_key(APIV3_KEY)
        .build()
        .expect("config");
    BlockingClient::new(config).expect("client")
}

#[test]
fn the_pair_chooses_the_type_and_other_pairs_stay_json() {
    let client = client();
    let resource = r#"{"out_trade_no":"ORDER-1","trade_state":"SUCCESS"}"#;

    let (headers, body) = callback("TRANSACTION.SUCCESS", resource, false);
    let result = client.parse_callback::<Set>(&headers, &body);
    assert_eq!(result.answer().status, 200);
    match result.expect("verified") {
        Received::Known(n) => {
            let Set::Transaction(t) = n.event;
            assert_eq!(t.out_trade_no, "ORDER-1");
        }
        other => panic!("not typed: {other:?}"),
    }

    // Same original type, an event type the set's payload is not sent with: kept as JSON.
    let (headers, body) = callback("TRANSACTION.REFUNDED_SOMEHOW", resource, false);
    match client
        .parse_callback::<Set>(&headers, &body)
        .expect("verified")
    {
        Received::Untyped {
            notification,
            original_type,
        } => {
            assert_eq!(original_type, "transaction");
            assert_eq!(notification.event["out_trade_no"], "ORDER-1");
        }
        other => panic!("typed by original type alone: {other:?}"),
    }

    // Tampered: refused, 401.
    let (headers, body) = callback("TRANSACTION.SUCCESS", resource, true);
    let result = client.parse_callback::<Set>(&headers, &body);
    assert!(result.is_err());
    assert_eq!(result.answer().status, 401);
    assert_eq!(Set::kinds(), [("TRANSACTION.SUCCESS", "transaction")]);
}

#[test]
fn a_resource_of_the_wrong_shape_is_refused_without_its_text() {
    let (headers, body) = callback(
        "TRANSACTION.SUCCESS",
        r#"{"out_trade_no":"SECRET-42"}"#,
        false,
    );
    let result = client().parse_callback::<Set>(&headers, &body);
    let answer = result.answer();
    assert_eq!(answer.status, 400);
    assert!(!answer.body.contains("SECRET-42"), "{}", answer.body);
    assert!(answer.body.contains("line 1"), "{}", answer.body);
}
