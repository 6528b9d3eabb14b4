//! A whole payment through the generated client against the simulator: place, query, pay (with the
//! TRANSACTION.SUCCESS callback), refund in parts, and the documented refusals along the way.

use wechatpay_apiv3::Error;
use wechatpay_apiv3::ErrorCode;
use wechatpay_apiv3::pay::transactions::{
    Amount, CloseOrderRequest, JsapiPayer, PrepayJsapiRequest, PrepayNativeRequest,
    QueryByOutTradeNoRequest, QueryByTransactionIdRequest, TradeState, Transaction,
};
use wechatpay_apiv3::refund::domestic::{
    CreateRefundRequest, QueryByOutRefundNoRequest, RefundRequestAmount, RefundResultEvent,
    RefundStatus,
};
use wechatpay_apiv3_sim::FIXTURE_MCHID;

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

fn jsapi_order(out_trade_no: &str, total: i64) -> PrepayJsapiRequest {
    PrepayJsapiRequest::builder()
        .appid("wxd678efh567hg6787")
        .mchid(FIXTURE_MCHID)
        .description("手冲咖啡豆 250g")
        .out_trade_no(out_trade_no)
        .notify_url("https://shop.example.com/wechatpay/notify")
        .amount(Amount::builder().total(total).build().expect("amount"))
        .payer(JsapiPayer::builder().openid(OPENID).build().expect("payer"))
        .build()
        .expect("valid order")
}

fn by_out_trade_no(out_trade_no: &str) -> QueryByOutTradeNoRequest {
    QueryByOutTradeNoRequest::builder()
        .out_trade_no(out_trade_no)
        .mchid(FIXTURE_MCHID)
        .build()
        .expect("valid query")
}

fn refund(out_trade_no: &str, out_refund_no: &str, amount: i64, total: i64) -> CreateRefundRequest {
    CreateRefundRequest::builder()
        .out_trade_no(out_trade_no)
        .out_refund_no(out_refund_no)
        .notify_url("https://shop.example.com/wechatpay/refund")
        .amount(
            RefundRequestAmount::builder()
                .refund(amount)
                .total(total)
                .currency("CNY")
                .build()
                .expect("amount"),
        )
        .build()
        .expect("valid refund")
}

fn close(out_trade_no: &str) -> CloseOrderRequest {
    CloseOrderRequest::builder()
        .out_trade_no(out_trade_no)
        .mchid(FIXTURE_MCHID)
        .build()
        .expect("valid close")
}

