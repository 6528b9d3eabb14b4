//! One verdict per value and rule, whoever asks: a table of values × rules goes through every
//! caller of the runtime's rule functions, and each caller must give the table's verdict.
//!
//! The callers: a generated builder's `build()`, `validate()` of a generated value (and of the
//! built request), and the strict spec check that the generator runs over every example and the
//! simulator runs over every request it receives (`validate::check_json` / `check_params`, the
//! function `sim/src/handler.rs` calls). The fixture is `check_rules` of the obstacle course.

use std::path::Path;

use serde_json::{Value, json};
use wechatpay_apiv3_fixture_obstacle::obstacle::course::{CheckRulesBody, CheckRulesRequest};
use wechatpay_apiv3_fixture_obstacle::runtime::{Operation, Validate};
use wechatpay_apiv3_generator::model::TypePath;
use wechatpay_apiv3_generator::validate::{check_json, check_params};

/// Whether each caller accepts the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    /// Every caller accepts it.
    Accepted,
    /// Every caller refuses it.
    Refused,
    /// The strict checks (spec examples, simulator) refuse it; the client keeps it, because its
    /// enums are open (a value WeChat Pay adds later must still be sendable).
    OpenEnumValue,
}
use Verdict::*;

/// (field, value, verdict).
fn table() -> Vec<(&'static str, Value, Verdict)> {
    vec![
        // RFC 3339 date-time.
        ("at", json!("2025-08-03T12:00:00+08:00"), Accepted),
        ("at", json!("2025-08-03T12:00:00.120Z"), Accepted),
        ("at", json!("2025-02-28T23:59:59-05:30"), Accepted),
        ("at", json!("2025-02-30T12:00:00+08:00"), Refused),
        ("at", json!("2024-02-29T12:00:00+08:00"), Accepted),
        ("at", json!("2025-08-03T24:00:00+08:00"), Refused),
        ("at", json!("2025-08-03T12:00:60+08:00"), Refused),
        ("at", json!("2025-08-03 12:00:00+08:00"), Refused),
        ("at", json!("2025-08-03T12:00:00"), Refused),
        ("at", json!("2025-13-03T12:00:00+08:00"), Refused),
        // Length in characters, not bytes: 𝄞 is one character of four UTF-8 bytes.
        ("short", json!("abc"), Accepted),
        ("short", json!("𝄞𝄞𝄞"), Accepted),
        ("short", json!("全场满"), Accepted),
        ("short", json!("𝄞𝄞𝄞𝄞"), Refused),
        ("short", json!("abcd"), Refused),
        // Anchored and unanchored patterns.
        ("anchored", json!("123"), Accepted),
        ("anchored", json!("a123"), Refused),
        ("anchored", json!("1234"), Refused),
        ("unanchored", json!("a123b"), Accepted),
        ("unanchored", json!("123"), Accepted),
        ("unanchored", json!("12a"), Refused),
        // Integer range.
        ("count", json!(1), Accepted),
        ("count", json!(99), Accepted),
        ("count", json!(0), Refused),
        ("count", json!(100), Refused),
        // Items bounds, and the items' own rules.
        ("tags", json!(["a"]), Accepted),
        ("tags", json!(["a", "b"]), Accepted),
        ("tags", json!([]), Refused),
        ("tags", json!(["a", "b", "c"]), Refused),
        ("tags", json!(["abcd"]), Refused),
        // Enum membership.
        ("state", json!("ON"), Accepted),
        ("state", json!("LATER"), OpenEnumValue),
    ]
}

fn base() -> Value {
    json!({
        "at": "2025-08-03T12:00:00+08:00",
        "short": "abc",
        "anchored": "123",
        "unanchored": "a123b",
        "count": 99,
        "tags": ["a"],
        "state": "ON"
    })
}

fn obstacle_api() -> wechatpay_apiv3_generator::model::Api {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/obstacle/spec");
    wechatpay_apiv3_generator::check_spec(&root, &[]).expect("the obstacle spec loads")
}

fn body_path() -> TypePath {
    TypePath {
        module: vec!["obstacle".into(), "course".into(), "check_rules".into()],
        name: "CheckRulesBody".into(),
    }
}

