//! 付款码支付 (`pay_transactions.codepay`), beyond the declared lifecycle (spec/pay/transactions/
//! family.yaml: a payment-code order is created USERPAYING, the user's `enter_password` or
//! `cancel_password` ends it, `reverse` revokes it). Hand-written: the simulated password-free
//! limit, which decides whether the user must enter a password, and that only payment-code orders
//! can be reversed.

use serde_json::Value;

use super::engine::{Engine, text_of};
use super::rules::{Named, Rule};
use super::{Call, Outcome, payments};
use crate::handler::Answer;

/// The simulator's password-free limit, in fen (1,000 yuan): a larger amount stays USERPAYING
/// (answered 202) until the user enters the password or cancels, through the control API. A
/// convention of the simulator only: each WeChat user has a limit of their own.
const PASSWORD_FREE_LIMIT_FEN: i64 = 100_000;

const PAY: &str = "pay_transactions";

/// Only payment-code orders can be reversed.
const MICROPAY: Named = Named::of(PAY, "order", "trade_type", "MICROPAY");

pub(super) const NAMED: &[Named] = &[MICROPAY];

pub(super) const RULES: &[Rule] = &[
    Rule {
        fill: Some(payments::default_currency),
        answer: Some(charge),
        reused: Some("OUT_TRADE_NO_USED"),
        ..Rule::new("pay_transactions.codepay")
    },
    // The user's payment, the same as a prepaid order's: a transaction id, the payer's total.
    Rule {
        fill: Some(payments::paid),
        ..Rule::new("pay_transactions.order.enter_password")
    },
    Rule {
        fill: Some(payment_code_only),
        ..Rule::new("pay_transactions.reverse")
    },
];

/// At or under the password-free limit the user pays at once (the `enter_password` change, made
/// now) and the answer is the paid order; above it the order stays USERPAYING and WeChat Pay
/// answers 202 USERPAYING.
fn charge(e: &mut Engine<'_>, _: &Call<'_>, order: &Value) -> Answer {
    let total = order["amount"]["total"].as_i64().unwrap_or(0);
    if total > PASSWORD_FREE_LIMIT_FEN {
        return Answer::error(202, "USERPAYING", "需要用户输入支付密码", None);
    }
    let key = text_of(order.get("out_trade_no"));
    match e.internal("pay_transactions.order.enter_password", &key) {
        Ok(paid) => Answer::json(200, &paid),
        Err(m) => Answer::error(500, "SYSTEM_ERROR", &m, None),
    }
}

/// `reverse` is for payment-code orders: a prepaid order is closed instead.
fn payment_code_only(e: &mut Engine<'_>, _: &Call<'_>, order: &mut Value) -> Result<(), Outcome> {
    if MICROPAY.is_in(e.api, order) {
        return Ok(());
    }
    Err(Outcome::error(
        400,
        "INVALID_REQUEST",
        "only a payment-code (MICROPAY) order can be reversed; close or refund this order instead",
    ))
}
