//! Platform certificates and the keyring: which WeChat Pay key verifies, which one requests name,
//! and the refresher that keeps certificate mode current.
//!
//! The certificate list itself is the generated `GET /v3/certificates` operation (its request and
//! response types are the only definition of that endpoint); it reaches the client as a
//! [`CertificateSource`] and is sent through the one orchestrator. What the runtime adds is the
//! part no spec can say: decryption with the APIv3 key, verification of the list with the
//! certificates it carries, and which serials are trusted for how long.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use http::HeaderMap;

use super::crypto::{ApiV3Key, PlatformCertificate, VerifyingKey};
use super::notify::NotifyError;
use super::{AnyErrorCode, Client, Error, RequestOptions, TrustError, Verification, verify};
use crate::{BuildError, Operation};

/// WeChat Pay's verification keys by the id `Wechatpay-Serial` names: the public key id
/// (`PUB_KEY_ID_...`) and/or platform certificate serials, both at once during a migration.
///
/// Certificates come from the configuration (kept for the client's life) or from the last
/// download (replaced by the next one, so a certificate WeChat Pay no longer lists is dropped).
/// A certificate is used only while it is valid, by the clock verification uses.
#[derive(Clone, Debug, Default)]
pub struct Keyring {
    public_key: Option<(String, VerifyingKey)>,
    configured: BTreeMap<String, PlatformCertificate>,
    downloaded: BTreeMap<String, PlatformCertificate>,
}

impl Keyring {
    /// No keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the WeChat Pay public key (微信支付公钥) and its id. Requests then name it in
    /// `Wechatpay-Serial`, and sensitive fields are encrypted with it.
    pub fn add_public_key(&mut self, id: impl Into<String>, key: VerifyingKey) {
        self.public_key = Some((id.into(), key));
    }

    /// Adds a platform certificate (平台证书) under its serial, for the keyring's life.
    pub fn add_certificate(&mut self, cert: PlatformCertificate) {
        self.configured.insert(cert.serial.clone(), cert);
    }

    /// Replaces the downloaded certificates with `certs` (the configured ones stay).
    pub fn replace_downloaded(&mut self, certs: impl IntoIterator<Item = PlatformCertificate>) {
        self.downloaded = certs.into_iter().map(|c| (c.serial.clone(), c)).collect();
    }

    fn certificates(&self) -> impl Iterator<Item = &PlatformCertificate> {
        self.configured.values().chain(self.downloaded.values())
    }

    /// The key for exactly this id at `now` (Unix seconds): the public key, or a certificate that
    /// is valid then. An expired or not yet valid certificate is not used.
    pub fn get(&self, serial: &str, now: i64) -> Option<&VerifyingKey> {
        match &self.public_key {
            Some((id, key)) if id == serial => Some(key),
            _ => self
                .certificates()
                .find(|c| c.serial == serial && c.is_valid_at(now))
                .map(|c| &c.key),
        }
    }

    /// The id requests send in `Wechatpay-Serial` and encrypt sensitive fields with, at `now`:
    /// the public key when there is one, else the newest certificate valid then (latest
    /// `notBefore`, then latest `notAfter`), whatever its serial.
    pub fn preferred(&self, now: i64) -> Option<(&str, &VerifyingKey)> {
        if let Some((id, key)) = &self.public_key {
            return Some((id, key));
        }
        self.certificates()
            .filter(|c| c.is_valid_at(now))
            .max_by(|a, b| {
                (a.not_before, a.not_after, &a.serial).cmp(&(b.not_before, b.not_after, &b.serial))
            })
            .map(|c| (c.serial.as_str(), &c.key))
    }

    /// How many keys are held (valid or not).
    pub fn len(&self) -> usize {
        usize::from(self.public_key.is_some()) + self.configured.len() + self.downloaded.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether only the public key is used (no certificate refresh needed).
    pub fn is_public_key_mode(&self) -> bool {
        self.public_key.is_some() && self.configured.is_empty() && self.downloaded.is_empty()
    }
}

/// A platform certificate as the certificate list carries it: still encrypted (AEAD_AES_256_GCM
/// under the merchant's APIv3 key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedCertificate {
    /// The serial `Wechatpay-Serial` names it by.
    pub serial_no: String,
    /// The GCM nonce.
    pub nonce: String,
    /// The GCM associated data (empty when the list has none).
    pub associated_data: String,
    /// Base64 of the encrypted PEM and its tag.
    pub ciphertext: String,
}

