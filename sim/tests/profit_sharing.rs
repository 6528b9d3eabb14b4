//! 分账 (profit sharing) through the generated client against the simulator: a paid order placed
//! for profit sharing is split (PROCESSING, each share PENDING), WeChat Pay pays the shares through
//! the control API (FINISHED, PROFITSHARING.SUCCESS to the merchant receiver), a share is taken back
//! (PROFITSHARING.RETURN), the rest is unfrozen, and the remaining amount adds up at every step.
//! A retried or repeated split never splits twice. A split pays only receivers on the merchant's
//! list (add_receiver, delete_receiver), besides the merchant itself.

use std::time::Duration;

use serde_json::json;
use wechatpay_apiv3::Client;
use wechatpay_apiv3::pay::transactions::{Amount, JsapiPayer, PrepayJsapiRequest, SettleInfo};
use wechatpay_apiv3::profitsharing::{
    AddReceiverRequest, CreateOrderRequest, CreateReturnOrderRequest, DeleteReceiverRequest,
    OrderReceiver, OrderState, ProfitsharingNoticeEvent, QueryOrderAmountRequest,
    QueryOrderRequest, QueryReturnOrderRequest, ReceiverRelationType, ReceiverResult, ReceiverType,
    ReturnResult, UnfreezeOrderRequest,
};
use wechatpay_apiv3_sim::{FIXTURE_MCHID, Fault, Simulator};

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SPLIT: &str = "profitsharing.create_order";
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const STORE: &str = "1900087654";

/// Places and pays an order of `total` fen, held for profit sharing when `held`; its transaction id.
async fn paid_order(
    sim: &Simulator,
    client: &Client,
    out_trade_no: &str,
    total: i64,
    held: bool,
) -> Result<String, Box<dyn std::error::Error>> {
    let order = PrepayJsapiRequest::builder()
        .appid("wxd678efh567hg6787")
        .mchid(FIXTURE_MCHID)
        .description("门店套餐")
        .out_trade_no(out_trade_no)
        .notify_url("https://shop.example.com/wechatpay/notify")
        .amount(Amount::builder().total(total).build()?)
        .payer(JsapiPayer::builder().openid(OPENID).build()?)
        .settle_info(SettleInfo::builder().profit_sharing(held).build()?)
        .build()?;
    client.execute(order).await?;
    Ok(sim.pay_order(out_trade_no, OPENID)?.transaction_id)
}

const APPID: &str = "wxd678efh567hg6787";

/// Puts `account` of `kind` on the merchant's receiver list (the sub-merchant's, with `sub_mchid`).
async fn add(
    client: &Client,
    kind: ReceiverType,
    account: &str,
    sub_mchid: Option<&str>,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut request = AddReceiverRequest::builder()
        .appid(APPID)
        .type_(kind.clone())
        .account(account)
        .relation_type(ReceiverRelationType::Store);
    if kind == ReceiverType::MerchantId {
        request = request.name("深圳晨光咖啡南山店有限公司");
    }
    if let Some(sub) = sub_mchid {
        request = request.sub_mchid(sub);
    }
    let added = client.execute(request.build()?).await?;
    assert_eq!((added.type_, added.account.as_str()), (kind, account));
    Ok(())
}

/// Puts the store and the employee, the receivers these tests split to, on the list.
async fn list_receivers(client: &Client) -> Result<(), Box<dyn std::error::Error>> {
    add(client, ReceiverType::MerchantId, STORE, None).await?;
    add(client, ReceiverType::PersonalOpenid, OPENID, None).await
}

fn receiver(kind: ReceiverType, account: &str, amount: i64) -> OrderReceiver {
    OrderReceiver::builder()
        .type_(kind)
        .account(account)
        .amount(amount)
        .description("门店分成")
        .build()
        .expect("receiver")
}

/// Takes `amount` fen of the store's share of the split `out_order_no` back, as `out_return_no`.
fn take_back(
    out_order_no: &str,
    out_return_no: &str,
    amount: i64,
) -> Result<CreateReturnOrderRequest, wechatpay_apiv3::BuildError> {
    CreateReturnOrderRequest::builder()
        .out_order_no(out_order_no)
        .out_return_no(out_return_no)
        .return_mchid(STORE)
        .amount(amount)
        .description("用户退款")
        .build()
}

