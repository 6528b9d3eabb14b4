//! 微信支付分 (payscore) service orders through the generated client against the simulator: an
//! order is created (CREATED), the user confirms it through the control API (DOING,
//! PAYSCORE.USER_CONFIRM at the order's notify_url), the merchant completes it, and the user pays
//! (DONE, PAYSCORE.USER_PAID). Cancelling is allowed from CREATED and DOING only, and a repeated
//! create answers the first order. A user authorisation is pre-authorised (UNBINDUSER), opened by
//! the user (AVAILABLE, PAYSCORE.USER_OPEN_SERVICE) and ended by the merchant or the user
//! (UNAVAILABLE, PAYSCORE.USER_CLOSE_SERVICE), each callback typed by the one entry point.

use serde_json::json;
use wechatpay_apiv3::Client;
use wechatpay_apiv3::payscore::{
    AuthorizationState, CancelServiceOrderRequest, CompleteServiceOrderRequest,
    CreatePermissionRequest, CreateServiceOrderRequest, Permission, PostPayment,
    QueryPermissionByCodeRequest, QueryPermissionByOpenidRequest, QueryServiceOrderRequest,
    RiskFund, RiskFundName, ServiceOrder, ServiceOrderState, StateDescription,
    TerminatePermissionByCodeRequest, TerminatePermissionByOpenidRequest, TimeRange,
};
use wechatpay_apiv3::{AnyNotification, Notification};

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

fn pre_authorise(code: &str, notify_url: &str) -> CreatePermissionRequest {
    CreatePermissionRequest::builder()
        .service_id(SERVICE)
        .appid(APPID)
        .authorization_code(code)
        .notify_url(notify_url)
        .build()
        .expect("valid pre-authorisation")
}

async fn permission_by_code(
    client: &Client,
    code: &str,
) -> Result<Permission, wechatpay_apiv3::Error<wechatpay_apiv3::ErrorCode>> {
    let request = QueryPermissionByCodeRequest::builder()
        .authorization_code(code)
        .service_id(SERVICE)
        .build()
        .expect("valid query");
    client.execute(request).await
}

async fn permission_by_openid(
    client: &Client,
    openid: &str,
) -> Result<Permission, wechatpay_apiv3::Error<wechatpay_apiv3::ErrorCode>> {
    let request = QueryPermissionByOpenidRequest::builder()
        .openid(openid)
        .service_id(SERVICE)
        .appid(APPID)
        .build()
        .expect("valid query");
    client.execute(request).await
}

fn terminate(code: &str) -> TerminatePermissionByCodeRequest {
    TerminatePermissionByCodeRequest::builder()
        .authorization_code(code)
        .service_id(SERVICE)
        .reason("用户注销账号")
        .build()
        .expect("valid terminate")
}

fn terminate_by_openid(openid: &str) -> TerminatePermissionByOpenidRequest {
    TerminatePermissionByOpenidRequest::builder()
        .openid(openid)
        .service_id(SERVICE)
        .appid(APPID)
        .reason("用户注销账号")
        .build()
        .expect("valid terminate")
}

/// The authorisation callback's payload, or a panic naming what was typed instead.
fn permission_notice(
    n: Notification<AnyNotification>,
) -> wechatpay_apiv3::payscore::permission_notice::PermissionNoticeEvent {
    match n.event {
        AnyNotification::PermissionNotice(p) => p,
        other => panic!("{} typed as {other:?}", n.event_type),
    }
}

#[tokio::test]
async fn pre_authorise_open_query_terminate() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let (url, mut callbacks) = common::receive_callbacks(client.clone()).await?;
    let notify_url = url.replacen("http://", "https://", 1);

    let token = client
        .execute(pre_authorise("AUTH-1", &notify_url))
        .await?
        .apply_permissions_token;
    assert!(!token.is_empty());
    let pending = permission_by_code(&client, "AUTH-1").await?;
    assert_eq!(
        (
            pending.authorization_state,
            pending.openid,
            pending.mchid.as_str()
        ),
        (AuthorizationState::Unbinduser, None, "1900000001")
    );
    // Not bound to a user yet: no record under the OpenID, and nothing to terminate.
    let err = permission_by_openid(&client, OPENID)
        .await
        .expect_err("unbound");
    assert_eq!(code(&err), Some("ORDER_NOT_EXIST"));
    let err = client
        .execute(terminate("AUTH-1"))
        .await
        .expect_err("not authorised");
    assert_eq!(code(&err), Some("INVALID_REQUEST"));

    // The user authorises in WeChat: AVAILABLE, and PAYSCORE.USER_OPEN_SERVICE reaches notify_url.
    let (status, answer) = common::control_post(
        &sim,
        "/payscore/permission/AUTH-1/open",
        json!({ "openid": OPENID }),
    )
    .await?;
    assert_eq!(status, 200, "{answer}");
    let n = common::next_callback(&mut callbacks).await?;
    assert_eq!(n.event_type, "PAYSCORE.USER_OPEN_SERVICE");
    let opened = permission_notice(n);
    assert_eq!(
        (
            opened.openid.as_str(),
            opened.authorization_code.as_deref(),
            opened.service_id.as_str(),
            opened.user_service_status.as_deref(),
        ),
        (OPENID, Some("AUTH-1"), SERVICE, Some("USER_OPEN_SERVICE"))
    );
    assert!(opened.openorclose_time.is_some());

    let by_code = permission_by_code(&client, "AUTH-1").await?;
    assert_eq!(by_code.authorization_state, AuthorizationState::Available);
    assert_eq!(by_code.openid.as_deref(), Some(OPENID));
    assert!(by_code.authorization_success_time.is_some());
    assert_eq!(permission_by_openid(&client, OPENID).await?, by_code);

    // The merchant ends it: UNAVAILABLE, and PAYSCORE.USER_CLOSE_SERVICE follows.
    client.execute(terminate("AUTH-1")).await?;
    let n = common::next_callback(&mut callbacks).await?;
    assert_eq!(n.event_type, "PAYSCORE.USER_CLOSE_SERVICE");
    let closed = permission_notice(n);
    assert_eq!(
        (
            closed.openid.as_str(),
            closed.user_service_status.as_deref()
        ),
        (OPENID, Some("USER_CLOSE_SERVICE"))
    );
    let ended = permission_by_code(&client, "AUTH-1").await?;
    assert_eq!(ended.authorization_state, AuthorizationState::Unavailable);
    assert!(ended.cancel_authorization_time.is_some());
    // Ended once: a second terminate is refused.
    let err = client
        .execute(terminate("AUTH-1"))
        .await
        .expect_err("ended");
    assert_eq!(code(&err), Some("INVALID_REQUEST"));
    Ok(())
}

