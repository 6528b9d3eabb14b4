//! Lowering a family: its declaration, its named types, its operations and notifications.

use super::*;

pub(super) fn lower_family(family: &LoadedFamily, diags: &mut Diagnostics) -> Option<Family> {
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

    let is_struct = |n: &str| matches!(named.get(n), Some((NamedKind::Struct, _)));
    crate::cycles::check(family, is_struct, diags);

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
    let mut exports: Vec<(Export, Loc)> = Vec::new();
    for o in &operations {
        let local = o
            .body
            .iter()
            .chain(o.response.ty.iter().filter(|t| t.module == o.module_path));
        let mut names = vec![(o.request.clone(), true)];
        names.extend(local.map(|t| (t.name.clone(), false)));
        for (name, request) in names {
            let export = Export {
                module: o.module.clone(),
                name,
                request,
            };
            exports.push((export, o.loc.clone()));
        }
    }
    for n in notifications
        .iter()
        .filter(|n| n.payload.module == n.module_path)
    {
        let export = Export {
            module: n.module.clone(),
            name: n.payload.name.clone(),
            request: false,
        };
        exports.push((export, n.loc.clone()));
    }
    let mut exported: BTreeMap<String, Loc> = named
        .iter()
        .map(|(n, (_, l))| (n.clone(), l.clone()))
        .collect();
    for (export, loc) in &exports {
        for n in [export.name.clone(), naming::builder_name(&export.name)] {
            if let Some(prev) = exported.get(&n) {
                diags.push(&loc.file, loc.line, "", format!(
                    "`{n}` is re-exported by module `{}` and also declared at {}:{}; rename one",
                    module.join("::"), prev.file.display(), prev.line
                ));
            }
            exported.insert(n, loc.clone());
        }
    }
    let exports = exports.into_iter().map(|(e, _)| e).collect();

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
        lifecycles: crate::lifecycle::lower(family, &types, &operations, &notifications, diags),
        types,
        operations,
        notifications,
        common_errors,
        exports,
    })
}

pub(super) fn claim_id(
    cx: &mut Cx<'_>,
    ids: &mut BTreeMap<String, Loc>,
    id: &str,
    module: &str,
    loc: &Loc,
) {
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
