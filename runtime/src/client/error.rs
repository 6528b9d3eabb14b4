//! One error type for a call, telling apart every way it can fail.

use std::fmt;
use std::time::Duration;

use super::AnyErrorCode;
use crate::{BuildError, OpenEnum, SensitiveFieldError};

/// Why a response (or a callback) was not trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrustError {
    /// A `Wechatpay-*` header is missing or empty.
    MissingHeader(&'static str),
    /// The signature is a `WECHATPAY/SIGNTEST/` probe: WeChat Pay checking that we verify.
    SignatureProbe,
    /// `Wechatpay-Timestamp` is not a number.
    BadTimestamp(String),
    /// The timestamp is 300 s or more away from our clock (positive: in the past).
    TimestampOutOfWindow {
        /// Our clock minus the timestamp.
        skew_secs: i64,
    },
    /// No key with the `Wechatpay-Serial` it names (after one refresh, in certificate mode).
    UnknownSerial(String),
    /// The signature does not verify over the raw body.
    BadSignature,
    /// A downloaded file's hash differs from the one the signed call returned.
    HashMismatch {
        /// Expected (from the API).
        expected: String,
        /// Computed over the file.
        actual: String,
    },
}

impl fmt::Display for TrustError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrustError::MissingHeader(h) => write!(f, "response header `{h}` is missing"),
            TrustError::SignatureProbe => {
                f.write_str("the signature is a WECHATPAY/SIGNTEST/ probe")
            }
            TrustError::BadTimestamp(t) => write!(f, "Wechatpay-Timestamp `{t}` is not a number"),
            TrustError::TimestampOutOfWindow { skew_secs } => {
                write!(
                    f,
                    "Wechatpay-Timestamp is {skew_secs} s away from our clock (limit 300 s)"
                )
            }
            TrustError::UnknownSerial(s) => write!(f, "no WeChat Pay key with serial `{s}`"),
            TrustError::BadSignature => f.write_str("the signature does not match the body"),
            TrustError::HashMismatch { expected, actual } => {
                write!(
                    f,
                    "downloaded file hash {actual} differs from the expected {expected}"
                )
            }
        }
    }
}

impl std::error::Error for TrustError {}

/// The API said no: a non-2xx answer, read as WeChat Pay's error body (unsigned by design).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ApiError<C> {
    /// HTTP status.
    pub status: u16,
    /// The code, as the operation's documented error-code enum (undocumented ones are kept).
    pub code: C,
    /// The message WeChat Pay gave.
    pub message: String,
    /// `detail`, when there is one (for PARAM_ERROR: which field, its value, the issue and where;
    /// boxed so the error stays small).
    pub detail: Option<Box<ErrorDetail>>,
    /// `Request-ID`, for WeChat Pay support.
    pub request_id: Option<String>,
}

/// The `detail` of an error answer: for `PARAM_ERROR`, which request field was refused and why.
///
/// Every member is optional (WeChat Pay fills what applies); the JSON as received stays in
/// [`ErrorDetail::raw`] and is what this serializes as.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ErrorDetail {
    /// The refused field as a JSON pointer into the request (`/amount/currency`).
    pub field: Option<String>,
    /// The value sent in that field (non-string values as JSON text).
    pub value: Option<String>,
    /// What is wrong with it.
    pub issue: Option<String>,
    /// Where the field was: `body`, `query`, `path` or `header`.
    pub location: Option<String>,
    /// The `detail` JSON as received.
    pub raw: serde_json::Value,
}

impl ErrorDetail {
    /// Reads the documented members out of a `detail` value (anything else is kept in `raw`).
    pub fn from_json(raw: serde_json::Value) -> Self {
        let text = |key: &str| match raw.get(key) {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        };
        Self {
            field: text("field"),
            value: text("value"),
            issue: text("issue"),
            location: text("location"),
            raw,
        }
    }
}

impl serde::Serialize for ErrorDetail {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(s)
    }
}

