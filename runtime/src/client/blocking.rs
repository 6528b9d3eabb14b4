//! A blocking client (feature `blocking`): the async client driven by a private runtime.

use http::HeaderMap;

use super::{
    Answer, AnyErrorCode, Client, ClientBuildError, Config, Error, Notification, NotifyError,
    RequestOptions,
};
use crate::{NotificationEvent, Operation};

/// Calls WeChat Pay from synchronous code. Do not use it inside an async runtime.
pub struct BlockingClient {
    client: Client,
    runtime: tokio::runtime::Runtime,
}

impl BlockingClient {
    /// A client with its own single-threaded runtime.
    pub fn new(config: Config) -> Result<Self, ClientBuildError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ClientBuildError::new("blocking runtime", e))?;
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

    /// See [`Client::execute_with`].
    pub fn execute_with<O: Operation>(
        &self,
        op: O,
        options: &RequestOptions,
    ) -> Result<Answer<O::Response>, Error<O::ErrorCode>> {
        self.runtime.block_on(self.client.execute_with(op, options))
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

    /// See [`Client::download_verified`].
    pub fn download_verified<O>(
        &self,
        op: O,
        hash_type: &str,
        hash_value: &str,
    ) -> Result<Vec<u8>, Error<O::ErrorCode>>
    where
        O: Operation<Response = Vec<u8>>,
    {
        self.runtime
            .block_on(self.client.download_verified(op, hash_type, hash_value))
    }

    /// See [`Client::download_bill`].
    pub fn download_bill(
        &self,
        download_url: &str,
        hash_type: &str,
        hash_value: &str,
    ) -> Result<Vec<u8>, Error<AnyErrorCode>> {
        self.runtime.block_on(
            self.client
                .download_bill(download_url, hash_type, hash_value),
        )
    }

    /// See [`Client::download_encrypted_bill`].
    pub fn download_encrypted_bill<A: crate::JsonFields>(
        &self,
        answer: &A,
        algorithm: &str,
    ) -> Result<Vec<u8>, Error<AnyErrorCode>> {
        self.runtime
            .block_on(self.client.download_encrypted_bill(answer, algorithm))
    }

    /// See [`Client::parse_notification`].
    pub fn parse_notification<E: NotificationEvent>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Notification<E>, NotifyError> {
        self.runtime
            .block_on(self.client.parse_notification(headers, body))
    }

    /// See [`Client::parse_callback`].
    pub fn parse_callback<N: crate::NotificationSet>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<super::Received<N>, NotifyError> {
        self.runtime
            .block_on(self.client.parse_callback(headers, body))
    }

    /// The async client inside, for what needs no waiting: [`Client::jsapi_pay_params`],
    /// [`Client::app_pay_params`], [`Client::signer`], [`Client::config`].
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// See [`Client::refresh_certificates`].
    pub fn refresh_certificates(&self) -> Result<usize, Error<AnyErrorCode>> {
        self.runtime.block_on(self.client.refresh_certificates())
    }
}
