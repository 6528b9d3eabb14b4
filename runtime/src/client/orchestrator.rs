//! The orchestrator: one call's attempts, retries with backoff, failover to the backup host and
//! the overall deadline.

use std::time::Instant;

use tracing::Instrument as _;

use super::transport::{Incoming, Outgoing, UNREACHABLE};
use super::{Client, Error};
use crate::OpenEnum;

impl Client {
    /// The attempt loop shared by typed and untyped calls.
    pub(super) async fn send<C: OpenEnum>(&self, out: &Outgoing<'_>) -> Result<Incoming, Error<C>> {
        let config = &self.inner.config;
        let deadline = Instant::now() + config.timeouts.total;
        if let (true, Some(limit)) = (config.rate_limit, out.rate_limit) {
            self.inner.limiter.acquire(out.id, limit).await;
        }
        let attempts = if out.retry_safe {
            config.retry.max_attempts.max(1)
        } else {
            1
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let span = tracing::info_span!(
                "wechatpay",
                operation = out.id,
                attempt,
                status = tracing::field::Empty,
                request_id = tracing::field::Empty
            );
            let result = self.attempt(out, deadline).instrument(span.clone()).await;
            let retryable = match &result {
                Ok(_) => false,
                Err(Error::Transport(_) | Error::Timeout(_)) => true,
                Err(Error::Api(e)) => e.status >= 500 || e.status == 429,
                Err(_) => false,
            };
            if !retryable || attempt >= attempts {
                return result;
            }
            let delay = config.retry.delay(attempt);
            if Instant::now() + delay >= deadline {
                return result;
            }
            span.in_scope(|| tracing::info!(?delay, "retrying"));
            tokio::time::sleep(delay).await;
        }
    }

    /// One attempt: the primary host, then the backup if the primary cannot be reached.
    async fn attempt<C: OpenEnum>(
        &self,
        out: &Outgoing<'_>,
        deadline: Instant,
    ) -> Result<Incoming, Error<C>> {
        let config = &self.inner.config;
        match self.attempt_on(&config.base_url, out, deadline).await {
            // Only when the request never left (no connection): then no effect can be doubled.
            Err(Error::Transport(reason))
                if reason.starts_with(UNREACHABLE) && config.backup_url.is_some() =>
            {
                let backup = config.backup_url.as_deref().unwrap_or_default();
                tracing::warn!(%reason, backup, "primary host unreachable; trying the backup host");
                self.attempt_on(backup, out, deadline).await
            }
            other => other,
        }
    }

    /// One attempt with one host: the exchange, then verification of the answer's signature.
    async fn attempt_on<C: OpenEnum>(
        &self,
        base: &str,
        out: &Outgoing<'_>,
        deadline: Instant,
    ) -> Result<Incoming, Error<C>> {
        let (headers, body) = self.exchange(base, out, deadline).await?;
        if out.verify {
            self.verify(&headers, &body)
                .await
                .map_err(Error::Untrusted)?;
        }
        Ok(Incoming { body })
    }
}