/// The operation that lists the platform certificates (`GET /v3/certificates`), as the
/// certificate refresher uses it. The generated crate implements it for its request type; the
/// runtime cannot name that type, so a [`CertificateSource`] carries it to the client.
pub trait CertificateListing:
    Operation<ErrorCode: Send, Response: Send> + Send + Sized + 'static
{
    /// The request the refresher sends (every parameter left to its default).
    fn list_request() -> Result<Self, BuildError>;
    /// The encrypted certificates of a decoded answer.
    fn encrypted_certificates(response: Self::Response) -> Vec<EncryptedCertificate>;
}

/// A fetched list: the answer's headers and body (still to be verified) and its certificates.
struct Listed {
    headers: HeaderMap,
    body: bytes::Bytes,
    certificates: Vec<EncryptedCertificate>,
}

type Fetched<'a> = Pin<Box<dyn Future<Output = Result<Listed, Error<AnyErrorCode>>> + Send + 'a>>;

/// How a client lists the platform certificates in certificate mode: a [`CertificateListing`]
/// operation, erased so that a [`super::Config`] can hold it. Give it with
/// [`super::ConfigBuilder::certificate_source`]; the generated crate offers
/// `wechatpay_apiv3::CERTIFICATE_SOURCE`, and `wechatpay_apiv3::config` installs it.
#[derive(Clone, Copy)]
pub struct CertificateSource {
    operation: fn() -> &'static str,
    fetch: for<'a> fn(&'a Client) -> Fetched<'a>,
}

impl CertificateSource {
    /// The source that sends `O`.
    pub const fn of<O: CertificateListing>() -> Self {
        Self {
            operation: || O::META.id,
            fetch: fetch_with::<O>,
        }
    }

    /// The id of the operation it sends (`certificates.download_certificates`).
    pub fn operation(&self) -> &'static str {
        (self.operation)()
    }
}

impl std::fmt::Debug for CertificateSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("CertificateSource")
            .field(&self.operation())
            .finish()
    }
}

/// Sends `O` through the orchestrator (retries and failover as for any read), not verified by the
/// keyring: the refresher verifies it with the certificates it carries.
fn fetch_with<O: CertificateListing>(client: &Client) -> Fetched<'_> {
    Box::pin(async move {
        let op = O::list_request().map_err(Error::Build)?;
        let incoming = client
            .send_operation(
                op,
                &RequestOptions::default(),
                Verification::CarriedCertificates,
            )
            .await
            .map_err(Error::erase)?;
        let response = O::decode_response(&incoming.body).map_err(Error::Decode)?;
        Ok(Listed {
            headers: incoming.headers,
            body: incoming.body,
            certificates: O::encrypted_certificates(response),
        })
    })
}

/// How often certificates may be downloaded because a response named an unknown serial.
const CERT_REFRESH_MIN_INTERVAL: Duration = Duration::from_secs(60);
/// How old downloaded certificates may get before they are refreshed on the next call.
const CERT_REFRESH_PERIOD: Duration = Duration::from_secs(12 * 3600);

impl Client {
    /// Runs `check` (a verification) against the keyring at our clock. When it fails only
    /// because the message names a serial we do not hold, and this client downloads
    /// certificates, they are downloaded (at most once per [`CERT_REFRESH_MIN_INTERVAL`],
    /// shared by responses and callbacks) and `check` runs once more.
    pub(super) async fn with_current_keys<T, E>(
        &self,
        check: impl Fn(&Keyring, i64) -> Result<T, E>,
        is_unknown_serial: impl Fn(&E) -> bool,
    ) -> Result<T, E> {
        let now = (self.inner.config.clock)();
        let first = check(&*self.inner.keyring.read().await, now);
        match first {
            Err(e) if is_unknown_serial(&e) && self.refresh_for_unknown_serial().await => {
                check(&*self.inner.keyring.read().await, now)
            }
            other => other,
        }
    }

