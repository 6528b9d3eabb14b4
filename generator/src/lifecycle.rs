//! Lowers `lifecycles:` of a family.yaml into [`Lifecycle`]s, checking every name against the
//! family itself: the record type and its fields, the state enum's values, the operations, their
//! request and response fields and their error tables. A lifecycle that names something the spec
//! does not have is a `file:line: key: rule` problem, like any other spec mistake.
//!
//! A transition without `operation:` is what the simulated user, reviewer or bank does; the
//! simulator serves it as a control route, its body's fields recorded like request fields. A
//! transition's `notify:` names a notification of the family, the callback the change sends.

use std::collections::BTreeMap;
use std::path::Path;

use crate::diag::Diagnostics;
use crate::load::{FAMILY_FILE, LoadedFamily};
use crate::model::*;
use crate::spec::{CreateDecl, LifecycleDecl, ListDecl, Sp, TransitionDecl};

/// The lifecycles of `family` (lowered as `lowered`); `all` is every lowered family, whose types
/// a record may hold. Problems go to `diags`.
pub fn lower(
    family: &LoadedFamily,
    lowered: &Family,
    all: &[Family],
    diags: &mut Diagnostics,
) -> Vec<Lifecycle> {
    let (types, operations, notifications) =
        (&lowered.types, &lowered.operations, &lowered.notifications);
    let types_module: Vec<String> = family
        .decl
        .value
        .module
        .value
        .split("::")
        .map(str::to_string)
        .chain(["types".to_string()])
        .collect();
    let mut out = Vec::new();
    // Which lifecycle serves each operation: an operation serves one.
    let mut served: BTreeMap<String, (String, u64)> = BTreeMap::new();
    for file in &family.files {
        let Some(decls) = &file.spec.lifecycles else {
            continue;
        };
        if file.path.file_name().is_none_or(|n| n != FAMILY_FILE) {
            let line = decls.keys().next().map_or(1, |k| k.referenced.line());
            diags.push(
                &file.path,
                line,
                "lifecycles",
                "`lifecycles:` belongs in family.yaml only",
            );
            continue;
        }
        for (name, decl) in decls {
            let mut cx = Cx {
                file: &file.path,
                diags,
                types,
                operations,
                all,
                notifications,
                types_module: &types_module,
                family: &family.decl.value.name.value,
                key: format!("lifecycles.{}", name.value),
            };
            if let Some(l) = cx.lifecycle(name, decl) {
                for op in l.operations() {
                    if let Some((other, line)) = served.get(op) {
                        cx.err(
                            name.referenced.line(),
                            "",
                            format!(
                                "operation `{op}` already belongs to lifecycle `{other}` ({}:{line}); an operation serves one lifecycle",
                                file.path.display()
                            ),
                        );
                    }
                    served.insert(op.to_string(), (l.name.clone(), l.loc.line));
                }
                out.push(l);
            }
        }
    }
    out
}

struct Cx<'a> {
    file: &'a Path,
    diags: &'a mut Diagnostics,
    types: &'a [TypeDef],
    operations: &'a [Operation],
    /// Every family, for the types of others a record holds.
    all: &'a [Family],
    notifications: &'a [Notification],
    types_module: &'a [String],
    family: &'a str,
    /// `lifecycles.<name>`: the prefix of every key reported.
    key: String,
}

/// A path written `a.b.c`.
fn path_of(text: &str) -> Vec<String> {
    text.split('.').map(str::to_string).collect()
}

impl<'a> Cx<'a> {
    fn err(&mut self, line: u64, key: &str, message: impl Into<String>) {
        let key = if key.is_empty() {
            self.key.clone()
        } else {
            format!("{}.{key}", self.key)
        };
        self.diags.push(self.file, line, key, message);
    }

