//! Callbacks (notifications): verify like a response, decrypt the resource, decode the event.
//!
//! Works with any web framework: give it the raw headers and the raw body bytes. Answer WeChat
//! Pay with 200 (or 204) and no body on success; on failure answer 4xx/5xx with
//! `{"code":"FAIL","message":"..."}` and WeChat Pay sends it again later.
//!
//! # The same callback more than once
//!
//! WeChat Pay sends a callback again until it gets a success answer (15 s, 15 s, 30 s, 3 min, ...
//! for about a day), and duplicates happen even after one; each copy is signed anew, and a copy
//! captured within the 300 s window also verifies. So a replay is legitimate and [`parse`] accepts
//! it every time: nothing here keeps state. Make the handling idempotent by
//! [`Notification::id`]: record the ids you have handled (for as long as WeChat Pay retries,
//! a day or more) in the same transaction as the effect; when an id is seen again, do nothing
//! more and answer success again, or WeChat Pay keeps sending it. Where the event is about a
//! resource (an order, a refund), applying the state it reports only when it moves that
//! resource forward gives the same safety.

use std::fmt;

use http::HeaderMap;
use serde::Deserialize;

use super::crypto::ApiV3Key;
use super::error::TrustError;
use super::verify::{self, Keyring};
use crate::NotificationEvent;

/// A verified, decrypted callback.
///
/// The same callback can arrive more than once, each time verified: see the
/// [module docs](self#the-same-callback-more-than-once) for handling an `id` seen before.
#[derive(Clone, Debug)]
pub struct Notification<E> {
    /// The notification id (`EV-...`): the same id arrives again when WeChat Pay resends (until
    /// answered with success, and sometimes after); handle it once and answer success every time.
    pub id: String,
    /// When WeChat Pay created it.
    pub create_time: String,
    /// e.g. `TRANSACTION.SUCCESS`.
    pub event_type: String,
    /// WeChat Pay's one-line summary.
    pub summary: String,
    /// The decrypted, typed resource.
    pub event: E,
}

/// Why a callback was refused. Its `Display` never contains decrypted data.
#[derive(Debug)]
#[non_exhaustive]
pub enum NotifyError {
    /// Signature, timestamp or serial check failed.
    Untrusted(TrustError),
    /// The envelope is not the documented JSON.
    Envelope(String),
    /// The event type is not one this payload type is sent with.
    UnexpectedEvent(String),
    /// Decryption failed (wrong APIv3 key, or a tampered resource).
    Decrypt(String),
    /// The decrypted resource does not have the documented shape.
    Decode(String),
    /// No APIv3 key is configured.
    NoApiV3Key,
}

impl NotifyError {
    /// The HTTP status to answer WeChat Pay with: 401 for untrusted callbacks, 400 otherwise,
    /// 500 for our own configuration problems (WeChat Pay retries all of them).
    pub fn status(&self) -> u16 {
        match self {
            NotifyError::Untrusted(_) => 401,
            NotifyError::NoApiV3Key => 500,
            _ => 400,
        }
    }

    /// The JSON body to answer with.
    pub fn response_body(&self) -> String {
        serde_json::json!({ "code": "FAIL", "message": self.to_string() }).to_string()
    }
}

