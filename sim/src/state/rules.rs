//! The hand-written part of the simulator's state, registered by operation id: what a lifecycle
//! declaration cannot say (send limits, partial refunds, generated ids, bill files). The registry
//! refuses, at start, a rule for an operation the spec does not have, naming the closest ids, and
//! a completing rule for an operation no lifecycle creates or changes (it would never run).

use std::collections::BTreeMap;

use serde_json::Value;
use wechatpay_apiv3_generator::model::{Api, Lifecycle, TyKind, TypeDef, TypePath};

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

/// Builds the callbacks' resources from the record, where the notification names or holds things
/// the record does not, or is about one item of it (one callback each); the default is one, the
/// record itself, projected onto the notification's type.
pub type NoticeOf = fn(&Engine<'_>, &Value) -> Vec<Value>;

/// Whether a create may replace the record already under its key (a rejected application sent
/// again, corrected): the fields of that record the new one keeps (WeChat Pay's number), or
/// `None` to refuse the reused key as any other.
pub type Replaces = fn(&Engine<'_>, &Value) -> Option<serde_json::Map<String, Value>>;

/// What is hand-written for one operation, or for one control transition.
pub struct Rule {
    /// `family.operation`, as in spec/; or `family.lifecycle.transition` for a transition no
    /// operation makes (the control API's), completed by `fill` with the control call's body.
    pub operation: &'static str,
    pub fill: Option<Fill>,
    pub answer: Option<Shape>,
    pub whole: Option<Whole>,
    /// The resource of the callback the transition sends (`notify:`).
    pub notice: Option<NoticeOf>,
    /// The error code for a request number (or a key) used again with other parameters
    /// (default `INVALID_REQUEST`).
    pub reused: Option<&'static str>,
    /// For a create: which record under a reused key (or request number sent with other
    /// parameters) the request replaces instead of being refused.
    pub replaces: Option<Replaces>,
}

impl Rule {
    /// Nothing hand-written yet for `operation`.
    pub const fn new(operation: &'static str) -> Self {
        Self {
            operation,
            fill: None,
            answer: None,
            whole: None,
            notice: None,
            reused: None,
            replaces: None,
        }
    }
}

/// A value of a spec enum that hand-written code names (a state it checks, a code mode): the
/// value of `field` of a lifecycle's record, or of its state field when `field` is `None`. The
/// simulator refuses to start when one is not a value of that field's enum in spec/, so a renamed
/// state can never make a check silently false.
#[derive(Clone, Copy, Debug)]
pub struct Named {
    pub family: &'static str,
    pub lifecycle: &'static str,
    pub field: Option<&'static str>,
    pub value: &'static str,
}

impl Named {
    /// A state of `family`'s lifecycle `lifecycle`.
    pub const fn state(family: &'static str, lifecycle: &'static str, value: &'static str) -> Self {
        Self {
            family,
            lifecycle,
            field: None,
            value,
        }
    }

    /// A value of the enum field `field` of the lifecycle's record (dotted for a nested one,
    /// through arrays: `receivers.result`; [`Self::is_in`] and [`Self::set_in`] read and write
    /// top-level fields only).
    pub const fn of(
        family: &'static str,
        lifecycle: &'static str,
        field: &'static str,
        value: &'static str,
    ) -> Self {
        Self {
            field: Some(field),
            ..Self::state(family, lifecycle, value)
        }
    }

    /// The record field holding it (the lifecycle's state field for a state).
    pub fn field_in<'a>(&self, api: &'a Api) -> Option<&'a str> {
        let l = lifecycle(api, self.family, self.lifecycle)?;
        Some(self.field.unwrap_or(l.state.as_str()))
    }

    /// Whether `record` holds this value.
    pub fn is_in(&self, api: &Api, record: &Value) -> bool {
        self.field_in(api)
            .is_some_and(|f| record[f].as_str() == Some(self.value))
    }

    /// Sets it in `record`.
    pub fn set_in(&self, api: &Api, record: &mut Value) {
        if let Some(f) = self.field_in(api) {
            record[f] = Value::String(self.value.to_string());
        }
    }

    /// Whether spec/ has it, or what is wrong.
    fn check(&self, api: &Api) -> Result<(), String> {
        let l = lifecycle(api, self.family, self.lifecycle).ok_or_else(|| {
            format!(
                "hand-written code names lifecycle `{}.{}`, which spec/ does not declare",
                self.family, self.lifecycle
            )
        })?;
        let values: Vec<String> = match self.field {
            None => l.states.clone(),
            Some(field) => enum_values(api, &l.ty, field)?,
        };
        if values.iter().any(|v| v == self.value) {
            return Ok(());
        }
        Err(format!(
            "hand-written code names `{}` for {} of `{}.{}`, which is not one of its values ({})",
            self.value,
            self.field.unwrap_or("the state"),
            self.family,
            self.lifecycle,
            values.join(", ")
        ))
    }
}

/// The values of the enum at `path` (dotted, through objects and arrays of objects) in `ty`.
fn enum_values(api: &Api, ty: &TypePath, path: &str) -> Result<Vec<String>, String> {
    let mut current = ty.clone();
    let mut segments = path.split('.').peekable();
    while let Some(name) = segments.next() {
        let Some(TypeDef::Struct(s)) = api.find(&current) else {
            return Err(format!("`{}` is no object type", current.name));
        };
        let field = s.fields.iter().find(|f| f.wire == name).ok_or_else(|| {
            format!(
                "hand-written code names `{path}`, and `{name}` is not a field of `{}`",
                s.name
            )
        })?;
        let mut kind = &field.ty.kind;
        while let TyKind::Array(item) = kind {
            kind = &item.kind;
        }
        match (kind, segments.peek()) {
            (TyKind::Enum(p), None) => {
                return match api.find(p) {
                    Some(TypeDef::Enum(e)) => Ok(e.values.iter().map(|v| v.wire.clone()).collect()),
                    _ => Err(format!("`{}` is no enum", p.name)),
                };
            }
            (TyKind::Struct(p), Some(_)) => current = p.clone(),
            _ => return Err(format!("`{path}` of `{}` is not an enum", ty.name)),
        }
    }
    Err(format!("`{path}` is empty"))
}

