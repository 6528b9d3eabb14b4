//! An operation's module: the request, its builder, the `Operation` impl, the error-code enum and
//! the operation's own types.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::doc::{field_doc, inner_doc_attrs, raw_doc_attrs};
use super::rust::{emit_enum, emit_type, first_sentence, ident, path_tokens, rt, ty_tokens};
use crate::model::*;

/// The whole module file of one operation.
pub fn emit_operation(api: &Api, family: &str, op: &Operation) -> TokenStream {
    let module_doc = inner_doc_attrs(&format!(
        "{}\n\n{}\n\nSends `{} {}`. [Official documentation]({}).",
        super::doc::escape(&op.title),
        super::doc::escape(&op.doc),
        op.method,
        op.path,
        op.doc_url
    ));
    let request = emit_request(api, family, op);
    let errors = emit_error_codes(op);
    let types = op.types.iter().map(|t| {
        let body_of = op
            .body
            .as_ref()
            .filter(|b| b.name == t.name())
            .map(|_| op.prefix.as_str());
        emit_type(api, &op.module_path, t, body_of)
    });
    quote! {
        #module_doc
        #request
        #errors
        #(#types)*
    }
}

/// One line per fact a caller should know before sending.
fn request_doc(op: &Operation) -> String {
    let callers: Vec<&str> = op
        .callers
        .iter()
        .map(|c| match c {
            Caller::Merchant => "merchants (直连商户)",
            Caller::Partner => "service providers (服务商)",
        })
        .collect();
    let mut lines = vec![
        super::doc::escape(&op.title),
        String::new(),
        super::doc::escape(&op.doc),
        String::new(),
        format!(
            "Sends `{} {}`; see the [official documentation]({}).",
            op.method, op.path, op.doc_url
        ),
        String::new(),
        format!("- Callers: {}.", callers.join(" and ")),
    ];
    if let Some((n, per)) = op.rate_limit {
        lines.push(format!(
            "- Rate limit: {n} requests per {}.",
            if per == 1 {
                "second".to_string()
            } else {
                format!("{per} seconds")
            }
        ));
    }
    lines.push(format!("- {}.", op.retry_summary()));
    lines.push(format!(
        "- Answers HTTP {}{}.",
        op.response.status,
        match op.response.kind {
            ResponseKind::Json => String::new(),
            ResponseKind::Empty => " with no body".into(),
            ResponseKind::Download => " with the file's bytes, unsigned; check them against the hash the previous call returned".into(),
        }
    ));
    lines.join("\n")
}

