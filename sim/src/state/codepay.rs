//! 付款码支付 (`pay_transactions.codepay`): a scanned code is charged at once, except above the
//! simulated password-free limit, where WeChat Pay answers 202 USERPAYING (the user must enter a
//! password) and the merchant polls the order or reverses it.

use serde_json::{Value, json};

use super::engine::{Engine, operation};
use super::rules::Rule;
use super::{Call, Outcome, now_rfc3339};
use crate::handler::Answer;

/// The simulator's password-free limit, in fen (1,000 yuan): a larger amount gets 202 USERPAYING.
/// A convention of the simulator only: each WeChat user has a limit of their own.
const PASSWORD_FREE_LIMIT_FEN: i64 = 100_000;

const ID: &str = "pay_transactions.codepay";

pub(super) const RULES: &[Rule] = &[Rule {
    whole: Some(charge),
    ..Rule::new(ID)
}];

fn charge(e: &mut Engine<'_>, call: &Call<'_>) -> Outcome {
    let total = call.body["amount"]["total"].as_i64().unwrap_or(0);
    if total > PASSWORD_FREE_LIMIT_FEN {
        return Outcome::error(202, "USERPAYING", "需要用户输入支付密码");
    }
    // The documented answer, for this request's order and amount.
    let mut paid = operation(e.api, ID)
        .and_then(|op| op.examples.iter().find_map(|x| x.response.clone()))
        .unwrap_or(Value::Null);
    for key in ["appid", "mchid", "out_trade_no", "attach"] {
        paid[key] = call.body.get(key).cloned().unwrap_or(Value::Null);
    }
    if paid["attach"].is_null() {
        paid.as_object_mut().map(|o| o.remove("attach"));
    }
    let n = e.next();
    paid["transaction_id"] = json!(format!("42000021072026{n:014}"));
    paid["success_time"] = json!(now_rfc3339());
    paid["amount"] =
        json!({ "total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY" });
    Outcome::changed(Answer::json(200, &paid))
}
