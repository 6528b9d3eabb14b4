//! E-commerce balance and withdrawal (ecommerce::fund for sub-merchants, merchant::fund for the
//! platform) through the generated client against the simulator: withdraw, replay and refusal of
//! a reused number, the bank's result through the control API with MCHWITHDRAW.CHANGE verified and
//! typed by the client, queries by both numbers, effect counts proving a retried withdrawal pays
//! out once, refusals naming the field, balances, and the day's exception file checked by hash.

use std::time::Duration;

use serde_json::json;
use wechatpay_apiv3::bill::TarType;
use wechatpay_apiv3::ecommerce::fund::{
    BalanceAccountType, QueryBalanceRequest, QueryEndDayBalanceRequest,
    QueryWithdrawByOutRequestNoRequest, QueryWithdrawByWithdrawIdRequest, SubMerchantWithdraw,
    WithdrawAccountType, WithdrawRequest, WithdrawStatus,
};
use wechatpay_apiv3::merchant::fund as platform;
use wechatpay_apiv3::{AnyNotification, Client, Error, ErrorCode, Received};
use wechatpay_apiv3_sim::{FIXTURE_MCHID, Fault, Simulator};

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SUB_MCHID: &str = "1900098765";
const OTHER_SUB_MCHID: &str = "1900011111";
const SUB_WITHDRAW: &str = "ecommerce_fund.withdraw";
const PLATFORM_WITHDRAW: &str = "merchant_fund.withdraw";

fn withdrawal(out_request_no: &str, amount: i64, notify_url: Option<&str>) -> WithdrawRequest {
    let builder = WithdrawRequest::builder();
    let builder = match notify_url {
        Some(url) => builder.notify_url(url),
        None => builder,
    };
    builder
        .sub_mchid(SUB_MCHID)
        .out_request_no(out_request_no)
        .amount(amount)
        .remark("十一月货款提现")
        .bank_memo("平台提现")
        .build()
        .expect("valid withdrawal")
}

fn platform_withdrawal(
    out_request_no: &str,
    amount: i64,
    notify_url: Option<&str>,
) -> platform::WithdrawRequest {
    let builder = platform::WithdrawRequest::builder();
    let builder = match notify_url {
        Some(url) => builder.notify_url(url),
        None => builder,
    };
    builder
        .out_request_no(out_request_no)
        .amount(amount)
        .account_type(WithdrawAccountType::Basic)
        .build()
        .expect("valid withdrawal")
}

fn by_out_request_no(out_request_no: &str, sub_mchid: &str) -> QueryWithdrawByOutRequestNoRequest {
    QueryWithdrawByOutRequestNoRequest::builder()
        .out_request_no(out_request_no)
        .sub_mchid(sub_mchid)
        .build()
        .expect("valid query")
}

fn by_withdraw_id(withdraw_id: &str) -> QueryWithdrawByWithdrawIdRequest {
    QueryWithdrawByWithdrawIdRequest::builder()
        .withdraw_id(withdraw_id)
        .sub_mchid(SUB_MCHID)
        .build()
        .expect("valid query")
}

/// A loopback callback endpoint typed as `E`; the spec requires https, and the simulator calls a
/// loopback https URL over plain HTTP.
async fn callback_endpoint<E>(
    client: &Client,
) -> std::io::Result<(String, tokio::sync::mpsc::Receiver<common::Received<E>>)>
where
    E: wechatpay_apiv3::NotificationEvent + Send + 'static,
{
    let (url, rx) = common::receive_one_callback::<E>(client.clone()).await?;
    Ok((url.replacen("http://", "https://", 1), rx))
}

