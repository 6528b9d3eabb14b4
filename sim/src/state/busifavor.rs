//! 商家券 (merchant coupons): stocks are created RUNNING (the simulator skips the review), coupons
//! are sent within the stock's limits, used once, returned (USED back to SENDED) or deactivated.
//! Every request number replays its first successful answer.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Call, Outcome, Replays, check_send_limits, coupon_code, now_rfc3339, text};
use crate::handler::Answer;

/// A merchant coupon in a user's wallet.
struct Coupon {
    stock_id: String,
    openid: String,
    state: &'static str,
    /// Times and request numbers the coupon's answers show, by wire name.
    record: serde_json::Map<String, Value>,
}

#[derive(Default)]
pub(super) struct Busifavor {
    stocks: BTreeMap<String, Value>,
    coupons: BTreeMap<String, Coupon>,
    replays: Replays,
    sequence: u64,
}

const NO_COUPON: &str = "no coupon of this stock has this coupon_code";

impl Busifavor {
    pub(super) fn handle(&mut self, op: &str, call: &Call<'_>) -> Option<Outcome> {
        let key_field = match op {
            "create_stock" => "out_request_no",
            "send_coupon" => "out_request_no",
            "use_coupon" => "use_request_no",
            "return_coupon" => "return_request_no",
            "deactivate_coupon" => "deactivate_request_no",
            "query_stock" => return Some(self.query_stock(call.path("stock_id"))),
            "query_user_coupon" => return Some(self.query_coupon(call)),
            "list_user_coupons" => return Some(self.list_coupons(call)),
            _ => return None,
        };
        // Sends are unique per stock and user, the other numbers per merchant.
        let key = match op {
            "send_coupon" => format!(
                "{}/{}/{}",
                text(call.body, "stock_id"),
                text(call.body, "openid"),
                text(call.body, key_field)
            ),
            _ => text(call.body, key_field).to_string(),
        };
        if let Some(first) = self.replays.get(op, &key) {
            return Some(first);
        }
        let outcome = match op {
            "create_stock" => self.create_stock(call.body),
            "send_coupon" => self.send(call.body),
            "use_coupon" => self.use_coupon(call.body),
            "return_coupon" => self.change_state(call.body, "USED", "SENDED", "return"),
            _ => self.change_state(call.body, "SENDED", "DEACTIVATED", "deactivate"),
        };
        self.replays.record(op, key, &outcome);
        Some(outcome)
    }

    /// Adds a stock as the query answers show it (used to provision coupons directly).
    pub(super) fn provision_stock(&mut self, stock: Value) {
        self.stocks
            .insert(text(&stock, "stock_id").to_string(), stock);
    }

    pub(super) fn has_stock(&self, stock_id: &str) -> bool {
        self.stocks.contains_key(stock_id)
    }

    /// Puts a usable coupon of a known stock in a user's wallet, as sending one would.
    pub(super) fn provision(&mut self, stock_id: &str, coupon_code: &str, openid: &str) {
        self.coupons.insert(
            coupon_code.to_string(),
            Coupon {
                stock_id: stock_id.into(),
                openid: openid.into(),
                state: "SENDED",
                record: [("receive_time".to_string(), json!(now_rfc3339()))]
                    .into_iter()
                    .collect(),
            },
        );
    }

    fn create_stock(&mut self, body: &Value) -> Outcome {
        self.sequence += 1;
        let stock_id = format!("{}", 1_212_000_000_000_000 + self.sequence);
        let mut stock = body.clone();
        if let Some(map) = stock.as_object_mut() {
            map.remove("out_request_no");
            map.insert("stock_id".into(), json!(stock_id));
            map.insert("stock_state".into(), json!("RUNNING"));
            map.insert(
                "send_count_information".into(),
                json!({ "total_send_num": 0, "total_send_amount": 0, "today_send_num": 0, "today_send_amount": 0 }),
            );
        }
        self.stocks.insert(stock_id.clone(), stock);
        Outcome::changed(Answer::json(
            200,
            &json!({ "stock_id": stock_id, "create_time": now_rfc3339() }),
        ))
    }

    fn query_stock(&self, stock_id: &str) -> Outcome {
        match self.stocks.get(stock_id) {
            Some(stock) => Outcome::unchanged(Answer::json(200, stock)),
            None => Outcome::error(404, "RESOURCE_NOT_EXISTS", "no stock has this stock_id"),
        }
    }

    fn send(&mut self, body: &Value) -> Outcome {
        let (stock_id, openid) = (text(body, "stock_id"), text(body, "openid"));
        let Some(stock) = self.stocks.get_mut(stock_id) else {
            return Outcome::error(404, "RESOURCE_NOT_EXISTS", "no stock has this stock_id");
        };
        if stock["stock_state"] != "RUNNING" {
            return Outcome::error(400, "INVALID_REQUEST", "the stock is not RUNNING");
        }
        let sent = stock["send_count_information"]["total_send_num"]
            .as_i64()
            .unwrap_or(0);
        let held = self
            .coupons
            .values()
            .filter(|c| c.stock_id == stock_id && c.openid == openid)
            .count() as i64;
        let limits = ("max_coupons", "max_coupons_per_user");
        if let Err(refused) = check_send_limits(&stock["stock_send_rule"], limits, sent, held) {
            return refused;
        }
        let code = match coupon_code(
            stock["coupon_code_mode"].as_str(),
            "MERCHANT_API",
            body.get("coupon_code"),
            || format!("{:022}", 8_800_000_000_000_000_000u64 + sent as u64 + 1),
        ) {
            Ok(code) => code,
            Err(refused) => return refused,
        };
        if self.coupons.contains_key(&code) {
            return Outcome::error(400, "INVALID_REQUEST", "this coupon_code was sent already");
        }
        stock["send_count_information"]["total_send_num"] = json!(sent + 1);
        let mut record = serde_json::Map::new();
        record.insert("send_request_no".into(), body["out_request_no"].clone());
        record.insert("receive_time".into(), json!(now_rfc3339()));
        self.coupons.insert(
            code.clone(),
            Coupon {
                stock_id: stock_id.into(),
                openid: openid.into(),
                state: "SENDED",
                record,
            },
        );
        Outcome::changed(Answer::json(
            200,
            &json!({ "stock_id": stock_id, "coupon_code": code, "out_request_no": body["out_request_no"] }),
        ))
    }

