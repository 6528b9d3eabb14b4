//! Verifying WeChat Pay's signature on responses and callbacks, before any byte is trusted.

use std::collections::BTreeMap;

use http::HeaderMap;

use super::crypto::{PlatformCertificate, VerifyingKey};
use super::error::TrustError;

/// Largest accepted difference between `Wechatpay-Timestamp` and our clock, either way.
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;

/// Prefix of the signatures WeChat Pay sends on purpose to probe that merchants verify.
pub const PROBE_PREFIX: &str = "WECHATPAY/SIGNTEST/";

/// WeChat Pay's verification keys by the id `Wechatpay-Serial` names: the public key id
/// (`PUB_KEY_ID_...`) and/or platform certificate serials, both at once during a migration.
#[derive(Clone, Debug, Default)]
pub struct Keyring {
    keys: BTreeMap<String, VerifyingKey>,
    public_key_id: Option<String>,
}

impl Keyring {
    /// No keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the WeChat Pay public key (微信支付公钥) under its id. Requests then name it in
    /// `Wechatpay-Serial`, and sensitive fields are encrypted with it.
    pub fn add_public_key(&mut self, id: impl Into<String>, key: VerifyingKey) {
        let id = id.into();
        self.public_key_id = Some(id.clone());
        self.keys.insert(id, key);
    }

    /// Adds a platform certificate (平台证书) under its serial.
    pub fn add_certificate(&mut self, cert: PlatformCertificate) {
        self.keys.insert(cert.serial, cert.key);
    }

    /// The key for exactly this id, if held.
    pub fn get(&self, serial: &str) -> Option<&VerifyingKey> {
        self.keys.get(serial)
    }

    /// The id requests send in `Wechatpay-Serial` and encrypt with: the public key when there is
    /// one, else the newest-looking certificate serial.
    pub fn preferred(&self) -> Option<(&str, &VerifyingKey)> {
        match &self.public_key_id {
            Some(id) => self
                .keys
                .get_key_value(id.as_str())
                .map(|(k, v)| (k.as_str(), v)),
            None => self.keys.iter().next_back().map(|(k, v)| (k.as_str(), v)),
        }
    }

    /// How many keys are held.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether only the public key is used (no certificate refresh needed).
    pub fn is_public_key_mode(&self) -> bool {
        self.public_key_id.is_some() && self.keys.len() == 1
    }
}

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