fn split(
    transaction_id: &str,
    out_order_no: &str,
    notify_url: &str,
    shares: Vec<OrderReceiver>,
) -> CreateOrderRequest {
    CreateOrderRequest::builder()
        .appid(APPID)
        .transaction_id(transaction_id)
        .out_order_no(out_order_no)
        .receivers(shares)
        .unfreeze_unsplit(false)
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

fn code<C: wechatpay_apiv3::OpenEnum + Clone>(err: &wechatpay_apiv3::Error<C>) -> Option<&str> {
    err.api().map(|e| e.code.as_str())
}

#[tokio::test]
async fn split_pay_return_and_unfreeze_add_up() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    list_receivers(&client).await?;
    let tx = paid_order(&sim, &client, "PS-ORDER-1", 8800, true).await?;
    assert_eq!(unsplit(&client, &tx).await?, 8800);

    let (url, mut rx) =
        common::receive_one_callback::<ProfitsharingNoticeEvent>(client.clone()).await?;
    let notify_url = url.replacen("http://", "https://", 1);
    let shares = || {
        vec![
            receiver(ReceiverType::MerchantId, STORE, 600),
            receiver(ReceiverType::PersonalOpenid, OPENID, 400),
        ]
    };
    let first = client
        .execute(split(&tx, "PS-1", &notify_url, shares()))
        .await?;
    assert_eq!(first.state, OrderState::Processing);
    let receivers = first.receivers.clone().unwrap_or_default();
    assert_eq!(receivers.len(), 2);
    assert!(
        receivers
            .iter()
            .all(|r| r.result == ReceiverResult::Pending)
    );
    // The same request again: the first answer, not a second split.
    assert_eq!(
        client
            .execute(split(&tx, "PS-1", &notify_url, shares()))
            .await?,
        first
    );
    assert_eq!(sim.faults().effects(SPLIT), 1);
    assert_eq!(unsplit(&client, &tx).await?, 8800 - 1000);
    // More than the order still holds is refused, and takes nothing.
    let err = client
        .execute(split(
            &tx,
            "PS-2",
            &notify_url,
            vec![receiver(ReceiverType::MerchantId, STORE, 7801)],
        ))
        .await
        .expect_err("too much");
    assert_eq!(code(&err), Some("INVALID_REQUEST"));
    assert_eq!(unsplit(&client, &tx).await?, 7800);

    // WeChat Pay pays the shares; the merchant receiver's callback reaches the split's notify_url.
    let (status, finished) =
        common::control_post(&sim, "/profitsharing/order/PS-1/finish", json!({})).await?;
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
        ("PS-1", tx.as_str())
    );
    assert_eq!(
        (event.receiver.account.as_str(), event.receiver.amount),
        (STORE, 600)
    );
    assert_eq!(event.order_id, first.order_id);
    let query = QueryOrderRequest::builder()
        .out_order_no("PS-1")
        .transaction_id(tx.as_str())
        .build()?;
    let paid = client.execute(query).await?;
    assert_eq!(paid.state, OrderState::Finished);
    assert!(
        paid.receivers
            .unwrap_or_default()
            .iter()
            .all(|r| r.result == ReceiverResult::Success)
    );

    // Take back 200 of the store's 600; then 500 more is more than is left of it.
    let back = |no: &str, amount: i64| take_back("PS-1", no, amount);
    let returning = client.execute(back("PR-1", 200)?).await?;
    assert_eq!(
        (returning.result.clone(), returning.order_id.as_str()),
        (ReturnResult::Processing, first.order_id.as_str())
    );
    assert_eq!(
        client.execute(back("PR-1", 200)?).await?,
        returning,
        "replayed"
    );
    let err = client
        .execute(back("PR-2", 500)?)
        .await
        .expect_err("more than left");
    assert_eq!(code(&err), Some("INVALID_REQUEST"));
    let (url, mut rx) =
        common::receive_one_callback::<ProfitsharingNoticeEvent>(client.clone()).await?;
    let (status, done) = common::control_post(
        &sim,
        "/profitsharing/return_order/PR-1/returned",
        json!({ "notify_url": url.replacen("http://", "https://", 1) }),
    )
    .await?;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["callback"]["event_type"], "PROFITSHARING.RETURN");
    let event = rx.recv().await.ok_or("no return callback")??;
    assert_eq!(
        (event.out_order_no.as_str(), event.receiver.amount),
        ("PR-1", 200)
    );
    assert_eq!(event.order_id, returning.return_id);
    let query = QueryReturnOrderRequest::builder()
        .out_return_no("PR-1")
        .out_order_no("PS-1")
        .build()?;
    assert_eq!(client.execute(query).await?.result, ReturnResult::Success);
    // What is left of the store's share (400) can still be taken back; a failed return takes nothing.
    client.execute(back("PR-3", 400)?).await?;
    let (status, failed) = common::control_post(
        &sim,
        "/profitsharing/return_order/PR-3/fail",
        json!({ "fail_reason": "BALANCE_NOT_ENOUGH" }),
    )
    .await?;
    assert_eq!(status, 200, "{failed}");
    client.execute(back("PR-4", 400)?).await?;
    // Returns do not give the order back what it held.
    assert_eq!(unsplit(&client, &tx).await?, 7800);

    // The rest goes back to the merchant; nothing is left to split or unfreeze after it.
    let unfreeze = |no: &str| {
        UnfreezeOrderRequest::builder()
            .transaction_id(tx.as_str())
            .out_order_no(no)
            .description("解冻全部剩余资金")
            .build()
    };
    let rest = client.execute(unfreeze("PSU-1")?).await?;
    let shares = rest.receivers.unwrap_or_default();
    assert_eq!(shares.len(), 1);
    assert_eq!(
        (shares[0].account.as_str(), shares[0].amount),
        (FIXTURE_MCHID, 7800)
    );
    assert_eq!(unsplit(&client, &tx).await?, 0);
    let err = client
        .execute(unfreeze("PSU-2")?)
        .await
        .expect_err("nothing left");
    assert_eq!(code(&err), Some("INVALID_REQUEST"));
    let err = client
        .execute(split(
            &tx,
            "PS-3",
            &notify_url,
            vec![receiver(ReceiverType::MerchantId, STORE, 1)],
        ))
        .await
        .expect_err("nothing left");
    assert_eq!(code(&err), Some("INVALID_REQUEST"));
    // The merchant's own rest is not a receiver's callback.
    let (_, finished) =
        common::control_post(&sim, "/profitsharing/order/PSU-1/finish", json!({})).await?;
    assert_eq!(finished["callbacks"], json!([]), "{finished}");
    Ok(())
}

