//! E-commerce refunds (spec/ecommerce/refunds/family.yaml), beyond the declared lifecycles: a
//! refund of a sub-merchant's paid order (pay_partner_transactions) under the merchant refunds'
//! rule ([`payments::refund_order`]: the order exists, is the sub-merchant's and is paid, the
//! refund fits in what is left, the refund id), its amounts as the platform's answer shows them,
//! the REFUND.* callbacks with the platform's and the sub-merchant's numbers, and the return of an
//! advance the platform paid.

use serde_json::{Value, json};

use super::engine::{Engine, text_of};
use super::payments::{self, RefundLine};
use super::rules::{Named, Rule};
use super::{Call, Outcome, now_rfc3339};

const FAMILY: &str = "ecommerce_refunds";
const ORDERS: &str = "pay_partner_transactions";

/// A refund the platform advanced, the only kind whose advance can be returned.
const ADVANCED: Named = Named::of(
    FAMILY,
    "refund",
    "refund_account",
    "REFUND_SOURCE_PARTNER_ADVANCE",
);
/// Who funds a refund that does not say.
const BY_SUB_MERCHANT: Named = Named::of(
    FAMILY,
    "refund",
    "refund_account",
    "REFUND_SOURCE_SUB_MERCHANT",
);
/// A refund that reached the user: only then was an advance paid out.
const REFUNDED: Named = Named::state(FAMILY, "refund", "SUCCESS");

const LINE: RefundLine = RefundLine {
    orders: ORDERS,
    refunds: FAMILY,
    agree: &["sub_mchid"],
    paid: [
        Named::state(ORDERS, "order", "SUCCESS"),
        Named::state(ORDERS, "order", "REFUND"),
    ],
    closed: Named::state(FAMILY, "refund", "CLOSED"),
};

pub(super) const NAMED: &[Named] = &[
    ADVANCED,
    BY_SUB_MERCHANT,
    REFUNDED,
    LINE.paid[0],
    LINE.paid[1],
];

pub(super) const RULES: &[Rule] = &[
    Rule {
        fill: Some(refund),
        ..Rule::new("ecommerce_refunds.apply_refund")
    },
    Rule {
        fill: Some(own_refund),
        ..Rule::new("ecommerce_refunds.apply_abnormal_refund")
    },
    Rule {
        fill: Some(return_advance),
        ..Rule::new("ecommerce_refunds.return_advance")
    },
    Rule {
        notice: Some(notice),
        ..Rule::new("ecommerce_refunds.refund.arrive")
    },
    Rule {
        notice: Some(notice),
        ..Rule::new("ecommerce_refunds.refund.abnormal")
    },
    Rule {
        notice: Some(notice),
        ..Rule::new("ecommerce_refunds.refund.close")
    },
];

/// A refund of a sub-merchant's paid order; the platform's advance, when it funds it, is the
/// whole refund.
fn refund(e: &mut Engine<'_>, call: &Call<'_>, r: &mut Value) -> Result<(), Outcome> {
    let (out_trade_no, order, refund_id) = payments::refund_order(e, call, &LINE)?;
    let amount = call.body["amount"]["refund"].as_i64().unwrap_or(0);
    if r.get("refund_account").is_none() {
        BY_SUB_MERCHANT.set_in(e.api, r);
    }
    r["refund_id"] = json!(refund_id);
    r["transaction_id"] = order["transaction_id"].clone();
    r["out_trade_no"] = json!(out_trade_no);
    r["amount"]["payer_refund"] = json!(amount);
    r["amount"]["discount_refund"] = json!(0);
    if ADVANCED.is_in(e.api, r) {
        r["amount"]["advance"] = json!(amount);
    }
    Ok(())
}

/// A body's `sub_mchid` must be the refund's owner too (the engine matches an owner named in the
/// path or the query).
fn own_refund(e: &mut Engine<'_>, call: &Call<'_>, r: &mut Value) -> Result<(), Outcome> {
    let owner = e
        .get(FAMILY, "refund", &text_of(r.get("out_refund_no")))
        .and_then(|x| x.owner.clone());
    match call.field("sub_mchid") {
        Some(v) if owner.as_deref() != Some(text_of(Some(&v)).as_str()) => Err(not_theirs()),
        _ => Ok(()),
    }
}

fn not_theirs() -> Outcome {
    Outcome::error(
        404,
        "RESOURCE_NOT_EXISTS",
        "no refund of this sub_mchid has this refund_id",
    )
}

fn notice(e: &Engine<'_>, r: &Value) -> Vec<Value> {
    payments::refund_notice_of(e, ORDERS, r)
}

/// The return of a refund's advance: the refund must be the sub-merchant's, advanced by the
/// platform and refunded; the whole advance goes back to the platform (the order's sp_mchid).
fn return_advance(e: &mut Engine<'_>, call: &Call<'_>, r: &mut Value) -> Result<(), Outcome> {
    let (refund_id, sub_mchid) = (call.text("refund_id"), call.text("sub_mchid"));
    let refund = e
        .records(FAMILY, "refund")
        .map(|(_, r)| r)
        .find(|x| x.json["refund_id"] == refund_id.as_str())
        .filter(|x| x.owner.as_deref() == Some(sub_mchid.as_str()))
        .map(|x| x.json.clone())
        .ok_or_else(not_theirs)?;
    if !ADVANCED.is_in(e.api, &refund) {
        return Err(Outcome::error(
            400,
            "INVALID_REQUEST",
            "the refund was not advanced by the platform (refund_account is not REFUND_SOURCE_PARTNER_ADVANCE): there is nothing to return",
        ));
    }
    if !REFUNDED.is_in(e.api, &refund) {
        return Err(Outcome::error(
            400,
            "INVALID_REQUEST",
            &format!(
                "the refund is {}; an advance can be returned once the refund is SUCCESS",
                text_of(refund.get("status"))
            ),
        ));
    }
    let payee = e
        .get(ORDERS, "order", &text_of(refund.get("out_trade_no")))
        .map(|o| o.json["sp_mchid"].clone())
        .unwrap_or_default();
    let n = e.next();
    r["advance_return_id"] = json!(format!(
        "12155625{}{n:06}",
        payments::compact(&now_rfc3339())
    ));
    r["return_amount"] = refund["amount"]["advance"].clone();
    r["payee_mchid"] = payee;
    Ok(())
}
