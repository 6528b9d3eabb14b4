//! 电商收付通二级商户进件 through the generated client against the simulator: submit an
//! application (either form), move it through the data check, the account verification, review
//! and signing with the control API and read each state back by either number; reject, freeze
//! and revoke; a retried submission makes one application, a rejected one sent again corrected
//! replaces it under the same number; the identity and account fields leave the client encrypted
//! to WeChat Pay's key and open to what was typed; bad input is refused naming the field, by the
//! builder and by the simulator.

use std::time::Duration;

use serde_json::{Value, json};
use wechatpay_apiv3::ErrorCode;
use wechatpay_apiv3::ecommerce::applyments::{
    ApplymentState, ApplymentStatus, QueryApplymentByIdRequest,
    QueryApplymentByOutRequestNoRequest, RevokeApplymentByIdRequest,
    RevokeApplymentByOutRequestNoRequest, SignState, SubmitAccountHostingApplymentBody,
    SubmitAccountHostingApplymentRequest, SubmitApplymentBody, SubmitApplymentRequest,
    SubmitSignVerifyInfoBody, SubmitSignVerifyInfoRequest,
};
use wechatpay_apiv3_sim::{Fault, Simulator};

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const FAMILY: &str = "ecommerce_applyments";
const SUBMIT: &str = "ecommerce_applyments.submit_applyment";

/// A company's application as a platform fills it in (plain text: the SDK encrypts).
fn application(out_request_no: &str) -> Value {
    json!({
        "out_request_no": out_request_no,
        "organization_type": "2",
        "business_license_info": {
            "business_license_copy": "media-license-copy",
            "business_license_number": "91440300MA5G8K2X7Q",
            "merchant_name": "深圳晨光咖啡有限公司",
            "legal_person": "林晓岚"
        },
        "id_doc_type": "IDENTIFICATION_TYPE_MAINLAND_IDCARD",
        "id_card_info": {
            "id_card_copy": "media-id-card-copy",
            "id_card_national": "media-id-card-national",
            "id_card_name": "林晓岚",
            "id_card_number": "440305198807124527",
            "id_card_address": "广东省深圳市南山区桃园路88号",
            "id_card_valid_time_begin": "2018-07-20",
            "id_card_valid_time": "2038-07-20"
        },
        "owner": false,
        "ubo_info_list": [{
            "ubo_id_doc_type": "IDENTIFICATION_TYPE_HONGKONG",
            "ubo_id_doc_copy": "media-ubo-front",
            "ubo_id_doc_copy_back": "media-ubo-back",
            "ubo_id_doc_name": "陈家乐",
            "ubo_id_doc_number": "H12345678",
            "ubo_id_doc_address": "香港九龙弥敦道100号",
            "ubo_id_doc_period_begin": "2020-05-01",
            "ubo_id_doc_period_end": "2030-05-01"
        }],
        "account_info": {
            "bank_account_type": "74",
            "account_bank": "招商银行",
            "account_name": "深圳晨光咖啡有限公司",
            "bank_address_code": "440300",
            "bank_branch_id": "308584000013",
            "account_number": "755912345610201"
        },
        "contact_info": {
            "contact_type": "65",
            "contact_name": "林晓岚",
            "contact_id_card_number": "440305198807124527",
            "mobile_phone": "13812345678",
            "contact_email": "lin.xiaolan@chenguang-coffee.cn"
        },
        "sales_scene_info": {
            "store_name": "晨光咖啡旗舰店",
            "store_url": "https://shop.example.com/chenguang"
        },
        "settlement_info": { "settlement_id": 719, "qualification_type": "餐饮" },
        "merchant_shortname": "晨光咖啡"
    })
}

fn submit(body: Value) -> Result<SubmitApplymentRequest, Box<dyn std::error::Error>> {
    let body: SubmitApplymentBody = serde_json::from_value(body)?;
    Ok(SubmitApplymentRequest::builder().body(body).build()?)
}

fn by_no(
    out_request_no: &str,
) -> Result<QueryApplymentByOutRequestNoRequest, Box<dyn std::error::Error>> {
    Ok(QueryApplymentByOutRequestNoRequest::builder()
        .out_request_no(out_request_no)
        .build()?)
}

