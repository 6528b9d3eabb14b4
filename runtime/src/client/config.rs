//! Client configuration: identity, keys, hosts, timeouts, retries.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::certificates::CertificateSource;
use super::crypto::{ApiV3Key, KeyError, MerchantKey, PlatformCertificate, VerifyingKey};
use super::verify::Keyring;

/// The production host.
pub const PRIMARY_URL: &str = "https://api.mch.weixin.qq.com";
/// The backup host, used when the primary cannot be reached.
pub const BACKUP_URL: &str = "https://api2.mch.weixin.qq.com";

/// When and how often a failed call is sent again.
///
/// Only operations whose spec marks them retry-safe (GET, or idempotent by a request number) are
/// retried, and only after a transport error, a timeout, a 5xx or a 429. Each attempt is signed
/// anew and carries the same body and idempotency key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 disables retries).
    pub max_attempts: u32,
    /// Delay before the second attempt; doubles for each later one.
    pub base_delay: Duration,
    /// Longest delay between two attempts.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The delay after `attempt` (1-based) failed: exponential, capped, with full jitter.
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1_u32 << attempt.saturating_sub(1).min(16));
        let cap = exp.min(self.max_delay);
        let millis = u64::try_from(cap.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(millis / 2 + super::crypto::random_below(millis / 2 + 1))
    }
}

/// Timeouts of a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// To open a connection; when it fires (or the connection is refused), nothing was sent
    /// and the backup host is tried.
    pub connect: Duration,
    /// For one attempt, from sending to the last byte of the answer.
    pub attempt: Duration,
    /// For the whole call, retries and backoff included; `Duration::MAX` means no overall limit.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            attempt: Duration::from_secs(10),
            total: Duration::from_secs(30),
        }
    }
}

/// How many bytes an answer may have. Bodies are read incrementally and a call fails with
/// [`super::Error::TooLarge`] as soon as one goes over; nothing of it is decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// A JSON answer (every call but downloads). APIv3 answers are a few KiB; list pages stay
    /// well under the default of 4 MiB.
    pub response: u64,
    /// An error (non-2xx) answer: read up to this many bytes and no further; the default is
    /// 64 KiB. Longer error bodies are cut there, not refused.
    pub error: u64,
    /// A downloaded file as it arrives (perhaps gzip); the default is 256 MiB.
    pub download: u64,
    /// A gzip file once unpacked; the default is 1 GiB.
    pub unpacked: u64,
}

impl Default for Limits {
    fn default() -> Self {
        const MIB: u64 = 1024 * 1024;
        Self {
            response: 4 * MIB,
            error: 64 * 1024,
            download: 256 * MIB,
            unpacked: 1024 * MIB,
        }
    }
}

/// The clock verification compares `Wechatpay-Timestamp` against (Unix seconds); injectable
/// for tests.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(crate::protocol::unix_now)
}

/// Everything a [`super::Client`] needs. Build it with [`Config::builder`].
pub struct Config {
    pub(crate) mchid: String,
    pub(crate) merchant_serial: String,
    pub(crate) merchant_key: Arc<MerchantKey>,
    pub(crate) apiv3_key: Option<ApiV3Key>,
    pub(crate) keyring: Keyring,
    pub(crate) certificate_source: Option<CertificateSource>,
    pub(crate) base_url: String,
    pub(crate) backup_url: Option<String>,
    pub(crate) timeouts: Timeouts,
    pub(crate) limits: Limits,
    pub(crate) retry: RetryPolicy,
    pub(crate) rate_limit: bool,
    pub(crate) clock: Clock,
    pub(crate) user_agent: String,
}

impl fmt::Debug for Config {
    /// Identifies the merchant and keys; never shows key material.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("mchid", &self.mchid)
            .field("merchant_serial", &self.merchant_serial)
            .field("merchant_key", &"<redacted>")
            .field("apiv3_key", &self.apiv3_key.as_ref().map(|_| "<redacted>"))
            .field("verification_keys", &self.keyring.len())
            .field("certificate_source", &self.certificate_source)
            .field("base_url", &self.base_url)
            .field("backup_url", &self.backup_url)
            .field("timeouts", &self.timeouts)
            .field("limits", &self.limits)
            .field("retry", &self.retry)
            .field("rate_limit", &self.rate_limit)
            .finish()
    }
}