    /// The types of the module `module`: the family's named types, an operation's own, or the
    /// named types of another family.
    fn pool(&self, module: &[String]) -> &'a [TypeDef] {
        if module == self.types_module {
            return self.types;
        }
        if let Some(o) = self.operations.iter().find(|o| o.module_path == module) {
            return &o.types;
        }
        self.all
            .iter()
            .find(|f| f.types_module() == module)
            .map_or(&[], |f| f.types.as_slice())
    }

    fn find_struct(&self, path: &TypePath) -> Option<&'a StructDef> {
        self.pool(&path.module).iter().find_map(|t| match t {
            TypeDef::Struct(s) if s.name == path.name => Some(s),
            _ => None,
        })
    }

    fn find_enum(&self, path: &TypePath) -> Option<&'a EnumDef> {
        self.pool(&path.module).iter().find_map(|t| match t {
            TypeDef::Enum(e) if e.name == path.name => Some(e),
            _ => None,
        })
    }

    /// The field at `path` under `root`, or why there is none.
    fn field(&self, root: &'a StructDef, path: &[String]) -> Result<&'a Field, String> {
        let mut current = root;
        for (i, name) in path.iter().enumerate() {
            let field = current
                .fields
                .iter()
                .find(|f| &f.wire == name)
                .ok_or_else(|| format!("`{name}` is not a field of `{}`", current.name))?;
            if i + 1 == path.len() {
                return Ok(field);
            }
            // Through an array of objects, the path names a field of every element.
            current = match &field.ty.kind {
                TyKind::Struct(p) => self.find_struct(p),
                TyKind::Array(item) => match &item.kind {
                    TyKind::Struct(p) => self.find_struct(p),
                    _ => None,
                },
                _ => None,
            }
            .ok_or_else(|| format!("`{name}` of `{}` is not an object", current.name))?;
        }
        Err("an empty field path".to_string())
    }

    fn operation(&mut self, id: &Sp<String>, key: &str) -> Option<&'a Operation> {
        let found = self.operations.iter().find(|o| o.id == id.value);
        if found.is_none() {
            let mut ids: Vec<&str> = self.operations.iter().map(|o| o.id.as_str()).collect();
            ids.sort_by_key(|other| naming_distance(other, &id.value));
            ids.truncate(3);
            self.err(
                id.referenced.line(),
                key,
                format!(
                    "`{}` is not an operation of family `{}` (closest: {})",
                    id.value,
                    self.family,
                    ids.join(", ")
                ),
            );
        }
        found
    }

    fn state_value(&mut self, states: &[String], enum_name: &str, value: &Sp<String>, key: &str) {
        if !states.contains(&value.value) {
            self.err(
                value.referenced.line(),
                key,
                format!(
                    "`{}` is not a value of `{enum_name}` ({})",
                    value.value,
                    states.join(", ")
                ),
            );
        }
    }

    fn lifecycle(&mut self, name: &Sp<String>, decl: &Sp<LifecycleDecl>) -> Option<Lifecycle> {
        let d = &decl.value;
        let before = self.diags.0.len();
        if !crate::naming::is_snake_case_word(&name.value) {
            self.err(
                name.referenced.line(),
                "",
                format!("`{}` must be snake_case", name.value),
            );
        }
        let ty = TypePath {
            module: self.types_module.to_vec(),
            name: d.ty.value.clone(),
        };
        let Some(record) = self.find_struct(&ty) else {
            self.err(
                d.ty.referenced.line(),
                "type",
                format!("`{}` is not an object type of this family", d.ty.value),
            );
            return None;
        };
        let key_beside = d.key_beside.as_ref().is_some_and(|b| b.value);
        let keys_in_record = (!key_beside).then_some(&d.key);
        if key_beside && self.field(record, &path_of(&d.key.value)).is_ok() {
            self.err(
                d.key.referenced.line(),
                "key_beside",
                format!(
                    "`{}` is a field of `{}`: the key is kept in the record",
                    d.key.value, record.name
                ),
            );
        }
        for field in keys_in_record.into_iter().chain(&d.also_by) {
            if let Err(e) = self.field(record, &path_of(&field.value)) {
                let key = if !key_beside && std::ptr::eq(field, &d.key) {
                    "key"
                } else {
                    "also_by"
                };
                self.err(field.referenced.line(), key, e);
            }
        }
        let (enum_name, states) = match self.field(record, &path_of(&d.state.value)) {
            Ok(Field {
                ty:
                    Ty {
                        kind: TyKind::Enum(p),
                        ..
                    },
                ..
            }) => match self.find_enum(p) {
                Some(e) => (
                    e.name.clone(),
                    e.values.iter().map(|v| v.wire.clone()).collect::<Vec<_>>(),
                ),
                None => (p.name.clone(), Vec::new()),
            },
            Ok(_) => {
                self.err(
                    d.state.referenced.line(),
                    "state",
                    format!("`{}` of `{}` is not an enum", d.state.value, record.name),
                );
                return None;
            }
            Err(e) => {
                self.err(d.state.referenced.line(), "state", e);
                return None;
            }
        };
        let mut matches = Vec::new();
        for (request, field) in &d.matches {
            let path = path_of(&field.value);
            if let Err(e) = self.field(record, &path) {
                self.err(
                    field.referenced.line(),
                    &format!("match.{}", request.value),
                    e,
                );
            }
            matches.push((request.value.clone(), path));
        }
        let creates: Vec<Create> = d
            .create
            .iter()
            .enumerate()
            .filter_map(|(i, c)| self.create(record, &states, &enum_name, c, i))
            .collect();
        let controls: Vec<&Sp<CreateDecl>> = d
            .create
            .iter()
            .filter(|c| c.value.operation.is_none())
            .collect();
        if let Some(second) = controls.get(1) {
            self.err(
                second.referenced.line(),
                "create",
                "a lifecycle has at most one control create (no `operation`): its route `POST /_sim/<family>/<lifecycle>/create` names no other",
            );
        }
        if let (Some(_), Some((t, _))) = (
            controls.first(),
            d.transitions.iter().find(|(t, _)| t.value == "create"),
        ) {
            self.err(
                t.referenced.line(),
                "transitions.create",
                "`create` names the lifecycle's control create (its hand-written rule is `<family>.<lifecycle>.create`): give the transition another name",
            );
        }
        let mut queries = Vec::new();
        for (i, q) in d.query.iter().enumerate() {
            if let Some(op) = self.operation(q, &format!("query[{i}]")) {
                // A key kept beside the record is found only by the path that names it.
                if key_beside && !op.path_params.iter().any(|p| p.wire == d.key.value) {
                    self.err(
                        q.referenced.line(),
                        &format!("query[{i}]"),
                        format!(
                            "`{}` has no path parameter `{}`, the key kept beside the record",
                            op.id, d.key.value
                        ),
                    );
                }
                if op.response.ty.as_ref() != Some(&ty) {
                    self.err(
                        q.referenced.line(),
                        &format!("query[{i}]"),
                        format!("`{}` does not answer with `{}`", op.id, record.name),
                    );
                }
                queries.push(op.id.clone());
            }
        }
        let list = d.list.as_ref().and_then(|l| self.list(record, &ty, l));
        let mut transitions = Vec::new();
        for (tname, t) in &d.transitions {
            if let Some(t) = self.transition(record, &states, &enum_name, tname, t) {
                transitions.push(t);
            }
        }
        if self.diags.0.len() > before {
            return None;
        }
        Some(Lifecycle {
            name: name.value.clone(),
            doc: d.doc.value.trim().to_string(),
            ty,
            key: d.key.value.clone(),
            key_beside,
            also_by: d.also_by.iter().map(|f| f.value.clone()).collect(),
            owner: d.owner.as_ref().map(|o| o.value.clone()),
            state: d.state.value.clone(),
            states,
            not_found: d.not_found.as_ref().map(|n| n.value.clone()),
            matches,
            creates,
            queries,
            list,
            transitions,
            loc: Loc {
                file: self.file.to_path_buf(),
                line: name.referenced.line(),
            },
        })
    }

    /// `records:` or `answer:` of a change: each field exists under `root`, each source is `now`,
    /// a `=literal` (a state value where the field is the state enum) or a request field of `op`.
    fn recorded(
        &mut self,
        root: Option<&'a StructDef>,
        op: Option<&'a Operation>,
        decls: &indexmap::IndexMap<Sp<String>, Sp<String>>,
        key: &str,
    ) -> Vec<Recorded> {
        let mut out = Vec::new();
        for (field, source) in decls {
            let fkey = format!("{key}.{}", field.value);
            let path = path_of(&field.value);
            let target = match root.map(|r| self.field(r, &path)) {
                Some(Ok(f)) => Some(f),
                Some(Err(e)) => {
                    self.err(field.referenced.line(), &fkey, e);
                    None
                }
                None => None,
            };
            let source = if source.value == "now" {
                Source::Now
            } else if let Some(text) = source.value.strip_prefix('=') {
                let value = serde_json::from_str(text)
                    .unwrap_or_else(|_| serde_json::Value::String(text.to_string()));
                if let (Some(Field { ty, .. }), Some(text)) = (target, value.as_str())
                    && let TyKind::Enum(p) = &ty.kind
                    && let Some(e) = self.find_enum(p)
                    && !e.values.iter().any(|v| v.wire == text)
                {
                    let values: Vec<&str> = e.values.iter().map(|v| v.wire.as_str()).collect();
                    self.err(
                        source.referenced.line(),
                        &fkey,
                        format!(
                            "`{text}` is not a value of `{}` ({})",
                            e.name,
                            values.join(", ")
                        ),
                    );
                }
                Source::Literal(value)
            } else {
                let path = path_of(&source.value);
                // A change no operation makes records from the control call's body, whose
                // fields are its own to name.
                if let Some(op) = op
                    && let Err(e) = self.request_field(op, &path)
                {
                    self.err(source.referenced.line(), &fkey, e);
                }
                Source::Request(path)
            };
            out.push(Recorded {
                field: path,
                source,
            });
        }
        out
    }

    /// A path, query or body field of `op` (dotted into the body).
    fn request_field(&self, op: &'a Operation, path: &[String]) -> Result<(), String> {
        let first = path.first().map(String::as_str).unwrap_or_default();
        if path.len() == 1
            && op
                .path_params
                .iter()
                .chain(&op.query)
                .any(|f| f.wire == first)
        {
            return Ok(());
        }
        match op.body.as_ref().and_then(|b| self.find_struct(b)) {
            Some(body) => self
                .field(body, path)
                .map(|_| ())
                .map_err(|_| format!("`{}` is not a request field of `{}`", path.join("."), op.id)),
            None => Err(format!(
                "`{}` is not a request field of `{}`",
                path.join("."),
                op.id
            )),
        }
    }

    fn response_struct(&self, op: &Operation) -> Option<&'a StructDef> {
        op.response.ty.as_ref().and_then(|t| self.find_struct(t))
    }

    fn replay_scope(&mut self, op: &'a Operation, scope: &[Sp<String>], key: &str) -> Vec<String> {
        if !scope.is_empty() && op.idempotency_keys.is_empty() {
            self.err(
                scope[0].referenced.line(),
                key,
                format!("`{}` has no `idempotency_keys` to scope", op.id),
            );
        }
        for s in scope {
            if let Err(e) = self.request_field(op, &path_of(&s.value)) {
                self.err(s.referenced.line(), key, e);
            }
        }
        scope.iter().map(|s| s.value.clone()).collect()
    }

    fn create(
        &mut self,
        record: &'a StructDef,
        states: &[String],
        enum_name: &str,
        decl: &Sp<CreateDecl>,
        i: usize,
    ) -> Option<Create> {
        let c = &decl.value;
        let key = format!("create[{i}]");
        let op = match &c.operation {
            Some(id) => Some(self.operation(id, &format!("{key}.operation"))?),
            None => None,
        };
        self.state_value(states, enum_name, &c.state, &format!("{key}.state"));
        if let (Some(op), Some(copy)) = (op, &c.copy)
            && let Err(e) = self.request_field(op, &path_of(&copy.value))
        {
            self.err(copy.referenced.line(), &format!("{key}.copy"), e);
        }
        let records = self.recorded(Some(record), op, &c.records, &format!("{key}.records"));
        let (answer, replay_scope) = match op {
            Some(op) => (
                self.recorded(
                    self.response_struct(op),
                    Some(op),
                    &c.answer,
                    &format!("{key}.answer"),
                ),
                self.replay_scope(op, &c.replay_scope, &format!("{key}.replay_scope")),
            ),
            None => {
                // A control create answers the control API with the record, and is no request
                // WeChat Pay numbers: nothing to answer otherwise, no request number to scope.
                let stray = [
                    ("answer", c.answer.keys().next()),
                    ("replay_scope", c.replay_scope.first()),
                ];
                for (field, first) in stray {
                    if let Some(first) = first {
                        self.err(
                            first.referenced.line(),
                            &format!("{key}.{field}"),
                            format!("`{field}` is for a create an operation makes; a control create answers with the record"),
                        );
                    }
                }
                (Vec::new(), Vec::new())
            }
        };
        if let Some(op) = op {
            let stray = [
                ("needs", c.needs.first().map(|n| n.referenced.line())),
                ("notify", c.notify.as_ref().map(|n| n.referenced.line())),
                (
                    "event_type",
                    c.event_type.as_ref().map(|n| n.referenced.line()),
                ),
                ("doc", c.doc.as_ref().map(|n| n.referenced.line())),
            ];
            for (field, line) in stray {
                if let Some(line) = line {
                    self.err(
                        line,
                        &format!("{key}.{field}"),
                        format!(
                            "`{field}` is for a control create (no `operation`); `{}` says what its request needs and answers",
                            op.id
                        ),
                    );
                }
            }
        }
        let notify = match (op, &c.notify) {
            (None, Some(n)) => self.notify(n, c.event_type.as_ref(), &c.state.value, &key),
            (None, None) => {
                if let Some(e) = &c.event_type {
                    self.err(
                        e.referenced.line(),
                        &format!("{key}.event_type"),
                        "`event_type` chooses among the event types of `notify`, which is not given",
                    );
                }
                None
            }
            _ => None,
        };
        Some(Create {
            operation: op.map(|o| o.id.clone()),
            doc: c
                .doc
                .as_ref()
                .map_or(String::new(), |d| d.value.trim().to_string()),
            needs: c.needs.iter().map(|n| n.value.clone()).collect(),
            notify,
            state: c.state.value.clone(),
            copy: c.copy.as_ref().map(|c| c.value.clone()),
            records,
            answer,
            replay_scope,
        })
    }

    fn list(&mut self, record: &'a StructDef, ty: &TypePath, decl: &Sp<ListDecl>) -> Option<List> {
        let l = &decl.value;
        let op = self.operation(&l.operation, "list.operation")?;
        let paging = match l.paging.value.as_str() {
            "offset" => Paging::Offset,
            "page_number" => Paging::PageNumber,
            "page_token" => Paging::PageToken,
            other => {
                self.err(
                    l.paging.referenced.line(),
                    "list.paging",
                    format!("`{other}` is not `offset`, `page_number` or `page_token`"),
                );
                return None;
            }
        };
        let params: &[&str] = match paging {
            Paging::Offset | Paging::PageNumber => &["offset", "limit"],
            Paging::PageToken => &["page_token", "page_size"],
        };
        for p in params {
            if !op.query.iter().any(|q| q.wire == *p) {
                self.err(
                    l.paging.referenced.line(),
                    "list.paging",
                    format!("`{}` has no query parameter `{p}`", op.id),
                );
            }
        }
        let items_ok = self
            .response_struct(op)
            .and_then(|r| r.fields.iter().find(|f| f.wire == l.items.value))
            .is_some_and(|f| {
                matches!(&f.ty.kind, TyKind::Array(item) if matches!(&item.kind, TyKind::Struct(p) if p == ty))
            });
        if !items_ok {
            self.err(
                l.items.referenced.line(),
                "list.items",
                format!(
                    "the answer of `{}` has no array of `{}` named `{}`",
                    op.id, record.name, l.items.value
                ),
            );
        }
        let mut filters = Vec::new();
        for (param, field) in &l.filters {
            let fkey = format!("list.filters.{}", param.value);
            if !op.query.iter().any(|q| q.wire == param.value) {
                self.err(
                    param.referenced.line(),
                    &fkey,
                    format!("`{}` has no query parameter `{}`", op.id, param.value),
                );
            }
            let path = path_of(&field.value);
            if let Err(e) = self.field(record, &path) {
                self.err(field.referenced.line(), &fkey, e);
            }
            filters.push((param.value.clone(), path));
        }
        Some(List {
            operation: op.id.clone(),
            items: l.items.value.clone(),
            paging,
            page_size: l.page_size.as_ref().map_or(10, |p| p.value),
            filters,
        })
    }

    fn transition(
        &mut self,
        record: &'a StructDef,
        states: &[String],
        enum_name: &str,
        name: &Sp<String>,
        decl: &Sp<TransitionDecl>,
    ) -> Option<Transition> {
        let t = &decl.value;
        let key = format!("transitions.{}", name.value);
        if !crate::naming::is_snake_case_word(&name.value) {
            self.err(
                name.referenced.line(),
                &key,
                format!("`{}` must be snake_case", name.value),
            );
        }
        let op = match &t.operation {
            Some(id) => Some(self.operation(id, &format!("{key}.operation"))?),
            None => None,
        };
        for s in &t.from.value {
            self.state_value(states, enum_name, s, &format!("{key}.from"));
        }
        self.state_value(states, enum_name, &t.to, &format!("{key}.to"));
        let records = self.recorded(Some(record), op, &t.records, &format!("{key}.records"));
        let mut clears = Vec::new();
        for c in &t.clears {
            let path = path_of(&c.value);
            if let Err(e) = self.field(record, &path) {
                self.err(c.referenced.line(), &format!("{key}.clears"), e);
            }
            clears.push(path);
        }
        let answer = match op {
            Some(op) => self.recorded(
                self.response_struct(op),
                Some(op),
                &t.answer,
                &format!("{key}.answer"),
            ),
            None => Vec::new(),
        };
        let mut codes: Vec<&Sp<String>> = t.refused.iter().collect();
        let mut refused_in = Vec::new();
        for (state, code) in &t.refused_in {
            self.state_value(states, enum_name, state, &format!("{key}.refused_in"));
            codes.push(code);
            refused_in.push((state.value.clone(), code.value.clone()));
        }
        if let Some(op) = op {
            for code in codes {
                if !op.errors.iter().any(|e| e.code == code.value) {
                    self.err(
                        code.referenced.line(),
                        &format!("{key}.refused"),
                        format!("`{}` is not in the error table of `{}`", code.value, op.id),
                    );
                }
            }
        }
        let replay_scope = match op {
            Some(op) => self.replay_scope(op, &t.replay_scope, &format!("{key}.replay_scope")),
            None => Vec::new(),
        };
        if let (Some(op), Some(c)) = (op, &t.control) {
            self.err(
                c.referenced.line(),
                &format!("{key}.control"),
                format!(
                    "`control` is for a change no operation makes, and `{}` makes this one",
                    op.id
                ),
            );
        }
        if let (Some(op), Some(first)) = (op, t.needs.first()) {
            self.err(
                first.referenced.line(),
                &format!("{key}.needs"),
                format!(
                    "`needs` is for a change no operation makes; `{}`'s own rules say what its request needs",
                    op.id
                ),
            );
        }
        let notify = t
            .notify
            .as_ref()
            .and_then(|n| self.notify(n, t.event_type.as_ref(), &t.to.value, &key));
        if let (None, Some(e)) = (&t.notify, &t.event_type) {
            self.err(
                e.referenced.line(),
                &format!("{key}.event_type"),
                "`event_type` chooses among the event types of `notify`, which is not given",
            );
        }
        Some(Transition {
            name: name.value.clone(),
            doc: t
                .doc
                .as_ref()
                .map_or(String::new(), |d| d.value.trim().to_string()),
            operation: op.map(|o| o.id.clone()),
            control: op.is_none() && t.control.as_ref().is_none_or(|c| c.value),
            needs: t.needs.iter().map(|n| n.value.clone()).collect(),
            notify,
            from: t.from.value.iter().map(|s| s.value.clone()).collect(),
            to: t.to.value.clone(),
            records,
            clears,
            answer,
            refused: t.refused.as_ref().map(|r| r.value.clone()),
            refused_in,
            replay_scope,
        })
    }
}

