//! Typed notification (callback) payloads.

use serde::de::DeserializeOwned;

/// Implemented by each generated notification payload: the decrypted `resource` of a callback.
pub trait NotificationEvent: DeserializeOwned {
    /// The `event_type` values this payload is sent with (e.g. `COUPON.SEND`).
    const EVENT_TYPES: &'static [&'static str];
    /// The `resource.original_type` WeChat Pay states for the encrypted payload.
    const ORIGINAL_TYPE: &'static str;
    /// Short description, for logs and error messages.
    const SUMMARY: &'static str;
}
