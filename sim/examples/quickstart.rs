//! Quickstart: both seed operations through the generated client.
//!
//! `cargo run --example quickstart` runs against an in-process simulator (no credentials needed).
//! With these environment variables set it calls the real WeChat Pay API instead:
//! `WECHATPAY_MCHID`, `WECHATPAY_MERCHANT_SERIAL`, `WECHATPAY_PRIVATE_KEY_FILE`,
//! `WECHATPAY_PUBLIC_KEY_ID`, `WECHATPAY_PUBLIC_KEY_FILE`, `WECHATPAY_APIV3_KEY`.

use std::error::Error;

use wechatpay_apiv3::marketing::busifavor::UseCouponRequest;
use wechatpay_apiv3::marketing::partner::product_coupon::{
    AssociatedOrderInfo, UseUserCouponRequest,
};
use wechatpay_apiv3::{Client, Config, MerchantKey};

const VARS: [&str; 6] = [
    "WECHATPAY_MCHID",
    "WECHATPAY_MERCHANT_SERIAL",
    "WECHATPAY_PRIVATE_KEY_FILE",
    "WECHATPAY_PUBLIC_KEY_ID",
    "WECHATPAY_PUBLIC_KEY_FILE",
    "WECHATPAY_APIV3_KEY",
];

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let real: Option<Vec<String>> = VARS.iter().map(|v| std::env::var(v).ok()).collect();
    // Keep the simulator alive for the whole run when it is used.
    let (client, _sim) = match real {
        Some(v) => {
            println!("calling the real WeChat Pay API as merchant {}", v[0]);
            let config = Config::builder(&v[0], &v[1], MerchantKey::from_pem_file(&v[2])?)
                .wechatpay_public_key(&v[3], &std::fs::read(&v[4])?)
                .apiv3_key(&v[5])
                .build()?;
            (Client::new(config)?, None)
        }
        None => {
            let sim = wechatpay_apiv3_sim::Simulator::start().await?;
            println!(
                "no credentials in the environment: using the local simulator at {}",
                sim.base_url()
            );
            // What sending the coupons would have done: the seeds' coupons are in the users' wallets.
            sim.provision_busifavor_coupon("100088", "sxxe34343434", "xsd3434454567676");
            sim.provision_product_coupon_from_spec("oh-394z-6CGkNoJrsDLTTUKiAnp4", "Code_123456")?;
            (Client::new(sim.client_config().build()?)?, Some(sim))
        }
    };

    // 商家券 核销用户券: POST /v3/marketing/busifavor/coupons/use
    let use_coupon = UseCouponRequest::builder()
        .coupon_code("sxxe34343434")
        .stock_id("100088")
        .appid("wx1234567889999")
        .use_time("2015-05-20T13:29:35+08:00")
        .use_request_no("1002600620019090123143254435")
        .openid("xsd3434454567676")
        .build()?;
    match client.execute(use_coupon).await {
        Ok(used) => println!("\nbusifavor coupon used:\n{used:#?}"),
        Err(e) => println!("\nbusifavor use_coupon: {e}"),
    }

    // 商品券 核销用户商品券: POST /v3/marketing/partner/product-coupon/users/{openid}/coupons/{coupon_code}/use
    let use_product_coupon = UseUserCouponRequest::builder()
        .openid("oh-394z-6CGkNoJrsDLTTUKiAnp4")
        .coupon_code("Code_123456")
        .product_coupon_id("1000000013")
        .stock_id("1000000013001")
        .appid("wx233544546545989")
        .use_time("2025-08-03T12:00:00+08:00")
        .associated_order_info(
            AssociatedOrderInfo::builder()
                .transaction_id("4200000000123456789123456789")
                .build()?,
        )
        .out_request_no("MCHUSE202003101234")
        .brand_id("120344")
        .build()?;
    match client.execute(use_product_coupon).await {
        Ok(coupon) => println!(
            "\nproduct coupon {} is now {} (product {}, stock {})",
            coupon.coupon_code,
            coupon.coupon_state,
            coupon.product_coupon.product_coupon_id,
            coupon.stock.stock_id
        ),
        Err(e) => println!("\nproduct_coupon use_user_coupon: {e}"),
    }
    Ok(())
}
