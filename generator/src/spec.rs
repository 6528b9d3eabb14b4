//! The spec files as written: plain serde types over the YAML, with source locations kept.
//!
//! Nothing here checks meaning; [`crate::validate`] does, and [`crate::lower`] turns a checked spec
//! into the model the emitters read. The format is documented in `spec/README.md`.

// Each field is the spec key of the same name, documented in spec/README.md.
#![allow(missing_docs)]

use indexmap::IndexMap;
use serde::Deserialize;
use serde_saphyr::Spanned;

/// A value with the place it was written.
pub type Sp<T> = Spanned<T>;

/// Fields, keyed by wire name, in the order written.
pub type Fields = IndexMap<Sp<String>, Sp<FieldDecl>>;

/// One YAML file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    /// Only in `family.yaml`.
    pub family: Option<Sp<FamilyDecl>>,
    /// Named types, shared by the whole family.
    pub types: Option<IndexMap<Sp<String>, Sp<TypeDecl>>>,
    /// An operation.
    pub operation: Option<Sp<OperationDecl>>,
    /// A notification.
    pub notification: Option<Sp<NotificationDecl>>,
    /// Only in `family.yaml`: the resources the simulator keeps, by name.
    pub lifecycles: Option<IndexMap<Sp<String>, Sp<LifecycleDecl>>>,
}

/// `family:` in `family.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FamilyDecl {
    pub name: Sp<String>,
    pub module: Sp<String>,
    pub feature: Sp<String>,
    pub title: String,
    pub doc: String,
    /// Error rows the family's operations share: each written once here, named by its `code` in
    /// an operation's `errors:`.
    #[serde(default)]
    pub common_errors: Vec<Sp<ErrorDecl>>,
}

/// A named type: an object (`fields`) or an enum (`values`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeDecl {
    pub doc: Option<Sp<String>>,
    pub fields: Option<Fields>,
    pub values: Option<IndexMap<Sp<String>, Sp<String>>>,
    pub catch_all: Option<Sp<String>>,
}

/// A field, an array's items, a parameter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDecl {
    #[serde(rename = "type")]
    pub ty: Sp<String>,
    pub doc: Option<Sp<String>>,
    #[serde(default)]
    pub required: bool,
    pub min_length: Option<Sp<u64>>,
    pub max_length: Option<Sp<u64>>,
    pub pattern: Option<Sp<String>>,
    pub minimum: Option<Sp<i64>>,
    pub maximum: Option<Sp<i64>>,
    pub items: Option<Box<Sp<FieldDecl>>>,
    pub min_items: Option<Sp<u64>>,
    pub max_items: Option<Sp<u64>>,
    pub fields: Option<Fields>,
    pub values: Option<IndexMap<Sp<String>, Sp<String>>>,
    pub name: Option<Sp<String>>,
    pub catch_all: Option<Sp<String>>,
    #[serde(default)]
    pub sensitive: bool,
}

/// `operation:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationDecl {
    pub id: Sp<String>,
    pub title: String,
    pub doc: String,
    pub method: Sp<String>,
    pub path: Sp<String>,
    pub doc_url: Sp<String>,
    pub callers: Sp<Vec<Sp<String>>>,
    pub rate_limit: Option<Sp<String>>,
    /// Why the operation should no longer be used (a product WeChat Pay refuses to new merchants).
    pub deprecated: Option<String>,
    #[serde(default)]
    pub idempotency_keys: Vec<Sp<String>>,
    pub retry_safe: Option<bool>,
    pub path_params: Option<Fields>,
    pub query: Option<Fields>,
    pub body: Option<Fields>,
    pub upload: Option<Sp<UploadDecl>>,
    pub response: Sp<ResponseDecl>,
    pub errors: Sp<Vec<Sp<ErrorDecl>>>,
    pub examples: Sp<Vec<Sp<ExampleDecl>>>,
}

/// `upload:` of a multipart operation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadDecl {
    pub file_types: Vec<String>,
    pub max_bytes: Option<u64>,
}

/// `response:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseDecl {
    pub status: Option<Sp<u16>>,
    pub kind: Option<Sp<String>>,
    #[serde(rename = "type")]
    pub ty: Option<Sp<String>>,
    pub fields: Option<Fields>,
}

/// One row of `errors:` or `common_errors:`: in full, or (in an operation) only `code`, naming a
/// row of the family's `common_errors:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorDecl {
    pub status: Option<Sp<u16>>,
    pub code: Sp<String>,
    pub description: Option<String>,
    pub solution: Option<String>,
    pub retry: Option<bool>,
}

