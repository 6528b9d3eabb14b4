//! The checked, resolved model the emitters read: Rust names chosen, types resolved, every
//! collection in a deterministic order.

// Fields not documented here carry the spec key of the same name (spec/README.md).
#![allow(missing_docs)]

use std::path::PathBuf;

use serde_json::Value;

/// Where something was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Loc {
    /// Spec file, relative to the spec root.
    pub file: PathBuf,
    /// 1-based line.
    pub line: u64,
}

/// The whole API.
#[derive(Debug, Default)]
pub struct Api {
    /// Families, sorted by module path.
    pub families: Vec<Family>,
    /// Where each type is, by `module::path::Name`; built by [`Api::index`].
    slots: std::collections::HashMap<String, Slot>,
    /// Structs that hold a sensitive field, directly or nested; built by [`Api::index`].
    sensitive: std::collections::HashSet<String>,
    /// The runtime's rule tables of these types, built on first use.
    rules: crate::rules::Rules,
    /// Structs a request body holds (directly or nested); built by [`Api::index`].
    in_requests: std::collections::HashSet<String>,
    /// The request bodies themselves; built by [`Api::index`].
    bodies: std::collections::HashSet<String>,
}

/// Whether a struct gets a builder, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuilderKind {
    /// A request body: its fields are set on the request's one builder.
    None,
    /// Part of a request: always.
    Always,
    /// Only in responses or notifications: under the `test-support` feature, for tests that
    /// make answers.
    TestSupport,
}

/// Where a type sits in [`Api::families`].
#[derive(Clone, Copy, Debug)]
enum Slot {
    Family(usize, usize),
    Operation(usize, usize, usize),
    Notification(usize, usize, usize),
}

fn key(module: &[String], name: &str) -> String {
    let mut k = module.join("::");
    k.push_str("::");
    k.push_str(name);
    k
}

/// One family: a Rust module tree node, a cargo feature, named types, operations, notifications.
#[derive(Debug)]
pub struct Family {
    /// snake_case name, prefix of operation ids.
    pub name: String,
    /// Rust module path segments.
    pub module: Vec<String>,
    /// Cargo feature.
    pub feature: String,
    /// Short title.
    pub title: String,
    /// Description.
    pub doc: String,
    /// Folder under spec/.
    pub dir: PathBuf,
    /// Types of the family's `types` module (named ones and the inline types inside them).
    pub types: Vec<TypeDef>,
    /// Operations in file order.
    pub operations: Vec<Operation>,
    /// Notifications in file order.
    pub notifications: Vec<Notification>,
    /// The resources the simulator keeps for this family (`lifecycles:` of family.yaml).
    pub lifecycles: Vec<Lifecycle>,
    /// The other families whose types this one names (`type: pay_transactions.Amount`), by
    /// name, sorted: compiling this family needs theirs.
    pub uses: Vec<String>,
    /// The rows of `common_errors:`, each with its constant.
    pub common_errors: Vec<ErrorRow>,
    /// What the family module re-exports from its operation and notification modules, computed
    /// once (with the collision check) when lowering.
    pub exports: Vec<Export>,
}

/// A type a family module re-exports from one of its submodules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    /// The submodule (an operation's or notification's module).
    pub module: String,
    /// The type.
    pub name: String,
    /// Whether it is a request (its builder is always re-exported beside it); for other types
    /// the builder follows [`Api::builder_kind`].
    pub request: bool,
}

/// The HTTP method of an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl HttpMethod {
    /// From the spec's upper-case spelling.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "GET" => Self::Get,
            "POST" => Self::Post,
            "PUT" => Self::Put,
            "PATCH" => Self::Patch,
            "DELETE" => Self::Delete,
            _ => return None,
        })
    }

    /// As on the wire and in `http::Method`'s constants (`GET`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

impl std::fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for HttpMethod {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A documented rate limit: `requests` calls every `per_seconds` seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub per_seconds: u32,
}

impl RateLimit {
    /// `500 requests per second`, for the Rust docs.
    pub fn sentence(&self) -> String {
        match self.per_seconds {
            1 => format!("{} requests per second", self.requests),
            per => format!("{} requests per {per} seconds", self.requests),
        }
    }

    /// `500/s`, for the reference tables.
    pub fn short(&self) -> String {
        match self.per_seconds {
            1 => format!("{}/s", self.requests),
            per => format!("{} per {per} s", self.requests),
        }
    }
}

