//! Rules as data: each generated struct carries one static [`Shape`], a table of its fields'
//! wire names, required flags and limits, and one walker checks a JSON value against it.
//!
//! The walker serves every caller: builders' `build()` (through [`crate::Draft`]),
//! [`crate::Validate::validate`] and [`crate::Operation::validate`] (on the value serialized as
//! JSON), the generator's checks of spec examples and the simulator's request checks (on shapes
//! the generator derives from the spec model). Each value rule is a function of
//! [`crate::validate::rules`], so all of them give one verdict for one value.

use serde_json::{Map, Value};

use crate::validate::{BuildError, FieldPath, Rule, Validator, rules};

/// What a value must be. Unbounded limits are `0` / `u64::MAX` / `i64::MIN` / `i64::MAX`.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Kind {
    /// Text with a length in characters, an optional pattern, and whether it is an RFC 3339 time.
    Text {
        /// Fewest characters.
        min: u64,
        /// Most characters.
        max: u64,
        /// Documented pattern.
        pattern: Option<&'static str>,
        /// Whether the text is an RFC 3339 date-time.
        date_time: bool,
    },
    /// A 64-bit integer within bounds.
    Integer {
        /// Least value.
        min: i64,
        /// Greatest value.
        max: i64,
    },
    /// `true` or `false`.
    Boolean,
    /// One of these strings (checked only by strict callers; see [`Strictness`]).
    Enum(&'static [&'static str]),
    /// An object with its own table.
    Object(&'static Shape),
    /// An object whose table is reached through a function, so that a type can hold lists of
    /// itself (`Tree { children: [Tree] }`) without its table referring to itself in a constant.
    Nested(fn() -> &'static Shape),
    /// A list with bounds on its length.
    Array {
        /// Fewest items.
        min: u64,
        /// Most items.
        max: u64,
        /// Each item's kind.
        item: &'static Kind,
    },
    /// An upload, seen as `{"file_name": .., "size": ..}` (see [`crate::UploadFile`]).
    File {
        /// Largest size in bytes.
        max_bytes: u64,
        /// Accepted extensions, lower case; empty for any.
        types: &'static [&'static str],
    },
}

impl Kind {
    /// Text without limits.
    pub const TEXT: Kind = Kind::text(0, u64::MAX);
    /// An RFC 3339 date-time.
    pub const DATE_TIME: Kind = Kind::Text {
        min: 0,
        max: u64::MAX,
        pattern: None,
        date_time: true,
    };
    /// An integer without bounds.
    pub const INTEGER: Kind = Kind::range(i64::MIN, i64::MAX);

    /// Text of `min` to `max` characters.
    pub const fn text(min: u64, max: u64) -> Kind {
        Kind::Text {
            min,
            max,
            pattern: None,
            date_time: false,
        }
    }

    /// Text of `min` to `max` characters matching `pattern`.
    pub const fn pattern(min: u64, max: u64, pattern: &'static str) -> Kind {
        Kind::Text {
            min,
            max,
            pattern: Some(pattern),
            date_time: false,
        }
    }

    /// An integer from `min` to `max`.
    pub const fn range(min: i64, max: i64) -> Kind {
        Kind::Integer { min, max }
    }

    /// A list of `min` to `max` items of `item`.
    pub const fn list(min: u64, max: u64, item: &'static Kind) -> Kind {
        Kind::Array { min, max, item }
    }
}

/// One field (or path/query parameter) of a table.
#[derive(Clone, Copy, Debug)]
pub struct FieldRule {
    /// Name on the wire.
    pub wire: &'static str,
    /// Whether it must be present.
    pub required: bool,
    /// What its value must be.
    pub kind: Kind,
    /// Whether it travels RSA-OAEP encrypted (a text, or each text of a list): to WeChat Pay's key
    /// in a request, to the merchant's key in an answer. See [`for_each_sensitive`].
    pub sensitive: bool,
}

impl FieldRule {
    /// A required field.
    pub const fn req(wire: &'static str, kind: Kind) -> Self {
        Self {
            wire,
            required: true,
            kind,
            sensitive: false,
        }
    }

