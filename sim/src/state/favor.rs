//! 代金券 (cash coupons), beyond the declared lifecycles (spec/marketing/favor/family.yaml): a new
//! stock's description defaults to its name; sending checks the stock (its creator, running,
//! within its limits) and gives the coupon the stock's rule; a coupon a payment redeems (the control
//! transition `favor.coupon.use`) was consumed at its stock creator's.

use serde_json::{Value, json};

use super::engine::Engine;
use super::rules::{Named, Rule};
use super::{Call, Outcome, check_send_limits};

const FAMILY: &str = "favor";
const NO_STOCK: &str = "no stock of this creator has this stock_id";

/// A stock that sends coupons.
const RUNNING: Named = Named::state(FAMILY, "stock", "running");

pub(super) const NAMED: &[Named] = &[RUNNING];

pub(super) const RULES: &[Rule] = &[
    Rule {
        fill: Some(create_stock),
        ..Rule::new("favor.create_stock")
    },
    Rule {
        fill: Some(send),
        ..Rule::new("favor.send_coupon")
    },
    Rule {
        fill: Some(consumed),
        ..Rule::new("favor.coupon.use")
    },
];

fn create_stock(_: &mut Engine<'_>, call: &Call<'_>, stock: &mut Value) -> Result<(), Outcome> {
    if stock.get("description").is_none() {
        stock["description"] = call.body["stock_name"].clone();
    }
    Ok(())
}

fn send(e: &mut Engine<'_>, call: &Call<'_>, coupon: &mut Value) -> Result<(), Outcome> {
    let (stock_id, openid) = (call.text("stock_id"), call.text("openid"));
    let stock = e
        .get(FAMILY, "stock", &stock_id)
        .map(|s| s.json.clone())
        .filter(|s| s["stock_creator_mchid"] == call.body["stock_creator_mchid"])
        .ok_or_else(|| Outcome::error(404, "RESOURCE_NOT_EXISTS", NO_STOCK))?;
    if !RUNNING.is_in(e.api, &stock) {
        return Err(Outcome::error(
            400,
            "INVALID_REQUEST",
            &format!("the stock is not {}", RUNNING.value),
        ));
    }
    let sent = stock["distributed_coupons"].as_i64().unwrap_or(0);
    let held = e
        .records(FAMILY, "coupon")
        .filter(|(_, c)| c.owner.as_deref() == Some(&openid) && c.json["stock_id"] == stock_id)
        .count() as i64;
    let limits = ("max_coupons", "max_coupons_per_user");
    check_send_limits(&stock["stock_use_rule"], limits, sent, held)?;
    for (coupon_field, stock_field) in [
        ("stock_creator_mchid", "stock_creator_mchid"),
        ("coupon_name", "stock_name"),
        ("description", "description"),
        ("no_cash", "no_cash"),
        ("singleitem", "singleitem"),
        ("available_begin_time", "available_begin_time"),
        ("available_end_time", "available_end_time"),
    ] {
        coupon[coupon_field] = stock[stock_field].clone();
    }
    coupon["normal_coupon_information"] = stock["stock_use_rule"]["fixed_normal_coupon"].clone();
    if let Some(s) = e.get_mut(FAMILY, "stock", &stock_id) {
        s.json["distributed_coupons"] = json!(sent + 1);
    }
    Ok(())
}

/// A payment redeemed the coupon (the spec records when and the transaction) at the merchant who
/// made its stock.
fn consumed(_: &mut Engine<'_>, _: &Call<'_>, coupon: &mut Value) -> Result<(), Outcome> {
    coupon["consume_information"]["consume_mchid"] = coupon["stock_creator_mchid"].clone();
    Ok(())
}
