//! Documentation text: spec prose made safe for rustdoc and Markdown, and the one-line summary
//! of a field's wire name and limits.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Field, Limits, Ty, TyKind, range_phrase};

/// Spec prose as Markdown that rustdoc renders as written: brackets cannot become links, angle
/// brackets cannot become HTML, and bare URLs become autolinks.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let url_at = rest
            .find("https://")
            .into_iter()
            .chain(rest.find("http://"))
            .min();
        let (plain, tail) = match url_at {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        for c in plain.chars() {
            match c {
                '[' => out.push_str("\\["),
                ']' => out.push_str("\\]"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '*' => out.push_str("\\*"),
                _ => out.push(c),
            }
        }
        if tail.is_empty() {
            break;
        }
        let end = tail
            .find(|c: char| {
                c.is_whitespace()
                    || matches!(
                        c,
                        ')' | '）' | ',' | '，' | '。' | '`' | '"' | '<' | '>' | ']'
                    )
            })
            .unwrap_or(tail.len());
        let url = tail[..end].trim_end_matches(['.', ';', ':']);
        out.push('<');
        out.push_str(url);
        out.push('>');
        rest = &tail[url.len()..];
    }
    out
}

/// `#[doc = "..."]` lines for spec prose.
pub fn doc_attrs(text: &str) -> TokenStream {
    raw_doc_attrs(&escape(text))
}

/// `#[doc = "..."]` lines for Markdown the generator wrote itself.
pub fn raw_doc_attrs(markdown: &str) -> TokenStream {
    let lines = markdown.lines().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote!(#(#[doc = #lines])*)
}

/// `#![doc = "..."]` lines (module docs).
pub fn inner_doc_attrs(markdown: &str) -> TokenStream {
    let lines = markdown.lines().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote!(#(#![doc = #lines])*)
}

/// A field's documentation: its meaning, then wire name, presence and limits.
pub fn field_doc(f: &Field) -> String {
    let mut facts = vec![
        format!("Wire name `{}`", f.wire),
        if f.required {
            "required".into()
        } else {
            "optional".into()
        },
    ];
    facts.extend(limit_facts(&f.ty));
    if f.sensitive {
        facts.push("RSA-OAEP encrypted on the wire (the client encrypts it in requests, decrypts it in answers)".into());
    }
    format!("{}\n\n{}.", escape(&f.doc), facts.join("; "))
}

/// The limits of a type as short phrases (`at most 32 characters`, `1 to 99`).
pub fn limit_facts(ty: &Ty) -> Vec<String> {
    let Limits {
        min_length,
        max_length,
        pattern,
        minimum,
        maximum,
        min_items,
        max_items,
    } = &ty.limits;
    let mut out = Vec::new();
    if let Some(p) = range_phrase(
        min_length.map(|x| x as i128),
        max_length.map(|x| x as i128),
        "characters",
    ) {
        out.push(p);
    }
    if let Some(p) = pattern {
        out.push(format!("matches `{p}`"));
    }
    if let Some(p) = range_phrase(minimum.map(i128::from), maximum.map(i128::from), "") {
        out.push(p);
    }
    if let Some(p) = range_phrase(
        min_items.map(|x| x as i128),
        max_items.map(|x| x as i128),
        "items",
    ) {
        out.push(p);
    }
    if let TyKind::Array(item) = &ty.kind {
        out.extend(
            limit_facts(item)
                .into_iter()
                .map(|p| format!("each item {p}")),
        );
    }
    if matches!(ty.kind, TyKind::DateTime) {
        out.push("RFC 3339".into());
    }
    out
}

/// The type as a reader of the docs sees it (`string`, `list of Weekday`).
pub fn type_label(ty: &Ty) -> String {
    match &ty.kind {
        TyKind::String => "string".into(),
        TyKind::Integer => "integer".into(),
        TyKind::Boolean => "boolean".into(),
        TyKind::DateTime => "datetime".into(),
        TyKind::Struct(p) => format!("object `{}`", p.name),
        TyKind::Enum(p) => format!("enum `{}`", p.name),
        TyKind::Array(item) => format!("list of {}", type_label(item)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_rustdoc_would_misread() {
        assert_eq!(
            escape("【商品券ID】 a[b] <c> *d*"),
            "【商品券ID】 a\\[b\\] &lt;c&gt; \\*d\\*"
        );
        assert_eq!(
            escape("see https://pay.weixin.qq.com/doc/x.html. Then"),
            "see <https://pay.weixin.qq.com/doc/x.html>. Then"
        );
        assert_eq!(escape("(https://a.b/c)"), "(<https://a.b/c>)");
    }
}
