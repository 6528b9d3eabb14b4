//! 微信支付分 (payscore) user authorisations, beyond the declared `permission` lifecycle
//! (spec/payscore/family.yaml: a pre-authorisation is UNBINDUSER, the user's `open` makes it
//! AVAILABLE, a terminate call or the user's `close` makes it UNAVAILABLE). Hand-written: the
//! token a pre-authorisation answers, which no record field holds, and the callback's status and
//! time, which the record names otherwise.

use serde_json::{Value, json};

use super::Call;
use super::engine::Engine;
use super::rules::Rule;
use crate::handler::Answer;

pub(super) const RULES: &[Rule] = &[
    Rule {
        answer: Some(permission_token),
        ..Rule::new("payscore.create_permission")
    },
    Rule {
        notice: Some(opened),
        ..Rule::new("payscore.permission.open")
    },
    Rule {
        notice: Some(closed),
        ..Rule::new("payscore.permission.close")
    },
    Rule {
        notice: Some(closed),
        ..Rule::new("payscore.terminate_permission_by_code")
    },
    Rule {
        notice: Some(closed),
        ..Rule::new("payscore.terminate_permission_by_openid")
    },
];

/// The token the mini-program or app hands to WeChat for the user to authorise: a new one per
/// pre-authorisation (a retry replays the first answer, so the first token).
fn permission_token(e: &mut Engine<'_>, _: &Call<'_>, _: &Value) -> Answer {
    Answer::json(
        200,
        &json!({ "apply_permissions_token": format!("SIMPERMTOKEN{:018}", e.next()) }),
    )
}

/// PAYSCORE.USER_OPEN_SERVICE: the record, with the status named after the event (the sources
/// list no values of `user_service_status`; the rendered example shows the event's name) and
/// the time the user authorised.
fn opened(_: &Engine<'_>, permission: &Value) -> Vec<Value> {
    vec![notice(
        permission,
        "USER_OPEN_SERVICE",
        "authorization_success_time",
    )]
}

/// PAYSCORE.USER_CLOSE_SERVICE, for a terminate call and the user's own end alike.
fn closed(_: &Engine<'_>, permission: &Value) -> Vec<Value> {
    vec![notice(
        permission,
        "USER_CLOSE_SERVICE",
        "cancel_authorization_time",
    )]
}

fn notice(permission: &Value, status: &str, time_field: &str) -> Value {
    let mut resource = permission.clone();
    resource["user_service_status"] = json!(status);
    if let Some(time) = permission.get(time_field) {
        resource["openorclose_time"] = time.clone();
    }
    resource
}
