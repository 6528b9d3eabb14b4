//! The control API (`/_sim/...`) over real HTTP on 127.0.0.1, as a test in another language would
//! drive it: pay an order and get its callback, queue and deliver callbacks, inject and clear
//! faults, read effect counts, reset, and read or write the credentials.

use serde_json::{Value, json};
use wechatpay_apiv3::marketing::busifavor::UseCouponRequest;
use wechatpay_apiv3::pay::transactions::{
    Amount, JsapiPayer, PrepayJsapiRequest, QueryByOutTradeNoRequest, TradeState, Transaction,
};
use wechatpay_apiv3::{Client, MerchantKey, RetryPolicy};
use wechatpay_apiv3_sim::{
    CREDENTIAL_FILES, FIXTURE_MCHID, FIXTURE_PUBLIC_KEY_ID, SigningMode, SimConfig, Simulator,
};

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

/// A control call: the status and the JSON answer.
async fn control(
    sim: &Simulator,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let url = format!("{}/_sim{path}", sim.base_url());
    let method = reqwest::Method::from_bytes(method.as_bytes())?;
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/json")
            .body(serde_json::to_vec(&body)?);
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    let signed = response.headers().contains_key("Wechatpay-Signature");
    assert!(!signed, "control answers are not signed as WeChat Pay's");
    Ok((status, serde_json::from_slice(&response.bytes().await?)?))
}

fn order(out_trade_no: &str, notify_url: &str) -> PrepayJsapiRequest {
    PrepayJsapiRequest::builder()
        .appid("wxd678efh567hg6787")
        .mchid(FIXTURE_MCHID)
        .description("手冲咖啡豆 250g")
        .out_trade_no(out_trade_no)
        .notify_url(notify_url)
        .amount(Amount::builder().total(8800).build().expect("amount"))
        .payer(JsapiPayer::builder().openid(OPENID).build().expect("payer"))
        .build()
        .expect("valid order")
}

fn query(out_trade_no: &str) -> QueryByOutTradeNoRequest {
    QueryByOutTradeNoRequest::builder()
        .out_trade_no(out_trade_no)
        .mchid(FIXTURE_MCHID)
        .build()
        .expect("valid query")
}

#[tokio::test]
async fn confirming_a_payment_sends_transaction_success_to_the_orders_notify_url() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let (url, mut rx) = common::receive_one_callback::<Transaction>(client.clone()).await?;
    // The spec requires https; the simulator calls a loopback https URL over plain HTTP.
    let notify_url = url.replacen("http://", "https://", 1);
    client.execute(order("ORDER-CTL-1", &notify_url)).await?;

    let (status, paid) = control(
        &sim,
        "POST",
        "/pay_transactions/order/ORDER-CTL-1/pay",
        Some(json!({ "openid": OPENID })),
    )
    .await?;
    assert_eq!(status, 200, "{paid}");
    let callback = &paid["callback"];
    assert_eq!(callback["delivered"], true, "{paid}");
    assert_eq!(callback["notify_url"], notify_url.as_str());
    assert_eq!(callback["sent_to"], url.as_str());
    assert_eq!(callback["last_status"], 204);

    // Our own client verified the signature and decrypted the resource.
    let event = rx.recv().await.ok_or("no callback arrived")??;
    assert_eq!(event.trade_state, Some(TradeState::Success));
    assert_eq!(
        event.transaction_id.as_deref(),
        paid["record"]["transaction_id"].as_str()
    );
    assert_eq!(paid["transition"], "pay_transactions.order.pay");
    let queried = client.execute(query("ORDER-CTL-1")).await?;
    assert_eq!(queried, event);

    let (_, queued) = control(&sim, "GET", "/callbacks", None).await?;
    assert_eq!(
        queued["callbacks"],
        json!([]),
        "a delivered callback leaves the queue"
    );
    let (status, again) = control(
        &sim,
        "POST",
        "/pay_transactions/order/ORDER-CTL-1/pay",
        Some(json!({ "openid": OPENID })),
    )
    .await?;
    assert_eq!(status, 409, "a paid order is not paid twice: {again}");
    assert!(
        again["message"]
            .as_str()
            .is_some_and(|m| m.contains("is SUCCESS, not NOTPAY")),
        "{again}"
    );
    Ok(())
}