fn by_id(applyment_id: i64) -> Result<QueryApplymentByIdRequest, Box<dyn std::error::Error>> {
    Ok(QueryApplymentByIdRequest::builder()
        .applyment_id(applyment_id.to_string())
        .build()?)
}

fn revoke_by_no(
    out_request_no: &str,
) -> Result<RevokeApplymentByOutRequestNoRequest, Box<dyn std::error::Error>> {
    Ok(RevokeApplymentByOutRequestNoRequest::builder()
        .out_request_no(out_request_no)
        .build()?)
}

/// The revocation by WeChat Pay's number, given as the digits a path carries.
fn revoke_by_id(
    applyment_id: impl Into<String>,
) -> Result<RevokeApplymentByIdRequest, Box<dyn std::error::Error>> {
    Ok(RevokeApplymentByIdRequest::builder()
        .applyment_id(applyment_id)
        .build()?)
}

/// A control transition of the application lifecycle: the status and the JSON answer.
async fn review(
    sim: &Simulator,
    out_request_no: &str,
    transition: &str,
    body: Value,
) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let path = format!("/{FAMILY}/applyment/{out_request_no}/{transition}");
    common::control_post(sim, &path, body).await
}

/// Reads the application by both numbers, checks the two answers agree, and returns it.
async fn both_ways(
    client: &wechatpay_apiv3::Client,
    out_request_no: &str,
    applyment_id: i64,
) -> Result<ApplymentStatus, Box<dyn std::error::Error>> {
    let first = client.execute(by_no(out_request_no)?).await?;
    let second = client.execute(by_id(applyment_id)?).await?;
    assert_eq!(first, second, "the two queries answer the same application");
    assert_eq!(first.out_request_no, out_request_no);
    assert_eq!(first.applyment_id, applyment_id);
    Ok(first)
}

#[tokio::test]
async fn checked_verified_reviewed_signed_each_state_shown_by_both_queries() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let no = "EC_LIFE_1";
    let submitted = client.execute(submit(application(no))?).await?;
    assert_eq!(submitted.out_request_no, no);
    assert!(
        (2_000_002_000_000_000..2_000_003_000_000_000).contains(&submitted.applyment_id),
        "{}",
        submitted.applyment_id
    );
    let id = submitted.applyment_id;

    let checking = both_ways(&client, no, id).await?;
    assert_eq!(checking.applyment_state, ApplymentState::Checking);
    assert_eq!(checking.applyment_state_desc, "资料校验中");
    assert_eq!(checking.sign_state, Some(SignState::NotSignable));
    assert!(checking.sub_mchid.is_none() && checking.sign_url.is_none());

    // The data check asks for a small transfer from the seller's account; the payer's name
    // arrives encrypted to the merchant's key and is read decrypted.
    let validation = json!({
        "account_name": "深圳晨光咖啡有限公司",
        "account_no": "755912345610201",
        "pay_amount": 124,
        "destination_account_number": "7222223333322332",
        "destination_account_name": "财付通支付科技有限公司",
        "destination_account_bank": "招商银行威盛大厦支行",
        "city": "深圳",
        "remark": "入驻账户验证",
        "deadline": "2026-12-10 17:09:01"
    });
    let (status, answer) = review(
        &sim,
        no,
        "need_account_verify",
        json!({ "account_validation": validation, "legal_validation_url": "https://pay.weixin.qq.com/public/apply4ec_sign/s?applymentId=1" }),
    )
    .await?;
    assert_eq!(status, 200, "{answer}");
    let verifying = both_ways(&client, no, id).await?;
    assert_eq!(verifying.applyment_state, ApplymentState::AccountNeedVerify);
    let transfer = verifying
        .account_validation
        .as_ref()
        .ok_or("no account_validation")?;
    assert_eq!(transfer.account_name, "深圳晨光咖啡有限公司");
    assert_eq!(transfer.account_no.as_deref(), Some("755912345610201"));
    assert_eq!(transfer.pay_amount, 124, "integer fen");
    assert!(verifying.legal_validation_url.is_some());

    assert_eq!(
        review(&sim, no, "account_verified", json!({})).await?.0,
        200
    );
    let auditing = both_ways(&client, no, id).await?;
    assert_eq!(auditing.applyment_state, ApplymentState::Auditing);
    assert_eq!(auditing.applyment_state_desc, "审核中");
    assert!(auditing.account_validation.is_none() && auditing.legal_validation_url.is_none());

    // Approval needs the new merchant number and the signing page.
    let (status, answer) =
        review(&sim, no, "approve", json!({ "sub_mchid": "1542488631" })).await?;
    assert_eq!(status, 400, "{answer}");
    assert!(answer.to_string().contains("sign_url"), "{answer}");
    let sign_url =
        format!("https://pay.weixin.qq.com/public/apply4ec_sign/s?applymentId={id}&sign=x");
    let (status, answer) = review(
        &sim,
        no,
        "approve",
        json!({ "sub_mchid": "1542488631", "sign_url": sign_url }),
    )
    .await?;
    assert_eq!(status, 200, "{answer}");
    let to_sign = both_ways(&client, no, id).await?;
    assert_eq!(to_sign.applyment_state, ApplymentState::NeedSign);
    assert_eq!(to_sign.sign_state, Some(SignState::Unsigned));
    assert_eq!(to_sign.sign_url.as_deref(), Some(sign_url.as_str()));
    assert_eq!(to_sign.sub_mchid.as_deref(), Some("1542488631"));

    assert_eq!(review(&sim, no, "sign", json!({})).await?.0, 200);
    let finished = both_ways(&client, no, id).await?;
    assert_eq!(finished.applyment_state, ApplymentState::Finish);
    assert_eq!(finished.sign_state, Some(SignState::Signed));
    assert_eq!(finished.sub_mchid.as_deref(), Some("1542488631"));
    assert!(finished.sign_url.is_none(), "the link is gone once signed");

    // A finished application can be neither revoked nor moved back.
    let err = client
        .execute(revoke_by_no(no)?)
        .await
        .expect_err("a finished application is final");
    assert_eq!(err.code().cloned(), Some(ErrorCode::InvalidRequest));
    assert_eq!(review(&sim, no, "reject", json!({})).await?.0, 409);
    assert_eq!(
        both_ways(&client, no, id).await?.applyment_state,
        ApplymentState::Finish
    );
    Ok(())
}

