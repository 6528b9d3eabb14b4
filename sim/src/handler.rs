//! One request in, one answer out: route, faults, validation, then the operation's answer.

use std::time::Duration;

use serde_json::{Value, json};
use wechatpay_apiv3_generator::model::{Api, Field, ResponseKind, TyKind};
use wechatpay_apiv3_generator::validate::{Problem, check_json, check_params, check_upload_file};

use crate::faults::{Fault, Faults};
use crate::routes::{self, percent_decode};
use crate::state::{Call, Outcome, Store};

/// What the server should do.
#[derive(Clone, Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Body bytes.
    pub body: Vec<u8>,
    /// Close the connection instead of answering.
    pub drop: bool,
    /// Wait before answering.
    pub latency: Option<Duration>,
    /// Faults that change how the answer is signed.
    pub signing_faults: Vec<Fault>,
    /// The operation, when one matched.
    pub operation: Option<String>,
    /// Sent without signature headers (file downloads).
    pub unsigned: bool,
}

impl Answer {
    /// A JSON answer.
    pub fn json(status: u16, body: &Value) -> Self {
        Self {
            status,
            body: serde_json::to_vec(body).unwrap_or_default(),
            drop: false,
            latency: None,
            signing_faults: Vec::new(),
            operation: None,
            unsigned: false,
        }
    }

    /// An answer with no body (`204 No Content`).
    pub fn empty(status: u16) -> Self {
        Self {
            body: Vec::new(),
            ..Self::json(status, &Value::Null)
        }
    }

    /// An error body in WeChat Pay's shape.
    pub fn error(status: u16, code: &str, message: &str, detail: Option<Value>) -> Self {
        let mut body = json!({ "code": code, "message": message });
        if let Some(detail) = detail {
            body["detail"] = detail;
        }
        Self::json(status, &body)
    }
}

/// The request as the server read it.
pub struct Incoming<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub body: &'a [u8],
    /// The parts of a multipart upload.
    pub upload: Option<&'a crate::multipart::Upload>,
    /// WeChat Pay's private key, which opens the request fields a client encrypted.
    pub platform_key: &'a wechatpay_apiv3_runtime::client::MerchantKey,
}

/// Handles one request.
pub fn handle(api: &Api, faults: &Faults, store: &Store, req: &Incoming<'_>) -> Answer {
    let Some(route) = routes::find(api, req.method, req.path) else {
        return Answer::error(
            404,
            "NOT_FOUND",
            &format!("no operation at {} {}", req.method, req.path),
            None,
        );
    };
    let mut latency = None;
    let mut signing_faults = Vec::new();
    for fault in faults.take(&route.id) {
        match fault {
            Fault::Drop => {
                return Answer {
                    drop: true,
                    operation: Some(route.id),
                    ..Answer::json(500, &Value::Null)
                };
            }
            Fault::Status { status, code } => {
                let mut a = Answer::error(status, code, "injected by the simulator", None);
                a.operation = Some(route.id);
                a.latency = latency;
                return a;
            }
            Fault::Latency(d) => latency = Some(d),
            other => signing_faults.push(other),
        }
    }
    let (mut answer, effect) = match checked_request(api, &route, req) {
        Err(rejection) => (rejection, false),
        Ok(Checked { query, body }) => {
            let path: std::collections::BTreeMap<String, String> =
                route.path_params.iter().cloned().collect();
            let mut opened = body.clone();
            crate::sensitive::open_request_fields(api, req.platform_key, route.op, &mut opened);
            let call = Call {
                path: &path,
                query: &query,
                body: &opened,
                arrived: &body,
            };
            let outcome = store.handle(api, &route.id, &call, || {
                let answer = documented_answer(route.op);
                let effect = (200..300).contains(&answer.status) && route.op.method != "GET";
                Outcome { answer, effect }
            });
            (outcome.answer, outcome.effect)
        }
    };
    if effect {
        faults.record_effect(&route.id);
    }
    answer.latency = latency;
    answer.signing_faults = signing_faults;
    answer.operation = Some(route.id.clone());
    answer
}

/// A request that passed every check of its operation's spec.
struct Checked {
    query: std::collections::BTreeMap<String, Value>,
    /// `Null` when the operation has no JSON body.
    body: Value,
}

