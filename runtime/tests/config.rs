//! Configuration: typed errors listing every problem, getters, and the backup-host rule (another
//! `base_url` without a `backup_url` means no backup host).
#![cfg(feature = "client")]

use wechatpay_apiv3_runtime::client::{
    BACKUP_URL, Client, Config, ConfigProblem, MerchantKey, PRIMARY_URL, RetryPolicy,
};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

fn key() -> MerchantKey {
    MerchantKey::from_pem(&fixture("java_merchant_private_key.pem")).expect("key")
}

const PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0000000000000024101100397200000006";

#[test]
fn every_problem_is_reported_typed_and_named() {
    let err = Config::builder("", "SERIAL", key())
        .apiv3_key("too short")
        .wechatpay_public_key(PUBLIC_KEY_ID, b"not a pem")
        .base_url("ftp://example.com")
        .build()
        .expect_err("refused");
    let settings: Vec<&str> = err
        .problems
        .iter()
        .filter_map(|p| match p {
            ConfigProblem::Key { setting, .. } => Some(*setting),
            ConfigProblem::BadUrl { setting, .. } => Some(*setting),
            _ => None,
        })
        .collect();
    assert_eq!(settings, ["apiv3_key", "wechatpay_public_key", "base_url"]);
    assert!(err.problems.contains(&ConfigProblem::NoVerificationKey));
    assert!(err.problems.contains(&ConfigProblem::MissingMerchantId));
    let text = err.to_string();
    assert!(
        text.contains("apiv3_key: the APIv3 key must be exactly 32 bytes (got 9)"),
        "{text}"
    );
    let as_std: &dyn std::error::Error = &err;
    assert!(as_std.source().is_some(), "the key error is the source");
}

#[test]
fn getters_show_the_configuration_but_no_key() {
    let config = Config::builder("1900000001", "SERIAL_1", key())
        .wechatpay_public_key(PUBLIC_KEY_ID, &fixture("java_wechatpay_public_key.pem"))
        .apiv3_key("a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb")
        .retry(RetryPolicy::none())
        .build()
        .expect("valid");
    assert_eq!(config.mchid(), "1900000001");
    assert_eq!(config.merchant_serial(), "SERIAL_1");
    assert_eq!(config.base_url(), PRIMARY_URL);
    assert_eq!(
        config.backup_url(),
        Some(BACKUP_URL),
        "production keeps its backup host"
    );
    assert_eq!(config.retry(), &RetryPolicy::none());
    assert!(config.has_apiv3_key());
    assert!(!format!("{config:?}").contains("a7cde1"), "no key in Debug");
}

fn with_hosts(
    f: impl FnOnce(
        wechatpay_apiv3_runtime::client::ConfigBuilder,
    ) -> wechatpay_apiv3_runtime::client::ConfigBuilder,
) -> Config {
    f(Config::builder("1900000001", "SERIAL_1", key())
        .wechatpay_public_key(PUBLIC_KEY_ID, &fixture("java_wechatpay_public_key.pem")))
    .build()
    .expect("valid")
}

#[test]
fn another_base_url_without_a_backup_url_has_no_backup_host() {
    let proxy = with_hosts(|b| b.base_url("http://127.0.0.1:9/"));
    assert_eq!(proxy.base_url(), "http://127.0.0.1:9");
    assert_eq!(
        proxy.backup_url(),
        None,
        "a stand-in that is down must not fall over to production"
    );

    let both = with_hosts(|b| {
        b.base_url("https://proxy.example")
            .backup_url(Some("https://proxy2.example".into()))
    });
    assert_eq!(both.backup_url(), Some("https://proxy2.example"));
    // The order of the two calls does not matter.
    let reversed = with_hosts(|b| {
        b.backup_url(Some("https://proxy2.example".into()))
            .base_url("https://proxy.example")
    });
    assert_eq!(reversed.backup_url(), Some("https://proxy2.example"));
}

#[tokio::test]
async fn a_call_to_a_down_stand_in_fails_without_trying_a_backup() {
    // Port 9 (discard) has no listener here: the attempt fails to connect, and with no backup
    // host the error names the stand-in, not a production host.
    let client = Client::new(with_hosts(|b| {
        b.base_url("http://127.0.0.1:9").retry(RetryPolicy::none())
    }))
    .expect("client");
    assert_eq!(client.config().backup_url(), None);
    let err = client
        .call_json(http::Method::GET, "/v3/certificates", None, true)
        .await
        .expect_err("nothing listens");
    assert!(
        matches!(err, wechatpay_apiv3_runtime::client::Error::Unreachable(_)),
        "{err}"
    );
    assert!(err.to_string().contains("127.0.0.1:9"), "{err}");
}

/// Certificate mode downloads certificates, so the operation that lists them must be given:
/// without it the configuration is refused, naming the setting and the way to give it; with the
/// generated crate's source (or in public-key mode) it builds.
#[test]
fn certificate_mode_needs_the_certificate_source() {
    let err = Config::builder("1900000001", "SERIAL_1", key())
        .apiv3_key("a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb")
        .build()
        .expect_err("no way to list certificates");
    assert_eq!(err.problems, [ConfigProblem::NoCertificateSource]);
    let text = err.to_string();
    assert!(
        text.starts_with("invalid client configuration: certificate_source: certificate mode"),
        "{text}"
    );
    assert!(text.contains("wechatpay_apiv3::config("), "{text}");

    let config = wechatpay_apiv3::config("1900000001", "SERIAL_1", key())
        .apiv3_key("a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb")
        .build()
        .expect("the generated certificate list is installed");
    let shown = format!("{config:?}");
    assert!(
        shown.contains("CertificateSource(\"certificates.download_certificates\")"),
        "{shown}"
    );
    Config::builder("1900000001", "SERIAL_1", key())
        .wechatpay_public_key(PUBLIC_KEY_ID, &fixture("java_wechatpay_public_key.pem"))
        .apiv3_key("a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb")
        .build()
        .expect("public-key mode downloads nothing");
}