    /// Opens a callback with `open` (verify, decrypt with the APIv3 key) under
    /// [`Self::with_current_keys`]: an unknown serial (a webhook process that has not called yet,
    /// or a rotation) downloads certificates as responses do, under the same rate limit.
    pub(super) async fn with_callback_keys<T>(
        &self,
        open: impl Fn(&Keyring, &ApiV3Key, i64) -> Result<T, NotifyError>,
    ) -> Result<T, NotifyError> {
        let key = self
            .inner
            .config
            .apiv3_key
            .as_ref()
            .ok_or(NotifyError::NoApiV3Key)?;
        self.with_current_keys(
            |keyring, now| open(keyring, key, now),
            |e| matches!(e, NotifyError::Untrusted(TrustError::UnknownSerial(_))),
        )
        .await
    }

    /// Verifies a success response with [`Self::with_current_keys`].
    pub(super) async fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), TrustError> {
        self.with_current_keys(
            |keyring, now| verify::verify(keyring, headers, body, now).map(|_| ()),
            |e| matches!(e, TrustError::UnknownSerial(_)),
        )
        .await
    }

    /// A download because a message named an unknown serial; `true` when the keyring may hold
    /// it now. The lock is held through the download, so a burst of such messages (a flood of
    /// callbacks with made-up serials) makes one download per interval, not one each.
    async fn refresh_for_unknown_serial(&self) -> bool {
        if !self.inner.config.downloads_certificates() {
            return false;
        }
        let mut last = self.inner.refreshed.lock().await;
        if last.is_some_and(|t| t.elapsed() < CERT_REFRESH_MIN_INTERVAL) {
            // Downloaded a moment ago, perhaps while this caller waited: look again, no download.
            return true;
        }
        match self.download_certificates(&mut last).await {
            Ok(_) => true,
            Err(e) => {
                tracing::warn!(error = %e, "platform certificate download for an unknown serial failed");
                false
            }
        }
    }

    /// Downloads and decrypts the platform certificates (the configured [`CertificateSource`],
    /// `GET /v3/certificates`); they replace the ones downloaded before (configured certificates
    /// stay). The download is authenticated by the APIv3 key that decrypts it, and its signature
    /// must verify with one of the certificates it carries.
    pub async fn refresh_certificates(&self) -> Result<usize, Error<AnyErrorCode>> {
        let mut last = self.inner.refreshed.lock().await;
        self.download_certificates(&mut last).await
    }

    /// Refreshes certificates when they are older than the refresh period (certificate mode).
    pub async fn refresh_certificates_if_stale(&self) -> Result<(), Error<AnyErrorCode>> {
        if !self.inner.config.downloads_certificates() {
            return Ok(());
        }
        let mut last = self.inner.refreshed.lock().await;
        if last.is_none_or(|t| t.elapsed() >= CERT_REFRESH_PERIOD) {
            self.download_certificates(&mut last).await?;
        }
        Ok(())
    }

    /// The download itself; `last` (the held rate-limit lock) records when it was tried.
    async fn download_certificates(
        &self,
        last: &mut Option<Instant>,
    ) -> Result<usize, Error<AnyErrorCode>> {
        *last = Some(Instant::now());
        let config = &self.inner.config;
        let key = config
            .apiv3_key
            .clone()
            .ok_or_else(|| Error::Config("downloading certificates needs the APIv3 key".into()))?;
        let source = config
            .certificate_source
            .ok_or_else(|| Error::Config(super::ConfigProblem::NoCertificateSource.to_string()))?;
        let list = (source.fetch)(self).await?;
        let mut fresh = Keyring::new();
        for item in &list.certificates {
            let pem = key
                .decrypt(&item.nonce, &item.associated_data, &item.ciphertext)
                .map_err(|err| Error::Config(err.0))?;
            let cert = PlatformCertificate::from_pem(&pem).map_err(|err| Error::Config(err.0))?;
            // Named by the serial WeChat Pay lists, as `Wechatpay-Serial` will name it.
            fresh.add_certificate(PlatformCertificate {
                serial: item.serial_no.clone(),
                ..cert
            });
        }
        verify::verify(&fresh, &list.headers, &list.body, (config.clock)())
            .map_err(Error::Untrusted)?;
        let count = fresh.configured.len();
        self.inner
            .keyring
            .write()
            .await
            .replace_downloaded(fresh.configured.into_values());
        Ok(count)
    }
}
