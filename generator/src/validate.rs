//! Checks on the lowered model that need resolved types: every example must satisfy every rule
//! its operation or notification declares, so the examples double as conformance fixtures.

use serde_json::Value;

use crate::diag::Diagnostics;
use crate::model::*;

/// Checks every example of every operation and notification.
pub fn validate(api: &Api) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::default();
    for family in &api.families {
        for op in &family.operations {
            for (i, ex) in op.examples.iter().enumerate() {
                let mut problems = Vec::new();
                check_params(
                    api,
                    &op.path_params,
                    &ex.path,
                    "request.path",
                    &mut problems,
                );
                check_params(api, &op.query, &ex.query, "request.query", &mut problems);
                match (&op.body, &ex.body) {
                    (Some(body), Some(value)) => {
                        check_type_path(api, body, value, "request.body", &mut problems)
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
                        check_type_path(api, ty, value, "response", &mut problems)
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
            let mut problems = Vec::new();
            check_type_path(api, &n.payload, &n.example, "example", &mut problems);
            for p in problems {
                diags.push(&n.loc.file, n.loc.line, "notification.example", p);
            }
        }
    }
    if diags.is_empty() {
        Ok(())
    } else {
        Err(diags.sorted())
    }
}

fn check_params(
    api: &Api,
    fields: &[Field],
    values: &[(String, Value)],
    at: &str,
    out: &mut Vec<String>,
) {
    for (name, _) in values {
        if !fields.iter().any(|f| &f.wire == name) {
            out.push(format!("{at}.{name}: not a declared parameter"));
        }
    }
    for f in fields {
        match values.iter().find(|(n, _)| *n == f.wire) {
            Some((_, v)) => check_value(api, &f.ty, v, &format!("{at}.{}", f.wire), out),
            None if f.required => out.push(format!(
                "{at}.{}: required, but the example leaves it out",
                f.wire
            )),
            None => {}
        }
    }
}

fn check_type_path(api: &Api, path: &TypePath, value: &Value, at: &str, out: &mut Vec<String>) {
    match api.find(path) {
        Some(TypeDef::Struct(s)) => check_struct(api, s, value, at, out),
        Some(TypeDef::Enum(e)) => match value.as_str() {
            Some(s) if e.values.iter().any(|v| v.wire == s) => {}
            Some(s) => out.push(format!(
                "{at}: `{s}` is not a value of {} ({})",
                e.name,
                e.values
                    .iter()
                    .map(|v| v.wire.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            None => out.push(format!("{at}: expected a string value of {}", e.name)),
        },
        None => out.push(format!("{at}: type {} not found", path.name)),
    }
}

fn check_struct(api: &Api, s: &StructDef, value: &Value, at: &str, out: &mut Vec<String>) {
    let Some(map) = value.as_object() else {
        out.push(format!("{at}: expected an object ({})", s.name));
        return;
    };
    for key in map.keys() {
        if !s.fields.iter().any(|f| &f.wire == key) {
            out.push(format!("{at}.{key}: not a field of {}", s.name));
        }
    }
    for f in &s.fields {
        match map.get(&f.wire) {
            Some(Value::Null) => out.push(format!(
                "{at}.{}: null; leave the field out instead",
                f.wire
            )),
            Some(v) => check_value(api, &f.ty, v, &format!("{at}.{}", f.wire), out),
            None if f.required => out.push(format!(
                "{at}.{}: required, but the example leaves it out",
                f.wire
            )),
            None => {}
        }
    }
}

fn check_value(api: &Api, ty: &Ty, value: &Value, at: &str, out: &mut Vec<String>) {
    let l = &ty.limits;
    match &ty.kind {
        TyKind::String | TyKind::DateTime => {
            let Some(s) = value.as_str() else {
                out.push(format!(
                    "{at}: expected a string (quote numbers that are strings)"
                ));
                return;
            };
            let n = s.chars().count() as u64;
            if l.min_length.is_some_and(|m| n < m) || l.max_length.is_some_and(|m| n > m) {
                out.push(format!(
                    "{at}: has {n} characters; {}",
                    must(l.min_length, l.max_length, "characters")
                ));
            }
            if let Some(p) = &l.pattern
                && regex_lite::Regex::new(p).is_ok_and(|re| !re.is_match(s))
            {
                out.push(format!("{at}: `{s}` does not match `{p}`"));
            }
            if matches!(ty.kind, TyKind::DateTime) && !is_rfc3339(s) {
                out.push(format!("{at}: `{s}` is not an RFC 3339 time"));
            }
        }
        TyKind::Integer => match value.as_i64() {
            Some(i) => {
                if l.minimum.is_some_and(|m| i < m) || l.maximum.is_some_and(|m| i > m) {
                    out.push(format!("{at}: is {i}; {}", must(l.minimum, l.maximum, "")));
                }
            }
            None => out.push(format!("{at}: expected an integer")),
        },
        TyKind::Boolean => {
            if !value.is_boolean() {
                out.push(format!("{at}: expected true or false"));
            }
        }
        TyKind::Struct(p) | TyKind::Enum(p) => check_type_path(api, p, value, at, out),
        TyKind::Array(item) => {
            let Some(items) = value.as_array() else {
                out.push(format!("{at}: expected a list"));
                return;
            };
            let n = items.len() as u64;
            if l.min_items.is_some_and(|m| n < m) || l.max_items.is_some_and(|m| n > m) {
                out.push(format!(
                    "{at}: has {n} items; {}",
                    must(l.min_items, l.max_items, "items")
                ));
            }
            for (i, v) in items.iter().enumerate() {
                check_value(api, item, v, &format!("{at}[{i}]"), out);
            }
        }
    }
}

/// `must be at most 4 characters`, in the words the generated docs use.
fn must<T: Into<i128>>(min: Option<T>, max: Option<T>, unit: &str) -> String {
    let phrase = crate::emit::doc::range_phrase(min.map(Into::into), max.map(Into::into), unit);
    format!("must be {}", phrase.unwrap_or_default())
}

/// RFC 3339 date-time: `2025-08-03T12:00:00+08:00`, optional fraction, `Z` or an offset.
pub fn is_rfc3339(s: &str) -> bool {
    static RE: std::sync::OnceLock<regex_lite::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex_lite::Regex::new(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$")
            .expect("the RFC 3339 pattern is valid")
    })
    .is_match(s)
}
