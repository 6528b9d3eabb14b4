//! Complaints: what the lifecycle declarations of spec/merchant_service/complaints cannot say. A
//! complaint is filed by the simulated user (the control create `complaints.complaint.create`;
//! [`filed`] gives it WeChat Pay's number, the merchant and the texts a body leaves out, and the
//! first step of its history; the phone number is kept in plain text and, like every sensitive
//! answer field, encrypted to the merchant's key on the way out); each answer of the
//! merchant appends its step to the history (MERCHANT_RESPONSE, the refund decision,
//! MERCHANT_CONFIRM_COMPLETE), as do the user's new messages (the control transition
//! `complaints.complaint.user_responds`); the rich answer's `log_id` is that step's number. Each
//! COMPLAINT.STATE_CHANGE callback names what happened (`action_type`). Pictures uploaded get a
//! fresh `media_id`, and only known ids download (unsigned, like WeChat Pay's).

use serde_json::{Value, json};

use super::engine::{Engine, text_of};
use super::rules::{Named, Rule};
use super::{Call, Outcome, now_rfc3339};
use crate::handler::Answer;

const FAMILY: &str = "complaints";
const COMPLAINT: &str = "complaint";
const HISTORY: &str = "negotiation";

/// The kinds of history step the simulator writes (values of the history's state field).
const USER_CREATE: Named = Named::state(FAMILY, HISTORY, "USER_CREATE_COMPLAINT");
const USER_RESPONSE: Named = Named::state(FAMILY, HISTORY, "USER_RESPONSE");
const MERCHANT_RESPONSE: Named = Named::state(FAMILY, HISTORY, "MERCHANT_RESPONSE");
const APPROVE: Named = Named::state(FAMILY, HISTORY, "MERCHANT_APPROVE_REFUND");
const REFUSE: Named = Named::state(FAMILY, HISTORY, "MERCHANT_REFUSE_RERUND");
const COMPLETE: Named = Named::state(FAMILY, HISTORY, "MERCHANT_CONFIRM_COMPLETE");
const REFUND_RECEIVED: Named =
    Named::state(FAMILY, HISTORY, "COMPLAINT_REFUND_RECEIVED_SYSTEM_MESSAGE");
/// Only refund requests take a refund decision.
const REFUND_REQUEST: Named = Named::of(FAMILY, COMPLAINT, "problem_type", "REFUND");

pub(super) const NAMED: &[Named] = &[
    USER_CREATE,
    USER_RESPONSE,
    MERCHANT_RESPONSE,
    APPROVE,
    REFUSE,
    COMPLETE,
    REFUND_RECEIVED,
    REFUND_REQUEST,
];

/// The resource of a COMPLAINT.* callback: the complaint's number and what happened (an action
/// type of the callback, not a field of the complaint).
fn event(record: &Value, action_type: &str) -> Vec<Value> {
    vec![json!({ "complaint_id": record["complaint_id"], "action_type": action_type })]
}

pub(super) const RULES: &[Rule] = &[
    Rule {
        fill: Some(filed),
        notice: Some(|_, record| event(record, "CREATE_COMPLAINT")),
        ..Rule::new("complaints.complaint.create")
    },
    Rule {
        fill: Some(|e, call, record| {
            let content = call.text("response_content");
            let images = image_links(e, call.field("response_images"));
            append(e, record, "商家", MERCHANT_RESPONSE, &content, |step| {
                step["image_list"] = images;
            });
            Ok(())
        }),
        notice: Some(|_, record| event(record, "MERCHANT_RESPONSE")),
        ..Rule::new("complaints.respond_complaint")
    },
    Rule {
        fill: Some(|e, call, record| {
            let message = call.field("message").unwrap_or_else(|| json!({}));
            append(e, record, "商家", MERCHANT_RESPONSE, "", |step| {
                step["normal_message"] = message;
            });
            Ok(())
        }),
        answer: Some(|e, _, record| Answer::json(200, &json!({ "log_id": last_step(e, record) }))),
        notice: Some(|_, record| event(record, "MERCHANT_RESPONSE")),
        ..Rule::new("complaints.respond_immediate_service")
    },
    Rule {
        fill: Some(refund_decided),
        notice: Some(|e, record| {
            let approved = last_kind(e, record) == APPROVE.value;
            event(
                record,
                if approved {
                    "MERCHANT_APPROVE_REFUND"
                } else {
                    "MERCHANT_REJECT_REFUND"
                },
            )
        }),
        ..Rule::new("complaints.update_refund_progress")
    },
    Rule {
        fill: Some(|e, _, record| {
            append(e, record, "商家", COMPLETE, "商户已反馈处理完成", |_| {});
            Ok(())
        }),
        notice: Some(|_, record| event(record, "MERCHANT_CONFIRM_COMPLETE")),
        ..Rule::new("complaints.complete_complaint")
    },
    Rule {
        fill: Some(|e, call, record| {
            let content = call.text("content");
            append(e, record, "投诉人", USER_RESPONSE, &content, |_| {});
            Ok(())
        }),
        notice: Some(|_, record| event(record, "USER_RESPONSE")),
        ..Rule::new("complaints.complaint.user_responds")
    },
    Rule {
        fill: Some(|e, _, record| {
            append(e, record, "系统", REFUND_RECEIVED, "退款已到账", |_| {});
            Ok(())
        }),
        notice: Some(|_, record| event(record, "REFUND_SUCCESS")),
        ..Rule::new("complaints.complaint.refund_arrives")
    },
    Rule {
        whole: Some(upload),
        ..Rule::new("complaints.upload_image")
    },
    Rule {
        whole: Some(download),
        ..Rule::new("complaints.download_image")
    },
];

