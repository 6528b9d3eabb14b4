//! A consumer complaint through the generated client against the simulator: the user complains
//! (with the COMPLAINT.CREATE callback), the merchant reads it, its history and its pictures,
//! answers (plainly and with a rich message that is not sent twice), the user writes again and the
//! refund arrives (control transitions), the merchant decides the refund request and reports it
//! handled; every change sends its COMPLAINT.STATE_CHANGE callback to the merchant's handler, which
//! takes them through the one callback entry point. Every answer is decoded into its generated
//! response type, which is the check of its shape.

use serde_json::json;
use wechatpay_apiv3::merchant_service::complaints::complaint_event::ComplaintAction;
use wechatpay_apiv3::merchant_service::complaints::update_refund_progress::RefundAction;
use wechatpay_apiv3::merchant_service::complaints::{
    BlockType, Complaint, ComplaintEventEvent, ComplaintState, CompleteComplaintRequest,
    CreateNotificationUrlRequest, DownloadImageRequest, ListComplaintsRequest,
    ListNegotiationHistoryRequest, MessageBlock, NormalMessage, OperateType, ProblemType,
    QueryComplaintRequest, RespondComplaintRequest, RespondImmediateServiceRequest, TextBlock,
    UpdateRefundProgressRequest, UploadImageRequest,
};
use wechatpay_apiv3::{Client, Error, ErrorCode, UploadFile};
use wechatpay_apiv3_sim::FIXTURE_MCHID;

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const PHONE: &str = "13800138000";

/// Today in Beijing time, as the list's dates are written.
fn today() -> String {
    let cst = time::UtcOffset::from_hms(8, 0, 0).expect("offset");
    let now = time::OffsetDateTime::now_utc().to_offset(cst);
    format!(
        "{:04}-{:02}-{:02}",
        now.year(),
        u8::from(now.month()),
        now.day()
    )
}

fn query(complaint_id: &str) -> QueryComplaintRequest {
    QueryComplaintRequest::builder()
        .complaint_id(complaint_id)
        .build()
        .expect("valid query")
}

async fn history(
    client: &Client,
    complaint_id: &str,
) -> Result<Vec<OperateType>, Error<ErrorCode>> {
    let page = client
        .execute(
            ListNegotiationHistoryRequest::builder()
                .complaint_id(complaint_id)
                .build()
                .expect("valid history request"),
        )
        .await?;
    let steps = page.data.unwrap_or_default();
    assert_eq!(page.total_count, Some(steps.len() as i64));
    Ok(steps.into_iter().map(|s| s.operate_type).collect())
}

fn respond(complaint_id: &str, mchid: &str, images: Vec<String>) -> RespondComplaintRequest {
    RespondComplaintRequest::builder()
        .complaint_id(complaint_id)
        .complainted_mchid(mchid)
        .response_content("已核实重复扣款，今天内退回一笔")
        .response_images(images)
        .build()
        .expect("valid response")
}

fn rich_answer(
    complaint_id: &str,
    idempotent_id: &str,
    text: &str,
) -> RespondImmediateServiceRequest {
    let block = MessageBlock::builder()
        .type_(BlockType::Text)
        .text(TextBlock::builder().text(text).build().expect("text"))
        .build()
        .expect("block");
    RespondImmediateServiceRequest::builder()
        .complaint_id(complaint_id)
        .complainted_mchid(FIXTURE_MCHID)
        .idempotent_id(idempotent_id)
        .message(
            NormalMessage::builder()
                .blocks(vec![block])
                .build()
                .expect("message"),
        )
        .build()
        .expect("valid rich answer")
}

fn complete(complaint_id: &str) -> CompleteComplaintRequest {
    CompleteComplaintRequest::builder()
        .complaint_id(complaint_id)
        .complainted_mchid(FIXTURE_MCHID)
        .build()
        .expect("valid complete")
}

type Events = tokio::sync::mpsc::UnboundedReceiver<common::Typed>;

/// The next callback the merchant's handler (`common::receive_callbacks`) verified: a COMPLAINT.*
/// one, anything else an error.
async fn next(events: &mut Events) -> Result<ComplaintEventEvent, Box<dyn std::error::Error>> {
    match common::next_callback(events).await?.event {
        wechatpay_apiv3::AnyNotification::ComplaintEvent(e) => Ok(e),
        other => Err(format!("not a complaint callback: {other:?}").into()),
    }
}

