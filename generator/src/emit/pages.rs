//! What is not Rust: `generated/Cargo.toml`, `generated/README.md` and one Markdown reference
//! page per operation, rendered with minijinja from plain data built here.

use std::collections::BTreeMap;
use std::path::PathBuf;

use minijinja::Environment;
use quote::quote;
use serde::Serialize;
use serde_json::{Value, json};

use super::doc::{limit_facts, type_label};
use super::example::{Names, ShortNames, request_expr};
use super::{Files, HEADER, Target};
use crate::model::*;

/// Renders the templates.
pub fn render(api: &Api, target: &Target) -> Result<Files, String> {
    let mut env = Environment::new();
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()
        .map_err(|e| format!("template syntax: {e}"))?;
    env.set_syntax(syntax);
    for (name, text) in [
        (
            "Cargo.toml.j2",
            include_str!("../../templates/Cargo.toml.j2"),
        ),
        ("README.md.j2", include_str!("../../templates/README.md.j2")),
        (
            "operation.md.j2",
            include_str!("../../templates/operation.md.j2"),
        ),
    ] {
        env.add_template(name, text)
            .map_err(|e| format!("template {name}: {e}"))?;
    }
    let render = |name: &str, ctx: Value| -> Result<String, String> {
        env.get_template(name)
            .and_then(|t| t.render(minijinja::value::Serde(&ctx)))
            .map_err(|e| format!("template {name}: {e:#}"))
    };

    let mut files = Files::new();
    files.insert(
        "Cargo.toml".into(),
        render(
            "Cargo.toml.j2",
            json!({
                "header": HEADER,
                "features": features(api),
                // The client's certificate refresher needs the certificate list.
                "certificate_feature": super::certificates::listing(api).map(|(f, _)| &f.feature),
                "crate_name": target.crate_name,
                "runtime_path": target.runtime_path,
            }),
        )?,
    );

    let mut families = Vec::new();
    for f in &api.families {
        let module = f.module.join("::");
        let mut ops = Vec::new();
        for op in &f.operations {
            let page: PathBuf = ["docs"]
                .iter()
                .map(|s| s.to_string())
                .chain(f.module.iter().cloned())
                .collect();
            let page = page.join(format!("{}.md", op.id));
            files.insert(
                page.clone(),
                render(
                    "operation.md.j2",
                    json!({ "header": HEADER, "op": operation_page(api, target, f, op)? }),
                )?,
            );
            ops.push(json!({
                "id": op.id, "title": cell(&op.title), "method": op.method, "path": op.path,
                "request": op.request, "page": page.to_string_lossy().replace('\\', "/"),
            }));
        }
        let notes: Vec<Value> = f
            .notifications
            .iter()
            .map(|n| {
                json!({
                    "title": cell(&n.title),
                    "events": n.event_types.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", "),
                    "payload": format!("{}::{}", n.payload.module.join("::"), n.payload.name),
                    "id": n.id, "page": super::notifications::page_path(f, n),
                })
            })
            .collect();
        families.push(json!({
            "feature": f.feature, "title": cell(&f.title), "doc": f.doc, "module": module,
            "operations": ops, "notifications": notes,
        }));
    }
    files.insert(
        "README.md".into(),
        render(
            "README.md.j2",
            json!({ "header": HEADER, "families": families, "crate_name": target.crate_name, "lib_name": target.lib_name() }),
        )?,
    );
    Ok(files)
}

#[derive(Serialize)]
struct Feature {
    name: String,
    titles: String,
    operations: usize,
    /// Features of the families whose types these families name.
    requires: Vec<String>,
}

fn features(api: &Api) -> Vec<Feature> {
    let mut by_name: BTreeMap<&str, Feature> = BTreeMap::new();
    for f in &api.families {
        let e = by_name.entry(&f.feature).or_insert_with(|| Feature {
            name: f.feature.clone(),
            titles: String::new(),
            operations: 0,
            requires: api.feature_requires(&f.feature),
        });
        if !e.titles.is_empty() {
            e.titles.push_str(", ");
        }
        e.titles.push_str(&f.title);
        e.operations += f.operations.len();
    }
    by_name.into_values().collect()
}

/// Text safe inside a Markdown table cell.
pub(crate) fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

#[derive(Serialize)]
pub(crate) struct Row {
    name: String,
    ty: String,
    required: &'static str,
    limits: String,
    doc: String,
}

/// Rows of a field list, nested objects flattened under dotted names (each type once per branch).
pub(crate) fn rows(
    api: &Api,
    fields: &[Field],
    prefix: &str,
    seen: &mut Vec<TypePath>,
    out: &mut Vec<Row>,
) {
    for f in fields {
        let name = format!("{prefix}{}", f.wire);
        let mut limits = limit_facts(&f.ty);
        if f.sensitive {
            limits.push("encrypted".into());
        }
        out.push(Row {
            name: name.clone(),
            ty: type_label(&f.ty),
            required: if f.required { "yes" } else { "no" },
            limits: cell(&limits.join("; ")),
            doc: cell(&f.doc) + &enum_values(api, &f.ty),
        });
        let (nested, suffix) = match &f.ty.kind {
            TyKind::Struct(p) => (Some(p), "."),
            TyKind::Array(item) => match &item.kind {
                TyKind::Struct(p) => (Some(p), "[]."),
                _ => (None, ""),
            },
            _ => (None, ""),
        };
        if let Some(p) = nested
            && !seen.contains(p)
            && let Some(TypeDef::Struct(s)) = api.find(p)
        {
            seen.push(p.clone());
            rows(api, &s.fields, &format!("{name}{suffix}"), seen, out);
            seen.pop();
        }
    }
}

