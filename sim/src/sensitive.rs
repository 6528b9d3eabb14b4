//! Answer fields WeChat Pay encrypts to the merchant's key (`user_name`, `payer_phone`, a
//! receiver's `name`; `sensitive` response fields in spec/): the simulator encrypts them to the
//! merchant certificate's key before signing, as the real API does, so clients must decrypt.

use serde_json::Value;
use wechatpay_apiv3_generator::model::{Api, ResponseKind};
use wechatpay_apiv3_runtime::shape;

use crate::handler::Answer;
use crate::security::SimConfig;

/// Encrypts the sensitive fields of a 2xx JSON answer of operation `id` to the merchant's key.
///
/// A value may be what a request sent, which the client encrypted to WeChat Pay's key: that is
/// opened with the platform key first. Anything else (examples, recorded plain values) is taken
/// as the plain text.
pub fn encrypt_answer_fields(api: &Api, security: &SimConfig, id: &str, answer: &mut Answer) {
    if !(200..300).contains(&answer.status) || answer.unsigned {
        return;
    }
    let Some(ty) = api
        .families
        .iter()
        .flat_map(|f| f.operations.iter().map(move |op| (f, op)))
        .find(|(f, op)| id.strip_prefix(f.name.as_str()) == Some(&format!(".{}", op.id)))
        .filter(|(_, op)| op.response.kind == ResponseKind::Json && op.has_sensitive_response(api))
        .and_then(|(_, op)| op.response.ty.as_ref())
    else {
        return;
    };
    let Ok(mut body) = serde_json::from_slice::<Value>(&answer.body) else {
        return;
    };
    let table = api.rules().shape(api, ty);
    let encrypted = shape::for_each_sensitive(table, &mut body, &mut |_, text: &mut String| {
        let plain = security
            .platform_key
            .decrypt_oaep(text)
            .unwrap_or_else(|_| text.clone());
        *text = security.merchant_key.encrypt_oaep(plain.as_bytes())?;
        Ok::<(), wechatpay_apiv3_runtime::client::KeyError>(())
    });
    let body = encrypted.and_then(|()| {
        serde_json::to_vec(&body)
            .map_err(|e| wechatpay_apiv3_runtime::client::KeyError(e.to_string()))
    });
    match body {
        Ok(bytes) => answer.body = bytes,
        Err(e) => {
            let failed = Answer::error(500, "SYSTEM_ERROR", &format!("simulator: {e}"), None);
            (answer.status, answer.body) = (failed.status, failed.body);
        }
    }
}

/// Opens the sensitive fields of a request body (`sensitive: true` in operation `op`'s body type)
/// with WeChat Pay's private key, in place, as WeChat Pay reads them. A value that does not open
/// is kept as sent (a documented example sent as it is written, in plain text).
pub fn open_request_fields(
    api: &Api,
    platform_key: &wechatpay_apiv3_runtime::client::MerchantKey,
    op: &wechatpay_apiv3_generator::model::Operation,
    body: &mut Value,
) {
    let Some(ty) = op.body.as_ref() else {
        return;
    };
    let table = api.rules().shape(api, ty);
    let _ = shape::for_each_sensitive(table, body, &mut |_, text: &mut String| {
        if let Ok(plain) = platform_key.decrypt_oaep(text) {
            *text = plain;
        }
        Ok::<(), std::convert::Infallible>(())
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use wechatpay_apiv3_runtime::client::{MerchantKey, VerifyingKey};

    /// A name recorded from a request (encrypted by the client to WeChat Pay's key) is answered
    /// encrypted to the merchant's key, not passed back as the request's ciphertext.
    #[test]
    fn a_recorded_request_ciphertext_is_answered_to_the_merchant_key() {
        let api = crate::routes::load_api().expect("spec");
        let security = SimConfig::fixture().expect("fixture identity");
        let to_wechatpay =
            VerifyingKey::from_public_key_pem(crate::security::FIXTURE_WECHATPAY_PUBLIC_KEY)
                .expect("key")
                .encrypt_oaep("王五".as_bytes())
                .expect("encrypts");
        let body = serde_json::json!({ "type": "PERSONAL_OPENID", "account": "o1", "name": to_wechatpay, "relation_type": "USER" });
        let mut answer = Answer::json(200, &body);
        encrypt_answer_fields(&api, &security, "profitsharing.add_receiver", &mut answer);
        let sent: Value = serde_json::from_slice(&answer.body).expect("json");
        let ciphertext = sent["name"].as_str().expect("text");
        assert_ne!(ciphertext, to_wechatpay);
        let merchant =
            MerchantKey::from_pem(crate::security::FIXTURE_MERCHANT_PRIVATE_KEY).expect("key");
        assert_eq!(merchant.decrypt_oaep(ciphertext).expect("decrypts"), "王五");
        assert_eq!(sent["account"], "o1", "other fields as they were");

        // Error answers and operations without such fields are left as they are.
        let mut refused = Answer::error(400, "PARAM_ERROR", "x", None);
        let before = refused.body.clone();
        encrypt_answer_fields(&api, &security, "profitsharing.add_receiver", &mut refused);
        assert_eq!(refused.body, before);
        let mut plain = Answer::json(200, &body);
        encrypt_answer_fields(&api, &security, "busifavor.use_coupon", &mut plain);
        assert_eq!(plain.body, serde_json::to_vec(&body).expect("json"));
    }
}
