//! Platform certificates and the keyring: which WeChat Pay key verifies, which one requests name,
//! and the download that keeps certificate mode current.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use http::HeaderMap;

use super::crypto::{PlatformCertificate, VerifyingKey};
use super::{AnyErrorCode, Client, Error, Outgoing, TrustError, verify};

/// WeChat Pay's verification keys by the id `Wechatpay-Serial` names: the public key id
/// (`PUB_KEY_ID_...`) and/or platform certificate serials, both at once during a migration.
#[derive(Clone, Debug, Default)]
pub struct Keyring {
    keys: BTreeMap<String, VerifyingKey>,
    public_key_id: Option<String>,
}

impl Keyring {
    /// No keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the WeChat Pay public key (微信支付公钥) under its id. Requests then name it in
    /// `Wechatpay-Serial`, and sensitive fields are encrypted with it.
    pub fn add_public_key(&mut self, id: impl Into<String>, key: VerifyingKey) {
        let id = id.into();
        self.public_key_id = Some(id.clone());
        self.keys.insert(id, key);
    }

    /// Adds a platform certificate (平台证书) under its serial.
    pub fn add_certificate(&mut self, cert: PlatformCertificate) {
        self.keys.insert(cert.serial, cert.key);
    }

    /// The key for exactly this id, if held.
    pub fn get(&self, serial: &str) -> Option<&VerifyingKey> {
        self.keys.get(serial)
    }

    /// The id requests send in `Wechatpay-Serial` and encrypt with: the public key when there is
    /// one, else the newest-looking certificate serial.
    pub fn preferred(&self) -> Option<(&str, &VerifyingKey)> {
        match &self.public_key_id {
            Some(id) => self
                .keys
                .get_key_value(id.as_str())
                .map(|(k, v)| (k.as_str(), v)),
            None => self.keys.iter().next_back().map(|(k, v)| (k.as_str(), v)),
        }
    }

    /// How many keys are held.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether only the public key is used (no certificate refresh needed).
    pub fn is_public_key_mode(&self) -> bool {
        self.public_key_id.is_some() && self.keys.len() == 1
    }
}

/// How often certificates may be downloaded because a response named an unknown serial.
const CERT_REFRESH_MIN_INTERVAL: Duration = Duration::from_secs(60);
/// How old downloaded certificates may get before they are refreshed on the next call.
const CERT_REFRESH_PERIOD: Duration = Duration::from_secs(12 * 3600);

impl Client {
    /// Verifies a success response; an unknown serial in certificate mode triggers one
    /// rate-limited certificate download, then verification is tried once more.
    pub(super) async fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), TrustError> {
        let now = (self.inner.config.clock)();
        let first = verify::verify(&*self.inner.keyring.read().await, headers, body, now);
        match first {
            Err(TrustError::UnknownSerial(serial)) if self.can_download_certificates().await => {
                if self.refresh_certificates().await.is_err() {
                    return Err(TrustError::UnknownSerial(serial));
                }
                verify::verify(&*self.inner.keyring.read().await, headers, body, now).map(|_| ())
            }
            other => other.map(|_| ()),
        }
    }

    async fn can_download_certificates(&self) -> bool {
        // Public-key mode needs no certificates: an unknown serial there is simply untrusted.
        if self.inner.config.apiv3_key.is_none()
            || self.inner.keyring.read().await.is_public_key_mode()
        {
            return false;
        }
        let last = *self.inner.refreshed.lock().await;
        last.is_none_or(|t| t.elapsed() >= CERT_REFRESH_MIN_INTERVAL)
    }

    /// Downloads and decrypts the platform certificates (`GET /v3/certificates`) and adds them
    /// to the keyring. The download is authenticated by the APIv3 key that decrypts it, and its
    /// signature must verify with one of the certificates it carries.
    pub async fn refresh_certificates(&self) -> Result<usize, Error<AnyErrorCode>> {
        let mut last = self.inner.refreshed.lock().await;
        *last = Some(Instant::now());
        let key =
            self.inner.config.apiv3_key.clone().ok_or_else(|| {
                Error::Config("downloading certificates needs the APIv3 key".into())
            })?;
        let out = Outgoing::unverified_get("certificates.download", "/v3/certificates".into());
        let deadline = Instant::now() + self.inner.config.timeouts.total;
        let (headers, body) = self
            .exchange(&self.inner.config.base_url, &out, deadline)
            .await?;
        let list: CertificateList = crate::decode::json(&body).map_err(Error::Decode)?;
        let mut fresh = Keyring::new();
        for item in &list.data {
            let e = &item.encrypt_certificate;
            let pem = key
                .decrypt(&e.nonce, &e.associated_data, &e.ciphertext)
                .map_err(|err| Error::Config(err.0))?;
            let cert = PlatformCertificate::from_pem(&pem).map_err(|err| Error::Config(err.0))?;
            fresh.add_certificate(cert);
        }
        verify::verify(&fresh, &headers, &body, (self.inner.config.clock)())
            .map_err(Error::Untrusted)?;
        let mut keyring = self.inner.keyring.write().await;
        for item in &list.data {
            if let Some(k) = fresh.get(&item.serial_no) {
                keyring.add_certificate(PlatformCertificate {
                    serial: item.serial_no.clone(),
                    key: k.clone(),
                });
            }
        }
        Ok(list.data.len())
    }

    /// Refreshes certificates when they are older than the refresh period (certificate mode).
    pub async fn refresh_certificates_if_stale(&self) -> Result<(), Error<AnyErrorCode>> {
        let stale = {
            self.inner
                .refreshed
                .lock()
                .await
                .is_none_or(|t| t.elapsed() >= CERT_REFRESH_PERIOD)
        };
        let public_key_mode = self.inner.keyring.read().await.is_public_key_mode();
        if stale && !public_key_mode && self.inner.config.apiv3_key.is_some() {
            self.refresh_certificates().await?;
        }
        Ok(())
    }
}

#[derive(serde::Deserialize)]
struct CertificateList {
    data: Vec<CertificateItem>,
}

#[derive(serde::Deserialize)]
struct CertificateItem {
    serial_no: String,
    encrypt_certificate: EncryptedCertificate,
}

#[derive(serde::Deserialize)]
struct EncryptedCertificate {
    nonce: String,
    associated_data: String,
    ciphertext: String,
}
