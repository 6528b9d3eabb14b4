//! One entry point for every callback a merchant's URL receives: verified like a response,
//! decrypted, then typed by `event_type` and `resource.original_type` into a
//! [`NotificationSet`] (the generated crate's enum of every notification), or kept as untyped
//! JSON when the pair is one the set does not know. Every outcome carries the HTTP answer
//! WeChat Pay expects ([`CallbackAnswer`]).

use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

use super::Client;
use super::crypto::ApiV3Key;
use super::notify::{self, Notification, NotifyError};
use super::verify::Keyring;
use crate::notification_set::{DecryptedResource, NotificationSet};

/// A verified, decrypted callback.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Received<N> {
    /// A notification of the set, typed.
    Known(Notification<N>),
    /// Verified and decrypted, but sent with an `(event_type, original_type)` pair the set has no
    /// type for (a product line this crate was generated without): the resource as JSON.
    Untyped {
        /// The envelope, with the decrypted resource as JSON.
        notification: Notification<Value>,
        /// The envelope's `resource.original_type`.
        original_type: String,
    },
}

impl<N> Received<N> {
    /// The notification id (`EV-...`): the same id may arrive more than once; handle it once.
    pub fn id(&self) -> &str {
        match self {
            Received::Known(n) => &n.id,
            Received::Untyped { notification, .. } => &notification.id,
        }
    }

    /// The event type, e.g. `REFUND.SUCCESS`.
    pub fn event_type(&self) -> &str {
        match self {
            Received::Known(n) => &n.event_type,
            Received::Untyped { notification, .. } => &notification.event_type,
        }
    }

    /// What to answer once the callback is handled: 200, no body. (If handling it failed on your
    /// side, answer [`CallbackAnswer::failure`] instead and WeChat Pay sends it again.)
    pub fn answer(&self) -> CallbackAnswer {
        CallbackAnswer::success()
    }
}

/// The HTTP answer WeChat Pay expects to a callback: 200 with no body when it was received, or a
/// 4xx/5xx with `{"code":"FAIL","message":"..."}`, after which WeChat Pay sends it again later.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallbackAnswer {
    /// HTTP status.
    pub status: http::StatusCode,
    /// The body: empty on success, the JSON failure otherwise.
    pub body: String,
}

impl CallbackAnswer {
    /// Received: 200, no body.
    pub fn success() -> Self {
        Self {
            status: http::StatusCode::OK,
            body: String::new(),
        }
    }

    /// Not received (WeChat Pay retries): `status` (4xx or 5xx) and the documented failure body.
    pub fn failure(status: http::StatusCode, message: &str) -> Self {
        Self {
            status,
            body: serde_json::json!({ "code": "FAIL", "message": message }).to_string(),
        }
    }

    /// As an `http::Response`, for frameworks built on the `http` crate (axum, hyper, ...).
    pub fn into_response(self) -> http::Response<String> {
        let mut response = http::Response::new(self.body);
        *response.status_mut() = self.status;
        if !response.body().is_empty() {
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        response
    }
}

impl NotifyError {
    /// The answer to a refused callback: [`NotifyError::status`] and
    /// [`NotifyError::response_body`].
    pub fn answer(&self) -> CallbackAnswer {
        CallbackAnswer {
            status: http::StatusCode::from_u16(self.status())
                .unwrap_or(http::StatusCode::BAD_REQUEST),
            body: self.response_body(),
        }
    }
}

/// The answer to either outcome of [`Client::parse_callback`].
pub trait AnswerCallback {
    /// 200 and no body for a received callback, the error's status and failure body otherwise.
    fn answer(&self) -> CallbackAnswer;
}

impl<N> AnswerCallback for Result<Received<N>, NotifyError> {
    fn answer(&self) -> CallbackAnswer {
        match self {
            Ok(received) => received.answer(),
            Err(e) => e.answer(),
        }
    }
}

/// Verifies, decrypts and types a callback at time `now` (no I/O).
pub fn parse_callback<N: NotificationSet>(
    keyring: &Keyring,
    apiv3_key: &ApiV3Key,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<Received<N>, NotifyError> {
    let opened = notify::open(keyring, apiv3_key, headers, body, now, |_| true)?;
    let resource = DecryptedResource {
        event_type: &opened.event_type,
        original_type: &opened.original_type,
        plaintext: &opened.plaintext,
    };
    match N::decode(&resource) {
        Some(Ok(event)) => Ok(Received::Known(opened.with(event))),
        Some(Err(e)) => Err(NotifyError::Decode(e.to_string())),
        None => {
            // The error message names the problem (line, column), never the decrypted text.
            let value: Value = serde_json::from_slice(&opened.plaintext).map_err(|e| {
                NotifyError::Decode(format!("line {} column {}", e.line(), e.column()))
            })?;
            let original_type = opened.original_type.clone();
            Ok(Received::Untyped {
                notification: opened.with(value),
                original_type,
            })
        }
    }
}

/// The `Wechatpay-*` headers out of any (name, value) pairs; other headers are ignored, and a
/// value that is not a valid header value is left out (verification then names it missing).
fn signature_headers<I, K, V>(pairs: I) -> HeaderMap
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<[u8]>,
{
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        let name = name.as_ref();
        if !name
            .get(..10)
            .is_some_and(|p| p.eq_ignore_ascii_case("wechatpay-"))
        {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value.as_ref()),
        ) {
            headers.insert(name, value);
        }
    }
    headers
}

impl Client {
    /// The one entry point for a callback URL: verifies (as responses are), decrypts with the
    /// APIv3 key, and types the resource by `event_type` and `resource.original_type` into `N`
    /// (the generated crate's `AnyNotification`), or keeps it as JSON when `N` has no type for
    /// that pair. `result.answer()` ([`AnswerCallback`]) is the HTTP answer to send.
    pub async fn parse_callback<N: NotificationSet>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Received<N>, NotifyError> {
        self.with_callback_keys(|keyring, key, now| {
            parse_callback(keyring, key, headers, body, now)
        })
        .await
    }

    /// [`Client::parse_callback`] for frameworks with their own header types: any
    /// `(name, value)` pairs (names in any case).
    pub async fn parse_callback_from_pairs<N, I, K, V>(
        &self,
        headers: I,
        body: &[u8],
    ) -> Result<Received<N>, NotifyError>
    where
        N: NotificationSet,
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<[u8]>,
    {
        self.parse_callback(&signature_headers(headers), body).await
    }
}
