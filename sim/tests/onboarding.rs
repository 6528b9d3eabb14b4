//! 特约商户进件 through the generated client against the simulator: submit an application, repeat
//! it, read it by either number, move it through review with the control API (rejected with
//! reasons, resubmitted, accepted, verified, signed, finished; cancelled), and the lookups an
//! application form needs; a change of a sub-merchant's settlement account, reviewed the same way;
//! every answer is read as the operation's response type. The SDK's walk
//! over the application's sensitive fields is checked field by field, nested objects and arrays
//! included.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use wechatpay_apiv3::ErrorCode;
use wechatpay_apiv3::applyment4sub::modify_settlement::ModifyMode;
use wechatpay_apiv3::applyment4sub::{
    AccountType, ApplymentState, ModifySettlementRequest, QueryApplymentByBusinessCodeRequest,
    QueryApplymentByIdRequest, QuerySettlementApplicationRequest, QuerySettlementRequest,
    SettlementAuditResult, SubmitApplymentBody, SubmitApplymentRequest, VerifyResult,
};
use wechatpay_apiv3::capital::capitallhh::{
    ListBranchesRequest, ListCitiesRequest, ListCorporateBanksRequest, ListProvincesRequest,
};
use wechatpay_apiv3_sim::Simulator;

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A company's application, as a service provider fills it in (plaintext: the SDK encrypts).
fn application(business_code: &str, store_name: &str) -> Value {
    json!({
        "business_code": business_code,
        "contact_info": {
            "contact_type": "LEGAL",
            "contact_name": "林晓岚",
            "contact_id_number": "440305198807124527",
            "openid": "oSP_admin_openid_01",
            "mobile_phone": "13812345678",
            "contact_email": "lin.xiaolan@chenguang-coffee.cn"
        },
        "subject_info": {
            "subject_type": "SUBJECT_TYPE_ENTERPRISE",
            "business_license_info": {
                "license_copy": "media-license-copy",
                "license_number": "91440300MA5G8K2X7Q",
                "merchant_name": "深圳晨光咖啡有限公司",
                "legal_person": "林晓岚"
            },
            "identity_info": {
                "id_doc_type": "IDENTIFICATION_TYPE_IDCARD",
                "id_card_info": {
                    "id_card_copy": "media-id-card-copy",
                    "id_card_national": "media-id-card-national",
                    "id_card_name": "林晓岚",
                    "id_card_number": "440305198807124527",
                    "id_card_address": "广东省深圳市南山区桃园路88号",
                    "card_period_begin": "2018-07-20",
                    "card_period_end": "2038-07-20"
                },
                "owner": false
            },
            "ubo_info_list": [
                {
                    "ubo_id_doc_type": "IDENTIFICATION_TYPE_IDCARD",
                    "ubo_id_doc_copy": "media-ubo-1-front",
                    "ubo_id_doc_copy_back": "media-ubo-1-back",
                    "ubo_id_doc_name": "周明",
                    "ubo_id_doc_number": "440305198001011234",
                    "ubo_id_doc_address": "广东省深圳市福田区福华路1号",
                    "ubo_period_begin": "2016-01-01",
                    "ubo_period_end": "长期"
                },
                {
                    "ubo_id_doc_type": "IDENTIFICATION_TYPE_HONGKONG_PASSPORT",
                    "ubo_id_doc_copy": "media-ubo-2-front",
                    "ubo_id_doc_copy_back": "media-ubo-2-back",
                    "ubo_id_doc_name": "陈家乐",
                    "ubo_id_doc_number": "H12345678",
                    "ubo_id_doc_address": "香港九龙弥敦道100号",
                    "ubo_period_begin": "2020-05-01",
                    "ubo_period_end": "2030-05-01"
                }
            ]
        },
        "business_info": {
            "merchant_shortname": "晨光咖啡",
            "service_phone": "075586001234",
            "sales_info": {
                "sales_scenes_type": ["SALES_SCENES_STORE"],
                "biz_store_info": {
                    "biz_store_name": store_name,
                    "biz_address_code": "440305",
                    "biz_store_address": "深圳市南山区高新南四道18号",
                    "store_entrance_pic": ["media-store-entrance"],
                    "indoor_pic": ["media-store-indoor"]
                }
            }
        },
        "settlement_info": { "settlement_id": "716", "qualification_type": "餐饮" },
        "bank_account_info": {
            "bank_account_type": "BANK_ACCOUNT_TYPE_CORPORATE",
            "account_name": "深圳晨光咖啡有限公司",
            "account_bank": "招商银行",
            "bank_address_code": "440300",
            "bank_branch_id": "308584000013",
            "account_number": "755912345610201"
        }
    })
}

