//! Turns parsed spec files into the [`Api`] model: checks structure, resolves type names, chooses
//! Rust names and rejects every collision, naming both places.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::diag::Diagnostics;
use crate::load::LoadedFamily;
use crate::model::*;
use crate::naming;
use crate::spec::{FieldDecl, Fields, Sp, TypeDecl};

/// Names a request builder defines itself; a parameter or body field may not take them.
const RESERVED_SETTERS: &[&str] = &["build", "body", "file"];

/// Lowers every family; returns every problem found when there is one.
pub fn lower(families: &[LoadedFamily]) -> Result<Api, Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut families_out = Vec::new();
    let mut modules: BTreeMap<Vec<String>, Loc> = BTreeMap::new();
    for family in families {
        if let Some(f) = lower_family(family, &mut diags) {
            let loc = Loc {
                file: family.family_file.clone(),
                line: family.decl.value.module.referenced.line(),
            };
            for (other, prev) in &modules {
                if other == &f.module {
                    diags.push(
                        &loc.file,
                        loc.line,
                        "family.module",
                        format!(
                            "module `{}` is already the module of the family in {}:{}",
                            f.module.join("::"),
                            prev.file.display(),
                            prev.line
                        ),
                    );
                } else if other.starts_with(&f.module) || f.module.starts_with(other) {
                    diags.push(&loc.file, loc.line, "family.module", format!(
                        "module `{}` nests with the family module `{}` ({}:{}); family modules may not contain each other",
                        f.module.join("::"), other.join("::"), prev.file.display(), prev.line
                    ));
                }
            }
            modules.insert(f.module.clone(), loc);
            families_out.push(f);
        }
    }
    if !diags.is_empty() {
        return Err(diags.sorted());
    }
    families_out.sort_by(|a, b| a.module.cmp(&b.module));
    Ok(Api::new(families_out))
}

/// Named types of a family, known before any field is lowered.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NamedKind {
    Struct,
    Enum,
}

/// The types of one Rust module, and the names already taken in it.
struct Scope {
    module: Vec<String>,
    names: BTreeMap<String, Loc>,
    types: Vec<TypeDef>,
}

impl Scope {
    fn new(module: Vec<String>) -> Self {
        Self {
            module,
            names: BTreeMap::new(),
            types: Vec::new(),
        }
    }

    /// Takes `name` (and `nameBuilder`); reports a collision with what took it first.
    fn claim(&mut self, name: &str, loc: &Loc, key: &str, diags: &mut Diagnostics) -> bool {
        for taken in [name.to_string(), format!("{name}Builder")] {
            if let Some(prev) = self.names.get(&taken) {
                diags.push(&loc.file, loc.line, key, format!(
                    "type name `{taken}` in module `{}` is already used by {}:{}; give one of them another name with `name:`",
                    self.module.join("::"), prev.file.display(), prev.line
                ));
                return false;
            }
        }
        self.names.insert(name.to_string(), loc.clone());
        self.names.insert(format!("{name}Builder"), loc.clone());
        true
    }

    fn path(&self, name: &str) -> TypePath {
        TypePath {
            module: self.module.clone(),
            name: name.to_string(),
        }
    }
}

/// What lowering a file needs to know.
struct Cx<'a> {
    file: &'a Path,
    diags: &'a mut Diagnostics,
    named: &'a BTreeMap<String, (NamedKind, Loc)>,
    types_module: &'a [String],
    /// The family's `common_errors:`, lowered.
    common_errors: &'a [ErrorRow],
}

impl Cx<'_> {
    fn loc(&self, line: u64) -> Loc {
        Loc {
            file: self.file.to_path_buf(),
            line,
        }
    }

    fn err(&mut self, line: u64, key: &str, message: impl Into<String>) {
        self.diags.push(self.file, line, key, message);
    }
}

