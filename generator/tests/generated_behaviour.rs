//! How generated code behaves: every problem reported at once, open enums, encoding, sensitive
//! data. Uses the real crate (the seed operations) and the obstacle-course fixture.

use wechatpay_apiv3::Operation;
use wechatpay_apiv3::marketing::busifavor::UseCouponRequest;
use wechatpay_apiv3::marketing::partner::product_coupon::{
    AssociatedOrderInfo, UseUserCouponRequest, UserCouponState, UserProductCoupon,
};
use wechatpay_apiv3::runtime::{OpenEnum, Rule};
use wechatpay_apiv3_fixture_obstacle::obstacle::course as obstacle;

#[test]
fn a_request_reports_every_missing_field_and_broken_limit_at_once() {
    let err = UseCouponRequest::builder()
        .coupon_code("x".repeat(33))
        .use_time("2015-05-20 13:29:35")
        .build()
        .expect_err("three rules are broken");
    assert_eq!(err.type_name, "UseCouponRequest");
    assert!(err.has(
        "coupon_code",
        &Rule::TooLong {
            max: 32,
            actual: 33
        }
    ));
    assert!(err.has("appid", &Rule::Missing));
    assert!(err.has("use_time", &Rule::DateTime));
    assert!(err.has("use_request_no", &Rule::Missing));
    assert_eq!(err.violations.len(), 4, "{err}");
    assert!(
        err.to_string()
            .contains("`coupon_code` must have at most 32 characters (has 33)")
    );
}

#[test]
fn nested_and_pattern_rules_name_their_path() {
    let order = AssociatedOrderInfo::builder()
        .transaction_id("4".repeat(40))
        .build();
    let err = order.expect_err("transaction_id is too long");
    assert!(err.has(
        "transaction_id",
        &Rule::TooLong {
            max: 32,
            actual: 40
        }
    ));

    let err = UseUserCouponRequest::builder()
        .openid("oUser")
        .coupon_code("Code_1")
        .out_request_no("no spaces")
        .build()
        .expect_err("missing fields and a pattern");
    assert!(err.has(
        "out_request_no",
        &Rule::Pattern {
            pattern: "^[0-9A-Za-z_-]{6,40}$"
        }
    ));
    for field in [
        "product_coupon_id",
        "stock_id",
        "appid",
        "use_time",
        "associated_order_info",
        "brand_id",
    ] {
        assert!(
            err.has(field, &Rule::Missing),
            "{field} should be reported missing: {err}"
        );
    }
}

#[test]
fn path_parameters_are_percent_encoded() -> Result<(), Box<dyn std::error::Error>> {
    let request = UseUserCouponRequest::builder()
        .openid("o/../x?y")
        .coupon_code("码 1")
        .product_coupon_id("1")
        .stock_id("2")
        .appid("wx1")
        .use_time("2025-08-03T12:00:00+08:00")
        .associated_order_info(
            AssociatedOrderInfo::builder()
                .transaction_id("42")
                .build()?,
        )
        .out_request_no("REQ_000001")
        .brand_id("3")
        .build()?;
    assert_eq!(
        request.path_and_query(),
        "/v3/marketing/partner/product-coupon/users/o%2F..%2Fx%3Fy/coupons/%E7%A0%81%201/use"
    );
    assert_eq!(
        UseUserCouponRequest::META.idempotency_keys,
        &["out_request_no"]
    );
    let meta = UseUserCouponRequest::META;
    assert!(meta.retry_safe);
    assert_eq!(
        UseUserCouponRequest::META
            .rate_limit
            .map(|r| (r.requests, r.per_seconds)),
        Some((500, 1))
    );
    Ok(())
}

#[test]
fn unknown_enum_values_and_fields_survive_a_round_trip() {
    let json = include_str!("../../spec/marketing/partner/product_coupon/use_user_coupon.yaml");
    assert!(
        json.contains("coupon_state: USED"),
        "the seed example is still there"
    );
    let minimal = serde_json::json!({
        "coupon_code": "C", "coupon_state": "FROZEN_FOR_AUDIT", "valid_begin_time": "2025-08-02T00:00:00+08:00",
        "valid_end_time": "2025-08-31T23:59:59+08:00", "receive_time": "2025-08-02T00:00:00+08:00",
        "send_request_no": "S", "send_channel": "A_NEW_CHANNEL", "brand_id": "B", "a_field_added_later": 1,
        "product_coupon": { "product_coupon_id": "P", "scope": "ALL", "type": "NORMAL", "usage_mode": "SINGLE",
            "display_info": { "name": "abc", "image_url": "u", "background_url": "u" }, "state": "EFFECTIVE", "brand_id": "B" },
        "stock": { "product_coupon_id": "P", "stock_id": "S", "coupon_code_mode": "WECHATPAY",
            "stock_send_rule": { "max_count": 1 }, "usage_rule_display_info": { "coupon_usage_method_list": ["OFFLINE"], "usage_description": "d" },
            "coupon_display_info": {}, "notify_config": {}, "store_scope": "NONE",
            "sent_count_info": { "total_count": 0, "today_count": 0 }, "state": "SENDING", "brand_id": "B" }
    });
    let coupon: UserProductCoupon = serde_json::from_value(minimal.clone()).expect("decodes");
    assert!(coupon.coupon_state.is_unknown());
    assert_eq!(coupon.coupon_state.as_str(), "FROZEN_FOR_AUDIT");
    assert_eq!(UserCouponState::from("USED"), UserCouponState::Used);
    let back = serde_json::to_value(&coupon).expect("encodes");
    assert_eq!(back["coupon_state"], "FROZEN_FOR_AUDIT");
    assert_eq!(back["send_channel"], "A_NEW_CHANNEL");
    assert!(
        back.get("a_field_added_later").is_none(),
        "unknown fields are ignored, not invented"
    );
}