fn submit(body: Value) -> Result<SubmitApplymentRequest, Box<dyn std::error::Error>> {
    let body: SubmitApplymentBody = serde_json::from_value(body)?;
    Ok(SubmitApplymentRequest::builder().body(body).build()?)
}

/// A control transition of the application lifecycle over HTTP, as a test in any language would
/// make it: the status and the JSON answer.
async fn review(
    sim: &Simulator,
    business_code: &str,
    transition: &str,
    body: Value,
) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let url = format!(
        "{}/_sim/applyment4sub/applyment/{business_code}/{transition}",
        sim.base_url()
    );
    let response = reqwest::Client::new()
        .post(url)
        .header("Content-Type", "application/json")
        .body(serde_json::to_vec(&body)?)
        .send()
        .await?;
    let status = response.status().as_u16();
    Ok((status, serde_json::from_slice(&response.bytes().await?)?))
}

fn by_code(code: &str) -> Result<QueryApplymentByBusinessCodeRequest, Box<dyn std::error::Error>> {
    Ok(QueryApplymentByBusinessCodeRequest::builder()
        .business_code(code)
        .build()?)
}

#[test]
fn every_sensitive_field_of_an_application_is_handed_to_the_encryptor_nested_and_in_arrays() {
    let mut body: SubmitApplymentBody =
        serde_json::from_value(application("1900013511_ENC", "店")).expect("a valid body");
    let mut seen: Vec<(String, String)> = Vec::new();
    body.encrypt_sensitive_fields(&mut |wire: &str, value: &mut String| {
        seen.push((wire.to_string(), value.clone()));
        *value = format!("ciphertext-of-{wire}");
        Ok(())
    })
    .expect("the recorder never fails");
    let names: BTreeSet<&str> = seen.iter().map(|(w, _)| w.as_str()).collect();
    let expected: BTreeSet<&str> = [
        "contact_name",
        "contact_id_number",
        "mobile_phone",
        "contact_email",
        "id_card_name",
        "id_card_number",
        "id_card_address",
        "ubo_id_doc_name",
        "ubo_id_doc_number",
        "ubo_id_doc_address",
        "account_name",
        "account_number",
    ]
    .into_iter()
    .collect();
    assert_eq!(names, expected);
    // Both beneficial owners' three fields: 4 + 3 + 2 * 3 + 2.
    assert_eq!(seen.len(), 15, "{seen:?}");
    assert!(seen.contains(&("ubo_id_doc_name".into(), "陈家乐".into())));
    assert!(seen.contains(&("mobile_phone".into(), "13812345678".into())));

    let sent = serde_json::to_value(&body).expect("serialisable");
    assert_eq!(
        sent["subject_info"]["ubo_info_list"][1]["ubo_id_doc_number"],
        "ciphertext-of-ubo_id_doc_number"
    );
    assert_eq!(
        sent["bank_account_info"]["account_number"],
        "ciphertext-of-account_number"
    );
    // What is not sensitive is sent as given: the OpenID, the licence number, the media ids.
    assert_eq!(sent["contact_info"]["openid"], "oSP_admin_openid_01");
    assert_eq!(
        sent["subject_info"]["business_license_info"]["license_number"],
        "91440300MA5G8K2X7Q"
    );
    assert_eq!(
        sent["subject_info"]["ubo_info_list"][0]["ubo_id_doc_copy"],
        "media-ubo-1-front"
    );
    let meta = <SubmitApplymentRequest as wechatpay_apiv3::Operation>::META;
    assert!(
        meta.has_sensitive_fields,
        "the client would not send Wechatpay-Serial"
    );
}