#[tokio::test]
async fn a_sub_merchant_withdrawal_is_paid_out_and_its_callback_arrives() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let (notify_url, mut rx) = callback_endpoint::<SubMerchantWithdraw>(&client).await?;

    let created = client
        .execute(withdrawal("WDS1001", 500000, Some(&notify_url)))
        .await?;
    assert_eq!(created.sub_mchid, SUB_MCHID);
    assert_eq!(created.out_request_no, "WDS1001");
    assert!(!created.withdraw_id.is_empty());
    // The same request again is the same withdrawal, not a second payout.
    assert_eq!(
        client
            .execute(withdrawal("WDS1001", 500000, Some(&notify_url)))
            .await?,
        created
    );
    assert_eq!(sim.faults().effects(SUB_WITHDRAW), 1);
    // The same number for another amount is refused, and changes nothing.
    let reused = client
        .execute(withdrawal("WDS1001", 900000, Some(&notify_url)))
        .await
        .expect_err("reused number");
    assert_eq!(
        reused.code().cloned(),
        Some(ErrorCode::InvalidRequest),
        "{reused}"
    );
    assert_eq!(sim.faults().effects(SUB_WITHDRAW), 1);

    // Both queries answer the record: accepted, the platform's number, the default account.
    let found = client
        .execute(by_out_request_no("WDS1001", SUB_MCHID))
        .await?;
    assert_eq!(found.status, WithdrawStatus::CreateSuccess);
    assert_eq!(found.withdraw_id, created.withdraw_id);
    assert_eq!(found.sp_mchid, FIXTURE_MCHID);
    assert_eq!(found.amount, 500000);
    assert_eq!(found.account_type, Some(WithdrawAccountType::Basic));
    assert_eq!(found.remark.as_deref(), Some("十一月货款提现"));
    assert_eq!(
        client.execute(by_withdraw_id(&created.withdraw_id)).await?,
        found
    );
    // Another sub-merchant's number does not find it.
    let other = client
        .execute(by_out_request_no("WDS1001", OTHER_SUB_MCHID))
        .await
        .expect_err("another sub-merchant");
    assert_eq!(
        other.code().cloned(),
        Some(ErrorCode::OrderNotExist),
        "{other}"
    );
    // The number is unique per sub-merchant: another one may use it for its own withdrawal, and
    // each query by it finds the caller's.
    let theirs = client
        .execute(
            WithdrawRequest::builder()
                .sub_mchid(OTHER_SUB_MCHID)
                .out_request_no("WDS1001")
                .amount(1200)
                .build()?,
        )
        .await?;
    assert_ne!(theirs.withdraw_id, created.withdraw_id);
    assert_eq!(sim.faults().effects(SUB_WITHDRAW), 2);
    let found_theirs = client
        .execute(by_out_request_no("WDS1001", OTHER_SUB_MCHID))
        .await?;
    assert_eq!(
        (found_theirs.withdraw_id.as_str(), found_theirs.amount),
        (theirs.withdraw_id.as_str(), 1200)
    );
    assert_eq!(
        client
            .execute(by_out_request_no("WDS1001", SUB_MCHID))
            .await?
            .withdraw_id,
        created.withdraw_id
    );

    // The bank pays it out: the callback reaches the withdrawal's notify_url, verified and typed.
    let route = format!("/ecommerce_fund/withdraw/{}", created.withdraw_id);
    let (status, paid) = common::control_post(&sim, &format!("{route}/succeed"), json!({})).await?;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["callback"]["delivered"], true, "{paid}");
    assert_eq!(paid["callback"]["last_status"], 204, "{paid}");
    let event = tokio::time::timeout(Duration::from_secs(60), rx.recv())
        .await?
        .ok_or("no callback arrived")??;
    assert_eq!(event.status, WithdrawStatus::Success);
    assert_eq!(event.withdraw_id, created.withdraw_id);
    assert_eq!(event.out_request_no, "WDS1001");
    assert_eq!(event.sp_mchid, FIXTURE_MCHID);
    assert_eq!(event.amount, 500000);
    let after = client.execute(by_withdraw_id(&created.withdraw_id)).await?;
    assert_eq!(after.status, WithdrawStatus::Success);

    // Paid once; the bank may still return it (退票), with a reason.
    let (status, again) =
        common::control_post(&sim, &format!("{route}/succeed"), json!({})).await?;
    assert_eq!(status, 409, "{again}");
    let (status, returned) = common::control_post(
        &sim,
        &format!("{route}/bank_return"),
        json!({ "reason": "收款账户已销户", "deliver": false }),
    )
    .await?;
    assert_eq!(status, 200, "{returned}");
    let after = client
        .execute(by_out_request_no("WDS1001", SUB_MCHID))
        .await?;
    assert_eq!(after.status, WithdrawStatus::Refund);
    assert_eq!(after.reason.as_deref(), Some("收款账户已销户"));
    Ok(())
}

