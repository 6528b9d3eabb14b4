//! Payments and refunds, beyond the declared lifecycles (spec/pay/transactions/family.yaml,
//! spec/refund/domestic/family.yaml): the prepay answers, the ids and amounts of the user's
//! payment (the control transition `pay_transactions.order.pay`), refunds in parts up to the
//! order's total, the refund callbacks' resource, and the day's bills made from the orders.

use serde_json::{Value, json};

use super::engine::{Engine, Record, text_of};
use super::rules::{Named, Rule};
use super::{Call, Outcome, now_rfc3339};
use crate::handler::Answer;

const PAY: &str = "pay_transactions";
const REFUND: &str = "refund_domestic";

/// A number used again with other parameters is refused as the prepay tables document.
const fn prepay(operation: &'static str, answer: super::rules::Shape) -> Rule {
    Rule {
        fill: Some(default_currency),
        answer: Some(answer),
        reused: Some("OUT_TRADE_NO_USED"),
        ..Rule::new(operation)
    }
}

/// Orders of the declared service-provider and combined lifecycles: only the documented code for
/// a reused number (their answers are declared in spec/).
const fn reused_number(operation: &'static str) -> Rule {
    Rule {
        reused: Some("OUT_TRADE_NO_USED"),
        ..Rule::new(operation)
    }
}

/// A paid order (the state of a bill's payment lines).
pub(super) const PAID: Named = Named::state(PAY, "order", "SUCCESS");
/// A paid order with refunds.
pub(super) const REFUNDED: Named = Named::state(PAY, "order", "REFUND");

pub(super) const NAMED: &[Named] = &[PAID, REFUNDED];

pub(super) const RULES: &[Rule] = &[
    reused_number("pay_partner_transactions.prepay_jsapi"),
    reused_number("pay_partner_transactions.prepay_app"),
    reused_number("pay_partner_transactions.prepay_h5"),
    reused_number("pay_partner_transactions.prepay_native"),
    reused_number("pay_partner_transactions.codepay"),
    reused_number("combine_transactions.prepay_jsapi"),
    reused_number("combine_transactions.prepay_app"),
    reused_number("combine_transactions.prepay_h5"),
    reused_number("combine_transactions.prepay_native"),
    prepay("pay_transactions.prepay_jsapi", prepay_id),
    prepay("pay_transactions.prepay_app", prepay_id),
    prepay("pay_transactions.prepay_h5", h5_url),
    prepay("pay_transactions.prepay_native", code_url),
    Rule {
        fill: Some(refund),
        ..Rule::new("refund_domestic.create_refund")
    },
    Rule {
        fill: Some(paid),
        ..Rule::new("pay_transactions.order.pay")
    },
    Rule {
        notice: Some(refund_notice),
        ..Rule::new("refund_domestic.refund.arrive")
    },
    Rule {
        notice: Some(refund_notice),
        ..Rule::new("refund_domestic.refund.abnormal")
    },
    Rule {
        notice: Some(refund_notice),
        ..Rule::new("refund_domestic.refund.close")
    },
];

/// What a test gets back when it pays an order.
#[derive(Clone, Debug)]
pub struct PaidOrder {
    /// The WeChat Pay transaction id the simulator assigned.
    pub transaction_id: String,
    /// The order as TRANSACTION.SUCCESS carries it: send it with
    /// [`crate::Simulator::send_notification`].
    pub transaction: Value,
}

/// `2026-11-23T15:20:04+08:00` as `20261123152004`, for ids that look like WeChat Pay's.
pub(super) fn compact(rfc3339: &str) -> String {
    rfc3339
        .chars()
        .take(19)
        .filter(char::is_ascii_digit)
        .collect()
}

fn default_currency(_: &mut Engine<'_>, _: &Call<'_>, order: &mut Value) -> Result<(), Outcome> {
    if order["amount"].get("currency").is_none() {
        order["amount"]["currency"] = json!("CNY");
    }
    Ok(())
}

fn prepay_id(e: &mut Engine<'_>, _: &Call<'_>, _: &Value) -> Answer {
    let n = e.next();
    Answer::json(
        200,
        &json!({ "prepay_id": format!("wx{}{n:012}", compact(&now_rfc3339())) }),
    )
}

fn h5_url(e: &mut Engine<'_>, _: &Call<'_>, _: &Value) -> Answer {
    let n = e.next();
    let prepay_id = format!("wx{}{n:012}", compact(&now_rfc3339()));
    Answer::json(
        200,
        &json!({ "h5_url": format!("https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={prepay_id}&package={n}") }),
    )
}

