//! 商家券 (merchant coupons), beyond the declared lifecycles (spec/marketing/busifavor/family.yaml):
//! sending checks the stock (RUNNING, within its limits, the code mode's rule for codes), counts
//! the coupon against the stock and shows the stock's rules on the coupon, as does a coupon the
//! simulated user receives (the control create `busifavor.coupon.create`), whose stock is made
//! from the spec's example when the simulator does not know it, and whose COUPON.SEND callback
//! names the channel and the sending merchant, which no coupon holds.

use serde_json::{Value, json};

use super::engine::{Engine, operation, text_of};
use super::rules::{Named, Rule};
use super::{Call, Outcome, check_send_limits, coupon_code};

const FAMILY: &str = "busifavor";

/// A stock that sends coupons.
const RUNNING: Named = Named::state(FAMILY, "stock", "RUNNING");
/// A coupon in a wallet, not used yet.
const SENDED: Named = Named::state(FAMILY, "coupon", "SENDED");
/// The code mode where the caller gives each coupon's code.
const CALLER_CODES: Named = Named::of(FAMILY, "stock", "coupon_code_mode", "MERCHANT_API");

pub(super) const NAMED: &[Named] = &[RUNNING, SENDED, CALLER_CODES];

pub(super) const RULES: &[Rule] = &[
    Rule {
        fill: Some(send),
        ..Rule::new("busifavor.send_coupon")
    },
    Rule {
        fill: Some(received),
        notice: Some(send_notice),
        ..Rule::new("busifavor.coupon.create")
    },
];

/// The notification a received coupon sends (spec/marketing/busifavor/coupon_send.yaml).
const COUPON_SEND: &str = "coupon_send";
/// The channel of a coupon the control call names none for: the user claimed it in a mini
/// program, the commonest channel besides the merchant's own send API (which `send_coupon` is).
const DEFAULT_CHANNEL: &str = "BUSICOUPON_SEND_CHANNEL_MINIAPP";

/// The COUPON.SEND resource of `coupon`, received by `openid` through the control call `body`:
/// the channel the body names (else [`DEFAULT_CHANNEL`]), sent by the merchant the stock belongs
/// to (the stock names no other creator); the OpenID only when the stock has a `notify_appid`,
/// under which WeChat Pay computes it.
fn send_event(e: &Engine<'_>, coupon: &Value, openid: &str, body: &Value) -> Value {
    let channel = body["send_channel"]
        .as_str()
        .filter(|c| !c.is_empty())
        .unwrap_or(DEFAULT_CHANNEL);
    let mut event = json!({
        "event_type": "EVENT_TYPE_BUSICOUPON_SEND",
        "coupon_code": coupon["coupon_code"],
        "stock_id": coupon["stock_id"],
        "send_time": coupon["receive_time"],
        "send_channel": channel,
        "send_merchant": coupon["belong_merchant"],
    });
    let stock = e.get(FAMILY, "stock", &text_of(coupon.get("stock_id")));
    if stock.is_some_and(|s| s.json["notify_config"]["notify_appid"].is_string()) {
        event["openid"] = json!(openid);
    }
    event
}

/// COUPON.SEND for the coupon the control create stored (its body kept beside it).
fn send_notice(e: &Engine<'_>, coupon: &Value) -> Vec<Value> {
    e.get(FAMILY, "coupon", &text_of(coupon.get("coupon_code")))
        .map(|stored| {
            let openid = stored.owner.clone().unwrap_or_default();
            send_event(e, coupon, &openid, &stored.request)
        })
        .into_iter()
        .collect()
}

/// A `send_channel` the body gives must be one of the notification's channels: a `400` naming
/// it, before anything is made.
fn check_channel(e: &Engine<'_>, call: &Call<'_>, coupon: &Value) -> Result<(), Outcome> {
    let payload = e
        .api
        .families
        .iter()
        .find(|f| f.name == FAMILY)
        .and_then(|f| f.notifications.iter().find(|n| n.id == COUPON_SEND))
        .map(|n| n.payload.clone());
    let Some(payload) = payload else {
        return Err(Outcome::error(
            500,
            "SIMULATOR_BUG",
            "no busifavor.coupon_send",
        ));
    };
    let event = send_event(e, coupon, &call.text("openid"), call.body);
    let problems = wechatpay_apiv3_generator::validate::check_json(e.api, &payload, &event);
    if problems.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
    Err(Outcome::error(
        400,
        "PARAM_ERROR",
        &format!(
            "the COUPON.SEND callback would break its type: {}",
            list.join("; ")
        ),
    ))
}

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

/// A coupon the user received shows its stock's rules; a stock the simulator does not know is
/// made from the first example answer of `query_stock` (made once the coupon is valid).
fn received(e: &mut Engine<'_>, call: &Call<'_>, coupon: &mut Value) -> Result<(), Outcome> {
    let stock_id = call.text("stock_id");
    let known = e.get(FAMILY, "stock", &stock_id).map(|s| s.json.clone());
    let stock = match &known {
        Some(stock) => stock.clone(),
        None => {
            let example = operation(e.api, "busifavor.query_stock")
                .and_then(|op| op.examples.iter().find_map(|x| x.response.clone()));
            let mut stock = example.unwrap_or_else(|| json!({}));
            stock["stock_id"] = json!(stock_id);
            stock
        }
    };
    with_stock_rules(coupon, &stock);
    e.valid(FAMILY, "coupon", coupon.clone())
        .map_err(|problems| Outcome::error(400, "PARAM_ERROR", &problems))?;
    check_channel(e, call, coupon)?;
    if known.is_none() {
        e.insert(FAMILY, "stock", None, stock);
    }
    Ok(())
}
