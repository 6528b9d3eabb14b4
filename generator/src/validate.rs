//! Checks JSON against the lowered model. The generator runs it over every example, so examples
//! double as conformance fixtures; the simulator runs it over every request it receives.

use std::fmt;

use serde_json::Value;

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

/// Walks a value, collecting every problem.
struct Checker<'a> {
    api: &'a Api,
    path: Vec<Segment>,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn report(&mut self, message: String) {
        self.problems.push(Problem {
            path: self.path.clone(),
            message,
        });
    }

    fn at<T>(&mut self, seg: Segment, f: impl FnOnce(&mut Self) -> T) -> T {
        self.path.push(seg);
        let out = f(self);
        self.path.pop();
        out
    }

    fn params(&mut self, fields: &[Field], values: &[(String, Value)]) {
        for (name, _) in values {
            if !fields.iter().any(|f| &f.wire == name) {
                self.at(Segment::Key(name.clone()), |c| {
                    c.report("not a declared parameter".into())
                });
            }
        }
        for f in fields {
            match values.iter().find(|(n, _)| *n == f.wire) {
                Some((_, v)) => self.at(Segment::Key(f.wire.clone()), |c| c.value(&f.ty, v)),
                None if f.required => self.at(Segment::Key(f.wire.clone()), |c| {
                    c.report("required, but missing".into())
                }),
                None => {}
            }
        }
    }

    fn type_path(&mut self, path: &TypePath, value: &Value) {
        match self.api.find(path) {
            Some(TypeDef::Struct(s)) => self.object(s, value),
            Some(TypeDef::Enum(e)) => match value.as_str() {
                Some(s) if e.values.iter().any(|v| v.wire == s) => {}
                Some(s) => {
                    let known: Vec<&str> = e.values.iter().map(|v| v.wire.as_str()).collect();
                    self.report(format!(
                        "`{s}` is not a value of {} ({})",
                        e.name,
                        known.join(", ")
                    ));
                }
                None => self.report(format!("expected a string value of {}", e.name)),
            },
            None => self.report(format!("type {} not found", path.name)),
        }
    }

    fn object(&mut self, s: &StructDef, value: &Value) {
        let Some(map) = value.as_object() else {
            self.report(format!("expected an object ({})", s.name));
            return;
        };
        for key in map.keys() {
            if !s.fields.iter().any(|f| &f.wire == key) {
                self.at(Segment::Key(key.clone()), |c| {
                    c.report(format!("not a field of {}", s.name))
                });
            }
        }
        for f in &s.fields {
            self.at(Segment::Key(f.wire.clone()), |c| match map.get(&f.wire) {
                Some(Value::Null) => c.report("null; leave the field out instead".into()),
                Some(v) => c.value(&f.ty, v),
                None if f.required => c.report("required, but missing".into()),
                None => {}
            });
        }
    }

    fn value(&mut self, ty: &Ty, value: &Value) {
        let l = &ty.limits;
        match &ty.kind {
            TyKind::String | TyKind::DateTime => {
                let Some(s) = value.as_str() else {
                    self.report("expected a string (quote numbers that are strings)".into());
                    return;
                };
                let n = s.chars().count() as u64;
                if l.min_length.is_some_and(|m| n < m) || l.max_length.is_some_and(|m| n > m) {
                    self.report(format!(
                        "has {n} characters; {}",
                        must(l.min_length, l.max_length, "characters")
                    ));
                }
                if let Some(p) = &l.pattern
                    && regex_lite::Regex::new(p).is_ok_and(|re| !re.is_match(s))
                {
                    self.report(format!("`{s}` does not match `{p}`"));
                }
                if matches!(ty.kind, TyKind::DateTime) && !is_rfc3339(s) {
                    self.report(format!("`{s}` is not an RFC 3339 time"));
                }
            }
            TyKind::Integer => match value.as_i64() {
                Some(i) => {
                    if l.minimum.is_some_and(|m| i < m) || l.maximum.is_some_and(|m| i > m) {
                        self.report(format!("is {i}; {}", must(l.minimum, l.maximum, "")));
                    }
                }
                None => self.report("expected an integer".into()),
            },
            TyKind::Boolean => {
                if !value.is_boolean() {
                    self.report("expected true or false".into());
                }
            }
            TyKind::Struct(p) | TyKind::Enum(p) => self.type_path(p, value),
            TyKind::Array(item) => {
                let Some(items) = value.as_array() else {
                    self.report("expected a list".into());
                    return;
                };
                let n = items.len() as u64;
                if l.min_items.is_some_and(|m| n < m) || l.max_items.is_some_and(|m| n > m) {
                    self.report(format!(
                        "has {n} items; {}",
                        must(l.min_items, l.max_items, "items")
                    ));
                }
                for (i, v) in items.iter().enumerate() {
                    self.at(Segment::Index(i), |c| c.value(item, v));
                }
            }
        }
    }
}

/// Every problem of `value` as an instance of the type at `path` (strict: unknown members and
/// unknown enum values are problems too).
pub fn check_json(api: &Api, path: &TypePath, value: &Value) -> Vec<Problem> {
    let mut c = Checker {
        api,
        path: Vec::new(),
        problems: Vec::new(),
    };
    c.type_path(path, value);
    c.problems
}

/// Every problem of path or query parameter values (given as JSON) against their declarations.
pub fn check_params(api: &Api, fields: &[Field], values: &[(String, Value)]) -> Vec<Problem> {
    let mut c = Checker {
        api,
        path: Vec::new(),
        problems: Vec::new(),
    };
    c.params(fields, values);
    c.problems
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

/// `must be at most 4 characters`, in the words the generated docs use.
fn must<T: Into<i128>>(min: Option<T>, max: Option<T>, unit: &str) -> String {
    let phrase = crate::model::range_phrase(min.map(Into::into), max.map(Into::into), unit);
    format!("must be {}", phrase.unwrap_or_default())
}

/// RFC 3339 date-time: `2025-08-03T12:00:00+08:00`, optional fraction, `Z` or an offset.
pub fn is_rfc3339(s: &str) -> bool {
    static RE: std::sync::OnceLock<regex_lite::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex_lite::Regex::new(
            r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$",
        )
        .expect("the RFC 3339 pattern is valid")
    })
    .is_match(s)
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

    #[test]
    fn rfc3339() {
        assert!(is_rfc3339("2015-05-20T13:29:35.120+08:00"));
        assert!(is_rfc3339("2025-01-01T00:00:00Z"));
        assert!(!is_rfc3339("2015-05-20 13:29:35"));
        assert!(!is_rfc3339("2015-13-20T13:29:35+08:00"));
    }
}
