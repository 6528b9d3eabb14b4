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
    /// A part of an encrypted bill did not open or check: its file key is not encrypted to the
    /// merchant key, its GCM tag does not match, or its hash differs from the signed answer's.
    BillPart {
        /// The part's `bill_sequence`.
        sequence: i64,
        /// What is wrong with it.
        reason: String,
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
            TrustError::BillPart { sequence, reason } => {
                write!(f, "bill part {sequence}: {reason}")
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
    /// The connection broke after it was made (TLS, I/O, framing): the request may have reached
    /// WeChat Pay, so a call that is not idempotent may have taken effect.
    Transport(String),
    /// No connection could be made to any configured host: nothing was sent.
    Unreachable(String),
    /// A configured timeout fired: which one, its duration, and whether the request may have
    /// reached WeChat Pay.
    Timeout(TimedOut),
    /// A success response failed verification; nothing of it was used.
    Untrusted(TrustError),
    /// The platform certificate list does not have the documented shape (answers of calls
    /// that do not decode are [`Error::Undecodable`], which keeps the body).
    Decode(crate::decode::DecodeError),
    /// The API answered with an error.
    Api(ApiError<C>),
    /// An answer was larger than its configured limit ([`super::Limits`]); nothing of it was
    /// decoded.
    TooLarge(TooLarge),
    /// The answer was a redirect (APIv3 never redirects); it was not followed.
    Redirected {
        /// The 3xx status.
        status: u16,
        /// The host `Location` named (never its path or query, which may carry tokens).
        location_host: Option<String>,
    },
    /// A downloaded file could not be unpacked (it is not valid gzip).
    Download(String),
    /// A verified success answer does not have the documented shape. The call may have changed
    /// state at WeChat Pay, so the whole verified body is kept for the caller to read.
    Undecodable(Undecodable),
    /// A field of a verified success answer that WeChat Pay encrypts to the merchant's key did not
    /// decrypt with the configured merchant private key. The call may have changed state, so the
    /// verified body (ciphertexts only) is kept.
    Undecryptable(Undecryptable),
}

/// A verified answer with an encrypted field that did not decrypt: which field and why; never a
/// key or a plaintext. [`Undecryptable::body`] gives the verified body as received.
pub struct Undecryptable {
    error: SensitiveFieldError,
    body: bytes::Bytes,
}

impl Undecryptable {
    pub(super) fn new(error: SensitiveFieldError, body: bytes::Bytes) -> Self {
        Self { error, body }
    }

    /// The dotted path of the field (`transfer_bills[0].user_name`).
    pub fn field(&self) -> &str {
        &self.error.field
    }

    /// Why it did not decrypt.
    pub fn reason(&self) -> &str {
        &self.error.reason
    }

    /// The whole verified body, as received (the field still encrypted).
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

impl fmt::Display for Undecryptable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "field `{}` of a verified answer did not decrypt with the merchant private key: {}; the call may have taken effect, and the body is kept in the error",
            self.error.field, self.error.reason
        )
    }
}

impl fmt::Debug for Undecryptable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Undecryptable")
            .field("field", &self.error.field)
            .field("reason", &self.error.reason)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Which configured timeout fired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Opening the connection ([`super::Timeouts::connect`]): nothing was sent.
    Connect,
    /// One attempt ([`super::Timeouts::attempt`]).
    Attempt,
    /// The whole call, retries included ([`super::Timeouts::total`]).
    Total,
}

/// A timeout that fired, with its configured duration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimedOut {
    /// Which timeout.
    pub kind: TimeoutKind,
    /// Its configured duration (not what was left of it).
    pub limit: Duration,
}

impl TimedOut {
    /// Whether the request may have reached WeChat Pay (every timeout but the connect one).
    pub fn request_may_have_arrived(&self) -> bool {
        self.kind != TimeoutKind::Connect
    }
}

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let limit = self.limit;
        match self.kind {
            TimeoutKind::Connect => write!(
                f,
                "could not connect within the connect timeout of {limit:?}; nothing was sent"
            ),
            TimeoutKind::Attempt => write!(
                f,
                "no answer within the attempt timeout of {limit:?}; {MAY_HAVE_ARRIVED}"
            ),
            TimeoutKind::Total => write!(
                f,
                "no answer within the total timeout of {limit:?}; {MAY_HAVE_ARRIVED}"
            ),
        }
    }
}

