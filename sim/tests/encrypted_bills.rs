//! Encrypted bills end to end through the generated client: the simulator cuts the day's fund-flow
//! bill into parts, seals each with AES-256-GCM under a key of its own encrypted to the fixture
//! merchant certificate, and serves them raw; `Client::download_encrypted_bill` must give back
//! exactly the bill the plain fund-flow download gives, and refuse, returning nothing, a changed
//! byte, a wrong hash, a part list that is not whole, SM4-GCM and a part beyond the size limits.

use wechatpay_apiv3::bill::apply_sub_merchant_fund_flow_bill::SubMerchantFundAccountType;
use wechatpay_apiv3::bill::{
    ApplyFundFlowBillRequest, ApplySubMerchantFundFlowBillRequest, BillEncryptAlgorithm,
    EncryptedBillParts, TarType,
};
use wechatpay_apiv3::ecommerce::bill::ApplyFundFlowBillRequest as EcommerceBillRequest;
use wechatpay_apiv3::ecommerce::bill::apply_fund_flow_bill::SubMerchantsAccountType;
use wechatpay_apiv3::pay::transactions::{Amount, JsapiPayer, PrepayJsapiRequest};
use wechatpay_apiv3::payscore::ApplyMerchantBillRequest;
use wechatpay_apiv3::{Client, Error, Limits, TrustError};
use wechatpay_apiv3_sim::{FIXTURE_MCHID, Simulator};

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const AES_GCM: &str = "AEAD_AES_256_GCM";

/// Places and pays `count` orders; the day they were paid on.
async fn pay_orders(
    sim: &Simulator,
    client: &Client,
    count: usize,
) -> Result<String, Box<dyn std::error::Error>> {
    let mut day = String::new();
    for i in 0..count {
        let out_trade_no = format!("ORDER-EBILL-{i}");
        let order = PrepayJsapiRequest::builder()
            .appid("wxd678efh567hg6787")
            .mchid(FIXTURE_MCHID)
            .description("手冲咖啡豆 250g")
            .out_trade_no(out_trade_no.as_str())
            .notify_url("https://shop.example.com/wechatpay/notify")
            .amount(Amount::builder().total(1000 + i as i64).build()?)
            .payer(JsapiPayer::builder().openid(OPENID).build()?)
            .build()?;
        client.execute(order).await?;
        let paid = sim.pay_order(&out_trade_no, OPENID)?;
        day = paid.transaction["success_time"]
            .as_str()
            .and_then(|t| t.get(..10))
            .ok_or("no success_time")?
            .to_string();
    }
    Ok(day)
}

/// The day's fund-flow bill through the plain, hash-checked download.
async fn plain_fund_flow_bill(
    client: &Client,
    day: &str,
) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let link = client
        .execute(ApplyFundFlowBillRequest::builder().bill_date(day).build()?)
        .await?;
    Ok(client
        .download_bill(&link.download_url, &link.hash_type, &link.hash_value)
        .await?)
}

async fn sub_merchant_bill(
    client: &Client,
    day: &str,
    tar_type: Option<TarType>,
) -> Result<EncryptedBillParts, Box<dyn std::error::Error>> {
    let mut ask = ApplySubMerchantFundFlowBillRequest::builder()
        .sub_mchid("1900098765")
        .bill_date(day)
        .account_type(SubMerchantFundAccountType::Basic)
        .algorithm(BillEncryptAlgorithm::AeadAes256Gcm);
    if let Some(t) = tar_type {
        ask = ask.tar_type(t);
    }
    Ok(client.execute(ask.build()?).await?)
}

/// The download token of a part's link.
fn token(url: &str) -> &str {
    url.split("token=")
        .nth(1)
        .unwrap_or_default()
        .split('&')
        .next()
        .unwrap_or_default()
}

