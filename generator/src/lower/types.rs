//! Lowering types: named types, enums, fields, their types and limits.

use super::*;

pub(super) fn lower_named_type(
    cx: &mut Cx<'_>,
    scope: &mut Scope,
    name: &Sp<String>,
    t: &Sp<TypeDecl>,
) {
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

pub(super) fn lower_enum(
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

pub(super) fn lower_fields(
    cx: &mut Cx<'_>,
    scope: &mut Scope,
    fields: &Fields,
    key: &str,
) -> Vec<Field> {
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

pub(super) fn lower_field(
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
pub(super) fn lower_ty(
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
    // An inline object's or enum's doc: the field's, else where it stands.
    let inline_doc = || {
        decl.doc
            .as_ref()
            .map_or_else(|| describe_unnamed(key), |d| d.value.trim().to_string())
    };
    // Keys that belong to other types: (present here, the key, the types it belongs to).
    let misplaced = [
        (decl.fields.is_some() && ty != "object", "fields", "object"),
        (decl.values.is_some() && ty != "enum", "values", "enum"),
        (
            decl.catch_all.is_some() && ty != "enum",
            "catch_all",
            "enum",
        ),
        (decl.items.is_some() && ty != "array", "items", "array"),
        (
            decl.name.is_some() && !matches!(ty, "object" | "enum"),
            "name",
            "object or enum",
        ),
    ];
    for (_, what, allowed) in misplaced.into_iter().filter(|(present, ..)| *present) {
        cx.err(
            line,
            key,
            format!("`{what}` is only allowed with `type: {allowed}` (this is `{ty}`)"),
        );
    }
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
            let fields_key = format!("{key}.fields");
            let loc = cx.loc(line);
            TyKind::Struct(lower_struct(
                cx,
                scope,
                name,
                inline_doc(),
                fields,
                loc,
                key,
                &fields_key,
            )?)
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
            let e = lower_enum(
                cx,
                &name,
                inline_doc(),
                values,
                decl.catch_all.as_ref(),
                loc,
                key,
            )?;
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
        other => match cx.named_type(other) {
            Ok((NamedKind::Struct, path)) => TyKind::Struct(path),
            Ok((NamedKind::Enum, path)) => TyKind::Enum(path),
            Err(Some(why)) => {
                cx.err(tline, &format!("{key}.type"), why);
                return None;
            }
            Err(None) => {
                let known: Vec<&str> = cx.named.keys().map(String::as_str).collect();
                cx.err(tline, &format!("{key}.type"), format!(
                    "unknown type `{other}`: use string, integer, boolean, datetime, object, array, enum, a type of this family ({}) or `family.Type`",
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
pub(super) fn describe_unnamed(key: &str) -> String {
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

pub(super) fn lower_limits(
    cx: &mut Cx<'_>,
    decl: &FieldDecl,
    kind: &TyKind,
    line: u64,
    key: &str,
) -> Limits {
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
