//! Generated types to and from JSON through one tree ([`serde_json::Value`]), without serde code
//! per type.
//!
//! A derived `Serialize`/`Deserialize` is monomorphised for every serializer and deserializer a
//! type meets (the client's byte writer, the builders' `Value`, the response reader...), and that
//! code was most of the generated crate's compile time. Here each generated struct writes and
//! reads its members by wire name ([`JsonFields`]: one line per field), every value goes through
//! one `Value` tree, and the serde traits are bridged once in [`serde_via_json!`](crate::serde_via_json!), generically,
//! so a type still serializes with any serde format it is handed.
//!
//! Reading is lenient like the serde derive it replaces: members the type does not declare are
//! ignored, `null` counts as absent for an optional field. What a value must be beyond its JSON
//! type (lengths, patterns, enum membership) is the [`Shape`](crate::Shape)'s job, not this one.

use std::fmt;

use serde_json::{Map, Value};

use crate::{DateTime, OpenEnum, UploadFile};

/// A value with a JSON form: generated structs (through [`JsonFields`]), open enums, and the
/// scalars and lists their fields hold.
pub trait Json: Sized {
    /// The value as JSON.
    fn to_json(&self) -> Value;
    /// The value read from JSON.
    fn from_json(value: Value) -> Result<Self, JsonError>;

    /// A stand-in while a problem is being reported: [`Members`] records the problem and the
    /// struct being read is completed with this, then thrown away. Never handed to a caller.
    #[doc(hidden)]
    fn stand_in() -> Self;
}

/// A generated struct's members, written and read by wire name. A request writes its path and
/// query parameters beside its body's members (the table the builder and `validate()` check).
///
/// Reading never stops half-way: [`Members`] records the first problem and hands back a
/// stand-in, and [`Json::from_json`] then returns the problem. (An early return per field, `?`,
/// compiled into a branch and a clean-up of the fields read so far, for every field.)
pub trait JsonFields: Sized {
    /// Adds every member that is set to `out`.
    fn write_fields(&self, out: &mut Object);
    /// Takes every member from `input`.
    fn read_fields(input: &mut Members) -> Self;
}

impl<T: JsonFields> Json for T {
    fn to_json(&self) -> Value {
        let mut out = Object::default();
        self.write_fields(&mut out);
        Value::Object(out.0)
    }

