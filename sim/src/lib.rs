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

mod control;
mod faults;
mod handler;
mod multipart;
mod routes;
mod security;
mod sensitive;
mod server;
mod state;

use std::net::SocketAddr;
use std::sync::Arc;

pub use faults::{Fault, Faults, UnknownOperation};
pub use security::{
    FIXTURE_APIV3_KEY, FIXTURE_MCHID, FIXTURE_MERCHANT_CERTIFICATE, FIXTURE_MERCHANT_PRIVATE_KEY,
    FIXTURE_MERCHANT_SERIAL, FIXTURE_PUBLIC_KEY_ID, FIXTURE_WECHATPAY_PUBLIC_KEY, SigningMode,
    SimConfig,
};
pub use server::ServerLimits;
pub use state::{Notice, PaidOrder, Refused, Transitioned};

/// Shared by every connection.
pub(crate) struct State {
    pub api: wechatpay_apiv3_generator::model::Api,
    pub faults: Faults,
    pub store: state::Store,
    pub security: SimConfig,
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Whether `security` is the public fixture identity, whose secrets may be handed out.
    pub fixture_identity: bool,
    /// The control API's memory: callbacks not yet delivered.
    pub control: control::Control,
}

/// What a client in any language needs to talk to a simulator with the fixture identity (all of
/// it public test material, never real credentials).
#[derive(Clone)]
pub struct Credentials {
    /// The merchant id (`mchid`).
    pub mchid: String,
    /// The merchant certificate serial (`serial_no` in `Authorization`).
    pub merchant_serial: String,
    /// The APIv3 key (decrypts callbacks and `/v3/certificates`).
    pub apiv3_key: String,
    /// The WeChat Pay public key id, in public-key mode.
    pub public_key_id: Option<String>,
    /// The platform certificate serial (`Wechatpay-Serial` in certificate mode).
    pub platform_certificate_serial: String,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The merchant private key (PKCS#8 PEM) requests are signed with.
    pub merchant_private_key_pem: &'static [u8],
    /// The merchant certificate (PEM).
    pub merchant_certificate_pem: &'static [u8],
    /// The WeChat Pay public key (SPKI PEM).
    pub wechatpay_public_key_pem: &'static [u8],
    /// The platform certificate (PEM), as `/v3/certificates` serves it.
    pub platform_certificate_pem: Vec<u8>,
}

/// A running simulator on 127.0.0.1. Dropping it stops the server.
pub struct Simulator {
    addr: SocketAddr,
    state: Arc<State>,
    /// `None` for the control API's view of a running simulator, which must not stop it.
    _stop: Option<tokio::sync::oneshot::Sender<()>>,
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

/// The files [`Credentials::write_to`] writes, by what they hold.
pub const CREDENTIAL_FILES: [(&str, &str); 5] = [
    ("merchant_private_key", "merchant_private_key.pem"),
    ("merchant_certificate", "merchant_certificate.pem"),
    ("wechatpay_public_key", "wechatpay_public_key.pem"),
    ("platform_certificate", "wechatpay_platform_certificate.pem"),
    ("credentials", "credentials.json"),
];

impl Credentials {
    /// The identity as JSON: the names and serials, and each PEM as text.
    pub fn to_json(&self) -> serde_json::Value {
        let text = |pem: &[u8]| String::from_utf8_lossy(pem).into_owned();
        serde_json::json!({
            "mchid": self.mchid,
            "merchant_serial": self.merchant_serial,
            "apiv3_key": self.apiv3_key,
            "mode": if self.public_key_id.is_some() { "public_key" } else { "certificate" },
            "public_key_id": self.public_key_id,
            "platform_certificate_serial": self.platform_certificate_serial,
            "base_url": self.base_url,
            "control_url": format!("{}/_sim", self.base_url),
            "merchant_private_key_pem": text(self.merchant_private_key_pem),
            "merchant_certificate_pem": text(self.merchant_certificate_pem),
            "wechatpay_public_key_pem": text(self.wechatpay_public_key_pem),
            "platform_certificate_pem": text(&self.platform_certificate_pem),
        })
    }