#[test]
fn obstacle_course_names_behave() -> Result<(), Box<dyn std::error::Error>> {
    use obstacle::types::{Option as OptionEnum, Result as ResultStruct};
    // A documented value called UNKNOWN is a normal variant; the catch-all was renamed.
    assert_eq!(OptionEnum::from("UNKNOWN"), OptionEnum::Unknown);
    assert!(matches!(
        OptionEnum::from("LATER"),
        OptionEnum::Unrecognized(_)
    ));
    assert_eq!(OptionEnum::from("self"), OptionEnum::Self_);
    assert_eq!(OptionEnum::from("2G").as_str(), "2G");
    // Keyword fields keep their wire names.
    let r = ResultStruct::builder()
        .type_("t")
        .use_(-5)
        .self_(true)
        .content_type("json")
        .build()?;
    let json = serde_json::to_value(&r)?;
    assert_eq!(
        json,
        serde_json::json!({ "type": "t", "use": -5, "self": true, "Content-Type": "json" })
    );
    let err = ResultStruct::builder()
        .type_("too long!")
        .use_(-6)
        .build()
        .expect_err("two limits");
    assert!(err.has("type", &Rule::TooLong { max: 8, actual: 9 }));
    assert!(err.has(
        "use",
        &Rule::BelowMinimum {
            min: -5,
            actual: -6
        }
    ));
    Ok(())
}

#[test]
fn sensitive_fields_are_redacted_and_encrypted_everywhere() -> Result<(), Box<dyn std::error::Error>>
{
    let holder = obstacle::types::String::builder()
        .secret("plain-secret")
        .others(vec!["ab".into(), "cd".into()])
        .build()?;
    let shown = format!("{holder:?}");
    assert!(
        !shown.contains("plain-secret") && shown.contains("<redacted>"),
        "{shown}"
    );

    let mut request = obstacle::UseRequest::builder()
        .type_("x")
        .out_request_no("REQ_000001")
        .result(obstacle::types::Result::builder().type_("t").build()?)
        .options(vec![obstacle::types::Option::from("self")])
        .holder(holder)
        .build()?;
    let meta = obstacle::UseRequest::META;
    assert!(meta.has_sensitive_fields);
    let mut seen = Vec::new();
    request.encrypt_sensitive(&mut |field: &str, value: &mut String| {
        seen.push(field.to_string());
        *value = format!("enc({value})");
        Ok(())
    })?;
    assert_eq!(seen, ["secret", "others", "others"]);
    let body = serde_json::to_value(&request.body)?;
    assert_eq!(body["holder"]["secret"], "enc(plain-secret)");
    assert_eq!(body["holder"]["others"][1], "enc(cd)");
    Ok(())
}

#[test]
fn query_parameters_are_encoded_in_declared_order() -> Result<(), Box<dyn std::error::Error>> {
    let request = obstacle::ListThingsRequest::builder()
        .limit(10)
        .name("a b")
        .state("ON")
        .since("2025-01-01T00:00:00+08:00")
        .build()?;
    assert_eq!(
        request.path_and_query(),
        "/v3/obstacle/things?limit=10&state=ON&since=2025-01-01T00%3A00%3A00%2B08%3A00&name=a%20b"
    );
    let err = obstacle::ListThingsRequest::builder()
        .limit(0)
        .name("A")
        .build()
        .expect_err("limits");
    assert!(err.has("limit", &Rule::BelowMinimum { min: 1, actual: 0 }));
    assert!(err.has("name", &Rule::TooShort { min: 2, actual: 1 }));
    assert!(err.has(
        "name",
        &Rule::Pattern {
            pattern: "^[a-z ]+$"
        }
    ));
    Ok(())
}

#[test]
fn uploads_check_size_and_type_before_sending() {
    let err = obstacle::UploadImageRequest::builder()
        .file(wechatpay_apiv3_fixture_obstacle::UploadFile::new(
            "logo.gif",
            vec![0; 3 * 1024 * 1024],
        ))
        .build()
        .expect_err("too big and the wrong type");
    assert!(err.has(
        "file",
        &Rule::FileTooLarge {
            max: 2_097_152,
            actual: 3 * 1024 * 1024
        }
    ));
    assert!(err.has(
        "file",
        &Rule::FileType {
            allowed: &["jpg", "png"]
        }
    ));
    let missing = obstacle::UploadImageRequest::builder()
        .build()
        .expect_err("no file");
    assert!(missing.has("file", &Rule::Missing));
}

