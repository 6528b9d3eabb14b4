//! The shop's flow against the simulator: prepay, front-end parameters, payment callback.

use daily_flow::{checkout, on_callback};
use wechatpay_apiv3::Client;

#[tokio::test]
async fn prepay_parameters_and_callback() -> Result<(), Box<dyn std::error::Error>> {
    let sim = wechatpay_apiv3_sim::Simulator::start().await?;
    let client = Client::new(sim.client_config().build()?)?;
    let params = checkout(&client, "DAILY-000001", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o").await?;
    assert_eq!(params["signType"], "RSA");
    let paid = sim.pay_order("DAILY-000001", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")?;
    let callback =
        sim.signed_notification("TRANSACTION.SUCCESS", "transaction", &paid.transaction)?;
    let (order, status) = on_callback(&client, callback.headers, &callback.body).await;
    assert_eq!((order.as_deref(), status), (Some("DAILY-000001"), 200));
    Ok(())
}
