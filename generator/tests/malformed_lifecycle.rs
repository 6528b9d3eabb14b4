//! Malformed lifecycles (`lifecycles:` of family.yaml): each names something the family does not
//! have, or claims an operation twice, and must fail with exactly this `file:line: key: rule`
//! message. Nothing is generated for any of them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use wechatpay_apiv3_generator::{Target, generate_from_sources};

const FAMILY: &str = "\
family: { name: fam, module: fam, feature: fam, title: T, doc: D }
types:
  ThingState:
    doc: State of a thing.
    values:
      NEW: New.
      DONE: Done.
  Thing:
    doc: A thing.
    fields:
      id: { type: string, required: true, max_length: 4, doc: ID. }
      state: { type: ThingState, doc: State. }
      done_no: { type: string, doc: Request number of the finish. }
lifecycles:
  thing:
    doc: A thing that can be finished once.
    type: Thing
    key: id
    state: state
    query: [get_thing]
    transitions:
      finish:
        operation: finish_thing
        from: [NEW]
        to: DONE
        records: { done_no: done_no }
        refused: SYSTEM_ERROR
";

const GET: &str = "\
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

const FINISH: &str = "\
operation:
  id: finish_thing
  title: Finish
  doc: Finishes a thing.
  method: POST
  path: /v3/things/{id}/finish
  doc_url: https://example.com/doc
  callers: [merchant]
  idempotency_keys: [done_no]
  path_params:
    id: { type: string, doc: ID. }
  body:
    done_no: { type: string, required: true, doc: Request number. }
  response: { type: Thing }
  errors:
    - { status: 500, code: SYSTEM_ERROR, description: Broken., solution: Retry., retry: true }
  examples:
    - name: one
      request: { path: { id: a }, body: { done_no: n1 } }
      response: { id: a, state: DONE }
";

const DONE: &str = "\
notification:
  id: thing_ended
  title: Ended
  doc: Sent when a thing ends.
  doc_url: https://example.com/doc
  event_types: [THING.DONE, THING.GONE]
  original_type: thing
  fields:
    id: { type: string, required: true, doc: ID. }
  example: { id: a }
";

fn sources() -> BTreeMap<PathBuf, String> {
    [
        ("fam/family.yaml", FAMILY),
        ("fam/get_thing.yaml", GET),
        ("fam/finish_thing.yaml", FINISH),
        ("fam/thing_ended.yaml", DONE),
    ]
    .into_iter()
    .map(|(p, t)| (PathBuf::from(p), t.to_string()))
    .collect()
}

/// Generates from the base spec with `from` replaced by `to` in `file`; returns the error text.
fn error_of(file: &str, from: &str, to: &str) -> String {
    let mut sources = sources();
    let text = sources.get_mut(&PathBuf::from(file)).expect("file exists");
    assert!(text.contains(from), "base spec has no `{from}`");
    *text = text.replacen(from, to, 1);
    match generate_from_sources(&sources, &Target::main()) {
        Ok(_) => panic!("the malformed lifecycle was accepted"),
        Err(e) => e.to_string(),
    }
}

const ONE: &str = "\n1 problem(s) found; nothing was written";

#[test]
fn the_base_lifecycle_is_valid() {
    let api = generate_from_sources(&sources(), &Target::main());
    assert!(
        api.is_ok(),
        "{}",
        api.err().map(|e| e.to_string()).unwrap_or_default()
    );
}

#[test]
fn unknown_state() {
    assert_eq!(
        error_of("fam/family.yaml", "to: DONE", "to: GONE"),
        format!(
            "fam/family.yaml:25: lifecycles.thing.transitions.finish.to: `GONE` is not a value of `ThingState` (NEW, DONE){ONE}"
        )
    );
}

#[test]
fn unknown_field() {
    assert_eq!(
        error_of("fam/family.yaml", "key: id", "key: ident"),
        format!("fam/family.yaml:18: lifecycles.thing.key: `ident` is not a field of `Thing`{ONE}")
    );
}

