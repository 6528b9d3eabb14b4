//! A blocking client (feature `blocking`): the async client driven by a private runtime.

use super::{AnyErrorCode, Client, Config, Error};
use crate::Operation;

/// Calls WeChat Pay from synchronous code. Do not use it inside an async runtime.
pub struct BlockingClient {
    client: Client,
    runtime: tokio::runtime::Runtime,
}

impl BlockingClient {
    /// A client with its own single-threaded runtime.
    pub fn new(config: Config) -> Result<Self, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("runtime: {e}"))?;
        let client = {
            let _guard = runtime.enter();
            Client::new(config)?
        };
        Ok(Self { client, runtime })
    }

    /// See [`Client::execute`].
    pub fn execute<O: Operation>(&self, op: O) -> Result<O::Response, Error<O::ErrorCode>> {
        self.runtime.block_on(self.client.execute(op))
    }

    /// See [`Client::call_json`].
    pub fn call_json(
        &self,
        method: http::Method,
        path_and_query: &str,
        body: Option<&serde_json::Value>,
        retry_safe: bool,
    ) -> Result<serde_json::Value, Error<AnyErrorCode>> {
        self.runtime.block_on(
            self.client
                .call_json(method, path_and_query, body, retry_safe),
        )
    }
}