#[tokio::test]
async fn a_callback_that_cannot_be_delivered_waits_in_the_queue() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    client
        .execute(order(
            "ORDER-CTL-2",
            "https://shop.example.com/wechatpay/notify",
        ))
        .await?;
    let (status, paid) = control(
        &sim,
        "POST",
        "/pay_transactions/order/ORDER-CTL-2/pay",
        Some(json!({ "openid": OPENID })),
    )
    .await?;
    assert_eq!(status, 200, "the payment itself succeeds: {paid}");
    assert_eq!(paid["callback"]["delivered"], false);
    let refused = paid["callback"]["last_error"].as_str().unwrap_or_default();
    assert!(refused.contains("loopback"), "{refused}");

    let (_, queued) = control(&sim, "GET", "/callbacks", None).await?;
    let queued = queued["callbacks"].as_array().cloned().unwrap_or_default();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0]["event_type"], "TRANSACTION.SUCCESS");
    assert_eq!(queued[0]["attempts"], 1);
    assert_eq!(queued[0]["resource"]["out_trade_no"], "ORDER-CTL-2");
    let id = queued[0]["id"].as_str().ok_or("an id")?.to_string();

    let (url, mut rx) = common::receive_one_callback::<Transaction>(client.clone()).await?;
    let (status, delivered) = control(
        &sim,
        "POST",
        "/callbacks/deliver",
        Some(json!({ "url": url, "id": id })),
    )
    .await?;
    assert_eq!(status, 200, "{delivered}");
    assert_eq!(delivered["callbacks"][0]["delivered"], true, "{delivered}");
    assert_eq!(delivered["callbacks"][0]["attempts"], 2);
    let event = rx.recv().await.ok_or("no callback arrived")??;
    assert_eq!(event.out_trade_no.as_deref(), Some("ORDER-CTL-2"));
    let (_, queued) = control(&sim, "GET", "/callbacks", None).await?;
    assert_eq!(queued["callbacks"], json!([]));

    // `deliver: false` queues without trying.
    client
        .execute(order(
            "ORDER-CTL-3",
            "https://shop.example.com/wechatpay/notify",
        ))
        .await?;
    let (_, held) = control(
        &sim,
        "POST",
        "/pay_transactions/order/ORDER-CTL-3/pay",
        Some(json!({ "openid": OPENID, "deliver": false })),
    )
    .await?;
    assert_eq!(held["callback"]["attempts"], 0, "{held}");
    let (status, missing) = control(
        &sim,
        "POST",
        "/callbacks/deliver",
        Some(json!({ "id": "CB-NONE" })),
    )
    .await?;
    assert_eq!(status, 404, "{missing}");
    Ok(())
}

