//! The transport: the only code that speaks HTTP (reqwest). Signs one request, sends it to one
//! host and reads the answer; trusts nothing (verification is the orchestrator's).

use std::time::Duration;

use http::HeaderMap;
use serde_json::Value;

use super::error::{BodyKind, TimedOut, TimeoutKind, TooLarge};
use super::orchestrator::Deadline;
use super::{ApiError, Client, Config, Error, Limits, crypto, sign};
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
    /// A file: read up to [`super::Limits::download`], not the JSON limit.
    pub(super) download: bool,
    /// This call's own download limit ([`super::RequestOptions::download_limit`]).
    pub(super) download_limit: Option<u64>,
    pub(super) rate_limit: Option<crate::RateLimit>,
    /// The documented error rows, for the retry classifier.
    pub(super) errors: &'static [crate::ErrorDoc],
}

impl<'a> Outgoing<'a> {
    /// A file download: a GET, safe to repeat, whose answer is unsigned and read under the
    /// download size limit.
    pub(super) fn download(id: &'a str, path_and_query: String) -> Self {
        Self {
            id,
            method: http::Method::GET,
            path_and_query,
            body: bytes::Bytes::new(),
            upload: None,
            wechatpay_serial: None,
            retry_safe: true,
            verify: false,
            download: true,
            download_limit: None,
            rate_limit: None,
            errors: &[],
        }
    }
}

/// A success answer (verified once the orchestrator is done with it; downloads are unsigned).
pub(super) struct Incoming {
    pub(super) headers: HeaderMap,
    pub(super) body: bytes::Bytes,
    pub(super) status: u16,
    pub(super) request_id: Option<String>,
    /// Attempts the call took, this one included.
    pub(super) attempts: u32,
}

/// The HTTP client of one [`Client`], with its connection pool.
pub(super) fn http_client(config: &Config) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .connect_timeout(config.timeouts.connect)
        // APIv3 never redirects: a 3xx is an error, and no URL (with its token) goes elsewhere.
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .user_agent(config.user_agent.clone())
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

