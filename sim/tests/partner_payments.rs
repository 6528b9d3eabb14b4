//! Service-provider orders (spec/pay/partner/transactions) through the generated client against the
//! simulator, served by the lifecycle family.yaml declares on the engine of merchant orders: place,
//! replay, query, close, charge a payment code and reverse it, and the refusals along the way. The
//! shared shapes are the merchant types (`pay::transactions::Amount`, `TradeState`, ...).

use wechatpay_apiv3::ErrorCode;
use wechatpay_apiv3::pay::partner::transactions::{
    CloseOrderRequest, CodepayRequest, PartnerJsapiPayer, PrepayJsapiRequest,
    QueryByOutTradeNoRequest, ReverseRequest,
};
use wechatpay_apiv3::pay::transactions::{
    Amount, CodepayPayer, CodepaySceneInfo, CodepayStoreInfo, TradeState, TradeType,
};
use wechatpay_apiv3_sim::FIXTURE_MCHID;

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SUB_MCHID: &str = "1900000109";
const SUB_OPENID: &str = "o5Gx1mP8qLr2Ts6Vw9Yz3Bc7Df0H";

fn amount(total: i64) -> Amount {
    Amount::builder().total(total).build().expect("amount")
}

fn jsapi_order(out_trade_no: &str, total: i64) -> PrepayJsapiRequest {
    PrepayJsapiRequest::builder()
        .sp_appid("wx8888888888888888")
        .sp_mchid(FIXTURE_MCHID)
        .sub_appid("wxd678efh567hg6999")
        .sub_mchid(SUB_MCHID)
        .description("云杉书店-《山海经》精装")
        .out_trade_no(out_trade_no)
        .notify_url("https://provider.example.com/wxpay/notify")
        .amount(amount(total))
        .payer(
            PartnerJsapiPayer::builder()
                .sub_openid(SUB_OPENID)
                .build()
                .expect("payer"),
        )
        .build()
        .expect("valid order")
}

fn query(out_trade_no: &str, sub_mchid: &str) -> QueryByOutTradeNoRequest {
    QueryByOutTradeNoRequest::builder()
        .out_trade_no(out_trade_no)
        .sp_mchid(FIXTURE_MCHID)
        .sub_mchid(sub_mchid)
        .build()
        .expect("valid query")
}

fn close(out_trade_no: &str) -> CloseOrderRequest {
    CloseOrderRequest::builder()
        .out_trade_no(out_trade_no)
        .sp_mchid(FIXTURE_MCHID)
        .sub_mchid(SUB_MCHID)
        .build()
        .expect("valid close")
}

#[tokio::test]
async fn a_sub_merchant_order_is_placed_replayed_queried_and_closed() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;

    let prepay = client.execute(jsapi_order("SP-ORDER-01", 8800)).await?;
    assert!(prepay.prepay_id.starts_with("wx"), "{prepay:?}");
    // The same order again is the same prepay, and nothing new is created.
    assert_eq!(
        client.execute(jsapi_order("SP-ORDER-01", 8800)).await?,
        prepay
    );
    assert_eq!(
        sim.faults()
            .effects("pay_partner_transactions.prepay_jsapi"),
        1
    );
    // The number again with another amount is refused and changes nothing.
    let err = client
        .execute(jsapi_order("SP-ORDER-01", 9900))
        .await
        .expect_err("reused number");
    assert_eq!(
        err.code().cloned(),
        Some(ErrorCode::OutTradeNoUsed),
        "{err}"
    );
    assert_eq!(
        sim.faults()
            .effects("pay_partner_transactions.prepay_jsapi"),
        1
    );

    let unpaid = client.execute(query("SP-ORDER-01", SUB_MCHID)).await?;
    assert_eq!(unpaid.trade_state, Some(TradeState::Notpay));
    assert_eq!(unpaid.trade_type, Some(TradeType::Jsapi));
    assert_eq!(unpaid.sp_mchid.as_deref(), Some(FIXTURE_MCHID));
    assert_eq!(unpaid.sub_mchid.as_deref(), Some(SUB_MCHID));
    assert_eq!(unpaid.amount.and_then(|a| a.total), Some(8800));
    assert_eq!(unpaid.transaction_id, None);

    // Another sub-merchant of the provider does not see the order.
    let err = client
        .execute(query("SP-ORDER-01", "1900000999"))
        .await
        .expect_err("other sub-merchant");
    assert_eq!(err.code().cloned(), Some(ErrorCode::OrderNotExist));

    client.execute(close("SP-ORDER-01")).await?;
    let closed = client.execute(query("SP-ORDER-01", SUB_MCHID)).await?;
    assert_eq!(closed.trade_state, Some(TradeState::Closed));
    let err = client
        .execute(close("SP-ORDER-01"))
        .await
        .expect_err("closed twice");
    assert_eq!(err.code().cloned(), Some(ErrorCode::OrderClosed));

    let err = client
        .execute(query("SP-ORDER-404", SUB_MCHID))
        .await
        .expect_err("no such order");
    assert_eq!(err.code().cloned(), Some(ErrorCode::OrderNotExist));
    Ok(())
}