#[tokio::test]
async fn a_platform_withdrawal_fails_with_a_reason_and_the_exception_file_lists_it() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let (notify_url, mut rx) = callback_endpoint::<platform::PlatformWithdraw>(&client).await?;
    let created = client
        .execute(platform_withdrawal("WDP2001", 2000000, Some(&notify_url)))
        .await?;
    assert_eq!(created.out_request_no, "WDP2001");

    // The bank's failure must say why.
    let route = format!("/merchant_fund/withdraw/{}", created.withdraw_id);
    let (status, refused) = common::control_post(&sim, &format!("{route}/fail"), json!({})).await?;
    assert_eq!(status, 400, "{refused}");
    assert!(refused.to_string().contains("reason"), "{refused}");
    let (status, failed) = common::control_post(
        &sim,
        &format!("{route}/fail"),
        json!({ "reason": "卡号错误", "solution": "请修改结算银行卡信息" }),
    )
    .await?;
    assert_eq!(status, 200, "{failed}");
    assert_eq!(failed["callback"]["delivered"], true, "{failed}");
    let event = tokio::time::timeout(Duration::from_secs(60), rx.recv())
        .await?
        .ok_or("no callback arrived")??;
    assert_eq!(event.status, WithdrawStatus::Fail);
    assert_eq!(event.withdraw_id, created.withdraw_id);
    assert_eq!(event.reason.as_deref(), Some("卡号错误"));
    assert_eq!(event.solution.as_deref(), Some("请修改结算银行卡信息"));

    let found = client
        .execute(
            platform::QueryWithdrawByOutRequestNoRequest::builder()
                .out_request_no("WDP2001")
                .build()?,
        )
        .await?;
    assert_eq!(found.status, WithdrawStatus::Fail);
    assert_eq!(found.amount, 2000000);
    assert_eq!(found.account_type, Some(WithdrawAccountType::Basic));
    let by_id = client
        .execute(
            platform::QueryWithdrawByWithdrawIdRequest::builder()
                .withdraw_id(created.withdraw_id.as_str())
                .build()?,
        )
        .await?;
    assert_eq!(by_id, found);

    // The day's exception file lists the failed withdrawal; its hash is checked on download.
    let today = found.update_time.as_str().get(..10).ok_or("no date")?;
    for tar_type in [None, Some(TarType::Gzip)] {
        let mut ask = platform::QueryWithdrawBillRequest::builder()
            .bill_type("NO_SUCC")
            .bill_date(today);
        if let Some(t) = tar_type {
            ask = ask.tar_type(t);
        }
        let link = client.execute(ask.build()?).await?;
        assert_eq!(link.hash_type, "SHA1");
        let file = client
            .download_bill(&link.download_url, &link.hash_type, &link.hash_value)
            .await?;
        let text = String::from_utf8(file)?;
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].starts_with("状态更新时间,"), "{text}");
        assert!(
            lines[1].contains(&format!(
                "`{},`WDP2001,`20000.00,`FAIL,`卡号错误,`BASIC",
                created.withdraw_id
            )),
            "{text}"
        );
        let err = client
            .download_bill(&link.download_url, &link.hash_type, &"0".repeat(40))
            .await
            .expect_err("wrong hash");
        assert!(matches!(err, Error::Untrusted(_)), "{err}");
    }
    // A day without an exception has no file.
    let none = client
        .execute(
            platform::QueryWithdrawBillRequest::builder()
                .bill_type("NO_SUCC")
                .bill_date("2020-01-01")
                .build()?,
        )
        .await
        .expect_err("no exception that day");
    assert_eq!(
        none.code().cloned(),
        Some(ErrorCode::NoStatementExist),
        "{none}"
    );
    Ok(())
}