impl Client {
    /// Signs `out`, sends it to `base` and reads the answer within the budget `deadline` leaves;
    /// a non-2xx answer becomes [`Error::Api`], a 3xx [`Error::Redirected`]. Trusts nothing:
    /// verification is the caller's, and certificate downloads (which verification itself may
    /// need) come through here unverified.
    pub(super) async fn exchange<C: OpenEnum>(
        &self,
        base: &str,
        out: &Outgoing<'_>,
        deadline: &Deadline,
    ) -> Result<Incoming, Error<C>> {
        let config = &self.inner.config;
        // Anything but a path would join the host name (`@other.host/`, `.other.host/`).
        if !out.path_and_query.starts_with('/') {
            return Err(Error::Config(format!(
                "request path `{}` does not start with `/`; nothing was sent",
                without_query(&out.path_and_query)
            )));
        }
        // The URL parser rewrites some paths (percent-encodes, resolves `..`, drops `#...`):
        // sign the path exactly as it will go out.
        let url = reqwest::Url::parse(&format!("{base}{}", out.path_and_query)).map_err(|e| {
            Error::Config(format!(
                "`{}` is not a valid request path: {e}",
                without_query(&out.path_and_query)
            ))
        })?;
        let signed_path = sent_path_and_query(&url);
        let timestamp = (config.clock)();
        let nonce = crypto::nonce();
        let authorization = sign::authorization(
            &config.mchid,
            &config.merchant_serial,
            &config.merchant_key,
            out.method.as_str(),
            signed_path,
            timestamp,
            &nonce,
            &out.body,
        )
        .map_err(|e| Error::Config(e.0))?;
        let mut request = self
            .inner
            .http
            .request(out.method.clone(), url.clone())
            .header(http::header::AUTHORIZATION, authorization)
            .header(http::header::ACCEPT, "application/json");
        if let Some(serial) = &out.wechatpay_serial {
            request = request.header(crate::protocol::HEADER_SERIAL, serial);
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
        let (budget, timed_out) = deadline.budget();
        let exchange = async {
            let response = request.send().await?;
            let limits = Limits {
                download: out.download_limit.unwrap_or(config.limits.download),
                ..config.limits
            };
            read_answer(response, out.download, &limits).await
        };
        let (status, headers, body) = match tokio::time::timeout(budget, exchange).await {
            Err(_) => return Err(Error::Timeout(timed_out)),
            Ok(Err(e)) => return Err(transport_error(&e, config.timeouts.connect, timed_out)),
            Ok(Ok(parts)) => parts,
        };
        let request_id = headers
            .get(crate::protocol::HEADER_REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let span = tracing::Span::current();
        span.record("status", status);
        if let Some(id) = &request_id {
            span.record("request_id", id.as_str());
        }
        let body = match body {
            Read::Whole(body) | Read::Cut(body) => body,
            Read::Redirect => {
                let location_host = headers
                    .get(http::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|l| url.join(l).ok())
                    .and_then(|u| u.host_str().map(str::to_string));
                return Err(Error::Redirected {
                    status,
                    location_host,
                });
            }
            Read::TooLarge(e) => return Err(Error::TooLarge(e)),
        };
        if !(200..300).contains(&status) {
            return Err(Error::Api(api_error(status, &body, request_id)));
        }
        Ok(Incoming {
            headers,
            body,
            status,
            request_id,
            attempts: 1,
        })
    }
}

/// Reads an answer's status, headers and body within its limit: an error body up to
/// [`super::Limits::error`], a success body up to the response or download limit (refused
/// unread when its Content-Length is already over), a redirect not at all.
async fn read_answer(
    mut response: reqwest::Response,
    download: bool,
    limits: &Limits,
) -> Result<(u16, HeaderMap, Read), reqwest::Error> {
    let status = response.status().as_u16();
    let headers = std::mem::take(response.headers_mut());
    if (300..400).contains(&status) {
        return Ok((status, headers, Read::Redirect));
    }
    let (limit, kind) = match ((200..300).contains(&status), download) {
        (false, _) => (limits.error, None),
        (true, false) => (limits.response, Some(BodyKind::Response)),
        (true, true) => (limits.download, Some(BodyKind::Download)),
    };
    if let (Some(body), Some(declared)) = (kind, response.content_length())
        && declared > limit
    {
        let refused = TooLarge {
            body,
            limit,
            status,
        };
        return Ok((status, headers, Read::TooLarge(refused)));
    }
    let body = read_capped(&mut response, limit).await?;
    Ok((status, headers, body.over_limit(kind, limit, status)))
}

/// The path and query of a parsed URL, exactly as the request line carries them.
fn sent_path_and_query(url: &reqwest::Url) -> &str {
    let all = url.as_str();
    let start = all.len()
        - url.path().len()
        - url.query().map_or(0, |q| q.len() + 1)
        - url.fragment().map_or(0, |f| f.len() + 1);
    let end = all.len() - url.fragment().map_or(0, |f| f.len() + 1);
    &all[start..end]
}

/// A path without its query, which may carry a token, for error messages.
fn without_query(path_and_query: &str) -> &str {
    path_and_query.split('?').next().unwrap_or_default()
}

/// A body as read: whole, cut at the error-body limit, over the limit, or not read (3xx).
enum Read {
    Whole(bytes::Bytes),
    Cut(bytes::Bytes),
    TooLarge(TooLarge),
    Redirect,
}

impl Read {
    /// Past the limit, a success body is refused; an error body keeps what was read.
    fn over_limit(self, kind: Option<BodyKind>, limit: u64, status: u16) -> Self {
        match (self, kind) {
            (Read::Cut(_), Some(body)) => Read::TooLarge(TooLarge {
                body,
                limit,
                status,
            }),
            (other, _) => other,
        }
    }
}

/// Reads a body chunk by chunk, never holding more than `limit` bytes: a declared or actual
/// length past it stops the read (the connection is dropped, not drained). One chunk is kept
/// as it came; more are joined once.
async fn read_capped(response: &mut reqwest::Response, limit: u64) -> Result<Read, reqwest::Error> {
    let cap = usize::try_from(limit).unwrap_or(usize::MAX);
    let declared = response.content_length().unwrap_or(0).min(limit);
    let mut first: Option<bytes::Bytes> = None;
    let mut joined: Vec<u8> = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let held = first.as_ref().map_or(joined.len(), bytes::Bytes::len);
        if chunk.len() > cap.saturating_sub(held) {
            let room = cap.saturating_sub(held);
            let mut kept = first.map_or(joined, |f| f.to_vec());
            kept.extend_from_slice(&chunk[..room]);
            return Ok(Read::Cut(kept.into()));
        }
        match first.take() {
            None if joined.is_empty() => first = Some(chunk),
            None => joined.extend_from_slice(&chunk),
            Some(f) => {
                joined = Vec::with_capacity(
                    usize::try_from(declared)
                        .unwrap_or(0)
                        .max(f.len() + chunk.len()),
                );
                joined.extend_from_slice(&f);
                joined.extend_from_slice(&chunk);
            }
        }
    }
    Ok(Read::Whole(first.unwrap_or_else(|| joined.into())))
}

/// An error body (unsigned, or a verified 2xx the operation documents as an error) read as
/// `{code, message, detail}`; a body that is not that shape still
/// gives an error with the status and the start of the body.
pub(super) fn api_error<C: OpenEnum>(
    status: u16,
    body: &[u8],
    request_id: Option<String>,
) -> ApiError<C> {
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
            b.detail.map(|d| Box::new(super::ErrorDetail::from_json(d))),
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
        message: bounded(message, MAX_MESSAGE_BYTES),
        detail,
        request_id,
    }
}

/// Longest `ApiError::message` kept (WeChat Pay's messages are one sentence).
const MAX_MESSAGE_BYTES: usize = 1024;

/// `text` cut to at most `max` bytes at a character boundary, marked with `…` when cut.
fn bounded(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

/// A reqwest failure as the error that tells what is known: no connection (nothing sent; the
/// connect timeout is one of these), a request that could not be built (nothing sent), or a
/// failure after the connection was made (the request may have arrived).
fn transport_error<C>(e: &reqwest::Error, connect: Duration, attempt: TimedOut) -> Error<C> {
    if e.is_connect() && e.is_timeout() {
        Error::Timeout(TimedOut {
            kind: TimeoutKind::Connect,
            limit: connect,
        })
    } else if e.is_connect() {
        // The host and port only: which host was down, never the path or query.
        match e
            .url()
            .and_then(|u| Some((u.host_str()?, u.port_or_known_default()?)))
        {
            Some((host, port)) => Error::Unreachable(format!("{host}:{port}: {}", reason(e))),
            None => Error::Unreachable(reason(e)),
        }
    } else if e.is_timeout() {
        Error::Timeout(attempt)
    } else if e.is_builder() {
        Error::Config(format!("request not built: {}", reason(e)))
    } else {
        Error::Transport(reason(e))
    }
}

/// A transport failure in words: its innermost cause, without URLs (their queries may carry
/// tokens).
fn reason(e: &reqwest::Error) -> String {
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        "connection error".to_string()
    } else {
        detail
    }
}
