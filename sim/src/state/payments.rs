//! Payments and refunds: an order is placed (NOTPAY), paid by the test through
//! [`crate::Simulator::pay_order`] (SUCCESS), closed if unpaid (CLOSED), and refunded in parts up to
//! its total (REFUND). Order and refund numbers replay the first answer.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Call, Outcome, now_rfc3339, text};
use crate::handler::Answer;

/// An order the simulator has accepted.
struct Order {
    /// The prepay request as sent: a repeat must match it to get the first answer back.
    request: Value,
    trade_type: &'static str,
    prepay_answer: Answer,
    state: &'static str,
    transaction_id: Option<String>,
    success_time: Option<String>,
    openid: Option<String>,
    refunded: i64,
}

impl Order {
    fn total(&self) -> i64 {
        self.request["amount"]["total"].as_i64().unwrap_or(0)
    }

    fn currency(&self) -> &str {
        self.request["amount"]["currency"].as_str().unwrap_or("CNY")
    }

    /// The order as the query operations and the TRANSACTION.SUCCESS callback show it.
    fn transaction(&self) -> Value {
        let r = &self.request;
        let desc = match self.state {
            "SUCCESS" => "支付成功",
            "REFUND" => "转入退款",
            "CLOSED" => "已关闭",
            _ => "未支付",
        };
        let mut t = json!({
            "appid": r["appid"],
            "mchid": r["mchid"],
            "out_trade_no": r["out_trade_no"],
            "trade_type": self.trade_type,
            "trade_state": self.state,
            "trade_state_desc": desc,
            "amount": { "total": self.total(), "currency": self.currency() },
        });
        if let Some(attach) = r.get("attach") {
            t["attach"] = attach.clone();
        }
        if let (Some(id), Some(at), Some(openid)) =
            (&self.transaction_id, &self.success_time, &self.openid)
        {
            t["transaction_id"] = json!(id);
            t["success_time"] = json!(at);
            t["bank_type"] = json!("OTHERS");
            t["payer"] = json!({ "openid": openid });
            t["amount"]["payer_total"] = json!(self.total());
            t["amount"]["payer_currency"] = json!(self.currency());
        }
        t
    }
}

/// What a test gets back when it pays an order.
#[derive(Clone, Debug)]
pub struct PaidOrder {
    /// The WeChat Pay transaction id the simulator assigned.
    pub transaction_id: String,
    /// The order as TRANSACTION.SUCCESS carries it: send it with
    /// [`crate::Simulator::send_notification`].
    pub transaction: Value,
}

/// A refund: the answer its creation gave, and what a query shows now.
struct RefundRecord {
    created: Answer,
    current: Value,
}

#[derive(Default)]
pub(super) struct Payments {
    orders: BTreeMap<String, Order>,
    by_transaction_id: BTreeMap<String, String>,
    refunds: BTreeMap<String, RefundRecord>,
    sequence: u64,
}

impl Payments {
    pub(super) fn handle(&mut self, operation: &str, call: &Call<'_>) -> Option<Outcome> {
        Some(match operation {
            "pay_transactions.prepay_jsapi" => self.prepay(call, "JSAPI"),
            "pay_transactions.prepay_app" => self.prepay(call, "APP"),
            "pay_transactions.prepay_h5" => self.prepay(call, "MWEB"),
            "pay_transactions.prepay_native" => self.prepay(call, "NATIVE"),
            "pay_transactions.query_by_out_trade_no" => {
                self.query(call.path("out_trade_no"), call.query("mchid"))
            }
            "pay_transactions.query_by_transaction_id" => {
                let out_trade_no = self
                    .by_transaction_id
                    .get(call.path("transaction_id"))
                    .cloned()
                    .unwrap_or_default();
                self.query(&out_trade_no, call.query("mchid"))
            }
            "pay_transactions.close_order" => self.close(call),
            "refund_domestic.create_refund" => self.refund(call),
            "refund_domestic.query_by_out_refund_no" => {
                match self.refunds.get(call.path("out_refund_no")) {
                    Some(r) => Outcome::unchanged(Answer::json(200, &r.current)),
                    None => Outcome::error(
                        404,
                        "RESOURCE_NOT_EXISTS",
                        "no refund has this out_refund_no",
                    ),
                }
            }
            _ => return None,
        })
    }

    fn next(&mut self) -> u64 {
        self.sequence += 1;
        self.sequence
    }

