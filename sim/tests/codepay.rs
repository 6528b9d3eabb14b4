//! 付款码支付 through the generated client and the simulator over real HTTP, on the payment-code
//! order lifecycle of spec/pay/transactions/family.yaml: a code at or under the simulator's
//! password-free limit (1,000 yuan, sim/README.md) is charged at once; above it the order stays
//! USERPAYING (202, returned as the documented error, never as an empty Transaction) while the
//! merchant polls, until the simulated user enters the password (SUCCESS) or cancels (PAYERROR)
//! through the control API; `reverse` revokes it. Repeats never make a second order.

use serde_json::json;
use wechatpay_apiv3::pay::transactions::codepay::{CodepayBody, CodepayRequest};
use wechatpay_apiv3::pay::transactions::reverse::ReverseRequest;
use wechatpay_apiv3::pay::transactions::types::{Amount, JsapiPayer, TradeState, TradeType};
use wechatpay_apiv3::pay::transactions::{
    PrepayJsapiRequest, QueryByOutTradeNoRequest, Transaction,
};
use wechatpay_apiv3::{Client, Error, ErrorCode, Operation};
use wechatpay_apiv3_sim::Simulator;

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const APPID: &str = "wx5e1f0a2b3c4d6e7f";
const MCHID: &str = "1900012345";
/// Above the simulator's password-free limit of 100,000 fen.
const NEEDS_PASSWORD: i64 = 200_000;

