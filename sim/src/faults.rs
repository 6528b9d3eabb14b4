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
    /// Every operation id of the spec: a fault for any other id could never fire.
    operations: Vec<String>,
    rules: Mutex<BTreeMap<String, Vec<Rule>>>,
    effects: Mutex<BTreeMap<String, u64>>,
    calls: Mutex<BTreeMap<String, u64>>,
}

/// A fault for an operation the spec does not have: it would never fire, so a test that meant
/// to exercise a retry would pass without one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownOperation {
    /// The id given.
    pub operation: String,
    /// The spec's ids closest to it (edit distance), closest first.
    pub closest: Vec<String>,
}

impl std::fmt::Display for UnknownOperation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` is not an operation of the spec; the closest are {}",
            self.operation,
            self.closest.join(", ")
        )
    }
}

impl std::error::Error for UnknownOperation {}

impl Faults {
    /// Faults for these operation ids (`family.operation`).
    pub fn new(operations: Vec<String>) -> Self {
        Self {
            operations,
            ..Self::default()
        }
    }

    /// Every operation id of the spec, in spec order.
    pub fn operations(&self) -> &[String] {
        &self.operations
    }

    /// `Ok` for an operation id of the spec; otherwise the error naming the closest ids.
    pub fn check(&self, operation: &str) -> Result<(), UnknownOperation> {
        if self.operations.iter().any(|o| o == operation) {
            return Ok(());
        }
        Err(UnknownOperation {
            operation: operation.to_string(),
            closest: closest(&self.operations, operation),
        })
    }

    /// Injects `fault` into the next `times` calls of `operation` (`None`: every call), after
    /// the faults already waiting for it. An id the spec does not have is refused, naming the
    /// closest ones.
    pub fn inject(
        &self,
        operation: &str,
        fault: Fault,
        times: Option<u32>,
    ) -> Result<(), UnknownOperation> {
        self.check(operation)?;
        lock(&self.rules)
            .entry(operation.to_string())
            .or_default()
            .push(Rule {
                fault,
                remaining: times,
            });
        Ok(())
    }

    /// Removes every fault and forgets every effect and call count.
    pub fn reset(&self) {
        self.clear();
        lock(&self.effects).clear();
        lock(&self.calls).clear();
    }

    /// Removes every fault.
    pub fn clear(&self) {
        lock(&self.rules).clear();
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

/// The three of `ids` closest to `id` (edit distance), closest first.
pub(crate) fn closest(ids: &[String], id: &str) -> Vec<String> {
    let mut ids = ids.to_vec();
    ids.sort_by_key(|other| wechatpay_apiv3_generator::lifecycle::naming_distance(other, id));
    ids.truncate(3);
    ids
}

/// Every operation id of the spec, `family.operation`.
pub(crate) fn operation_ids(api: &wechatpay_apiv3_generator::model::Api) -> Vec<String> {
    api.families
        .iter()
        .flat_map(|f| {
            f.operations
                .iter()
                .map(move |o| format!("{}.{}", f.name, o.id))
        })
        .collect()
}

/// A poisoned lock only means a test panicked mid-update; the counters stay usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_run_out_after_their_count() -> Result<(), UnknownOperation> {
        let f = Faults::new(vec!["a.b".into(), "other.op".into()]);
        f.inject(
            "a.b",
            Fault::Status {
                status: 500,
                code: "SYSTEM_ERROR",
            },
            Some(2),
        )?;
        f.inject("a.b", Fault::Latency(Duration::from_millis(1)), None)?;
        assert_eq!(f.take("a.b").len(), 2);
        assert_eq!(f.take("a.b").len(), 2);
        assert_eq!(
            f.take("a.b"),
            vec![Fault::Latency(Duration::from_millis(1))]
        );
        assert_eq!(f.calls("a.b"), 3);
        assert!(f.take("other.op").is_empty());
        Ok(())
    }

    #[test]
    fn an_unknown_operation_is_refused_with_the_closest_ids() {
        let f = Faults::new(vec![
            "pay_transactions.prepay_jsapi".into(),
            "pay_transactions.prepay_app".into(),
            "busifavor.use_coupon".into(),
            "refund_domestic.query_by_out_refund_no".into(),
        ]);
        let err = f
            .inject("payments.prepay_jsapi", Fault::Drop, Some(1))
            .expect_err("not a spec id");
        assert_eq!(
            err.closest,
            [
                "pay_transactions.prepay_jsapi",
                "pay_transactions.prepay_app",
                "busifavor.use_coupon"
            ]
        );
        assert_eq!(
            err.to_string(),
            "`payments.prepay_jsapi` is not an operation of the spec; the closest are \
             pay_transactions.prepay_jsapi, pay_transactions.prepay_app, busifavor.use_coupon"
        );
        // Nothing was injected anywhere.
        assert!(f.take("pay_transactions.prepay_jsapi").is_empty());
    }
}
