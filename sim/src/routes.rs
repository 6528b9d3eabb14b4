//! The operations the simulator serves, taken from the embedded spec: no route is written by hand.

use std::collections::BTreeMap;
use std::path::PathBuf;

use wechatpay_apiv3_generator::model::{Api, Operation, PathPart};

mod embedded {
    include!("../embedded/spec_sources.rs");
}

/// The spec model, loaded from the embedded files.
pub fn load_api() -> Result<Api, String> {
    let sources: BTreeMap<PathBuf, String> = embedded::SOURCES
        .iter()
        .map(|(path, text)| (PathBuf::from(path), (*text).to_string()))
        .collect();
    let families =
        wechatpay_apiv3_generator::load::load_sources(&sources).map_err(|e| e.to_string())?;
    let api = wechatpay_apiv3_generator::lower::lower(&families).map_err(|e| e.to_string())?;
    wechatpay_apiv3_generator::validate::validate(&api).map_err(|e| e.to_string())?;
    Ok(api)
}

/// A matched route: which operation, and its path parameters (decoded).
pub struct Matched<'a> {
    /// `family.operation`.
    pub id: String,
    /// The operation.
    pub op: &'a Operation,
    /// Path parameter values by wire name.
    pub path_params: Vec<(String, String)>,
}

/// Finds the operation for a method and a raw (still percent-encoded) path.
pub fn find<'a>(api: &'a Api, method: &str, raw_path: &str) -> Option<Matched<'a>> {
    let segments: Vec<&str> = raw_path.trim_start_matches('/').split('/').collect();
    // When a literal segment and a parameter could both match, the more literal route wins.
    let mut best: Option<Matched<'a>> = None;
    for family in &api.families {
        for op in &family.operations {
            if op.method != method {
                continue;
            }
            if let Some(path_params) = match_template(&op.path_parts, &segments)
                && best
                    .as_ref()
                    .is_none_or(|b| path_params.len() < b.path_params.len())
            {
                best = Some(Matched {
                    id: format!("{}.{}", family.name, op.id),
                    op,
                    path_params,
                });
            }
        }
    }
    best
}

/// Matches segment by segment: a parameter takes exactly one segment (WeChat Pay's templates never
/// put a parameter next to literal text within a segment).
fn match_template(parts: &[PathPart], segments: &[&str]) -> Option<Vec<(String, String)>> {
    let mut template: Vec<Result<&str, &str>> = Vec::new(); // Ok(literal) or Err(param)
    for part in parts {
        match part {
            PathPart::Literal(text) => {
                for (i, piece) in text.split('/').enumerate() {
                    if i == 0 && piece.is_empty() {
                        continue;
                    }
                    if piece.is_empty() && template.is_empty() {
                        continue;
                    }
                    template.push(Ok(piece));
                }
            }
            PathPart::Param(name) => template.push(Err(name.as_str())),
        }
    }
    // "a/{x}/b" splits into ["a", ""] + {x} + ["", "b"]: drop the empty pieces around parameters.
    let mut template: Vec<_> = template
        .into_iter()
        .filter(|t| !matches!(t, Ok("")))
        .collect();
    // A template ending in `/` (`/v3/applyment4sub/applyment/`) matches only a path that does.
    if matches!(parts.last(), Some(PathPart::Literal(text)) if text.len() > 1 && text.ends_with('/'))
    {
        template.push(Ok(""));
    }
    if template.len() != segments.len() {
        return None;
    }
    let mut params = Vec::new();
    for (t, seg) in template.iter().zip(segments) {
        match t {
            Ok(lit) if lit == seg => {}
            Ok(_) => return None,
            Err(name) => {
                if seg.is_empty() {
                    return None;
                }
                params.push((name.to_string(), percent_decode(seg)?));
            }
        }
    }
    Some(params)
}

// Percent-decoding is the protocol module's, shared with the client.
pub use wechatpay_apiv3_runtime::protocol::percent_decode;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_operation_is_routed_to_itself() {
        let api = load_api().expect("the embedded spec is valid");
        for family in &api.families {
            for op in &family.operations {
                let path: String = op
                    .path_parts
                    .iter()
                    .map(|p| match p {
                        PathPart::Literal(t) => t.clone(),
                        PathPart::Param(_) => "x%2Fy".to_string(),
                    })
                    .collect();
                let m = find(&api, op.method.as_str(), &path)
                    .unwrap_or_else(|| panic!("{} {path} not routed", op.method));
                assert_eq!(m.id, format!("{}.{}", family.name, op.id));
                assert!(m.path_params.iter().all(|(_, v)| v == "x/y"));
            }
        }
    }

    #[test]
    fn a_path_ending_in_a_slash_is_routed_only_with_it() {
        let api = load_api().expect("the embedded spec is valid");
        let with = find(&api, "POST", "/v3/applyment4sub/applyment/").map(|m| m.id);
        assert_eq!(with.as_deref(), Some("applyment4sub.submit_applyment"));
        assert!(find(&api, "POST", "/v3/applyment4sub/applyment").is_none());
        assert!(find(&api, "POST", "/v3/applyment4sub/applyment//").is_none());
    }
}
