//! `GET /v3/certificates` from the simulator's certificate state: routed, checked and counted like
//! every operation of spec/, answered by this rule from the platform certificates the simulator
//! signs with, each sealed with the APIv3 key as WeChat Pay seals them.

use serde_json::{Value, json};
use wechatpay_apiv3_runtime::client::crypto::{self, ApiV3Key, PlatformCertificate};
use wechatpay_apiv3_runtime::protocol;

use super::engine::Engine;
use super::rules::Rule;
use super::{Call, Outcome};
use crate::handler::Answer;

pub static RULES: &[Rule] = &[Rule {
    whole: Some(list),
    ..Rule::new("certificates.download_certificates")
}];

/// The platform certificates a simulator lists: the one it signs with, and the key that seals it.
#[derive(Clone)]
pub struct Platform {
    certificate_pem: Vec<u8>,
    apiv3_key: ApiV3Key,
}

impl Platform {
    /// The certificate `certificate_pem`, sealed with `apiv3_key` when listed.
    pub fn new(certificate_pem: Vec<u8>, apiv3_key: ApiV3Key) -> Self {
        Self {
            certificate_pem,
            apiv3_key,
        }
    }

    /// The list: the certificate with its own validity period, freshly sealed (a new nonce
    /// each time).
    pub fn list(&self) -> Result<Value, String> {
        let cert = PlatformCertificate::from_pem(&self.certificate_pem).map_err(|e| e.0)?;
        let nonce = &crypto::aead_nonce();
        let ciphertext = self
            .apiv3_key
            .encrypt(nonce, "certificate", &self.certificate_pem)
            .map_err(|e| e.0)?;
        Ok(json!({ "data": [{
            "serial_no": cert.serial,
            "effective_time": super::rfc3339(cert.not_before)?,
            "expire_time": super::rfc3339(cert.not_after)?,
            "encrypt_certificate": {
                "algorithm": protocol::AEAD_ALGORITHM, "associated_data": "certificate",
                "nonce": nonce, "ciphertext": ciphertext,
            }
        }]}))
    }
}

fn list(engine: &mut Engine<'_>, _: &Call<'_>) -> Outcome {
    match engine.world.platform.as_ref().map(Platform::list) {
        Some(Ok(body)) => Outcome::unchanged(Answer::json(200, &body)),
        Some(Err(e)) => Outcome::error(500, "SYSTEM_ERROR", &e),
        None => Outcome::error(
            500,
            "SYSTEM_ERROR",
            "the simulator has no platform certificate",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::{FIXTURE_APIV3_KEY, SimConfig};

    #[test]
    fn the_list_states_the_certificate_s_own_validity_and_opens_with_the_apiv3_key() {
        let config = SimConfig::fixture().expect("fixture identity");
        let key = ApiV3Key::new(FIXTURE_APIV3_KEY).expect("key");
        let body = config.platform_certificates().list().expect("list");
        let item = &body["data"][0];
        assert_eq!(item["serial_no"], config.platform_certificate_serial());
        assert_eq!(item["effective_time"], "2024-01-01T08:00:00+08:00");
        assert_eq!(item["expire_time"], "2124-01-01T08:00:00+08:00");
        let sealed = &item["encrypt_certificate"];
        let pem = key
            .decrypt(
                sealed["nonce"].as_str().expect("nonce"),
                sealed["associated_data"].as_str().expect("associated data"),
                sealed["ciphertext"].as_str().expect("ciphertext"),
            )
            .expect("opens");
        assert_eq!(pem, config.platform_certificate_pem);
    }
}
