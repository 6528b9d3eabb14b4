//! A local WeChat Pay APIv3 simulator, served from the same spec/ as the client.
//!
//! Every operation of spec/ is routed, its request checked against the documented rules (answering
//! `400 PARAM_ERROR` with `detail.field` like the real API) and answered with its documented
//! example. Tests inject faults per operation ([`Fault`]) and read how many times an operation
//! really changed state ([`Faults::effects`]), to prove that retries never double an effect.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = wechatpay_apiv3_sim::Simulator::start().await?;
//! println!("point the client at {}", sim.base_url());
//! # Ok(()) }
//! ```

mod faults;
mod handler;
mod multipart;
mod routes;
mod security;
mod server;
mod state;

use std::net::SocketAddr;
use std::sync::Arc;

pub use faults::{Fault, Faults};
pub use security::{
    FIXTURE_APIV3_KEY, FIXTURE_MCHID, FIXTURE_MERCHANT_PRIVATE_KEY, FIXTURE_MERCHANT_SERIAL,
    FIXTURE_PUBLIC_KEY_ID, FIXTURE_WECHATPAY_PUBLIC_KEY, SigningMode, SimConfig,
};
pub use state::PaidOrder;

/// Shared by every connection.
pub(crate) struct State {
    pub api: wechatpay_apiv3_generator::model::Api,
    pub faults: Faults,
    pub store: state::Store,
    pub security: SimConfig,
}

