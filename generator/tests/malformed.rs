//! Malformed specs: each breaks one rule and must fail with exactly this message, naming the
//! file, the line, the key and the rule. Nothing is generated for any of them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use wechatpay_apiv3_generator::{Target, generate_from_sources};

const FAMILY: &str = "\
family: { name: fam, module: fam, feature: fam, title: T, doc: D }
types:
  Thing:
    doc: A thing.
    fields:
      id: { type: string, required: true, max_length: 4, doc: ID. }
";

const OPERATION: &str = "\
operation:
  id: get_thing
  title: Get
  doc: Gets a thing.
  method: GET
  path: /v3/things/{id}
  doc_url: https://example.com/doc
  callers: [merchant]
  path_params:
    id: { type: string, doc: ID. }
  response: { type: Thing }
  errors:
    - { status: 500, code: SYSTEM_ERROR, description: Broken., solution: Retry., retry: true }
  examples:
    - name: one
      request: { path: { id: a } }
      response: { id: a }
";

/// Generates from the base spec with `edit` applied; returns the error text.
fn error_of(edit: impl FnOnce(&mut BTreeMap<PathBuf, String>)) -> String {
    let mut sources = BTreeMap::new();
    sources.insert(PathBuf::from("fam/family.yaml"), FAMILY.to_string());
    sources.insert(PathBuf::from("fam/get_thing.yaml"), OPERATION.to_string());
    edit(&mut sources);
    match generate_from_sources(&sources, &Target::main()) {
        Ok(_) => panic!("the malformed spec was accepted"),
        Err(e) => e.to_string(),
    }
}

fn replace(
    file: &'static str,
    from: &'static str,
    to: &'static str,
) -> impl FnOnce(&mut BTreeMap<PathBuf, String>) {
    move |s| {
        let text = s.get_mut(&PathBuf::from(file)).expect("file exists");
        assert!(text.contains(from), "base spec has no `{from}`");
        *text = text.replacen(from, to, 1);
    }
}

#[test]
fn the_base_spec_is_valid() {
    let mut sources = BTreeMap::new();
    sources.insert(PathBuf::from("fam/family.yaml"), FAMILY.to_string());
    sources.insert(PathBuf::from("fam/get_thing.yaml"), OPERATION.to_string());
    assert!(generate_from_sources(&sources, &Target::main()).is_ok());
}

