//! 微信支付分 (payscore) service orders through the generated client against the simulator: an
//! order is created (CREATED), the user confirms it through the control API (DOING,
//! PAYSCORE.USER_CONFIRM at the order's notify_url), the merchant completes it, and the user pays
//! (DONE, PAYSCORE.USER_PAID). Cancelling is allowed from CREATED and DOING only, and a repeated
//! create answers the first order.

use serde_json::json;
use wechatpay_apiv3::Client;
use wechatpay_apiv3::payscore::{
    CancelServiceOrderRequest, CompleteServiceOrderRequest, CreateServiceOrderRequest, PostPayment,
    QueryServiceOrderRequest, RiskFund, RiskFundName, ServiceOrder, ServiceOrderState,
    StateDescription, TimeRange,
};

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const APPID: &str = "wxd678efh567hg6787";
const SERVICE: &str = "2002000000000558128851361561536";
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

fn create(out_order_no: &str, notify_url: &str) -> CreateServiceOrderRequest {
    CreateServiceOrderRequest::builder()
        .out_order_no(out_order_no)
        .appid(APPID)
        .service_id(SERVICE)
        .service_introduction("某某酒店")
        .time_range(
            TimeRange::builder()
                .start_time("OnAccept")
                .build()
                .expect("time"),
        )
        .risk_fund(
            RiskFund::builder()
                .name(RiskFundName::Deposit)
                .amount(50000)
                .build()
                .expect("risk fund"),
        )
        .notify_url(notify_url)
        .need_user_confirm(true)
        .build()
        .expect("valid create")
}

async fn query(
    client: &Client,
    out_order_no: &str,
) -> Result<ServiceOrder, Box<dyn std::error::Error>> {
    let request = QueryServiceOrderRequest::builder()
        .out_order_no(out_order_no)
        .service_id(SERVICE)
        .appid(APPID)
        .build()?;
    Ok(client.execute(request).await?)
}

fn cancel(out_order_no: &str) -> CancelServiceOrderRequest {
    CancelServiceOrderRequest::builder()
        .out_order_no(out_order_no)
        .appid(APPID)
        .service_id(SERVICE)
        .reason("用户取消预订")
        .build()
        .expect("valid cancel")
}

fn code<C: wechatpay_apiv3::OpenEnum + Clone>(err: &wechatpay_apiv3::Error<C>) -> Option<&str> {
    err.api().map(|e| e.code.as_str())
}

#[tokio::test]
async fn create_confirm_complete_pay() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let (url, mut confirmed) = common::receive_one_callback::<ServiceOrder>(client.clone()).await?;
    let notify_url = url.replacen("http://", "https://", 1);

    let created = client.execute(create("PSO-1", &notify_url)).await?;
    assert_eq!(created.state, ServiceOrderState::Created);
    assert_eq!(created.out_order_no, "PSO-1");
    assert_eq!(
        client.execute(create("PSO-1", &notify_url)).await?,
        created,
        "replayed"
    );
    assert_eq!(
        query(&client, "PSO-1").await?.state,
        ServiceOrderState::Created
    );

    // Completing before the user confirms is refused.
    let complete = || {
        CompleteServiceOrderRequest::builder()
            .out_order_no("PSO-1")
            .appid(APPID)
            .service_id(SERVICE)
            .post_payments(vec![
                PostPayment::builder()
                    .name("住宿费")
                    .amount(40000)
                    .count(1)
                    .build()
                    .expect("fee"),
            ])
            .total_amount(40000)
            .build()
            .expect("valid complete")
    };
    let err = client.execute(complete()).await.expect_err("not confirmed");
    assert_eq!(code(&err), Some("INVALID_REQUEST"));

    // The user confirms in WeChat: DOING, and PAYSCORE.USER_CONFIRM reaches the order's notify_url.
    let (status, answer) = common::control_post(
        &sim,
        "/payscore/service_order/PSO-1/confirm",
        json!({ "openid": OPENID }),
    )
    .await?;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["callback"]["event_type"], "PAYSCORE.USER_CONFIRM");
    let event = confirmed.recv().await.ok_or("no callback arrived")??;
    assert_eq!(
        (
            event.out_order_no.as_str(),
            event.state.clone(),
            event.openid.as_deref()
        ),
        ("PSO-1", ServiceOrderState::Doing, Some(OPENID))
    );
    assert_eq!(event.state_description, Some(StateDescription::UserConfirm));

    let completed = client.execute(complete()).await?;
    assert_eq!(completed.state, ServiceOrderState::Doing);
    let read = query(&client, "PSO-1").await?;
    assert_eq!(
        (read.state_description, read.total_amount),
        (Some(StateDescription::MchComplete), Some(40000))
    );

    // The user pays: DONE, PAYSCORE.USER_PAID; a done order can no longer be cancelled.
    let (url, mut paid) = common::receive_one_callback::<ServiceOrder>(client.clone()).await?;
    let (status, answer) = common::control_post(
        &sim,
        "/payscore/service_order/PSO-1/pay",
        json!({ "notify_url": url.replacen("http://", "https://", 1) }),
    )
    .await?;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["callback"]["event_type"], "PAYSCORE.USER_PAID");
    let event = paid.recv().await.ok_or("no callback arrived")??;
    assert_eq!(
        (event.state, event.total_amount),
        (ServiceOrderState::Done, Some(40000))
    );
    assert_eq!(
        query(&client, "PSO-1").await?.state,
        ServiceOrderState::Done
    );
    let err = client.execute(cancel("PSO-1")).await.expect_err("done");
    assert_eq!(code(&err), Some("INVALID_REQUEST"));
    Ok(())
}

#[tokio::test]
async fn cancel_from_created_and_unknown_orders() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    client
        .execute(create(
            "PSO-2",
            "https://merchant.example.com/payscore/notify",
        ))
        .await?;
    let revoked = client.execute(cancel("PSO-2")).await?;
    assert_eq!(
        (revoked.out_order_no.as_str(), revoked.service_id.as_str()),
        ("PSO-2", SERVICE)
    );
    assert_eq!(
        query(&client, "PSO-2").await?.state,
        ServiceOrderState::Revoked
    );
    // A revoked order cannot be confirmed any more: the control API names both states.
    let (status, answer) = common::control_post(
        &sim,
        "/payscore/service_order/PSO-2/confirm",
        json!({ "openid": OPENID }),
    )
    .await?;
    assert_eq!(status, 409, "{answer}");
    let err = query(&client, "PSO-404").await.expect_err("unknown order");
    assert!(err.to_string().contains("ORDER_NOT_EXIST"), "{err}");
    Ok(())
}
