//! The service-provider transfer bills and the legacy transfer batches through the generated client
//! against the simulator: create, replay, refusal of a reused number, query, cancel, the batch's
//! details, and effect counts proving a retried create never pays twice.

use std::time::Duration;

use serde_json::{Value, json};
use wechatpay_apiv3::ErrorCode;
use wechatpay_apiv3::fund_app::mch_transfer::{
    TransferBillFinishedEvent, TransferSceneReportInfo, TransferState,
};
use wechatpay_apiv3::fund_app::partner_mch_transfer::{
    CancelTransferBillRequest, CreateTransferBillRequest, QueryByOutBillNoRequest,
    TransferWithAuthorizationRequest,
};
use wechatpay_apiv3::transfer_batches::{
    BatchStatus, CreateBatchRequest, DetailStatus, DetailStatusFilter, PartnerCreateBatchRequest,
    PartnerQueryBatchByOutBatchNoRequest, PartnerQueryDetailByOutDetailNoRequest,
    QueryBatchByBatchIdRequest, QueryBatchByOutBatchNoRequest, QueryDetailByDetailIdRequest,
    QueryDetailByOutDetailNoRequest, TransferDetailInput,
};
use wechatpay_apiv3_sim::{FIXTURE_MCHID, Fault, Simulator};

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SUB_MCHID: &str = "1900098765";
const APPID: &str = "wx3e5f7a9b1c2d4e6f";
const OPENID: &str = "oSub7x2Rt9Kp4Lw1Ns3Vb8Hy6Za0Q";
const CREATE_BILL: &str = "partner_mch_transfer.create_transfer_bill";
const CREATE_BATCH: &str = "transfer_batches.create_batch";

fn report_infos() -> Vec<TransferSceneReportInfo> {
    vec![
        TransferSceneReportInfo::builder()
            .info_type("岗位类型")
            .info_content("外卖员")
            .build()
            .expect("report item"),
        TransferSceneReportInfo::builder()
            .info_type("报酬说明")
            .info_content("十二月配送费")
            .build()
            .expect("report item"),
    ]
}

/// A control call (`POST /_sim/...`, unsigned JSON): its status and answer.
async fn control(
    sim: &Simulator,
    path: &str,
    body: Value,
) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let response = reqwest::Client::new()
        .post(format!("{}/_sim{path}", sim.base_url()))
        .header("Content-Type", "application/json")
        .body(serde_json::to_vec(&body)?)
        .send()
        .await?;
    let status = response.status().as_u16();
    Ok((status, serde_json::from_slice(&response.bytes().await?)?))
}

fn bill(out_bill_no: &str, amount: i64) -> CreateTransferBillRequest {
    bill_to(out_bill_no, amount, None)
}

fn bill_to(out_bill_no: &str, amount: i64, notify_url: Option<&str>) -> CreateTransferBillRequest {
    let builder = CreateTransferBillRequest::builder();
    let builder = match notify_url {
        Some(url) => builder.notify_url(url),
        None => builder,
    };
    builder
        .sub_mchid(SUB_MCHID)
        .appid(APPID)
        .out_bill_no(out_bill_no)
        .transfer_scene_id("1005")
        .openid(OPENID)
        .transfer_amount(amount)
        .transfer_remark("十二月配送费")
        .transfer_scene_report_infos(report_infos())
        .build()
        .expect("valid bill")
}

fn query_bill(out_bill_no: &str, sub_mchid: &str) -> QueryByOutBillNoRequest {
    QueryByOutBillNoRequest::builder()
        .out_bill_no(out_bill_no)
        .sub_mchid(sub_mchid)
        .build()
        .expect("valid query")
}

fn cancel(out_bill_no: &str) -> CancelTransferBillRequest {
    CancelTransferBillRequest::builder()
        .out_bill_no(out_bill_no)
        .sub_mchid(SUB_MCHID)
        .build()
        .expect("valid cancel")
}

