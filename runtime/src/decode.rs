//! Turning a verified success body into the operation's response type.

use std::fmt;

use serde::de::DeserializeOwned;

/// The body of a success response did not have the documented shape.
#[derive(Debug)]
pub struct DecodeError {
    /// What serde said, with the line and column.
    pub message: String,
    /// The start of the body, for diagnosis (at most 256 bytes, lossily decoded).
    pub snippet: String,
}

impl DecodeError {
    fn new(message: impl fmt::Display, body: &[u8]) -> Self {
        let end = body.len().min(256);
        Self {
            message: message.to_string(),
            snippet: String::from_utf8_lossy(&body[..end]).into_owned(),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (body starts: {:?})", self.message, self.snippet)
    }
}

impl std::error::Error for DecodeError {}

/// Decodes a JSON body; unknown members are ignored.
pub fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, DecodeError> {
    serde_json::from_slice(body).map_err(|e| DecodeError::new(e, body))
}

/// Decodes a JSON body into a generated type: one JSON tree (read by code compiled once), then
/// the type's [`Json`](crate::Json) impl; unknown members are ignored.
pub fn typed<T: crate::Json>(body: &[u8]) -> Result<T, DecodeError> {
    let tree = json::<serde_json::Value>(body)?;
    T::from_json(tree).map_err(|e| DecodeError::new(e, body))
}

/// Accepts an empty body (whitespace allowed); anything else is a decode error.
pub fn empty(body: &[u8]) -> Result<(), DecodeError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        Ok(())
    } else {
        Err(DecodeError::new("expected an empty body", body))
    }
}

/// Keeps a downloaded file's bytes as they are.
pub fn bytes(body: &[u8]) -> Result<Vec<u8>, DecodeError> {
    Ok(body.to_vec())
}