#[tokio::test]
async fn faults_injected_over_http_reach_the_operation_until_cleared() -> TestResult {
    let sim = Simulator::start().await?;
    let client = Client::new(sim.client_config().retry(RetryPolicy::none()).build()?)?;
    let op = "pay_transactions.query_by_out_trade_no";
    let (status, injected) = control(
        &sim,
        "POST",
        "/faults",
        Some(json!({ "operation": op, "fault": { "status": 503, "code": "SYSTEM_ERROR" }, "times": 1 })),
    )
    .await?;
    assert_eq!(status, 200, "{injected}");
    let err = client
        .execute(query("ORDER-NONE"))
        .await
        .expect_err("injected");
    let api = err.api().ok_or("an API error")?;
    assert_eq!((api.status, api.code.as_str()), (503, "SYSTEM_ERROR"));
    // Used up: the next call reaches the operation (which knows no such order).
    let err = client
        .execute(query("ORDER-NONE"))
        .await
        .expect_err("no order");
    assert_eq!(err.api().map(|e| e.code.as_str()), Some("ORDER_NOT_EXIST"));

    control(
        &sim,
        "POST",
        "/faults",
        Some(json!({ "operation": op, "fault": "sign_test" })),
    )
    .await?;
    for _ in 0..2 {
        let err = client.execute(query("ORDER-NONE")).await;
        assert!(err.is_err(), "every call carries the probe signature");
    }
    let (status, _) = control(&sim, "DELETE", "/faults", None).await?;
    assert_eq!(status, 200);
    let err = client
        .execute(query("ORDER-NONE"))
        .await
        .expect_err("no order");
    assert_eq!(err.api().map(|e| e.code.as_str()), Some("ORDER_NOT_EXIST"));

    let (_, counts) = control(&sim, "GET", &format!("/effects?operation={op}"), None).await?;
    assert_eq!(counts[op], json!({ "calls": 5, "effects": 0 }));

    // A mistyped id is refused with the ids it could have meant.
    let (status, wrong) = control(
        &sim,
        "POST",
        "/faults",
        Some(json!({ "operation": "pay_transactions.prepay_jsap", "fault": "drop" })),
    )
    .await?;
    assert_eq!(status, 404);
    let message = wrong["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("pay_transactions.prepay_jsapi"),
        "{message}"
    );
    let (status, bad) = control(
        &sim,
        "POST",
        "/faults",
        Some(json!({ "operation": op, "fault": { "status": 200 } })),
    )
    .await?;
    assert_eq!(status, 400, "{bad}");
    assert!(
        bad["message"]
            .as_str()
            .is_some_and(|m| m.contains("fault.status"))
    );
    Ok(())
}

#[tokio::test]
async fn reset_forgets_orders_coupons_counts_and_faults() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    client
        .execute(order("ORDER-CTL-4", "https://shop.example.com/n"))
        .await?;
    let (status, received) = control(
        &sim,
        "POST",
        "/busifavor/coupon/create",
        Some(json!({ "stock_id": "100088", "openid": OPENID, "coupon_code": "CODE-9" })),
    )
    .await?;
    assert_eq!(status, 200, "{received}");
    assert_eq!(received["record"]["coupon_code"], "CODE-9", "{received}");
    let use_coupon = |request_no: &str| {
        UseCouponRequest::builder()
            .coupon_code("CODE-9")
            .stock_id("100088")
            .appid("wxd678efh567hg6787")
            .use_time("2026-12-01T12:00:00+08:00")
            .use_request_no(request_no)
            .openid(OPENID)
            .build()
    };
    let used = client.execute(use_coupon("U-1")?).await?;
    assert_eq!(used.stock_id, "100088");
    control(
        &sim,
        "POST",
        "/faults",
        Some(json!({ "operation": "pay_transactions.close_order", "fault": "drop" })),
    )
    .await?;
    let (_, counts) = control(&sim, "GET", "/effects", None).await?;
    assert_eq!(
        counts["pay_transactions.prepay_jsapi"]["effects"], 1,
        "{counts}"
    );
    assert_eq!(counts["busifavor.use_coupon"]["effects"], 1, "{counts}");

    let (status, _) = control(&sim, "POST", "/reset", None).await?;
    assert_eq!(status, 200);
    assert_eq!(control(&sim, "GET", "/effects", None).await?.1, json!({}));
    assert_eq!(sim.faults().effects("busifavor.use_coupon"), 0);
    let err = client
        .execute(query("ORDER-CTL-4"))
        .await
        .expect_err("forgotten");
    assert_eq!(err.api().map(|e| e.code.as_str()), Some("ORDER_NOT_EXIST"));
    let err = client
        .execute(use_coupon("U-2")?)
        .await
        .expect_err("forgotten");
    assert!(err.api().is_some(), "the coupon is gone: {err}");
    // The fault went too: the order can be closed (the connection is not dropped).
    client
        .execute(order("ORDER-CTL-4", "https://shop.example.com/n"))
        .await?;
    let close = wechatpay_apiv3::pay::transactions::CloseOrderRequest::builder()
        .out_trade_no("ORDER-CTL-4")
        .mchid(FIXTURE_MCHID)
        .build()?;
    client.execute(close).await?;
    Ok(())
}

