//! Checks across families: names that must be unique in the whole spec because one generated
//! item, cargo feature or simulator route is made of them.

use super::*;

/// Cargo features and names the generated Cargo.toml already has: its own features and its
/// dependencies (Cargo refuses a feature named like a dependency).
const CRATE_NAMES: &[&str] = &[
    "default",
    "client",
    "blocking",
    "full",
    "test-support",
    "serde",
    "wechatpay-apiv3-runtime",
];

/// Whether `feature` is a well-formed feature name the crate does not use already.
pub(super) fn feature_is_free(feature: &str) -> bool {
    !feature.is_empty()
        && feature
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !CRATE_NAMES.contains(&feature)
}

/// The rule [`feature_is_free`] checks, in words.
pub(super) fn feature_rule(feature: &str) -> String {
    let taken: Vec<String> = CRATE_NAMES.iter().map(|n| format!("`{n}`")).collect();
    format!(
        "`{feature}` must be lower-case letters, digits and `-`, and not {}",
        taken.join(", ")
    )
}

/// Where a family declares `key`.
fn at(family: &LoadedFamily, line: u64) -> String {
    format!("{}:{line}", family.family_file.display())
}

/// Family names key operation ids (`fam.get_thing`), the simulator's lifecycles and its control
/// routes (`/_sim/fam/thing/...`), so two families may not share one. A feature spelled like a
/// family's name must be that family's: a merchant enabling `favor` expects the family `favor`.
pub(super) fn check_families(families: &[LoadedFamily], diags: &mut Diagnostics) {
    for (i, family) in families.iter().enumerate() {
        let decl = &family.decl.value;
        if let Some(prev) = families[..i]
            .iter()
            .find(|p| p.decl.value.name.value == decl.name.value)
        {
            diags.push(
                &family.family_file,
                decl.name.referenced.line(),
                "family.name",
                format!(
                    "`{}` is already the name of the family in {}; operation ids and the simulator's lifecycles are keyed by it, so two families may not share a name",
                    decl.name.value,
                    at(prev, prev.decl.value.name.referenced.line())
                ),
            );
        }
        let feature = &decl.feature.value;
        if let Some(named) = families.iter().find(|o| {
            o.decl.value.name.value.replace('_', "-") == *feature
                && o.decl.value.feature.value != *feature
        }) {
            diags.push(
                &family.family_file,
                decl.feature.referenced.line(),
                "family.feature",
                format!(
                    "`{feature}` is the name of the family in {}, whose feature is `{}`; a feature spelled like a family's name must enable that family",
                    at(named, named.decl.value.name.referenced.line()),
                    named.decl.value.feature.value
                ),
            );
        }
    }
}

/// The one spec-wide `ErrorCode` has a variant per documented code, so two codes that make the
/// same variant clash wherever they are written (`SYSTEM_ERROR`, `SYSTEM__ERROR`).
pub(super) fn check_error_codes(families: &[LoadedFamily], diags: &mut Diagnostics) {
    let mut variants: BTreeMap<String, (String, String)> = BTreeMap::new();
    for family in families {
        let shared = family
            .decl
            .value
            .common_errors
            .iter()
            .map(|e| (&family.family_file, e, "family.common_errors.code"));
        let own = family.files.iter().flat_map(|file| {
            file.spec
                .operation
                .iter()
                .flat_map(|o| &o.value.errors.value)
                .map(move |e| (&file.path, e, "operation.errors.code"))
        });
        for (path, row, key) in shared.chain(own) {
            let code = &row.value.code.value;
            let line = row.referenced.line();
            let variant = naming::variant_name(code);
            match variants.get(&variant) {
                Some((prev, place)) if prev != code => diags.push(
                    path,
                    line,
                    key,
                    format!(
                        "codes `{prev}` ({place}) and `{code}` both become variant `{variant}` of the spec-wide `{ERROR_CODE_ENUM}`; spell the code as the other place does"
                    ),
                ),
                Some(_) => {}
                None => {
                    let place = format!("{}:{line}", path.display());
                    variants.insert(variant, (code.clone(), place));
                }
            }
        }
    }
}
