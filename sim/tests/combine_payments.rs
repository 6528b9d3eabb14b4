//! Combined payments (spec/combine_transactions) through the generated client against the
//! simulator, served by the lifecycle family.yaml declares: a combined order of two sub-orders is
//! placed, replayed, queried, paid as a whole (the control transition `pay`, with the combined
//! TRANSACTION.SUCCESS callback) or closed as a whole, and the refusals along the way.

use wechatpay_apiv3::combine_transactions::close::CombineCloseSubOrder;
use wechatpay_apiv3::combine_transactions::{
    CloseRequest, CombineAmount, CombineJsapiPayer, CombineSubOrder, PrepayJsapiRequest,
    PrepayNativeRequest, QueryRequest,
};
use wechatpay_apiv3::pay::transactions::{TradeState, TradeType};
use wechatpay_apiv3::{AnyNotification, ErrorCode, Received};
use wechatpay_apiv3_sim::FIXTURE_MCHID;

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const APPID: &str = "wxd678efh567hg6787";
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

fn sub_order(out_trade_no: &str, total: i64) -> CombineSubOrder {
    CombineSubOrder::builder()
        .mchid(FIXTURE_MCHID)
        .attach("stall")
        .amount(
            CombineAmount::builder()
                .total_amount(total)
                .currency("CNY")
                .build()
                .expect("amount"),
        )
        .out_trade_no(out_trade_no)
        .description("早市-礼盒")
        .build()
        .expect("sub-order")
}

fn two_sub_orders(no: &str, second: i64) -> Vec<CombineSubOrder> {
    vec![
        sub_order(&format!("{no}A"), 3600),
        sub_order(&format!("{no}B"), second),
    ]
}

fn jsapi(no: &str, second: i64) -> PrepayJsapiRequest {
    PrepayJsapiRequest::builder()
        .combine_appid(APPID)
        .combine_mchid(FIXTURE_MCHID)
        .combine_out_trade_no(no)
        .notify_url("https://mall.example.com/wxpay/combine-notify")
        .sub_orders(two_sub_orders(no, second))
        .combine_payer_info(
            CombineJsapiPayer::builder()
                .openid(OPENID)
                .build()
                .expect("payer"),
        )
        .build()
        .expect("valid order")
}

fn query(no: &str) -> QueryRequest {
    QueryRequest::builder()
        .combine_out_trade_no(no)
        .build()
        .expect("valid query")
}

fn close(no: &str, appid: &str) -> CloseRequest {
    let sub = |suffix: &str| {
        CombineCloseSubOrder::builder()
            .mchid(FIXTURE_MCHID)
            .out_trade_no(format!("{no}{suffix}"))
            .build()
            .expect("sub-order")
    };
    CloseRequest::builder()
        .combine_out_trade_no(no)
        .combine_appid(appid)
        .sub_orders(vec![sub("A"), sub("B")])
        .build()
        .expect("valid close")
}

