//! 特约商户进件 (sub-merchant applications), beyond the declared lifecycle
//! (spec/applyment4sub/family.yaml): WeChat Pay numbers each application, a business code sent
//! again answers the application it already names, and one sent again after a rejection replaces
//! the application's content and returns it to review under the same number. The query by
//! WeChat Pay's number compares it as text, since the path carries digits and the record an
//! integer. An accepted application gets the link its administrator signs at.
//!
//! A change of settlement account gets WeChat Pay's number and keeps the account number and
//! holder's name masked, as its query shows them (opened from the ciphertext the client sent);
//! the settlement query answers the latest accepted change's account, and the documented account
//! until one is accepted.

use serde_json::{Value, json};

use super::engine::{self, Engine};
use super::rules::{Named, Rule};
use super::{Call, Outcome};
use crate::handler::Answer;

const FAMILY: &str = "applyment4sub";
const LIFECYCLE: &str = "applyment";
const SUBMIT: &str = "applyment4sub.submit_applyment";
const QUERY_BY_ID: &str = "applyment4sub.query_applyment_by_id";

/// States from which the same business code may carry corrected content.
const REJECTED: Named = Named::state(FAMILY, LIFECYCLE, "APPLYMENT_STATE_REJECTED");
const EDITTING: Named = Named::state(FAMILY, LIFECYCLE, "APPLYMENT_STATE_EDITTING");
/// Where a resubmitted application goes (the state the lifecycle's create gives a new one).
const AUDITING: Named = Named::state(FAMILY, LIFECYCLE, "APPLYMENT_STATE_AUDITING");

/// A change of settlement account the reviewer accepted.
const CHANGE_ACCEPTED: Named = Named::state(FAMILY, CHANGES, "AUDIT_SUCCESS");

pub(super) const NAMED: &[Named] = &[REJECTED, EDITTING, AUDITING, CHANGE_ACCEPTED];

/// The lifecycle of settlement-account changes.
const CHANGES: &str = "settlement_application";
const MODIFY: &str = "applyment4sub.modify_settlement";
const QUERY_SETTLEMENT: &str = "applyment4sub.query_settlement";

/// WeChat Pay's application numbers are 16 digits starting 2000002.
const FIRST_APPLYMENT_ID: u64 = 2_000_002_000_000_000;

pub(super) const RULES: &[Rule] = &[
    Rule {
        whole: Some(submit),
        fill: Some(number),
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
/// holder's name masked (opened from what the client encrypted to WeChat Pay's key).
fn change_received(e: &mut Engine<'_>, call: &Call<'_>, record: &mut Value) -> Result<(), Outcome> {
    record["application_no"] = json!(format!("1023293{:08}", e.next()));
    let opened = |field: &str| {
        let sent = call.text(field);
        e.world.open(&sent).unwrap_or(sent)
    };
    let (number, name) = (opened("account_number"), opened("account_name"));
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

/// A new business code creates through the lifecycle; a known one answers its application's
/// number, and after a rejection sends the application back to review.
fn submit(e: &mut Engine<'_>, call: &Call<'_>) -> Outcome {
    let code = call.text("business_code");
    let Some(existing) = e.get(FAMILY, LIFECYCLE, &code).map(|r| r.json.clone()) else {
        return e.create_for(SUBMIT, call);
    };
    let answer = Answer::json(200, &json!({ "applyment_id": existing["applyment_id"] }));
    let api = e.api;
    if !(REJECTED.is_in(api, &existing) || EDITTING.is_in(api, &existing)) {
        return Outcome::unchanged(answer);
    }
    if let Some(record) = e.get_mut(FAMILY, LIFECYCLE, &code) {
        let json = &mut record.json;
        AUDITING.set_in(api, json);
        json["applyment_state_msg"] = json!("审核中");
        if let Some(fields) = json.as_object_mut() {
            fields.remove("audit_detail");
        }
    }
    Outcome::changed(answer)
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
