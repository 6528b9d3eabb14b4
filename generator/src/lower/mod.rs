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
mod foreign;
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
    // Every family's named types first: a field may name a type of another family.
    let named: Vec<_> = families
        .iter()
        .map(|f| named_types(f, &mut diags))
        .collect();
    let foreigns = foreign::index(families, &named);
    let mut families_out = Vec::new();
    let mut loaded = Vec::new();
    let mut modules: BTreeMap<Vec<String>, Loc> = BTreeMap::new();
    for (family, named) in families.iter().zip(&named) {
        if let Some(f) = lower_family(family, named, &foreigns, &mut diags) {
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
            loaded.push(family);
        }
    }
    // Once every family is lowered: what each names of the others, and the lifecycles, whose
    // records may hold types of other families.
    let owners: BTreeMap<Vec<String>, String> = families_out
        .iter()
        .map(|f| (f.types_module(), f.name.clone()))
        .collect();
    let uses: Vec<_> = families_out
        .iter()
        .map(|f| foreign::uses(f, &owners))
        .collect();
    foreign::check_uses(&families_out, &uses, &mut diags);
    let lifecycles: Vec<_> = loaded
        .iter()
        .zip(&families_out)
        .map(|(l, f)| crate::lifecycle::lower(l, f, &families_out, &mut diags))
        .collect();
    for ((f, used), lifecycles) in families_out.iter_mut().zip(uses).zip(lifecycles) {
        f.uses = used.into_iter().map(|(name, _)| name).collect();
        f.lifecycles = lifecycles;
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

/// Claims `name` in `scope` and lowers `fields` into a struct of that name; its path, or `None`
/// when the name is taken (reported under `key`).
#[allow(clippy::too_many_arguments)]
fn lower_struct(
    cx: &mut Cx<'_>,
    scope: &mut Scope,
    name: String,
    doc: String,
    fields: &Fields,
    loc: Loc,
    key: &str,
    fields_key: &str,
) -> Option<TypePath> {
    if !scope.claim(&name, &loc, key, cx.diags) {
        return None;
    }
    let fields = lower_fields(cx, scope, fields, fields_key);
    let path = scope.path(&name);
    scope.types.push(TypeDef::Struct(StructDef {
        name,
        doc,
        fields,
        loc,
    }));
    Some(path)
}

/// The `id` of an operation or notification (`key`): snake_case, a keyword allowed (its module
/// takes `_`). Its module, and that module's path under the family's.
fn lower_id(
    cx: &mut Cx<'_>,
    id: &Sp<String>,
    key: &str,
    family_module: &[String],
) -> Option<(String, Vec<String>)> {
    if !naming::is_snake_case_word(&id.value) {
        cx.err(
            id.referenced.line(),
            key,
            format!("`{}` must be snake_case", id.value),
        );
        return None;
    }
    let module = naming::module_name(&id.value);
    let mut path = family_module.to_vec();
    path.push(module.clone());
    Some((module, path))
}

/// A `doc_url` (under `key`): a link to the official page.
fn check_doc_url(cx: &mut Cx<'_>, url: &Sp<String>, key: &str) {
    if !url.value.starts_with("https://") {
        cx.err(
            url.referenced.line(),
            key,
            "must be an https:// link to the official documentation",
        );
    }
}

/// What lowering a file needs to know.
struct Cx<'a> {
    file: &'a Path,
    diags: &'a mut Diagnostics,
    named: &'a BTreeMap<String, (NamedKind, Loc)>,
    types_module: &'a [String],
    /// Every family's named types, for `family.Type` references.
    foreigns: &'a foreign::Foreigns,
    /// This family's name.
    family: &'a str,
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

    /// The named type `name` is: one of this family (`Amount`) or, written `family.Type`
    /// (`pay_transactions.Amount`), one of another. `Err(None)`: no type of this family has that
    /// name; `Err(Some(why))`: a reference to another family that names nothing.
    fn named_type(&self, name: &str) -> Result<(NamedKind, TypePath), Option<String>> {
        if name.contains('.') {
            return foreign::resolve(self.foreigns, self.family, name).map_err(Some);
        }
        match self.named.get(name) {
            Some((kind, _)) => Ok((
                *kind,
                TypePath {
                    module: self.types_module.to_vec(),
                    name: name.to_string(),
                },
            )),
            None => Err(None),
        }
    }
}