    fn from_json(value: Value) -> Result<Self, JsonError> {
        // Matches rather than `?`: this is compiled once per struct.
        match Members::of(value) {
            Ok(mut input) => {
                let read = T::read_fields(&mut input);
                match input.finish() {
                    None => Ok(read),
                    Some(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    fn stand_in() -> Self {
        // Every required member is missing, and each gets its own stand-in.
        T::read_fields(&mut Members::default())
    }
}

/// The members a struct writes.
#[derive(Debug, Default)]
pub struct Object(Map<String, Value>);

impl Object {
    /// Writes a required member.
    pub fn req<T: Json>(&mut self, wire: &str, value: &T) {
        self.put(wire, value.to_json());
    }

    // The generic methods stay one line around these (they are compiled once per field type).
    fn put(&mut self, wire: &str, value: Value) {
        self.0.insert(wire.to_owned(), value);
    }

    /// Writes an optional member; nothing when it is unset.
    pub fn opt<T: Json>(&mut self, wire: &str, value: &Option<T>) {
        if let Some(value) = value {
            self.req(wire, value);
        }
    }

    /// The members written so far.
    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }
}

/// The members a struct reads: each is taken (moved, not copied) by its wire name. The first
/// member that is missing or of the wrong type is recorded (see [`JsonFields`]).
#[derive(Debug, Default)]
pub struct Members {
    map: Map<String, Value>,
    problem: Option<JsonError>,
}

impl Members {
    /// The members of an object.
    pub fn of(value: Value) -> Result<Self, JsonError> {
        match value {
            Value::Object(map) => Ok(Self { map, problem: None }),
            _ => Err(JsonError::expected("an object")),
        }
    }

    /// Takes a required member (a stand-in if it is missing or wrong, with the problem recorded).
    pub fn req<T: Json>(&mut self, wire: &str) -> T {
        match self.take(wire) {
            Some(value) => match T::from_json(value) {
                Ok(value) => value,
                Err(e) => {
                    self.record(e, wire);
                    T::stand_in()
                }
            },
            None => {
                self.record(JsonError::expected("present (it is required)"), wire);
                T::stand_in()
            }
        }
    }

    /// Takes an optional member; `null` and absent are both `None`.
    pub fn opt<T: Json>(&mut self, wire: &str) -> Option<T> {
        match T::from_json(self.take(wire)?) {
            Ok(value) => Some(value),
            Err(e) => {
                self.record(e, wire);
                None
            }
        }
    }

    /// The member, `None` when absent or `null`.
    fn take(&mut self, wire: &str) -> Option<Value> {
        self.map.remove(wire).filter(|v| !v.is_null())
    }

    // Not generic, like `take` and `finish`: compiled once, not once per field type.

    /// Records `e` at `wire`; the first problem wins.
    fn record(&mut self, e: JsonError, wire: &str) {
        if self.problem.is_none() {
            self.problem = Some(e.at(wire));
        }
    }

    /// The first problem recorded, if any.
    fn finish(self) -> Option<JsonError> {
        self.problem
    }
}

/// A JSON value that is not what the type needs, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// The dotted path from the outermost value (`amount.total`, `goods[2].name`); empty for the
    /// value itself.
    pub path: String,
    /// What the value should have been.
    pub expected: &'static str,
}

impl JsonError {
    /// The value itself should have been `expected`.
    pub fn expected(expected: &'static str) -> Self {
        Self {
            path: String::new(),
            expected,
        }
    }

    /// The same problem, one member (or `[index]`) further out.
    pub fn at(mut self, wire: &str) -> Self {
        self.path = match self.path.as_str() {
            "" => wire.to_owned(),
            p if p.starts_with('[') => format!("{wire}{p}"),
            p => format!("{wire}.{p}"),
        };
        self
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.path.as_str() {
            "" => write!(f, "expected {}", self.expected),
            path => write!(f, "`{path}`: expected {}", self.expected),
        }
    }
}

impl std::error::Error for JsonError {}

impl Json for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }

    fn from_json(value: Value) -> Result<Self, JsonError> {
        match value {
            Value::String(text) => Ok(text),
            _ => Err(JsonError::expected("a string")),
        }
    }

    fn stand_in() -> Self {
        String::new()
    }
}

impl Json for i64 {
    fn to_json(&self) -> Value {
        Value::from(*self)
    }

    fn from_json(value: Value) -> Result<Self, JsonError> {
        value
            .as_i64()
            .ok_or_else(|| JsonError::expected("a 64-bit integer"))
    }

    fn stand_in() -> Self {
        0
    }
}

impl Json for bool {
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }

    fn from_json(value: Value) -> Result<Self, JsonError> {
        value
            .as_bool()
            .ok_or_else(|| JsonError::expected("true or false"))
    }

    fn stand_in() -> Self {
        false
    }
}

impl Json for DateTime {
    fn to_json(&self) -> Value {
        Value::String(self.as_str().to_owned())
    }

    fn from_json(value: Value) -> Result<Self, JsonError> {
        String::from_json(value).map(DateTime::from)
    }

    fn stand_in() -> Self {
        DateTime::from(String::new())
    }
}

/// An upload is seen as its summary, `{"file_name": .., "size": ..}`, never its bytes; reading a
/// summary back gives a file with that name and no bytes (builders put the real file back).
impl Json for UploadFile {
    fn to_json(&self) -> Value {
        crate::upload::summary_of(self)
    }

    fn from_json(value: Value) -> Result<Self, JsonError> {
        match value {
            Value::Object(map) => match map.get("file_name") {
                Some(Value::String(name)) => Ok(UploadFile::new(name.clone(), Vec::new())),
                _ => Err(JsonError::expected("present (it is required)").at("file_name")),
            },
            _ => Err(JsonError::expected("a file summary")),
        }
    }

    fn stand_in() -> Self {
        UploadFile::default()
    }
}

impl<T: Json> Json for Vec<T> {
    fn to_json(&self) -> Value {
        let mut items = Vec::with_capacity(self.len());
        for item in self {
            items.push(item.to_json());
        }
        Value::Array(items)
    }