/// One of `examples:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleDecl {
    pub name: String,
    #[serde(default)]
    pub request: ExampleRequest,
    pub response: Option<Sp<serde_json::Value>>,
}

/// The request of an example.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleRequest {
    pub path: Option<Sp<serde_json::Value>>,
    pub query: Option<Sp<serde_json::Value>>,
    pub body: Option<Sp<serde_json::Value>>,
}

/// `notification:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationDecl {
    pub id: Sp<String>,
    pub title: String,
    pub doc: String,
    pub doc_url: Sp<String>,
    pub event_types: Sp<Vec<Sp<String>>>,
    pub original_type: Sp<String>,
    /// A top-level resource field only this notification's resource has, for event and original
    /// types another notification is sent with too.
    pub discriminator: Option<Sp<String>>,
    #[serde(rename = "type")]
    pub ty: Option<Sp<String>>,
    pub fields: Option<Fields>,
    pub example: Sp<serde_json::Value>,
}

/// One of `lifecycles:` in `family.yaml`: a resource the simulator keeps, and the operations that
/// create, read and change it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecycleDecl {
    pub doc: Sp<String>,
    #[serde(rename = "type")]
    pub ty: Sp<String>,
    pub key: Sp<String>,
    /// `true`: the key is no field of the record (WeChat Pay's number for it, which the create
    /// answers and the query paths name): kept beside the record, like the owner.
    pub key_beside: Option<Sp<bool>>,
    #[serde(default)]
    pub also_by: Vec<Sp<String>>,
    pub owner: Option<Sp<String>>,
    pub state: Sp<String>,
    pub not_found: Option<Sp<String>>,
    #[serde(rename = "match", default)]
    pub matches: IndexMap<Sp<String>, Sp<String>>,
    #[serde(default)]
    pub create: Vec<Sp<CreateDecl>>,
    #[serde(default)]
    pub query: Vec<Sp<String>>,
    pub list: Option<Sp<ListDecl>>,
    #[serde(default)]
    pub transitions: IndexMap<Sp<String>, Sp<TransitionDecl>>,
}

/// An operation that creates the resource, or (without one) what the simulated user does to make
/// one: the control create `POST /_sim/<family>/<lifecycle>/create`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateDecl {
    /// What a control create makes, for the control API's listing (`GET /_sim/actions`).
    pub doc: Option<Sp<String>>,
    pub operation: Option<Sp<String>>,
    /// A control create's body fields that must be given (strings).
    #[serde(default)]
    pub needs: Vec<Sp<String>>,
    /// A control create's callback: a notification id of the family.
    pub notify: Option<Sp<String>>,
    /// The callback's event type, where the notification has several.
    pub event_type: Option<Sp<String>>,
    pub state: Sp<String>,
    pub copy: Option<Sp<String>>,
    #[serde(default)]
    pub records: IndexMap<Sp<String>, Sp<String>>,
    #[serde(default)]
    pub answer: IndexMap<Sp<String>, Sp<String>>,
    #[serde(default)]
    pub replay_scope: Vec<Sp<String>>,
}

/// The operation that lists the resource.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListDecl {
    pub operation: Sp<String>,
    pub items: Sp<String>,
    pub paging: Sp<String>,
    pub page_size: Option<Sp<u64>>,
    #[serde(default)]
    pub filters: IndexMap<Sp<String>, Sp<String>>,
}

/// A change of state, by an operation or (without one) by the simulated user.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionDecl {
    /// What the change is, for the control API's listing (`GET /_sim/actions`).
    pub doc: Option<Sp<String>>,
    pub operation: Option<Sp<String>>,
    /// `false`: a change no operation makes and no control call either, only the hand-written
    /// rule of another operation (an order turning REFUND when a refund of it is accepted).
    pub control: Option<Sp<bool>>,
    /// A control transition's body fields that must be given (strings).
    #[serde(default)]
    pub needs: Vec<Sp<String>>,
    /// A notification id of the family: the callback the change sends.
    pub notify: Option<Sp<String>>,
    /// The callback's event type, where the notification has several and none ends in `.<to>`.
    pub event_type: Option<Sp<String>>,
    pub from: Sp<Vec<Sp<String>>>,
    pub to: Sp<String>,
    #[serde(default)]
    pub records: IndexMap<Sp<String>, Sp<String>>,
    #[serde(default)]
    pub clears: Vec<Sp<String>>,
    #[serde(default)]
    pub answer: IndexMap<Sp<String>, Sp<String>>,
    pub refused: Option<Sp<String>>,
    #[serde(default)]
    pub refused_in: IndexMap<Sp<String>, Sp<String>>,
    #[serde(default)]
    pub replay_scope: Vec<Sp<String>>,
}