#[tokio::test]
async fn credentials_are_served_printed_and_written_for_other_languages() -> TestResult {
    let sim = Simulator::start().await?;
    let (status, served) = control(&sim, "GET", "/credentials", None).await?;
    assert_eq!(status, 200);
    assert_eq!(served["mchid"], FIXTURE_MCHID);
    assert_eq!(served["public_key_id"], FIXTURE_PUBLIC_KEY_ID);
    assert_eq!(served["base_url"], sim.base_url().as_str());
    let pem = served["merchant_private_key_pem"].as_str().ok_or("a PEM")?;
    MerchantKey::from_pem(pem.as_bytes())?;

    let dir =
        std::env::temp_dir().join(format!("wechatpay-sim-credentials-{}", std::process::id()));
    let credentials = sim.credentials().ok_or("the fixture identity")?;
    credentials.write_to(&dir)?;
    let written: Value = serde_json::from_slice(&std::fs::read(dir.join("credentials.json"))?)?;
    assert_eq!(written["apiv3_key"], served["apiv3_key"]);
    assert_eq!(
        written["merchant_private_key_file"],
        "merchant_private_key.pem"
    );
    assert!(written.get("merchant_private_key_pem").is_none());
    for (_, file) in CREDENTIAL_FILES {
        assert!(dir.join(file).is_file(), "{file} written");
    }
    MerchantKey::from_pem_file(dir.join("merchant_private_key.pem"))?;
    std::fs::remove_dir_all(&dir)?;

    // In certificate mode the answers name the platform certificate, and no public key id.
    let certificate_mode =
        Simulator::start_fixture(SigningMode::Certificate, "127.0.0.1:0".parse()?).await?;
    let (_, served) = control(&certificate_mode, "GET", "/credentials", None).await?;
    assert_eq!(served["public_key_id"], Value::Null);
    assert_eq!(served["mode"], "certificate");
    assert_eq!(
        served["platform_certificate_serial"],
        "440024045C4A427599D09BB4E3DE0279F2E813FD"
    );

    // An identity of the caller's own: the simulator holds none of its secrets to hand out.
    let own = Simulator::start_with(SimConfig::fixture()?, "127.0.0.1:0".parse()?).await?;
    assert!(own.credentials().is_none());
    assert_eq!(control(&own, "GET", "/credentials", None).await?.0, 404);
    Ok(())
}

#[tokio::test]
async fn unknown_control_routes_and_actions_name_what_exists() -> TestResult {
    let sim = Simulator::start().await?;
    let (status, answer) = control(&sim, "GET", "/nothing", None).await?;
    assert_eq!(status, 404);
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("POST /_sim/reset"))
    );
    // A misspelt transition is refused with the ones it could have meant.
    let (status, answer) = control(
        &sim,
        "POST",
        "/pay_transactions/order/X/pays",
        Some(json!({})),
    )
    .await?;
    assert_eq!(status, 404);
    let message = answer["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("closest: pay_transactions.order.pay"),
        "{message}"
    );
    let (status, answer) = control(&sim, "POST", "/payments/X/refuse", Some(json!({}))).await?;
    assert_eq!(status, 404);
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("POST /_sim/{family}/{lifecycle}/create")),
        "{answer}"
    );
    // A change another operation makes (`control: false`) is no control route.
    let (status, answer) = control(
        &sim,
        "POST",
        "/pay_transactions/order/X/refund",
        Some(json!({})),
    )
    .await?;
    assert_eq!(status, 404, "{answer}");
    let (status, answer) = control(
        &sim,
        "POST",
        "/pay_transactions/order/X/pay",
        Some(json!({})),
    )
    .await?;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["message"], "`openid` (a string) is required");
    Ok(())
}