fn lower_family(family: &LoadedFamily, diags: &mut Diagnostics) -> Option<Family> {
    let decl = &family.decl.value;
    let ffile = family.family_file.as_path();
    let before = diags.0.len();
    if !naming::is_snake_case(&decl.name.value) {
        diags.push(
            ffile,
            decl.name.referenced.line(),
            "family.name",
            format!("`{}` must be snake_case", decl.name.value),
        );
    }
    let module: Vec<String> = decl.module.value.split("::").map(str::to_string).collect();
    if let Some(bad) = module.iter().find(|s| !naming::is_snake_case(s)) {
        diags.push(
            ffile,
            decl.module.referenced.line(),
            "family.module",
            format!(
                "segment `{bad}` of `{}` must be a snake_case Rust identifier",
                decl.module.value
            ),
        );
    }
    let feature_ok = !decl.feature.value.is_empty()
        && decl
            .feature
            .value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !matches!(
            decl.feature.value.as_str(),
            "default" | "client" | "blocking" | "full"
        );
    if !feature_ok {
        diags.push(ffile, decl.feature.referenced.line(), "family.feature", format!(
            "`{}` must be lower-case letters, digits and `-`, and not `default`, `client`, `blocking` or `full`",
            decl.feature.value
        ));
    }

    // Pass 1: every named type's name and kind, so fields can refer to types declared later.
    let mut named: BTreeMap<String, (NamedKind, Loc)> = BTreeMap::new();
    for file in &family.files {
        for (name, t) in file.spec.types.iter().flatten() {
            let loc = Loc {
                file: file.path.clone(),
                line: name.referenced.line(),
            };
            let key = format!("types.{}", name.value);
            if !naming::is_pascal_case(&name.value) {
                diags.push(
                    &file.path,
                    loc.line,
                    &key,
                    format!("type name `{}` must be PascalCase", name.value),
                );
                continue;
            }
            let kind = match (&t.value.fields, &t.value.values) {
                (Some(_), None) => NamedKind::Struct,
                (None, Some(_)) => NamedKind::Enum,
                _ => {
                    diags.push(
                        &file.path,
                        loc.line,
                        &key,
                        "a type has either `fields` (an object) or `values` (an enum)",
                    );
                    continue;
                }
            };
            if let Some((_, prev)) = named.get(&name.value) {
                diags.push(
                    &file.path,
                    loc.line,
                    &key,
                    format!(
                        "type `{}` is already declared at {}:{}",
                        name.value,
                        prev.file.display(),
                        prev.line
                    ),
                );
                continue;
            }
            named.insert(name.value.clone(), (kind, loc));
        }
    }

    // Pass 2: the family's `types` module.
    let types_module = {
        let mut m = module.clone();
        m.push("types".into());
        m
    };
    let mut scope = Scope::new(types_module.clone());
    for (name, (_, loc)) in &named {
        scope.claim(name, loc, &format!("types.{name}"), diags);
    }
    for file in &family.files {
        let mut cx = Cx {
            file: &file.path,
            diags,
            named: &named,
            types_module: &types_module,
            common_errors: &[],
        };
        for (name, t) in file.spec.types.iter().flatten() {
            if named
                .get(&name.value)
                .is_some_and(|(_, l)| l.file == file.path && l.line == name.referenced.line())
            {
                lower_named_type(&mut cx, &mut scope, name, t);
            }
        }
    }
    let types = std::mem::take(&mut scope.types);

    // The shared error rows, before the operations that name them.
    let common_errors = {
        let mut cx = Cx {
            file: ffile,
            diags,
            named: &named,
            types_module: &types_module,
            common_errors: &[],
        };
        lower_common_errors(&mut cx, &module, &decl.common_errors)
    };

    // Pass 3: operations and notifications, each in its own module.
    let mut operations = Vec::new();
    let mut notifications = Vec::new();
    let mut ids: BTreeMap<String, Loc> = BTreeMap::new();
    let mut payload_owners: BTreeMap<String, Loc> = BTreeMap::new();
    for file in &family.files {
        let mut cx = Cx {
            file: &file.path,
            diags,
            named: &named,
            types_module: &types_module,
            common_errors: &common_errors,
        };
        if let Some(op) = &file.spec.operation
            && let Some(op) = lower_operation(&mut cx, &module, op)
        {
            claim_id(&mut cx, &mut ids, &op.id, &op.module, &op.loc);
            operations.push(op);
        }
        if let Some(n) = &file.spec.notification
            && let Some(n) = lower_notification(&mut cx, &module, n)
        {
            claim_id(&mut cx, &mut ids, &n.id, &n.module, &n.loc);
            if n.payload.module == types_module {
                if let Some(prev) = payload_owners.get(&n.payload.name) {
                    cx.err(n.loc.line, "notification.type", format!(
                        "type `{}` is already the payload of the notification at {}:{}; each notification needs its own type",
                        n.payload.name, prev.file.display(), prev.line
                    ));
                }
                payload_owners.insert(n.payload.name.clone(), n.loc.clone());
            }
            notifications.push(n);
        }
    }

    // The family module re-exports each operation's main types next to the named types.
    let mut exported: BTreeMap<String, Loc> = named
        .iter()
        .map(|(n, (_, l))| (n.clone(), l.clone()))
        .collect();
    for (name, loc) in operations
        .iter()
        .flat_map(|o| {
            let mut names = vec![
                format!("{}Request", o.prefix),
                format!("{}ErrorCode", o.prefix),
            ];
            names.extend(o.body.iter().map(|b| b.name.clone()));
            names.extend(
                o.response
                    .ty
                    .iter()
                    .filter(|t| t.module == o.module_path)
                    .map(|t| t.name.clone()),
            );
            names.into_iter().map(move |n| (n, o.loc.clone()))
        })
        .chain(
            notifications
                .iter()
                .filter(|n| n.payload.module == n.module_path)
                .map(|n| (n.payload.name.clone(), n.loc.clone())),
        )
    {
        for n in [name.clone(), format!("{name}Builder")] {
            if let Some(prev) = exported.get(&n) {
                diags.push(&loc.file, loc.line, "", format!(
                    "`{n}` is re-exported by module `{}` and also declared at {}:{}; rename one",
                    module.join("::"), prev.file.display(), prev.line
                ));
            }
            exported.insert(n, loc.clone());
        }
    }

    if diags.0.len() > before {
        return None;
    }
    Some(Family {
        name: decl.name.value.clone(),
        module,
        feature: decl.feature.value.clone(),
        title: decl.title.trim().to_string(),
        doc: decl.doc.trim().to_string(),
        dir: family.dir.clone(),
        types,
        operations,
        notifications,
        common_errors,
    })
}

fn claim_id(cx: &mut Cx<'_>, ids: &mut BTreeMap<String, Loc>, id: &str, module: &str, loc: &Loc) {
    if module == "types" {
        cx.err(
            loc.line,
            "id",
            "`types` is the module of the family's named types; choose another id",
        );
    }
    if let Some(prev) = ids.get(module) {
        cx.err(
            loc.line,
            "id",
            format!(
                "`{id}` gives module `{module}`, already used by {}:{}",
                prev.file.display(),
                prev.line
            ),
        );
    }
    ids.insert(module.to_string(), loc.clone());
}