#[tokio::test]
async fn an_order_not_held_for_profit_sharing_cannot_be_split() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let tx = paid_order(&sim, &client, "PS-ORDER-2", 1000, false).await?;
    let err = client
        .execute(split(
            &tx,
            "PS-9",
            "https://shop.example.com/ps",
            vec![receiver(ReceiverType::MerchantId, STORE, 100)],
        ))
        .await
        .expect_err("not held");
    assert_eq!(code(&err), Some("INVALID_REQUEST"));
    assert_eq!(sim.faults().effects(SPLIT), 0);
    let query = QueryOrderRequest::builder()
        .out_order_no("PS-9")
        .transaction_id(tx.as_str())
        .build()?;
    let err = client.execute(query).await.expect_err("never made");
    assert_eq!(code(&err), Some("RESOURCE_NOT_EXISTS"));
    Ok(())
}

#[tokio::test]
async fn a_split_whose_answer_was_lost_is_retried_and_splits_once() -> TestResult {
    let sim = Simulator::start().await?;
    let client = common::retrying(&sim);
    list_receivers(&client).await?;
    let tx = paid_order(&sim, &client, "PS-ORDER-3", 5000, true).await?;
    // The split is made, but its answer comes after the client gave up on the attempt.
    sim.faults()
        .inject(SPLIT, Fault::Latency(Duration::from_secs(3)), Some(1))?;
    let made = client
        .execute(split(
            &tx,
            "PS-LOST",
            "https://shop.example.com/ps",
            vec![receiver(ReceiverType::MerchantId, STORE, 1500)],
        ))
        .await?;
    assert_eq!(made.state, OrderState::Processing);
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

/// A profit-sharing bill read back: its detail lines' cells and its summary's.
type BillLines = (Vec<Vec<String>>, Vec<String>);

/// The detail lines of a profit-sharing bill (each cell without its backquote) and its summary.
fn bill_lines(text: &str) -> Result<BillLines, Box<dyn std::error::Error>> {
    let mut lines = text.lines();
    let header = lines.next().ok_or("no header")?;
    assert!(header.starts_with("分账时间,"), "{text}");
    let columns = header.split(',').count();
    let mut detail = Vec::new();
    for line in lines.by_ref() {
        if line.starts_with("分账笔数,") {
            break;
        }
        let cells: Vec<String> = line
            .split(',')
            .map(|c| c.strip_prefix('`').map(str::to_string).ok_or(c))
            .collect::<Result<_, _>>()
            .map_err(|c| format!("a cell without its backquote: {c:?} in {text}"))?;
        assert_eq!(cells.len(), columns, "{text}");
        detail.push(cells);
    }
    let summary = lines.next().ok_or("no summary line")?;
    assert_eq!(lines.next(), None, "nothing after the summary: {text}");
    let summary = summary
        .split(',')
        .map(|c| c.trim_start_matches('`').to_string())
        .collect();
    Ok((detail, summary))
}

#[tokio::test]
async fn the_days_bill_lists_exactly_the_shares_paid_and_returns_made() -> TestResult {
    use wechatpay_apiv3::profitsharing::ApplyBillRequest;
    use wechatpay_apiv3::profitsharing::apply_bill::ProfitSharingBillTarType;
    let (sim, client) = common::sim_and_client().await?;
    list_receivers(&client).await?;
    let tx = paid_order(&sim, &client, "PS-BILL-ORDER", 10000, true).await?;
    let notify_url = "https://shop.example.com/ps";
    let shares = vec![
        receiver(ReceiverType::MerchantId, STORE, 600),
        receiver(ReceiverType::PersonalOpenid, OPENID, 400),
    ];
    client
        .execute(split(&tx, "PS-B1", notify_url, shares))
        .await?;
    // A split WeChat Pay has not paid yet stays out of the bill.
    client
        .execute(split(
            &tx,
            "PS-B2",
            notify_url,
            vec![receiver(ReceiverType::MerchantId, STORE, 300)],
        ))
        .await?;
    let (status, _) =
        common::control_post(&sim, "/profitsharing/order/PS-B1/finish", json!({})).await?;
    assert_eq!(status, 200);
    // 250 of the store's 600 comes back; a failed return and one still processing stay out.
    let back = |no: &str, amount: i64| take_back("PS-B1", no, amount);
    let returned = client.execute(back("PR-B1", 250)?).await?;
    let (status, _) = common::control_post(
        &sim,
        "/profitsharing/return_order/PR-B1/returned",
        json!({}),
    )
    .await?;
    assert_eq!(status, 200);
    client.execute(back("PR-B2", 100)?).await?;
    let (status, _) = common::control_post(
        &sim,
        "/profitsharing/return_order/PR-B2/fail",
        json!({ "fail_reason": "BALANCE_NOT_ENOUGH" }),
    )
    .await?;
    assert_eq!(status, 200);
    client.execute(back("PR-B3", 50)?).await?;
    // The rest (10000 - 1000 - 300 = 8700) goes back to the merchant, paid at once.
    let rest = client
        .execute(
            UnfreezeOrderRequest::builder()
                .transaction_id(tx.as_str())
                .out_order_no("PSU-B1")
                .description("解冻全部剩余资金")
                .build()?,
        )
        .await?;
    let (status, _) =
        common::control_post(&sim, "/profitsharing/order/PSU-B1/finish", json!({})).await?;
    assert_eq!(status, 200);

    let first = client
        .execute(
            QueryOrderRequest::builder()
                .out_order_no("PS-B1")
                .transaction_id(tx.as_str())
                .build()?,
        )
        .await?;
    let today = first
        .receivers
        .as_deref()
        .and_then(|r| r.first())
        .and_then(|r| r.finish_time.as_str().get(..10))
        .ok_or("no finish_time")?
        .to_string();
    let mut expected = vec![
        vec![
            "分账",
            STORE,
            "MERCHANT_ID",
            "PS-B1",
            first.order_id.as_str(),
            "6.00",
        ],
        vec![
            "分账",
            OPENID,
            "PERSONAL_OPENID",
            "PS-B1",
            first.order_id.as_str(),
            "4.00",
        ],
        vec![
            "回退",
            STORE,
            "MERCHANT_ID",
            "PR-B1",
            returned.return_id.as_str(),
            "2.50",
        ],
        vec![
            "解冻给分账方",
            FIXTURE_MCHID,
            "MERCHANT_ID",
            "PSU-B1",
            rest.order_id.as_str(),
            "87.00",
        ],
    ];
    expected.sort();
    for tar_type in [None, Some(ProfitSharingBillTarType::Gzip)] {
        let mut ask = ApplyBillRequest::builder().bill_date(today.as_str());
        if let Some(t) = tar_type {
            ask = ask.tar_type(t);
        }
        let link = client.execute(ask.build()?).await?;
        assert_eq!(link.hash_type, "SHA1");
        let file = client
            .download_bill(&link.download_url, &link.hash_type, &link.hash_value)
            .await?;
        let text = String::from_utf8(file)?;
        let (detail, summary) = bill_lines(&text)?;
        // Columns: time, initiator, payer, receiver, receiver type, transaction, WeChat Pay's
        // number, the merchant's number, business type, yuan, description.
        let mut listed: Vec<Vec<&str>> = detail
            .iter()
            .map(|c| vec![&*c[8], &*c[3], &*c[4], &*c[7], &*c[6], &*c[9]])
            .collect();
        listed.sort();
        assert_eq!(listed, expected, "{text}");
        for line in &detail {
            assert!(line[0].starts_with(&today), "{text}");
            assert_eq!(
                (&*line[1], &*line[2]),
                (FIXTURE_MCHID, FIXTURE_MCHID),
                "{text}"
            );
            assert_eq!(line[5], tx, "{text}");
        }
        assert_eq!(summary, ["3", "97.00", "1", "2.50"], "{text}");
    }
    // Another day's bill has none of them; a day to come has no bill yet.
    let link = client
        .execute(
            ApplyBillRequest::builder()
                .bill_date("2020-01-01")
                .build()?,
        )
        .await?;
    let file = client
        .download_bill(&link.download_url, &link.hash_type, &link.hash_value)
        .await?;
    let (detail, summary) = bill_lines(&String::from_utf8(file)?)?;
    assert!(detail.is_empty(), "{detail:?}");
    assert_eq!(summary, ["0", "0.00", "0", "0.00"]);
    let err = client
        .execute(
            ApplyBillRequest::builder()
                .bill_date("2999-01-01")
                .build()?,
        )
        .await
        .expect_err("a day to come");
    assert_eq!(code(&err), Some("NO_STATEMENT_EXIST"));
    Ok(())
}

/// The refusal of a split to `account`, which is not on the list: INVALID_REQUEST naming it.
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
async fn a_split_pays_only_receivers_on_the_list() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let tx = paid_order(&sim, &client, "PS-ORDER-LIST", 3000, true).await?;
    let url = "https://shop.example.com/ps";
    let to = |out_order_no: &str, shares: Vec<OrderReceiver>| split(&tx, out_order_no, url, shares);

    // Never added: refused, naming the account; nothing is taken from the order.
    let store = || vec![receiver(ReceiverType::MerchantId, STORE, 100)];
    refused_unlisted(&sim, &client, to("PS-L1", store()), STORE).await?;
    // One unlisted receiver among listed ones refuses the whole split.
    add(&client, ReceiverType::MerchantId, STORE, None).await?;
    let both = vec![
        receiver(ReceiverType::MerchantId, STORE, 100),
        receiver(ReceiverType::PersonalOpenid, OPENID, 100),
    ];
    refused_unlisted(&sim, &client, to("PS-L1", both), OPENID).await?;
    assert_eq!(unsplit(&client, &tx).await?, 3000);

    // Listed (adding twice is the same as once): paid.
    add(&client, ReceiverType::MerchantId, STORE, None).await?;
    let made = client.execute(to("PS-L2", store())).await?;
    assert_eq!(made.receivers.unwrap_or_default()[0].account, STORE);
    // The same account listed as another kind is another receiver.
    let as_openid = vec![receiver(ReceiverType::PersonalOpenid, STORE, 100)];
    refused_unlisted(&sim, &client, to("PS-L3", as_openid), STORE).await?;
    // The merchant itself receives without being listed.
    let own = vec![receiver(ReceiverType::MerchantId, FIXTURE_MCHID, 100)];
    client.execute(to("PS-L4", own)).await?;

    // Deleted (twice: the second leaves the list as it is): refused again.
    for _ in 0..2 {
        let delete = DeleteReceiverRequest::builder()
            .appid(APPID)
            .type_(ReceiverType::MerchantId)
            .account(STORE)
            .build()?;
        assert_eq!(client.execute(delete).await?.account, STORE);
    }
    refused_unlisted(&sim, &client, to("PS-L5", store()), STORE).await?;
    assert_eq!(unsplit(&client, &tx).await?, 2800, "two splits of 100 fen");

    // A sub-merchant's list is its own: the store on it is not on the merchant's.
    add(&client, ReceiverType::MerchantId, STORE, Some("1900000109")).await?;
    refused_unlisted(&sim, &client, to("PS-L5", store()), STORE).await?;
    Ok(())
}
