//! The HTTP/1.1 server: one task per connection, until the simulator is dropped.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming as Body;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

use crate::State;
use crate::handler::{Answer, Incoming, handle};

/// Largest request body read (uploads included).
const MAX_BODY: usize = 8 * 1024 * 1024;

/// How much a client may hold of the server: bounds against slow or idle connections.
#[derive(Clone, Copy, Debug)]
pub struct ServerLimits {
    /// Time a client has to send a request's headers before its connection is closed (hyper's
    /// `header_read_timeout`). Default 30 s.
    pub header_read_timeout: std::time::Duration,
    /// Connections served at once; more wait in the listen queue until one closes. Default 512.
    pub max_connections: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: std::time::Duration::from_secs(30),
            max_connections: 512,
        }
    }
}

pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<State>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
    limits: ServerLimits,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    loop {
        // A free slot first, so connections past the limit are not even accepted.
        let slot = tokio::select! {
            _ = &mut stop => return,
            slot = slots.clone().acquire_owned() => slot,
        };
        let Ok(slot) = slot else { return };
        let accepted = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else { continue };
        let state = state.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let service = hyper::service::service_fn(move |req| contained(state.clone(), req));
            let _ = hyper::server::conn::http1::Builder::new()
                // Without a timer hyper applies no header-read timeout at all.
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Answers in a task of its own, so that a panic anywhere in handling (whatever a header held)
/// becomes a 500 that says so, not a connection closed without an answer.
async fn contained(
    state: Arc<State>,
    req: Request<Body>,
) -> Result<Response<Full<Bytes>>, std::io::Error> {
    match tokio::spawn(answer(state.clone(), req)).await {
        Ok(answered) => answered,
        Err(_) => Ok(reply(
            &state,
            Answer::error(
                500,
                "SYSTEM_ERROR",
                "the simulator panicked while answering (a simulator bug)",
                None,
            ),
        )),
    }
}

async fn answer(
    state: Arc<State>,
    req: Request<Body>,
) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return Ok(reply(
                &state,
                Answer::error(413, "PARAM_ERROR", "request body too large", None),
            ));
        }
    };
    // The control API (`/_sim/...`, unsigned, loopback only) is no WeChat Pay path.
    if let Some(answer) = crate::control::answer(&state, &parts, &body).await {
        return Ok(reply(&state, answer));
    }
    let path_and_query = parts.uri.path_and_query().map_or("", |p| p.as_str());
    let authorization = parts
        .headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let content_type = parts
        .headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // A boundary RFC 2046 does not allow is refused before any of the body is looked at.
    let boundary = match crate::multipart::boundary(content_type) {
        Some(Err(reason)) => {
            return Ok(reply(
                &state,
                Answer::error(400, "PARAM_ERROR", &reason, None),
            ));
        }
        boundary => boundary.and_then(Result::ok),
    };
    // Uploads are signed over their `meta` part only: find it, check the signature, and only then
    // read the rest of the body.
    let signed_body: &[u8] = boundary
        .and_then(|b| crate::multipart::meta(b, &body))
        .unwrap_or(&body);
    if let Err(reason) = state.security.check_request(
        authorization,
        parts.method.as_str(),
        path_and_query,
        signed_body,
    ) {
        return Ok(reply(
            &state,
            Answer::error(401, "SIGN_ERROR", &reason, None),
        ));
    }
    let upload = boundary.and_then(|b| crate::multipart::parse(b, &body));
    let incoming = Incoming {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        body: if upload.is_some() { b"" } else { &body },
        upload: upload.as_ref(),
        platform_key: &state.security.platform_key,
    };
    let mut answer = handle(&state.api, &state.faults, &state.store, &incoming);
    if let Some(id) = answer.operation.clone() {
        crate::sensitive::encrypt_answer_fields(&state.api, &state.security, &id, &mut answer);
    }
    crate::control::owe(&state, state.store.take_notices());
    if let Some(delay) = answer.latency {
        tokio::time::sleep(delay).await;
    }
    if answer.drop {
        // An error from the service makes hyper close the connection without a response.
        return Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "fault: drop",
        ));
    }
    Ok(reply(&state, answer))
}

/// The answer with its signature headers (downloads are unsigned, as on the real API).
fn reply(state: &State, answer: Answer) -> Response<Full<Bytes>> {
    let headers = if answer.unsigned {
        Vec::new()
    } else {
        state
            .security
            .sign_answer(&answer.body, &answer.signing_faults)
    };
    let has_body = !answer.body.is_empty();
    let mut response = Response::new(Full::new(Bytes::from(answer.body)));
    *response.status_mut() = hyper::StatusCode::from_u16(answer.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let h = response.headers_mut();
    if has_body {
        h.insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("application/json"),
        );
    }
    for (name, value) in headers {
        if let Ok(v) = hyper::header::HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    if let Ok(v) =
        hyper::header::HeaderValue::from_str(&wechatpay_apiv3_runtime::client::crypto::nonce())
    {
        h.insert("Request-ID", v);
    }
    response
}
