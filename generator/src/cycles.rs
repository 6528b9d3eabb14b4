//! Named object types that contain themselves, directly or through other types, are refused.
//!
//! A field of a named type is emitted as the type itself (`Option<T>` or `T`), so a type that
//! reaches itself through such fields has no finite size and the generated crate would not
//! compile. An array in between is a `Vec`, which has a size of its own: `children: [Tree]` is
//! fine and is not followed here. The generator does not box fields, so a cycle is a spec error,
//! reported on the field that closes it.

use std::collections::BTreeMap;
use std::path::Path;

use crate::diag::Diagnostics;
use crate::load::LoadedFamily;
use crate::spec::Fields;

/// A field through which one named type holds another by value.
struct Link<'a> {
    to: &'a str,
    file: &'a Path,
    line: u64,
    key: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// On the current walk: reaching it again closes a cycle.
    Open,
    /// Fully walked.
    Done,
}

/// Reports each field that closes a cycle of named object types of `family`; `is_struct` says
/// which names are the family's object types.
pub(crate) fn check(
    family: &LoadedFamily,
    is_struct: impl Fn(&str) -> bool,
    diags: &mut Diagnostics,
) {
    // Each type's outgoing links, from its first declaration (later ones are reported elsewhere).
    let mut links: BTreeMap<&str, Vec<Link<'_>>> = BTreeMap::new();
    for file in &family.files {
        for (name, t) in file.spec.types.iter().flatten() {
            let (Some(fields), true) = (&t.value.fields, is_struct(&name.value)) else {
                continue;
            };
            if links.contains_key(name.value.as_str()) {
                continue;
            }
            let mut out = Vec::new();
            collect(
                fields,
                &format!("types.{}.fields", name.value),
                &file.path,
                &is_struct,
                &mut out,
            );
            links.insert(&name.value, out);
        }
    }
    let mut marks: BTreeMap<&str, Mark> = BTreeMap::new();
    let mut stack: Vec<&str> = Vec::new();
    for &start in links.keys() {
        walk(start, &links, &mut marks, &mut stack, diags);
    }
}

/// The named types `fields` hold by value: directly or inside inline objects, not inside arrays.
fn collect<'a>(
    fields: &'a Fields,
    key: &str,
    file: &'a Path,
    is_struct: &impl Fn(&str) -> bool,
    out: &mut Vec<Link<'a>>,
) {
    for (name, decl) in fields {
        let key = format!("{key}.{}", name.value);
        let ty = decl.value.ty.value.as_str();
        match (&decl.value.fields, ty) {
            (Some(inner), "object") => {
                collect(inner, &format!("{key}.fields"), file, is_struct, out)
            }
            (_, "array") => {}
            (_, other) if is_struct(other) => out.push(Link {
                to: other,
                file,
                line: name.referenced.line(),
                key,
            }),
            _ => {}
        }
    }
}

fn walk<'a>(
    at: &'a str,
    links: &'a BTreeMap<&'a str, Vec<Link<'a>>>,
    marks: &mut BTreeMap<&'a str, Mark>,
    stack: &mut Vec<&'a str>,
    diags: &mut Diagnostics,
) {
    if marks.contains_key(at) {
        return;
    }
    marks.insert(at, Mark::Open);
    stack.push(at);
    for link in links.get(at).into_iter().flatten() {
        match marks.get(link.to) {
            Some(Mark::Open) => {
                let from = stack.iter().position(|t| *t == link.to).unwrap_or(0);
                let mut cycle: Vec<&str> = stack[from..].to_vec();
                cycle.push(link.to);
                diags.push(link.file, link.line, &link.key, format!(
                    "recursive type: `{}` holds itself by value ({}), so it has no finite size; put the link in an array (`type: array`, `items: {{ type: {} }}`) or break the cycle",
                    link.to,
                    cycle.join(" → "),
                    link.to,
                ));
            }
            Some(Mark::Done) => {}
            None => walk(link.to, links, marks, stack, diags),
        }
    }
    stack.pop();
    marks.insert(at, Mark::Done);
}