/// Everything that can go wrong with a call. `C` is the operation's error-code enum.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<C> {
    /// The request breaks documented rules (nothing was sent).
    Build(BuildError),
    /// Encrypting a sensitive field failed, or no WeChat Pay key is configured for it.
    Encrypt(SensitiveFieldError),
    /// The client is misconfigured (keys, URLs).
    Config(String),
    /// The request could not be sent or the response not read (connection, TLS, I/O).
    Transport(String),
    /// No answer in time.
    Timeout(Duration),
    /// A success response failed verification; nothing of it was used.
    Untrusted(TrustError),
    /// A verified success body does not have the documented shape.
    Decode(crate::decode::DecodeError),
    /// The API answered with an error.
    Api(ApiError<C>),
}

impl<C: OpenEnum> Error<C> {
    /// The API error, if this is one.
    pub fn api(&self) -> Option<&ApiError<C>> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The documented error code WeChat Pay answered with, typed (`None` when the API did not
    /// answer with an error).
    pub fn code(&self) -> Option<&C> {
        self.api().map(|e| &e.code)
    }

    /// The error code as sent (`"ORDER_CLOSED"`), the same for every operation.
    pub fn code_str(&self) -> Option<&str> {
        self.code().map(OpenEnum::as_str)
    }

    /// The HTTP status of an API error.
    pub fn status(&self) -> Option<u16> {
        self.api().map(|e| e.status)
    }

    /// The `Request-ID` of an API error, for WeChat Pay support.
    pub fn request_id(&self) -> Option<&str> {
        self.api().and_then(|e| e.request_id.as_deref())
    }

    /// The same error with its code as a plain string ([`AnyError`]), so errors of different
    /// operations can be handled, stored or returned alike; nothing else changes.
    pub fn erase(self) -> AnyError {
        match self {
            Error::Build(e) => Error::Build(e),
            Error::Encrypt(e) => Error::Encrypt(e),
            Error::Config(e) => Error::Config(e),
            Error::Transport(e) => Error::Transport(e),
            Error::Timeout(d) => Error::Timeout(d),
            Error::Untrusted(e) => Error::Untrusted(e),
            Error::Decode(e) => Error::Decode(e),
            Error::Api(e) => Error::Api(ApiError {
                status: e.status,
                code: AnyErrorCode::from_wire(e.code.as_str()),
                message: e.message,
                detail: e.detail,
                request_id: e.request_id,
            }),
        }
    }
}

/// An error of any operation: its code is kept as the string WeChat Pay sent
/// ([`Error::erase`] makes one from any operation's error; [`Error::code_str`] reads it).
pub type AnyError = Error<AnyErrorCode>;

/// [`super::Client::new`] could not set up its HTTP client (TLS backend, system configuration).
#[derive(Debug)]
#[non_exhaustive]
pub struct ClientBuildError {
    /// What failed, in words.
    pub reason: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl ClientBuildError {
    /// An error with its cause.
    pub fn new(
        reason: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            reason: reason.into(),
            source: Some(source.into()),
        }
    }
}

impl fmt::Display for ClientBuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not set up the client: {}", self.reason)?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

/// Code written when `Client::new` returned `String` keeps compiling with `?`.
impl From<ClientBuildError> for String {
    fn from(e: ClientBuildError) -> Self {
        e.to_string()
    }
}

impl std::error::Error for ClientBuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl<C: OpenEnum> fmt::Display for Error<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Build(e) => write!(f, "request not sent: {e}"),
            Error::Encrypt(e) => write!(f, "request not sent: {e}"),
            Error::Config(e) => write!(f, "client configuration: {e}"),
            Error::Transport(e) => write!(f, "could not reach WeChat Pay: {e}"),
            Error::Timeout(d) => write!(f, "no answer within {d:?}"),
            Error::Untrusted(e) => write!(f, "response not trusted: {e}"),
            Error::Decode(e) => write!(f, "response not understood: {e}"),
            Error::Api(e) => {
                write!(
                    f,
                    "WeChat Pay answered {} {}: {}",
                    e.status,
                    e.code.as_str(),
                    e.message
                )?;
                if let Some(id) = &e.request_id {
                    write!(f, " (Request-ID {id})")?;
                }
                Ok(())
            }
        }
    }
}

impl<C: OpenEnum> std::error::Error for Error<C> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Build(e) => Some(e),
            Error::Encrypt(e) => Some(e),
            Error::Untrusted(e) => Some(e),
            Error::Decode(e) => Some(e),
            _ => None,
        }
    }
}
