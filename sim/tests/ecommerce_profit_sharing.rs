//! 电商收付通分账 (e-commerce profit sharing, spec/ecommerce/profitsharing) through the generated
//! client against the simulator: a sub-merchant's order paid for profit sharing is split
//! (PROCESSING, each share PENDING), WeChat Pay pays the shares through the control API (FINISHED,
//! PROFITSHARING.SUCCESS to the merchant receiver, the callback shared with merchant profit
//! sharing), a share is taken back within what it paid (PROFITSHARING.RETURN), the rest is released
//! by a finish order, and the remaining amount adds up at every step. A retried split never splits
//! twice; a personal receiver's name leaves the client encrypted (read off the wire by
//! `common::relay`); bad input is refused naming the field.

use std::time::Duration;

use serde_json::json;
use wechatpay_apiv3::Client;
use wechatpay_apiv3::ecommerce::profitsharing::{
    AddReceiverRequest, AfterSalesResult, AfterSalesScene, AfterSalesType,
    CreateAfterSalesOrderRequest, CreateOrderRequest, CreateReturnOrderRequest,
    DeleteReceiverRequest, EcommerceOrderReceiver, EcommerceRelationType, FinishOrderRequest,
    QueryAfterSalesOrderRequest, QueryOrderAmountRequest, QueryOrderRequest,
    QueryReturnOrderRequest,
};
use wechatpay_apiv3::pay::partner::transactions::{PartnerJsapiPayer, PrepayJsapiRequest};
use wechatpay_apiv3::pay::transactions::{Amount, SettleInfo};
use wechatpay_apiv3::profitsharing::{
    OrderState, ProfitsharingNoticeEvent, ReceiverResult, ReceiverType, ReturnResult,
};
use wechatpay_apiv3_sim::{FIXTURE_MCHID, FIXTURE_PUBLIC_KEY_ID, Fault, Simulator};

mod common;

use common::relay::{assert_encrypted, relayed_client, taken};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SPLIT: &str = "ecommerce_profitsharing.create_order";
const SUB_MCHID: &str = "1900000109";
/// The platform's own merchant number as a receiver of its commission.
const PLATFORM: &str = "1900000100";
const OPENID: &str = "oEc0mm3rcE7Kq2Lm5Np8Rs1Tu4";
const NAME: &str = "陈晓雨";

/// Places and pays a sub-merchant order of `total` fen held for profit sharing; its transaction id.
async fn paid_order(
    sim: &Simulator,
    client: &Client,
    out_trade_no: &str,
    total: i64,
) -> Result<String, Box<dyn std::error::Error>> {
    let order = PrepayJsapiRequest::builder()
        .sp_appid("wx8888888888888888")
        .sp_mchid(FIXTURE_MCHID)
        .sub_mchid(SUB_MCHID)
        .description("云杉书店-《山海经》精装")
        .out_trade_no(out_trade_no)
        .notify_url("https://platform.example.com/wxpay/notify")
        .amount(Amount::builder().total(total).build()?)
        .payer(PartnerJsapiPayer::builder().sp_openid(OPENID).build()?)
        .settle_info(SettleInfo::builder().profit_sharing(true).build()?)
        .build()?;
    client.execute(order).await?;
    let transaction_id = format!("42000024512026112500{:08}", total);
    let (status, paid) = common::control_post(
        sim,
        &format!("/pay_partner_transactions/order/{out_trade_no}/pay"),
        json!({ "sp_openid": OPENID, "transaction_id": transaction_id }),
    )
    .await?;
    assert_eq!(status, 200, "{paid}");
    Ok(transaction_id)
}

const APPID: &str = "wx8888888888888888";

/// Puts `account` of `kind` on the platform's receiver list.
async fn add(
    client: &Client,
    kind: ReceiverType,
    account: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut request = AddReceiverRequest::builder()
        .appid(APPID)
        .type_(kind.clone())
        .account(account)
        .relation_type(EcommerceRelationType::Platform);
    if kind == ReceiverType::MerchantId {
        request = request.encrypted_name("杭州云杉供应链有限公司");
    }
    let added = client.execute(request.build()?).await?;
    assert_eq!((added.type_, added.account.as_str()), (kind, account));
    Ok(())
}

