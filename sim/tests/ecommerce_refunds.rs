//! E-commerce refunds and subsidies (spec/ecommerce/refunds, spec/ecommerce/subsidies) through the
//! generated client against the simulator. Refunds follow the lifecycle family.yaml declares: a
//! refund of a sub-merchant's paid partner order (spec/pay/partner/transactions), bounded by what is
//! left unrefunded, PROCESSING until the bank's answer (control API) with the REFUND.* callback;
//! queries by either number for that sub-merchant only; an ABNORMAL refund sent to a card; an
//! advance returned. Subsidies answer their spec examples. The shared fields are refund/domestic's
//! types; a request the spec refuses gets PARAM_ERROR naming the field.

use serde_json::json;
use wechatpay_apiv3::ecommerce::refunds::{
    AdvanceReturnResult, ApplyAbnormalRefundRequest, ApplyRefundRequest, QueryByOutRefundNoRequest,
    QueryByRefundIdRequest, QueryReturnAdvanceRequest, RefundPayer, ReturnAdvanceRequest,
};
use wechatpay_apiv3::ecommerce::subsidies::{
    CancelSubsidyRequest, CreateSubsidyRequest, ReturnSubsidyRequest, SubsidyCancelResult,
    SubsidyResult,
};
use wechatpay_apiv3::pay::partner::transactions::{
    PartnerJsapiPayer, PrepayJsapiRequest, QueryByOutTradeNoRequest as QueryOrderRequest,
};
use wechatpay_apiv3::pay::transactions::{Amount, TradeState};
use wechatpay_apiv3::refund::domestic::{
    AbnormalRefundType, FundsFrom, RefundChannel, RefundRequestAmount, RefundResultEvent,
    RefundSourceAccount, RefundStatus,
};
use wechatpay_apiv3::{Client, Error, ErrorCode, RetryPolicy};
use wechatpay_apiv3_sim::{FIXTURE_MCHID, Simulator};

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SUB_MCHID: &str = "1900000109";
const ORDER: &str = "4208450740202611110007820472";

/// A client that sends each request once, so the call counts below are exact.
async fn client(sim: &Simulator) -> Result<Client, Box<dyn std::error::Error>> {
    Ok(Client::new(
        sim.client_config().retry(RetryPolicy::none()).build()?,
    )?)
}

/// A sub-merchant's JSAPI order of `total` fen, placed through the partner payments and paid by
/// its user (the control transition `pay_partner_transactions.order.pay`).
async fn paid_order(
    sim: &Simulator,
    client: &Client,
    out_trade_no: &str,
    transaction_id: &str,
    total: i64,
) -> TestResult {
    placed_order(client, out_trade_no, total).await?;
    let (status, answer) = common::control_post(
        sim,
        &format!("/pay_partner_transactions/order/{out_trade_no}/pay"),
        json!({ "sp_openid": "o5Gx1mP8qLr2Ts6Vw9Yz3Bc7Df0H", "transaction_id": transaction_id, "deliver": false }),
    )
    .await?;
    assert_eq!(status, 200, "{answer}");
    Ok(())
}

/// The same order, placed and not paid.
async fn placed_order(client: &Client, out_trade_no: &str, total: i64) -> TestResult {
    let order = PrepayJsapiRequest::builder()
        .sp_appid("wx8888888888888888")
        .sp_mchid(FIXTURE_MCHID)
        .sub_mchid(SUB_MCHID)
        .description("云杉书店-《山海经》精装")
        .out_trade_no(out_trade_no)
        .notify_url("https://platform.example.com/wxpay/notify")
        .amount(Amount::builder().total(total).build()?)
        .payer(
            PartnerJsapiPayer::builder()
                .sp_openid("o5Gx1mP8qLr2Ts6Vw9Yz3Bc7Df0H")
                .build()?,
        )
        .build()?;
    client.execute(order).await?;
    Ok(())
}

/// A refund of `refund` fen of the order `out_trade_no` (of `total` fen) by the sub-merchant.
fn refund_of(
    out_trade_no: &str,
    out_refund_no: &str,
    refund: i64,
    total: i64,
) -> ApplyRefundRequest {
    refund_by(SUB_MCHID, out_trade_no, out_refund_no, refund, total)
        .build()
        .expect("a valid refund")
}

