//! The wechatpay-apiv3 code generator: `spec/*.yaml` in, the `generated/` crate out.
//!
//! Four phases, each in its own module, over data that never depends on hash order or on the
//! order of files on disk:
//!
//! 1. [`load`]: parse every YAML file (serde-saphyr, locations kept) and group them by family.
//! 2. [`lower`]: check structure, resolve type names, choose Rust names, reject collisions; the
//!    result is the [`model::Api`].
//! 3. [`validate`]: check every example against the rules it must satisfy.
//! 4. [`emit`]: Rust via `quote!`, checked by `syn` and printed by `prettyplease`; Cargo.toml,
//!    README and reference pages via minijinja.
//!
//! A problem anywhere stops everything before a single file is written.

#[cfg(feature = "emit")]
pub mod bundle;
mod cycles;
pub mod diag;
#[cfg(feature = "emit")]
pub mod emit;
pub mod lifecycle;
pub mod load;
pub mod lower;
pub mod model;
pub mod naming;
#[cfg(feature = "emit")]
mod output;
mod paths;
pub mod rules;
pub mod spec;
pub mod validate;

use std::fmt;
use std::path::{Path, PathBuf};

pub use diag::{Diagnostic, Diagnostics};
#[cfg(feature = "emit")]
pub use emit::{Files, Target};
#[cfg(feature = "emit")]
pub use output::{Job, Stale, check, generate, generate_from_sources, jobs, write};

/// Why nothing was generated.
#[derive(Debug)]
pub enum Error {
    /// spec/ has problems; each names its file, line and key.
    Spec(Diagnostics),
    /// The generator produced something invalid (a bug in the generator, not in spec/).
    Emit(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Spec(d) => d.fmt(f),
            Error::Emit(e) => write!(f, "generator error: {e}"),
        }
    }
}

impl std::error::Error for Error {}

/// Loads, checks and lowers spec/ (or only the given family folders, relative to `spec_root`).
pub fn check_spec(spec_root: &Path, only: &[PathBuf]) -> Result<model::Api, Error> {
    let families = load::load_dir(spec_root, only).map_err(Error::Spec)?;
    finish_model(&families)
}

pub(crate) fn finish_model(families: &[load::LoadedFamily]) -> Result<model::Api, Error> {
    let api = lower::lower(families).map_err(Error::Spec)?;
    validate::validate(&api).map_err(Error::Spec)?;
    Ok(api)
}
