//! Checks a request must pass before anything is sent.
//!
//! Generated builders and [`crate::Operation::validate`] walk a value with a [`Validator`], which
//! collects every [`Violation`] instead of stopping at the first, so one [`BuildError`] lists
//! every missing field and every broken limit by its JSON path.

use std::fmt;
use std::sync::OnceLock;

use crate::DateTime;

/// A location inside a request, built on the stack while walking; rendered only for errors.
#[derive(Clone, Copy, Debug)]
pub struct FieldPath<'a> {
    parent: Option<&'a FieldPath<'a>>,
    segment: Segment<'a>,
}

#[derive(Clone, Copy, Debug)]
enum Segment<'a> {
    Root,
    Field(&'a str),
    Index(usize),
}

impl<'a> FieldPath<'a> {
    /// The value itself.
    pub const ROOT: FieldPath<'static> = FieldPath {
        parent: None,
        segment: Segment::Root,
    };

    /// The member `name` of this object.
    pub fn field(&'a self, name: &'a str) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            segment: Segment::Field(name),
        }
    }

    /// The element `index` of this array.
    pub fn index(&'a self, index: usize) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            segment: Segment::Index(index),
        }
    }

    fn render(&self, out: &mut String) {
        if let Some(parent) = self.parent {
            parent.render(out);
        }
        match self.segment {
            Segment::Root => {}
            Segment::Field(name) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            Segment::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.render(&mut s);
        f.write_str(&s)
    }
}

/// The rule a value broke.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// A required field was not set.
    Missing,
    /// Fewer characters than allowed.
    TooShort {
        /// The least number of characters.
        min: u64,
        /// The number given.
        actual: u64,
    },
    /// More characters than allowed.
    TooLong {
        /// The greatest number of characters.
        max: u64,
        /// The number given.
        actual: u64,
    },
    /// The text does not match the documented pattern.
    Pattern {
        /// The regular expression.
        pattern: &'static str,
    },
    /// A number below its minimum.
    BelowMinimum {
        /// The least value allowed.
        min: i64,
        /// The value given.
        actual: i64,
    },
    /// A number above its maximum.
    AboveMaximum {
        /// The greatest value allowed.
        max: i64,
        /// The value given.
        actual: i64,
    },
    /// A list with fewer items than allowed.
    TooFewItems {
        /// The least number of items.
        min: u64,
        /// The number given.
        actual: u64,
    },
    /// A list with more items than allowed.
    TooManyItems {
        /// The greatest number of items.
        max: u64,
        /// The number given.
        actual: u64,
    },
    /// A time that is not RFC 3339.
    DateTime,
    /// A file larger than the endpoint accepts.
    FileTooLarge {
        /// The greatest size in bytes.
        max: u64,
        /// The size given.
        actual: u64,
    },
    /// A file whose extension the endpoint does not accept.
    FileType {
        /// The accepted extensions.
        allowed: &'static [&'static str],
    },
}

/// `1 character`, `6 characters`: the noun of a limit, singular for one.
fn counted(n: u64, noun: &str) -> String {
    if n == 1 {
        noun.to_string()
    } else {
        format!("{noun}s")
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Missing => f.write_str("is required"),
            Rule::TooShort { min, actual } => {
                write!(
                    f,
                    "must have at least {min} {} (has {actual})",
                    counted(*min, "character")
                )
            }
            Rule::TooLong { max, actual } => {
                write!(
                    f,
                    "must have at most {max} {} (has {actual})",
                    counted(*max, "character")
                )
            }
            Rule::Pattern { pattern } => write!(f, "must match `{pattern}`"),
            Rule::BelowMinimum { min, actual } => write!(f, "must be at least {min} (is {actual})"),
            Rule::AboveMaximum { max, actual } => write!(f, "must be at most {max} (is {actual})"),
            Rule::TooFewItems { min, actual } => {
                write!(
                    f,
                    "must have at least {min} {} (has {actual})",
                    counted(*min, "item")
                )
            }
            Rule::TooManyItems { max, actual } => {
                write!(
                    f,
                    "must have at most {max} {} (has {actual})",
                    counted(*max, "item")
                )
            }
            Rule::DateTime => {
                f.write_str("must be an RFC 3339 time such as 2025-08-03T12:00:00+08:00")
            }
            Rule::FileTooLarge { max, actual } => {
                write!(
                    f,
                    "must be at most {max} {} (is {actual})",
                    counted(*max, "byte")
                )
            }
            Rule::FileType { allowed } => write!(f, "must be one of: {}", allowed.join(", ")),
        }
    }
}