fn lifecycle<'a>(api: &'a Api, family: &str, name: &str) -> Option<&'a Lifecycle> {
    api.families
        .iter()
        .find(|f| f.name == family)?
        .lifecycles
        .iter()
        .find(|l| l.name == name)
}

/// Every value hand-written code names.
pub fn all_named() -> impl Iterator<Item = &'static Named> {
    [
        super::busifavor::NAMED,
        super::favor::NAMED,
        super::product_coupon::NAMED,
        super::payments::NAMED,
        super::complaints::NAMED,
        super::applyment4sub::NAMED,
        super::profitsharing::NAMED,
        super::ecommerce_refunds::NAMED,
        super::codepay::NAMED,
        super::ecommerce_fund::NAMED,
        super::transfer_batches::NAMED,
    ]
    .into_iter()
    .flatten()
}

/// Checks named values against spec/.
pub fn check_named<'n>(
    api: &Api,
    named: impl IntoIterator<Item = &'n Named>,
) -> Result<(), String> {
    let problems: Vec<String> = named
        .into_iter()
        .filter_map(|n| n.check(api).err())
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
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
        super::certificates::RULES,
        super::partner_transfer::RULES,
        super::transfer_batches::RULES,
        super::codepay::RULES,
        super::complaints::RULES,
        super::applyment4sub::RULES,
        super::mch_transfer::RULES,
        super::profitsharing::RULES,
        super::ecommerce_refunds::RULES,
        super::ecommerce_applyments::RULES,
        super::ecommerce_fund::RULES,
        super::payscore::RULES,
    ]
    .into_iter()
    .flatten()
}

/// The rules by operation id, checked against the spec.
pub fn registry(api: &Api, index: &Index) -> Result<BTreeMap<&'static str, &'static Rule>, String> {
    check_named(api, all_named())?;
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
        if index.is_control(id) {
            if rule.answer.is_some()
                || rule.whole.is_some()
                || rule.reused.is_some()
                || rule.replaces.is_some()
            {
                problems.push(format!(
                    "the hand-written rule for control transition `{id}` may only fill the record and build its callback"
                ));
            }
        } else if id.matches('.').count() == 2 {
            let known: Vec<String> = index.controls().map(str::to_string).collect();
            problems.push(format!(
                "a hand-written rule names `{id}`, which is not a control transition of spec/ (closest: {})",
                crate::faults::closest(&known, id).join(", ")
            ));
        } else if super::engine::operation(api, id).is_none() {
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
        let index = Index::new(&api);
        let rules = registry(&api, &index).expect("the registry matches spec/");
        assert!(rules.len() >= 10, "{} rules", rules.len());
        for id in rules.keys() {
            let known = super::super::engine::operation(&api, id).is_some() || index.is_control(id);
            assert!(known, "{id}");
        }
    }

    #[test]
    fn every_named_value_is_one_of_the_specs_and_a_misspelt_one_is_refused() {
        let api = api();
        check_named(&api, all_named()).expect("the hand-written values are the spec's");
        assert!(all_named().count() >= 8);
        let err = check_named(&api, [&Named::state("busifavor", "stock", "RUNING")])
            .expect_err("a misspelt state");
        assert!(
            err.contains(
                "`RUNING` for the state of `busifavor.stock`, which is not one of its values ("
            ) && err.contains("RUNNING"),
            "{err}"
        );
        let err = check_named(
            &api,
            [&Named::of("busifavor", "stock", "coupon_code_mode", "API")],
        )
        .expect_err("a value of no enum");
        assert!(err.contains("MERCHANT_API"), "{err}");
        let err = check_named(&api, [&Named::state("busifavor", "stocks", "RUNNING")])
            .expect_err("no such lifecycle");
        assert!(err.contains("`busifavor.stocks`"), "{err}");
        let paid = Named::state("pay_transactions", "order", "SUCCESS");
        assert!(paid.is_in(&api, &serde_json::json!({ "trade_state": "SUCCESS" })));
        assert!(!paid.is_in(&api, &serde_json::json!({ "trade_state": "REFUND" })));
    }

    #[test]
    fn a_rule_for_an_unknown_control_transition_is_refused_with_the_closest() {
        let api = api();
        let misspelt = Rule {
            fill: Some(|_, _, _| Ok(())),
            ..Rule::new("pay_transactions.order.pays")
        };
        let Err(err) = check(&api, &Index::new(&api), [&misspelt]) else {
            panic!("an unknown transition was registered");
        };
        assert!(
            err.starts_with("a hand-written rule names `pay_transactions.order.pays`, which is not a control transition of spec/ (closest: pay_transactions.order.pay"),
            "{err}"
        );
        let answering = Rule {
            answer: Some(|_, _, _| Answer::empty(204)),
            ..Rule::new("pay_transactions.order.pay")
        };
        let Err(err) = check(&api, &Index::new(&api), [&answering]) else {
            panic!("a control transition answered like an operation");
        };
        assert!(err.contains("may only fill the record"), "{err}");
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