#[tokio::test]
async fn the_actions_are_the_specs_transitions_without_an_operation() -> TestResult {
    let sim = Simulator::start().await?;
    let (status, actions) = control(&sim, "GET", "/actions", None).await?;
    assert_eq!(status, 200);
    let actions = actions["actions"].as_array().cloned().unwrap_or_default();
    let routes: Vec<&str> = actions.iter().filter_map(|a| a["route"].as_str()).collect();
    for route in [
        "POST /_sim/pay_transactions/order/{out_trade_no}/pay",
        "POST /_sim/pay_transactions/order/{out_trade_no}/fail",
        "POST /_sim/refund_domestic/refund/{out_refund_no}/arrive",
        "POST /_sim/refund_domestic/refund/{out_refund_no}/abnormal",
        "POST /_sim/refund_domestic/refund/{out_refund_no}/close",
        "POST /_sim/favor/coupon/{coupon_id}/use",
        "POST /_sim/busifavor/coupon/create",
        "POST /_sim/complaints/complaint/create",
        "POST /_sim/bill_files/{token}/tamper",
    ] {
        assert!(routes.contains(&route), "{route} in {routes:?}");
    }
    assert!(
        !routes.iter().any(|r| r.ends_with("/refund")),
        "control: false is not listed: {routes:?}"
    );
    let pay = actions
        .iter()
        .find(|a| a["route"] == "POST /_sim/pay_transactions/order/{out_trade_no}/pay")
        .ok_or("pay listed")?;
    assert_eq!(pay["needs"], json!(["openid"]));
    assert_eq!(pay["from"], json!(["NOTPAY"]));
    assert_eq!(pay["to"], "SUCCESS");
    assert_eq!(pay["callback"], "TRANSACTION.SUCCESS");
    let receive = actions
        .iter()
        .find(|a| a["route"] == "POST /_sim/busifavor/coupon/create")
        .ok_or("the coupon's control create listed")?;
    assert_eq!(receive["needs"], json!(["stock_id", "openid"]));
    assert_eq!(receive["to"], "SENDED");
    assert_eq!(receive["key"], "coupon_code");
    let file = actions
        .iter()
        .find(|a| a["route"] == "POST /_sim/complaints/complaint/create")
        .ok_or("the complaint's control create listed")?;
    assert_eq!(file["callback"], "COMPLAINT.CREATE");
    assert_eq!(
        sim.transitions().len() + sim.creates().len() + 1,
        actions.len(),
        "every spec transition and create without an operation, and the tamper route"
    );

    // The prefix opens nothing else: a WeChat Pay path, or one merely starting with `/_sim`,
    // still needs a merchant signature.
    for path in [
        "/v3/pay/transactions/out-trade-no/X?mchid=1900000001",
        "/_simulate",
    ] {
        let response = reqwest::get(format!("{}{path}", sim.base_url())).await?;
        assert_eq!(response.status().as_u16(), 401, "{path}");
    }
    Ok(())
}

