//! The APIv3 security protocol as data and pure functions: what is signed, which headers carry
//! it, how far a timestamp may be from our clock, what a probe looks like, what a nonce is made
//! of, and how paths and queries are percent-coded.
//!
//! This is the one home of those facts. The client signs and verifies with it, the simulator
//! checks requests and signs answers with it, and the bench and the tests' scripted server use it
//! too; none of them rebuilds a message or a window of its own. Their agreement with WeChat Pay
//! is proved by the published vectors (`tests/vectors.rs`), not by a second implementation.
//!
//! Nothing here needs a cargo feature, a clock of its own or randomness of its own: the
//! cryptography that signs and verifies these messages is the `client` feature's
//! (`client::crypto`).

use std::fmt::Write as _;

use http::HeaderMap;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// The `Authorization` scheme, and the value of `Wechatpay-Signature-Type`: SHA256withRSA.
pub const AUTHORIZATION_SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// When the answer or callback was signed (Unix seconds, as text).
pub const HEADER_TIMESTAMP: &str = "Wechatpay-Timestamp";
/// The signer's nonce.
pub const HEADER_NONCE: &str = "Wechatpay-Nonce";
/// The Base64 signature.
pub const HEADER_SIGNATURE: &str = "Wechatpay-Signature";
/// The id of the key that signed (a platform certificate serial or `PUB_KEY_ID_...`); on
/// requests, the id of the key WeChat Pay should sign with and that sensitive fields were
/// encrypted with.
pub const HEADER_SERIAL: &str = "Wechatpay-Serial";
/// The signature algorithm ([`AUTHORIZATION_SCHEME`]).
pub const HEADER_SIGNATURE_TYPE: &str = "Wechatpay-Signature-Type";
/// WeChat Pay's id of one request, for its support.
pub const HEADER_REQUEST_ID: &str = "Request-ID";

/// Largest accepted distance between a signed timestamp and our clock, either way (seconds);
/// a distance of this much or more is refused.
pub const MAX_CLOCK_SKEW_SECS: u64 = 300;

/// Prefix of the signatures WeChat Pay sends on purpose to probe that merchants verify.
pub const PROBE_PREFIX: &str = "WECHATPAY/SIGNTEST/";

/// Characters of a request nonce (`nonce_str`) as the official SDKs make them.
pub const NONCE_LEN: usize = 32;
/// The nonce alphabet: alphanumerics only, so a nonce never breaks a quoted header parameter.
pub const NONCE_ALPHABET: &[u8; 62] =
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Bytes of an AEAD_AES_256_GCM nonce (callbacks, certificate downloads).
pub const AEAD_NONCE_LEN: usize = 12;
/// The only encryption of callbacks and downloaded certificates.
pub const AEAD_ALGORITHM: &str = "AEAD_AES_256_GCM";

/// Lines each ending in `\n`, the last one included: the shape of every signed message.
fn lines(parts: &[&[u8]]) -> Vec<u8> {
    let mut m = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for_each_message_byte_run(parts, |run| m.extend_from_slice(run));
    m
}

/// What a request signature covers: method, path with query, timestamp, nonce and body (for
/// uploads, the `meta` JSON), each on its own line.
pub fn signing_message(
    method: &str,
    path_and_query: &str,
    timestamp: &str,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    lines(&[
        method.as_bytes(),
        path_and_query.as_bytes(),
        timestamp.as_bytes(),
        nonce.as_bytes(),
        body,
    ])
}

/// What an answer's or a callback's signature covers: timestamp, nonce and the raw body.
pub fn verify_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    lines(&verify_message_lines(timestamp, nonce, body))
}

/// The lines of [`verify_message`], each to be followed by `\n`: a verifier can hash them in
/// turn instead of copying the body into one message.
pub fn verify_message_lines<'a>(
    timestamp: &'a str,
    nonce: &'a str,
    body: &'a [u8],
) -> [&'a [u8]; 3] {
    [timestamp.as_bytes(), nonce.as_bytes(), body]
}

/// Feeds `lines` to `update` exactly as [`verify_message`] and [`signing_message`] lay them out
/// (each line followed by `\n`), without building the message.
pub fn for_each_message_byte_run(lines: &[&[u8]], mut update: impl FnMut(&[u8])) {
    for line in lines {
        update(line);
        update(b"\n");
    }
}