fn lower_named_type(cx: &mut Cx<'_>, scope: &mut Scope, name: &Sp<String>, t: &Sp<TypeDecl>) {
    let key = format!("types.{}", name.value);
    let loc = cx.loc(name.referenced.line());
    let doc = match &t.value.doc {
        Some(d) if !d.value.trim().is_empty() => d.value.trim().to_string(),
        _ => {
            cx.err(loc.line, &key, "`doc` is required: say what the type is");
            String::new()
        }
    };
    if let Some(fields) = &t.value.fields {
        if let Some(c) = &t.value.catch_all {
            cx.err(
                c.referenced.line(),
                &format!("{key}.catch_all"),
                "`catch_all` is for enums only",
            );
        }
        let fields = lower_fields(cx, scope, fields, &format!("{key}.fields"));
        scope.types.push(TypeDef::Struct(StructDef {
            name: name.value.clone(),
            doc,
            fields,
            loc,
        }));
    } else if let Some(values) = &t.value.values
        && let Some(e) = lower_enum(
            cx,
            &name.value,
            doc,
            values,
            t.value.catch_all.as_ref(),
            loc,
            &key,
        )
    {
        scope.types.push(TypeDef::Enum(e));
    }
}

fn lower_enum(
    cx: &mut Cx<'_>,
    name: &str,
    doc: String,
    values: &indexmap::IndexMap<Sp<String>, Sp<String>>,
    catch_all: Option<&Sp<String>>,
    loc: Loc,
    key: &str,
) -> Option<EnumDef> {
    let catch_all_name = catch_all.map_or("Unknown".to_string(), |c| c.value.clone());
    if let Some(c) = catch_all.filter(|c| !naming::is_pascal_case(&c.value)) {
        cx.err(
            c.referenced.line(),
            &format!("{key}.catch_all"),
            format!("`{}` must be PascalCase", c.value),
        );
    }
    if values.is_empty() {
        cx.err(loc.line, key, "an enum needs at least one value");
    }
    let mut variants: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::new();
    for (wire, vdoc) in values {
        let vkey = format!("{key}.values.{}", wire.value);
        let variant = naming::variant_name(&wire.value);
        if wire.value.is_empty() || !naming::is_identifier(&variant) {
            cx.err(
                wire.referenced.line(),
                &vkey,
                format!("`{}` cannot be turned into a Rust variant name", wire.value),
            );
            continue;
        }
        if variant == catch_all_name {
            cx.err(wire.referenced.line(), &vkey, format!(
                "value `{}` becomes variant `{variant}`, the name of the variant that keeps unknown values; set `catch_all:` to another name",
                wire.value
            ));
        }
        if let Some(prev) = variants.get(&variant) {
            cx.err(
                wire.referenced.line(),
                &vkey,
                format!(
                    "values `{prev}` and `{}` both become variant `{variant}`",
                    wire.value
                ),
            );
        }
        if vdoc.value.trim().is_empty() {
            cx.err(
                vdoc.referenced.line(),
                &vkey,
                "each enum value needs a doc line",
            );
        }
        variants.insert(variant.clone(), wire.value.clone());
        out.push(EnumValue {
            wire: wire.value.clone(),
            variant,
            doc: vdoc.value.trim().to_string(),
        });
    }
    Some(EnumDef {
        name: name.to_string(),
        doc,
        values: out,
        catch_all: catch_all_name,
        loc,
    })
}

fn lower_fields(cx: &mut Cx<'_>, scope: &mut Scope, fields: &Fields, key: &str) -> Vec<Field> {
    let mut out: Vec<Field> = Vec::new();
    for (wire, decl) in fields {
        let fkey = format!("{key}.{}", wire.value);
        if let Some(field) = lower_field(cx, scope, wire, decl, &fkey) {
            if let Some(prev) = out.iter().find(|f| f.rust == field.rust) {
                cx.err(
                    wire.referenced.line(),
                    &fkey,
                    format!(
                        "fields `{}` and `{}` both become Rust field `{}`",
                        prev.wire, field.wire, field.rust
                    ),
                );
                continue;
            }
            out.push(field);
        }
    }
    out
}

fn lower_field(
    cx: &mut Cx<'_>,
    scope: &mut Scope,
    wire: &Sp<String>,
    decl: &Sp<FieldDecl>,
    key: &str,
) -> Option<Field> {
    let line = wire.referenced.line();
    let rust = naming::field_name(&wire.value);
    if !naming::is_identifier(&rust) || wire.value.is_empty() {
        cx.err(
            line,
            key,
            format!("`{}` cannot be turned into a Rust field name", wire.value),
        );
        return None;
    }
    let doc = match &decl.value.doc {
        Some(d) if !d.value.trim().is_empty() => d.value.trim().to_string(),
        _ => {
            cx.err(line, key, "`doc` is required: say what the field means");
            String::new()
        }
    };
    let ty = lower_ty(
        cx,
        scope,
        &decl.value,
        line,
        key,
        naming::inline_type_name(&wire.value),
        naming::item_type_name(&wire.value),
    )?;
    let is_text = |k: &TyKind| matches!(k, TyKind::String);
    if decl.value.sensitive
        && !(is_text(&ty.kind) || matches!(&ty.kind, TyKind::Array(item) if is_text(&item.kind)))
    {
        cx.err(
            line,
            key,
            "`sensitive` applies to strings and lists of strings only",
        );
    }
    Some(Field {
        wire: wire.value.clone(),
        rust,
        doc,
        required: decl.value.required,
        ty,
        sensitive: decl.value.sensitive,
        loc: cx.loc(line),
    })
}