/// Puts the platform and the promoter, the receivers these tests split to, on the list.
async fn list_receivers(client: &Client) -> Result<(), Box<dyn std::error::Error>> {
    add(client, ReceiverType::MerchantId, PLATFORM).await?;
    add(client, ReceiverType::PersonalOpenid, OPENID).await
}

fn receiver(kind: ReceiverType, account: &str, amount: i64) -> EcommerceOrderReceiver {
    EcommerceOrderReceiver::builder()
        .type_(kind)
        .receiver_account(account)
        .amount(amount)
        .description("平台佣金")
        .build()
        .expect("receiver")
}

fn split(
    transaction_id: &str,
    out_order_no: &str,
    notify_url: &str,
    shares: Vec<EcommerceOrderReceiver>,
) -> CreateOrderRequest {
    CreateOrderRequest::builder()
        .appid(APPID)
        .sub_mchid(SUB_MCHID)
        .transaction_id(transaction_id)
        .out_order_no(out_order_no)
        .receivers(shares)
        .finish(false)
        .notify_url(notify_url)
        .build()
        .expect("valid split")
}

async fn unsplit(client: &Client, transaction_id: &str) -> Result<i64, Box<dyn std::error::Error>> {
    let answer = client
        .execute(
            QueryOrderAmountRequest::builder()
                .transaction_id(transaction_id)
                .build()?,
        )
        .await?;
    assert_eq!(answer.transaction_id, transaction_id);
    Ok(answer.unsplit_amount)
}

