//! `src/notifications.rs`: one enum over every notification of the spec, so one callback URL can
//! receive payments, refunds and coupons alike, plus a reference page per notification.
//!
//! The variant is chosen by `event_type` and `resource.original_type` together: event types are
//! shared between product lines, so two notifications sent with the same pair would make the
//! choice ambiguous, and [`check`] refuses that before anything is written.

use std::collections::BTreeMap;
use std::path::PathBuf;

use minijinja::Environment;
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::json;

use super::doc::{doc_attrs, escape, inner_doc_attrs};
use super::pages::{cell, rows};
use super::rust::{ident, path_tokens, rt};
use super::{Files, HEADER, Target};
use crate::model::*;
use crate::naming::type_prefix;

/// The enum's name at the crate root.
pub const ENUM: &str = "AnyNotification";

/// Every notification with the family it belongs to, in spec order.
fn all(api: &Api) -> impl Iterator<Item = (&Family, &Notification)> {
    api.families
        .iter()
        .flat_map(|f| f.notifications.iter().map(move |n| (f, n)))
}

/// The variant of each notification: its id in PascalCase, or prefixed with its family's name
/// when another family has a notification with the same id (`coupon_send`).
fn variant(api: &Api, family: &Family, n: &Notification) -> String {
    let shared = all(api).filter(|(_, other)| other.id == n.id).count() > 1;
    if shared {
        type_prefix(&format!("{}_{}", family.name, n.id))
    } else {
        type_prefix(&n.id)
    }
}

/// Refuses two notifications sent with the same `(event_type, original_type)`, unless all but one
/// of them name a `discriminator` (a field of their payload the others lack).
pub fn check(api: &Api) -> Result<(), String> {
    let mut seen: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    for (f, n) in all(api) {
        if let Some(field) = &n.discriminator {
            let has = match api.find(&n.payload) {
                Some(TypeDef::Struct(s)) => s.fields.iter().any(|x| &x.wire == field),
                _ => false,
            };
            if !has {
                return Err(format!(
                    "{}: notification `{}`: discriminator `{field}` is not a field of its payload `{}`",
                    f.dir.display(),
                    n.id,
                    n.payload.name
                ));
            }
            continue;
        }
        for event in &n.event_types {
            if let Some(first) = seen.insert((event, &n.original_type), &n.id) {
                return Err(format!(
                    "{}: notifications `{first}` and `{}` are both sent as `{event}` with original_type `{}`; a callback could not be told apart (give one a `discriminator`)",
                    f.dir.display(),
                    n.id,
                    n.original_type
                ));
            }
        }
    }
    Ok(())
}