fn refund_by(
    sub_mchid: &str,
    out_trade_no: &str,
    out_refund_no: &str,
    refund: i64,
    total: i64,
) -> wechatpay_apiv3::ecommerce::refunds::ApplyRefundRequestBuilder {
    ApplyRefundRequest::builder()
        .sub_mchid(sub_mchid)
        .sp_appid("wx8888888888888888")
        .out_trade_no(out_trade_no)
        .out_refund_no(out_refund_no)
        .amount(
            RefundRequestAmount::builder()
                .refund(refund)
                .total(total)
                .currency("CNY")
                .build()
                .expect("an amount"),
        )
}

fn by_refund_id(refund_id: &str, sub_mchid: &str) -> QueryByRefundIdRequest {
    QueryByRefundIdRequest::builder()
        .refund_id(refund_id)
        .sub_mchid(sub_mchid)
        .build()
        .expect("a valid query")
}

fn by_out_refund_no(out_refund_no: &str) -> QueryByOutRefundNoRequest {
    QueryByOutRefundNoRequest::builder()
        .out_refund_no(out_refund_no)
        .sub_mchid(SUB_MCHID)
        .build()
        .expect("a valid query")
}

/// What the bank does with a PROCESSING refund: the control route's status and answer.
async fn bank(sim: &Simulator, out_refund_no: &str, transition: &str) -> (u16, serde_json::Value) {
    common::control_post(
        sim,
        &format!("/ecommerce_refunds/refund/{out_refund_no}/{transition}"),
        json!({ "deliver": false }),
    )
    .await
    .expect("the control API answers")
}

#[tokio::test]
async fn a_sub_merchants_order_is_refunded_in_parts_and_each_refund_arrives_with_its_callback()
-> TestResult {
    let sim = Simulator::start().await?;
    let client = client(&sim).await?;
    paid_order(&sim, &client, "EC-ORDER-1", ORDER, 8800).await?;

    let (url, mut rx) = common::receive_one_callback::<RefundResultEvent>(client.clone()).await?;
    // WeChat Pay takes only https notify_urls; the simulator calls a loopback one over HTTP.
    let first = ApplyRefundRequest::builder()
        .sub_mchid(SUB_MCHID)
        .sp_appid("wx8888888888888888")
        .transaction_id(ORDER)
        .out_refund_no("ER-1")
        .notify_url(url.replacen("http://", "https://", 1))
        .amount(
            RefundRequestAmount::builder()
                .refund(3000)
                .total(8800)
                .currency("CNY")
                .build()?,
        )
        .build()?;
    let accepted = client.execute(first.clone()).await?;
    assert!(accepted.refund_id.starts_with("50300"), "{accepted:?}");
    assert_eq!(accepted.out_refund_no, "ER-1");
    assert_eq!(
        (accepted.amount.refund, accepted.amount.payer_refund),
        (3000, 3000)
    );
    assert_eq!(accepted.amount.advance, None, "the sub-merchant funds it");
    assert_eq!(
        accepted.refund_account,
        Some(RefundPayer::RefundSourceSubMerchant)
    );
    // The platform's retry after a lost answer is the same refund: nothing refunded twice.
    assert_eq!(client.execute(first).await?, accepted);
    assert_eq!(sim.faults().effects("ecommerce_refunds.apply_refund"), 1);

    let order = client
        .execute(
            QueryOrderRequest::builder()
                .out_trade_no("EC-ORDER-1")
                .sp_mchid(FIXTURE_MCHID)
                .sub_mchid(SUB_MCHID)
                .build()?,
        )
        .await?;
    assert_eq!(order.trade_state, Some(TradeState::Refund));

    let by_id = client
        .execute(by_refund_id(&accepted.refund_id, SUB_MCHID))
        .await?;
    assert_eq!(by_id.status, RefundStatus::Processing);
    assert_eq!(
        (by_id.out_trade_no.as_str(), by_id.transaction_id.as_str()),
        ("EC-ORDER-1", ORDER)
    );
    assert_eq!(by_id.channel, Some(RefundChannel::Original));
    assert_eq!(by_id.success_time, None);
    assert_eq!(client.execute(by_out_refund_no("ER-1")).await?, by_id);

    // The refund arrives: REFUND.SUCCESS at the refund's notify_url, verified and typed.
    let (status, answer) =
        common::control_post(&sim, "/ecommerce_refunds/refund/ER-1/arrive", json!({})).await?;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["callback"]["event_type"], "REFUND.SUCCESS",
        "{answer}"
    );
    assert_eq!(answer["callback"]["delivered"], true, "{answer}");
    let event = rx.recv().await.ok_or("no callback arrived")??;
    assert_eq!(event.refund_status, RefundStatus::Success);
    assert_eq!(
        (event.sp_mchid.as_deref(), event.sub_mchid.as_deref()),
        (Some(FIXTURE_MCHID), Some(SUB_MCHID))
    );
    assert_eq!((event.amount.total, event.amount.refund), (8800, 3000));
    assert_eq!(event.refund_id, accepted.refund_id);
    assert!(event.success_time.is_some());
    let arrived = client.execute(by_out_refund_no("ER-1")).await?;
    assert_eq!(arrived.status, RefundStatus::Success);
    assert!(arrived.success_time.is_some());
    let (status, answer) = bank(&sim, "ER-1", "arrive").await;
    assert_eq!(
        status, 409,
        "an arrived refund does not arrive again: {answer}"
    );

    // The rest of the order, then one fen more: refused, naming the rule and what is left.
    let rest = client
        .execute(refund_of("EC-ORDER-1", "ER-2", 5800, 8800))
        .await?;
    assert_ne!(rest.refund_id, accepted.refund_id);
    let err = common::api_error(
        client
            .execute(refund_of("EC-ORDER-1", "ER-3", 1, 8800))
            .await,
    );
    assert_eq!((err.status, &err.code), (400, &ErrorCode::InvalidRequest));
    assert!(
        err.message.contains(
            "amount.refund: the refunds would exceed the order's total (0 fen left of 8800)"
        ),
        "{}",
        err.message
    );
    assert_eq!(sim.faults().effects("ecommerce_refunds.apply_refund"), 2);
    Ok(())
}

