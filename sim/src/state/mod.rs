//! State where it matters: the lifecycles the spec declares (coupons that can be used once, orders
//! that can be paid, closed and refunded), served by one [`engine`], with request numbers that
//! replay the first answer. What the spec cannot declare is hand-written per family and registered
//! by operation id ([`rules`]). Operations without state answer with their documented example.

mod applyment4sub;
mod bills;
mod busifavor;
mod certificates;
mod codepay;
mod complaints;
mod ecommerce_applyments;
mod ecommerce_fund;
mod ecommerce_refunds;
pub(crate) mod engine;
mod favor;
mod mch_transfer;
mod partner_transfer;
mod payments;
mod payscore;
mod product_coupon;
mod profitsharing;
pub(crate) mod rules;
mod transfer_batches;

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::{Value, json};
use wechatpay_apiv3_generator::model::Api;

use crate::handler::Answer;
use engine::{Engine, Index, World};

pub use certificates::Platform;
pub use engine::{Notice, Refused, Transitioned};
pub use payments::PaidOrder;

/// What a stateful handler sees of a valid request.
pub struct Call<'a> {
    /// Path parameters by wire name.
    pub path: &'a BTreeMap<String, String>,
    /// Query parameters by wire name, typed as the spec declares them.
    pub query: &'a BTreeMap<String, Value>,
    /// The JSON body (`Null` when there is none), its sensitive fields opened with WeChat Pay's
    /// private key as WeChat Pay reads them: a repeat compares, and a record holds, what was
    /// meant, not one of its encryptions (RSA-OAEP gives another ciphertext every time).
    pub body: &'a Value,
    /// The body exactly as it arrived (sensitive fields still sealed), kept beside a record it
    /// creates ([`crate::Simulator::created_with`]).
    pub arrived: &'a Value,
}

static NO_PATH: BTreeMap<String, String> = BTreeMap::new();
static NO_QUERY: BTreeMap<String, Value> = BTreeMap::new();

impl Call<'_> {
    /// A call with only a body: a control transition's.
    pub fn with_body(body: &Value) -> Call<'_> {
        Call {
            path: &NO_PATH,
            query: &NO_QUERY,
            body,
            arrived: body,
        }
    }

    /// A request field by wire name: a path parameter, a query parameter or a body member.
    pub fn field(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.path.get(name) {
            return Some(json!(v));
        }
        self.query
            .get(name)
            .or_else(|| self.body.get(name))
            .filter(|v| !v.is_null())
            .cloned()
    }

    /// A request field as text, or "".
    fn text(&self, name: &str) -> String {
        engine::text_of(self.field(name).as_ref())
    }

    /// A numeric query parameter (paging), or `default`.
    fn number(&self, name: &str, default: usize) -> usize {
        self.query
            .get(name)
            .and_then(Value::as_u64)
            .map_or(default, |n| n as usize)
    }

    /// Everything the request said, to tell a repeat from another request under the same number.
    fn request(&self) -> Value {
        json!({ "path": self.path, "query": self.query, "body": self.body })
    }
}

/// The answer, and whether state changed (what [`crate::Faults::effects`] counts).
pub struct Outcome {
    pub answer: Answer,
    pub effect: bool,
}

impl Outcome {
    pub fn changed(answer: Answer) -> Self {
        Self {
            answer,
            effect: true,
        }
    }
    pub fn unchanged(answer: Answer) -> Self {
        Self {
            answer,
            effect: false,
        }
    }
    pub fn error(status: u16, code: &str, message: &str) -> Self {
        Self::unchanged(Answer::error(status, code, message, None))
    }
}

/// Everything the simulator remembers, behind one lock: each request's reads and writes are
/// consistent under concurrent requests, across families (a refund reads its order).
pub struct Store {
    world: Mutex<World>,
    index: Index,
    rules: BTreeMap<&'static str, &'static rules::Rule>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The sending limits the coupon families put on a stock: `sent` coupons so far, `held` by this
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

/// Now, as WeChat Pay writes times (China Standard Time).
pub fn now_rfc3339() -> String {
    rfc3339(crate::security::now()).unwrap_or_default()
}

/// Unix seconds as WeChat Pay writes times: RFC 3339 in China Standard Time (UTC+8).
pub fn rfc3339(unix: i64) -> Result<String, String> {
    let cst = time::UtcOffset::from_hms(8, 0, 0).map_err(|e| e.to_string())?;
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map_err(|e| e.to_string())?
        .to_offset(cst)
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| e.to_string())
}

