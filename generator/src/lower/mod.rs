//! Turns parsed spec files into the [`Api`] model: checks structure, resolves type names, chooses
//! Rust names and rejects every collision, naming both places.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::diag::Diagnostics;
use crate::load::LoadedFamily;
use crate::model::*;
use crate::naming;
use crate::spec::{FieldDecl, Fields, Sp, TypeDecl};

mod family;
mod notifications;
mod operations;
mod spec_wide;
mod types;

use family::*;
use notifications::*;
use operations::*;
use types::*;

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
    crate::paths::check_routes(families, &mut diags);
    spec_wide::check_families(families, &mut diags);
    spec_wide::check_error_codes(families, &mut diags);
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
        for taken in [name.to_string(), naming::builder_name(name)] {
            if let Some(prev) = self.names.get(&taken) {
                diags.push(&loc.file, loc.line, key, format!(
                    "type name `{taken}` in module `{}` is already used by {}:{}; give one of them another name with `name:`",
                    self.module.join("::"), prev.file.display(), prev.line
                ));
                return false;
            }
        }
        self.names.insert(name.to_string(), loc.clone());
        self.names.insert(naming::builder_name(name), loc.clone());
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
