//! E-commerce refunds and subsidies (spec/ecommerce/refunds, spec/ecommerce/subsidies) through the
//! generated client against the simulator: each request is signed, routed and validated by the
//! simulator, answered from its spec example and read back into the typed answer, whose shared
//! fields are refund/domestic's types; a request the spec refuses gets PARAM_ERROR naming the field.

use serde_json::json;
use wechatpay_apiv3::ecommerce::refunds::{
    AdvanceReturnResult, ApplyAbnormalRefundRequest, ApplyRefundRequest, QueryByOutRefundNoRequest,
    QueryByRefundIdRequest, QueryReturnAdvanceRequest, RefundPayer, ReturnAdvanceRequest,
};
use wechatpay_apiv3::ecommerce::subsidies::{
    CancelSubsidyRequest, CreateSubsidyRequest, ReturnSubsidyRequest, SubsidyCancelResult,
    SubsidyResult,
};
use wechatpay_apiv3::refund::domestic::{
    AbnormalRefundType, FundsFrom, RefundBankType, RefundChannel, RefundFundsAccount,
    RefundRequestAmount, RefundSourceAccount, RefundStatus,
};
use wechatpay_apiv3::{Client, Error, RetryPolicy};
use wechatpay_apiv3_sim::Simulator;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SUB_MCHID: &str = "1900000109";
const REFUND_ID: &str = "50300503762026112354321098765";
const ORDER: &str = "4208450740202611110007820472";

/// A client that sends each request once, so the call counts below are exact.
async fn client(sim: &Simulator) -> Result<Client, Box<dyn std::error::Error>> {
    Ok(Client::new(
        sim.client_config().retry(RetryPolicy::none()).build()?,
    )?)
}

#[tokio::test]
async fn each_refund_operation_answers_its_typed_record() -> TestResult {
    let sim = Simulator::start().await?;
    let client = client(&sim).await?;

    let accepted = client
        .execute(
            ApplyRefundRequest::builder()
                .sub_mchid(SUB_MCHID)
                .sp_appid("wx8888888888888888")
                .transaction_id("4200001872202611231234567890")
                .out_refund_no("ER20261123-0001")
                .amount(
                    RefundRequestAmount::builder()
                        .refund(3000)
                        .total(8800)
                        .currency("CNY")
                        .build()?,
                )
                .refund_account(RefundPayer::RefundSourceSubMerchant)
                .build()?,
        )
        .await?;
    assert_eq!(accepted.refund_id, REFUND_ID);
    assert_eq!(accepted.amount.refund, 3000);
    assert_eq!(
        accepted.refund_account,
        Some(RefundPayer::RefundSourceSubMerchant)
    );

    let by_id = client
        .execute(
            QueryByRefundIdRequest::builder()
                .refund_id(REFUND_ID)
                .sub_mchid(SUB_MCHID)
                .build()?,
        )
        .await?;
    assert_eq!(by_id.status, RefundStatus::Success);
    assert_eq!(by_id.channel, Some(RefundChannel::Original));
    assert_eq!(by_id.funds_account, Some(RefundFundsAccount::Available));
    assert_eq!(
        (by_id.amount.payer_refund, by_id.amount.discount_refund),
        (2700, Some(300))
    );
    let promotion = &by_id.promotion_detail.as_deref().expect("a discount")[0];
    assert_eq!((promotion.amount, promotion.refund_amount), (800, 300));

    let by_no = client
        .execute(
            QueryByOutRefundNoRequest::builder()
                .out_refund_no("ER20261123-0001")
                .sub_mchid(SUB_MCHID)
                .build()?,
        )
        .await?;
    assert_eq!(by_no.status, RefundStatus::Processing);
    assert_eq!(by_no.success_time, None);

    let abnormal = client
        .execute(
            ApplyAbnormalRefundRequest::builder()
                .refund_id(REFUND_ID)
                .sub_mchid(SUB_MCHID)
                .out_refund_no("ER20261123-0001")
                .type_(AbnormalRefundType::UserBankCard)
                .bank_type(RefundBankType::IcbcDebit)
                .bank_account("6222020200112233445")
                .real_name("王小明")
                .build()?,
        )
        .await?;
    assert_eq!(abnormal.channel, Some(RefundChannel::OtherBankcard));
    assert_eq!(abnormal.funds_account, Some(RefundFundsAccount::Unsettled));

    let returned = client
        .execute(
            ReturnAdvanceRequest::builder()
                .refund_id(REFUND_ID)
                .sub_mchid(SUB_MCHID)
                .build()?,
        )
        .await?;
    assert_eq!(returned.result, AdvanceReturnResult::Success);
    assert_eq!(returned.return_amount, 3000);
    let queried = client
        .execute(
            QueryReturnAdvanceRequest::builder()
                .refund_id(REFUND_ID)
                .sub_mchid(SUB_MCHID)
                .build()?,
        )
        .await?;
    assert_eq!(queried.result, AdvanceReturnResult::Processing);
    assert_eq!(queried.success_time, None);

    let faults = sim.faults();
    for id in [
        "ecommerce_refunds.apply_refund",
        "ecommerce_refunds.query_by_refund_id",
        "ecommerce_refunds.query_by_out_refund_no",
        "ecommerce_refunds.apply_abnormal_refund",
        "ecommerce_refunds.return_advance",
        "ecommerce_refunds.query_return_advance",
    ] {
        assert_eq!(faults.calls(id), 1, "{id} was called once");
    }
    Ok(())
}

