//! Lowering operations: path, callers, rate limit, response, errors, examples.

use super::*;

/// The template's literal text and parameters, in order; [`crate::paths::check_template`]
/// holds every rule of it (a template it refuses still splits, so later checks of the
/// operation see its parameters).
pub(super) fn parse_path(cx: &mut Cx<'_>, path: &Sp<String>) -> Vec<PathPart> {
    let text = path.value.as_str();
    crate::paths::check_template(cx.file, path.referenced.line(), text, cx.diags);
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        // Unclosed (refused): the rest is still the parameter it names.
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
        if open > 0 {
            parts.push(PathPart::Literal(rest[..open].to_string()));
        }
        // A nested `{` (refused) does not hide the name either.
        let name = rest[open + 1..close].trim_start_matches('{');
        parts.push(PathPart::Param(name.to_string()));
        rest = rest.get(close + 1..).unwrap_or("");
    }
    if !rest.is_empty() {
        parts.push(PathPart::Literal(rest.to_string()));
    }
    parts
}

pub(super) fn lower_operation(
    cx: &mut Cx<'_>,
    family_module: &[String],
    op: &Sp<crate::spec::OperationDecl>,
) -> Option<Operation> {
    let d = &op.value;
    let before = cx.diags.0.len();
    let id = d.id.value.clone();
    let loc = cx.loc(d.id.referenced.line());
    let (module, module_path) = lower_id(cx, &d.id, "operation.id", family_module)?;
    let prefix = naming::type_prefix(&id);
    let mut scope = Scope::new(module_path.clone());
    let request = naming::request_name(&prefix);
    let request_builder = naming::builder_name(&request);
    scope.claim(&request, &loc, "operation.id", cx.diags);

    let parsed_method = HttpMethod::parse(&d.method.value);
    // After an error nothing is emitted; GET only keeps the checks below going.
    let method = parsed_method.unwrap_or(HttpMethod::Get);
    if parsed_method.is_none() {
        cx.err(
            d.method.referenced.line(),
            "operation.method",
            format!(
                "`{}` must be GET, POST, PUT, PATCH or DELETE",
                d.method.value
            ),
        );
    }
    check_doc_url(cx, &d.doc_url, "operation.doc_url");
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
        let doc = format!("JSON body of `{prefix}Request`.");
        let key = "operation.body";
        let name = format!("{prefix}Body");
        body = lower_struct(cx, &mut scope, name, doc, fields, loc.clone(), key, key);
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
        request,
        request_builder,
        title: d.title.trim().to_string(),
        doc: d.doc.trim().to_string(),
        method,
        path: d.path.value.clone(),
        path_parts,
        doc_url: d.doc_url.value.clone(),
        callers,
        rate_limit,
        deprecated: d
            .deprecated
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
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

pub(super) fn lower_callers(
    cx: &mut Cx<'_>,
    callers: &Sp<Vec<Sp<String>>>,
    key: &str,
) -> Vec<Caller> {
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

pub(super) fn parse_rate_limit(cx: &mut Cx<'_>, r: &Sp<String>) -> Option<RateLimit> {
    let parsed = r.value.split_once('/').and_then(|(n, per)| {
        let n: u32 = n.trim().parse().ok().filter(|&n| n > 0)?;
        let per = match per.trim() {
            "s" => 1,
            "min" => 60,
            _ => return None,
        };
        Some(RateLimit {
            requests: n,
            per_seconds: per,
        })
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

pub(super) fn lower_response(
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
        (Some(t), None, ResponseKind::Json) => match cx.named_type(&t.value) {
            Ok((NamedKind::Struct, path)) => Some(path),
            failed => {
                let why = failed.err().flatten().unwrap_or_else(|| {
                    format!("`{}` is not an object type of this family", t.value)
                });
                cx.err(t.referenced.line(), "operation.response.type", why);
                return None;
            }
        },
        (None, Some(fields), ResponseKind::Json) => {
            let name = format!("{prefix}Response");
            let doc = format!("Success response of `{prefix}Request`.");
            let fields_key = "operation.response.fields";
            let path = lower_struct(
                cx,
                scope,
                name,
                doc,
                fields,
                loc.clone(),
                "operation.response",
                fields_key,
            )?;
            Some(path)
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
pub(super) fn lower_common_errors(
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
pub(super) fn full_row(
    cx: &mut Cx<'_>,
    e: &Sp<crate::spec::ErrorDecl>,
    key: &str,
) -> Option<ErrorRow> {
    let d = &e.value;
    let status = d.status.as_ref()?;
    // 202 is how WeChat Pay says "accepted, not done yet" with an error body (USERPAYING: the
    // user is still entering a password); the client reads such a documented 2xx as that error.
    if !(400..600).contains(&status.value) && status.value != 202 {
        cx.err(
            status.referenced.line(),
            &format!("{key}.status"),
            format!("{} is not an error status (4xx, 5xx or 202)", status.value),
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
pub(super) fn check_code(cx: &mut Cx<'_>, line: u64, key: &str, code: &str) {
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
pub(super) fn lower_errors(
    cx: &mut Cx<'_>,
    errors: &Sp<Vec<Sp<crate::spec::ErrorDecl>>>,
) -> Vec<ErrorRow> {
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
        // Two codes that make one `ErrorCode` variant: `spec_wide::check_error_codes`.
        check_code(cx, line, "operation.errors.code", &code);
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

pub(super) fn lower_example(cx: &mut Cx<'_>, e: &Sp<crate::spec::ExampleDecl>) -> Example {
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