#[tokio::test]
async fn a_withdrawal_whose_answer_is_lost_is_paid_out_once() -> TestResult {
    let sim = Simulator::start().await?;
    let client = common::retrying(&sim);
    // WeChat Pay accepts the withdrawal, but the answer comes after the client gave up on the
    // attempt; the client repeats the same request, which replays the first answer.
    for (op, out_request_no) in [(SUB_WITHDRAW, "WDS3001"), (PLATFORM_WITHDRAW, "WDP3001")] {
        sim.faults()
            .inject(op, Fault::Latency(Duration::from_secs(3)), Some(1))?;
        let withdraw_id = if op == SUB_WITHDRAW {
            client
                .execute(withdrawal(out_request_no, 8800, None))
                .await?
                .withdraw_id
        } else {
            client
                .execute(platform_withdrawal(out_request_no, 8800, None))
                .await?
                .withdraw_id
        };
        assert_eq!(
            (sim.faults().calls(op), sim.faults().effects(op)),
            (2, 1),
            "{op}: two attempts, one withdrawal"
        );
        let found = if op == SUB_WITHDRAW {
            client
                .execute(by_withdraw_id(&withdraw_id))
                .await?
                .out_request_no
        } else {
            client
                .execute(
                    platform::QueryWithdrawByWithdrawIdRequest::builder()
                        .withdraw_id(withdraw_id.as_str())
                        .build()?,
                )
                .await?
                .out_request_no
        };
        assert_eq!(found, out_request_no);
    }
    Ok(())
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_on_both_sides() -> TestResult {
    // The client refuses before sending: every broken rule, each naming its field.
    let err = WithdrawRequest::builder()
        .sub_mchid(SUB_MCHID)
        .out_request_no("WD-1")
        .amount(0)
        .build()
        .expect_err("a malformed number and no amount");
    let text = err.to_string();
    assert!(
        text.contains("out_request_no") && text.contains("amount"),
        "{text}"
    );
    let err = platform::QueryBalanceRequest::builder()
        .account_type("SAVINGS")
        .build()
        .expect_err("no such account");
    assert!(err.to_string().contains("account_type"), "{err}");
    let err = platform::WithdrawRequest::builder()
        .out_request_no("WDP4001")
        .amount(100)
        .build()
        .expect_err("the platform names its account");
    assert!(err.to_string().contains("account_type"), "{err}");

    // Sent anyway, as raw JSON: the simulator applies the same rules and names the field.
    let (_sim, client) = common::sim_and_client().await?;
    let body = json!({ "sub_mchid": SUB_MCHID, "out_request_no": "WDS4001", "amount": 0 });
    for (method, path, body, field) in [
        (
            http::Method::POST,
            "/v3/ecommerce/fund/withdraw",
            Some(&body),
            "amount",
        ),
        (
            http::Method::GET,
            "/v3/merchant/fund/balance/SAVINGS",
            None,
            "account_type",
        ),
    ] {
        let err = client
            .call_json(method, path, body, false)
            .await
            .expect_err("refused");
        let Error::Api(api) = err else {
            panic!("{path}: not an API error: {err}")
        };
        assert_eq!(
            (api.status, api.code.0.as_str()),
            (400, "PARAM_ERROR"),
            "{path}"
        );
        assert!(api.message.contains(field), "{path}: {}", api.message);
    }
    Ok(())
}

fn sub_balance(account: BalanceAccountType) -> QueryBalanceRequest {
    QueryBalanceRequest::builder()
        .sub_mchid(SUB_MCHID)
        .account_type(account)
        .build()
        .expect("valid query")
}

fn platform_balance(account: &str) -> platform::QueryBalanceRequest {
    platform::QueryBalanceRequest::builder()
        .account_type(account)
        .build()
        .expect("valid query")
}

#[tokio::test]
async fn balances_lose_what_withdrawals_take_and_get_it_back_when_one_fails() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let before = client
        .execute(sub_balance(BalanceAccountType::Basic))
        .await?;
    assert_eq!(before.sub_mchid, SUB_MCHID);
    assert_eq!(before.account_type, Some(BalanceAccountType::Basic));
    let start = before.available_amount;
    assert!(start > 500000, "{before:?}");

    let taken = client.execute(withdrawal("WDS6001", 500000, None)).await?;
    let after = client
        .execute(sub_balance(BalanceAccountType::Basic))
        .await?;
    assert_eq!(after.available_amount, start - 500000);
    // Another account of the sub-merchant is untouched.
    let operating = client
        .execute(sub_balance(BalanceAccountType::Operation))
        .await?;
    assert_eq!(operating.available_amount, start);
    // More than is left is refused, and nothing is withdrawn.
    let short = client
        .execute(withdrawal("WDS6002", start, None))
        .await
        .expect_err("beyond the balance");
    assert_eq!(short.code().cloned(), Some(ErrorCode::NotEnough), "{short}");
    assert_eq!(sim.faults().effects(SUB_WITHDRAW), 1);
    // A failed withdrawal's money is back.
    sim.transition(
        "ecommerce_fund",
        "withdraw",
        &taken.withdraw_id,
        "fail",
        &json!({ "reason": "卡号错误" }),
    )?;
    let back = client
        .execute(sub_balance(BalanceAccountType::Basic))
        .await?;
    assert_eq!(back.available_amount, start);

    // The platform's own account, the same way.
    let own = client
        .execute(platform_balance("BASIC"))
        .await?
        .available_amount;
    client
        .execute(platform_withdrawal("WDP6001", 2000000, None))
        .await?;
    assert_eq!(
        client
            .execute(platform_balance("BASIC"))
            .await?
            .available_amount,
        own - 2000000
    );
    assert_eq!(
        client
            .execute(platform_balance("FEES"))
            .await?
            .available_amount,
        own
    );

    // End-of-day balances are history: the documented answers.
    let day = client
        .execute(
            QueryEndDayBalanceRequest::builder()
                .sub_mchid(SUB_MCHID)
                .date("2026-11-30")
                .build()?,
        )
        .await?;
    assert_eq!(day.sub_mchid, SUB_MCHID);
    let own_day = client
        .execute(
            platform::QueryDayEndBalanceRequest::builder()
                .account_type("BASIC")
                .date("2026-11-30")
                .build()?,
        )
        .await?;
    assert!(own_day.available_amount > 0);
    Ok(())
}

