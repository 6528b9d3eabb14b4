//! The control API: what a test in any language needs and WeChat Pay's own API cannot do — pay an
//! order as its user would, deliver callbacks, inject faults, read effect counts, reset.
//!
//! Every route is under `/_sim/` (a prefix no WeChat Pay path uses), takes and answers unsigned
//! JSON, and is served only while the simulator listens on a loopback address. Each call goes
//! through the public [`Simulator`] methods a Rust test would use, so both see one simulator.
//!
//! Things a user, a reviewer or the bank does are the spec's: every lifecycle transition without
//! an `operation:` is `POST /_sim/{family}/{lifecycle}/{key}/{transition}`, every create without
//! one (a user files a complaint, receives a coupon) is `POST /_sim/{family}/{lifecycle}/create`,
//! and each sends the callback its `notify:` names. A product line that gains such a step (a
//! transfer the user confirms, an application a reviewer rejects) adds YAML, not a route.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::handler::Answer;
use crate::{Fault, Notice, Simulator, State};

/// The path prefix of every control route (`/_sim`, then `/...`).
const PREFIX: &str = "/_sim";

/// Distinct error codes an injected `status` fault may carry ([`Fault::Status`] holds a
/// `&'static str`, so each distinct code is kept once for the life of the process).
const MAX_FAULT_CODES: usize = 64;

/// The control API's memory: callbacks not yet delivered.
#[derive(Default)]
pub struct Control {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    queue: Vec<Callback>,
    sequence: u64,
    fault_codes: BTreeSet<&'static str>,
}

/// A callback the simulator owes the merchant.
#[derive(Clone)]
struct Callback {
    id: String,
    event_type: String,
    original_type: String,
    resource: Value,
    notify_url: Option<String>,
    attempts: u32,
    last_status: Option<u16>,
    last_error: Option<String>,
}

impl Callback {
    fn to_json(&self, delivered: bool) -> Value {
        json!({
            "id": self.id,
            "event_type": self.event_type,
            "original_type": self.original_type,
            "notify_url": self.notify_url,
            "attempts": self.attempts,
            "last_status": self.last_status,
            "last_error": self.last_error,
            "delivered": delivered,
            "resource": self.resource,
        })
    }
}

impl Control {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Forgets every queued callback.
    pub fn reset(&self) {
        self.lock().queue.clear();
    }

    fn queue(&self, notice: Notice) -> Callback {
        let mut inner = self.lock();
        inner.sequence += 1;
        let callback = Callback {
            id: format!("CB{:06}", inner.sequence),
            event_type: notice.event_type,
            original_type: notice.original_type,
            resource: notice.resource,
            notify_url: notice.notify_url,
            attempts: 0,
            last_status: None,
            last_error: None,
        };
        inner.queue.push(callback.clone());
        callback
    }

    /// A `&'static` copy of an error code, kept once per distinct code.
    fn fault_code(&self, code: &str) -> Result<&'static str, String> {
        let mut inner = self.lock();
        if let Some(known) = inner.fault_codes.get(code) {
            return Ok(known);
        }
        if inner.fault_codes.len() >= MAX_FAULT_CODES {
            return Err(format!(
                "at most {MAX_FAULT_CODES} distinct fault codes per process"
            ));
        }
        let code: &'static str = Box::leak(code.to_string().into_boxed_str());
        inner.fault_codes.insert(code);
        Ok(code)
    }
}

/// Queues the callbacks operations owe (a transition with `notify:`, made by a merchant's
/// request) and delivers each that has a URL in the background, as WeChat Pay would after
/// answering the request.
pub(crate) fn owe(state: &Arc<State>, notices: Vec<Notice>) {
    for notice in notices {
        let callback = state.control.queue(notice);
        if let Some(url) = callback.notify_url.clone() {
            let state = state.clone();
            tokio::spawn(async move {
                let sim = Simulator::view(state.clone());
                deliver_one(&state, &sim, callback, &url).await;
            });
        }
    }
}