fn code_url(e: &mut Engine<'_>, _: &Call<'_>, _: &Value) -> Answer {
    let n = e.next();
    Answer::json(
        200,
        &json!({ "code_url": format!("weixin://wxpay/bizpayurl?pr=sim{n:08}") }),
    )
}

fn total(order: &Value) -> i64 {
    order["amount"]["total"].as_i64().unwrap_or(0)
}

/// The user pays (the spec records the state, the time and the payer): a transaction id, and the
/// user paid the total in the order's currency.
fn paid(e: &mut Engine<'_>, _: &Call<'_>, order: &mut Value) -> Result<(), Outcome> {
    let n = e.next();
    order["transaction_id"] = json!(format!("42000{}{n:09}", compact(&now_rfc3339())));
    order["amount"]["payer_total"] = json!(total(order));
    order["amount"]["payer_currency"] = order["amount"]["currency"].clone();
    Ok(())
}

/// A refund of a paid order, up to what is left of its total; the order shows REFUND.
fn refund(e: &mut Engine<'_>, call: &Call<'_>, r: &mut Value) -> Result<(), Outcome> {
    let b = call.body;
    let out_trade_no = match b.get("transaction_id").and_then(Value::as_str) {
        Some(id) => e
            .records(PAY, "order")
            .find(|(_, o)| o.json["transaction_id"] == id)
            .map(|(k, _)| k.clone())
            .unwrap_or_default(),
        None => call.text("out_trade_no"),
    };
    let order = e
        .get(PAY, "order", &out_trade_no)
        .map(|o| o.json.clone())
        .filter(|o| PAID.is_in(e.api, o) || REFUNDED.is_in(e.api, o))
        .ok_or_else(|| {
            Outcome::error(
                404,
                "RESOURCE_NOT_EXISTS",
                "the order does not exist or is not paid",
            )
        })?;
    let (order_total, amount) = (total(&order), b["amount"]["refund"].as_i64().unwrap_or(0));
    if b["amount"]["total"].as_i64() != Some(order_total) {
        return Err(Outcome::error(
            400,
            "INVALID_REQUEST",
            "amount.total is not the order's total",
        ));
    }
    let refunded: i64 = e
        .records(REFUND, "refund")
        .filter(|(_, r)| r.json["out_trade_no"] == out_trade_no.as_str())
        .map(|(_, r)| r.json["amount"]["refund"].as_i64().unwrap_or(0))
        .sum();
    if refunded + amount > order_total {
        return Err(Outcome::error(
            400,
            "INVALID_REQUEST",
            "the refunds would exceed the order's total",
        ));
    }
    e.internal("pay_transactions.order.refund", &out_trade_no)
        .map_err(|m| Outcome::error(500, "SYSTEM_ERROR", &m))?;
    let n = e.next();
    let currency = order["amount"]["currency"].clone();
    r["refund_id"] = json!(format!("50300{}{n:09}", compact(&now_rfc3339())));
    r["transaction_id"] = order["transaction_id"].clone();
    r["out_trade_no"] = json!(out_trade_no);
    r["amount"] = json!({
        "total": order_total, "refund": amount,
        "payer_total": order_total, "payer_refund": amount,
        "settlement_total": order_total, "settlement_refund": amount,
        "discount_refund": 0, "currency": currency,
    });
    Ok(())
}

/// The resource of the refund callbacks (REFUND.SUCCESS, .ABNORMAL, .CLOSED): the refund, with
/// its order's merchant and its status under the notification's name.
fn refund_notice(e: &Engine<'_>, r: &Value) -> Vec<Value> {
    let mchid = e
        .get(PAY, "order", &text_of(r.get("out_trade_no")))
        .map(|o| o.json["mchid"].clone())
        .unwrap_or_default();
    let a = &r["amount"];
    vec![json!({
        "mchid": mchid,
        "out_trade_no": r["out_trade_no"],
        "transaction_id": r["transaction_id"],
        "out_refund_no": r["out_refund_no"],
        "refund_id": r["refund_id"],
        "refund_status": r["status"],
        "success_time": r["success_time"],
        "user_received_account": r["user_received_account"],
        "amount": {
            "total": a["total"], "refund": a["refund"],
            "payer_total": a["payer_total"], "payer_refund": a["payer_refund"],
            "currency": a["currency"], "payer_currency": a["currency"],
        },
    })]
}

/// Orders paid on `date` (YYYY-MM-DD), in order-number order, each with the request that placed it.
pub(super) fn paid_on<'a>(e: &'a Engine<'_>, date: &'a str) -> impl Iterator<Item = &'a Record> {
    e.records(PAY, "order").map(|(_, o)| o).filter(move |o| {
        o.json["success_time"]
            .as_str()
            .is_some_and(|t| t.starts_with(date))
    })
}
