//! Rust items for the generated crate, built with `quote!`.
//!
//! Every path in emitted code is fully qualified (`::std::string::String`, `crate::...`), so a spec
//! type called `Result` or `String` cannot change what a name means.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

use super::doc::{doc_attrs, field_doc, raw_doc_attrs};
use crate::model::*;

/// The runtime crate, as generated code names it.
pub fn rt() -> TokenStream {
    quote!(::wechatpay_apiv3_runtime)
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

fn field_ty(f: &Field) -> TokenStream {
    let ty = ty_tokens(&f.ty, &quote!(crate));
    if f.required {
        ty
    } else {
        quote!(::std::option::Option<#ty>)
    }
}

fn opt_u64(v: Option<u64>) -> TokenStream {
    match v {
        Some(v) => {
            let v = Literal::u64_unsuffixed(v);
            quote!(::std::option::Option::Some(#v))
        }
        None => quote!(::std::option::Option::None),
    }
}

fn opt_i64(v: Option<i64>) -> TokenStream {
    match v {
        Some(v) if v < 0 => {
            let v = Literal::u64_unsuffixed(v.unsigned_abs());
            quote!(::std::option::Option::Some(-#v))
        }
        Some(v) => {
            let v = Literal::i64_unsuffixed(v);
            quote!(::std::option::Option::Some(#v))
        }
        None => quote!(::std::option::Option::None),
    }
}

/// The checks for one value: `value` is an expression of type `&T`, `at` a `FieldPath` binding.
/// `None` when the type has nothing to check.
fn checks(ty: &Ty, value: &TokenStream, at: &TokenStream) -> Option<TokenStream> {
    let rt = rt();
    let l = &ty.limits;
    let mut out = Vec::new();
    match &ty.kind {
        TyKind::String => {
            if l.min_length.is_some() || l.max_length.is_some() {
                let (min, max) = (opt_u64(l.min_length), opt_u64(l.max_length));
                out.push(quote!(v.length(&#at, #value, #min, #max);));
            }
            if let Some(p) = &l.pattern {
                out.push(quote! {
                    {
                        static PATTERN: #rt::Pattern = #rt::Pattern::new(#p);
                        v.pattern(&#at, #value, &PATTERN);
                    }
                });
            }
        }
        TyKind::Integer => {
            if l.minimum.is_some() || l.maximum.is_some() {
                let (min, max) = (opt_i64(l.minimum), opt_i64(l.maximum));
                out.push(quote!(v.range(&#at, *#value, #min, #max);));
            }
        }
        TyKind::DateTime => out.push(quote!(v.date_time(&#at, #value);)),
        TyKind::Struct(_) => out.push(quote!(#rt::Validate::validate_at(#value, v, &#at);)),
        TyKind::Enum(_) | TyKind::Boolean => {}
        TyKind::Array(item) => {
            if l.min_items.is_some() || l.max_items.is_some() {
                let (min, max) = (opt_u64(l.min_items), opt_u64(l.max_items));
                out.push(quote!(v.items(&#at, #value.len(), #min, #max);));
            }
            if let Some(inner) = checks(item, &quote!(item), &quote!(at_item)) {
                out.push(quote! {
                    for (i, item) in #value.iter().enumerate() {
                        let at_item = #at.index(i);
                        #inner
                    }
                });
            }
        }
    }
    if out.is_empty() {
        None
    } else {
        Some(quote!(#(#out)*))
    }
}

/// Checks of a field whose value is stored as `T` (required) or `Option<T>` (optional).
fn struct_field_checks(f: &Field, base: &TokenStream) -> Option<TokenStream> {
    let wire = &f.wire;
    let name = ident(&f.rust);
    let inner = checks(&f.ty, &quote!(value), &quote!(at))?;
    Some(if f.required {
        quote! { { let at = #base.field(#wire); let value = &self.#name; #inner } }
    } else {
        quote! { if let ::std::option::Option::Some(value) = &self.#name { let at = #base.field(#wire); #inner } }
    })
}

/// Checks of a field held by a builder as `Option<T>`: required fields also report `Missing`.
fn builder_field_checks(f: &Field, base: &TokenStream) -> Option<TokenStream> {
    let rt = rt();
    let wire = &f.wire;
    let name = ident(&f.rust);
    let inner = checks(&f.ty, &quote!(value), &quote!(at));
    match (f.required, inner) {
        (true, Some(inner)) => Some(quote! {
            match &self.#name {
                ::std::option::Option::Some(value) => { let at = #base.field(#wire); #inner }
                ::std::option::Option::None => v.report(&#base.field(#wire), #rt::Rule::Missing),
            }
        }),
        (true, None) => Some(quote! {
            if self.#name.is_none() { v.report(&#base.field(#wire), #rt::Rule::Missing); }
        }),
        (false, Some(inner)) => Some(quote! {
            if let ::std::option::Option::Some(value) = &self.#name { let at = #base.field(#wire); #inner }
        }),
        (false, None) => None,
    }
}

/// A setter: `pub fn name(mut self, value: impl Into<T>) -> Self`.
fn setter(
    f: &Field,
    doc: &TokenStream,
    assign: impl Fn(&Ident, TokenStream) -> TokenStream,
) -> TokenStream {
    let name = ident(&f.rust);
    let (param, conv) = setter_param(&f.ty);
    let body = assign(&name, conv);
    quote! {
        #doc
        pub fn #name(mut self, value: #param) -> Self {
            #body
            self
        }
    }
}

fn setter_param(ty: &Ty) -> (TokenStream, TokenStream) {
    let t = ty_tokens(ty, &quote!(crate));
    match ty.kind {
        TyKind::String | TyKind::DateTime | TyKind::Enum(_) => {
            (quote!(impl ::std::convert::Into<#t>), quote!(value.into()))
        }
        _ => (t, quote!(value)),
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

/// A struct, its builder, `Validate`, and (for sensitive data) the encryption walk.
pub fn emit_struct(
    api: &Api,
    module: &[String],
    s: &StructDef,
    body_of: Option<&str>,
) -> TokenStream {
    let rt = rt();
    let name = ident(&s.name);
    let builder = format_ident!("{}Builder", s.name);
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
        let ty = field_ty(f);
        let fdoc = raw_doc_attrs(&field_doc(f));
        let rename = if f.rust != f.wire {
            let wire = &f.wire;
            quote!(#[serde(rename = #wire)])
        } else {
            quote!()
        };
        let skip = if f.required {
            quote!()
        } else {
            quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")])
        };
        quote! { #fdoc #rename #skip pub #fname: #ty, }
    });
    let builder_fields = s.fields.iter().map(|f| {
        let fname = ident(&f.rust);
        let ty = ty_tokens(&f.ty, &quote!(crate));
        quote!(#fname: ::std::option::Option<#ty>,)
    });
    let setters = s.fields.iter().map(|f| {
        let doc = raw_doc_attrs(&format!("Sets `{}`. {}", f.wire, first_sentence(&f.doc)));
        setter(
            f,
            &doc,
            |name, conv| quote!(self.#name = ::std::option::Option::Some(#conv);),
        )
    });
    let base = quote!(at);
    let validate_body: Vec<TokenStream> = s
        .fields
        .iter()
        .filter_map(|f| struct_field_checks(f, &base))
        .collect();
    let validate_body = if validate_body.is_empty() {
        quote!(let _ = (v, at);)
    } else {
        quote!(#(#validate_body)*)
    };
    let check_body: Vec<TokenStream> = s
        .fields
        .iter()
        .filter_map(|f| builder_field_checks(f, &base))
        .collect();
    let check_body = if check_body.is_empty() {
        quote!(let _ = (v, at);)
    } else {
        quote!(#(#check_body)*)
    };

    let required: Vec<&Field> = s.fields.iter().filter(|f| f.required).collect();
    let all_fields = s.fields.iter().map(|f| {
        let n = ident(&f.rust);
        if f.required {
            quote!(#n)
        } else {
            quote!(#n: self.#n)
        }
    });
    let assemble = match required.len() {
        0 => quote!(::std::option::Option::Some(#name { #(#all_fields),* })),
        1 => {
            let n = ident(&required[0].rust);
            quote!(self.#n.map(|#n| #name { #(#all_fields),* }))
        }
        _ => {
            let names: Vec<Ident> = required.iter().map(|f| ident(&f.rust)).collect();
            quote! {
                match (#(self.#names),*) {
                    (#(::std::option::Option::Some(#names)),*) => ::std::option::Option::Some(#name { #(#all_fields),* }),
                    _ => ::std::option::Option::None,
                }
            }
        }
    };

    let debug = if sensitive_direct {
        let a = debug_impl(&name, type_name, &s.fields);
        let b = debug_impl(&builder, &format!("{type_name}Builder"), &s.fields);
        quote!(#a #b)
    } else {
        quote!()
    };
    let from_value = if body_of.is_some() {
        let moves = s.fields.iter().map(|f| {
            let n = ident(&f.rust);
            if f.required {
                quote!(#n: ::std::option::Option::Some(value.#n))
            } else {
                quote!(#n: value.#n)
            }
        });
        quote! {
            impl ::std::convert::From<#name> for #builder {
                /// A builder holding every field of `value`, to change some before building again.
                fn from(value: #name) -> Self {
                    Self { #(#moves,)* }
                }
            }
        }
    } else {
        quote!()
    };
    let path = TypePath {
        module: module.to_vec(),
        name: s.name.clone(),
    };
    let encrypt = if api.struct_has_sensitive(&path) {
        emit_encrypt_walk(api, &name, s)
    } else {
        quote!()
    };
    let builder_doc = raw_doc_attrs(&format!(
        "Builds a [`{type_name}`]; [`{type_name}Builder::build`] reports every missing field and broken limit at once."
    ));

    quote! {
        #doc
        #[derive(Clone, #derive_debug PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
        }

        impl #name {
            /// A builder with every field unset.
            pub fn builder() -> #builder {
                #builder::default()
            }
        }

        impl #rt::Validate for #name {
            fn validate_at(&self, v: &mut #rt::Validator, at: &#rt::FieldPath<'_>) {
                #validate_body
            }
        }

        #builder_doc
        #[derive(Clone, #derive_debug Default)]
        pub struct #builder {
            #(#builder_fields)*
        }

        impl #builder {
            #(#setters)*

            fn check(&self, v: &mut #rt::Validator, at: &#rt::FieldPath<'_>) {
                #check_body
            }

            fn assemble(self) -> ::std::option::Option<#name> {
                #assemble
            }

            /// Checks every field and builds the value.
            pub fn build(self) -> ::std::result::Result<#name, #rt::BuildError> {
                let mut v = #rt::Validator::new();
                self.check(&mut v, &#rt::FieldPath::ROOT);
                match self.assemble() {
                    ::std::option::Option::Some(value) if v.is_clean() => ::std::result::Result::Ok(value),
                    _ => ::std::result::Result::Err(v.into_error(#type_name)),
                }
            }
        }

        #debug
        #from_value
        #encrypt
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

/// An open enum with its conversions and serde impls.
pub fn emit_enum(e: &EnumDef) -> TokenStream {
    let rt = rt();
    let name = ident(&e.name);
    let doc = doc_attrs(&e.doc);
    let catch_all = ident(&e.catch_all);
    let variants: Vec<Ident> = e.values.iter().map(|v| ident(&v.variant)).collect();
    let wires: Vec<&str> = e.values.iter().map(|v| v.wire.as_str()).collect();
    let vdocs = e
        .values
        .iter()
        .map(|v| raw_doc_attrs(&format!("`{}`: {}", v.wire, super::doc::escape(&v.doc))));
    quote! {
        #doc
        ///
        /// Open: a value this version does not know is kept, unchanged, in the catch-all variant.
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#vdocs #variants,)*
            /// A value this version of the crate does not know, kept as received.
            #catch_all(#rt::UnknownValue),
        }

        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variants => #wires,)*
                    Self::#catch_all(value) => value.as_str(),
                }
            }
        }

        impl #rt::OpenEnum for #name {
            const VALUES: &'static [&'static str] = &[#(#wires),*];

            fn from_wire(raw: &str) -> Self {
                match raw {
                    #(#wires => Self::#variants,)*
                    other => Self::#catch_all(#rt::UnknownValue::new(other)),
                }
            }

            fn as_str(&self) -> &str {
                #name::as_str(self)
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(raw: &str) -> Self {
                <Self as #rt::OpenEnum>::from_wire(raw)
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                #rt::open_enum::serialize(self, serializer)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                #rt::open_enum::deserialize(deserializer)
            }
        }
    }
}

/// Either kind of type.
pub fn emit_type(api: &Api, module: &[String], t: &TypeDef, body_of: Option<&str>) -> TokenStream {
    match t {
        TypeDef::Struct(s) => emit_struct(api, module, s, body_of),
        TypeDef::Enum(e) => emit_enum(e),
    }
}

/// The first sentence of a description, for setter docs.
pub fn first_sentence(text: &str) -> String {
    let text = text.trim();
    let end = text.find(". ").map(|i| i + 1).unwrap_or(text.len());
    super::doc::escape(&text[..end])
}
