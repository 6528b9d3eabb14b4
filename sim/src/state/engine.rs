//! One engine for every lifecycle the spec declares (`lifecycles:` in family.yaml): create,
//! query, list (paging and filters), transition, and replay by the spec's `idempotency_keys`.
//! Records are JSON objects of the lifecycle's type, projected onto it so they never hold a field
//! the type does not declare; every answer is checked against the operation's response type before
//! it is sent. What no declaration can say (send limits, partial refunds, bill files) is
//! hand-written in the family modules and registered by operation id ([`super::rules`]).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};
use wechatpay_apiv3_generator::model::{
    Api, Lifecycle, Notify, Operation, Paging, Recorded, ResponseKind, Source, TyKind, TypeDef,
    TypePath,
};

use super::rules::Rule;
use super::{Call, Outcome, now_rfc3339};
use crate::handler::Answer;

/// A resource: its record as queried, and beside it what no query answers: whose it is (the owner
/// is not a field of the record), where its callbacks go (the `notify_url` of the request that
/// made it) and that request's body (what a bill shows of an order, such as its description).
#[derive(Clone, Debug)]
pub struct Record {
    pub owner: Option<String>,
    pub notify_url: Option<String>,
    /// The body of the request that created it (`Null` for one a test provisioned).
    pub request: Value,
    pub json: Value,
}

/// A callback a change owes the merchant (a transition's `notify:`).
#[derive(Clone, Debug)]
pub struct Notice {
    /// One of the notification's event types (`TRANSACTION.SUCCESS`).
    pub event_type: String,
    /// The notification's `resource.original_type` (`transaction`).
    pub original_type: String,
    /// The decrypted resource: the record, projected onto the notification's type.
    pub resource: Value,
    /// Where it goes: the control call's `notify_url`, else the record's.
    pub notify_url: Option<String>,
}

/// A control transition made: the record after it and the callback it owes, if any.
#[derive(Clone, Debug)]
pub struct Transitioned {
    /// The record after the change, as a query answers it.
    pub record: Value,
    /// The callbacks the change owes (`notify:`), not yet sent: one, or one per item where the
    /// notification is about one item of the record (a share of a profit-sharing order).
    pub notices: Vec<Notice>,
}

/// Why a control transition was not made: an HTTP status for the control API, and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// 400 (a field it needs is missing), 404 (no such resource or transition), 409 (the
    /// resource is in another state, or a hand-written rule refused), 500 (a simulator bug).
    pub status: u16,
    /// What is wrong, naming the field, resource or state.
    pub message: String,
}

impl Refused {
    fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.status)
    }
}

impl std::error::Error for Refused {}

/// The first successful answer to a request number, and the request it answered.
#[derive(Clone)]
struct Replay {
    request: Value,
    answer: Answer,
}

/// Everything the simulator remembers.
#[derive(Default)]
pub struct World {
    /// `http://127.0.0.1:PORT`: where links to the simulator itself point.
    pub origin: String,
    /// The merchant the simulator serves (a transfer bill's payer).
    pub mchid: String,
    /// Records by (family, lifecycle), then by key.
    resources: BTreeMap<(String, String), BTreeMap<String, Record>>,
    replays: BTreeMap<String, Replay>,
    sequence: u64,
    /// Bill files by download token, exactly as served.
    pub files: BTreeMap<String, Vec<u8>>,
    /// The profit-sharing receivers on each merchant's list (added, not yet deleted): kept by
    /// the hand-written rules of both profit-sharing lines, since a receiver has no state field a
    /// lifecycle could be declared by.
    pub receivers: BTreeSet<super::profitsharing::Receiver>,
    /// The platform certificates `GET /v3/certificates` lists (kept by a reset).
    pub platform: Option<super::Platform>,
    /// Callbacks operations owe (a transition with `notify:`), not yet handed to the control API.
    pub notices: Vec<Notice>,
    /// The merchant certificate's key, which encrypted bills' file keys are encrypted to (kept
    /// by a reset).
    pub merchant_key: Option<wechatpay_apiv3_runtime::client::VerifyingKey>,
}

impl World {
    /// An empty world for a simulator listening at `origin` for merchant `mchid`, listing
    /// `platform` as its platform certificates.
    pub fn new(origin: String, mchid: String, platform: Option<super::Platform>) -> Self {
        Self {
            origin,
            mchid,
            platform,
            ..Self::default()
        }
    }
}

/// What an operation does in a lifecycle.
#[derive(Clone, Copy, Debug)]
enum Role {
    Create(usize),
    Query,
    List,
    Transition(usize),
}

/// Where each operation's lifecycle is: (family index, lifecycle index, role), by operation id;
/// and each transition no operation makes: (family, lifecycle, transition index, whether the
/// control API serves it) by `family.lifecycle.transition`.
/// And each create no operation makes: (family, lifecycle, create index) by
/// `family.lifecycle.create`.
pub struct Index(
    BTreeMap<String, (usize, usize, Role)>,
    BTreeMap<String, (usize, usize, usize, bool)>,
    BTreeMap<String, (usize, usize, usize)>,
);

impl Index {
    pub fn new(api: &Api) -> Self {
        let mut map = BTreeMap::new();
        let mut controls = BTreeMap::new();
        let mut creates = BTreeMap::new();
        for (fi, f) in api.families.iter().enumerate() {
            for (li, l) in f.lifecycles.iter().enumerate() {
                let id = |op: &str| format!("{}.{op}", f.name);
                for (i, c) in l.creates.iter().enumerate() {
                    match &c.operation {
                        Some(op) => {
                            map.insert(id(op), (fi, li, Role::Create(i)));
                        }
                        None => {
                            creates.insert(create_id(&f.name, &l.name), (fi, li, i));
                        }
                    }
                }
                for q in &l.queries {
                    map.insert(id(q), (fi, li, Role::Query));
                }
                if let Some(list) = &l.list {
                    map.insert(id(&list.operation), (fi, li, Role::List));
                }
                for (i, t) in l.transitions.iter().enumerate() {
                    match &t.operation {
                        Some(op) => {
                            map.insert(id(op), (fi, li, Role::Transition(i)));
                        }
                        None => {
                            let id = format!("{}.{}.{}", f.name, l.name, t.name);
                            controls.insert(id, (fi, li, i, t.control));
                        }
                    }
                }
            }
        }
        Self(map, controls, creates)
    }