    fn from_json(value: Value) -> Result<Self, JsonError> {
        let Value::Array(items) = value else {
            return Err(JsonError::expected("a list"));
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            match T::from_json(item) {
                Ok(item) => out.push(item),
                Err(e) => return Err(e.at(&format!("[{i}]"))),
            }
        }
        Ok(out)
    }

    fn stand_in() -> Self {
        Vec::new()
    }
}

/// [`Json::to_json`] of an open enum (what [`open_enum!`](crate::open_enum!) implements it with):
/// its wire text, known or not.
pub fn enum_to_json<E: OpenEnum>(value: &E) -> Value {
    Value::String(value.as_str().to_owned())
}

/// [`Json::from_json`] of an open enum: any string, an unknown one kept as it is.
pub fn enum_from_json<E: OpenEnum>(value: Value) -> Result<E, JsonError> {
    match value {
        Value::String(text) => Ok(E::from_wire(&text)),
        _ => Err(JsonError::expected("a string")),
    }
}

/// [`Json::stand_in`] of an open enum: the unknown empty value.
pub fn enum_stand_in<E: OpenEnum>() -> E {
    E::from_wire("")
}

/// `Serialize` of every generated struct: its JSON tree, in any serde format.
pub fn serialize<T: Json, S: serde::Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&value.to_json(), s)
}

/// `Deserialize` of every generated struct: a JSON tree from any serde format, then the type.
pub fn deserialize<'de, T: Json, D: serde::Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    let value = <Value as serde::Deserialize>::deserialize(d)?;
    T::from_json(value).map_err(serde::de::Error::custom)
}

/// Implements `Serialize` and `Deserialize` for a type that implements [`Json`], through its
/// JSON tree (the one serde bridge of every generated struct).
#[macro_export]
macro_rules! serde_via_json {
    ($name:ty) => {
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                $crate::json::serialize(self, serializer)
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::json::deserialize(deserializer)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Item {
        name: String,
        count: Option<i64>,
    }

    impl JsonFields for Item {
        fn write_fields(&self, out: &mut Object) {
            out.req("name", &self.name);
            out.opt("count", &self.count);
        }
        fn read_fields(input: &mut Members) -> Self {
            Self {
                name: input.req("name"),
                count: input.opt("count"),
            }
        }
    }

    #[derive(Debug, PartialEq)]
    struct Order {
        items: Vec<Item>,
    }

    impl JsonFields for Order {
        fn write_fields(&self, out: &mut Object) {
            out.req("items", &self.items);
        }
        fn read_fields(input: &mut Members) -> Self {
            Self {
                items: input.req("items"),
            }
        }
    }
    serde_via_json!(Order);

    #[test]
    fn round_trips_and_skips_unset_members() {
        let json = r#"{"items":[{"name":"a","count":2},{"name":"b"}]}"#;
        let order: Order = serde_json::from_str(json).unwrap();
        assert_eq!(order.items[1].count, None);
        // Members come out in `serde_json::Map` order (by name), the same JSON value.
        assert_eq!(
            serde_json::to_string(&order).unwrap(),
            r#"{"items":[{"count":2,"name":"a"},{"name":"b"}]}"#
        );
    }

    #[test]
    fn null_is_absent_and_unknown_members_are_ignored() {
        let order: Order =
            serde_json::from_str(r#"{"items":[{"name":"a","count":null,"later":1}]}"#).unwrap();
        assert_eq!(order.items[0].count, None);
    }

    #[test]
    fn errors_name_the_path() {
        let bad = |json: &str| {
            Order::from_json(serde_json::from_str(json).unwrap())
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            bad(r#"{"items":[{"name":"a"},{"name":"b","count":"3"}]}"#),
            "`items[1].count`: expected a 64-bit integer"
        );
        assert_eq!(
            bad(r#"{"items":[{"count":1}]}"#),
            "`items[0].name`: expected present (it is required)"
        );
        assert_eq!(bad(r#"[]"#), "expected an object");
        // The first problem is reported, the rest of the object still read past.
        assert_eq!(
            bad(r#"{"items":[{"name":1},{"count":true}]}"#),
            "`items[0].name`: expected a string"
        );
        // Through serde, the reader adds where in the text it was.
        let e = serde_json::from_str::<Order>(r#"{"items":7}"#).unwrap_err();
        assert!(e.to_string().starts_with("`items`: expected a list"), "{e}");
    }
}