#[tokio::test]
async fn place_pay_and_refund_an_order() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;

    let prepay = client.execute(jsapi_order("ORDER-7781", 8800)).await?;
    assert!(prepay.prepay_id.starts_with("wx"));
    // The same order again: the same prepay, not a second order.
    assert_eq!(
        client.execute(jsapi_order("ORDER-7781", 8800)).await?,
        prepay
    );
    // The number again with another amount: refused as the docs say.
    let err = client
        .execute(jsapi_order("ORDER-7781", 9900))
        .await
        .expect_err("reused number");
    assert_eq!(err.code().cloned(), Some(ErrorCode::OutTradeNoUsed));
    assert_eq!(sim.faults().effects("pay_transactions.prepay_jsapi"), 1);

    let unpaid = client.execute(by_out_trade_no("ORDER-7781")).await?;
    assert_eq!(unpaid.trade_state, Some(TradeState::Notpay));
    assert_eq!(unpaid.transaction_id, None);
    let err = client
        .execute(refund("ORDER-7781", "R-1", 3000, 8800))
        .await
        .expect_err("not paid");
    assert_eq!(err.code().cloned(), Some(ErrorCode::ResourceNotExists));

    // The user pays; the merchant's handler gets the verified callback.
    let paid = sim.pay_order("ORDER-7781", OPENID)?;
    let (url, mut rx) = common::receive_one_callback::<Transaction>(client.clone()).await?;
    let status = sim
        .send_notification(
            &url,
            "TRANSACTION.SUCCESS",
            "transaction",
            &paid.transaction,
        )
        .await?;
    assert_eq!(status, 204);
    let event = rx.recv().await.ok_or("handler saw nothing")??;
    assert_eq!(event.trade_state, Some(TradeState::Success));
    assert_eq!(
        event.transaction_id.as_deref(),
        Some(paid.transaction_id.as_str())
    );

    let by_id = client
        .execute(
            QueryByTransactionIdRequest::builder()
                .transaction_id(paid.transaction_id.as_str())
                .mchid(FIXTURE_MCHID)
                .build()?,
        )
        .await?;
    assert_eq!(by_id, event);
    assert_eq!(
        by_id.payer.map(|p| p.openid),
        Some(Some(OPENID.to_string()))
    );
    let err = client.execute(close("ORDER-7781")).await.expect_err("paid");
    assert_eq!(err.code().cloned(), Some(ErrorCode::OrderPaid));

    // A partial refund, replayed by its number, then one that would exceed the total.
    let first = client
        .execute(refund("ORDER-7781", "R-1", 3000, 8800))
        .await?;
    assert_eq!(first.status, RefundStatus::Processing);
    assert_eq!(first.transaction_id, paid.transaction_id);
    assert_eq!(
        client
            .execute(refund("ORDER-7781", "R-1", 3000, 8800))
            .await?,
        first
    );
    let err = client
        .execute(refund("ORDER-7781", "R-2", 6000, 8800))
        .await
        .expect_err("too much");
    assert_eq!(err.code().cloned(), Some(ErrorCode::InvalidRequest));
    client
        .execute(refund("ORDER-7781", "R-3", 5800, 8800))
        .await?;
    assert_eq!(sim.faults().effects("refund_domestic.create_refund"), 2);

    // PROCESSING until the bank answers (the control transition `arrive`).
    let by_refund_no = || {
        QueryByOutRefundNoRequest::builder()
            .out_refund_no("R-1")
            .build()
    };
    let processing = client.execute(by_refund_no()?).await?;
    assert_eq!(processing.status, RefundStatus::Processing);
    let done = sim.transition(
        "refund_domestic",
        "refund",
        "R-1",
        "arrive",
        &serde_json::json!({}),
    )?;
    let notice = done
        .notices
        .first()
        .cloned()
        .ok_or("arrive owes REFUND.SUCCESS")?;
    assert_eq!(notice.event_type, "REFUND.SUCCESS");
    assert_eq!(
        notice.notify_url.as_deref(),
        Some("https://shop.example.com/wechatpay/refund"),
        "the refund's own notify_url"
    );
    let again = sim
        .transition(
            "refund_domestic",
            "refund",
            "R-1",
            "arrive",
            &serde_json::json!({}),
        )
        .expect_err("arrived once");
    assert_eq!(again.status, 409, "{again}");

    let arrived = client
        .execute(
            QueryByOutRefundNoRequest::builder()
                .out_refund_no("R-1")
                .build()?,
        )
        .await?;
    assert_eq!(arrived.status, RefundStatus::Success);
    assert_eq!(arrived.amount.refund, 3000);
    let order = client.execute(by_out_trade_no("ORDER-7781")).await?;
    assert_eq!(order.trade_state, Some(TradeState::Refund));

    // The refund's callback, verified and typed by the merchant's handler.
    let (url, mut rx) = common::receive_one_callback::<RefundResultEvent>(client.clone()).await?;
    let notice = sim.refund_notice("R-1").ok_or("no such refund")?;
    let status = sim
        .send_notification(&url, "REFUND.SUCCESS", "refund", &notice)
        .await?;
    assert_eq!(status, 204);
    let event = rx.recv().await.ok_or("handler saw nothing")??;
    assert_eq!(event.refund_status, RefundStatus::Success);
    assert_eq!(
        (event.out_refund_no.as_str(), event.amount.refund),
        ("R-1", 3000)
    );
    assert_eq!(event.refund_id, arrived.refund_id);
    Ok(())
}