impl Cx<'_> {
    /// `notify:` of a transition to `to`: a notification of the family (or `family.id` of
    /// another), and its event type (the
    /// only one, the one ending in `.<to>`, or the one `event_type:` names).
    fn notify(
        &mut self,
        id: &Sp<String>,
        event_type: Option<&Sp<String>>,
        to: &str,
        key: &str,
    ) -> Option<Notify> {
        // `family.notification`: a twin's callback, sent with the same event and original type
        // (one notification for both, as the notification entry point needs).
        let (pool, family, short) = match id.value.split_once('.') {
            Some((f, short)) => match self.all.iter().find(|x| x.name == f) {
                Some(other) => (&other.notifications[..], f, short),
                None => {
                    self.err(
                        id.referenced.line(),
                        &format!("{key}.notify"),
                        format!("`{}` names no family `{f}`", id.value),
                    );
                    return None;
                }
            },
            None => (self.notifications, self.family, id.value.as_str()),
        };
        let Some(n) = pool.iter().find(|n| n.id == short) else {
            let mut ids: Vec<&str> = pool.iter().map(|n| n.id.as_str()).collect();
            ids.sort_by_key(|other| naming_distance(other, short));
            ids.truncate(3);
            let closest = if ids.is_empty() {
                "it has none".to_string()
            } else {
                format!("closest: {}", ids.join(", "))
            };
            self.err(
                id.referenced.line(),
                &format!("{key}.notify"),
                format!("`{short}` is not a notification of family `{family}` ({closest})"),
            );
            return None;
        };
        let suffix = format!(".{to}");
        let chosen = match event_type {
            Some(e) if n.event_types.contains(&e.value) => Some(e.value.clone()),
            Some(e) => {
                self.err(
                    e.referenced.line(),
                    &format!("{key}.event_type"),
                    format!(
                        "`{}` is not an event type of `{}` ({})",
                        e.value,
                        n.id,
                        n.event_types.join(", ")
                    ),
                );
                return None;
            }
            None if n.event_types.len() == 1 => n.event_types.first().cloned(),
            None => n.event_types.iter().find(|e| e.ends_with(&suffix)).cloned(),
        };
        let Some(event_type) = chosen else {
            self.err(
                id.referenced.line(),
                &format!("{key}.notify"),
                format!(
                    "`{}` has several event types ({}) and none ends in `{suffix}`: choose one with `event_type`",
                    n.id,
                    n.event_types.join(", ")
                ),
            );
            return None;
        };
        Some(Notify {
            notification: id.value.clone(),
            event_type,
        })
    }
}

/// Levenshtein distance, to name the closest operation ids of a misspelt one.
pub fn naming_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