/// One broken rule and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Dotted path of the field (`associated_order_info.out_trade_no`, `list[2].name`).
    pub field: String,
    /// What is wrong with it.
    pub rule: Rule,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` {}", self.field, self.rule)
    }
}

/// A request (or part of one) that cannot be sent, with every reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError {
    /// The Rust type that was being built or checked.
    pub type_name: &'static str,
    /// Every rule broken, in field order.
    pub violations: Vec<Violation>,
}

impl BuildError {
    /// Whether `field` broke `rule`.
    pub fn has(&self, field: &str, rule: &Rule) -> bool {
        self.violations
            .iter()
            .any(|v| v.field == field && &v.rule == rule)
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: ", self.type_name)?;
        for (i, v) in self.violations.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for BuildError {}

/// A documented pattern, compiled the first time it is used.
pub struct Pattern {
    source: &'static str,
    compiled: OnceLock<Option<regex_lite::Regex>>,
}

impl Pattern {
    /// A pattern from its source. The generator has already checked that it compiles.
    pub const fn new(source: &'static str) -> Self {
        Self {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// The regular expression's source.
    pub fn source(&self) -> &'static str {
        self.source
    }

    /// Whether `text` matches. The generator only emits patterns that compile; were one not to,
    /// nothing would match and every value would be reported against it, rather than panicking.
    pub fn is_match(&self, text: &str) -> bool {
        self.compiled
            .get_or_init(|| regex_lite::Regex::new(self.source).ok())
            .as_ref()
            .is_some_and(|re| re.is_match(text))
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pattern").field(&self.source).finish()
    }
}

/// Implemented by every generated object: checks its own fields and recurses into nested ones.
pub trait Validate {
    /// Adds a violation to `v` for every rule a field under `at` breaks.
    fn validate_at(&self, v: &mut Validator, at: &FieldPath<'_>);

    /// Checks the whole value.
    fn validate(&self) -> Result<(), BuildError> {
        let mut v = Validator::new();
        self.validate_at(&mut v, &FieldPath::ROOT);
        v.finish(
            std::any::type_name::<Self>()
                .rsplit("::")
                .next()
                .unwrap_or("value"),
        )
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate_at(&self, v: &mut Validator, at: &FieldPath<'_>) {
        for (i, item) in self.iter().enumerate() {
            item.validate_at(v, &at.index(i));
        }
    }
}

impl<T: Validate> Validate for Option<T> {
    fn validate_at(&self, v: &mut Validator, at: &FieldPath<'_>) {
        if let Some(item) = self {
            item.validate_at(v, at);
        }
    }
}

/// Collects violations; every check is a no-op that allocates nothing when the value is fine.
#[derive(Debug, Default)]
pub struct Validator {
    violations: Vec<Violation>,
}

impl Validator {
    /// No violations yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a violation.
    pub fn report(&mut self, at: &FieldPath<'_>, rule: Rule) {
        self.violations.push(Violation {
            field: at.to_string(),
            rule,
        });
    }

    /// Records [`Rule::Missing`] when a required value is absent.
    pub fn required<T>(&mut self, at: &FieldPath<'_>, value: &Option<T>) {
        if value.is_none() {
            self.report(at, Rule::Missing);
        }
    }

    /// Checks a length in characters (Unicode scalar values).
    pub fn length(&mut self, at: &FieldPath<'_>, text: &str, min: Option<u64>, max: Option<u64>) {
        // Byte length bounds the character count from above, which skips counting in the
        // common case of short values.
        let bytes = text.len() as u64;
        if min.is_none_or(|m| bytes >= m) && max.is_none_or(|m| bytes <= m) && text.is_ascii() {
            return;
        }
        let actual = text.chars().count() as u64;
        if let Some(min) = min.filter(|&m| actual < m) {
            self.report(at, Rule::TooShort { min, actual });
        }
        if let Some(max) = max.filter(|&m| actual > m) {
            self.report(at, Rule::TooLong { max, actual });
        }
    }

    /// Checks text against a documented pattern.
    pub fn pattern(&mut self, at: &FieldPath<'_>, text: &str, pattern: &'static Pattern) {
        if !pattern.is_match(text) {
            self.report(
                at,
                Rule::Pattern {
                    pattern: pattern.source(),
                },
            );
        }
    }

    /// Checks an integer's bounds.
    pub fn range(&mut self, at: &FieldPath<'_>, value: i64, min: Option<i64>, max: Option<i64>) {
        if let Some(min) = min.filter(|&m| value < m) {
            self.report(at, Rule::BelowMinimum { min, actual: value });
        }
        if let Some(max) = max.filter(|&m| value > m) {
            self.report(at, Rule::AboveMaximum { max, actual: value });
        }
    }

    /// Checks a list's length.
    pub fn items(&mut self, at: &FieldPath<'_>, len: usize, min: Option<u64>, max: Option<u64>) {
        let actual = len as u64;
        if let Some(min) = min.filter(|&m| actual < m) {
            self.report(at, Rule::TooFewItems { min, actual });
        }
        if let Some(max) = max.filter(|&m| actual > m) {
            self.report(at, Rule::TooManyItems { max, actual });
        }
    }

    /// Checks that a time is RFC 3339.
    pub fn date_time(&mut self, at: &FieldPath<'_>, value: &DateTime) {
        if !value.is_valid() {
            self.report(at, Rule::DateTime);
        }
    }

    /// Checks an upload's size and extension.
    pub fn file(
        &mut self,
        at: &FieldPath<'_>,
        file: &crate::UploadFile,
        max_bytes: Option<u64>,
        extensions: &'static [&'static str],
    ) {
        let actual = file.bytes.len() as u64;
        if let Some(max) = max_bytes.filter(|&m| actual > m) {
            self.report(at, Rule::FileTooLarge { max, actual });
        }
        if !extensions.is_empty()
            && !file
                .extension()
                .is_some_and(|e| extensions.contains(&e.as_str()))
        {
            self.report(
                at,
                Rule::FileType {
                    allowed: extensions,
                },
            );
        }
    }

    /// Whether nothing has been reported.
    pub fn is_clean(&self) -> bool {
        self.violations.is_empty()
    }

    /// `Ok` when nothing was reported, else every violation under `type_name`.
    pub fn finish(self, type_name: &'static str) -> Result<(), BuildError> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(self.into_error(type_name))
        }
    }

    /// Every violation reported so far, under `type_name`.
    pub fn into_error(self, type_name: &'static str) -> BuildError {
        BuildError {
            type_name,
            violations: self.violations,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_every_violation_with_its_path() {
        let mut v = Validator::new();
        let root = FieldPath::ROOT;
        let order = root.field("associated_order_info");
        let list = root.field("list");
        v.required::<String>(&root.field("appid"), &None);
        v.length(&order.field("out_request_no"), "abc", Some(6), Some(40));
        v.length(
            &list.index(2).field("name"),
            "全场满100立打8折-新名字超长",
            None,
            Some(15),
        );
        v.range(&root.field("percent_off"), 120, Some(1), Some(99));
        static P: Pattern = Pattern::new("^[0-9A-Za-z_-]+$");
        v.pattern(&root.field("no"), "a b", &P);
        let err = v.finish("Req").unwrap_err();
        assert_eq!(err.violations.len(), 5);
        assert!(err.has("appid", &Rule::Missing));
        assert!(err.has(
            "associated_order_info.out_request_no",
            &Rule::TooShort { min: 6, actual: 3 }
        ));
        assert!(err.has(
            "list[2].name",
            &Rule::TooLong {
                max: 15,
                actual: 16
            }
        ));
        assert_eq!(
            err.to_string(),
            "invalid Req: `appid` is required; `associated_order_info.out_request_no` must have at least 6 characters (has 3); \
             `list[2].name` must have at most 15 characters (has 16); `percent_off` must be at most 99 (is 120); \
             `no` must match `^[0-9A-Za-z_-]+$`"
        );
    }

    #[test]
    fn one_is_singular_in_messages() {
        assert_eq!(
            Rule::TooShort { min: 1, actual: 0 }.to_string(),
            "must have at least 1 character (has 0)"
        );
        assert_eq!(
            Rule::TooFewItems { min: 1, actual: 0 }.to_string(),
            "must have at least 1 item (has 0)"
        );
        assert_eq!(
            Rule::TooLong { max: 2, actual: 3 }.to_string(),
            "must have at most 2 characters (has 3)"
        );
    }

    #[test]
    fn counts_characters_not_bytes() {
        let mut v = Validator::new();
        v.length(
            &FieldPath::ROOT.field("name"),
            "全场满百立减",
            Some(3),
            Some(6),
        );
        assert!(v.is_clean());
    }
}