/// `src/notifications.rs`.
pub fn emit(api: &Api) -> TokenStream {
    let rt = rt();
    let mut table = String::new();
    let mut variants = Vec::new();
    let mut kinds = Vec::new();
    let mut decoders = Vec::new();
    for (f, n) in all(api) {
        let name = ident(&variant(api, f, n));
        let payload = path_tokens(&n.payload, &quote!(crate));
        let feature = &f.feature;
        let events = n
            .event_types
            .iter()
            .map(|e| format!("`{e}`"))
            .collect::<Vec<_>>()
            .join(", ");
        table.push_str(&format!(
            "\n| [`{ENUM}::{name}`] | {events} | `{}` | `{feature}` |",
            n.original_type
        ));
        let doc = doc_attrs(&format!(
            "{}: {events} with original type `{}`.\n\nReference: `{}`.",
            escape(&n.title),
            n.original_type,
            page_path(f, n)
        ));
        variants.push(quote! {
            #doc
            #[cfg(feature = #feature)]
            #name(#payload),
        });
        kinds.push(quote! {
            #[cfg(feature = #feature)]
            kinds.extend(#rt::DecryptedResource::kinds_of::<#payload>());
        });
        // A notification told apart by a field is tried before the ones sharing its pair.
        match &n.discriminator {
            Some(field) => decoders.insert(
                0,
                quote! {
                    #[cfg(feature = #feature)]
                    if resource.has_field(#field)
                        && let ::std::option::Option::Some(decoded) = resource.decode_as(Self::#name)
                    {
                        return ::std::option::Option::Some(decoded);
                    }
                },
            ),
            None => decoders.push(quote! {
                #[cfg(feature = #feature)]
                if let ::std::option::Option::Some(decoded) = resource.decode_as(Self::#name) {
                    return ::std::option::Option::Some(decoded);
                }
            }),
        }
    }
    let enum_name = ident(ENUM);
    let module_doc = inner_doc_attrs(&format!(
        "Every notification (callback) of this crate, as one enum: what a callback URL that \
         receives several kinds parses into with `Client::parse_callback`.\n\n\
         The variant follows the callback's `event_type` and `resource.original_type` together \
         (event types are shared between product lines); where several share a pair, a field \
         only one resource has decides (`discriminator` in the spec). A pair no variant is sent with arrives \
         as untyped JSON (`Received::Untyped`), never as an error.\n\n\
         | variant | event types | original type | feature |\n| --- | --- | --- | --- |{table}"
    ));
    quote! {
        #module_doc

        use ::wechatpay_apiv3_runtime as rt;

        /// A verified, decrypted callback resource of any kind this crate knows.
        #[derive(Clone, ::std::fmt::Debug, PartialEq)]
        #[non_exhaustive]
        #[allow(
            clippy::large_enum_variant,
            reason = "which variants exist depends on the features enabled; one callback is held at a time"
        )]
        pub enum #enum_name {
            #(#variants)*
        }

        impl #rt::NotificationSet for #enum_name {
            fn kinds() -> ::std::vec::Vec<(&'static str, &'static str)> {
                #[allow(unused_mut)]
                let mut kinds = ::std::vec::Vec::new();
                #(#kinds)*
                kinds
            }

            fn decode(
                resource: &#rt::DecryptedResource<'_>,
            ) -> ::std::option::Option<::std::result::Result<Self, #rt::ResourceShapeError>> {
                #(#decoders)*
                let _ = resource;
                ::std::option::Option::None
            }
        }
    }
}

/// The reference page template.
const PAGE: &str = include_str!("../../templates/notification.md.j2");

/// Where a notification's reference page is, relative to the crate (`docs/<module path>/<id>.md`).
pub fn page_path(f: &Family, n: &Notification) -> String {
    format!("docs/{}/{}.md", f.module.join("/"), n.id)
}

/// The reference page of each notification, at [`page_path`].
pub fn pages(api: &Api, target: &Target) -> Result<Files, String> {
    let mut env = Environment::new();
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .build()
            .map_err(|e| format!("template syntax: {e}"))?,
    );
    env.add_template("notification.md", PAGE)
        .map_err(|e| format!("notification page template: {e}"))?;
    let template = env
        .get_template("notification.md")
        .map_err(|e| e.to_string())?;
    let mut files = Files::new();
    for (f, n) in all(api) {
        let mut r = Vec::new();
        if let Some(TypeDef::Struct(s)) = api.find(&n.payload) {
            rows(api, &s.fields, "", &mut Vec::new(), &mut r);
        }
        let ctx = json!({
            "header": HEADER,
            "n": {
                "title": cell(&n.title),
                "doc": n.doc,
                "events": n.event_types.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", "),
                "original_type": n.original_type,
                "rust_path": format!("{}::{}::{}", target.lib_name(), n.payload.module.join("::"), n.payload.name),
                "enum_name": ENUM,
                "variant": variant(api, f, n),
                "feature": f.feature,
                "doc_url": n.doc_url,
                "lib": target.lib_name(),
                "rows": r,
                "example": serde_json::to_string_pretty(&n.example).unwrap_or_default(),
            }
        });
        let text = template
            .render(minijinja::value::Serde(&ctx))
            .map_err(|e| format!("notification page {}: {e:#}", n.id))?;
        files.insert(PathBuf::from(page_path(f, n)), text);
    }
    Ok(files)
}