/// The answer to a control request, or `None` when the path is not under `/_sim`.
pub(crate) async fn answer(
    state: &Arc<State>,
    parts: &hyper::http::request::Parts,
    body: &[u8],
) -> Option<Answer> {
    let rest = parts.uri.path().strip_prefix(PREFIX)?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let mut answer = if state.addr.ip().is_loopback() {
        route(state, parts, rest, body).await.unwrap_or_else(|e| e)
    } else {
        error(403, "the control API is served only on a loopback address")
    };
    answer.unsigned = true;
    Some(answer)
}

fn ok(body: Value) -> Answer {
    Answer::json(200, &body)
}

fn error(status: u16, message: &str) -> Answer {
    Answer::error(status, "SIM_CONTROL", message, None)
}

const ROUTES: &str = "GET /_sim/credentials, POST /_sim/reset, GET /_sim/effects[?operation=ID], \
    POST|DELETE /_sim/faults, GET /_sim/callbacks, POST /_sim/callbacks/deliver, GET /_sim/actions, \
    POST /_sim/{family}/{lifecycle}/create, POST /_sim/{family}/{lifecycle}/{key}/{transition}, \
    POST /_sim/bill_files/{token}/tamper";

async fn route(
    state: &Arc<State>,
    parts: &hyper::http::request::Parts,
    rest: &str,
    raw: &[u8],
) -> Result<Answer, Answer> {
    let sim = Simulator::view(state.clone());
    let segments: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| crate::routes::percent_decode(s).ok_or_else(|| error(400, "bad percent-encoding")))
        .collect::<Result<_, _>>()?;
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let body: Value = if raw.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(raw)
            .map_err(|e| error(400, &format!("the body is not JSON: {e}")))?
    };
    let method = parts.method.as_str();
    Ok(match (method, segments.as_slice()) {
        ("GET", ["credentials"]) => credentials(&sim)?,
        ("POST", ["reset"]) => {
            sim.reset();
            ok(json!({ "reset": true }))
        }
        ("GET", ["effects"]) => effects(state, &sim, parts.uri.query())?,
        ("POST", ["faults"]) => inject(state, &sim, &body)?,
        ("DELETE", ["faults"]) => {
            sim.faults().clear();
            ok(json!({ "cleared": true }))
        }
        ("GET", ["callbacks"]) => {
            let queue = state.control.lock().queue.clone();
            ok(json!({ "callbacks": queue.iter().map(|c| c.to_json(false)).collect::<Vec<_>>() }))
        }
        ("POST", ["callbacks", "deliver"]) => deliver_queued(state, &sim, &body).await?,
        ("GET", ["actions"]) => ok(actions(state)),
        // Before the create route, which a three-segment path would also match.
        ("POST", ["bill_files", token, "tamper"]) => tamper(&sim, token)?,
        ("POST", [family, lifecycle, "create"]) => {
            create(state, &sim, [family, lifecycle], &body).await?
        }
        ("POST", [family, lifecycle, key, name]) => {
            transition(state, &sim, [family, lifecycle, name], key, &body).await?
        }
        _ => error(
            404,
            &format!("no control route {method} {PREFIX}{rest}; the routes: {ROUTES}"),
        ),
    })
}

fn credentials(sim: &Simulator) -> Result<Answer, Answer> {
    let credentials = sim.credentials().ok_or_else(|| {
        error(
            404,
            "this simulator runs an identity of its own, whose secrets it does not hold",
        )
    })?;
    Ok(ok(credentials.to_json()))
}