#[tokio::test]
async fn a_split_is_paid_taken_back_and_finished_and_the_amounts_add_up() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    list_receivers(&client).await?;
    let tx = paid_order(&sim, &client, "EC-ORDER-1", 6000).await?;
    assert_eq!(unsplit(&client, &tx).await?, 6000);

    let (url, mut rx) =
        common::receive_one_callback::<ProfitsharingNoticeEvent>(client.clone()).await?;
    let notify_url = url.replacen("http://", "https://", 1);
    let shares = || {
        vec![
            receiver(ReceiverType::MerchantId, PLATFORM, 300),
            receiver(ReceiverType::PersonalOpenid, OPENID, 150),
        ]
    };
    let first = client
        .execute(split(&tx, "EPS-1", &notify_url, shares()))
        .await?;
    assert_eq!(
        (first.sub_mchid.as_str(), first.status.clone()),
        (SUB_MCHID, Some(OrderState::Processing))
    );
    let receivers = first.receivers.clone().unwrap_or_default();
    assert_eq!(receivers.len(), 2);
    assert!(
        receivers
            .iter()
            .all(|r| r.result == ReceiverResult::Pending && !r.detail_id.is_empty())
    );
    assert_eq!(receivers[0].receiver_account, PLATFORM);
    // The same request again: the first answer, not a second split.
    assert_eq!(
        client
            .execute(split(&tx, "EPS-1", &notify_url, shares()))
            .await?,
        first
    );
    assert_eq!(sim.faults().effects(SPLIT), 1);
    assert_eq!(unsplit(&client, &tx).await?, 6000 - 450);
    // More than the order still holds is refused, and takes nothing.
    let err = client
        .execute(split(
            &tx,
            "EPS-2",
            &notify_url,
            vec![receiver(ReceiverType::MerchantId, PLATFORM, 5551)],
        ))
        .await
        .expect_err("too much");
    assert_eq!(err.code_str(), Some("INVALID_REQUEST"), "{err}");
    // Another sub-merchant's number finds no paid order of it.
    let other = CreateOrderRequest::builder()
        .sub_mchid("1900000999")
        .transaction_id(tx.as_str())
        .out_order_no("EPS-3")
        .receivers(vec![receiver(ReceiverType::MerchantId, PLATFORM, 1)])
        .finish(false)
        .build()?;
    let err = client.execute(other).await.expect_err("not its order");
    assert_eq!(err.code_str(), Some("INVALID_REQUEST"), "{err}");
    assert!(err.to_string().contains("sub_mchid"), "{err}");
    assert_eq!(unsplit(&client, &tx).await?, 5550);

    // WeChat Pay pays the shares; the merchant receiver's callback reaches the split's notify_url.
    let (status, finished) = common::control_post(
        &sim,
        "/ecommerce_profitsharing/order/EPS-1/finish",
        json!({}),
    )
    .await?;
    assert_eq!(status, 200, "{finished}");
    assert_eq!(
        finished["callbacks"].as_array().map(Vec::len),
        Some(1),
        "one merchant receiver: {finished}"
    );
    assert_eq!(finished["callback"]["event_type"], "PROFITSHARING.SUCCESS");
    let event = rx.recv().await.ok_or("no callback arrived")??;
    assert_eq!(
        (event.out_order_no.as_str(), event.transaction_id.as_str()),
        ("EPS-1", tx.as_str())
    );
    assert_eq!(
        (event.sp_mchid.as_deref(), event.sub_mchid.as_deref()),
        (Some(FIXTURE_MCHID), Some(SUB_MCHID))
    );
    assert_eq!(
        (event.receiver.account.as_str(), event.receiver.amount),
        (PLATFORM, 300)
    );
    assert_eq!(event.order_id, first.order_id);
    let query = |no: &str| {
        QueryOrderRequest::builder()
            .sub_mchid(SUB_MCHID)
            .transaction_id(tx.as_str())
            .out_order_no(no)
            .build()
    };
    let paid = client.execute(query("EPS-1")?).await?;
    assert_eq!(paid.status, Some(OrderState::Finished));
    assert!(
        paid.receivers
            .unwrap_or_default()
            .iter()
            .all(|r| r.result == ReceiverResult::Success)
    );

    // Take back 200 of the platform's 300; then 200 more is more than is left of it.
    let back = |no: &str, amount: i64| {
        CreateReturnOrderRequest::builder()
            .sub_mchid(SUB_MCHID)
            .out_order_no("EPS-1")
            .out_return_no(no)
            .return_mchid(PLATFORM)
            .amount(amount)
            .description("用户退款")
            .build()
    };
    let returning = client.execute(back("EPR-1", 200)?).await?;
    assert_eq!(
        (returning.result.clone(), returning.order_id.as_str()),
        (ReturnResult::Processing, first.order_id.as_str())
    );
    assert!(!returning.return_no.is_empty());
    assert_eq!(
        client.execute(back("EPR-1", 200)?).await?,
        returning,
        "replayed"
    );
    let err = client
        .execute(back("EPR-2", 200)?)
        .await
        .expect_err("more than left");
    assert_eq!(err.code_str(), Some("INVALID_REQUEST"), "{err}");
    // The personal receiver was paid nothing it could give back.
    let err = client
        .execute(
            CreateReturnOrderRequest::builder()
                .sub_mchid(SUB_MCHID)
                .out_order_no("EPS-1")
                .out_return_no("EPR-3")
                .return_mchid(OPENID)
                .amount(1)
                .description("用户退款")
                .build()?,
        )
        .await
        .expect_err("not a merchant receiver");
    assert_eq!(err.code_str(), Some("INVALID_REQUEST"), "{err}");
    let (url, mut rx) =
        common::receive_one_callback::<ProfitsharingNoticeEvent>(client.clone()).await?;
    let (status, done) = common::control_post(
        &sim,
        "/ecommerce_profitsharing/return_order/EPR-1/returned",
        json!({ "notify_url": url.replacen("http://", "https://", 1) }),
    )
    .await?;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["callback"]["event_type"], "PROFITSHARING.RETURN");
    let event = rx.recv().await.ok_or("no return callback")??;
    assert_eq!(
        (event.out_order_no.as_str(), event.receiver.amount),
        ("EPR-1", 200)
    );
    assert_eq!(
        (event.order_id.as_str(), event.receiver.description.as_str()),
        (returning.return_no.as_str(), "用户退款")
    );
    let query_back = QueryReturnOrderRequest::builder()
        .sub_mchid(SUB_MCHID)
        .out_order_no("EPS-1")
        .out_return_no("EPR-1")
        .build()?;
    assert_eq!(
        client.execute(query_back).await?.result,
        ReturnResult::Success
    );
    // A failed return takes nothing: the last 100 can still be taken back after it.
    client.execute(back("EPR-4", 100)?).await?;
    let (status, failed) = common::control_post(
        &sim,
        "/ecommerce_profitsharing/return_order/EPR-4/fail",
        json!({ "fail_reason": "TIME_OUT_CLOSED" }),
    )
    .await?;
    assert_eq!(status, 200, "{failed}");
    client.execute(back("EPR-5", 100)?).await?;
    // Returns do not give the order back what it held.
    assert_eq!(unsplit(&client, &tx).await?, 5550);

    // The finish order releases the rest to the sub-merchant; nothing is left after it.
    let finish = |no: &str| {
        FinishOrderRequest::builder()
            .sub_mchid(SUB_MCHID)
            .transaction_id(tx.as_str())
            .out_order_no(no)
            .description("分账完结")
            .build()
    };
    let released = client.execute(finish("EPS-F1")?).await?;
    assert_eq!(
        (released.out_order_no.as_str(), released.sub_mchid.as_str()),
        ("EPS-F1", SUB_MCHID)
    );
    assert_eq!(unsplit(&client, &tx).await?, 0);
    let rest = client.execute(query("EPS-F1")?).await?;
    assert_eq!(
        (rest.finish_amount, rest.finish_description.as_deref()),
        (Some(5550), Some("分账完结"))
    );
    assert_eq!(rest.order_id, released.order_id);
    let err = client
        .execute(finish("EPS-F2")?)
        .await
        .expect_err("nothing left");
    assert_eq!(err.code_str(), Some("INVALID_REQUEST"), "{err}");
    let err = client
        .execute(split(
            &tx,
            "EPS-4",
            &notify_url,
            vec![receiver(ReceiverType::MerchantId, PLATFORM, 1)],
        ))
        .await
        .expect_err("nothing left");
    assert_eq!(err.code_str(), Some("INVALID_REQUEST"), "{err}");
    // Releasing the rest pays no receiver, so it is no receiver's callback.
    let (_, finished) = common::control_post(
        &sim,
        "/ecommerce_profitsharing/order/EPS-F1/finish",
        json!({}),
    )
    .await?;
    assert_eq!(finished["callbacks"], json!([]), "{finished}");
    Ok(())
}

