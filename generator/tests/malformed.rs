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
        "fam/family.yaml:6: types.Thing.fields.id.type: unknown type `strng`: use string, integer, boolean, datetime, object, array, enum, a type of this family (Thing) or `family.Type`\n1 problem(s) found; nothing was written"
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

#[test]
fn duplicate_key_in_our_words() {
    assert_eq!(
        error_of(replace(
            "fam/get_thing.yaml",
            "  id: get_thing\n",
            "  id: get_thing\n  id: get_other\n"
        )),
        "fam/get_thing.yaml:3: id: key appears twice in this mapping\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn second_document_in_our_words() {
    assert_eq!(
        error_of(|s: &mut BTreeMap<PathBuf, String>| {
            s.get_mut(&PathBuf::from("fam/family.yaml"))
                .expect("file exists")
                .push_str("---\ntypes: {}\n");
        }),
        "fam/family.yaml:7: a second YAML document (`---` or `...`): a spec file holds exactly one\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn overlong_key_in_our_words() {
    let name = format!("T{}", "x".repeat(10_000));
    let edited = format!("types:\n  {name}:\n    doc: Long.\n    fields: {{}}\n  Thing:");
    let edited: &'static str = Box::leak(edited.into_boxed_str());
    assert_eq!(
        error_of(replace("fam/family.yaml", "types:\n  Thing:", edited)),
        "fam/family.yaml:3: a key of 10001 characters; YAML allows at most 1024 in a key (names here are short)\n1 problem(s) found; nothing was written"
    );
}

/// The base spec written to a fresh folder under the system temp dir, removed on drop.
struct SpecDir(PathBuf);

impl SpecDir {
    fn new(name: &str) -> Self {
        let root =
            std::env::temp_dir().join(format!("wechatpay-malformed-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("fam")).expect("temp dir");
        std::fs::write(root.join("fam/family.yaml"), FAMILY).expect("write");
        std::fs::write(root.join("fam/get_thing.yaml"), OPERATION).expect("write");
        Self(root)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }

    /// Loads and checks the folder; returns the error text.
    fn error(&self) -> String {
        match wechatpay_apiv3_generator::check_spec(&self.0, &[]) {
            Ok(_) => panic!("the malformed spec folder was accepted"),
            Err(e) => e.to_string(),
        }
    }
}

impl Drop for SpecDir {
    fn drop(&mut self) {
        // `remove_dir_all` removes links without following them.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn the_base_spec_folder_is_valid() {
    let dir = SpecDir::new("base");
    assert!(wechatpay_apiv3_generator::check_spec(&dir.0, &[]).is_ok());
}

#[cfg(unix)]
#[test]
fn symbolic_links_are_not_followed() {
    let dir = SpecDir::new("links");
    // Two links to their own folder (an exponential walk before), one to `/` (the whole disk) and
    // one to an endless device.
    std::os::unix::fs::symlink(".", dir.path("fam/a")).expect("symlink");
    std::os::unix::fs::symlink(".", dir.path("fam/b")).expect("symlink");
    std::os::unix::fs::symlink("/", dir.path("fam/root")).expect("symlink");
    std::os::unix::fs::symlink("/dev/zero", dir.path("fam/zero.yaml")).expect("symlink");
    let rule = "a symbolic link: spec/ holds only folders and regular files, and the loader follows no links";
    assert_eq!(
        dir.error(),
        format!(
            "fam/a:0: {rule}\nfam/b:0: {rule}\nfam/root:0: {rule}\nfam/zero.yaml:0: {rule}\n4 problem(s) found; nothing was written"
        )
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_is_not_read() {
    let dir = SpecDir::new("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(dir.path("fam/pipe.yaml"))
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    assert_eq!(
        dir.error(),
        "fam/pipe.yaml:0: not a regular file (a FIFO, socket or device); spec files are regular files\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn a_file_over_the_size_cap_is_not_read() {
    let dir = SpecDir::new("big");
    let size = wechatpay_apiv3_generator::load::MAX_FILE_BYTES + 1;
    let comment = "#".repeat(usize::try_from(size).expect("fits")) + "\n";
    std::fs::write(dir.path("fam/big.yaml"), comment).expect("write");
    assert_eq!(
        dir.error(),
        "fam/big.yaml:0: file is 4194306 bytes, more than the 4194304 allowed\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn a_file_that_is_not_utf8_names_the_byte() {
    let dir = SpecDir::new("utf8");
    let mut bytes = FAMILY.as_bytes().to_vec();
    let at = FAMILY.find("A thing.").expect("base text");
    bytes[at] = 0xB9;
    std::fs::write(dir.path("fam/family.yaml"), bytes).expect("write");
    assert_eq!(
        dir.error(),
        format!(
            "fam/family.yaml:4: not UTF-8: byte 0xB9 at byte offset {at} (column 10); spec files are UTF-8 text\n1 problem(s) found; nothing was written"
        )
    );
}

#[test]
fn an_upper_case_extension_is_refused_not_ignored() {
    let dir = SpecDir::new("case");
    std::fs::rename(
        dir.path("fam/get_thing.yaml"),
        dir.path("fam/get_thing.YAML"),
    )
    .expect("rename");
    assert_eq!(
        dir.error(),
        "fam/get_thing.YAML:0: spec files end in `.yaml` or `.yml`, in lower case; rename it (it would otherwise be ignored)\n1 problem(s) found; nothing was written"
    );
}

/// Sources with `types` appended to the base family file.
fn with_types(types: &'static str) -> impl FnOnce(&mut BTreeMap<PathBuf, String>) {
    move |s| {
        s.get_mut(&PathBuf::from("fam/family.yaml"))
            .expect("file exists")
            .push_str(types);
    }
}

#[test]
fn a_type_that_holds_itself_is_refused() {
    for required in ["false", "true"] {
        let types = format!(
            "  Node:\n    doc: N.\n    fields:\n      next: {{ type: Node, required: {required}, doc: Next. }}\n"
        );
        assert_eq!(
            error_of(with_types(Box::leak(types.into_boxed_str()))),
            "fam/family.yaml:10: types.Node.fields.next: recursive type: `Node` holds itself by value (Node → Node), so it has no finite size; put the link in an array (`type: array`, `items: { type: Node }`) or break the cycle\n1 problem(s) found; nothing was written"
        );
    }
}

#[test]
fn two_types_that_hold_each_other_are_refused() {
    assert_eq!(
        error_of(with_types(
            "  Alpha:\n    doc: A.\n    fields:\n      b: { type: Beta, doc: B. }\n  Beta:\n    doc: B.\n    fields:\n      a: { type: Alpha, doc: A. }\n"
        )),
        "fam/family.yaml:14: types.Beta.fields.a: recursive type: `Alpha` holds itself by value (Alpha → Beta → Alpha), so it has no finite size; put the link in an array (`type: array`, `items: { type: Alpha }`) or break the cycle\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn a_cycle_through_an_inline_object_is_refused() {
    assert_eq!(
        error_of(with_types(
            "  Outer:\n    doc: O.\n    fields:\n      inner:\n        type: object\n        doc: I.\n        fields:\n          back: { type: Outer, doc: Back. }\n"
        )),
        "fam/family.yaml:14: types.Outer.fields.inner.fields.back: recursive type: `Outer` holds itself by value (Outer → Outer), so it has no finite size; put the link in an array (`type: array`, `items: { type: Outer }`) or break the cycle\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn a_cycle_in_a_response_type_is_refused_before_its_example_is_checked() {
    assert_eq!(
        error_of(|s: &mut BTreeMap<PathBuf, String>| {
            with_types(
                "  Loop:\n    doc: L.\n    fields:\n      again: { type: Loop, doc: Again. }\n",
            )(s);
            replace(
                "fam/get_thing.yaml",
                "response: { type: Thing }",
                "response: { type: Loop }",
            )(s);
            replace(
                "fam/get_thing.yaml",
                "response: { id: a }",
                "response: { again: { again: {} } }",
            )(s);
        }),
        "fam/family.yaml:10: types.Loop.fields.again: recursive type: `Loop` holds itself by value (Loop → Loop), so it has no finite size; put the link in an array (`type: array`, `items: { type: Loop }`) or break the cycle\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn a_type_that_lists_itself_is_fine() {
    // A `Vec` has a size of its own; the obstacle fixture's `Tree` proves it compiles.
    let mut sources = BTreeMap::new();
    let family = format!(
        "{FAMILY}  Tree:\n    doc: T.\n    fields:\n      children: {{ type: array, items: {{ type: Tree }}, doc: Kids. }}\n"
    );
    sources.insert(PathBuf::from("fam/family.yaml"), family);
    sources.insert(PathBuf::from("fam/get_thing.yaml"), OPERATION.to_string());
    assert!(generate_from_sources(&sources, &Target::main()).is_ok());
}

/// The error for the base operation with another path template.
fn path_error(path: &'static str) -> String {
    let to: &'static str = Box::leak(format!("path: {path}").into_boxed_str());
    error_of(replace("fam/get_thing.yaml", "path: /v3/things/{id}", to))
}

fn path_problem(rule: &str) -> String {
    format!("fam/get_thing.yaml:6: operation.path: {rule}\n1 problem(s) found; nothing was written")
}

#[test]
fn path_template_starts_with_v3_and_holds_no_query() {
    assert_eq!(
        path_error("/v2/things/{id}"),
        path_problem("`/v2/things/{id}` must start with `/v3/`")
    );
    assert_eq!(
        path_error("/v3/things/{id}?all=1"),
        path_problem(
            "the path may not hold `?`, `#` or spaces: declare query parameters under `query`"
        )
    );
}

#[test]
fn path_template_parameters_are_closed_words() {
    assert_eq!(
        path_error("/v3/things/{id"),
        path_problem("unclosed `{` in `/v3/things/{id`")
    );
    assert_eq!(
        path_error("/v3/things/{{id}}"),
        path_problem(
            "a `{` inside a parameter in `/v3/things/{{id}}`: a parameter is one `{name}`"
        )
    );
    // The template and `path_params` no longer match either, and both say so.
    assert_eq!(
        path_error("/v3/things/{i-d}"),
        "fam/get_thing.yaml:6: operation.path: `{i-d}` has no entry under `path_params`\nfam/get_thing.yaml:6: operation.path: `{i-d}` is not a valid parameter name\nfam/get_thing.yaml:10: operation.path_params.id: not a `{...}` of `path`\n3 problem(s) found; nothing was written"
    );
}

#[test]
fn path_template_braces_balance() {
    assert_eq!(
        path_error("/v3/things/{id}/x}"),
        path_problem("`}` closes no `{` in `/v3/things/{id}/x}`")
    );
}

#[test]
fn path_template_names_each_parameter_once() {
    assert_eq!(
        path_error("/v3/things/{id}/x/{id}"),
        path_problem("`{id}` appears twice in `/v3/things/{id}/x/{id}`")
    );
}

#[test]
fn path_template_parameter_takes_a_whole_segment() {
    assert_eq!(
        path_error("/v3/things/{id}{id}"),
        path_problem(
            "segment `{id}{id}` of `/v3/things/{id}{id}` must be one parameter alone (`{name}`) or literal text"
        )
    );
    assert_eq!(
        path_error("/v3/things/a{id}b"),
        path_problem(
            "segment `a{id}b` of `/v3/things/a{id}b` must be one parameter alone (`{name}`) or literal text"
        )
    );
}

#[test]
fn path_template_has_no_empty_or_dot_segment() {
    assert_eq!(
        path_error("/v3//things/{id}"),
        path_problem("`/v3//things/{id}` has an empty segment (`//`, or `/` at the end)")
    );
    assert_eq!(
        path_error("/v3/things/{id}/"),
        path_problem("`/v3/things/{id}/` has an empty segment (`//`, or `/` at the end)")
    );
    // One `/` may end the path after a literal (spec/applyment4sub), never two.
    assert_eq!(
        path_error("/v3/things/{id}/x//"),
        path_problem("`/v3/things/{id}/x//` has an empty segment (`//`, or `/` at the end)")
    );
    assert_eq!(
        path_error("/v3/../things/{id}"),
        path_problem(
            "`/v3/../things/{id}` has a `..` segment, which clients resolve away before sending"
        )
    );
    assert_eq!(
        path_error("/v3/./things/{id}"),
        path_problem(
            "`/v3/./things/{id}` has a `.` segment, which clients resolve away before sending"
        )
    );
}

#[test]
fn path_template_literals_are_url_safe_ascii() {
    assert_eq!(
        path_error("/v3/东西/{id}"),
        path_problem(
            "segment `东西` of `/v3/东西/{id}` holds `东`: literal segments use ASCII letters, digits, `-`, `.`, `_` and `~`, which no client re-encodes"
        )
    );
    assert_eq!(
        path_error("/v3/th%20ings/{id}"),
        path_problem(
            "segment `th%20ings` of `/v3/th%20ings/{id}` holds `%`: write the path unencoded; literal segments use ASCII letters, digits, `-`, `.`, `_` and `~`"
        )
    );
}

#[test]
fn two_operations_may_not_share_a_route() {
    for other_path in ["/v3/things/{id}", "/v3/things/{key}"] {
        let param = if other_path.contains("{key}") {
            "key"
        } else {
            "id"
        };
        let other = OPERATION
            .replace("id: get_thing", "id: get_other")
            .replace("path: /v3/things/{id}", &format!("path: {other_path}"))
            .replace(
                "    id: { type: string, doc: ID. }",
                &format!("    {param}: {{ type: string, doc: ID. }}"),
            )
            .replace(
                "request: { path: { id: a } }",
                &format!("request: {{ path: {{ {param}: a }} }}"),
            );
        let error = error_of(|s: &mut BTreeMap<PathBuf, String>| {
            s.insert(PathBuf::from("fam/get_other.yaml"), other);
        });
        assert_eq!(
            error,
            format!(
                "fam/get_thing.yaml:6: operation.path: `GET /v3/things/{{id}}` is already the route of fam/get_other.yaml:6 (`GET {other_path}`): two operations may not share a method and path\n1 problem(s) found; nothing was written"
            )
        );
    }
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

/// A second family beside `fam`: `family` is its family.yaml line, its one operation answers
/// `GET /v3/others/{id}` with `code` as its error.
fn with_family(
    family: &'static str,
    code: &'static str,
) -> impl FnOnce(&mut BTreeMap<PathBuf, String>) {
    move |s| {
        s.insert(
            PathBuf::from("other/family.yaml"),
            FAMILY.replacen(
                "family: { name: fam, module: fam, feature: fam, title: T, doc: D }",
                family,
                1,
            ),
        );
        s.insert(
            PathBuf::from("other/get_thing.yaml"),
            OPERATION
                .replace("/v3/things/", "/v3/others/")
                .replace("code: SYSTEM_ERROR", &format!("code: {code}")),
        );
    }
}

#[test]
fn two_families_may_not_share_a_name() {
    // Operation ids (`fam.get_thing`) and the simulator's lifecycles and control routes
    // (`/_sim/fam/<lifecycle>/...`) are keyed by the family name.
    assert_eq!(
        error_of(with_family(
            "family: { name: fam, module: other, feature: fam, title: T, doc: D }",
            "SYSTEM_ERROR"
        )),
        "other/family.yaml:1: family.name: `fam` is already the name of the family in fam/family.yaml:1; operation ids and the simulator's lifecycles are keyed by it, so two families may not share a name\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn two_lifecycles_of_a_family_may_not_share_a_name() {
    let lifecycle = "  thing:\n    doc: D.\n    type: Thing\n    key: id\n    state: id\n";
    let twice: &'static str =
        Box::leak(format!("lifecycles:\n{lifecycle}{lifecycle}").into_boxed_str());
    assert_eq!(
        error_of(with_types(twice)),
        "fam/family.yaml:13: thing: key appears twice in this mapping\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn a_feature_spelled_like_another_family_s_name_must_be_its_feature() {
    // `fam` takes the feature `other`, but the family `other` is behind `own`: a merchant
    // enabling `other` would get `fam` and not `other`.
    assert_eq!(
        error_of(|s: &mut BTreeMap<PathBuf, String>| {
            with_family(
                "family: { name: other, module: other, feature: own, title: T, doc: D }",
                "SYSTEM_ERROR",
            )(s);
            replace("fam/family.yaml", "feature: fam", "feature: other")(s);
        }),
        "fam/family.yaml:1: family.feature: `other` is the name of the family in other/family.yaml:1, whose feature is `own`; a feature spelled like a family's name must enable that family\n1 problem(s) found; nothing was written"
    );
    // Two families may share a feature (`payments` holds several product lines).
    let mut sources = BTreeMap::new();
    sources.insert(PathBuf::from("fam/family.yaml"), FAMILY.to_string());
    sources.insert(PathBuf::from("fam/get_thing.yaml"), OPERATION.to_string());
    with_family(
        "family: { name: other, module: other, feature: fam, title: T, doc: D }",
        "SYSTEM_ERROR",
    )(&mut sources);
    assert!(generate_from_sources(&sources, &Target::main()).is_ok());
}

#[test]
fn a_feature_may_not_take_a_name_the_crate_uses() {
    for taken in ["client", "test-support", "serde", "wechatpay-apiv3-runtime"] {
        let to: &'static str = Box::leak(format!("feature: {taken}").into_boxed_str());
        assert_eq!(
            error_of(replace("fam/family.yaml", "feature: fam", to)),
            format!(
                "fam/family.yaml:1: family.feature: `{taken}` must be lower-case letters, digits and `-`, and not `default`, `client`, `blocking`, `full`, `test-support`, `serde`, `wechatpay-apiv3-runtime`\n1 problem(s) found; nothing was written"
            )
        );
    }
}

#[test]
fn two_codes_that_become_one_variant_of_the_spec_wide_error_code() {
    // In two families: one `ErrorCode` enum holds every code.
    assert_eq!(
        error_of(with_family(
            "family: { name: other, module: other, feature: other, title: T, doc: D }",
            "SYSTEM__ERROR"
        )),
        "other/get_thing.yaml:13: operation.errors.code: codes `SYSTEM_ERROR` (fam/get_thing.yaml:13) and `SYSTEM__ERROR` both become variant `SystemError` of the spec-wide `ErrorCode`; spell the code as the other place does\n1 problem(s) found; nothing was written"
    );
    // In one operation, and against a family's shared row.
    assert_eq!(
        error_of(replace(
            "fam/get_thing.yaml",
            "retry: true }",
            "retry: true }\n    - { status: 400, code: SYSTEM_ERROR_, description: Bad., solution: Fix., retry: false }",
        )),
        "fam/get_thing.yaml:14: operation.errors.code: codes `SYSTEM_ERROR` (fam/get_thing.yaml:13) and `SYSTEM_ERROR_` both become variant `SystemError` of the spec-wide `ErrorCode`; spell the code as the other place does\n1 problem(s) found; nothing was written"
    );
    assert_eq!(
        error_of(|s: &mut BTreeMap<PathBuf, String>| {
            with_shared_system_error(s);
            replace(
                "fam/get_thing.yaml",
                "code: SYSTEM_ERROR",
                "code: SYSTEM_ERROR_",
            )(s);
        }),
        "fam/get_thing.yaml:13: operation.errors.code: codes `SYSTEM_ERROR` (fam/family.yaml:8) and `SYSTEM_ERROR_` both become variant `SystemError` of the spec-wide `ErrorCode`; spell the code as the other place does\n1 problem(s) found; nothing was written"
    );
}

#[test]
fn an_error_code_may_not_take_the_catch_all_variant() {
    assert_eq!(
        error_of(replace(
            "fam/get_thing.yaml",
            "code: SYSTEM_ERROR",
            "code: UNKNOWN"
        )),
        "fam/get_thing.yaml:13: operation.errors.code: `UNKNOWN` would clash with the variant that keeps undocumented codes\n1 problem(s) found; nothing was written"
    );
}