#[test]
fn state_field_that_is_not_an_enum() {
    assert_eq!(
        error_of("fam/family.yaml", "state: state", "state: done_no"),
        format!(
            "fam/family.yaml:19: lifecycles.thing.state: `done_no` of `Thing` is not an enum{ONE}"
        )
    );
}

#[test]
fn unknown_operation() {
    assert_eq!(
        error_of(
            "fam/family.yaml",
            "operation: finish_thing",
            "operation: finish_things"
        ),
        format!(
            "fam/family.yaml:23: lifecycles.thing.transitions.finish.operation: `finish_things` is not an operation of family `fam` (closest: finish_thing, get_thing){ONE}"
        )
    );
}

#[test]
fn recorded_field_the_request_does_not_have() {
    assert_eq!(
        error_of(
            "fam/family.yaml",
            "records: { done_no: done_no }",
            "records: { done_no: done_number }"
        ),
        format!(
            "fam/family.yaml:26: lifecycles.thing.transitions.finish.records.done_no: `done_number` is not a request field of `finish_thing`{ONE}"
        )
    );
}

#[test]
fn refusal_code_outside_the_error_table() {
    assert_eq!(
        error_of(
            "fam/family.yaml",
            "refused: SYSTEM_ERROR",
            "refused: ORDER_PAID"
        ),
        format!(
            "fam/family.yaml:27: lifecycles.thing.transitions.finish.refused: `ORDER_PAID` is not in the error table of `finish_thing`{ONE}"
        )
    );
}

#[test]
fn clashing_claim_on_an_operation() {
    let second = "        refused: SYSTEM_ERROR\n  other:\n    doc: The same thing again.\n    type: Thing\n    key: id\n    state: state\n    query: [get_thing]\n";
    assert_eq!(
        error_of("fam/family.yaml", "        refused: SYSTEM_ERROR\n", second),
        format!(
            "fam/family.yaml:28: lifecycles.other: operation `get_thing` already belongs to lifecycle `thing` (fam/family.yaml:15); an operation serves one lifecycle{ONE}"
        )
    );
}

#[test]
fn lifecycles_outside_family_yaml() {
    assert_eq!(
        error_of(
            "fam/get_thing.yaml",
            "operation:\n",
            "lifecycles:\n  stray: { doc: D, type: Thing, key: id, state: state }\noperation:\n"
        ),
        format!("fam/get_thing.yaml:2: lifecycles: `lifecycles:` belongs in family.yaml only{ONE}")
    );
}

/// The last line of the base transition, to append a control transition after.
const LAST: &str = "        refused: SYSTEM_ERROR\n";

/// The base spec with `transition` (YAML lines under `transitions:`) added.
fn with_transition(transition: &str) -> String {
    format!("{LAST}{transition}")
}

#[test]
fn a_control_transition_with_a_callback_is_lowered_with_its_event_type() {
    let mut sources = sources();
    let family = sources
        .get_mut(&PathBuf::from("fam/family.yaml"))
        .expect("family");
    *family = family.replacen(
        LAST,
        &with_transition(
            "      review:\n        doc: A reviewer finishes it.\n        from: [NEW]\n        to: DONE\n        needs: [reviewer]\n        records: { done_no: reviewer }\n        notify: thing_ended\n",
        ),
        1,
    );
    let families = wechatpay_apiv3_generator::load::load_sources(&sources).expect("loads");
    let api = wechatpay_apiv3_generator::lower::lower(&families).expect("lowers");
    let t = &api.families[0].lifecycles[0].transitions[1];
    assert_eq!((t.name.as_str(), t.operation.as_deref()), ("review", None));
    assert!(t.control, "a change no operation makes is a control route");
    assert_eq!(t.needs, ["reviewer"]);
    assert_eq!(t.doc, "A reviewer finishes it.");
    let notify = t.notify.as_ref().expect("notify");
    // Of THING.DONE and THING.GONE, the one that ends in the state the change leads to.
    assert_eq!(
        (notify.notification.as_str(), notify.event_type.as_str()),
        ("thing_ended", "THING.DONE")
    );
    assert!(!api.families[0].lifecycles[0].transitions[0].control);
}

