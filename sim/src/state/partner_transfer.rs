//! Service-provider transfer bills (spec/fund_app/partner_mch_transfer/family.yaml), beyond the
//! declared lifecycle: WeChat Pay's bill number and the paying merchant number, which a
//! declaration cannot make up.

use serde_json::{Value, json};

use super::engine::Engine;
use super::rules::Rule;
use super::{Call, Outcome};

pub(super) const RULES: &[Rule] = &[
    Rule {
        fill: Some(number_bill),
        ..Rule::new("partner_mch_transfer.create_transfer_bill")
    },
    Rule {
        fill: Some(number_bill),
        ..Rule::new("partner_mch_transfer.pre_transfer_with_authorization")
    },
    Rule {
        fill: Some(number_bill),
        ..Rule::new("partner_mch_transfer.transfer_with_authorization")
    },
];

/// A new bill gets a 34-digit WeChat Pay number and the service provider's merchant number (the
/// simulator serves the fixture merchant, sim::security::FIXTURE_MCHID).
fn number_bill(e: &mut Engine<'_>, _: &Call<'_>, bill: &mut Value) -> Result<(), Outcome> {
    bill["transfer_bill_no"] = json!(format!("1330{:030}", e.next()));
    bill["mchid"] = json!(crate::security::FIXTURE_MCHID);
    // The name was sent encrypted to WeChat Pay's key; the simulator cannot give it back encrypted
    // to the merchant's, so its bills carry none.
    bill.as_object_mut().map(|m| m.remove("user_name"));
    Ok(())
}
