//! Concurrent clients against one simulator: 16 tasks at once repeat the same idempotent refund
//! and coupon send (one effect, one answer for all) and send distinct ones (one effect each, none
//! lost). Bounded: a counted number of requests, each answered without retries, within a time
//! limit generous for a loaded machine.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::json;
use wechatpay_apiv3::marketing::busifavor::{
    CreateStockBody, CreateStockRequest, ListUserCouponsRequest, SendCouponRequest,
};
use wechatpay_apiv3::pay::transactions::{
    Amount, JsapiPayer, PrepayJsapiRequest, QueryByOutTradeNoRequest, TradeState,
};
use wechatpay_apiv3::refund::domestic::{
    CreateRefundRequest, QueryByOutRefundNoRequest, RefundRequestAmount,
};
use wechatpay_apiv3::{Client, RetryPolicy, Timeouts};
use wechatpay_apiv3_sim::{FIXTURE_MCHID, Simulator};

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

const TASKS: usize = 16;
/// Calls of each kind per task; 16 × 6 distinct coupons + 1 shared stays within the stock's
/// documented per-user maximum of 100.
const CALLS: usize = 6;
const ORDER_TOTAL: i64 = 100_000;
const REFUND: i64 = 100;

/// A client that never retries, so every request counted is one the test sent.
fn client(sim: &Simulator) -> Result<Client, Box<dyn std::error::Error + Send + Sync>> {
    let config = sim
        .client_config()
        .retry(RetryPolicy::none())
        .timeouts(Timeouts {
            connect: Duration::from_secs(20),
            attempt: Duration::from_secs(60),
            total: Duration::from_secs(60),
        })
        .build()?;
    Ok(Client::new(config)?)
}

fn refund(out_refund_no: &str) -> CreateRefundRequest {
    CreateRefundRequest::builder()
        .out_trade_no("ORDER-LOAD-1")
        .out_refund_no(out_refund_no)
        .amount(
            RefundRequestAmount::builder()
                .refund(REFUND)
                .total(ORDER_TOTAL)
                .currency("CNY")
                .build()
                .expect("amount"),
        )
        .build()
        .expect("valid refund")
}

