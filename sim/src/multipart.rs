//! Just enough multipart/form-data to read an upload's `meta` and `file` parts.
//!
//! Every search is linear in the body (`memchr::memmem`), and the boundary is at most 70
//! characters (RFC 2046, 5.1.1), so an unsigned request cannot make the simulator spend more than
//! one pass over its (size-capped) body. The client signs only `meta`; [`meta`] finds it without
//! reading further, so the signature is checked before the rest of the body is looked at.

use memchr::memmem::Finder;

/// Longest boundary RFC 2046 allows.
pub const MAX_BOUNDARY: usize = 70;

/// The two parts of a media upload.
#[derive(Debug)]
pub struct Upload {
    /// The `meta` part, byte for byte (it is what the client signed).
    pub meta: Vec<u8>,
    /// The `file` part's contents.
    pub file: Vec<u8>,
}

/// The boundary of a `multipart/form-data` content type: `None` when the body is not multipart,
/// the reason when the boundary is missing or not one RFC 2046 allows.
pub fn boundary(content_type: &str) -> Option<Result<&str, String>> {
    let params = content_type.strip_prefix("multipart/form-data")?;
    let Some(boundary) = params
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
    else {
        return Some(Err("multipart/form-data without a boundary".into()));
    };
    let boundary = boundary
        .strip_prefix('"')
        .and_then(|b| b.strip_suffix('"'))
        .unwrap_or(boundary);
    // bchars of RFC 2046: digits, letters, '()+_,-./:=? and space, not last.
    let allowed = |c: char| c.is_ascii_alphanumeric() || "'()+_,-./:=? ".contains(c);
    Some(if boundary.is_empty() || boundary.len() > MAX_BOUNDARY {
        Err(format!(
            "the multipart boundary has {} characters; RFC 2046 allows 1 to {MAX_BOUNDARY}",
            boundary.len()
        ))
    } else if !boundary.chars().all(allowed) || boundary.ends_with(' ') {
        Err("the multipart boundary holds a character RFC 2046 does not allow".into())
    } else {
        Ok(boundary)
    })
}

/// The first `meta` part's content, reading no further than its end.
pub fn meta<'a>(boundary: &str, body: &'a [u8]) -> Option<&'a [u8]> {
    parts(boundary, body)
        .find(|p| p.name == Some("meta"))
        .map(|p| p.content)
}

/// The upload; `None` when the body lacks a `meta` or a `file` part, or has either twice.
pub fn parse(boundary: &str, body: &[u8]) -> Option<Upload> {
    let (mut meta, mut file) = (None, None);
    for part in parts(boundary, body) {
        let slot = match part.name {
            Some("meta") => &mut meta,
            Some("file") => &mut file,
            _ => continue,
        };
        if slot.replace(part.content).is_some() {
            return None;
        }
    }
    Some(Upload {
        meta: meta?.to_vec(),
        file: file?.to_vec(),
    })
}

/// One part: the `name` of its Content-Disposition, and its content.
struct Part<'a> {
    name: Option<&'a str>,
    content: &'a [u8],
}

/// The parts between `--boundary` delimiters, in order, each found by one linear search that
/// starts where the previous one ended. The preamble and an unterminated last part are skipped.
fn parts<'a>(boundary: &str, body: &'a [u8]) -> impl Iterator<Item = Part<'a>> {
    let delimiter = format!("--{boundary}").into_bytes();
    let finder = Finder::new(&delimiter).into_owned();
    let mut rest = finder.find(body).map(|at| &body[at + delimiter.len()..]);
    std::iter::from_fn(move || {
        let after = rest.take()?;
        if after.starts_with(b"--") {
            return None; // the close delimiter
        }
        let after = after.strip_prefix(b"\r\n").unwrap_or(after);
        let at = finder.find(after)?;
        rest = Some(&after[at + delimiter.len()..]);
        let raw = &after[..at];
        // The CRLF before a delimiter belongs to the delimiter.
        let raw = raw.strip_suffix(b"\r\n").unwrap_or(raw);
        Some(match memchr::memmem::find(raw, b"\r\n\r\n") {
            Some(end) => Part {
                name: disposition_name(&raw[..end]),
                content: &raw[end + 4..],
            },
            None => Part {
                name: None,
                content: raw,
            },
        })
    })
}

/// The `name="..."` parameter of a part's Content-Disposition header (not `filename=`).
fn disposition_name(head: &[u8]) -> Option<&str> {
    let head = std::str::from_utf8(head).ok()?;
    let line = head.split("\r\n").find(|l| {
        l.get(..20)
            .is_some_and(|n| n.eq_ignore_ascii_case("content-disposition:"))
    })?;
    line[20..]
        .split(';')
        .find_map(|p| p.trim().strip_prefix("name="))
        .map(|v| v.trim_matches('"'))
}

#[cfg(test)]
mod tests {
    const BODY: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"filename\":\"a.png\"}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n\x01\x02\r\n--XyZ--\r\n";

    #[test]
    fn reads_meta_and_file() {
        let b = super::boundary("multipart/form-data; boundary=XyZ")
            .expect("multipart")
            .expect("a good boundary");
        let u = super::parse(b, BODY).expect("parses");
        assert_eq!(u.meta, b"{\"filename\":\"a.png\"}");
        assert_eq!(u.file, b"\x01\x02");
        assert_eq!(super::meta(b, BODY), Some(&b"{\"filename\":\"a.png\"}"[..]));
        assert!(super::boundary("application/json").is_none());
    }

    #[test]
    fn a_file_named_meta_is_still_the_file() {
        let body = b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"meta\"\r\n\r\nF\r\n--B\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\nM\r\n--B--\r\n";
        let u = super::parse("B", body).expect("parses");
        assert_eq!(
            (u.meta.as_slice(), u.file.as_slice()),
            (&b"M"[..], &b"F"[..])
        );
    }

    #[test]
    fn a_part_given_twice_is_refused() {
        let body = b"--B\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\nM\r\n--B\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\nN\r\n--B\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nF\r\n--B--\r\n";
        assert!(super::parse("B", body).is_none());
    }

    #[test]
    fn boundaries_follow_rfc_2046() {
        let ct = |b: &str| format!("multipart/form-data; boundary={b}");
        let ok = "a".repeat(70);
        assert_eq!(super::boundary(&ct(&ok)), Some(Ok(ok.as_str())));
        assert_eq!(
            super::boundary(&ct(&"-".repeat(71))),
            Some(Err(
                "the multipart boundary has 71 characters; RFC 2046 allows 1 to 70".into()
            ))
        );
        assert!(matches!(super::boundary(&ct("")), Some(Err(_))));
        assert!(matches!(super::boundary(&ct("a\u{7f}b")), Some(Err(_))));
        assert!(matches!(
            super::boundary("multipart/form-data"),
            Some(Err(_))
        ));
        assert_eq!(super::boundary(&ct("\"q b\"")), Some(Ok("q b")));
    }
}