    /// Every control create, as `family.lifecycle.create`, in order.
    pub fn creates(&self) -> impl Iterator<Item = &str> {
        self.2.keys().map(String::as_str)
    }

    /// Every control transition (the control API's), as `family.lifecycle.transition`, in order.
    pub fn controls(&self) -> impl Iterator<Item = &str> {
        self.1
            .iter()
            .filter(|(_, (.., control))| *control)
            .map(|(id, _)| id.as_str())
    }

    /// Whether `id` (`family.lifecycle.transition`, or `family.lifecycle.create`) is a
    /// transition or a create no operation makes.
    pub fn is_control(&self, id: &str) -> bool {
        self.1.contains_key(id) || self.2.contains_key(id)
    }

    /// Whether a lifecycle creates or changes something through this operation.
    pub fn changes(&self, operation: &str) -> bool {
        matches!(
            self.0.get(operation),
            Some((_, _, Role::Create(_) | Role::Transition(_)))
        )
    }
}

/// The id of a lifecycle's control create, under which its hand-written rule is registered.
pub fn create_id(family: &str, lifecycle: &str) -> String {
    format!("{family}.{lifecycle}.create")
}

/// Each field `needs` names is a non-empty string of `body`, or a `400` naming the first missing.
fn check_needs(needs: &[String], body: &Value) -> Result<(), Refused> {
    if !body.is_object() {
        return Err(Refused::new(400, "the body must be a JSON object"));
    }
    match needs
        .iter()
        .find(|need| body[need.as_str()].as_str().is_none_or(str::is_empty))
    {
        Some(need) => Err(Refused::new(
            400,
            format!("`{need}` (a string) is required"),
        )),
        None => Ok(()),
    }
}

/// A hand-written rule's refusal of a control call, as the control API answers it: 404 stays, the
/// rest is a conflict (`409`), with the rule's message.
fn refused_by_rule(refused: &Outcome, otherwise: u16) -> Refused {
    let answer: Value = serde_json::from_slice(&refused.answer.body).unwrap_or_default();
    let status = if refused.answer.status == 404 {
        404
    } else {
        otherwise
    };
    Refused::new(status, text_of(answer.get("message")))
}

/// The engine over the world, for one request (or one simulator action).
pub struct Engine<'a> {
    pub api: &'a Api,
    pub world: &'a mut World,
    pub index: &'a Index,
    pub rules: &'a BTreeMap<&'static str, &'static Rule>,
}

/// The value at `path`; through an array, its first element's (the elements of a record's array
/// share what a lifecycle keeps there, as a combined order's sub-orders share its state).
fn get_path<'v>(value: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, k| match v {
        Value::Array(items) => items.first()?.get(k),
        _ => v.get(k),
    })
}

/// Sets `path` in `value`, making the objects on the way; through an array, in every element.
pub fn set_path(value: &mut Value, path: &[String], new: Value) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if let Value::Array(items) = value {
        for item in items {
            set_path(item, path, new.clone());
        }
        return;
    }
    if rest.is_empty() {
        value[first.as_str()] = new;
        return;
    }
    if !value
        .get(first)
        .is_some_and(|v| v.is_object() || v.is_array())
    {
        value[first.as_str()] = json!({});
    }
    set_path(&mut value[first.as_str()], rest, new);
}

fn remove_path(value: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let parent = parents.iter().try_fold(value, |v, k| v.get_mut(k));
    if let Some(Value::Object(map)) = parent {
        map.remove(last);
    }
}

/// The operation of a full id.
pub fn operation<'a>(api: &'a Api, id: &str) -> Option<&'a Operation> {
    let (family, op) = id.split_once('.')?;
    api.families
        .iter()
        .filter(|f| f.name == family)
        .flat_map(|f| &f.operations)
        .find(|o| o.id == op)
}

/// An error answer with the status the operation's error table gives `code` (or `fallback`).
pub fn refusal(op: Option<&Operation>, code: &str, fallback: u16, message: &str) -> Outcome {
    let status = op
        .and_then(|o| o.errors.iter().find(|e| e.code == code))
        .map_or(fallback, |e| e.status);
    Outcome::error(status, code, message)
}