    fn prepay(&mut self, call: &Call<'_>, trade_type: &'static str) -> Outcome {
        let out_trade_no = text(call.body, "out_trade_no").to_string();
        if let Some(order) = self.orders.get(&out_trade_no) {
            // WeChat Pay answers a repeat of the same order with the same prepay; anything else
            // under a used number is refused.
            return if order.request == *call.body
                && order.trade_type == trade_type
                && order.state == "NOTPAY"
            {
                Outcome::unchanged(order.prepay_answer.clone())
            } else {
                Outcome::error(
                    403,
                    "OUT_TRADE_NO_USED",
                    "this out_trade_no was used with other parameters",
                )
            };
        }
        let n = self.next();
        let prepay_id = format!("wx{}{n:012}", compact(&now_rfc3339()));
        let answer = Answer::json(
            200,
            &match trade_type {
                "NATIVE" => json!({ "code_url": format!("weixin://wxpay/bizpayurl?pr=sim{n:08}") }),
                "MWEB" => {
                    json!({ "h5_url": format!("https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={prepay_id}&package={n}") })
                }
                _ => json!({ "prepay_id": prepay_id }),
            },
        );
        self.orders.insert(
            out_trade_no,
            Order {
                request: call.body.clone(),
                trade_type,
                prepay_answer: answer.clone(),
                state: "NOTPAY",
                transaction_id: None,
                success_time: None,
                openid: None,
                refunded: 0,
            },
        );
        Outcome::changed(answer)
    }

    fn query(&self, out_trade_no: &str, mchid: &str) -> Outcome {
        match self.orders.get(out_trade_no) {
            Some(order) if order.request["mchid"] == mchid => {
                Outcome::unchanged(Answer::json(200, &order.transaction()))
            }
            _ => Outcome::error(
                404,
                "ORDER_NOT_EXIST",
                "no order of this merchant has this number",
            ),
        }
    }

    fn close(&mut self, call: &Call<'_>) -> Outcome {
        let Some(order) = self
            .orders
            .get_mut(call.path("out_trade_no"))
            .filter(|o| o.request["mchid"] == call.body["mchid"])
        else {
            return Outcome::error(
                404,
                "ORDER_NOT_EXIST",
                "no order of this merchant has this number",
            );
        };
        match order.state {
            "NOTPAY" => {
                order.state = "CLOSED";
                Outcome::changed(Answer::empty(204))
            }
            // As the official table documents: closing twice is refused, and changes nothing.
            "CLOSED" => Outcome::error(400, "ORDER_CLOSED", "the order is closed already"),
            _ => Outcome::error(400, "ORDER_PAID", "the order is paid; refund it instead"),
        }
    }

    pub(super) fn pay(&mut self, out_trade_no: &str, openid: &str) -> Result<PaidOrder, String> {
        let n = self.next();
        let order = self
            .orders
            .get_mut(out_trade_no)
            .ok_or_else(|| format!("no order has out_trade_no `{out_trade_no}`"))?;
        if order.state != "NOTPAY" {
            return Err(format!(
                "order `{out_trade_no}` is {}, not NOTPAY",
                order.state
            ));
        }
        let now = now_rfc3339();
        let transaction_id = format!("42000{}{n:09}", compact(&now));
        order.state = "SUCCESS";
        order.transaction_id = Some(transaction_id.clone());
        order.success_time = Some(now);
        order.openid = Some(openid.to_string());
        let transaction = order.transaction();
        self.by_transaction_id
            .insert(transaction_id.clone(), out_trade_no.to_string());
        Ok(PaidOrder {
            transaction_id,
            transaction,
        })
    }

    fn refund(&mut self, call: &Call<'_>) -> Outcome {
        let b = call.body;
        let out_refund_no = text(b, "out_refund_no").to_string();
        if let Some(first) = self.refunds.get(&out_refund_no) {
            return Outcome::unchanged(first.created.clone());
        }
        let out_trade_no = match b.get("transaction_id").and_then(Value::as_str) {
            Some(id) => self.by_transaction_id.get(id).cloned().unwrap_or_default(),
            None => text(b, "out_trade_no").to_string(),
        };
        let n = self.next();
        let Some(order) = self
            .orders
            .get_mut(&out_trade_no)
            .filter(|o| matches!(o.state, "SUCCESS" | "REFUND"))
        else {
            return Outcome::error(
                404,
                "RESOURCE_NOT_EXISTS",
                "the order does not exist or is not paid",
            );
        };
        let refund = b["amount"]["refund"].as_i64().unwrap_or(0);
        if b["amount"]["total"].as_i64() != Some(order.total()) {
            return Outcome::error(
                400,
                "INVALID_REQUEST",
                "amount.total is not the order's total",
            );
        }
        if order.refunded + refund > order.total() {
            return Outcome::error(
                400,
                "INVALID_REQUEST",
                "the refunds would exceed the order's total",
            );
        }
        order.refunded += refund;
        order.state = "REFUND";
        let created_at = now_rfc3339();
        let mut json = json!({
            "refund_id": format!("50300{}{n:09}", compact(&created_at)),
            "out_refund_no": out_refund_no,
            "transaction_id": order.transaction_id,
            "out_trade_no": out_trade_no,
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": created_at,
            "status": "PROCESSING",
            "amount": {
                "total": order.total(),
                "refund": refund,
                "payer_total": order.total(),
                "payer_refund": refund,
                "settlement_total": order.total(),
                "settlement_refund": refund,
                "discount_refund": 0,
                "currency": order.currency(),
            },
        });
        let created = Answer::json(200, &json);
        // The refund completes at once: a query after the answer shows it arrived.
        json["status"] = json!("SUCCESS");
        json["success_time"] = json["create_time"].clone();
        self.refunds.insert(
            out_refund_no,
            RefundRecord {
                created: created.clone(),
                current: json,
            },
        );
        Outcome::changed(created)
    }
}

