//! Verifying WeChat Pay's signature on responses and callbacks, before any byte is trusted.

use http::HeaderMap;

pub use super::certificates::Keyring;
use super::error::TrustError;

/// Largest accepted difference between `Wechatpay-Timestamp` and our clock, either way.
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;

/// Prefix of the signatures WeChat Pay sends on purpose to probe that merchants verify.
pub const PROBE_PREFIX: &str = "WECHATPAY/SIGNTEST/";

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, TrustError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .ok_or(TrustError::MissingHeader(name))
}

/// The verify string: `timestamp\nnonce\nbody\n`, over the raw body bytes.
pub fn verify_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(timestamp.len() + nonce.len() + body.len() + 3);
    m.extend_from_slice(timestamp.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(nonce.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(body);
    m.push(b'\n');
    m
}

/// Checks headers and raw body against the keyring at time `now` (Unix seconds). On success,
/// returns the serial that verified.
pub fn verify(
    keyring: &Keyring,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<String, TrustError> {
    let timestamp = header(headers, "Wechatpay-Timestamp")?;
    let nonce = header(headers, "Wechatpay-Nonce")?;
    let signature = header(headers, "Wechatpay-Signature")?;
    let serial = header(headers, "Wechatpay-Serial")?;
    if signature.starts_with(PROBE_PREFIX) {
        return Err(TrustError::SignatureProbe);
    }
    let ts: i64 = timestamp
        .parse()
        .map_err(|_| TrustError::BadTimestamp(timestamp.to_string()))?;
    let skew = now.saturating_sub(ts);
    if skew.abs() >= MAX_CLOCK_SKEW_SECS {
        return Err(TrustError::TimestampOutOfWindow { skew_secs: skew });
    }
    let key = keyring
        .get(serial)
        .ok_or_else(|| TrustError::UnknownSerial(serial.to_string()))?;
    if key.verify(&verify_message(timestamp, nonce, body), signature) {
        Ok(serial.to_string())
    } else {
        Err(TrustError::BadSignature)
    }
}
