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
    let (mut sources, mut diags) = walk(root);
    if !only.is_empty() {
        sources.retain(|path: &PathBuf, _| only.iter().any(|dir| path.starts_with(dir)));
        diags
            .0
            .retain(|d| only.iter().any(|dir| d.file.starts_with(dir)));
    }
    if !diags.is_empty() {
        return Err(diags.sorted());
    }
    load_sources(&sources)
}

/// Every `*.yaml` under `root`, keyed by its path relative to `root` (what [`load_sources`] takes).
pub fn read_sources(root: &Path) -> Result<BTreeMap<PathBuf, String>, Diagnostics> {
    let (sources, diags) = walk(root);
    if diags.is_empty() {
        Ok(sources)
    } else {
        Err(diags.sorted())
    }
}

/// Every spec file under `root` with the problems met on the way.
fn walk(root: &Path) -> (BTreeMap<PathBuf, String>, Diagnostics) {
    let mut sources = BTreeMap::new();
    let mut diags = Diagnostics::default();
    collect(root, root, &mut sources, &mut diags);
    (sources, diags)
}

/// Largest spec file read; the biggest real one is a few dozen KiB.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Walks `dir` without following links: only folders and regular files inside `root` are read,
/// so a link to `/`, a link cycle, a FIFO or a device can neither hang nor exhaust the loader.
fn collect(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, String>, diags: &mut Diagnostics) {
    let rel = |path: &Path| path.strip_prefix(root).unwrap_or(path).to_path_buf();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            diags.push(&rel(dir), 0, "", format!("cannot read folder: {e}"));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        // `DirEntry::file_type` does not follow links (lstat), unlike `Path::is_dir`.
        let Ok(kind) = entry.file_type() else {
            diags.push(&rel(&path), 0, "", "cannot read the file type");
            continue;
        };
        if kind.is_symlink() {
            diags.push(&rel(&path), 0, "", "a symbolic link: spec/ holds only folders and regular files, and the loader follows no links");
        } else if kind.is_dir() {
            collect(root, &path, out, diags);
        } else {
            match spec_extension(&path) {
                SpecName::Spec if !kind.is_file() => diags.push(
                    &rel(&path),
                    0,
                    "",
                    "not a regular file (a FIFO, socket or device); spec files are regular files",
                ),
                SpecName::Spec => match read_capped(&path) {
                    Ok(text) => {
                        out.insert(rel(&path), text);
                    }
                    Err((line, message)) => diags.push(&rel(&path), line, "", message),
                },
                SpecName::WrongCase => diags.push(
                    &rel(&path),
                    0,
                    "",
                    "spec files end in `.yaml` or `.yml`, in lower case; rename it (it would otherwise be ignored)",
                ),
                SpecName::Other => {}
            }
        }
    }
}

/// How a file name relates to the spec files.
enum SpecName {
    /// `*.yaml` or `*.yml`: read.
    Spec,
    /// `*.YAML`, `*.Yml`...: looks like a spec file but would be skipped, so it is refused.
    WrongCase,
    /// Anything else (README.md, ...): not part of the spec.
    Other,
}

fn spec_extension(path: &Path) -> SpecName {
    match path.extension().and_then(|e| e.to_str()) {
        Some("yaml" | "yml") => SpecName::Spec,
        Some(e) if e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml") => {
            SpecName::WrongCase
        }
        _ => SpecName::Other,
    }
}

/// Reads a regular file of at most [`MAX_FILE_BYTES`]; on failure, the line (0 for the whole
/// file) and what went wrong.
fn read_capped(path: &Path) -> Result<String, (u64, String)> {
    use std::io::Read as _;
    let io = |e: std::io::Error| (0, format!("cannot read file: {e}"));
    let too_big = |n: u64| {
        (
            0,
            format!("file is {n} bytes, more than the {MAX_FILE_BYTES} allowed"),
        )
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    if len > MAX_FILE_BYTES {
        return Err(too_big(len));
    }
    // The file may grow between the size check and the read: read one byte past the cap at most.
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| not_utf8(e.as_bytes(), e.utf8_error().valid_up_to()))
}

/// Where a file stops being UTF-8: its line, and a message with the byte offset and column.
fn not_utf8(bytes: &[u8], offset: usize) -> (u64, String) {
    let before = &bytes[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    let message = format!(
        "not UTF-8: byte 0x{:02X} at byte offset {offset} (column {column}); spec files are UTF-8 text",
        bytes[offset]
    );
    (line as u64, message)
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
                let (line, key, message) = yaml_diagnostic(&e, text);
                diags.push(path, line, key, message);
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

/// Longest plain YAML key: the YAML 1.2 limit for an implicit key (spec 7.4.2), past which the
/// parser only says "simple key expected".
const MAX_KEY_CHARS: usize = 1024;

/// A YAML error as `(line, key, message)`, in the project's words where serde-saphyr's would
/// point at its own API.
fn yaml_diagnostic(e: &serde_saphyr::Error, text: &str) -> (u64, String, String) {
    let line = e.location().map_or(0, |l| l.line());
    match e.without_snippet() {
        serde_saphyr::Error::DuplicateMappingKey { key: Some(key), .. } => (
            line,
            key.clone(),
            "key appears twice in this mapping".into(),
        ),
        serde_saphyr::Error::DuplicateMappingKey { key: None, .. } => (
            line,
            String::new(),
            "a key appears twice in this mapping".into(),
        ),
        serde_saphyr::Error::MultipleDocuments { .. } => (
            document_marker(text, line).unwrap_or(line),
            String::new(),
            "a second YAML document (`---` or `...`): a spec file holds exactly one".into(),
        ),
        // The parser's wording ("simple key expected", "expected mapping start") does not say
        // that the key is the problem.
        _ => match overlong_key(text, line) {
            Some((key_line, chars)) => (
                key_line,
                String::new(),
                format!(
                    "a key of {chars} characters; YAML allows at most {MAX_KEY_CHARS} in a key (names here are short)"
                ),
            ),
            _ => (line, String::new(), yaml_message(e)),
        },
    }
}

/// The first line up to `until` that reads `key:` with a key longer than YAML allows, and the
/// key's length.
fn overlong_key(text: &str, until: u64) -> Option<(u64, usize)> {
    text.lines()
        .take(usize::try_from(until).unwrap_or(usize::MAX))
        .enumerate()
        .find_map(|(i, l)| {
            let (key, _) = l.trim_start().trim_start_matches("- ").split_once(':')?;
            let chars = key.chars().count();
            (chars > MAX_KEY_CHARS && !key.contains(char::is_whitespace))
                .then_some((i as u64 + 1, chars))
        })
}

/// The line of the last `---` or `...` marker up to `until`: where the second document begins.
fn document_marker(text: &str, until: u64) -> Option<u64> {
    text.lines()
        .take(usize::try_from(until).unwrap_or(usize::MAX))
        .enumerate()
        .filter(|(_, l)| l.starts_with("---") || l.starts_with("..."))
        .last()
        .map(|(i, _)| i as u64 + 1)
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
