//! The orchestrator: one call's attempts, retries with backoff, failover to the backup host and
//! the overall deadline.

use std::time::{Duration, Instant};

use tracing::Instrument as _;

use super::error::{TimedOut, TimeoutKind};
use super::transport::{Incoming, Outgoing};
use super::{Client, Error, RetryPolicy};
use crate::OpenEnum;

/// Per-call overrides of the client's retry policy and timeouts (see [`Client::execute_with`]).
/// The connect timeout belongs to the connection pool and stays the client's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestOptions {
    retry: Option<RetryPolicy>,
    attempt_timeout: Option<Duration>,
    total_timeout: Option<Duration>,
    download_limit: Option<u64>,
}

impl RequestOptions {
    /// The client's settings, unchanged.
    pub fn new() -> Self {
        Self::default()
    }

    /// Another retry policy for this call (it still applies only to retry-safe operations).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Another timeout for each attempt of this call.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Another timeout for the whole call, retries included (`Duration::MAX`: none).
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = Some(timeout);
        self
    }

    /// A smaller (or larger) size limit for a file this call downloads than the client's
    /// [`super::Limits::download`], e.g. 5 MiB for a complaint image: past it the download is
    /// refused as [`super::TooLarge`], unread when its Content-Length already says so.
    pub fn download_limit(mut self, bytes: u64) -> Self {
        self.download_limit = Some(bytes);
        self
    }

    /// This call's download limit, when it sets one.
    pub(super) fn own_download_limit(&self) -> Option<u64> {
        self.download_limit
    }
}

/// The clock of one call: the attempt timeout and the overall deadline, with their configured
/// durations for the error that names them.
#[derive(Clone, Copy, Debug)]
pub(super) struct Deadline {
    attempt: Duration,
    total: Duration,
    /// `None` when `total` is too long to add to now (`Duration::MAX`): no overall limit.
    at: Option<Instant>,
}

impl Deadline {
    /// Starts the clock now.
    pub(super) fn start(attempt: Duration, total: Duration) -> Self {
        Self {
            attempt,
            total,
            at: Instant::now().checked_add(total),
        }
    }

    /// How long the next attempt may take, and the timeout to name if it takes that long.
    pub(super) fn budget(&self) -> (Duration, TimedOut) {
        let remaining = self
            .at
            .map(|at| at.saturating_duration_since(Instant::now()));
        match remaining {
            Some(left) if left < self.attempt => (
                left,
                TimedOut {
                    kind: TimeoutKind::Total,
                    limit: self.total,
                },
            ),
            _ => (
                self.attempt,
                TimedOut {
                    kind: TimeoutKind::Attempt,
                    limit: self.attempt,
                },
            ),
        }
    }

    /// Whether waiting `delay` would reach the deadline.
    fn passed_after(&self, delay: Duration) -> bool {
        match (self.at, Instant::now().checked_add(delay)) {
            (Some(at), Some(then)) => then >= at,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}

impl Client {
    /// The attempt loop shared by typed and untyped calls.
    pub(super) async fn send<C: OpenEnum>(
        &self,
        out: &Outgoing<'_>,
        options: &RequestOptions,
    ) -> Result<Incoming, Error<C>> {
        let config = &self.inner.config;
        let deadline = Deadline::start(
            options.attempt_timeout.unwrap_or(config.timeouts.attempt),
            options.total_timeout.unwrap_or(config.timeouts.total),
        );
        let retry = options.retry.as_ref().unwrap_or(&config.retry);
        if let (true, Some(limit)) = (config.rate_limit, out.rate_limit) {
            self.inner.limiter.acquire(out.id, limit).await;
        }
        let attempts = if out.retry_safe {
            retry.max_attempts.max(1)
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
            let result = self
                .attempt::<C>(out, &deadline)
                .instrument(span.clone())
                .await
                .map(|incoming| Incoming {
                    attempts: attempt,
                    ..incoming
                });
            let retryable = crate::retry::should_retry(
                out.errors,
                match &result {
                    Err(Error::Transport(_) | Error::Unreachable(_) | Error::Timeout(_)) => {
                        crate::retry::Outcome::Transport
                    }
                    Err(Error::Api(e)) => crate::retry::Outcome::Status {
                        status: e.status,
                        code: Some(e.code.as_str()),
                    },
                    _ => crate::retry::Outcome::Final,
                },
            );
            if !retryable || attempt >= attempts {
                return result;
            }
            let delay = retry.delay(attempt);
            if deadline.passed_after(delay) {
                return result;
            }
            span.in_scope(|| tracing::info!(?delay, "retrying"));
            tokio::time::sleep(delay).await;
        }
    }

    /// One attempt: the primary host, then the backup if no connection to the primary could be
    /// made (refused, or the connect timeout fired). Never after a connection was made: the
    /// request may then have been received, and failing over could double its effect.
    async fn attempt<C: OpenEnum>(
        &self,
        out: &Outgoing<'_>,
        deadline: &Deadline,
    ) -> Result<Incoming, Error<C>> {
        let config = &self.inner.config;
        let result = self.attempt_on(&config.base_url, out, deadline).await;
        let Some(backup) = config.backup_url.as_deref() else {
            return result;
        };
        match result {
            Err(e) if nothing_sent(&e) => {
                tracing::warn!(reason = %e, backup, "primary host unreachable; trying the backup host");
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
        deadline: &Deadline,
    ) -> Result<Incoming, Error<C>> {
        let incoming = self.exchange(base, out, deadline).await?;
        if out.verify {
            self.verify(&incoming.headers, &incoming.body)
                .await
                .map_err(Error::Untrusted)?;
        }
        // A 2xx the operation documents as an error row (202 USERPAYING: the user is still
        // entering a password) is that error, once verified, not an empty success.
        if out.errors.iter().any(|row| row.status == incoming.status) {
            return Err(Error::Api(super::transport::api_error(
                incoming.status,
                &incoming.body,
                incoming.request_id,
            )));
        }
        Ok(incoming)
    }
}

/// Whether the error is a failure to connect, so that no byte of the request left.
fn nothing_sent<C>(e: &Error<C>) -> bool {
    match e {
        Error::Unreachable(_) => true,
        Error::Timeout(t) => t.kind == TimeoutKind::Connect,
        _ => false,
    }
}