/// Lowers a field's or an item's type; inline objects and enums are added to `scope`.
fn lower_ty(
    cx: &mut Cx<'_>,
    scope: &mut Scope,
    decl: &FieldDecl,
    line: u64,
    key: &str,
    hint: String,
    item_hint: String,
) -> Option<Ty> {
    let ty = decl.ty.value.as_str();
    let tline = decl.ty.referenced.line();
    let inline_name = |cx: &mut Cx<'_>| match &decl.name {
        Some(n) if naming::is_pascal_case(&n.value) => Some(n.value.clone()),
        Some(n) => {
            cx.err(
                n.referenced.line(),
                &format!("{key}.name"),
                format!("`{}` must be PascalCase", n.value),
            );
            None
        }
        None => Some(hint.clone()),
    };
    let misplaced = |cx: &mut Cx<'_>, present: bool, what: &str, allowed: &str| {
        if present {
            cx.err(
                line,
                key,
                format!("`{what}` is only allowed with `type: {allowed}` (this is `{ty}`)"),
            );
        }
    };
    misplaced(
        cx,
        decl.fields.is_some() && ty != "object",
        "fields",
        "object",
    );
    misplaced(cx, decl.values.is_some() && ty != "enum", "values", "enum");
    misplaced(
        cx,
        decl.catch_all.is_some() && ty != "enum",
        "catch_all",
        "enum",
    );
    misplaced(cx, decl.items.is_some() && ty != "array", "items", "array");
    misplaced(
        cx,
        decl.name.is_some() && !matches!(ty, "object" | "enum"),
        "name",
        "object or enum",
    );
    let kind = match ty {
        "string" => TyKind::String,
        "integer" => TyKind::Integer,
        "boolean" => TyKind::Boolean,
        "datetime" => TyKind::DateTime,
        "object" => {
            let Some(fields) = &decl.fields else {
                cx.err(tline, key, "`type: object` needs `fields`");
                return None;
            };
            let name = inline_name(cx)?;
            let loc = cx.loc(line);
            if !scope.claim(&name, &loc, key, cx.diags) {
                return None;
            }
            let doc = decl
                .doc
                .as_ref()
                .map_or_else(|| describe_unnamed(key), |d| d.value.trim().to_string());
            let fields = lower_fields(cx, scope, fields, &format!("{key}.fields"));
            scope.types.push(TypeDef::Struct(StructDef {
                name: name.clone(),
                doc,
                fields,
                loc,
            }));
            TyKind::Struct(scope.path(&name))
        }
        "enum" => {
            let Some(values) = &decl.values else {
                cx.err(tline, key, "`type: enum` needs `values`");
                return None;
            };
            let name = inline_name(cx)?;
            let loc = cx.loc(line);
            if !scope.claim(&name, &loc, key, cx.diags) {
                return None;
            }
            let doc = decl
                .doc
                .as_ref()
                .map_or_else(|| describe_unnamed(key), |d| d.value.trim().to_string());
            let e = lower_enum(cx, &name, doc, values, decl.catch_all.as_ref(), loc, key)?;
            scope.types.push(TypeDef::Enum(e));
            TyKind::Enum(scope.path(&name))
        }
        "array" => {
            let Some(items) = &decl.items else {
                cx.err(tline, key, "`type: array` needs `items`");
                return None;
            };
            if items.value.required {
                cx.err(
                    items.referenced.line(),
                    &format!("{key}.items"),
                    "`required` has no meaning on array items",
                );
            }
            let next_hint = format!("{item_hint}Item");
            let item = lower_ty(
                cx,
                scope,
                &items.value,
                items.referenced.line(),
                &format!("{key}.items"),
                item_hint,
                next_hint,
            )?;
            TyKind::Array(Box::new(item))
        }
        other => match cx.named.get(other) {
            Some((NamedKind::Struct, _)) => TyKind::Struct(TypePath {
                module: cx.types_module.to_vec(),
                name: other.into(),
            }),
            Some((NamedKind::Enum, _)) => TyKind::Enum(TypePath {
                module: cx.types_module.to_vec(),
                name: other.into(),
            }),
            None => {
                let known: Vec<&str> = cx.named.keys().map(String::as_str).collect();
                cx.err(tline, &format!("{key}.type"), format!(
                    "unknown type `{other}`: use string, integer, boolean, datetime, object, array, enum or a type of this family ({})",
                    if known.is_empty() { "none declared".to_string() } else { known.join(", ") }
                ));
                return None;
            }
        },
    };
    let limits = lower_limits(cx, decl, &kind, line, key);
    Some(Ty { kind, limits })
}

/// Documentation for an inline type declared without `doc` (array items): where it sits.
fn describe_unnamed(key: &str) -> String {
    let place = key
        .trim_start_matches("operation.")
        .trim_start_matches("notification.")
        .trim_start_matches("types.");
    let place = place.replace(".fields.", ".");
    match place.strip_suffix(".items") {
        Some(list) => format!("An element of `{list}`."),
        None => format!("The value of `{place}`."),
    }
}

