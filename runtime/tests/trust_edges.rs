//! Verification at its edges: extreme timestamps and clocks (issue 12, D7/D8), header errors that
//! say what is wrong and where (D15.2), and callback replays (accepted every time).
#![cfg(feature = "client")]

mod support;

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderValue};
use support::{
    APIV3_KEY, PUBLIC_KEY_ID, Reply, Server, TransactionEvent, callback, fixture, sign_with,
};
use wechatpay_apiv3_runtime::client::{
    ApiV3Key, Client, Error, NotifyError, TrustError, notify, verify,
};
use wechatpay_apiv3_runtime::protocol;

const BODY: &[u8] = br#"{"ok":true}"#;
const NONCE: &str = "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4";

/// Headers correctly signed over `body` with this timestamp text.
fn signed(timestamp: &str, body: &[u8]) -> HeaderMap {
    let signature = sign_with("java_wechatpay_private_key.pem", timestamp, NONCE, body);
    support::headers_of(&[
        (protocol::HEADER_TIMESTAMP, timestamp.to_string()),
        (protocol::HEADER_NONCE, NONCE.to_string()),
        (protocol::HEADER_SIGNATURE, signature),
        (protocol::HEADER_SERIAL, PUBLIC_KEY_ID.to_string()),
    ])
}

fn client_with_clock(url: &str, now: i64) -> Client {
    let config = support::merchant_config(url)
        .wechatpay_public_key(PUBLIC_KEY_ID, &fixture("java_wechatpay_public_key.pem"))
        .apiv3_key(APIV3_KEY)
        .clock(Arc::new(move || now))
        .build()
        .expect("config");
    Client::new(config).expect("client")
}

/// D8: correctly signed extreme timestamps against extreme and negative clocks are refused as
/// out of the window, with the skew saturated, and never panic (debug) or pass (release).
#[test]
fn extreme_timestamps_and_negative_clocks_are_out_of_the_window() {
    let keyring = support::public_key_keyring();
    let key = ApiV3Key::new(APIV3_KEY).expect("key");
    for (now, timestamp, skew_secs) in [
        (-1, i64::MAX, i64::MIN),
        (i64::MIN, 1, i64::MIN),
        (i64::MIN, i64::MAX, i64::MIN),
        (i64::MAX, i64::MIN, i64::MAX),
        (1_764_600_000, i64::MIN, i64::MAX),
        (0, -300, 300),
        (-1_000, -1_300, 300),
    ] {
        let headers = signed(&timestamp.to_string(), BODY);
        assert_eq!(
            verify::verify(&keyring, &headers, BODY, now),
            Err(TrustError::TimestampOutOfWindow { skew_secs }),
            "now {now}, timestamp {timestamp}"
        );
        let (_, callback_body) = callback("TRANSACTION.SUCCESS", "{}", false);
        let headers = signed(&timestamp.to_string(), &callback_body);
        assert!(matches!(
            notify::parse::<TransactionEvent>(&keyring, &key, &headers, &callback_body, now),
            Err(NotifyError::Untrusted(
                TrustError::TimestampOutOfWindow { .. }
            ))
        ));
    }
    // Within the window a negative clock is an ordinary number.
    let headers = signed("-1200", BODY);
    assert_eq!(
        verify::verify(&keyring, &headers, BODY, -1_000),
        Ok(PUBLIC_KEY_ID.to_string())
    );
}

