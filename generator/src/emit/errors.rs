//! `src/errors.rs`: the one open `ErrorCode` of the whole API (every code any operation
//! documents) and the error rows the spec shares, so an operation's `META.errors` names shared
//! rows instead of repeating them.

use proc_macro2::TokenStream;
use quote::quote;

use super::doc::{escape, inner_doc_attrs};
use super::rust::{emit_enum, ident};
use crate::model::*;

/// An operation's error row as it appears in `META.errors`.
pub fn row_tokens(row: &ErrorRow) -> TokenStream {
    match &row.shared {
        Some(name) => {
            let name = ident(name);
            quote!(crate::errors::#name)
        }
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
    let codes = api.error_codes();
    let def = EnumDef {
        name: "ErrorCode".into(),
        doc: "An error code WeChat Pay answers with; each operation's `META.errors` lists the ones it documents.".into(),
        values: codes
            .iter()
            .map(|(code, doc)| EnumValue {
                wire: code.clone(),
                variant: crate::naming::variant_name(code),
                doc: doc.clone(),
            })
            .collect(),
        catch_all: "Unknown".into(),
        loc: Loc::default(),
    };
    let code_enum = emit_enum(&def);
    let shared_rows = api.shared_errors();
    let shared = shared_rows.iter().map(|(name, row)| {
        let name = ident(name);
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
        #code_enum
        #(#shared)*
    }
}
