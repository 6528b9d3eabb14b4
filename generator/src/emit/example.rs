//! Rust code that builds an example's request through the public builders, shared by the
//! generated tests (which compile and run it) and the reference pages (which show it).

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use super::rust::{ident, path_tokens};
use crate::model::*;

/// How example code names generated items.
pub trait Names {
    /// A generated type.
    fn ty(&self, p: &TypePath) -> TokenStream;
    /// An item re-exported at the crate root (`DateTime`, `UploadFile`).
    fn root_item(&self, name: &str) -> TokenStream;
}

/// Fully qualified paths (for generated tests, which must not depend on imports).
pub struct FullPaths(pub TokenStream);

impl Names for FullPaths {
    fn ty(&self, p: &TypePath) -> TokenStream {
        path_tokens(p, &self.0)
    }
    fn root_item(&self, name: &str) -> TokenStream {
        let root = &self.0;
        let name = ident(name);
        quote!(#root::#name)
    }
}

/// Short names, remembering the `use` lines they need (for documentation).
pub struct ShortNames {
    lib: String,
    family_module: Vec<String>,
    reexported: BTreeSet<String>,
    used: RefCell<BTreeMap<String, BTreeSet<String>>>,
}

impl ShortNames {
    /// Names as a reader of `family`'s docs would import them.
    pub fn new(lib: &str, family: &Family) -> Self {
        let mut reexported: BTreeSet<String> =
            family.types.iter().map(|t| t.name().to_string()).collect();
        reexported.extend(family.exports.iter().map(|e| e.name.clone()));
        Self {
            lib: lib.to_string(),
            family_module: family.module.clone(),
            reexported,
            used: RefCell::default(),
        }
    }

    /// The `use` lines for every name handed out, sorted.
    pub fn use_lines(&self) -> String {
        let mut out = String::new();
        for (module, names) in self.used.borrow().iter() {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            if names.len() == 1 {
                out.push_str(&format!("use {module}::{};\n", names[0]));
            } else {
                out.push_str(&format!("use {module}::{{{}}};\n", names.join(", ")));
            }
        }
        out
    }

