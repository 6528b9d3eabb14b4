//! Certificate mode against a scripted WeChat Pay on 127.0.0.1: which certificate requests name,
//! what a download replaces, that expired certificates are not used, and that callbacks with an
//! unknown serial download certificates, boundedly (issue 12: I1, I2/D5, D15.6).
#![cfg(feature = "client")]

mod support;

use std::time::Duration;

use serde_json::Value;
use support::{
    APIV3_KEY, PUBLIC_KEY_ID, Reply, Server, Signing, TransactionEvent, callback_by,
    certificate_list, fixture, serial_of,
};
use wechatpay_apiv3_runtime::client::{
    AnyErrorCode, Client, ConfigBuilder, Error, Keyring, NotifyError, PlatformCertificate,
    TrustError,
};
use wechatpay_apiv3_runtime::protocol;

const OLD: &str = "platform_old_certificate.pem";
const NEW: &str = "platform_new_certificate.pem";
const EXPIRED: &str = "platform_expired_certificate.pem";
/// The private key of [`OLD`] and [`EXPIRED`].
const OLD_KEY: &str = "java_wechatpay_private_key.pem";
/// The private key of [`NEW`].
const NEW_KEY: &str = "platform_new_private_key.pem";
const CERTIFICATES: &str = "/v3/certificates";
const RESOURCE: &str = r#"{"out_trade_no":"1217752501201407033233368018","trade_state":"SUCCESS"}"#;

fn builder(url: &str) -> ConfigBuilder {
    support::merchant_config(url)
}

fn client_of(config: ConfigBuilder) -> Client {
    Client::new(config.build().expect("config")).expect("client")
}

fn certificate(file: &str) -> PlatformCertificate {
    PlatformCertificate::from_pem(&fixture(file)).expect("certificate")
}

