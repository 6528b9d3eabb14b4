//! Notifications sent with the same event type and original type (merchant, service-provider and
//! combined payments all send TRANSACTION.SUCCESS with `transaction`): allowed only when all but one
//! name a `discriminator` field of their payload, which `AnyNotification` checks first.

use std::collections::BTreeMap;
use std::path::PathBuf;

use wechatpay_apiv3_generator::{Target, generate_from_sources};

const FAMILY: &str = "\
family: { name: fam, module: fam, feature: fam, title: T, doc: D }
types:
  Plain:
    doc: A merchant resource.
    fields:
      mchid: { type: string, doc: Merchant. }
  Twin:
    doc: A provider resource.
    fields:
      sp_mchid: { type: string, doc: Provider. }
";

fn note(id: &str, ty: &str, discriminator: Option<&str>) -> String {
    let field = if ty == "Plain" { "mchid" } else { "sp_mchid" };
    let d = discriminator.map_or(String::new(), |d| format!("  discriminator: {d}\n"));
    format!(
        "notification:\n  id: {id}\n  title: T\n  doc: D\n  doc_url: https://example.com/doc\n  \
         event_types: [PAID]\n  original_type: transaction\n{d}  type: {ty}\n  example: {{ {field}: \"1\" }}\n"
    )
}

fn generate(twin_discriminator: Option<&str>) -> Result<String, String> {
    let mut s = BTreeMap::new();
    s.insert(PathBuf::from("fam/family.yaml"), FAMILY.to_string());
    s.insert(PathBuf::from("fam/paid.yaml"), note("paid", "Plain", None));
    s.insert(
        PathBuf::from("fam/twin_paid.yaml"),
        note("twin_paid", "Twin", twin_discriminator),
    );
    generate_from_sources(&s, &Target::main())
        .map(|files| files[&PathBuf::from("src/notifications.rs")].clone())
        .map_err(|e| e.to_string())
}

#[test]
fn a_discriminated_notification_is_decoded_first_and_only_with_its_field() {
    let code = generate(Some("sp_mchid")).expect("valid spec");
    let twin = code
        .find("resource.has_field(\"sp_mchid\")")
        .expect("field check");
    let plain = code.find("decode_as(Self::Paid)").expect("plain decoder");
    assert!(twin < plain, "{code}");
    assert_eq!(code.matches("has_field").count(), 1, "{code}");
}

#[test]
fn two_notifications_on_one_pair_without_a_discriminator_are_refused() {
    let err = generate(None).expect_err("ambiguous");
    assert!(
        err.contains("notifications `paid` and `twin_paid` are both sent as `PAID` with original_type `transaction`; a callback could not be told apart (give one a `discriminator`)"),
        "{err}"
    );
}

#[test]
fn a_discriminator_must_be_a_field_of_the_payload() {
    let err = generate(Some("sub_mchid")).expect_err("unknown field");
    assert!(
        err.contains("notification `twin_paid`: discriminator `sub_mchid` is not a field of its payload `Twin`"),
        "{err}"
    );
}
