//! Problems found in spec/, each tied to a file, a line and a key.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem: where it is and which rule it breaks.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// The spec file, relative to the spec root.
    pub file: PathBuf,
    /// 1-based line, 0 when unknown.
    pub line: u64,
    /// The key (dotted path inside the file) the problem is about.
    pub key: String,
    /// The rule broken, as a sentence.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.file.display(), self.line)?;
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem found; nothing is generated while there is one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Records a problem.
    pub fn push(
        &mut self,
        file: &Path,
        line: u64,
        key: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.0.push(Diagnostic {
            file: file.to_path_buf(),
            line,
            key: key.into(),
            message: message.into(),
        });
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sorts by file and line, so the report reads top to bottom.
    pub fn sorted(mut self) -> Self {
        self.0.sort();
        self.0.dedup();
        self
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        write!(f, "{} problem(s) found; nothing was written", self.0.len())
    }
}

impl std::error::Error for Diagnostics {}
