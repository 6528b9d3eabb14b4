//! A bounded, seeded mutation test of response verification and callback parsing (issue 12):
//! thousands of signed inputs with bytes flipped, inserted or deleted in the body, the
//! timestamp, nonce, signature and serial headers (and headers dropped or repeated), plus
//! re-signed callbacks whose encrypted resource (ciphertext, nonce, associated data, algorithm)
//! was mutated. Nothing may panic, and nothing but the original may be accepted.
//!
//! The generator is a fixed-seed SplitMix64, so every run tries the same inputs; a failure names
//! the case number to reproduce it.
#![cfg(feature = "client")]

mod support;

use http::{HeaderMap, HeaderName, HeaderValue};
use support::{APIV3_KEY, PUBLIC_KEY_ID, TransactionEvent, callback_body, fixture};
use wechatpay_apiv3_runtime::client::{ApiV3Key, MerchantKey, notify, verify};
use wechatpay_apiv3_runtime::protocol;

/// When the originals were signed; verification runs ten seconds later.
const SIGNED_AT: i64 = 1_764_600_000;
const NOW: i64 = SIGNED_AT + 10;
const NONCE: &str = "593BEC0C930BF1AFEB40B4A08C8FB242";
const PLATFORM_KEY: &str = "java_wechatpay_private_key.pem";

/// SplitMix64: tiny, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform below `n` (`n > 0`); the tiny modulo bias does not matter here.
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n).expect("fits")).expect("fits")
    }

    /// A byte, half the time one of those that parsers treat specially.
    fn byte(&mut self) -> u8 {
        const SPECIAL: &[u8] = b"0123456789-+ =/\"{},:\\\t\xb9\xff\x80AZaz";
        if self.next() & 1 == 0 {
            SPECIAL[self.below(SPECIAL.len())]
        } else {
            self.next().to_le_bytes()[0]
        }
    }
}

/// Flips, inserts, deletes or replaces one to three bytes; always changes a non-empty value
/// (an empty one only grows).
fn mutate(rng: &mut Rng, value: &mut Vec<u8>) {
    for _ in 0..=rng.below(3) {
        let op = if value.is_empty() { 1 } else { rng.below(4) };
        match op {
            0 => {
                let i = rng.below(value.len());
                value[i] ^= 1 << rng.below(8);
            }
            1 => {
                let i = rng.below(value.len() + 1);
                value.insert(i, rng.byte());
            }
            2 => {
                value.remove(rng.below(value.len()));
            }
            _ => {
                let i = rng.below(value.len());
                let b = rng.byte();
                value[i] = if b == value[i] { b ^ 0x20 } else { b };
            }
        }
    }
}

/// A signed message as sent: header values in order (a name may repeat) and the body.
#[derive(Clone, PartialEq)]
struct Signed {
    headers: Vec<(&'static str, Vec<u8>)>,
    body: Vec<u8>,
}

impl Signed {
    fn new(platform: &MerchantKey, body: Vec<u8>) -> Self {
        let timestamp = SIGNED_AT.to_string();
        let signature = platform
            .sign(&protocol::verify_message(&timestamp, NONCE, &body))
            .expect("signs");
        Self {
            headers: vec![
                (protocol::HEADER_TIMESTAMP, timestamp.into_bytes()),
                (protocol::HEADER_NONCE, NONCE.into()),
                (protocol::HEADER_SIGNATURE, signature.into_bytes()),
                (protocol::HEADER_SERIAL, PUBLIC_KEY_ID.into()),
            ],
            body,
        }
    }

    /// The headers as HTTP carries them; `None` when a mutated value could not be sent at all
    /// (a control byte such as CR, LF or NUL).
    fn header_map(&self) -> Option<HeaderMap> {
        let mut map = HeaderMap::new();
        for (name, value) in &self.headers {
            map.append(
                HeaderName::from_static(name_lowercase(name)),
                HeaderValue::from_bytes(value).ok()?,
            );
        }
        Some(map)
    }

    /// One to three byte mutations of the body or one header, sometimes a header dropped or
    /// repeated.
    fn mutated(&self, rng: &mut Rng) -> Self {
        let mut m = self.clone();
        match rng.below(20) {
            0 => {
                let i = rng.below(m.headers.len());
                m.headers.remove(i);
            }
            1 => {
                let i = rng.below(m.headers.len());
                let (name, mut value) = m.headers[i].clone();
                if rng.next() & 1 == 0 {
                    mutate(rng, &mut value);
                }
                m.headers.push((name, value));
            }
            n if n < 10 => mutate(rng, &mut m.body),
            _ => {
                let i = rng.below(m.headers.len());
                mutate(rng, &mut m.headers[i].1);
            }
        }
        m
    }
}

fn name_lowercase(name: &str) -> &'static str {
    match name {
        protocol::HEADER_TIMESTAMP => "wechatpay-timestamp",
        protocol::HEADER_NONCE => "wechatpay-nonce",
        protocol::HEADER_SIGNATURE => "wechatpay-signature",
        _ => "wechatpay-serial",
    }
}

