//! The wave-3 tail product lines (gold plan, payscore parking, scan-and-ride, love feast, bank
//! packages) through the generated client against the simulator: each request is routed and
//! validated by the simulator, answered from its spec example, and read back into the typed answer;
//! a 204 operation answers nothing; a request the spec refuses gets PARAM_ERROR naming the field.

use serde_json::json;
use wechatpay_apiv3::goldplan::{
    ChangeGoldPlanStatusRequest, IndustryType, OpenAdvertisingShowRequest, OperationPayScene,
    OperationType, SetAdvertisingIndustryFilterRequest,
};
use wechatpay_apiv3::lovefeast::{DonateSource, ListDonationsRequest};
use wechatpay_apiv3::marketing::bank_packages::{ListTasksRequest, TaskStatus};
use wechatpay_apiv3::qrcode::{
    self as ride, MetroSceneInfo, QueryUserServiceRequest, RideOrderAmount, RideTradeScene,
    RideTradeState, UserBlockReason, UserServiceState,
};
use wechatpay_apiv3::vehicle::parking::{
    self as parking, OrderAmount, ParkingTradeScene, PlateColor, QueryPlateServiceRequest,
    ServiceState,
};
use wechatpay_apiv3::{Client, Error, ErrorCode, RetryPolicy};
use wechatpay_apiv3_sim::Simulator;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A client that sends each request once, so the call counts below are exact.
async fn client(sim: &Simulator) -> Result<Client, Box<dyn std::error::Error>> {
    Ok(Client::new(
        sim.client_config().retry(RetryPolicy::none()).build()?,
    )?)
}

#[tokio::test]
async fn gold_plan_switches_answer_json_and_no_content() -> TestResult {
    let sim = Simulator::start().await?;
    let client = client(&sim).await?;
    let switched = client
        .execute(
            ChangeGoldPlanStatusRequest::builder()
                .sub_mchid("1900000109")
                .operation_type(OperationType::Open)
                .operation_pay_scene(OperationPayScene::Miniprogram)
                .build()?,
        )
        .await?;
    assert_eq!(switched.sub_mchid, "1900000109");

    // PATCH and POST answering 204: the typed answer is `()`, and the simulator saw each once.
    client
        .execute(
            OpenAdvertisingShowRequest::builder()
                .sub_mchid("1900000109")
                .advertising_industry_filters(vec![IndustryType::Software])
                .build()?,
        )
        .await?;
    client
        .execute(
            SetAdvertisingIndustryFilterRequest::builder()
                .sub_mchid("1900000109")
                .advertising_industry_filters(vec![IndustryType::Software, IndustryType::Game])
                .build()?,
        )
        .await?;
    let faults = sim.faults();
    assert_eq!(faults.calls("goldplan.change_gold_plan_status"), 1);
    assert_eq!(faults.calls("goldplan.open_advertising_show"), 1);
    assert_eq!(faults.calls("goldplan.set_advertising_industry_filter"), 1);
    Ok(())
}

#[tokio::test]
async fn more_than_three_industry_tags_are_refused_on_both_sides() -> TestResult {
    let four = vec![
        IndustryType::Software,
        IndustryType::Game,
        IndustryType::Finance,
        IndustryType::Car,
    ];
    let built = SetAdvertisingIndustryFilterRequest::builder()
        .sub_mchid("1900000109")
        .advertising_industry_filters(four)
        .build();
    let refused = built.expect_err("four tags");
    assert!(
        refused.to_string().contains("advertising_industry_filters"),
        "{refused}"
    );

    // Sent anyway, as raw JSON: the simulator applies the same rule and names the field.
    let sim = Simulator::start().await?;
    let client = client(&sim).await?;
    let body = json!({
        "sub_mchid": "1900000109",
        "advertising_industry_filters": ["SOFTWARE", "GAME", "FINANCE", "CAR"],
    });
    let err = client
        .call_json(
            http::Method::POST,
            "/v3/goldplan/merchants/set-advertising-industry-filter",
            Some(&body),
            false,
        )
        .await
        .expect_err("refused");
    let Error::Api(api) = err else {
        panic!("not an API error: {err}")
    };
    assert_eq!((api.status, api.code.0.as_str()), (400, "PARAM_ERROR"));
    assert!(
        api.message.contains("advertising_industry_filters"),
        "{}",
        api.message
    );
    Ok(())
}

#[tokio::test]
async fn parking_plate_check_and_charge_are_typed() -> TestResult {
    let sim = Simulator::start().await?;
    let client = client(&sim).await?;
    let plate = client
        .execute(
            QueryPlateServiceRequest::builder()
                .appid("wxcbda96de0b165486")
                .sub_mchid("1900000109")
                .plate_number("粤B888888")
                .plate_color(PlateColor::Blue)
                .openid("oUpF8uMuAJOM2pxb1Q")
                .build()?,
        )
        .await?;
    assert_eq!(plate.service_state, ServiceState::Normal);
    assert_eq!(plate.plate_color, PlateColor::Blue);

    let charge = parking::CreateTransactionRequest::builder()
        .appid("wxcbda96de0b165486")
        .sub_mchid("1900000109")
        .description("停车场扣费")
        .out_trade_no("PK20261201-0001")
        .trade_scene("PARKING")
        .notify_url("https://park.example.com/wechatpay/charge")
        .amount(OrderAmount::builder().total(888).currency("CNY").build()?)
        .parking_info(
            ParkingTradeScene::builder()
                .parking_id("5K8264ILTKCH16CQ250")
                .plate_number("粤B888888")
                .plate_color(PlateColor::Blue)
                .start_time("2026-12-01T08:30:00+08:00")
                .end_time("2026-12-01T11:30:00+08:00")
                .parking_name("欢乐海岸停车场")
                .charging_duration(7200)
                .device_id("GATE-03")
                .build()?,
        )
        .build()?;
    let accepted = client.execute(charge).await?;
    assert_eq!(accepted.trade_state, parking::TradeState::Accepted);
    assert_eq!(accepted.amount.total, 888, "fen, as an integer");

    let queried = client
        .execute(
            parking::QueryTransactionRequest::builder()
                .out_trade_no("PK20261201-0001")
                .sub_mchid("1900000109")
                .build()?,
        )
        .await?;
    assert_eq!(queried.out_trade_no, "PK20261201-0001");
    assert_eq!(queried.promotion_detail.as_ref().map(Vec::len), Some(1));
    assert_eq!(queried.amount.payer_total, Some(788));
    Ok(())
}

