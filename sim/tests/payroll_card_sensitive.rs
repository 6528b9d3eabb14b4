//! The payroll card's real names and ID numbers (`sensitive: true` in spec/payroll_card) leave the
//! client RSA-OAEP encrypted with WeChat Pay's key, and the request names that key in
//! `Wechatpay-Serial`. A recording relay on 127.0.0.1 sits between the generated client and the
//! simulator: it keeps each request exactly as it was sent and passes it on, so the calls succeed
//! end to end while the test reads what went over the wire and decrypts it as WeChat Pay does,
//! with the simulator's fixture platform private key.

use std::sync::{Arc, Mutex};

use serde_json::Value;
use wechatpay_apiv3::Client;
use wechatpay_apiv3::payroll_card::create_transfer_batch::{
    AuthorizationType, EmploymentScene, PayrollTransferDetail,
};
use wechatpay_apiv3::payroll_card::{
    AuthenticationType, CreateTokenRequest, CreateTransferBatchRequest, EmploymentType,
    PreOrderWithAuthRequest,
};
use wechatpay_apiv3_sim::{FIXTURE_PUBLIC_KEY_ID, Simulator};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const WORKER: &str = "oPayC4rd8Jk2Lm5Nq8Rt1Uv4Wx7Yz";
const EMPLOYER: &str = "1900056781";
const NAME: &str = "赵小军";
const ID_NUMBER: &str = "110101199003071234";

/// One request as the relay received it.
struct Sent {
    path: String,
    wechatpay_serial: Option<String>,
    body: Value,
}

type Log = Arc<Mutex<Vec<Sent>>>;

/// Listens on a free loopback port, records every request and forwards it unchanged to
/// `upstream`, answering with the upstream's status, headers and body. Returns the relay's URL.
async fn recording_relay(upstream: String, log: Log) -> std::io::Result<String> {
    use http_body_util::BodyExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let forward = reqwest::Client::new();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (forward, upstream, log) = (forward.clone(), upstream.clone(), log.clone());
            let service =
                hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let (forward, upstream, log) = (forward.clone(), upstream.clone(), log.clone());
                    async move {
                        let (parts, body) = req.into_parts();
                        let body = body.collect().await?.to_bytes();
                        let path = parts
                            .uri
                            .path_and_query()
                            .map(ToString::to_string)
                            .unwrap_or_default();
                        log.lock().expect("log").push(Sent {
                            path: path.clone(),
                            wechatpay_serial: parts
                                .headers
                                .get("Wechatpay-Serial")
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_string),
                            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                        });
                        let answer = forward
                            .request(parts.method, format!("{upstream}{path}"))
                            .headers(parts.headers)
                            .body(body)
                            .send()
                            .await;
                        let mut response =
                            hyper::Response::new(http_body_util::Full::new(bytes::Bytes::new()));
                        if let Ok(answer) = answer {
                            *response.status_mut() = answer.status();
                            let mut headers = answer.headers().clone();
                            // Hop-by-hop: the relay answers with a body of known length.
                            headers.remove(hyper::header::TRANSFER_ENCODING);
                            headers.remove(hyper::header::CONNECTION);
                            *response.headers_mut() = headers;
                            let bytes = answer.bytes().await.unwrap_or_default();
                            *response.body_mut() = http_body_util::Full::new(bytes);
                        } else {
                            *response.status_mut() = hyper::StatusCode::BAD_GATEWAY;
                        }
                        Ok::<_, hyper::Error>(response)
                    }
                });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(url)
}

/// Decrypts a field the client sent, as WeChat Pay does (the fixture platform private key).
fn platform_decrypt(ciphertext: &str) -> String {
    let key = wechatpay_apiv3_sim::SimConfig::fixture()
        .expect("fixture keys")
        .platform_key;
    key.decrypt_oaep(ciphertext)
        .expect("decrypts with the platform key")
}

/// Asserts `field` of `body` went out as ciphertext of `plain`.
fn assert_encrypted(body: &Value, field: &str, plain: &str) {
    let sent = body
        .pointer(field)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{field} was sent: {body}"));
    assert_ne!(sent, plain, "{field} left the client in plain text");
    assert!(!sent.contains(plain), "{field} carries the plain text");
    assert_eq!(
        platform_decrypt(sent),
        plain,
        "{field} decrypts to what was set"
    );
}

async fn relayed_client() -> Result<(Simulator, Client, Log), Box<dyn std::error::Error>> {
    let sim = Simulator::start().await?;
    let log = Log::default();
    let relay = recording_relay(sim.base_url(), log.clone()).await?;
    let client = Client::new(sim.client_config().base_url(relay).build()?)?;
    Ok((sim, client, log))
}

