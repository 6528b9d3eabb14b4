//! 分账 (profit sharing), beyond the declared lifecycles (spec/profitsharing/family.yaml): the
//! amounts must add up. A paid order placed with `settle_info.profit_sharing` holds its total; each
//! split takes its receivers' shares from what is left (refused beyond it), a split with
//! `unfreeze_unsplit` or an unfreeze gives the rest back to the merchant (nothing is left after
//! it), and a return takes back at most what the split paid that merchant receiver, less what
//! earlier returns took. WeChat Pay's numbers, the receivers' results and the callbacks (one per
//! merchant receiver) are made here too.

use serde_json::{Value, json};

use super::engine::{Engine, Record};
use super::payments::{PAID, REFUNDED, compact};
use super::rules::{Named, Rule};
use super::{Call, Outcome, now_rfc3339};
use crate::handler::Answer;

const FAMILY: &str = "profitsharing";
const PAY: &str = "pay_transactions";

/// A share waiting to be paid, and paid.
const PENDING: Named = Named::of(FAMILY, "order", "receivers.result", "PENDING");
const PAID_SHARE: Named = Named::of(FAMILY, "order", "receivers.result", "SUCCESS");
/// A share that was not paid (it holds no money of the order).
const CLOSED_SHARE: Named = Named::of(FAMILY, "order", "receivers.result", "CLOSED");
/// A return that took nothing back.
const FAILED_RETURN: Named = Named::state(FAMILY, "return_order", "FAILED");
/// The receiver type callbacks are sent for, and the one the merchant itself has.
const MERCHANT: Named = Named::of(FAMILY, "order", "receivers.type", "MERCHANT_ID");

pub(super) const NAMED: &[Named] = &[PENDING, PAID_SHARE, CLOSED_SHARE, FAILED_RETURN, MERCHANT];

pub(super) const RULES: &[Rule] = &[
    Rule {
        fill: Some(split),
        ..Rule::new("profitsharing.create_order")
    },
    Rule {
        fill: Some(unfreeze),
        ..Rule::new("profitsharing.unfreeze_order")
    },
    Rule {
        fill: Some(take_back),
        ..Rule::new("profitsharing.create_return_order")
    },
    Rule {
        whole: Some(remaining),
        ..Rule::new("profitsharing.query_order_amount")
    },
    Rule {
        fill: Some(paid_out),
        notice: Some(shares_paid),
        ..Rule::new("profitsharing.order.finish")
    },
    Rule {
        notice: Some(returned),
        ..Rule::new("profitsharing.return_order.returned")
    },
];

fn refused(message: &str) -> Outcome {
    Outcome::error(400, "INVALID_REQUEST", message)
}

/// The paid order `transaction_id` names, if it was placed for profit sharing.
fn held_order<'e>(e: &'e Engine<'_>, transaction_id: &str) -> Result<&'e Record, Outcome> {
    let order = e
        .records(PAY, "order")
        .map(|(_, o)| o)
        .find(|o| o.json["transaction_id"] == transaction_id)
        .filter(|o| PAID.is_in(e.api, &o.json) || REFUNDED.is_in(e.api, &o.json))
        .ok_or_else(|| refused("no paid order has this transaction_id"))?;
    if order.request["settle_info"]["profit_sharing"] != true {
        return Err(refused(
            "the order was not placed with settle_info.profit_sharing, so it holds nothing to split",
        ));
    }
    Ok(order)
}

/// What the order `transaction_id` still holds, in fen: its total less every share of its splits
/// and unfreezes (a closed share took nothing), or nothing once the rest was given back.
fn unsplit(e: &Engine<'_>, order: &Record) -> i64 {
    let transaction_id = &order.json["transaction_id"];
    let total = order.json["amount"]["total"].as_i64().unwrap_or(0);
    let mut taken = 0;
    for (_, split) in e.records(FAMILY, "order") {
        if &split.json["transaction_id"] != transaction_id {
            continue;
        }
        // An unfreeze (no receivers asked for) or a split that gave the rest back ends it.
        if split.request.get("receivers").is_none() || split.request["unfreeze_unsplit"] == true {
            return 0;
        }
        for share in split.json["receivers"].as_array().into_iter().flatten() {
            if share["result"] != CLOSED_SHARE.value {
                taken += share["amount"].as_i64().unwrap_or(0);
            }
        }
    }
    (total - taken).max(0)
}

/// A share as the order shows it, waiting to be paid.
fn share(kind: &Value, account: &Value, amount: i64, description: &Value, now: &str) -> Value {
    json!({
        "type": kind, "account": account, "amount": amount, "description": description,
        "result": PENDING.value, "create_time": now, "finish_time": now,
    })
}

fn order_id(e: &mut Engine<'_>, now: &str) -> String {
    let n = e.next();
    format!("3008{}{n:011}", compact(now))
}