#[tokio::test]
async fn a_complaint_from_filing_to_handled() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;

    let registered = client
        .execute(
            CreateNotificationUrlRequest::builder()
                .url("https://shop.example.com/wechatpay/complaints")
                .build()?,
        )
        .await?;
    assert!(registered.url.starts_with("https://"));

    // The user complains; the merchant's handler hears of it.
    let (url, mut events) = common::receive_callbacks(client.clone()).await?;
    // The user complains through the control API, as a test in any language would; the
    // simulator numbers the complaint and delivers COMPLAINT.CREATE to the handler.
    let (status, answer) = common::control_post(
        &sim,
        "/complaints/complaint/create",
        json!({
            "notify_url": url,
            "complaint_detail": "同一杯咖啡被扣了两次钱",
            "problem_description": "重复扣款",
            "problem_type": "REFUND",
            "apply_refund_amount": 2800,
            "payer_phone": PHONE,
            "payer_openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            "complaint_order_info": [
                { "transaction_id": "4200002104202611239876543210", "out_trade_no": "ORDER-0042", "amount": 2800 }
            ],
        }),
    )
    .await?;
    assert_eq!(status, 200, "{answer}");
    let id = answer["record"]["complaint_id"]
        .as_str()
        .ok_or("no complaint_id")?
        .to_string();
    assert_eq!(
        answer["callback"]["event_type"], "COMPLAINT.CREATE",
        "{answer}"
    );
    assert_eq!(answer["callback"]["delivered"], true, "{answer}");
    let event = next(&mut events).await?;
    assert_eq!(event.complaint_id, id);
    assert_eq!(event.action_type, ComplaintAction::CreateComplaint);

    // The merchant looks it up: pending, about its payment, the phone number not in clear.
    let complaint: Complaint = client.execute(query(&id)).await?;
    assert_eq!(complaint.complaint_state, ComplaintState::Pending);
    assert_eq!(complaint.complainted_mchid, FIXTURE_MCHID);
    assert_eq!(complaint.problem_type, Some(ProblemType::Refund));
    assert_eq!(complaint.apply_refund_amount, Some(2800));
    assert_eq!(complaint.user_complaint_times, 1);
    assert!(!complaint.complaint_full_refunded && !complaint.incoming_user_response);
    let orders = complaint.complaint_order_info.clone().unwrap_or_default();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].amount, 2800);
    // The client decrypted the phone number, which travelled encrypted to the merchant key.
    assert_eq!(complaint.payer_phone.as_deref(), Some(PHONE));
    let raw = client
        .call_json(
            wechatpay_apiv3::http::Method::GET,
            &format!("/v3/merchant-service/complaints-v2/{id}"),
            None,
            true,
        )
        .await?;
    let wire = raw["payer_phone"]
        .as_str()
        .ok_or("no payer_phone on the wire")?;
    assert_ne!(wire, PHONE);
    assert_eq!(wire.len(), 344, "one RSA-2048 block in Base64: {wire}");

    // The list of today's complaints about this merchant holds exactly it.
    let list = client
        .execute(
            ListComplaintsRequest::builder()
                .begin_date(today())
                .end_date(today())
                .complainted_mchid(FIXTURE_MCHID)
                .limit(5)
                .build()?,
        )
        .await?;
    assert_eq!(list.total_count, Some(1));
    assert_eq!((list.limit, list.offset), (5, 0));
    assert_eq!(list.data.as_deref(), Some(std::slice::from_ref(&complaint)));
    assert_eq!(
        history(&client, &id).await?,
        [OperateType::UserCreateComplaint]
    );

    // A picture for the answer goes up and comes down again, unsigned.
    let uploaded = client
        .execute(
            UploadImageRequest::builder()
                .file(UploadFile::new(
                    "receipt.png",
                    b"\x89PNG\r\n\x1a\n receipt".to_vec(),
                ))
                .build()?,
        )
        .await?;
    let picture = client
        .execute(
            DownloadImageRequest::builder()
                .media_id(&uploaded.media_id)
                .build()?,
        )
        .await?;
    assert!(picture.starts_with(b"\x89PNG"), "a PNG: {picture:?}");
    let err = client
        .execute(
            DownloadImageRequest::builder()
                .media_id("NOT-UPLOADED.png")
                .build()?,
        )
        .await
        .expect_err("an unknown picture");
    assert_eq!(err.code().cloned(), Some(ErrorCode::ResourceNotExists));

    // The merchant answers: PROCESSING, and the answer is the history's second step.
    client
        .execute(respond(&id, FIXTURE_MCHID, vec![uploaded.media_id.clone()]))
        .await?;
    let answered = client.execute(query(&id)).await?;
    assert_eq!(answered.complaint_state, ComplaintState::Processing);
    let page = client
        .execute(
            ListNegotiationHistoryRequest::builder()
                .complaint_id(&id)
                .build()?,
        )
        .await?;
    let steps = page.data.unwrap_or_default();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[1].operate_type, OperateType::MerchantResponse);
    assert_eq!(
        steps[1].operate_details.as_deref(),
        Some("已核实重复扣款，今天内退回一笔")
    );
    // The history links the picture on the API host, where download_image fetches it.
    let links = steps[1].image_list.clone().unwrap_or_default();
    assert_eq!(links.len(), 1);
    let link = links[0]
        .strip_prefix(sim.base_url().as_str())
        .ok_or("not on the API host")?;
    assert_eq!(
        link,
        format!("/v3/merchant-service/images/{}", uploaded.media_id)
    );
    let event = next(&mut events).await?;
    assert_eq!(
        (event.complaint_id.as_str(), event.action_type),
        (id.as_str(), ComplaintAction::MerchantResponse)
    );

    // Another merchant's number finds no such complaint.
    let err = client
        .execute(respond(&id, "1900099999", Vec::new()))
        .await
        .expect_err("not this merchant's complaint");
    assert_eq!(err.code().cloned(), Some(ErrorCode::ResourceNotExists));

    // The user writes again, through the control API as any test language would: a message now
    // waits for the merchant, and the handler hears of it.
    let control = reqwest::Client::new()
        .post(format!(
            "{}/_sim/complaints/complaint/{id}/user_responds",
            sim.base_url()
        ))
        .header("Content-Type", "application/json")
        .body(json!({ "content": "什么时候退款？" }).to_string())
        .send()
        .await?;
    assert_eq!(control.status().as_u16(), 200, "{:?}", control.text().await);
    let event = next(&mut events).await?;
    assert_eq!(event.action_type, ComplaintAction::UserResponse);
    assert!(client.execute(query(&id)).await?.incoming_user_response);

    // A rich answer, sent twice under one idempotent_id: one step, one log_id, one callback.
    let first = client
        .execute(rich_answer(&id, "9f0c1e7a-answer-1", "您好，已为您退款"))
        .await?;
    let again = client
        .execute(rich_answer(&id, "9f0c1e7a-answer-1", "您好，已为您退款"))
        .await?;
    let log_id = first.log_id.clone().ok_or("no log_id")?;
    assert_eq!(again.log_id.as_deref(), Some(log_id.as_str()));
    assert_eq!(
        sim.faults().effects("complaints.respond_immediate_service"),
        1
    );
    let err = client
        .execute(rich_answer(&id, "9f0c1e7a-answer-1", "另一条消息"))
        .await
        .expect_err("the id reused for another message");
    assert_eq!(err.code().cloned(), Some(ErrorCode::InvalidRequest));
    assert_eq!(
        next(&mut events).await?.action_type,
        ComplaintAction::MerchantResponse
    );
    assert!(!client.execute(query(&id)).await?.incoming_user_response);
    let page = client
        .execute(
            ListNegotiationHistoryRequest::builder()
                .complaint_id(&id)
                .offset(3)
                .build()?,
        )
        .await?;
    let steps = page.data.unwrap_or_default();
    assert_eq!(page.total_count, Some(4));
    assert_eq!(steps.len(), 1, "offset 3 of 4 steps");
    assert_eq!(steps[0].log_id, log_id);
    let blocks = steps[0]
        .normal_message
        .as_ref()
        .and_then(|m| m.blocks.clone())
        .unwrap_or_default();
    assert_eq!(
        blocks[0].text.as_ref().and_then(|t| t.text.as_deref()),
        Some("您好，已为您退款")
    );

    // The refund request is approved; then the case is reported handled.
    client
        .execute(
            UpdateRefundProgressRequest::builder()
                .complaint_id(&id)
                .action(RefundAction::Approve)
                .launch_refund_day(0)
                .build()?,
        )
        .await?;
    assert_eq!(
        next(&mut events).await?.action_type,
        ComplaintAction::MerchantApproveRefund
    );
    // The refund reaches the user (what WeChat Pay does, here through the Rust API); the
    // callback it owes is handed back, not sent.
    let arrived = sim
        .transition("complaints", "complaint", &id, "refund_arrives", &json!({}))
        .map_err(|r| r.to_string())?;
    assert_eq!(arrived.record["complaint_full_refunded"], true);
    let [notice] =
        <[_; 1]>::try_from(arrived.notices).map_err(|_| "refund_arrives owes one callback")?;
    assert_eq!(notice.event_type, "COMPLAINT.STATE_CHANGE");
    let status = sim
        .send_notification(
            &url,
            &notice.event_type,
            &notice.original_type,
            &notice.resource,
        )
        .await?;
    assert_eq!(status, 200);
    assert_eq!(
        next(&mut events).await?.action_type,
        ComplaintAction::RefundSuccess
    );
    client.execute(complete(&id)).await?;
    let handled = client.execute(query(&id)).await?;
    assert_eq!(handled.complaint_state, ComplaintState::Processed);
    assert_eq!(
        history(&client, &id).await?,
        [
            OperateType::UserCreateComplaint,
            OperateType::MerchantResponse,
            OperateType::UserResponse,
            OperateType::MerchantResponse,
            OperateType::MerchantApproveRefund,
            OperateType::ComplaintRefundReceivedSystemMessage,
            OperateType::MerchantConfirmComplete,
        ]
    );
    let event = next(&mut events).await?;
    assert_eq!(event.action_type, ComplaintAction::MerchantConfirmComplete);

    // A handled complaint takes no more answers.
    for err in [
        client
            .execute(complete(&id))
            .await
            .expect_err("completed twice"),
        client
            .execute(respond(&id, FIXTURE_MCHID, Vec::new()))
            .await
            .expect_err("answered after completion"),
    ] {
        assert_eq!(err.code().cloned(), Some(ErrorCode::InvalidRequest));
    }
    // Refusals change nothing and send nothing; the repeated rich answer sent no second callback.
    let refused = sim.transition("complaints", "complaint", &id, "user_responds", &json!({}));
    assert_eq!(
        refused.map(|_| ()).map_err(|r| r.status),
        Err(400),
        "content is needed"
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(events.try_recv().is_err(), "no callback beyond the changes");
    Ok(())
}

