//! What several simulator tests share: a simulator with a client, and a one-shot callback endpoint
//! on 127.0.0.1.
// Each test binary uses a part of this module.
#![allow(dead_code)]

pub mod relay;

use wechatpay_apiv3::{Client, NotificationEvent};

/// The verified, decrypted event, or why the client refused the callback.
pub type Received<E> = Result<E, String>;

/// Listens on a free loopback port for one callback, verifies and decrypts it with `client`
/// (answering 204, or 401 when it does not verify) and passes the result on. Returns the URL to
/// give the simulator.
pub async fn receive_one_callback<E>(
    client: Client,
) -> std::io::Result<(String, tokio::sync::mpsc::Receiver<Received<E>>)>
where
    E: NotificationEvent + Send + 'static,
{
    use http_body_util::BodyExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/notify", listener.local_addr()?);
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tokio::spawn(async move {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let service =
            hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let (client, tx) = (client.clone(), tx.clone());
                async move {
                    let (parts, body) = req.into_parts();
                    let body = body
                        .collect()
                        .await
                        .map(|b| b.to_bytes())
                        .unwrap_or_default();
                    let parsed = client.parse_notification::<E>(&parts.headers, &body).await;
                    let status = if parsed.is_ok() { 204 } else { 401 };
                    let _ = tx
                        .send(parsed.map(|n| n.event).map_err(|e| e.to_string()))
                        .await;
                    let mut response =
                        hyper::Response::new(http_body_util::Full::new(bytes::Bytes::new()));
                    *response.status_mut() =
                        hyper::StatusCode::from_u16(status).unwrap_or_default();
                    Ok::<_, std::convert::Infallible>(response)
                }
            });
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
            .await;
    });
    Ok((url, rx))
}

/// A fresh simulator and a client for it with the fixture merchant identity.
pub async fn sim_and_client()
-> Result<(wechatpay_apiv3_sim::Simulator, Client), Box<dyn std::error::Error>> {
    let sim = wechatpay_apiv3_sim::Simulator::start().await?;
    let client = Client::new(sim.client_config().build()?)?;
    Ok((sim, client))
}

/// A client for `sim` that retries quickly (4 attempts) and gives each attempt 1 s: generous on a
/// loaded machine, yet short enough that a test can make one attempt lose its answer with an
/// injected latency of a few seconds.
pub fn retrying(sim: &wechatpay_apiv3_sim::Simulator) -> Client {
    use std::time::Duration;
    let config = sim
        .client_config()
        .retry(wechatpay_apiv3::RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
        })
        .timeouts(wechatpay_apiv3::Timeouts {
            connect: Duration::from_millis(500),
            attempt: Duration::from_secs(1),
            total: Duration::from_secs(10),
        })
        .build()
        .expect("config");
    Client::new(config).expect("client")
}

/// `POST /_sim{path}` with a JSON body: the status and the JSON answer.
pub async fn control_post(
    sim: &wechatpay_apiv3_sim::Simulator,
    path: &str,
    body: serde_json::Value,
) -> Result<(u16, serde_json::Value), Box<dyn std::error::Error>> {
    let response = reqwest::Client::new()
        .post(format!("{}/_sim{path}", sim.base_url()))
        .header("Content-Type", "application/json")
        .body(serde_json::to_vec(&body)?)
        .send()
        .await?;
    let status = response.status().as_u16();
    Ok((status, serde_json::from_slice(&response.bytes().await?)?))
}

/// The API error of `result`, or a panic naming what came instead.
pub fn api_error<T: std::fmt::Debug>(
    result: Result<T, wechatpay_apiv3::Error<wechatpay_apiv3::ErrorCode>>,
) -> wechatpay_apiv3::ApiError<wechatpay_apiv3::ErrorCode> {
    match result {
        Err(wechatpay_apiv3::Error::Api(api)) => api,
        other => panic!("not an API error: {other:?}"),
    }
}

/// What [`receive_callbacks`] passes on: the notification as the one entry point typed it, or why
/// it was refused or left untyped.
pub type Typed = Result<wechatpay_apiv3::Notification<wechatpay_apiv3::AnyNotification>, String>;

/// A merchant's callback handler on 127.0.0.1 through `Client::parse_callback`, the one entry
/// point for every product line: each callback it verifies and types as a variant of
/// `AnyNotification` is passed on, anything else as an error, and each is answered as the runtime
/// says. Returns the URL to give the simulator.
pub async fn receive_callbacks(
    client: Client,
) -> std::io::Result<(String, tokio::sync::mpsc::UnboundedReceiver<Typed>)> {
    use axum::body::Bytes;
    use wechatpay_apiv3::http::HeaderMap;
    use wechatpay_apiv3::{AnswerCallback, AnyNotification, Received};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/notify", listener.local_addr()?);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let handler = move |headers: HeaderMap, body: Bytes| {
        let (client, tx) = (client.clone(), tx.clone());
        async move {
            let received = client
                .parse_callback::<AnyNotification>(&headers, &body)
                .await;
            let typed = match &received {
                Ok(Received::Known(n)) => Ok(n.clone()),
                Ok(other) => Err(format!("not typed: {other:?}")),
                Err(e) => Err(e.to_string()),
            };
            let _ = tx.send(typed);
            received.answer().into_response()
        }
    };
    let app = axum::Router::new().route("/notify", axum::routing::post(handler));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((url, rx))
}

/// The next callback [`receive_callbacks`] passed on (the simulator delivers in the background;
/// generous for a loaded machine).
pub async fn next_callback(
    callbacks: &mut tokio::sync::mpsc::UnboundedReceiver<Typed>,
) -> Result<
    wechatpay_apiv3::Notification<wechatpay_apiv3::AnyNotification>,
    Box<dyn std::error::Error>,
> {
    let received = tokio::time::timeout(std::time::Duration::from_secs(60), callbacks.recv()).await;
    Ok(received?.ok_or("the handler stopped")??)
}