#[tokio::test]
async fn rejected_or_frozen_applications_show_why_and_revoking_cancels_them_for_good() -> TestResult
{
    let (sim, client) = common::sim_and_client().await?;

    // Rejected at the data check, then revoked by WeChat Pay's number.
    let rejected_no = "EC_REJECT_1";
    let rejected = client.execute(submit(application(rejected_no))?).await?;
    let reasons = json!([
        { "param_name": "id_card_copy", "reject_reason": "身份证人像面照片模糊，请重新上传。" },
        { "param_name": "store_url", "reject_reason": "店铺链接无法打开。" }
    ]);
    let (status, answer) = review(
        &sim,
        rejected_no,
        "reject",
        json!({ "audit_detail": reasons }),
    )
    .await?;
    assert_eq!(status, 200, "{answer}");
    let shown = both_ways(&client, rejected_no, rejected.applyment_id).await?;
    assert_eq!(shown.applyment_state, ApplymentState::Rejected);
    let details = shown.audit_detail.as_deref().ok_or("no audit_detail")?;
    assert_eq!(details.len(), 2);
    assert_eq!(details[0].param_name, "id_card_copy");
    assert_eq!(details[1].reject_reason, "店铺链接无法打开。");

    let revoked = client
        .execute(revoke_by_id(rejected.applyment_id.to_string())?)
        .await?;
    assert_eq!(
        (revoked.applyment_id, revoked.out_request_no.as_str()),
        (rejected.applyment_id, rejected_no)
    );
    let cancelled = both_ways(&client, rejected_no, rejected.applyment_id).await?;
    assert_eq!(cancelled.applyment_state, ApplymentState::Canceled);
    assert_eq!(cancelled.applyment_state_desc, "已作废");
    // Revoked is final: a second revocation is refused, by either number.
    let err = client
        .execute(revoke_by_no(rejected_no)?)
        .await
        .expect_err("already revoked");
    assert_eq!(err.code().cloned(), Some(ErrorCode::InvalidRequest));
    assert_eq!(
        review(&sim, rejected_no, "data_checked", json!({}))
            .await?
            .0,
        409
    );

    // Frozen in review, then revoked by the platform's number.
    let frozen_no = "EC_FREEZE_1";
    let frozen = client.execute(submit(application(frozen_no))?).await?;
    assert_eq!(
        review(&sim, frozen_no, "data_checked", json!({})).await?.0,
        200
    );
    let why =
        json!([{ "param_name": "business_license_number", "reject_reason": "主体存在风险。" }]);
    assert_eq!(
        review(&sim, frozen_no, "freeze", json!({ "audit_detail": why }))
            .await?
            .0,
        200
    );
    let shown = both_ways(&client, frozen_no, frozen.applyment_id).await?;
    assert_eq!(shown.applyment_state, ApplymentState::Frozen);
    assert_eq!(
        shown.audit_detail.as_deref().map(<[_]>::len),
        Some(1),
        "{shown:?}"
    );
    let revoked = client.execute(revoke_by_no(frozen_no)?).await?;
    assert_eq!(revoked.applyment_id, frozen.applyment_id);
    assert_eq!(
        both_ways(&client, frozen_no, frozen.applyment_id)
            .await?
            .applyment_state,
        ApplymentState::Canceled
    );

    // Unknown numbers are not found, by either query or revocation.
    let err = client
        .execute(by_no("EC_NEVER")?)
        .await
        .expect_err("unknown");
    assert_eq!(err.code().cloned(), Some(ErrorCode::ResourceNotExists));
    let err = client
        .execute(revoke_by_id("2000002999999999")?)
        .await
        .expect_err("unknown");
    assert_eq!(err.code().cloned(), Some(ErrorCode::ResourceNotExists));
    Ok(())
}

