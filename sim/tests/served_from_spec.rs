//! The simulator over real HTTP on 127.0.0.1: routes, validation and example answers from the
//! spec, faults and effect counts.

use std::time::Duration;

use serde_json::{Value, json};
use wechatpay_apiv3_runtime::client::{Client, Error, RetryPolicy, TrustError};
use wechatpay_apiv3_sim::{Fault, SigningMode, SimConfig, Simulator};

const USE_COUPON: &str = "/v3/marketing/busifavor/coupons/use";

fn valid_use() -> Value {
    json!({
        "coupon_code": "sxxe34343434", "stock_id": "100088", "appid": "wx1234567889999",
        "use_time": "2015-05-20T13:29:35+08:00", "use_request_no": "1002600620019090123143254435"
    })
}

async fn post(sim: &Simulator, path: &str, body: &Value) -> Result<(u16, Value), String> {
    let config = sim.client_config().retry(RetryPolicy::none()).build()?;
    let client = Client::new(config)?;
    match client
        .call_json(http::Method::POST, path, Some(body), false)
        .await
    {
        Ok(v) => Ok((200, v)),
        Err(Error::Api(e)) => Ok((
            e.status,
            json!({ "code": e.code.0.as_str(), "message": e.message, "detail": e.detail }),
        )),
        Err(e) => Err(e.to_string()),
    }
}

#[tokio::test]
async fn a_coupon_is_used_once_and_a_replay_gets_the_first_answer()
-> Result<(), Box<dyn std::error::Error>> {
    let sim = Simulator::start().await?;
    let (status, answer) = post(&sim, USE_COUPON, &valid_use()).await?;
    assert_eq!(
        (status, answer["code"].as_str()),
        (404, Some("RESOURCE_NOT_EXISTS")),
        "not sent yet"
    );

    sim.provision_busifavor_coupon("100088", "sxxe34343434", "xsd3434454567676");
    let (status, first) = post(&sim, USE_COUPON, &valid_use()).await?;
    assert_eq!(status, 200);
    assert_eq!(first["stock_id"], "100088");
    assert_eq!(first["openid"], "xsd3434454567676");

    let (status, replay) = post(&sim, USE_COUPON, &valid_use()).await?;
    assert_eq!(
        (status, &replay),
        (200, &first),
        "same use_request_no, same answer"
    );

    let mut again = valid_use();
    again["use_request_no"] = json!("another-request-no");
    let (status, answer) = post(&sim, USE_COUPON, &again).await?;
    assert_eq!(
        (status, answer["code"].as_str()),
        (400, Some("RESOURCE_ALREADY_EXISTS"))
    );
    assert_eq!(
        sim.faults().effects("busifavor.use_coupon"),
        1,
        "used exactly once"
    );
    Ok(())
}

#[tokio::test]
async fn invalid_requests_get_param_error_with_the_field() -> Result<(), Box<dyn std::error::Error>>
{
    let sim = Simulator::start().await?;
    let mut body = valid_use();
    body["coupon_code"] = json!("x".repeat(33));
    let (status, answer) = post(&sim, USE_COUPON, &body).await?;
    assert_eq!(status, 400);
    assert_eq!(answer["code"], "PARAM_ERROR");
    assert_eq!(answer["detail"]["field"], "/coupon_code");
    assert_eq!(answer["detail"]["location"], "body");

    let mut body = valid_use();
    body.as_object_mut().map(|m| m.remove("appid"));
    body["colour"] = json!("red");
    let (status, answer) = post(&sim, USE_COUPON, &body).await?;
    assert_eq!(status, 400);
    let message = answer["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("colour: is not a field") && message.contains("appid: is required"),
        "{message}"
    );

    let (status, answer) = post(
        &sim,
        "/v3/marketing/busifavor/coupons/teleport",
        &valid_use(),
    )
    .await?;
    assert_eq!((status, answer["code"].as_str()), (404, Some("NOT_FOUND")));
    assert_eq!(
        sim.faults().effects("busifavor.use_coupon"),
        0,
        "no invalid request had an effect"
    );
    Ok(())
}

#[tokio::test]
async fn path_parameters_are_decoded_and_checked() -> Result<(), Box<dyn std::error::Error>> {
    let sim = Simulator::start().await?;
    // A whole coupon (the spec's example): the simulator never answers with less than the
    // response type requires.
    sim.provision_product_coupon_from_spec("o/x", "Code_1")?;
    let body = json!({
        "product_coupon_id": "1000000013", "stock_id": "1000000013001", "appid": "wx1", "use_time": "2025-08-03T12:00:00+08:00",
        "associated_order_info": { "transaction_id": "42" }, "out_request_no": "REQ_000001", "brand_id": "3"
    });
    let ok = "/v3/marketing/partner/product-coupon/users/o%2Fx/coupons/Code_1/use";
    let (status, used) = post(&sim, ok, &body).await?;
    assert_eq!((status, used["coupon_state"].as_str()), (200, Some("USED")));
    assert_eq!(used["single_usage_detail"]["use_request_no"], "REQ_000001");
    let mut second = body.clone();
    second["out_request_no"] = json!("REQ_000002");
    let (status, answer) = post(&sim, ok, &second).await?;
    assert_eq!((status, answer["code"].as_str()), (403, Some("NOT_ENOUGH")));
    let long_code = format!(
        "/v3/marketing/partner/product-coupon/users/o/coupons/{}/use",
        "c".repeat(41)
    );
    let (status, answer) = post(&sim, &long_code, &body).await?;
    assert_eq!(
        (status, answer["detail"]["field"].as_str()),
        (400, Some("coupon_code"))
    );
    Ok(())
}

