//! The one place where wire names become Rust names.
//!
//! Rules: fields and modules are snake_case, types and variants PascalCase; a name that is a Rust
//! keyword gets a trailing underscore (`type` -> `type_`); serde keeps the wire name whenever the
//! Rust name differs. Collisions are not resolved here: callers report them as errors.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Every keyword of Rust 2024, strict and reserved, plus `Self`/`self`-like names that cannot be
/// raw identifiers.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

fn unkeyword(name: String) -> String {
    if KEYWORDS.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

/// Whether `name` is a plain (non-raw) Rust identifier that is not a keyword.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && name != "_"
        && !KEYWORDS.contains(&name)
}

/// Rust field or setter name for a wire name (`couponCode`, `coupon-code` -> `coupon_code`).
pub fn field_name(wire: &str) -> String {
    unkeyword(wire.to_snake_case())
}

/// Rust module name for an operation or notification id.
pub fn module_name(id: &str) -> String {
    unkeyword(id.to_snake_case())
}

/// PascalCase prefix of an operation's types (`use_coupon` -> `UseCoupon`).
pub fn type_prefix(id: &str) -> String {
    id.to_upper_camel_case()
}

/// Default name of an inline object or enum under field `wire`.
pub fn inline_type_name(wire: &str) -> String {
    unkeyword(wire.to_upper_camel_case())
}

/// Default name of an array's inline element type: the field without a `_list` suffix, else with
/// `Item` added (`day_period_list` -> `DayPeriod`, `data` -> `DataItem`).
pub fn item_type_name(wire: &str) -> String {
    match wire
        .strip_suffix("_list")
        .or_else(|| wire.strip_suffix("List"))
    {
        Some(stem) if !stem.is_empty() => inline_type_name(stem),
        _ => format!("{}Item", wire.to_upper_camel_case()),
    }
}

/// The builder type of a type (`Amount` -> `AmountBuilder`).
pub fn builder_name(type_name: &str) -> String {
    format!("{type_name}Builder")
}

/// The request type of an operation's type prefix (`UseCoupon` -> `UseCouponRequest`).
pub fn request_name(prefix: &str) -> String {
    format!("{prefix}Request")
}

/// Enum variant for a wire value (`SENDED` -> `Sended`, `COUPON.SEND` -> `CouponSend`,
/// `Color010` -> `Color010`); a value starting with a digit gets a `V` prefix.
pub fn variant_name(wire: &str) -> String {
    let name = wire.to_upper_camel_case();
    let name = if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{name}")
    } else {
        name
    };
    unkeyword(name)
}

/// Whether a spec-given type name is PascalCase (and so used as is).
pub fn is_pascal_case(name: &str) -> bool {
    is_identifier(name) && name.starts_with(|c: char| c.is_ascii_uppercase()) && !name.contains('_')
}

/// Whether a name of the spec's own (an operation or notification id, a lifecycle or transition)
/// is snake_case; a Rust keyword is fine (`use`: its module takes `_`).
pub fn is_snake_case_word(name: &str) -> bool {
    is_snake_case(name) || is_snake_case(&format!("{name}_"))
}

/// Whether an id or module segment is snake_case.
pub fn is_snake_case(name: &str) -> bool {
    is_identifier(name)
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c == '_' || c.is_ascii_lowercase() || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_and_odd_names() {
        assert_eq!(field_name("type"), "type_");
        assert_eq!(field_name("use"), "use_");
        assert_eq!(field_name("self"), "self_");
        assert_eq!(field_name("couponCode"), "coupon_code");
        assert_eq!(field_name("Content-Type"), "content_type");
        assert_eq!(module_name("use"), "use_");
        assert_eq!(type_prefix("use_user_coupon"), "UseUserCoupon");
        assert_eq!(inline_type_name("product-coupon"), "ProductCoupon");
        assert_eq!(item_type_name("day_period_list"), "DayPeriod");
        assert_eq!(item_type_name("data"), "DataItem");
        assert_eq!(variant_name("SENDED"), "Sended");
        assert_eq!(variant_name("COUPON.SEND"), "CouponSend");
        assert_eq!(variant_name("Color010"), "Color010");
        assert_eq!(variant_name("2G"), "V2g");
        assert_eq!(variant_name("Self"), "Self_");
        assert!(
            is_pascal_case("Result") && !is_pascal_case("user_coupon") && !is_pascal_case("Self")
        );
        assert!(
            is_snake_case("use_coupon") && !is_snake_case("UseCoupon") && !is_snake_case("use")
        );
        assert!(
            is_snake_case_word("use")
                && is_snake_case_word("return_2")
                && !is_snake_case_word("Use")
                && !is_snake_case_word("2nd")
                && !is_snake_case_word("")
        );
    }
}
