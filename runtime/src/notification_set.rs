//! A set of notification types, chosen by `event_type` and `resource.original_type`: what one
//! callback URL that receives several kinds of notification parses into.
//!
//! Event types are shared between product lines (`TRANSACTION.SUCCESS` is sent for ordinary,
//! partner and combined payments alike), so the type of a resource follows the pair, never the
//! event type alone. The generated crate implements [`NotificationSet`] for an enum over every
//! notification of its spec; the client (feature `client`) verifies, decrypts and hands the
//! plaintext to it.

use std::fmt;

use crate::NotificationEvent;

/// Implemented by an enum with one variant per notification payload (generated).
pub trait NotificationSet: Sized {
    /// Every `(event_type, original_type)` pair some variant is sent with.
    fn kinds() -> Vec<(&'static str, &'static str)>;

    /// Decodes a decrypted resource sent as `event_type` with `original_type`; `None` when no
    /// variant is sent with that pair (the caller then keeps the resource as untyped JSON).
    fn decode(resource: &DecryptedResource<'_>) -> Option<Result<Self, ResourceShapeError>>;
}

/// A decrypted callback resource and the two names that choose its type.
#[derive(Clone, Copy, Debug)]
pub struct DecryptedResource<'a> {
    /// The envelope's `event_type`, e.g. `REFUND.SUCCESS`.
    pub event_type: &'a str,
    /// The envelope's `resource.original_type`, e.g. `refund`.
    pub original_type: &'a str,
    /// The decrypted JSON.
    pub plaintext: &'a [u8],
}

impl DecryptedResource<'_> {
    /// Whether `E` is the payload sent with this resource's event type and original type.
    pub fn is<E: NotificationEvent>(&self) -> bool {
        E::ORIGINAL_TYPE == self.original_type && E::EVENT_TYPES.contains(&self.event_type)
    }

    /// Whether the decrypted JSON is an object with a top-level member `name`: what tells apart
    /// payloads sent with the same pair (a combined payment's `combine_out_trade_no`).
    pub fn has_field(&self, name: &str) -> bool {
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(self.plaintext)
            .is_ok_and(|object| object.contains_key(name))
    }

    /// Decodes the resource as `E` and wraps it with `variant`, when `E` is the payload sent with
    /// this pair; generated `NotificationSet::decode` is one call of this per variant.
    pub fn decode_as<E: NotificationEvent, N>(
        &self,
        variant: fn(E) -> N,
    ) -> Option<Result<N, ResourceShapeError>> {
        self.is::<E>().then(|| {
            serde_json::from_slice(self.plaintext)
                .map(variant)
                .map_err(|e| ResourceShapeError {
                    line: e.line(),
                    column: e.column(),
                })
        })
    }

    /// The `(event_type, original_type)` pairs `E` is sent with, for [`NotificationSet::kinds`].
    pub fn kinds_of<E: NotificationEvent>() -> impl Iterator<Item = (&'static str, &'static str)> {
        E::EVENT_TYPES.iter().map(|e| (*e, E::ORIGINAL_TYPE))
    }
}

/// A decrypted resource did not have its documented shape. Says where, never what: the text is
/// decrypted customer data and stays out of messages and logs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResourceShapeError {
    /// Line of the first problem in the decrypted JSON.
    pub line: usize,
    /// Column of the first problem.
    pub column: usize,
}

impl fmt::Display for ResourceShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the decrypted resource does not have its documented shape (line {} column {})",
            self.line, self.column
        )
    }
}

impl std::error::Error for ResourceShapeError {}
