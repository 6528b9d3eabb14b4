//! spec/ as one Rust file, for a crate that serves the spec at run time (the simulator).
//!
//! A packaged crate holds only its own folder, so the simulator cannot read `../spec` once it is
//! installed from a registry or a git dependency. `cargo xtask gen` writes this file into it
//! instead (guarded by `gen --check` like `generated/`): the sources are embedded as written,
//! and checked first, so a bundle never holds a spec the generator would refuse.

use std::path::Path;

use crate::emit::{Files, HEADER};
use crate::{Error, check_spec, load};

/// The file name the bundle is written as, inside its folder.
pub const BUNDLE_FILE: &str = "spec_sources.rs";

/// One file, [`BUNDLE_FILE`]: `pub static SOURCES: &[(&str, &str)]`, every spec file as (path
/// relative to spec/, text), in path order.
pub fn spec_bundle(spec_root: &Path) -> Result<Files, Error> {
    check_spec(spec_root, &[])?;
    let sources = load::read_sources(spec_root).map_err(Error::Spec)?;
    let mut code = format!(
        "// {HEADER}\n\n/// Every spec file: path relative to spec/, contents.\npub static SOURCES: &[(&str, &str)] = &[\n"
    );
    for (path, text) in &sources {
        // `{:?}` writes a valid Rust string literal (escapes for quotes, backslashes, controls).
        let rel = path.to_string_lossy().replace('\\', "/");
        code.push_str(&format!("    ({rel:?}, {text:?}),\n"));
    }
    code.push_str("];\n");
    Ok(Files::from([(BUNDLE_FILE.into(), code)]))
}
