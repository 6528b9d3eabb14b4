//! Legacy transfer batches (spec/transfer_batches/family.yaml), beyond the declared lifecycles:
//! creating a batch assigns the batch and detail numbers and records each detail (WAIT_PAY, the
//! batch being ACCEPTED); the control transitions that move the batch on (`process`, `finish`,
//! `close`) move its details with it and count the batch's totals; the batch queries answer the
//! batch with a page of its details once FINISHED (nested under `transfer_batch` for a merchant,
//! flat for a service provider), as no declaration can say.

use serde_json::{Map, Value, json};

use super::engine::{Engine, refusal, text_of};
use super::rules::{Named, Rule};
use super::{Call, Outcome, now_rfc3339};
use crate::handler::Answer;

const FAMILY: &str = "transfer_batches";

/// The states a batch's details take as the batch moves on (values of the detail state enum).
const WAIT_PAY: Named = Named::state(FAMILY, "detail", "WAIT_PAY");
const PROCESSING: Named = Named::state(FAMILY, "detail", "PROCESSING");
const SUCCESS: Named = Named::state(FAMILY, "detail", "SUCCESS");
const FAIL: Named = Named::state(FAMILY, "detail", "FAIL");
/// The close reason whose details fail for the same reason.
const OVERDUE: Named = Named::of(FAMILY, "detail", "fail_reason", "OVERDUE_CLOSE");

pub(super) const NAMED: &[Named] = &[WAIT_PAY, PROCESSING, SUCCESS, FAIL, OVERDUE];

