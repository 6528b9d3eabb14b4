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
            return Ok(reply(Answer::error(
                413,
                "PARAM_ERROR",
                "request body too large",
                None,
            )));
        }
    };
    let incoming = Incoming {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        body: &body,
    };
    let answer = handle(&state.api, &state.faults, &state.store, &incoming);
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
    Ok(reply(answer))
}

fn reply(answer: Answer) -> Response<Full<Bytes>> {
    let has_body = !answer.body.is_empty();
    let mut response = Response::new(Full::new(Bytes::from(answer.body)));
    *response.status_mut() = hyper::StatusCode::from_u16(answer.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    if has_body {
        response.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("application/json"),
        );
    }
    response
}