#[tokio::test]
async fn a_combined_order_is_placed_replayed_paid_and_called_back() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let prepay = client.execute(jsapi("CB-PAY-01", 2400)).await?;
    assert!(prepay.prepay_id.starts_with("wx"), "{prepay:?}");
    assert_eq!(client.execute(jsapi("CB-PAY-01", 2400)).await?, prepay);
    let err = client
        .execute(jsapi("CB-PAY-01", 2500))
        .await
        .expect_err("reused number");
    assert_eq!(err.code().cloned(), Some(ErrorCode::OutTradeNoUsed));
    assert_eq!(sim.faults().effects("combine_transactions.prepay_jsapi"), 1);

    let placed = client.execute(query("CB-PAY-01")).await?;
    assert_eq!(placed.combine_mchid.as_deref(), Some(FIXTURE_MCHID));
    let subs = placed.sub_orders.unwrap_or_default();
    assert_eq!(subs.len(), 2);
    for (sub, (no, total)) in subs
        .iter()
        .zip([("CB-PAY-01A", 3600), ("CB-PAY-01B", 2400)])
    {
        assert_eq!(sub.out_trade_no.as_deref(), Some(no));
        assert_eq!(sub.trade_state, Some(TradeState::Notpay));
        assert_eq!(sub.trade_type, Some(TradeType::Jsapi));
        assert_eq!(
            sub.amount.as_ref().and_then(|a| a.total_amount),
            Some(total)
        );
    }

    // The user pays every sub-order at once; the callback is the combined one.
    let paid = sim.transition(
        "combine_transactions",
        "order",
        "CB-PAY-01",
        "pay",
        &serde_json::json!({ "openid": OPENID, "combine_transaction_id": "4200002301202611241702136548" }),
    )?;
    let [notice] =
        <[_; 1]>::try_from(paid.notices).map_err(|_| "pay owes one combined callback")?;
    assert_eq!(notice.event_type, "TRANSACTION.SUCCESS");
    assert_eq!(
        notice.notify_url.as_deref(),
        Some("https://mall.example.com/wxpay/combine-notify")
    );
    let callback =
        sim.signed_notification(&notice.event_type, &notice.original_type, &notice.resource)?;
    let received = client
        .parse_callback_from_pairs::<AnyNotification, _, _, _>(callback.headers, &callback.body)
        .await?;
    let Received::Known(n) = received else {
        panic!("the combined callback left untyped: {received:?}");
    };
    let AnyNotification::CombineTransactionSuccess(event) = n.event else {
        panic!("the combined callback typed as {:?}", n.event);
    };
    assert_eq!(event.combine_out_trade_no.as_deref(), Some("CB-PAY-01"));
    let event_subs = event.sub_orders.unwrap_or_default();
    assert_eq!(event_subs.len(), 2);
    assert!(
        event_subs
            .iter()
            .all(|s| s.trade_state == Some(TradeState::Success) && s.success_time.is_some())
    );

    let after = client.execute(query("CB-PAY-01")).await?;
    assert_eq!(
        after.combine_transaction_id.as_deref(),
        Some("4200002301202611241702136548")
    );
    assert_eq!(
        after.combine_payer_info.and_then(|p| p.openid).as_deref(),
        Some(OPENID)
    );
    assert!(
        after
            .sub_orders
            .unwrap_or_default()
            .iter()
            .all(|s| s.trade_state == Some(TradeState::Success))
    );
    let err = client
        .execute(close("CB-PAY-01", APPID))
        .await
        .expect_err("paid");
    assert_eq!(err.code().cloned(), Some(ErrorCode::OrderPaid));
    let again = sim
        .transition(
            "combine_transactions",
            "order",
            "CB-PAY-01",
            "pay",
            &serde_json::json!({ "openid": OPENID, "combine_transaction_id": "x" }),
        )
        .expect_err("paid once");
    assert_eq!(again.status, 409, "{again}");
    Ok(())
}

#[tokio::test]
async fn a_combined_order_is_closed_as_a_whole() -> TestResult {
    let (_sim, client) = common::sim_and_client().await?;
    let order = PrepayNativeRequest::builder()
        .combine_appid(APPID)
        .combine_mchid(FIXTURE_MCHID)
        .combine_out_trade_no("CB-CLOSE-01")
        .notify_url("https://mall.example.com/wxpay/combine-notify")
        .sub_orders(two_sub_orders("CB-CLOSE-01", 1200))
        .build()?;
    let prepay = client.execute(order).await?;
    assert!(prepay.code_url.starts_with("weixin://"));

    // Another AppID does not find the order.
    let err = client
        .execute(close("CB-CLOSE-01", "wx0000000000000000"))
        .await
        .expect_err("other appid");
    assert_eq!(err.code().cloned(), Some(ErrorCode::OrderNotExist));

    client.execute(close("CB-CLOSE-01", APPID)).await?;
    let closed = client.execute(query("CB-CLOSE-01")).await?;
    let subs = closed.sub_orders.unwrap_or_default();
    assert_eq!(subs.len(), 2);
    assert!(
        subs.iter()
            .all(|s| s.trade_state == Some(TradeState::Closed)
                && s.trade_type == Some(TradeType::Native))
    );
    let err = client
        .execute(close("CB-CLOSE-01", APPID))
        .await
        .expect_err("closed twice");
    assert_eq!(err.code().cloned(), Some(ErrorCode::OrderClosed));
    let err = client
        .execute(query("CB-NONE"))
        .await
        .expect_err("no such order");
    assert_eq!(err.code().cloned(), Some(ErrorCode::OrderNotExist));
    Ok(())
}
