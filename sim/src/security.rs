//! Real security in both directions: requests must carry a valid merchant signature, answers are
//! signed with the simulator's platform key, and certificates are served encrypted.

use wechatpay_apiv3_runtime::client::crypto::{
    self, ApiV3Key, MerchantKey, PlatformCertificate, VerifyingKey,
};
use wechatpay_apiv3_runtime::protocol::{self, TimestampError};

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
    /// The key that signs answers (the platform private key); shared with the state, which opens
    /// the request fields clients encrypt to it where it must read them (an account number it
    /// masks).
    pub platform_key: std::sync::Arc<MerchantKey>,
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
            platform_key: std::sync::Arc::new(
                MerchantKey::from_pem(include_bytes!("../fixtures/java_wechatpay_private_key.pem"))
                    .map_err(|e| e.0)?,
            ),
            platform_certificate_pem: include_bytes!("../fixtures/platform_certificate.pem")
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
        let parts = protocol::parse_authorization(header)
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
        protocol::check_timestamp(now(), &parts.timestamp).map_err(|e| match e {
            TimestampError::NotANumber => "the timestamp is not a number".to_string(),
            TimestampError::OutOfWindow { .. } => {
                "the timestamp in Authorization is more than 5 minutes from the request time".into()
            }
        })?;
        let message = protocol::signing_message(
            method,
            path_and_query,
            &parts.timestamp,
            &parts.nonce,
            signed_body,
        );
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
        let timestamp = now().saturating_sub(skew.unwrap_or(0)).to_string();
        let nonce = crypto::nonce();
        let signature = if faults.contains(&Fault::SignTest) {
            format!("{}{}", protocol::PROBE_PREFIX, "A".repeat(32))
        } else {
            self.platform_key
                .sign(&protocol::verify_message(&timestamp, &nonce, body))
                .unwrap_or_default()
        };
        let serial = if faults.contains(&Fault::WrongSerial) {
            "PUB_KEY_ID_NOT_A_KEY_OF_OURS".to_string()
        } else {
            self.signing_serial()
        };
        vec![
            (protocol::HEADER_TIMESTAMP, timestamp),
            (protocol::HEADER_NONCE, nonce),
            (protocol::HEADER_SIGNATURE, signature),
            (protocol::HEADER_SERIAL, serial),
            (
                protocol::HEADER_SIGNATURE_TYPE,
                protocol::AUTHORIZATION_SCHEME.into(),
            ),
        ]
    }

    /// The platform certificates `GET /v3/certificates` lists: the one answers are signed with
    /// in certificate mode, sealed with the APIv3 key.
    pub fn platform_certificates(&self) -> crate::state::Platform {
        crate::state::Platform::new(
            self.platform_certificate_pem.clone(),
            self.apiv3_key.clone(),
        )
    }
}

/// Unix seconds now (the protocol's clock).
pub fn now() -> i64 {
    protocol::unix_now()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// D7: the timestamp is read from an unsigned request, so no value of it may panic.
    #[test]
    fn extreme_request_timestamps_are_refused_without_panicking() {
        let config = SimConfig::fixture().expect("fixture identity");
        for timestamp in [
            i64::MIN.to_string(),
            "-9223372036854775000".into(),
            i64::MAX.to_string(),
            "-1".into(),
            (now() - 300).to_string(),
            (now() + 300).to_string(),
        ] {
            let header = protocol::authorization(
                FIXTURE_MCHID,
                FIXTURE_MERCHANT_SERIAL,
                &timestamp,
                "n",
                "c2ln",
            );
            assert_eq!(
                config.check_request(Some(&header), "GET", "/v3/x", b""),
                Err(
                    "the timestamp in Authorization is more than 5 minutes from the request time"
                        .to_string()
                ),
                "{timestamp}"
            );
        }
    }

    #[test]
    fn a_request_signed_now_passes() {
        let config = SimConfig::fixture().expect("fixture identity");
        let key = MerchantKey::from_pem(FIXTURE_MERCHANT_PRIVATE_KEY).expect("key");
        let header = wechatpay_apiv3_runtime::client::sign::authorization(
            FIXTURE_MCHID,
            FIXTURE_MERCHANT_SERIAL,
            &key,
            "GET",
            "/v3/x",
            now(),
            "n",
            b"",
        )
        .expect("signs");
        assert_eq!(
            config.check_request(Some(&header), "GET", "/v3/x", b""),
            Ok(())
        );
    }
}
