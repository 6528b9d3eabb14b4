//! 商家券 (merchant coupons), beyond the declared lifecycles (spec/marketing/busifavor/family.yaml):
//! sending checks the stock (RUNNING, within its limits, the code mode's rule for codes), counts
//! the coupon against the stock and shows the stock's rules on the coupon.

use serde_json::{Value, json};

use super::engine::Engine;
use super::rules::{Named, Rule};
use super::{Call, Outcome, check_send_limits, coupon_code, now_rfc3339};

const FAMILY: &str = "busifavor";

/// A stock that sends coupons.
const RUNNING: Named = Named::state(FAMILY, "stock", "RUNNING");
/// A coupon in a wallet, not used yet.
const SENDED: Named = Named::state(FAMILY, "coupon", "SENDED");
/// The code mode where the caller gives each coupon's code.
const CALLER_CODES: Named = Named::of(FAMILY, "stock", "coupon_code_mode", "MERCHANT_API");

pub(super) const NAMED: &[Named] = &[RUNNING, SENDED, CALLER_CODES];

pub(super) const RULES: &[Rule] = &[Rule {
    fill: Some(send),
    ..Rule::new("busifavor.send_coupon")
}];

fn send(e: &mut Engine<'_>, call: &Call<'_>, coupon: &mut Value) -> Result<(), Outcome> {
    let (stock_id, openid) = (call.text("stock_id"), call.text("openid"));
    let stock = e
        .get(FAMILY, "stock", &stock_id)
        .map(|s| s.json.clone())
        .ok_or_else(|| Outcome::error(404, "RESOURCE_NOT_EXISTS", "no stock has this stock_id"))?;
    if !RUNNING.is_in(e.api, &stock) {
        return Err(Outcome::error(
            400,
            "INVALID_REQUEST",
            &format!("the stock is not {}", RUNNING.value),
        ));
    }
    let sent = stock["send_count_information"]["total_send_num"]
        .as_i64()
        .unwrap_or(0);
    let held = e
        .records(FAMILY, "coupon")
        .filter(|(_, c)| c.owner.as_deref() == Some(&openid) && c.json["stock_id"] == stock_id)
        .count() as i64;
    let limits = ("max_coupons", "max_coupons_per_user");
    check_send_limits(&stock["stock_send_rule"], limits, sent, held)?;
    let code = coupon_code(
        stock["coupon_code_mode"].as_str(),
        CALLER_CODES.value,
        call.body.get("coupon_code"),
        || format!("{:022}", 8_800_000_000_000_000_000u64 + sent as u64 + 1),
    )?;
    coupon["coupon_code"] = json!(code);
    with_stock_rules(coupon, &stock);
    if let Some(s) = e.get_mut(FAMILY, "stock", &stock_id) {
        s.json["send_count_information"]["total_send_num"] = json!(sent + 1);
    }
    Ok(())
}

/// A coupon shows its stock's rules (the engine keeps only the fields a coupon has).
fn with_stock_rules(coupon: &mut Value, stock: &Value) {
    if let (Some(coupon), Some(stock)) = (coupon.as_object_mut(), stock.as_object()) {
        for (k, v) in stock {
            coupon.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
}

/// Puts a usable coupon in a user's wallet, as sending one would; the stock is made from
/// `stock()` when it is not known yet.
pub(super) fn provision(
    e: &mut Engine<'_>,
    stock: impl FnOnce() -> Value,
    stock_id: &str,
    coupon_code: &str,
    openid: &str,
) {
    if e.get(FAMILY, "stock", stock_id).is_none() {
        e.insert(FAMILY, "stock", None, stock());
    }
    let stock = e
        .get(FAMILY, "stock", stock_id)
        .map(|s| s.json.clone())
        .unwrap_or_default();
    let mut coupon = json!({
        "stock_id": stock_id,
        "coupon_code": coupon_code,
        "receive_time": now_rfc3339(),
    });
    SENDED.set_in(e.api, &mut coupon);
    with_stock_rules(&mut coupon, &stock);
    e.insert(FAMILY, "coupon", Some(openid), coupon);
}
