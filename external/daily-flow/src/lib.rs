//! A shop's checkout and notify-URL code, written from the README.

use wechatpay_apiv3::pay::transactions::{Amount, JsapiPayer, PrepayJsapiRequest};
use wechatpay_apiv3::{AnswerCallback, AnyNotification, Client, Received};

/// Places a JSAPI order and returns what the mini-program passes to `wx.requestPayment`.
pub async fn checkout(
    client: &Client,
    out_trade_no: &str,
    openid: &str,
) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let order = PrepayJsapiRequest::builder()
        .appid("wxd678efh567hg6787")
        .mchid(client.config().mchid())
        .description("Coffee beans 250g")
        .out_trade_no(out_trade_no)
        .notify_url("https://shop.example.com/wechatpay/notify")
        .amount(Amount::builder().total(8800).build()?)
        .payer(JsapiPayer::builder().openid(openid).build()?)
        .build()?;
    let prepay = client.execute(order).await?;
    let params = client.jsapi_pay_params("wxd678efh567hg6787", &prepay.prepay_id)?;
    Ok(serde_json::to_value(params)?)
}

/// The notify URL's handler body: the paid order number, and the HTTP status to answer.
pub async fn on_callback(
    client: &Client,
    headers: Vec<(String, String)>,
    body: &[u8],
) -> (Option<String>, u16) {
    let result = client
        .parse_callback_from_pairs::<AnyNotification, _, _, _>(headers, body)
        .await;
    let status = result.answer().status.as_u16();
    if let Ok(Received::Known(n)) = result
        && let AnyNotification::TransactionSuccess(t) = n.event
    {
        return (t.out_trade_no, status);
    }
    (None, status)
}
