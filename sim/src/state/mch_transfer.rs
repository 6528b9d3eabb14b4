//! 商家转账 (merchant transfer bills), beyond the declared lifecycle
//! (spec/fund_app/mch_transfer/family.yaml): a new bill gets WeChat Pay's bill number and the paying
//! merchant, its answer the `package_info` that opens the user's confirmation page; the
//! MCHTRANSFER.BILL.FINISHED resource names the merchant `mchid` where the bill says `mch_id`.

use serde_json::{Value, json};

use super::engine::{Engine, text_of};
use super::payments::compact;
use super::rules::Rule;
use super::{Call, Outcome, now_rfc3339};
use crate::handler::Answer;

pub(super) const RULES: &[Rule] = &[
    Rule {
        fill: Some(create),
        answer: Some(created),
        ..Rule::new("mch_transfer.create_transfer_bill")
    },
    Rule {
        notice: Some(finished),
        ..Rule::new("mch_transfer.bill.confirm")
    },
    Rule {
        notice: Some(finished),
        ..Rule::new("mch_transfer.bill.fail")
    },
    Rule {
        notice: Some(finished),
        ..Rule::new("mch_transfer.bill.cancelled")
    },
];

fn create(e: &mut Engine<'_>, _: &Call<'_>, bill: &mut Value) -> Result<(), Outcome> {
    let n = e.next();
    bill["transfer_bill_no"] = json!(format!("1330000{}{n:013}", compact(&now_rfc3339())));
    bill["mch_id"] = json!(e.world.mchid);
    Ok(())
}

/// The bill as accepted, with the value the client hands to WeChat's confirmation page.
fn created(_: &mut Engine<'_>, _: &Call<'_>, bill: &Value) -> Answer {
    let number = text_of(bill.get("transfer_bill_no"));
    Answer::json(
        200,
        &json!({
            "out_bill_no": bill["out_bill_no"],
            "transfer_bill_no": number,
            "create_time": bill["create_time"],
            "state": bill["state"],
            "package_info": format!("ABBQO+oYAAABAAAAAAAk+sim{number}"),
        }),
    )
}

fn finished(_: &Engine<'_>, bill: &Value) -> Vec<Value> {
    let mut resource = bill.clone();
    resource["mchid"] = bill["mch_id"].clone();
    vec![resource]
}