/// `{operation: {calls, effects}}` for every operation called since the start or reset, or for
/// the one named.
fn effects(state: &State, sim: &Simulator, query: Option<&str>) -> Result<Answer, Answer> {
    let wanted = query
        .unwrap_or("")
        .split('&')
        .find_map(|p| p.strip_prefix("operation="))
        .map(|id| crate::routes::percent_decode(id).unwrap_or_default());
    if let Some(id) = &wanted {
        known_operation(state, id)?;
    }
    let counts: serde_json::Map<String, Value> = state
        .faults
        .operations()
        .iter()
        .filter(|id| wanted.as_ref().is_none_or(|w| w == *id))
        .map(|id| {
            let calls = sim.faults().calls(id);
            (id.clone(), calls, sim.faults().effects(id))
        })
        .filter(|(_, calls, _)| wanted.is_some() || *calls > 0)
        .map(|(id, calls, effects)| (id, json!({ "calls": calls, "effects": effects })))
        .collect();
    Ok(ok(Value::Object(counts)))
}

/// An operation id of spec/, or a 404 naming the closest ids.
fn known_operation(state: &State, id: &str) -> Result<(), Answer> {
    state
        .faults
        .check(id)
        .map_err(|e| error(404, &e.to_string()))
}

/// `{"operation": ID, "fault": F, "times": N}`, F one of `{"status": 500, "code": "SYSTEM_ERROR"}`,
/// `{"latency_ms": N}`, `{"stale_timestamp_secs": N}`, `"drop"`, `"sign_test"`, `"wrong_serial"`,
/// `"missing_signature_headers"`; without `times`, every call.
fn inject(state: &State, sim: &Simulator, body: &Value) -> Result<Answer, Answer> {
    let operation = body["operation"]
        .as_str()
        .ok_or_else(|| error(400, "`operation` (an operation id of spec/) is required"))?;
    known_operation(state, operation)?;
    let times = match &body["times"] {
        Value::Null => None,
        n => Some(
            n.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| error(400, "`times` must be a positive integer"))?,
        ),
    };
    let fault = parse_fault(state, &body["fault"]).map_err(|e| error(400, &e))?;
    sim.faults()
        .inject(operation, fault, times)
        .map_err(|e| error(404, &e.to_string()))?;
    Ok(ok(
        json!({ "injected": body["fault"], "operation": operation, "times": times }),
    ))
}

fn parse_fault(state: &State, fault: &Value) -> Result<Fault, String> {
    let number = |key: &str| fault[key].as_u64();
    Ok(match fault {
        Value::String(name) => match name.as_str() {
            "drop" => Fault::Drop,
            "sign_test" => Fault::SignTest,
            "wrong_serial" => Fault::WrongSerial,
            "missing_signature_headers" => Fault::MissingSignatureHeaders,
            other => return Err(format!("unknown fault `{other}`")),
        },
        Value::Object(_) if fault.get("status").is_some() => {
            let status = number("status")
                .and_then(|s| u16::try_from(s).ok())
                .filter(|s| (400..600).contains(s))
                .ok_or("`fault.status` must be an HTTP error status (400 to 599)")?;
            let code = fault["code"].as_str().unwrap_or("SYSTEM_ERROR");
            let valid = !code.is_empty()
                && code.len() <= 64
                && code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_');
            if !valid {
                return Err("`fault.code` must be 1 to 64 of A-Z and _".into());
            }
            Fault::Status {
                status,
                code: state.control.fault_code(code)?,
            }
        }
        Value::Object(_) if fault.get("latency_ms").is_some() => Fault::Latency(
            Duration::from_millis(number("latency_ms").ok_or("`latency_ms` must be a number")?),
        ),
        Value::Object(_) if fault.get("stale_timestamp_secs").is_some() => {
            Fault::StaleTimestamp(Duration::from_secs(
                number("stale_timestamp_secs").ok_or("`stale_timestamp_secs` must be a number")?,
            ))
        }
        _ => {
            return Err(
                "`fault` must be \"drop\", \"sign_test\", \"wrong_serial\", \
                 \"missing_signature_headers\", {\"status\", \"code\"}, {\"latency_ms\"} or \
                 {\"stale_timestamp_secs\"}"
                    .into(),
            );
        }
    })
}