#[tokio::test]
async fn a_retried_pre_authorisation_creates_one_permission() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let url = "https://merchant.example.com/payscore/auth";
    let first = client.execute(pre_authorise("AUTH-2", url)).await?;
    let again = client.execute(pre_authorise("AUTH-2", url)).await?;
    assert_eq!(again, first, "the retry replays the first answer");
    assert_eq!(sim.faults().effects("payscore.create_permission"), 1);
    // The same number with other parameters is another request, refused.
    let err = client
        .execute(pre_authorise(
            "AUTH-2",
            "https://merchant.example.com/other",
        ))
        .await
        .expect_err("reused");
    assert_eq!(code(&err), Some("INVALID_REQUEST"));
    assert_eq!(sim.faults().effects("payscore.create_permission"), 1);
    // Another number is another permission, with a token of its own.
    let other = client.execute(pre_authorise("AUTH-3", url)).await?;
    assert_ne!(other.apply_permissions_token, first.apply_permissions_token);
    assert_eq!(sim.faults().effects("payscore.create_permission"), 2);
    Ok(())
}

#[tokio::test]
async fn terminating_an_unknown_authorisation_is_refused() -> TestResult {
    let (_sim, client) = common::sim_and_client().await?;
    let api = common::api_error(client.execute(terminate("AUTH-404")).await);
    assert_eq!((api.status, api.code.as_str()), (404, "ORDER_NOT_EXIST"));
    let api = common::api_error(client.execute(terminate_by_openid(OPENID)).await);
    assert_eq!(api.code.as_str(), "ORDER_NOT_EXIST");
    let err = permission_by_code(&client, "AUTH-404")
        .await
        .expect_err("unknown");
    assert_eq!(code(&err), Some("ORDER_NOT_EXIST"));
    Ok(())
}

#[tokio::test]
async fn ended_by_openid_or_by_the_user() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let (url, mut callbacks) = common::receive_callbacks(client.clone()).await?;
    let notify_url = url.replacen("http://", "https://", 1);
    for (code, openid) in [("AUTH-5", "oUser5"), ("AUTH-6", "oUser6")] {
        client.execute(pre_authorise(code, &notify_url)).await?;
        let path = format!("/payscore/permission/{code}/open");
        let (status, answer) =
            common::control_post(&sim, &path, json!({ "openid": openid })).await?;
        assert_eq!(status, 200, "{answer}");
        let n = common::next_callback(&mut callbacks).await?;
        assert_eq!(
            permission_notice(n).authorization_code.as_deref(),
            Some(code)
        );
    }

    // The merchant ends AUTH-5 by the user's OpenID.
    client.execute(terminate_by_openid("oUser5")).await?;
    let n = common::next_callback(&mut callbacks).await?;
    assert_eq!(n.event_type, "PAYSCORE.USER_CLOSE_SERVICE");
    assert_eq!(
        permission_notice(n).authorization_code.as_deref(),
        Some("AUTH-5")
    );
    assert_eq!(
        permission_by_openid(&client, "oUser5")
            .await?
            .authorization_state,
        AuthorizationState::Unavailable
    );

    // Only the user's own authorisation ended.
    assert_eq!(
        permission_by_code(&client, "AUTH-6")
            .await?
            .authorization_state,
        AuthorizationState::Available
    );

    // The user ends AUTH-6 in WeChat.
    let (status, answer) =
        common::control_post(&sim, "/payscore/permission/AUTH-6/close", json!({})).await?;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["callback"]["event_type"],
        "PAYSCORE.USER_CLOSE_SERVICE"
    );
    let n = common::next_callback(&mut callbacks).await?;
    let closed = permission_notice(n);
    assert_eq!(
        (
            closed.openid.as_str(),
            closed.user_service_status.as_deref()
        ),
        ("oUser6", Some("USER_CLOSE_SERVICE"))
    );
    assert_eq!(
        permission_by_code(&client, "AUTH-6")
            .await?
            .authorization_state,
        AuthorizationState::Unavailable
    );
    // Closed already: the user cannot close it again.
    let (status, answer) =
        common::control_post(&sim, "/payscore/permission/AUTH-6/close", json!({})).await?;
    assert_eq!(status, 409, "{answer}");
    Ok(())
}
