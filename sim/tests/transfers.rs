//! 商家转账 (merchant transfer bills) through the generated client against the simulator: a bill
//! waits for the user, who confirms it (SUCCESS) or in whose account it fails (FAIL) through the
//! control API, or the merchant cancels it (CANCELING, then CANCELLED); each end sends
//! MCHTRANSFER.BILL.FINISHED to the bill's notify_url, verified and typed by the merchant's handler.
//! A retried or repeated create never makes a second transfer.

use std::time::Duration;

use serde_json::json;
use wechatpay_apiv3::Client;
use wechatpay_apiv3::fund_app::mch_transfer::{
    CancelTransferBillRequest, CreateTransferBillRequest, QueryByOutBillNoRequest,
    QueryByTransferBillNoRequest, TransferBillFinishedEvent, TransferSceneReportInfo,
    TransferState,
};
use wechatpay_apiv3_sim::{FIXTURE_MCHID, Fault, Simulator};

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const CREATE: &str = "mch_transfer.create_transfer_bill";
const OPENID: &str = "oQm4x7Rt2Kp9Lw3Ns6Vb1Hy8Za5E";

fn bill(out_bill_no: &str, notify_url: &str) -> CreateTransferBillRequest {
    let info = |t: &str, c: &str| {
        TransferSceneReportInfo::builder()
            .info_type(t)
            .info_content(c)
            .build()
            .expect("report item")
    };
    CreateTransferBillRequest::builder()
        .appid("wx8c2e4a6b1d3f5a7c")
        .out_bill_no(out_bill_no)
        .transfer_scene_id("1000")
        .openid(OPENID)
        .transfer_amount(880)
        .transfer_remark("十二月签到奖励")
        .notify_url(notify_url)
        .transfer_scene_report_infos(vec![
            info("活动名称", "冬季签到"),
            info("奖励说明", "连续签到七天"),
        ])
        .build()
        .expect("valid bill")
}

fn by_out_bill_no(out_bill_no: &str) -> QueryByOutBillNoRequest {
    QueryByOutBillNoRequest::builder()
        .out_bill_no(out_bill_no)
        .build()
        .expect("valid query")
}

/// A listener for the bill's callback, and the https notify_url naming it (the simulator calls a
/// loopback https URL over plain HTTP).
async fn listener(
    client: &Client,
) -> Result<
    (
        String,
        tokio::sync::mpsc::Receiver<common::Received<TransferBillFinishedEvent>>,
    ),
    Box<dyn std::error::Error>,
> {
    let (url, rx) =
        common::receive_one_callback::<TransferBillFinishedEvent>(client.clone()).await?;
    Ok((url.replacen("http://", "https://", 1), rx))
}

#[tokio::test]
async fn the_user_confirms_a_bill_and_the_merchant_hears_it_finished() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let (notify_url, mut rx) = listener(&client).await?;
    let created = client.execute(bill("TB0001", &notify_url)).await?;
    assert_eq!(created.state, TransferState::WaitUserConfirm);
    assert!(
        created
            .package_info
            .as_deref()
            .is_some_and(|p| !p.is_empty())
    );
    // The same request again (after a timeout, as the docs say): the same bill, no second one.
    assert_eq!(client.execute(bill("TB0001", &notify_url)).await?, created);
    assert_eq!(sim.faults().effects(CREATE), 1);

    let waiting = client.execute(by_out_bill_no("TB0001")).await?;
    assert_eq!(waiting.state, TransferState::WaitUserConfirm);
    assert_eq!(
        (waiting.mch_id.as_str(), waiting.transfer_amount),
        (FIXTURE_MCHID, 880)
    );
    assert_eq!(waiting.transfer_bill_no, created.transfer_bill_no);

    let (status, confirmed) =
        common::control_post(&sim, "/mch_transfer/bill/TB0001/confirm", json!({})).await?;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(
        confirmed["callback"]["event_type"],
        "MCHTRANSFER.BILL.FINISHED"
    );
    assert_eq!(confirmed["callback"]["delivered"], true, "{confirmed}");
    let event = rx.recv().await.ok_or("no callback arrived")??;
    assert_eq!(event.state, TransferState::Success);
    assert_eq!(
        (event.out_bill_no.as_str(), event.mchid.as_str()),
        ("TB0001", FIXTURE_MCHID)
    );
    assert_eq!(event.transfer_bill_no, created.transfer_bill_no);
    assert_eq!(event.transfer_amount, 880);

    let by_number = client
        .execute(
            QueryByTransferBillNoRequest::builder()
                .transfer_bill_no(created.transfer_bill_no.as_str())
                .build()?,
        )
        .await?;
    assert_eq!(by_number.state, TransferState::Success);
    assert_eq!(by_number, client.execute(by_out_bill_no("TB0001")).await?);
    // A paid bill can be neither cancelled nor confirmed again.
    let cancel = CancelTransferBillRequest::builder()
        .out_bill_no("TB0001")
        .build()?;
    let err = client.execute(cancel).await.expect_err("paid");
    assert_eq!(err.api().map(|e| e.code.as_str()), Some("INVALID_REQUEST"));
    let (status, _) =
        common::control_post(&sim, "/mch_transfer/bill/TB0001/confirm", json!({})).await?;
    assert_eq!(status, 409);
    // The same number with another amount is another request: refused, never a second transfer.
    let other = CreateTransferBillRequest::builder()
        .body(bill("TB0001", &notify_url).body.clone())
        .transfer_amount(990)
        .build()?;
    let err = client.execute(other).await.expect_err("number reused");
    assert_eq!(err.api().map(|e| e.code.as_str()), Some("INVALID_REQUEST"));
    assert_eq!(sim.faults().effects(CREATE), 1);
    Ok(())
}

