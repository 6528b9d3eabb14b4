//! Faults a test can inject per route, and the effects the simulator counts.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// Something to go wrong with a response.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status and error code (e.g. 500 SYSTEM_ERROR, 429 RATELIMIT_EXCEEDED)
    /// without running the operation.
    Status {
        /// HTTP status.
        status: u16,
        /// The `code` of the error body.
        code: &'static str,
    },
    /// Wait this long before answering (the operation still runs).
    Latency(Duration),
    /// Close the connection without answering (the operation does not run).
    Drop,
    /// Sign the answer as a `WECHATPAY/SIGNTEST/` probe.
    SignTest,
    /// Sign the answer with a timestamp this far in the past.
    StaleTimestamp(Duration),
    /// Put another key id in `Wechatpay-Serial`.
    WrongSerial,
    /// Leave out the `Wechatpay-*` signature headers.
    MissingSignatureHeaders,
}

/// A fault, for the next `times` calls of one operation (or every call).
#[derive(Clone, Debug)]
struct Rule {
    fault: Fault,
    remaining: Option<u32>,
}

/// Faults by operation id, and effect counts.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<BTreeMap<String, Vec<Rule>>>,
    effects: Mutex<BTreeMap<String, u64>>,
    calls: Mutex<BTreeMap<String, u64>>,
}

impl Faults {
    /// Injects `fault` into the next `times` calls of `operation` (`None`: every call), after
    /// the faults already waiting for it.
    pub fn inject(&self, operation: &str, fault: Fault, times: Option<u32>) {
        lock(&self.rules)
            .entry(operation.to_string())
            .or_default()
            .push(Rule {
                fault,
                remaining: times,
            });
    }

    /// Removes every fault.
    pub fn clear(&self) {
        lock(&self.rules).clear();
    }

    /// Removes every fault and forgets every count, as a fresh simulator has none.
    pub fn reset(&self) {
        self.clear();
        lock(&self.effects).clear();
        lock(&self.calls).clear();
    }

    /// The faults for this call of `operation`. Faults that end the call (a status, a drop) apply
    /// one per call, in the order injected; the others (latency, signing) all apply. Each applied
    /// fault uses up one occurrence.
    pub fn take(&self, operation: &str) -> Vec<Fault> {
        *lock(&self.calls).entry(operation.to_string()).or_default() += 1;
        let mut rules = lock(&self.rules);
        let Some(list) = rules.get_mut(operation) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut ended = false;
        for rule in list.iter_mut() {
            let terminal = matches!(rule.fault, Fault::Status { .. } | Fault::Drop);
            if rule.remaining == Some(0) || (terminal && ended) {
                continue;
            }
            ended |= terminal;
            if let Some(n) = &mut rule.remaining {
                *n -= 1;
            }
            out.push(rule.fault.clone());
        }
        list.retain(|r| r.remaining != Some(0));
        out
    }

    /// Records that `operation` changed state (a coupon used, an order created).
    pub fn record_effect(&self, operation: &str) {
        *lock(&self.effects)
            .entry(operation.to_string())
            .or_default() += 1;
    }

    /// How many times `operation` changed state.
    pub fn effects(&self, operation: &str) -> u64 {
        lock(&self.effects).get(operation).copied().unwrap_or(0)
    }

    /// How many requests reached `operation` (faulted ones included).
    pub fn calls(&self, operation: &str) -> u64 {
        lock(&self.calls).get(operation).copied().unwrap_or(0)
    }
}

/// A poisoned lock only means a test panicked mid-update; the counters stay usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_run_out_after_their_count() {
        let f = Faults::default();
        f.inject(
            "a.b",
            Fault::Status {
                status: 500,
                code: "SYSTEM_ERROR",
            },
            Some(2),
        );
        f.inject("a.b", Fault::Latency(Duration::from_millis(1)), None);
        assert_eq!(f.take("a.b").len(), 2);
        assert_eq!(f.take("a.b").len(), 2);
        assert_eq!(
            f.take("a.b"),
            vec![Fault::Latency(Duration::from_millis(1))]
        );
        assert_eq!(f.calls("a.b"), 3);
        assert!(f.take("other").is_empty());
    }
}