pub(super) const RULES: &[Rule] = &[
    Rule {
        fill: Some(|e, call, batch| accept(e, call, batch, Mode::Merchant)),
        ..Rule::new("transfer_batches.create_batch")
    },
    Rule {
        fill: Some(|e, call, batch| accept(e, call, batch, Mode::Partner)),
        ..Rule::new("transfer_batches.partner_create_batch")
    },
    Rule {
        fill: Some(|e, _, batch| process(e, batch, Mode::Merchant)),
        ..Rule::new("transfer_batches.batch.process")
    },
    Rule {
        fill: Some(|e, _, batch| process(e, batch, Mode::Partner)),
        ..Rule::new("transfer_batches.partner_batch.process")
    },
    Rule {
        fill: Some(|e, call, batch| finish(e, call, batch, Mode::Merchant)),
        ..Rule::new("transfer_batches.batch.finish")
    },
    Rule {
        fill: Some(|e, call, batch| finish(e, call, batch, Mode::Partner)),
        ..Rule::new("transfer_batches.partner_batch.finish")
    },
    Rule {
        fill: Some(|e, _, batch| close(e, batch, Mode::Merchant)),
        ..Rule::new("transfer_batches.batch.close")
    },
    Rule {
        fill: Some(|e, _, batch| close(e, batch, Mode::Partner)),
        ..Rule::new("transfer_batches.partner_batch.close")
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
/// then numbers the batch and records each detail, waiting to be paid.
fn accept(
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
    count(batch, &[]);
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
        WAIT_PAY.set_in(e.api, &mut detail);
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

/// The batch's totals from its `details` (none yet: all zero): the amount and number paid and
/// failed.
fn count(batch: &mut Value, details: &[Value]) {
    let (mut paid, mut failed) = ((0, 0), (0, 0));
    for d in details {
        let amount = d["transfer_amount"].as_i64().unwrap_or(0);
        match d["detail_status"].as_str() {
            Some(s) if s == SUCCESS.value => paid = (paid.0 + amount, paid.1 + 1),
            Some(s) if s == FAIL.value => failed = (failed.0 + amount, failed.1 + 1),
            _ => {}
        }
    }
    batch["success_amount"] = json!(paid.0);
    batch["success_num"] = json!(paid.1);
    batch["fail_amount"] = json!(failed.0);
    batch["fail_num"] = json!(failed.1);
}

/// The keys of the batch's details, in order.
fn details_of(e: &Engine<'_>, batch: &Value, mode: Mode) -> Vec<String> {
    e.records(FAMILY, mode.details())
        .filter(|(_, r)| r.json["out_batch_no"] == batch["out_batch_no"])
        .map(|(k, _)| k.clone())
        .collect()
}

/// Sets each detail of the batch `change` returns a state for (with its fail reason, if any),
/// then recounts the batch.
fn move_details(
    e: &mut Engine<'_>,
    batch: &mut Value,
    mode: Mode,
    change: impl Fn(&Value) -> Option<(Named, Option<String>)>,
) {
    let now = now_rfc3339();
    let api = e.api;
    let mut all = Vec::new();
    for key in details_of(e, batch, mode) {
        let Some(record) = e.get_mut(FAMILY, mode.details(), &key) else {
            continue;
        };
        if let Some((state, reason)) = change(&record.json) {
            state.set_in(api, &mut record.json);
            if let Some(reason) = reason {
                record.json["fail_reason"] = json!(reason);
            }
            record.json["update_time"] = json!(now);
        }
        all.push(record.json.clone());
    }
    count(batch, &all);
}

/// WeChat Pay starts paying: every detail waiting is being paid.
fn process(e: &mut Engine<'_>, batch: &mut Value, mode: Mode) -> Result<(), Outcome> {
    let api = e.api;
    move_details(e, batch, mode, |d| {
        WAIT_PAY.is_in(api, d).then_some((PROCESSING, None))
    });
    Ok(())
}

/// Every detail being paid ends: FAIL with its reason where the body's `fail` names it
/// (`[{"out_detail_no", "fail_reason"}]`), SUCCESS otherwise. A `fail` naming no detail of the
/// batch, or a reason that is not a DetailFailReason, is refused before anything changes.
fn finish(
    e: &mut Engine<'_>,
    call: &Call<'_>,
    batch: &mut Value,
    mode: Mode,
) -> Result<(), Outcome> {
    let failing = match &call.body["fail"] {
        Value::Null => Vec::new(),
        Value::Array(items) => items.clone(),
        _ => {
            return Err(Outcome::error(
                400,
                "PARAM_ERROR",
                "`fail` must be an array of {out_detail_no, fail_reason}",
            ));
        }
    };
    let keys = details_of(e, batch, mode);
    let mut reasons = Vec::new();
    for item in &failing {
        let no = text_of(item.get("out_detail_no"));
        let Some(key) = keys.iter().find(|k| {
            e.get(FAMILY, mode.details(), k)
                .is_some_and(|r| text_of(r.json.get("out_detail_no")) == no)
        }) else {
            return Err(Outcome::error(
                404,
                "NOT_FOUND",
                &format!("the batch has no detail `{no}` (`fail[].out_detail_no`)"),
            ));
        };
        let reason = text_of(item.get("fail_reason"));
        // The reason must be one of the detail's: checked on the detail as it would be.
        let mut failed = e
            .get(FAMILY, mode.details(), key)
            .map(|r| r.json.clone())
            .unwrap_or_default();
        failed["fail_reason"] = json!(reason);
        e.valid(FAMILY, mode.details(), failed)
            .map_err(|problems| {
                Outcome::error(
                    400,
                    "PARAM_ERROR",
                    &format!("`fail[].fail_reason`: {problems}"),
                )
            })?;
        reasons.push((no, reason));
    }
    let api = e.api;
    move_details(e, batch, mode, |d| {
        if !PROCESSING.is_in(api, d) {
            return None;
        }
        let no = text_of(d.get("out_detail_no"));
        Some(match reasons.iter().find(|(n, _)| *n == no) {
            Some((_, reason)) => (FAIL, Some(reason.clone())),
            None => (SUCCESS, None),
        })
    });
    Ok(())
}

/// The batch closes unpaid: its `close_reason` (recorded from the body) must be a
/// BatchCloseReason; every detail not ended fails (for OVERDUE_CLOSE, with that reason).
fn close(e: &mut Engine<'_>, batch: &mut Value, mode: Mode) -> Result<(), Outcome> {
    e.valid(FAMILY, mode.batches(), batch.clone())
        .map_err(|problems| Outcome::error(400, "PARAM_ERROR", &problems))?;
    let overdue = text_of(batch.get("close_reason")) == OVERDUE.value;
    let api = e.api;
    move_details(e, batch, mode, |d| {
        let ended = SUCCESS.is_in(api, d) || FAIL.is_in(api, d);
        (!ended).then(|| (FAIL, overdue.then(|| OVERDUE.value.to_string())))
    });
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