#[test]
fn a_type_that_lists_itself_builds_and_round_trips() -> Result<(), Box<dyn std::error::Error>> {
    use obstacle::types::Tree;
    let leaf = Tree::builder().label("leaf").build()?;
    let tree = Tree::builder()
        .label("root")
        .children(vec![
            Tree::builder().label("mid").children(vec![leaf]).build()?,
        ])
        .build()?;
    let json = serde_json::to_value(&tree)?;
    assert_eq!(
        json,
        serde_json::json!({ "label": "root", "children": [{ "label": "mid", "children": [{ "label": "leaf" }] }] })
    );
    assert_eq!(serde_json::from_value::<Tree>(json)?, tree);
    // A required field is required at every depth.
    let nested_missing = serde_json::json!({ "label": "root", "children": [{ "children": [] }] });
    assert!(serde_json::from_value::<Tree>(nested_missing).is_err());
    assert!(Tree::builder().build().is_err());
    // Limits are checked at every depth too.
    let long_child: Tree = serde_json::from_value(serde_json::json!({ "label": "too long!" }))?;
    let err = Tree::builder()
        .label("root")
        .children(vec![long_child])
        .build()
        .expect_err("a child breaks a limit");
    assert!(
        err.has("children[0].label", &Rule::TooLong { max: 8, actual: 9 }),
        "{err}"
    );
    Ok(())
}

/// The fixture WeChat Pay key pair of the runtime's tests: its public key encrypts request fields,
/// its private key plays WeChat Pay opening them.
fn wechatpay_keys() -> (
    wechatpay_apiv3_fixture_obstacle::runtime::client::VerifyingKey,
    wechatpay_apiv3_fixture_obstacle::runtime::client::MerchantKey,
) {
    use wechatpay_apiv3_fixture_obstacle::runtime::client::{MerchantKey, VerifyingKey};
    let fixture = |name: &str| {
        std::fs::read(format!(
            "{}/../runtime/tests/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("fixture")
    };
    (
        VerifyingKey::from_public_key_pem(&fixture("java_wechatpay_public_key.pem")).expect("key"),
        MerchantKey::from_pem(&fixture("java_wechatpay_private_key.pem")).expect("key"),
    )
}

#[test]
fn a_sensitive_query_parameter_is_sent_as_percent_encoded_base64_ciphertext()
-> Result<(), Box<dyn std::error::Error>> {
    let (public, private) = wechatpay_keys();
    let mut request = obstacle::ListThingsRequest::builder()
        .limit(10)
        .account_number("6222000011112222")
        .build()?;
    assert!(
        !format!("{request:?}").contains("6222000011112222"),
        "Debug hides it: {request:?}"
    );
    let meta = obstacle::ListThingsRequest::META;
    assert!(
        meta.has_sensitive_fields,
        "names the key in Wechatpay-Serial"
    );
    request.encrypt_sensitive(&mut |field: &str, value: &mut String| {
        assert_eq!(field, "account_number");
        *value = public.encrypt_oaep(value.as_bytes()).expect("encrypts");
        Ok(())
    })?;
    let path = request.path_and_query();
    let sent = path
        .strip_prefix("/v3/obstacle/things?limit=10&account_number=")
        .expect("in declared order");
    // Base64's `+`, `/` and `=` never reach the wire raw (a `+` would read as a space).
    assert!(
        sent.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'%'),
        "{sent}"
    );
    let ciphertext = wechatpay_apiv3_fixture_obstacle::runtime::protocol::percent_decode(sent)
        .expect("percent-encoded");
    assert_eq!(private.decrypt_oaep(&ciphertext)?, "6222000011112222");
    Ok(())
}

#[test]
fn sensitive_texts_inside_lists_and_nested_objects_are_encrypted()
-> Result<(), Box<dyn std::error::Error>> {
    let (public, private) = wechatpay_keys();
    let mut request = obstacle::UseRequest::builder()
        .type_("x")
        .out_request_no("REQ_000002")
        .result(obstacle::types::Result::builder().type_("t").build()?)
        .holder(
            obstacle::types::String::builder()
                .secret("top")
                .others(vec!["ab".into(), "cd".into()])
                .build()?,
        )
        .build()?;
    request.encrypt_sensitive(&mut |_: &str, value: &mut String| {
        *value = public.encrypt_oaep(value.as_bytes()).expect("encrypts");
        Ok(())
    })?;
    let body = serde_json::to_value(&request.body)?;
    let open = |v: &serde_json::Value| {
        private
            .decrypt_oaep(v.as_str().expect("text"))
            .expect("opens")
    };
    assert_eq!(open(&body["holder"]["secret"]), "top");
    assert_eq!(open(&body["holder"]["others"][0]), "ab");
    assert_eq!(open(&body["holder"]["others"][1]), "cd");
    Ok(())
}
