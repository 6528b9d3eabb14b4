//! 电商收付通 balance and withdrawal, beyond the lifecycles declared in spec/ecommerce/fund and
//! spec/merchant/fund: a sub-merchant withdrawal names the platform (`sp_mchid`, the calling
//! merchant) and its account (BASIC when the request names none), and the day's file of failed and
//! returned withdrawals (提现异常文件) is made from both families' withdrawals.

use serde_json::{Value, json};

use super::bills::{bill_text, serve, yuan};
use super::engine::{Engine, text_of};
use super::rules::{Named, Rule};
use super::{Call, Outcome};

pub(super) const RULES: &[Rule] = &[
    Rule {
        fill: Some(sub_merchant_withdrawal),
        ..Rule::new("ecommerce_fund.withdraw")
    },
    Rule {
        whole: Some(exception_file),
        ..Rule::new("merchant_fund.query_withdraw_bill")
    },
];

/// The states a withdrawal is in when the exception file lists it, for either family.
pub(super) const NAMED: &[Named] = &[
    Named::state("ecommerce_fund", "withdraw", "FAIL"),
    Named::state("ecommerce_fund", "withdraw", "REFUND"),
    Named::state("merchant_fund", "withdraw", "FAIL"),
    Named::state("merchant_fund", "withdraw", "REFUND"),
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
    Ok(())
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
            let listed = NAMED
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