fn codepay(out_trade_no: &str, total: i64) -> CodepayRequest {
    let body: CodepayBody = serde_json::from_value(json!({
        "appid": APPID, "mchid": MCHID, "description": "晨光咖啡-拿铁大杯",
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

fn reverse(out_trade_no: &str) -> ReverseRequest {
    ReverseRequest::builder()
        .out_trade_no(out_trade_no)
        .appid(APPID)
        .mchid(MCHID)
        .build()
        .expect("valid reverse")
}

async fn query(client: &Client, out_trade_no: &str) -> Result<Transaction, Error<ErrorCode>> {
    let request = QueryByOutTradeNoRequest::builder()
        .out_trade_no(out_trade_no)
        .mchid(MCHID)
        .build()
        .expect("valid query");
    client.execute(request).await
}

/// What the simulated user does with a USERPAYING order: the control route's status and answer.
async fn user(sim: &Simulator, out_trade_no: &str, action: &str) -> (u16, serde_json::Value) {
    common::control_post(
        sim,
        &format!("/pay_transactions/order/{out_trade_no}/{action}"),
        json!({}),
    )
    .await
    .expect("the control API answers")
}

#[tokio::test]
async fn a_charge_under_the_limit_is_paid_at_once_and_a_repeat_is_the_same_order() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;

    let paid = client.execute(codepay("CP-SMALL-1", 2800)).await?;
    assert_eq!(paid.trade_state, Some(TradeState::Success));
    assert_eq!(paid.trade_type, Some(TradeType::Micropay));
    assert_eq!(paid.out_trade_no.as_deref(), Some("CP-SMALL-1"));
    let amount = paid.amount.clone().expect("an amount");
    assert_eq!((amount.total, amount.payer_total), (Some(2800), Some(2800)));
    let transaction_id = paid.transaction_id.clone().expect("a transaction id");
    assert!(paid.success_time.is_some(), "{paid:?}");

    // The cashier's retry after a lost answer: the same order, nothing charged again.
    assert_eq!(client.execute(codepay("CP-SMALL-1", 2800)).await?, paid);
    assert_eq!(sim.faults().effects("pay_transactions.codepay"), 1);
    let queried = query(&client, "CP-SMALL-1").await?;
    assert_eq!(queried.trade_state, Some(TradeState::Success));
    assert_eq!(
        queried.transaction_id.as_deref(),
        Some(transaction_id.as_str())
    );

    // The same number for another amount is another order, refused with the documented code.
    let err = common::api_error(client.execute(codepay("CP-SMALL-1", 3000)).await);
    assert_eq!(err.code, ErrorCode::OutTradeNoUsed, "{}", err.message);
    assert!(err.message.contains("out_trade_no"), "{}", err.message);
    assert_eq!(sim.faults().effects("pay_transactions.codepay"), 1);
    Ok(())
}

#[tokio::test]
async fn a_charge_above_the_limit_stays_user_paying_until_the_user_enters_the_password()
-> TestResult {
    let (sim, client) = common::sim_and_client().await?;

    let err = client
        .execute(codepay("CP-LARGE-1", NEEDS_PASSWORD))
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

    // The merchant polls: the order exists, USERPAYING, without a transaction id yet.
    for _ in 0..2 {
        let polled = query(&client, "CP-LARGE-1").await?;
        assert_eq!(polled.trade_state, Some(TradeState::Userpaying));
        assert_eq!(polled.trade_type, Some(TradeType::Micropay));
        assert_eq!(polled.transaction_id, None);
        assert_eq!(polled.success_time, None);
    }
    // A repeat of the charge while the user types is the same order: 202 again, no second one.
    let again = client.execute(codepay("CP-LARGE-1", NEEDS_PASSWORD)).await;
    assert_eq!(common::api_error(again).code, ErrorCode::Userpaying);
    assert_eq!(sim.faults().effects("pay_transactions.codepay"), 1);

    let (status, answer) = user(&sim, "CP-LARGE-1", "enter_password").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["callback"],
        serde_json::Value::Null,
        "a payment code has no callback"
    );
    let paid = query(&client, "CP-LARGE-1").await?;
    assert_eq!(paid.trade_state, Some(TradeState::Success));
    assert_eq!(paid.trade_state_desc.as_deref(), Some("支付成功"));
    assert!(
        paid.transaction_id.is_some() && paid.success_time.is_some(),
        "{paid:?}"
    );
    assert_eq!(
        paid.amount.and_then(|a| a.payer_total),
        Some(NEEDS_PASSWORD)
    );

    // Paid once: the user cannot pay it again, nor cancel it now.
    for action in ["enter_password", "cancel_password"] {
        let (status, answer) = user(&sim, "CP-LARGE-1", action).await;
        assert_eq!(status, 409, "{answer}");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("is SUCCESS, not USERPAYING"),
            "{action}: {message}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_user_who_cancels_leaves_a_failed_order_the_merchant_reverses() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let err = client.execute(codepay("CP-CANCEL-1", NEEDS_PASSWORD)).await;
    assert_eq!(common::api_error(err).code, ErrorCode::Userpaying);

    let (status, answer) = user(&sim, "CP-CANCEL-1", "cancel_password").await;
    assert_eq!(status, 200, "{answer}");
    let failed = query(&client, "CP-CANCEL-1").await?;
    assert_eq!(failed.trade_state, Some(TradeState::Payerror));
    assert_eq!(failed.transaction_id, None);

    let reversed = client.execute(reverse("CP-CANCEL-1")).await?;
    assert_eq!(
        (reversed.mchid.as_str(), reversed.out_trade_no.as_str()),
        (MCHID, "CP-CANCEL-1")
    );
    assert_eq!(reversed.appid.as_deref(), Some(APPID));
    let revoked = query(&client, "CP-CANCEL-1").await?;
    assert_eq!(revoked.trade_state, Some(TradeState::Revoked));
    assert_eq!(revoked.trade_state_desc.as_deref(), Some("已撤销"));
    // Reversing is retry-safe: again, it stays REVOKED.
    client.execute(reverse("CP-CANCEL-1")).await?;
    assert_eq!(
        query(&client, "CP-CANCEL-1").await?.trade_state,
        Some(TradeState::Revoked)
    );
    // A revoked order can no longer be paid by the user.
    let (status, answer) = user(&sim, "CP-CANCEL-1", "enter_password").await;
    assert_eq!(status, 409, "{answer}");
    Ok(())
}

#[tokio::test]
async fn the_merchant_who_gives_up_reverses_a_waiting_or_paid_code_order_and_nothing_else()
-> TestResult {
    let (sim, client) = common::sim_and_client().await?;

    // Still waiting for the password when the cashier gives up.
    let err = client.execute(codepay("CP-GIVEUP-1", NEEDS_PASSWORD)).await;
    assert_eq!(common::api_error(err).code, ErrorCode::Userpaying);
    client.execute(reverse("CP-GIVEUP-1")).await?;
    assert_eq!(
        query(&client, "CP-GIVEUP-1").await?.trade_state,
        Some(TradeState::Revoked)
    );
    let (status, answer) = user(&sim, "CP-GIVEUP-1", "enter_password").await;
    assert_eq!(
        status, 409,
        "the user can no longer pay a revoked order: {answer}"
    );
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("is REVOKED, not USERPAYING")),
        "{answer}"
    );

    // A paid payment-code order is reversed too (its money goes back to the user).
    client.execute(codepay("CP-PAID-1", 2800)).await?;
    client.execute(reverse("CP-PAID-1")).await?;
    assert_eq!(
        query(&client, "CP-PAID-1").await?.trade_state,
        Some(TradeState::Revoked)
    );
    assert_eq!(sim.faults().effects("pay_transactions.codepay"), 2);

    // A prepaid (JSAPI) order is no payment-code order: the rule is named.
    let prepay = PrepayJsapiRequest::builder()
        .appid(APPID)
        .mchid(MCHID)
        .description("手冲咖啡豆 250g")
        .out_trade_no("JSAPI-1")
        .notify_url("https://shop.example.com/wechatpay/notify")
        .amount(Amount::builder().total(2800).build()?)
        .payer(
            JsapiPayer::builder()
                .openid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
                .build()?,
        )
        .build()?;
    client.execute(prepay).await?;
    let err = common::api_error(client.execute(reverse("JSAPI-1")).await);
    assert_eq!((err.status, &err.code), (400, &ErrorCode::InvalidRequest));
    assert!(
        err.message.contains("is NOTPAY; reverse needs USERPAYING"),
        "{}",
        err.message
    );
    // Paid, it is in a state a payment-code order could be reversed from, and still refused.
    sim.pay_order("JSAPI-1", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")?;
    let err = common::api_error(client.execute(reverse("JSAPI-1")).await);
    assert_eq!((err.status, &err.code), (400, &ErrorCode::InvalidRequest));
    assert!(
        err.message.contains("only a payment-code (MICROPAY) order"),
        "{}",
        err.message
    );
    assert_eq!(
        query(&client, "JSAPI-1").await?.trade_state,
        Some(TradeState::Success)
    );

    // An order the simulator never saw is not found.
    let err = common::api_error(client.execute(reverse("CP-NEVER-1")).await);
    assert_eq!(
        (err.status, &err.code),
        (404, &ErrorCode::OrderNotExist),
        "{}",
        err.message
    );
    Ok(())
}
