//! Front-end payment parameters: what a page, a mini-program or an app passes to WeChat to open
//! the payment sheet after a prepay call, signed with the client's own merchant key.
//!
//! The signed message is one value per line, each line ending in `\n`:
//!
//! * JSAPI and mini-program (`WeixinJSBridge.invoke('getBrandWCPayRequest', ...)`,
//!   `wx.requestPayment`): `appId`, `timeStamp`, `nonceStr`, `package` (= `prepay_id=...`).
//! * APP (`PayReq` of the OpenSDK): `appid`, `timestamp`, `noncestr`, `prepayid` (the bare id, no
//!   `prepay_id=` prefix); `package` is the constant `Sign=WXPay` and is not signed.
//!
//! The signature is SHA256withRSA with the merchant API key, Base64, as for requests.

use serde::{Deserialize, Serialize};

use super::Client;
use super::crypto::{self, KeyError, MerchantKey};

/// `signType` of JSAPI and mini-program payments: APIv3 signs with RSA.
pub const JSAPI_SIGN_TYPE: &str = "RSA";
/// `package` of APP payments: a constant, not the prepay id.
pub const APP_PACKAGE: &str = "Sign=WXPay";

/// What `wx.requestPayment` (mini-program) or `getBrandWCPayRequest` (JSAPI in WeChat's browser)
/// takes; serializes with exactly those field names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JsapiPayParams {
    /// `appId`: the app id the order was placed with.
    #[serde(rename = "appId")]
    pub app_id: String,
    /// `timeStamp`: Unix seconds, as a string.
    #[serde(rename = "timeStamp")]
    pub time_stamp: String,
    /// `nonceStr`: a random string of 32 characters.
    #[serde(rename = "nonceStr")]
    pub nonce_str: String,
    /// `package`: `prepay_id=` followed by the prepay id.
    pub package: String,
    /// `signType`: always `RSA`.
    #[serde(rename = "signType")]
    pub sign_type: String,
    /// `paySign`: the Base64 SHA256withRSA signature.
    #[serde(rename = "paySign")]
    pub pay_sign: String,
}

impl JsapiPayParams {
    /// The parameters for `prepay_id` at a given time and nonce: a pure function (no clock, no
    /// randomness), so it can be checked against a fixed vector.
    pub fn sign(
        key: &MerchantKey,
        appid: &str,
        prepay_id: &str,
        timestamp: i64,
        nonce: &str,
    ) -> Result<Self, KeyError> {
        let package = format!("prepay_id={prepay_id}");
        let time_stamp = timestamp.to_string();
        let pay_sign = key.sign(lines(&[appid, &time_stamp, nonce, &package]).as_bytes())?;
        Ok(Self {
            app_id: appid.to_string(),
            time_stamp,
            nonce_str: nonce.to_string(),
            package,
            sign_type: JSAPI_SIGN_TYPE.to_string(),
            pay_sign,
        })
    }
}

/// What the WeChat OpenSDK's `PayReq` takes in an app; serializes with the documented lower-case
/// field names (`appid`, `partnerid`, `prepayid`, `package`, `noncestr`, `timestamp`, `sign`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AppPayParams {
    /// `appid`: the mobile app's id the order was placed with.
    pub appid: String,
    /// `partnerid`: the merchant id.
    pub partnerid: String,
    /// `prepayid`: the prepay id, bare.
    pub prepayid: String,
    /// `package`: always `Sign=WXPay`.
    pub package: String,
    /// `noncestr`: a random string of 32 characters.
    pub noncestr: String,
    /// `timestamp`: Unix seconds, as a string.
    pub timestamp: String,
    /// `sign`: the Base64 SHA256withRSA signature.
    pub sign: String,
}

impl AppPayParams {
    /// The parameters for `prepay_id` at a given time and nonce: a pure function (no clock, no
    /// randomness), so it can be checked against a fixed vector.
    pub fn sign(
        key: &MerchantKey,
        appid: &str,
        mchid: &str,
        prepay_id: &str,
        timestamp: i64,
        nonce: &str,
    ) -> Result<Self, KeyError> {
        let timestamp = timestamp.to_string();
        let sign = key.sign(lines(&[appid, &timestamp, nonce, prepay_id]).as_bytes())?;
        Ok(Self {
            appid: appid.to_string(),
            partnerid: mchid.to_string(),
            prepayid: prepay_id.to_string(),
            package: APP_PACKAGE.to_string(),
            noncestr: nonce.to_string(),
            timestamp,
            sign,
        })
    }
}

/// Each value followed by `\n`, the shape of every front-end signing message.
fn lines(values: &[&str]) -> String {
    let mut message = String::with_capacity(values.iter().map(|v| v.len() + 1).sum());
    for v in values {
        message.push_str(v);
        message.push('\n');
    }
    message
}

impl Client {
    /// The merchant key this client signs requests with, for any other signature the WeChat Pay
    /// docs ask the merchant to make (`client.signer().sign(message)` gives Base64
    /// SHA256withRSA). It is the configured key itself, not a copy.
    pub fn signer(&self) -> &MerchantKey {
        &self.inner.config.merchant_key
    }

    /// The parameters a JSAPI page or a mini-program passes to `wx.requestPayment` for the
    /// `prepay_id` a JSAPI prepay returned; `appid` is the one the order was placed with. Signed
    /// now, with a fresh nonce.
    pub fn jsapi_pay_params(
        &self,
        appid: &str,
        prepay_id: &str,
    ) -> Result<JsapiPayParams, KeyError> {
        JsapiPayParams::sign(
            self.signer(),
            appid,
            prepay_id,
            (self.inner.config.clock)(),
            &crypto::nonce(),
        )
    }

    /// The parameters an app passes to the OpenSDK's `PayReq` for the `prepay_id` an APP prepay
    /// returned; `appid` is the mobile app's, `partnerid` is this client's merchant id. Signed
    /// now, with a fresh nonce.
    pub fn app_pay_params(&self, appid: &str, prepay_id: &str) -> Result<AppPayParams, KeyError> {
        AppPayParams::sign(
            self.signer(),
            appid,
            &self.inner.config.mchid,
            prepay_id,
            (self.inner.config.clock)(),
            &crypto::nonce(),
        )
    }
}