impl Payments {
    /// The resource of the REFUND.SUCCESS callback of a refund the simulator made.
    pub(super) fn refund_notice(&self, out_refund_no: &str) -> Option<Value> {
        let r = &self.refunds.get(out_refund_no)?.current;
        let mchid = self
            .orders
            .get(r["out_trade_no"].as_str().unwrap_or_default())
            .map(|o| o.request["mchid"].clone())
            .unwrap_or_default();
        Some(json!({
            "mchid": mchid,
            "out_trade_no": r["out_trade_no"],
            "transaction_id": r["transaction_id"],
            "out_refund_no": r["out_refund_no"],
            "refund_id": r["refund_id"],
            "refund_status": r["status"],
            "success_time": r["success_time"],
            "user_received_account": r["user_received_account"],
            "amount": {
                "total": r["amount"]["total"],
                "refund": r["amount"]["refund"],
                "payer_total": r["amount"]["payer_total"],
                "payer_refund": r["amount"]["payer_refund"],
                "currency": r["amount"]["currency"],
                "payer_currency": r["amount"]["currency"],
            },
        }))
    }
}

/// `2026-11-23T15:20:04+08:00` as `20261123152004`, for ids that look like WeChat Pay's.
fn compact(rfc3339: &str) -> String {
    rfc3339
        .chars()
        .take(19)
        .filter(char::is_ascii_digit)
        .collect()
}

/// Fen as yuan with two decimals, as bills write amounts.
fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

impl Payments {
    /// Orders paid on `date` (YYYY-MM-DD), in order-number order.
    fn paid_on<'a>(&'a self, date: &'a str) -> impl Iterator<Item = (&'a String, &'a Order)> {
        self.orders.iter().filter(move |(_, o)| {
            o.success_time
                .as_deref()
                .is_some_and(|t| t.starts_with(date))
        })
    }

    /// A trade bill of the day's payments, in the CSV layout of WeChat Pay's bills (every value
    /// behind a backquote, a totals section at the end).
    pub(super) fn trade_bill(&self, date: &str) -> String {
        let mut out = String::from(
            "交易时间,公众账号ID,商户号,微信订单号,商户订单号,用户标识,交易类型,交易状态,货币种类,应结订单金额,商品名称\n",
        );
        let (mut count, mut total) = (0, 0);
        for (no, o) in self.paid_on(date) {
            count += 1;
            total += o.total();
            out.push_str(&format!(
                "`{},`{},`{},`{},`{},`{},`{},`SUCCESS,`{},`{},`{}\n",
                o.success_time.as_deref().unwrap_or_default(),
                text(&o.request, "appid"),
                text(&o.request, "mchid"),
                o.transaction_id.as_deref().unwrap_or_default(),
                no,
                o.openid.as_deref().unwrap_or_default(),
                o.trade_type,
                o.currency(),
                yuan(o.total()),
                text(&o.request, "description"),
            ));
        }
        out.push_str("总交易单数,应结订单总金额\n");
        out.push_str(&format!("`{count},`{}\n", yuan(total)));
        out
    }

    /// A fund-flow bill of the basic account: one income line per payment of the day.
    pub(super) fn fund_flow_bill(&self, date: &str) -> String {
        let mut out = String::from(
            "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额（元）,账户结余（元）\n",
        );
        let mut balance = 0;
        for (_, o) in self.paid_on(date) {
            balance += o.total();
            out.push_str(&format!(
                "`{},`{},`{},`交易,`交易,`收入,`{},`{}\n",
                o.success_time.as_deref().unwrap_or_default(),
                o.transaction_id.as_deref().unwrap_or_default(),
                o.transaction_id.as_deref().unwrap_or_default(),
                yuan(o.total()),
                yuan(balance),
            ));
        }
        out
    }
}