#[tokio::test]
async fn a_partner_bill_is_created_once_queried_and_cancelled() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;

    let created = client.execute(bill("PT1001", 2600)).await?;
    assert_eq!(created.sub_mchid, SUB_MCHID);
    assert_eq!(created.out_bill_no, "PT1001");
    assert!(created.transfer_bill_no.starts_with("1330"), "{created:?}");
    assert!(!created.package_info.is_empty());
    // The same request again is the same bill, not a second transfer.
    assert_eq!(client.execute(bill("PT1001", 2600)).await?, created);
    assert_eq!(sim.faults().effects(CREATE_BILL), 1);
    // The same number for another amount is refused, and changes nothing.
    let reused = client
        .execute(bill("PT1001", 9900))
        .await
        .expect_err("reused number");
    assert_eq!(
        reused.code().cloned(),
        Some(ErrorCode::InvalidRequest),
        "{reused}"
    );
    assert_eq!(sim.faults().effects(CREATE_BILL), 1);

    let found = client.execute(query_bill("PT1001", SUB_MCHID)).await?;
    assert_eq!(found.state, TransferState::WaitUserConfirm);
    assert_eq!(found.transfer_bill_no, created.transfer_bill_no);
    assert_eq!(found.transfer_amount, Some(2600));
    assert_eq!(found.mchid.as_deref(), Some(FIXTURE_MCHID));
    // Another sub-merchant's number does not find it.
    let other = client
        .execute(query_bill("PT1001", "1900011111"))
        .await
        .expect_err("another sub-merchant");
    assert_eq!(other.code().cloned(), Some(ErrorCode::NotFound), "{other}");

    let cancelling = client.execute(cancel("PT1001")).await?;
    assert_eq!(cancelling.state, TransferState::Canceling);
    let again = client
        .execute(cancel("PT1001"))
        .await
        .expect_err("already cancelling");
    assert_eq!(
        again.code().cloned(),
        Some(ErrorCode::InvalidRequest),
        "{again}"
    );
    let after = client.execute(query_bill("PT1001", SUB_MCHID)).await?;
    assert_eq!(after.state, TransferState::Canceling);

    let missing = client
        .execute(cancel("PT404"))
        .await
        .expect_err("no such bill");
    assert_eq!(
        missing.code().cloned(),
        Some(ErrorCode::NotFound),
        "{missing}"
    );
    Ok(())
}

#[tokio::test]
async fn the_user_confirms_and_the_bill_finished_callback_arrives() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let (url, mut rx) =
        common::receive_one_callback::<TransferBillFinishedEvent>(client.clone()).await?;
    // The spec requires https; the simulator calls a loopback https URL over plain HTTP.
    let notify_url = url.replacen("http://", "https://", 1);
    let created = client
        .execute(bill_to("PT4001", 2600, Some(&notify_url)))
        .await?;

    let (status, confirmed) =
        control(&sim, "/partner_mch_transfer/bill/PT4001/confirm", json!({})).await?;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(confirmed["callback"]["delivered"], true, "{confirmed}");
    assert_eq!(confirmed["callback"]["last_status"], 204, "{confirmed}");
    // The merchant twin's callback type parses it: verified, decrypted, typed.
    let event = rx.recv().await.ok_or("no callback arrived")??;
    assert_eq!(event.state, TransferState::Success);
    assert_eq!(event.transfer_bill_no, created.transfer_bill_no);
    assert_eq!(event.transfer_amount, 2600);
    let found = client.execute(query_bill("PT4001", SUB_MCHID)).await?;
    assert_eq!(found.state, TransferState::Success);

    // A paid bill can be neither confirmed again nor cancelled.
    let (status, again) =
        control(&sim, "/partner_mch_transfer/bill/PT4001/confirm", json!({})).await?;
    assert_eq!(status, 409, "{again}");
    let late = client
        .execute(cancel("PT4001"))
        .await
        .expect_err("already paid");
    assert_eq!(
        late.code().cloned(),
        Some(ErrorCode::InvalidRequest),
        "{late}"
    );
    Ok(())
}

