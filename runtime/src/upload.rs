//! Files for the multipart media-upload endpoints.

use std::fmt;

/// A file to upload: its name (the extension tells WeChat Pay the format) and its bytes.
///
/// The upload endpoints sign only the `meta` JSON (`filename` and the SHA-256 of the bytes); the
/// runtime computes both, so callers give nothing but the file.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct UploadFile {
    /// File name with extension, e.g. `logo.png`.
    pub file_name: String,
    /// The file's contents.
    pub bytes: Vec<u8>,
}

impl UploadFile {
    /// A file from its name and contents.
    pub fn new(file_name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            file_name: file_name.into(),
            bytes: bytes.into(),
        }
    }

    /// The lower-cased extension of the file name, if any.
    pub fn extension(&self) -> Option<String> {
        let (_, ext) = self.file_name.rsplit_once('.')?;
        Some(ext.to_ascii_lowercase())
    }
}

impl fmt::Debug for UploadFile {
    /// Shows the name and size, never the contents.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadFile")
            .field("file_name", &self.file_name)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// What the rule table sees of a file: `{"file_name": .., "size": ..}`.
pub(crate) fn summary_of(file: &UploadFile) -> serde_json::Value {
    serde_json::json!({ "file_name": file.file_name, "size": file.bytes.len() })
}

/// Serde for a request's `file` field: its summary goes out, never its bytes; reading a summary
/// back gives a file with that name and no bytes (builders put the real file back).
#[doc(hidden)]
pub mod summary {
    use super::UploadFile;

    /// Writes the summary.
    pub fn serialize<S: serde::Serializer>(file: &UploadFile, s: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&super::summary_of(file), s)
    }

    /// Reads a summary's name.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<UploadFile, D::Error> {
        #[derive(serde::Deserialize)]
        struct Summary {
            file_name: String,
        }
        let s: Summary = serde::Deserialize::deserialize(d)?;
        Ok(UploadFile::new(s.file_name, Vec::new()))
    }
}