impl Engine<'_> {
    fn lifecycle(&self, family: &str, name: &str) -> Option<&Lifecycle> {
        self.api
            .families
            .iter()
            .find(|f| f.name == family)?
            .lifecycles
            .iter()
            .find(|l| l.name == name)
    }

    /// A new number, for ids the simulator assigns.
    pub fn next(&mut self) -> u64 {
        self.world.sequence += 1;
        self.world.sequence
    }

    /// The record of `family`'s lifecycle `name` under `key`.
    pub fn get(&self, family: &str, name: &str, key: &str) -> Option<&Record> {
        self.world
            .resources
            .get(&(family.to_string(), name.to_string()))?
            .get(key)
    }

    pub fn get_mut(&mut self, family: &str, name: &str, key: &str) -> Option<&mut Record> {
        self.world
            .resources
            .get_mut(&(family.to_string(), name.to_string()))?
            .get_mut(key)
    }

    /// Every record of a lifecycle, in key order.
    pub fn records(&self, family: &str, name: &str) -> impl Iterator<Item = (&String, &Record)> {
        self.world
            .resources
            .get(&(family.to_string(), name.to_string()))
            .into_iter()
            .flatten()
    }

    /// Stores a record under its key field, projected onto the lifecycle's type.
    pub fn insert(&mut self, family: &str, name: &str, owner: Option<&str>, json: Value) {
        self.insert_made(family, name, owner, &Value::Null, json);
    }

    /// [`Self::insert`] for a record `request` (a body) created: kept beside it, with its
    /// `notify_url`, where the resource's callbacks go.
    pub fn insert_made(
        &mut self,
        family: &str,
        name: &str,
        owner: Option<&str>,
        request: &Value,
        json: Value,
    ) {
        let notify_url = request["notify_url"].as_str().map(str::to_string);
        let Some(l) = self.lifecycle(family, name) else {
            return;
        };
        // Read before the projection, which drops a key kept beside the record (`key_beside`).
        let key = text_of(json.get(&l.key));
        let json = project(self.api, &l.ty, json);
        self.world
            .resources
            .entry((family.to_string(), name.to_string()))
            .or_default()
            .insert(
                key,
                Record {
                    owner: owner.map(str::to_string),
                    notify_url,
                    request: request.clone(),
                    json,
                },
            );
    }

    /// Makes a control transition (`family.lifecycle.transition`, one no operation makes: a
    /// payment, a refund arriving, a transfer the user confirms) on the resource under `key`, with
    /// the control call's JSON `body`: checks the fields it `needs`, the owner (when the body names
    /// one) and the state, records what the spec says (body fields like request fields), completes
    /// it with the hand-written rule registered under its id, and builds the callback it owes.
    pub fn control(&mut self, id: &str, key: &str, body: &Value) -> Result<Transitioned, Refused> {
        self.make(id, key, body, true)
    }

    /// Makes a resource of `family`'s lifecycle `lifecycle` as its control create (the create
    /// without `operation:`: a user files a complaint) with the control call's JSON `body`: checks
    /// the fields it `needs`, makes the record as an operation's create would (the body's fields
    /// of the record's, its key from the body or assigned, its state, its `records`), completes it
    /// with the rule registered under `family.lifecycle.create`, refuses a record that breaks its
    /// type (`400` naming the fields), stores it with the body (its `notify_url`) and builds the
    /// callback it owes.
    pub fn control_create(
        &mut self,
        family: &str,
        lifecycle: &str,
        body: &Value,
    ) -> Result<Transitioned, Refused> {
        let api = self.api;
        let id = create_id(family, lifecycle);
        let &(fi, li, ci) = self.index.2.get(&id).ok_or_else(|| {
            let known: Vec<String> = self.index.creates().map(str::to_string).collect();
            Refused::new(
                404,
                format!(
                    "`{family}.{lifecycle}` has no control create in spec/ (closest: {})",
                    crate::faults::closest(&known, &id).join(", ")
                ),
            )
        })?;
        let (f, l) = (&api.families[fi], &api.families[fi].lifecycles[li]);
        let c = &l.creates[ci];
        check_needs(&c.needs, body)?;
        let noun = l.name.replace('_', " ");
        let call = Call::with_body(body);
        let mut record = new_record(c.copy.as_deref(), body);
        let given = call.field(&l.key).map(|k| text_of(Some(&k)));
        if let Some(k) = &given
            && self.get(&f.name, &l.name, k).is_some()
        {
            return Err(Refused::new(
                409,
                format!("a {noun} with {} `{k}` exists already", l.key),
            ));
        }
        let key = given.unwrap_or_else(|| format!("1{:09}", self.next()));
        record[l.key.as_str()] = json!(key);
        set_path(&mut record, &l.state_path(), json!(c.state));
        apply(&mut record, &c.records, &call, &now_rfc3339());
        let rule = self.rules.get(id.as_str()).copied();
        if let Some(fill) = rule.and_then(|r| r.fill) {
            fill(self, &call, &mut record).map_err(|refused| refused_by_rule(&refused, 400))?;
        }
        let key = text_of(record.get(&l.key));
        let record = self
            .valid(&f.name, &l.name, record)
            .map_err(|e| Refused::new(400, e))?;
        let owner = l
            .owner
            .as_ref()
            .and_then(|o| body[o.as_str()].as_str())
            .map(str::to_string);
        let mut record = record;
        if l.key_beside {
            record[l.key.as_str()] = json!(key);
        }
        self.insert_made(&f.name, &l.name, owner.as_deref(), body, record);
        let stored = self
            .get(&f.name, &l.name, &key)
            .map(|r| r.json.clone())
            .unwrap_or_default();
        let notices = match &c.notify {
            Some(notify) => {
                let url = body["notify_url"].as_str().map(str::to_string);
                self.notices(fi, notify, rule, &stored, url)
                    .map_err(|e| Refused::new(500, e))?
            }
            None => Vec::new(),
        };
        Ok(Transitioned {
            record: stored,
            notices,
        })
    }

    /// `record` projected onto the type of `family`'s lifecycle `lifecycle`, or what in it breaks
    /// the type (missing required fields, values outside an enum, lengths), each field named.
    pub fn valid(&self, family: &str, lifecycle: &str, record: Value) -> Result<Value, String> {
        let l = self
            .lifecycle(family, lifecycle)
            .ok_or_else(|| format!("spec/ declares no lifecycle `{family}.{lifecycle}`"))?;
        let record = project(self.api, &l.ty, record);
        let problems = wechatpay_apiv3_generator::validate::check_json(self.api, &l.ty, &record);
        if problems.is_empty() {
            return Ok(record);
        }
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        Err(format!(
            "the {} is not valid: {}",
            l.name.replace('_', " "),
            list.join("; ")
        ))
    }

    /// A transition no operation makes, made by hand-written code (`control: false` ones too):
    /// the record after it.
    pub fn internal(&mut self, id: &str, key: &str) -> Result<Value, String> {
        self.make(id, key, &json!({}), false)
            .map(|t| t.record)
            .map_err(|r| r.message)
    }

    fn make(
        &mut self,
        id: &str,
        key: &str,
        body: &Value,
        from_outside: bool,
    ) -> Result<Transitioned, Refused> {
        let api = self.api;
        let found = self
            .index
            .1
            .get(id)
            .filter(|(.., control)| *control || !from_outside);
        let &(fi, li, ti, _) = found.ok_or_else(|| {
            let known: Vec<String> = self.index.controls().map(str::to_string).collect();
            Refused::new(
                404,
                format!(
                    "`{id}` is no control transition of spec/ (closest: {})",
                    crate::faults::closest(&known, id).join(", ")
                ),
            )
        })?;
        let family = &api.families[fi];
        let l = &family.lifecycles[li];
        let t = &l.transitions[ti];
        check_needs(&t.needs, body)?;
        let noun = l.name.replace('_', " ");
        let record = self
            .get(&family.name, &l.name, key)
            .ok_or_else(|| Refused::new(404, format!("no {noun} has {} `{key}`", l.key)))?;
        if let Some(owner) = l.owner.as_ref().and_then(|o| body[o.as_str()].as_str())
            && record.owner.as_deref() != Some(owner)
        {
            return Err(Refused::new(
                404,
                format!("`{owner}` holds no {noun} with {} `{key}`", l.key),
            ));
        }
        let state = text_of(get_path(&record.json, &l.state_path()));
        if !t.from.contains(&state) {
            return Err(Refused::new(
                409,
                format!(
                    "{noun} `{key}` is {state}, not {}: `{}` needs {}",
                    t.from.join(" or "),
                    t.name,
                    t.from.join(" or ")
                ),
            ));
        }
        let (mut json, record_url) = (record.json.clone(), record.notify_url.clone());
        let call = Call::with_body(body);
        apply(&mut json, &t.records, &call, &now_rfc3339());
        for path in &t.clears {
            remove_path(&mut json, path);
        }
        set_path(&mut json, &l.state_path(), json!(t.to));
        let rule = self.rules.get(id).copied();
        if let Some(fill) = rule.and_then(|r| r.fill) {
            fill(self, &call, &mut json).map_err(|refused| refused_by_rule(&refused, 409))?;
        }
        let json = project(api, &l.ty, json);
        let given_url = body["notify_url"].as_str().map(str::to_string);
        let notices = match &t.notify {
            Some(notify) => self
                .notices(fi, notify, rule, &json, given_url.or(record_url))
                .map_err(|e| Refused::new(500, e))?,
            None => Vec::new(),
        };
        if let Some(record) = self.get_mut(&family.name, &l.name, key) {
            record.json = json.clone();
        }
        Ok(Transitioned {
            record: json,
            notices,
        })
    }

    /// The callbacks `notify` of family `fi` owes for `record`: the resources the rule's `notice`
    /// builds, else the record, each projected onto the notification's type and checked against it.
    fn notices(
        &self,
        fi: usize,
        notify: &Notify,
        rule: Option<&Rule>,
        record: &Value,
        notify_url: Option<String>,
    ) -> Result<Vec<Notice>, String> {
        let api = self.api;
        let (family, id) = match notify.notification.split_once('.') {
            Some((f, id)) => (api.families.iter().find(|x| x.name == f), id),
            None => (api.families.get(fi), notify.notification.as_str()),
        };
        let n = family
            .and_then(|f| f.notifications.iter().find(|n| n.id == id))
            .ok_or_else(|| format!("no notification `{}`", notify.notification))?;
        let resources = match rule.and_then(|r| r.notice) {
            Some(build) => build(self, record),
            None => vec![record.clone()],
        };
        let mut out = Vec::new();
        for resource in resources {
            let resource = project(api, &n.payload, resource);
            let problems =
                wechatpay_apiv3_generator::validate::check_json(api, &n.payload, &resource);
            if !problems.is_empty() {
                let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
                return Err(format!(
                    "SIMULATOR_BUG: the {} callback breaks its type `{}`: {}",
                    notify.event_type,
                    n.payload.name,
                    list.join("; ")
                ));
            }
            out.push(Notice {
                event_type: notify.event_type.clone(),
                original_type: n.original_type.clone(),
                resource,
                notify_url: notify_url.clone(),
            });
        }
        Ok(out)
    }

    /// The (first) callback of control transition `id` for the record under `key` as it is now,
    /// without changing it (the refund notice of a refund made earlier).
    pub fn notice_of(&self, id: &str, key: &str) -> Option<Notice> {
        let &(fi, li, ti, _) = self.index.1.get(id)?;
        let f = &self.api.families[fi];
        let l = &f.lifecycles[li];
        let record = self.get(&f.name, &l.name, key)?;
        let notify = l.transitions[ti].notify.as_ref()?;
        let rule = self.rules.get(id).copied();
        self.notices(fi, notify, rule, &record.json, record.notify_url.clone())
            .ok()?
            .into_iter()
            .next()
    }

    /// Serves `id` if a lifecycle or a hand-written rule covers it.
    pub fn handle(&mut self, id: &str, call: &Call<'_>) -> Option<Outcome> {
        let op = operation(self.api, id)?;
        let rule = self.rules.get(id).copied();
        if let Some(whole) = rule.and_then(|r| r.whole) {
            return Some(checked(self.api, op, whole(self, call)));
        }
        let &(fi, li, role) = self.index.0.get(id)?;
        let api = self.api;
        let family = &api.families[fi];
        let l = &family.lifecycles[li];
        let scope: &[String] = match role {
            Role::Create(i) => &l.creates[i].replay_scope,
            Role::Transition(i) => &l.transitions[i].replay_scope,
            _ => &[],
        };
        let replay_key = replay_key(id, op, scope, call);
        // A create whose rule may replace the record under the key decides in `create`.
        let may_replace =
            matches!(role, Role::Create(_)) && rule.is_some_and(|r| r.replaces.is_some());
        let first = replay_key.as_ref().and_then(|k| self.world.replays.get(k));
        if let Some(first) = first
            && first.request == call.request()
        {
            return Some(Outcome::unchanged(first.answer.clone()));
        }
        if first.is_some() && !may_replace {
            let code = rule.and_then(|r| r.reused).unwrap_or("INVALID_REQUEST");
            return Some(refusal(
                Some(op),
                code,
                400,
                &format!(
                    "{} was used before with other parameters",
                    op.idempotency_keys.join(", ")
                ),
            ));
        }
        let outcome = match role {
            Role::Create(i) => self.create(&family.name, l, i, op, rule, call),
            Role::Query => self.query(&family.name, l, op, call),
            Role::List => self.list(&family.name, l, call),
            Role::Transition(i) => self.change(&family.name, l, i, op, rule, call),
        };
        let outcome = checked(api, op, outcome);
        self.remember(replay_key, call, &outcome);
        Some(outcome)
    }

    /// Creates through `id` as a request would, without replay (one creation that makes
    /// another: a product coupon with its first stock).
    pub fn create_for(&mut self, id: &str, call: &Call<'_>) -> Outcome {
        let api = self.api;
        let (Some(op), Some(&(fi, li, Role::Create(i)))) =
            (operation(api, id), self.index.0.get(id))
        else {
            return Outcome::error(500, "SYSTEM_ERROR", &format!("`{id}` creates nothing"));
        };
        let family = &api.families[fi];
        let rule = self.rules.get(id).copied();
        self.create(&family.name, &family.lifecycles[li], i, op, rule, call)
    }

    /// Replays for an operation no lifecycle covers (answered with its documented example): a
    /// repeat of a request number gets the first answer and changes nothing.
    pub fn replay_or(
        &mut self,
        id: &str,
        call: &Call<'_>,
        answer: impl FnOnce() -> Outcome,
    ) -> Outcome {
        let key = operation(self.api, id).and_then(|op| replay_key(id, op, &[], call));
        if let Some(k) = &key
            && let Some(first) = self.world.replays.get(k)
            && first.request == call.request()
        {
            return Outcome::unchanged(first.answer.clone());
        }
        let outcome = answer();
        self.remember(key, call, &outcome);
        outcome
    }

    /// Keeps the first answer that changed state under its request number; refusals are not
    /// replayed.
    fn remember(&mut self, key: Option<String>, call: &Call<'_>, outcome: &Outcome) {
        if let Some(k) = key
            && outcome.effect
        {
            let replay = Replay {
                request: call.request(),
                answer: outcome.answer.clone(),
            };
            self.world.replays.insert(k, replay);
        }
    }

    /// The resource a request names (by key, or by another finding field), if it is the caller's.
    /// A number found by another field may be the same for two owners (a withdrawal number is
    /// unique per sub-merchant), so it is looked up among the caller's resources only.
    fn find(&self, family: &str, l: &Lifecycle, call: &Call<'_>) -> Option<(String, &Record)> {
        let callers = |record: &Record| {
            // The owner a path or query parameter names (a coupon's openid in the path, a
            // refund's sub_mchid in the query) must be the resource's.
            let owner_ok = l
                .owner
                .as_ref()
                .and_then(|o| {
                    call.path
                        .get(o)
                        .map(|v| json!(v))
                        .or_else(|| call.query.get(o).cloned())
                })
                .is_none_or(|o| record.owner.as_deref() == Some(text_of(Some(&o)).as_str()));
            let matches_ok = l.matches.iter().all(|(field, path)| {
                call.field(field)
                    .is_none_or(|v| get_path(&record.json, path) == Some(&v))
            });
            owner_ok && matches_ok
        };
        let key = match call.field(&l.key) {
            Some(k) => text_of(Some(&k)),
            None => {
                let (field, value) = l
                    .also_by
                    .iter()
                    .find_map(|f| call.field(f).map(|v| (f, v)))?;
                // Compared as text: a path carries `applyment_id` as digits, the record as a number.
                self.records(family, &l.name)
                    .find(|(_, r)| {
                        r.json.get(field).is_some_and(|v| same_text(v, &value)) && callers(r)
                    })
                    .map(|(k, _)| k.clone())?
            }
        };
        let record = self.get(family, &l.name, &key)?;
        callers(record).then_some((key, record))
    }

    fn not_found(l: &Lifecycle, op: &Operation) -> Outcome {
        let code = l.not_found.as_deref().unwrap_or("RESOURCE_NOT_EXISTS");
        refusal(
            Some(op),
            code,
            404,
            &format!("no {} has this {}", l.name.replace('_', " "), l.key),
        )
    }

    fn create(
        &mut self,
        family: &str,
        l: &Lifecycle,
        i: usize,
        op: &Operation,
        rule: Option<&Rule>,
        call: &Call<'_>,
    ) -> Outcome {
        let c = &l.creates[i];
        let now = now_rfc3339();
        let mut record = new_record(c.copy.as_deref(), call.body);
        let given_key = call.field(&l.key).map(|k| text_of(Some(&k)));
        // What a replaced record hands on to the new one (its rule's `replaces`).
        let mut kept = Map::new();
        if let Some(k) = &given_key
            && let Some(existing) = self.get(family, &l.name, k)
        {
            match rule
                .and_then(|r| r.replaces)
                .and_then(|r| r(self, &existing.json))
            {
                Some(fields) => kept = fields,
                None => {
                    return refusal(
                        Some(op),
                        rule.and_then(|r| r.reused).unwrap_or("INVALID_REQUEST"),
                        400,
                        &format!("a {} with this {} exists already", l.name, l.key),
                    );
                }
            }
        }
        let key = given_key.unwrap_or_else(|| format!("1{:09}", self.next()));
        record[l.key.as_str()] = json!(key);
        set_path(&mut record, &l.state_path(), json!(c.state));
        apply(&mut record, &c.records, call, &now);
        if let Some(fill) = rule.and_then(|r| r.fill)
            && let Err(refused) = fill(self, call, &mut record)
        {
            return refused;
        }
        for (field, value) in kept {
            record[field] = value;
        }
        let key = text_of(record.get(&l.key));
        let owner = l
            .owner
            .as_ref()
            .and_then(|o| call.field(o))
            .map(|o| text_of(Some(&o)));
        self.insert_made(family, &l.name, owner.as_deref(), call.arrived, record);
        let mut stored = self
            .get(family, &l.name, &key)
            .map(|r| r.json.clone())
            .unwrap_or_default();
        // A key kept beside the record is what the create answers (the number to query it by).
        if l.key_beside && op.response.ty.as_ref() != Some(&l.ty) {
            stored[l.key.as_str()] = json!(key);
        }
        let answer = match rule.and_then(|r| r.answer) {
            Some(shape) => shape(self, call, &stored),
            None => answer_of(
                self.api,
                l,
                op,
                &stored,
                owner.as_deref(),
                &c.answer,
                call,
                &now,
            ),
        };
        Outcome::changed(answer)
    }

    fn query(&self, family: &str, l: &Lifecycle, op: &Operation, call: &Call<'_>) -> Outcome {
        match self.find(family, l, call) {
            Some((_, r)) => Outcome::unchanged(Answer::json(200, &r.json)),
            None => Self::not_found(l, op),
        }
    }

    fn list(&self, family: &str, l: &Lifecycle, call: &Call<'_>) -> Outcome {
        let Some(list) = &l.list else {
            return Outcome::error(500, "SYSTEM_ERROR", "no list declared");
        };
        let owner = l.owner.as_ref().and_then(|o| call.path.get(o));
        let matching: Vec<&Value> = self
            .records(family, &l.name)
            .map(|(_, r)| r)
            .filter(|r| owner.is_none_or(|o| r.owner.as_ref() == Some(o)))
            .filter(|r| {
                list.filters.iter().all(|(param, path)| {
                    call.field(param).is_none_or(|wanted| {
                        get_path(&r.json, path).is_some_and(|have| same_text(have, &wanted))
                    })
                })
            })
            .map(|r| &r.json)
            .collect();
        let total = matching.len();
        let page = |skip: usize, take: usize| -> Vec<&Value> {
            matching.iter().skip(skip).take(take).copied().collect()
        };
        let size = list.page_size as usize;
        let mut answer = Map::new();
        match list.paging {
            Paging::Offset | Paging::PageNumber => {
                let offset = call.number("offset", 0);
                let limit = call.number("limit", size);
                let skip = match list.paging {
                    Paging::PageNumber => offset * limit,
                    _ => offset,
                };
                answer.insert(list.items.clone(), json!(page(skip, limit)));
                answer.insert("offset".into(), json!(offset));
                answer.insert("limit".into(), json!(limit));
            }
            Paging::PageToken => {
                // The page token is the offset of the page, as text.
                let offset: usize = call
                    .field("page_token")
                    .and_then(|t| t.as_str().and_then(|t| t.parse().ok()))
                    .unwrap_or(0);
                let limit = call.number("page_size", size);
                answer.insert(list.items.clone(), json!(page(offset, limit)));
                if offset + limit < total {
                    answer.insert(
                        "next_page_token".into(),
                        json!((offset + limit).to_string()),
                    );
                }
            }
        }
        answer.insert("total_count".into(), json!(total));
        Outcome::unchanged(Answer::json(200, &Value::Object(answer)))
    }

    fn change(
        &mut self,
        family: &str,
        l: &Lifecycle,
        i: usize,
        op: &Operation,
        rule: Option<&Rule>,
        call: &Call<'_>,
    ) -> Outcome {
        let t = &l.transitions[i];
        let Some((key, _)) = self.find(family, l, call) else {
            return Self::not_found(l, op);
        };
        let now = now_rfc3339();
        let Some(record) = self.get_mut(family, &l.name, &key) else {
            return Self::not_found(l, op);
        };
        let state = text_of(get_path(&record.json, &l.state_path()));
        if !t.from.contains(&state) {
            let code = t
                .refused_in
                .iter()
                .find(|(s, _)| *s == state)
                .map(|(_, c)| c.as_str())
                .or(t.refused.as_deref())
                .unwrap_or("INVALID_REQUEST");
            return refusal(
                Some(op),
                code,
                400,
                &format!(
                    "the {} is {state}; {} needs {}",
                    l.name.replace('_', " "),
                    t.name,
                    t.from.join(" or ")
                ),
            );
        }
        let mut json = record.json.clone();
        let (owner, notify_url) = (record.owner.clone(), record.notify_url.clone());
        apply(&mut json, &t.records, call, &now);
        for path in &t.clears {
            remove_path(&mut json, path);
        }
        set_path(&mut json, &l.state_path(), json!(t.to));
        if let Some(fill) = rule.and_then(|r| r.fill)
            && let Err(refused) = fill(self, call, &mut json)
        {
            return refused;
        }
        let json = project(self.api, &l.ty, json);
        let notices = match &t.notify {
            Some(notify) => {
                let id = format!("{family}.{}", op.id);
                let fi = self.api.families.iter().position(|f| f.name == family);
                match fi.map(|fi| self.notices(fi, notify, rule, &json, notify_url)) {
                    Some(Ok(notices)) => notices,
                    Some(Err(e)) => return Outcome::error(500, "SIMULATOR_BUG", &e),
                    None => return Outcome::error(500, "SIMULATOR_BUG", &format!("`{id}`")),
                }
            }
            None => Vec::new(),
        };
        if let Some(record) = self.get_mut(family, &l.name, &key) {
            record.json = json.clone();
        }
        self.world.notices.extend(notices);
        let answer = match rule.and_then(|r| r.answer) {
            Some(shape) => shape(self, call, &json),
            None => answer_of(
                self.api,
                l,
                op,
                &json,
                owner.as_deref(),
                &t.answer,
                call,
                &now,
            ),
        };
        Outcome::changed(answer)
    }
}