/// The `Authorization` header value from its five fields.
pub fn authorization(
    mchid: &str,
    serial_no: &str,
    timestamp: &str,
    nonce: &str,
    signature: &str,
) -> String {
    format!(
        "{AUTHORIZATION_SCHEME} mchid=\"{mchid}\",nonce_str=\"{nonce}\",timestamp=\"{timestamp}\",serial_no=\"{serial_no}\",signature=\"{signature}\""
    )
}

/// The parts of an `Authorization` header, for servers that check one.
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

/// Reads `WECHATPAY2-SHA256-RSA2048 k="v",...` in any field order; `None` if it is not one with
/// all five fields.
pub fn parse_authorization(header: &str) -> Option<AuthorizationParts> {
    let params = header
        .strip_prefix(AUTHORIZATION_SCHEME)?
        .strip_prefix(' ')?;
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

/// Why a signed timestamp is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimestampError {
    /// Not Unix seconds in decimal (an optional `-`, then at most 19 digits that fit an `i64`).
    NotANumber,
    /// [`MAX_CLOCK_SKEW_SECS`] or more away from our clock.
    OutOfWindow {
        /// Our clock minus the timestamp (positive: signed in the past), saturated at the `i64`
        /// bounds.
        skew_secs: i64,
    },
}

/// Reads Unix seconds as written in a header: an optional `-` and ASCII digits, nothing else
/// (no `+`, no spaces).
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Whether `timestamp` is less than [`MAX_CLOCK_SKEW_SECS`] from `now`, either way. Exact for
/// every pair of `i64`s, negative clocks included: the distance is computed unsigned.
pub fn within_window(now: i64, timestamp: i64) -> bool {
    now.abs_diff(timestamp) < MAX_CLOCK_SKEW_SECS
}

/// Parses a signed timestamp and checks it against `now`: the one window both directions use
/// (answers and callbacks in the client, requests in the simulator).
pub fn check_timestamp(now: i64, text: &str) -> Result<i64, TimestampError> {
    let timestamp = parse_timestamp(text).ok_or(TimestampError::NotANumber)?;
    if within_window(now, timestamp) {
        Ok(timestamp)
    } else {
        Err(TimestampError::OutOfWindow {
            skew_secs: now.saturating_sub(timestamp),
        })
    }
}

/// The system clock in Unix seconds (0 before 1970, saturated far in the future).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `len` characters of [`NONCE_ALPHABET`], every one equally likely, from the random bytes `fill`
/// writes (it returns `false` when it could not; it is asked again).
pub fn nonce_from(len: usize, mut fill: impl FnMut(&mut [u8]) -> bool) -> String {
    // Bytes of 248 or more are skipped: 248 = 4 * 62, so `b % 62` has no bias.
    const UNBIASED: u8 = 248;
    let mut out = String::with_capacity(len);
    let mut buf = [0_u8; 64];
    while out.len() < len {
        if !fill(&mut buf) {
            continue;
        }
        for b in buf.iter().filter(|b| **b < UNBIASED) {
            if out.len() == len {
                break;
            }
            out.push(char::from(NONCE_ALPHABET[usize::from(*b % 62)]));
        }
    }
    out
}

/// Everything but RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`) is escaped.
const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Appends `text` percent-encoded (UTF-8, every byte but the unreserved ones escaped as `%XX`):
/// how path parameters and query keys and values go on the wire, and so how they are signed.
pub fn percent_encode_into(out: &mut String, text: &str) {
    // Writing to a String cannot fail.
    let _ = write!(out, "{}", utf8_percent_encode(text, ESCAPED));
}

