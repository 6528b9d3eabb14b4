//! Chain-brand profit sharing (spec/brand/profitsharing) and the payroll card (spec/payroll_card)
//! through the generated client against the simulator, which routes, checks and answers each call
//! from the spec. Each answer is read into its generated type, including the shapes the brand line
//! shares with merchant profit sharing (`profitsharing::ReceiverType`, `OrderState`, ...), and a
//! request that breaks a documented limit is refused before anything is sent.

use wechatpay_apiv3::brand::profitsharing::{
    AddReceiverRequest, BrandRelationType, BrandReturnResult, CreateOrderRequest,
    CreateReturnOrderRequest, FinishOrderRequest, QueryBrandRatioRequest, QueryOrderAmountRequest,
    QueryOrderRequest, QueryReturnOrderRequest,
};
use wechatpay_apiv3::payroll_card::get_relation::{AuthorizeState, RegisterState};
use wechatpay_apiv3::payroll_card::{
    AuthenticationScene, AuthenticationState, AuthenticationType, GetAuthenticationRequest,
    GetRelationRequest, ListAuthenticationsRequest, PreOrderRequest,
};
use wechatpay_apiv3::profitsharing::{
    OrderReceiver, OrderState, ReceiverFailReason, ReceiverResult, ReceiverType,
};

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const BRAND: &str = "1900012001";
const STORE: &str = "1900012045";
const TRANSACTION: &str = "4200002318202611280012345678";
const WORKER: &str = "oPayC4rd8Jk2Lm5Nq8Rt1Uv4Wx7Yz";
const EMPLOYER: &str = "1900056781";

fn brand_receiver(amount: i64) -> OrderReceiver {
    OrderReceiver::builder()
        .type_(ReceiverType::MerchantId)
        .account(BRAND)
        .amount(amount)
        .description("品牌管理费")
        .build()
        .expect("receiver")
}

#[tokio::test]
async fn a_brand_order_is_split_queried_finished_and_returned() -> TestResult {
    let (_sim, client) = common::sim_and_client().await?;

    let ratio = client
        .execute(
            QueryBrandRatioRequest::builder()
                .brand_mchid(BRAND)
                .build()?,
        )
        .await?;
    assert_eq!((ratio.brand_mchid.as_str(), ratio.max_ratio), (BRAND, 2000));

    let added = client
        .execute(
            AddReceiverRequest::builder()
                .brand_mchid(BRAND)
                .appid("wx7a1b2c3d4e5f6a7b")
                .type_(ReceiverType::MerchantId)
                .account("1900034567")
                .name("上海晨露食品供应链有限公司")
                .relation_type(BrandRelationType::Supplier)
                .build()?,
        )
        .await?;
    assert_eq!(added.brand_mchid, BRAND);
    assert_eq!(added.type_, ReceiverType::MerchantId);

    let split = client
        .execute(
            CreateOrderRequest::builder()
                .brand_mchid(BRAND)
                .sub_mchid(STORE)
                .appid("wx7a1b2c3d4e5f6a7b")
                .transaction_id(TRANSACTION)
                .out_order_no("BPS20261128-0001")
                .receivers(vec![brand_receiver(1500)])
                .finish(false)
                .build()?,
        )
        .await?;
    assert_eq!(split.brand_mchid.as_deref(), Some(BRAND));
    assert_eq!(split.status, Some(OrderState::Processing));
    let receivers = split.receivers.as_deref().unwrap_or_default();
    assert_eq!(receivers.len(), 2);
    assert_eq!(receivers[0].result, ReceiverResult::Pending);
    assert_eq!(receivers[0].amount, 1500, "money is integer fen");

    let queried = client
        .execute(
            QueryOrderRequest::builder()
                .sub_mchid(STORE)
                .transaction_id(TRANSACTION)
                .out_order_no("BPS20261128-0001")
                .build()?,
        )
        .await?;
    assert_eq!(queried.status, Some(OrderState::Finished));
    let closed = &queried.receivers.as_deref().unwrap_or_default()[1];
    assert_eq!(closed.result, ReceiverResult::Closed);
    assert_eq!(
        closed.fail_reason,
        Some(ReceiverFailReason::ReceiverRealNameNotVerified)
    );
    assert_eq!(closed.finish_time.as_str(), "2026-11-28T10:15:40+08:00");

    let left = client
        .execute(
            QueryOrderAmountRequest::builder()
                .transaction_id(TRANSACTION)
                .build()?,
        )
        .await?;
    assert_eq!(left.unsplit_amount, 4200);

    let finished = client
        .execute(
            FinishOrderRequest::builder()
                .sub_mchid(STORE)
                .transaction_id(TRANSACTION)
                .out_order_no("BPS20261128-0002")
                .description("分账完结")
                .build()?,
        )
        .await?;
    assert_eq!(finished.order_id, "3008450740202611280045678999");
    assert_eq!(finished.status, None, "the finish answer has no status");

    let returned = client
        .execute(
            CreateReturnOrderRequest::builder()
                .sub_mchid(STORE)
                .out_order_no("BPS20261128-0001")
                .out_return_no("BPR20261129-0001")
                .return_mchid(BRAND)
                .amount(1500)
                .description("用户退款")
                .build()?,
        )
        .await?;
    assert_eq!(returned.result, BrandReturnResult::Processing);
    let queried = client
        .execute(
            QueryReturnOrderRequest::builder()
                .sub_mchid(STORE)
                .out_return_no("BPR20261129-0001")
                .out_order_no("BPS20261128-0001")
                .build()?,
        )
        .await?;
    assert_eq!(
        (queried.result, queried.amount, queried.return_no.as_str()),
        (
            BrandReturnResult::Success,
            1500,
            "3008450740202611290045670001"
        )
    );
    Ok(())
}