#[tokio::test]
async fn the_joined_parts_are_the_days_fund_flow_bill() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let day = pay_orders(&sim, &client, 5).await?;
    let plain = plain_fund_flow_bill(&client, &day).await?;
    assert_eq!(String::from_utf8(plain.clone())?.lines().count(), 6);
    for tar_type in [None, Some(TarType::Gzip)] {
        let answer = sub_merchant_bill(&client, &day, tar_type.clone()).await?;
        // Six lines, three a part: two parts to join, each with a 16-character nonce (the
        // official examples' length, which AES-GCM takes through GHASH, not the 96-bit path).
        assert_eq!(answer.download_bill_count, 2);
        let parts = answer.download_bill_list.as_deref().unwrap_or_default();
        assert!(parts.iter().all(|p| p.nonce.len() == 16), "{parts:?}");
        assert_ne!(parts[0].encrypt_key, parts[1].encrypt_key);
        let joined = client.download_encrypted_bill(&answer, AES_GCM).await?;
        assert_eq!(joined, plain, "{tar_type:?}");
    }

    // Listed out of order, the parts still join in bill_sequence order.
    let mut answer = sub_merchant_bill(&client, &day, None).await?;
    if let Some(list) = answer.download_bill_list.as_mut() {
        list.reverse();
    }
    assert_eq!(
        client.download_encrypted_bill(&answer, AES_GCM).await?,
        plain
    );

    // The e-commerce bill of every sub-merchant and the payscore bill are the same scheme.
    let ecommerce = client
        .execute(
            EcommerceBillRequest::builder()
                .bill_date(day.as_str())
                .account_type(SubMerchantsAccountType::All)
                .tar_type(TarType::Gzip)
                .algorithm(BillEncryptAlgorithm::AeadAes256Gcm)
                .build()?,
        )
        .await?;
    assert_eq!(
        client.download_encrypted_bill(&ecommerce, AES_GCM).await?,
        plain
    );
    let payscore = client
        .execute(
            ApplyMerchantBillRequest::builder()
                .service_id("2002000000000558128851361561536")
                .bill_date(day.as_str())
                .tar_type("GZIP")
                .encryption_algorithm(AES_GCM)
                .build()?,
        )
        .await?;
    assert_eq!(
        client.download_encrypted_bill(&payscore, AES_GCM).await?,
        plain
    );
    Ok(())
}

