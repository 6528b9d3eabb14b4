//! The certificate list as the client's certificate refresher uses it: the runtime cannot name
//! the generated `GET /v3/certificates` operation, so the crate implements the runtime's
//! `CertificateListing` for it and offers it as `CERTIFICATE_SOURCE` and `config(..)`.
//!
//! The operation and its types come from spec/certificates/ like any other; this only maps its
//! answer onto the runtime's `EncryptedCertificate` (a renamed spec field fails to compile here).

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Api, Family, HttpMethod, Operation};

/// The endpoint the refresher needs (WeChat Pay's, not a choice of spec/).
const CERTIFICATE_LIST_PATH: &str = "/v3/certificates";

/// The spec's certificate-list operation and its family, when the spec has it.
pub fn listing(api: &Api) -> Option<(&Family, &Operation)> {
    api.families.iter().find_map(|f| {
        f.operations
            .iter()
            .find(|o| o.method == HttpMethod::Get && o.path == CERTIFICATE_LIST_PATH)
            .map(|o| (f, o))
    })
}

/// The items of `lib.rs` that install the certificate list in the client (nothing without it).
pub fn emit(api: &Api) -> TokenStream {
    let Some((family, op)) = listing(api) else {
        return TokenStream::new();
    };
    let segs = op.module_path.iter().map(|s| super::rust::ident(s));
    let request_name = super::rust::ident(&op.request);
    let request = quote!(crate #(:: #segs)* :: #request_name);
    let feature = &family.feature;
    let link = format!("[`{}::{}`]", op.module_path.join("::"), op.request);
    let source_doc = format!(
        " How the client lists the platform certificates in certificate mode: {link} (`{} {}`), \
         sent through the client's orchestrator; the runtime decrypts the list with the APIv3 key \
         and verifies it with the certificates it carries. [`config`] installs it.",
        op.method.as_str(),
        op.path
    );
    quote! {
        #[doc = #source_doc]
        #[cfg(all(feature = "client", feature = #feature))]
        pub const CERTIFICATE_SOURCE: ::wechatpay_apiv3_runtime::client::CertificateSource =
            ::wechatpay_apiv3_runtime::client::CertificateSource::of::<#request>();

        /// Starts a client configuration, as [`Config::builder`] does, with
        /// [`CERTIFICATE_SOURCE`] installed: certificate mode (the APIv3 key, no WeChat Pay
        /// public key) then downloads platform certificates; public-key mode never uses it.
        #[cfg(all(feature = "client", feature = #feature))]
        pub fn config(
            mchid: impl ::std::convert::Into<::std::string::String>,
            merchant_serial: impl ::std::convert::Into<::std::string::String>,
            merchant_key: MerchantKey,
        ) -> ConfigBuilder {
            Config::builder(mchid, merchant_serial, merchant_key).certificate_source(CERTIFICATE_SOURCE)
        }

        #[cfg(all(feature = "client", feature = #feature))]
        impl ::wechatpay_apiv3_runtime::client::CertificateListing for #request {
            fn list_request() -> ::std::result::Result<Self, BuildError> {
                Self::builder().build()
            }

            fn encrypted_certificates(
                response: Self::Response,
            ) -> ::std::vec::Vec<::wechatpay_apiv3_runtime::client::EncryptedCertificate> {
                response
                    .data
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| ::wechatpay_apiv3_runtime::client::EncryptedCertificate {
                        serial_no: c.serial_no,
                        nonce: c.encrypt_certificate.nonce,
                        associated_data: c.encrypt_certificate.associated_data.unwrap_or_default(),
                        ciphertext: c.encrypt_certificate.ciphertext,
                    })
                    .collect()
            }
        }
    }
}
