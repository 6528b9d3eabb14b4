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

pub(super) const NAMED: &[Named] = &[PAID, REFUNDED, DOMESTIC.closed];

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

pub(super) fn default_currency(
    _: &mut Engine<'_>,
    _: &Call<'_>,
    order: &mut Value,
) -> Result<(), Outcome> {
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
pub(super) fn paid(e: &mut Engine<'_>, _: &Call<'_>, order: &mut Value) -> Result<(), Outcome> {
    let n = e.next();
    order["transaction_id"] = json!(format!("42000{}{n:09}", compact(&now_rfc3339())));
    order["amount"]["payer_total"] = json!(total(order));
    order["amount"]["payer_currency"] = order["amount"]["currency"].clone();
    Ok(())
}

/// A product line's refunds: the orders they refund, the refund lifecycle's family, and the request
/// fields that must agree with the order (a sub-merchant refunds only its own orders).
pub(super) struct RefundLine {
    pub orders: &'static str,
    pub refunds: &'static str,
    pub agree: &'static [&'static str],
    /// The order's states that can be refunded: paid, and paid with refunds.
    pub paid: [Named; 2],
    /// A refund that refunded nothing, so it leaves its amount to later refunds.
    pub closed: Named,
}

/// Merchant refunds of merchant orders.
const DOMESTIC: RefundLine = RefundLine {
    orders: PAY,
    refunds: REFUND,
    agree: &[],
    paid: [PAID, REFUNDED],
    closed: Named::state(REFUND, "refund", "CLOSED"),
};

/// The paid order a refund request names (`transaction_id`, else `out_trade_no`), checked: it
/// exists, agrees with the request's `line.agree` fields and is paid; the request's
/// `amount.total` is its total; the refund fits in what the line's earlier refunds of it (but
/// closed ones) left.
/// Turns the order REFUND and gives its `out_trade_no`, the order, and WeChat Pay's refund id.
pub(super) fn refund_order(
    e: &mut Engine<'_>,
    call: &Call<'_>,
    line: &RefundLine,
) -> Result<(String, Value, String), Outcome> {
    let b = call.body;
    let out_trade_no = match b.get("transaction_id").and_then(Value::as_str) {
        Some(id) => e
            .records(line.orders, "order")
            .find(|(_, o)| o.json["transaction_id"] == id)
            .map(|(k, _)| k.clone())
            .unwrap_or_default(),
        None => call.text("out_trade_no"),
    };
    let order = e
        .get(line.orders, "order", &out_trade_no)
        .map(|o| o.json.clone())
        .filter(|o| {
            line.agree
                .iter()
                .all(|f| call.field(f).is_none_or(|v| o[*f] == v))
        })
        .ok_or_else(|| Outcome::error(404, "RESOURCE_NOT_EXISTS", "the order does not exist"))?;
    if !line.paid.iter().any(|p| p.is_in(e.api, &order)) {
        return Err(Outcome::error(
            404,
            "RESOURCE_NOT_EXISTS",
            &format!(
                "the order is {}: only a paid order can be refunded",
                text_of(line.paid[0].field_in(e.api).and_then(|f| order.get(f)))
            ),
        ));
    }
    let (order_total, amount) = (total(&order), b["amount"]["refund"].as_i64().unwrap_or(0));
    if b["amount"]["total"].as_i64() != Some(order_total) {
        return Err(Outcome::error(
            400,
            "INVALID_REQUEST",
            &format!("amount.total is not the order's total ({order_total} fen)"),
        ));
    }
    let earlier: i64 = e
        .records(line.refunds, "refund")
        .filter(|(_, r)| r.json["out_trade_no"] == out_trade_no.as_str())
        .filter(|(_, r)| !line.closed.is_in(e.api, &r.json))
        .map(|(_, r)| r.json["amount"]["refund"].as_i64().unwrap_or(0))
        .sum();
    if earlier + amount > order_total {
        return Err(Outcome::error(
            400,
            "INVALID_REQUEST",
            &format!(
                "amount.refund: the refunds would exceed the order's total ({} fen left of {order_total})",
                order_total - earlier
            ),
        ));
    }
    e.internal(&format!("{}.order.refund", line.orders), &out_trade_no)
        .map_err(|m| Outcome::error(500, "SYSTEM_ERROR", &m))?;
    let n = e.next();
    let refund_id = format!("50300{}{n:09}", compact(&now_rfc3339()));
    Ok((out_trade_no, order, refund_id))
}

/// A merchant refund of a paid order, up to what is left of its total; the order shows REFUND.
fn refund(e: &mut Engine<'_>, call: &Call<'_>, r: &mut Value) -> Result<(), Outcome> {
    let (out_trade_no, order, refund_id) = refund_order(e, call, &DOMESTIC)?;
    let (order_total, amount) = (total(&order), r["amount"]["refund"].as_i64().unwrap_or(0));
    r["refund_id"] = json!(refund_id);
    r["transaction_id"] = order["transaction_id"].clone();
    r["out_trade_no"] = json!(out_trade_no);
    r["amount"] = json!({
        "total": order_total, "refund": amount,
        "payer_total": order_total, "payer_refund": amount,
        "settlement_total": order_total, "settlement_refund": amount,
        "discount_refund": 0, "currency": order["amount"]["currency"],
    });
    Ok(())
}

/// The resource of the refund callbacks (REFUND.SUCCESS, .ABNORMAL, .CLOSED) of a refund of
/// `orders`' order: the refund, with its order's merchant numbers and totals and its status under
/// the notification's name. A partner order's `mchid` is its service provider's.
pub(super) fn refund_notice_of(e: &Engine<'_>, orders: &str, r: &Value) -> Vec<Value> {
    let order = e
        .get(orders, "order", &text_of(r.get("out_trade_no")))
        .map(|o| o.json.clone())
        .unwrap_or_default();
    let (a, paid) = (&r["amount"], &order["amount"]);
    let mchid = order.get("mchid").unwrap_or(&order["sp_mchid"]);
    let currency = a.get("currency").unwrap_or(&paid["currency"]);
    vec![json!({
        "mchid": mchid,
        "sp_mchid": order["sp_mchid"],
        "sub_mchid": order["sub_mchid"],
        "out_trade_no": r["out_trade_no"],
        "transaction_id": r["transaction_id"],
        "out_refund_no": r["out_refund_no"],
        "refund_id": r["refund_id"],
        "refund_status": r["status"],
        "success_time": r["success_time"],
        "user_received_account": r["user_received_account"],
        "refund_account": r["refund_account"],
        "amount": {
            "total": paid["total"], "refund": a["refund"],
            "payer_total": paid.get("payer_total").unwrap_or(&paid["total"]),
            "payer_refund": a["payer_refund"],
            "currency": currency, "payer_currency": currency,
        },
    })]
}

fn refund_notice(e: &Engine<'_>, r: &Value) -> Vec<Value> {
    refund_notice_of(e, PAY, r)
}

/// Orders paid on `date` (YYYY-MM-DD), in order-number order, each with the request that placed it.
pub(super) fn paid_on<'a>(e: &'a Engine<'_>, date: &'a str) -> impl Iterator<Item = &'a Record> {
    e.records(PAY, "order").map(|(_, o)| o).filter(move |o| {
        o.json["success_time"]
            .as_str()
            .is_some_and(|t| t.starts_with(date))
    })
}