    /// An optional field.
    pub const fn opt(wire: &'static str, kind: Kind) -> Self {
        Self {
            wire,
            required: false,
            kind,
            sensitive: false,
        }
    }

    /// The same field, marked as travelling encrypted.
    pub const fn sensitive(self) -> Self {
        Self {
            sensitive: true,
            ..self
        }
    }
}

/// The rule table of one struct (or request: its parameters, and its body's table flattened in).
#[derive(Debug)]
pub struct Shape {
    /// The Rust type name, for errors.
    pub name: &'static str,
    /// Its fields in wire order.
    pub fields: &'static [FieldRule],
    /// A table whose fields sit beside these ones (a request's JSON body).
    pub flatten: Option<&'static Shape>,
}

impl Shape {
    /// A struct's table.
    pub const fn new(name: &'static str, fields: &'static [FieldRule]) -> Self {
        Self {
            name,
            fields,
            flatten: None,
        }
    }

    /// A request's table: its parameters, plus its body's fields at the same level.
    pub const fn request(
        name: &'static str,
        fields: &'static [FieldRule],
        body: &'static Shape,
    ) -> Self {
        Self {
            name,
            fields,
            flatten: Some(body),
        }
    }

    fn declares(&self, wire: &str) -> bool {
        self.fields.iter().any(|f| f.wire == wire) || self.flatten.is_some_and(|b| b.declares(wire))
    }
}

/// Implemented by every generated struct and request: its rule table.
pub trait Shaped {
    /// The table.
    const SHAPE: &'static Shape;

    /// The table, as a function (what [`Kind::Nested`] holds).
    fn shape() -> &'static Shape {
        Self::SHAPE
    }
}

/// How much a caller checks beyond the documented limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strictness {
    /// The client: unknown enum values are kept (the enums are open), `null` counts as absent.
    Client,
    /// Spec examples and the simulator: members the type does not declare, `null` and values
    /// outside an enum's documented list are problems too.
    Strict,
}

/// Walks `value` as an instance of `shape`, recording every violation under `at`.
pub fn check(
    shape: &Shape,
    value: &Value,
    strictness: Strictness,
    v: &mut Validator,
    at: &FieldPath<'_>,
) {
    match value.as_object() {
        Some(map) => object(shape, map, strictness, v, at),
        None => v.report(
            at,
            Rule::WrongType {
                expected: "an object",
            },
        ),
    }
}

/// Checks the members of an object, as a list of fields (path and query parameters use it too).
pub fn check_fields(
    fields: &[FieldRule],
    map: &Map<String, Value>,
    strictness: Strictness,
    v: &mut Validator,
    at: &FieldPath<'_>,
) {
    for f in fields {
        let here = at.field(f.wire);
        match map.get(f.wire) {
            Some(Value::Null) if strictness == Strictness::Strict => v.report(&here, Rule::Null),
            None | Some(Value::Null) => {
                if f.required {
                    v.report(&here, Rule::Missing);
                }
            }
            Some(value) => check_kind(&f.kind, value, strictness, v, &here),
        }
    }
}

fn object(
    shape: &Shape,
    map: &Map<String, Value>,
    strictness: Strictness,
    v: &mut Validator,
    at: &FieldPath<'_>,
) {
    if strictness == Strictness::Strict {
        for key in map.keys().filter(|k| !shape.declares(k)) {
            v.report(
                &at.field(key),
                Rule::NotAField {
                    type_name: shape.name,
                },
            );
        }
    }
    check_fields(shape.fields, map, strictness, v, at);
    if let Some(body) = shape.flatten {
        check_fields(body.fields, map, strictness, v, at);
    }
}

