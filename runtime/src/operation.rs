//! The trait every generated request implements, and the static facts about each operation.
//!
//! A request knows what goes on the wire (method, path, query, body) and nothing about how it
//! gets there: signing, sending, verifying, retrying and decoding belong to the client, which
//! reads [`OperationMeta`] to decide, for example, whether a retry is safe.

use std::fmt;

use http::Method;
use serde::Serialize;

use crate::encode::QueryWriter;
use crate::{BuildError, OpenEnum, UploadFile};

/// Who may call an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Caller {
    /// 直连商户: a merchant calling for itself.
    Merchant,
    /// 服务商: a service provider calling for its sub-merchants or brands.
    Partner,
}

/// A documented rate limit: at most `requests` calls every `per_seconds` seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Calls allowed in one window.
    pub requests: u32,
    /// Window length in seconds.
    pub per_seconds: u32,
}

/// One row of an operation's documented error table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorDoc {
    /// HTTP status.
    pub status: u16,
    /// The `code` member of the error body.
    pub code: &'static str,
    /// What the error means.
    pub description: &'static str,
    /// What to do about it.
    pub solution: &'static str,
    /// Whether sending the same request again (same parameters, new signature) is right.
    pub retry: bool,
}

impl ErrorDoc {
    /// A row, as generated code writes it.
    pub const fn new(
        status: u16,
        code: &'static str,
        description: &'static str,
        solution: &'static str,
        retry: bool,
    ) -> Self {
        Self {
            status,
            code,
            description,
            solution,
            retry,
        }
    }
}

/// How the body of a successful response is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseKind {
    /// A signed JSON body.
    Json,
    /// A signed empty body (usually `204 No Content`).
    Empty,
    /// A file download: raw bytes without a response signature; integrity comes from a hash
    /// that an earlier, signed call returned.
    Download,
}

/// Static facts about one operation, taken from its spec file.
#[derive(Clone, Debug)]
pub struct OperationMeta {
    /// Stable identifier: `family.operation`, e.g. `busifavor.use_coupon`.
    pub id: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path template with `{name}` placeholders, as documented.
    pub path_template: &'static str,
    /// The official documentation page.
    pub doc_url: &'static str,
    /// Who may call it.
    pub callers: &'static [Caller],
    /// Request fields that make a repeated call return the first call's result instead of
    /// acting twice (e.g. `use_request_no`).
    pub idempotency_keys: &'static [&'static str],
    /// Whether resending after a transport error, a 5xx or a 429 cannot double an effect.
    pub retry_safe: bool,
    /// The documented rate limit, if any.
    pub rate_limit: Option<RateLimit>,
    /// HTTP status of success.
    pub success_status: u16,
    /// How the success body is read.
    pub response: ResponseKind,
    /// Whether some request fields are RSA-OAEP encrypted with WeChat Pay's key (which makes the
    /// `Wechatpay-Serial` header name that key).
    pub has_sensitive_fields: bool,
    /// The documented error table.
    pub errors: &'static [ErrorDoc],
}

/// What a request sends as its body.
#[derive(Debug)]
#[non_exhaustive]
pub enum RequestBody<'a, B> {
    /// No body (GET, and some POSTs).
    None,
    /// The value serialized as JSON.
    Json(&'a B),
    /// A multipart upload of a file; the runtime builds and signs the `meta` part.
    Multipart(&'a UploadFile),
}

/// Encrypting a sensitive field failed.
#[derive(Debug)]
pub struct SensitiveFieldError {
    /// Dotted path of the field.
    pub field: String,
    /// Why it failed.
    pub reason: String,
}

impl fmt::Display for SensitiveFieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not encrypt `{}`: {}", self.field, self.reason)
    }
}

impl std::error::Error for SensitiveFieldError {}

/// Encrypts one sensitive field's plaintext in place; given the field's dotted path.
pub type EncryptField<'a> = dyn FnMut(&str, &mut String) -> Result<(), SensitiveFieldError> + 'a;

/// A request to one WeChat Pay APIv3 operation. Implemented by generated code.
pub trait Operation {
    /// The JSON body type (`()` when the operation sends none).
    type Body: Serialize;
    /// The typed success response.
    type Response;
    /// The operation's documented error codes.
    type ErrorCode: OpenEnum;

    /// Static facts from the spec.
    const META: OperationMeta;

    /// The path with every parameter percent-encoded, without the query.
    fn path(&self) -> String;

    /// Appends query parameters, in documented order.
    fn write_query(&self, query: &mut QueryWriter) {
        let _ = query;
    }

    /// The path and query exactly as they must be sent and signed.
    fn path_and_query(&self) -> String {
        let mut query = QueryWriter::new();
        self.write_query(&mut query);
        let mut path = self.path();
        path.push_str(&query.finish());
        path
    }

    /// What to send as the body.
    fn body(&self) -> RequestBody<'_, Self::Body>;

    /// Checks every field against the documented rules; the client calls this before sending.
    fn validate(&self) -> Result<(), BuildError>;

    /// Replaces each sensitive field's plaintext by its ciphertext; a no-op when there are none.
    fn encrypt_sensitive(
        &mut self,
        encrypt: &mut EncryptField<'_>,
    ) -> Result<(), SensitiveFieldError> {
        let _ = encrypt;
        Ok(())
    }

    /// The response type's rule table, for operations whose answers carry fields WeChat Pay
    /// encrypted to the merchant's key (`sensitive` response fields in spec/); `None` otherwise.
    /// The client decrypts those fields with the merchant private key after verifying the answer
    /// and before decoding it ([`crate::shape::for_each_sensitive`]), so a field that claims to be
    /// a name holds the name.
    const SENSITIVE_RESPONSE: Option<&'static crate::Shape> = None;

    /// Decodes the body of a verified success response.
    fn decode_response(body: &[u8]) -> Result<Self::Response, crate::decode::DecodeError>;
}
