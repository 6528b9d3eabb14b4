//! The request signature: a pure function of what is sent, the time, a nonce and the key. The
//! message and the header's shape are [`crate::protocol`]'s; this adds the merchant key.

use super::crypto::{KeyError, MerchantKey};
use crate::protocol;

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
    let timestamp = timestamp.to_string();
    let signature = key.sign(&protocol::signing_message(
        method,
        path_and_query,
        &timestamp,
        nonce,
        body,
    ))?;
    Ok(protocol::authorization(
        mchid, serial_no, &timestamp, nonce, &signature,
    ))
}
