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

pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<State>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else { continue };
        let state = state.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| answer(state.clone(), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
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
    let upload = crate::multipart::parse(content_type, &body);
    // Uploads are signed over their `meta` part only.
    let signed_body: &[u8] = upload.as_ref().map_or(&body, |u| u.meta.as_slice());
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
    if parts.method == hyper::Method::GET && parts.uri.path() == "/v3/certificates" {
        let answer = match state.security.certificates_body() {
            Ok(body) => Answer {
                body,
                ..Answer::json(200, &serde_json::Value::Null)
            },
            Err(e) => Answer::error(500, "SYSTEM_ERROR", &e, None),
        };
        return Ok(reply(&state, answer));
    }
    let incoming = Incoming {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        body: if upload.is_some() { b"" } else { &body },
        upload: upload.as_ref(),
    };
    let answer = handle(&state.api, &state.faults, &state.store(), &incoming);
    crate::control::observe(&state, &incoming, &answer);
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
