//! Checks JSON against the lowered model with the runtime's one walker and rule functions (the
//! tables come from [`crate::rules`]). The generator runs it over every example, so examples
//! double as conformance fixtures; the simulator runs it over every request it receives.

use std::fmt;

use serde_json::Value;

use wechatpay_apiv3_runtime::shape::{self, Kind, Strictness};
use wechatpay_apiv3_runtime::{FieldPath, Rule, Validator};

use crate::diag::Diagnostics;
use crate::model::*;

/// One step of a path into a JSON value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// An object member.
    Key(String),
    /// An array element.
    Index(usize),
}

/// A value that breaks a rule, and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// From the checked value down to the offending one.
    pub path: Vec<Segment>,
    /// The rule, as a sentence fragment.
    pub message: String,
}

impl Problem {
    /// `a.b[2].c`, the form used in spec diagnostics.
    pub fn dotted(&self) -> String {
        let mut out = String::new();
        for seg in &self.path {
            match seg {
                Segment::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Segment::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }

    /// `/a/b/2/c`, the JSON Pointer form WeChat Pay puts in `detail.field`.
    pub fn pointer(&self) -> String {
        let mut out = String::new();
        for seg in &self.path {
            out.push('/');
            match seg {
                Segment::Key(k) => out.push_str(&k.replace('~', "~0").replace('/', "~1")),
                Segment::Index(i) => out.push_str(&i.to_string()),
            }
        }
        out
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.dotted(), self.message)
    }
}

/// Problems as the runtime's walker reports them (strict: members the type does not declare,
/// `null` and values outside an enum are problems too).
fn problems(v: Validator) -> Vec<Problem> {
    match v.finish("value") {
        Ok(()) => Vec::new(),
        Err(e) => e
            .violations
            .into_iter()
            .map(|violation| Problem {
                path: segments(&violation.field),
                message: violation.rule.to_string(),
            })
            .collect(),
    }
}

/// `a.b[2].c` back into segments (wire names hold no `.` or `[`).
fn segments(dotted: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    for part in dotted.split('.').filter(|p| !p.is_empty()) {
        let (key, rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            out.push(Segment::Key(key.to_owned()));
        }
        for index in rest.split('[') {
            if let Ok(i) = index.trim_end_matches(']').parse() {
                out.push(Segment::Index(i));
            }
        }
    }
    out
}

/// Every problem of `value` as an instance of the type at `path` (strict: unknown members and
/// unknown enum values are problems too).
pub fn check_json(api: &Api, path: &TypePath, value: &Value) -> Vec<Problem> {
    let mut v = Validator::new();
    let kind = match api.find(path) {
        Some(TypeDef::Struct(_)) => Kind::Object(api.rules().shape(api, path)),
        Some(TypeDef::Enum(_)) => api.rules().kind(
            api,
            &Ty {
                kind: TyKind::Enum(path.clone()),
                limits: Limits::default(),
            },
        ),
        None => {
            return vec![Problem {
                path: Vec::new(),
                message: format!("type {} not found", path.name),
            }];
        }
    };
    shape::check_kind(&kind, value, Strictness::Strict, &mut v, &FieldPath::ROOT);
    problems(v)
}

/// Every problem of path or query parameter values (given as JSON) against their declarations.
pub fn check_params(api: &Api, fields: &[Field], values: &[(String, Value)]) -> Vec<Problem> {
    let mut v = Validator::new();
    let map: serde_json::Map<String, Value> = values.iter().cloned().collect();
    for name in map.keys().filter(|n| !fields.iter().any(|f| &f.wire == *n)) {
        v.report(
            &FieldPath::ROOT.field(name),
            Rule::NotAField {
                type_name: "the declared parameters",
            },
        );
    }
    shape::check_fields(
        api.rules().params(api, fields),
        &map,
        Strictness::Strict,
        &mut v,
        &FieldPath::ROOT,
    );
    problems(v)
}

/// Every problem of an uploaded file (its name and size) against the operation's `upload:`.
pub fn check_upload_file(api: &Api, upload: &Upload, file_name: &str, size: u64) -> Vec<Problem> {
    let mut v = Validator::new();
    let file = serde_json::json!({ "file_name": file_name, "size": size });
    shape::check_kind(
        &api.rules().upload(upload),
        &file,
        Strictness::Strict,
        &mut v,
        &FieldPath::ROOT.field("file"),
    );
    problems(v)
}

/// Checks every example of every operation and notification.
pub fn validate(api: &Api) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::default();
    for family in &api.families {
        for op in &family.operations {
            for (i, ex) in op.examples.iter().enumerate() {
                let mut problems: Vec<String> = Vec::new();
                problems.extend(prefixed(
                    "request.path",
                    check_params(api, &op.path_params, &ex.path),
                ));
                problems.extend(prefixed(
                    "request.query",
                    check_params(api, &op.query, &ex.query),
                ));
                match (&op.body, &ex.body) {
                    (Some(body), Some(value)) => {
                        problems.extend(prefixed("request.body", check_json(api, body, value)))
                    }
                    (Some(_), None) => problems
                        .push("request.body: missing, but the operation has a JSON body".into()),
                    (None, Some(_)) => {
                        problems.push("request.body: the operation has no JSON body".into())
                    }
                    (None, None) => {}
                }
                match (&op.response.ty, &ex.response) {
                    (Some(ty), Some(value)) => {
                        problems.extend(prefixed("response", check_json(api, ty, value)))
                    }
                    (Some(_), None) => problems
                        .push("response: missing; show the JSON the operation answers".into()),
                    (None, Some(_)) => {
                        problems.push("response: this operation answers no JSON body".into())
                    }
                    (None, None) => {}
                }
                for p in problems {
                    diags.push(
                        &ex.loc.file,
                        ex.loc.line,
                        format!("operation.examples[{i}]"),
                        p,
                    );
                }
            }
        }
        for n in &family.notifications {
            for p in check_json(api, &n.payload, &n.example) {
                let text = if p.path.is_empty() {
                    format!("example: {}", p.message)
                } else {
                    format!("example.{p}")
                };
                diags.push(&n.loc.file, n.loc.line, "notification.example", text);
            }
        }
    }
    if diags.is_empty() {
        Ok(())
    } else {
        Err(diags.sorted())
    }
}

/// Problems as `prefix.path: message` lines.
fn prefixed(prefix: &str, found: Vec<Problem>) -> impl Iterator<Item = String> {
    found.into_iter().map(move |p| {
        if p.path.is_empty() {
            format!("{prefix}: {}", p.message)
        } else {
            format!("{prefix}.{p}")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_render_as_dotted_paths_and_json_pointers() {
        let p = Problem {
            path: vec![
                Segment::Key("amount".into()),
                Segment::Index(2),
                Segment::Key("a/b".into()),
            ],
            message: "m".into(),
        };
        assert_eq!(p.dotted(), "amount[2].a/b");
        assert_eq!(p.pointer(), "/amount/2/a~1b");
    }
}