/// An answer signed with `key_file`'s key, naming `file`'s serial.
fn signed_by(file: &str, key_file: &'static str) -> Reply {
    Reply::json(200, r#"{"ok":true}"#).signed(Signing::By(serial_of(file), key_file))
}

async fn get(client: &Client) -> Result<Value, Error<AnyErrorCode>> {
    client
        .call_json(http::Method::GET, "/v3/test/items", None, true)
        .await
}

#[test]
fn the_keyring_prefers_the_newest_valid_certificate_over_the_largest_serial() {
    let now = protocol::unix_now();
    let mut keyring = Keyring::new();
    for file in [OLD, NEW, EXPIRED] {
        keyring.add_certificate(certificate(file));
    }
    // The expired certificate has the largest serial, the newest one the smallest.
    assert!(serial_of(EXPIRED) > serial_of(OLD) && serial_of(OLD) > serial_of(NEW));
    assert_eq!(
        keyring.preferred(now).map(|(s, _)| s.to_string()),
        Some(serial_of(NEW))
    );
    assert!(keyring.get(&serial_of(EXPIRED), now).is_none(), "expired");
    assert!(keyring.get(&serial_of(OLD), now).is_some(), "still valid");
    // Before NEW's notBefore (2026-01-01), OLD is the newest valid one.
    let mid_2025 = 1_750_000_000;
    assert_eq!(
        keyring.preferred(mid_2025).map(|(s, _)| s.to_string()),
        Some(serial_of(OLD))
    );
    assert!(
        keyring.get(&serial_of(NEW), mid_2025).is_none(),
        "not yet valid"
    );
    // The public key, when configured, is what requests name.
    keyring.add_public_key(
        PUBLIC_KEY_ID,
        wechatpay_apiv3_runtime::client::VerifyingKey::from_public_key_pem(&fixture(
            "java_wechatpay_public_key.pem",
        ))
        .expect("public key"),
    );
    assert_eq!(keyring.preferred(now).map(|(s, _)| s), Some(PUBLIC_KEY_ID));
}

/// I1: after a download that lists only a new certificate, requests name it, not the older
/// configured one with the larger serial.
#[tokio::test]
async fn requests_name_the_newest_downloaded_certificate_not_an_older_configured_one() {
    let server = Server::routed(vec![
        (
            CERTIFICATES,
            vec![certificate_list(&[NEW], (&serial_of(NEW), NEW_KEY))],
        ),
        ("", vec![signed_by(NEW, NEW_KEY)]),
    ])
    .await;
    let client = client_of(
        builder(&server.url())
            .platform_certificate(&fixture(OLD))
            .platform_certificate(&fixture(EXPIRED))
            .apiv3_key(APIV3_KEY),
    );
    client.refresh_certificates().await.expect("downloads");
    get(&client)
        .await
        .expect("verified with the new certificate");
    let call = server
        .seen()
        .into_iter()
        .find(|s| s.path_and_query == "/v3/test/items")
        .expect("sent");
    assert_eq!(call.wechatpay_serial, Some(serial_of(NEW)));
}

/// A download replaces what the last one brought: a certificate WeChat Pay no longer lists is
/// dropped; configured certificates stay.
#[tokio::test]
async fn a_download_replaces_the_downloaded_set_and_keeps_configured_certificates() {
    let server = Server::routed(vec![
        (
            CERTIFICATES,
            vec![
                certificate_list(&[OLD], (&serial_of(OLD), OLD_KEY)),
                certificate_list(&[NEW], (&serial_of(NEW), NEW_KEY)),
            ],
        ),
        (
            "",
            vec![
                signed_by(OLD, OLD_KEY),
                signed_by(OLD, OLD_KEY),
                signed_by(NEW, NEW_KEY),
            ],
        ),
    ])
    .await;
    let client = client_of(builder(&server.url()).apiv3_key(APIV3_KEY));
    assert_eq!(client.refresh_certificates().await.expect("first list"), 1);
    get(&client).await.expect("OLD is downloaded");
    assert_eq!(client.refresh_certificates().await.expect("second list"), 1);
    // OLD is gone; asking again within the minute does not download.
    assert_eq!(
        get(&client).await.err().map(|e| e.to_string()),
        Some(
            Error::<AnyErrorCode>::Untrusted(TrustError::UnknownSerial(serial_of(OLD))).to_string()
        )
    );
    get(&client).await.expect("NEW verifies");
    assert_eq!(server.count(CERTIFICATES), 2);

    // The same with OLD configured: it stays after a download that does not list it.
    let server = Server::routed(vec![
        (
            CERTIFICATES,
            vec![certificate_list(&[NEW], (&serial_of(NEW), NEW_KEY))],
        ),
        ("", vec![signed_by(OLD, OLD_KEY)]),
    ])
    .await;
    let client = client_of(
        builder(&server.url())
            .platform_certificate(&fixture(OLD))
            .apiv3_key(APIV3_KEY),
    );
    client.refresh_certificates().await.expect("downloads");
    get(&client)
        .await
        .expect("the configured OLD still verifies");
}

#[tokio::test]
async fn expired_certificates_verify_nothing_and_encrypt_nothing() {
    let server = Server::start(vec![signed_by(EXPIRED, OLD_KEY)]).await;
    // No APIv3 key: nothing can be downloaded, only the configured, expired certificate is held.
    let client = client_of(builder(&server.url()).platform_certificate(&fixture(EXPIRED)));
    match get(&client).await {
        Err(Error::Untrusted(TrustError::UnknownSerial(s))) => assert_eq!(s, serial_of(EXPIRED)),
        other => panic!("an expired certificate verified: {other:?}"),
    }
    assert_eq!(
        server.seen()[0].wechatpay_serial,
        None,
        "no valid key to name"
    );

    // A download that lists only an expired certificate cannot be trusted either.
    let server = Server::routed(vec![(
        CERTIFICATES,
        vec![certificate_list(&[EXPIRED], (&serial_of(EXPIRED), OLD_KEY))],
    )])
    .await;
    let client = client_of(builder(&server.url()).apiv3_key(APIV3_KEY));
    match client.refresh_certificates().await {
        Err(Error::Untrusted(TrustError::UnknownSerial(s))) => assert_eq!(s, serial_of(EXPIRED)),
        other => panic!("expected the download refused, got {other:?}"),
    }
}

/// I2/D5: a webhook process that has made no call yet downloads certificates for the callback's
/// serial, once, and accepts it.
#[tokio::test]
async fn a_callback_with_an_unknown_serial_downloads_the_certificates_once() {
    let server = Server::routed(vec![(
        CERTIFICATES,
        vec![certificate_list(&[OLD], (&serial_of(OLD), OLD_KEY))],
    )])
    .await;
    let client = client_of(builder(&server.url()).apiv3_key(APIV3_KEY));
    let (headers, body) = callback_by(OLD_KEY, &serial_of(OLD), "TRANSACTION.SUCCESS", RESOURCE);
    for _ in 0..3 {
        let n = client
            .parse_notification::<TransactionEvent>(&headers, &body)
            .await
            .expect("accepted after the download");
        assert_eq!(n.event.trade_state, "SUCCESS");
    }
    assert_eq!(server.count(CERTIFICATES), 1);
}

/// The one callback entry point (`parse_callback`, typed by a notification set) downloads the
/// certificates for an unknown serial exactly as `parse_notification` does.
#[tokio::test]
async fn the_callback_entry_point_downloads_the_certificates_once_too() {
    struct Transactions;
    impl wechatpay_apiv3_runtime::NotificationSet for Transactions {
        fn kinds() -> Vec<(&'static str, &'static str)> {
            vec![("TRANSACTION.SUCCESS", "transaction")]
        }
        fn decode(
            _: &wechatpay_apiv3_runtime::DecryptedResource<'_>,
        ) -> Option<Result<Self, wechatpay_apiv3_runtime::ResourceShapeError>> {
            Some(Ok(Transactions))
        }
    }
    let server = Server::routed(vec![(
        CERTIFICATES,
        vec![certificate_list(&[OLD], (&serial_of(OLD), OLD_KEY))],
    )])
    .await;
    let client = client_of(builder(&server.url()).apiv3_key(APIV3_KEY));
    let (headers, body) = callback_by(OLD_KEY, &serial_of(OLD), "TRANSACTION.SUCCESS", RESOURCE);
    for _ in 0..3 {
        let received = client
            .parse_callback::<Transactions>(&headers, &body)
            .await
            .expect("accepted after the download");
        assert!(matches!(
            received,
            wechatpay_apiv3_runtime::client::Received::Known(_)
        ));
    }
    assert_eq!(server.count(CERTIFICATES), 1);
}

/// A flood of callbacks naming made-up serials makes at most one download per rate-limit
/// interval, however many arrive at once; each is refused as "not verified", not "untrusted".
#[tokio::test]
async fn a_flood_of_callbacks_with_random_serials_makes_one_download() {
    let server = Server::routed(vec![(
        CERTIFICATES,
        vec![
            certificate_list(&[OLD], (&serial_of(OLD), OLD_KEY))
                .delayed(Duration::from_millis(200)),
        ],
    )])
    .await;
    let client = client_of(builder(&server.url()).apiv3_key(APIV3_KEY));
    let mut tasks = Vec::new();
    for i in 0..200_u32 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let serial = format!(
                "{:040X}",
                u128::from(i).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xA5
            );
            let (headers, body) = callback_by(OLD_KEY, &serial, "TRANSACTION.SUCCESS", RESOURCE);
            let e = client
                .parse_notification::<TransactionEvent>(&headers, &body)
                .await
                .expect_err("no such key");
            (serial, e)
        }));
    }
    for task in tasks {
        let (serial, e) = task.await.expect("task");
        assert!(
            matches!(&e, NotifyError::Untrusted(TrustError::UnknownSerial(s)) if *s == serial),
            "{e:?}"
        );
        assert_eq!(e.status(), 401);
        let text = e.to_string();
        assert!(text.starts_with("callback not verified"), "{text}");
        assert!(
            !text.contains("untrusted") && !text.contains("not trusted"),
            "{text}"
        );
        assert!(text.contains(&serial), "{text}");
    }
    assert_eq!(
        server.count(CERTIFICATES),
        1,
        "one download for the whole flood"
    );
}