/// The body fields a control call's `records:` copy (request sources), dotted.
fn recorded_fields(records: &[wechatpay_apiv3_generator::model::Recorded]) -> Vec<String> {
    records
        .iter()
        .filter_map(|r| match &r.source {
            wechatpay_apiv3_generator::model::Source::Request(p) => Some(p.join(".")),
            _ => None,
        })
        .collect()
}

/// Every control route: the spec's creates and transitions without an operation.
fn actions(state: &State) -> Value {
    let mut actions = Vec::new();
    for f in &state.api.families {
        for l in &f.lifecycles {
            if let Some(c) = l.control_create() {
                actions.push(json!({
                    "route": format!("POST {PREFIX}/{}/{}/create", f.name, l.name),
                    "does": c.doc,
                    "to": c.state,
                    "key": l.key,
                    "needs": c.needs,
                    "records": recorded_fields(&c.records),
                    "callback": c.notify.as_ref().map(|n| &n.event_type),
                }));
            }
            for t in l.transitions.iter().filter(|t| t.control) {
                actions.push(json!({
                    "route": format!("POST {PREFIX}/{}/{}/{{{}}}/{}", f.name, l.name, l.key, t.name),
                    "does": t.doc,
                    "from": t.from,
                    "to": t.to,
                    "needs": t.needs,
                    "records": recorded_fields(&t.records),
                    "callback": t.notify.as_ref().map(|n| &n.event_type),
                }));
            }
        }
    }
    actions.push(json!({ "route": format!("POST {PREFIX}/{TAMPER}"), "does": TAMPER_DOES }));
    json!({ "actions": actions })
}

/// The one hand-written control route: a fault in a file rather than a change of a resource.
const TAMPER: &str = "bill_files/{token}/tamper";
const TAMPER_DOES: &str = "changes one byte of the bill file a download link's token names (no \
    body), so a client's hash or GCM tag check can be seen to refuse it";

/// `POST /_sim/bill_files/{token}/tamper` ([`TAMPER_DOES`]).
fn tamper(sim: &Simulator, token: &str) -> Result<Answer, Answer> {
    if sim.tamper_bill_file(token) {
        Ok(ok(json!({ "token": token, "tampered": true })))
    } else {
        Err(error(404, &format!("no bill file has the token `{token}`")))
    }
}

/// `POST /_sim/{family}/{lifecycle}/{key}/{transition}`: makes the transition, then queues the
/// callback it owes and (unless `"deliver": false`) delivers it to the body's `notify_url`, else
/// the one the resource was made with.
async fn transition(
    state: &State,
    sim: &Simulator,
    [family, lifecycle, name]: [&str; 3],
    key: &str,
    body: &Value,
) -> Result<Answer, Answer> {
    let done = sim
        .transition(family, lifecycle, key, name, body)
        .map_err(|r| error(r.status, &r.message))?;
    let made = json!({ "transition": format!("{family}.{lifecycle}.{name}") });
    Ok(ok(owed(state, sim, made, done, body).await))
}

/// `POST /_sim/{family}/{lifecycle}/create`: makes the resource as the lifecycle's control create
/// declares (its key from the body, or assigned), then queues the callback it owes and (unless
/// `"deliver": false`) delivers it to the body's `notify_url`.
async fn create(
    state: &State,
    sim: &Simulator,
    [family, lifecycle]: [&str; 2],
    body: &Value,
) -> Result<Answer, Answer> {
    let done = sim
        .create(family, lifecycle, body)
        .map_err(|r| error(r.status, &r.message))?;
    let made = json!({ "create": format!("{family}.{lifecycle}") });
    Ok(ok(owed(state, sim, made, done, body).await))
}