#[tokio::test]
async fn a_refund_of_an_order_that_is_not_the_sub_merchants_paid_order_is_refused() -> TestResult {
    let sim = Simulator::start().await?;
    let client = client(&sim).await?;
    paid_order(
        &sim,
        &client,
        "EC-ORDER-2",
        "4200000000202611230000000002",
        5000,
    )
    .await?;
    placed_order(&client, "EC-UNPAID-2", 5000).await?;

    let refused = [
        (
            refund_of("EC-NEVER", "ER-X1", 100, 5000),
            404,
            ErrorCode::ResourceNotExists,
            "the order does not exist",
        ),
        (
            refund_of("EC-UNPAID-2", "ER-X2", 100, 5000),
            404,
            ErrorCode::ResourceNotExists,
            "the order is NOTPAY: only a paid order can be refunded",
        ),
        (
            refund_by("1900000999", "EC-ORDER-2", "ER-X3", 100, 5000).build()?,
            404,
            ErrorCode::ResourceNotExists,
            "the order does not exist",
        ),
        (
            refund_of("EC-ORDER-2", "ER-X4", 100, 4000),
            400,
            ErrorCode::InvalidRequest,
            "amount.total is not the order's total (5000 fen)",
        ),
        (
            refund_of("EC-ORDER-2", "ER-X5", 5001, 5000),
            400,
            ErrorCode::InvalidRequest,
            "the refunds would exceed the order's total (5000 fen left of 5000)",
        ),
    ];
    for (request, status, code, message) in refused {
        let err = common::api_error(client.execute(request).await);
        assert_eq!((err.status, &err.code), (status, &code), "{}", err.message);
        assert!(err.message.contains(message), "{}", err.message);
    }
    assert_eq!(sim.faults().effects("ecommerce_refunds.apply_refund"), 0);

    // One accepted refund: the same number for another amount is refused, and the refund is
    // only the sub-merchant's.
    let accepted = client
        .execute(refund_of("EC-ORDER-2", "ER-OK", 1000, 5000))
        .await?;
    let err = common::api_error(
        client
            .execute(refund_of("EC-ORDER-2", "ER-OK", 2000, 5000))
            .await,
    );
    assert_eq!(err.code, ErrorCode::InvalidRequest);
    assert!(
        err.message.contains("out_refund_no was used before"),
        "{}",
        err.message
    );
    for query in [
        by_refund_id(&accepted.refund_id, "1900000999"),
        by_refund_id("50300000000000000000000000", SUB_MCHID),
    ] {
        let err = common::api_error(client.execute(query).await);
        assert_eq!(
            (err.status, &err.code),
            (404, &ErrorCode::ResourceNotExists),
            "{}",
            err.message
        );
    }
    let other = QueryByOutRefundNoRequest::builder()
        .out_refund_no("ER-OK")
        .sub_mchid("1900000999")
        .build()?;
    assert_eq!(
        common::api_error(client.execute(other).await).code,
        ErrorCode::ResourceNotExists
    );
    assert_eq!(sim.faults().effects("ecommerce_refunds.apply_refund"), 1);
    Ok(())
}

