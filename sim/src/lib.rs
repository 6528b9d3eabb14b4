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
mod routes;
mod server;
mod state;

use std::net::SocketAddr;
use std::sync::Arc;

pub use faults::{Fault, Faults};

/// Shared by every connection.
pub(crate) struct State {
    pub api: wechatpay_apiv3_generator::model::Api,
    pub faults: Faults,
    pub store: state::Store,
}

/// A running simulator on 127.0.0.1. Dropping it stops the server.
pub struct Simulator {
    addr: SocketAddr,
    state: Arc<State>,
    _stop: tokio::sync::oneshot::Sender<()>,
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
    /// Starts on a free port of 127.0.0.1.
    pub async fn start() -> Result<Self, StartError> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts on the given address (use a loopback address).
    pub async fn start_on(addr: SocketAddr) -> Result<Self, StartError> {
        let api = routes::load_api().map_err(StartError::Spec)?;
        let state = Arc::new(State {
            api,
            faults: Faults::default(),
            store: state::Store::default(),
        });
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(StartError::Io)?;
        let addr = listener.local_addr().map_err(StartError::Io)?;
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

    /// Fault injection and effect counts.
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// Puts a usable merchant coupon (商家券) in a user's wallet, as sending one would.
    pub fn provision_busifavor_coupon(&self, stock_id: &str, coupon_code: &str, openid: &str) {
        self.state
            .store
            .provision_busifavor_coupon(stock_id, coupon_code, openid);
    }

    /// Gives a user a usable product coupon (商品券), described by the JSON the API returns for it
    /// (`coupon_state` `EFFECTIVE`).
    pub fn provision_product_coupon(&self, openid: &str, coupon: serde_json::Value) {
        self.state.store.provision_product_coupon(openid, coupon);
    }
}