/// The one open enum of every documented error code, at the crate root.
pub const ERROR_CODE_ENUM: &str = "ErrorCode";

impl Family {
    /// Module path of the family's shared error rows.
    pub fn errors_module(&self) -> Vec<String> {
        let mut m = self.module.clone();
        m.push("errors".into());
        m
    }

    /// Module path of the family's shared types.
    pub fn types_module(&self) -> Vec<String> {
        let mut m = self.module.clone();
        m.push("types".into());
        m
    }
}

/// A struct or an enum.
#[derive(Debug)]
pub enum TypeDef {
    /// An object.
    Struct(StructDef),
    /// An open enum.
    Enum(EnumDef),
}

impl TypeDef {
    /// Rust name.
    pub fn name(&self) -> &str {
        match self {
            TypeDef::Struct(s) => &s.name,
            TypeDef::Enum(e) => &e.name,
        }
    }
}

/// An object type.
#[derive(Debug)]
pub struct StructDef {
    /// Rust name.
    pub name: String,
    /// Description.
    pub doc: String,
    /// Fields in wire order.
    pub fields: Vec<Field>,
    /// Where it was declared.
    pub loc: Loc,
}

/// An open enum.
#[derive(Debug)]
pub struct EnumDef {
    /// Rust name.
    pub name: String,
    /// Description.
    pub doc: String,
    /// Known values in spec order.
    pub values: Vec<EnumValue>,
    /// Name of the variant keeping unknown values.
    pub catch_all: String,
    /// Where it was declared.
    pub loc: Loc,
}

/// One known enum value.
#[derive(Debug)]
pub struct EnumValue {
    /// As on the wire.
    pub wire: String,
    /// Rust variant.
    pub variant: String,
    /// Meaning.
    pub doc: String,
}

/// A field of an object, or a path/query parameter.
#[derive(Debug)]
pub struct Field {
    /// JSON or parameter name.
    pub wire: String,
    /// Rust name.
    pub rust: String,
    /// Description.
    pub doc: String,
    /// Whether it must be present.
    pub required: bool,
    /// Type and limits.
    pub ty: Ty,
    /// RSA-OAEP encrypted on the wire.
    pub sensitive: bool,
    /// Where it was declared.
    pub loc: Loc,
}

/// A type with its limits.
#[derive(Debug)]
pub struct Ty {
    /// What it is.
    pub kind: TyKind,
    /// Its limits.
    pub limits: Limits,
}

/// The shape of a type.
#[derive(Debug)]
pub enum TyKind {
    /// Text.
    String,
    /// 64-bit integer.
    Integer,
    /// Boolean.
    Boolean,
    /// RFC 3339 text.
    DateTime,
    /// An object type.
    Struct(TypePath),
    /// An enum type.
    Enum(TypePath),
    /// A list.
    Array(Box<Ty>),
}

/// Where a generated type lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypePath {
    /// Crate-relative module path.
    pub module: Vec<String>,
    /// Rust name.
    pub name: String,
}

/// Documented limits; each applies only to the kind it makes sense for.
#[derive(Clone, Debug, Default)]
pub struct Limits {
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub pattern: Option<String>,
    pub minimum: Option<i64>,
    pub maximum: Option<i64>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
}

/// Who may call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    /// 直连商户.
    Merchant,
    /// 服务商.
    Partner,
}

/// A piece of a path template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathPart {
    /// Text as is.
    Literal(String),
    /// A parameter, by wire name.
    Param(String),
}

/// How the success body is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseKind {
    /// Signed JSON.
    Json,
    /// Signed, empty.
    Empty,
    /// Unsigned bytes.
    Download,
}

/// The success response.
#[derive(Debug)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Body kind.
    pub kind: ResponseKind,
    /// The JSON type (kind Json only).
    pub ty: Option<TypePath>,
}

/// A multipart upload.
#[derive(Debug)]
pub struct Upload {
    /// Accepted extensions, lower case.
    pub file_types: Vec<String>,
    /// Size limit in bytes.
    pub max_bytes: Option<u64>,
}

/// A documented error row.
#[derive(Clone, Debug)]
pub struct ErrorRow {
    pub status: u16,
    pub code: String,
    pub description: String,
    pub solution: String,
    pub retry: bool,
    /// The constant of the family's shared row this one is (`family::errors::PARAM_ERROR`),
    /// when the spec shares it.
    pub shared: Option<TypePath>,
}