#[tokio::test]
async fn an_unpaid_order_closes_once_and_cannot_be_paid() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let native = PrepayNativeRequest::builder()
        .appid("wxd678efh567hg6787")
        .mchid(FIXTURE_MCHID)
        .description("会员月卡")
        .out_trade_no("ORDER-NATIVE-1")
        .notify_url("https://shop.example.com/wechatpay/notify")
        .amount(Amount::builder().total(1500).build()?)
        .build()?;
    let qr = client.execute(native).await?;
    assert!(qr.code_url.starts_with("weixin://wxpay/bizpayurl?pr="));

    client.execute(close("ORDER-NATIVE-1")).await?;
    // Closing again changes nothing and says so.
    let err = client
        .execute(close("ORDER-NATIVE-1"))
        .await
        .expect_err("closed");
    assert_eq!(err.code().cloned(), Some(ErrorCode::OrderClosed));
    assert_eq!(sim.faults().effects("pay_transactions.close_order"), 1);
    let closed = client.execute(by_out_trade_no("ORDER-NATIVE-1")).await?;
    assert_eq!(closed.trade_state, Some(TradeState::Closed));
    assert!(sim.pay_order("ORDER-NATIVE-1", OPENID).is_err());
    let err = client
        .execute(close("NO-SUCH-ORDER"))
        .await
        .expect_err("unknown");
    assert_eq!(err.code().cloned(), Some(ErrorCode::OrderNotExist));
    Ok(())
}

#[tokio::test]
async fn a_days_bill_downloads_unsigned_and_hash_checked() -> TestResult {
    use wechatpay_apiv3::bill::{ApplyTradeBillRequest, TarType};
    let (sim, client) = common::sim_and_client().await?;
    client.execute(jsapi_order("ORDER-BILL-1", 8800)).await?;
    let paid = sim.pay_order("ORDER-BILL-1", OPENID)?;
    let today = paid.transaction["success_time"]
        .as_str()
        .and_then(|t| t.get(..10))
        .ok_or("no success_time")?
        .to_string();
    for tar_type in [None, Some(TarType::Gzip)] {
        let mut ask = ApplyTradeBillRequest::builder().bill_date(today.as_str());
        if let Some(t) = tar_type {
            ask = ask.tar_type(t);
        }
        let link = client.execute(ask.build()?).await?;
        let file = client
            .download_bill(&link.download_url, &link.hash_type, &link.hash_value)
            .await?;
        let text = String::from_utf8(file)?;
        assert!(text.contains("`ORDER-BILL-1,"), "{text}");
        assert!(
            text.contains(&format!("`{},", paid.transaction_id)),
            "{text}"
        );
        assert!(text.ends_with("`1,`88.00\n"), "{text}");
        // The header and the payment's line end with its description (商品名称), as placed.
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].ends_with(",应结订单金额,商品名称"), "{text}");
        assert_eq!(
            lines[0].split(',').count(),
            lines[1].split(',').count(),
            "{text}"
        );
        assert!(
            lines[1].ends_with(",`SUCCESS,`CNY,`88.00,`手冲咖啡豆 250g"),
            "{text}"
        );
        // A hash that does not match is refused, not returned.
        let err = client
            .download_bill(&link.download_url, &link.hash_type, &"0".repeat(40))
            .await
            .expect_err("wrong hash");
        assert!(matches!(err, Error::Untrusted(_)), "{err}");
    }
    // A link to another host never gets a signed request.
    let err = client
        .download_bill(
            "https://evil.example.com/v3/billdownload/file?token=x",
            "SHA1",
            &"0".repeat(40),
        )
        .await
        .expect_err("foreign host");
    assert!(matches!(err, Error::Config(_)), "{err}");
    let err = client
        .execute(
            ApplyTradeBillRequest::builder()
                .bill_date("2999-01-01")
                .build()?,
        )
        .await
        .expect_err("future day");
    assert_eq!(err.code().cloned(), Some(ErrorCode::NoStatementExist));
    Ok(())
}
