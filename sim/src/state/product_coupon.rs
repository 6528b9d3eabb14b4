//! 商品券 (product coupons), beyond the declared lifecycles
//! (spec/marketing/partner/product_coupon/family.yaml): a product coupon is created with its first
//! stock; a stock's id extends its product coupon's; sending checks the stock (SENDING, within its
//! limits, the code mode's rule for codes), counts the coupon and gives it its validity and a copy
//! of its product coupon and stock. Stock bundles answer with their documented examples.

use serde_json::{Value, json};

use super::engine::{Engine, text_of};
use super::rules::{Named, Rule};
use super::{Call, Outcome, check_send_limits, coupon_code, now_rfc3339};
use crate::handler::Answer;

const FAMILY: &str = "product_coupon";

/// A stock that sends coupons.
const SENDING: Named = Named::state(FAMILY, "stock", "SENDING");
/// A user's coupon that can be used.
const EFFECTIVE: Named = Named::state(FAMILY, "user_coupon", "EFFECTIVE");
/// The code mode where the caller gives each coupon's code.
const CALLER_CODES: Named = Named::of(FAMILY, "stock", "coupon_code_mode", "API_ASSIGN");

pub(super) const NAMED: &[Named] = &[SENDING, EFFECTIVE, CALLER_CODES];

pub(super) const RULES: &[Rule] = &[
    Rule {
        fill: Some(create_product_coupon),
        answer: Some(with_first_stock),
        ..Rule::new("product_coupon.create_product_coupon")
    },
    Rule {
        fill: Some(create_stock),
        ..Rule::new("product_coupon.create_stock")
    },
    Rule {
        fill: Some(send),
        ..Rule::new("product_coupon.send_user_coupon")
    },
];

fn not_found(what: &str) -> Outcome {
    Outcome::error(404, "NOT_FOUND", &format!("no {what}"))
}

/// The stock in the request body is created with the product coupon.
fn create_product_coupon(
    e: &mut Engine<'_>,
    call: &Call<'_>,
    pc: &mut Value,
) -> Result<(), Outcome> {
    if call.body.get("stock").is_some_and(Value::is_object) {
        let id = text_of(pc.get("product_coupon_id"));
        e.insert(FAMILY, "product_coupon", None, pc.clone());
        let path = [("product_coupon_id".to_string(), id)]
            .into_iter()
            .collect();
        let stock_call = Call {
            path: &path,
            query: call.query,
            body: call.body,
            arrived: call.arrived,
        };
        let created = e.create_for("product_coupon.create_stock", &stock_call);
        if !created.effect {
            return Err(created);
        }
    }
    Ok(())
}

/// The creation answer shows the stock made with it.
fn with_first_stock(e: &mut Engine<'_>, _: &Call<'_>, pc: &Value) -> Answer {
    let mut answer = pc.clone();
    if let Some((_, stock)) = e
        .records(FAMILY, "stock")
        .find(|(_, s)| s.json["product_coupon_id"] == pc["product_coupon_id"])
    {
        answer["stock"] = stock.json.clone();
    }
    Answer::json(200, &answer)
}

fn create_stock(e: &mut Engine<'_>, call: &Call<'_>, stock: &mut Value) -> Result<(), Outcome> {
    let pc = call.text("product_coupon_id");
    if e.get(FAMILY, "product_coupon", &pc).is_none() {
        return Err(not_found("product coupon has this product_coupon_id"));
    }
    let n = e
        .records(FAMILY, "stock")
        .filter(|(_, s)| s.json["product_coupon_id"] == pc)
        .count();
    stock["stock_id"] = json!(format!("{pc}{:03}", n + 1));
    Ok(())
}

