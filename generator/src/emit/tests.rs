//! `generated/tests/examples.rs`: every spec example, built through the public builders,
//! serialized, decoded and checked against the rules; and every enum's handling of unknown values.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::Target;
use super::example::{FullPaths, expected_path_and_query, request_expr, test_name};
use super::rust::path_tokens;
use crate::model::*;

/// The whole test file.
pub fn emit_tests(api: &Api, target: &Target) -> TokenStream {
    let root = target.root();
    let mut tests = Vec::new();
    for family in &api.families {
        let feature = &family.feature;
        for op in &family.operations {
            for (i, ex) in op.examples.iter().enumerate() {
                let name = test_name(family, &op.id, i);
                let doc = format!(" Example \"{}\" of `{} {}`.", ex.name, op.method, op.path);
                let request = request_expr(api, &FullPaths(root.clone()), op, ex);
                let expected_path = expected_path_and_query(op, ex);
                let body_check = match (&op.body, &ex.body) {
                    (Some(b), Some(body)) => {
                        let json = serde_json::to_string(body).unwrap_or_default();
                        let t = path_tokens(b, &root);
                        quote! {
                            #root::runtime::testing::assert_json_eq(&request.body, #json);
                            let decoded: #t = #root::runtime::testing::round_trip(#json);
                            assert_eq!(decoded, request.body);
                        }
                    }
                    _ => quote!(),
                };
                let response_check = match (&op.response.ty, &ex.response) {
                    (Some(t), Some(resp)) => {
                        let json = serde_json::to_string(resp).unwrap_or_default();
                        let t = path_tokens(t, &root);
                        quote! {
                            let response: #t = #root::runtime::testing::round_trip(#json);
                            #root::runtime::Validate::validate(&response)?;
                        }
                    }
                    _ => quote!(),
                };
                // A deprecated operation's example still runs: it documents the operation.
                let allow = op.deprecated.as_ref().map(|_| quote!(#[allow(deprecated)]));
                tests.push(quote! {
                    #[doc = #doc]
                    #[cfg(feature = #feature)]
                    #[test]
                    #allow
                    fn #name() -> ::std::result::Result<(), ::std::boxed::Box<dyn ::std::error::Error>> {
                        use #root::Operation as _;
                        let request = #request;
                        assert_eq!(request.path_and_query(), #expected_path);
                        request.validate()?;
                        #body_check
                        #response_check
                        Ok(())
                    }
                });
            }
        }
        for n in &family.notifications {
            let name = format_ident!("{}_{}_notification_example", family.name, n.id);
            let json = serde_json::to_string(&n.example).unwrap_or_default();
            let t = path_tokens(&n.payload, &root);
            let events = &n.event_types;
            tests.push(quote! {
                #[cfg(feature = #feature)]
                #[test]
                fn #name() -> ::std::result::Result<(), ::std::boxed::Box<dyn ::std::error::Error>> {
                    let event: #t = #root::runtime::testing::round_trip(#json);
                    #root::runtime::Validate::validate(&event)?;
                    assert_eq!(<#t as #root::NotificationEvent>::EVENT_TYPES, &[#(#events),*]);
                    Ok(())
                }
            });
        }
        let enums: Vec<TokenStream> = api
            .all_types()
            .filter(|(module, _)| module.starts_with(&family.module))
            .filter_map(|(module, t)| match t {
                TypeDef::Enum(e) => Some(path_tokens(
                    &TypePath {
                        module,
                        name: e.name.clone(),
                    },
                    &root,
                )),
                TypeDef::Struct(_) => None,
            })
            .collect();
        if !enums.is_empty() {
            let name = format_ident!("{}_enums_keep_unknown_values", family.name);
            tests.push(quote! {
                #[cfg(feature = #feature)]
                #[test]
                fn #name() {
                    #(check_open_enum::<#enums>();)*
                }
            });
        }
    }
    quote! {
        //! Every example of spec/, built through the public builders and checked: the request
        //! serializes to the example body, the path is encoded as expected, every rule holds, and
        //! the response example decodes and re-encodes to the same JSON. Plus the open-enum
        //! contract of every enum.
        #![allow(clippy::too_many_lines)]

        #[allow(dead_code)]
        fn check_open_enum<E>()
        where
            E: #root::OpenEnum + ::serde::Serialize + ::serde::de::DeserializeOwned + for<'a> ::std::convert::From<&'a str>,
        {
            for known in E::VALUES {
                let value = E::from(*known);
                assert_eq!(value.as_str(), *known);
                assert!(!value.is_unknown());
            }
            let future: E = #root::runtime::testing::round_trip("\"A_VALUE_ADDED_LATER\"");
            assert!(future.is_unknown());
            assert_eq!(future.as_str(), "A_VALUE_ADDED_LATER");
        }

        #(#tests)*
    }
}