#[tokio::test]
async fn a_failed_or_cancelled_bill_reaches_its_final_state() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    client.execute(bill("PT5001", 100)).await?;
    let (status, failed) = control(
        &sim,
        "/partner_mch_transfer/bill/PT5001/fail",
        json!({ "deliver": false }),
    )
    .await?;
    assert_eq!(status, 200, "{failed}");
    let found = client.execute(query_bill("PT5001", SUB_MCHID)).await?;
    assert_eq!(found.state, TransferState::Fail);
    assert_eq!(found.fail_reason.as_deref(), Some("PAYEE_ACCOUNT_ABNORMAL"));

    client.execute(bill("PT5002", 100)).await?;
    // Not cancelling yet: the system cannot finish a cancel that was never asked for.
    let (status, early) = control(
        &sim,
        "/partner_mch_transfer/bill/PT5002/cancelled",
        json!({ "deliver": false }),
    )
    .await?;
    assert_eq!(status, 409, "{early}");
    client.execute(cancel("PT5002")).await?;
    let (status, done) = control(
        &sim,
        "/partner_mch_transfer/bill/PT5002/cancelled",
        json!({ "deliver": false }),
    )
    .await?;
    assert_eq!(status, 200, "{done}");
    let found = client.execute(query_bill("PT5002", SUB_MCHID)).await?;
    assert_eq!(found.state, TransferState::Cancelled);
    Ok(())
}

#[tokio::test]
async fn a_partner_bill_whose_answer_is_lost_is_paid_once() -> TestResult {
    let sim = Simulator::start().await?;
    let client = common::retrying(&sim);
    // WeChat Pay creates the bill, but the answer comes after the client gave up on the attempt;
    // the client repeats the same request.
    sim.faults()
        .inject(CREATE_BILL, Fault::Latency(Duration::from_secs(3)), Some(1))?;
    let created = client.execute(bill("PT2001", 880)).await?;
    assert_eq!(created.out_bill_no, "PT2001");
    assert_eq!(
        (
            sim.faults().calls(CREATE_BILL),
            sim.faults().effects(CREATE_BILL)
        ),
        (2, 1),
        "two attempts, one transfer"
    );
    let found = client.execute(query_bill("PT2001", SUB_MCHID)).await?;
    assert_eq!(found.transfer_bill_no, created.transfer_bill_no);
    Ok(())
}

#[tokio::test]
async fn an_authorised_transfer_is_accepted_without_a_page() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let request = || {
        TransferWithAuthorizationRequest::builder()
            .sub_mchid(SUB_MCHID)
            .appid(APPID)
            .out_bill_no("PT3001")
            .transfer_scene_id("1005")
            .transfer_amount(4200)
            .transfer_remark("十二月配送费")
            .transfer_scene_report_infos(report_infos())
            .authorization_id("201202612011000223456789012")
            .build()
            .expect("valid transfer")
    };
    let accepted = client.execute(request()).await?;
    assert_eq!(accepted.state, TransferState::Accepted);
    assert_eq!(accepted.transfer_amount, Some(4200));
    assert_eq!(client.execute(request()).await?, accepted);
    assert_eq!(
        sim.faults()
            .effects("partner_mch_transfer.transfer_with_authorization"),
        1
    );
    let found = client.execute(query_bill("PT3001", SUB_MCHID)).await?;
    assert_eq!(found.state, TransferState::Accepted);
    Ok(())
}

fn detail(out_detail_no: &str, amount: i64, openid: &str) -> TransferDetailInput {
    TransferDetailInput::builder()
        .out_detail_no(out_detail_no)
        .transfer_amount(amount)
        .transfer_remark("十一月佣金")
        .openid(openid)
        .build()
        .expect("valid detail")
}

#[allow(deprecated)]
fn batch(out_batch_no: &str, total: i64) -> CreateBatchRequest {
    CreateBatchRequest::builder()
        .appid("wx8c2e4a6b1d3f5a7c")
        .out_batch_no(out_batch_no)
        .batch_name("十一月佣金")
        .batch_remark("十一月推广佣金")
        .total_amount(total)
        .total_num(2)
        .transfer_detail_list(vec![
            detail("LD10001", 2000, "oQm4x7Rt2Kp9Lw3Ns6Vb1Hy8Za5E"),
            detail("LD10002", 1500, "oQm4x7Rt2Kp9Lw3Ns6Vb1Hy8Za6F"),
        ])
        .build()
        .expect("valid batch")
}

/// The merchant batch `out_batch_no` with every detail, as a polling merchant reads it.
#[allow(deprecated)]
async fn poll(
    client: &wechatpay_apiv3::Client,
    out_batch_no: &str,
) -> Result<wechatpay_apiv3::transfer_batches::MerchantBatchAnswer, Box<dyn std::error::Error>> {
    Ok(client
        .execute(
            QueryBatchByOutBatchNoRequest::builder()
                .out_batch_no(out_batch_no)
                .need_query_detail(true)
                .detail_status(DetailStatusFilter::All)
                .build()?,
        )
        .await?)
}

