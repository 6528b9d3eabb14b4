//! Types of another family, written `family.Type`: the emitted Rust names the other module, the
//! referring family's cargo feature enables the other's, and a reference that names nothing, or
//! families that name each other in a circle, fail with `file:line: key: rule`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use wechatpay_apiv3_generator::{Target, generate_from_sources};

/// The family whose types are shared (feature `base`).
const BASE: &str = "\
family: { name: base, module: base, feature: base, title: B, doc: D }
types:
  Money:
    doc: An amount.
    fields:
      total: { type: integer, required: true, minimum: 1, doc: In fen. }
  Colour:
    doc: A colour.
    values:
      RED: Red.
";

/// The family that names them (feature `twin`).
const TWIN: &str = "\
family: { name: twin, module: twin, feature: twin, title: T, doc: D }
types:
  Order:
    doc: An order.
    fields:
      id: { type: string, required: true, max_length: 8, doc: ID. }
      amount: { type: base.Money, required: true, doc: The amount. }
      colours: { type: array, items: { type: base.Colour }, doc: Colours. }
";

const GET_ORDER: &str = "\
operation:
  id: get_order
  title: Get
  doc: Gets an order.
  method: GET
  path: /v3/twin/orders/{id}
  doc_url: https://example.com/doc
  callers: [partner]
  path_params:
    id: { type: string, doc: ID. }
  response: { type: Order }
  errors:
    - { status: 500, code: SYSTEM_ERROR, description: Broken., solution: Retry., retry: true }
  examples:
    - name: one
      request: { path: { id: a } }
      response: { id: a, amount: { total: 1 }, colours: [RED] }
";

const GET_MONEY: &str = "\
operation:
  id: get_money
  title: Money
  doc: Answers with a type of the other family.
  method: GET
  path: /v3/twin/money
  doc_url: https://example.com/doc
  callers: [partner]
  response: { type: base.Money }
  errors:
    - { status: 500, code: SYSTEM_ERROR, description: Broken., solution: Retry., retry: true }
  examples:
    - name: one
      response: { total: 5 }
";

fn sources() -> BTreeMap<PathBuf, String> {
    let mut s = BTreeMap::new();
    s.insert(PathBuf::from("base/family.yaml"), BASE.to_string());
    s.insert(PathBuf::from("twin/family.yaml"), TWIN.to_string());
    s.insert(PathBuf::from("twin/get_order.yaml"), GET_ORDER.to_string());
    s.insert(PathBuf::from("twin/get_money.yaml"), GET_MONEY.to_string());
    s
}

fn error_of(file: &str, from: &str, to: &str) -> String {
    let mut s = sources();
    let text = s.get_mut(&PathBuf::from(file)).expect("file exists");
    assert!(text.contains(from), "no `{from}` in {file}");
    *text = text.replacen(from, to, 1);
    match generate_from_sources(&s, &Target::main()) {
        Ok(_) => panic!("the malformed spec was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_field_names_the_other_module_and_the_feature_enables_the_other() {
    let files = generate_from_sources(&sources(), &Target::main()).expect("valid spec");
    let types = &files[&PathBuf::from("src/twin/types.rs")];
    assert!(
        types.contains("pub amount: crate::base::types::Money"),
        "{types}"
    );
    assert!(
        types.contains("::std::vec::Vec<crate::base::types::Colour>"),
        "{types}"
    );
    let op = &files[&PathBuf::from("src/twin/get_money.rs")];
    assert!(op.contains("crate::base::types::Money"), "{op}");
    // No copy of the shared types in the referring family.
    assert!(!types.contains("pub struct Money"), "{types}");
    let cargo = &files[&PathBuf::from("Cargo.toml")];
    assert!(cargo.contains("\ntwin = [\"base\"]\n"), "{cargo}");
    assert!(cargo.contains("\nbase = []\n"), "{cargo}");
}

#[test]
fn an_unknown_family_is_refused() {
    assert_eq!(
        error_of("twin/family.yaml", "type: base.Money", "type: bsae.Money"),
        "twin/family.yaml:7: types.Order.fields.amount.type: unknown family `bsae` in `bsae.Money`: \
         write `family.Type` with the `name:` of a family (base, twin)\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn an_unknown_type_of_a_known_family_is_refused() {
    assert_eq!(
        error_of("twin/family.yaml", "type: base.Money", "type: base.Mony"),
        "twin/family.yaml:7: types.Order.fields.amount.type: family `base` has no type `Mony` \
         (Colour, Money)\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn a_response_must_be_an_object_type_of_the_other_family() {
    assert_eq!(
        error_of(
            "twin/get_money.yaml",
            "type: base.Money",
            "type: base.Colour"
        ),
        "twin/get_money.yaml:9: operation.response.type: `base.Colour` is not an object type of this family\n\
         1 problem(s) found; nothing was written"
    );
    assert_eq!(
        error_of(
            "twin/get_money.yaml",
            "type: base.Money",
            "type: nobody.Money"
        ),
        "twin/get_money.yaml:9: operation.response.type: unknown family `nobody` in `nobody.Money`: \
         write `family.Type` with the `name:` of a family (base, twin)\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn a_family_naming_itself_is_told_to_write_the_short_name() {
    assert_eq!(
        error_of(
            "base/family.yaml",
            "      total:",
            "      other: { type: base.Colour, doc: C. }\n      total:"
        ),
        "base/family.yaml:6: types.Money.fields.other.type: `base.Colour` names this family's own \
         type: write `Colour`\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn families_naming_each_other_in_a_circle_are_refused() {
    assert_eq!(
        error_of(
            "base/family.yaml",
            "      total:",
            "      order: { type: twin.Order, doc: Back. }\n      total:"
        ),
        "twin/family.yaml:7: type: families would name each other's types in a circle \
         (base -> twin -> base); move the shared types into one of them\n\
         1 problem(s) found; nothing was written"
    );
}

#[test]
fn families_sharing_a_feature_may_not_make_other_features_circle() {
    // base -> twin by a type; a third family with feature `twin` named by one of feature `base`.
    let mut s = sources();
    s.insert(
        PathBuf::from("third/family.yaml"),
        "family: { name: third, module: third, feature: twin, title: X, doc: D }\n\
         types:\n  Note:\n    doc: A note.\n    fields:\n      text: { type: string, doc: Text. }\n"
            .to_string(),
    );
    s.insert(
        PathBuf::from("fourth/family.yaml"),
        "family: { name: fourth, module: fourth, feature: base, title: Y, doc: D }\n\
         types:\n  Memo:\n    doc: A memo.\n    fields:\n      note: { type: third.Note, doc: N. }\n"
            .to_string(),
    );
    let error = match generate_from_sources(&s, &Target::main()) {
        Ok(_) => panic!("a feature circle was accepted"),
        Err(e) => e.to_string(),
    };
    assert_eq!(
        error,
        "twin/family.yaml:7: type: cargo features would name each other's types in a circle \
         (base -> twin -> base); move the shared types into one of them\n\
         1 problem(s) found; nothing was written"
    );
}
