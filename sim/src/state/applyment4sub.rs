//! 特约商户进件 (sub-merchant applications), beyond the declared lifecycle
//! (spec/applyment4sub/family.yaml): WeChat Pay numbers each application, and a business code
//! sent again with other content after a rejection (or while the application is stuck saving)
//! replaces the application's content and returns it to review under the same number, a rule the
//! e-commerce applications share (an identical repeat replays; other content in any other state is
//! refused, as any reused request number is). The query by
//! WeChat Pay's number compares it as text, since the path carries digits and the record an
//! integer. An accepted application gets the link its administrator signs at.
//!
//! A change of settlement account gets WeChat Pay's number and keeps the account number and
//! holder's name masked, as its query shows them (opened from the ciphertext the client sent);
//! the settlement query answers the latest accepted change's account, and the documented account
//! until one is accepted.

use serde_json::{Map, Value, json};

use super::engine::{self, Engine};
use super::rules::{Named, Rule};
use super::{Call, Outcome};
use crate::handler::Answer;

const FAMILY: &str = "applyment4sub";
const LIFECYCLE: &str = "applyment";
const SUBMIT: &str = "applyment4sub.submit_applyment";
const QUERY_BY_ID: &str = "applyment4sub.query_applyment_by_id";

/// The service provider's rejected application, and one stuck saving (the state's documented
/// advice is to submit again with the same business code).
const REJECTED: Named = Named::state(FAMILY, LIFECYCLE, "APPLYMENT_STATE_REJECTED");
const EDITTING: Named = Named::state(FAMILY, LIFECYCLE, "APPLYMENT_STATE_EDITTING");
/// The e-commerce platform's rejected application (the official page: resubmitted under the same
/// out_request_no).
const EC_REJECTED: Named = Named::state("ecommerce_applyments", "applyment", "REJECTED");
/// The states from which an application's number may carry corrected content.
const RESUBMITTABLE: &[Named] = &[REJECTED, EDITTING, EC_REJECTED];

/// A change of settlement account the reviewer accepted.
const CHANGE_ACCEPTED: Named = Named::state(FAMILY, CHANGES, "AUDIT_SUCCESS");

pub(super) const NAMED: &[Named] = &[REJECTED, EDITTING, EC_REJECTED, CHANGE_ACCEPTED];

/// The lifecycle of settlement-account changes.
const CHANGES: &str = "settlement_application";
const MODIFY: &str = "applyment4sub.modify_settlement";
const QUERY_SETTLEMENT: &str = "applyment4sub.query_settlement";

/// WeChat Pay's application numbers are 16 digits starting 2000002.
const FIRST_APPLYMENT_ID: u64 = 2_000_002_000_000_000;

pub(super) const RULES: &[Rule] = &[
    Rule {
        fill: Some(number),
        replaces: Some(resubmitted),
        ..Rule::new(SUBMIT)
    },
    Rule {
        whole: Some(query_by_id),
        ..Rule::new(QUERY_BY_ID)
    },
    Rule {
        fill: Some(sign_url),
        ..Rule::new("applyment4sub.applyment.approve")
    },
    Rule {
        fill: Some(change_received),
        ..Rule::new(MODIFY)
    },
    Rule {
        whole: Some(settlement),
        ..Rule::new(QUERY_SETTLEMENT)
    },
];

/// `62*************78`: the first and last two characters, as WeChat Pay masks account numbers.
fn mask_number(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..2].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(13))
}

/// `张*`: the first character, as WeChat Pay masks names.
fn mask_name(name: &str) -> String {
    name.chars()
        .next()
        .map_or_else(|| "*".to_string(), |c| format!("{c}*"))
}

