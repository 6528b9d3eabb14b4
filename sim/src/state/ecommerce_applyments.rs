//! 电商收付通二级商户进件 (e-commerce sub-merchant applications), beyond the declared lifecycle
//! (spec/ecommerce/applyments/family.yaml): WeChat Pay numbers each application, whichever form
//! submits it, in the same series as the service provider's applications; a rejected one sent
//! again under its out_request_no with corrected content replaces it, back to the data check
//! under the same number (the service provider's rule, shared).

use super::applyment4sub::{number, resubmitted};
use super::rules::Rule;

pub(super) const RULES: &[Rule] = &[
    Rule {
        fill: Some(number),
        replaces: Some(resubmitted),
        ..Rule::new("ecommerce_applyments.submit_applyment")
    },
    Rule {
        fill: Some(number),
        replaces: Some(resubmitted),
        ..Rule::new("ecommerce_applyments.submit_account_hosting_applyment")
    },
];