/// The first time the rules let a coupon of `stock` be used, and the last.
fn validity(stock: &Value) -> (Value, Value) {
    let period = &stock["single_usage_rule"]["coupon_available_period"];
    match (
        &period["available_begin_time"],
        &period["available_end_time"],
    ) {
        (Value::String(b), Value::String(e)) => (json!(b), json!(e)),
        _ => {
            let now = now_rfc3339();
            // Without a fixed period: usable for 30 days from receipt.
            let end =
                time::OffsetDateTime::parse(&now, &time::format_description::well_known::Rfc3339)
                    .map(|t| t + time::Duration::days(30))
                    .ok()
                    .and_then(|t| {
                        t.format(&time::format_description::well_known::Rfc3339)
                            .ok()
                    })
                    .unwrap_or_else(|| now.clone());
            (json!(now), json!(end))
        }
    }
}

fn send(e: &mut Engine<'_>, call: &Call<'_>, coupon: &mut Value) -> Result<(), Outcome> {
    let openid = call.text("openid");
    let pc = e
        .get(FAMILY, "product_coupon", &call.text("product_coupon_id"))
        .map(|p| p.json.clone())
        .ok_or_else(|| not_found("product coupon has this product_coupon_id"))?;
    let stock_id = call.text("stock_id");
    let mut stock = e
        .get(FAMILY, "stock", &stock_id)
        .map(|s| s.json.clone())
        .filter(|s| s["product_coupon_id"] == pc["product_coupon_id"])
        .ok_or_else(|| not_found("stock of this product coupon has this stock_id"))?;
    if !SENDING.is_in(e.api, &stock) {
        return Err(Outcome::error(
            400,
            "INVALID_REQUEST",
            &format!("the stock is not {}", SENDING.value),
        ));
    }
    let sent = stock["sent_count_info"]["total_count"]
        .as_i64()
        .unwrap_or(0);
    let held = e
        .records(FAMILY, "user_coupon")
        .filter(|(_, c)| {
            c.owner.as_deref() == Some(&openid) && c.json["stock"]["stock_id"] == stock_id
        })
        .count() as i64;
    let limits = ("max_count", "max_count_per_user");
    check_send_limits(&stock["stock_send_rule"], limits, sent, held)?;
    let code = coupon_code(
        stock["coupon_code_mode"].as_str(),
        CALLER_CODES.value,
        call.body.get("coupon_code"),
        || format!("{stock_id}{:06}", sent + 1),
    )?;
    if e.get(FAMILY, "user_coupon", &code).is_some() {
        return Err(Outcome::error(
            400,
            "INVALID_REQUEST",
            "this coupon_code was sent already",
        ));
    }
    let today = stock["sent_count_info"]["today_count"]
        .as_i64()
        .unwrap_or(0);
    stock["sent_count_info"] = json!({ "total_count": sent + 1, "today_count": today + 1 });
    let (begin, end) = validity(&stock);
    coupon["coupon_code"] = json!(code);
    coupon["valid_begin_time"] = begin;
    coupon["valid_end_time"] = end;
    coupon["product_coupon"] = pc;
    coupon["stock"] = stock.clone();
    if let Some(s) = e.get_mut(FAMILY, "stock", &stock_id) {
        s.json = stock;
    }
    Ok(())
}

/// Gives a user a coupon described by the API's JSON, made usable: EFFECTIVE, no redemption.
pub(super) fn provision_usable(e: &mut Engine<'_>, openid: &str, mut coupon: Value) {
    EFFECTIVE.set_in(e.api, &mut coupon);
    if let Some(map) = coupon.as_object_mut() {
        map.remove("single_usage_detail");
    }
    provision(e, openid, coupon);
}

/// Gives a user a coupon described by the API's JSON (its stock and product coupon become known
/// too, so that later calls find them).
pub(super) fn provision(e: &mut Engine<'_>, openid: &str, coupon: Value) {
    for (name, member, key) in [
        ("product_coupon", "product_coupon", "product_coupon_id"),
        ("stock", "stock", "stock_id"),
    ] {
        if e.get(FAMILY, name, &text_of(coupon[member].get(key)))
            .is_none()
        {
            e.insert(FAMILY, name, None, coupon[member].clone());
        }
    }
    e.insert(FAMILY, "user_coupon", Some(openid), coupon);
}
