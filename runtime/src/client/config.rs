//! Client configuration: identity, keys, hosts, timeouts, retries.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

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
            config: Config {
                mchid: mchid.into(),
                merchant_serial: merchant_serial.into(),
                merchant_key: Arc::new(merchant_key),
                apiv3_key: None,
                keyring: Keyring::new(),
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

/// Builds a [`Config`]; problems are collected and reported together by [`ConfigBuilder::build`].
pub struct ConfigBuilder {
    config: Config,
    errors: Vec<String>,
}

impl ConfigBuilder {
    /// The APIv3 key (exactly 32 bytes): decrypts callbacks and downloaded certificates.
    pub fn apiv3_key(mut self, key: impl AsRef<[u8]>) -> Self {
        match ApiV3Key::new(key) {
            Ok(k) => self.config.apiv3_key = Some(k),
            Err(KeyError(e)) => self.errors.push(e),
        }
        self
    }

    /// The WeChat Pay public key (`PUB_KEY_ID_...` and its PEM): verification with no
    /// certificate downloads.
    pub fn wechatpay_public_key(mut self, id: impl Into<String>, pem: &[u8]) -> Self {
        match VerifyingKey::from_public_key_pem(pem) {
            Ok(k) => self.config.keyring.add_public_key(id, k),
            Err(KeyError(e)) => self.errors.push(e),
        }
        self
    }

    /// A platform certificate, known in advance (certificate mode; more are downloaded with the
    /// APIv3 key when a response names an unknown serial).
    pub fn platform_certificate(mut self, pem: &[u8]) -> Self {
        match PlatformCertificate::from_pem(pem) {
            Ok(c) => self.config.keyring.add_certificate(c),
            Err(KeyError(e)) => self.errors.push(e),
        }
        self
    }

    /// Another primary host, e.g. a local simulator (`http://127.0.0.1:PORT`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.config.base_url = url.into().trim_end_matches('/').to_string();
        self
    }

    /// Another backup host, or none.
    pub fn backup_url(mut self, url: Option<String>) -> Self {
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
    pub fn build(mut self) -> Result<Config, String> {
        if self.config.keyring.is_empty() && self.config.apiv3_key.is_none() {
            self.errors.push(
                "no way to verify responses: give the WeChat Pay public key, platform certificates, or the APIv3 key to download them"
                    .into(),
            );
        }
        if self.config.mchid.is_empty() || self.config.merchant_serial.is_empty() {
            self.errors
                .push("the merchant id and the merchant certificate serial are required".into());
        }
        if self.errors.is_empty() {
            Ok(self.config)
        } else {
            Err(self.errors.join("; "))
        }
    }
}