#[tokio::test]
async fn an_abnormal_refund_is_sent_to_a_card_and_then_arrives() -> TestResult {
    let sim = Simulator::start().await?;
    let client = client(&sim).await?;
    paid_order(
        &sim,
        &client,
        "EC-ORDER-3",
        "4200000000202611230000000003",
        6000,
    )
    .await?;
    let accepted = client
        .execute(refund_of("EC-ORDER-3", "ER-AB", 6000, 6000))
        .await?;
    let to_card = || {
        ApplyAbnormalRefundRequest::builder()
            .refund_id(accepted.refund_id.as_str())
            .sub_mchid(SUB_MCHID)
            .out_refund_no("ER-AB")
            .type_(AbnormalRefundType::MerchantBankCard)
            .build()
            .expect("a valid abnormal refund")
    };
    // Only an ABNORMAL refund can be sent to a card.
    let err = common::api_error(client.execute(to_card()).await);
    assert_eq!((err.status, &err.code), (400, &ErrorCode::InvalidRequest));
    assert!(
        err.message
            .contains("is PROCESSING; abnormal_refund needs ABNORMAL"),
        "{}",
        err.message
    );

    // The user's account refuses it: REFUND.ABNORMAL, with the platform's and sub-merchant's numbers.
    let ended = sim.transition(
        "ecommerce_refunds",
        "refund",
        "ER-AB",
        "abnormal",
        &json!({}),
    )?;
    assert_eq!(ended.notices.len(), 1);
    let notice = &ended.notices[0];
    assert_eq!(notice.event_type, "REFUND.ABNORMAL");
    assert_eq!(notice.resource["refund_status"], "ABNORMAL");
    assert_eq!(notice.resource["sub_mchid"], SUB_MCHID);
    assert_eq!(notice.resource["mchid"], FIXTURE_MCHID);
    assert_eq!(
        client.execute(by_out_refund_no("ER-AB")).await?.status,
        RefundStatus::Abnormal
    );

    // Another sub-merchant's request does not find it.
    let theirs = ApplyAbnormalRefundRequest::builder()
        .refund_id(accepted.refund_id.as_str())
        .sub_mchid("1900000999")
        .out_refund_no("ER-AB")
        .type_(AbnormalRefundType::MerchantBankCard)
        .build()?;
    let err = common::api_error(client.execute(theirs).await);
    assert_eq!(
        (err.status, &err.code),
        (404, &ErrorCode::ResourceNotExists)
    );
    assert!(
        err.message.contains("no refund of this sub_mchid"),
        "{}",
        err.message
    );

    let sent = client.execute(to_card()).await?;
    assert_eq!(sent.status, RefundStatus::Processing);
    assert_eq!(sent.channel, Some(RefundChannel::OtherBankcard));
    assert_eq!(sent.refund_id, accepted.refund_id);
    assert_eq!(
        client.execute(to_card()).await?,
        sent,
        "a repeat is replayed"
    );
    assert_eq!(
        sim.faults()
            .effects("ecommerce_refunds.apply_abnormal_refund"),
        1
    );
    let (status, answer) = bank(&sim, "ER-AB", "arrive").await;
    assert_eq!(status, 200, "{answer}");
    let arrived = client
        .execute(by_refund_id(&accepted.refund_id, SUB_MCHID))
        .await?;
    assert_eq!(arrived.status, RefundStatus::Success);
    assert_eq!(arrived.channel, Some(RefundChannel::OtherBankcard));

    // The order is refunded in full now.
    let err = common::api_error(
        client
            .execute(refund_of("EC-ORDER-3", "ER-MORE", 1, 6000))
            .await,
    );
    assert!(
        err.message.contains("(0 fen left of 6000)"),
        "{}",
        err.message
    );
    Ok(())
}

