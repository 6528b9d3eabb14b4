//! Just enough multipart/form-data to read an upload's `meta` and `file` parts.

/// The two parts of a media upload.
#[derive(Debug)]
pub struct Upload {
    /// The `meta` part, byte for byte (it is what the client signed).
    pub meta: Vec<u8>,
    /// The `file` part's contents.
    pub file: Vec<u8>,
}

/// Parses a multipart body; `None` when it is not multipart or lacks `meta` or `file`.
pub fn parse(content_type: &str, body: &[u8]) -> Option<Upload> {
    let boundary = content_type
        .strip_prefix("multipart/form-data")?
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))?
        .trim_matches('"');
    let delimiter = format!("--{boundary}").into_bytes();
    let mut meta = None;
    let mut file = None;
    for part in split(body, &delimiter) {
        let Some(head_end) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..head_end]);
        let mut content = &part[head_end + 4..];
        if content.ends_with(b"\r\n") {
            content = &content[..content.len() - 2];
        }
        if head.contains("name=\"meta\"") {
            meta = Some(content.to_vec());
        } else if head.contains("name=\"file\"") {
            file = Some(content.to_vec());
        }
    }
    Some(Upload {
        meta: meta?,
        file: file?,
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split<'a>(body: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    let mut rest = body;
    while let Some(at) = find(rest, delimiter) {
        let (before, after) = rest.split_at(at);
        if !before.is_empty() {
            parts.push(before);
        }
        rest = &after[delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        rest = rest.strip_prefix(b"\r\n").unwrap_or(rest);
    }
    parts
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_meta_and_file() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"filename\":\"a.png\"}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n\x01\x02\r\n--XyZ--\r\n";
        let u = super::parse("multipart/form-data; boundary=XyZ", body).expect("parses");
        assert_eq!(u.meta, b"{\"filename\":\"a.png\"}");
        assert_eq!(u.file, b"\x01\x02");
        assert!(super::parse("application/json", body).is_none());
    }
}
