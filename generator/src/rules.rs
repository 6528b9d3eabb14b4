//! The model's limits as the runtime's rule tables ([`Kind`], [`Shape`]): the one mapping from a
//! spec type to the rules it must satisfy. The generator's example checks and the simulator walk
//! these tables with the runtime's walker; the emitter prints the same kinds into the generated
//! structs' tables, so builders, `validate()`, examples and the simulator give one verdict.

use std::collections::HashMap;
use std::sync::Mutex;

use wechatpay_apiv3_runtime::{FieldRule, Kind, Shape};

use crate::model::{Api, Field, Ty, TyKind, TypeDef, TypePath, Upload};

/// Text the tables borrow for the life of the process (the model is loaded once per run).
fn leak(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

/// The kind of a scalar type (text, integer, boolean, date-time) from its limits; `None` for
/// structs, enums and lists, whose kinds name other tables.
pub fn scalar_kind(ty: &Ty) -> Option<Kind> {
    let l = &ty.limits;
    let (min, max) = (l.min_length.unwrap_or(0), l.max_length.unwrap_or(u64::MAX));
    Some(match &ty.kind {
        TyKind::String => match &l.pattern {
            Some(p) => Kind::pattern(min, max, leak(p)),
            None => Kind::text(min, max),
        },
        TyKind::DateTime => Kind::Text {
            min,
            max,
            pattern: l.pattern.as_deref().map(leak),
            date_time: true,
        },
        TyKind::Integer => {
            Kind::range(l.minimum.unwrap_or(i64::MIN), l.maximum.unwrap_or(i64::MAX))
        }
        TyKind::Boolean => Kind::Boolean,
        TyKind::Struct(_) | TyKind::Enum(_) | TyKind::Array(_) => return None,
    })
}

/// The bounds of a list type.
pub fn items_bounds(ty: &Ty) -> (u64, u64) {
    (
        ty.limits.min_items.unwrap_or(0),
        ty.limits.max_items.unwrap_or(u64::MAX),
    )
}

/// Tables built from one model, once each.
#[derive(Debug, Default)]
pub struct Rules {
    shapes: Mutex<HashMap<String, &'static Shape>>,
    enums: Mutex<HashMap<String, &'static [&'static str]>>,
    params: Mutex<HashMap<usize, &'static [FieldRule]>>,
    uploads: Mutex<HashMap<usize, Kind>>,
}

fn key(p: &TypePath) -> String {
    format!("{}::{}", p.module.join("::"), p.name)
}

impl Rules {
    /// The table of the struct at `path` (an empty one named after it if it is not a struct).
    pub fn shape(&self, api: &Api, path: &TypePath) -> &'static Shape {
        if let Some(s) = lock(&self.shapes).get(&key(path)) {
            return s;
        }
        // A placeholder first, so a type that contains itself ends the recursion.
        let name = leak(&path.name);
        let placeholder: &'static Shape = Box::leak(Box::new(Shape::new(name, &[])));
        lock(&self.shapes).insert(key(path), placeholder);
        let fields: Vec<FieldRule> = match api.find(path) {
            Some(TypeDef::Struct(s)) => s.fields.iter().map(|f| self.field(api, f)).collect(),
            _ => Vec::new(),
        };
        let shape: &'static Shape = Box::leak(Box::new(Shape::new(name, Box::leak(fields.into()))));
        lock(&self.shapes).insert(key(path), shape);
        shape
    }

    /// The rules of a list of path or query parameters.
    pub fn params(&self, api: &Api, fields: &[Field]) -> &'static [FieldRule] {
        let at = fields.as_ptr() as usize;
        if let Some(rules) = lock(&self.params).get(&at) {
            return rules;
        }
        let rules: Vec<FieldRule> = fields.iter().map(|f| self.field(api, f)).collect();
        let rules: &'static [FieldRule] = Box::leak(rules.into());
        lock(&self.params).insert(at, rules);
        rules
    }

    /// The kind of an upload's file: its size limit and extensions.
    pub fn upload(&self, upload: &Upload) -> Kind {
        let at = std::ptr::from_ref(upload) as usize;
        *lock(&self.uploads).entry(at).or_insert_with(|| {
            let types: Vec<&'static str> = upload.file_types.iter().map(|t| leak(t)).collect();
            Kind::File {
                max_bytes: upload.max_bytes.unwrap_or(u64::MAX),
                types: Box::leak(types.into()),
            }
        })
    }

    fn field(&self, api: &Api, f: &Field) -> FieldRule {
        let kind = self.kind(api, &f.ty);
        let rule = if f.required {
            FieldRule::req(leak(&f.wire), kind)
        } else {
            FieldRule::opt(leak(&f.wire), kind)
        };
        if f.sensitive { rule.sensitive() } else { rule }
    }

    /// The kind of any type.
    pub fn kind(&self, api: &Api, ty: &Ty) -> Kind {
        if let Some(k) = scalar_kind(ty) {
            return k;
        }
        match &ty.kind {
            TyKind::Struct(p) => Kind::Object(self.shape(api, p)),
            TyKind::Enum(p) => Kind::Enum(self.enum_values(api, p)),
            TyKind::Array(item) => {
                let (min, max) = items_bounds(ty);
                Kind::list(min, max, Box::leak(Box::new(self.kind(api, item))))
            }
            _ => Kind::TEXT,
        }
    }

    fn enum_values(&self, api: &Api, p: &TypePath) -> &'static [&'static str] {
        if let Some(v) = lock(&self.enums).get(&key(p)) {
            return v;
        }
        let values: Vec<&'static str> = match api.find(p) {
            Some(TypeDef::Enum(e)) => e.values.iter().map(|v| leak(&v.wire)).collect(),
            _ => Vec::new(),
        };
        let values: &'static [&'static str] = Box::leak(values.into());
        lock(&self.enums).insert(key(p), values);
        values
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