    /// The coupon as the query operations show it: its stock's rules and its own state.
    fn coupon_json(&self, code: &str, coupon: &Coupon) -> Value {
        let mut out = self
            .stocks
            .get(&coupon.stock_id)
            .cloned()
            .unwrap_or_else(|| json!({}));
        if let Some(map) = out.as_object_mut() {
            for stock_only in [
                "stock_send_rule",
                "stock_state",
                "send_count_information",
                "coupon_code_mode",
                "coupon_code_count",
                "notify_config",
                "subsidy",
            ] {
                map.remove(stock_only);
            }
            map.insert("stock_id".into(), json!(coupon.stock_id));
            map.insert("coupon_code".into(), json!(code));
            map.insert("coupon_state".into(), json!(coupon.state));
            map.extend(coupon.record.clone());
        }
        out
    }

    fn query_coupon(&self, call: &Call<'_>) -> Outcome {
        let code = call.path("coupon_code");
        match self.coupons.get(code) {
            Some(c) if c.openid == call.path("openid") => {
                Outcome::unchanged(Answer::json(200, &self.coupon_json(code, c)))
            }
            _ => Outcome::error(
                404,
                "RESOURCE_NOT_EXISTS",
                "the user has no coupon with this coupon_code",
            ),
        }
    }

    fn list_coupons(&self, call: &Call<'_>) -> Outcome {
        let offset = call.query_number("offset", 0);
        let limit = call.query_number("limit", 20);
        let matching: Vec<Value> = self
            .coupons
            .iter()
            .filter(|(_, c)| c.openid == call.path("openid"))
            .filter(|(_, c)| call.query_allows("stock_id", c.stock_id.as_str()))
            .filter(|(_, c)| call.query_allows("coupon_state", c.state))
            .map(|(code, c)| self.coupon_json(code, c))
            .collect();
        let page: Vec<&Value> = matching.iter().skip(offset).take(limit).collect();
        Outcome::unchanged(Answer::json(
            200,
            &json!({ "data": page, "total_count": matching.len(), "offset": offset, "limit": limit }),
        ))
    }

    fn use_coupon(&mut self, body: &Value) -> Outcome {
        let Some(coupon) = self.coupons.get_mut(text(body, "coupon_code")) else {
            return Outcome::error(404, "RESOURCE_NOT_EXISTS", "no coupon has this coupon_code");
        };
        if let Some(stock) = body.get("stock_id").and_then(Value::as_str)
            && stock != coupon.stock_id
        {
            return Outcome::error(404, "RESOURCE_NOT_EXISTS", NO_COUPON);
        }
        match coupon.state {
            "SENDED" => {}
            "USED" => {
                return Outcome::error(
                    400,
                    "RESOURCE_ALREADY_EXISTS",
                    "the coupon was already used",
                );
            }
            other => return Outcome::error(403, "RULELIMIT", &format!("the coupon is {other}")),
        }
        let now = now_rfc3339();
        coupon.state = "USED";
        coupon
            .record
            .insert("use_request_no".into(), body["use_request_no"].clone());
        coupon.record.insert("use_time".into(), json!(now));
        Outcome::changed(Answer::json(
            200,
            &json!({ "stock_id": coupon.stock_id, "openid": coupon.openid, "wechatpay_use_time": now }),
        ))
    }

    /// Return (`USED` -> `SENDED`) or deactivate (`SENDED` -> `DEACTIVATED`) a coupon.
    fn change_state(&mut self, body: &Value, from: &str, to: &'static str, verb: &str) -> Outcome {
        let Some(coupon) = self
            .coupons
            .get_mut(text(body, "coupon_code"))
            .filter(|c| c.stock_id == text(body, "stock_id"))
        else {
            return Outcome::error(404, "RESOURCE_NOT_EXISTS", NO_COUPON);
        };
        if coupon.state != from {
            return Outcome::error(
                400,
                "INVALID_REQUEST",
                &format!(
                    "only a {from} coupon can {verb}; this one is {}",
                    coupon.state
                ),
            );
        }
        let now = now_rfc3339();
        coupon.state = to;
        let no = format!("{verb}_request_no");
        coupon.record.insert(no.clone(), body[no.as_str()].clone());
        coupon.record.insert(format!("{verb}_time"), json!(now));
        if verb == "deactivate"
            && let Some(reason) = body.get("deactivate_reason")
        {
            coupon
                .record
                .insert("deactivate_reason".into(), reason.clone());
        }
        let mut answer = serde_json::Map::new();
        answer.insert(format!("wechatpay_{verb}_time"), json!(now));
        Outcome::changed(Answer::json(200, &Value::Object(answer)))
    }
}