#[tokio::test]
async fn a_bill_fails_or_is_cancelled_and_each_end_is_told() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let (notify_url, mut rx) = listener(&client).await?;
    client.execute(bill("TB0002", &notify_url)).await?;
    let (status, missing) =
        common::control_post(&sim, "/mch_transfer/bill/TB0002/fail", json!({})).await?;
    assert_eq!(
        (status, missing["message"].as_str()),
        (400, Some("`fail_reason` (a string) is required"))
    );
    let (status, failed) = common::control_post(
        &sim,
        "/mch_transfer/bill/TB0002/fail",
        json!({ "fail_reason": "PAYEE_ACCOUNT_ABNORMAL" }),
    )
    .await?;
    assert_eq!(status, 200, "{failed}");
    let event = rx.recv().await.ok_or("no callback arrived")??;
    assert_eq!(event.state, TransferState::Fail);
    assert_eq!(event.fail_reason.as_deref(), Some("PAYEE_ACCOUNT_ABNORMAL"));
    let queried = client.execute(by_out_bill_no("TB0002")).await?;
    assert_eq!(
        (queried.state, queried.fail_reason.as_deref()),
        (TransferState::Fail, Some("PAYEE_ACCOUNT_ABNORMAL"))
    );

    let (notify_url, mut rx) = listener(&client).await?;
    client.execute(bill("TB0003", &notify_url)).await?;
    let cancel = || {
        CancelTransferBillRequest::builder()
            .out_bill_no("TB0003")
            .build()
    };
    let canceling = client.execute(cancel()?).await?;
    assert_eq!(canceling.state, TransferState::Canceling);
    // Cancelling again while it is carried out answers the same state.
    assert_eq!(
        client.execute(cancel()?).await?.state,
        TransferState::Canceling
    );
    let (status, _) =
        common::control_post(&sim, "/mch_transfer/bill/TB0003/confirm", json!({})).await?;
    assert_eq!(status, 409, "a cancelled bill is not paid");
    let (status, cancelled) =
        common::control_post(&sim, "/mch_transfer/bill/TB0003/cancelled", json!({})).await?;
    assert_eq!(status, 200, "{cancelled}");
    let event = rx.recv().await.ok_or("no callback arrived")??;
    assert_eq!(event.state, TransferState::Cancelled);
    assert_eq!(
        client.execute(by_out_bill_no("TB0003")).await?.state,
        TransferState::Cancelled
    );
    let err = client.execute(cancel()?).await.expect_err("cancelled");
    assert_eq!(err.api().map(|e| e.code.as_str()), Some("INVALID_REQUEST"));
    let err = client
        .execute(by_out_bill_no("TB9999"))
        .await
        .expect_err("unknown");
    assert_eq!(err.api().map(|e| e.code.as_str()), Some("NOT_FOUND"));
    Ok(())
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_retried_and_transfers_once() -> TestResult {
    let sim = Simulator::start().await?;
    let client = common::retrying(&sim);
    // The bill is made, but its answer comes after the client gave up on the attempt; the retry
    // gets the first answer back.
    sim.faults()
        .inject(CREATE, Fault::Latency(Duration::from_secs(3)), Some(1))?;
    let created = client
        .execute(bill(
            "TB0004",
            "https://shop.example.com/wxpay/transfer-notify",
        ))
        .await?;
    assert_eq!(created.state, TransferState::WaitUserConfirm);
    assert!(sim.faults().calls(CREATE) >= 2, "the client retried");
    assert_eq!(
        sim.faults().effects(CREATE),
        1,
        "one transfer, however many attempts"
    );
    let queried = client.execute(by_out_bill_no("TB0004")).await?;
    assert_eq!(queried.transfer_bill_no, created.transfer_bill_no);
    Ok(())
}