    fn record(&self, module: String, name: &str) -> TokenStream {
        self.used
            .borrow_mut()
            .entry(module)
            .or_default()
            .insert(name.to_string());
        let name = ident(name);
        quote!(#name)
    }
}

impl Names for ShortNames {
    fn ty(&self, p: &TypePath) -> TokenStream {
        let module =
            if p.module.starts_with(&self.family_module) && self.reexported.contains(&p.name) {
                &self.family_module
            } else {
                &p.module
            };
        self.record(format!("{}::{}", self.lib, module.join("::")), &p.name)
    }
    fn root_item(&self, name: &str) -> TokenStream {
        self.record(self.lib.clone(), name)
    }
}

/// `XRequest::builder().a(..).b(..).build()?` for an example.
pub fn request_expr(api: &Api, names: &dyn Names, op: &Operation, ex: &Example) -> TokenStream {
    let request = names.ty(&TypePath {
        module: op.module_path.clone(),
        name: op.request.clone(),
    });
    let mut calls = Vec::new();
    for f in op.path_params.iter().chain(&op.query) {
        let value = ex
            .path
            .iter()
            .chain(&ex.query)
            .find(|(n, _)| *n == f.wire)
            .map(|(_, v)| v);
        if let Some(v) = value {
            let n = ident(&f.rust);
            let arg = setter_arg(api, names, &f.ty, v);
            calls.push(quote!(.#n(#arg)));
        }
    }
    if let (Some(body), Some(Value::Object(map))) = (&op.body, &ex.body)
        && let Some(TypeDef::Struct(s)) = api.find(body)
    {
        for f in &s.fields {
            if let Some(v) = map.get(&f.wire) {
                let n = ident(&f.rust);
                let arg = setter_arg(api, names, &f.ty, v);
                calls.push(quote!(.#n(#arg)));
            }
        }
    }
    if let Some(u) = &op.upload {
        let name = format!(
            "example.{}",
            u.file_types.first().map_or("png", String::as_str)
        );
        let upload = names.root_item("UploadFile");
        calls.push(quote!(.file(#upload::new(#name, ::std::vec![0_u8; 64]))));
    }
    quote!(#request::builder() #(#calls)* .build()?)
}

/// The argument of a setter for `value`: literals go through the setters' `Into`, nested objects
/// through their own builders.
fn setter_arg(api: &Api, names: &dyn Names, ty: &Ty, value: &Value) -> TokenStream {
    match (&ty.kind, value) {
        (TyKind::String | TyKind::DateTime | TyKind::Enum(_), Value::String(s)) => quote!(#s),
        _ => owned_expr(api, names, ty, value),
    }
}

/// An expression of the field's exact type.
fn owned_expr(api: &Api, names: &dyn Names, ty: &Ty, value: &Value) -> TokenStream {
    match (&ty.kind, value) {
        (TyKind::String, Value::String(s)) => quote!(::std::string::String::from(#s)),
        (TyKind::DateTime, Value::String(s)) => {
            let t = names.root_item("DateTime");
            quote!(#t::from(#s))
        }
        (TyKind::Enum(p), Value::String(s)) => {
            let t = names.ty(p);
            quote!(#t::from(#s))
        }
        (TyKind::Integer, Value::Number(n)) => {
            let i = n.as_i64().unwrap_or_default();
            if i < 0 {
                let abs = Literal::u64_unsuffixed(i.unsigned_abs());
                quote!(-#abs)
            } else {
                let lit = Literal::i64_unsuffixed(i);
                quote!(#lit)
            }
        }
        (TyKind::Boolean, Value::Bool(b)) => quote!(#b),
        (TyKind::Array(item), Value::Array(items)) => {
            let items = items.iter().map(|v| owned_expr(api, names, item, v));
            quote!(::std::vec![#(#items),*])
        }
        (TyKind::Struct(p), Value::Object(map)) => {
            let t = names.ty(p);
            let calls = match api.find(p) {
                Some(TypeDef::Struct(s)) => s
                    .fields
                    .iter()
                    .filter_map(|f| {
                        let v = map.get(&f.wire)?;
                        let n = ident(&f.rust);
                        let arg = setter_arg(api, names, &f.ty, v);
                        Some(quote!(.#n(#arg)))
                    })
                    .collect::<Vec<_>>(),
                _ => Vec::new(),
            };
            quote!(#t::builder() #(#calls)* .build()?)
        }
        // Validation has already rejected examples of the wrong shape.
        _ => quote!(::std::compile_error!("example value does not fit its type")),
    }
}

/// The path and query the request must produce: an independent encoding of the example's
/// parameters, for the tests to compare against the runtime's.
pub fn expected_path_and_query(op: &Operation, ex: &Example) -> String {
    let mut out = String::new();
    for part in &op.path_parts {
        match part {
            PathPart::Literal(t) => out.push_str(t),
            PathPart::Param(name) => {
                let v = ex.path.iter().find(|(n, _)| n == name).map(|(_, v)| v);
                out.push_str(&encode(&scalar_text(v)));
            }
        }
    }
    let mut first = true;
    for f in &op.query {
        if let Some((_, v)) = ex.query.iter().find(|(n, _)| *n == f.wire) {
            out.push(if first { '?' } else { '&' });
            first = false;
            out.push_str(&encode(&f.wire));
            out.push('=');
            out.push_str(&encode(&scalar_text(Some(v))));
        }
    }
    out
}

fn scalar_text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// RFC 3986: everything but unreserved characters is percent-encoded.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Test function name for an operation example.
pub fn test_name(family: &Family, op_id: &str, index: usize) -> proc_macro2::Ident {
    format_ident!("{}_{}_example_{}", family.name, op_id, index + 1)
}
