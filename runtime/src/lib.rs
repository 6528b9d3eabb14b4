//! Runtime of the `wechatpay-apiv3` crate.
//!
//! The generated crate describes WeChat Pay APIv3 operations as plain data types; this crate holds
//! everything those types lean on, written and tested by hand:
//!
//! * [`operation`]: the [`Operation`] trait every generated request implements (method, path,
//!   query, body, response type, idempotency, documented error codes) and its static metadata.
//! * [`decode`]: reading a verified success body into the operation's response type.
//! * [`open_enum`](mod@open_enum): support for enums that keep values WeChat Pay adds after this crate was built, and the [`open_enum!`] macro every generated enum is declared with.
//! * [`validate`]: the value rules (length, pattern, range, items, RFC 3339, enum membership,
//!   file type and size), each one function, and [`BuildError`], which reports every problem at
//!   once.
//! * [`shape`]: each generated struct's rules as one static table, and the one walker that checks
//!   JSON against it for builders, `validate()`, the generator and the simulator.
//! * [`draft`]: what every generated builder holds; `build()` is one call into it.
//! * [`json`]: generated structs to and from JSON by wire name, and their one serde bridge.
//! * [`retry`]: the one retry classifier (documented error rows first, then status and
//!   transport).
//! * [`datetime`]: the RFC 3339 [`DateTime`] used for every time field.
//! * [`protocol`]: the security protocol's facts as data and pure functions (signed messages,
//!   header names, the timestamp window, probes, nonces, percent coding), shared by the client,
//!   the simulator, the bench and the tests.
//! * [`encode`]: path segments and query strings of generated requests.
//! * [`upload`]: files sent to the multipart media-upload endpoints.
//! * [`testing`]: assertions the generated example tests use.
//! * [`notification`]: the trait that typed callback payloads implement.
//! * [`notification_set`]: the trait of an enum over several payloads, chosen by event type and
//!   original type (one callback URL for payments and refunds).
//!
//! Nothing in those modules does I/O or cryptography, so generated code stays transport-agnostic.
//! The [`client`] module (feature `client`) signs, sends, verifies, decrypts, retries and fails
//! over.

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "client")]
pub mod client;
pub mod datetime;
pub mod decode;
pub mod draft;
pub mod encode;
pub mod json;
pub mod notification;
pub mod notification_set;
pub mod open_enum;
pub mod operation;
pub mod protocol;
pub mod retry;
pub mod shape;
pub mod testing;
pub mod upload;
pub mod validate;

/// The `http` crate, whose types (`HeaderMap`, `Method`, `StatusCode`, ...) this API takes and returns.
pub use http;

pub use datetime::DateTime;
pub use draft::Draft;
pub use json::{Json, JsonFields};
pub use notification::NotificationEvent;
pub use notification_set::{DecryptedResource, NotificationSet, ResourceShapeError};
pub use open_enum::{OpenEnum, UnknownValue};
pub use operation::{
    Caller, EncryptField, ErrorDoc, Operation, OperationMeta, RateLimit, RequestBody, ResponseKind,
    SensitiveFieldError,
};
pub use shape::{FieldRule, Kind, Shape, Shaped};
pub use upload::UploadFile;

/// The client and its key and certificate types (feature `client`), also at [`client`].
#[cfg(feature = "client")]
pub use client::{
    AnyError, ApiError, ApiV3Key, AppPayParams, CallbackAnswer, Client, ClientBuildError, Config,
    ConfigBuilder, ConfigError, ErrorDetail, JsapiPayParams, KeyError, MerchantKey,
    PlatformCertificate, Received, VerifyingKey,
};
pub use validate::{BuildError, FieldPath, Rule, Validate, Validator, Violation};

/// Re-exports used by generated code; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use http::Method;
    pub use serde;
    pub use serde_json;
}
