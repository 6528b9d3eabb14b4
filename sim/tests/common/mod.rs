//! What several simulator tests share: a simulator with a client, and a one-shot callback endpoint
//! on 127.0.0.1.
// Each test binary uses a part of this module.
#![allow(dead_code)]

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
