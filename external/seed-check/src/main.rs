//! Builds the two seed operations' requests from the seeds' example values and decodes the full
//! response example of seed 003 (核销用户商品券) into typed structs.

use std::error::Error;

use wechatpay_apiv3::Operation;
use wechatpay_apiv3::marketing::busifavor::{UseCouponRequest, UseCouponResponse};
use wechatpay_apiv3::marketing::partner::product_coupon::{
    AssociatedOrderInfo, BackgroundColor, CouponUsageMethod, UseUserCouponRequest, UserCouponState,
    UserProductCoupon, Weekday,
};

fn main() -> Result<(), Box<dyn Error>> {
    // Seeds 000-002, 004: POST /v3/marketing/busifavor/coupons/use.
    let busifavor = UseCouponRequest::builder()
        .coupon_code("sxxe34343434")
        .stock_id("100088")
        .appid("wx1234567889999")
        .use_time("2015-05-20T13:29:35+08:00")
        .use_request_no("1002600620019090123143254435")
        .openid("xsd3434454567676")
        .build()?;
    println!(
        "{} {}",
        UseCouponRequest::META.method,
        busifavor.path_and_query()
    );
    println!("{}", serde_json::to_string(&busifavor.body)?);
    let answer: UseCouponResponse = serde_json::from_str(
        r#"{"stock_id":"100088","openid":"dsadas34345454545","wechatpay_use_time":"2015-05-20T13:29:35.120+08:00"}"#,
    )?;
    println!(
        "redeemed at {}",
        answer.wechatpay_use_time.to_offset_date_time()?
    );

    // Seed 003: POST /v3/marketing/partner/product-coupon/users/{openid}/coupons/{coupon_code}/use.
    let product = UseUserCouponRequest::builder()
        .openid("oh-394z-6CGkNoJrsDLTTUKiAnp4")
        .coupon_code("Code_123456")
        .use_time("2025-08-03T12:00:00+08:00")
        .product_coupon_id("1000000013")
        .appid("wx233544546545989")
        .associated_order_info(
            AssociatedOrderInfo::builder()
                .transaction_id("4200000000123456789123456789")
                .build()?,
        )
        .stock_id("1000000013001")
        .out_request_no("MCHUSE202003101234")
        .brand_id("120344")
        .build()?;
    println!(
        "{} {}",
        UseUserCouponRequest::META.method,
        product.path_and_query()
    );
    println!("{}", serde_json::to_string(&product.body)?);

    let coupon: UserProductCoupon = serde_json::from_str(include_str!("seed003_response.json"))?;
    assert_eq!(coupon.coupon_state, UserCouponState::Used);
    let rule = coupon
        .stock
        .single_usage_rule
        .as_ref()
        .ok_or("single_usage_rule")?;
    let weekly = rule
        .coupon_available_period
        .weekly_available_period
        .as_ref()
        .ok_or("weekly period")?;
    assert_eq!(
        weekly.day_list.as_deref().unwrap_or_default().first(),
        Some(&Weekday::Monday)
    );
    assert!(
        coupon
            .stock
            .usage_rule_display_info
            .coupon_usage_method_list
            .contains(&CouponUsageMethod::PaymentCode)
    );
    assert_eq!(
        coupon.stock.coupon_display_info.background_color,
        Some(BackgroundColor::Color010)
    );
    let discount = coupon
        .product_coupon
        .single_usage_info
        .as_ref()
        .and_then(|i| i.discount_coupon.as_ref())
        .ok_or("discount")?;
    println!(
        "coupon {} is {} ({}% off above {} fen), stock {} sends by {}",
        coupon.coupon_code,
        coupon.coupon_state,
        discount.percent_off,
        discount.threshold,
        coupon.stock.stock_id,
        coupon.stock.coupon_code_mode
    );
    println!("seed-check: ok");
    Ok(())
}