#[tokio::test]
async fn a_payment_code_charge_is_paid_at_once_and_reversed() -> TestResult {
    let (_sim, client) = common::sim_and_client().await?;
    let charge = CodepayRequest::builder()
        .sp_mchid(FIXTURE_MCHID)
        .sub_mchid(SUB_MCHID)
        .description("云杉书店-书签")
        .out_trade_no("SPCP-0001")
        .payer(
            CodepayPayer::builder()
                .auth_code("134620578093245612")
                .build()?,
        )
        .amount(amount(600))
        .scene_info(
            CodepaySceneInfo::builder()
                .device_id("TILL-02")
                .store_info(CodepayStoreInfo::builder().id("HZ-XH-002").build()?)
                .build()?,
        )
        .build()?;
    let paid = client.execute(charge).await?;
    assert_eq!(paid.trade_state, Some(TradeState::Success));
    assert_eq!(paid.trade_type, Some(TradeType::Micropay));
    assert_eq!(paid.out_trade_no.as_deref(), Some("SPCP-0001"));
    assert_eq!(
        client
            .execute(query("SPCP-0001", SUB_MCHID))
            .await?
            .trade_state,
        Some(TradeState::Success)
    );

    let reverse = || {
        ReverseRequest::builder()
            .out_trade_no("SPCP-0001")
            .sp_mchid(FIXTURE_MCHID)
            .sub_mchid(SUB_MCHID)
            .build()
    };
    let reversed = client.execute(reverse()?).await?;
    assert_eq!(reversed.out_trade_no, "SPCP-0001");
    assert_eq!(reversed.sp_mchid, FIXTURE_MCHID);
    assert_eq!(reversed.sub_mchid, SUB_MCHID);
    // Reversing again changes nothing more.
    client.execute(reverse()?).await?;
    let revoked = client.execute(query("SPCP-0001", SUB_MCHID)).await?;
    assert_eq!(revoked.trade_state, Some(TradeState::Revoked));
    // A reversed order cannot be closed.
    let err = client
        .execute(
            CloseOrderRequest::builder()
                .out_trade_no("SPCP-0001")
                .sp_mchid(FIXTURE_MCHID)
                .sub_mchid(SUB_MCHID)
                .build()?,
        )
        .await
        .expect_err("revoked");
    assert_eq!(err.code().cloned(), Some(ErrorCode::OrderPaid));
    Ok(())
}

/// Merchant, service-provider and combined payments are all sent as TRANSACTION.SUCCESS with
/// original type `transaction`: `AnyNotification` tells them apart by the field only the
/// provider's (`sp_mchid`) or the combined (`combine_out_trade_no`) resource has.
#[tokio::test]
async fn callbacks_sharing_event_and_original_type_are_told_apart() -> TestResult {
    use wechatpay_apiv3::{AnyNotification, Received};
    let (sim, client) = common::sim_and_client().await?;
    let resources = [
        serde_json::json!({ "sp_mchid": FIXTURE_MCHID, "sub_mchid": SUB_MCHID,
            "out_trade_no": "SP-ORDER-02", "trade_state": "SUCCESS",
            "amount": { "total": 8800, "payer_total": 8800 } }),
        serde_json::json!({ "combine_mchid": FIXTURE_MCHID, "combine_out_trade_no": "CB-0002",
            "sub_orders": [{ "mchid": FIXTURE_MCHID, "out_trade_no": "CB-0002-A",
                "trade_state": "SUCCESS", "amount": { "total_amount": 600 } }] }),
        serde_json::json!({ "mchid": FIXTURE_MCHID, "out_trade_no": "ORDER-0002",
            "trade_state": "SUCCESS" }),
    ];
    let mut seen = Vec::new();
    for resource in &resources {
        let callback = sim.signed_notification("TRANSACTION.SUCCESS", "transaction", resource)?;
        let received = client
            .parse_callback_from_pairs::<AnyNotification, _, _, _>(callback.headers, &callback.body)
            .await?;
        let Received::Known(n) = received else {
            panic!("a payment callback left untyped: {received:?}");
        };
        seen.push(match n.event {
            AnyNotification::PartnerTransactionSuccess(t) => {
                assert_eq!(t.sub_mchid.as_deref(), Some(SUB_MCHID));
                assert_eq!(t.amount.and_then(|a| a.total), Some(8800));
                "partner"
            }
            AnyNotification::CombineTransactionSuccess(c) => {
                assert_eq!(c.combine_out_trade_no.as_deref(), Some("CB-0002"));
                let sub = &c.sub_orders.unwrap_or_default()[0];
                assert_eq!(sub.trade_state, Some(TradeState::Success));
                assert_eq!(sub.amount.as_ref().and_then(|a| a.total_amount), Some(600));
                "combine"
            }
            AnyNotification::TransactionSuccess(t) => {
                assert_eq!(t.mchid.as_deref(), Some(FIXTURE_MCHID));
                "merchant"
            }
            other => panic!("a payment typed as {other:?}"),
        });
    }
    assert_eq!(seen, ["partner", "combine", "merchant"]);
    Ok(())
}

