//! The lifecycle engine's generic parts through the generated client: list paging (offset and
//! page token) and filters, decoded into the generated response types; and the check that refuses
//! to send an answer breaking the operation's response type.

use serde_json::json;
use wechatpay_apiv3::marketing::busifavor::{
    CouponState, ListUserCouponsRequest as ListMerchantCoupons,
};
use wechatpay_apiv3::marketing::partner::product_coupon::{
    ListUserCouponsRequest as ListProductCoupons, UserCouponState,
};
use wechatpay_apiv3_sim::Simulator;

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[tokio::test]
async fn lists_page_by_offset_and_filter_by_state_and_stock() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    for i in 0..5 {
        sim.provision_busifavor_coupon("100088", &format!("CODE-{i}"), "oPager");
    }
    sim.provision_busifavor_coupon("100099", "OTHER-STOCK", "oPager");
    sim.provision_busifavor_coupon("100088", "SOMEONE-ELSE", "oOther");
    let list = |offset: i64, limit: i64| {
        ListMerchantCoupons::builder()
            .openid("oPager")
            .appid("wx1234567889999")
            .stock_id("100088")
            .offset(offset)
            .limit(limit)
            .build()
    };
    let first = client.execute(list(0, 2)?).await?;
    assert_eq!((first.total_count, first.offset, first.limit), (5, 0, 2));
    let codes = |page: &wechatpay_apiv3::marketing::busifavor::ListUserCouponsResponse| {
        page.data
            .iter()
            .flatten()
            .filter_map(|c| c.coupon_code.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(codes(&first), ["CODE-0", "CODE-1"]);
    let last = client.execute(list(4, 2)?).await?;
    assert_eq!(codes(&last), ["CODE-4"]);
    let used = client
        .execute(
            ListMerchantCoupons::builder()
                .openid("oPager")
                .appid("wx1234567889999")
                .coupon_state(CouponState::Used)
                .build()?,
        )
        .await?;
    assert_eq!(used.total_count, 0, "none used");
    Ok(())
}

#[tokio::test]
async fn lists_page_by_token() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    for i in 0..3 {
        sim.provision_product_coupon_from_spec("oTokens", &format!("PC-{i}"))?;
    }
    let page = |token: Option<String>| {
        let mut b = ListProductCoupons::builder()
            .openid("oTokens")
            .appid("wx3d5f7a9b1c2e4f60")
            .brand_id("120344")
            .coupon_state(UserCouponState::Effective)
            .page_size(2);
        if let Some(t) = token {
            b = b.page_token(t);
        }
        b.build()
    };
    let codes = |list: &Option<
        Vec<wechatpay_apiv3::marketing::partner::product_coupon::UserProductCoupon>,
    >| {
        list.iter()
            .flatten()
            .map(|c| c.coupon_code.clone())
            .collect::<Vec<_>>()
    };
    let first = client.execute(page(None)?).await?;
    assert_eq!(first.total_count, 3);
    assert_eq!(codes(&first.user_coupon_list), ["PC-0", "PC-1"]);
    let token = first.next_page_token.clone().ok_or("no next page")?;
    let second = client.execute(page(Some(token))?).await?;
    assert_eq!(codes(&second.user_coupon_list), ["PC-2"]);
    assert_eq!(second.next_page_token, None);
    Ok(())
}

/// A coupon provisioned without the fields its type requires is never served as if it were
/// whole: the answer is refused with a code no error table documents, naming the rule.
#[tokio::test]
async fn an_answer_that_breaks_its_response_type_is_never_sent() -> TestResult {
    let sim = Simulator::start().await?;
    sim.provision_product_coupon(
        "oBroken",
        json!({ "coupon_code": "BROKEN", "coupon_state": "EFFECTIVE",
                "product_coupon": { "product_coupon_id": "1" }, "stock": { "stock_id": "2" } }),
    );
    let config = sim
        .client_config()
        .retry(wechatpay_apiv3::RetryPolicy::none())
        .build()?;
    let client = wechatpay_apiv3_runtime::client::Client::new(config)?;
    let err = client
        .call_json(
            http::Method::GET,
            "/v3/marketing/partner/product-coupon/users/oBroken/coupons/BROKEN?product_coupon_id=1&stock_id=2&appid=wx1&brand_id=3",
            None,
            false,
        )
        .await
        .expect_err("an incomplete coupon");
    let wechatpay_apiv3_runtime::client::Error::Api(api) = err else {
        panic!("expected an API error, got {err}");
    };
    assert_eq!((api.status, api.code.0.as_str()), (500, "SIMULATOR_BUG"));
    assert!(api.message.contains("query_user_coupon"), "{}", api.message);
    Ok(())
}