/// The state of detail `out_detail_no` of merchant batch `out_batch_no`.
#[allow(deprecated)]
async fn detail_state(
    client: &wechatpay_apiv3::Client,
    out_batch_no: &str,
    out_detail_no: &str,
) -> Result<DetailStatus, Box<dyn std::error::Error>> {
    let one = client
        .execute(
            QueryDetailByOutDetailNoRequest::builder()
                .out_batch_no(out_batch_no)
                .out_detail_no(out_detail_no)
                .build()?,
        )
        .await?;
    Ok(one.detail_status)
}

// The legacy batch builders are deprecated (refused to upgraded merchants); the simulator still
// serves them for merchants that have the old product.
#[allow(deprecated)]
#[tokio::test]
async fn a_legacy_batch_is_accepted_processed_and_finished_as_a_merchant_polls() -> TestResult {
    let sim = Simulator::start().await?;
    let client = common::retrying(&sim);
    sim.faults().inject(
        CREATE_BATCH,
        Fault::Status {
            status: 500,
            code: "SYSTEM_ERROR",
        },
        Some(1),
    )?;
    let created = client.execute(batch("LB10001", 3500)).await?;
    assert_eq!(created.out_batch_no, "LB10001");
    assert_eq!(created.batch_status, Some(BatchStatus::Accepted));
    assert_eq!(client.execute(batch("LB10001", 3500)).await?, created);
    assert_eq!(
        (
            sim.faults().calls(CREATE_BATCH),
            sim.faults().effects(CREATE_BATCH)
        ),
        (3, 1),
        "a retry and a repeat, one batch"
    );
    // Totals that do not match the details are refused before anything is paid.
    let wrong = client
        .execute(batch("LB10002", 9999))
        .await
        .expect_err("wrong total");
    assert_eq!(
        wrong.code().cloned(),
        Some(ErrorCode::InvalidRequest),
        "{wrong}"
    );
    assert_eq!(sim.faults().effects(CREATE_BATCH), 1);

    // Accepted: nothing paid yet, each detail waiting; the details are listed only once FINISHED.
    let answer = poll(&client, "LB10001").await?;
    let b = &answer.transfer_batch;
    assert_eq!(b.batch_id, created.batch_id);
    assert_eq!(b.batch_status, BatchStatus::Accepted);
    assert_eq!((b.total_amount, b.total_num), (3500, 2));
    assert_eq!((b.success_amount, b.success_num), (Some(0), Some(0)));
    assert_eq!(b.mchid, FIXTURE_MCHID);
    assert!(answer.transfer_detail_list.is_none());
    assert_eq!(
        detail_state(&client, "LB10001", "LD10001").await?,
        DetailStatus::WaitPay
    );
    // Finishing a batch not being paid is refused; so is closing without a reason.
    let (status, early) =
        control(&sim, "/transfer_batches/batch/LB10001/finish", json!({})).await?;
    assert_eq!(status, 409, "{early}");
    let (status, bare) = control(&sim, "/transfer_batches/batch/LB10001/close", json!({})).await?;
    assert_eq!(status, 400, "{bare}");
    assert_eq!(bare["message"], "`close_reason` (a string) is required");

    // WeChat Pay starts paying.
    let (status, processed) =
        control(&sim, "/transfer_batches/batch/LB10001/process", json!({})).await?;
    assert_eq!(status, 200, "{processed}");
    assert_eq!(
        poll(&client, "LB10001").await?.transfer_batch.batch_status,
        BatchStatus::Processing
    );
    assert_eq!(
        detail_state(&client, "LB10001", "LD10002").await?,
        DetailStatus::Processing
    );
    // A detail the batch does not have, or a reason that is none, changes nothing.
    let (status, unknown) = control(
        &sim,
        "/transfer_batches/batch/LB10001/finish",
        json!({ "fail": [{ "out_detail_no": "LD19999", "fail_reason": "ACCOUNT_FROZEN" }] }),
    )
    .await?;
    assert_eq!(status, 404, "{unknown}");
    let (status, bad) = control(
        &sim,
        "/transfer_batches/batch/LB10001/finish",
        json!({ "fail": [{ "out_detail_no": "LD10002", "fail_reason": "BROKE" }] }),
    )
    .await?;
    assert_ne!(status, 200, "{bad}");
    assert!(
        bad["message"]
            .as_str()
            .is_some_and(|m| m.contains("fail_reason")),
        "{bad}"
    );
    assert_eq!(
        poll(&client, "LB10001").await?.transfer_batch.batch_status,
        BatchStatus::Processing
    );

    // It ends: one detail paid, one failed with its reason; the totals say so.
    let (status, finished) = control(
        &sim,
        "/transfer_batches/batch/LB10001/finish",
        json!({ "fail": [{ "out_detail_no": "LD10002", "fail_reason": "ACCOUNT_FROZEN" }] }),
    )
    .await?;
    assert_eq!(status, 200, "{finished}");
    let answer = poll(&client, "LB10001").await?;
    let b = &answer.transfer_batch;
    assert_eq!(b.batch_status, BatchStatus::Finished);
    assert_eq!((b.success_amount, b.success_num), (Some(2000), Some(1)));
    assert_eq!((b.fail_amount, b.fail_num), (Some(1500), Some(1)));
    let details = answer.transfer_detail_list.clone().unwrap_or_default();
    let states: Vec<(&str, &DetailStatus)> = details
        .iter()
        .map(|d| (d.out_detail_no.as_str(), &d.detail_status))
        .collect();
    assert_eq!(
        states,
        [
            ("LD10001", &DetailStatus::Success),
            ("LD10002", &DetailStatus::Fail)
        ]
    );
    let failed = client
        .execute(
            QueryBatchByOutBatchNoRequest::builder()
                .out_batch_no("LB10001")
                .need_query_detail(true)
                .detail_status(DetailStatusFilter::Fail)
                .build()?,
        )
        .await?;
    assert_eq!(failed.transfer_detail_list.map(|l| l.len()), Some(1));

    // Without need_query_detail the batch comes alone.
    let alone = client
        .execute(
            QueryBatchByBatchIdRequest::builder()
                .batch_id(created.batch_id.as_str())
                .need_query_detail(false)
                .build()?,
        )
        .await?;
    assert_eq!(alone.transfer_batch.out_batch_no, "LB10001");
    assert!(alone.transfer_detail_list.is_none());

    let one = client
        .execute(
            QueryDetailByOutDetailNoRequest::builder()
                .out_batch_no("LB10001")
                .out_detail_no("LD10002")
                .build()?,
        )
        .await?;
    assert_eq!(one.transfer_amount, 1500);
    assert_eq!(one.openid, "oQm4x7Rt2Kp9Lw3Ns6Vb1Hy8Za6F");
    assert_eq!(one.detail_status, DetailStatus::Fail);
    assert_eq!(
        one.fail_reason,
        Some(wechatpay_apiv3::transfer_batches::DetailFailReason::AccountFrozen)
    );
    let same = client
        .execute(
            QueryDetailByDetailIdRequest::builder()
                .batch_id(created.batch_id.as_str())
                .detail_id(one.detail_id.as_str())
                .build()?,
        )
        .await?;
    assert_eq!(same, one);
    // A detail number of another batch is not found.
    let elsewhere = client
        .execute(
            QueryDetailByOutDetailNoRequest::builder()
                .out_batch_no("LB19999")
                .out_detail_no("LD10002")
                .build()?,
        )
        .await
        .expect_err("another batch");
    assert_eq!(
        elsewhere.code().cloned(),
        Some(ErrorCode::NotFound),
        "{elsewhere}"
    );
    // A finished batch is not finished again, and a late retry of its create still makes none.
    let (status, again) =
        control(&sim, "/transfer_batches/batch/LB10001/finish", json!({})).await?;
    assert_eq!(status, 409, "{again}");
    assert_eq!(client.execute(batch("LB10001", 3500)).await?, created);
    assert_eq!(sim.faults().effects(CREATE_BATCH), 1, "still one batch");
    Ok(())
}