#[tokio::test]
async fn an_application_is_numbered_replayed_by_business_code_and_found_by_either_number()
-> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let code = "1900013511_LIFE_1";

    let first = client
        .execute(submit(application(code, "晨光咖啡南山店"))?)
        .await?;
    assert!(
        (2_000_002_000_000_000..2_000_003_000_000_000).contains(&first.applyment_id),
        "{}",
        first.applyment_id
    );
    // The same business code again: the same application, nothing new.
    let again = client
        .execute(submit(application(code, "晨光咖啡南山店"))?)
        .await?;
    assert_eq!(again, first);
    assert_eq!(sim.faults().effects("applyment4sub.submit_applyment"), 1);

    // Another code is another application with another number.
    let other = client
        .execute(submit(application("1900013511_LIFE_2", "晨光咖啡福田店"))?)
        .await?;
    assert_ne!(other.applyment_id, first.applyment_id);
    assert_eq!(sim.faults().effects("applyment4sub.submit_applyment"), 2);

    let status = client.execute(by_code(code)?).await?;
    assert_eq!(status.business_code.as_deref(), Some(code));
    assert_eq!(status.applyment_id, Some(first.applyment_id));
    assert_eq!(
        status.applyment_state,
        ApplymentState::ApplymentStateAuditing
    );
    assert_eq!(status.applyment_state_msg.as_deref(), Some("审核中"));
    assert!(status.audit_detail.is_none() && status.sub_mchid.is_none());

    let by_id = client
        .execute(
            QueryApplymentByIdRequest::builder()
                .applyment_id(first.applyment_id.to_string())
                .build()?,
        )
        .await?;
    assert_eq!(by_id, status);

    let err = client
        .execute(by_code("1900013511_NEVER")?)
        .await
        .expect_err("no such application");
    assert_eq!(err.code().cloned(), Some(ErrorCode::ResourceNotExists));
    let err = client
        .execute(
            QueryApplymentByIdRequest::builder()
                .applyment_id("2000002999999999")
                .build()?,
        )
        .await
        .expect_err("no such application");
    assert_eq!(err.code().cloned(), Some(ErrorCode::ResourceNotExists));
    // Reads change nothing.
    assert_eq!(sim.faults().effects("applyment4sub.submit_applyment"), 2);
    Ok(())
}

#[test]
fn an_application_breaking_rules_is_refused_by_the_builder_naming_each_field() {
    let mut body = application("1900013511-has-dashes", "店");
    body["business_info"]["sales_info"]["sales_scenes_type"] = json!([]);
    let err = submit(body).expect_err("two broken rules");
    let text = err.to_string();
    assert!(text.contains("business_code"), "{text}");
    assert!(text.contains("sales_scenes_type"), "{text}");
}

#[tokio::test]
async fn the_lookups_a_form_needs_answer_as_their_types() -> TestResult {
    let (_sim, client) = common::sim_and_client().await?;
    let provinces = client
        .execute(ListProvincesRequest::builder().build()?)
        .await?;
    let province = provinces
        .data
        .as_deref()
        .and_then(<[_]>::last)
        .ok_or("no province")?;
    let cities = client
        .execute(
            ListCitiesRequest::builder()
                .province_code(province.province_code.to_string())
                .build()?,
        )
        .await?;
    let city = cities
        .data
        .as_deref()
        .and_then(<[_]>::last)
        .ok_or("no city")?;
    let banks = client
        .execute(
            ListCorporateBanksRequest::builder()
                .offset(0)
                .limit(2)
                .build()?,
        )
        .await?;
    let bank = banks
        .data
        .iter()
        .flatten()
        .find(|b| b.need_bank_branch)
        .ok_or("no bank needs a branch")?;
    let branches = client
        .execute(
            ListBranchesRequest::builder()
                .bank_alias_code(bank.bank_alias_code.as_str())
                .city_code(city.city_code)
                .limit(10)
                .build()?,
        )
        .await?;
    assert_eq!(branches.bank_alias_code, bank.bank_alias_code);
    assert!(
        branches
            .data
            .iter()
            .flatten()
            .all(|b| !b.bank_branch_id.is_empty())
    );
    // A limit above 200 is refused by the builder, naming the field.
    let err = ListCorporateBanksRequest::builder()
        .limit(201)
        .build()
        .expect_err("over the maximum");
    assert!(err.to_string().contains("limit"), "{err}");
    Ok(())
}