#[test]
fn unknown_notification() {
    assert_eq!(
        error_of(
            "fam/family.yaml",
            LAST,
            &with_transition(
                "      review:\n        from: [NEW]\n        to: DONE\n        notify: thing_end\n"
            )
        ),
        format!(
            "fam/family.yaml:31: lifecycles.thing.transitions.review.notify: `thing_end` is not a notification of family `fam` (closest: thing_ended){ONE}"
        )
    );
}

#[test]
fn callback_whose_event_type_the_state_does_not_choose() {
    assert_eq!(
        error_of(
            "fam/family.yaml",
            LAST,
            &with_transition(
                "      reopen:\n        from: [DONE]\n        to: NEW\n        notify: thing_ended\n"
            )
        ),
        format!(
            "fam/family.yaml:31: lifecycles.thing.transitions.reopen.notify: `thing_ended` has several event types (THING.DONE, THING.GONE) and none ends in `.NEW`: choose one with `event_type`{ONE}"
        )
    );
    assert_eq!(
        error_of(
            "fam/family.yaml",
            LAST,
            &with_transition(
                "      reopen:\n        from: [DONE]\n        to: NEW\n        notify: thing_ended\n        event_type: THING.NEW\n"
            )
        ),
        format!(
            "fam/family.yaml:32: lifecycles.thing.transitions.reopen.event_type: `THING.NEW` is not an event type of `thing_ended` (THING.DONE, THING.GONE){ONE}"
        )
    );
}

#[test]
fn needs_and_control_on_a_change_an_operation_makes() {
    assert_eq!(
        error_of(
            "fam/family.yaml",
            LAST,
            &format!("{LAST}        needs: [done_no]\n")
        ),
        format!(
            "fam/family.yaml:28: lifecycles.thing.transitions.finish.needs: `needs` is for a change no operation makes; `finish_thing`'s own rules say what its request needs{ONE}"
        )
    );
    assert_eq!(
        error_of(
            "fam/family.yaml",
            LAST,
            &format!("{LAST}        control: false\n")
        ),
        format!(
            "fam/family.yaml:28: lifecycles.thing.transitions.finish.control: `control` is for a change no operation makes, and `finish_thing` makes this one{ONE}"
        )
    );
}

#[test]
fn a_callback_of_a_named_family_is_kept_qualified() {
    let mut sources = sources();
    let family = sources
        .get_mut(&PathBuf::from("fam/family.yaml"))
        .expect("family");
    *family = family.replacen(
        LAST,
        &with_transition(
            "      review:\n        from: [NEW]\n        to: DONE\n        notify: fam.thing_ended\n",
        ),
        1,
    );
    let families = wechatpay_apiv3_generator::load::load_sources(&sources).expect("loads");
    let api = wechatpay_apiv3_generator::lower::lower(&families).expect("lowers");
    let notify = api.families[0].lifecycles[0].transitions[1]
        .notify
        .as_ref()
        .expect("notify");
    assert_eq!(
        (notify.notification.as_str(), notify.event_type.as_str()),
        ("fam.thing_ended", "THING.DONE")
    );
}

#[test]
fn callback_of_an_unknown_family_or_its_unknown_notification() {
    assert_eq!(
        error_of(
            "fam/family.yaml",
            LAST,
            &with_transition(
                "      review:\n        from: [NEW]\n        to: DONE\n        notify: twin.thing_ended\n"
            )
        ),
        format!(
            "fam/family.yaml:31: lifecycles.thing.transitions.review.notify: `twin.thing_ended` names no family `twin`{ONE}"
        )
    );
    assert_eq!(
        error_of(
            "fam/family.yaml",
            LAST,
            &with_transition(
                "      review:\n        from: [NEW]\n        to: DONE\n        notify: fam.thing_end\n"
            )
        ),
        format!(
            "fam/family.yaml:31: lifecycles.thing.transitions.review.notify: `thing_end` is not a notification of family `fam` (closest: thing_ended){ONE}"
        )
    );
}