    /// Writes the keys and certificates as PEM files into `dir` (created if missing), and
    /// `credentials.json`: [`Self::to_json`] with the file names instead of the PEM texts.
    pub fn write_to(&self, dir: &std::path::Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut json = self.to_json();
        let pems: [&[u8]; 4] = [
            self.merchant_private_key_pem,
            self.merchant_certificate_pem,
            self.wechatpay_public_key_pem,
            &self.platform_certificate_pem,
        ];
        for ((what, file), pem) in CREDENTIAL_FILES.iter().zip(pems) {
            std::fs::write(dir.join(file), pem)?;
            if let Some(map) = json.as_object_mut() {
                map.remove(&format!("{what}_pem"));
                map.insert(format!("{what}_file"), serde_json::json!(file));
            }
        }
        let mut text = serde_json::to_string_pretty(&json).map_err(std::io::Error::other)?;
        text.push('\n');
        std::fs::write(dir.join(CREDENTIAL_FILES[4].1), text)
    }
}

impl Simulator {
    /// Starts on a free port of 127.0.0.1 with the public fixture identity (public-key mode).
    pub async fn start() -> Result<Self, StartError> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts on the given address (use a loopback address) with the fixture identity.
    pub async fn start_on(addr: SocketAddr) -> Result<Self, StartError> {
        Self::start_fixture(SigningMode::PublicKey(FIXTURE_PUBLIC_KEY_ID.into()), addr).await
    }

    /// Starts with the fixture identity signing in `mode` (certificate mode serves the platform
    /// certificate at `/v3/certificates`); [`Self::credentials`] hands its secrets out.
    pub async fn start_fixture(mode: SigningMode, addr: SocketAddr) -> Result<Self, StartError> {
        let mut security = SimConfig::fixture().map_err(StartError::Spec)?;
        security.mode = mode;
        Self::launch(security, addr, true, ServerLimits::default()).await
    }

    /// Starts with another identity or signing mode.
    pub async fn start_with(security: SimConfig, addr: SocketAddr) -> Result<Self, StartError> {
        Self::start_with_limits(security, addr, ServerLimits::default()).await
    }

    /// Starts with another identity or signing mode and other connection limits.
    pub async fn start_with_limits(
        security: SimConfig,
        addr: SocketAddr,
        limits: ServerLimits,
    ) -> Result<Self, StartError> {
        Self::launch(security, addr, false, limits).await
    }

