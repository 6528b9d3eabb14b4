//! The transport: the only code that speaks HTTP (reqwest). Signs one request, sends it to one
//! host and reads the answer; trusts nothing (verification is the orchestrator's).

use std::time::Instant;

use http::HeaderMap;
use serde_json::Value;

use super::{ApiError, Client, Config, Error, crypto, sign};
use crate::OpenEnum;

/// What one call sends, whatever produced it (a typed operation or an untyped call).
pub(super) struct Outgoing<'a> {
    pub(super) id: &'a str,
    pub(super) method: http::Method,
    pub(super) path_and_query: String,
    /// The signed body: JSON, or an upload's `meta` (shared, so a retry does not copy it).
    pub(super) body: bytes::Bytes,
    pub(super) upload: Option<(&'a crate::UploadFile, String)>,
    pub(super) wechatpay_serial: Option<String>,
    pub(super) retry_safe: bool,
    pub(super) verify: bool,
    pub(super) rate_limit: Option<crate::RateLimit>,
}

impl<'a> Outgoing<'a> {
    /// A GET whose answer is not signed as usual (a file, or the certificates that verification
    /// itself needs); safe to repeat.
    pub(super) fn unverified_get(id: &'a str, path_and_query: String) -> Self {
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
        }
    }
}

/// A verified (or, for downloads, unsigned) success answer.
pub(super) struct Incoming {
    pub(super) body: bytes::Bytes,
}

/// The HTTP client of one [`Client`], with its connection pool.
pub(super) fn http_client(config: &Config) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .connect_timeout(config.timeouts.connect)
        .user_agent(config.user_agent.clone())
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

impl Client {
    /// Signs `out`, sends it to `base` and reads the answer; a non-2xx answer becomes
    /// [`Error::Api`]. Trusts nothing: verification is the caller's, and certificate downloads
    /// (which verification itself may need) come through here unverified.
    pub(super) async fn exchange<C: OpenEnum>(
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
pub(super) const UNREACHABLE: &str = "connection failed";

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