#[tokio::test]
async fn brand_requests_breaking_a_documented_rule_are_refused_before_sending() {
    let receiver = OrderReceiver::builder()
        .type_(ReceiverType::MerchantId)
        .account(BRAND)
        .amount(0)
        .description("品牌管理费")
        .build()
        .expect_err("a share of 0 fen");
    assert!(receiver.to_string().contains("amount"), "{receiver}");

    let split = CreateOrderRequest::builder()
        .brand_mchid(BRAND)
        .sub_mchid(STORE)
        .appid("wx7a1b2c3d4e5f6a7b")
        .transaction_id(TRANSACTION)
        .out_order_no("BPS 2026/11/28")
        .receivers(vec![brand_receiver(100)])
        .finish(true)
        .build()
        .expect_err("spaces and slashes are not allowed in out_order_no");
    assert!(split.to_string().contains("out_order_no"), "{split}");
}

#[tokio::test]
async fn a_worker_is_checked_and_the_records_read() -> TestResult {
    let (_sim, client) = common::sim_and_client().await?;

    let relation = client
        .execute(
            GetRelationRequest::builder()
                .openid(WORKER)
                .sub_mchid(EMPLOYER)
                .sub_appid("wx3c4d5e6f7a8b9c0d")
                .build()?,
        )
        .await?;
    assert_eq!(relation.authorize_state, AuthorizeState::Authorized);
    assert_eq!(relation.register_state, Some(RegisterState::Registered));

    let token = client
        .execute(
            PreOrderRequest::builder()
                .openid(WORKER)
                .sub_mchid(EMPLOYER)
                .sub_appid("wx3c4d5e6f7a8b9c0d")
                .authenticate_number("AUTH20261201A0001")
                .project_name("城南物流仓装卸")
                .employer_name("城南物流有限公司")
                .authenticate_type(AuthenticationType::SignIn)
                .build()?,
        )
        .await?;
    assert_eq!(token.authenticate_number, "AUTH20261201A0001");
    assert_eq!(token.expires_in, 300);

    let check = client
        .execute(
            GetAuthenticationRequest::builder()
                .authenticate_number("AUTH20261201A0001")
                .sub_mchid(EMPLOYER)
                .build()?,
        )
        .await?;
    assert_eq!(
        check.authenticate_state,
        AuthenticationState::AuthenticateSuccess
    );
    assert_eq!(check.authenticate_scene, AuthenticationScene::FromMiniApp);
    assert_eq!(check.authenticate_type, Some(AuthenticationType::SignIn));

    let day = client
        .execute(
            ListAuthenticationsRequest::builder()
                .openid(WORKER)
                .sub_mchid(EMPLOYER)
                .authenticate_date("2026-12-01")
                .authenticate_state(AuthenticationState::AuthenticateSuccess)
                .limit(10)
                .build()?,
        )
        .await?;
    assert_eq!(day.total_count, 1);
    let records = day.data.as_deref().unwrap_or_default();
    assert_eq!(
        records[0].authenticate_scene,
        AuthenticationScene::FromHardware
    );
    assert_eq!(records[0].authenticate_failed_reason, None);
    Ok(())
}

#[tokio::test]
async fn payroll_requests_breaking_a_documented_rule_are_refused_before_sending() {
    let err = ListAuthenticationsRequest::builder()
        .openid(WORKER)
        .sub_mchid(EMPLOYER)
        .authenticate_date("2026/12/01")
        .authenticate_state(AuthenticationState::AuthenticateSuccess)
        .limit(11)
        .build()
        .expect_err("a slashed date and a page of 11");
    let text = err.to_string();
    assert!(
        text.contains("authenticate_date") && text.contains("limit"),
        "{text}"
    );

    let err = PreOrderRequest::builder()
        .openid(WORKER)
        .sub_mchid(EMPLOYER)
        .authenticate_number("AUTH-2026-12-01")
        .project_name("城南物流仓装卸")
        .employer_name("城南物流有限公司")
        .authenticate_type(AuthenticationType::SignIn)
        .build()
        .expect_err("only digits and letters in authenticate_number");
    assert!(err.to_string().contains("authenticate_number"), "{err}");
}
