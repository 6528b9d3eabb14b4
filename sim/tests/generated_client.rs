//! The generated client against the simulator: the seed operations end to end, retries that never
//! double an effect, failover, and callbacks a handler verifies.

use std::time::Duration;

use serde_json::json;
use wechatpay_apiv3::ErrorCode;
use wechatpay_apiv3::marketing::busifavor::UseCouponRequest;
use wechatpay_apiv3::{Client, Error, RetryPolicy, TrustError};
use wechatpay_apiv3_sim::{Fault, Simulator};

mod common;

const OP: &str = "busifavor.use_coupon";

fn use_coupon(code: &str, request_no: &str) -> UseCouponRequest {
    UseCouponRequest::builder()
        .coupon_code(code)
        .stock_id("100088")
        .appid("wx1234567889999")
        .use_time("2015-05-20T13:29:35+08:00")
        .use_request_no(request_no)
        .openid("xsd3434454567676")
        .build()
        .expect("valid request")
}

#[tokio::test]
async fn a_coupon_lifecycle_through_the_generated_client() -> Result<(), Box<dyn std::error::Error>>
{
    let sim = Simulator::start().await?;
    let client = common::retrying(&sim);
    // Not in the wallet yet: the documented 404.
    let err = client
        .execute(use_coupon("sxxe34343434", "NO-1"))
        .await
        .expect_err("not sent");
    assert_eq!(
        err.api().map(|e| (&e.code, e.status)),
        Some((&ErrorCode::ResourceNotExists, 404))
    );
    sim.provision_busifavor_coupon("100088", "sxxe34343434", "xsd3434454567676");
    let used = client.execute(use_coupon("sxxe34343434", "NO-2")).await?;
    assert_eq!(
        (used.stock_id.as_str(), used.openid.as_str()),
        ("100088", "xsd3434454567676")
    );
    // The same request number again: the first answer, no second effect.
    let replay = client.execute(use_coupon("sxxe34343434", "NO-2")).await?;
    assert_eq!(replay, used);
    // Another request number: the coupon is used already.
    let err = client
        .execute(use_coupon("sxxe34343434", "NO-3"))
        .await
        .expect_err("used");
    assert_eq!(
        err.api().map(|e| e.code.clone()),
        Some(ErrorCode::ResourceAlreadyExists)
    );
    assert_eq!(sim.faults().effects(OP), 1);
    Ok(())
}

#[tokio::test]
async fn retries_after_5xx_429_and_dropped_connections_never_double_the_effect()
-> Result<(), Box<dyn std::error::Error>> {
    let sim = Simulator::start().await?;
    let client = common::retrying(&sim);
    sim.provision_busifavor_coupon("100088", "c1", "u");
    sim.faults().inject(
        OP,
        Fault::Status {
            status: 500,
            code: "SYSTEM_ERROR",
        },
        Some(1),
    )?;
    sim.faults().inject(
        OP,
        Fault::Status {
            status: 429,
            code: "FREQUENCY_LIMITED",
        },
        Some(1),
    )?;
    client.execute(use_coupon("c1", "R-1")).await?;
    assert_eq!((sim.faults().calls(OP), sim.faults().effects(OP)), (3, 1));

    sim.provision_busifavor_coupon("100088", "c2", "u");
    sim.faults().inject(OP, Fault::Drop, Some(1))?;
    client.execute(use_coupon("c2", "R-2")).await?;
    assert_eq!(sim.faults().effects(OP), 2);
    Ok(())
}

#[tokio::test]
async fn a_lost_answer_is_retried_and_replayed_not_redone() -> Result<(), Box<dyn std::error::Error>>
{
    let sim = Simulator::start().await?;
    let client = common::retrying(&sim);
    sim.provision_busifavor_coupon("100088", "c1", "u");
    // The coupon is used, but the answer comes after the client gave up on the attempt.
    sim.faults()
        .inject(OP, Fault::Latency(Duration::from_secs(3)), Some(1))?;
    let answer = client.execute(use_coupon("c1", "LOST-1")).await?;
    assert_eq!(answer.stock_id, "100088");
    assert_eq!(
        sim.faults().effects(OP),
        1,
        "the retry got the first answer back"
    );
    Ok(())
}

#[tokio::test]
async fn the_backup_host_takes_over_when_the_primary_is_down()
-> Result<(), Box<dyn std::error::Error>> {
    let sim = Simulator::start().await?;
    sim.provision_busifavor_coupon("100088", "c1", "u");
    let dead = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let config = sim
        .client_config()
        .base_url(format!("http://{dead}"))
        .backup_url(Some(sim.base_url()))
        .build()?;
    Client::new(config)?
        .execute(use_coupon("c1", "B-1"))
        .await?;
    assert_eq!(sim.faults().effects(OP), 1);
    Ok(())
}

#[tokio::test]
async fn verification_failures_are_never_trusted() -> Result<(), Box<dyn std::error::Error>> {
    let sim = Simulator::start().await?;
    let client = Client::new(sim.client_config().retry(RetryPolicy::none()).build()?)?;
    sim.provision_busifavor_coupon("100088", "c1", "u");
    sim.faults().inject(OP, Fault::SignTest, Some(1))?;
    match client.execute(use_coupon("c1", "V-1")).await {
        Err(Error::Untrusted(TrustError::SignatureProbe)) => {}
        other => panic!("expected a probe rejection, got {other:?}"),
    }
    Ok(())
}

#[tokio::test]
async fn callbacks_reach_a_handler_signed_and_encrypted() -> Result<(), Box<dyn std::error::Error>>
{
    let sim = Simulator::start().await?;
    let client = Client::new(sim.client_config().build()?)?;
    let (url, mut rx) = common::receive_one_callback::<Used>(client).await?;
    let status = sim
        .send_notification(
            &url,
            "COUPON.USE",
            "coupon",
            &json!({ "coupon_code": "c1", "stock_id": "100088" }),
        )
        .await?;
    assert_eq!(status, 204);
    let event = rx.recv().await.ok_or("handler saw nothing")??;
    assert_eq!(event.coupon_code, "c1");
    assert!(
        sim.send_notification("http://10.0.0.1/notify", "COUPON.USE", "coupon", &json!({}))
            .await
            .is_err(),
        "loopback only"
    );
    Ok(())
}

/// A decrypted callback resource, as a test declares it.
#[derive(Debug, serde::Deserialize)]
struct Used {
    coupon_code: String,
}

impl wechatpay_apiv3::NotificationEvent for Used {
    const EVENT_TYPES: &'static [&'static str] = &["COUPON.USE"];
    const ORIGINAL_TYPE: &'static str = "coupon";
    const SUMMARY: &'static str = "coupon used";
}