impl Config {
    /// Starts a configuration for merchant `mchid`, whose API certificate has serial
    /// `merchant_serial` and private key `merchant_key`.
    pub fn builder(
        mchid: impl Into<String>,
        merchant_serial: impl Into<String>,
        merchant_key: MerchantKey,
    ) -> ConfigBuilder {
        ConfigBuilder {
            backup_chosen: false,
            config: Config {
                mchid: mchid.into(),
                merchant_serial: merchant_serial.into(),
                merchant_key: Arc::new(merchant_key),
                apiv3_key: None,
                keyring: Keyring::new(),
                certificate_source: None,
                base_url: PRIMARY_URL.into(),
                backup_url: Some(BACKUP_URL.into()),
                timeouts: Timeouts::default(),
                limits: Limits::default(),
                retry: RetryPolicy::default(),
                rate_limit: false,
                clock: system_clock(),
                user_agent: format!("wechatpay-apiv3-rust/{}", env!("CARGO_PKG_VERSION")),
            },
            errors: Vec::new(),
        }
    }
}

impl Config {
    /// The merchant id (`mchid`) requests are signed as.
    pub fn mchid(&self) -> &str {
        &self.mchid
    }

    /// The serial of the merchant API certificate whose key signs requests.
    pub fn merchant_serial(&self) -> &str {
        &self.merchant_serial
    }

    /// The primary host.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The backup host tried when the primary cannot be reached, if any.
    pub fn backup_url(&self) -> Option<&str> {
        self.backup_url.as_deref()
    }

    /// The timeouts.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// The retry policy.
    pub fn retry(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Whether calls are queued to stay within documented rates.
    pub fn rate_limit(&self) -> bool {
        self.rate_limit
    }

    /// Whether an APIv3 key is configured (callbacks and certificate downloads need one).
    pub fn has_apiv3_key(&self) -> bool {
        self.apiv3_key.is_some()
    }

    /// Certificate mode with the APIv3 key: certificates can and must be downloaded. In
    /// public-key mode an unknown serial is simply untrusted.
    pub(crate) fn downloads_certificates(&self) -> bool {
        self.apiv3_key.is_some() && !self.keyring.is_public_key_mode()
    }

    /// The `User-Agent` sent.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }
}

/// One reason a configuration was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigProblem {
    /// A key or certificate did not load; `setting` is the builder method it was given to.
    Key {
        /// `apiv3_key`, `wechatpay_public_key` or `platform_certificate`.
        setting: &'static str,
        /// Why (never the key itself).
        error: KeyError,
    },
    /// Neither the WeChat Pay public key, nor a platform certificate, nor the APIv3 key to
    /// download certificates: responses could not be verified.
    NoVerificationKey,
    /// Certificate mode (the APIv3 key, no WeChat Pay public key) downloads platform
    /// certificates, and no [`CertificateSource`] says how to list them.
    NoCertificateSource,
    /// The merchant id is empty.
    MissingMerchantId,
    /// The merchant certificate serial is empty.
    MissingMerchantSerial,
    /// A host is not an `https://` or `http://` URL.
    BadUrl {
        /// `base_url` or `backup_url`.
        setting: &'static str,
        /// The value given.
        url: String,
    },
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigProblem::Key { setting, error } => write!(f, "{setting}: {error}"),
            ConfigProblem::NoVerificationKey => f.write_str(
                "no way to verify responses: give the WeChat Pay public key, platform certificates, or the APIv3 key to download them",
            ),
            ConfigProblem::NoCertificateSource => f.write_str(
                "certificate_source: certificate mode (the APIv3 key and no WeChat Pay public key) downloads platform certificates and needs the operation that lists them: start the configuration with `wechatpay_apiv3::config(..)`, or give `certificate_source(wechatpay_apiv3::CERTIFICATE_SOURCE)`",
            ),
            ConfigProblem::MissingMerchantId => f.write_str("the merchant id (mchid) is empty"),
            ConfigProblem::MissingMerchantSerial => {
                f.write_str("the merchant certificate serial is empty")
            }
            ConfigProblem::BadUrl { setting, url } => {
                write!(f, "{setting} `{url}` is not an https:// or http:// URL")
            }
        }
    }
}

/// [`ConfigBuilder::build`] refused the configuration; every problem is listed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigError {
    /// Each problem, in the order the settings were given.
    pub problems: Vec<ConfigProblem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid client configuration: ")?;
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.problems.iter().find_map(|p| match p {
            ConfigProblem::Key { error, .. } => Some(error as &(dyn std::error::Error + 'static)),
            _ => None,
        })
    }
}

/// Code written when `build` returned `String` keeps compiling with `?`.
impl From<ConfigError> for String {
    fn from(e: ConfigError) -> Self {
        e.to_string()
    }
}