/// An example call.
#[derive(Debug)]
pub struct Example {
    pub name: String,
    /// Path parameter values by wire name.
    pub path: Vec<(String, Value)>,
    /// Query parameter values by wire name.
    pub query: Vec<(String, Value)>,
    pub body: Option<Value>,
    pub response: Option<Value>,
    pub loc: Loc,
}

/// One operation.
#[derive(Debug)]
pub struct Operation {
    /// snake_case id, unique in the family.
    pub id: String,
    /// Rust module (last segment of `module_path`).
    pub module: String,
    /// Crate-relative path of the operation's module.
    pub module_path: Vec<String>,
    /// PascalCase prefix of its types.
    pub prefix: String,
    /// The request type (`UseCouponRequest`).
    pub request: String,
    /// The request's builder (`UseCouponRequestBuilder`).
    pub request_builder: String,
    pub title: String,
    pub doc: String,
    pub method: HttpMethod,
    /// Path template as documented.
    pub path: String,
    pub path_parts: Vec<PathPart>,
    pub doc_url: String,
    pub callers: Vec<Caller>,
    pub rate_limit: Option<RateLimit>,
    /// `deprecated:`: why callers should move off it; emitted as `#[deprecated]` on the builder.
    pub deprecated: Option<String>,
    pub idempotency_keys: Vec<String>,
    pub retry_safe: bool,
    pub path_params: Vec<Field>,
    pub query: Vec<Field>,
    /// The body struct (in the operation's module), when there is a JSON body.
    pub body: Option<TypePath>,
    pub upload: Option<Upload>,
    pub response: Response,
    pub errors: Vec<ErrorRow>,
    pub examples: Vec<Example>,
    /// Types of the operation's module: the body, an inline response, inline nested types.
    pub types: Vec<TypeDef>,
    pub loc: Loc,
}

impl Operation {
    /// How repeats and retries work for this operation, in one sentence without a final period
    /// (shared by the Rust docs and the reference pages).
    pub fn retry_summary(&self) -> String {
        const RETRIED: &str = "the client retries it on transport errors, 5xx and 429";
        if !self.idempotency_keys.is_empty() {
            let keys: Vec<String> = self
                .idempotency_keys
                .iter()
                .map(|k| format!("`{k}`"))
                .collect();
            format!(
                "Idempotent by {}: a repeat with the same value returns the first result, so {RETRIED}",
                keys.join(", ")
            )
        } else if self.retry_safe && self.method == HttpMethod::Get {
            format!("A read, safe to repeat: {RETRIED}")
        } else if self.retry_safe {
            format!("Safe to repeat (a second call changes nothing more): {RETRIED}")
        } else {
            "Not idempotent: the client never retries it".to_string()
        }
    }

    /// Whether any request field (a path or query parameter, or a body field, nested included)
    /// is sensitive.
    pub fn has_sensitive_fields(&self, api: &Api) -> bool {
        self.sensitive_params().next().is_some()
            || self
                .body
                .as_ref()
                .is_some_and(|b| api.struct_has_sensitive(b))
    }

    /// The path and query parameters sent encrypted (a query value then goes on the wire as
    /// percent-encoded Base64).
    pub fn sensitive_params(&self) -> impl Iterator<Item = &Field> {
        self.path_params
            .iter()
            .chain(&self.query)
            .filter(|f| f.sensitive)
    }

    /// Whether the JSON answer has a field WeChat Pay encrypts to the merchant's key (a
    /// `sensitive` field of the response type, nested included), which the client decrypts.
    pub fn has_sensitive_response(&self, api: &Api) -> bool {
        self.response.kind == ResponseKind::Json
            && self
                .response
                .ty
                .as_ref()
                .is_some_and(|t| api.struct_has_sensitive(t))
    }
}

/// One notification.
#[derive(Debug)]
pub struct Notification {
    pub id: String,
    pub module: String,
    /// Crate-relative path of the notification's module.
    pub module_path: Vec<String>,
    pub title: String,
    pub doc: String,
    pub doc_url: String,
    pub event_types: Vec<String>,
    pub original_type: String,
    /// A top-level field of the resource that tells this notification apart from another sent
    /// with the same event and original type (`combine_out_trade_no`).
    pub discriminator: Option<String>,
    /// The decrypted resource type.
    pub payload: TypePath,
    /// Inline types of its module.
    pub types: Vec<TypeDef>,
    pub example: Value,
    pub loc: Loc,
}

