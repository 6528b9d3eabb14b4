//! Real security in both directions: requests must carry a valid merchant signature, answers are
//! signed with the simulator's platform key, and certificates are served encrypted.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;
use wechatpay_apiv3_runtime::client::crypto::{
    ApiV3Key, MerchantKey, PlatformCertificate, VerifyingKey,
};
use wechatpay_apiv3_runtime::client::sign::{parse_authorization, signing_message};
use wechatpay_apiv3_runtime::client::verify::{MAX_CLOCK_SKEW_SECS, PROBE_PREFIX};

use crate::faults::Fault;

/// Which kind of key the simulator signs answers with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SigningMode {
    /// The WeChat Pay public key mode: `Wechatpay-Serial` is this `PUB_KEY_ID_...`.
    PublicKey(String),
    /// Platform-certificate mode: `Wechatpay-Serial` is the certificate's serial.
    Certificate,
}

/// The simulator's identity and the merchant it accepts.
pub struct SimConfig {
    /// The merchant id requests must carry.
    pub mchid: String,
    /// The merchant certificate serial requests must name.
    pub merchant_serial: String,
    /// The merchant's public key, to check request signatures.
    pub merchant_key: VerifyingKey,
    /// The key that signs answers (the platform private key).
    pub platform_key: MerchantKey,
    /// The platform certificate PEM (served by `GET /v3/certificates`).
    pub platform_certificate_pem: Vec<u8>,
    /// How answers are signed.
    pub mode: SigningMode,
    /// The APIv3 key (encrypts certificates and callbacks).
    pub apiv3_key: ApiV3Key,
}

/// The default merchant id of the fixture identity.
pub const FIXTURE_MCHID: &str = "1900000001";
/// The default merchant certificate serial.
pub const FIXTURE_MERCHANT_SERIAL: &str = "5F1C72E2A8931B72A2E13AF8DEE92471EB397115";
/// The default WeChat Pay public key id.
pub const FIXTURE_PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0000000000000024101100397200000006";
/// The default APIv3 key.
pub const FIXTURE_APIV3_KEY: &str = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
/// The fixture merchant private key (public test material), for clients of the simulator.
pub const FIXTURE_MERCHANT_PRIVATE_KEY: &[u8] =
    include_bytes!("../fixtures/java_merchant_private_key.pem");
/// The fixture merchant certificate (public test material; its serial is
/// [`FIXTURE_MERCHANT_SERIAL`]).
pub const FIXTURE_MERCHANT_CERTIFICATE: &[u8] =
    include_bytes!("../fixtures/java_merchant_certificate.pem");
/// The fixture WeChat Pay public key, for clients of the simulator.
pub const FIXTURE_WECHATPAY_PUBLIC_KEY: &[u8] =
    include_bytes!("../fixtures/java_wechatpay_public_key.pem");

impl SimConfig {
    /// The public fixture identity, in public-key mode: works with no credentials.
    pub fn fixture() -> Result<Self, String> {
        let merchant_cert =
            PlatformCertificate::from_pem(FIXTURE_MERCHANT_CERTIFICATE).map_err(|e| e.0)?;
        Ok(Self {
            mchid: FIXTURE_MCHID.into(),
            merchant_serial: FIXTURE_MERCHANT_SERIAL.into(),
            merchant_key: merchant_cert.key,
            platform_key: MerchantKey::from_pem(include_bytes!(
                "../fixtures/java_wechatpay_private_key.pem"
            ))
            .map_err(|e| e.0)?,
            // A certificate valid today: SDKs that check validity dates (wechatpayv3) drop an
            // expired one, as they would drop one from the real API.
            platform_certificate_pem: include_bytes!("../fixtures/sim_wechatpay_certificate.pem")
                .to_vec(),
            mode: SigningMode::PublicKey(FIXTURE_PUBLIC_KEY_ID.into()),
            apiv3_key: ApiV3Key::new(FIXTURE_APIV3_KEY).map_err(|e| e.0)?,
        })
    }

    /// The serial answers name.
    pub fn signing_serial(&self) -> String {
        match &self.mode {
            SigningMode::PublicKey(id) => id.clone(),
            SigningMode::Certificate => self.platform_certificate_serial(),
        }
    }