/// The base lifecycle's query line, to put `create:` entries before.
const QUERY: &str = "    query: [get_thing]\n";

/// The base spec with `create` (YAML lines under `create:`) declared.
fn with_create(create: &str) -> String {
    format!("    create:\n{create}{QUERY}")
}

#[test]
fn a_control_create_is_lowered_with_its_needs_and_callback() {
    let mut sources = sources();
    let family = sources
        .get_mut(&PathBuf::from("fam/family.yaml"))
        .expect("family");
    *family = family.replacen(
        QUERY,
        &with_create(
            "      - doc: A user makes one.\n        state: NEW\n        needs: [maker]\n        records: { done_no: maker }\n        notify: thing_ended\n        event_type: THING.DONE\n",
        ),
        1,
    );
    let families = wechatpay_apiv3_generator::load::load_sources(&sources).expect("loads");
    let api = wechatpay_apiv3_generator::lower::lower(&families).expect("lowers");
    let l = &api.families[0].lifecycles[0];
    let c = l.control_create().expect("a control create");
    assert_eq!((c.operation.as_deref(), c.state.as_str()), (None, "NEW"));
    assert_eq!(
        (c.doc.as_str(), c.needs.as_slice()),
        ("A user makes one.", &["maker".to_string()][..])
    );
    let notify = c.notify.as_ref().expect("notify");
    assert_eq!(notify.event_type, "THING.DONE");
    // It serves no operation.
    assert_eq!(
        l.operations().collect::<Vec<_>>(),
        ["get_thing", "finish_thing"]
    );
}

#[test]
fn a_control_create_that_answers_or_is_declared_twice_and_an_operation_create_that_needs() {
    assert_eq!(
        error_of(
            "fam/family.yaml",
            QUERY,
            &with_create("      - state: NEW\n        answer: { id: id }\n")
        ),
        format!(
            "fam/family.yaml:22: lifecycles.thing.create[0].answer: `answer` is for a create an operation makes; a control create answers with the record{ONE}"
        )
    );
    assert_eq!(
        error_of(
            "fam/family.yaml",
            QUERY,
            &with_create("      - state: NEW\n      - state: DONE\n")
        ),
        format!(
            "fam/family.yaml:22: lifecycles.thing.create: a lifecycle has at most one control create (no `operation`): its route `POST /_sim/<family>/<lifecycle>/create` names no other{ONE}"
        )
    );
    assert_eq!(
        error_of(
            "fam/family.yaml",
            QUERY,
            &with_create(
                "      - operation: finish_thing\n        state: NEW\n        needs: [done_no]\n"
            )
        ),
        format!(
            "fam/family.yaml:23: lifecycles.thing.create[0].needs: `needs` is for a control create (no `operation`); `finish_thing` says what its request needs and answers{ONE}"
        )
    );
    assert_eq!(
        error_of(
            "fam/family.yaml",
            QUERY,
            &with_create("      - state: NEW\n        notify: thing_ended\n")
        ),
        format!(
            "fam/family.yaml:22: lifecycles.thing.create[0].notify: `thing_ended` has several event types (THING.DONE, THING.GONE) and none ends in `.NEW`: choose one with `event_type`{ONE}"
        )
    );
}

#[test]
fn a_key_kept_beside_the_record_is_no_field_of_it_and_named_by_the_query_path() {
    // `id` is a field of Thing: it cannot also be kept beside it.
    assert_eq!(
        error_of(
            "fam/family.yaml",
            "    key: id\n",
            "    key: id\n    key_beside: true\n"
        ),
        format!(
            "fam/family.yaml:18: lifecycles.thing.key_beside: `id` is a field of `Thing`: the key is kept in the record{ONE}"
        )
    );
    // A key beside the record that the query's path does not name could never be found.
    assert_eq!(
        error_of(
            "fam/family.yaml",
            "    key: id\n",
            "    key: thing_no\n    key_beside: true\n"
        ),
        format!(
            "fam/family.yaml:21: lifecycles.thing.query[0]: `get_thing` has no path parameter `thing_no`, the key kept beside the record{ONE}"
        )
    );
}
