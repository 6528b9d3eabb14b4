//! The client: signs, sends, verifies, decrypts, retries and fails over (feature `client`).
//!
//! ```no_run
//! # async fn demo(request: impl wechatpay_apiv3_runtime::Operation<ErrorCode = wechatpay_apiv3_runtime::client::AnyErrorCode>) -> Result<(), Box<dyn std::error::Error>> {
//! use wechatpay_apiv3_runtime::client::{Client, Config, MerchantKey};
//! let config = Config::builder("1900000001", "MERCHANT_CERT_SERIAL", MerchantKey::from_pem_file("apiclient_key.pem")?)
//!     .wechatpay_public_key("PUB_KEY_ID_0000000000000024101100397200000006", &std::fs::read("pub_key.pem")?)
//!     .apiv3_key(std::env::var("WECHATPAY_APIV3_KEY")?)
//!     .build()?;
//! let client = Client::new(config)?;
//! let response = client.execute(request).await?;
//! # Ok(()) }
//! ```

mod callback;
mod certificates;
mod config;
pub mod crypto;
mod download;
mod encrypted_bill;
mod error;
mod file_hash;
mod frontend;
pub mod gcm;
mod limiter;
pub mod notify;
mod orchestrator;
mod sensitive;
pub mod sign;
mod transport;
pub mod verify;

#[cfg(feature = "blocking")]
mod blocking;

use std::sync::Arc;
use std::time::Instant;

use self::transport::Outgoing;
use http::HeaderMap;
use serde_json::Value;
use tokio::sync::{Mutex, RwLock};

pub use self::callback::{AnswerCallback, CallbackAnswer, Received, parse_callback};
pub use self::certificates::{CertificateListing, CertificateSource, EncryptedCertificate};
pub use self::config::Limits;
pub use self::config::{
    BACKUP_URL, Clock, Config, ConfigBuilder, ConfigError, ConfigProblem, PRIMARY_URL, RetryPolicy,
    Timeouts, system_clock,
};
pub use self::crypto::{ApiV3Key, KeyError, MerchantKey, PlatformCertificate, VerifyingKey};
pub use self::error::{
    AnyError, ApiError, BodyKind, ClientBuildError, Error, ErrorDetail, TimedOut, TimeoutKind,
    TooLarge, TrustError, Undecodable, Undecryptable,
};
pub use self::frontend::{APP_PACKAGE, AppPayParams, JSAPI_SIGN_TYPE, JsapiPayParams};
pub use self::notify::{Notification, NotifyError};
pub use self::orchestrator::RequestOptions;
pub use self::verify::Keyring;
#[cfg(feature = "blocking")]
pub use blocking::BlockingClient;

use crate::{OpenEnum, Operation, RequestBody, ResponseKind, SensitiveFieldError, UnknownValue};

/// The error-code type of untyped calls: any code, kept as a string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnyErrorCode(pub UnknownValue);

impl OpenEnum for AnyErrorCode {
    const VALUES: &'static [&'static str] = &[];
    fn from_wire(raw: &str) -> Self {
        Self(UnknownValue::new(raw))
    }
    fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// A decoded answer with what the caller may want to log or show support: the status and
/// `Request-ID` of the answer, and how many attempts the call took.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer<T> {
    /// The decoded response.
    pub value: T,
    /// The HTTP status (2xx).
    pub status: u16,
    /// `Request-ID`, for WeChat Pay support.
    pub request_id: Option<String>,
    /// Attempts the call took, the successful one included.
    pub attempts: u32,
}

impl transport::Incoming {
    /// The answer with its decoded value; a body that did not decode is kept whole in the error
    /// (it was verified, and the call may have changed state).
    fn answer<T, C>(
        self,
        value: Result<T, crate::decode::DecodeError>,
    ) -> Result<Answer<T>, Error<C>> {
        match value {
            Ok(value) => Ok(Answer {
                value,
                status: self.status,
                request_id: self.request_id,
                attempts: self.attempts,
            }),
            Err(e) => Err(Error::Undecodable(Undecodable::new(e, self.body))),
        }
    }
}

/// Which keys verify a typed call's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verification {
    /// The client's keyring (every call but one).
    Keyring,
    /// The certificate list: the refresher verifies it with the certificates it carries, since
    /// the keyring may not hold its signer yet.
    CarriedCertificates,
}

/// A WeChat Pay APIv3 client. Cheap to clone; share one per merchant.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    http: reqwest::Client,
    keyring: RwLock<Keyring>,
    refreshed: Mutex<Option<Instant>>,
    limiter: limiter::Limiter,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .finish()
    }
}