#[tokio::test]
async fn a_submission_retried_after_a_lost_answer_makes_exactly_one_application() -> TestResult {
    let sim = Simulator::start().await?;
    let client = common::retrying(&sim);
    // WeChat Pay takes the application, but the answer comes after the client gave up on the
    // attempt; the client sends the same request again.
    sim.faults()
        .inject(SUBMIT, Fault::Latency(Duration::from_secs(3)), Some(1))?;
    let first = client.execute(submit(application("EC_RETRY_1"))?).await?;
    assert_eq!(
        (sim.faults().calls(SUBMIT), sim.faults().effects(SUBMIT)),
        (2, 1),
        "two attempts, one application"
    );
    // A later repeat of the same submission answers the same application and makes nothing.
    let again = client.execute(submit(application("EC_RETRY_1"))?).await?;
    assert_eq!(again, first);
    assert_eq!(sim.faults().effects(SUBMIT), 1);
    // The same number with other content is not a second application either.
    let mut changed = application("EC_RETRY_1");
    changed["merchant_shortname"] = json!("晨光咖啡二店");
    let err = client
        .execute(submit(changed)?)
        .await
        .expect_err("the number is taken");
    assert_eq!(err.code().cloned(), Some(ErrorCode::InvalidRequest));
    assert_eq!(sim.faults().effects(SUBMIT), 1);
    let status = client.execute(by_no("EC_RETRY_1")?).await?;
    assert_eq!(status.applyment_id, first.applyment_id);
    Ok(())
}

