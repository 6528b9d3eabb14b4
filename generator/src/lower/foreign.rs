//! Types of other families: a field, response or notification may name `family.Type`
//! (`pay_transactions.Amount`), so twins such as merchant and service-provider payments share one
//! definition instead of two copies.
//!
//! A reference is resolved against every family's named types before any family is lowered; once
//! all are lowered, [`uses`] records which families each one names and [`check_uses`] refuses a
//! circle of families (a type could then hold itself by value) or of cargo features (cargo would
//! refuse the generated crate).

use super::*;

/// What another family offers: its `types` module and its named types.
pub(super) struct Foreign {
    types_module: Vec<String>,
    named: BTreeMap<String, NamedKind>,
}

/// Every family's named types, by family name.
pub(super) type Foreigns = BTreeMap<String, Foreign>;

/// Indexes the named types of every family (`named[i]` belongs to `families[i]`).
pub(super) fn index(
    families: &[LoadedFamily],
    named: &[BTreeMap<String, (NamedKind, Loc)>],
) -> Foreigns {
    let mut out = Foreigns::new();
    for (family, named) in families.iter().zip(named) {
        let decl = &family.decl.value;
        let mut types_module: Vec<String> =
            decl.module.value.split("::").map(str::to_string).collect();
        types_module.push("types".into());
        out.entry(decl.name.value.clone()).or_insert(Foreign {
            types_module,
            named: named.iter().map(|(n, (k, _))| (n.clone(), *k)).collect(),
        });
    }
    out
}

/// The type `reference` (`family.Type`) names, or why it names none.
pub(super) fn resolve(
    foreigns: &Foreigns,
    this_family: &str,
    reference: &str,
) -> Result<(NamedKind, TypePath), String> {
    let (family, name) = reference
        .split_once('.')
        .expect("a reference to another family has a dot");
    if family == this_family {
        return Err(format!(
            "`{reference}` names this family's own type: write `{name}`"
        ));
    }
    let Some(foreign) = foreigns.get(family) else {
        let known: Vec<&str> = foreigns.keys().map(String::as_str).collect();
        return Err(format!(
            "unknown family `{family}` in `{reference}`: write `family.Type` with the `name:` of a family ({})",
            known.join(", ")
        ));
    };
    let Some(kind) = foreign.named.get(name) else {
        let known: Vec<&str> = foreign.named.keys().map(String::as_str).collect();
        return Err(format!(
            "family `{family}` has no type `{name}` ({})",
            if known.is_empty() {
                "it declares none".to_string()
            } else {
                known.join(", ")
            }
        ));
    };
    Ok((
        *kind,
        TypePath {
            module: foreign.types_module.clone(),
            name: name.to_string(),
        },
    ))
}

/// The other families whose types `family` names, each with the first place it does.
pub(super) fn uses(family: &Family, owners: &BTreeMap<Vec<String>, String>) -> Vec<(String, Loc)> {
    let mut out: BTreeMap<String, Loc> = BTreeMap::new();
    let mut note = |path: &TypePath, loc: &Loc| {
        if let Some(owner) = owners.get(&path.module)
            && *owner != family.name
        {
            out.entry(owner.clone()).or_insert_with(|| loc.clone());
        }
    };
    let structs = family
        .types
        .iter()
        .chain(family.operations.iter().flat_map(|o| &o.types))
        .chain(family.notifications.iter().flat_map(|n| &n.types));
    let fields = structs
        .filter_map(|t| match t {
            TypeDef::Struct(s) => Some(&s.fields),
            TypeDef::Enum(_) => None,
        })
        .flatten()
        .chain(
            family
                .operations
                .iter()
                .flat_map(|o| o.path_params.iter().chain(&o.query)),
        );
    for field in fields {
        let mut ty = &field.ty;
        while let TyKind::Array(item) = &ty.kind {
            ty = item;
        }
        if let TyKind::Struct(p) | TyKind::Enum(p) = &ty.kind {
            note(p, &field.loc);
        }
    }
    for o in &family.operations {
        if let Some(p) = &o.response.ty {
            note(p, &o.loc);
        }
    }
    for n in &family.notifications {
        note(&n.payload, &n.loc);
    }
    out.into_iter().collect()
}

/// Refuses families that name each other's types in a circle, and families whose features would
/// then enable each other in a circle; each problem is reported where the circle closes.
pub(super) fn check_uses(
    families: &[Family],
    uses: &[Vec<(String, Loc)>],
    diags: &mut Diagnostics,
) {
    let feature_of: BTreeMap<&str, &str> = families
        .iter()
        .map(|f| (f.name.as_str(), f.feature.as_str()))
        .collect();
    let mut by_family: BTreeMap<&str, Vec<(&str, &Loc)>> = BTreeMap::new();
    let mut by_feature: BTreeMap<&str, Vec<(&str, &Loc)>> = BTreeMap::new();
    for (f, used) in families.iter().zip(uses) {
        for (other, loc) in used {
            by_family
                .entry(&f.name)
                .or_default()
                .push((other.as_str(), loc));
            let other_feature = feature_of.get(other.as_str()).copied().unwrap_or_default();
            if other_feature != f.feature {
                by_feature
                    .entry(&f.feature)
                    .or_default()
                    .push((other_feature, loc));
            }
        }
    }
    // A circle of families is also one of features when their features differ: say it once.
    let found = circle(&by_family)
        .map(|c| ("families", c))
        .or_else(|| circle(&by_feature).map(|c| ("cargo features", c)));
    if let Some((what, (circle, loc))) = found {
        diags.push(
            &loc.file,
            loc.line,
            "type",
            format!(
                "{what} would name each other's types in a circle ({}); move the shared types into one of them",
                circle.join(" -> ")
            ),
        );
    }
}

/// The first circle in `graph` (its nodes, the first repeated at the end) and the place of the
/// edge that closes it.
fn circle<'a>(
    graph: &BTreeMap<&'a str, Vec<(&'a str, &'a Loc)>>,
) -> Option<(Vec<&'a str>, &'a Loc)> {
    fn walk<'a>(
        node: &'a str,
        graph: &BTreeMap<&'a str, Vec<(&'a str, &'a Loc)>>,
        stack: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<(Vec<&'a str>, &'a Loc)> {
        if done.contains(node) {
            return None;
        }
        stack.push(node);
        for (next, loc) in graph.get(node).into_iter().flatten() {
            if let Some(at) = stack.iter().position(|n| n == next) {
                let mut circle = stack[at..].to_vec();
                circle.push(next);
                return Some((circle, loc));
            }
            if let Some(found) = walk(next, graph, stack, done) {
                return Some(found);
            }
        }
        stack.pop();
        done.insert(node);
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| walk(node, graph, &mut Vec::new(), &mut done))
}