// The legacy batch builders are deprecated (refused to upgraded merchants); the simulator still
// serves them for merchants that have the old product.
#[allow(deprecated)]
#[tokio::test]
async fn a_legacy_batch_closed_unpaid_fails_its_details() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    client.execute(batch("LB20001", 3500)).await?;
    let (status, closed) = control(
        &sim,
        "/transfer_batches/batch/LB20001/close",
        json!({ "close_reason": "OVERDUE_CLOSE" }),
    )
    .await?;
    assert_eq!(status, 200, "{closed}");
    let answer = poll(&client, "LB20001").await?;
    let b = &answer.transfer_batch;
    assert_eq!(b.batch_status, BatchStatus::Closed);
    assert_eq!(
        b.close_reason,
        Some(wechatpay_apiv3::transfer_batches::BatchCloseReason::OverdueClose)
    );
    assert_eq!(
        (b.success_amount, b.fail_amount, b.fail_num),
        (Some(0), Some(3500), Some(2))
    );
    let one = client
        .execute(
            QueryDetailByOutDetailNoRequest::builder()
                .out_batch_no("LB20001")
                .out_detail_no("LD10001")
                .build()?,
        )
        .await?;
    assert_eq!(one.detail_status, DetailStatus::Fail);
    assert_eq!(
        one.fail_reason,
        Some(wechatpay_apiv3::transfer_batches::DetailFailReason::OverdueClose)
    );
    // A closed batch is not paid; a reason outside the enum closes nothing.
    let (status, _) = control(&sim, "/transfer_batches/batch/LB20001/process", json!({})).await?;
    assert_eq!(status, 409);
    client.execute(batch("LB20002", 3500)).await?;
    let (status, bad) = control(
        &sim,
        "/transfer_batches/batch/LB20002/close",
        json!({ "close_reason": "BORED" }),
    )
    .await?;
    assert_ne!(status, 200, "{bad}");
    assert!(
        bad["message"]
            .as_str()
            .is_some_and(|m| m.contains("close_reason")),
        "{bad}"
    );
    assert_eq!(
        poll(&client, "LB20002").await?.transfer_batch.batch_status,
        BatchStatus::Accepted
    );
    Ok(())
}

