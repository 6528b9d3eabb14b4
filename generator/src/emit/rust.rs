//! Rust items for the generated crate, built with `quote!`.
//!
//! Every path in emitted code is fully qualified (`::std::string::String`, `crate::...`), so a spec
//! type called `Result` or `String` cannot change what a name means.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

use super::doc::{doc_attrs, field_doc, raw_doc_attrs};
use crate::model::*;

/// The runtime crate, as generated code names it: every generated file starts with
/// `use ::wechatpay_apiv3_runtime as rt;` (no spec name is lower-case `rt`).
pub fn rt() -> TokenStream {
    quote!(rt)
}

/// An identifier the lowering already made valid.
pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// `crate::a::b::Name`, or with another root (`::wechatpay_apiv3`) for code outside the crate.
pub fn path_tokens(p: &TypePath, root: &TokenStream) -> TokenStream {
    let segs = p.module.iter().map(|s| ident(s));
    let name = ident(&p.name);
    quote!(#root #(:: #segs)* :: #name)
}

/// The Rust type of a field (without `Option` for optional fields).
pub fn ty_tokens(ty: &Ty, root: &TokenStream) -> TokenStream {
    let rt = rt();
    match &ty.kind {
        TyKind::String => quote!(::std::string::String),
        TyKind::Integer => quote!(i64),
        TyKind::Boolean => quote!(bool),
        TyKind::DateTime => quote!(#rt::DateTime),
        TyKind::Struct(p) | TyKind::Enum(p) => path_tokens(p, root),
        TyKind::Array(item) => {
            let item = ty_tokens(item, root);
            quote!(::std::vec::Vec<#item>)
        }
    }
}

fn field_ty(f: &Field, module: &[String]) -> TokenStream {
    let ty = ty_in(&f.ty, module);
    if f.required {
        ty
    } else {
        quote!(::std::option::Option<#ty>)
    }
}

/// A `u64` literal, `u64::MAX` for "no limit".
pub fn u64_tokens(v: u64) -> TokenStream {
    if v == u64::MAX {
        quote!(u64::MAX)
    } else {
        let v = Literal::u64_unsuffixed(v);
        quote!(#v)
    }
}

fn i64_tokens(v: i64) -> TokenStream {
    match v {
        i64::MIN => quote!(i64::MIN),
        i64::MAX => quote!(i64::MAX),
        v if v < 0 => {
            let v = Literal::u64_unsuffixed(v.unsigned_abs());
            quote!(-#v)
        }
        v => {
            let v = Literal::i64_unsuffixed(v);
            quote!(#v)
        }
    }
}

/// A type path as code in `module` names it: bare when it lives there (a local item shadows the
/// prelude, so a spec type called `Result` still means itself), `super::types::Name` from a
/// sibling module (an operation naming its family's shared types), else from `crate`.
pub fn local_path(p: &TypePath, module: &[String]) -> TokenStream {
    let name = ident(&p.name);
    if p.module == module {
        return quote!(#name);
    }
    match (p.module.split_last(), module.split_last()) {
        (Some((sibling, parent)), Some((_, here))) if parent == here => {
            let sibling = ident(sibling);
            quote!(super::#sibling::#name)
        }
        _ => path_tokens(p, &quote!(crate)),
    }
}

/// The Rust type of a field as code in `module` names it (without `Option`).
pub fn ty_in(ty: &Ty, module: &[String]) -> TokenStream {
    match &ty.kind {
        TyKind::Struct(p) | TyKind::Enum(p) => local_path(p, module),
        TyKind::Array(item) => {
            let item = ty_in(item, module);
            quote!(::std::vec::Vec<#item>)
        }
        _ => ty_tokens(ty, &quote!(crate)),
    }
}

/// The runtime `Kind` of a type, printed into a rule table. Scalars come from
/// [`crate::rules::scalar_kind`], the one mapping the example checks use too.
pub fn kind_tokens(ty: &Ty, module: &[String]) -> TokenStream {
    use wechatpay_apiv3_runtime::Kind;
    match &ty.kind {
        TyKind::Struct(p) => {
            let p = local_path(p, module);
            quote!(rt::Kind::Nested(<#p as rt::Shaped>::shape))
        }
        TyKind::Enum(p) => {
            let p = local_path(p, module);
            quote!(rt::Kind::Enum(<#p as rt::OpenEnum>::VALUES))
        }
        TyKind::Array(item) => {
            let (min, max) = crate::rules::items_bounds(ty);
            let (min, max) = (u64_tokens(min), u64_tokens(max));
            let item = kind_tokens(item, module);
            quote!(rt::Kind::list(#min, #max, &#item))
        }
        _ => match crate::rules::scalar_kind(ty) {
            Some(Kind::Text {
                min: 0,
                max: u64::MAX,
                pattern: None,
                date_time: false,
            }) => quote!(rt::Kind::TEXT),
            Some(Kind::Text {
                min: 0,
                max: u64::MAX,
                pattern: None,
                date_time: true,
            }) => quote!(rt::Kind::DATE_TIME),
            Some(Kind::Text {
                min,
                max,
                pattern: None,
                date_time: false,
            }) => {
                let (min, max) = (u64_tokens(min), u64_tokens(max));
                quote!(rt::Kind::text(#min, #max))
            }
            Some(Kind::Text {
                min,
                max,
                pattern: Some(p),
                date_time: false,
            }) => {
                let (min, max) = (u64_tokens(min), u64_tokens(max));
                quote!(rt::Kind::pattern(#min, #max, #p))
            }
            Some(Kind::Text {
                min,
                max,
                pattern,
                date_time: true,
            }) => {
                let (min, max) = (u64_tokens(min), u64_tokens(max));
                let pattern = match pattern {
                    Some(p) => quote!(::std::option::Option::Some(#p)),
                    None => quote!(::std::option::Option::None),
                };
                quote!(rt::Kind::Text { min: #min, max: #max, pattern: #pattern, date_time: true })
            }
            Some(Kind::Integer {
                min: i64::MIN,
                max: i64::MAX,
            }) => quote!(rt::Kind::INTEGER),
            Some(Kind::Integer { min, max }) => {
                let (min, max) = (i64_tokens(min), i64_tokens(max));
                quote!(rt::Kind::range(#min, #max))
            }
            _ => quote!(rt::Kind::Boolean),
        },
    }
}

/// One row of a rule table.
pub fn field_rule(f: &Field, module: &[String]) -> TokenStream {
    let wire = &f.wire;
    let kind = kind_tokens(&f.ty, module);
    let rule = if f.required {
        quote!(rt::FieldRule::req(#wire, #kind))
    } else {
        quote!(rt::FieldRule::opt(#wire, #kind))
    };
    if f.sensitive {
        quote!(#rule.sensitive())
    } else {
        rule
    }
}

/// A setter storing `value` under its wire name in the builder's draft.
pub fn setter(f: &Field, doc: &str, module: &[String]) -> TokenStream {
    let name = ident(&f.rust);
    let wire = &f.wire;
    let doc = raw_doc_attrs(doc);
    let t = ty_in(&f.ty, module);
    let set = match f.ty.kind {
        TyKind::String => quote!(text),
        _ => quote!(set::<#t>),
    };
    quote! {
        #doc
        pub fn #name(self, value: impl Into<#t>) -> Self {
            Self(self.0.#set(#wire, value))
        }
    }
}

/// Whether the struct itself holds a sensitive field (its `Debug` then hides it).
fn has_direct_sensitive(s: &StructDef) -> bool {
    s.fields.iter().any(|f| f.sensitive)
}

fn debug_impl(name: &Ident, type_name: &str, fields: &[Field]) -> TokenStream {
    let entries = fields.iter().map(|f| {
        let fname = ident(&f.rust);
        let label = &f.rust;
        if f.sensitive {
            quote!(.field(#label, &"<redacted>"))
        } else {
            quote!(.field(#label, &self.#fname))
        }
    });
    quote! {
        impl ::std::fmt::Debug for #name {
            /// Sensitive fields are shown as `<redacted>`.
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#type_name) #(#entries)* .finish()
            }
        }
    }
}

/// How one field is written to and read from its JSON member (see [`json_impl`]).
pub fn member(f: &Field) -> (TokenStream, TokenStream) {
    let name = ident(&f.rust);
    let wire = &f.wire;
    if f.required {
        (
            quote!(out.req(#wire, &self.#name);),
            quote!(#name: input.req(#wire),),
        )
    } else {
        (
            quote!(out.opt(#wire, &self.#name);),
            quote!(#name: input.opt(#wire),),
        )
    }
}

/// `JsonFields` (one line per member each way) and the serde bridge. Generated types derive no
/// serde code: derived impls are compiled again for every serializer a type meets and were most
/// of the crate's compile time (BENCHMARKS.md), while these go through one JSON tree.
pub fn json_impl(name: &Ident, writes: &[TokenStream], reads: &[TokenStream]) -> TokenStream {
    let out = if writes.is_empty() {
        quote!(_out)
    } else {
        quote!(out)
    };
    let input = if reads.is_empty() {
        quote!(_input)
    } else {
        quote!(input)
    };
    quote! {
        impl rt::JsonFields for #name {
            fn write_fields(&self, #out: &mut rt::json::Object) {
                #(#writes)*
            }

            fn read_fields(#input: &mut rt::json::Members) -> Self {
                Self { #(#reads)* }
            }
        }

        rt::serde_via_json!(#name);
    }
}

/// A struct, its rule table, its builder (see [`BuilderKind`]) and, for sensitive data, the
/// encryption walk.
pub fn emit_struct(api: &Api, module: &[String], s: &StructDef) -> TokenStream {
    let name = ident(&s.name);
    let type_name = &s.name;
    let doc = doc_attrs(&s.doc);
    let sensitive_direct = has_direct_sensitive(s);
    let derive_debug = if sensitive_direct {
        quote!()
    } else {
        quote!(::std::fmt::Debug,)
    };
    let fields = s.fields.iter().map(|f| {
        let fname = ident(&f.rust);
        let ty = field_ty(f, module);
        let fdoc = raw_doc_attrs(&field_doc(f));
        quote! { #fdoc pub #fname: #ty, }
    });
    let (writes, reads): (Vec<_>, Vec<_>) = s.fields.iter().map(member).unzip();
    let json = json_impl(&name, &writes, &reads);
    let rules = s.fields.iter().map(|f| field_rule(f, module));
    let path = TypePath {
        module: module.to_vec(),
        name: s.name.clone(),
    };
    let builder = match api.builder_kind(&path) {
        BuilderKind::None => quote!(),
        BuilderKind::Always => emit_builder(s, module, &quote!()),
        BuilderKind::TestSupport => {
            emit_builder(s, module, &quote!(#[cfg(feature = "test-support")]))
        }
    };
    let debug = if sensitive_direct {
        debug_impl(&name, type_name, &s.fields)
    } else {
        quote!()
    };
    let encrypt = if api.struct_is_encrypted(&path) {
        emit_encrypt_walk(api, &name, s)
    } else {
        quote!()
    };
    quote! {
        #doc
        #[derive(Clone, #derive_debug PartialEq)]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
        }

        impl rt::Shaped for #name {
            const SHAPE: &'static rt::Shape = &rt::Shape::new(#type_name, &[#(#rules),*]);
        }

        #json

        #builder
        #debug
        #encrypt
    }
}

/// `Name::builder()` and `NameBuilder`: one setter per field, `build()` one runtime call.
fn emit_builder(s: &StructDef, module: &[String], cfg: &TokenStream) -> TokenStream {
    let name = ident(&s.name);
    let builder = ident(&crate::naming::builder_name(&s.name));
    let type_name = &s.name;
    let setters = s.fields.iter().map(|f| {
        let doc = format!("Sets `{}`. {}", f.wire, first_sentence(&f.doc));
        setter(f, &doc, module)
    });
    let builder_doc = raw_doc_attrs(&format!(
        "Builds a [`{type_name}`]; `build` reports every missing field and broken limit at once."
    ));
    quote! {
        #cfg
        impl #name {
            /// A builder with every field unset.
            pub fn builder() -> #builder {
                #builder::default()
            }
        }

        #builder_doc
        #cfg
        #[derive(Clone, Debug, Default)]
        pub struct #builder(rt::Draft);

        #cfg
        impl #builder {
            #(#setters)*

            /// Checks every field and builds the value.
            pub fn build(self) -> ::std::result::Result<#name, rt::BuildError> {
                self.0.build()
            }
        }
    }
}

/// `encrypt_sensitive_fields`: hands every sensitive string, nested ones included, to `encrypt`.
fn emit_encrypt_walk(api: &Api, name: &Ident, s: &StructDef) -> TokenStream {
    let rt = rt();
    let steps = s.fields.iter().filter_map(|f| {
        let n = ident(&f.rust);
        let wire = &f.wire;
        let step = encrypt_step(api, &f.ty, f.sensitive, wire, &quote!(value))?;
        Some(if f.required {
            quote! { { let value = &mut self.#n; #step } }
        } else {
            quote! { if let ::std::option::Option::Some(value) = &mut self.#n { #step } }
        })
    });
    quote! {
        impl #name {
            /// Replaces every sensitive field's plaintext with its ciphertext. Called by the client.
            #[doc(hidden)]
            pub fn encrypt_sensitive_fields(
                &mut self,
                encrypt: &mut #rt::EncryptField<'_>,
            ) -> ::std::result::Result<(), #rt::SensitiveFieldError> {
                #(#steps)*
                ::std::result::Result::Ok(())
            }
        }
    }
}

fn encrypt_step(
    api: &Api,
    ty: &Ty,
    sensitive: bool,
    wire: &str,
    value: &TokenStream,
) -> Option<TokenStream> {
    match &ty.kind {
        TyKind::String if sensitive => Some(quote!(encrypt(#wire, #value)?;)),
        TyKind::Struct(p) if api.struct_has_sensitive(p) => {
            Some(quote!(#value.encrypt_sensitive_fields(encrypt)?;))
        }
        TyKind::Array(item) => {
            let inner = encrypt_step(api, item, sensitive, wire, &quote!(item))?;
            Some(quote!(for item in #value.iter_mut() { #inner }))
        }
        _ => None,
    }
}

/// An open enum, through the runtime's `open_enum!` (see [`super::OPEN_ENUM_MARK`]).
pub fn emit_enum(e: &EnumDef) -> TokenStream {
    let name = ident(&e.name);
    let doc = doc_attrs(&e.doc);
    let catch_all = ident(&e.catch_all);
    let variants: Vec<Ident> = e.values.iter().map(|v| ident(&v.variant)).collect();
    let wires: Vec<&str> = e.values.iter().map(|v| v.wire.as_str()).collect();
    let vdocs = e
        .values
        .iter()
        .map(|v| raw_doc_attrs(&format!("`{}`: {}", v.wire, super::doc::escape(&v.doc))));
    let mark = ident(super::OPEN_ENUM_MARK);
    quote! {
        #[#mark]
        #doc
        pub enum #name {
            #catch_all(rt::UnknownValue),
            #(#vdocs #variants = #wires,)*
        }
    }
}

/// Either kind of type.
pub fn emit_type(api: &Api, module: &[String], t: &TypeDef) -> TokenStream {
    match t {
        TypeDef::Struct(s) => emit_struct(api, module, s),
        TypeDef::Enum(e) => emit_enum(e),
    }
}

/// The first sentence of a description, for setter docs.
pub fn first_sentence(text: &str) -> String {
    let text = text.trim();
    let end = text.find(". ").map(|i| i + 1).unwrap_or(text.len());
    super::doc::escape(&text[..end])
}
