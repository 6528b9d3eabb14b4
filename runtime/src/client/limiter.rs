//! An opt-in client-side limiter: each operation stays within its documented rate, so a burst
//! waits its turn instead of earning 429s.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::RateLimit;

/// A token bucket per operation.
#[derive(Default)]
pub(crate) struct Limiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    tokens: f64,
    refilled: Instant,
}

impl Limiter {
    /// Waits until `operation` may be called again under `limit`.
    pub(crate) async fn acquire(&self, operation: &str, limit: RateLimit) {
        let capacity = f64::from(limit.requests.max(1));
        let per_second = capacity / f64::from(limit.per_seconds.max(1));
        loop {
            let wait = {
                let mut buckets = self.buckets.lock().await;
                let now = Instant::now();
                let b = buckets.entry(operation.to_string()).or_insert(Bucket {
                    tokens: capacity,
                    refilled: now,
                });
                b.tokens = (b.tokens + now.duration_since(b.refilled).as_secs_f64() * per_second)
                    .min(capacity);
                b.refilled = now;
                if b.tokens >= 1.0 {
                    b.tokens -= 1.0;
                    return;
                }
                Duration::from_secs_f64((1.0 - b.tokens) / per_second)
            };
            tokio::time::sleep(wait).await;
        }
    }
}
