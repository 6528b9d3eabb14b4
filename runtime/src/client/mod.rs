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

mod config;
pub mod crypto;
mod error;
mod limiter;
pub mod notify;
pub mod sign;
pub mod verify;

#[cfg(feature = "blocking")]
mod blocking;

use std::sync::Arc;
use std::time::{Duration, Instant};

use http::HeaderMap;
use serde_json::Value;
use tokio::sync::{Mutex, RwLock};
use tracing::Instrument as _;

pub use self::config::{
    BACKUP_URL, Clock, Config, ConfigBuilder, PRIMARY_URL, RetryPolicy, Timeouts, system_clock,
};
pub use self::crypto::{ApiV3Key, KeyError, MerchantKey, PlatformCertificate, VerifyingKey};
pub use self::error::{ApiError, Error, TrustError};
pub use self::notify::{Notification, NotifyError};
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

/// How often certificates may be downloaded because a response named an unknown serial.
const CERT_REFRESH_MIN_INTERVAL: Duration = Duration::from_secs(60);
/// How old downloaded certificates may get before they are refreshed on the next call.
const CERT_REFRESH_PERIOD: Duration = Duration::from_secs(12 * 3600);

/// What one call sends, whatever produced it (a typed operation or an untyped call).
struct Outgoing<'a> {
    id: &'a str,
    method: http::Method,
    path_and_query: String,
    /// The signed body: JSON, or an upload's `meta` (shared, so a retry does not copy it).
    body: bytes::Bytes,
    upload: Option<(&'a crate::UploadFile, String)>,
    wechatpay_serial: Option<String>,
    retry_safe: bool,
    verify: bool,
    rate_limit: Option<crate::RateLimit>,
    /// The documented error rows, for the retry classifier.
    errors: &'static [crate::ErrorDoc],
}

impl<'a> Outgoing<'a> {
    /// A GET whose answer is not signed as usual (a file, or the certificates that verification
    /// itself needs); safe to repeat.
    fn unverified_get(id: &'a str, path_and_query: String) -> Self {
        Self {
            id,
            method: http::Method::GET,
            path_and_query,
            body: bytes::Bytes::new(),
            upload: None,
            wechatpay_serial: None,
            retry_safe: true,
            verify: false,
            rate_limit: None,
            errors: &[],
        }
    }
}