/// Builds a [`Config`]; problems are collected and reported together by [`ConfigBuilder::build`].
pub struct ConfigBuilder {
    config: Config,
    errors: Vec<ConfigProblem>,
    /// Whether `backup_url` was called: otherwise another `base_url` means no backup host.
    backup_chosen: bool,
}

impl ConfigBuilder {
    /// The APIv3 key (exactly 32 bytes): decrypts callbacks and downloaded certificates.
    pub fn apiv3_key(mut self, key: impl AsRef<[u8]>) -> Self {
        match ApiV3Key::new(key) {
            Ok(k) => self.config.apiv3_key = Some(k),
            Err(error) => self.errors.push(ConfigProblem::Key {
                setting: "apiv3_key",
                error,
            }),
        }
        self
    }

    /// The WeChat Pay public key (`PUB_KEY_ID_...` and its PEM): verification with no
    /// certificate downloads.
    pub fn wechatpay_public_key(mut self, id: impl Into<String>, pem: &[u8]) -> Self {
        match VerifyingKey::from_public_key_pem(pem) {
            Ok(k) => self.config.keyring.add_public_key(id, k),
            Err(error) => self.errors.push(ConfigProblem::Key {
                setting: "wechatpay_public_key",
                error,
            }),
        }
        self
    }

    /// A platform certificate, known in advance (certificate mode; more are downloaded with the
    /// APIv3 key when a response names an unknown serial).
    pub fn platform_certificate(mut self, pem: &[u8]) -> Self {
        match PlatformCertificate::from_pem(pem) {
            Ok(c) => self.config.keyring.add_certificate(c),
            Err(error) => self.errors.push(ConfigProblem::Key {
                setting: "platform_certificate",
                error,
            }),
        }
        self
    }

    /// How certificate mode lists the platform certificates: the generated crate's
    /// `GET /v3/certificates` operation (`wechatpay_apiv3::CERTIFICATE_SOURCE`, which
    /// `wechatpay_apiv3::config` installs). Needed whenever certificates are downloaded.
    pub fn certificate_source(mut self, source: CertificateSource) -> Self {
        self.config.certificate_source = Some(source);
        self
    }

    /// Another primary host, e.g. a local simulator or a proxy (`http://127.0.0.1:PORT`).
    ///
    /// Without a [`ConfigBuilder::backup_url`] call this means no backup host: a stand-in that
    /// is down must not send signed requests on to production's backup.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.config.base_url = url.into().trim_end_matches('/').to_string();
        self
    }

    /// Another backup host, or none.
    pub fn backup_url(mut self, url: Option<String>) -> Self {
        self.backup_chosen = true;
        self.config.backup_url = url.map(|u| u.trim_end_matches('/').to_string());
        self
    }

    /// Timeouts.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.config.timeouts = timeouts;
        self
    }

    /// Size limits of answers.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.config.limits = limits;
        self
    }

    /// Retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.config.retry = retry;
        self
    }

    /// Queues calls so each operation stays within its documented rate (off by default).
    pub fn rate_limit(mut self, on: bool) -> Self {
        self.config.rate_limit = on;
        self
    }

    /// The clock used to check response timestamps.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.config.clock = clock;
        self
    }

    /// Checks the configuration: every key loaded, and some way to verify responses.
    pub fn build(mut self) -> Result<Config, ConfigError> {
        if self.config.keyring.is_empty() && self.config.apiv3_key.is_none() {
            self.errors.push(ConfigProblem::NoVerificationKey);
        }
        if self.config.downloads_certificates() && self.config.certificate_source.is_none() {
            self.errors.push(ConfigProblem::NoCertificateSource);
        }
        if self.config.mchid.is_empty() {
            self.errors.push(ConfigProblem::MissingMerchantId);
        }
        if self.config.merchant_serial.is_empty() {
            self.errors.push(ConfigProblem::MissingMerchantSerial);
        }
        if !self.backup_chosen && self.config.base_url != PRIMARY_URL {
            self.config.backup_url = None;
        }
        let hosts = [
            ("base_url", Some(&self.config.base_url)),
            ("backup_url", self.config.backup_url.as_ref()),
        ];
        for (setting, url) in hosts {
            if let Some(url) =
                url.filter(|u| !(u.starts_with("https://") || u.starts_with("http://")))
            {
                self.errors.push(ConfigProblem::BadUrl {
                    setting,
                    url: url.clone(),
                });
            }
        }
        if self.errors.is_empty() {
            Ok(self.config)
        } else {
            Err(ConfigError {
                problems: self.errors,
            })
        }
    }
}