#[tokio::test]
async fn rejected_resubmitted_accepted_verified_signed_and_finished() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let code = "1900013511_REVIEW_1";
    let submitted = client
        .execute(submit(application(code, "晨光咖啡南山店"))?)
        .await?;

    // The reviewer rejects it, saying why; the query shows the reasons.
    let reasons = json!([
        { "field": "id_card_copy", "field_name": "身份证人像面照片", "reject_reason": "照片模糊，请重新上传。" },
        { "field": "store_entrance_pic", "field_name": "门店门头照片", "reject_reason": "门头照片需包含完整招牌。" }
    ]);
    let (status, answer) = review(&sim, code, "reject", json!({ "audit_detail": reasons })).await?;
    assert_eq!(status, 200, "{answer}");
    let rejected = client.execute(by_code(code)?).await?;
    assert_eq!(
        rejected.applyment_state,
        ApplymentState::ApplymentStateRejected
    );
    let details = rejected.audit_detail.as_deref().ok_or("no audit_detail")?;
    assert_eq!(details.len(), 2);
    assert_eq!(details[0].field.as_deref(), Some("id_card_copy"));
    assert_eq!(
        details[1].reject_reason.as_deref(),
        Some("门头照片需包含完整招牌。")
    );
    // A rejected application cannot be accepted as it is.
    let (status, answer) = review(&sim, code, "approve", json!({})).await?;
    assert_eq!(status, 409, "{answer}");

    // Corrected and sent again under the same code: the same application, back in review.
    let resubmitted = client
        .execute(submit(application(code, "晨光咖啡南山旗舰店"))?)
        .await?;
    assert_eq!(resubmitted.applyment_id, submitted.applyment_id);
    assert_eq!(sim.faults().effects("applyment4sub.submit_applyment"), 2);
    let again = client.execute(by_code(code)?).await?;
    assert_eq!(
        again.applyment_state,
        ApplymentState::ApplymentStateAuditing
    );
    assert_eq!(again.applyment_state_msg.as_deref(), Some("审核中"));
    assert_eq!(again.applyment_id, Some(submitted.applyment_id));
    assert!(again.audit_detail.is_none(), "the old reasons are gone");
    // The corrected content replaced the first (the query answers no content of the form).
    let kept = sim
        .created_with("applyment4sub", "applyment", code)
        .ok_or("the simulator kept no request")?;
    assert_eq!(
        kept.pointer("/business_info/sales_info/biz_store_info/biz_store_name"),
        Some(&json!("晨光咖啡南山旗舰店"))
    );
    // The corrected submission retried replays; the first content, under review, is refused.
    let retried = client
        .execute(submit(application(code, "晨光咖啡南山旗舰店"))?)
        .await?;
    assert_eq!(retried, resubmitted);
    let err = client
        .execute(submit(application(code, "晨光咖啡南山店"))?)
        .await
        .expect_err("no resubmission while under review");
    assert_eq!(err.code().cloned(), Some(ErrorCode::InvalidRequest));
    assert_eq!(sim.faults().effects("applyment4sub.submit_applyment"), 2);

    // Accepted: the administrator's signing link names the application.
    assert_eq!(review(&sim, code, "approve", json!({})).await?.0, 200);
    let accepted = client.execute(by_code(code)?).await?;
    assert_eq!(
        accepted.applyment_state,
        ApplymentState::ApplymentStateToBeConfirmed
    );
    let sign_url = accepted.sign_url.as_deref().ok_or("no sign_url")?;
    assert!(
        sign_url.contains(&submitted.applyment_id.to_string()),
        "{sign_url}"
    );
    assert_eq!(
        review(&sim, code, "verify_account", json!({})).await?.0,
        200
    );
    assert_eq!(
        client.execute(by_code(code)?).await?.applyment_state,
        ApplymentState::ApplymentStateToBeSigned
    );
    assert_eq!(review(&sim, code, "sign", json!({})).await?.0, 200);
    assert_eq!(
        client.execute(by_code(code)?).await?.applyment_state,
        ApplymentState::ApplymentStateSigning
    );
    // Finishing needs the new merchant number.
    let (status, answer) = review(&sim, code, "finish", json!({})).await?;
    assert_eq!(status, 400, "{answer}");
    assert!(answer.to_string().contains("sub_mchid"), "{answer}");
    assert_eq!(
        review(&sim, code, "finish", json!({ "sub_mchid": "1900087001" }))
            .await?
            .0,
        200
    );
    let finished = client
        .execute(
            QueryApplymentByIdRequest::builder()
                .applyment_id(submitted.applyment_id.to_string())
                .build()?,
        )
        .await?;
    assert_eq!(
        finished.applyment_state,
        ApplymentState::ApplymentStateFinished
    );
    assert_eq!(finished.sub_mchid.as_deref(), Some("1900087001"));
    assert_eq!(finished.applyment_state_msg.as_deref(), Some("已完成"));

    // A finished application is not reopened by its code: other content is refused, and
    // nothing changes.
    let err = client
        .execute(submit(application(code, "晨光咖啡"))?)
        .await
        .expect_err("a finished application takes no new content");
    assert_eq!(err.code().cloned(), Some(ErrorCode::InvalidRequest));
    assert_eq!(sim.faults().effects("applyment4sub.submit_applyment"), 2);
    assert_eq!(
        client.execute(by_code(code)?).await?.applyment_state,
        ApplymentState::ApplymentStateFinished
    );
    Ok(())
}