#[tokio::test]
async fn a_changed_byte_a_wrong_hash_or_a_broken_part_list_is_refused() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let day = pay_orders(&sim, &client, 4).await?;
    let answer = sub_merchant_bill(&client, &day, Some(TarType::Gzip)).await?;
    let parts = answer.download_bill_list.clone().unwrap_or_default();
    assert_eq!(parts.len(), 2);

    // One byte of part 2 changed on the way: its GCM tag fails, and nothing is returned.
    let (status, _) = common::control_post(
        &sim,
        &format!("/bill_files/{}/tamper", token(&parts[1].download_url)),
        serde_json::json!({}),
    )
    .await?;
    assert_eq!(status, 200);
    let err = client
        .download_encrypted_bill(&answer, AES_GCM)
        .await
        .expect_err("a tampered part");
    match &err {
        Error::Untrusted(TrustError::BillPart { sequence, reason }) => {
            assert_eq!(*sequence, 2);
            assert!(reason.contains("GCM tag does not match"), "{reason}");
        }
        other => panic!("not a bill part refusal: {other}"),
    }
    assert!(
        err.to_string()
            .starts_with("response not trusted: bill part 2: "),
        "{err}"
    );

    // A hash that is not the decrypted part's.
    let fresh = sub_merchant_bill(&client, &day, None).await?;
    let mut wrong_hash = fresh.clone();
    if let Some(list) = wrong_hash.download_bill_list.as_mut() {
        list[0].hash_value = "0".repeat(40);
    }
    let err = client
        .download_encrypted_bill(&wrong_hash, AES_GCM)
        .await
        .expect_err("a wrong hash");
    assert!(
        matches!(&err, Error::Untrusted(TrustError::BillPart { sequence: 1, reason }) if reason.contains("SHA1")),
        "{err}"
    );

    // Another part's key cannot open a part.
    let mut swapped = fresh.clone();
    if let Some(list) = swapped.download_bill_list.as_mut() {
        list[0].encrypt_key = list[1].encrypt_key.clone();
    }
    let err = client
        .download_encrypted_bill(&swapped, AES_GCM)
        .await
        .expect_err("another part's key");
    assert!(
        matches!(
            &err,
            Error::Untrusted(TrustError::BillPart { sequence: 1, .. })
        ),
        "{err}"
    );

    // A missing part, a part twice or a count that disagrees: refused before any download.
    let downloads_before = sim.faults().calls("bill.download_bill");
    let mut missing = fresh.clone();
    if let Some(list) = missing.download_bill_list.as_mut() {
        list.remove(0);
    }
    let err = client
        .download_encrypted_bill(&missing, AES_GCM)
        .await
        .expect_err("a part missing");
    assert!(
        err.to_string()
            .contains("download_bill_count is 2, but download_bill_list has 1 parts"),
        "{err}"
    );
    missing.download_bill_count = 1;
    let err = client
        .download_encrypted_bill(&missing, AES_GCM)
        .await
        .expect_err("a gap");
    assert!(
        err.to_string().contains("bill_sequence 1 is missing"),
        "{err}"
    );
    let mut twice = fresh.clone();
    if let Some(list) = twice.download_bill_list.as_mut() {
        list[1].bill_sequence = 1;
    }
    let err = client
        .download_encrypted_bill(&twice, AES_GCM)
        .await
        .expect_err("a part twice");
    assert!(
        err.to_string().contains("bill_sequence 1 is listed twice"),
        "{err}"
    );

    // SM4-GCM is refused by name, and a link to another host gets no signed request.
    let err = client
        .download_encrypted_bill(&fresh, "SM4_GCM")
        .await
        .expect_err("SM4");
    assert!(
        matches!(&err, Error::Config(m) if m.contains("`SM4_GCM`")),
        "{err}"
    );
    let mut foreign = fresh.clone();
    if let Some(list) = foreign.download_bill_list.as_mut() {
        list[0].download_url = "https://evil.example.com/v3/billdownload/file?token=x".into();
    }
    let err = client
        .download_encrypted_bill(&foreign, AES_GCM)
        .await
        .expect_err("foreign host");
    assert!(
        matches!(&err, Error::Config(m) if m.contains("not on the configured API host")),
        "{err}"
    );
    assert_eq!(sim.faults().calls("bill.download_bill"), downloads_before);

    // The untouched answer still downloads.
    assert_eq!(
        client.download_encrypted_bill(&fresh, AES_GCM).await?,
        plain_fund_flow_bill(&client, &day).await?
    );
    Ok(())
}

#[tokio::test]
async fn the_size_limits_hold_for_each_part_and_the_joined_bill() -> TestResult {
    let sim = Simulator::start().await?;
    let client = Client::new(sim.client_config().build()?)?;
    let day = pay_orders(&sim, &client, 4).await?;
    let answer = sub_merchant_bill(&client, &day, Some(TarType::Gzip)).await?;
    let plain_len = plain_fund_flow_bill(&client, &day).await?.len() as u64;

    // A part larger than the download limit as it arrives.
    let small_download = Client::new(
        sim.client_config()
            .limits(Limits {
                download: 64,
                ..Limits::default()
            })
            .build()?,
    )?;
    let err = small_download
        .download_encrypted_bill(&answer, AES_GCM)
        .await
        .expect_err("a part over the download limit");
    assert!(matches!(err, Error::TooLarge(_)), "{err}");

    // Parts that each unpack within the limit but join beyond it.
    let small_unpacked = Client::new(
        sim.client_config()
            .limits(Limits {
                unpacked: plain_len - 1,
                ..Limits::default()
            })
            .build()?,
    )?;
    let err = small_unpacked
        .download_encrypted_bill(&answer, AES_GCM)
        .await
        .expect_err("a joined bill over the unpacked limit");
    assert!(
        matches!(&err, Error::TooLarge(t) if t.limit == plain_len - 1),
        "{err}"
    );
    Ok(())
}