#[tokio::test]
async fn ride_service_donations_and_bank_tasks_are_typed() -> TestResult {
    let sim = Simulator::start().await?;
    let client = client(&sim).await?;
    let service = client
        .execute(
            QueryUserServiceRequest::builder()
                .contract_id("Wx15463511252015071056489715")
                .appid("wxcbda96de0b165486")
                .sub_mchid("1900000109")
                .build()?,
        )
        .await?;
    assert_eq!(service.user_service_state, UserServiceState::Blocked);
    assert_eq!(service.block_reason, Some(UserBlockReason::Overdue));

    let donations = client
        .execute(
            ListDonationsRequest::builder()
                .openid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
                .brand_id("2250")
                .offset(0)
                .limit(10)
                .build()?,
        )
        .await?;
    assert_eq!(donations.total_count, 1);
    let first = &donations.data[0];
    assert_eq!(first.brand_id, 2250);
    assert_eq!(first.donate_source, DonateSource::EntrustPay);
    assert_eq!(first.amount.total, 100);
    assert!(first.merchant_order.is_some());

    let tasks = client
        .execute(
            ListTasksRequest::builder()
                .package_id("8473295")
                .status(TaskStatus::Finished)
                .limit(20)
                .build()?,
        )
        .await?;
    assert_eq!(tasks.data[0].status, Some(TaskStatus::Finished));
    assert_eq!(tasks.data[0].success_user_count, Some(1003));
    // The bank-package page size is at most 20: the builder refuses 21 and names the field.
    let too_big = ListTasksRequest::builder()
        .package_id("8473295")
        .limit(21)
        .build()
        .expect_err("limit 21");
    assert!(too_big.to_string().contains("limit"), "{too_big}");
    Ok(())
}

fn metro_charge(out_trade_no: &str, fare: i64) -> ride::CreateTransactionRequest {
    ride::CreateTransactionRequest::builder()
        .appid("wxcbda96de0b165486")
        .sub_mchid("1900000109")
        .description("地铁扣费")
        .out_trade_no(out_trade_no)
        .trade_scene(RideTradeScene::Metro)
        .contract_id("Wx15463511252015071056489715")
        .notify_url("https://metro.example.com/wechatpay/ride")
        .amount(
            RideOrderAmount::builder()
                .total(fare)
                .build()
                .expect("amount"),
        )
        .metro_info(
            MetroSceneInfo::builder()
                .start_time("2026-12-01T08:02:11+08:00")
                .end_time("2026-12-01T08:31:47+08:00")
                .build()
                .expect("metro info"),
        )
        .build()
        .expect("valid charge")
}

fn ride_query(out_trade_no: &str) -> ride::QueryTransactionRequest {
    ride::QueryTransactionRequest::builder()
        .out_trade_no(out_trade_no)
        .sub_mchid("1900000109")
        .build()
        .expect("valid query")
}

/// The scan-and-ride charge lifecycle declared in spec/qrcode/family.yaml: a charge is created
/// ACCEPTED and the query finds it by the merchant's number with what was sent; a repeat of the
/// same number is the first charge; an unknown number is the documented 404.
#[tokio::test]
async fn a_ride_charge_is_created_then_found_by_its_number() -> TestResult {
    let sim = Simulator::start().await?;
    let client = client(&sim).await?;
    let err = client
        .execute(ride_query("MT-NOT-SENT"))
        .await
        .expect_err("not charged yet");
    assert_eq!(
        err.api().map(|e| (&e.code, e.status)),
        Some((&ErrorCode::OrderNotExist, 404))
    );

    let created = client.execute(metro_charge("MT202612020001", 350)).await?;
    assert_eq!(created.trade_state, RideTradeState::Accepted);
    assert_eq!(created.out_trade_no, "MT202612020001");
    let queried = client.execute(ride_query("MT202612020001")).await?;
    assert_eq!(queried.trade_state, RideTradeState::Accepted);
    assert_eq!(queried.trade_scene, RideTradeScene::Metro);
    assert_eq!(queried.amount.total, Some(350), "the fare sent, in fen");
    assert_eq!(queried.create_time, created.create_time);

    let replay = client.execute(metro_charge("MT202612020001", 350)).await?;
    assert_eq!(replay, created, "same out_trade_no, the first answer");
    assert_eq!(sim.faults().effects("scan_and_ride.create_transaction"), 1);
    Ok(())
}