#[test]
fn every_caller_gives_one_verdict() {
    let api = obstacle_api();
    for (field, value, verdict) in table() {
        let mut body = base();
        body[field] = value.clone();
        let case = format!("{field} = {value}");

        // The generator's example check and the simulator's request check.
        let strict = check_json(&api, &body_path(), &body);
        let strict_ok = strict.is_empty();

        // validate() of a value read from JSON.
        let typed: CheckRulesBody =
            serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{case}: {e}"));
        let validate_ok = typed.validate().is_ok();

        // The builder's build(), and validate() of the request it builds.
        let built = CheckRulesRequest::builder()
            .rule_id("r1")
            .body(typed)
            .build();
        let build_ok = built.is_ok();
        let request_ok = built.as_ref().is_ok_and(|r| Operation::validate(r).is_ok());

        let client = [validate_ok, build_ok, build_ok && request_ok];
        match verdict {
            Accepted => {
                assert!(strict_ok, "{case}: strict check refused it: {strict:?}");
                assert!(
                    client.iter().all(|ok| *ok),
                    "{case}: client refused it: {client:?} {built:?}"
                );
            }
            Refused => {
                assert!(!strict_ok, "{case}: strict check accepted it");
                assert!(
                    client.iter().all(|ok| !ok),
                    "{case}: client accepted it: {client:?}"
                );
                // The strict check and the client name the same field.
                let err = built.expect_err("refused");
                assert!(
                    err.violations.iter().any(|v| v.field.starts_with(field)),
                    "{case}: {err}"
                );
                assert!(
                    strict.iter().any(|p| p.dotted().starts_with(field)),
                    "{case}: {strict:?}"
                );
            }
            OpenEnumValue => {
                assert!(!strict_ok, "{case}: strict check accepted it");
                assert!(
                    client.iter().all(|ok| *ok),
                    "{case}: client refused it: {client:?}"
                );
            }
        }
    }
}

#[test]
fn path_parameters_get_the_same_verdict() {
    let api = obstacle_api();
    let op = api
        .families
        .iter()
        .flat_map(|f| &f.operations)
        .find(|o| o.id == "check_rules")
        .expect("the fixture operation");
    for (value, accepted) in [("r1", true), ("𝄞𝄞𝄞", true), ("𝄞𝄞𝄞𝄞", false)] {
        let strict = check_params(&api, &op.path_params, &[("rule_id".into(), json!(value))]);
        let built = CheckRulesRequest::builder()
            .rule_id(value)
            .body(serde_json::from_value(base()).expect("base body"))
            .build();
        assert_eq!(strict.is_empty(), accepted, "{value}: {strict:?}");
        assert_eq!(built.is_ok(), accepted, "{value}: {built:?}");
    }
}

#[test]
fn upload_files_get_the_same_verdict() {
    use wechatpay_apiv3_fixture_obstacle::obstacle::course::UploadImageRequest;
    use wechatpay_apiv3_fixture_obstacle::runtime::UploadFile;
    let api = obstacle_api();
    let op = api
        .families
        .iter()
        .flat_map(|f| &f.operations)
        .find(|o| o.id == "upload_image")
        .expect("the fixture operation");
    let upload = op.upload.as_ref().expect("an upload");
    for (name, size, accepted) in [
        ("logo.png", 64, true),
        ("LOGO.JPG", 2_097_152, true),
        ("logo.gif", 64, false),
        ("logo", 64, false),
        ("logo.png", 2_097_153, false),
    ] {
        // The simulator's check of an uploaded file.
        let strict =
            wechatpay_apiv3_generator::validate::check_upload_file(&api, upload, name, size);
        let built = UploadImageRequest::builder()
            .file(UploadFile::new(name, vec![0_u8; size as usize]))
            .build();
        let validated = built.as_ref().is_ok_and(|r| Operation::validate(r).is_ok());
        assert_eq!(strict.is_empty(), accepted, "{name} {size}: {strict:?}");
        assert_eq!(built.is_ok(), accepted, "{name} {size}: {built:?}");
        assert_eq!(validated, accepted, "{name} {size}");
        if let Ok(request) = built {
            assert_eq!(
                request.file.bytes.len() as u64,
                size,
                "the builder keeps the bytes"
            );
        }
    }
}