/// A verified (or, for downloads, unsigned) success answer.
struct Incoming {
    body: bytes::Bytes,
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
    pub fn new(config: Config) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.timeouts.connect)
            .user_agent(config.user_agent.clone())
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
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
    pub async fn execute<O: Operation>(
        &self,
        mut op: O,
    ) -> Result<O::Response, Error<O::ErrorCode>> {
        op.validate().map_err(Error::Build)?;
        // Certificate mode keeps its certificates fresh; a failed refresh is not fatal here (the
        // known certificates still verify, and an unknown serial triggers a refresh anyway).
        if let Err(e) = self.refresh_certificates_if_stale().await {
            tracing::warn!(error = %e, "periodic platform certificate refresh failed");
        }
        let meta = O::META;
        let mut wechatpay_serial = self
            .inner
            .keyring
            .read()
            .await
            .preferred()
            .map(|(s, _)| s.to_string());
        if meta.has_sensitive_fields {
            let keyring = self.inner.keyring.read().await;
            let Some((serial, key)) = keyring.preferred() else {
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
            verify: meta.response != ResponseKind::Download,
            rate_limit: meta.rate_limit,
            errors: meta.errors,
        };
        let incoming = self.send(&out).await?;
        O::decode_response(&incoming.body).map_err(Error::Decode)
    }

    /// Downloads a file through a typed download operation and checks it against the hash the
    /// earlier, signed call returned (`hash_type` SHA1; gzip files are hashed decompressed).
    pub async fn download_verified<O>(
        &self,
        op: O,
        hash_type: &str,
        hash_value: &str,
    ) -> Result<Vec<u8>, Error<O::ErrorCode>>
    where
        O: Operation<Response = Vec<u8>>,
    {
        let bytes = self.execute(op).await?;
        checked_file(bytes, hash_type, hash_value)
    }

    /// Downloads the file behind a `download_url` exactly as a bill operation returned it (token
    /// and packing included) and checks it against that answer's `hash_type` and `hash_value`.
    ///
    /// The request is signed, so the URL must point at this client's configured API host (or its
    /// backup): a link to anywhere else is refused before anything is sent.
    pub async fn download_bill(
        &self,
        download_url: &str,
        hash_type: &str,
        hash_value: &str,
    ) -> Result<Vec<u8>, Error<AnyErrorCode>> {
        let config = &self.inner.config;
        let path_and_query = [Some(&config.base_url), config.backup_url.as_ref()]
            .into_iter()
            .flatten()
            .find_map(|host| {
                download_url
                    .strip_prefix(host.as_str())
                    .filter(|rest| rest.starts_with('/'))
            })
            .ok_or_else(|| {
                Error::Config(format!(
                    "download_url `{download_url}` is not on the configured API host {}; refusing to send a signed request there",
                    config.base_url
                ))
            })?;
        let out = Outgoing::unverified_get("download_bill", path_and_query.to_string());
        let incoming = self.send(&out).await?;
        checked_file(incoming.body.to_vec(), hash_type, hash_value)
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
                .preferred()
                .map(|(s, _)| s.to_string()),
            retry_safe,
            verify: true,
            rate_limit: None,
            errors: &[],
        };
        let incoming = self.send(&out).await?;
        if incoming.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        crate::decode::json(&incoming.body).map_err(Error::Decode)
    }

    /// Verifies and decrypts a callback with this client's keys and APIv3 key.
    pub async fn parse_notification<E: crate::NotificationEvent>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Notification<E>, NotifyError> {
        let key = self
            .inner
            .config
            .apiv3_key
            .as_ref()
            .ok_or(NotifyError::NoApiV3Key)?;
        let keyring = self.inner.keyring.read().await;
        notify::parse(&keyring, key, headers, body, (self.inner.config.clock)())
    }

    /// The attempt loop shared by typed and untyped calls.
    async fn send<C: OpenEnum>(&self, out: &Outgoing<'_>) -> Result<Incoming, Error<C>> {
        let config = &self.inner.config;
        let deadline = Instant::now() + config.timeouts.total;
        if let (true, Some(limit)) = (config.rate_limit, out.rate_limit) {
            self.inner.limiter.acquire(out.id, limit).await;
        }
        let attempts = if out.retry_safe {
            config.retry.max_attempts.max(1)
        } else {
            1
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let span = tracing::info_span!(
                "wechatpay",
                operation = out.id,
                attempt,
                status = tracing::field::Empty,
                request_id = tracing::field::Empty
            );
            let result = self
                .attempt::<C>(out, deadline)
                .instrument(span.clone())
                .await;
            let retryable = crate::retry::should_retry(
                out.errors,
                match &result {
                    Err(Error::Transport(_) | Error::Timeout(_)) => {
                        crate::retry::Outcome::Transport
                    }
                    Err(Error::Api(e)) => crate::retry::Outcome::Status {
                        status: e.status,
                        code: Some(e.code.as_str()),
                    },
                    _ => crate::retry::Outcome::Final,
                },
            );
            if !retryable || attempt >= attempts {
                return result;
            }
            let delay = config.retry.delay(attempt);
            if Instant::now() + delay >= deadline {
                return result;
            }
            span.in_scope(|| tracing::info!(?delay, "retrying"));
            tokio::time::sleep(delay).await;
        }
    }

    /// One attempt: the primary host, then the backup if the primary cannot be reached.
    async fn attempt<C: OpenEnum>(
        &self,
        out: &Outgoing<'_>,
        deadline: Instant,
    ) -> Result<Incoming, Error<C>> {
        let config = &self.inner.config;
        match self.attempt_on(&config.base_url, out, deadline).await {
            // Only when the request never left (no connection): then no effect can be doubled.
            Err(Error::Transport(reason))
                if reason.starts_with(UNREACHABLE) && config.backup_url.is_some() =>
            {
                let backup = config.backup_url.as_deref().unwrap_or_default();
                tracing::warn!(%reason, backup, "primary host unreachable; trying the backup host");
                self.attempt_on(backup, out, deadline).await
            }
            other => other,
        }
    }

    /// One attempt with one host: the exchange, then verification of the answer's signature.
    async fn attempt_on<C: OpenEnum>(
        &self,
        base: &str,
        out: &Outgoing<'_>,
        deadline: Instant,
    ) -> Result<Incoming, Error<C>> {
        let (headers, body) = self.exchange(base, out, deadline).await?;
        if out.verify {
            self.verify(&headers, &body)
                .await
                .map_err(Error::Untrusted)?;
        }
        Ok(Incoming { body })
    }

    /// Signs `out`, sends it to `base` and reads the answer; a non-2xx answer becomes
    /// [`Error::Api`]. Trusts nothing: verification is the caller's, and certificate downloads
    /// (which verification itself may need) come through here unverified.
    async fn exchange<C: OpenEnum>(
        &self,
        base: &str,
        out: &Outgoing<'_>,
        deadline: Instant,
    ) -> Result<(HeaderMap, bytes::Bytes), Error<C>> {
        let config = &self.inner.config;
        let timestamp = (config.clock)();
        let nonce = crypto::nonce();
        let authorization = sign::authorization(
            &config.mchid,
            &config.merchant_serial,
            &config.merchant_key,
            out.method.as_str(),
            &out.path_and_query,
            timestamp,
            &nonce,
            &out.body,
        )
        .map_err(|e| Error::Config(e.0))?;
        let url = format!("{base}{}", out.path_and_query);
        let mut request = self
            .inner
            .http
            .request(out.method.clone(), &url)
            .header(http::header::AUTHORIZATION, authorization)
            .header(http::header::ACCEPT, "application/json");
        if let Some(serial) = &out.wechatpay_serial {
            request = request.header("Wechatpay-Serial", serial);
        }
        request = match &out.upload {
            Some((file, meta)) => {
                let meta_part = reqwest::multipart::Part::text(meta.clone())
                    .mime_str("application/json")
                    .map_err(|e| Error::Config(e.to_string()))?;
                let file_part = reqwest::multipart::Part::bytes(file.bytes.clone())
                    .file_name(file.file_name.clone());
                request.multipart(
                    reqwest::multipart::Form::new()
                        .part("meta", meta_part)
                        .part("file", file_part),
                )
            }
            None if out.body.is_empty() => request,
            None => request
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(out.body.clone()),
        };
        let remaining = deadline.saturating_duration_since(Instant::now());
        let budget = config.timeouts.attempt.min(remaining);
        let exchange = async {
            let mut response = request.send().await?;
            let status = response.status().as_u16();
            let headers = std::mem::take(response.headers_mut());
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, headers, body))
        };
        let (status, headers, body) = match tokio::time::timeout(budget, exchange).await {
            Err(_) => return Err(Error::Timeout(budget)),
            Ok(Err(e)) if e.is_timeout() => return Err(Error::Timeout(budget)),
            Ok(Err(e)) => return Err(Error::Transport(transport_reason(&e))),
            Ok(Ok(parts)) => parts,
        };
        let request_id = headers
            .get("Request-ID")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let span = tracing::Span::current();
        span.record("status", status);
        if let Some(id) = &request_id {
            span.record("request_id", id.as_str());
        }
        if !(200..300).contains(&status) {
            return Err(Error::Api(api_error(status, &body, request_id)));
        }
        Ok((headers, body))
    }

    /// Verifies a success response; an unknown serial in certificate mode triggers one
    /// rate-limited certificate download, then verification is tried once more.
    async fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), TrustError> {
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

/// An unsigned error body read as `{code, message, detail}`; a body that is not that shape still
/// gives an error with the status and the start of the body.
fn api_error<C: OpenEnum>(status: u16, body: &[u8], request_id: Option<String>) -> ApiError<C> {
    #[derive(serde::Deserialize)]
    struct Body {
        code: Option<String>,
        message: Option<String>,
        detail: Option<Value>,
    }
    let parsed: Option<Body> = serde_json::from_slice(body).ok();
    let (code, message, detail) = match parsed {
        Some(b) => (
            b.code.unwrap_or_default(),
            b.message.unwrap_or_default(),
            b.detail,
        ),
        None => (
            String::new(),
            String::from_utf8_lossy(&body[..body.len().min(256)]).into_owned(),
            None,
        ),
    };
    ApiError {
        status,
        code: C::from_wire(&code),
        message,
        detail,
        request_id,
    }
}

/// How a transport failure that happened before any byte was sent begins.
const UNREACHABLE: &str = "connection failed";

/// A transport failure in words, without URLs' query strings (which may carry tokens).
fn transport_reason(e: &reqwest::Error) -> String {
    let kind = if e.is_connect() {
        UNREACHABLE
    } else if e.is_request() {
        "request failed"
    } else {
        "transport error"
    };
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {detail}")
    }
}

/// A downloaded file, unpacked if gzipped, once its hash matches the one WeChat Pay signed.
fn checked_file<C: OpenEnum>(
    bytes: Vec<u8>,
    hash_type: &str,
    hash_value: &str,
) -> Result<Vec<u8>, Error<C>> {
    if !hash_type.eq_ignore_ascii_case("SHA1") {
        return Err(Error::Config(format!(
            "unsupported hash_type `{hash_type}` (WeChat Pay uses SHA1)"
        )));
    }
    let plain = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut out)
            .map_err(|e| Error::Transport(format!("bill file is not valid gzip: {e}")))?;
        out
    } else {
        bytes
    };
    let actual = crypto::sha1_hex(&plain);
    if !actual.eq_ignore_ascii_case(hash_value) {
        return Err(Error::Untrusted(TrustError::HashMismatch {
            expected: hash_value.to_string(),
            actual,
        }));
    }
    Ok(plain)
}