/// `op|scope values|key values`, when the operation has idempotency keys and the request sent them.
fn replay_key(id: &str, op: &Operation, scope: &[String], call: &Call<'_>) -> Option<String> {
    if op.idempotency_keys.is_empty() {
        return None;
    }
    let mut parts = vec![id.to_string()];
    for field in scope.iter().chain(&op.idempotency_keys) {
        parts.push(text_of(call.field(field).as_ref()));
    }
    Some(parts.join("|"))
}

/// A new record's fields from the request body: its member `copy`, else the body itself.
fn new_record(copy: Option<&str>, body: &Value) -> Value {
    match copy {
        Some(member) => body.get(member).cloned(),
        None => Some(body.clone()),
    }
    .filter(Value::is_object)
    .unwrap_or_else(|| json!({}))
}

/// Writes each recorded value (sources the request lacks are left out).
fn apply(record: &mut Value, recorded: &[Recorded], call: &Call<'_>, now: &str) {
    for r in recorded {
        if let Some(v) = source_value(&r.source, call, now) {
            set_path(record, &r.field, v);
        }
    }
}

fn source_value(source: &Source, call: &Call<'_>, now: &str) -> Option<Value> {
    match source {
        Source::Now => Some(json!(now)),
        Source::Literal(v) => Some(v.clone()),
        Source::Request(path) if path.len() == 1 => call.field(&path[0]),
        Source::Request(path) => get_path(call.body, path).cloned(),
    }
}