#[tokio::test]
async fn injected_faults_run_out_and_effects_are_counted() -> Result<(), Box<dyn std::error::Error>>
{
    let sim = Simulator::start().await?;
    sim.provision_busifavor_coupon("100088", "sxxe34343434", "u");
    sim.faults().inject(
        "busifavor.use_coupon",
        Fault::Status {
            status: 500,
            code: "SYSTEM_ERROR",
        },
        Some(2),
    )?;
    for _ in 0..2 {
        let (status, answer) = post(&sim, USE_COUPON, &valid_use()).await?;
        assert_eq!(
            (status, answer["code"].as_str()),
            (500, Some("SYSTEM_ERROR"))
        );
    }
    assert_eq!(post(&sim, USE_COUPON, &valid_use()).await?.0, 200);
    assert_eq!(sim.faults().calls("busifavor.use_coupon"), 3);
    assert_eq!(sim.faults().effects("busifavor.use_coupon"), 1);

    sim.faults()
        .inject("busifavor.use_coupon", Fault::Drop, Some(1))?;
    assert!(
        post(&sim, USE_COUPON, &valid_use()).await.is_err(),
        "the connection was dropped"
    );
    assert_eq!(sim.faults().effects("busifavor.use_coupon"), 1);

    sim.faults().inject(
        "busifavor.use_coupon",
        Fault::Latency(Duration::from_millis(150)),
        Some(1),
    )?;
    let started = std::time::Instant::now();
    assert_eq!(post(&sim, USE_COUPON, &valid_use()).await?.0, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
    Ok(())
}

#[tokio::test]
async fn unsigned_or_badly_signed_requests_get_sign_error() -> Result<(), Box<dyn std::error::Error>>
{
    let sim = Simulator::start().await?;
    sim.provision_busifavor_coupon("100088", "sxxe34343434", "u");
    let response = reqwest::Client::new()
        .post(format!("{}{USE_COUPON}", sim.base_url()))
        .header("Content-Type", "application/json")
        .header("Authorization", r#"WECHATPAY2-SHA256-RSA2048 mchid="1900000001",nonce_str="n",timestamp="1",serial_no="x",signature="c2ln""#)
        .body(valid_use().to_string())
        .send()
        .await?;
    assert_eq!(response.status().as_u16(), 401);
    let answer: Value = serde_json::from_slice(&response.bytes().await?)?;
    assert_eq!(answer["code"], "SIGN_ERROR");
    assert_eq!(sim.faults().effects("busifavor.use_coupon"), 0);
    Ok(())
}

#[tokio::test]
async fn signing_faults_are_caught_by_the_client() -> Result<(), Box<dyn std::error::Error>> {
    let sim = Simulator::start().await?;
    let client = Client::new(sim.client_config().retry(RetryPolicy::none()).build()?)?;
    let cases = [
        (Fault::SignTest, TrustError::SignatureProbe),
        (
            Fault::WrongSerial,
            TrustError::UnknownSerial("PUB_KEY_ID_NOT_A_KEY_OF_OURS".into()),
        ),
        (
            Fault::MissingSignatureHeaders,
            TrustError::MissingHeader("Wechatpay-Timestamp"),
        ),
    ];
    for (i, (fault, expected)) in cases.into_iter().enumerate() {
        let code = format!("code-{i}");
        sim.provision_busifavor_coupon("100088", &code, "u");
        sim.faults()
            .inject("busifavor.use_coupon", fault, Some(1))?;
        let mut body = valid_use();
        body["coupon_code"] = json!(code);
        // Another coupon needs another request number: a number used again with other
        // parameters is refused.
        body["use_request_no"] = json!(format!("SIGN-{i}"));
        match client
            .call_json(http::Method::POST, USE_COUPON, Some(&body), false)
            .await
        {
            Err(Error::Untrusted(e)) => assert_eq!(e, expected),
            other => panic!("expected {expected:?}, got {other:?}"),
        }
    }
    sim.faults().inject(
        "busifavor.use_coupon",
        Fault::StaleTimestamp(Duration::from_secs(600)),
        Some(1),
    )?;
    sim.provision_busifavor_coupon("100088", "stale", "u");
    let mut body = valid_use();
    body["coupon_code"] = json!("stale");
    body["use_request_no"] = json!("STALE");
    let result = client
        .call_json(http::Method::POST, USE_COUPON, Some(&body), false)
        .await;
    assert!(
        matches!(
            result,
            Err(Error::Untrusted(TrustError::TimestampOutOfWindow { .. }))
        ),
        "{result:?}"
    );
    Ok(())
}

#[tokio::test]
async fn certificate_mode_serves_encrypted_certificates() -> Result<(), Box<dyn std::error::Error>>
{
    let mut config = SimConfig::fixture()?;
    config.mode = SigningMode::Certificate;
    let sim = Simulator::start_with(config, "127.0.0.1:0".parse()?).await?;
    sim.provision_busifavor_coupon("100088", "sxxe34343434", "u");
    let config = sim
        .client_config()
        .certificate_source(wechatpay_apiv3::CERTIFICATE_SOURCE)
        .build()?;
    let client = Client::new(config)?;
    let answer = client
        .call_json(http::Method::POST, USE_COUPON, Some(&valid_use()), false)
        .await?;
    assert_eq!(
        answer["stock_id"], "100088",
        "verified with the downloaded platform certificate"
    );
    // The list comes from the generic route of `certificates.download_certificates`: its faults
    // reach it like any operation's, and the client's orchestrator retries the documented
    // `500 SYSTEM_ERROR`.
    sim.faults().inject(
        "certificates.download_certificates",
        Fault::Status {
            status: 500,
            code: "SYSTEM_ERROR",
        },
        Some(1),
    )?;
    assert_eq!(client.refresh_certificates().await?, 1);
    assert!(sim.faults().calls("certificates.download_certificates") >= 2);
    Ok(())
}

/// Every operation of spec/ is routed and accepts its own documented example: each answer is a
/// success or one of the error codes that operation documents (a stateful operation may say the
/// example's stock or order does not exist in a fresh simulator).
#[tokio::test]
async fn every_operation_accepts_its_documented_example() -> Result<(), Box<dyn std::error::Error>>
{
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let api = wechatpay_apiv3_generator::check_spec(&spec, &[])?;
    let sim = Simulator::start().await?;
    let client = Client::new(sim.client_config().retry(RetryPolicy::none()).build()?)?;
    let mut served = 0;
    for family in &api.families {
        for op in &family.operations {
            // Uploads are multipart and downloads unsigned: both have tests of their own.
            if op.upload.is_some()
                || op.response.kind == wechatpay_apiv3_generator::model::ResponseKind::Download
            {
                continue;
            }
            for example in &op.examples {
                let target = example_target(op, example);
                let method = http::Method::from_bytes(op.method.as_str().as_bytes())?;
                let outcome = client
                    .call_json(method, &target, example.body.as_ref(), false)
                    .await;
                let name = format!("{}.{} ({})", family.name, op.id, example.name);
                match outcome {
                    Ok(_) => {}
                    Err(Error::Api(e)) => assert!(
                        op.errors.iter().any(|row| row.code == e.code.0.as_str()),
                        "{name}: undocumented {} {}: {}",
                        e.status,
                        e.code.0.as_str(),
                        e.message
                    ),
                    Err(e) => panic!("{name}: {e}"),
                }
                served += 1;
            }
        }
    }
    assert!(served >= 90, "only {served} examples were sent");
    Ok(())
}

/// The example's path and query, encoded as the generated requests encode them.
fn example_target(
    op: &wechatpay_apiv3_generator::model::Operation,
    example: &wechatpay_apiv3_generator::model::Example,
) -> String {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut target = op.path.clone();
    for (name, value) in &example.path {
        let mut encoded = String::new();
        wechatpay_apiv3_runtime::encode::push_path_segment(&mut encoded, &text(value));
        target = target.replace(&format!("{{{name}}}"), &encoded);
    }
    for (i, (name, value)) in example.query.iter().enumerate() {
        target.push(if i == 0 { '?' } else { '&' });
        target.push_str(name);
        target.push('=');
        wechatpay_apiv3_runtime::encode::push_path_segment(&mut target, &text(value));
    }
    target
}

/// The rule-parity table's times, through the running simulator and the generated builder: the
/// simulator answers PARAM_ERROR naming `use_time` exactly when the client refuses to build.
#[tokio::test]
async fn the_simulator_and_the_client_refuse_the_same_times()
-> Result<(), Box<dyn std::error::Error>> {
    use wechatpay_apiv3::marketing::busifavor::{UseCouponBody, UseCouponRequest};
    let sim = Simulator::start().await?;
    for (time, valid) in [
        ("2025-08-03T12:00:00+08:00", true),
        ("2025-02-30T12:00:00+08:00", false),
        ("2025-08-03T24:00:00+08:00", false),
        ("2025-08-03T12:00:60+08:00", false),
        ("2025-08-03 12:00:00+08:00", false),
    ] {
        let mut body = valid_use();
        body["use_time"] = json!(time);
        let (status, answer) = post(&sim, USE_COUPON, &body).await?;
        let refused_by_sim = status == 400 && answer["detail"]["field"] == "/use_time";
        let typed: UseCouponBody = serde_json::from_value(body)?;
        let built = UseCouponRequest::builder().body(typed).build();
        assert_eq!(refused_by_sim, !valid, "{time}: {answer}");
        assert_eq!(built.is_ok(), valid, "{time}: {built:?}");
    }
    Ok(())
}
