//! Writing crates: generate in memory, compare with disk, write (only with the `emit` feature).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::emit::{self, Files, Target};
use crate::{Error, check_spec, finish_model, load};

/// Every file of the crate described by a spec folder.
pub fn generate(spec_root: &Path, target: &Target) -> Result<Files, Error> {
    let api = check_spec(spec_root, &[])?;
    emit::emit(&api, target).map_err(Error::Emit)
}

/// Every file of a crate, from in-memory sources keyed by path relative to a spec root.
pub fn generate_from_sources(
    sources: &BTreeMap<PathBuf, String>,
    target: &Target,
) -> Result<Files, Error> {
    let families = load::load_sources(sources).map_err(Error::Spec)?;
    let api = finish_model(&families)?;
    emit::emit(&api, target).map_err(Error::Emit)
}

/// One generation: a spec folder, the crate folder it produces, and that crate's name.
#[derive(Clone, Debug)]
pub struct Job {
    /// The spec folder.
    pub spec: PathBuf,
    /// The crate folder written.
    pub out: PathBuf,
    /// The crate's identity.
    pub target: Target,
}

/// Everything `cargo xtask gen` produces: the real crate, and the fixture crates whose committed
/// output doubles as the generator's snapshot and compile tests.
pub fn jobs(workspace_root: &Path) -> Vec<Job> {
    let fixture = |name: &str| Job {
        spec: workspace_root
            .join("generator/tests")
            .join(name)
            .join("spec"),
        out: workspace_root
            .join("generator/tests")
            .join(name)
            .join("crate"),
        target: Target {
            crate_name: format!("wechatpay-apiv3-fixture-{name}"),
            runtime_path: "../../../../runtime".into(),
        },
    };
    vec![
        Job {
            spec: workspace_root.join("spec"),
            out: workspace_root.join("generated"),
            target: Target::main(),
        },
        fixture("obstacle"),
    ]
}

/// How a file on disk differs from what the generator produces.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stale {
    /// Exists with other contents.
    Changed(PathBuf),
    /// Should exist and does not.
    Missing(PathBuf),
    /// Exists but the generator no longer produces it.
    Orphaned(PathBuf),
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stale::Changed(p) => write!(f, "stale:    {}", p.display()),
            Stale::Missing(p) => write!(f, "missing:  {}", p.display()),
            Stale::Orphaned(p) => write!(f, "orphaned: {}", p.display()),
        }
    }
}

/// Files under `out_dir` (other than build output) that the generator owns.
fn existing_files(out_dir: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            if rel.starts_with("target") {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    walk(out_dir, out_dir, &mut out);
    out.sort();
    out
}

/// Compares `files` with `out_dir`.
pub fn check(files: &Files, out_dir: &Path) -> Vec<Stale> {
    let mut stale = Vec::new();
    for (path, text) in files {
        match std::fs::read_to_string(out_dir.join(path)) {
            Ok(current) if current == *text => {}
            Ok(_) => stale.push(Stale::Changed(path.clone())),
            Err(_) => stale.push(Stale::Missing(path.clone())),
        }
    }
    for path in existing_files(out_dir) {
        if !files.contains_key(&path) {
            stale.push(Stale::Orphaned(path));
        }
    }
    stale.sort();
    stale
}

/// Writes `files` into `out_dir`, removing orphans; returns what changed.
pub fn write(files: &Files, out_dir: &Path) -> std::io::Result<Vec<Stale>> {
    let changes = check(files, out_dir);
    for change in &changes {
        match change {
            Stale::Changed(p) | Stale::Missing(p) => {
                let path = out_dir.join(p);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&path, &files[p])?;
            }
            Stale::Orphaned(p) => {
                std::fs::remove_file(out_dir.join(p))?;
                let mut dir = out_dir.join(p);
                while dir.pop() && dir != out_dir && std::fs::remove_dir(&dir).is_ok() {}
            }
        }
    }
    Ok(changes)
}
