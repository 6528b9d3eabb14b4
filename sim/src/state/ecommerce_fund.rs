//! 电商收付通 balance and withdrawal, beyond the lifecycles declared in spec/ecommerce/fund and
//! spec/merchant/fund: a sub-merchant withdrawal names the platform (`sp_mchid`, the calling
//! merchant) and its account (BASIC when the request names none); the real-time balances start at
//! the spec's example and lose what withdrawals took (returned when one fails, is returned by the
//! bank or closed), and a withdrawal beyond the balance is refused (NOT_ENOUGH); the day's file of
//! failed and returned withdrawals (提现异常文件) is made from both families' withdrawals.

use serde_json::{Value, json};

use super::bills::{bill_text, serve, yuan};
use super::engine::{Engine, operation, refusal, text_of};
use super::rules::{Named, Rule};
use super::{Call, Outcome};
use crate::handler::Answer;

pub(super) const RULES: &[Rule] = &[
    Rule {
        fill: Some(sub_merchant_withdrawal),
        ..Rule::new("ecommerce_fund.withdraw")
    },
    Rule {
        fill: Some(platform_withdrawal),
        ..Rule::new("merchant_fund.withdraw")
    },
    Rule {
        whole: Some(|e, call| balance(e, call, "ecommerce_fund")),
        ..Rule::new("ecommerce_fund.query_balance")
    },
    Rule {
        whole: Some(|e, call| balance(e, call, "merchant_fund")),
        ..Rule::new("merchant_fund.query_balance")
    },
    Rule {
        whole: Some(exception_file),
        ..Rule::new("merchant_fund.query_withdraw_bill")
    },
];

/// The states a withdrawal is in when the exception file lists it, for either family.
const EXCEPTIONS: &[Named] = &[
    Named::state("ecommerce_fund", "withdraw", "FAIL"),
    Named::state("ecommerce_fund", "withdraw", "REFUND"),
    Named::state("merchant_fund", "withdraw", "FAIL"),
    Named::state("merchant_fund", "withdraw", "REFUND"),
];

/// The states in which a withdrawal's money is back in the account: the exceptions, and closed.
const RETURNED: &[Named] = &[
    Named::state("ecommerce_fund", "withdraw", "CLOSE"),
    Named::state("merchant_fund", "withdraw", "CLOSE"),
];

pub(super) const NAMED: &[Named] = &[
    EXCEPTIONS[0],
    EXCEPTIONS[1],
    EXCEPTIONS[2],
    EXCEPTIONS[3],
    RETURNED[0],
    RETURNED[1],
];

fn sub_merchant_withdrawal(
    e: &mut Engine<'_>,
    _: &Call<'_>,
    withdrawal: &mut Value,
) -> Result<(), Outcome> {
    withdrawal["sp_mchid"] = json!(e.world.mchid);
    if withdrawal.get("account_type").is_none_or(Value::is_null) {
        withdrawal["account_type"] = json!("BASIC");
    }
    covered(e, "ecommerce_fund", withdrawal)
}

fn platform_withdrawal(
    e: &mut Engine<'_>,
    _: &Call<'_>,
    withdrawal: &mut Value,
) -> Result<(), Outcome> {
    covered(e, "merchant_fund", withdrawal)
}

/// Refuses a withdrawal the account's available balance does not cover.
fn covered(e: &Engine<'_>, family: &str, withdrawal: &Value) -> Result<(), Outcome> {
    let account = text_of(withdrawal.get("account_type"));
    let sub_mchid = text_of(withdrawal.get("sub_mchid"));
    let available = available(e, family, &sub_mchid, &account);
    let amount = withdrawal["amount"].as_i64().unwrap_or(0);
    if amount > available {
        return Err(refusal(
            operation(e.api, &format!("{family}.withdraw")),
            "NOT_ENOUGH",
            403,
            &format!("the {account} account has {available} fen available, less than {amount}"),
        ));
    }
    Ok(())
}

/// What an account can still withdraw: the documented balance (the spec's example answer of the
/// family's `query_balance`) less the withdrawals from it whose money has not come back.
fn available(e: &Engine<'_>, family: &str, sub_mchid: &str, account: &str) -> i64 {
    let start = documented_balance(e, family)["available_amount"]
        .as_i64()
        .unwrap_or(0);
    let taken: i64 = e
        .records(family, "withdraw")
        .map(|(_, r)| &r.json)
        .filter(|w| text_of(w.get("sub_mchid")) == sub_mchid)
        .filter(|w| text_of(w.get("account_type")) == account)
        .filter(|w| {
            !EXCEPTIONS
                .iter()
                .chain(RETURNED)
                .any(|s| s.family == family && s.is_in(e.api, w))
        })
        .filter_map(|w| w["amount"].as_i64())
        .sum();
    start - taken
}

fn documented_balance(e: &Engine<'_>, family: &str) -> Value {
    operation(e.api, &format!("{family}.query_balance"))
        .and_then(|op| op.examples.iter().find_map(|x| x.response.clone()))
        .unwrap_or_else(|| json!({}))
}

/// The real-time balance of an account (BASIC unless the request names another): the documented
/// answer with the available amount less what withdrawals took.
fn balance(e: &mut Engine<'_>, call: &Call<'_>, family: &str) -> Outcome {
    let account = match call.text("account_type") {
        a if a.is_empty() => "BASIC".to_string(),
        a => a,
    };
    let sub_mchid = call.text("sub_mchid");
    let mut answer = documented_balance(e, family);
    answer["available_amount"] = json!(available(e, family, &sub_mchid, &account));
    if !sub_mchid.is_empty() {
        answer["sub_mchid"] = json!(sub_mchid);
        answer["account_type"] = json!(account);
    }
    Outcome::unchanged(Answer::json(200, &answer))
}

/// The day's failed and returned withdrawals (the platform's first, then its sub-merchants'), one
/// line each, in the backquoted CSV of WeChat Pay's bills; a day without any has no file, as the
/// official FAQ says (NO_STATEMENT_EXIST).
fn exception_file(e: &mut Engine<'_>, call: &Call<'_>) -> Outcome {
    let date = call.text("bill_date");
    let mut lines = Vec::new();
    for family in ["merchant_fund", "ecommerce_fund"] {
        for (_, record) in e.records(family, "withdraw") {
            let w = &record.json;
            let listed = EXCEPTIONS
                .iter()
                .any(|state| state.family == family && state.is_in(e.api, w));
            if !listed || !text_of(w.get("update_time")).starts_with(&date) {
                continue;
            }
            let t = |k: &str| bill_text(&text_of(w.get(k)));
            lines.push(format!(
                "`{},`{},`{},`{},`{},`{},`{},`{}\n",
                t("update_time"),
                t("sub_mchid"),
                t("withdraw_id"),
                t("out_request_no"),
                yuan(w["amount"].as_i64().unwrap_or(0)),
                t("status"),
                t("reason"),
                t("account_type"),
            ));
        }
    }
    if lines.is_empty() {
        return Outcome::error(
            400,
            "NO_STATEMENT_EXIST",
            "no withdrawal failed or was returned that day",
        );
    }
    let mut file = String::from(
        "状态更新时间,二级商户号,微信支付提现单号,商户提现单号,提现金额（元）,提现状态,失败原因,出款账户类型\n",
    );
    file.extend(lines);
    serve(e, call, file)
}