#[test]
fn yaml_syntax() {
    assert_eq!(
        error_of(replace(
            "fam/family.yaml",
            "types:\n  Thing:",
            "types: [\n  Thing:"
        )),
        "fam/family.yaml:2: expected mapping start\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn unknown_key() {
    assert_eq!(
        error_of(replace("fam/family.yaml", "max_length: 4", "max_lenght: 4")),
        "fam/family.yaml:6: unknown field `max_lenght`, expected one of type, doc, required, min_length, max_length, pattern, minimum, maximum, items, min_items, max_items, fields, values, name, catch_all, sensitive\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn field_without_doc() {
    assert_eq!(
        error_of(replace(
            "fam/family.yaml",
            "max_length: 4, doc: ID. }",
            "max_length: 4 }"
        )),
        "fam/family.yaml:6: types.Thing.fields.id: `doc` is required: say what the field means\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn unknown_type() {
    assert_eq!(
        error_of(replace(
            "fam/get_thing.yaml",
            "response: { type: Thing }",
            "response: { type: Thng }"
        )),
        "fam/get_thing.yaml:11: operation.response.type: `Thng` is not an object type of this family\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn field_of_unknown_type() {
    assert_eq!(
        error_of(replace(
            "fam/family.yaml",
            "id: { type: string,",
            "id: { type: strng,"
        )),
        "fam/family.yaml:6: types.Thing.fields.id.type: unknown type `strng`: use string, integer, boolean, datetime, object, array, enum or a type of this family (Thing)\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn path_param_not_declared() {
    assert_eq!(
        error_of(replace(
            "fam/get_thing.yaml",
            "path: /v3/things/{id}",
            "path: /v3/things/{id}/{part}"
        )),
        "fam/get_thing.yaml:6: operation.path: `{part}` has no entry under `path_params`\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn operation_id_not_snake_case() {
    assert_eq!(
        error_of(replace(
            "fam/get_thing.yaml",
            "id: get_thing",
            "id: GetThing"
        )),
        "fam/get_thing.yaml:2: operation.id: `GetThing` must be snake_case\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn type_name_not_pascal_case() {
    assert_eq!(
        error_of(replace("fam/family.yaml", "  Thing:", "  thing:")),
        "fam/family.yaml:3: types.thing: type name `thing` must be PascalCase\nfam/get_thing.yaml:11: operation.response.type: `Thing` is not an object type of this family\n2 problem(s) found; nothing was written"
    );
}

#[test]
fn invalid_pattern() {
    assert_eq!(
        error_of(replace(
            "fam/family.yaml",
            "max_length: 4, doc",
            "max_length: 4, pattern: \"^[a-\", doc"
        )),
        "fam/family.yaml:6: types.Thing.fields.id.pattern: `^[a-` is not a valid regular expression: non-empty character class has no closing bracket after dash\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn min_above_max() {
    assert_eq!(
        error_of(replace(
            "fam/family.yaml",
            "max_length: 4, doc",
            "max_length: 4, min_length: 9, doc"
        )),
        "fam/family.yaml:6: types.Thing.fields.id: `min_length` (9) is greater than `max_length` (4)\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn limit_on_wrong_type() {
    assert_eq!(
        error_of(replace(
            "fam/family.yaml",
            "id: { type: string, required: true, max_length: 4,",
            "id: { type: integer, required: true, max_length: 4,"
        )),
        "fam/family.yaml:6: types.Thing.fields.id: `max_length` does not apply to type `integer`\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn example_breaks_a_limit() {
    assert_eq!(
        error_of(replace(
            "fam/get_thing.yaml",
            "response: { id: a }",
            "response: { id: abcdef }"
        )),
        "fam/get_thing.yaml:15: operation.examples[0]: response.id: must have at most 4 characters (has 6)\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn example_with_unknown_field() {
    assert_eq!(
        error_of(replace(
            "fam/get_thing.yaml",
            "response: { id: a }",
            "response: { id: a, colour: red }"
        )),
        "fam/get_thing.yaml:15: operation.examples[0]: response.colour: is not a field of Thing\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn example_missing_required() {
    assert_eq!(
        error_of(replace(
            "fam/get_thing.yaml",
            "response: { id: a }",
            "response: {}"
        )),
        "fam/get_thing.yaml:15: operation.examples[0]: response.id: is required\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn rust_name_collision() {
    assert_eq!(
        error_of(replace(
            "fam/family.yaml",
            "      id: { type: string, required: true, max_length: 4, doc: ID. }",
            "      id: { type: string, required: true, max_length: 4, doc: ID. }\n      type: { type: string, doc: A. }\n      type_: { type: string, doc: B. }"
        )),
        "fam/family.yaml:8: types.Thing.fields.type_: fields `type` and `type_` both become Rust field `type_`\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn body_on_get() {
    assert_eq!(
        error_of(replace(
            "fam/get_thing.yaml",
            "  response: { type: Thing }",
            "  body:\n    x: { type: string, doc: X. }\n  response: { type: Thing }"
        )),
        "fam/get_thing.yaml:12: operation.body: a GET operation has no body\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn bad_rate_limit() {
    assert_eq!(
        error_of(replace(
            "fam/get_thing.yaml",
            "callers: [merchant]",
            "callers: [merchant]\n  rate_limit: fast"
        )),
        "fam/get_thing.yaml:9: operation.rate_limit: `fast` must read like `500/s` or `100/min`\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn unknown_caller() {
    assert_eq!(
        error_of(replace(
            "fam/get_thing.yaml",
            "callers: [merchant]",
            "callers: [shop]"
        )),
        "fam/get_thing.yaml:8: operation.callers: unknown caller `shop`: use merchant or partner\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn enum_value_named_unknown() {
    assert_eq!(
        error_of(replace(
            "fam/family.yaml",
            "types:\n",
            "types:\n  Colour:\n    doc: C.\n    values:\n      UNKNOWN: Not known.\n"
        )),
        "fam/family.yaml:6: types.Colour.values.UNKNOWN: value `UNKNOWN` becomes variant `Unknown`, the name of the variant that keeps unknown values; set `catch_all:` to another name\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn idempotency_key_not_a_field() {
    assert_eq!(
        error_of(replace(
            "fam/get_thing.yaml",
            "callers: [merchant]",
            "callers: [merchant]\n  idempotency_keys: [out_request_no]"
        )),
        "fam/get_thing.yaml:9: operation.idempotency_keys: `out_request_no` is not a body or query field\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn no_example() {
    assert_eq!(
        error_of(replace(
            "fam/get_thing.yaml",
            "  examples:\n    - name: one\n      request: { path: { id: a } }\n      response: { id: a }\n",
            "  examples: []\n"
        )),
        "fam/get_thing.yaml:14: operation.examples: at least one example is required\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn http_method() {
    assert_eq!(
        error_of(replace(
            "fam/get_thing.yaml",
            "method: GET",
            "method: FETCH"
        )),
        "fam/get_thing.yaml:5: operation.method: `FETCH` must be GET, POST, PUT, PATCH or DELETE\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn inline_type_collision() {
    assert_eq!(
        error_of(replace(
            "fam/family.yaml",
            "      id: { type: string, required: true, max_length: 4, doc: ID. }",
            "      id: { type: string, required: true, max_length: 4, doc: ID. }\n      thing: { type: object, doc: Inline., fields: { a: { type: string, doc: A. } } }"
        )),
        "fam/family.yaml:7: types.Thing.fields.thing: type name `Thing` in module `fam::types` is already used by fam/family.yaml:3; give one of them another name with `name:`\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn file_outside_a_family() {
    assert_eq!(
        error_of(|s: &mut BTreeMap<PathBuf, String>| {
            s.insert(PathBuf::from("other/x.yaml"), "types: {}\n".into());
        }),
        "other/x.yaml:1: no family.yaml in this folder: every spec file belongs to a family\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn comma_in_an_unquoted_flow_value_gets_a_hint() {
    assert_eq!(
        error_of(replace(
            "fam/family.yaml",
            "doc: ID. }",
            "doc: An ID, unique. }"
        )),
        "fam/family.yaml:6: unknown field `unique.`, expected one of type, doc, required, min_length, max_length, pattern, minimum, maximum, items, min_items, max_items, fields, values, name, catch_all, sensitive (a comma inside an unquoted value in `{ ... }` ends the value: put the value in quotes)\n1 problem(s) found; nothing was written"
    );
    // A misspelt key is not taken for a value's tail.
    assert_eq!(
        error_of(replace(
            "fam/family.yaml",
            "doc: ID. }",
            "doc: ID., requird: true }"
        )),
        "fam/family.yaml:6: unknown field `requird`, expected one of type, doc, required, min_length, max_length, pattern, minimum, maximum, items, min_items, max_items, fields, values, name, catch_all, sensitive\n1 problem(s) found; nothing was written"
    );
    assert_eq!(
        error_of(replace(
            "fam/family.yaml",
            "doc: ID. }",
            "doc: An ID, all unique. }"
        )),
        "fam/family.yaml:6: unknown field `all unique.`, expected one of type, doc, required, min_length, max_length, pattern, minimum, maximum, items, min_items, max_items, fields, values, name, catch_all, sensitive (a comma inside an unquoted value in `{ ... }` ends the value: put the value in quotes)\n1 problem(s) found; nothing was written"
    );
}

/// The base family with one shared row.
fn with_shared_system_error(s: &mut BTreeMap<PathBuf, String>) {
    let text = s
        .get_mut(&PathBuf::from("fam/family.yaml"))
        .expect("file exists");
    *text = text.replacen(
        "family: { name: fam, module: fam, feature: fam, title: T, doc: D }",
        "family:\n  name: fam\n  module: fam\n  feature: fam\n  title: T\n  doc: D\n  common_errors:\n    - { status: 500, code: SYSTEM_ERROR, description: Broken., solution: Retry., retry: true }",
        1,
    );
}

#[test]
fn reference_to_an_undefined_shared_error_row() {
    assert_eq!(
        error_of(|s| {
            with_shared_system_error(s);
            replace(
                "fam/get_thing.yaml",
                "- { status: 500, code: SYSTEM_ERROR, description: Broken., solution: Retry., retry: true }",
                "- { code: SYSTEM_ERROR }\n    - { code: PARAM_ERROR }",
            )(s)
        }),
        "fam/get_thing.yaml:14: operation.errors.code: `PARAM_ERROR` names no shared row; add it to `common_errors:` in family.yaml or write the row in full\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn shared_error_row_redefined_with_another_status() {
    assert_eq!(
        error_of(|s| {
            with_shared_system_error(s);
            replace(
                "fam/get_thing.yaml",
                "- { status: 500, code: SYSTEM_ERROR, description: Broken., solution: Retry., retry: true }",
                "- { status: 400, code: SYSTEM_ERROR }",
            )(s)
        }),
        "fam/get_thing.yaml:13: operation.errors.status: shared row `SYSTEM_ERROR` has status 500, not 400; write a row with another status in full\n1 problem(s) found; nothing was written"
    );
    // In family.yaml too: a code is shared once.
    assert_eq!(
        error_of(|s| {
            with_shared_system_error(s);
            replace(
                "fam/family.yaml",
                "retry: true }",
                "retry: true }\n    - { status: 503, code: SYSTEM_ERROR, description: Busy., solution: Retry., retry: true }",
            )(s)
        }),
        "fam/family.yaml:9: family.common_errors.code: shared row `SYSTEM_ERROR` is already defined with status 500; a code is shared once\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn shared_error_rows_are_named_by_code() {
    // The reference resolves: the spec generates, and the row is the family's.
    let mut sources = BTreeMap::new();
    sources.insert(PathBuf::from("fam/family.yaml"), FAMILY.to_string());
    sources.insert(PathBuf::from("fam/get_thing.yaml"), OPERATION.to_string());
    with_shared_system_error(&mut sources);
    replace(
        "fam/get_thing.yaml",
        "- { status: 500, code: SYSTEM_ERROR, description: Broken., solution: Retry., retry: true }",
        "- { code: SYSTEM_ERROR }",
    )(&mut sources);
    let files = generate_from_sources(&sources, &Target::main()).expect("the spec generates");
    let op = &files[&PathBuf::from("src/fam/get_thing.rs")];
    assert!(op.contains("crate::fam::errors::SYSTEM_ERROR"), "{op}");
    let shared = &files[&PathBuf::from("src/fam/errors.rs")];
    assert!(
        shared.contains("pub const SYSTEM_ERROR: rt::ErrorDoc"),
        "{shared}"
    );
}