    /// The serial of the platform certificate `/v3/certificates` serves.
    pub fn platform_certificate_serial(&self) -> String {
        PlatformCertificate::from_pem(&self.platform_certificate_pem)
            .map(|c| c.serial)
            .unwrap_or_default()
    }

    /// Checks a request's Authorization header; the reason when it fails.
    pub fn check_request(
        &self,
        authorization: Option<&str>,
        method: &str,
        path_and_query: &str,
        signed_body: &[u8],
    ) -> Result<(), String> {
        let header = authorization.ok_or("the Authorization header is missing")?;
        let parts = parse_authorization(header)
            .ok_or("the Authorization header is not WECHATPAY2-SHA256-RSA2048 with five fields")?;
        if parts.mchid != self.mchid {
            return Err(format!("mchid `{}` is not this merchant", parts.mchid));
        }
        if parts.serial_no != self.merchant_serial {
            return Err(format!(
                "serial_no `{}` is not the merchant certificate's",
                parts.serial_no
            ));
        }
        let ts: i64 = parts
            .timestamp
            .parse()
            .map_err(|_| "the timestamp is not a number".to_string())?;
        if (now() - ts).abs() > MAX_CLOCK_SKEW_SECS {
            return Err(
                "the timestamp in Authorization is more than 5 minutes from the request time"
                    .into(),
            );
        }
        let message = signing_message(method, path_and_query, ts, &parts.nonce, signed_body);
        if self.merchant_key.verify(&message, &parts.signature) {
            Ok(())
        } else {
            Err("the signature does not verify".into())
        }
    }

    /// The `Wechatpay-*` headers for an answer body, as the faults say.
    pub fn sign_answer(&self, body: &[u8], faults: &[Fault]) -> Vec<(&'static str, String)> {
        if faults.contains(&Fault::MissingSignatureHeaders) {
            return Vec::new();
        }
        let skew = faults.iter().find_map(|f| match f {
            Fault::StaleTimestamp(d) => i64::try_from(d.as_secs()).ok(),
            _ => None,
        });
        let timestamp = (now() - skew.unwrap_or(0)).to_string();
        let nonce = wechatpay_apiv3_runtime::client::crypto::nonce();
        let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
        message.extend_from_slice(body);
        message.push(b'\n');
        let signature = if faults.contains(&Fault::SignTest) {
            format!("{PROBE_PREFIX}{}", "A".repeat(32))
        } else {
            self.platform_key.sign(&message).unwrap_or_default()
        };
        let serial = if faults.contains(&Fault::WrongSerial) {
            "PUB_KEY_ID_NOT_A_KEY_OF_OURS".to_string()
        } else {
            self.signing_serial()
        };
        vec![
            ("Wechatpay-Timestamp", timestamp),
            ("Wechatpay-Nonce", nonce),
            ("Wechatpay-Signature", signature),
            ("Wechatpay-Serial", serial),
            (
                "Wechatpay-Signature-Type",
                "WECHATPAY2-SHA256-RSA2048".into(),
            ),
        ]
    }

    /// The body of `GET /v3/certificates`: the platform certificate, encrypted with the APIv3 key.
    pub fn certificates_body(&self) -> Result<Vec<u8>, String> {
        let cert =
            PlatformCertificate::from_pem(&self.platform_certificate_pem).map_err(|e| e.0)?;
        let nonce = &wechatpay_apiv3_runtime::client::crypto::nonce()[..12];
        let ciphertext = self
            .apiv3_key
            .encrypt(nonce, "certificate", &self.platform_certificate_pem)
            .map_err(|e| e.0)?;
        let body = json!({ "data": [{
            "serial_no": cert.serial,
            "effective_time": "2021-01-01T00:00:00+08:00",
            "expire_time": "2121-01-01T00:00:00+08:00",
            "encrypt_certificate": { "algorithm": "AEAD_AES_256_GCM", "associated_data": "certificate", "nonce": nonce, "ciphertext": ciphertext }
        }]});
        serde_json::to_vec(&body).map_err(|e| e.to_string())
    }
}

/// Unix seconds now.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