#[tokio::test]
async fn a_payment_fails_and_refunds_end_abnormal_or_closed_with_their_callbacks() -> TestResult {
    use wechatpay_apiv3::refund::domestic::{
        CreateRefundRequest, QueryByOutRefundNoRequest, RefundRequestAmount, RefundResultEvent,
        RefundStatus,
    };
    let (sim, client) = common::sim_and_client().await?;
    client
        .execute(order("ORDER-FAIL-1", "https://shop.example.com/n"))
        .await?;
    let (status, failed) = control(
        &sim,
        "POST",
        "/pay_transactions/order/ORDER-FAIL-1/fail",
        Some(json!({})),
    )
    .await?;
    assert_eq!(status, 200, "{failed}");
    assert_eq!(
        failed["callback"],
        Value::Null,
        "a failed payment sends none"
    );
    let queried = client.execute(query("ORDER-FAIL-1")).await?;
    assert_eq!(queried.trade_state, Some(TradeState::Payerror));
    let (status, _) = control(
        &sim,
        "POST",
        "/pay_transactions/order/ORDER-FAIL-1/pay",
        Some(json!({ "openid": OPENID })),
    )
    .await?;
    assert_eq!(status, 409, "a failed order is not paid");

    for (n, transition, ended, event_type) in [
        (1, "abnormal", RefundStatus::Abnormal, "REFUND.ABNORMAL"),
        (2, "close", RefundStatus::Closed, "REFUND.CLOSED"),
    ] {
        let (out_trade_no, out_refund_no) = (format!("ORDER-RF-{n}"), format!("RF-{n}"));
        client
            .execute(order(&out_trade_no, "https://shop.example.com/n"))
            .await?;
        let (status, _) = control(
            &sim,
            "POST",
            &format!("/pay_transactions/order/{out_trade_no}/pay"),
            Some(json!({ "openid": OPENID, "deliver": false })),
        )
        .await?;
        assert_eq!(status, 200);
        let (url, mut rx) =
            common::receive_one_callback::<RefundResultEvent>(client.clone()).await?;
        let refund = CreateRefundRequest::builder()
            .out_trade_no(out_trade_no.as_str())
            .out_refund_no(out_refund_no.as_str())
            .notify_url(url.replacen("http://", "https://", 1))
            .amount(
                RefundRequestAmount::builder()
                    .refund(800)
                    .total(8800)
                    .currency("CNY")
                    .build()?,
            )
            .build()?;
        client.execute(refund).await?;
        let (status, answer) = control(
            &sim,
            "POST",
            &format!("/refund_domestic/refund/{out_refund_no}/{transition}"),
            Some(json!({})),
        )
        .await?;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["callback"]["event_type"], event_type, "{answer}");
        assert_eq!(answer["callback"]["delivered"], true, "{answer}");
        // The refund's handler verified and typed it.
        let event = rx.recv().await.ok_or("no callback arrived")??;
        assert_eq!(event.refund_status, ended);
        assert_eq!(event.out_refund_no, out_refund_no);
        assert_eq!(
            event.success_time, None,
            "only a success has a success time"
        );
        let queried = client
            .execute(
                QueryByOutRefundNoRequest::builder()
                    .out_refund_no(out_refund_no.as_str())
                    .build()?,
            )
            .await?;
        assert_eq!(queried.status, ended);
        let (status, _) = control(
            &sim,
            "POST",
            &format!("/refund_domestic/refund/{out_refund_no}/arrive"),
            Some(json!({})),
        )
        .await?;
        assert_eq!(status, 409, "an ended refund does not arrive");
    }
    Ok(())
}

#[tokio::test]
async fn a_control_create_names_what_it_needs_and_queues_its_callback() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let (status, answer) = control(
        &sim,
        "POST",
        "/busifavor/coupon/create",
        Some(json!({ "stock_id": "100088" })),
    )
    .await?;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["message"], "`openid` (a string) is required");
    let (status, answer) =
        control(&sim, "POST", "/busifavor/coupons/create", Some(json!({}))).await?;
    assert_eq!(status, 404, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("closest: busifavor.coupon.create")),
        "{answer}"
    );

    // Filed without delivery: the complaint is queryable, its COMPLAINT.CREATE waits in the queue.
    let (status, filed) = control(
        &sim,
        "POST",
        "/complaints/complaint/create",
        Some(json!({ "problem_type": "OTHERS", "deliver": false,
                     "notify_url": "https://127.0.0.1:9/complaints" })),
    )
    .await?;
    assert_eq!(status, 200, "{filed}");
    let id = filed["record"]["complaint_id"].as_str().ok_or("an id")?;
    assert_eq!(filed["callback"]["delivered"], false, "{filed}");
    let complaint = client
        .execute(
            wechatpay_apiv3::merchant_service::complaints::QueryComplaintRequest::builder()
                .complaint_id(id)
                .build()?,
        )
        .await?;
    assert_eq!(complaint.complaint_id, id);
    let (_, queued) = control(&sim, "GET", "/callbacks", None).await?;
    let queued = queued["callbacks"].as_array().cloned().unwrap_or_default();
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0]["event_type"], "COMPLAINT.CREATE");
    assert_eq!(queued[0]["resource"]["complaint_id"], id);
    assert_eq!(queued[0]["notify_url"], "https://127.0.0.1:9/complaints");
    Ok(())
}
