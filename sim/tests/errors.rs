//! Errors a user can handle: the typed code of any operation's error, one erased type for the
//! errors of different operations, and the typed `detail` of a PARAM_ERROR, from real answers of
//! the simulator.

use wechatpay_apiv3::pay::transactions::{
    Amount, CloseOrderRequest, JsapiPayer, PrepayJsapiRequest,
};
use wechatpay_apiv3::{AnyError, Error, ErrorCode, RetryPolicy};
use wechatpay_apiv3_sim::{FIXTURE_MCHID, Simulator};

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn order(out_trade_no: &str, total: i64) -> PrepayJsapiRequest {
    PrepayJsapiRequest::builder()
        .appid("wxd678efh567hg6787")
        .mchid(FIXTURE_MCHID)
        .description("error test")
        .out_trade_no(out_trade_no)
        .notify_url("https://shop.example.com/wechatpay/notify")
        .amount(Amount::builder().total(total).build().expect("amount"))
        .payer(
            JsapiPayer::builder()
                .openid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
                .build()
                .expect("payer"),
        )
        .build()
        .expect("valid order")
}

#[tokio::test]
async fn codes_are_typed_per_operation_and_erased_alike_across_operations() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    client.execute(order("ERR-000001", 100)).await?;
    let reused = client
        .execute(order("ERR-000001", 200))
        .await
        .expect_err("reused number");
    assert_eq!(reused.code(), Some(&ErrorCode::OutTradeNoUsed));
    assert_eq!(reused.code_str(), Some("OUT_TRADE_NO_USED"));
    assert_eq!(reused.status(), Some(403));

    client
        .execute(
            CloseOrderRequest::builder()
                .out_trade_no("ERR-000001")
                .mchid(FIXTURE_MCHID)
                .build()?,
        )
        .await?;
    let closed = client
        .execute(
            CloseOrderRequest::builder()
                .out_trade_no("ERR-000001")
                .mchid(FIXTURE_MCHID)
                .build()?,
        )
        .await
        .expect_err("closed twice");

    // Two operations, one list of erased errors.
    let errors: Vec<AnyError> = vec![reused.erase(), closed.erase()];
    let codes: Vec<Option<&str>> = errors.iter().map(Error::code_str).collect();
    assert_eq!(codes, [Some("OUT_TRADE_NO_USED"), Some("ORDER_CLOSED")]);
    // Erased errors are still std errors that say what happened.
    let boxed: Box<dyn std::error::Error> = Box::new(errors.into_iter().nth(1).expect("two"));
    assert!(boxed.to_string().contains("ORDER_CLOSED"), "{boxed}");

    // Errors that are not API answers have no code.
    let config = sim
        .client_config()
        .base_url("http://127.0.0.1:9")
        .retry(RetryPolicy::none())
        .build()?;
    let unreachable = wechatpay_apiv3::Client::new(config)?
        .execute(order("ERR-000002", 100))
        .await;
    let err = unreachable.expect_err("nothing listens on port 9");
    assert!(
        matches!(err, Error::Unreachable(_) | Error::Timeout(_)),
        "{err}"
    );
    assert_eq!(err.code(), None);
    Ok(())
}

#[tokio::test]
async fn param_error_detail_is_typed() -> TestResult {
    let sim = Simulator::start().await?;
    let client =
        wechatpay_apiv3::Client::new(sim.client_config().retry(RetryPolicy::none()).build()?)?;
    // An untyped call can send what the typed builder would refuse: the amount's total is a string.
    let body = serde_json::json!({
        "appid": "wxd678efh567hg6787", "mchid": FIXTURE_MCHID, "description": "x",
        "out_trade_no": "ERR-000003", "notify_url": "https://shop.example.com/n",
        "amount": { "total": "100" }, "payer": { "openid": "o" }
    });
    let err = client
        .call_json(
            http::Method::POST,
            "/v3/pay/transactions/jsapi",
            Some(&body),
            false,
        )
        .await
        .expect_err("refused");
    assert_eq!(err.code_str(), Some("PARAM_ERROR"));
    let detail = err.api().and_then(|e| e.detail.as_ref()).expect("detail");
    assert_eq!(detail.field.as_deref(), Some("/amount/total"));
    assert_eq!(detail.location.as_deref(), Some("body"));
    assert!(detail.issue.as_deref().is_some_and(|i| !i.is_empty()));
    assert_eq!(detail.raw["field"], "/amount/total");
    Ok(())
}
