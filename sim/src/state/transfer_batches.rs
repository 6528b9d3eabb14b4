//! Legacy transfer batches (spec/transfer_batches/family.yaml), beyond the declared lifecycles: the
//! simulated WeChat Pay pays a batch's details as soon as it accepts the batch, so creating one
//! assigns the batch and detail numbers, records every detail as SUCCESS and the batch's totals,
//! and the batch queries answer the batch with a page of its details (nested under
//! `transfer_batch` for a merchant, flat for a service provider), as no declaration can say.

use serde_json::{Map, Value, json};

use super::engine::{Engine, refusal, text_of};
use super::rules::Rule;
use super::{Call, Outcome};
use crate::handler::Answer;

const FAMILY: &str = "transfer_batches";

pub(super) const RULES: &[Rule] = &[
    Rule {
        fill: Some(|e, call, batch| pay_details(e, call, batch, Mode::Merchant)),
        ..Rule::new("transfer_batches.create_batch")
    },
    Rule {
        fill: Some(|e, call, batch| pay_details(e, call, batch, Mode::Partner)),
        ..Rule::new("transfer_batches.partner_create_batch")
    },
    Rule {
        whole: Some(|e, call| batch_answer(e, call, "query_batch_by_batch_id", Mode::Merchant)),
        ..Rule::new("transfer_batches.query_batch_by_batch_id")
    },
    Rule {
        whole: Some(|e, call| batch_answer(e, call, "query_batch_by_out_batch_no", Mode::Merchant)),
        ..Rule::new("transfer_batches.query_batch_by_out_batch_no")
    },
    Rule {
        whole: Some(|e, call| {
            batch_answer(e, call, "partner_query_batch_by_batch_id", Mode::Partner)
        }),
        ..Rule::new("transfer_batches.partner_query_batch_by_batch_id")
    },
    Rule {
        whole: Some(|e, call| {
            batch_answer(
                e,
                call,
                "partner_query_batch_by_out_batch_no",
                Mode::Partner,
            )
        }),
        ..Rule::new("transfer_batches.partner_query_batch_by_out_batch_no")
    },
];

/// The two entry points: their lifecycles and how their answers are shaped.
#[derive(Clone, Copy)]
enum Mode {
    Merchant,
    Partner,
}

impl Mode {
    fn batches(self) -> &'static str {
        match self {
            Mode::Merchant => "batch",
            Mode::Partner => "partner_batch",
        }
    }

    fn details(self) -> &'static str {
        match self {
            Mode::Merchant => "detail",
            Mode::Partner => "partner_detail",
        }
    }
}

/// Refuses totals that do not match the details (as WeChat Pay does, before anything is paid),
/// then numbers the batch and records each detail as paid.
fn pay_details(
    e: &mut Engine<'_>,
    call: &Call<'_>,
    batch: &mut Value,
    mode: Mode,
) -> Result<(), Outcome> {
    let details = call.body["transfer_detail_list"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let sum: i64 = details
        .iter()
        .map(|d| d["transfer_amount"].as_i64().unwrap_or(0))
        .sum();
    if Some(sum) != call.body["total_amount"].as_i64()
        || Some(details.len() as i64) != call.body["total_num"].as_i64()
    {
        let op = super::engine::operation(
            e.api,
            &format!(
                "{FAMILY}.{}",
                match mode {
                    Mode::Merchant => "create_batch",
                    Mode::Partner => "partner_create_batch",
                }
            ),
        );
        return Err(refusal(
            op,
            "INVALID_REQUEST",
            400,
            "total_amount and total_num must equal the details' sum and count",
        ));
    }
    // The details become records of their own; the batch keeps only its totals.
    batch
        .as_object_mut()
        .map(|m| m.remove("transfer_detail_list"));
    let batch_id = format!("1310{:026}", e.next());
    batch["batch_id"] = json!(batch_id);
    // The simulator serves the fixture merchant (sim::security::FIXTURE_MCHID).
    let mchid = crate::security::FIXTURE_MCHID;
    match mode {
        Mode::Merchant => batch["mchid"] = json!(mchid),
        Mode::Partner => batch["sp_mchid"] = json!(mchid),
    }
    batch["success_amount"] = json!(sum);
    batch["success_num"] = json!(details.len());
    batch["fail_amount"] = json!(0);
    batch["fail_num"] = json!(0);
    let now = text_of(batch.get("create_time"));
    let appid = match mode {
        Mode::Merchant => call.body.get("appid"),
        Mode::Partner => call
            .body
            .get("sub_appid")
            .or_else(|| call.body.get("sp_appid")),
    }
    .cloned()
    .unwrap_or(Value::Null);
    for d in &details {
        let mut detail = d.clone();
        detail["detail_id"] = json!(format!("1040{:026}", e.next()));
        detail["detail_status"] = json!("SUCCESS");
        detail["out_batch_no"] = batch["out_batch_no"].clone();
        detail["batch_id"] = json!(batch_id);
        detail["appid"] = appid.clone();
        detail["initiate_time"] = json!(now);
        detail["update_time"] = json!(now);
        // The name was sent encrypted to WeChat Pay's key: the simulator cannot give it back
        // encrypted to the merchant's, so its details carry none.
        detail.as_object_mut().map(|m| m.remove("user_name"));
        detail.as_object_mut().map(|m| m.remove("user_id_card"));
        match mode {
            Mode::Merchant => detail["mchid"] = json!(mchid),
            Mode::Partner => detail["sp_mchid"] = json!(mchid),
        }
        e.insert(FAMILY, mode.details(), None, detail);
    }
    Ok(())
}

/// A batch found by its number, with the page of details the query asks for once it is FINISHED.
fn batch_answer(e: &mut Engine<'_>, call: &Call<'_>, id: &str, mode: Mode) -> Outcome {
    let op = super::engine::operation(e.api, &format!("{FAMILY}.{id}"));
    let found = match call.path.get("out_batch_no") {
        Some(no) => e.get(FAMILY, mode.batches(), no).map(|r| r.json.clone()),
        None => {
            let wanted = call.path.get("batch_id").cloned().unwrap_or_default();
            e.records(FAMILY, mode.batches())
                .find(|(_, r)| text_of(r.json.get("batch_id")) == wanted)
                .map(|(_, r)| r.json.clone())
        }
    };
    let Some(batch) = found else {
        return refusal(op, "NOT_FOUND", 404, "no batch has this number");
    };
    let want_details = call.query.get("need_query_detail") == Some(&json!(true))
        && text_of(batch.get("batch_status")) == "FINISHED";
    let filter = text_of(call.query.get("detail_status"));
    let offset = call.number("offset", 0);
    let limit = call.number("limit", 20);
    let page: Vec<Value> = e
        .records(FAMILY, mode.details())
        .map(|(_, r)| &r.json)
        .filter(|d| d["out_batch_no"] == batch["out_batch_no"])
        .filter(|d| filter.is_empty() || filter == "ALL" || text_of(d.get("detail_status")) == filter)
        .skip(offset)
        .take(limit)
        .map(|d| json!({ "detail_id": d["detail_id"], "out_detail_no": d["out_detail_no"], "detail_status": d["detail_status"] }))
        .collect();
    let mut answer = match mode {
        Mode::Merchant => {
            let mut m = Map::new();
            m.insert("transfer_batch".into(), batch);
            Value::Object(m)
        }
        Mode::Partner => batch,
    };
    if want_details {
        answer["transfer_detail_list"] = json!(page);
    }
    Outcome::unchanged(Answer::json(200, &answer))
}