impl Client {
    /// A client with its own connection pool.
    pub fn new(config: Config) -> Result<Self, ClientBuildError> {
        let http =
            transport::http_client(&config).map_err(|e| ClientBuildError::new("HTTP client", e))?;
        let keyring = config.keyring.clone();
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                http,
                keyring: RwLock::new(keyring),
                refreshed: Mutex::new(None),
                limiter: limiter::Limiter::default(),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Sends a typed request: checked, signed, sent, verified, decoded.
    pub async fn execute<O: Operation>(&self, op: O) -> Result<O::Response, Error<O::ErrorCode>> {
        self.execute_with(op, &RequestOptions::default())
            .await
            .map(|answer| answer.value)
    }

    /// Like [`Client::execute`], with this call's own retry policy and timeouts, and the answer's
    /// status and `Request-ID` beside the decoded value.
    pub async fn execute_with<O: Operation>(
        &self,
        op: O,
        options: &RequestOptions,
    ) -> Result<Answer<O::Response>, Error<O::ErrorCode>> {
        let incoming = self
            .send_operation(op, options, Verification::Keyring)
            .await?;
        let value = match O::SENSITIVE_RESPONSE {
            None => O::decode_response(&incoming.body),
            Some(shape) => {
                let key = &self.inner.config.merchant_key;
                match sensitive::decrypt_answer(key, shape, &incoming.body) {
                    Ok(plain) => match O::decode_response(&plain) {
                        // The error is taken from the body as received, so its snippet quotes
                        // no plaintext.
                        Err(_) => O::decode_response(&incoming.body),
                        decoded => decoded,
                    },
                    Err(e) => {
                        return Err(Error::Undecryptable(Undecryptable::new(e, incoming.body)));
                    }
                }
            }
        };
        incoming.answer(value)
    }

    /// Checks, encrypts, signs and sends a typed request; the verified answer, not decoded.
    async fn send_operation<O: Operation>(
        &self,
        mut op: O,
        options: &RequestOptions,
        verification: Verification,
    ) -> Result<transport::Incoming, Error<O::ErrorCode>> {
        op.validate().map_err(Error::Build)?;
        // Certificate mode keeps its certificates fresh; a failed refresh is not fatal here (the
        // known certificates still verify, and an unknown serial triggers a refresh anyway). The
        // certificate list itself is what a refresh sends, under the refresh lock.
        if verification == Verification::Keyring
            && let Err(e) = self.refresh_certificates_if_stale().await
        {
            tracing::warn!(error = %e, "periodic platform certificate refresh failed");
        }
        let meta = O::META;
        let mut wechatpay_serial = self
            .inner
            .keyring
            .read()
            .await
            .preferred((self.inner.config.clock)())
            .map(|(s, _)| s.to_string());
        if meta.has_sensitive_fields {
            let keyring = self.inner.keyring.read().await;
            let Some((serial, key)) = keyring.preferred((self.inner.config.clock)()) else {
                return Err(Error::Encrypt(SensitiveFieldError {
                    field: String::new(),
                    reason: "no WeChat Pay key to encrypt with".into(),
                }));
            };
            op.encrypt_sensitive(&mut |field: &str, value: &mut String| {
                *value = key
                    .encrypt_oaep(value.as_bytes())
                    .map_err(|e| SensitiveFieldError {
                        field: field.to_string(),
                        reason: e.0,
                    })?;
                Ok(())
            })
            .map_err(Error::Encrypt)?;
            wechatpay_serial = Some(serial.to_string());
        }
        let (body, upload) = match op.body() {
            RequestBody::None => (Vec::new(), None),
            RequestBody::Json(b) => (
                serde_json::to_vec(b)
                    .map_err(|e| Error::Config(format!("body does not serialize: {e}")))?,
                None,
            ),
            RequestBody::Multipart(file) => {
                let meta_json = serde_json::json!({ "filename": file.file_name, "sha256": crypto::sha256_hex(&file.bytes) });
                let text = meta_json.to_string();
                (text.clone().into_bytes(), Some((file, text)))
            }
        };
        let out = Outgoing {
            id: meta.id,
            method: meta.method.clone(),
            path_and_query: op.path_and_query(),
            body: body.into(),
            upload,
            wechatpay_serial,
            retry_safe: meta.retry_safe,
            verify: meta.response != ResponseKind::Download
                && verification == Verification::Keyring,
            download: meta.response == ResponseKind::Download,
            download_limit: options.own_download_limit(),
            rate_limit: meta.rate_limit,
            errors: meta.errors,
        };
        self.send(&out, options).await
    }

    /// Calls any operation by method and path (with its query), with a JSON body, for endpoints
    /// not yet in spec/. Still signed and verified; never retried unless `retry_safe`.
    pub async fn call_json(
        &self,
        method: http::Method,
        path_and_query: &str,
        body: Option<&Value>,
        retry_safe: bool,
    ) -> Result<Value, Error<AnyErrorCode>> {
        let body = match body {
            Some(b) => serde_json::to_vec(b).map_err(|e| Error::Config(e.to_string()))?,
            None => Vec::new(),
        };
        let out = Outgoing {
            id: "untyped",
            method,
            path_and_query: path_and_query.to_string(),
            body: body.into(),
            upload: None,
            wechatpay_serial: self
                .inner
                .keyring
                .read()
                .await
                .preferred((self.inner.config.clock)())
                .map(|(s, _)| s.to_string()),
            retry_safe,
            verify: true,
            download: false,
            download_limit: None,
            rate_limit: None,
            errors: &[],
        };
        let incoming = self.send(&out, &RequestOptions::default()).await?;
        if incoming.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        let value = crate::decode::json(&incoming.body);
        incoming.answer(value).map(|answer| answer.value)
    }

    /// Verifies and decrypts a callback with this client's keys and APIv3 key.
    pub async fn parse_notification<E: crate::NotificationEvent>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Notification<E>, NotifyError> {
        self.with_callback_keys(|keyring, key, now| notify::parse(keyring, key, headers, body, now))
            .await
    }
}