#[tokio::test]
async fn a_split_whose_answer_was_lost_is_retried_and_splits_once() -> TestResult {
    let sim = Simulator::start().await?;
    let client = common::retrying(&sim);
    list_receivers(&client).await?;
    let tx = paid_order(&sim, &client, "EC-ORDER-2", 5000).await?;
    // The split is made, but its answer comes after the client gave up on the attempt.
    sim.faults()
        .inject(SPLIT, Fault::Latency(Duration::from_secs(3)), Some(1))?;
    let made = client
        .execute(split(
            &tx,
            "EPS-LOST",
            "https://platform.example.com/ps",
            vec![receiver(ReceiverType::MerchantId, PLATFORM, 1500)],
        ))
        .await?;
    assert_eq!(made.status, Some(OrderState::Processing));
    assert!(sim.faults().calls(SPLIT) >= 2, "the client retried");
    assert_eq!(
        sim.faults().effects(SPLIT),
        1,
        "one split, however many attempts"
    );
    assert_eq!(
        unsplit(&client, &tx).await?,
        3500,
        "the shares were taken once"
    );
    Ok(())
}

#[tokio::test]
async fn receiver_names_leave_the_client_encrypted() -> TestResult {
    let (sim, client, log) = relayed_client().await?;
    // The receivers are registered first (a split pays only receivers on the list).
    let registered = client
        .execute(
            AddReceiverRequest::builder()
                .appid("wx8888888888888888")
                .type_(ReceiverType::MerchantId)
                .account(PLATFORM)
                .encrypted_name("杭州云杉供应链有限公司")
                .relation_type(EcommerceRelationType::Supplier)
                .build()?,
        )
        .await?;
    assert_eq!(registered.account, PLATFORM);
    let sent = taken(&log, "/v3/ecommerce/profitsharing/receivers/add");
    assert_eq!(
        sent.wechatpay_serial.as_deref(),
        Some(FIXTURE_PUBLIC_KEY_ID)
    );
    assert_encrypted(&sent.body, "/encrypted_name", "杭州云杉供应链有限公司");
    assert_eq!(sent.body["relation_type"], "SUPPLIER");
    add(&client, ReceiverType::PersonalOpenid, OPENID).await?;
    let tx = paid_order(&sim, &client, "EC-ORDER-3", 2000).await?;

    let named = EcommerceOrderReceiver::builder()
        .type_(ReceiverType::PersonalOpenid)
        .receiver_account(OPENID)
        .receiver_name(NAME)
        .amount(150)
        .description("推广员奖励")
        .build()?;
    let made = client
        .execute(split(
            &tx,
            "EPS-NAMED",
            "https://platform.example.com/ps",
            vec![receiver(ReceiverType::MerchantId, PLATFORM, 300), named],
        ))
        .await?;
    assert!(
        !format!("{made:?}").contains(NAME),
        "the answer carries no name"
    );
    let sent = taken(&log, "/v3/ecommerce/profitsharing/orders");
    assert_eq!(
        sent.wechatpay_serial.as_deref(),
        Some(FIXTURE_PUBLIC_KEY_ID)
    );
    assert_encrypted(&sent.body, "/receivers/1/receiver_name", NAME);
    assert_eq!(sent.body["receivers"][1]["receiver_account"], OPENID);
    assert!(
        sent.body["receivers"][0].get("receiver_name").is_none(),
        "no name was given for the merchant: {}",
        sent.body
    );

    Ok(())
}