#[tokio::test]
async fn an_unsigned_application_can_be_cancelled_and_an_unknown_one_is_not_found() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let code = "1900013511_REVIEW_2";
    client
        .execute(submit(application(code, "晨光咖啡福田店"))?)
        .await?;
    // Only what follows review can be cancelled.
    assert_eq!(review(&sim, code, "cancel", json!({})).await?.0, 409);
    assert_eq!(review(&sim, code, "approve", json!({})).await?.0, 200);
    assert_eq!(review(&sim, code, "cancel", json!({})).await?.0, 200);
    let cancelled = client.execute(by_code(code)?).await?;
    assert_eq!(
        cancelled.applyment_state,
        ApplymentState::ApplymentStateCanceled
    );
    assert_eq!(cancelled.applyment_state_msg.as_deref(), Some("已作废"));
    let (status, answer) = review(&sim, "1900013511_NEVER", "approve", json!({})).await?;
    assert_eq!(status, 404, "{answer}");
    Ok(())
}

/// One request as it reached the wire.
struct Captured {
    path: String,
    query: String,
    serial: Option<String>,
    body: Value,
}

/// Sends `request` with the simulator's client settings to a loopback server that keeps what
/// arrives and refuses it (400), so the request is seen exactly as the client sent it.
async fn capture<R>(sim: &Simulator, request: R) -> Result<Captured, Box<dyn std::error::Error>>
where
    R: wechatpay_apiv3::Operation + Send + 'static,
{
    use http_body_util::BodyExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let tx = tx.clone();
            let service =
                hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let tx = tx.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        let body = body
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let seen = Captured {
                            path: parts.uri.path().to_string(),
                            query: parts.uri.query().unwrap_or_default().to_string(),
                            serial: parts
                                .headers
                                .get("Wechatpay-Serial")
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_string),
                            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                        };
                        let _ = tx.send(seen).await;
                        let refusal = br#"{"code":"PARAM_ERROR","message":"captured"}"#;
                        let mut response = hyper::Response::new(http_body_util::Full::new(
                            bytes::Bytes::from_static(refusal),
                        ));
                        *response.status_mut() = hyper::StatusCode::BAD_REQUEST;
                        Ok::<_, std::convert::Infallible>(response)
                    }
                });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
            );
        }
    });
    let client = wechatpay_apiv3::Client::new(sim.client_config().base_url(url).build()?)?;
    let outcome = client.execute(request).await;
    assert!(
        outcome.is_err(),
        "the capturing server refuses every request"
    );
    Ok(rx.recv().await.ok_or("nothing reached the server")?)
}

fn open(ciphertext: &Value) -> Result<String, Box<dyn std::error::Error>> {
    let text = ciphertext.as_str().ok_or("not text")?;
    let key = wechatpay_apiv3_sim::SimConfig::fixture()?.platform_key;
    Ok(key.decrypt_oaep(text)?)
}

