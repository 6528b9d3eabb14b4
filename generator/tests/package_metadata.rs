//! The generated crate writes its package metadata out instead of inheriting it from the
//! workspace (so `generated/` builds wherever it is copied); those values must stay the
//! workspace's.

fn value<'a>(toml: &'a str, key: &str) -> &'a str {
    toml.lines()
        .find_map(|l| l.strip_prefix(key)?.trim_start().strip_prefix('='))
        .map(|v| v.trim().trim_matches('"'))
        .unwrap_or_else(|| panic!("`{key}` not found"))
}

#[test]
fn generated_manifest_repeats_the_workspace_package_values_and_inherits_nothing() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let workspace =
        std::fs::read_to_string(format!("{root}/Cargo.toml")).expect("workspace manifest");
    for krate in ["generated", "generator/tests/obstacle/crate"] {
        let manifest =
            std::fs::read_to_string(format!("{root}/{krate}/Cargo.toml")).expect("crate manifest");
        assert!(
            !manifest.contains(".workspace"),
            "{krate}/Cargo.toml inherits from the workspace"
        );
        assert!(
            !manifest.contains("workspace = true"),
            "{krate}/Cargo.toml inherits lints"
        );
        for key in ["edition", "rust-version", "license", "repository"] {
            assert_eq!(
                value(&manifest, key),
                value(&workspace, key),
                "{krate}: {key}"
            );
        }
    }
}
