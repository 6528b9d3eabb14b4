//! One callback entry point for every notification: payments and refunds through the same call,
//! typed by event type and original type together, untyped JSON for a pair the crate does not
//! know, and the HTTP answer WeChat Pay expects for each outcome. Callbacks are signed and
//! encrypted by the simulator with the fixture keys.

use wechatpay_apiv3::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use wechatpay_apiv3::pay::transactions::{Amount, JsapiPayer, PrepayJsapiRequest, TradeState};
use wechatpay_apiv3::refund::domestic::{CreateRefundRequest, RefundRequestAmount, RefundStatus};
use wechatpay_apiv3::{AnswerCallback, AnyNotification, NotificationSet, Received};
use wechatpay_apiv3_sim::FIXTURE_MCHID;

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

fn order(out_trade_no: &str, total: i64) -> PrepayJsapiRequest {
    PrepayJsapiRequest::builder()
        .appid("wxd678efh567hg6787")
        .mchid(FIXTURE_MCHID)
        .description("callback test")
        .out_trade_no(out_trade_no)
        .notify_url("https://shop.example.com/wechatpay/notify")
        .amount(Amount::builder().total(total).build().expect("amount"))
        .payer(JsapiPayer::builder().openid(OPENID).build().expect("payer"))
        .build()
        .expect("valid order")
}

fn header_map(pairs: &[(String, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(
            HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            HeaderValue::from_str(value).expect("header value"),
        );
    }
    map
}

#[tokio::test]
async fn payment_and_refund_callbacks_share_one_entry_point() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    client.execute(order("CB-000001", 500)).await?;
    let paid = sim.pay_order("CB-000001", OPENID)?;
    client
        .execute(
            CreateRefundRequest::builder()
                .out_trade_no("CB-000001")
                .out_refund_no("CBR-000001")
                .amount(
                    RefundRequestAmount::builder()
                        .refund(200)
                        .total(500)
                        .currency("CNY")
                        .build()?,
                )
                .build()?,
        )
        .await?;

    // The payment, through the http::HeaderMap entry point.
    let payment =
        sim.signed_notification("TRANSACTION.SUCCESS", "transaction", &paid.transaction)?;
    let result = client
        .parse_callback::<AnyNotification>(&header_map(&payment.headers), &payment.body)
        .await;
    let answer = result.answer();
    assert_eq!((answer.status, answer.body.as_str()), (StatusCode::OK, ""));
    match result? {
        Received::Known(n) => match n.event {
            AnyNotification::TransactionSuccess(t) => {
                assert_eq!(n.event_type, "TRANSACTION.SUCCESS");
                assert_eq!(t.out_trade_no.as_deref(), Some("CB-000001"));
                assert_eq!(t.trade_state, Some(TradeState::Success));
            }
            other => panic!("a payment typed as {other:?}"),
        },
        other => panic!("a payment not typed: {other:?}"),
    }

    // The refund, through the plain (name, value) pairs entry point, names in lower case.
    let refund = sim.signed_notification(
        "REFUND.SUCCESS",
        "refund",
        &sim.transition(
            "refund_domestic",
            "refund",
            "CBR-000001",
            "arrive",
            &serde_json::json!({}),
        )?
        .notices
        .into_iter()
        .next()
        .ok_or("no refund notice")?
        .resource,
    )?;
    let lower: Vec<(String, String)> = refund
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect();
    let result = client
        .parse_callback_from_pairs::<AnyNotification, _, _, _>(lower, &refund.body)
        .await;
    assert_eq!(result.answer().status, StatusCode::OK);
    match result? {
        Received::Known(n) => match n.event {
            AnyNotification::RefundResult(r) => {
                assert_eq!(r.out_refund_no, "CBR-000001");
                assert_eq!(r.refund_status, RefundStatus::Success);
                assert_eq!(r.amount.refund, 200);
            }
            other => panic!("a refund typed as {other:?}"),
        },
        other => panic!("a refund not typed: {other:?}"),
    }
    Ok(())
}

#[tokio::test]
async fn a_shared_event_type_with_another_original_type_is_kept_untyped_and_acknowledged()
-> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    // TRANSACTION.SUCCESS is sent by other product lines too; this crate has no type for this one.
    let resource = serde_json::json!({ "combine_out_trade_no": "C-1", "sub_orders": [] });
    let callback =
        sim.signed_notification("TRANSACTION.SUCCESS", "combine_transaction", &resource)?;
    let result = client
        .parse_callback_from_pairs::<AnyNotification, _, _, _>(callback.headers, &callback.body)
        .await;
    assert_eq!(result.answer().status, StatusCode::OK);
    match result? {
        Received::Untyped {
            notification,
            original_type,
        } => {
            assert_eq!(original_type, "combine_transaction");
            assert_eq!(notification.event_type, "TRANSACTION.SUCCESS");
            assert_eq!(notification.event, resource);
        }
        other => panic!("typed by event type alone: {other:?}"),
    }
    // The pairs the enum types, each once, with their original types.
    let kinds = AnyNotification::kinds();
    assert!(kinds.contains(&("TRANSACTION.SUCCESS", "transaction")));
    assert!(kinds.contains(&("REFUND.CLOSED", "refund")));
    assert!(!kinds.contains(&("TRANSACTION.SUCCESS", "combine_transaction")));
    Ok(())
}

#[tokio::test]
async fn refused_callbacks_answer_as_documented_so_wechat_pay_sends_them_again() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let resource = serde_json::json!({ "out_trade_no": "X" });

    // A body changed after signing: 401 and the FAIL body.
    let mut tampered = sim.signed_notification("REFUND.SUCCESS", "refund", &resource)?;
    tampered.body.push(b' ');
    let result = client
        .parse_callback_from_pairs::<AnyNotification, _, _, _>(tampered.headers, &tampered.body)
        .await;
    assert!(result.is_err());
    let answer = result.answer();
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = serde_json::from_str(&answer.body)?;
    assert_eq!(body["code"], "FAIL");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    let response = answer.into_response();
    assert_eq!(response.headers()["content-type"], "application/json");

    // A known pair whose resource lacks required fields: 400, and no decrypted text in the message.
    let callback = sim.signed_notification("REFUND.SUCCESS", "refund", &resource)?;
    let result = client
        .parse_callback_from_pairs::<AnyNotification, _, _, _>(callback.headers, &callback.body)
        .await;
    let answer = result.answer();
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(!answer.body.contains("\"X\""), "{}", answer.body);

    // No signature headers at all.
    let callback = sim.signed_notification("REFUND.SUCCESS", "refund", &resource)?;
    let none: Vec<(String, String)> = Vec::new();
    let result = client
        .parse_callback_from_pairs::<AnyNotification, _, _, _>(none, &callback.body)
        .await;
    assert_eq!(result.answer().status, StatusCode::UNAUTHORIZED);
    Ok(())
}