/// What an error after sending means for a call that is not idempotent.
const MAY_HAVE_ARRIVED: &str =
    "the request may have reached WeChat Pay (a call that is not idempotent may have taken effect)";

/// Which body went over its limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyKind {
    /// A JSON answer ([`super::Limits::response`]).
    Response,
    /// A downloaded file as sent ([`super::Limits::download`]).
    Download,
    /// A gzip file once unpacked ([`super::Limits::unpacked`]).
    Unpacked,
}

/// An answer larger than its configured limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLarge {
    /// Which body.
    pub body: BodyKind,
    /// The limit, in bytes.
    pub limit: u64,
    /// The HTTP status of the answer (a 2xx means the call may have taken effect).
    pub status: u16,
}

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, setting) = match self.body {
            BodyKind::Response => ("the response body", "Limits::response"),
            BodyKind::Download => ("the downloaded file", "Limits::download"),
            BodyKind::Unpacked => ("the unpacked file", "Limits::unpacked"),
        };
        write!(
            f,
            "{what} exceeds the limit of {} bytes ({setting}); nothing of it was used (status {})",
            self.limit, self.status
        )
    }
}

/// A verified success body that did not decode. `Display` and `Debug` show only its length and
/// where decoding stopped, never its bytes (they may carry personal data); [`Undecodable::body`]
/// gives the whole body.
pub struct Undecodable {
    error: crate::decode::DecodeError,
    body: bytes::Bytes,
}

impl Undecodable {
    pub(super) fn new(error: crate::decode::DecodeError, body: bytes::Bytes) -> Self {
        Self { error, body }
    }

    /// The whole verified body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The whole verified body, owned.
    pub fn into_body(self) -> bytes::Bytes {
        self.body
    }

    /// The decoder's error (its message and snippet may quote the body).
    pub fn decode_error(&self) -> &crate::decode::DecodeError {
        &self.error
    }

    /// Where decoding stopped, as serde_json reports it (`line L column C`), without any value.
    fn position(&self) -> Option<&str> {
        let message = self.error.message.as_str();
        message
            .rfind(" at line ")
            .map(|i| &message[i + 4..])
            .filter(|p| p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' '))
    }
}

impl fmt::Display for Undecodable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a verified answer of {} bytes does not have the documented shape",
            self.body.len()
        )?;
        if let Some(at) = self.position() {
            write!(f, " ({at})")?;
        }
        f.write_str("; the call may have taken effect, and the body is kept in the error")
    }
}

impl fmt::Debug for Undecodable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Undecodable")
            .field("body_len", &self.body.len())
            .field("at", &self.position())
            .finish_non_exhaustive()
    }
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
            Error::Unreachable(e) => Error::Unreachable(e),
            Error::TooLarge(e) => Error::TooLarge(e),
            Error::Redirected {
                status,
                location_host,
            } => Error::Redirected {
                status,
                location_host,
            },
            Error::Download(e) => Error::Download(e),
            Error::Undecodable(e) => Error::Undecodable(e),
            Error::Undecryptable(e) => Error::Undecryptable(e),
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
            Error::Transport(e) => {
                write!(
                    f,
                    "exchange with WeChat Pay failed: {e}; {MAY_HAVE_ARRIVED}"
                )
            }
            Error::Unreachable(e) => {
                write!(f, "could not connect to WeChat Pay: {e}; nothing was sent")
            }
            Error::Timeout(t) => t.fmt(f),
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
            Error::TooLarge(e) => e.fmt(f),
            Error::Redirected {
                status,
                location_host,
            } => write!(
                f,
                "WeChat Pay answered {status}, a redirect to host `{}`: APIv3 never redirects, so it was not followed",
                location_host.as_deref().unwrap_or("(none)")
            ),
            Error::Download(e) => write!(f, "downloaded file unusable: {e}"),
            Error::Undecodable(e) => e.fmt(f),
            Error::Undecryptable(e) => e.fmt(f),
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
