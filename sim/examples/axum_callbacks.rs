//! A callback (notification) URL in axum that receives payments and refunds on one route and
//! answers as WeChat Pay documents: 200 with no body once a callback is verified and handled; a
//! 4xx/5xx with `{"code":"FAIL","message":...}` otherwise, after which WeChat Pay sends it again.
//!
//! `cargo run -p wechatpay-apiv3-sim --example axum_callbacks` serves the route on 127.0.0.1,
//! places, pays and refunds an order in the in-process simulator, and lets it post both
//! callbacks (signed and encrypted with the public fixture keys) to the route, plus one forged
//! callback that must be refused. No credentials needed.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use wechatpay_apiv3::http::{HeaderMap, Response, StatusCode};
use wechatpay_apiv3::pay::transactions::{Amount, JsapiPayer, PrepayJsapiRequest};
use wechatpay_apiv3::refund::domestic::{CreateRefundRequest, RefundRequestAmount};
use wechatpay_apiv3::{AnswerCallback, AnyNotification, CallbackAnswer, Client, Received};

/// The one callback route: verify, decrypt, type, handle, answer.
async fn notify(State(client): State<Client>, headers: HeaderMap, body: Bytes) -> Response<String> {
    let result = client
        .parse_callback::<AnyNotification>(&headers, &body)
        .await;
    let handled = match &result {
        // Handle each notification id once: WeChat Pay may deliver the same one again.
        Ok(Received::Known(n)) => match &n.event {
            AnyNotification::TransactionSuccess(t) => {
                println!(
                    "{} {}: order {:?} is {:?}",
                    n.id, n.event_type, t.out_trade_no, t.trade_state
                );
                Ok(())
            }
            AnyNotification::RefundResult(r) => {
                println!(
                    "{} {}: refund {} of {} fen",
                    n.id, n.event_type, r.out_refund_no, r.amount.refund
                );
                Ok(())
            }
            other => {
                println!("{} {}: {other:?}", n.id, n.event_type);
                Ok(())
            }
        },
        // A product line this crate was generated without: verified JSON, acknowledged.
        Ok(Received::Untyped {
            notification,
            original_type,
        }) => {
            println!(
                "{} {} ({original_type}): {}",
                notification.id, notification.event_type, notification.event
            );
            Ok(())
        }
        Ok(_) => Ok(()),
        Err(e) => {
            eprintln!("refused a callback: {e}");
            Ok(())
        }
    };
    // If storing the outcome failed, say so: WeChat Pay sends the callback again later.
    let answer = match handled {
        Ok(()) => result.answer(),
        Err(why) => CallbackAnswer::failure(StatusCode::INTERNAL_SERVER_ERROR, why),
    };
    answer.into_response()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = wechatpay_apiv3_sim::Simulator::start().await?;
    let client = Client::new(sim.client_config().build()?)?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/wechatpay/notify", listener.local_addr()?);
    let app = Router::new()
        .route("/wechatpay/notify", post(notify))
        .with_state(client.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!("callbacks: POST {url}");

    let order = PrepayJsapiRequest::builder()
        .appid("wxd678efh567hg6787")
        .mchid(wechatpay_apiv3_sim::FIXTURE_MCHID)
        .description("手冲咖啡豆 250g")
        .out_trade_no("AXUM-000001")
        // WeChat Pay only calls https URLs; the simulator posts to `url` below instead.
        .notify_url("https://shop.example.com/wechatpay/notify")
        .amount(Amount::builder().total(8800).build()?)
        .payer(
            JsapiPayer::builder()
                .openid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
                .build()?,
        )
        .build()?;
    client.execute(order).await?;
    let paid = sim.pay_order("AXUM-000001", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")?;
    let status = sim
        .send_notification(
            &url,
            "TRANSACTION.SUCCESS",
            "transaction",
            &paid.transaction,
        )
        .await?;
    println!("payment callback answered {status}");
    assert_eq!(status, 200);

    let refund = CreateRefundRequest::builder()
        .out_trade_no("AXUM-000001")
        .out_refund_no("AXUM-R-000001")
        .amount(
            RefundRequestAmount::builder()
                .refund(3000)
                .total(8800)
                .currency("CNY")
                .build()?,
        )
        .notify_url("https://shop.example.com/wechatpay/notify")
        .build()?;
    client.execute(refund).await?;
    let notice = sim
        .refund_notice("AXUM-R-000001")
        .ok_or("the simulator has no such refund")?;
    let status = sim
        .send_notification(&url, "REFUND.SUCCESS", "refund", &notice)
        .await?;
    println!("refund callback answered {status}");
    assert_eq!(status, 200);

    // Anyone can post to the URL; an unsigned callback is refused with 401 and the FAIL body.
    let forged = reqwest::Client::new()
        .post(&url)
        .header("Content-Type", "application/json")
        .body(r#"{"id":"EV-forged","event_type":"TRANSACTION.SUCCESS","resource":{}}"#)
        .send()
        .await?;
    println!(
        "forged callback answered {} {}",
        forged.status(),
        forged.text().await?
    );
    Ok(())
}
