//! Open enums: known variants plus a catch-all that keeps the raw wire value.
//!
//! WeChat Pay adds enum values (coupon states, send channels, error codes) without notice. A
//! closed Rust enum would turn such a value into a decode error and break a working integration,
//! so every generated enum implements [`OpenEnum`] and carries an `Unknown(UnknownValue)` variant
//! holding the string exactly as it arrived. The serde helpers here give every generated enum
//! the same wire behaviour: serialize through [`OpenEnum::as_str`], deserialize through
//! [`OpenEnum::from_wire`], which never fails for a string.

use std::fmt;

/// A wire value that this version of the crate does not know.
///
/// Only the enums' `From<&str>` conversions create it, so a known value is never wrapped here.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownValue(Box<str>);

impl UnknownValue {
    /// Wraps a value that matched none of an enum's known variants. Called by generated code.
    #[doc(hidden)]
    pub fn new(raw: &str) -> Self {
        Self(raw.into())
    }

    /// The value exactly as it was received.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Implemented by every generated enum.
pub trait OpenEnum: Sized + Clone + fmt::Debug + 'static {
    /// Every value this version knows, in the order the spec lists them.
    const VALUES: &'static [&'static str];

    /// Maps a wire value to its variant; values not in [`Self::VALUES`] become `Unknown`.
    fn from_wire(raw: &str) -> Self;

    /// The wire value, for known and unknown variants alike.
    fn as_str(&self) -> &str;

    /// Whether this is a value the crate does not know.
    fn is_unknown(&self) -> bool {
        !Self::VALUES.contains(&self.as_str())
    }
}

/// `Serialize` body shared by generated enums.
#[doc(hidden)]
pub fn serialize<E: OpenEnum, S: serde::Serializer>(value: &E, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(value.as_str())
}

/// `Deserialize` body shared by generated enums: any string is accepted.
#[doc(hidden)]
pub fn deserialize<'de, E: OpenEnum, D: serde::Deserializer<'de>>(d: D) -> Result<E, D::Error> {
    struct Visit<E>(std::marker::PhantomData<E>);
    impl<E: OpenEnum> serde::de::Visitor<'_> for Visit<E> {
        type Value = E;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<Er: serde::de::Error>(self, v: &str) -> Result<E, Er> {
            Ok(E::from_wire(v))
        }
    }
    d.deserialize_str(Visit(std::marker::PhantomData))
}

/// Declares an open enum: first the catch-all variant holding [`UnknownValue`] (documented by
/// the macro, and last in the enum), then the known variants with their wire values. Generates `as_str`, [`OpenEnum`], `From<&str>`, `Display`
/// and serde through the wire value, so every generated enum behaves the same.
///
/// ```
/// wechatpay_apiv3_runtime::open_enum! {
///     /// A coupon's state.
///     pub enum CouponState {
///         Unknown(wechatpay_apiv3_runtime::UnknownValue),
///         /// Usable.
///         Sended = "SENDED",
///     }
/// }
/// assert_eq!(CouponState::from("SENDED"), CouponState::Sended);
/// assert_eq!(CouponState::from("NEW").as_str(), "NEW");
/// ```
#[macro_export]
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $catch:ident($unknown:ty),
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )*
        }
    ) => {
        $(#[$meta])*
        ///
        /// Open: a value this version does not know is kept, unchanged, in the catch-all variant.
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version of the crate does not know, kept as received.
            $catch($unknown),
        }

        impl $name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::$catch(value) => value.as_str(),
                }
            }
        }

        impl $crate::OpenEnum for $name {
            const VALUES: &'static [&'static str] = &[$($wire),*];

            fn from_wire(raw: &str) -> Self {
                match raw {
                    $( $wire => Self::$variant, )*
                    other => Self::$catch($crate::UnknownValue::new(other)),
                }
            }

            fn as_str(&self) -> &str {
                $name::as_str(self)
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(raw: &str) -> Self {
                <Self as $crate::OpenEnum>::from_wire(raw)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::Json for $name {
            fn to_json(&self) -> $crate::__private::serde_json::Value {
                $crate::json::enum_to_json(self)
            }

            fn from_json(
                value: $crate::__private::serde_json::Value,
            ) -> ::std::result::Result<Self, $crate::json::JsonError> {
                $crate::json::enum_from_json(value)
            }

            fn stand_in() -> Self {
                $crate::json::enum_stand_in()
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                $crate::open_enum::serialize(self, serializer)
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::open_enum::deserialize(deserializer)
            }
        }
    };
}
