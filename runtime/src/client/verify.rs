//! Verifying WeChat Pay's signature on responses and callbacks, before any byte is trusted.
//!
//! The rules (headers, message, window, probes) are [`crate::protocol`]'s; this applies them with
//! the keys of a [`Keyring`].

use http::HeaderMap;

pub use super::certificates::Keyring;
use super::error::TrustError;
use crate::protocol::{self, HeaderProblem, TimestampError};

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, TrustError> {
    protocol::signed_header(headers, name).map_err(|problem| match problem {
        HeaderProblem::Missing => TrustError::MissingHeader(name),
        HeaderProblem::Unreadable => TrustError::UnreadableHeader(name),
    })
}

/// Checks headers and raw body against the keyring at time `now` (Unix seconds). On success,
/// returns the serial that verified.
pub fn verify(
    keyring: &Keyring,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<String, TrustError> {
    let timestamp = header(headers, protocol::HEADER_TIMESTAMP)?;
    let nonce = header(headers, protocol::HEADER_NONCE)?;
    let signature = header(headers, protocol::HEADER_SIGNATURE)?;
    let serial = header(headers, protocol::HEADER_SERIAL)?;
    if signature.starts_with(protocol::PROBE_PREFIX) {
        return Err(TrustError::SignatureProbe);
    }
    protocol::check_timestamp(now, timestamp).map_err(|e| match e {
        TimestampError::NotANumber => TrustError::BadTimestamp(timestamp.to_string()),
        TimestampError::OutOfWindow { skew_secs } => TrustError::TimestampOutOfWindow { skew_secs },
    })?;
    let key = keyring
        .get(serial, now)
        .ok_or_else(|| TrustError::UnknownSerial(serial.to_string()))?;
    // Hashed line by line: the body (up to its read limit) is not copied into a message.
    if key.verify_lines(
        &protocol::verify_message_lines(timestamp, nonce, body),
        signature,
    ) {
        Ok(serial.to_string())
    } else {
        Err(TrustError::BadSignature)
    }
}