impl Api {
    /// A model of these families, indexed for lookups.
    pub fn new(families: Vec<Family>) -> Self {
        let mut api = Self {
            families,
            ..Self::default()
        };
        api.index();
        api
    }

    fn index(&mut self) {
        for (fi, f) in self.families.iter().enumerate() {
            let types_module = f.types_module();
            for (ti, t) in f.types.iter().enumerate() {
                self.slots
                    .insert(key(&types_module, t.name()), Slot::Family(fi, ti));
            }
            for (oi, o) in f.operations.iter().enumerate() {
                for (ti, t) in o.types.iter().enumerate() {
                    self.slots
                        .insert(key(&o.module_path, t.name()), Slot::Operation(fi, oi, ti));
                }
            }
            for (ni, n) in f.notifications.iter().enumerate() {
                for (ti, t) in n.types.iter().enumerate() {
                    self.slots.insert(
                        key(&n.module_path, t.name()),
                        Slot::Notification(fi, ni, ti),
                    );
                }
            }
        }
        // Request structs: every body, and what a body holds, until nothing changes.
        for f in &self.families {
            for o in &f.operations {
                if let Some(b) = &o.body {
                    self.bodies.insert(key(&b.module, &b.name));
                    self.in_requests.insert(key(&b.module, &b.name));
                }
            }
        }
        loop {
            let mut added = Vec::new();
            for (module, t) in self.all_types() {
                let TypeDef::Struct(s) = t else { continue };
                if !self.in_requests.contains(&key(&module, &s.name)) {
                    continue;
                }
                for f in &s.fields {
                    let mut ty = &f.ty;
                    while let TyKind::Array(item) = &ty.kind {
                        ty = item;
                    }
                    if let TyKind::Struct(p) = &ty.kind
                        && !self.in_requests.contains(&key(&p.module, &p.name))
                    {
                        added.push(key(&p.module, &p.name));
                    }
                }
            }
            if added.is_empty() {
                break;
            }
            self.in_requests.extend(added);
        }
        // Sensitive structs: those with a sensitive field, then, until nothing changes, those
        // holding one of them.
        loop {
            let mut added = Vec::new();
            for (module, t) in self.all_types() {
                let TypeDef::Struct(s) = t else { continue };
                let k = key(&module, &s.name);
                if !self.sensitive.contains(&k)
                    && s.fields
                        .iter()
                        .any(|f| f.sensitive || self.ty_is_sensitive(&f.ty))
                {
                    added.push(k);
                }
            }
            if added.is_empty() {
                break;
            }
            self.sensitive.extend(added);
        }
    }

    fn ty_is_sensitive(&self, ty: &Ty) -> bool {
        match &ty.kind {
            TyKind::Struct(p) => self.sensitive.contains(&key(&p.module, &p.name)),
            TyKind::Array(item) => self.ty_is_sensitive(item),
            _ => false,
        }
    }

    /// Finds a generated type by path.
    pub fn find(&self, path: &TypePath) -> Option<&TypeDef> {
        match *self.slots.get(&key(&path.module, &path.name))? {
            Slot::Family(f, t) => self.families[f].types.get(t),
            Slot::Operation(f, o, t) => self.families[f].operations[o].types.get(t),
            Slot::Notification(f, n, t) => self.families[f].notifications[n].types.get(t),
        }
    }

    /// Every type with the module it lives in.
    pub fn all_types(&self) -> impl Iterator<Item = (Vec<String>, &TypeDef)> {
        self.families.iter().flat_map(|f| {
            let types = f.types.iter().map(move |t| (f.types_module(), t));
            let ops = f
                .operations
                .iter()
                .flat_map(|o| o.types.iter().map(|t| (o.module_path.clone(), t)));
            let notes = f
                .notifications
                .iter()
                .flat_map(|n| n.types.iter().map(|t| (n.module_path.clone(), t)));
            types.chain(ops).chain(notes)
        })
    }

    /// Whether the struct at `path` gets a builder.
    pub fn builder_kind(&self, path: &TypePath) -> BuilderKind {
        let k = key(&path.module, &path.name);
        if self.bodies.contains(&k) {
            BuilderKind::None
        } else if self.in_requests.contains(&k) {
            BuilderKind::Always
        } else {
            BuilderKind::TestSupport
        }
    }

