//! 代金券 (cash coupons): a stock is created unactivated, activated, paused, restarted and stopped;
//! coupons are sent from a running stock within its limits; the test redeems one as a payment would
//! ([`crate::Simulator::use_cash_coupon`]) and gets the COUPON.USE resource. Every request number
//! replays its first successful answer.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Call, Outcome, Replays, check_send_limits, now_rfc3339, text};
use crate::handler::Answer;

/// A stock as the query answers show it, and the creation rule its coupons carry.
struct Stock {
    json: Value,
    coupon_rule: Value,
}

#[derive(Default)]
pub(super) struct Favor {
    stocks: BTreeMap<String, Stock>,
    /// The coupons users hold, keyed by (openid, coupon_id).
    coupons: BTreeMap<(String, String), Value>,
    replays: Replays,
    sequence: u64,
}

const NO_STOCK: &str = "no stock of this creator has this stock_id";

impl Favor {
    pub(super) fn handle(&mut self, op: &str, call: &Call<'_>) -> Option<Outcome> {
        // (states it may leave, state it enters, the answer's time field)
        let change: (&[&str], &str, &str) = match op {
            "start_stock" => (&["unactivated"], "running", "start_time"),
            "pause_stock" => (&["running"], "paused", "pause_time"),
            "restart_stock" => (&["paused"], "running", "restart_time"),
            "stop_stock" => (&["unactivated", "running", "paused"], "stoped", "stop_time"),
            "query_stock" => {
                return Some(match self.stock(call) {
                    Some(s) => Outcome::unchanged(Answer::json(200, &s.json)),
                    None => Outcome::error(404, "RESOURCE_NOT_EXISTS", NO_STOCK),
                });
            }
            "query_coupon" => {
                let key = (
                    call.path("openid").to_string(),
                    call.path("coupon_id").to_string(),
                );
                return Some(match self.coupons.get(&key) {
                    Some(c) => Outcome::unchanged(Answer::json(200, c)),
                    None => Outcome::error(
                        404,
                        "RESOURCE_NOT_EXISTS",
                        "the user has no coupon with this coupon_id",
                    ),
                });
            }
            "list_user_coupons" => return Some(self.list_coupons(call)),
            "create_stock" | "send_coupon" => {
                let key = match op {
                    "send_coupon" => format!(
                        "{}/{}",
                        text(call.body, "stock_id"),
                        text(call.body, "out_request_no")
                    ),
                    _ => text(call.body, "out_request_no").to_string(),
                };
                if let Some(first) = self.replays.get(op, &key) {
                    return Some(first);
                }
                let outcome = match op {
                    "create_stock" => self.create_stock(call.body),
                    _ => self.send(call),
                };
                self.replays.record(op, key, &outcome);
                return Some(outcome);
            }
            _ => return None,
        };
        Some(self.change_state(call, change))
    }

    /// The stock of the call's path, if the call names its creator (in the body of state changes,
    /// in the query of reads).
    fn stock(&self, call: &Call<'_>) -> Option<&Stock> {
        let creator = call
            .body
            .get("stock_creator_mchid")
            .or_else(|| call.query.get("stock_creator_mchid"));
        self.stocks
            .get(call.path("stock_id"))
            .filter(|s| Some(&s.json["stock_creator_mchid"]) == creator)
    }

    fn create_stock(&mut self, body: &Value) -> Outcome {
        self.sequence += 1;
        let stock_id = format!("{}", 9_856_000 + self.sequence);
        let now = now_rfc3339();
        let mut rule = body["stock_use_rule"].clone();
        rule["fixed_normal_coupon"] = body["coupon_use_rule"]["fixed_normal_coupon"].clone();
        let json = json!({
            "stock_id": stock_id,
            "stock_creator_mchid": body["belong_merchant"],
            "stock_name": body["stock_name"],
            "status": "unactivated",
            "create_time": now,
            "description": body.get("comment").cloned().unwrap_or_else(|| body["stock_name"].clone()),
            "stock_use_rule": rule,
            "available_begin_time": body["available_begin_time"],
            "available_end_time": body["available_end_time"],
            "distributed_coupons": 0,
            "no_cash": body["no_cash"],
            "singleitem": false,
            "stock_type": body["stock_type"],
        });
        self.stocks.insert(
            stock_id.clone(),
            Stock {
                json,
                coupon_rule: body["coupon_use_rule"].clone(),
            },
        );
        Outcome::changed(Answer::json(
            200,
            &json!({ "stock_id": stock_id, "create_time": now }),
        ))
    }