/// The answer of a control call that made `done`: `made` with the record and the callbacks it
/// owes, each queued and (unless the body says `"deliver": false`) delivered.
async fn owed(
    state: &State,
    sim: &Simulator,
    mut made: Value,
    done: crate::Transitioned,
    body: &Value,
) -> Value {
    let deliver = body["deliver"].as_bool().unwrap_or(true);
    let mut callbacks = Vec::new();
    for notice in done.notices {
        let callback = state.control.queue(notice);
        callbacks.push(send_if(state, sim, callback, deliver).await);
    }
    made["record"] = done.record;
    // The first callback (most changes send one), and all of them.
    made["callback"] = callbacks.first().cloned().unwrap_or(Value::Null);
    made["callbacks"] = json!(callbacks);
    made
}

/// Delivers a queued callback when asked to and it has somewhere to go; its state either way.
async fn send_if(state: &State, sim: &Simulator, callback: Callback, deliver: bool) -> Value {
    match (&callback.notify_url, deliver) {
        (Some(url), true) => {
            let url = url.clone();
            deliver_one(state, sim, callback, &url).await
        }
        _ => callback.to_json(false),
    }
}

/// Sends one callback to `url`; a 2xx answer takes it off the queue, anything else leaves it
/// there with the status or error recorded.
async fn deliver_one(state: &State, sim: &Simulator, mut callback: Callback, url: &str) -> Value {
    let sent_to = plain_http(url);
    let sent = sim
        .send_notification(
            &sent_to,
            &callback.event_type,
            &callback.original_type,
            &callback.resource,
        )
        .await;
    callback.attempts += 1;
    let delivered = matches!(sent, Ok(status) if (200..300).contains(&status));
    match sent {
        Ok(status) => {
            callback.last_status = Some(status);
            callback.last_error = None;
        }
        Err(e) => callback.last_error = Some(e),
    }
    let mut inner = state.control.lock();
    let position = inner.queue.iter().position(|c| c.id == callback.id);
    match (position, delivered) {
        (Some(i), true) => {
            inner.queue.remove(i);
        }
        (Some(i), false) => inner.queue[i] = callback.clone(),
        // Reset while it was on its way: nothing to update.
        (None, _) => {}
    }
    let mut answer = callback.to_json(delivered);
    answer["notify_url"] = json!(url);
    answer["sent_to"] = json!(sent_to);
    answer
}

/// Where a callback for `url` really goes. WeChat Pay requires an `https://` notify_url, and the
/// simulator holds no TLS, so a loopback `https://127.0.0.1:PORT/...` is called over plain HTTP:
/// an order can name the test's own listener and still pass the spec's rule.
fn plain_http(url: &str) -> String {
    match url.strip_prefix("https://") {
        Some(rest)
            if ["127.", "localhost", "[::1]"]
                .iter()
                .any(|h| rest.starts_with(h)) =>
        {
            format!("http://{rest}")
        }
        _ => url.to_string(),
    }
}

/// `{"url": optional, "id": optional}`: delivers every queued callback (or the one `id`) to
/// `url`, or each to its own notify_url.
async fn deliver_queued(state: &State, sim: &Simulator, body: &Value) -> Result<Answer, Answer> {
    let url = body["url"].as_str();
    let id = body["id"].as_str();
    let queued: Vec<Callback> = state
        .control
        .lock()
        .queue
        .iter()
        .filter(|c| id.is_none_or(|id| c.id == id))
        .cloned()
        .collect();
    if let (Some(id), true) = (id, queued.is_empty()) {
        return Err(error(404, &format!("no queued callback has id `{id}`")));
    }
    let mut results = Vec::new();
    for callback in queued {
        let target = url
            .map(str::to_string)
            .or_else(|| callback.notify_url.clone());
        results.push(match target {
            Some(target) => deliver_one(state, sim, callback, &target).await,
            None => {
                let mut answer = callback.to_json(false);
                answer["last_error"] = json!("no notify_url: give `url`");
                answer
            }
        });
    }
    Ok(ok(json!({ "callbacks": results })))
}