/// D8 through the client: an injected clock at `i64::MIN` refuses the answer, it does not panic.
#[tokio::test]
async fn a_client_whose_clock_is_i64_min_refuses_answers() {
    let server = Server::start(vec![Reply::json(200, r#"{"ok":true}"#)]).await;
    for now in [i64::MIN, -1, i64::MAX] {
        let client = client_with_clock(&server.url(), now);
        match client
            .call_json(http::Method::GET, "/v3/anything", None, false)
            .await
        {
            Err(Error::Untrusted(TrustError::TimestampOutOfWindow { .. })) => {}
            other => panic!("clock {now}: {other:?}"),
        }
    }
}

/// D15.2: a callback's missing header is a request header; an answer's is a response header.
#[tokio::test]
async fn a_missing_callback_header_is_named_a_request_header() {
    let server = Server::start(vec![Reply::error(500, "UNUSED")]).await;
    let client = client_with_clock(&server.url(), protocol::unix_now());
    for name in [
        protocol::HEADER_TIMESTAMP,
        protocol::HEADER_NONCE,
        protocol::HEADER_SIGNATURE,
        protocol::HEADER_SERIAL,
    ] {
        let (mut headers, body) = callback("TRANSACTION.SUCCESS", "{}", false);
        headers.remove(name);
        let e = client
            .parse_notification::<TransactionEvent>(&headers, &body)
            .await
            .expect_err("missing header");
        assert_eq!(
            e.to_string(),
            format!("callback not trusted: request header `{name}` is missing")
        );
        assert_eq!(e.status(), 401);
        assert!(
            e.response_body().contains("request header"),
            "{}",
            e.response_body()
        );
        assert_eq!(
            TrustError::MissingHeader(name).to_string(),
            format!("response header `{name}` is missing")
        );
    }
}

/// D15.2: a header that is there but not visible ASCII (a 0xB9 byte, Arabic-Indic digits as
/// UTF-8) or sent twice is "not readable", not "missing", for answers and callbacks alike.
#[tokio::test]
async fn a_header_that_is_not_visible_ascii_is_not_readable() {
    let keyring = support::public_key_keyring();
    let now = protocol::unix_now();
    let now_text = now.to_string();
    let arabic: String = now_text
        .chars()
        .map(|c| char::from_u32(0x0660 + c.to_digit(10).unwrap_or(0)).unwrap_or('0'))
        .collect();
    let obs_text = [
        &now_text.as_bytes()[..3],
        b"\xb9",
        &now_text.as_bytes()[4..],
    ]
    .concat();
    for value in [obs_text, arabic.into_bytes()] {
        let mut headers = signed(&now_text, BODY);
        headers.insert(
            protocol::HEADER_TIMESTAMP,
            HeaderValue::from_bytes(&value).expect("obs-text is a legal header value"),
        );
        let e = verify::verify(&keyring, &headers, BODY, now).expect_err("unreadable");
        assert_eq!(e, TrustError::UnreadableHeader(protocol::HEADER_TIMESTAMP));
        assert_eq!(
            e.to_string(),
            "response header `Wechatpay-Timestamp` is not readable (not one value of visible ASCII)"
        );
        let e = NotifyError::Untrusted(e);
        assert_eq!(
            e.to_string(),
            "callback not trusted: request header `Wechatpay-Timestamp` is not readable (not one value of visible ASCII)"
        );
    }
    // A signed header sent twice is ambiguous, even when the first copy is the signed one.
    let mut headers = signed(&now_text, BODY);
    headers.append(
        protocol::HEADER_SERIAL,
        HeaderValue::from_static("PUB_KEY_ID_OTHER"),
    );
    assert_eq!(
        verify::verify(&keyring, &headers, BODY, now),
        Err(TrustError::UnreadableHeader(protocol::HEADER_SERIAL))
    );
    // Through the client, an answer with such a header is refused the same way.
    let server = Server::start(vec![Reply::json(200, r#"{"ok":true}"#)]).await;
    let client = client_with_clock(&server.url(), now);
    let (mut headers, body) = callback("TRANSACTION.SUCCESS", "{}", false);
    headers.insert(
        protocol::HEADER_NONCE,
        HeaderValue::from_bytes(b"\xe2\x80\x8bnonce").expect("obs-text"),
    );
    let e = client
        .parse_notification::<TransactionEvent>(&headers, &body)
        .await
        .expect_err("unreadable");
    assert!(
        matches!(
            e,
            NotifyError::Untrusted(TrustError::UnreadableHeader("Wechatpay-Nonce"))
        ),
        "{e:?}"
    );
}

/// WeChat Pay resends a callback until it is answered: the same signed callback is accepted each
/// time, with the same id for the handler to recognise.
#[tokio::test]
async fn a_replayed_callback_is_accepted_every_time() {
    let server = Server::start(vec![Reply::error(500, "UNUSED")]).await;
    let client = client_with_clock(&server.url(), protocol::unix_now());
    let (headers, body) = callback(
        "TRANSACTION.SUCCESS",
        r#"{"out_trade_no":"T1","trade_state":"SUCCESS"}"#,
        false,
    );
    let mut ids = Vec::new();
    for _ in 0..5 {
        let n = client
            .parse_notification::<TransactionEvent>(&headers, &body)
            .await
            .expect("a replay is accepted");
        ids.push(n.id);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        ids.iter().all(|id| id == "EV-2018022511223320873"),
        "{ids:?}"
    );
    assert!(
        server.seen().is_empty(),
        "nothing is looked up for a replay"
    );
}
