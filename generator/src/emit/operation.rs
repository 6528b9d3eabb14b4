//! An operation's module: the request, its rule table, its one builder, the `Operation` impl and
//! the operation's own types.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::doc::{field_doc, inner_doc_attrs, raw_doc_attrs};
use super::rust::{
    emit_type, field_rule, first_sentence, ident, json_impl, local_path, member, rt, setter, ty_in,
};
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
    let types = op.types.iter().map(|t| emit_type(api, &op.module_path, t));
    quote! {
        #module_doc
        use ::wechatpay_apiv3_runtime as rt;
        #request
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
    if let Some(limit) = op.rate_limit {
        lines.push(format!("- Rate limit: {}.", limit.sentence()));
    }
    if let Some(why) = &op.deprecated {
        lines.push(format!("- Deprecated: {}", super::doc::escape(why)));
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
    let name = ident(&op.request);
    let builder = ident(&op.request_builder);
    let request_name = &op.request;
    let doc = raw_doc_attrs(&request_doc(op));
    let params: Vec<&Field> = op.path_params.iter().chain(&op.query).collect();
    let module = &op.module_path;

    let param_fields = params.iter().map(|f| {
        let n = ident(&f.rust);
        let t = ty_in(&f.ty, module);
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
    let body_ty = op.body.as_ref().map(|b| local_path(b, module));
    let body_field = body_ty.as_ref().map(|t| {
        quote!(/// The JSON body; its fields are set on the builder.
        pub body: #t,)
    });
    let file_field = op.upload.as_ref().map(|_| {
        quote!(/// The file to upload.
        pub file: rt::UploadFile,)
    });

    // As JSON (what the builder and `validate()` check): the parameters, the body's members
    // beside them, and the file's summary.
    let (mut writes, mut reads): (Vec<_>, Vec<_>) = params.iter().map(|f| member(f)).unzip();
    if let Some(b) = &body_ty {
        writes.push(quote!(rt::JsonFields::write_fields(&self.body, out);));
        reads.push(quote!(body: <#b as rt::JsonFields>::read_fields(input),));
    }
    if op.upload.is_some() {
        writes.push(quote!(out.req("file", &self.file);));
        reads.push(quote!(file: input.req("file"),));
    }
    let json = json_impl(&name, &writes, &reads);

    // The table: parameters, the file, and the body's table beside them.
    let mut rules: Vec<TokenStream> = params.iter().map(|f| field_rule(f, module)).collect();
    if let Some(u) = &op.upload
        && let wechatpay_apiv3_runtime::Kind::File { max_bytes, types } = api.rules().upload(u)
    {
        let max = super::rust::u64_tokens(max_bytes);
        rules.push(quote!(rt::FieldRule::req("file", rt::Kind::File { max_bytes: #max, types: &[#(#types),*] })));
    }
    let shape = match &body_ty {
        Some(b) => {
            quote!(rt::Shape::request(#request_name, &[#(#rules),*], <#b as rt::Shaped>::SHAPE))
        }
        None => quote!(rt::Shape::new(#request_name, &[#(#rules),*])),
    };

    let param_setters = params.iter().map(|f| {
        setter(
            f,
            &format!(
                "Sets the parameter `{}`. {}",
                f.wire,
                first_sentence(&f.doc)
            ),
            module,
        )
    });
    let body_setters = body_struct(api, op)
        .into_iter()
        .flat_map(|s| s.fields.iter())
        .map(|f| {
            setter(
                f,
                &format!("Sets `{}`. {}", f.wire, first_sentence(&f.doc)),
                module,
            )
        });
    let body_setter = body_ty.as_ref().map(|t| {
        quote! {
            /// Sets every body field at once, e.g. from a body read back from JSON.
            pub fn body(self, body: #t) -> Self {
                Self(self.0.merge(&body))
            }
        }
    });
    let file_setter = op.upload.as_ref().map(|_| {
        quote! {
            /// Sets the file to upload.
            pub fn file(self, file: rt::UploadFile) -> Self {
                Self(self.0.file(file))
            }
        }
    });
    let build = if op.upload.is_some() {
        quote! {
            let (mut request, file): (#name, _) = self.0.build_with_file()?;
            request.file = file;
            ::std::result::Result::Ok(request)
        }
    } else {
        quote!(self.0.build())
    };

    let operation_impl = emit_operation_impl(api, family, op, &name);
    let (derive_debug, debug) = if op.sensitive_params().next().is_some() {
        (quote!(), redacting_debug(op, &name))
    } else {
        (quote!(::std::fmt::Debug,), quote!())
    };
    // Deprecating the builder, not the type, warns where a request is made and nowhere else (the
    // type's own impls, re-exports and answers stay quiet).
    let deprecated = op
        .deprecated
        .as_deref()
        .map(|note| quote!(#[deprecated(note = #note)]));
    let builder_doc = raw_doc_attrs(&format!(
        "Builds a [`{request_name}`]: one setter per parameter and body field."
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

        #debug

        #json

        impl rt::Shaped for #name {
            const SHAPE: &'static rt::Shape = &#shape;
        }

        impl #name {
            /// A builder with nothing set.
            #deprecated
            pub fn builder() -> #builder {
                #builder::default()
            }
        }

        #builder_doc
        #[derive(Clone, Debug, Default)]
        pub struct #builder(rt::Draft);

        impl #builder {
            #(#param_setters)*
            #(#body_setters)*
            #body_setter
            #file_setter

            /// Checks every parameter and field, and builds the request. The error lists every
            /// missing field and every broken limit.
            pub fn build(self) -> ::std::result::Result<#name, rt::BuildError> {
                #build
            }
        }

        #operation_impl
    }
}

/// `Debug` of a request with a sensitive path or query parameter: that parameter is shown as
/// `<redacted>` (the body's own `Debug` hides its sensitive fields).
fn redacting_debug(op: &Operation, name: &proc_macro2::Ident) -> TokenStream {
    let type_name = &op.request;
    let params = op.path_params.iter().chain(&op.query).map(|f| {
        let n = ident(&f.rust);
        let label = &f.rust;
        if f.sensitive {
            quote!(.field(#label, &"<redacted>"))
        } else {
            quote!(.field(#label, &self.#n))
        }
    });
    let body = op.body.as_ref().map(|_| quote!(.field("body", &self.body)));
    let file = op
        .upload
        .as_ref()
        .map(|_| quote!(.field("file", &self.file)));
    quote! {
        impl ::std::fmt::Debug for #name {
            /// Sensitive parameters are shown as `<redacted>`.
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#type_name) #(#params)* #body #file .finish()
            }
        }
    }
}

fn body_struct<'a>(api: &'a Api, op: &Operation) -> Option<&'a StructDef> {
    match api.find(op.body.as_ref()?) {
        Some(TypeDef::Struct(s)) => Some(s),
        _ => None,
    }
}

fn emit_operation_impl(
    api: &Api,
    family: &str,
    op: &Operation,
    name: &proc_macro2::Ident,
) -> TokenStream {
    let rt = rt();
    let id = format!("{family}.{}", op.id);
    let summary = &op.title;
    let method = format_ident!("{}", op.method.as_str());
    let path_template = &op.path;
    let doc_url = &op.doc_url;
    let callers = op.callers.iter().map(|c| match c {
        Caller::Merchant => quote!(#rt::Caller::Merchant),
        Caller::Partner => quote!(#rt::Caller::Partner),
    });
    let keys = &op.idempotency_keys;
    let retry_safe = op.retry_safe;
    let rate_limit = match op.rate_limit {
        Some(RateLimit {
            requests: n,
            per_seconds: per,
        }) => {
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
                .map(|t| local_path(t, &op.module_path))
                .unwrap_or_else(|| quote!(()));
            (
                quote!(#rt::ResponseKind::Json),
                t,
                quote!(#rt::decode::typed(body)),
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
    let errors = op.errors.iter().map(super::errors::row_tokens);

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
            local_path(b, &op.module_path),
            quote!(#rt::RequestBody::Json(&self.body)),
        ),
        (None, Some(_)) => (quote!(()), quote!(#rt::RequestBody::Multipart(&self.file))),
        (None, None) => (quote!(()), quote!(#rt::RequestBody::None)),
    };
    let encrypt = if sensitive {
        let params = op.sensitive_params().map(|f| {
            let n = ident(&f.rust);
            let wire = &f.wire;
            if f.required {
                quote!(encrypt(#wire, &mut self.#n)?;)
            } else {
                quote!(if let ::std::option::Option::Some(value) = &mut self.#n { encrypt(#wire, value)?; })
            }
        });
        let body = match &op.body {
            Some(b) if api.struct_has_sensitive(b) => {
                quote!(self.body.encrypt_sensitive_fields(encrypt))
            }
            _ => quote!(::std::result::Result::Ok(())),
        };
        quote! {
            fn encrypt_sensitive(&mut self, encrypt: &mut #rt::EncryptField<'_>) -> ::std::result::Result<(), #rt::SensitiveFieldError> {
                #(#params)*
                #body
            }
        }
    } else {
        quote!()
    };
    let sensitive_response = sensitive_response(api, op);
    quote! {
        impl #rt::Operation for #name {
            type Body = #body_ty;
            type Response = #response_ty;
            type ErrorCode = crate::ErrorCode;

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
                #rt::shape::validate(self)
            }

            #encrypt
            #sensitive_response

            fn decode_response(body: &[u8]) -> ::std::result::Result<Self::Response, #rt::decode::DecodeError> {
                #decode
            }
        }
    }
}

/// `SENSITIVE_RESPONSE` for an operation whose answer has fields encrypted to the merchant's key:
/// the response type's table, whose marked fields the client decrypts.
fn sensitive_response(api: &Api, op: &Operation) -> TokenStream {
    match &op.response.ty {
        Some(t) if op.has_sensitive_response(api) => {
            let t = local_path(t, &op.module_path);
            quote! {
                const SENSITIVE_RESPONSE: ::std::option::Option<&'static rt::Shape> =
                    ::std::option::Option::Some(<#t as rt::Shaped>::SHAPE);
            }
        }
        _ => quote!(),
    }
}
