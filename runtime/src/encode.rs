//! Path parameters and query strings of generated requests.
//!
//! The request signature covers the path and query exactly as they go on the wire, so they are
//! encoded once, here (with [`crate::protocol::percent_encode_into`]), and the transport must
//! send the result unchanged.

use std::fmt::Write as _;

use crate::protocol::percent_encode_into;
use crate::{DateTime, OpenEnum};

/// Appends `value` to `out` as one path segment: `/`, `?`, `#`, `%`, spaces and non-ASCII are
/// escaped, so a parameter can never change the route.
pub fn push_path_segment(out: &mut String, value: &str) {
    percent_encode_into(out, value);
}

/// A value that can stand in a query string.
pub trait QueryValue {
    /// Appends the value's text (not yet encoded) to `out`.
    fn write_query_text(&self, out: &mut String);
}

impl QueryValue for str {
    fn write_query_text(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl QueryValue for String {
    fn write_query_text(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl QueryValue for i64 {
    fn write_query_text(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

impl QueryValue for bool {
    fn write_query_text(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl QueryValue for DateTime {
    fn write_query_text(&self, out: &mut String) {
        out.push_str(self.as_str());
    }
}

impl<E: OpenEnum> QueryValue for E {
    fn write_query_text(&self, out: &mut String) {
        out.push_str(self.as_str());
    }
}

/// Builds a query string (`?a=1&b=2`) in the order parameters are pushed.
#[derive(Debug, Default)]
pub struct QueryWriter {
    out: String,
    scratch: String,
}

impl QueryWriter {
    /// An empty query.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `key=value`, percent-encoding both.
    pub fn push<V: QueryValue + ?Sized>(&mut self, key: &str, value: &V) {
        self.out.push(if self.out.is_empty() { '?' } else { '&' });
        percent_encode_into(&mut self.out, key);
        self.out.push('=');
        self.scratch.clear();
        value.write_query_text(&mut self.scratch);
        percent_encode_into(&mut self.out, &self.scratch);
    }

    /// The query string with its leading `?`, or an empty string when nothing was pushed.
    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_cannot_escape_their_slot() {
        let mut out = String::from("/v3/x/");
        push_path_segment(&mut out, "a/b?c#d%e f-_.~中");
        assert_eq!(out, "/v3/x/a%2Fb%3Fc%23d%25e%20f-_.~%E4%B8%AD");
    }

    #[test]
    fn query_in_push_order() {
        let mut q = QueryWriter::new();
        q.push("brand_id", "120344");
        q.push("offset", &20_i64);
        q.push("remark", "a&b=c");
        assert_eq!(q.finish(), "?brand_id=120344&offset=20&remark=a%26b%3Dc");
        assert_eq!(QueryWriter::new().finish(), "");
    }
}