    /// The other cargo features a family feature enables: those of the families its families name
    /// types of (sorted, without itself).
    pub fn feature_requires(&self, feature: &str) -> Vec<String> {
        let mut out = std::collections::BTreeSet::new();
        for f in self.families.iter().filter(|f| f.feature == feature) {
            for used in &f.uses {
                if let Some(other) = self.families.iter().find(|o| &o.name == used)
                    && other.feature != feature
                {
                    out.insert(other.feature.clone());
                }
            }
        }
        out.into_iter().collect()
    }

    /// Every documented error code, in first-documented order, with the first row's meaning.
    pub fn error_codes(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for row in self
            .families
            .iter()
            .flat_map(|f| &f.operations)
            .flat_map(|o| &o.errors)
        {
            if !out.iter().any(|(c, _)| *c == row.code) {
                out.push((row.code.clone(), row.description.clone()));
            }
        }
        out
    }

    /// The one spec-wide open enum of error codes, with each code's Rust variant derived here
    /// (the lowering's clash check uses the same [`crate::naming::variant_name`]).
    pub fn error_code_enum(&self) -> EnumDef {
        EnumDef {
            name: ERROR_CODE_ENUM.into(),
            doc: "An error code WeChat Pay answers with; each operation's `META.errors` lists the ones it documents.".into(),
            values: self
                .error_codes()
                .into_iter()
                .map(|(code, doc)| EnumValue {
                    variant: crate::naming::variant_name(&code),
                    wire: code,
                    doc,
                })
                .collect(),
            catch_all: "Unknown".into(),
            loc: Loc::default(),
        }
    }

    /// The rule tables of this model's types.
    pub fn rules(&self) -> &crate::rules::Rules {
        &self.rules
    }

    /// Whether a struct has a sensitive field, directly or in a nested struct.
    pub fn struct_has_sensitive(&self, path: &TypePath) -> bool {
        self.sensitive.contains(&key(&path.module, &path.name))
    }

    /// Whether a struct with a sensitive field is sent in some request body, so the client
    /// encrypts it (answer types are decrypted through their rule table instead).
    pub fn struct_is_encrypted(&self, path: &TypePath) -> bool {
        self.struct_has_sensitive(path) && self.in_requests.contains(&key(&path.module, &path.name))
    }
}

/// `at most 4 characters`, `1 to 99`, `exactly 2 items`.
pub fn range_phrase(min: Option<i128>, max: Option<i128>, unit: &str) -> Option<String> {
    let unit = if unit.is_empty() {
        String::new()
    } else {
        format!(" {unit}")
    };
    match (min, max) {
        (Some(a), Some(b)) if a == b => Some(format!("exactly {a}{unit}")),
        (Some(a), Some(b)) => Some(format!("{a} to {b}{unit}")),
        (Some(a), None) => Some(format!("at least {a}{unit}")),
        (None, Some(b)) => Some(format!("at most {b}{unit}")),
        (None, None) => None,
    }
}

/// A resource the simulator keeps: what it is, how it is found, which operations create, read,
/// list and change it, and what each change records. Checked against the family's types, enums,
/// operations and error tables when the spec is lowered.
#[derive(Debug)]
pub struct Lifecycle {
    /// snake_case name, unique in the family.
    pub name: String,
    pub doc: String,
    /// The record, as the query operations answer it: an object type of the family.
    pub ty: TypePath,
    /// The field naming one resource (a request field of the same name finds it).
    pub key: String,
    /// Whether the key is kept beside the record rather than in it (no field of the type: a
    /// number the create answers and the query paths name).
    pub key_beside: bool,
    /// Other fields of the record that find one resource (`transaction_id`).
    pub also_by: Vec<String>,
    /// A path parameter naming whose resource it is (`openid`): kept beside the record, it
    /// scopes reads and lists.
    pub owner: Option<String>,
    /// The state field of the record, an enum.
    pub state: String,
    /// Every value of the state enum, in spec order.
    pub states: Vec<String>,
    /// The error code a request for an unknown resource gets.
    pub not_found: Option<String>,
    /// Request fields that, when sent, must equal a field of the record (request field, record path).
    pub matches: Vec<(String, Vec<String>)>,
    pub creates: Vec<Create>,
    /// Operations answering with the record.
    pub queries: Vec<String>,
    pub list: Option<List>,
    pub transitions: Vec<Transition>,
    pub loc: Loc,
}