/// Checks parameters and body against the spec.
fn checked_request(
    api: &Api,
    route: &routes::Matched<'_>,
    req: &Incoming<'_>,
) -> Result<Checked, Answer> {
    let op = route.op;
    let path_values: Vec<(String, Value)> = route
        .path_params
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    if let Some(answer) = param_error(&check_params(api, &op.path_params, &path_values), "path") {
        return Err(answer);
    }
    let query = parse_query(req.query.unwrap_or(""), &op.query)?;
    if let Some(answer) = param_error(&check_params(api, &op.query, &query), "query") {
        return Err(answer);
    }
    let query = query.into_iter().collect();
    if let Some(rules) = &op.upload {
        check_upload(api, rules, req.upload)?;
        return Ok(Checked {
            query,
            body: Value::Null,
        });
    }
    let Some(body_ty) = &op.body else {
        return Ok(Checked {
            query,
            body: Value::Null,
        });
    };
    let value: Value = serde_json::from_slice(req.body).map_err(|e| {
        Answer::error(
            400,
            "PARAM_ERROR",
            &format!("the body is not JSON: {e}"),
            None,
        )
    })?;
    match param_error(&check_json(api, body_ty, &value), "body") {
        Some(answer) => Err(answer),
        None => Ok(Checked { query, body: value }),
    }
}

/// The operation's documented example answer.
fn documented_answer(op: &wechatpay_apiv3_generator::model::Operation) -> Answer {
    match op.response.kind {
        ResponseKind::Empty => Answer::empty(op.response.status),
        ResponseKind::Download => Answer {
            body: b"simulated file\n".to_vec(),
            unsigned: true,
            ..Answer::empty(200)
        },
        ResponseKind::Json => {
            let example = op
                .examples
                .iter()
                .find_map(|e| e.response.clone())
                .unwrap_or(Value::Null);
            Answer::json(op.response.status, &example)
        }
    }
}

/// `400 PARAM_ERROR` for the first problem, as WeChat Pay reports it (`detail.field` is a JSON
/// Pointer for the body, the parameter name for path and query); the message lists them all.
fn param_error(problems: &[Problem], location: &str) -> Option<Answer> {
    let first = problems.first()?;
    let field = if location == "body" {
        first.pointer()
    } else {
        first.dotted()
    };
    let message: Vec<String> = problems.iter().map(ToString::to_string).collect();
    Some(Answer::error(
        400,
        "PARAM_ERROR",
        &message.join("; "),
        Some(json!({ "field": field, "issue": first.message, "location": location })),
    ))
}

/// Query parameters as JSON values of their declared types (a number that does not parse stays a
/// string, and the type check reports it).
fn parse_query(raw: &str, fields: &[Field]) -> Result<Vec<(String, Value)>, Answer> {
    let mut out = Vec::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (Some(k), Some(v)) = (percent_decode(k), percent_decode(v)) else {
            return Err(Answer::error(
                400,
                "PARAM_ERROR",
                "malformed percent-encoding in the query",
                None,
            ));
        };
        let typed = match fields.iter().find(|f| f.wire == k).map(|f| &f.ty.kind) {
            Some(TyKind::Integer) => v
                .parse::<i64>()
                .map_or(Value::String(v.clone()), Value::from),
            Some(TyKind::Boolean) => match v.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::String(v.clone()),
            },
            _ => Value::String(v.clone()),
        };
        out.push((k, typed));
    }
    Ok(out)
}

/// A multipart upload: a `meta` part naming the file and its SHA-256, and the file itself.
fn check_upload(
    api: &Api,
    rules: &wechatpay_apiv3_generator::model::Upload,
    upload: Option<&crate::multipart::Upload>,
) -> Result<(), Answer> {
    let bad = |m: &str, field: &str| {
        Answer::error(
            400,
            "PARAM_ERROR",
            m,
            Some(json!({ "field": field, "location": "body" })),
        )
    };
    let upload = upload.ok_or_else(|| {
        bad(
            "expected multipart/form-data with `meta` and `file`",
            "meta",
        )
    })?;
    let meta: Value =
        serde_json::from_slice(&upload.meta).map_err(|_| bad("`meta` is not JSON", "meta"))?;
    let sha = wechatpay_apiv3_runtime::client::crypto::sha256_hex(&upload.file);
    if meta["sha256"].as_str() != Some(sha.as_str()) {
        return Err(bad(
            "`meta.sha256` is not the SHA-256 of the file",
            "/meta/sha256",
        ));
    }
    // The file rules are the runtime's, as for every other value.
    let name = meta["filename"].as_str().unwrap_or_default();
    let problems = check_upload_file(api, rules, name, upload.file.len() as u64);
    if let Some(first) = problems.first() {
        let field = if first.message.starts_with("must be one of") {
            "/meta/filename"
        } else {
            "file"
        };
        let message: Vec<String> = problems.iter().map(ToString::to_string).collect();
        return Err(bad(&message.join("; "), field));
    }
    Ok(())
}
