//! Errors declared once: `src/errors.rs` holds the one open `ErrorCode` of the whole API (every
//! code any operation documents); each family's `errors.rs` holds the rows its operations share,
//! so an operation's `META.errors` names shared rows instead of repeating them.

use proc_macro2::TokenStream;
use quote::quote;

use super::doc::{escape, inner_doc_attrs};
use super::rust::{emit_enum, ident};
use crate::model::*;

/// An operation's error row as it appears in `META.errors`.
pub fn row_tokens(row: &ErrorRow) -> TokenStream {
    match &row.shared {
        Some(path) => super::rust::path_tokens(path, &quote!(crate)),
        None => new_row(row),
    }
}

fn new_row(row: &ErrorRow) -> TokenStream {
    let (status, code, description, solution, retry) = (
        row.status,
        &row.code,
        &row.description,
        &row.solution,
        row.retry,
    );
    quote!(rt::ErrorDoc::new(#status, #code, #description, #solution, #retry))
}

/// The whole file.
pub fn emit_errors(api: &Api) -> TokenStream {
    let doc = inner_doc_attrs(
        "Error codes: one open [`ErrorCode`] for every operation (so \"retry on `SYSTEM_ERROR`\" is\n\
         `err.code == ErrorCode::SystemError` anywhere), and the documented rows operations share.",
    );
    let def = api.error_code_enum();
    let code_enum = emit_enum(&def);
    quote! {
        #doc
        use ::wechatpay_apiv3_runtime as rt;
        #code_enum
    }
}

/// A family's `errors.rs`: its shared rows, each a constant its operations' `META.errors` name.
pub fn emit_family_errors(f: &Family) -> TokenStream {
    let doc = inner_doc_attrs(&format!(
        "The error rows the operations of {} share (`common_errors:` in its family.yaml).",
        escape(&f.title)
    ));
    let rows = f.common_errors.iter().map(|row| {
        let name = ident(&row.code);
        let doc = format!(
            " `{}` (HTTP {}): {} {}",
            row.code,
            row.status,
            escape(&row.description),
            escape(&row.solution)
        );
        let value = new_row(row);
        quote! {
            #[doc = #doc]
            pub const #name: rt::ErrorDoc = #value;
        }
    });
    quote! {
        #doc
        use ::wechatpay_apiv3_runtime as rt;
        #(#rows)*
    }
}