#[tokio::test]
async fn a_closed_refund_refunds_nothing_and_leaves_its_amount_to_the_next() -> TestResult {
    let sim = Simulator::start().await?;
    let client = client(&sim).await?;
    paid_order(
        &sim,
        &client,
        "EC-ORDER-5",
        "4200000000202611230000000005",
        4000,
    )
    .await?;
    client
        .execute(refund_of("EC-ORDER-5", "ER-CL", 4000, 4000))
        .await?;
    let closed = sim.transition("ecommerce_refunds", "refund", "ER-CL", "close", &json!({}))?;
    assert_eq!(closed.notices.len(), 1);
    assert_eq!(closed.notices[0].event_type, "REFUND.CLOSED");
    assert_eq!(closed.notices[0].resource["refund_status"], "CLOSED");
    assert_eq!(
        client.execute(by_out_refund_no("ER-CL")).await?.status,
        RefundStatus::Closed
    );
    let (status, answer) = bank(&sim, "ER-CL", "arrive").await;
    assert_eq!(status, 409, "a closed refund never arrives: {answer}");
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("is CLOSED, not PROCESSING")),
        "{answer}"
    );
    // Nothing was refunded: the whole order can be refunded again, under a new number.
    let again = client
        .execute(refund_of("EC-ORDER-5", "ER-CL-2", 4000, 4000))
        .await?;
    assert_eq!(again.amount.refund, 4000);
    Ok(())
}

#[tokio::test]
async fn an_advance_is_returned_once_the_advanced_refund_succeeded() -> TestResult {
    let sim = Simulator::start().await?;
    let client = client(&sim).await?;
    paid_order(
        &sim,
        &client,
        "EC-ORDER-4",
        "4200000000202611230000000004",
        9000,
    )
    .await?;
    let advanced = client
        .execute(
            refund_by(SUB_MCHID, "EC-ORDER-4", "ER-ADV", 3000, 9000)
                .refund_account(RefundPayer::RefundSourcePartnerAdvance)
                .build()?,
        )
        .await?;
    assert_eq!(advanced.amount.advance, Some(3000));
    let own = client
        .execute(refund_of("EC-ORDER-4", "ER-OWN", 1000, 9000))
        .await?;
    let ret = |refund_id: &str| {
        ReturnAdvanceRequest::builder()
            .refund_id(refund_id)
            .sub_mchid(SUB_MCHID)
            .build()
            .expect("a valid return")
    };

    let err = common::api_error(client.execute(ret(&advanced.refund_id)).await);
    assert_eq!(err.code, ErrorCode::InvalidRequest);
    assert!(
        err.message.contains(
            "the refund is PROCESSING; an advance can be returned once the refund is SUCCESS"
        ),
        "{}",
        err.message
    );
    for out_refund_no in ["ER-ADV", "ER-OWN"] {
        let (status, answer) = bank(&sim, out_refund_no, "arrive").await;
        assert_eq!(status, 200, "{answer}");
    }
    let err = common::api_error(client.execute(ret(&own.refund_id)).await);
    assert_eq!(err.code, ErrorCode::InvalidRequest);
    assert!(
        err.message.contains("not advanced by the platform"),
        "{}",
        err.message
    );
    let err = common::api_error(client.execute(ret("50300000000000000000000000")).await);
    assert_eq!(
        (err.status, &err.code),
        (404, &ErrorCode::ResourceNotExists)
    );

    let returned = client.execute(ret(&advanced.refund_id)).await?;
    assert_eq!(returned.result, AdvanceReturnResult::Success);
    assert_eq!(returned.return_amount, 3000);
    assert_eq!(
        (returned.payer_mchid.as_str(), returned.payee_mchid.as_str()),
        (SUB_MCHID, FIXTURE_MCHID)
    );
    assert_eq!(returned.refund_id, advanced.refund_id);
    assert!(returned.success_time.is_some());
    let queried = client
        .execute(
            QueryReturnAdvanceRequest::builder()
                .refund_id(advanced.refund_id.as_str())
                .sub_mchid(SUB_MCHID)
                .build()?,
        )
        .await?;
    assert_eq!(queried, returned);
    // Returned once: asking again takes nothing more, and another sub-merchant sees nothing.
    assert!(client.execute(ret(&advanced.refund_id)).await.is_err());
    assert_eq!(sim.faults().effects("ecommerce_refunds.return_advance"), 1);
    let other = QueryReturnAdvanceRequest::builder()
        .refund_id(advanced.refund_id.as_str())
        .sub_mchid("1900000999")
        .build()?;
    assert_eq!(
        common::api_error(client.execute(other).await).code,
        ErrorCode::ResourceNotExists
    );
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