/// Public-key mode never downloads: an unknown serial is refused at once.
#[tokio::test]
async fn public_key_mode_refuses_unknown_callback_serials_without_downloading() {
    let server = Server::start(vec![Reply::error(500, "UNEXPECTED")]).await;
    let client = client_of(
        builder(&server.url())
            .wechatpay_public_key(PUBLIC_KEY_ID, &fixture("java_wechatpay_public_key.pem"))
            .apiv3_key(APIV3_KEY),
    );
    let (headers, body) = callback_by(OLD_KEY, &serial_of(OLD), "TRANSACTION.SUCCESS", RESOURCE);
    let e = client
        .parse_notification::<TransactionEvent>(&headers, &body)
        .await
        .expect_err("unknown serial");
    assert!(
        matches!(e, NotifyError::Untrusted(TrustError::UnknownSerial(_))),
        "{e:?}"
    );
    assert!(server.seen().is_empty());
}

/// The certificate list is the generated operation sent through the client's orchestrator: a
/// `500 SYSTEM_ERROR` (documented `retry: true` for this read) is retried like any call, and the
/// list the second attempt brings is trusted.
#[tokio::test]
async fn the_certificate_list_is_retried_by_the_orchestrator() {
    let server = Server::routed(vec![(
        CERTIFICATES,
        vec![
            Reply::error(500, "SYSTEM_ERROR"),
            certificate_list(&[OLD], (&serial_of(OLD), OLD_KEY)),
        ],
    )])
    .await;
    let retry = wechatpay_apiv3_runtime::client::RetryPolicy {
        max_attempts: 2,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(10),
    };
    let client = client_of(builder(&server.url()).apiv3_key(APIV3_KEY).retry(retry));
    assert_eq!(
        client.refresh_certificates().await.expect("second attempt"),
        1
    );
    assert_eq!(server.count(CERTIFICATES), 2, "one retry");

    // A list that is not the documented shape is a decode error naming where it broke.
    let server = Server::routed(vec![(
        CERTIFICATES,
        vec![
            Reply::json(200, r#"{"data":[{"serial_no":"01"}]}"#)
                .signed(Signing::By(serial_of(OLD), OLD_KEY)),
        ],
    )])
    .await;
    let client = client_of(builder(&server.url()).apiv3_key(APIV3_KEY));
    match client.refresh_certificates().await {
        Err(Error::Decode(e)) => assert!(e.to_string().contains("effective_time"), "{e}"),
        other => panic!("expected a decode error, got {other:?}"),
    }
}