fn lower_limits(cx: &mut Cx<'_>, decl: &FieldDecl, kind: &TyKind, line: u64, key: &str) -> Limits {
    let v = |x: &Option<Sp<u64>>| x.as_ref().map(|s| s.value);
    let i = |x: &Option<Sp<i64>>| x.as_ref().map(|s| s.value);
    let limits = Limits {
        min_length: v(&decl.min_length),
        max_length: v(&decl.max_length),
        pattern: decl.pattern.as_ref().map(|p| p.value.clone()),
        minimum: i(&decl.minimum),
        maximum: i(&decl.maximum),
        min_items: v(&decl.min_items),
        max_items: v(&decl.max_items),
    };
    let is_string = matches!(kind, TyKind::String);
    let rules: [(&str, bool, bool); 7] = [
        ("min_length", limits.min_length.is_some(), is_string),
        ("max_length", limits.max_length.is_some(), is_string),
        ("pattern", limits.pattern.is_some(), is_string),
        (
            "minimum",
            limits.minimum.is_some(),
            matches!(kind, TyKind::Integer),
        ),
        (
            "maximum",
            limits.maximum.is_some(),
            matches!(kind, TyKind::Integer),
        ),
        (
            "min_items",
            limits.min_items.is_some(),
            matches!(kind, TyKind::Array(_)),
        ),
        (
            "max_items",
            limits.max_items.is_some(),
            matches!(kind, TyKind::Array(_)),
        ),
    ];
    for (name, present, fits) in rules {
        if present && !fits {
            cx.err(
                line,
                key,
                format!("`{name}` does not apply to type `{}`", decl.ty.value),
            );
        }
    }
    let pairs = [
        (
            "min_length",
            "max_length",
            limits.min_length.map(|x| x as i128),
            limits.max_length.map(|x| x as i128),
        ),
        (
            "minimum",
            "maximum",
            limits.minimum.map(i128::from),
            limits.maximum.map(i128::from),
        ),
        (
            "min_items",
            "max_items",
            limits.min_items.map(|x| x as i128),
            limits.max_items.map(|x| x as i128),
        ),
    ];
    for (lo_name, hi_name, lo, hi) in pairs {
        if let (Some(lo), Some(hi)) = (lo, hi)
            && lo > hi
        {
            cx.err(
                line,
                key,
                format!("`{lo_name}` ({lo}) is greater than `{hi_name}` ({hi})"),
            );
        }
    }
    if let Some(p) = &decl.pattern
        && let Err(e) = regex_lite::Regex::new(&p.value)
    {
        cx.err(
            p.referenced.line(),
            &format!("{key}.pattern"),
            format!("`{}` is not a valid regular expression: {e}", p.value),
        );
    }
    limits
}

fn parse_path(cx: &mut Cx<'_>, path: &Sp<String>) -> Vec<PathPart> {
    let line = path.referenced.line();
    let text = path.value.as_str();
    if !text.starts_with("/v3/") {
        cx.err(
            line,
            "operation.path",
            format!("`{text}` must start with `/v3/`"),
        );
    }
    if text.contains(['?', '#', ' ']) {
        cx.err(
            line,
            "operation.path",
            "the path may not hold `?`, `#` or spaces: declare query parameters under `query`",
        );
    }
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            cx.err(line, "operation.path", format!("unclosed `{{` in `{text}`"));
            return parts;
        };
        if open > 0 {
            parts.push(PathPart::Literal(rest[..open].to_string()));
        }
        let name = &rest[open + 1..close];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            cx.err(
                line,
                "operation.path",
                format!("`{{{name}}}` is not a valid parameter name"),
            );
        }
        parts.push(PathPart::Param(name.to_string()));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(PathPart::Literal(rest.to_string()));
    }
    parts
}