#[tokio::test]
async fn one_entry_point_types_each_withdrawal_callback_by_its_shape() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let sub = client.execute(withdrawal("WDS5001", 1200, None)).await?;
    let own = client
        .execute(platform_withdrawal("WDP5001", 3400, None))
        .await?;
    // Both send MCHWITHDRAW.CHANGE with original type mch_withdraw; the sub-merchant's has sp_mchid.
    for (family, withdraw_id) in [
        ("ecommerce_fund", &sub.withdraw_id),
        ("merchant_fund", &own.withdraw_id),
    ] {
        let changed = sim.transition(family, "withdraw", withdraw_id, "succeed", &json!({}))?;
        let notice = changed.notices.into_iter().next().ok_or("no notice")?;
        let callback =
            sim.signed_notification("MCHWITHDRAW.CHANGE", "mch_withdraw", &notice.resource)?;
        let pairs: Vec<(String, String)> = callback.headers.clone();
        let received = client
            .parse_callback_from_pairs::<AnyNotification, _, _, _>(pairs, &callback.body)
            .await?;
        let Received::Known(n) = received else {
            panic!("{family}: the callback was not typed")
        };
        match (family, n.event) {
            ("ecommerce_fund", AnyNotification::SubMerchantWithdrawChanged(w)) => {
                assert_eq!((w.out_request_no.as_str(), w.amount), ("WDS5001", 1200));
                assert_eq!(w.status, WithdrawStatus::Success);
            }
            ("merchant_fund", AnyNotification::PlatformWithdrawChanged(w)) => {
                assert_eq!((w.out_request_no.as_str(), w.amount), ("WDP5001", 3400));
                assert_eq!(w.status, WithdrawStatus::Success);
            }
            (family, other) => panic!("{family}: typed as {other:?}"),
        }
    }
    Ok(())
}