#[tokio::test]
async fn an_application_leaves_the_client_with_every_sensitive_field_encrypted_to_wechat_pays_key()
-> TestResult {
    let sim = Simulator::start().await?;
    let plain = application("1900013511_WIRE", "晨光咖啡南山店");
    let seen = capture(&sim, submit(plain.clone())?).await?;
    // WeChat Pay's path ends in a slash, and so does what is signed and sent.
    assert_eq!(seen.path, "/v3/applyment4sub/applyment/");
    assert_eq!(
        seen.serial.as_deref(),
        Some(wechatpay_apiv3_sim::FIXTURE_PUBLIC_KEY_ID),
        "Wechatpay-Serial names the key the fields are encrypted to"
    );
    let sent = &seen.body;
    for path in [
        "/contact_info/contact_name",
        "/contact_info/contact_id_number",
        "/contact_info/mobile_phone",
        "/contact_info/contact_email",
        "/subject_info/identity_info/id_card_info/id_card_name",
        "/subject_info/identity_info/id_card_info/id_card_number",
        "/subject_info/identity_info/id_card_info/id_card_address",
        "/subject_info/ubo_info_list/0/ubo_id_doc_name",
        "/subject_info/ubo_info_list/1/ubo_id_doc_number",
        "/subject_info/ubo_info_list/1/ubo_id_doc_address",
        "/bank_account_info/account_name",
        "/bank_account_info/account_number",
    ] {
        let (wire, want) = (&sent.pointer(path), plain.pointer(path));
        let wire = wire.ok_or(path)?;
        assert_ne!(Some(wire), want, "{path} left the client in plain text");
        assert_eq!(Some(&json!(open(wire)?)), want, "{path}");
    }
    for path in [
        "/contact_info/openid",
        "/subject_info/business_license_info/license_number",
        "/subject_info/ubo_info_list/1/ubo_id_doc_copy",
        "/bank_account_info/account_bank",
    ] {
        assert_eq!(sent.pointer(path), plain.pointer(path), "{path}");
    }
    Ok(())
}

#[tokio::test]
async fn a_card_number_is_encrypted_and_percent_encoded_into_the_query_string() -> TestResult {
    use wechatpay_apiv3::capital::capitallhh::SearchBanksByAccountRequest;
    let sim = Simulator::start().await?;
    let card = "6222021001123456789";
    let request = SearchBanksByAccountRequest::builder()
        .account_number(card)
        .build()?;
    assert!(
        !format!("{request:?}").contains(card),
        "Debug hides the card"
    );
    let seen = capture(&sim, request).await?;
    assert_eq!(
        seen.serial.as_deref(),
        Some(wechatpay_apiv3_sim::FIXTURE_PUBLIC_KEY_ID)
    );
    let value = seen
        .query
        .strip_prefix("account_number=")
        .ok_or_else(|| format!("query {:?}", seen.query))?;
    assert!(!value.contains(['+', '/', '=', '&']), "{value}");
    let ciphertext = wechatpay_apiv3_runtime::protocol::percent_decode(value).ok_or(value)?;
    assert_eq!(open(&json!(ciphertext))?, card);

    // Through the simulator the lookup answers as its type.
    let client = wechatpay_apiv3::Client::new(sim.client_config().build()?)?;
    let found = client
        .execute(
            SearchBanksByAccountRequest::builder()
                .account_number(card)
                .build()?,
        )
        .await?;
    assert!(found.total_count >= 1 && found.data.is_some());
    Ok(())
}

/// A sub-merchant's request to be paid out to another corporate account (plaintext: the SDK
/// encrypts the number and the name).
fn move_account(sub_mchid: &str, number: &str) -> ModifySettlementRequest {
    ModifySettlementRequest::builder()
        .sub_mchid(sub_mchid)
        .modify_mode(ModifyMode::ModifyModeAsync)
        .account_type(AccountType::AccountTypeBusiness)
        .account_bank("工商银行")
        .bank_address_code("440300")
        .bank_branch_id("102584002014")
        .account_number(number)
        .account_name("深圳晨光咖啡有限公司")
        .build()
        .expect("valid change")
}

