//! Callbacks (notifications): verify like a response, decrypt the resource, decode the event.
//!
//! Works with any web framework: give it the raw headers and the raw body bytes. Answer WeChat
//! Pay with 200 (or 204) and no body on success; on failure answer 4xx/5xx with
//! `{"code":"FAIL","message":"..."}` and WeChat Pay sends it again later.

use std::fmt;

use http::HeaderMap;
use serde::Deserialize;

use super::crypto::ApiV3Key;
use super::error::TrustError;
use super::verify::{self, Keyring};
use crate::NotificationEvent;

/// A verified, decrypted callback.
#[derive(Clone, Debug)]
pub struct Notification<E> {
    /// The notification id (`EV-...`): the same id may arrive more than once; handle it once.
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
}

/// Verifies (same rules as responses), decrypts and decodes a callback at time `now`.
pub fn parse<E: NotificationEvent>(
    keyring: &Keyring,
    apiv3_key: &ApiV3Key,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<Notification<E>, NotifyError> {
    verify::verify(keyring, headers, body, now).map_err(NotifyError::Untrusted)?;
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|e| NotifyError::Envelope(e.to_string()))?;
    if !E::EVENT_TYPES.contains(&envelope.event_type.as_str()) {
        return Err(NotifyError::UnexpectedEvent(envelope.event_type));
    }
    let r = &envelope.resource;
    if r.algorithm != "AEAD_AES_256_GCM" {
        return Err(NotifyError::Envelope(format!(
            "unsupported algorithm `{}`",
            r.algorithm
        )));
    }
    let plain = apiv3_key
        .decrypt(&r.nonce, &r.associated_data, &r.ciphertext)
        .map_err(|e| NotifyError::Decrypt(e.0))?;
    // The error message names the problem (line, column), never the decrypted text.
    let event: E = serde_json::from_slice(&plain)
        .map_err(|e| NotifyError::Decode(format!("line {} column {}", e.line(), e.column())))?;
    Ok(Notification {
        id: envelope.id,
        create_time: envelope.create_time,
        event_type: envelope.event_type,
        summary: envelope.summary,
        event,
    })
}
