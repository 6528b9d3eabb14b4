//! Checks a request must pass before anything is sent.
//!
//! Generated builders and [`crate::Operation::validate`] walk a value with a [`Validator`], which
//! collects every [`Violation`] instead of stopping at the first, so one [`BuildError`] lists
//! every missing field and every broken limit by its JSON path.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};

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
    /// A value outside a closed list (strict checks only: spec examples, the simulator).
    NotOneOf {
        /// The documented values.
        allowed: &'static [&'static str],
    },
    /// A JSON value of the wrong type.
    WrongType {
        /// What it must be, e.g. `a string`.
        expected: &'static str,
    },
    /// An explicit `null` (strict checks only).
    Null,
    /// A member the type does not declare (strict checks only).
    NotAField {
        /// The type.
        type_name: &'static str,
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
            Rule::NotOneOf { allowed } => write!(f, "must be one of: {}", allowed.join(", ")),
            Rule::WrongType { expected } => write!(f, "must be {expected}"),
            Rule::Null => f.write_str("is null; leave the field out instead"),
            Rule::NotAField { type_name } => write!(f, "is not a field of {type_name}"),
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

/// Whether `text` matches the documented pattern `source` (a `regex-lite` expression, matched
/// anywhere unless anchored). Each pattern is compiled once per process; a pattern that does not
/// compile matches nothing, so every value is reported against it rather than panicking.
pub fn matches_pattern(source: &str, text: &str) -> bool {
    type Cache = Mutex<HashMap<String, Option<&'static regex_lite::Regex>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let compiled = {
        let mut cache = CACHE
            .get_or_init(Cache::default)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *cache.entry(source.to_owned()).or_insert_with(|| {
            regex_lite::Regex::new(source)
                .ok()
                .map(|re| &*Box::leak(Box::new(re)))
        })
    };
    compiled.is_some_and(|re| re.is_match(text))
}

/// The rules themselves: pure functions, one per kind of limit, shared by every caller (the
/// walker in [`crate::shape`] behind builders and `validate()`, the generator's example checks and
/// the simulator's request checks). `None` means the value passes.
pub mod rules {
    use super::Rule;

    /// A length in characters (Unicode scalar values, so a 4-byte character counts once).
    pub fn length(text: &str, min: u64, max: u64) -> Option<Rule> {
        // The byte length bounds the character count from above: short ASCII skips counting.
        let bytes = text.len() as u64;
        if bytes >= min && bytes <= max && text.is_ascii() {
            return None;
        }
        let actual = text.chars().count() as u64;
        if actual < min {
            Some(Rule::TooShort { min, actual })
        } else if actual > max {
            Some(Rule::TooLong { max, actual })
        } else {
            None
        }
    }

    /// A documented pattern.
    pub fn pattern(text: &str, pattern: &'static str) -> Option<Rule> {
        (!super::matches_pattern(pattern, text)).then_some(Rule::Pattern { pattern })
    }

    /// An integer's bounds.
    pub fn range(value: i64, min: i64, max: i64) -> Option<Rule> {
        if value < min {
            Some(Rule::BelowMinimum { min, actual: value })
        } else if value > max {
            Some(Rule::AboveMaximum { max, actual: value })
        } else {
            None
        }
    }

    /// A list's length.
    pub fn items(len: usize, min: u64, max: u64) -> Option<Rule> {
        let actual = len as u64;
        if actual < min {
            Some(Rule::TooFewItems { min, actual })
        } else if actual > max {
            Some(Rule::TooManyItems { max, actual })
        } else {
            None
        }
    }

    /// RFC 3339 date-time (real calendar dates, hours below 24).
    pub fn date_time(text: &str) -> Option<Rule> {
        (!crate::datetime::is_rfc3339(text)).then_some(Rule::DateTime)
    }

    /// Membership of a closed list of values (the strict check of spec examples and of what the
    /// simulator receives; the client keeps unknown values of its open enums).
    pub fn one_of(value: &str, allowed: &'static [&'static str]) -> Option<Rule> {
        (!allowed.contains(&value)).then_some(Rule::NotOneOf { allowed })
    }

    /// An upload's size in bytes.
    pub fn file_size(size: u64, max: u64) -> Option<Rule> {
        (size > max).then_some(Rule::FileTooLarge { max, actual: size })
    }

    /// An upload's extension (lower-cased; `allowed` empty means any).
    pub fn file_type(file_name: &str, allowed: &'static [&'static str]) -> Option<Rule> {
        let ext = file_name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase());
        let ok = allowed.is_empty() || ext.is_some_and(|e| allowed.contains(&e.as_str()));
        (!ok).then_some(Rule::FileType { allowed })
    }
}

/// Implemented by every generated struct: checks the value against its own rule table.
pub trait Validate {
    /// Every missing field and broken limit, at once.
    fn validate(&self) -> Result<(), BuildError>;
}

impl<T: crate::shape::Shaped + crate::Json> Validate for T {
    fn validate(&self) -> Result<(), BuildError> {
        crate::shape::validate(self)
    }
}

/// Collects violations.
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

    /// Records `rule` when there is one.
    pub fn check(&mut self, at: &FieldPath<'_>, rule: Option<Rule>) {
        if let Some(rule) = rule {
            self.report(at, rule);
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
        v.report(&root.field("appid"), Rule::Missing);
        v.check(&order.field("out_request_no"), rules::length("abc", 6, 40));
        v.check(
            &list.index(2).field("name"),
            rules::length("全场满100立打8折-新名字超长", 0, 15),
        );
        v.check(&root.field("percent_off"), rules::range(120, 1, 99));
        v.check(&root.field("no"), rules::pattern("a b", "^[0-9A-Za-z_-]+$"));
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
        assert_eq!(rules::length("全场满百立减", 3, 6), None);
    }
}
