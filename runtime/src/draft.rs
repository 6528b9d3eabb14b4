//! What every generated builder holds: the fields set so far, as JSON by wire name.
//!
//! A builder's setters store values here and its `build()` is one call, [`Draft::build`]: the
//! draft is checked against the target type's [`Shape`](crate::shape::Shape) (every missing field
//! and broken limit, at once) and only then turned into the typed value.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::UploadFile;
use crate::shape::{Shaped, Strictness, check_value, to_json};
use crate::validate::{BuildError, FieldPath, Rule, Validator};

/// The fields a builder has been given.
#[derive(Clone, Default)]
pub struct Draft {
    fields: Map<String, Value>,
    file: Option<UploadFile>,
}

impl Draft {
    /// Sets the field `wire` to a value of type `T`.
    pub fn set<T: Serialize>(mut self, wire: &str, value: impl Into<T>) -> Self {
        self.fields.insert(wire.to_owned(), to_json(&value.into()));
        self
    }

    /// Sets the text field `wire`.
    pub fn text(self, wire: &str, value: impl Into<String>) -> Self {
        self.set::<String>(wire, value)
    }

    /// Sets every field of `value` (a body read back from JSON, or a value to change).
    pub fn merge<T: Serialize>(mut self, value: &T) -> Self {
        if let Value::Object(map) = to_json(value) {
            self.fields.extend(map);
        }
        self
    }

    /// A draft holding every field of `value`.
    pub fn of<T: Serialize>(value: &T) -> Self {
        Self::default().merge(value)
    }

    /// Sets the file of an upload.
    pub fn file(mut self, file: UploadFile) -> Self {
        self.fields
            .insert("file".into(), crate::upload::summary_of(&file));
        self.file = Some(file);
        self
    }

    /// Checks every field against `T`'s table and builds `T`.
    pub fn build<T: Shaped + DeserializeOwned>(self) -> Result<T, BuildError> {
        let value = Value::Object(self.fields);
        check_value(T::SHAPE, &value, Strictness::Client)?;
        serde_json::from_value(value).map_err(|e| {
            // Unreachable for generated types (the table covers every field); kept as an error.
            let mut v = Validator::new();
            let detail: &'static str = Box::leak(e.to_string().into_boxed_str());
            v.report(&FieldPath::ROOT, Rule::WrongType { expected: detail });
            v.into_error(T::SHAPE.name)
        })
    }

    /// [`Draft::build`] for an upload request, handing back the file beside it.
    pub fn build_with_file<T: Shaped + DeserializeOwned>(
        mut self,
    ) -> Result<(T, UploadFile), BuildError> {
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
