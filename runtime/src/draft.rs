//! What every generated builder holds: the fields set so far, as JSON by wire name.
//!
//! A builder's setters store values here and its `build()` is one call, [`Draft::build`]: the
//! draft is checked against the target type's [`Shape`] (every missing field and broken limit,
//! at once) and only then read into the typed value through its [`Json`] impl (one member per
//! field, no serde code per type).

use std::fmt;

use serde_json::{Map, Value};

use crate::UploadFile;
use crate::json::{Json, JsonError, JsonFields, Object};
use crate::shape::{Shape, Shaped, Strictness, check_value};
use crate::validate::{BuildError, FieldPath, Rule, Validator};

/// The fields a builder has been given.
#[derive(Clone, Default)]
pub struct Draft {
    fields: Map<String, Value>,
    file: Option<UploadFile>,
}

impl Draft {
    /// Sets the field `wire` to a value of type `T`.
    pub fn set<T: Json>(mut self, wire: &str, value: impl Into<T>) -> Self {
        self.fields.insert(wire.to_owned(), value.into().to_json());
        self
    }

    /// Sets the text field `wire`.
    pub fn text(mut self, wire: &str, value: impl Into<String>) -> Self {
        self.fields
            .insert(wire.to_owned(), Value::String(value.into()));
        self
    }

    /// Sets every field of `value` (a body read back from JSON, or a value to change).
    pub fn merge<T: JsonFields>(mut self, value: &T) -> Self {
        let mut out = Object::default();
        value.write_fields(&mut out);
        self.fields.extend(out.into_map());
        self
    }

    /// A draft holding every field of `value`.
    pub fn of<T: JsonFields>(value: &T) -> Self {
        Self::default().merge(value)
    }

    /// Sets the file of an upload.
    pub fn file(mut self, file: UploadFile) -> Self {
        self.fields.insert("file".into(), file.to_json());
        self.file = Some(file);
        self
    }

    /// Checks every field against `T`'s table and builds `T`.
    pub fn build<T: Shaped + Json>(self) -> Result<T, BuildError> {
        let value = self.checked(T::SHAPE)?;
        match T::from_json(value) {
            Ok(built) => Ok(built),
            Err(e) => Err(unreadable(T::SHAPE, &e)),
        }
    }

    // What `build` does that does not depend on `T` (compiled once, not once per type).
    fn checked(self, shape: &Shape) -> Result<Value, BuildError> {
        let value = Value::Object(self.fields);
        check_value(shape, &value, Strictness::Client)?;
        Ok(value)
    }

    /// [`Draft::build`] for an upload request, handing back the file beside it.
    pub fn build_with_file<T: Shaped + Json>(mut self) -> Result<(T, UploadFile), BuildError> {
        let file = self.file.take();
        let built = self.build::<T>()?;
        Ok((built, file.unwrap_or_default()))
    }
}

impl fmt::Debug for Draft {
    /// Names the fields set, never their values (some are sensitive).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.fields.keys()).finish()
    }
}

/// A checked draft the type still could not read: unreachable for generated types (their table
/// covers every field), kept as an error rather than a panic.
fn unreadable(shape: &Shape, e: &JsonError) -> BuildError {
    let mut v = Validator::new();
    v.report(
        &FieldPath::ROOT.field(&e.path),
        Rule::WrongType {
            expected: e.expected,
        },
    );
    v.into_error(shape.name)
}
