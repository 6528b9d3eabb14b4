//! Path templates and routes: every rule of `operation.path` (`lower` only splits a checked
//! template into its parts).
//!
//! The rule for a template: `/v3/`, then segments separated by `/`, none empty (one `/` may end
//! the path after a literal, as WeChat Pay's `/v3/applyment4sub/applyment/` does), `.` or `..`; a
//! segment is either one parameter `{name}` (the whole segment, each name once) or literal text
//! of RFC 3986 unreserved characters (ASCII letters, digits, `-`, `.`, `_`, `~`). Those are the
//! characters no client or URL parser re-encodes or normalises, so the path signed is the path
//! sent, and the simulator's router (one parameter per segment) matches what the client builds.
//! No two operations share a method and a path, whatever their parameters are called.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostics;
use crate::load::LoadedFamily;

const KEY: &str = "operation.path";

/// Checks one template.
pub(crate) fn check_template(file: &Path, line: u64, text: &str, diags: &mut Diagnostics) {
    let mut err = |message: String| diags.push(file, line, KEY, message);
    if !text.starts_with("/v3/") {
        err(format!("`{text}` must start with `/v3/`"));
    }
    if text.contains(['?', '#', ' ']) {
        err(
            "the path may not hold `?`, `#` or spaces: declare query parameters under `query`"
                .into(),
        );
    }
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '{' if depth > 0 => {
                err(format!(
                    "a `{{` inside a parameter in `{text}`: a parameter is one `{{name}}`"
                ));
                return;
            }
            '{' => depth += 1,
            '}' if depth == 0 => {
                err(format!("`}}` closes no `{{` in `{text}`"));
                return;
            }
            '}' => depth -= 1,
            _ => {}
        }
    }
    if depth > 0 {
        err(format!("unclosed `{{` in `{text}`"));
        return;
    }
    let mut params: Vec<&str> = Vec::new();
    // What follows a `?` or `#` is reported above, not segment by segment.
    let path = text.split(['?', '#']).next().unwrap_or(text);
    // One `/` may end the path after a literal segment where WeChat Pay's own path has it
    // (`/v3/applyment4sub/applyment/`): the slash is part of the path signed and routed.
    let segments = path.strip_prefix('/').unwrap_or(path);
    let segments = match segments.strip_suffix('/') {
        Some(inner) if !inner.is_empty() && !inner.ends_with(['}', '/']) => inner,
        _ => segments,
    };
    for segment in segments.split('/') {
        if segment.is_empty() {
            err(format!(
                "`{text}` has an empty segment (`//`, or `/` at the end)"
            ));
        } else if segment == "." || segment == ".." {
            err(format!(
                "`{text}` has a `{segment}` segment, which clients resolve away before sending"
            ));
        } else if segment.contains(['{', '}']) {
            let name = segment
                .strip_prefix('{')
                .and_then(|s| s.strip_suffix('}'))
                .filter(|n| !n.contains(['{', '}']));
            match name {
                None => err(format!(
                    "segment `{segment}` of `{text}` must be one parameter alone (`{{name}}`) or literal text"
                )),
                Some(name)
                    if name.is_empty()
                        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
                {
                    err(format!("`{{{name}}}` is not a valid parameter name"))
                }
                Some(name) if params.contains(&name) => {
                    err(format!("`{{{name}}}` appears twice in `{text}`"))
                }
                Some(name) => params.push(name),
            }
        } else if segment.contains('%') {
            err(format!(
                "segment `{segment}` of `{text}` holds `%`: write the path unencoded; literal segments use ASCII letters, digits, `-`, `.`, `_` and `~`"
            ));
        } else if let Some(bad) = segment.chars().find(|&c| {
            // `?`, `#` and spaces are reported above, for the whole path.
            !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '?' | '#' | ' '))
        }) {
            err(format!(
                "segment `{segment}` of `{text}` holds `{bad}`: literal segments use ASCII letters, digits, `-`, `.`, `_` and `~`, which no client re-encodes"
            ));
        }
    }
}

/// Refuses a second operation with the method and path of an earlier one (parameter names do
/// not make routes different), naming both files.
pub(crate) fn check_routes(families: &[LoadedFamily], diags: &mut Diagnostics) {
    let mut routes: BTreeMap<(String, String), (PathBuf, u64, String)> = BTreeMap::new();
    for file in families.iter().flat_map(|f| &f.files) {
        let Some(op) = &file.spec.operation else {
            continue;
        };
        let (method, path) = (&op.value.method.value, &op.value.path.value);
        let line = op.value.path.referenced.line();
        let route = (method.to_ascii_uppercase(), shape(path));
        match routes.get(&route) {
            Some((other, other_line, other_path)) => diags.push(
                &file.path,
                line,
                KEY,
                format!(
                    "`{method} {path}` is already the route of {}:{other_line} (`{method} {other_path}`): two operations may not share a method and path",
                    other.display()
                ),
            ),
            None => {
                routes.insert(route, (file.path.clone(), line, path.clone()));
            }
        }
    }
}

/// The template with every parameter name dropped: `/v3/a/{id}` and `/v3/a/{no}` are one route.
fn shape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            c if !in_param => out.push(c),
            _ => {}
        }
    }
    out
}