fn taken(log: &Log, path: &str) -> Sent {
    let mut log = log.lock().expect("log");
    let at = log
        .iter()
        .position(|s| s.path == path)
        .unwrap_or_else(|| panic!("a request to {path} was relayed"));
    log.remove(at)
}

#[tokio::test]
async fn names_and_id_numbers_leave_the_client_encrypted() -> TestResult {
    let (_sim, client, log) = relayed_client().await?;

    let token = client
        .execute(
            CreateTokenRequest::builder()
                .openid(WORKER)
                .sub_mchid(EMPLOYER)
                .sub_appid("wx3c4d5e6f7a8b9c0d")
                .user_name(NAME)
                .id_card_number(ID_NUMBER)
                .employment_type(EmploymentType::ShortTermEmployment)
                .build()?,
        )
        .await?;
    assert_eq!(
        token.expires_in, 1800,
        "the simulator answered through the relay"
    );
    let sent = taken(&log, "/v3/payroll-card/tokens");
    assert_eq!(
        sent.wechatpay_serial.as_deref(),
        Some(FIXTURE_PUBLIC_KEY_ID)
    );
    assert_encrypted(&sent.body, "/user_name", NAME);
    assert_encrypted(&sent.body, "/id_card_number", ID_NUMBER);
    assert_eq!(sent.body["openid"], WORKER, "other fields stay plain");

    client
        .execute(
            PreOrderWithAuthRequest::builder()
                .openid(WORKER)
                .sub_mchid(EMPLOYER)
                .sub_appid("wx3c4d5e6f7a8b9c0d")
                .authenticate_number("AUTH20261201A0002")
                .project_name("城南物流仓装卸")
                .employer_name("城南物流有限公司")
                .user_name(NAME)
                .id_card_number(ID_NUMBER)
                .employment_type(EmploymentType::ShortTermEmployment)
                .authenticate_type(AuthenticationType::Contract)
                .build()?,
        )
        .await?;
    let sent = taken(&log, "/v3/payroll-card/authentications/pre-order-with-auth");
    assert_eq!(
        sent.wechatpay_serial.as_deref(),
        Some(FIXTURE_PUBLIC_KEY_ID)
    );
    assert_encrypted(&sent.body, "/user_name", NAME);
    assert_encrypted(&sent.body, "/id_card_number", ID_NUMBER);
    assert_eq!(sent.body["project_name"], "城南物流仓装卸");
    Ok(())
}

#[tokio::test]
async fn each_transfer_detail_name_leaves_the_client_encrypted() -> TestResult {
    let (_sim, client, log) = relayed_client().await?;
    let detail = |no: &str, amount: i64, openid: &str, name: &str| {
        PayrollTransferDetail::builder()
            .out_detail_no(no)
            .transfer_amount(amount)
            .transfer_remark("装卸工资")
            .openid(openid)
            .user_name(name)
            .build()
            .expect("detail")
    };
    let batch = client
        .execute(
            CreateTransferBatchRequest::builder()
                .sub_mchid(EMPLOYER)
                .sub_appid("wx3c4d5e6f7a8b9c0d")
                .authorization_type(AuthorizationType::InformationAuthorizationType)
                .out_batch_no("PAY20261201B01")
                .batch_name("12月1日装卸工资")
                .batch_remark("12月1日工资")
                .total_amount(46000)
                .total_num(2)
                .transfer_detail_list(vec![
                    detail("PAY20261201B01D01", 24000, WORKER, NAME),
                    detail(
                        "PAY20261201B01D02",
                        22000,
                        "oPayW0rk3r2Ab5Cd8Ef1Gh4Ij7Kl",
                        "钱丽",
                    ),
                ])
                .employment_type(EmploymentType::ShortTermEmployment)
                .employment_scene(EmploymentScene::Logistics)
                .build()?,
        )
        .await?;
    assert_eq!(batch.out_batch_no, "PAY20261201B01");
    let sent = taken(&log, "/v3/payroll-card/transfer-batches");
    assert_eq!(
        sent.wechatpay_serial.as_deref(),
        Some(FIXTURE_PUBLIC_KEY_ID)
    );
    assert_encrypted(&sent.body, "/transfer_detail_list/0/user_name", NAME);
    assert_encrypted(&sent.body, "/transfer_detail_list/1/user_name", "钱丽");
    assert_eq!(
        sent.body["transfer_detail_list"][1]["transfer_amount"],
        22000
    );
    Ok(())
}