fn lower_operation(
    cx: &mut Cx<'_>,
    family_module: &[String],
    op: &Sp<crate::spec::OperationDecl>,
) -> Option<Operation> {
    let d = &op.value;
    let before = cx.diags.0.len();
    let id = d.id.value.clone();
    let loc = cx.loc(d.id.referenced.line());
    if !naming::is_snake_case(&id) && !naming::is_snake_case(&format!("{id}_")) {
        cx.err(
            loc.line,
            "operation.id",
            format!("`{id}` must be snake_case"),
        );
        return None;
    }
    let module = naming::module_name(&id);
    let prefix = naming::type_prefix(&id);
    let mut module_path = family_module.to_vec();
    module_path.push(module.clone());
    let mut scope = Scope::new(module_path.clone());
    scope.claim(&format!("{prefix}Request"), &loc, "operation.id", cx.diags);
    scope.claim(
        &format!("{prefix}ErrorCode"),
        &loc,
        "operation.id",
        cx.diags,
    );

    let method = d.method.value.clone();
    if !matches!(method.as_str(), "GET" | "POST" | "PUT" | "PATCH" | "DELETE") {
        cx.err(
            d.method.referenced.line(),
            "operation.method",
            format!("`{method}` must be GET, POST, PUT, PATCH or DELETE"),
        );
    }
    if !d.doc_url.value.starts_with("https://") {
        cx.err(
            d.doc_url.referenced.line(),
            "operation.doc_url",
            "must be an https:// link to the official documentation",
        );
    }
    let path_parts = parse_path(cx, &d.path);
    let callers = lower_callers(cx, &d.callers, "operation.callers");
    let rate_limit = d.rate_limit.as_ref().and_then(|r| parse_rate_limit(cx, r));

    // Path parameters: exactly those of the template, all strings, all required.
    let template: Vec<&str> = path_parts
        .iter()
        .filter_map(|p| match p {
            PathPart::Param(n) => Some(n.as_str()),
            _ => None,
        })
        .collect();
    let mut path_params = match &d.path_params {
        Some(f) => lower_fields(cx, &mut scope, f, "operation.path_params"),
        None => Vec::new(),
    };
    for name in &template {
        if !path_params.iter().any(|p| p.wire == *name) {
            cx.err(
                d.path.referenced.line(),
                "operation.path",
                format!("`{{{name}}}` has no entry under `path_params`"),
            );
        }
    }
    for p in &mut path_params {
        if !template.contains(&p.wire.as_str()) {
            cx.err(
                p.loc.line,
                &format!("operation.path_params.{}", p.wire),
                "not a `{...}` of `path`",
            );
        }
        if !matches!(p.ty.kind, TyKind::String) {
            cx.err(
                p.loc.line,
                &format!("operation.path_params.{}", p.wire),
                "path parameters must be strings",
            );
        }
        p.required = true;
    }
    let query = match &d.query {
        Some(f) => lower_fields(cx, &mut scope, f, "operation.query"),
        None => Vec::new(),
    };
    for q in &query {
        if matches!(q.ty.kind, TyKind::Struct(_) | TyKind::Array(_)) {
            cx.err(
                q.loc.line,
                &format!("operation.query.{}", q.wire),
                "query parameters must be strings, integers, booleans, times or enums",
            );
        }
    }

    // Body or upload.
    let mut body = None;
    let mut body_fields: Vec<&str> = Vec::new();
    if let Some(fields) = &d.body {
        if method == "GET" {
            cx.err(
                fields
                    .keys()
                    .next()
                    .map_or(op.referenced.line(), |k| k.referenced.line()),
                "operation.body",
                "a GET operation has no body",
            );
        }
        let name = format!("{prefix}Body");
        if scope.claim(&name, &loc, "operation.body", cx.diags) {
            let fields = lower_fields(cx, &mut scope, fields, "operation.body");
            let doc = format!("JSON body of `{prefix}Request`.");
            scope.types.push(TypeDef::Struct(StructDef {
                name: name.clone(),
                doc,
                fields,
                loc: loc.clone(),
            }));
            body = Some(scope.path(&name));
        }
        body_fields = fields.keys().map(|k| k.value.as_str()).collect();
    }
    let upload = d.upload.as_ref().map(|u| {
        if d.body.is_some() {
            cx.err(
                u.referenced.line(),
                "operation.upload",
                "an operation has `body` or `upload`, not both",
            );
        }
        if method != "POST" {
            cx.err(u.referenced.line(), "operation.upload", "uploads are POST");
        }
        Upload {
            file_types: u
                .value
                .file_types
                .iter()
                .map(|t| t.trim_start_matches('.').to_ascii_lowercase())
                .collect(),
            max_bytes: u.value.max_bytes,
        }
    });

    // Builder setters: one per path parameter, query parameter and body field.
    let mut setters: BTreeMap<String, String> = BTreeMap::new();
    let body_rust: Vec<(String, u64)> = match body
        .as_ref()
        .and_then(|b| scope.types.iter().find(|t| t.name() == b.name))
    {
        Some(TypeDef::Struct(s)) => s
            .fields
            .iter()
            .map(|f| (f.rust.clone(), f.loc.line))
            .collect(),
        _ => Vec::new(),
    };
    for (rust, line) in path_params
        .iter()
        .chain(&query)
        .map(|f| (f.rust.clone(), f.loc.line))
        .chain(body_rust)
    {
        if RESERVED_SETTERS.contains(&rust.as_str()) {
            cx.err(line, "operation", format!("`{rust}` is a method of the request builder; this field needs another Rust name"));
        }
        if let Some(prev) = setters.insert(rust.clone(), rust.clone()) {
            cx.err(
                line,
                "operation",
                format!("two request parameters become the builder method `{prev}`"),
            );
        }
    }

    let idempotency_keys: Vec<String> =
        d.idempotency_keys.iter().map(|k| k.value.clone()).collect();
    for k in &d.idempotency_keys {
        if !body_fields.contains(&k.value.as_str()) && !query.iter().any(|q| q.wire == k.value) {
            cx.err(
                k.referenced.line(),
                "operation.idempotency_keys",
                format!("`{}` is not a body or query field", k.value),
            );
        }
    }
    let retry_safe = d
        .retry_safe
        .unwrap_or(method == "GET" || !idempotency_keys.is_empty());

    let response = lower_response(cx, &mut scope, &d.response, &prefix, &loc);
    let errors = lower_errors(cx, &d.errors);
    if d.examples.value.is_empty() {
        cx.err(
            d.examples.referenced.line(),
            "operation.examples",
            "at least one example is required",
        );
    }
    let examples = d
        .examples
        .value
        .iter()
        .map(|e| lower_example(cx, e))
        .collect();

    if cx.diags.0.len() > before {
        return None;
    }
    Some(Operation {
        id,
        module,
        module_path,
        prefix,
        title: d.title.trim().to_string(),
        doc: d.doc.trim().to_string(),
        method,
        path: d.path.value.clone(),
        path_parts,
        doc_url: d.doc_url.value.clone(),
        callers,
        rate_limit,
        idempotency_keys,
        retry_safe,
        path_params,
        query,
        body,
        upload,
        response: response?,
        errors,
        examples,
        types: scope.types,
        loc,
    })
}

fn lower_callers(cx: &mut Cx<'_>, callers: &Sp<Vec<Sp<String>>>, key: &str) -> Vec<Caller> {
    if callers.value.is_empty() {
        cx.err(
            callers.referenced.line(),
            key,
            "name at least one caller: merchant or partner",
        );
    }
    let mut out = Vec::new();
    for c in &callers.value {
        match c.value.as_str() {
            "merchant" => out.push(Caller::Merchant),
            "partner" => out.push(Caller::Partner),
            other => cx.err(
                c.referenced.line(),
                key,
                format!("unknown caller `{other}`: use merchant or partner"),
            ),
        }
    }
    out.dedup();
    out
}