#[tokio::test]
async fn each_subsidy_operation_answers_its_typed_record() -> TestResult {
    let sim = Simulator::start().await?;
    let client = client(&sim).await?;

    let paid = client
        .execute(
            CreateSubsidyRequest::builder()
                .sub_mchid(SUB_MCHID)
                .transaction_id(ORDER)
                .amount(500)
                .description("满减补差活动")
                .out_subsidy_no("S20261111-0001")
                .build()?,
        )
        .await?;
    assert_eq!((paid.amount, paid.result), (500, SubsidyResult::Success));

    let returned = client
        .execute(
            ReturnSubsidyRequest::builder()
                .sub_mchid(SUB_MCHID)
                .out_order_no("SR20261112-0001")
                .transaction_id(ORDER)
                .refund_id("3008450740202611120007820472")
                .amount(500)
                .description("订单退款回退补差")
                .from(vec![
                    FundsFrom::builder()
                        .account(RefundSourceAccount::Available)
                        .amount(500)
                        .build()?,
                ])
                .build()?,
        )
        .await?;
    assert_eq!(returned.out_order_no, "SR20261112-0001");
    assert_eq!(returned.result, SubsidyResult::Success);

    let cancelled = client
        .execute(
            CancelSubsidyRequest::builder()
                .sub_mchid(SUB_MCHID)
                .transaction_id(ORDER)
                .description("订单退款")
                .build()?,
        )
        .await?;
    assert_eq!(cancelled.result, SubsidyCancelResult::Success);
    Ok(())
}

#[tokio::test]
async fn a_refund_without_its_number_is_refused_on_both_sides() -> TestResult {
    let built = ApplyRefundRequest::builder()
        .sp_appid("wx8888888888888888")
        .transaction_id("4200001872202611231234567890")
        .amount(
            RefundRequestAmount::builder()
                .refund(3000)
                .total(8800)
                .currency("CNY")
                .build()?,
        )
        .build();
    let err = built.expect_err("out_refund_no is required");
    assert!(err.to_string().contains("out_refund_no"), "{err}");

    // Sent anyway, as raw JSON: the simulator applies the same rule and names the field.
    let sim = Simulator::start().await?;
    let client = client(&sim).await?;
    let body = json!({
        "sp_appid": "wx8888888888888888",
        "transaction_id": "4200001872202611231234567890",
        "amount": { "refund": 3000, "total": 8800, "currency": "CNY" },
    });
    let err = client
        .call_json(
            http::Method::POST,
            "/v3/ecommerce/refunds/apply",
            Some(&body),
            false,
        )
        .await
        .expect_err("refused");
    let Error::Api(api) = err else {
        panic!("not an API error: {err}")
    };
    assert_eq!((api.status, api.code.0.as_str()), (400, "PARAM_ERROR"));
    assert!(api.message.contains("out_refund_no"), "{}", api.message);
    Ok(())
}
