//! Answer fields WeChat Pay encrypts to the merchant's key (`user_name`, `payer_phone`, a
//! receiver's `name`): RSA-OAEP (SHA-1) to the merchant certificate, opened here with the merchant
//! private key once the answer is verified, before it is decoded.
//!
//! Which fields they are is the `sensitive` mark of the response type's rule table
//! ([`crate::Operation::SENSITIVE_RESPONSE`]); the one walker of [`crate::shape`] finds them,
//! inside lists and nested objects too.

use serde_json::Value;

use super::crypto::MerchantKey;
use crate::{SensitiveFieldError, Shape, shape};

/// The verified `body` with every sensitive field of `shape` decrypted, ready to decode. A body
/// that is not JSON is given back unchanged (decoding then reports it); a field that does not
/// decrypt is an error naming it.
pub(crate) fn decrypt_answer(
    key: &MerchantKey,
    shape: &Shape,
    body: &[u8],
) -> Result<Vec<u8>, SensitiveFieldError> {
    let Ok(mut value) = serde_json::from_slice::<Value>(body) else {
        return Ok(body.to_vec());
    };
    shape::for_each_sensitive(shape, &mut value, &mut |field, text| {
        *text = key.decrypt_oaep(text).map_err(|e| SensitiveFieldError {
            field: field.to_string(),
            reason: e.0,
        })?;
        Ok(())
    })?;
    // A `Value` serializes infallibly (its keys are strings).
    Ok(serde_json::to_vec(&value).unwrap_or_default())
}