fn parse_rate_limit(cx: &mut Cx<'_>, r: &Sp<String>) -> Option<(u32, u32)> {
    let parsed = r.value.split_once('/').and_then(|(n, per)| {
        let n: u32 = n.trim().parse().ok().filter(|&n| n > 0)?;
        let per = match per.trim() {
            "s" => 1,
            "min" => 60,
            _ => return None,
        };
        Some((n, per))
    });
    if parsed.is_none() {
        cx.err(
            r.referenced.line(),
            "operation.rate_limit",
            format!("`{}` must read like `500/s` or `100/min`", r.value),
        );
    }
    parsed
}

fn lower_response(
    cx: &mut Cx<'_>,
    scope: &mut Scope,
    r: &Sp<crate::spec::ResponseDecl>,
    prefix: &str,
    loc: &Loc,
) -> Option<Response> {
    let line = r.referenced.line();
    let status = r.value.status.as_ref().map_or(200, |s| s.value);
    if !(200..300).contains(&status) {
        cx.err(
            line,
            "operation.response.status",
            format!("{status} is not a success status"),
        );
    }
    let kind = match r.value.kind.as_ref().map(|k| k.value.as_str()) {
        None if status == 204 => ResponseKind::Empty,
        None | Some("json") => ResponseKind::Json,
        Some("empty") => ResponseKind::Empty,
        Some("download") => ResponseKind::Download,
        Some(other) => {
            cx.err(
                line,
                "operation.response.kind",
                format!("unknown kind `{other}`: use json, empty or download"),
            );
            return None;
        }
    };
    let ty = match (&r.value.ty, &r.value.fields, kind) {
        (Some(t), None, ResponseKind::Json) => match cx.named.get(&t.value) {
            Some((NamedKind::Struct, _)) => Some(TypePath {
                module: cx.types_module.to_vec(),
                name: t.value.clone(),
            }),
            _ => {
                cx.err(
                    t.referenced.line(),
                    "operation.response.type",
                    format!("`{}` is not an object type of this family", t.value),
                );
                return None;
            }
        },
        (None, Some(fields), ResponseKind::Json) => {
            let name = format!("{prefix}Response");
            if !scope.claim(&name, loc, "operation.response", cx.diags) {
                return None;
            }
            let fields = lower_fields(cx, scope, fields, "operation.response.fields");
            let doc = format!("Success response of `{prefix}Request`.");
            scope.types.push(TypeDef::Struct(StructDef {
                name: name.clone(),
                doc,
                fields,
                loc: loc.clone(),
            }));
            Some(scope.path(&name))
        }
        (None, None, ResponseKind::Empty | ResponseKind::Download) => None,
        (_, _, ResponseKind::Json) => {
            cx.err(
                line,
                "operation.response",
                "a JSON response needs either `type` or `fields`",
            );
            return None;
        }
        _ => {
            cx.err(
                line,
                "operation.response",
                "an empty or download response has neither `type` nor `fields`",
            );
            return None;
        }
    };
    Some(Response { status, kind, ty })
}

/// `common_errors:` of `family.yaml`: full rows, one per code.
fn lower_common_errors(
    cx: &mut Cx<'_>,
    family_module: &[String],
    rows: &[Sp<crate::spec::ErrorDecl>],
) -> Vec<ErrorRow> {
    let mut out: Vec<ErrorRow> = Vec::new();
    for e in rows {
        let line = e.referenced.line();
        let Some(mut row) = full_row(cx, e, "family.common_errors") else {
            cx.err(
                line,
                "family.common_errors",
                format!(
                    "shared row `{}` needs status, description, solution and retry",
                    e.value.code.value
                ),
            );
            continue;
        };
        check_code(cx, line, "family.common_errors.code", &row.code);
        if let Some(prev) = out.iter().find(|r| r.code == row.code) {
            cx.err(
                line,
                "family.common_errors.code",
                format!(
                    "shared row `{}` is already defined with status {}; a code is shared once",
                    row.code, prev.status
                ),
            );
            continue;
        }
        let mut module = family_module.to_vec();
        module.push("errors".into());
        row.shared = Some(TypePath {
            module,
            name: row.code.clone(),
        });
        out.push(row);
    }
    out
}

/// A row written in full, or `None` when a part is missing.
fn full_row(cx: &mut Cx<'_>, e: &Sp<crate::spec::ErrorDecl>, key: &str) -> Option<ErrorRow> {
    let d = &e.value;
    let status = d.status.as_ref()?;
    if !(400..600).contains(&status.value) {
        cx.err(
            status.referenced.line(),
            &format!("{key}.status"),
            format!("{} is not an error status", status.value),
        );
    }
    Some(ErrorRow {
        status: status.value,
        code: d.code.value.clone(),
        description: d.description.as_ref()?.trim().to_string(),
        solution: d.solution.as_ref()?.trim().to_string(),
        retry: d.retry?,
        shared: None,
    })
}

/// An error code's spelling.
fn check_code(cx: &mut Cx<'_>, line: u64, key: &str, code: &str) {
    if code.is_empty()
        || !code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    {
        cx.err(
            line,
            key,
            format!("`{code}` must be an upper-case error code such as PARAM_ERROR"),
        );
    }
    if naming::variant_name(code) == "Unknown" {
        cx.err(
            line,
            key,
            "`UNKNOWN` would clash with the variant that keeps undocumented codes",
        );
    }
}