/// The platform private key the fixtures sign with, loaded once.
fn platform() -> MerchantKey {
    MerchantKey::from_pem(&fixture(PLATFORM_KEY)).expect("platform key")
}

const RESPONSE: &[u8] = br#"{"stock_id":"100088","openid":"xsd3434454567676","wechatpay_use_time":"2015-05-20T13:29:35.120+08:00","amount":{"total":100}}"#;
const RESOURCE: &str = r#"{"out_trade_no":"1217752501201407033233368018","trade_state":"SUCCESS"}"#;

#[test]
fn mutated_responses_are_never_accepted() {
    let keyring = support::public_key_keyring();
    let original = Signed::new(&platform(), RESPONSE.to_vec());
    let headers = original.header_map().expect("sendable");
    assert_eq!(
        verify::verify(&keyring, &headers, &original.body, NOW),
        Ok(PUBLIC_KEY_ID.to_string()),
        "the original verifies"
    );
    let mut rng = Rng(0x5EED_0001);
    let (mut tried, mut unsendable) = (0, 0);
    for case in 0..4_000 {
        let m = original.mutated(&mut rng);
        if m == original {
            continue; // two edits that cancel out
        }
        let Some(headers) = m.header_map() else {
            unsendable += 1;
            continue;
        };
        tried += 1;
        let result = verify::verify(&keyring, &headers, &m.body, NOW);
        assert!(
            result.is_err(),
            "case {case}: a mutated response was accepted"
        );
    }
    assert!(
        tried >= 3_000,
        "{tried} tried, {unsendable} could not be sent"
    );
}

#[test]
fn mutated_callbacks_are_never_accepted() {
    let keyring = support::public_key_keyring();
    let key = ApiV3Key::new(APIV3_KEY).expect("key");
    let parse = |m: &Signed, headers: &HeaderMap| {
        notify::parse::<TransactionEvent>(&keyring, &key, headers, &m.body, NOW)
    };
    let original = Signed::new(&platform(), callback_body("TRANSACTION.SUCCESS", RESOURCE));
    let headers = original.header_map().expect("sendable");
    assert_eq!(
        parse(&original, &headers)
            .expect("the original is accepted")
            .event
            .out_trade_no,
        "1217752501201407033233368018"
    );
    let mut rng = Rng(0x5EED_0002);
    let mut tried = 0;
    for case in 0..3_000 {
        let m = original.mutated(&mut rng);
        let (false, Some(headers)) = (m == original, m.header_map()) else {
            continue;
        };
        tried += 1;
        assert!(
            parse(&m, &headers).is_err(),
            "case {case}: a mutated callback was accepted"
        );
    }
    assert!(tried >= 2_000, "{tried} tried");
}

/// The envelope signed again after its resource was mutated, as if WeChat Pay had signed a
/// corrupted resource: the signature passes, so decryption and decoding must refuse it.
#[test]
fn re_signed_callbacks_with_a_mutated_resource_are_never_accepted() {
    let keyring = support::public_key_keyring();
    let key = ApiV3Key::new(APIV3_KEY).expect("key");
    let envelope: serde_json::Value =
        serde_json::from_slice(&callback_body("TRANSACTION.SUCCESS", RESOURCE)).expect("json");
    let fields = ["ciphertext", "nonce", "associated_data", "algorithm"];
    let platform = platform();
    let mut rng = Rng(0x5EED_0003);
    let mut refused_by = std::collections::BTreeMap::<String, usize>::new();
    for case in 0..1_500 {
        let field = fields[rng.below(fields.len())];
        let mut value = envelope["resource"][field]
            .as_str()
            .expect("string")
            .as_bytes()
            .to_vec();
        mutate(&mut rng, &mut value);
        let mut changed = envelope.clone();
        // JSON carries any bytes as text: invalid UTF-8 becomes U+FFFD, which still differs.
        changed["resource"][field] = String::from_utf8_lossy(&value).into_owned().into();
        if changed == envelope {
            continue;
        }
        let m = Signed::new(&platform, serde_json::to_vec(&changed).expect("json"));
        let headers = m.header_map().expect("sendable");
        match notify::parse::<TransactionEvent>(&keyring, &key, &headers, &m.body, NOW) {
            Ok(_) => panic!("case {case}: a callback with a mutated `{field}` was accepted"),
            Err(e) => {
                let kind = format!("{e:?}");
                let kind = kind.split('(').next().unwrap_or_default().to_string();
                *refused_by.entry(format!("{field}: {kind}")).or_default() += 1;
            }
        }
    }
    eprintln!("refused by: {refused_by:?}");
    // Every mutation got past the signature and was refused by the resource checks.
    assert!(
        refused_by.keys().all(|k| !k.ends_with("Untrusted")),
        "{refused_by:?}"
    );
    assert!(
        refused_by.values().sum::<usize>() >= 1_400,
        "{refused_by:?}"
    );
}