impl fmt::Display for NotifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // A callback's headers are request headers; the shared wording says "response".
            NotifyError::Untrusted(TrustError::MissingHeader(h)) => {
                write!(f, "callback not trusted: request header `{h}` is missing")
            }
            NotifyError::Untrusted(TrustError::UnreadableHeader(h)) => write!(
                f,
                "callback not trusted: request header `{h}` is not readable (not one value of visible ASCII)"
            ),
            // Nothing is known to be wrong with it: the key it names is not one we hold.
            NotifyError::Untrusted(TrustError::UnknownSerial(s)) => write!(
                f,
                "callback not verified: it names WeChat Pay key `{s}`, which this client does not hold (certificate mode downloads the certificates on an unknown serial at most once a minute; public-key mode needs that key configured)"
            ),
            NotifyError::Untrusted(e) => write!(f, "callback not trusted: {e}"),
            NotifyError::Envelope(e) => write!(f, "callback envelope: {e}"),
            NotifyError::UnexpectedEvent(e) => write!(f, "unexpected event type `{e}`"),
            NotifyError::Decrypt(e) => write!(f, "callback resource: {e}"),
            NotifyError::Decode(e) => write!(f, "callback resource has an unexpected shape: {e}"),
            NotifyError::NoApiV3Key => f.write_str("no APIv3 key configured to decrypt callbacks"),
        }
    }
}

impl std::error::Error for NotifyError {}

#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(default)]
    create_time: String,
    event_type: String,
    #[serde(default)]
    summary: String,
    resource: Resource,
}

#[derive(Deserialize)]
struct Resource {
    algorithm: String,
    ciphertext: String,
    #[serde(default)]
    associated_data: String,
    nonce: String,
    #[serde(default)]
    original_type: String,
}

/// A verified callback, opened: its envelope and the decrypted resource, not yet typed.
pub(super) struct Opened {
    id: String,
    create_time: String,
    pub(super) event_type: String,
    summary: String,
    pub(super) original_type: String,
    pub(super) plaintext: Vec<u8>,
}

impl Opened {
    /// The notification around a typed (or untyped) resource.
    pub(super) fn with<E>(self, event: E) -> Notification<E> {
        Notification {
            id: self.id,
            create_time: self.create_time,
            event_type: self.event_type,
            summary: self.summary,
            event,
        }
    }
}

/// Verifies a callback (same rules as responses) at time `now`, reads its envelope, refuses an
/// event type `accepts` does not take, and decrypts the resource with the APIv3 key: the one
/// path every callback entry point takes before typing the resource.
pub(super) fn open(
    keyring: &Keyring,
    apiv3_key: &ApiV3Key,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
    accepts: impl Fn(&str) -> bool,
) -> Result<Opened, NotifyError> {
    verify::verify(keyring, headers, body, now).map_err(NotifyError::Untrusted)?;
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|e| NotifyError::Envelope(e.to_string()))?;
    if !accepts(&envelope.event_type) {
        return Err(NotifyError::UnexpectedEvent(envelope.event_type));
    }
    let r = envelope.resource;
    if r.algorithm != crate::protocol::AEAD_ALGORITHM {
        return Err(NotifyError::Envelope(format!(
            "unsupported algorithm `{}`",
            r.algorithm
        )));
    }
    let plaintext = apiv3_key
        .decrypt(&r.nonce, &r.associated_data, &r.ciphertext)
        .map_err(|e| NotifyError::Decrypt(e.0))?;
    Ok(Opened {
        id: envelope.id,
        create_time: envelope.create_time,
        event_type: envelope.event_type,
        summary: envelope.summary,
        original_type: r.original_type,
        plaintext,
    })
}

/// Verifies (same rules as responses), decrypts and decodes a callback at time `now`.
///
/// A replay of a callback already handled is accepted like the first copy (see the
/// [module docs](self#the-same-callback-more-than-once)). [`super::Client::parse_notification`]
/// also downloads certificates when the callback names an unknown serial.
pub fn parse<E: NotificationEvent>(
    keyring: &Keyring,
    apiv3_key: &ApiV3Key,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<Notification<E>, NotifyError> {
    let opened = open(keyring, apiv3_key, headers, body, now, |event_type| {
        E::EVENT_TYPES.contains(&event_type)
    })?;
    // The error message names the problem (line, column), never the decrypted text.
    let event: E = serde_json::from_slice(&opened.plaintext)
        .map_err(|e| NotifyError::Decode(format!("line {} column {}", e.line(), e.column())))?;
    Ok(opened.with(event))
}