/// Checks one value against its kind.
pub fn check_kind(
    kind: &Kind,
    value: &Value,
    strictness: Strictness,
    v: &mut Validator,
    at: &FieldPath<'_>,
) {
    let wrong = |v: &mut Validator, expected| v.report(at, Rule::WrongType { expected });
    match *kind {
        Kind::Text {
            min,
            max,
            pattern,
            date_time,
        } => {
            let Some(text) = value.as_str() else {
                return wrong(v, "a string (quote numbers that are strings)");
            };
            v.check(at, rules::length(text, min, max));
            if let Some(p) = pattern {
                v.check(at, rules::pattern(text, p));
            }
            if date_time {
                v.check(at, rules::date_time(text));
            }
        }
        Kind::Integer { min, max } => match value.as_i64() {
            Some(i) => v.check(at, rules::range(i, min, max)),
            None => wrong(v, "an integer"),
        },
        Kind::Boolean => {
            if !value.is_boolean() {
                wrong(v, "true or false");
            }
        }
        Kind::Enum(allowed) => match value.as_str() {
            Some(s) if strictness == Strictness::Strict => v.check(at, rules::one_of(s, allowed)),
            Some(_) => {}
            None => wrong(v, "a string"),
        },
        Kind::Object(shape) => check(shape, value, strictness, v, at),
        Kind::Nested(shape) => check(shape(), value, strictness, v, at),
        Kind::Array { min, max, item } => {
            let Some(items) = value.as_array() else {
                return wrong(v, "a list");
            };
            v.check(at, rules::items(items.len(), min, max));
            for (i, value) in items.iter().enumerate() {
                check_kind(item, value, strictness, v, &at.index(i));
            }
        }
        Kind::File { max_bytes, types } => {
            let name = value.get("file_name").and_then(Value::as_str);
            let size = value.get("size").and_then(Value::as_u64);
            let (Some(name), Some(size)) = (name, size) else {
                return wrong(v, "a file");
            };
            v.check(at, rules::file_size(size, max_bytes));
            v.check(at, rules::file_type(name, types));
        }
    }
}

/// Hands every sensitive text in `value` (an instance of `shape`, nested objects and lists
/// included) to `f`, with its dotted path (`transfer_bills[0].user_name`), to be replaced in
/// place: the client decrypts answers with it, the simulator encrypts them. Members that are
/// absent, `null` or not text are left alone (decoding reports a wrong type); the first error of
/// `f` stops the walk.
pub fn for_each_sensitive<E>(
    shape: &Shape,
    value: &mut Value,
    f: &mut dyn FnMut(&str, &mut String) -> Result<(), E>,
) -> Result<(), E> {
    sensitive_in_object(shape, value, f, &FieldPath::ROOT)
}

fn sensitive_in_object<E>(
    shape: &Shape,
    value: &mut Value,
    f: &mut dyn FnMut(&str, &mut String) -> Result<(), E>,
    at: &FieldPath<'_>,
) -> Result<(), E> {
    let Some(map) = value.as_object_mut() else {
        return Ok(());
    };
    let body = shape.flatten.map_or(&[][..], |b| b.fields);
    for rule in shape.fields.iter().chain(body) {
        if let Some(member) = map.get_mut(rule.wire) {
            sensitive_in_kind(&rule.kind, rule.sensitive, member, f, &at.field(rule.wire))?;
        }
    }
    Ok(())
}

fn sensitive_in_kind<E>(
    kind: &Kind,
    sensitive: bool,
    value: &mut Value,
    f: &mut dyn FnMut(&str, &mut String) -> Result<(), E>,
    at: &FieldPath<'_>,
) -> Result<(), E> {
    match (kind, value) {
        (Kind::Text { .. }, Value::String(text)) if sensitive => f(&at.to_string(), text),
        (Kind::Object(shape), value) => sensitive_in_object(shape, value, f, at),
        (Kind::Nested(shape), value) => sensitive_in_object(shape(), value, f, at),
        (Kind::Array { item, .. }, Value::Array(items)) => {
            for (i, value) in items.iter_mut().enumerate() {
                sensitive_in_kind(item, sensitive, value, f, &at.index(i))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Every violation of `value` against `shape`, as a [`BuildError`] naming the shape's type.
pub fn check_value(shape: &Shape, value: &Value, strictness: Strictness) -> Result<(), BuildError> {
    let mut v = Validator::new();
    check(shape, value, strictness, &mut v, &FieldPath::ROOT);
    v.finish(shape.name)
}

/// `validate()` of every generated type: the value, as JSON, against its table.
pub fn validate<T: Shaped + crate::Json>(value: &T) -> Result<(), BuildError> {
    check_value(T::SHAPE, &value.to_json(), Strictness::Client)
}
