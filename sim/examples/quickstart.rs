//! Quickstart: a JSAPI / mini-program payment from order to refund, against the in-process
//! simulator (no credentials needed):
//!
//! prepay → front-end parameters (`wx.requestPayment`) → the user pays → the payment callback
//! → query by `out_trade_no` → refund → the refund callback.
//!
//! Run: `cargo run -p wechatpay-apiv3-sim --example quickstart`. Against the real API, only the
//! `Config` changes (see the README) and the user pays in WeChat instead of `sim.pay_order`.

use std::error::Error;

use wechatpay_apiv3::pay::transactions::{
    Amount, JsapiPayer, PrepayJsapiRequest, QueryByOutTradeNoRequest,
};
use wechatpay_apiv3::refund::domestic::{CreateRefundRequest, RefundRequestAmount};
use wechatpay_apiv3::{AnswerCallback, AnyNotification, Client, Received};
use wechatpay_apiv3_sim::{FIXTURE_MCHID, Simulator};

const APPID: &str = "wxd678efh567hg6787";
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let sim = Simulator::start().await?;
    let client = Client::new(sim.client_config().build()?)?;
    println!("simulator at {}", sim.base_url());

    // 1. JSAPI prepay (小程序 / 公众号下单): POST /v3/pay/transactions/jsapi
    let prepay = client
        .execute(
            PrepayJsapiRequest::builder()
                .appid(APPID)
                .mchid(FIXTURE_MCHID)
                .description("手冲咖啡豆 250g")
                .out_trade_no("QS-20261201-0001")
                .notify_url("https://shop.example.com/wechatpay/notify")
                .amount(Amount::builder().total(8800).build()?) // fen
                .payer(JsapiPayer::builder().openid(OPENID).build()?)
                .build()?,
        )
        .await?;
    println!("\n1. prepay_id {}", prepay.prepay_id);

    // 2. What the mini-program passes to wx.requestPayment, signed with the client's own key.
    let params = client.jsapi_pay_params(APPID, &prepay.prepay_id)?;
    println!(
        "2. wx.requestPayment({})",
        serde_json::to_string_pretty(&params)?
    );

    // 3. The user pays (in the simulator; in WeChat for real).
    let paid = sim.pay_order("QS-20261201-0001", OPENID)?;
    println!("3. paid: transaction {}", paid.transaction_id);

    // 4. The payment callback, as your notify URL receives it: verified, decrypted, typed.
    let callback =
        sim.signed_notification("TRANSACTION.SUCCESS", "transaction", &paid.transaction)?;
    let result = client
        .parse_callback_from_pairs::<AnyNotification, _, _, _>(callback.headers, &callback.body)
        .await;
    let answer = result.answer(); // 200, no body: what WeChat Pay expects back
    if let Received::Known(n) = result?
        && let AnyNotification::TransactionSuccess(t) = n.event
    {
        println!(
            "4. callback {}: {:?} is {:?}; answer {}",
            n.event_type, t.out_trade_no, t.trade_state, answer.status
        );
    }

    // 5. Query by out_trade_no.
    let order = client
        .execute(
            QueryByOutTradeNoRequest::builder()
                .out_trade_no("QS-20261201-0001")
                .mchid(FIXTURE_MCHID)
                .build()?,
        )
        .await?;
    println!(
        "5. query: {:?}, {:?}",
        order.trade_state, order.transaction_id
    );

    // 6. Refund part of it, then its callback on the same entry point.
    let refund = client
        .execute(
            CreateRefundRequest::builder()
                .out_trade_no("QS-20261201-0001")
                .out_refund_no("QS-R-20261201-0001")
                .amount(
                    RefundRequestAmount::builder()
                        .refund(3000)
                        .total(8800)
                        .currency("CNY")
                        .build()?,
                )
                .build()?,
        )
        .await?;
    println!("6. refund {}: {:?}", refund.out_refund_no, refund.status);
    let notice = sim
        .refund_notice("QS-R-20261201-0001")
        .ok_or("no refund notice")?;
    let callback = sim.signed_notification("REFUND.SUCCESS", "refund", &notice)?;
    let result = client
        .parse_callback_from_pairs::<AnyNotification, _, _, _>(callback.headers, &callback.body)
        .await;
    if let Ok(Received::Known(n)) = &result
        && let AnyNotification::RefundResult(r) = &n.event
    {
        println!(
            "   callback {}: {} fen back; answer {}",
            n.event_type,
            r.amount.refund,
            result.answer().status
        );
    }
    Ok(())
}
