//! A recording relay on 127.0.0.1 between the generated client and the simulator, for the tests
//! of fields the client sends RSA-OAEP encrypted to WeChat Pay's key: it keeps each request exactly
//! as it was sent and passes it on, so calls succeed end to end while the test reads what went over
//! the wire and decrypts it as WeChat Pay does, with the simulator's fixture platform private key.

use std::sync::{Arc, Mutex};

use serde_json::Value;
use wechatpay_apiv3::Client;
use wechatpay_apiv3_sim::Simulator;

/// One request as the relay received it.
pub struct Sent {
    pub path: String,
    pub wechatpay_serial: Option<String>,
    pub body: Value,
}

pub type Log = Arc<Mutex<Vec<Sent>>>;

/// Listens on a free loopback port, records every request and forwards it unchanged to
/// `upstream`, answering with the upstream's status, headers and body. Returns the relay's URL.
pub async fn recording_relay(upstream: String, log: Log) -> std::io::Result<String> {
    use http_body_util::BodyExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let forward = reqwest::Client::new();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (forward, upstream, log) = (forward.clone(), upstream.clone(), log.clone());
            let service =
                hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let (forward, upstream, log) = (forward.clone(), upstream.clone(), log.clone());
                    async move {
                        let (parts, body) = req.into_parts();
                        let body = body.collect().await?.to_bytes();
                        let path = parts
                            .uri
                            .path_and_query()
                            .map(ToString::to_string)
                            .unwrap_or_default();
                        log.lock().expect("log").push(Sent {
                            path: path.clone(),
                            wechatpay_serial: parts
                                .headers
                                .get("Wechatpay-Serial")
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_string),
                            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                        });
                        let answer = forward
                            .request(parts.method, format!("{upstream}{path}"))
                            .headers(parts.headers)
                            .body(body)
                            .send()
                            .await;
                        let mut response =
                            hyper::Response::new(http_body_util::Full::new(bytes::Bytes::new()));
                        if let Ok(answer) = answer {
                            *response.status_mut() = answer.status();
                            let mut headers = answer.headers().clone();
                            // Hop-by-hop: the relay answers with a body of known length.
                            headers.remove(hyper::header::TRANSFER_ENCODING);
                            headers.remove(hyper::header::CONNECTION);
                            *response.headers_mut() = headers;
                            let bytes = answer.bytes().await.unwrap_or_default();
                            *response.body_mut() = http_body_util::Full::new(bytes);
                        } else {
                            *response.status_mut() = hyper::StatusCode::BAD_GATEWAY;
                        }
                        Ok::<_, hyper::Error>(response)
                    }
                });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(url)
}

/// Decrypts a field the client sent, as WeChat Pay does (the fixture platform private key).
pub fn platform_decrypt(ciphertext: &str) -> String {
    let key = wechatpay_apiv3_sim::SimConfig::fixture()
        .expect("fixture keys")
        .platform_key;
    key.decrypt_oaep(ciphertext)
        .expect("decrypts with the platform key")
}

/// Asserts `field` of `body` went out as ciphertext of `plain`.
pub fn assert_encrypted(body: &Value, field: &str, plain: &str) {
    let sent = body
        .pointer(field)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{field} was sent: {body}"));
    assert_ne!(sent, plain, "{field} left the client in plain text");
    assert!(!sent.contains(plain), "{field} carries the plain text");
    assert_eq!(
        platform_decrypt(sent),
        plain,
        "{field} decrypts to what was set"
    );
}

pub async fn relayed_client() -> Result<(Simulator, Client, Log), Box<dyn std::error::Error>> {
    let sim = Simulator::start().await?;
    let log = Log::default();
    let relay = recording_relay(sim.base_url(), log.clone()).await?;
    let client = Client::new(sim.client_config().base_url(relay).build()?)?;
    Ok((sim, client, log))
}

pub fn taken(log: &Log, path: &str) -> Sent {
    let mut log = log.lock().expect("log");
    let at = log
        .iter()
        .position(|s| s.path == path)
        .unwrap_or_else(|| panic!("a request to {path} was relayed"));
    log.remove(at)
}
