//! 付款码支付 through the generated client and the simulator over real HTTP: a code under the
//! password-free limit is charged; above it WeChat Pay answers 202 USERPAYING, which the client
//! returns as that documented error (verified first), never as an empty Transaction.

use serde_json::json;
use wechatpay_apiv3::pay::transactions::codepay::{CodepayBody, CodepayRequest};
use wechatpay_apiv3::pay::transactions::reverse::ReverseRequest;
use wechatpay_apiv3::pay::transactions::types::TradeState;
use wechatpay_apiv3::{Client, ErrorCode, Operation};
use wechatpay_apiv3_sim::Simulator;

fn codepay(out_trade_no: &str, total: i64) -> CodepayRequest {
    let body: CodepayBody = serde_json::from_value(json!({
        "appid": "wx5e1f0a2b3c4d6e7f", "mchid": "1900012345", "description": "晨光咖啡-拿铁大杯",
        "out_trade_no": out_trade_no, "payer": { "auth_code": "134620578093245611" },
        "amount": { "total": total, "currency": "CNY" },
        "scene_info": { "device_id": "POS-07", "store_info": { "id": "SZ-NS-001" } }
    }))
    .expect("a codepay body");
    CodepayRequest::builder()
        .body(body)
        .build()
        .expect("valid request")
}

#[tokio::test]
async fn a_charge_is_paid_or_user_paying_and_never_an_empty_transaction()
-> Result<(), Box<dyn std::error::Error>> {
    let sim = Simulator::start().await?;
    let client = Client::new(sim.client_config().build()?)?;

    let paid = client.execute(codepay("CP-SMALL-1", 2800)).await?;
    assert_eq!(paid.trade_state, Some(TradeState::Success));
    assert_eq!(paid.out_trade_no.as_deref(), Some("CP-SMALL-1"));
    assert_eq!(paid.amount.and_then(|a| a.total), Some(2800));

    // Above the simulator's password-free limit (1,000 yuan) the user must enter a password.
    let err = client
        .execute(codepay("CP-LARGE-1", 200_000))
        .await
        .expect_err("not final yet");
    assert_eq!(err.code(), Some(&ErrorCode::Userpaying), "{err}");
    assert_eq!(err.status(), Some(202));
    let row = CodepayRequest::META
        .errors
        .iter()
        .find(|r| r.code == "USERPAYING")
        .expect("documented");
    assert!(!row.retry && row.solution.contains("reverse"), "{row:?}");

    // The documented remedy when the merchant gives up: reverse the order.
    let reversed = client
        .execute(
            ReverseRequest::builder()
                .out_trade_no("CP-LARGE-1")
                .appid("wx5e1f0a2b3c4d6e7f")
                .mchid("1900012345")
                .build()?,
        )
        .await?;
    assert_eq!(reversed.mchid, "1900012345");
    assert_eq!(
        sim.faults().effects("pay_transactions.codepay"),
        1,
        "only the small charge took effect"
    );
    Ok(())
}