/// The answer of a create or a transition: the record when the operation answers with the
/// lifecycle's type, nothing for `204`, otherwise each response field from the declared `answer`,
/// else the record's field of that name (the owner's, for the owner field), else the request's.
#[allow(clippy::too_many_arguments)]
fn answer_of(
    api: &Api,
    l: &Lifecycle,
    op: &Operation,
    record: &Value,
    owner: Option<&str>,
    declared: &[Recorded],
    call: &Call<'_>,
    now: &str,
) -> Answer {
    if op.response.kind == ResponseKind::Empty {
        return Answer::empty(op.response.status);
    }
    let Some(ty) = &op.response.ty else {
        return Answer::empty(op.response.status);
    };
    if *ty == l.ty {
        return Answer::json(op.response.status, record);
    }
    let mut answer = json!({});
    if let Some(TypeDef::Struct(s)) = api.find(ty) {
        for f in &s.fields {
            let value = match declared.iter().find(|d| d.field == [f.wire.clone()]) {
                Some(d) => source_value(&d.source, call, now),
                None if l.owner.as_deref() == Some(f.wire.as_str()) => owner.map(|o| json!(o)),
                None => record.get(&f.wire).cloned().or_else(|| call.field(&f.wire)),
            };
            if let Some(v) = value {
                answer[f.wire.as_str()] = v;
            }
        }
    }
    Answer::json(op.response.status, &project(api, ty, answer))
}