/// A running simulator on 127.0.0.1. Dropping it stops the server.
pub struct Simulator {
    addr: SocketAddr,
    state: Arc<State>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// A callback as WeChat Pay would post it: the `Wechatpay-*` headers and the JSON body.
#[derive(Clone, Debug)]
pub struct SignedCallback {
    /// `Wechatpay-Timestamp`, `Wechatpay-Nonce`, `Wechatpay-Signature`, `Wechatpay-Serial`.
    pub headers: Vec<(String, String)>,
    /// The envelope with the encrypted resource.
    pub body: Vec<u8>,
}

/// Why the simulator could not start.
#[derive(Debug)]
pub enum StartError {
    /// The embedded spec did not load (a build from an invalid spec/).
    Spec(String),
    /// The listening socket could not be opened.
    Io(std::io::Error),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Spec(e) => write!(f, "embedded spec: {e}"),
            StartError::Io(e) => write!(f, "listening socket: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

impl Simulator {
    /// Starts on a free port of 127.0.0.1 with the public fixture identity (public-key mode).
    pub async fn start() -> Result<Self, StartError> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts on the given address (use a loopback address) with the fixture identity.
    pub async fn start_on(addr: SocketAddr) -> Result<Self, StartError> {
        Self::start_with(SimConfig::fixture().map_err(StartError::Spec)?, addr).await
    }

    /// Starts with another identity or signing mode.
    pub async fn start_with(security: SimConfig, addr: SocketAddr) -> Result<Self, StartError> {
        let api = routes::load_api().map_err(StartError::Spec)?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(StartError::Io)?;
        let addr = listener.local_addr().map_err(StartError::Io)?;
        let state = Arc::new(State {
            api,
            faults: Faults::default(),
            // Links the simulator hands out (bill downloads) point back at itself.
            store: state::Store::new(format!("http://{addr}")),
            security,
        });
        let (stop, stopped) = tokio::sync::oneshot::channel();
        tokio::spawn(server::serve(listener, state.clone(), stopped));
        Ok(Self {
            addr,
            state,
            _stop: stop,
        })
    }

    /// `http://127.0.0.1:PORT`, the base URL to give the client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A client configuration for this simulator with the fixture merchant identity: add
    /// settings and `build()`.
    pub fn client_config(&self) -> wechatpay_apiv3_runtime::client::ConfigBuilder {
        let key =
            wechatpay_apiv3_runtime::client::MerchantKey::from_pem(FIXTURE_MERCHANT_PRIVATE_KEY);
        let key = key.unwrap_or_else(|e| unreachable!("the embedded fixture key loads: {e}"));
        let builder = wechatpay_apiv3_runtime::client::Config::builder(
            FIXTURE_MCHID,
            FIXTURE_MERCHANT_SERIAL,
            key,
        )
        .apiv3_key(FIXTURE_APIV3_KEY)
        .base_url(self.base_url())
        .backup_url(None);
        match &self.state.security.mode {
            SigningMode::PublicKey(id) => {
                builder.wechatpay_public_key(id.clone(), FIXTURE_WECHATPAY_PUBLIC_KEY)
            }
            SigningMode::Certificate => builder,
        }
    }

    /// Gives a user the product coupon of the spec's `use_user_coupon` example (usable, not yet
    /// used) under another openid and code.
    pub fn provision_product_coupon_from_spec(
        &self,
        openid: &str,
        coupon_code: &str,
    ) -> Result<(), String> {
        let mut coupon = self
            .example_answer("product_coupon", "use_user_coupon")
            .ok_or("the spec has no product_coupon.use_user_coupon example")?;
        coupon["coupon_code"] = serde_json::json!(coupon_code);
        coupon["coupon_state"] = serde_json::json!("EFFECTIVE");
        if let Some(map) = coupon.as_object_mut() {
            map.remove("single_usage_detail");
        }
        self.state.store.provision_product_coupon(openid, coupon);
        Ok(())
    }

    /// Sends a callback to `url` (a loopback address) as WeChat Pay would: the resource JSON
    /// encrypted with AEAD_AES_256_GCM under the APIv3 key, the envelope signed with the platform
    /// key. Returns the HTTP status the handler answered.
    pub async fn send_notification(
        &self,
        url: &str,
        event_type: &str,
        original_type: &str,
        resource: &serde_json::Value,
    ) -> Result<u16, String> {
        let host = url
            .split("://")
            .nth(1)
            .and_then(|r| r.split(['/', '?']).next())
            .unwrap_or_default();
        let loopback =
            host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]");
        if !loopback {
            return Err(format!(
                "the simulator only calls loopback addresses, not {host}"
            ));
        }
        let callback = self.signed_notification(event_type, original_type, resource)?;
        let mut request = reqwest::Client::new()
            .post(url)
            .header("Content-Type", "application/json");
        for (name, value) in &callback.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let response = request
            .body(callback.body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        Ok(response.status().as_u16())
    }

    /// The callback WeChat Pay would send, without sending it: the resource JSON encrypted with
    /// AEAD_AES_256_GCM under the APIv3 key, the envelope signed with the platform key. Give its
    /// headers and body to the client's `parse_callback_from_pairs` to test a handler in-process.
    pub fn signed_notification(
        &self,
        event_type: &str,
        original_type: &str,
        resource: &serde_json::Value,
    ) -> Result<SignedCallback, String> {
        let security = &self.state.security;
        let nonce = &wechatpay_apiv3_runtime::client::crypto::nonce()[..12];
        let plaintext = serde_json::to_vec(resource).map_err(|e| e.to_string())?;
        let ciphertext = security
            .apiv3_key
            .encrypt(nonce, original_type, &plaintext)
            .map_err(|e| e.0)?;
        let envelope = serde_json::json!({
            "id": format!("EV-{}", &wechatpay_apiv3_runtime::client::crypto::nonce()[..20]),
            "create_time": state::now_rfc3339(),
            "event_type": event_type,
            "resource_type": "encrypt-resource",
            "summary": event_type,
            "resource": { "original_type": original_type, "algorithm": "AEAD_AES_256_GCM", "ciphertext": ciphertext,
                          "associated_data": original_type, "nonce": nonce },
        });
        let body = serde_json::to_vec(&envelope).map_err(|e| e.to_string())?;
        let headers = security
            .sign_answer(&body, &[])
            .into_iter()
            .map(|(name, value)| (name.to_string(), value))
            .collect();
        Ok(SignedCallback { headers, body })
    }

    /// Fault injection and effect counts.
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// The first documented example answer of an operation.
    fn example_answer(&self, family: &str, operation: &str) -> Option<serde_json::Value> {
        self.state
            .api
            .families
            .iter()
            .filter(|f| f.name == family)
            .flat_map(|f| f.operations.iter().filter(|o| o.id == operation))
            .find_map(|o| o.examples.iter().find_map(|e| e.response.clone()))
    }

    /// Puts a usable merchant coupon (商家券) in a user's wallet, as sending one would. A stock the
    /// simulator does not know yet is made from the spec's `query_stock` example under `stock_id`.
    pub fn provision_busifavor_coupon(&self, stock_id: &str, coupon_code: &str, openid: &str) {
        let stock = || {
            let mut stock = self
                .example_answer("busifavor", "query_stock")
                .unwrap_or_else(|| serde_json::json!({}));
            stock["stock_id"] = serde_json::json!(stock_id);
            stock
        };
        self.state
            .store
            .provision_busifavor_coupon(stock, stock_id, coupon_code, openid);
    }

    /// Gives a user a usable product coupon (商品券), described by the JSON the API returns for it
    /// (`coupon_state` `EFFECTIVE`).
    pub fn provision_product_coupon(&self, openid: &str, coupon: serde_json::Value) {
        self.state.store.provision_product_coupon(openid, coupon);
    }

    /// Pays an unpaid order as its user would: the order becomes SUCCESS with a transaction id,
    /// and refunds become possible. Send `transaction` with [`Self::send_notification`]
    /// (`TRANSACTION.SUCCESS`, original type `transaction`) to test a payment callback handler.
    pub fn pay_order(&self, out_trade_no: &str, openid: &str) -> Result<PaidOrder, String> {
        self.state.store.pay_order(out_trade_no, openid)
    }

    /// The decrypted resource of the REFUND.SUCCESS callback of a refund the simulator made (send
    /// it with [`Self::send_notification`], event `REFUND.SUCCESS`, original type `refund`), or
    /// `None` for an unknown `out_refund_no`.
    pub fn refund_notice(&self, out_refund_no: &str) -> Option<serde_json::Value> {
        self.state.store.refund_notice(out_refund_no)
    }

    /// Redeems a cash coupon (代金券) the way a payment would: the coupon becomes USED with the
    /// transaction recorded. Returns the COUPON.USE resource to send with
    /// [`Self::send_notification`] (event `COUPON.USE`, original type `coupon`).
    pub fn use_cash_coupon(
        &self,
        openid: &str,
        coupon_id: &str,
        transaction_id: &str,
    ) -> Result<serde_json::Value, String> {
        self.state
            .store
            .use_cash_coupon(openid, coupon_id, transaction_id)
    }
}