impl Lifecycle {
    /// The state field's path from the record root (`trade_state`, or `sub_orders.trade_state`
    /// for a state every element of an array holds).
    pub fn state_path(&self) -> Vec<String> {
        self.state.split('.').map(str::to_string).collect()
    }

    /// The create no operation makes (the control API's), if the lifecycle has one.
    pub fn control_create(&self) -> Option<&Create> {
        self.creates.iter().find(|c| c.operation.is_none())
    }

    /// Every operation id (within the family) this lifecycle serves.
    pub fn operations(&self) -> impl Iterator<Item = &str> {
        self.creates
            .iter()
            .filter_map(|c| c.operation.as_deref())
            .chain(self.queries.iter().map(String::as_str))
            .chain(self.list.iter().map(|l| l.operation.as_str()))
            .chain(
                self.transitions
                    .iter()
                    .filter_map(|t| t.operation.as_deref()),
            )
    }
}

/// An operation creating a resource, or a control create: what the simulated user does to make
/// one (no `operation`), served as `POST /_sim/<family>/<lifecycle>/create`.
#[derive(Debug)]
pub struct Create {
    /// The operation that makes it; `None` for a control create (at most one per lifecycle).
    pub operation: Option<String>,
    /// What a control create makes (for the control API's listing); may be empty.
    pub doc: String,
    /// Body fields a control create must be given (each a non-empty string).
    pub needs: Vec<String>,
    /// The callback a control create sends.
    pub notify: Option<Notify>,
    /// The state a new resource starts in.
    pub state: String,
    /// The body member whose fields become the record's (default: the body itself).
    pub copy: Option<String>,
    /// Record fields set at creation.
    pub records: Vec<Recorded>,
    /// Answer fields that are not the record's fields of the same name.
    pub answer: Vec<Recorded>,
    /// Request fields that, with the idempotency keys, make a request number unique.
    pub replay_scope: Vec<String>,
}

/// A change of state.
#[derive(Debug)]
pub struct Transition {
    /// snake_case name, unique in the lifecycle.
    pub name: String,
    /// What the change is (for the control API's listing); may be empty.
    pub doc: String,
    /// The operation that makes it; `None` for what the simulated user or reviewer does, which
    /// the simulator serves as the control route `POST /_sim/<family>/<lifecycle>/{key}/<name>`.
    pub operation: Option<String>,
    /// Whether the control API serves it (no `operation`, and not `control: false`).
    pub control: bool,
    /// Body fields a control transition must be given (each a non-empty string).
    pub needs: Vec<String>,
    /// The callback the change sends.
    pub notify: Option<Notify>,
    pub from: Vec<String>,
    pub to: String,
    pub records: Vec<Recorded>,
    /// Record paths removed by the change.
    pub clears: Vec<Vec<String>>,
    pub answer: Vec<Recorded>,
    /// The error code when the resource is in a state not in `from` (default `INVALID_REQUEST`).
    pub refused: Option<String>,
    /// The error code in particular states, overriding `refused`.
    pub refused_in: Vec<(String, String)>,
    pub replay_scope: Vec<String>,
}

/// The callback a change sends: a notification of the family and one of its event types.
#[derive(Clone, Debug, PartialEq)]
pub struct Notify {
    /// The notification's id in the family, or `family.id` for another family's.
    pub notification: String,
    pub event_type: String,
}

/// A value a change writes into the record or its answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    /// Path of the field from the record (or answer) root.
    pub field: Vec<String>,
    pub source: Source,
}

/// Where a recorded value comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// The time of the change.
    Now,
    /// A fixed value (`=RUNNING`, `=0`).
    Literal(Value),
    /// A request field (path, query or body; a dotted path into the body).
    Request(Vec<String>),
}

/// The list operation of a resource.
#[derive(Debug)]
pub struct List {
    pub operation: String,
    /// The response field holding the page.
    pub items: String,
    pub paging: Paging,
    pub page_size: u64,
    /// Query parameter, and the record path it must equal when given.
    pub filters: Vec<(String, Vec<String>)>,
}

/// How a list operation pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paging {
    /// `offset` (items to skip) and `limit`; the answer repeats both with `total_count`.
    Offset,
    /// `offset` (a page number) and `limit`.
    PageNumber,
    /// `page_token` and `page_size`; the answer has `next_page_token` while more remain.
    PageToken,
}