/// Refuses to send an answer that breaks the operation's response type: a simulator bug shows as a
/// `500` naming the rule, never as a wrong answer a test could trust.
fn checked(api: &Api, op: &Operation, outcome: Outcome) -> Outcome {
    let status = outcome.answer.status;
    // A 2xx the error table documents (codepay's `202 USERPAYING`) is an error body, not the type.
    let success = (200..300).contains(&status) && !op.errors.iter().any(|e| e.status == status);
    let (Some(ty), true) = (&op.response.ty, success) else {
        return outcome;
    };
    let Ok(value) = serde_json::from_slice::<Value>(&outcome.answer.body) else {
        return outcome;
    };
    let problems = wechatpay_apiv3_generator::validate::check_json(api, ty, &value);
    if problems.is_empty() {
        return outcome;
    }
    let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
    // Not SYSTEM_ERROR: no error table documents this code, so no test can mistake it for a
    // documented refusal.
    Outcome::error(
        500,
        "SIMULATOR_BUG",
        &format!(
            "the simulator's answer breaks the response type of `{}`: {}",
            op.id,
            list.join("; ")
        ),
    )
}

/// `value` with only the members `ty` declares, recursively.
pub fn project(api: &Api, ty: &TypePath, value: Value) -> Value {
    let (Some(TypeDef::Struct(s)), Value::Object(map)) = (api.find(ty), value) else {
        return Value::Null;
    };
    let mut out = Map::new();
    for (k, v) in map {
        let Some(f) = s.fields.iter().find(|f| f.wire == k) else {
            continue;
        };
        let v = project_kind(api, &f.ty.kind, v);
        if !v.is_null() {
            out.insert(k, v);
        }
    }
    Value::Object(out)
}