#[tokio::test]
async fn the_after_sales_fee_is_split_once_within_what_was_paid() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let tx = paid_order(&sim, &client, "EC-ORDER-4", 1000).await?;
    let fee = |amount: i64| {
        CreateAfterSalesOrderRequest::builder()
            .sub_mchid(SUB_MCHID)
            .transaction_id(tx.as_str())
            .amount(amount)
            .type_(AfterSalesType::ServiceFeeIncome)
            .scene(AfterSalesScene::RefundTicket)
            .refund_id("50300603202026112600112233")
            .build()
    };
    let err = client
        .execute(fee(1001)?)
        .await
        .expect_err("over the total");
    assert_eq!(err.code_str(), Some("INVALID_REQUEST"), "{err}");
    let made = client.execute(fee(200)?).await?;
    assert_eq!(
        (made.transaction_id.as_str(), made.amount),
        (tx.as_str(), 200)
    );
    // One per order: a second request, the same or not, splits nothing more.
    for amount in [200, 300] {
        let err = client
            .execute(fee(amount)?)
            .await
            .expect_err("one per order");
        assert_eq!(err.code_str(), Some("INVALID_REQUEST"), "{err}");
    }
    let query = || {
        QueryAfterSalesOrderRequest::builder()
            .sub_mchid(SUB_MCHID)
            .transaction_id(tx.as_str())
            .build()
    };
    assert_eq!(
        client.execute(query()?).await?.result,
        AfterSalesResult::Processing
    );
    let (status, split) = common::control_post(
        &sim,
        &format!("/ecommerce_profitsharing/after_sales_order/{tx}/split"),
        json!({}),
    )
    .await?;
    assert_eq!(status, 200, "{split}");
    let done = client.execute(query()?).await?;
    assert_eq!((done.result, done.amount), (AfterSalesResult::Success, 200));
    Ok(())
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field() -> TestResult {
    let share = EcommerceOrderReceiver::builder()
        .type_(ReceiverType::MerchantId)
        .receiver_account(PLATFORM)
        .amount(0)
        .description("平台佣金")
        .build()
        .expect_err("a share of 0 fen");
    assert!(share.to_string().contains("amount"), "{share}");
    let no_sub_merchant = CreateOrderRequest::builder()
        .transaction_id("4200002451202611250011223344")
        .out_order_no("EPS-5")
        .receivers(vec![receiver(ReceiverType::MerchantId, PLATFORM, 1)])
        .finish(true)
        .build()
        .expect_err("sub_mchid is required");
    assert!(
        no_sub_merchant.to_string().contains("sub_mchid"),
        "{no_sub_merchant}"
    );
    let bad_number = FinishOrderRequest::builder()
        .sub_mchid(SUB_MCHID)
        .transaction_id("4200002451202611250011223344")
        .out_order_no("EPS 2026/11/25")
        .description("分账完结")
        .build()
        .expect_err("spaces and slashes are not allowed in out_order_no");
    assert!(
        bad_number.to_string().contains("out_order_no"),
        "{bad_number}"
    );

    // What a client that skips the builder sends is refused by the simulator, naming the field.
    let (_sim, client) = common::sim_and_client().await?;
    let err = client
        .call_json(
            http::Method::POST,
            "/v3/ecommerce/profitsharing/returnorders",
            Some(&json!({
                "sub_mchid": SUB_MCHID, "out_order_no": "EPS-1", "out_return_no": "EPR-9",
                "amount": 100, "description": "用户退款",
            })),
            false,
        )
        .await
        .expect_err("return_mchid is required");
    assert_eq!(err.code_str(), Some("PARAM_ERROR"), "{err}");
    assert!(err.to_string().contains("return_mchid"), "{err}");
    Ok(())
}

