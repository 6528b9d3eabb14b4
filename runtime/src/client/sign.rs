//! The request signature: a pure function of what is sent, the time, a nonce and the key.

use super::crypto::{KeyError, MerchantKey};

/// The string WeChat Pay signs: five lines, each ending in `\n`.
pub fn signing_message(
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut m =
        Vec::with_capacity(method.len() + path_and_query.len() + nonce.len() + body.len() + 24);
    m.extend_from_slice(method.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(path_and_query.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(timestamp.to_string().as_bytes());
    m.push(b'\n');
    m.extend_from_slice(nonce.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(body);
    m.push(b'\n');
    m
}

/// The `Authorization` header value for one request. No clock, no randomness, no I/O: the same
/// inputs always give the same header.
#[allow(clippy::too_many_arguments)]
pub fn authorization(
    mchid: &str,
    serial_no: &str,
    key: &MerchantKey,
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
) -> Result<String, KeyError> {
    let signature = key.sign(&signing_message(
        method,
        path_and_query,
        timestamp,
        nonce,
        body,
    ))?;
    Ok(format!(
        "WECHATPAY2-SHA256-RSA2048 mchid=\"{mchid}\",nonce_str=\"{nonce}\",timestamp=\"{timestamp}\",serial_no=\"{serial_no}\",signature=\"{signature}\""
    ))
}

/// The parts of an `Authorization` header, for servers that check one (the simulator).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthorizationParts {
    /// Merchant id.
    pub mchid: String,
    /// Merchant certificate serial.
    pub serial_no: String,
    /// The nonce.
    pub nonce: String,
    /// The timestamp, as written.
    pub timestamp: String,
    /// The Base64 signature.
    pub signature: String,
}

/// Reads `WECHATPAY2-SHA256-RSA2048 k="v",...` in any field order; `None` if it is not one.
pub fn parse_authorization(header: &str) -> Option<AuthorizationParts> {
    let params = header.strip_prefix("WECHATPAY2-SHA256-RSA2048 ")?;
    let mut parts = AuthorizationParts::default();
    for pair in params.split(',') {
        let (key, value) = pair.split_once('=')?;
        let value = value
            .trim()
            .strip_prefix('"')?
            .strip_suffix('"')?
            .to_string();
        match key.trim() {
            "mchid" => parts.mchid = value,
            "serial_no" => parts.serial_no = value,
            "nonce_str" => parts.nonce = value,
            "timestamp" => parts.timestamp = value,
            "signature" => parts.signature = value,
            _ => return None,
        }
    }
    let complete = [
        &parts.mchid,
        &parts.serial_no,
        &parts.nonce,
        &parts.timestamp,
        &parts.signature,
    ]
    .iter()
    .all(|v| !v.is_empty());
    complete.then_some(parts)
}