/// An operation's `errors:`: rows in full, or `{ code }` naming a shared row.
fn lower_errors(cx: &mut Cx<'_>, errors: &Sp<Vec<Sp<crate::spec::ErrorDecl>>>) -> Vec<ErrorRow> {
    let mut variants: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::new();
    let mut rows = BTreeSet::new();
    for e in &errors.value {
        let line = e.referenced.line();
        let code = e.value.code.value.clone();
        let d = &e.value;
        let is_reference = d.description.is_none() && d.solution.is_none() && d.retry.is_none();
        let row = if is_reference {
            let Some(shared) = cx.common_errors.iter().find(|r| r.code == code) else {
                cx.err(
                    line,
                    "operation.errors.code",
                    format!(
                        "`{code}` names no shared row; add it to `common_errors:` in family.yaml or write the row in full"
                    ),
                );
                continue;
            };
            if let Some(status) = &d.status
                && status.value != shared.status
            {
                cx.err(
                    status.referenced.line(),
                    "operation.errors.status",
                    format!(
                        "shared row `{code}` has status {}, not {}; write a row with another status in full",
                        shared.status, status.value
                    ),
                );
                continue;
            }
            shared.clone()
        } else {
            match full_row(cx, e, "operation.errors") {
                Some(row) => row,
                None => {
                    cx.err(
                        line,
                        "operation.errors",
                        format!(
                            "row `{code}` is either `{{ code }}` (a shared row) or has status, description, solution and retry"
                        ),
                    );
                    continue;
                }
            }
        };
        check_code(cx, line, "operation.errors.code", &code);
        let variant = naming::variant_name(&code);
        match variants.get(&variant) {
            Some(prev) if *prev != code => {
                cx.err(
                    line,
                    "operation.errors.code",
                    format!("codes `{prev}` and `{code}` both become variant `{variant}`"),
                );
            }
            _ => {
                variants.insert(variant, code.clone());
            }
        }
        if !rows.insert((row.status, code.clone(), row.description.clone())) {
            cx.err(
                line,
                "operation.errors",
                format!(
                    "row {} {code} with this description is listed twice",
                    row.status
                ),
            );
        }
        out.push(row);
    }
    out
}

fn lower_example(cx: &mut Cx<'_>, e: &Sp<crate::spec::ExampleDecl>) -> Example {
    let line = e.referenced.line();
    let mut params =
        |v: &Option<Sp<serde_json::Value>>, what: &str| -> Vec<(String, serde_json::Value)> {
            match v.as_ref().map(|v| &v.value) {
                None => Vec::new(),
                Some(serde_json::Value::Object(m)) => {
                    m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
                }
                Some(_) => {
                    cx.err(
                        line,
                        &format!("examples.request.{what}"),
                        "must be a map of parameter names to values",
                    );
                    Vec::new()
                }
            }
        };
    let path = params(&e.value.request.path, "path");
    let query = params(&e.value.request.query, "query");
    Example {
        name: e.value.name.trim().to_string(),
        path,
        query,
        body: e.value.request.body.as_ref().map(|b| b.value.clone()),
        response: e.value.response.as_ref().map(|r| r.value.clone()),
        loc: cx.loc(line),
    }
}

fn lower_notification(
    cx: &mut Cx<'_>,
    family_module: &[String],
    n: &Sp<crate::spec::NotificationDecl>,
) -> Option<Notification> {
    let d = &n.value;
    let before = cx.diags.0.len();
    let id = d.id.value.clone();
    let loc = cx.loc(d.id.referenced.line());
    if !naming::is_snake_case(&id) && !naming::is_snake_case(&format!("{id}_")) {
        cx.err(
            loc.line,
            "notification.id",
            format!("`{id}` must be snake_case"),
        );
        return None;
    }
    let module = naming::module_name(&id);
    let mut module_path = family_module.to_vec();
    module_path.push(module.clone());
    let mut scope = Scope::new(module_path.clone());
    if d.event_types.value.is_empty() {
        cx.err(
            d.event_types.referenced.line(),
            "notification.event_types",
            "list at least one event type",
        );
    }
    if !d.doc_url.value.starts_with("https://") {
        cx.err(
            d.doc_url.referenced.line(),
            "notification.doc_url",
            "must be an https:// link to the official documentation",
        );
    }
    let payload = match (&d.ty, &d.fields) {
        (Some(t), None) => match cx.named.get(&t.value) {
            Some((NamedKind::Struct, _)) => TypePath {
                module: cx.types_module.to_vec(),
                name: t.value.clone(),
            },
            _ => {
                cx.err(
                    t.referenced.line(),
                    "notification.type",
                    format!("`{}` is not an object type of this family", t.value),
                );
                return None;
            }
        },
        (None, Some(fields)) => {
            let name = format!("{}Event", naming::type_prefix(&id));
            if !scope.claim(&name, &loc, "notification.fields", cx.diags) {
                return None;
            }
            let fields = lower_fields(cx, &mut scope, fields, "notification.fields");
            let doc = format!("Decrypted resource of the {} notification.", d.title.trim());
            scope.types.push(TypeDef::Struct(StructDef {
                name: name.clone(),
                doc,
                fields,
                loc: loc.clone(),
            }));
            scope.path(&name)
        }
        _ => {
            cx.err(
                n.referenced.line(),
                "notification",
                "give the payload as either `type` or `fields`",
            );
            return None;
        }
    };
    if cx.diags.0.len() > before {
        return None;
    }
    Some(Notification {
        id,
        module,
        module_path,
        title: d.title.trim().to_string(),
        doc: d.doc.trim().to_string(),
        doc_url: d.doc_url.value.clone(),
        event_types: d
            .event_types
            .value
            .iter()
            .map(|e| e.value.clone())
            .collect(),
        original_type: d.original_type.value.clone(),
        payload,
        types: scope.types,
        example: d.example.value.clone(),
        loc,
    })
}