/// Decodes `%XX` escapes (exactly two hex digits each); `None` for a malformed escape or a
/// result that is not UTF-8. `+` stays `+`: queries are percent-encoded, not form-encoded.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = |j: usize| bytes.get(j).and_then(|c| char::from(*c).to_digit(16));
            let (hi, lo) = (hex(i + 1)?, hex(i + 2)?);
            out.push(u8::try_from(hi * 16 + lo).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Why a signed header cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderProblem {
    /// Absent, or present with an empty value.
    Missing,
    /// Present but not one value of visible ASCII (an obs-text byte, or the header repeated, so
    /// that which value was signed is ambiguous).
    Unreadable,
}

/// The one value of a signed header (`Wechatpay-*`), as text.
pub fn signed_header<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, HeaderProblem> {
    let mut values = headers.get_all(name).iter();
    let Some(value) = values.next() else {
        return Err(HeaderProblem::Missing);
    };
    if values.next().is_some() {
        return Err(HeaderProblem::Unreadable);
    }
    match value.to_str() {
        Ok("") => Err(HeaderProblem::Missing),
        Ok(text) => Ok(text),
        Err(_) => Err(HeaderProblem::Unreadable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_exact_at_every_extreme() {
        assert!(within_window(1_000, 1_299));
        assert!(!within_window(1_000, 1_300));
        assert!(within_window(1_000, 701));
        assert!(!within_window(1_000, 700));
        for (now, ts) in [
            (i64::MAX, i64::MIN),
            (i64::MIN, i64::MAX),
            (-1, i64::MAX),
            (i64::MIN, 1),
            (0, i64::MIN),
            (1_764_600_000, i64::MIN),
        ] {
            assert!(!within_window(now, ts), "{now} vs {ts}");
        }
        assert!(within_window(i64::MIN, i64::MIN + 299));
        assert!(within_window(i64::MAX, i64::MAX - 299));
        assert!(within_window(-5, 5), "negative clocks are plain numbers");
    }

    #[test]
    fn timestamps_are_decimal_digits_only() {
        assert_eq!(parse_timestamp("1554208460"), Some(1_554_208_460));
        assert_eq!(parse_timestamp("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_timestamp("9223372036854775807"), Some(i64::MAX));
        for bad in [
            "",
            "-",
            "+1554208460",
            " 1554208460",
            "1554208460 ",
            "9223372036854775808",
            "0x5C",
            "1e9",
            "١٥٥٤",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad:?}");
        }
        assert_eq!(
            check_timestamp(-1, "9223372036854775807"),
            Err(TimestampError::OutOfWindow {
                skew_secs: i64::MIN
            })
        );
        assert_eq!(
            check_timestamp(1_764_600_000, "-9223372036854775808"),
            Err(TimestampError::OutOfWindow {
                skew_secs: i64::MAX
            })
        );
        assert_eq!(check_timestamp(100, "-100"), Ok(-100));
        assert_eq!(
            check_timestamp(100, "+100"),
            Err(TimestampError::NotANumber)
        );
    }

    #[test]
    fn percent_coding_round_trips_and_refuses_bad_escapes() {
        let mut out = String::new();
        percent_encode_into(&mut out, "a/b?c#d%e f+-_.~码");
        assert_eq!(out, "a%2Fb%3Fc%23d%25e%20f%2B-_.~%E7%A0%81");
        assert_eq!(percent_decode(&out).as_deref(), Some("a/b?c#d%e f+-_.~码"));
        assert_eq!(percent_decode("a+b").as_deref(), Some("a+b"));
        for bad in ["%", "%4", "%zz", "%+1", "%-1", "%FF", "%E7%A0"] {
            assert_eq!(percent_decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn nonces_skip_the_bytes_that_would_bias_them() {
        let mut calls = 0;
        let nonce = nonce_from(NONCE_LEN, |buf| {
            calls += 1;
            for (i, b) in buf.iter_mut().enumerate() {
                // 248 % 62 == 0: were it kept, a `0` would appear.
                *b = if i % 2 == 0 { 248 } else { 61 };
            }
            calls > 1
        });
        assert_eq!(nonce, "z".repeat(NONCE_LEN));
        assert_eq!(calls, 2, "a failed fill is asked again");
    }

    #[test]
    fn signed_headers_are_one_visible_ascii_value() {
        let mut h = HeaderMap::new();
        assert_eq!(signed_header(&h, HEADER_NONCE), Err(HeaderProblem::Missing));
        h.insert(HEADER_NONCE, http::HeaderValue::from_static(""));
        assert_eq!(signed_header(&h, HEADER_NONCE), Err(HeaderProblem::Missing));
        h.insert(HEADER_NONCE, http::HeaderValue::from_static("abc"));
        assert_eq!(signed_header(&h, "wechatpay-nonce"), Ok("abc"));
        h.append(HEADER_NONCE, http::HeaderValue::from_static("abc"));
        assert_eq!(
            signed_header(&h, HEADER_NONCE),
            Err(HeaderProblem::Unreadable)
        );
        h.insert(
            HEADER_TIMESTAMP,
            http::HeaderValue::from_bytes(b"15542\xb908460").expect("obs-text is allowed"),
        );
        assert_eq!(
            signed_header(&h, HEADER_TIMESTAMP),
            Err(HeaderProblem::Unreadable)
        );
    }
}
