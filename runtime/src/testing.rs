//! Assertions used by the generated example tests (and useful in users' own tests).
//!
//! These panic with a readable message on failure, as test assertions do; nothing in the client
//! path calls them.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Parses `json` into `T`, serializes it again and asserts the two JSON values are equal: no
/// field lost, renamed or invented. Returns the parsed value.
#[track_caller]
pub fn round_trip<T: Serialize + DeserializeOwned>(json: &str) -> T {
    let value: T = serde_json::from_str(json).unwrap_or_else(|e| {
        panic!(
            "example does not decode into {}: {e}",
            std::any::type_name::<T>()
        )
    });
    assert_json_eq(&value, json);
    value
}

/// Asserts that `value` serializes to the same JSON value as `json` (member order aside).
#[track_caller]
pub fn assert_json_eq<T: Serialize>(value: &T, json: &str) {
    let expected: Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("expected text is not JSON: {e}"));
    let actual =
        serde_json::to_value(value).unwrap_or_else(|e| panic!("value does not serialize: {e}"));
    if actual != expected {
        panic!(
            "JSON differs\n expected: {}\n   actual: {}",
            serde_json::to_string(&expected).unwrap_or_default(),
            serde_json::to_string(&actual).unwrap_or_default()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Small {
        a: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        b: Option<i64>,
    }

    #[test]
    fn round_trip_keeps_every_member() {
        let s: Small = round_trip(r#"{"a":"x","b":2}"#);
        assert_eq!(s.b, Some(2));
    }

    #[test]
    #[should_panic(expected = "JSON differs")]
    fn round_trip_notices_a_lost_member() {
        let _: Small = round_trip(r#"{"a":"x","c":3}"#);
    }
}