    fn change_state(
        &mut self,
        call: &Call<'_>,
        (from, to, stamp): (&[&str], &str, &str),
    ) -> Outcome {
        if self.stock(call).is_none() {
            return Outcome::error(404, "RESOURCE_NOT_EXISTS", NO_STOCK);
        }
        let Some(stock) = self.stocks.get_mut(call.path("stock_id")) else {
            return Outcome::error(404, "RESOURCE_NOT_EXISTS", NO_STOCK);
        };
        let status = stock.json["status"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if !from.contains(&status.as_str()) {
            return Outcome::error(
                400,
                "INVALID_REQUEST",
                &format!("the stock is {status}, not {}", from.join(" or ")),
            );
        }
        let now = now_rfc3339();
        stock.json["status"] = json!(to);
        // The stock's record keeps the activation and stop times; pauses only show in the answer.
        if matches!(stamp, "start_time" | "stop_time") {
            stock.json[stamp] = json!(now);
        }
        let mut answer = serde_json::Map::new();
        answer.insert(stamp.to_string(), json!(now));
        answer.insert("stock_id".into(), json!(call.path("stock_id")));
        Outcome::changed(Answer::json(200, &Value::Object(answer)))
    }

    fn send(&mut self, call: &Call<'_>) -> Outcome {
        let b = call.body;
        let openid = call.path("openid").to_string();
        let stock_id = text(b, "stock_id");
        let held = self
            .coupons
            .iter()
            .filter(|((o, _), c)| *o == openid && c["stock_id"] == stock_id)
            .count() as i64;
        self.sequence += 1;
        let coupon_id = format!("{}", 10_000_000_000u64 + self.sequence);
        let Some(stock) = self
            .stocks
            .get_mut(stock_id)
            .filter(|s| s.json["stock_creator_mchid"] == b["stock_creator_mchid"])
        else {
            return Outcome::error(404, "RESOURCE_NOT_EXISTS", NO_STOCK);
        };
        if stock.json["status"] != "running" {
            return Outcome::error(400, "INVALID_REQUEST", "the stock is not running");
        }
        let sent = stock.json["distributed_coupons"].as_i64().unwrap_or(0);
        let limits = ("max_coupons", "max_coupons_per_user");
        if let Err(refused) = check_send_limits(&stock.json["stock_use_rule"], limits, sent, held) {
            return refused;
        }
        stock.json["distributed_coupons"] = json!(sent + 1);
        let s = &stock.json;
        let coupon = json!({
            "stock_creator_mchid": s["stock_creator_mchid"],
            "stock_id": stock_id,
            "coupon_id": coupon_id,
            "coupon_name": s["stock_name"],
            "status": "SENDED",
            "description": s["description"],
            "create_time": now_rfc3339(),
            "coupon_type": "NORMAL",
            "no_cash": s["no_cash"],
            "singleitem": false,
            "available_begin_time": s["available_begin_time"],
            "available_end_time": s["available_end_time"],
            "normal_coupon_information": stock.coupon_rule["fixed_normal_coupon"],
        });
        self.coupons.insert((openid, coupon_id.clone()), coupon);
        Outcome::changed(Answer::json(200, &json!({ "coupon_id": coupon_id })))
    }

    fn list_coupons(&self, call: &Call<'_>) -> Outcome {
        let matching: Vec<&Value> = self
            .coupons
            .iter()
            .filter(|((openid, _), _)| openid == call.path("openid"))
            .map(|(_, c)| c)
            .filter(|c| {
                call.query_allows("stock_id", &c["stock_id"])
                    && call.query_allows("status", &c["status"])
            })
            .collect();
        // `offset` is a page number here, as the cash-coupon list APIs count it.
        let page = call.query_number("offset", 0);
        let limit = call.query_number("limit", 20);
        let data: Vec<&Value> = matching
            .iter()
            .skip(page * limit)
            .take(limit)
            .copied()
            .collect();
        Outcome::unchanged(Answer::json(
            200,
            &json!({ "total_count": matching.len(), "offset": page, "limit": limit, "data": data }),
        ))
    }

    /// Redeems a coupon as a payment would: USED, with where and when; the answer is the
    /// COUPON.USE resource.
    pub(super) fn use_coupon(
        &mut self,
        openid: &str,
        coupon_id: &str,
        transaction_id: &str,
    ) -> Result<Value, String> {
        let c = self
            .coupons
            .get_mut(&(openid.to_string(), coupon_id.to_string()))
            .ok_or_else(|| format!("user `{openid}` holds no coupon `{coupon_id}`"))?;
        if c["status"] != "SENDED" {
            return Err(format!(
                "coupon `{coupon_id}` is {}, not SENDED",
                c["status"]
            ));
        }
        c["status"] = json!("USED");
        c["consume_information"] = json!({
            "consume_time": now_rfc3339(),
            "consume_mchid": c["stock_creator_mchid"],
            "transaction_id": transaction_id,
        });
        Ok(c.clone())
    }
}
