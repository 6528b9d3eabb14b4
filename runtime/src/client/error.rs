//! One error type for a call, telling apart every way it can fail.

use std::fmt;
use std::time::Duration;

use crate::{BuildError, OpenEnum, SensitiveFieldError};

/// Why a response (or a callback) was not trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrustError {
    /// A `Wechatpay-*` header is missing or empty.
    MissingHeader(&'static str),
    /// A `Wechatpay-*` header is present but not readable: not visible ASCII, or sent more than
    /// once (so which value was signed is ambiguous).
    UnreadableHeader(&'static str),
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
            TrustError::UnreadableHeader(h) => write!(
                f,
                "response header `{h}` is not readable (not one value of visible ASCII)"
            ),
            TrustError::SignatureProbe => {
                f.write_str("the signature is a WECHATPAY/SIGNTEST/ probe")
            }
            TrustError::BadTimestamp(t) => write!(f, "Wechatpay-Timestamp `{t}` is not a number"),
            TrustError::TimestampOutOfWindow { skew_secs } => {
                write!(
                    f,
                    "Wechatpay-Timestamp is {skew_secs} s away from our clock (limit {} s)",
                    crate::protocol::MAX_CLOCK_SKEW_SECS
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
pub struct ApiError<C> {
    /// HTTP status.
    pub status: u16,
    /// The code, as the operation's documented error-code enum (undocumented ones are kept).
    pub code: C,
    /// The message WeChat Pay gave.
    pub message: String,
    /// `detail`, when there is one (for PARAM_ERROR: field, value, issue, location).
    pub detail: Option<serde_json::Value>,
    /// `Request-ID`, for WeChat Pay support.
    pub request_id: Option<String>,
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