#[tokio::test]
async fn refund_decisions_and_unknown_complaints_are_refused() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let opened = sim.open_complaint(&json!({ "problem_type": "SERVICE_NOT_WORK" }))?;
    let id = opened["complaint_id"].as_str().ok_or("no complaint_id")?;
    assert_eq!(opened["complaint_state"], "PENDING");

    let reject = UpdateRefundProgressRequest::builder()
        .complaint_id(id)
        .action(RefundAction::Reject)
        .reject_reason("服务已生效")
        .build()?;
    let err = client
        .execute(reject)
        .await
        .expect_err("no refund was asked for");
    assert_eq!(err.code().cloned(), Some(ErrorCode::InvalidRequest));
    assert_eq!(
        history(&client, id).await?,
        [OperateType::UserCreateComplaint]
    );

    let err = client
        .execute(query("200201820261123000000000000"))
        .await
        .expect_err("an unknown complaint");
    assert_eq!(err.code().cloned(), Some(ErrorCode::ResourceNotExists));
    assert_eq!(err.api().map(|e| e.status), Some(404));

    // The request rules hold before anything is sent: a too-long answer, five pictures.
    let built = RespondComplaintRequest::builder()
        .complaint_id(id)
        .complainted_mchid(FIXTURE_MCHID)
        .response_content("好".repeat(201))
        .response_images(vec!["a.png".to_string(); 5])
        .build();
    let message = built.expect_err("broken limits").to_string();
    assert!(message.contains("response_content"), "{message}");
    assert!(message.contains("response_images"), "{message}");
    Ok(())
}
