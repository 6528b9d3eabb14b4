//! A callback (notification) endpoint with the right HTTP answers, on any framework: give the
//! raw headers and body to `Client::parse_notification`, answer 204 on success, and on failure
//! the error's status with `{"code":"FAIL","message":...}` so WeChat Pay sends it again.
//!
//! Run: `cargo run -p wechatpay-apiv3-runtime --features client --example notification_handler`
//! (listens on 127.0.0.1:8089 with the public fixture keys; stop with Ctrl-C).

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use wechatpay_apiv3_runtime::NotificationEvent;
use wechatpay_apiv3_runtime::client::{Client, Config, MerchantKey};

/// The decrypted resource of TRANSACTION.SUCCESS (generated crates declare these for you).
#[derive(Debug, serde::Deserialize)]
struct Transaction {
    out_trade_no: String,
    trade_state: String,
}

impl NotificationEvent for Transaction {
    const EVENT_TYPES: &'static [&'static str] = &["TRANSACTION.SUCCESS"];
    const ORIGINAL_TYPE: &'static str = "transaction";
    const SUMMARY: &'static str = "payment succeeded";
}

async fn handle(
    client: Client,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let (status, answer) = match client
        .parse_notification::<Transaction>(&parts.headers, &body)
        .await
    {
        Ok(n) => {
            // Handle each notification id once: WeChat Pay may deliver it again.
            println!(
                "{} {}: order {} is {}",
                n.id, n.event_type, n.event.out_trade_no, n.event.trade_state
            );
            (204, Bytes::new())
        }
        Err(e) => {
            eprintln!("refused a callback: {e}");
            (e.status(), Bytes::from(e.response_body()))
        }
    };
    let mut response = Response::new(Full::new(answer));
    *response.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::BAD_REQUEST);
    Ok(response)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let config = Config::builder(
        "1900000001",
        "5F1C72E2A8931B72A2E13AF8DEE92471EB397115",
        MerchantKey::from_pem_file(format!("{fixtures}/java_merchant_private_key.pem"))?,
    )
    .wechatpay_public_key(
        "PUB_KEY_ID_0000000000000024101100397200000006",
        &std::fs::read(format!("{fixtures}/java_wechatpay_public_key.pem"))?,
    )
    .apiv3_key("a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb")
    .build()?;
    let client = Client::new(config)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8089").await?;
    println!("callbacks: POST http://127.0.0.1:8089/");
    loop {
        let (stream, _) = listener.accept().await?;
        let client = client.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(client.clone(), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}