/// Asserts `request` is refused as a split to `account`, not on the platform's list: INVALID_REQUEST
/// naming it, and nothing split.
async fn refused_unlisted(
    sim: &Simulator,
    client: &Client,
    request: CreateOrderRequest,
    account: &str,
) -> TestResult {
    let before = sim.faults().effects(SPLIT);
    let err = client.execute(request).await.expect_err("not listed");
    let api = err.api().expect("an API error");
    assert_eq!((api.status, api.code.as_str()), (400, "INVALID_REQUEST"));
    assert!(
        api.message.contains(account) && api.message.contains("receiver list"),
        "the refusal names the account: {}",
        api.message
    );
    assert_eq!(sim.faults().effects(SPLIT), before, "nothing was split");
    Ok(())
}

#[tokio::test]
async fn a_split_pays_only_receivers_on_the_platforms_list() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let tx = paid_order(&sim, &client, "EC-ORDER-LIST", 3000).await?;
    let url = "https://platform.example.com/ps";
    let to = |out_order_no: &str, shares| split(&tx, out_order_no, url, shares);
    let platform = || vec![receiver(ReceiverType::MerchantId, PLATFORM, 100)];

    // Never added: refused, naming the account.
    refused_unlisted(&sim, &client, to("EPS-L1", platform()), PLATFORM).await?;
    assert_eq!(unsplit(&client, &tx).await?, 3000);

    // Added (twice is the same as once): paid.
    add(&client, ReceiverType::MerchantId, PLATFORM).await?;
    add(&client, ReceiverType::MerchantId, PLATFORM).await?;
    let made = client.execute(to("EPS-L2", platform())).await?;
    assert_eq!(
        made.receivers.unwrap_or_default()[0].receiver_account,
        PLATFORM
    );
    // The paying sub-merchant receives without being listed.
    let own = vec![receiver(ReceiverType::MerchantId, SUB_MCHID, 100)];
    client.execute(to("EPS-L3", own)).await?;

    // Deleted (twice: the second leaves the list as it is): refused again.
    for _ in 0..2 {
        let delete = DeleteReceiverRequest::builder()
            .appid(APPID)
            .type_(ReceiverType::MerchantId)
            .account(PLATFORM)
            .build()?;
        assert_eq!(client.execute(delete).await?.account, PLATFORM);
    }
    refused_unlisted(&sim, &client, to("EPS-L4", platform()), PLATFORM).await?;
    assert_eq!(unsplit(&client, &tx).await?, 2800, "two splits of 100 fen");
    Ok(())
}