/// The control call a settlement-account reviewer makes on change `application_no`.
async fn decide(
    sim: &Simulator,
    application_no: &str,
    transition: &str,
    body: Value,
) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let path = format!("/applyment4sub/settlement_application/{application_no}/{transition}");
    common::control_post(sim, &path, body).await
}

fn change(sub_mchid: &str, application_no: &str) -> QuerySettlementApplicationRequest {
    QuerySettlementApplicationRequest::builder()
        .sub_mchid(sub_mchid)
        .application_no(application_no)
        .build()
        .expect("valid query")
}

fn account(sub_mchid: &str) -> QuerySettlementRequest {
    QuerySettlementRequest::builder()
        .sub_mchid(sub_mchid)
        .build()
        .expect("valid query")
}

#[tokio::test]
async fn a_settlement_account_change_is_reviewed_and_only_an_accepted_one_is_used() -> TestResult {
    const SUB: &str = "1900087001";
    let (sim, client) = common::sim_and_client().await?;
    let before = client.execute(account(SUB)).await?;

    // The change is under review: its query says so, with the account masked; the account in use
    // has not changed.
    let asked = client
        .execute(move_account(SUB, "4000023409200123456"))
        .await?;
    let no = asked.application_no.ok_or("no application_no")?;
    let pending = client.execute(change(SUB, &no)).await?;
    assert_eq!(pending.verify_result, SettlementAuditResult::Auditing);
    assert_eq!(pending.account_number, "40*************56");
    assert_eq!(pending.account_name, "深*");
    assert_eq!(pending.bank_branch_id.as_deref(), Some("102584002014"));
    assert!(pending.verify_finish_time.is_none());
    assert_eq!(client.execute(account(SUB)).await?, before);
    // Another sub-merchant's number, or one never given, is not found.
    for (sub, no) in [("1900087999", no.as_str()), (SUB, "102329300000000")] {
        let err = client
            .execute(change(sub, no))
            .await
            .expect_err("not this sub-merchant's change");
        assert_eq!(
            err.code().cloned(),
            Some(ErrorCode::ResourceNotExists),
            "{err}"
        );
    }

    // The reviewer accepts it: the change says so, and the account in use is the new one.
    let (status, answer) = decide(&sim, &no, "approve", json!({})).await?;
    assert_eq!(status, 200, "{answer}");
    let accepted = client.execute(change(SUB, &no)).await?;
    assert_eq!(accepted.verify_result, SettlementAuditResult::AuditSuccess);
    assert!(accepted.verify_finish_time.is_some());
    let now = client.execute(account(SUB)).await?;
    assert_eq!(now.account_number, "40*************56");
    assert_eq!(now.account_bank, "工商银行");
    assert_eq!(now.bank_branch_id.as_deref(), Some("102584002014"));
    assert_eq!(now.verify_result, VerifyResult::VerifySuccess);
    let (status, _) = decide(&sim, &no, "reject", json!({ "verify_fail_reason": "x" })).await?;
    assert_eq!(status, 409, "a decided change is not decided again");

    // A second change is rejected with its reason; the accepted account stays in use.
    let second = client
        .execute(move_account(SUB, "6222020200112233445"))
        .await?
        .application_no
        .ok_or("no application_no")?;
    assert_ne!(second, no, "each change is a new request");
    let (status, answer) = decide(&sim, &second, "reject", json!({})).await?;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(
        answer["message"],
        "`verify_fail_reason` (a string) is required"
    );
    let (status, answer) = decide(
        &sim,
        &second,
        "reject",
        json!({ "verify_fail_reason": "银行卡户名或卡号有误" }),
    )
    .await?;
    assert_eq!(status, 200, "{answer}");
    let rejected = client.execute(change(SUB, &second)).await?;
    assert_eq!(rejected.verify_result, SettlementAuditResult::AuditFail);
    assert_eq!(
        rejected.verify_fail_reason.as_deref(),
        Some("银行卡户名或卡号有误")
    );
    assert_eq!(client.execute(account(SUB)).await?, now);
    assert_eq!(
        sim.faults().effects("applyment4sub.modify_settlement"),
        2,
        "two changes asked for"
    );
    Ok(())
}