#[tokio::test]
async fn a_rejected_application_sent_again_corrected_replaces_it_under_the_same_number()
-> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let no = "EC_RESUBMIT_1";
    let first = client.execute(submit(application(no))?).await?;
    // Under review, the number takes no other content.
    let mut corrected = application(no);
    corrected["merchant_shortname"] = json!("晨光咖啡南山店");
    corrected["sales_scene_info"]["store_url"] = json!("https://shop.example.com/chenguang-ns");
    assert_eq!(review(&sim, no, "data_checked", json!({})).await?.0, 200);
    let err = client
        .execute(submit(corrected.clone())?)
        .await
        .expect_err("no resubmission while under review");
    assert_eq!(err.code().cloned(), Some(ErrorCode::InvalidRequest));
    assert_eq!(sim.faults().effects(SUBMIT), 1);

    let reasons = json!([{ "param_name": "store_url", "reject_reason": "店铺链接无法打开。" }]);
    let (status, answer) = review(&sim, no, "reject", json!({ "audit_detail": reasons })).await?;
    assert_eq!(status, 200, "{answer}");
    // The first submission retried as it was still replays, changing nothing.
    let retried = client.execute(submit(application(no))?).await?;
    assert_eq!(retried, first);
    assert_eq!(
        both_ways(&client, no, first.applyment_id)
            .await?
            .applyment_state,
        ApplymentState::Rejected
    );

    // Corrected and sent again: the same application, back to the data check, the reasons gone.
    let resubmitted = client.execute(submit(corrected.clone())?).await?;
    assert_eq!(
        resubmitted, first,
        "the same out_request_no and applyment_id"
    );
    assert_eq!(sim.faults().effects(SUBMIT), 2);
    let shown = both_ways(&client, no, first.applyment_id).await?;
    assert_eq!(shown.applyment_state, ApplymentState::Checking);
    assert_eq!(shown.applyment_state_desc, "资料校验中");
    assert_eq!(shown.sign_state, Some(SignState::NotSignable));
    assert!(shown.audit_detail.is_none(), "the old reasons are gone");
    // The corrected content is what WeChat Pay now holds (the queries answer no form content).
    let held = sim
        .created_with(FAMILY, "applyment", no)
        .ok_or("the simulator kept no request")?;
    assert_eq!(held["merchant_shortname"], "晨光咖啡南山店");
    assert_eq!(
        held["sales_scene_info"]["store_url"],
        "https://shop.example.com/chenguang-ns"
    );
    // The corrected submission retried replays; the first content, now in review again, is refused.
    assert_eq!(client.execute(submit(corrected)?).await?, first);
    let err = client
        .execute(submit(application(no))?)
        .await
        .expect_err("no resubmission while being checked");
    assert_eq!(err.code().cloned(), Some(ErrorCode::InvalidRequest));
    assert_eq!(sim.faults().effects(SUBMIT), 2);
    // The resubmitted application goes on through review as any.
    assert_eq!(review(&sim, no, "data_checked", json!({})).await?.0, 200);
    assert_eq!(
        both_ways(&client, no, first.applyment_id)
            .await?
            .applyment_state,
        ApplymentState::Auditing
    );
    Ok(())
}

#[tokio::test]
async fn identity_and_account_fields_arrive_encrypted_to_wechat_pays_key_and_open_to_the_originals()
-> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let plain = application("EC_WIRE_1");
    client.execute(submit(plain.clone())?).await?;
    let arrived = sim
        .created_with(FAMILY, "applyment", "EC_WIRE_1")
        .ok_or("the simulator kept no request")?;
    let platform_key = wechatpay_apiv3_sim::SimConfig::fixture()?.platform_key;
    for path in [
        "/id_card_info/id_card_name",
        "/id_card_info/id_card_number",
        "/id_card_info/id_card_address",
        "/ubo_info_list/0/ubo_id_doc_name",
        "/ubo_info_list/0/ubo_id_doc_number",
        "/ubo_info_list/0/ubo_id_doc_address",
        "/account_info/account_name",
        "/account_info/account_number",
        "/contact_info/contact_name",
        "/contact_info/contact_id_card_number",
        "/contact_info/mobile_phone",
        "/contact_info/contact_email",
    ] {
        let sent = arrived.pointer(path).and_then(Value::as_str).ok_or(path)?;
        let typed = plain.pointer(path).and_then(Value::as_str).ok_or(path)?;
        assert_ne!(sent, typed, "{path} arrived in plain text");
        assert_eq!(platform_key.decrypt_oaep(sent)?, typed, "{path}");
    }
    // What is not sensitive arrives as typed.
    for path in [
        "/business_license_info/business_license_number",
        "/id_card_info/id_card_copy",
        "/ubo_info_list/0/ubo_id_doc_copy",
        "/account_info/account_bank",
        "/contact_info/contact_type",
    ] {
        assert_eq!(arrived.pointer(path), plain.pointer(path), "{path}");
    }
    let meta = <SubmitApplymentRequest as wechatpay_apiv3::Operation>::META;
    assert!(meta.has_sensitive_fields, "Wechatpay-Serial must be sent");
    Ok(())
}