fn enum_values(api: &Api, ty: &Ty) -> String {
    let p = match &ty.kind {
        TyKind::Enum(p) => p,
        TyKind::Array(item) => match &item.kind {
            TyKind::Enum(p) => p,
            _ => return String::new(),
        },
        _ => return String::new(),
    };
    match api.find(p) {
        Some(TypeDef::Enum(e)) => {
            let values: Vec<String> = e
                .values
                .iter()
                .map(|v| format!("`{}`: {}", v.wire, cell(&v.doc)))
                .collect();
            format!(" Values: {}", values.join("; "))
        }
        _ => String::new(),
    }
}

fn operation_page(
    api: &Api,
    target: &Target,
    family: &Family,
    op: &Operation,
) -> Result<Value, String> {
    let callers: Vec<&str> = op
        .callers
        .iter()
        .map(|c| match c {
            Caller::Merchant => "merchant (直连商户)",
            Caller::Partner => "service provider (服务商)",
        })
        .collect();
    let mut sections = Vec::new();
    for (title, fields) in [
        ("Path parameters", &op.path_params),
        ("Query parameters", &op.query),
    ] {
        if !fields.is_empty() {
            let mut r = Vec::new();
            rows(api, fields, "", &mut Vec::new(), &mut r);
            sections.push(json!({ "title": title, "rows": r }));
        }
    }
    if let Some(TypeDef::Struct(s)) = op.body.as_ref().and_then(|b| api.find(b)) {
        let mut r = Vec::new();
        rows(api, &s.fields, "", &mut Vec::new(), &mut r);
        sections.push(json!({ "title": "Request body (JSON)", "rows": r }));
    }
    if let Some(u) = &op.upload {
        let limit = u
            .max_bytes
            .map(|b| format!(", at most {b} bytes"))
            .unwrap_or_default();
        sections.push(json!({ "title": "Upload (multipart)", "rows": [Row {
            name: "file".into(), ty: "file".into(), required: "yes",
            limits: format!("{}{limit}", u.file_types.join(", ")),
            doc: "The file; the client sends its name and SHA-256 as the signed `meta` part.".into(),
        }] }));
    }
    let mut response_rows = Vec::new();
    if let Some(TypeDef::Struct(s)) = op.response.ty.as_ref().and_then(|t| api.find(t)) {
        rows(api, &s.fields, "", &mut Vec::new(), &mut response_rows);
    }
    let mut examples = Vec::new();
    for ex in &op.examples {
        let names = ShortNames::new(&target.lib_name(), family);
        let request = request_expr(api, &names, op, ex);
        let request_ty = names.ty(&TypePath {
            module: op.module_path.clone(),
            name: op.request.clone(),
        });
        let func = quote! {
            fn build_request() -> Result<#request_ty, Box<dyn std::error::Error>> {
                let request = #request;
                Ok(request)
            }
        };
        let file: syn::File =
            syn::parse2(func).map_err(|e| format!("example of {}: {e}", op.id))?;
        let code = format!("{}\n{}", names.use_lines(), prettyplease::unparse(&file));
        examples.push(json!({
            "name": ex.name,
            "code": code,
            "body": ex.body.as_ref().map(|b| serde_json::to_string_pretty(b).unwrap_or_default()),
            "response": ex.response.as_ref().map(|r| serde_json::to_string_pretty(r).unwrap_or_default()),
        }));
    }
    let errors: Vec<Value> = op
        .errors
        .iter()
        .map(|e| {
            json!({ "status": e.status, "code": e.code, "description": cell(&e.description),
                    "solution": cell(&e.solution), "retry": if e.retry { "yes" } else { "no" } })
        })
        .collect();
    Ok(json!({
        "title": cell(&op.title),
        "doc": op.doc,
        "method": op.method,
        "path": op.path,
        "rust_path": format!("{}::{}::{}Request", target.lib_name(), family.module.join("::"), op.prefix),
        "callers": callers.join(", "),
        "rate_limit": op.rate_limit.map_or("not documented".to_string(), |l| l.short()),
        "idempotency": op.retry_summary(),
        "status": op.response.status,
        "response_note": match op.response.kind {
            ResponseKind::Json => "",
            ResponseKind::Empty => ", no body",
            ResponseKind::Download => ", the file's bytes (unsigned; hash-checked)",
        },
        "doc_url": op.doc_url,
        "request_sections": sections,
        "response_rows": response_rows,
        "error_enum": ERROR_CODE_ENUM,
        "errors": errors,
        "examples": examples,
    }))
}