    async fn launch(
        security: SimConfig,
        addr: SocketAddr,
        fixture_identity: bool,
        limits: ServerLimits,
    ) -> Result<Self, StartError> {
        let api = routes::load_api().map_err(StartError::Spec)?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(StartError::Io)?;
        let addr = listener.local_addr().map_err(StartError::Io)?;
        // Links the simulator hands out (bill downloads) point back at itself.
        let store = state::Store::new(
            format!("http://{addr}"),
            security.mchid.clone(),
            security.platform_certificates(),
            security.merchant_key.clone(),
            &api,
        )
        .map_err(StartError::Spec)?;
        let state = Arc::new(State {
            faults: Faults::new(faults::operation_ids(&api)),
            api,
            store,
            security,
            addr,
            fixture_identity,
            control: control::Control::default(),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel();
        tokio::spawn(server::serve(listener, state.clone(), stopped, limits));
        Ok(Self {
            addr,
            state,
            _stop: Some(stop),
        })
    }

    /// The running simulator behind `state`, for the control API (dropping it stops nothing).
    pub(crate) fn view(state: Arc<State>) -> Self {
        Self {
            addr: state.addr,
            state,
            _stop: None,
        }
    }

    /// The identity to configure a client in any language with, when the simulator runs the
    /// public fixture identity (`None` for one given to [`Self::start_with`], whose secrets the
    /// simulator does not hold).
    pub fn credentials(&self) -> Option<Credentials> {
        if !self.state.fixture_identity {
            return None;
        }
        let security = &self.state.security;
        Some(Credentials {
            mchid: security.mchid.clone(),
            merchant_serial: security.merchant_serial.clone(),
            apiv3_key: FIXTURE_APIV3_KEY.into(),
            public_key_id: match &security.mode {
                SigningMode::PublicKey(id) => Some(id.clone()),
                SigningMode::Certificate => None,
            },
            platform_certificate_serial: security.platform_certificate_serial(),
            base_url: self.base_url(),
            merchant_private_key_pem: FIXTURE_MERCHANT_PRIVATE_KEY,
            merchant_certificate_pem: FIXTURE_MERCHANT_CERTIFICATE,
            wechatpay_public_key_pem: FIXTURE_WECHATPAY_PUBLIC_KEY,
            platform_certificate_pem: security.platform_certificate_pem.clone(),
        })
    }

    /// Forgets every order, coupon, refund, bill file, fault, count and queued callback: the
    /// simulator as just started, at the same address.
    pub fn reset(&self) {
        self.state.store.reset();
        self.state.faults.reset();
        self.state.control.reset();
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
    /// settings and `build()`. In certificate mode give it the certificate list too
    /// (`.certificate_source(wechatpay_apiv3::CERTIFICATE_SOURCE)`).
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
        self.state
            .store
            .provision_usable_product_coupon(&self.state.api, openid, coupon);
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
        // A handler that never answers must not hold the caller (or a control request) forever.
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| e.to_string())?;
        let mut request = client.post(url).header("Content-Type", "application/json");
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
        let nonce = &wechatpay_apiv3_runtime::client::crypto::aead_nonce();
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

    /// Puts a usable merchant coupon (商家券) in a user's wallet, as sending one would: the control
    /// create `busifavor.coupon.create` (`POST /_sim/busifavor/coupon/create`). A stock the
    /// simulator does not know yet is made from the spec's `query_stock` example under `stock_id`.
    ///
    /// # Panics
    /// When the declaration refuses the coupon (an empty argument, a code already in a wallet):
    /// a mistake in the calling test.
    pub fn provision_busifavor_coupon(&self, stock_id: &str, coupon_code: &str, openid: &str) {
        let body = serde_json::json!({
            "stock_id": stock_id, "coupon_code": coupon_code, "openid": openid,
        });
        if let Err(refused) = self.create("busifavor", "coupon", &body) {
            panic!("the merchant coupon `{coupon_code}` was refused: {refused}");
        }
    }

    /// Changes one byte of the bill file served under download `token`; whether there was one.
    pub fn tamper_bill_file(&self, token: &str) -> bool {
        self.state.store.tamper_bill_file(token)
    }

    /// Gives a user a usable product coupon (商品券), described by the JSON the API returns for it
    /// (`coupon_state` `EFFECTIVE`).
    pub fn provision_product_coupon(&self, openid: &str, coupon: serde_json::Value) {
        self.state
            .store
            .provision_product_coupon(&self.state.api, openid, coupon);
    }

    /// Makes a transition no operation makes (what the user, a reviewer or the bank does; the
    /// control route `POST /_sim/{family}/{lifecycle}/{key}/{transition}`) on the resource under
    /// `key`, with the JSON `body` such a call carries (the fields the transition `needs` and
    /// records). Returns the record after it and the callbacks it owes (`notify:` in the spec),
    /// not sent: give it to [`Self::send_notification`], or use the control API, which delivers it.
    pub fn transition(
        &self,
        family: &str,
        lifecycle: &str,
        key: &str,
        transition: &str,
        body: &serde_json::Value,
    ) -> Result<Transitioned, Refused> {
        let id = format!("{family}.{lifecycle}.{transition}");
        self.state.store.control(&self.state.api, &id, key, body)
    }

    /// Makes a resource as its control create declares (what the user, the reviewer or the bank
    /// does to make one; the control route `POST /_sim/{family}/{lifecycle}/create`), with the
    /// JSON `body` such a call carries (the fields it `needs`, the record's fields, `notify_url`).
    /// Returns the record as stored and the callbacks it owes, not sent: give them to
    /// [`Self::send_notification`], or use the control API, which delivers them.
    pub fn create(
        &self,
        family: &str,
        lifecycle: &str,
        body: &serde_json::Value,
    ) -> Result<Transitioned, Refused> {
        self.state
            .store
            .create(&self.state.api, family, lifecycle, body)
    }

    /// Files a complaint as the merchant's user would (the control create
    /// `complaints.complaint.create`): `complaint` may give any field of the complaint type
    /// (`complaint_detail`, `problem_type`, `complaint_order_info`...) and `payer_phone` in plain
    /// text, which answers carry encrypted to the merchant's key. Returns the complaint as stored
    /// (phone in plain text); its COMPLAINT.CREATE callback is [`Self::create`]'s to hand over.
    pub fn open_complaint(
        &self,
        complaint: &serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        self.create("complaints", "complaint", complaint)
            .map(|made| made.record)
            .map_err(|r| r.message)
    }

    /// The body of the request that created the resource under `key` of `family`'s lifecycle
    /// `lifecycle`, exactly as it arrived: the fields a client encrypts (`sensitive: true` in
    /// spec/) are still RSA-OAEP ciphertext for the platform key, so a test can check what left
    /// the client. `None` for an unknown resource or one a test provisioned.
    pub fn created_with(
        &self,
        family: &str,
        lifecycle: &str,
        key: &str,
    ) -> Option<serde_json::Value> {
        self.state
            .store
            .created_with(&self.state.api, family, lifecycle, key)
            .filter(|body| !body.is_null())
    }

    /// Every transition [`Self::transition`] and the control API make, as
    /// `family.lifecycle.transition`.
    pub fn transitions(&self) -> Vec<String> {
        self.state.store.controls()
    }

    /// Every control create [`Self::create`] and the control API make, as
    /// `family.lifecycle.create`.
    pub fn creates(&self) -> Vec<String> {
        self.state.store.creates()
    }

    /// Pays an unpaid order as its user would (the transition `pay_transactions.order.pay`): the
    /// order becomes SUCCESS with a transaction id, and refunds become possible. Send
    /// `transaction` with [`Self::send_notification`] (`TRANSACTION.SUCCESS`, original type
    /// `transaction`) to test a payment callback handler.
    pub fn pay_order(&self, out_trade_no: &str, openid: &str) -> Result<PaidOrder, String> {
        let body = serde_json::json!({ "openid": openid });
        let paid = self
            .transition("pay_transactions", "order", out_trade_no, "pay", &body)
            .map_err(|r| r.message)?;
        Ok(PaidOrder {
            transaction_id: paid.record["transaction_id"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            transaction: paid.record,
        })
    }

    /// The decrypted resource of the refund callback of a refund the simulator made, as the
    /// refund is now (send it with [`Self::send_notification`], event `REFUND.SUCCESS` once it
    /// arrived: the transition `refund_domestic.refund.arrive`), or `None` for an unknown
    /// `out_refund_no`.
    pub fn refund_notice(&self, out_refund_no: &str) -> Option<serde_json::Value> {
        self.state
            .store
            .notice_of(
                &self.state.api,
                "refund_domestic.refund.arrive",
                out_refund_no,
            )
            .map(|n| n.resource)
    }

    /// Redeems a cash coupon (代金券) the way a payment would (the transition `favor.coupon.use`):
    /// the coupon becomes USED with the transaction recorded. Returns the COUPON.USE resource to
    /// send with [`Self::send_notification`] (event `COUPON.USE`, original type `coupon`).
    pub fn use_cash_coupon(
        &self,
        openid: &str,
        coupon_id: &str,
        transaction_id: &str,
    ) -> Result<serde_json::Value, String> {
        let body = serde_json::json!({ "openid": openid, "transaction_id": transaction_id });
        let used = self
            .transition("favor", "coupon", coupon_id, "use", &body)
            .map_err(|r| r.message)?;
        Ok(used
            .notices
            .into_iter()
            .next()
            .map_or(used.record, |n| n.resource))
    }
}