/// The user pays through the control route the spec declares
/// (`POST /_sim/pay_partner_transactions/order/{out_trade_no}/pay`): the order is SUCCESS, the
/// partner TRANSACTION.SUCCESS callback reaches the provider's handler verified and typed, and a
/// paid order can no longer be closed or paid again.
#[tokio::test]
async fn the_user_pays_through_the_control_route_and_the_callback_arrives() -> TestResult {
    use wechatpay_apiv3::pay::partner::transactions::{
        PartnerTransaction, PrepayNativeRequest, QueryByTransactionIdRequest,
    };
    let (sim, client) = common::sim_and_client().await?;
    let order = PrepayNativeRequest::builder()
        .sp_appid("wx8888888888888888")
        .sp_mchid(FIXTURE_MCHID)
        .sub_mchid(SUB_MCHID)
        .description("云杉书店-年卡")
        .out_trade_no("SP-NATIVE-01")
        .notify_url("https://provider.example.com/wxpay/notify")
        .amount(amount(19900))
        .build()?;
    let prepay = client.execute(order).await?;
    assert!(prepay.code_url.starts_with("weixin://"), "{prepay:?}");

    let (url, mut rx) = common::receive_one_callback::<PartnerTransaction>(client.clone()).await?;
    let pay = |body: serde_json::Value| {
        reqwest::Client::new()
            .post(format!(
                "{}/_sim/pay_partner_transactions/order/SP-NATIVE-01/pay",
                sim.base_url()
            ))
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
    };
    // What the transition needs is checked before anything changes.
    let missing = pay(serde_json::json!({ "sp_openid": SUB_OPENID })).await?;
    assert_eq!(missing.status().as_u16(), 400, "{}", missing.text().await?);
    let paid = pay(serde_json::json!({
        "sp_openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        "transaction_id": "4200002236202611241634512087",
        "notify_url": url,
    }))
    .await?;
    assert_eq!(paid.status().as_u16(), 200, "{}", paid.text().await?);

    let event = tokio::time::timeout(std::time::Duration::from_secs(60), rx.recv())
        .await?
        .ok_or("the handler saw nothing")??;
    assert_eq!(event.trade_state, Some(TradeState::Success));
    assert_eq!(event.sub_mchid.as_deref(), Some(SUB_MCHID));
    assert_eq!(
        event.transaction_id.as_deref(),
        Some("4200002236202611241634512087")
    );
    assert_eq!(
        event.payer.as_ref().and_then(|p| p.sp_openid.as_deref()),
        Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
    );

    let by_id = client
        .execute(
            QueryByTransactionIdRequest::builder()
                .transaction_id("4200002236202611241634512087")
                .sp_mchid(FIXTURE_MCHID)
                .sub_mchid(SUB_MCHID)
                .build()?,
        )
        .await?;
    assert_eq!(by_id.trade_state, Some(TradeState::Success));
    assert_eq!(by_id.out_trade_no.as_deref(), Some("SP-NATIVE-01"));
    assert!(by_id.success_time.is_some());

    let err = client
        .execute(close("SP-NATIVE-01"))
        .await
        .expect_err("paid");
    assert_eq!(err.code().cloned(), Some(ErrorCode::OrderPaid));
    let twice = pay(serde_json::json!({ "sp_openid": "o", "transaction_id": "t" })).await?;
    assert_eq!(twice.status().as_u16(), 409);
    Ok(())
}
