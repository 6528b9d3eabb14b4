//! State where it matters: coupons that can be used once, request numbers that replay the first
//! answer. Operations without a handler here answer with their documented example.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::{Value, json};

use crate::handler::Answer;

/// What a stateful handler sees of a valid request.
pub struct Call<'a> {
    /// Path parameters by wire name.
    pub path: &'a BTreeMap<String, String>,
    /// The JSON body (`Null` when there is none).
    pub body: &'a Value,
}

/// The answer, and whether state changed (what [`crate::Faults::effects`] counts).
pub struct Outcome {
    pub answer: Answer,
    pub effect: bool,
}

impl Outcome {
    fn changed(answer: Answer) -> Self {
        Self {
            answer,
            effect: true,
        }
    }
    fn unchanged(answer: Answer) -> Self {
        Self {
            answer,
            effect: false,
        }
    }
}

/// A merchant coupon (商家券) in a user's wallet.
#[derive(Clone, Debug)]
struct BusifavorCoupon {
    stock_id: String,
    openid: String,
    state: &'static str,
}

/// A product coupon (商品券) a user holds, as the full JSON the API returns.
#[derive(Clone, Debug)]
struct UserProductCoupon {
    json: Value,
}

/// Everything the simulator remembers; one lock per family keeps concurrent requests consistent.
#[derive(Default)]
pub struct Store {
    busifavor: Mutex<Busifavor>,
    product: Mutex<ProductCoupons>,
}

#[derive(Default)]
struct Busifavor {
    coupons: BTreeMap<String, BusifavorCoupon>,
    uses: BTreeMap<String, Answer>,
}

#[derive(Default)]
struct ProductCoupons {
    coupons: BTreeMap<(String, String), UserProductCoupon>,
    uses: BTreeMap<String, Answer>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Now, as WeChat Pay writes times (China Standard Time).
pub fn now_rfc3339() -> String {
    let cst = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let now = time::OffsetDateTime::now_utc()
        .to_offset(cst)
        .replace_nanosecond(0)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn text<'a>(body: &'a Value, key: &str) -> &'a str {
    body.get(key).and_then(Value::as_str).unwrap_or("")
}

impl Store {
    /// The handler for an operation id, if it keeps state.
    pub fn handle(&self, operation: &str, call: &Call<'_>) -> Option<Outcome> {
        match operation {
            "busifavor.use_coupon" => Some(self.busifavor_use(call)),
            "product_coupon.use_user_coupon" => Some(self.product_use(call)),
            _ => None,
        }
    }

    /// Puts a usable merchant coupon in a user's wallet.
    pub fn provision_busifavor_coupon(&self, stock_id: &str, coupon_code: &str, openid: &str) {
        lock(&self.busifavor).coupons.insert(
            coupon_code.to_string(),
            BusifavorCoupon {
                stock_id: stock_id.into(),
                openid: openid.into(),
                state: "SENDED",
            },
        );
    }

    /// Gives a user a usable product coupon, described by the API's JSON (`coupon_code` and the
    /// owner's `openid` key it).
    pub fn provision_product_coupon(&self, openid: &str, coupon: Value) {
        let code = text(&coupon, "coupon_code").to_string();
        lock(&self.product).coupons.insert(
            (openid.to_string(), code),
            UserProductCoupon { json: coupon },
        );
    }

    fn busifavor_use(&self, call: &Call<'_>) -> Outcome {
        let b = call.body;
        let mut store = lock(&self.busifavor);
        let request_no = text(b, "use_request_no").to_string();
        if let Some(first) = store.uses.get(&request_no) {
            return Outcome::unchanged(first.clone());
        }
        let code = text(b, "coupon_code");
        let Some(coupon) = store.coupons.get_mut(code) else {
            return Outcome::unchanged(Answer::error(
                404,
                "RESOURCE_NOT_EXISTS",
                "no coupon has this coupon_code",
                None,
            ));
        };
        if let Some(stock) = b.get("stock_id").and_then(Value::as_str)
            && stock != coupon.stock_id
        {
            return Outcome::unchanged(Answer::error(
                404,
                "RESOURCE_NOT_EXISTS",
                "the coupon is not of this stock",
                None,
            ));
        }
        if coupon.state != "SENDED" {
            return Outcome::unchanged(Answer::error(
                400,
                "RESOURCE_ALREADY_EXISTS",
                "the coupon was already used",
                None,
            ));
        }
        coupon.state = "USED";
        let answer = Answer::json(
            200,
            &json!({ "stock_id": coupon.stock_id, "openid": coupon.openid, "wechatpay_use_time": now_rfc3339() }),
        );
        store.uses.insert(request_no, answer.clone());
        Outcome::changed(answer)
    }

    fn product_use(&self, call: &Call<'_>) -> Outcome {
        let b = call.body;
        let mut store = lock(&self.product);
        let request_no = text(b, "out_request_no").to_string();
        if let Some(first) = store.uses.get(&request_no) {
            return Outcome::unchanged(first.clone());
        }
        let openid = call.path.get("openid").cloned().unwrap_or_default();
        let code = call.path.get("coupon_code").cloned().unwrap_or_default();
        let Some(coupon) = store.coupons.get_mut(&(openid, code)) else {
            return Outcome::unchanged(Answer::error(
                404,
                "NOT_FOUND",
                "no user coupon has this coupon_code",
                None,
            ));
        };
        let c = &mut coupon.json;
        if c["product_coupon"]["product_coupon_id"] != b["product_coupon_id"] {
            return Outcome::unchanged(Answer::error(
                404,
                "NOT_FOUND",
                "no product coupon has this product_coupon_id",
                None,
            ));
        }
        if c["stock"]["stock_id"] != b["stock_id"] {
            return Outcome::unchanged(Answer::error(
                404,
                "NOT_FOUND",
                "no stock has this stock_id",
                None,
            ));
        }
        if c["coupon_state"] != "EFFECTIVE" {
            return Outcome::unchanged(Answer::error(
                403,
                "NOT_ENOUGH",
                "the user coupon cannot be used now",
                None,
            ));
        }
        c["coupon_state"] = json!("USED");
        c["single_usage_detail"] = json!({
            "use_request_no": request_no,
            "use_time": b["use_time"],
            "associated_order_info": b["associated_order_info"],
        });
        let answer = Answer::json(200, c);
        store.uses.insert(request_no, answer.clone());
        Outcome::changed(answer)
    }
}