fn split(e: &mut Engine<'_>, call: &Call<'_>, order: &mut Value) -> Result<(), Outcome> {
    let held = unsplit(e, held_order(e, &call.text("transaction_id"))?);
    let asked = call.body["receivers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let wanted: i64 = asked
        .iter()
        .map(|r| r["amount"].as_i64().unwrap_or(0))
        .sum();
    if wanted > held {
        return Err(refused(&format!(
            "the shares ({wanted} fen) exceed what the order still holds ({held} fen)"
        )));
    }
    let now = now_rfc3339();
    order["order_id"] = json!(order_id(e, &now));
    order["receivers"] = asked
        .iter()
        .map(|r| {
            let amount = r["amount"].as_i64().unwrap_or(0);
            share(&r["type"], &r["account"], amount, &r["description"], &now)
        })
        .collect();
    Ok(())
}

/// The rest of the order goes back to the merchant: one share, to the merchant itself.
fn unfreeze(e: &mut Engine<'_>, call: &Call<'_>, order: &mut Value) -> Result<(), Outcome> {
    let held = unsplit(e, held_order(e, &call.text("transaction_id"))?);
    if held == 0 {
        return Err(refused("the order holds nothing more to unfreeze"));
    }
    let now = now_rfc3339();
    let merchant = json!(e.world.mchid);
    order["order_id"] = json!(order_id(e, &now));
    order["receivers"] = json!([share(
        &json!(MERCHANT.value),
        &merchant,
        held,
        &call.body["description"],
        &now
    )]);
    Ok(())
}

/// WeChat Pay pays every waiting share.
fn paid_out(_: &mut Engine<'_>, _: &Call<'_>, order: &mut Value) -> Result<(), Outcome> {
    let now = now_rfc3339();
    for share in order["receivers"].as_array_mut().into_iter().flatten() {
        if share["result"] == PENDING.value {
            share["result"] = json!(PAID_SHARE.value);
            share["finish_time"] = json!(now);
        }
    }
    Ok(())
}

/// PROFITSHARING.SUCCESS for each merchant receiver paid (not the merchant's own unfrozen rest).
fn shares_paid(e: &Engine<'_>, order: &Value) -> Vec<Value> {
    let own = &e.world.mchid;
    order["receivers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["type"] == MERCHANT.value && s["result"] == PAID_SHARE.value)
        .filter(|s| s["account"] != own.as_str())
        .map(|s| {
            json!({
                "mchid": own,
                "transaction_id": order["transaction_id"],
                "order_id": order["order_id"],
                "out_order_no": order["out_order_no"],
                "receiver": {
                    "type": s["type"], "account": s["account"],
                    "amount": s["amount"], "description": s["description"],
                },
                "success_time": s["finish_time"],
            })
        })
        .collect()
}

fn take_back(e: &mut Engine<'_>, call: &Call<'_>, back: &mut Value) -> Result<(), Outcome> {
    let split = e
        .records(FAMILY, "order")
        .map(|(_, o)| &o.json)
        .find(|o| match call.body.get("out_order_no") {
            Some(no) => &o["out_order_no"] == no,
            None => call.body.get("order_id") == Some(&o["order_id"]),
        })
        .cloned()
        .ok_or_else(|| refused("no profit-sharing order has this out_order_no or order_id"))?;
    let mchid = call.text("return_mchid");
    let paid: i64 = split["receivers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["type"] == MERCHANT.value && s["account"] == mchid.as_str())
        .filter(|s| s["result"] == PAID_SHARE.value)
        .map(|s| s["amount"].as_i64().unwrap_or(0))
        .sum();
    let returned: i64 = e
        .records(FAMILY, "return_order")
        .map(|(_, r)| &r.json)
        .filter(|r| r["order_id"] == split["order_id"] && r["return_mchid"] == mchid.as_str())
        .filter(|r| !FAILED_RETURN.is_in(e.api, r))
        .map(|r| r["amount"].as_i64().unwrap_or(0))
        .sum();
    let amount = call.body["amount"].as_i64().unwrap_or(0);
    if amount > paid - returned {
        return Err(refused(&format!(
            "{mchid} was paid {paid} fen by this split and {returned} fen of it was taken back; {amount} fen is more than is left"
        )));
    }
    let now = now_rfc3339();
    let n = e.next();
    back["order_id"] = split["order_id"].clone();
    back["out_order_no"] = split["out_order_no"].clone();
    back["return_id"] = json!(format!("3009{}{n:011}", compact(&now)));
    back["create_time"] = json!(now);
    back["finish_time"] = json!(now);
    Ok(())
}

/// PROFITSHARING.RETURN: the return, named by its own numbers, with the receiver it took from.
fn returned(e: &Engine<'_>, back: &Value) -> Vec<Value> {
    let transaction_id = e
        .records(FAMILY, "order")
        .find(|(_, o)| o.json["order_id"] == back["order_id"])
        .map(|(_, o)| o.json["transaction_id"].clone())
        .unwrap_or_default();
    vec![json!({
        "mchid": e.world.mchid,
        "transaction_id": transaction_id,
        "order_id": back["return_id"],
        "out_order_no": back["out_return_no"],
        "receiver": {
            "type": MERCHANT.value, "account": back["return_mchid"],
            "amount": back["amount"], "description": back["description"],
        },
        "success_time": back["finish_time"],
    })]
}

/// What the order still holds.
fn remaining(e: &mut Engine<'_>, call: &Call<'_>) -> Outcome {
    let transaction_id = call.text("transaction_id");
    match held_order(e, &transaction_id) {
        Ok(order) => Outcome::unchanged(Answer::json(
            200,
            &json!({ "transaction_id": transaction_id, "unsplit_amount": unsplit(e, order) }),
        )),
        Err(refusal) => refusal,
    }
}
