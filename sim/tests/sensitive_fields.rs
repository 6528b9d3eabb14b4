//! Fields that travel RSA-OAEP encrypted, through the generated client and the simulator over
//! real HTTP on 127.0.0.1: request fields to WeChat Pay's key, answer fields to the merchant's.

use wechatpay_apiv3::profitsharing::add_receiver::AddReceiverRequest;
use wechatpay_apiv3::profitsharing::types::{ReceiverRelationType, ReceiverType};
use wechatpay_apiv3::{Client, MerchantKey};
use wechatpay_apiv3_sim::{FIXTURE_MERCHANT_PRIVATE_KEY, Simulator};

/// The name the operation's documented example answers with.
const REGISTERED_NAME: &str = "深圳晨光咖啡南山店有限公司";

fn add_receiver() -> AddReceiverRequest {
    AddReceiverRequest::builder()
        .appid("wx5e1f0a2b3c4d6e7f")
        .type_(ReceiverType::MerchantId)
        .account("1900087654")
        .name(REGISTERED_NAME)
        .relation_type(ReceiverRelationType::Store)
        .build()
        .expect("valid request")
}

#[tokio::test]
async fn a_name_encrypted_to_the_merchant_key_arrives_as_the_name()
-> Result<(), Box<dyn std::error::Error>> {
    let sim = Simulator::start().await?;
    let client = Client::new(sim.client_config().build()?)?;

    let answer = client.execute(add_receiver()).await?;
    assert_eq!(answer.name.as_deref(), Some(REGISTERED_NAME));
    assert!(
        !format!("{answer:?}").contains(REGISTERED_NAME),
        "Debug hides the decrypted name: {answer:?}"
    );

    // On the wire (an untyped call decrypts nothing) the name is a ciphertext for the merchant
    // key, fresh each time.
    let body = serde_json::to_value(add_receiver().body)?;
    let raw = |client: Client, body: serde_json::Value| async move {
        client
            .call_json(
                http::Method::POST,
                "/v3/profitsharing/receivers/add",
                Some(&body),
                false,
            )
            .await
    };
    let first = raw(client.clone(), body.clone()).await?;
    let second = raw(client, body).await?;
    let ciphertext = first["name"].as_str().expect("a text");
    assert_ne!(ciphertext, REGISTERED_NAME);
    assert_ne!(first["name"], second["name"], "RSA-OAEP is randomised");
    let merchant_key = MerchantKey::from_pem(FIXTURE_MERCHANT_PRIVATE_KEY)?;
    assert_eq!(merchant_key.decrypt_oaep(ciphertext)?, REGISTERED_NAME);
    Ok(())
}