impl Store {
    /// An empty store for a simulator listening at `origin` as merchant `mchid` (the merchant a
    /// resource no request names the payer of is paid by), listing the `platform` certificates;
    /// refuses a hand-written rule for an operation the spec does not have.
    pub fn new(
        origin: String,
        mchid: String,
        platform: Platform,
        merchant_key: wechatpay_apiv3_runtime::client::VerifyingKey,
        api: &Api,
    ) -> Result<Self, String> {
        let index = Index::new(api);
        let rules = rules::registry(api, &index)?;
        let mut world = World::new(origin, mchid, Some(platform));
        world.merchant_key = Some(merchant_key);
        Ok(Self {
            world: Mutex::new(world),
            index,
            rules,
        })
    }

    /// Forgets every resource, replay and file (the platform certificates and key stay).
    pub fn reset(&self) {
        let mut world = lock(&self.world);
        let origin = std::mem::take(&mut world.origin);
        let mchid = std::mem::take(&mut world.mchid);
        let platform = world.platform.take();
        let merchant_key = world.merchant_key.take();
        *world = World::new(origin, mchid, platform);
        world.merchant_key = merchant_key;
    }

    /// Changes one byte of the bill file behind `token` (as a network or a store could), so a
    /// client's checks can be seen to refuse it; whether there was such a file.
    pub fn tamper_bill_file(&self, token: &str) -> bool {
        let mut world = lock(&self.world);
        match world.files.get_mut(token).and_then(|f| f.last_mut()) {
            Some(byte) => {
                *byte ^= 0x01;
                true
            }
            None => false,
        }
    }

    /// Runs `f` on the engine, under the lock.
    fn with<R>(&self, api: &Api, f: impl FnOnce(&mut Engine<'_>) -> R) -> R {
        let mut world = lock(&self.world);
        f(&mut Engine {
            api,
            world: &mut world,
            index: &self.index,
            rules: &self.rules,
        })
    }

    /// The answer to a valid request: from a lifecycle or a hand-written rule, else `documented`
    /// (the example answer); request numbers replay either.
    pub fn handle(
        &self,
        api: &Api,
        operation: &str,
        call: &Call<'_>,
        documented: impl FnOnce() -> Outcome,
    ) -> Outcome {
        self.with(api, |engine| match engine.handle(operation, call) {
            Some(outcome) => outcome,
            None => engine.replay_or(operation, call, documented),
        })
    }

    /// Gives a user a usable product coupon, described by the API's JSON (`coupon_code` and the
    /// owner's `openid` key it).
    pub fn provision_product_coupon(&self, api: &Api, openid: &str, coupon: Value) {
        self.with(api, |e| product_coupon::provision(e, openid, coupon));
    }

    /// [`Self::provision_product_coupon`], made usable (EFFECTIVE, no redemption).
    pub fn provision_usable_product_coupon(&self, api: &Api, openid: &str, coupon: Value) {
        self.with(api, |e| product_coupon::provision_usable(e, openid, coupon));
    }

    /// Makes a resource through the control create of `family`'s lifecycle `lifecycle`.
    pub fn create(
        &self,
        api: &Api,
        family: &str,
        lifecycle: &str,
        body: &Value,
    ) -> Result<Transitioned, Refused> {
        self.with(api, |e| e.control_create(family, lifecycle, body))
    }

    /// Makes the control transition `family.lifecycle.transition` on the resource under `key`.
    pub fn control(
        &self,
        api: &Api,
        id: &str,
        key: &str,
        body: &Value,
    ) -> Result<Transitioned, Refused> {
        self.with(api, |e| e.control(id, key, body))
    }

    /// The callback control transition `id` would send for the resource under `key`, as it is.
    pub fn notice_of(&self, api: &Api, id: &str, key: &str) -> Option<Notice> {
        self.with(api, |e| e.notice_of(id, key))
    }

    /// The body of the request that created the resource under `key` of `family`'s `lifecycle`,
    /// as it arrived (sensitive fields still encrypted to WeChat Pay's key).
    pub fn created_with(
        &self,
        api: &Api,
        family: &str,
        lifecycle: &str,
        key: &str,
    ) -> Option<Value> {
        self.with(api, |e| {
            e.get(family, lifecycle, key).map(|r| r.request.clone())
        })
    }

    /// The callbacks operations made owe (transitions with `notify:`), taken off the store.
    pub fn take_notices(&self) -> Vec<Notice> {
        std::mem::take(&mut lock(&self.world).notices)
    }

    /// Every control transition of spec/, as `family.lifecycle.transition`.
    pub fn controls(&self) -> Vec<String> {
        self.index.controls().map(str::to_string).collect()
    }

    /// Every control create of spec/, as `family.lifecycle.create`.
    pub fn creates(&self) -> Vec<String> {
        self.index.creates().map(str::to_string).collect()
    }
}