/// A change of settlement account: WeChat Pay's 15-digit number, the account number and the
/// holder's name masked. Both are sensitive: the handler has already opened them with WeChat
/// Pay's key (`crate::sensitive`), so the call holds the plain text.
fn change_received(e: &mut Engine<'_>, call: &Call<'_>, record: &mut Value) -> Result<(), Outcome> {
    record["application_no"] = json!(format!("1023293{:08}", e.next()));
    let (number, name) = (call.text("account_number"), call.text("account_name"));
    record["account_number"] = json!(mask_number(&number));
    // The simulator does not know the sub-merchant's name when the request gives none.
    record["account_name"] = json!(mask_name(&name));
    Ok(())
}

/// The sub-merchant's settlement account: that of its latest accepted change (verified), else the
/// documented account.
fn settlement(e: &mut Engine<'_>, call: &Call<'_>) -> Outcome {
    let sub_mchid = call.text("sub_mchid");
    let api = e.api;
    let accepted = e
        .records(FAMILY, CHANGES)
        .filter(|(_, r)| r.owner.as_deref() == Some(sub_mchid.as_str()))
        .filter(|(_, r)| CHANGE_ACCEPTED.is_in(api, &r.json))
        .map(|(_, r)| r.json.clone())
        .last();
    let op = engine::operation(api, QUERY_SETTLEMENT);
    let answer = match accepted {
        Some(change) => {
            let mut account = json!({});
            for field in [
                "account_type",
                "account_bank",
                "bank_name",
                "bank_branch_id",
                "account_number",
            ] {
                if let Some(v) = change.get(field) {
                    account[field] = v.clone();
                }
            }
            account["verify_result"] = json!("VERIFY_SUCCESS");
            account
        }
        None => op
            .and_then(|o| o.examples.iter().find_map(|x| x.response.clone()))
            .unwrap_or_else(|| json!({})),
    };
    Outcome::unchanged(Answer::json(200, &answer))
}

/// Gives a new application WeChat Pay's number (the e-commerce applications' too).
pub(super) fn number(e: &mut Engine<'_>, _: &Call<'_>, record: &mut Value) -> Result<(), Outcome> {
    record["applyment_id"] = json!(FIRST_APPLYMENT_ID + e.next());
    Ok(())
}

/// Whether a submission under the number of the application `existing` (of either family)
/// replaces it: only from [`RESUBMITTABLE`], keeping WeChat Pay's number. The engine's create
/// then makes it afresh from the corrected request, in the create's state (back to the first
/// check), without the old reasons, signing link or merchant number.
pub(super) fn resubmitted(e: &Engine<'_>, existing: &Value) -> Option<Map<String, Value>> {
    // The two families' state values differ, so a state names its family too.
    RESUBMITTABLE
        .iter()
        .any(|state| state.is_in(e.api, existing))
        .then(|| {
            let id = existing.get("applyment_id").cloned().unwrap_or_default();
            Map::from_iter([("applyment_id".to_string(), id)])
        })
}

/// The application with this WeChat Pay number.
fn query_by_id(e: &mut Engine<'_>, call: &Call<'_>) -> Outcome {
    let wanted = call.text("applyment_id");
    let found = e
        .records(FAMILY, LIFECYCLE)
        .find(|(_, r)| engine::text_of(r.json.get("applyment_id")) == wanted)
        .map(|(_, r)| r.json.clone());
    match found {
        Some(json) => Outcome::unchanged(Answer::json(200, &json)),
        None => engine::refusal(
            engine::operation(e.api, QUERY_BY_ID),
            "RESOURCE_NOT_EXISTS",
            404,
            "no application has this applyment_id",
        ),
    }
}

/// The page an accepted application's administrator signs at, named by the application's number
/// (a `sign_url` in the control call's body is kept instead).
fn sign_url(_: &mut Engine<'_>, call: &Call<'_>, record: &mut Value) -> Result<(), Outcome> {
    let given = call.text("sign_url");
    record["sign_url"] = json!(if given.is_empty() {
        let id = engine::text_of(record.get("applyment_id"));
        format!("https://pay.weixin.qq.com/public/apply4ec_sign/s?applymentId={id}&sign=simulated")
    } else {
        given
    });
    Ok(())
}
