//! The payroll card's real names and ID numbers (`sensitive: true` in spec/payroll_card) leave the
//! client RSA-OAEP encrypted with WeChat Pay's key, and the request names that key in
//! `Wechatpay-Serial`. A recording relay on 127.0.0.1 (`common::relay`) sits between the generated
//! client and the simulator: it keeps each request exactly as it was sent and passes it on, so the
//! calls succeed end to end while the test reads what went over the wire and decrypts it as WeChat
//! Pay does, with the simulator's fixture platform private key.

use wechatpay_apiv3::payroll_card::create_transfer_batch::{
    AuthorizationType, EmploymentScene, PayrollTransferDetail,
};
use wechatpay_apiv3::payroll_card::{
    AuthenticationType, CreateTokenRequest, CreateTransferBatchRequest, EmploymentType,
    PreOrderWithAuthRequest,
};
use wechatpay_apiv3_sim::FIXTURE_PUBLIC_KEY_ID;

mod common;

use common::relay::{assert_encrypted, relayed_client, taken};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const WORKER: &str = "oPayC4rd8Jk2Lm5Nq8Rt1Uv4Wx7Yz";
const EMPLOYER: &str = "1900056781";
const NAME: &str = "赵小军";
const ID_NUMBER: &str = "110101199003071234";

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