fn send(stock_id: &str, request_no: &str) -> SendCouponRequest {
    SendCouponRequest::builder()
        .openid("oSim_user_under_load")
        .appid("wx5b7c9d1e3f2a4b6c")
        .stock_id(stock_id)
        .out_request_no(request_no)
        .build()
        .expect("valid send")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_repeats_and_distinct_requests_make_exactly_their_effects() -> TestResult {
    let sim = Simulator::start().await?;
    let setup = client(&sim)?;
    let order = PrepayJsapiRequest::builder()
        .appid("wxd678efh567hg6787")
        .mchid(FIXTURE_MCHID)
        .description("压测订单")
        .out_trade_no("ORDER-LOAD-1")
        .notify_url("https://shop.example.com/wechatpay/notify")
        .amount(Amount::builder().total(ORDER_TOTAL).build()?)
        .payer(JsapiPayer::builder().openid("oSim_payer").build()?)
        .build()?;
    setup.execute(order).await?;
    sim.pay_order("ORDER-LOAD-1", "oSim_payer")?;
    let body: CreateStockBody = serde_json::from_value(json!({
        "stock_name": "压测券", "belong_merchant": "1900000001", "goods_name": "全店",
        "stock_type": "NORMAL",
        "coupon_use_rule": {
            "coupon_available_time": {
                "available_begin_time": "2026-01-01T00:00:00+08:00",
                "available_end_time": "2027-12-31T23:59:59+08:00"
            },
            "fixed_normal_coupon": { "discount_amount": 100, "transaction_minimum": 1000 },
            "use_method": "OFF_LINE"
        },
        "stock_send_rule": { "max_coupons": 1000, "max_coupons_per_user": 100 },
        "out_request_no": "LOAD-STOCK-1", "coupon_code_mode": "WECHATPAY_MODE"
    }))?;
    let stock_id = setup
        .execute(CreateStockRequest::builder().body(body).build()?)
        .await?
        .stock_id;

    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..TASKS {
        let (client, stock_id) = (client(&sim)?, stock_id.clone());
        tasks.spawn(async move {
            let mut same = Vec::new();
            let mut distinct = Vec::new();
            for i in 0..CALLS {
                // Every task repeats the same numbers at once, and sends numbers of its own.
                let e = |e: wechatpay_apiv3::Error<_>| format!("task {t}, call {i}: {e}");
                let shared = client.execute(refund("R-SHARED")).await.map_err(e)?;
                let own = client
                    .execute(refund(&format!("R-{t}-{i}")))
                    .await
                    .map_err(e)?;
                let e = |e: wechatpay_apiv3::Error<_>| format!("task {t}, call {i}: {e}");
                let sent_shared = client
                    .execute(send(&stock_id, "SEND-SHARED"))
                    .await
                    .map_err(e)?;
                let sent_own = client
                    .execute(send(&stock_id, &format!("SEND-{t}-{i}")))
                    .await
                    .map_err(e)?;
                same.push((shared.refund_id, sent_shared.coupon_code));
                distinct.push((own.refund_id, sent_own.coupon_code));
            }
            Ok::<_, String>((same, distinct))
        });
    }
    let all = tokio::time::timeout(Duration::from_secs(300), tasks.join_all())
        .await
        .map_err(|_| "the concurrent calls did not finish within 300 s")?;

    let mut same = BTreeSet::new();
    let mut distinct_refunds = BTreeSet::new();
    let mut distinct_coupons = BTreeSet::new();
    for result in all {
        let (s, d) = result?;
        same.extend(s);
        for (refund_id, coupon_code) in d {
            distinct_refunds.insert(refund_id);
            distinct_coupons.insert(coupon_code.ok_or("a send without a coupon_code")?);
        }
    }
    let distinct = TASKS * CALLS;
    assert_eq!(same.len(), 1, "every repeat got the first answer: {same:?}");
    assert_eq!(distinct_refunds.len(), distinct, "no refund lost or merged");
    assert_eq!(distinct_coupons.len(), distinct, "no coupon lost or merged");

    // Counted: each call reached the simulator once, and changed state once per number.
    let faults = sim.faults();
    for op in ["refund_domestic.create_refund", "busifavor.send_coupon"] {
        assert_eq!(faults.calls(op), (2 * distinct) as u64, "{op} calls");
        assert_eq!(faults.effects(op), (distinct + 1) as u64, "{op} effects");
    }

    // What the state shows afterwards agrees.
    let listed = setup
        .execute(
            ListUserCouponsRequest::builder()
                .openid("oSim_user_under_load")
                .appid("wx5b7c9d1e3f2a4b6c")
                .stock_id(stock_id.as_str())
                .build()?,
        )
        .await?;
    assert_eq!(listed.total_count, (distinct + 1) as i64);
    let shared = setup
        .execute(
            QueryByOutRefundNoRequest::builder()
                .out_refund_no("R-SHARED")
                .build()?,
        )
        .await?;
    assert_eq!(same.iter().next().map(|p| &p.0), Some(&shared.refund_id));
    assert_eq!(shared.amount.refund, REFUND);
    let order = setup
        .execute(
            QueryByOutTradeNoRequest::builder()
                .out_trade_no("ORDER-LOAD-1")
                .mchid(FIXTURE_MCHID)
                .build()?,
        )
        .await?;
    assert_eq!(order.trade_state, Some(TradeState::Refund));
    // The whole refunded sum is what the effects say: one more refund of the rest is accepted,
    // one fen more is refused.
    let left = ORDER_TOTAL - REFUND * (distinct as i64 + 1);
    let rest = CreateRefundRequest::builder()
        .out_trade_no("ORDER-LOAD-1")
        .out_refund_no("R-REST-TOO-MUCH")
        .amount(
            RefundRequestAmount::builder()
                .refund(left + 1)
                .total(ORDER_TOTAL)
                .currency("CNY")
                .build()?,
        )
        .build()?;
    assert!(setup.execute(rest).await.is_err(), "one fen over the total");
    let rest = CreateRefundRequest::builder()
        .out_trade_no("ORDER-LOAD-1")
        .out_refund_no("R-REST")
        .amount(
            RefundRequestAmount::builder()
                .refund(left)
                .total(ORDER_TOTAL)
                .currency("CNY")
                .build()?,
        )
        .build()?;
    assert_eq!(setup.execute(rest).await?.amount.refund, left);
    Ok(())
}