fn project_kind(api: &Api, kind: &TyKind, v: Value) -> Value {
    match (kind, v) {
        (TyKind::Struct(p), v @ Value::Object(_)) => project(api, p, v),
        (TyKind::Struct(_), _) => Value::Null,
        (TyKind::Array(item), Value::Array(items)) => Value::Array(
            items
                .into_iter()
                .map(|i| project_kind(api, &item.kind, i))
                .filter(|i| !i.is_null())
                .collect(),
        ),
        (TyKind::Array(_), _) => Value::Null,
        (_, v) => v,
    }
}

/// A value as text (strings without quotes), "" for none.
pub fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn same_text(a: &Value, b: &Value) -> bool {
    text_of(Some(a)) == text_of(Some(b))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use super::*;

    /// A family whose `finish` operation sends a callback (`notify:` on a transition an operation
    /// makes): no family of spec/ has one yet.
    const FAMILY: &str = "\
family: { name: fam, module: fam, feature: fam, title: T, doc: D }
types:
  ThingState:
    doc: State.
    values: { NEW: New., DONE: Done. }
  Thing:
    doc: A thing.
    fields:
      id: { type: string, required: true, doc: ID. }
      state: { type: ThingState, doc: State. }
      made_by: { type: string, doc: Who made it by hand. }
      size: { type: integer, doc: How big. }
lifecycles:
  thing:
    doc: A thing.
    type: Thing
    key: id
    state: state
    create:
      - { operation: make_thing, state: NEW }
      - doc: A user makes one by hand.
        state: NEW
        needs: [maker]
        records: { made_by: maker }
        notify: thing_done
    query: [get_thing]
    transitions:
      finish:
        operation: finish_thing
        from: [NEW]
        to: DONE
        notify: thing_done
";
    const MAKE: &str = "\
operation:
  id: make_thing
  title: Make
  doc: Makes one.
  method: POST
  path: /v3/things
  doc_url: https://example.com/doc
  callers: [merchant]
  body:
    id: { type: string, required: true, doc: ID. }
    notify_url: { type: string, doc: Where callbacks go. }
  response: { type: Thing }
  errors:
    - { status: 500, code: SYSTEM_ERROR, description: Broken., solution: Retry., retry: true }
  examples:
    - { name: one, request: { body: { id: a } }, response: { id: a, state: NEW } }
";
    const FINISH: &str = "\
operation:
  id: finish_thing
  title: Finish
  doc: Finishes one.
  method: POST
  path: /v3/things/{id}/finish
  doc_url: https://example.com/doc
  callers: [merchant]
  path_params:
    id: { type: string, doc: ID. }
  response: { type: Thing }
  errors:
    - { status: 500, code: SYSTEM_ERROR, description: Broken., solution: Retry., retry: true }
  examples:
    - { name: one, request: { path: { id: a } }, response: { id: a, state: DONE } }
";
    const GET: &str = "\
operation:
  id: get_thing
  title: Get
  doc: Gets one.
  method: GET
  path: /v3/things/{id}
  doc_url: https://example.com/doc
  callers: [merchant]
  path_params:
    id: { type: string, doc: ID. }
  response: { type: Thing }
  errors:
    - { status: 500, code: SYSTEM_ERROR, description: Broken., solution: Retry., retry: true }
  examples:
    - { name: one, request: { path: { id: a } }, response: { id: a, state: NEW } }
";
    const DONE: &str = "\
notification:
  id: thing_done
  title: Done
  doc: Sent when a thing is done.
  doc_url: https://example.com/doc
  event_types: [THING.DONE]
  original_type: thing
  fields:
    id: { type: string, required: true, doc: ID. }
    state: { type: string, doc: State. }
  example: { id: a }
";

    /// The fixture family, lowered.
    fn fixture() -> Api {
        let sources: BTreeMap<PathBuf, String> = [
            ("fam/family.yaml", FAMILY),
            ("fam/make_thing.yaml", MAKE),
            ("fam/finish_thing.yaml", FINISH),
            ("fam/get_thing.yaml", GET),
            ("fam/thing_done.yaml", DONE),
        ]
        .into_iter()
        .map(|(p, t)| (PathBuf::from(p), t.to_string()))
        .collect();
        let families = wechatpay_apiv3_generator::load::load_sources(&sources).expect("loads");
        wechatpay_apiv3_generator::lower::lower(&families).expect("lowers")
    }

    #[test]
    fn a_control_create_checks_its_needs_makes_a_queryable_record_and_owes_its_callback() {
        let api = fixture();
        let index = Index::new(&api);
        assert_eq!(index.creates().collect::<Vec<_>>(), ["fam.thing.create"]);
        assert!(index.is_control("fam.thing.create"));
        let rules = BTreeMap::new();
        let mut world = World::new("http://127.0.0.1:1".into(), "1900000001".into(), None);
        let mut engine = Engine {
            api: &api,
            world: &mut world,
            index: &index,
            rules: &rules,
        };
        // A field it needs is missing: a 400 naming it, and nothing made.
        let refused = engine
            .control_create("fam", "thing", &json!({ "maker": "" }))
            .expect_err("maker is needed");
        assert_eq!(refused, Refused::new(400, "`maker` (a string) is required"));
        assert_eq!(engine.records("fam", "thing").count(), 0);
        // A field that breaks the type: a 400 naming it.
        let refused = engine
            .control_create("fam", "thing", &json!({ "maker": "u", "size": "big" }))
            .expect_err("size is an integer");
        assert_eq!(refused.status, 400);
        assert!(
            refused.message.starts_with("the thing is not valid: size"),
            "{refused}"
        );
        // No such control create: a 404 naming the ones there are.
        let refused = engine
            .control_create("fam", "thin", &json!({}))
            .expect_err("no such lifecycle");
        assert_eq!(refused.status, 404);
        assert!(
            refused.message.contains("closest: fam.thing.create"),
            "{refused}"
        );

        // Made: the key assigned, the state and the recorded body field; the callback owed at
        // the body's notify_url, not queued by the engine (the control API queues it).
        let body = json!({ "maker": "u", "size": 3, "notify_url": "https://127.0.0.1:9/n" });
        let made = engine.control_create("fam", "thing", &body).expect("made");
        let id = made.record["id"]
            .as_str()
            .expect("an assigned id")
            .to_string();
        assert_eq!(
            made.record,
            json!({ "id": id, "state": "NEW", "made_by": "u", "size": 3 })
        );
        assert_eq!(made.notices.len(), 1);
        let notice = &made.notices[0];
        assert_eq!(notice.event_type, "THING.DONE");
        assert_eq!(notice.resource, json!({ "id": id, "state": "NEW" }));
        assert_eq!(notice.notify_url.as_deref(), Some("https://127.0.0.1:9/n"));
        assert!(engine.world.notices.is_empty());

        // The query operation finds it; a key the body gives is kept, and taken once.
        let (no_query, no_body) = (BTreeMap::new(), Value::Null);
        let path: BTreeMap<String, String> = [("id".to_string(), id.clone())].into();
        let call = Call {
            path: &path,
            query: &no_query,
            body: &no_body,
            arrived: &no_body,
        };
        let queried = engine.handle("fam.get_thing", &call).expect("served");
        assert_eq!(queried.answer.status, 200);
        let answered: Value = serde_json::from_slice(&queried.answer.body).expect("JSON");
        assert_eq!(answered, made.record);
        let given = json!({ "id": "mine", "maker": "u" });
        let made = engine.control_create("fam", "thing", &given).expect("made");
        assert_eq!(made.record["id"], "mine");
        let again = engine
            .control_create("fam", "thing", &given)
            .expect_err("the key is taken");
        assert_eq!(again.status, 409);
        // Finishing it, an operation, changes the record the control create made.
        let path: BTreeMap<String, String> = [("id".to_string(), "mine".to_string())].into();
        let call = Call {
            path: &path,
            query: &no_query,
            body: &no_body,
            arrived: &no_body,
        };
        let finished = engine.handle("fam.finish_thing", &call).expect("served");
        assert_eq!(finished.answer.status, 200);
    }

    #[test]
    fn an_operation_that_makes_a_notifying_change_owes_its_callback_at_the_records_url() {
        let api = fixture();
        let index = Index::new(&api);
        let rules = BTreeMap::new();
        let mut world = World::new("http://127.0.0.1:1".into(), "1900000001".into(), None);
        let mut engine = Engine {
            api: &api,
            world: &mut world,
            index: &index,
            rules: &rules,
        };
        let no_path = BTreeMap::new();
        let no_query = BTreeMap::new();
        let body = json!({ "id": "a", "notify_url": "https://127.0.0.1:9/n" });
        let made = engine.handle(
            "fam.make_thing",
            &Call {
                path: &no_path,
                query: &no_query,
                body: &body,
                arrived: &body,
            },
        );
        assert_eq!(made.map(|o| o.answer.status), Some(200));
        assert!(engine.world.notices.is_empty(), "making it sends nothing");

        let path: BTreeMap<String, String> = [("id".to_string(), "a".to_string())].into();
        let finished = engine
            .handle(
                "fam.finish_thing",
                &Call {
                    path: &path,
                    query: &no_query,
                    body: &Value::Null,
                    arrived: &Value::Null,
                },
            )
            .expect("served");
        assert_eq!(finished.answer.status, 200);
        let notices = std::mem::take(&mut engine.world.notices);
        assert_eq!(notices.len(), 1);
        let notice = &notices[0];
        assert_eq!(
            (notice.event_type.as_str(), notice.original_type.as_str()),
            ("THING.DONE", "thing")
        );
        assert_eq!(notice.resource, json!({ "id": "a", "state": "DONE" }));
        assert_eq!(notice.notify_url.as_deref(), Some("https://127.0.0.1:9/n"));
        // Not a control route: the control API cannot make it.
        assert!(index.controls().next().is_none());
    }
}
