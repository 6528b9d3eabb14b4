//! Reading spec/ from disk (or from memory, in tests) into [`SpecFile`]s grouped by family.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostics;
use crate::spec::{FamilyDecl, Sp, SpecFile};

/// The file that declares a family; every other YAML file in its folder belongs to it.
pub const FAMILY_FILE: &str = "family.yaml";

/// One parsed file.
#[derive(Debug)]
pub struct LoadedFile {
    /// Path relative to the spec root, with `/` separators.
    pub path: PathBuf,
    /// Its contents.
    pub spec: SpecFile,
}

/// A family folder: its `family.yaml` declaration and all its files (that one included), sorted.
#[derive(Debug)]
pub struct LoadedFamily {
    /// The folder, relative to the spec root.
    pub dir: PathBuf,
    /// Where `family:` was declared.
    pub family_file: PathBuf,
    /// The declaration.
    pub decl: Sp<FamilyDecl>,
    /// Every file of the family in path order.
    pub files: Vec<LoadedFile>,
}

/// Reads every `*.yaml` under `root` (or only under the given family folders).
pub fn load_dir(root: &Path, only: &[PathBuf]) -> Result<Vec<LoadedFamily>, Diagnostics> {
    let mut sources = BTreeMap::new();
    let mut diags = Diagnostics::default();
    collect(root, root, &mut sources, &mut diags);
    if !only.is_empty() {
        sources.retain(|path: &PathBuf, _| only.iter().any(|dir| path.starts_with(dir)));
    }
    if !diags.is_empty() {
        return Err(diags.sorted());
    }
    load_sources(&sources)
}

/// Every `*.yaml` under `root`, keyed by its path relative to `root` (what [`load_sources`] takes).
pub fn read_sources(root: &Path) -> Result<BTreeMap<PathBuf, String>, Diagnostics> {
    let mut sources = BTreeMap::new();
    let mut diags = Diagnostics::default();
    collect(root, root, &mut sources, &mut diags);
    if diags.is_empty() {
        Ok(sources)
    } else {
        Err(diags.sorted())
    }
}

fn collect(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, String>, diags: &mut Diagnostics) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            diags.push(dir, 0, "", format!("cannot read folder: {e}"));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out, diags);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            match std::fs::read_to_string(&path) {
                Ok(text) => {
                    out.insert(rel, text);
                }
                Err(e) => diags.push(&rel, 0, "", format!("cannot read file: {e}")),
            }
        }
    }
}

/// Parses in-memory sources keyed by their path relative to the spec root.
pub fn load_sources(sources: &BTreeMap<PathBuf, String>) -> Result<Vec<LoadedFamily>, Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut by_dir: BTreeMap<PathBuf, Vec<LoadedFile>> = BTreeMap::new();
    // Folders whose family.yaml did not parse: their other files are not reported again.
    let mut broken_family = std::collections::BTreeSet::new();
    for (path, text) in sources {
        match serde_saphyr::from_str::<SpecFile>(text) {
            Ok(spec) => {
                let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                by_dir.entry(dir).or_default().push(LoadedFile {
                    path: path.clone(),
                    spec,
                });
            }
            Err(e) => {
                let line = e.location().map(|l| l.line()).unwrap_or(0);
                diags.push(path, line, "", yaml_message(&e));
                if path.file_name().is_some_and(|n| n == FAMILY_FILE) {
                    broken_family.insert(path.parent().map(Path::to_path_buf).unwrap_or_default());
                }
            }
        }
    }
    let mut families = Vec::new();
    for (dir, mut files) in by_dir {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let mut decl = None;
        let mut family_file = PathBuf::new();
        for file in &mut files {
            let is_family_file = file.path.file_name().is_some_and(|n| n == FAMILY_FILE);
            match (is_family_file, file.spec.family.take()) {
                (true, Some(d)) => {
                    decl = Some(d);
                    family_file = file.path.clone();
                }
                (true, None) => diags.push(
                    &file.path,
                    1,
                    "family",
                    "family.yaml must declare `family:`",
                ),
                (false, Some(d)) => diags.push(
                    &file.path,
                    d.referenced.line(),
                    "family",
                    "`family:` belongs in family.yaml only",
                ),
                (false, None) => {}
            }
            if !is_family_file && file.spec.operation.is_some() && file.spec.notification.is_some()
            {
                diags.push(
                    &file.path,
                    1,
                    "",
                    "a file holds one operation or one notification, not both",
                );
            }
            if is_family_file && (file.spec.operation.is_some() || file.spec.notification.is_some())
            {
                diags.push(&file.path, 1, "", "family.yaml holds the family and types only; put operations in files of their own");
            }
        }
        match decl {
            Some(decl) => families.push(LoadedFamily {
                dir,
                family_file,
                decl,
                files,
            }),
            None if broken_family.contains(&dir) => {}
            None => {
                for file in &files {
                    diags.push(
                        &file.path,
                        1,
                        "",
                        format!(
                            "no {FAMILY_FILE} in this folder: every spec file belongs to a family"
                        ),
                    );
                }
            }
        }
    }
    if diags.is_empty() {
        Ok(families)
    } else {
        Err(diags.sorted())
    }
}

/// serde-saphyr's message without the snippet and without the location it repeats.
fn yaml_message(e: &serde_saphyr::Error) -> String {
    let text = e.without_snippet().to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    // "line 4 column 5: unknown field ..." -> "unknown field ..."
    let text = match text.split_once(": ") {
        Some((head, rest)) if head.starts_with("line ") => rest,
        _ => text,
    };
    let first = text.lines().next().unwrap_or(text).trim();
    // The location is already in front of the message.
    let message = match first.rfind(" at line ") {
        Some(i) if first[i..].contains(", column ") => &first[..i],
        _ => first,
    };
    // `{ doc: a, b }` reads `b` as a key: the commonest slip in flow mappings.
    let sentence_as_key = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next())
        // Spec keys are snake_case words; anything else is almost always a value's tail.
        .is_some_and(|field| {
            !field
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        });
    if sentence_as_key {
        format!(
            "{message} (a comma inside an unquoted value in `{{ ... }}` ends the value: put the value in quotes)"
        )
    } else {
        message.to_string()
    }
}
