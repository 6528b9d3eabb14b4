//! The hand-written part of the simulator's state, registered by operation id: what a lifecycle
//! declaration cannot say (send limits, partial refunds, generated ids, bill files). The registry
//! refuses, at start, a rule for an operation the spec does not have, naming the closest ids, and
//! a completing rule for an operation no lifecycle creates or changes (it would never run).

use std::collections::BTreeMap;

use serde_json::Value;
use wechatpay_apiv3_generator::model::Api;

use super::engine::{Engine, Index};
use super::{Call, Outcome};
use crate::handler::Answer;

/// Completes a record the engine made or changed (ids, counters, fields copied from another
/// resource) and may change other resources. It refuses before it changes anything.
pub type Fill = fn(&mut Engine<'_>, &Call<'_>, &mut Value) -> Result<(), Outcome>;

/// Builds the answer from the stored record, instead of the engine's.
pub type Shape = fn(&mut Engine<'_>, &Call<'_>, &Value) -> Answer;

/// Serves the whole operation (one no lifecycle covers).
pub type Whole = fn(&mut Engine<'_>, &Call<'_>) -> Outcome;

/// What is hand-written for one operation.
pub struct Rule {
    /// `family.operation`, as in spec/.
    pub operation: &'static str,
    pub fill: Option<Fill>,
    pub answer: Option<Shape>,
    pub whole: Option<Whole>,
    /// The error code for a request number (or a key) used again with other parameters
    /// (default `INVALID_REQUEST`).
    pub reused: Option<&'static str>,
}

impl Rule {
    /// Nothing hand-written yet for `operation`.
    pub const fn new(operation: &'static str) -> Self {
        Self {
            operation,
            fill: None,
            answer: None,
            whole: None,
            reused: None,
        }
    }
}

/// Every hand-written rule.
pub fn all() -> impl Iterator<Item = &'static Rule> {
    [
        super::busifavor::RULES,
        super::favor::RULES,
        super::product_coupon::RULES,
        super::payments::RULES,
        super::bills::RULES,
        super::applyment4sub::RULES,
    ]
    .into_iter()
    .flatten()
}

/// The rules by operation id, checked against the spec.
pub fn registry(api: &Api, index: &Index) -> Result<BTreeMap<&'static str, &'static Rule>, String> {
    check(api, index, all())
}

/// Checks rules against the spec: every id exists, once; a completing rule has a lifecycle
/// operation to complete.
pub fn check<'r>(
    api: &Api,
    index: &Index,
    rules: impl IntoIterator<Item = &'r Rule>,
) -> Result<BTreeMap<&'r str, &'r Rule>, String> {
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    for rule in rules {
        let id = rule.operation;
        if super::engine::operation(api, id).is_none() {
            problems.push(format!(
                "a hand-written rule names `{id}`, which is not an operation of spec/ (closest: {})",
                closest_operations(api, id).join(", ")
            ));
        } else if rule.whole.is_none() && !index.changes(id) {
            problems.push(format!(
                "the hand-written rule for `{id}` completes a change, but no lifecycle creates or changes anything with it"
            ));
        }
        if out.insert(id, rule).is_some() {
            problems.push(format!("`{id}` has two hand-written rules"));
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems.join("; "))
    }
}

/// The three operation ids closest to `id` (edit distance), for messages about a misspelt one.
pub fn closest_operations(api: &Api, id: &str) -> Vec<String> {
    crate::faults::closest(&crate::faults::operation_ids(api), id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api() -> Api {
        crate::routes::load_api().expect("the embedded spec is valid")
    }

    #[test]
    fn every_registered_rule_names_an_operation_of_the_spec() {
        let api = api();
        let rules = registry(&api, &Index::new(&api)).expect("the registry matches spec/");
        assert!(rules.len() >= 10, "{} rules", rules.len());
        for id in rules.keys() {
            assert!(super::super::engine::operation(&api, id).is_some(), "{id}");
        }
    }

    #[test]
    fn a_rule_for_an_unknown_operation_is_refused_with_the_closest_ids() {
        let api = api();
        let misspelt = Rule {
            fill: Some(|_, _, _| Ok(())),
            ..Rule::new("payments.prepay_jsapi")
        };
        let Err(err) = check(&api, &Index::new(&api), [&misspelt]) else {
            panic!("an unknown id was registered");
        };
        assert!(
            err.starts_with("a hand-written rule names `payments.prepay_jsapi`, which is not an operation of spec/ (closest: pay_transactions.prepay_jsapi"),
            "{err}"
        );
        let idle = Rule {
            fill: Some(|_, _, _| Ok(())),
            ..Rule::new("busifavor.query_notify_url")
        };
        let Err(err) = check(&api, &Index::new(&api), [&idle]) else {
            panic!("a rule that never runs was registered");
        };
        assert!(err.contains("no lifecycle creates or changes"), "{err}");
    }
}