fn emit_request(api: &Api, family: &str, op: &Operation) -> TokenStream {
    let rt = rt();
    let prefix = &op.prefix;
    let name = format_ident!("{prefix}Request");
    let builder = format_ident!("{prefix}RequestBuilder");
    let request_name = format!("{prefix}Request");
    let doc = raw_doc_attrs(&request_doc(op));
    let params: Vec<&Field> = op.path_params.iter().chain(&op.query).collect();

    // Struct fields.
    let param_fields = params.iter().map(|f| {
        let n = ident(&f.rust);
        let t = ty_tokens(&f.ty, &quote!(crate));
        let t = if f.required {
            t
        } else {
            quote!(::std::option::Option<#t>)
        };
        let d = raw_doc_attrs(&format!(
            "{} parameter. {}",
            if op.path_params.iter().any(|p| p.wire == f.wire) {
                "Path"
            } else {
                "Query"
            },
            field_doc(f)
        ));
        quote!(#d pub #n: #t,)
    });
    let body_ty = op.body.as_ref().map(|b| path_tokens(b, &quote!(crate)));
    let body_field = body_ty.as_ref().map(|t| {
        quote!(/// The JSON body.
        pub body: #t,)
    });
    let file_field = op.upload.as_ref().map(|_| {
        quote!(/// The file to upload.
        pub file: #rt::UploadFile,)
    });

    // Builder.
    let builder_param_fields = params.iter().map(|f| {
        let n = ident(&f.rust);
        let t = ty_tokens(&f.ty, &quote!(crate));
        quote!(#n: ::std::option::Option<#t>,)
    });
    let body_builder_ty = op.body.as_ref().map(|b| {
        let p = TypePath {
            module: b.module.clone(),
            name: format!("{}Builder", b.name),
        };
        path_tokens(&p, &quote!(crate))
    });
    let builder_body_field = body_builder_ty.as_ref().map(|t| quote!(body: #t,));
    let builder_file_field = op
        .upload
        .as_ref()
        .map(|_| quote!(file: ::std::option::Option<#rt::UploadFile>,));
    let param_setters = params.iter().map(|f| {
        let n = ident(&f.rust);
        let t = ty_tokens(&f.ty, &quote!(crate));
        let (param, conv) = match f.ty.kind {
            TyKind::String | TyKind::DateTime | TyKind::Enum(_) => {
                (quote!(impl ::std::convert::Into<#t>), quote!(value.into()))
            }
            _ => (t, quote!(value)),
        };
        let d = raw_doc_attrs(&format!(
            "Sets the parameter `{}`. {}",
            f.wire,
            first_sentence(&f.doc)
        ));
        quote! {
            #d
            pub fn #n(mut self, value: #param) -> Self {
                self.#n = ::std::option::Option::Some(#conv);
                self
            }
        }
    });
    let body_setters = body_struct(api, op)
        .into_iter()
        .flat_map(|s| s.fields.iter())
        .map(|f| {
            let n = ident(&f.rust);
            let t = ty_tokens(&f.ty, &quote!(crate));
            let param = match f.ty.kind {
                TyKind::String | TyKind::DateTime | TyKind::Enum(_) => {
                    quote!(impl ::std::convert::Into<#t>)
                }
                _ => t,
            };
            let d = raw_doc_attrs(&format!(
                "Sets the body field `{}`. {}",
                f.wire,
                first_sentence(&f.doc)
            ));
            quote! {
                #d
                pub fn #n(mut self, value: #param) -> Self {
                    self.body = self.body.#n(value);
                    self
                }
            }
        });
    let body_setter = body_ty.as_ref().map(|t| {
        quote! {
            /// Replaces every body field at once, e.g. with a body read back from JSON.
            pub fn body(mut self, body: #t) -> Self {
                self.body = ::std::convert::From::from(body);
                self
            }
        }
    });
    let file_setter = op.upload.as_ref().map(|_| {
        quote! {
            /// Sets the file to upload.
            pub fn file(mut self, file: #rt::UploadFile) -> Self {
                self.file = ::std::option::Option::Some(file);
                self
            }
        }
    });

    // Checks: the builder's (with `Missing`) and the finished request's.
    let base = quote!(at);
    let file_limits = op.upload.as_ref().map(|u| {
        let max = match u.max_bytes {
            Some(m) => {
                let m = Literal::u64_unsuffixed(m);
                quote!(::std::option::Option::Some(#m))
            }
            None => quote!(::std::option::Option::None),
        };
        let types = &u.file_types;
        (max, quote!(&[#(#types),*]))
    });
    let builder_checks = params.iter().filter_map(|f| param_check(f, &base, true));
    let builder_body_check = op.body.as_ref().map(|_| quote!(self.body.check(v, at);));
    let builder_file_check = file_limits.as_ref().map(|(max, types)| {
        quote! {
            match &self.file {
                ::std::option::Option::Some(file) => v.file(&at.field("file"), file, #max, #types),
                ::std::option::Option::None => v.report(&at.field("file"), #rt::Rule::Missing),
            }
        }
    });
    let mut request_checks: Vec<TokenStream> = params
        .iter()
        .filter_map(|f| param_check(f, &base, false))
        .collect();
    request_checks.extend(
        op.body
            .as_ref()
            .map(|_| quote!(#rt::Validate::validate_at(&self.body, &mut v, at);)),
    );
    request_checks.extend(
        file_limits
            .as_ref()
            .map(|(max, types)| quote!(v.file(&at.field("file"), &self.file, #max, #types);)),
    );
    let request_check_body = if request_checks.is_empty() {
        quote!(let _ = at; v.finish(#request_name))
    } else {
        quote!(let mut v = v; #(#request_checks)* v.finish(#request_name))
    };

    // Assembly: every required part must be present.
    let mut parts: Vec<(TokenStream, TokenStream)> = Vec::new(); // (expression giving Option, binding)
    for f in params.iter().filter(|f| f.required) {
        let n = ident(&f.rust);
        parts.push((quote!(self.#n), quote!(#n)));
    }
    if op.body.is_some() {
        parts.push((quote!(self.body.assemble()), quote!(body)));
    }
    if op.upload.is_some() {
        parts.push((quote!(self.file), quote!(file)));
    }
    let mut inits: Vec<TokenStream> = params
        .iter()
        .map(|f| {
            let n = ident(&f.rust);
            if f.required {
                quote!(#n)
            } else {
                quote!(#n: self.#n)
            }
        })
        .collect();
    if op.body.is_some() {
        inits.push(quote!(body));
    }
    if op.upload.is_some() {
        inits.push(quote!(file));
    }
    let build_match = if parts.is_empty() {
        quote! {
            if v.is_clean() {
                ::std::result::Result::Ok(#name { #(#inits),* })
            } else {
                ::std::result::Result::Err(v.into_error(#request_name))
            }
        }
    } else {
        let exprs = parts.iter().map(|(e, _)| e);
        let binds = parts.iter().map(|(_, b)| b);
        quote! {
            match (#(#exprs,)*) {
                (#(::std::option::Option::Some(#binds),)*) if v.is_clean() => ::std::result::Result::Ok(#name { #(#inits),* }),
                _ => ::std::result::Result::Err(v.into_error(#request_name)),
            }
        }
    };

    let operation_impl = emit_operation_impl(api, family, op, &name);
    let derive_debug = quote!(::std::fmt::Debug,);
    let builder_doc = raw_doc_attrs(&format!(
        "Builds a [`{request_name}`]: one setter per path parameter, query parameter and body field."
    ));

    quote! {
        #doc
        #[derive(Clone, #derive_debug PartialEq)]
        #[non_exhaustive]
        pub struct #name {
            #(#param_fields)*
            #body_field
            #file_field
        }

        impl #name {
            /// A builder with nothing set.
            pub fn builder() -> #builder {
                #builder::default()
            }
        }

        #builder_doc
        #[derive(Clone, Debug, Default)]
        pub struct #builder {
            #(#builder_param_fields)*
            #builder_body_field
            #builder_file_field
        }

        impl #builder {
            #(#param_setters)*
            #(#body_setters)*
            #body_setter
            #file_setter

            fn check(&self, v: &mut #rt::Validator, at: &#rt::FieldPath<'_>) {
                let _ = (&v, at);
                #(#builder_checks)*
                #builder_body_check
                #builder_file_check
            }

            /// Checks every parameter and field, and builds the request. The error lists every
            /// missing field and every broken limit.
            pub fn build(self) -> ::std::result::Result<#name, #rt::BuildError> {
                let mut v = #rt::Validator::new();
                self.check(&mut v, &#rt::FieldPath::ROOT);
                #build_match
            }
        }

        impl #name {
            fn check(&self, v: #rt::Validator, at: &#rt::FieldPath<'_>) -> ::std::result::Result<(), #rt::BuildError> {
                #request_check_body
            }
        }

        #operation_impl
    }
}

fn body_struct<'a>(api: &'a Api, op: &Operation) -> Option<&'a StructDef> {
    match api.find(op.body.as_ref()?) {
        Some(TypeDef::Struct(s)) => Some(s),
        _ => None,
    }
}

/// Checks of a path or query parameter, held as `Option<T>` by the builder (`in_builder`) or as
/// `T`/`Option<T>` by the request.
fn param_check(f: &Field, base: &TokenStream, in_builder: bool) -> Option<TokenStream> {
    let rt = rt();
    let wire = &f.wire;
    let n = ident(&f.rust);
    let inner = {
        let ty = &f.ty;
        let at = quote!(at);
        let value = quote!(value);
        let l = &ty.limits;
        let mut out = Vec::new();
        if matches!(ty.kind, TyKind::String) {
            if l.min_length.is_some() || l.max_length.is_some() {
                let min = opt(l.min_length);
                let max = opt(l.max_length);
                out.push(quote!(v.length(&#at, #value, #min, #max);));
            }
            if let Some(p) = &l.pattern {
                out.push(quote!({ static PATTERN: #rt::Pattern = #rt::Pattern::new(#p); v.pattern(&#at, #value, &PATTERN); }));
            }
        }
        if matches!(ty.kind, TyKind::Integer) && (l.minimum.is_some() || l.maximum.is_some()) {
            let min = opt_i(l.minimum);
            let max = opt_i(l.maximum);
            out.push(quote!(v.range(&#at, *#value, #min, #max);));
        }
        if matches!(ty.kind, TyKind::DateTime) {
            out.push(quote!(v.date_time(&#at, #value);));
        }
        if out.is_empty() {
            None
        } else {
            Some(quote!(#(#out)*))
        }
    };
    let stored_optional = in_builder || !f.required;
    match (inner, stored_optional, in_builder && f.required) {
        (Some(inner), true, true) => Some(quote! {
            match &self.#n {
                ::std::option::Option::Some(value) => { let at = #base.field(#wire); #inner }
                ::std::option::Option::None => v.report(&#base.field(#wire), #rt::Rule::Missing),
            }
        }),
        (None, true, true) => Some(
            quote!(if self.#n.is_none() { v.report(&#base.field(#wire), #rt::Rule::Missing); }),
        ),
        (Some(inner), true, false) => Some(
            quote!(if let ::std::option::Option::Some(value) = &self.#n { let at = #base.field(#wire); #inner }),
        ),
        (Some(inner), false, _) => {
            Some(quote!({ let at = #base.field(#wire); let value = &self.#n; #inner }))
        }
        (None, _, _) => None,
    }
}

fn opt(v: Option<u64>) -> TokenStream {
    match v {
        Some(v) => {
            let v = Literal::u64_unsuffixed(v);
            quote!(::std::option::Option::Some(#v))
        }
        None => quote!(::std::option::Option::None),
    }
}

fn opt_i(v: Option<i64>) -> TokenStream {
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

fn emit_operation_impl(
    api: &Api,
    family: &str,
    op: &Operation,
    name: &proc_macro2::Ident,
) -> TokenStream {
    let rt = rt();
    let prefix = &op.prefix;
    let error_code = format_ident!("{prefix}ErrorCode");
    let id = format!("{family}.{}", op.id);
    let summary = &op.title;
    let method = format_ident!("{}", op.method);
    let path_template = &op.path;
    let doc_url = &op.doc_url;
    let callers = op.callers.iter().map(|c| match c {
        Caller::Merchant => quote!(#rt::Caller::Merchant),
        Caller::Partner => quote!(#rt::Caller::Partner),
    });
    let keys = &op.idempotency_keys;
    let retry_safe = op.retry_safe;
    let rate_limit = match op.rate_limit {
        Some((n, per)) => {
            quote!(::std::option::Option::Some(#rt::RateLimit { requests: #n, per_seconds: #per }))
        }
        None => quote!(::std::option::Option::None),
    };
    let status = op.response.status;
    let (kind, response_ty, decode) = match op.response.kind {
        ResponseKind::Json => {
            let t = op
                .response
                .ty
                .as_ref()
                .map(|t| path_tokens(t, &quote!(crate)))
                .unwrap_or_else(|| quote!(()));
            (
                quote!(#rt::ResponseKind::Json),
                t,
                quote!(#rt::decode::json(body)),
            )
        }
        ResponseKind::Empty => (
            quote!(#rt::ResponseKind::Empty),
            quote!(()),
            quote!(#rt::decode::empty(body)),
        ),
        ResponseKind::Download => (
            quote!(#rt::ResponseKind::Download),
            quote!(::std::vec::Vec<u8>),
            quote!(#rt::decode::bytes(body)),
        ),
    };
    let sensitive = op.has_sensitive_fields(api);
    let errors = op.errors.iter().map(|e| {
        let (status, code, description, solution, retry) = (e.status, &e.code, &e.description, &e.solution, e.retry);
        quote!(#rt::ErrorDoc { status: #status, code: #code, description: #description, solution: #solution, retry: #retry })
    });

    // Path: literal pieces and encoded parameters, in template order.
    let capacity = op.path.len() + 16;
    let pushes = op.path_parts.iter().map(|p| match p {
        PathPart::Literal(text) => quote!(path.push_str(#text);),
        PathPart::Param(wire) => {
            let f = op
                .path_params
                .iter()
                .find(|f| &f.wire == wire)
                .map(|f| ident(&f.rust));
            quote!(#rt::encode::push_path_segment(&mut path, &self.#f);)
        }
    });
    let query = if op.query.is_empty() {
        quote!()
    } else {
        let pushes = op.query.iter().map(|f| {
            let n = ident(&f.rust);
            let wire = &f.wire;
            if f.required {
                quote!(query.push(#wire, &self.#n);)
            } else {
                quote!(if let ::std::option::Option::Some(value) = &self.#n { query.push(#wire, value); })
            }
        });
        quote! {
            fn write_query(&self, query: &mut #rt::encode::QueryWriter) {
                #(#pushes)*
            }
        }
    };
    let (body_ty, body) = match (&op.body, &op.upload) {
        (Some(b), _) => (
            path_tokens(b, &quote!(crate)),
            quote!(#rt::RequestBody::Json(&self.body)),
        ),
        (None, Some(_)) => (quote!(()), quote!(#rt::RequestBody::Multipart(&self.file))),
        (None, None) => (quote!(()), quote!(#rt::RequestBody::None)),
    };
    let encrypt = if sensitive {
        quote! {
            fn encrypt_sensitive(&mut self, encrypt: &mut #rt::EncryptField<'_>) -> ::std::result::Result<(), #rt::SensitiveFieldError> {
                self.body.encrypt_sensitive_fields(encrypt)
            }
        }
    } else {
        quote!()
    };
    quote! {
        impl #rt::Operation for #name {
            type Body = #body_ty;
            type Response = #response_ty;
            type ErrorCode = #error_code;

            const META: #rt::OperationMeta = #rt::OperationMeta {
                id: #id,
                summary: #summary,
                method: #rt::__private::Method::#method,
                path_template: #path_template,
                doc_url: #doc_url,
                callers: &[#(#callers),*],
                idempotency_keys: &[#(#keys),*],
                retry_safe: #retry_safe,
                rate_limit: #rate_limit,
                success_status: #status,
                response: #kind,
                has_sensitive_fields: #sensitive,
                errors: &[#(#errors),*],
            };

            fn path(&self) -> ::std::string::String {
                let mut path = ::std::string::String::with_capacity(#capacity);
                #(#pushes)*
                path
            }

            #query

            fn body(&self) -> #rt::RequestBody<'_, Self::Body> {
                #body
            }

            fn validate(&self) -> ::std::result::Result<(), #rt::BuildError> {
                self.check(#rt::Validator::new(), &#rt::FieldPath::ROOT)
            }

            #encrypt

            fn decode_response(body: &[u8]) -> ::std::result::Result<Self::Response, #rt::decode::DecodeError> {
                #decode
            }
        }
    }
}

/// The open enum of an operation's documented error codes.
fn emit_error_codes(op: &Operation) -> TokenStream {
    let mut values: Vec<EnumValue> = Vec::new();
    for e in &op.errors {
        let line = format!("HTTP {}: {} {}", e.status, e.description, e.solution);
        match values.iter_mut().find(|v| v.wire == e.code) {
            Some(v) => {
                v.doc.push_str("; ");
                v.doc.push_str(&line);
            }
            None => values.push(EnumValue {
                wire: e.code.clone(),
                variant: crate::naming::variant_name(&e.code),
                doc: line,
            }),
        }
    }
    let def = EnumDef {
        name: format!("{}ErrorCode", op.prefix),
        doc: format!("Error codes documented for `{} {}`.", op.method, op.path),
        values,
        catch_all: "Unknown".into(),
        loc: op.loc.clone(),
    };
    emit_enum(&def)
}
