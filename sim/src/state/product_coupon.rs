//! 商品券 (product coupons): a product coupon is created with its first stock (or stocks are added),
//! coupons are sent within the stock's limits (CONFIRMING), confirmed by the brand (EFFECTIVE), used
//! once (USED), returned (back to EFFECTIVE) or deactivated. Every request number replays its first
//! successful answer. Stock bundles (PROGRESSIVE_BUNDLE) answer with their documented examples.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Call, Outcome, Replays, check_send_limits, coupon_code, now_rfc3339, text};
use crate::handler::Answer;

#[derive(Default)]
pub(super) struct ProductCoupons {
    product_coupons: BTreeMap<String, Value>,
    stocks: BTreeMap<String, Value>,
    /// The user's coupons as the API shows them, keyed by (openid, coupon_code).
    coupons: BTreeMap<(String, String), Value>,
    replays: Replays,
    sequence: u64,
}

fn not_found(what: &str) -> Outcome {
    Outcome::error(404, "NOT_FOUND", &format!("no {what}"))
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

impl ProductCoupons {
    pub(super) fn handle(&mut self, op: &str, call: &Call<'_>) -> Option<Outcome> {
        let key_field = match op {
            "create_product_coupon" | "create_stock" => "out_request_no",
            "send_user_coupon" => "send_request_no",
            "confirm_user_coupon"
            | "use_user_coupon"
            | "deactivate_user_coupon"
            | "return_user_coupon" => "out_request_no",
            "query_product_coupon" => {
                return Some(
                    match self.product_coupons.get(call.path("product_coupon_id")) {
                        Some(pc) => Outcome::unchanged(Answer::json(200, pc)),
                        None => not_found("product coupon has this product_coupon_id"),
                    },
                );
            }
            "query_stock" => {
                return Some(
                    match self.stock_of(call.path("product_coupon_id"), call.path("stock_id")) {
                        Some(stock) => Outcome::unchanged(Answer::json(200, stock)),
                        None => not_found("stock of this product coupon has this stock_id"),
                    },
                );
            }
            "query_user_coupon" => {
                return Some(match self.user_coupon(call) {
                    Ok(c) => Outcome::unchanged(Answer::json(200, c)),
                    Err(e) => e,
                });
            }
            "list_user_coupons" => return Some(self.list(call)),
            _ => return None,
        };
        let key = text(call.body, key_field).to_string();
        if let Some(first) = self.replays.get(op, &key) {
            return Some(first);
        }
        let outcome = match op {
            "create_product_coupon" => self.create_product_coupon(call.body),
            "create_stock" => {
                let id = call.path("product_coupon_id").to_string();
                if self.product_coupons.contains_key(&id) {
                    let stock = self.add_stock(&id, &call.body["stock"], call.body);
                    Outcome::changed(Answer::json(200, &stock))
                } else {
                    not_found("product coupon has this product_coupon_id")
                }
            }
            "send_user_coupon" => self.send(call),
            "confirm_user_coupon" => self.transition(call, &["CONFIRMING"], "EFFECTIVE", "confirm"),
            "use_user_coupon" => self.use_coupon(call),
            "deactivate_user_coupon" => self.transition(
                call,
                &["CONFIRMING", "PENDING", "EFFECTIVE"],
                "DEACTIVATED",
                "deactivate",
            ),
            _ => self.transition(call, &["USED"], "EFFECTIVE", "return"),
        };
        self.replays.record(op, key, &outcome);
        Some(outcome)
    }

    /// Gives a user a coupon described by the API's JSON (its stock and product coupon become
    /// known too, so that later calls find them).
    pub(super) fn provision(&mut self, openid: &str, coupon: Value) {
        let pc = &coupon["product_coupon"];
        self.product_coupons
            .entry(text(pc, "product_coupon_id").to_string())
            .or_insert_with(|| pc.clone());
        let stock = &coupon["stock"];
        self.stocks
            .entry(text(stock, "stock_id").to_string())
            .or_insert_with(|| stock.clone());
        let code = text(&coupon, "coupon_code").to_string();
        self.coupons.insert((openid.to_string(), code), coupon);
    }

    fn stock_of(&self, product_coupon_id: &str, stock_id: &str) -> Option<&Value> {
        self.stocks
            .get(stock_id)
            .filter(|s| s["product_coupon_id"] == product_coupon_id)
    }

    fn create_product_coupon(&mut self, body: &Value) -> Outcome {
        self.sequence += 1;
        let id = format!("{}", 1_000_000_000 + self.sequence);
        let mut pc = body.clone();
        if let Some(map) = pc.as_object_mut() {
            for request_only in ["out_request_no", "stock", "stock_bundle"] {
                map.remove(request_only);
            }
            map.insert("product_coupon_id".into(), json!(id));
            // The simulator approves at once; the real API reviews first (AUDITING).
            map.insert("state".into(), json!("EFFECTIVE"));
        }
        self.product_coupons.insert(id.clone(), pc.clone());
        if body.get("stock").is_some_and(Value::is_object) {
            pc["stock"] = self.add_stock(&id, &body["stock"], body);
        }
        Outcome::changed(Answer::json(200, &pc))
    }

    fn add_stock(&mut self, product_coupon_id: &str, stock: &Value, body: &Value) -> Value {
        let n = self
            .stocks
            .values()
            .filter(|s| s["product_coupon_id"] == product_coupon_id)
            .count();
        let stock_id = format!("{product_coupon_id}{:03}", n + 1);
        let mut stock = stock.clone();
        stock["product_coupon_id"] = json!(product_coupon_id);
        stock["stock_id"] = json!(stock_id);
        stock["state"] = json!("SENDING");
        stock["sent_count_info"] = json!({ "total_count": 0, "today_count": 0 });
        stock["brand_id"] = body["brand_id"].clone();
        self.stocks.insert(stock_id, stock.clone());
        stock
    }

    fn send(&mut self, call: &Call<'_>) -> Outcome {
        let b = call.body;
        let openid = call.path("openid").to_string();
        let Some(pc) = self
            .product_coupons
            .get(text(b, "product_coupon_id"))
            .cloned()
        else {
            return not_found("product coupon has this product_coupon_id");
        };
        let stock_id = text(b, "stock_id");
        let held = self
            .coupons
            .iter()
            .filter(|((o, _), c)| *o == openid && c["stock"]["stock_id"] == stock_id)
            .count() as i64;
        let Some(stock) = self
            .stocks
            .get_mut(stock_id)
            .filter(|s| s["product_coupon_id"] == pc["product_coupon_id"])
        else {
            return not_found("stock of this product coupon has this stock_id");
        };
        if stock["state"] != "SENDING" {
            return Outcome::error(400, "INVALID_REQUEST", "the stock is not SENDING");
        }
        let sent = stock["sent_count_info"]["total_count"]
            .as_i64()
            .unwrap_or(0);
        let limits = ("max_count", "max_count_per_user");
        if let Err(refused) = check_send_limits(&stock["stock_send_rule"], limits, sent, held) {
            return refused;
        }
        let code = match coupon_code(
            stock["coupon_code_mode"].as_str(),
            "API_ASSIGN",
            b.get("coupon_code"),
            || format!("{stock_id}{:06}", sent + 1),
        ) {
            Ok(code) => code,
            Err(refused) => return refused,
        };
        if self.coupons.contains_key(&(openid.clone(), code.clone())) {
            return Outcome::error(400, "INVALID_REQUEST", "this coupon_code was sent already");
        }
        stock["sent_count_info"]["total_count"] = json!(sent + 1);
        stock["sent_count_info"]["today_count"] = json!(
            stock["sent_count_info"]["today_count"]
                .as_i64()
                .unwrap_or(0)
                + 1
        );
        let (begin, end) = validity(stock);
        let mut coupon = json!({
            "coupon_code": code,
            "coupon_state": "CONFIRMING",
            "valid_begin_time": begin,
            "valid_end_time": end,
            "receive_time": now_rfc3339(),
            "send_request_no": b["send_request_no"],
            "send_channel": "API",
            "product_coupon": pc,
            "stock": stock.clone(),
            "brand_id": b["brand_id"],
        });
        for optional in ["attach", "coupon_tag_info"] {
            if let Some(v) = b.get(optional) {
                coupon[optional] = v.clone();
            }
        }
        self.coupons.insert((openid, code), coupon.clone());
        Outcome::changed(Answer::json(200, &coupon))
    }

    fn user_coupon(&self, call: &Call<'_>) -> Result<&Value, Outcome> {
        let key = (
            call.path("openid").to_string(),
            call.path("coupon_code").to_string(),
        );
        let c = self
            .coupons
            .get(&key)
            .ok_or_else(|| not_found("user coupon has this coupon_code"))?;
        let wanted = |field: &str| call.body.get(field).or_else(|| call.query.get(field));
        if wanted("product_coupon_id")
            .is_some_and(|id| c["product_coupon"]["product_coupon_id"] != *id)
        {
            return Err(not_found("product coupon has this product_coupon_id"));
        }
        if wanted("stock_id").is_some_and(|id| c["stock"]["stock_id"] != *id) {
            return Err(not_found("stock has this stock_id"));
        }
        Ok(c)
    }

    fn user_coupon_mut(&mut self, call: &Call<'_>) -> Result<&mut Value, Outcome> {
        self.user_coupon(call)?;
        let key = (
            call.path("openid").to_string(),
            call.path("coupon_code").to_string(),
        );
        self.coupons
            .get_mut(&key)
            .ok_or_else(|| not_found("user coupon has this coupon_code"))
    }

    fn list(&self, call: &Call<'_>) -> Outcome {
        let matching: Vec<&Value> = self
            .coupons
            .iter()
            .filter(|((openid, _), _)| openid == call.path("openid"))
            .map(|(_, c)| c)
            .filter(|c| {
                call.query_allows(
                    "product_coupon_id",
                    &c["product_coupon"]["product_coupon_id"],
                )
            })
            .filter(|c| call.query_allows("stock_id", &c["stock"]["stock_id"]))
            .filter(|c| call.query_allows("coupon_state", &c["coupon_state"]))
            .collect();
        // The page token is the offset of the page, as text.
        let offset: usize = call.query("page_token").parse().unwrap_or(0);
        let size = call.query_number("page_size", 10);
        let page: Vec<&Value> = matching.iter().skip(offset).take(size).copied().collect();
        let mut answer = json!({ "total_count": matching.len(), "user_coupon_list": page });
        if offset + size < matching.len() {
            answer["next_page_token"] = json!((offset + size).to_string());
        }
        Outcome::unchanged(Answer::json(200, &answer))
    }

    fn use_coupon(&mut self, call: &Call<'_>) -> Outcome {
        let b = call.body;
        let c = match self.user_coupon_mut(call) {
            Ok(c) => c,
            Err(e) => return e,
        };
        if c["coupon_state"] != "EFFECTIVE" {
            return Outcome::error(403, "NOT_ENOUGH", "the user coupon cannot be used now");
        }
        c["coupon_state"] = json!("USED");
        c["single_usage_detail"] = json!({
            "use_request_no": b["out_request_no"],
            "use_time": b["use_time"],
            "associated_order_info": b["associated_order_info"],
        });
        Outcome::changed(Answer::json(200, c))
    }

    /// Confirm, deactivate or return: a state change recorded with its request number and time.
    fn transition(&mut self, call: &Call<'_>, from: &[&str], to: &str, verb: &str) -> Outcome {
        let b = call.body;
        let c = match self.user_coupon_mut(call) {
            Ok(c) => c,
            Err(e) => return e,
        };
        if !from.iter().any(|s| c["coupon_state"] == *s) {
            return Outcome::error(
                400,
                "INVALID_REQUEST",
                &format!(
                    "a {} coupon cannot {verb}",
                    c["coupon_state"].as_str().unwrap_or("?")
                ),
            );
        }
        c["coupon_state"] = json!(to);
        match verb {
            // A returned coupon is usable again and shows no redemption.
            "return" => {
                if let Some(map) = c.as_object_mut() {
                    map.remove("single_usage_detail");
                }
            }
            _ => {
                c[format!("{verb}_request_no")] = b["out_request_no"].clone();
                c[format!("{verb}_time")] = json!(now_rfc3339());
                if let Some(reason) = b.get("deactivate_reason") {
                    c["deactivate_reason"] = reason.clone();
                }
            }
        }
        Outcome::changed(Answer::json(200, c))
    }
}
