//! 分账 (profit sharing), beyond the declared lifecycles (spec/profitsharing/family.yaml): the
//! amounts must add up. A paid order placed with `settle_info.profit_sharing` holds its total; each
//! split takes its receivers' shares from what is left (refused beyond it), a split with
//! `unfreeze_unsplit` or an unfreeze gives the rest back to the merchant (nothing is left after
//! it), and a return takes back at most what the split paid that merchant receiver, less what
//! earlier returns took. WeChat Pay's numbers, the receivers' results and the callbacks (one per
//! merchant receiver) are made here too, and so is the day's bill of the shares paid and the
//! money taken back.

use serde_json::{Value, json};

use super::bills::{self, bill_text, yuan};
use super::engine::{Engine, Record, text_of};
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
/// A return that took nothing back, and one that took the money back.
const FAILED_RETURN: Named = Named::state(FAMILY, "return_order", "FAILED");
const RETURNED: Named = Named::state(FAMILY, "return_order", "SUCCESS");
/// The receiver type callbacks are sent for, and the one the merchant itself has.
const MERCHANT: Named = Named::of(FAMILY, "order", "receivers.type", "MERCHANT_ID");

pub(super) const NAMED: &[Named] = &[
    PENDING,
    PAID_SHARE,
    CLOSED_SHARE,
    FAILED_RETURN,
    RETURNED,
    MERCHANT,
];

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
    Rule {
        whole: Some(|e, call| bills::apply(e, call, bill)),
        ..Rule::new("profitsharing.apply_bill")
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

/// One line of the profit-sharing bill: a share paid, or money taken back.
struct BillLine {
    time: String,
    cells: [String; 11],
    fen: i64,
    returned: bool,
}

/// Whether a record belongs in a bill asked for one sub-merchant (`sub_mchid`), or for all.
fn for_sub_merchant(record: &Record, sub_mchid: &str) -> bool {
    sub_mchid.is_empty() || record.request["sub_mchid"] == sub_mchid
}

/// The day's profit-sharing bill (分账账单): a detail part, one line per share WeChat Pay paid
/// that day (a split's receiver, or an unfreeze's rest to the merchant itself) and per return
/// that succeeded that day, each cell behind a backquote; then a summary part. Shares not paid
/// and returns not made are left out, as the official page says of 未成功的分账单.
///
/// What the official page documents (pay.weixin.qq.com/doc/v3/merchant/4012529628): amounts in
/// yuan, a detail part and a summary part each with one header line, one detail line per split or
/// return, every detail value behind a backquote. The column names and their order, and the
/// summary's columns, are documented nowhere we could find (official pages, the Go and Java SDKs,
/// the transcription): they are assumed here, named after the API's own field names, and the
/// summary is quoted like the trade bill's totals.
fn bill(e: &Engine<'_>, call: &Call<'_>, date: &str) -> String {
    let sub_mchid = call.text("sub_mchid");
    let initiator = e.world.mchid.clone();
    let payer = |r: &Record| match text_of(r.request.get("sub_mchid")) {
        sub if sub.is_empty() => initiator.clone(),
        sub => sub,
    };
    let mut lines = Vec::new();
    for (_, split) in e.records(FAMILY, "order") {
        if !for_sub_merchant(split, &sub_mchid) {
            continue;
        }
        let o = &split.json;
        let kind = if split.request.get("receivers").is_none() {
            "解冻给分账方"
        } else {
            "分账"
        };
        for share in o["receivers"].as_array().into_iter().flatten() {
            let time = text_of(share.get("finish_time"));
            if share["result"] != PAID_SHARE.value || !time.starts_with(date) {
                continue;
            }
            let fen = share["amount"].as_i64().unwrap_or(0);
            lines.push(BillLine {
                cells: [
                    time.clone(),
                    initiator.clone(),
                    payer(split),
                    text_of(share.get("account")),
                    text_of(share.get("type")),
                    text_of(o.get("transaction_id")),
                    text_of(o.get("order_id")),
                    text_of(o.get("out_order_no")),
                    kind.to_string(),
                    yuan(fen),
                    bill_text(&text_of(share.get("description"))),
                ],
                time,
                fen,
                returned: false,
            });
        }
    }
    for (_, back) in e.records(FAMILY, "return_order") {
        let r = &back.json;
        let time = text_of(r.get("finish_time"));
        if !RETURNED.is_in(e.api, r)
            || !time.starts_with(date)
            || !for_sub_merchant(back, &sub_mchid)
        {
            continue;
        }
        let transaction_id = e
            .records(FAMILY, "order")
            .find(|(_, o)| o.json["order_id"] == r["order_id"])
            .map(|(_, o)| text_of(o.json.get("transaction_id")))
            .unwrap_or_default();
        let fen = r["amount"].as_i64().unwrap_or(0);
        lines.push(BillLine {
            cells: [
                time.clone(),
                initiator.clone(),
                payer(back),
                text_of(r.get("return_mchid")),
                MERCHANT.value.to_string(),
                transaction_id,
                text_of(r.get("return_id")),
                text_of(r.get("out_return_no")),
                "回退".to_string(),
                yuan(fen),
                bill_text(&text_of(r.get("description"))),
            ],
            time,
            fen,
            returned: true,
        });
    }
    lines.sort_by(|a, b| (&a.time, &a.cells[6]).cmp(&(&b.time, &b.cells[6])));

    let mut out = String::from(
        "分账时间,分账发起方,分账方,分账接收方,分账接收方类型,微信订单号,微信分账/回退单号,商户分账/回退单号,业务类型,金额（元）,描述\n",
    );
    let (mut shares, mut shared, mut returns, mut returned) = (0, 0, 0, 0);
    for line in &lines {
        if line.returned {
            (returns, returned) = (returns + 1, returned + line.fen);
        } else {
            (shares, shared) = (shares + 1, shared + line.fen);
        }
        let cells: Vec<String> = line.cells.iter().map(|c| format!("`{c}")).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out.push_str("分账笔数,分账金额（元）,回退笔数,回退金额（元）\n");
    out.push_str(&format!(
        "`{shares},`{},`{returns},`{}\n",
        yuan(shared),
        yuan(returned)
    ));
    out
}