#[tokio::test]
async fn a_hosted_application_is_signed_by_the_platforms_proxy_signature() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let no = "EC_HOSTED_1";
    let mut body = application(no);
    body["proxy_sign_verify_mode"] = json!(true);
    let body: SubmitAccountHostingApplymentBody = serde_json::from_value(body)?;
    let submitted = client
        .execute(
            SubmitAccountHostingApplymentRequest::builder()
                .body(body)
                .build()?,
        )
        .await?;
    let id = submitted.applyment_id;
    let proxy =
        |by_number: bool| -> Result<SubmitSignVerifyInfoRequest, Box<dyn std::error::Error>> {
            let mut fields = json!({
                "pre_sign_time": "2026-12-02T10:34:56+08:00",
                "proxy_verify_identity_info": {
                    "verify_identity_type": "VERIFY_IDENTITY_TYPE_FACE_TO_FACE",
                    "verify_identity_result": true
                }
            });
            if by_number {
                fields["applyment_id"] = json!(id);
            } else {
                fields["out_request_no"] = json!(no);
            }
            let body: SubmitSignVerifyInfoBody = serde_json::from_value(fields)?;
            Ok(SubmitSignVerifyInfoRequest::builder().body(body).build()?)
        };
    // Nothing to sign yet while the application is checked.
    let err = client
        .execute(proxy(true)?)
        .await
        .expect_err("not approved yet");
    assert_eq!(err.code().cloned(), Some(ErrorCode::InvalidRequest));

    assert_eq!(review(&sim, no, "data_checked", json!({})).await?.0, 200);
    let (status, answer) = review(
        &sim,
        no,
        "approve",
        json!({ "sub_mchid": "1542488632", "sign_url": "https://pay.weixin.qq.com/public/apply4ec_sign/s?applymentId=2" }),
    )
    .await?;
    assert_eq!(status, 200, "{answer}");
    // The platform's signature, naming the application by WeChat Pay's number, finishes it.
    let signed = client.execute(proxy(true)?).await?;
    assert_eq!(signed.applyment_id, id);
    let finished = both_ways(&client, no, id).await?;
    assert_eq!(finished.applyment_state, ApplymentState::Finish);
    assert_eq!(finished.sign_state, Some(SignState::Signed));
    assert_eq!(finished.sub_mchid.as_deref(), Some("1542488632"));
    // Signed once: the same signature again is refused, here by the platform's number.
    let err = client
        .execute(proxy(false)?)
        .await
        .expect_err("already signed");
    assert_eq!(err.code().cloned(), Some(ErrorCode::InvalidRequest));
    Ok(())
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_by_the_builder_and_by_the_simulator() -> TestResult {
    // The builder: an empty number, a short name over 64 characters, an unknown legal form.
    let mut body = application("");
    body["merchant_shortname"] = json!("晨".repeat(65));
    let err = submit(body).expect_err("two broken rules");
    let text = err.to_string();
    assert!(text.contains("out_request_no"), "{text}");
    assert!(text.contains("merchant_shortname"), "{text}");
    let err = QueryApplymentByIdRequest::builder()
        .applyment_id("20000021247756x1")
        .build()
        .expect_err("not digits");
    assert!(err.to_string().contains("applyment_id"), "{err}");

    // The simulator: a request that skipped the SDK's checks, without the administrator.
    let (sim, client) = common::sim_and_client().await?;
    let mut body = application("EC_BAD_2");
    if let Some(fields) = body.as_object_mut() {
        fields.remove("contact_info");
    }
    let err = client
        .call_json(
            http::Method::POST,
            "/v3/ecommerce/applyments/",
            Some(&body),
            false,
        )
        .await
        .expect_err("refused");
    assert_eq!(err.code_str(), Some("PARAM_ERROR"));
    let detail = err
        .api()
        .and_then(|e| e.detail.as_ref())
        .ok_or("no detail")?;
    assert_eq!(detail.field.as_deref(), Some("/contact_info"), "{detail:?}");
    // A legal form that is not one of the seven codes.
    let mut body = application("EC_BAD_4");
    body["organization_type"] = json!("9999");
    let err = client
        .call_json(
            http::Method::POST,
            "/v3/ecommerce/applyments/",
            Some(&body),
            false,
        )
        .await
        .expect_err("refused");
    let detail = err
        .api()
        .and_then(|e| e.detail.as_ref())
        .ok_or("no detail")?;
    assert_eq!(
        detail.field.as_deref(),
        Some("/organization_type"),
        "{detail:?}"
    );
    // Without the trailing slash the path is another one, which WeChat Pay does not have.
    let err = client
        .call_json(
            http::Method::POST,
            "/v3/ecommerce/applyments",
            Some(&application("EC_BAD_3")),
            false,
        )
        .await
        .expect_err("no such path");
    assert!(err.code_str().is_some(), "{err}");
    assert_eq!(sim.faults().effects(SUBMIT), 0, "nothing was created");
    Ok(())
}