/// Where the bytes of an uploaded picture are kept, beside the bill files.
fn image_key(media_id: &str) -> String {
    format!("complaint-image/{media_id}")
}

/// What a downloaded picture is: the simulator keeps no uploaded bytes (it checks them and their
/// hash, then forgets them), so every known `media_id` serves this 1x1 PNG.
const PICTURE: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

fn upload(e: &mut Engine<'_>, _: &Call<'_>) -> Outcome {
    let media_id = format!("SIM{:029X}.png", e.next());
    e.world.files.insert(image_key(&media_id), PICTURE.to_vec());
    Outcome::changed(Answer::json(200, &json!({ "media_id": media_id })))
}

/// A picture a complaint names, or one uploaded: unsigned bytes, as WeChat Pay serves them.
fn download(e: &mut Engine<'_>, call: &Call<'_>) -> Outcome {
    match e.world.files.get(&image_key(&call.text("media_id"))) {
        Some(bytes) => Outcome::unchanged(Answer {
            body: bytes.clone(),
            unsigned: true,
            ..Answer::empty(200)
        }),
        None => Outcome::error(404, "RESOURCE_NOT_EXISTS", "no picture has this media_id"),
    }
}

/// A refund decision is for complaints asking for a refund; it becomes a step of the history.
fn refund_decided(e: &mut Engine<'_>, call: &Call<'_>, record: &mut Value) -> Result<(), Outcome> {
    if !REFUND_REQUEST.is_in(e.api, record) {
        return Err(Outcome::error(
            400,
            "INVALID_REQUEST",
            "the complaint is no refund request (problem_type is not REFUND)",
        ));
    }
    let (kind, details) = match call.text("action").as_str() {
        "APPROVE" => (
            APPROVE,
            format!(
                "预计{}个工作日内发起退款",
                call.field("launch_refund_day")
                    .and_then(|d| d.as_i64())
                    .unwrap_or(0)
            ),
        ),
        _ => (REFUSE, call.text("reject_reason")),
    };
    let images = image_links(e, call.field("reject_media_list"));
    append(e, record, "商家", kind, &details, |step| {
        step["image_list"] = images;
    });
    Ok(())
}

/// The history's `image_list` for the `media_id`s a request attached: links to the simulator's
/// own picture download, as WeChat Pay's point at its own.
fn image_links(e: &Engine<'_>, media_ids: Option<Value>) -> Value {
    let ids = media_ids
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default();
    let links: Vec<String> = ids
        .iter()
        .map(|id| {
            format!(
                "{}/v3/merchant-service/images/{}",
                e.world.origin,
                text_of(Some(id))
            )
        })
        .collect();
    json!(links)
}

/// Appends a step to the history of the complaint `record`; `more` adds the step's own fields.
fn append(
    e: &mut Engine<'_>,
    record: &Value,
    operator: &str,
    operate_type: Named,
    details: &str,
    more: impl FnOnce(&mut Value),
) {
    let complaint_id = text_of(record.get("complaint_id"));
    // Same width, so the history's key order is the order of the steps.
    let log_id = format!("3002853{:020}", e.next());
    let mut step = json!({
        "log_id": log_id,
        "operator": operator,
        "operate_time": now_rfc3339(),
        "operate_type": operate_type.value,
    });
    if !details.is_empty() {
        step["operate_details"] = json!(details);
    }
    more(&mut step);
    e.insert(FAMILY, HISTORY, Some(&complaint_id), step);
}

/// The complaint's latest step.
fn latest<'e>(e: &'e Engine<'_>, record: &Value) -> Option<(&'e String, &'e Value)> {
    let complaint_id = text_of(record.get("complaint_id"));
    e.records(FAMILY, HISTORY)
        .filter(|(_, r)| r.owner.as_deref() == Some(complaint_id.as_str()))
        .map(|(k, r)| (k, &r.json))
        .last()
}

/// The `log_id` of the complaint's latest step.
fn last_step(e: &Engine<'_>, record: &Value) -> String {
    latest(e, record)
        .map(|(k, _)| k.clone())
        .unwrap_or_default()
}

/// The `operate_type` of the complaint's latest step.
fn last_kind(e: &Engine<'_>, record: &Value) -> String {
    latest(e, record)
        .map(|(_, step)| text_of(step.get("operate_type")))
        .unwrap_or_default()
}

/// The simulated user files a complaint (the control create, whose body may give any field of a
/// complaint, `payer_phone` in plain text, and `notify_url`, where its callbacks go): WeChat
/// Pay's number for it (unless the body gives one), the merchant the simulator serves and the
/// texts the body leaves out; then, the complaint being valid, the first step of its history.
fn filed(e: &mut Engine<'_>, call: &Call<'_>, record: &mut Value) -> Result<(), Outcome> {
    if call.field("complaint_id").is_none() {
        // 27 digits like WeChat Pay's: a fixed prefix, the day, then a sequence.
        let day = now_rfc3339()[..10].replace('-', "");
        record["complaint_id"] = json!(format!("2002018{day}{:012}", e.next()));
    }
    let defaults = [
        ("complainted_mchid", json!(e.world.mchid)),
        ("complaint_detail", json!("用户投诉")),
        ("problem_description", json!("其他问题")),
    ];
    for (field, value) in defaults {
        if record.get(field).is_none_or(Value::is_null) {
            record[field] = value;
        }
    }
    // Checked before the history changes (the engine checks the record again).
    let valid = e
        .valid(FAMILY, COMPLAINT, record.clone())
        .map_err(|problems| Outcome::error(400, "PARAM_ERROR", &problems))?;
    let detail = text_of(valid.get("complaint_detail"));
    append(e, &valid, "投诉人", USER_CREATE, &detail, |_| {});
    Ok(())
}
