//! State where it matters: coupons that can be used once, orders that can be paid, closed and
//! refunded, request numbers that replay the first answer. Operations without a handler here answer
//! with their documented example.

mod bills;
mod busifavor;
mod favor;
mod payments;
mod product_coupon;

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::Value;

use crate::handler::Answer;

pub use payments::PaidOrder;

/// What a stateful handler sees of a valid request.
pub struct Call<'a> {
    /// Path parameters by wire name.
    pub path: &'a BTreeMap<String, String>,
    /// Query parameters by wire name, typed as the spec declares them.
    pub query: &'a BTreeMap<String, Value>,
    /// The JSON body (`Null` when there is none).
    pub body: &'a Value,
}

impl Call<'_> {
    /// A path parameter, or "" when the route has none of that name.
    fn path(&self, name: &str) -> &str {
        self.path.get(name).map_or("", String::as_str)
    }

    /// A query parameter given as text, or "".
    fn query(&self, name: &str) -> &str {
        self.query.get(name).and_then(Value::as_str).unwrap_or("")
    }

    /// Whether a list filter lets `value` through: the query parameter `name` is absent (no
    /// filter) or equal to it.
    fn query_allows<T: PartialEq<str> + ?Sized>(&self, name: &str, value: &T) -> bool {
        let wanted = self.query(name);
        wanted.is_empty() || value == wanted
    }

    /// A numeric query parameter (paging), or `default`.
    fn query_number(&self, name: &str, default: usize) -> usize {
        self.query
            .get(name)
            .and_then(Value::as_u64)
            .map_or(default, |n| n as usize)
    }
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
    fn error(status: u16, code: &str, message: &str) -> Self {
        Self::unchanged(Answer::error(status, code, message, None))
    }
}

/// Everything the simulator remembers; one lock per family keeps each request's reads and writes
/// consistent under concurrent requests.
pub struct Store {
    /// `http://127.0.0.1:PORT`: where links to the simulator itself point.
    origin: String,
    busifavor: Mutex<busifavor::Busifavor>,
    product: Mutex<product_coupon::ProductCoupons>,
    favor: Mutex<favor::Favor>,
    payments: Mutex<payments::Payments>,
    bills: Mutex<bills::Bills>,
}

/// First successful answers by (operation, request number): a repeat gets the same answer and
/// changes nothing.
#[derive(Default)]
struct Replays(BTreeMap<(String, String), Answer>);

impl Replays {
    fn get(&self, op: &str, key: &str) -> Option<Outcome> {
        self.0
            .get(&(op.to_string(), key.to_string()))
            .map(|first| Outcome::unchanged(first.clone()))
    }

    /// Remembers an outcome that changed state; refusals are not replayed.
    fn record(&mut self, op: &str, key: String, outcome: &Outcome) {
        if outcome.effect {
            self.0.insert((op.to_string(), key), outcome.answer.clone());
        }
    }
}

/// The sending limits both coupon families put on a stock: `sent` coupons so far, `held` by this
/// user, against the rule's total and per-user fields.
fn check_send_limits(
    rule: &Value,
    (total, per_user): (&str, &str),
    sent: i64,
    held: i64,
) -> Result<(), Outcome> {
    if rule[total].as_i64().is_some_and(|max| sent >= max) {
        return Err(Outcome::error(
            400,
            "INVALID_REQUEST",
            &format!("the stock has sent {total} coupons"),
        ));
    }
    if rule[per_user].as_i64().is_some_and(|max| held >= max) {
        return Err(Outcome::error(
            400,
            "INVALID_REQUEST",
            &format!("the user holds {per_user} coupons of this stock"),
        ));
    }
    Ok(())
}

/// The new coupon's code: the caller's under the code mode where the caller assigns codes (and
/// only there), otherwise `generated()`.
fn coupon_code(
    mode: Option<&str>,
    caller_assigns: &str,
    given: Option<&Value>,
    generated: impl FnOnce() -> String,
) -> Result<String, Outcome> {
    match (mode == Some(caller_assigns), given) {
        (true, Some(Value::String(code))) => Ok(code.clone()),
        (true, _) => Err(Outcome::error(
            400,
            "PARAM_ERROR",
            &format!("coupon_code is required for {caller_assigns} stocks"),
        )),
        (false, Some(_)) => Err(Outcome::error(
            400,
            "PARAM_ERROR",
            &format!("coupon_code is only for {caller_assigns} stocks"),
        )),
        (false, None) => Ok(generated()),
    }
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
    /// An empty store for a simulator listening at `origin`.
    pub fn new(origin: String) -> Self {
        Self {
            origin,
            busifavor: Mutex::default(),
            product: Mutex::default(),
            favor: Mutex::default(),
            payments: Mutex::default(),
            bills: Mutex::default(),
        }
    }

    /// The handler for an operation id, if it keeps state.
    pub fn handle(&self, operation: &str, call: &Call<'_>) -> Option<Outcome> {
        let (family, op) = operation.split_once('.')?;
        match family {
            "busifavor" => lock(&self.busifavor).handle(op, call),
            "product_coupon" => lock(&self.product).handle(op, call),
            "favor" => lock(&self.favor).handle(op, call),
            "pay_transactions" | "refund_domestic" => lock(&self.payments).handle(operation, call),
            // Bills list the payments: the bill lock is taken first, and nowhere else takes both.
            "bill" => lock(&self.bills).handle(op, call, &self.origin, &lock(&self.payments)),
            _ => None,
        }
    }

    /// Puts a usable merchant coupon in a user's wallet; `stock` (the stock as queried) is used
    /// when the stock is not known yet.
    pub fn provision_busifavor_coupon(
        &self,
        stock: impl FnOnce() -> Value,
        stock_id: &str,
        coupon_code: &str,
        openid: &str,
    ) {
        let mut busifavor = lock(&self.busifavor);
        if !busifavor.has_stock(stock_id) {
            busifavor.provision_stock(stock());
        }
        busifavor.provision(stock_id, coupon_code, openid);
    }

    /// Gives a user a usable product coupon, described by the API's JSON (`coupon_code` and the
    /// owner's `openid` key it).
    pub fn provision_product_coupon(&self, openid: &str, coupon: Value) {
        lock(&self.product).provision(openid, coupon);
    }

    /// Redeems a cash coupon as a payment would; the COUPON.USE resource.
    pub fn use_cash_coupon(
        &self,
        openid: &str,
        coupon_id: &str,
        transaction_id: &str,
    ) -> Result<Value, String> {
        lock(&self.favor).use_coupon(openid, coupon_id, transaction_id)
    }

    /// The REFUND.SUCCESS callback resource of a refund, once made.
    pub fn refund_notice(&self, out_refund_no: &str) -> Option<Value> {
        lock(&self.payments).refund_notice(out_refund_no)
    }

    /// Marks an unpaid order paid by `openid`, as the user's payment would.
    pub fn pay_order(&self, out_trade_no: &str, openid: &str) -> Result<PaidOrder, String> {
        lock(&self.payments).pay(out_trade_no, openid)
    }
}
