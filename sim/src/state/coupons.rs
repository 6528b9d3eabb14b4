//! 商家券 and 商品券: a coupon in a user's wallet is used once; a repeated request number replays
//! the first answer.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Call, Outcome, now_rfc3339, text};
use crate::handler::Answer;

/// A merchant coupon (商家券) in a user's wallet.
#[derive(Clone, Debug)]
struct BusifavorCoupon {
    stock_id: String,
    openid: String,
    state: &'static str,
}

#[derive(Default)]
pub(super) struct Busifavor {
    coupons: BTreeMap<String, BusifavorCoupon>,
    uses: BTreeMap<String, Answer>,
}

impl Busifavor {
    pub(super) fn handle(&mut self, op: &str, call: &Call<'_>) -> Option<Outcome> {
        match op {
            "use_coupon" => Some(self.use_coupon(call)),
            _ => None,
        }
    }

    pub(super) fn provision(&mut self, stock_id: &str, coupon_code: &str, openid: &str) {
        self.coupons.insert(
            coupon_code.to_string(),
            BusifavorCoupon {
                stock_id: stock_id.into(),
                openid: openid.into(),
                state: "SENDED",
            },
        );
    }

    fn use_coupon(&mut self, call: &Call<'_>) -> Outcome {
        let b = call.body;
        let request_no = text(b, "use_request_no").to_string();
        if let Some(first) = self.uses.get(&request_no) {
            return Outcome::unchanged(first.clone());
        }
        let code = text(b, "coupon_code");
        let Some(coupon) = self.coupons.get_mut(code) else {
            return Outcome::error(404, "RESOURCE_NOT_EXISTS", "no coupon has this coupon_code");
        };
        if let Some(stock) = b.get("stock_id").and_then(Value::as_str)
            && stock != coupon.stock_id
        {
            return Outcome::error(
                404,
                "RESOURCE_NOT_EXISTS",
                "the coupon is not of this stock",
            );
        }
        if coupon.state != "SENDED" {
            return Outcome::error(
                400,
                "RESOURCE_ALREADY_EXISTS",
                "the coupon was already used",
            );
        }
        coupon.state = "USED";
        let answer = Answer::json(
            200,
            &json!({ "stock_id": coupon.stock_id, "openid": coupon.openid, "wechatpay_use_time": now_rfc3339() }),
        );
        self.uses.insert(request_no, answer.clone());
        Outcome::changed(answer)
    }
}

/// A product coupon (商品券) a user holds, as the full JSON the API returns, keyed by
/// (openid, coupon_code).
#[derive(Default)]
pub(super) struct ProductCoupons {
    coupons: BTreeMap<(String, String), Value>,
    uses: BTreeMap<String, Answer>,
}

impl ProductCoupons {
    pub(super) fn handle(&mut self, op: &str, call: &Call<'_>) -> Option<Outcome> {
        match op {
            "use_user_coupon" => Some(self.use_user_coupon(call)),
            _ => None,
        }
    }

    pub(super) fn provision(&mut self, openid: &str, coupon: Value) {
        let code = text(&coupon, "coupon_code").to_string();
        self.coupons.insert((openid.to_string(), code), coupon);
    }

    fn use_user_coupon(&mut self, call: &Call<'_>) -> Outcome {
        let b = call.body;
        let request_no = text(b, "out_request_no").to_string();
        if let Some(first) = self.uses.get(&request_no) {
            return Outcome::unchanged(first.clone());
        }
        let key = (
            call.path("openid").to_string(),
            call.path("coupon_code").to_string(),
        );
        let Some(c) = self.coupons.get_mut(&key) else {
            return Outcome::error(404, "NOT_FOUND", "no user coupon has this coupon_code");
        };
        if c["product_coupon"]["product_coupon_id"] != b["product_coupon_id"] {
            return Outcome::error(
                404,
                "NOT_FOUND",
                "no product coupon has this product_coupon_id",
            );
        }
        if c["stock"]["stock_id"] != b["stock_id"] {
            return Outcome::error(404, "NOT_FOUND", "no stock has this stock_id");
        }
        if c["coupon_state"] != "EFFECTIVE" {
            return Outcome::error(403, "NOT_ENOUGH", "the user coupon cannot be used now");
        }
        c["coupon_state"] = json!("USED");
        c["single_usage_detail"] = json!({
            "use_request_no": request_no,
            "use_time": b["use_time"],
            "associated_order_info": b["associated_order_info"],
        });
        let answer = Answer::json(200, c);
        self.uses.insert(request_no, answer.clone());
        Outcome::changed(answer)
    }
}