// The legacy batch builders are deprecated (refused to upgraded merchants); the simulator still
// serves them for merchants that have the old product.
#[allow(deprecated)]
#[tokio::test]
async fn a_partner_legacy_batch_answers_flat_with_its_details() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let request = || {
        PartnerCreateBatchRequest::builder()
            .sub_mchid(SUB_MCHID)
            .sub_appid(APPID)
            .authorization_type(
                wechatpay_apiv3::transfer_batches::AuthorizationType::InformationAndFundAuthorizationType,
            )
            .out_batch_no("PB10001")
            .batch_name("十一月运费")
            .batch_remark("十一月配送运费")
            .total_amount(1200)
            .total_num(1)
            .transfer_detail_list(vec![detail("PD10001", 1200, OPENID)])
            .build()
            .expect("valid batch")
    };
    let created = client.execute(request()).await?;
    assert_eq!(client.execute(request()).await?, created);
    assert_eq!(
        sim.faults()
            .effects("transfer_batches.partner_create_batch"),
        1
    );
    // WeChat Pay pays it, through the service provider's own control routes.
    for step in ["process", "finish"] {
        let path = format!("/transfer_batches/partner_batch/PB10001/{step}");
        let (status, answer) = control(&sim, &path, json!({})).await?;
        assert_eq!(status, 200, "{step}: {answer}");
    }

    let answer = client
        .execute(
            PartnerQueryBatchByOutBatchNoRequest::builder()
                .out_batch_no("PB10001")
                .need_query_detail(true)
                .build()?,
        )
        .await?;
    assert_eq!(answer.sub_mchid, SUB_MCHID);
    assert_eq!(answer.sp_mchid, FIXTURE_MCHID);
    assert_eq!(answer.batch_status, BatchStatus::Finished);
    let details = answer.transfer_detail_list.unwrap_or_default();
    assert_eq!(details.len(), 1);
    let one = client
        .execute(
            PartnerQueryDetailByOutDetailNoRequest::builder()
                .out_batch_no("PB10001")
                .out_detail_no("PD10001")
                .build()?,
        )
        .await?;
    assert_eq!(one.detail_id, details[0].detail_id);
    assert_eq!(
        (one.transfer_amount, one.appid.as_deref()),
        (1200, Some(APPID))
    );
    assert!(one.username.is_none(), "no name was sent");
    Ok(())
}
