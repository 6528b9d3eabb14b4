//! Rust code that builds an example's request through the public builders, shared by the
//! generated tests (which compile and run it) and the reference pages (which show it).

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use super::rust::{ident, path_tokens};
use crate::model::*;

/// `XRequest::builder().a(..).b(..).build()?` for an example; `root` names the generated crate.
pub fn request_expr(api: &Api, root: &TokenStream, op: &Operation, ex: &Example) -> TokenStream {
    let request = path_tokens(
        &TypePath {
            module: op.module_path.clone(),
            name: format!("{}Request", op.prefix),
        },
        root,
    );
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
            let arg = setter_arg(api, root, &f.ty, v);
            calls.push(quote!(.#n(#arg)));
        }
    }
    if let (Some(body), Some(Value::Object(map))) = (&op.body, &ex.body)
        && let Some(TypeDef::Struct(s)) = api.find(body)
    {
        for f in &s.fields {
            if let Some(v) = map.get(&f.wire) {
                let n = ident(&f.rust);
                let arg = setter_arg(api, root, &f.ty, v);
                calls.push(quote!(.#n(#arg)));
            }
        }
    }
    if let Some(u) = &op.upload {
        let name = format!(
            "example.{}",
            u.file_types.first().map_or("png", String::as_str)
        );
        calls.push(quote!(.file(#root::UploadFile::new(#name, ::std::vec![0_u8; 64]))));
    }
    quote!(#request::builder() #(#calls)* .build()?)
}

/// The argument of a setter for `value`: literals go through the setters' `Into`, nested objects
/// through their own builders.
fn setter_arg(api: &Api, root: &TokenStream, ty: &Ty, value: &Value) -> TokenStream {
    match (&ty.kind, value) {
        (TyKind::String | TyKind::DateTime | TyKind::Enum(_), Value::String(s)) => quote!(#s),
        _ => owned_expr(api, root, ty, value),
    }
}

/// An expression of the field's exact type.
fn owned_expr(api: &Api, root: &TokenStream, ty: &Ty, value: &Value) -> TokenStream {
    match (&ty.kind, value) {
        (TyKind::String, Value::String(s)) => quote!(::std::string::String::from(#s)),
        (TyKind::DateTime, Value::String(s)) => quote!(#root::DateTime::from(#s)),
        (TyKind::Enum(p), Value::String(s)) => {
            let t = path_tokens(p, root);
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
            let items = items.iter().map(|v| owned_expr(api, root, item, v));
            quote!(::std::vec![#(#items),*])
        }
        (TyKind::Struct(p), Value::Object(map)) => {
            let t = path_tokens(p, root);
            let calls = match api.find(p) {
                Some(TypeDef::Struct(s)) => s
                    .fields
                    .iter()
                    .filter_map(|f| {
                        let v = map.get(&f.wire)?;
                        let n = ident(&f.rust);
                        let arg = setter_arg(api, root, &f.ty, v);
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
