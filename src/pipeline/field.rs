//! Steps 3 to 5: one row read as one RFC 4180 record.
//!
//! This is the general path, taken by every row that holds anything
//! besides plain ASCII value characters; `row.rs` has the fast path.

use std::borrow::Cow;

use crate::rule::{Detail, Rejection};
use crate::rule::{Fix, FixSet, Reject};

/// White space as steps 4 and 5 mean it.
pub(crate) fn is_white(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{a0}' | '\u{200b}' | '\u{feff}')
}

/// The single field a row holds after step 5.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Field<'a> {
    pub(crate) value: Cow<'a, str>,
    /// `whitespace`, `trailing-comma` and `quoted`, as they apply.
    pub(crate) fixes: FixSet,
}

struct RawField<'a> {
    value: Cow<'a, str>,
    quoted: bool,
    trimmed: bool,
}

/// Whether a value written as a line reads back as itself, with no fix:
/// not so when `--allow-chars` let through a comma, a leading quote, white
/// space at either end or a final CR.
pub(crate) fn reads_back(value: &[u8]) -> bool {
    !value.ends_with(b"\r")
        && read_row(value).is_ok_and(|field| {
            field.fixes.is_empty() && field.value.as_bytes() == value
        })
}

/// Steps 3 to 5 on a row without its terminator.
pub(crate) fn read_row(row: &[u8]) -> Result<Field<'_>, Rejection> {
    let text = std::str::from_utf8(row).map_err(|e| {
        (Reject::InvalidUtf8, Detail::InvalidUtf8 { at: e.valid_up_to() })
    })?;
    let trimmed = text.trim_matches(is_white);
    let mut fixes = FixSet::EMPTY;
    if trimmed.len() != text.len() {
        fixes.insert(Fix::Whitespace);
    }
    let mut fields = split_fields(trimmed)?;
    while fields.last().is_some_and(|f| f.value.is_empty()) {
        fields.pop();
        fixes.insert(Fix::TrailingComma);
    }
    match fields.len() {
        0 => Err((Reject::EmptyRow, Detail::Empty)),
        1 => {
            let field = fields.pop().expect("one field");
            if field.quoted {
                fixes.insert(Fix::Quoted);
            }
            if field.trimmed {
                fixes.insert(Fix::Whitespace);
            }
            Ok(Field { value: field.value, fixes })
        }
        n => Err((Reject::MultiColumn, Detail::Columns(n))),
    }
}

/// Splits a record into fields, unquoting and trimming each.
fn split_fields(mut rest: &str) -> Result<Vec<RawField<'_>>, Rejection> {
    let mut fields = Vec::new();
    loop {
        let start = rest.trim_start_matches(is_white);
        if let Some(body) = start.strip_prefix('"') {
            let (value, after) = unquote(body)?;
            let after_white = after.trim_start_matches(is_white);
            let trimmed =
                start.len() != rest.len() || after_white.len() != after.len();
            fields.push(RawField { value, quoted: true, trimmed });
            match after_white.strip_prefix(',') {
                Some(next) => rest = next,
                None if after_white.is_empty() => return Ok(fields),
                None => {
                    return Err((Reject::BadQuoting, Detail::TextAfterQuote))
                }
            }
        } else {
            let (raw, next) = match rest.find(',') {
                Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                None => (rest, None),
            };
            let value = raw.trim_matches(is_white);
            let trimmed = value.len() != raw.len();
            fields.push(RawField {
                value: Cow::Borrowed(value),
                quoted: false,
                trimmed,
            });
            match next {
                Some(next) => rest = next,
                None => return Ok(fields),
            }
        }
    }
}

/// Reads a quoted field's body up to its closing quote; returns the
/// content and the text after the closing quote.
fn unquote(body: &str) -> Result<(Cow<'_, str>, &str), Rejection> {
    let unclosed = (Reject::BadQuoting, Detail::UnclosedQuote);
    let bytes = body.as_bytes();
    let mut owned: Option<String> = None;
    let mut from = 0;
    let mut at = 0;
    loop {
        let quote = at + memchr::memchr(b'"', &bytes[at..]).ok_or(unclosed)?;
        if bytes.get(quote + 1) == Some(&b'"') {
            // `""` is one quote: keep the text and one of the two.
            owned
                .get_or_insert_with(String::new)
                .push_str(&body[from..=quote]);
            at = quote + 2;
            from = at;
            continue;
        }
        let value = match owned {
            Some(mut s) => {
                s.push_str(&body[from..quote]);
                Cow::Owned(s)
            }
            None => Cow::Borrowed(&body[..quote]),
        };
        return Ok((value, &body[quote + 1..]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders the outcome as `value [fixes]` or `[reject]`.
    fn read(row: &[u8]) -> String {
        match read_row(row) {
            Ok(field) => {
                let names: Vec<&str> =
                    field.fixes.iter().map(|f| f.name()).collect();
                format!("{} {:?}", field.value, names)
            }
            Err((reject, _)) => format!("[{}]", reject.name()),
        }
    }

    macro_rules! rows {
        ($($name:ident: $input:literal => $want:literal;)+) => {
            $(
                #[test]
                fn $name() {
                    assert_eq!(read($input), $want);
                }
            )+
        };
    }

    rows! {
        plain: b"abcd" => r#"abcd []"#;
        trailing_comma: b"abcd," => r#"abcd ["trailing-comma"]"#;
        trailing_commas_and_space: b"abcd, ,\"\"" => r#"abcd ["trailing-comma"]"#;
        quoted: b"\"abcd\"" => r#"abcd ["quoted"]"#;
        quoted_space_before_comma: b"\"ab\" ," => r#"ab ["whitespace", "trailing-comma", "quoted"]"#;
        quoted_keeps_inner_space: b"\" ab \"" => r#" ab  ["quoted"]"#;
        doubled_quote: b"\"a\"\"b\"" => r#"a"b ["quoted"]"#;
        row_whitespace: b" \tabcd\xc2\xa0" => r#"abcd ["whitespace"]"#;
        field_whitespace: b"abcd ," => r#"abcd ["whitespace", "trailing-comma"]"#;
        quote_inside_unquoted: b"ab\"c" => r#"ab"c []"#;
        unclosed: b"\"abc" => "[bad-quoting]";
        text_after_quote: b"\"ab\"c" => "[bad-quoting]";
        bad_quoting_before_multi_column: b"a,\"b" => "[bad-quoting]";
        bad_quoting_in_trailing_field: b"a,\"" => "[bad-quoting]";
        empty: b"" => "[empty-row]";
        spaces_only: b"  " => "[empty-row]";
        commas_only: b",,," => "[empty-row]";
        empty_quotes: b"\"\"" => "[empty-row]";
        leading_comma: b",abcd" => "[multi-column]";
        two_fields: b"a,b" => "[multi-column]";
        comma_in_quotes: b"\"a,b\"" => r#"a,b ["quoted"]"#;
        invalid_utf8: b"ab\xffcd" => "[invalid-utf8]";
        cr_is_not_white: b"abc\r" => "abc\r []";
    }

    #[test]
    fn invalid_utf8_offset() {
        let err = read_row(b"ab\xffcd").unwrap_err();
        assert_eq!(err.1, Detail::InvalidUtf8 { at: 2 });
    }
}
