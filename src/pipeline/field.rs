//! Steps 3 to 5: one row read as one RFC 4180 record, or one field
//! picked from it.
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

/// White space that is not the delimiter: a tab that separates fields is
/// never trimmed away.
fn white_but(delimiter: u8) -> impl Fn(char) -> bool + Copy {
    move |c| is_white(c) && c != char::from(delimiter)
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
    /// White space around the field or inside its quotes was removed.
    trimmed: bool,
}

/// Whether a value written as a line reads back as itself, with no fix:
/// not so when `--allow-chars` let through a comma, a leading quote, white
/// space at either end or a final CR.
pub(crate) fn reads_back(value: &[u8]) -> bool {
    !value.ends_with(b"\r")
        && read_row(value, b',').is_ok_and(|field| {
            field.fixes.is_empty() && field.value.as_bytes() == value
        })
}

fn utf8(row: &[u8]) -> Result<&str, Rejection> {
    std::str::from_utf8(row).map_err(|e| {
        (Reject::InvalidUtf8, Detail::InvalidUtf8 { at: e.valid_up_to() })
    })
}

/// Steps 3 to 5 on a row without its terminator.
pub(crate) fn read_row(
    row: &[u8],
    delimiter: u8,
) -> Result<Field<'_>, Rejection> {
    let text = utf8(row)?;
    let trimmed = text.trim_matches(white_but(delimiter));
    let mut fixes = FixSet::EMPTY;
    if trimmed.len() != text.len() {
        fixes.insert(Fix::Whitespace);
    }
    // A field at a time: a row of commas must not become a list of
    // empty fields. Only the first field matters, and how many fields
    // there are up to the last non-empty one.
    let mut first = None;
    let mut total = 0;
    let mut count = 0;
    let mut fields = fields(trimmed, delimiter);
    loop {
        total += fields.skip_bare();
        let Some(field) = fields.next() else { break };
        let field = field?;
        total += 1;
        if !field.value.is_empty() {
            count = total;
        }
        if total == 1 {
            first = Some(field);
        }
    }
    if total > count {
        fixes.insert(Fix::TrailingComma);
    }
    match (count, first) {
        (1, Some(field)) => {
            let fixes = fixes | field.fixes();
            Ok(Field { value: field.value, fixes })
        }
        (0, _) => Err((Reject::EmptyRow, Detail::Empty)),
        (n, _) => Err((Reject::MultiColumn, Detail::Columns(n))),
    }
}

/// Steps 3 to 5 with a column to pick: the row is one record, and field
/// `index` (from 0) is the value. A blank row is `empty-row`, whatever
/// the column.
pub(crate) fn read_column(
    row: &[u8],
    delimiter: u8,
    index: usize,
) -> Result<Field<'_>, Rejection> {
    let text = utf8(row)?;
    if text.trim_matches(white_but(delimiter)).is_empty() {
        return Err((Reject::EmptyRow, Detail::Empty));
    }
    let mut picked = None;
    let mut count = 0;
    let mut fields = fields(text, delimiter);
    loop {
        let bare = fields.skip_bare();
        if (count..count + bare).contains(&index) {
            picked = Some(RawField::EMPTY);
        }
        count += bare;
        let Some(field) = fields.next() else { break };
        let field = field?;
        if count == index {
            picked = Some(field);
        }
        count += 1;
    }
    let Some(field) = picked else {
        let detail = Detail::MissingColumn {
            fields: count,
            column: index.saturating_add(1),
        };
        return Err((Reject::MissingColumn, detail));
    };
    if field.value.is_empty() {
        return Err((Reject::EmptyRow, Detail::Empty));
    }
    let fixes = field.fixes();
    Ok(Field { value: field.value, fixes })
}

/// The number of fields of a row that is not blank and reads as a
/// record, for choosing a delimiter.
pub(crate) fn count_fields(row: &[u8], delimiter: u8) -> Option<usize> {
    let text = std::str::from_utf8(row).ok()?;
    if text.trim_matches(white_but(delimiter)).is_empty() {
        return None;
    }
    let mut count = 0;
    let mut fields = fields(text, delimiter);
    loop {
        count += fields.skip_bare();
        let Some(field) = fields.next() else { break };
        field.ok()?;
        count += 1;
    }
    Some(count)
}

/// The fields of a header row, unquoted and trimmed; a row that does not
/// read as a record is cut at each delimiter.
pub(crate) fn header_fields(row: &[u8], delimiter: u8) -> Vec<String> {
    let text = String::from_utf8_lossy(row);
    let fields: Result<Vec<String>, _> =
        fields(&text, delimiter).map(|f| f.map(|f| f.value.into())).collect();
    match fields {
        Ok(fields) => fields,
        Err(_) => text
            .split(char::from(delimiter))
            .map(|f| f.trim_matches(white_but(delimiter)).to_string())
            .collect(),
    }
}

impl RawField<'_> {
    /// A field with nothing between its delimiters.
    const EMPTY: RawField<'static> =
        RawField { value: Cow::Borrowed(""), quoted: false, trimmed: false };

    fn fixes(&self) -> FixSet {
        let mut fixes = FixSet::EMPTY;
        if self.quoted {
            fixes.insert(Fix::Quoted);
        }
        if self.trimmed {
            fixes.insert(Fix::Whitespace);
        }
        fixes
    }
}

/// The fields of a record, unquoted and trimmed, one at a time; the
/// first that does not read ends them.
struct Fields<'a, W> {
    /// The text after the last delimiter read; `None` once done.
    rest: Option<&'a str>,
    white: W,
    delimiter: char,
}

/// The fields of `record`, split at `delimiter`.
fn fields(
    record: &str,
    delimiter: u8,
) -> Fields<'_, impl Fn(char) -> bool + Copy> {
    Fields {
        rest: Some(record),
        white: white_but(delimiter),
        delimiter: char::from(delimiter),
    }
}

impl<W> Fields<'_, W> {
    /// Steps over the empty fields ahead that are bare delimiters, all at
    /// once, and says how many: a row of commas is counted at the speed
    /// of a byte loop, not of a field at a time. `next` reads the field
    /// after them.
    fn skip_bare(&mut self) -> usize {
        let Some(rest) = self.rest else { return 0 };
        let delimiter = self.delimiter as u8;
        let bare = rest.bytes().take_while(|&b| b == delimiter).count();
        // The delimiter is ASCII: `bare` is on a character boundary.
        self.rest = Some(&rest[bare..]);
        bare
    }
}

impl<'a, W: Fn(char) -> bool + Copy> Iterator for Fields<'a, W> {
    type Item = Result<RawField<'a>, Rejection>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.rest.take()?;
        let (white, delimiter) = (self.white, self.delimiter);
        let start = rest.trim_start_matches(white);
        if let Some(body) = start.strip_prefix('"') {
            let (value, after) = match unquote(body) {
                Ok(read) => read,
                Err(err) => return Some(Err(err)),
            };
            let after_white = after.trim_start_matches(white);
            let inner = trim_cow(value, white);
            let trimmed = start.len() != rest.len()
                || after_white.len() != after.len()
                || inner.1;
            match after_white.strip_prefix(delimiter) {
                Some(next) => self.rest = Some(next),
                None if after_white.is_empty() => {}
                None => {
                    return Some(Err((
                        Reject::BadQuoting,
                        Detail::TextAfterQuote,
                    )))
                }
            }
            return Some(Ok(RawField {
                value: inner.0,
                quoted: true,
                trimmed,
            }));
        }
        let (raw, next) = match rest.find(delimiter) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        self.rest = next;
        let value = raw.trim_matches(white);
        let trimmed = value.len() != raw.len();
        Some(Ok(RawField {
            value: Cow::Borrowed(value),
            quoted: false,
            trimmed,
        }))
    }
}

/// Trims white space off a quoted field's content; says whether that
/// changed it.
fn trim_cow(
    value: Cow<'_, str>,
    white: impl Fn(char) -> bool + Copy,
) -> (Cow<'_, str>, bool) {
    match value {
        Cow::Borrowed(text) => {
            let trimmed = text.trim_matches(white);
            (Cow::Borrowed(trimmed), trimmed.len() != text.len())
        }
        Cow::Owned(text) => {
            let trimmed = text.trim_matches(white);
            if trimmed.len() == text.len() {
                (Cow::Owned(text), false)
            } else {
                (Cow::Owned(trimmed.to_string()), true)
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
        show(read_row(row, b','))
    }

    fn show(outcome: Result<Field<'_>, Rejection>) -> String {
        match outcome {
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
        quoted_inner_space: b"\" ab\t\"" => r#"ab ["whitespace", "quoted"]"#;
        quoted_inner_space_only: b"\" \"" => "[empty-row]";
        quoted_inner_space_trailing: b"abc,\" \"" => r#"abc ["trailing-comma"]"#;
        quoted_inner_nbsp_after_doubled_quote: b"\"a\"\"\xc2\xa0\"" => r#"a" ["whitespace", "quoted"]"#;
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
    fn other_delimiters_split_rows() {
        assert_eq!(show(read_row(b"a;b", b';')), "[multi-column]");
        assert_eq!(show(read_row(b"abc;", b';')), r#"abc ["trailing-comma"]"#);
        assert_eq!(show(read_row(b"a,b", b';')), r#"a,b []"#);
        // A tab that separates fields is not trimmed as white space.
        assert_eq!(show(read_row(b"\tabc", b'\t')), "[multi-column]");
        assert_eq!(
            show(read_row(b"abc\t \t", b'\t')),
            r#"abc ["trailing-comma"]"#
        );
    }

    #[test]
    fn picks_a_column() {
        let pick = |row: &[u8], d: u8, i: usize| show(read_column(row, d, i));
        assert_eq!(pick(b"1;ab;x", b';', 1), r#"ab []"#);
        assert_eq!(
            pick(b"1; \"ab\" ;x", b';', 1),
            r#"ab ["whitespace", "quoted"]"#
        );
        assert_eq!(pick(b"1;\"a;b\";x", b';', 1), r#"a;b ["quoted"]"#);
        assert_eq!(pick(b"1;ab", b';', 2), "[missing-column]");
        assert_eq!(pick(b"1;;x", b';', 1), "[empty-row]");
        assert_eq!(pick(b"  ", b';', 2), "[empty-row]");
        assert_eq!(pick(b"1;ab;\"x", b';', 1), "[bad-quoting]");
        assert_eq!(pick(b"\xff;ab", b';', 1), "[invalid-utf8]");
        assert_eq!(pick(b"\t\tab", b'\t', 2), r#"ab []"#);
        let err = read_column(b"1;ab", b';', 2).unwrap_err();
        assert_eq!(err.1, Detail::MissingColumn { fields: 2, column: 3 });
        // Runs of bare delimiters are skipped as many fields.
        assert_eq!(pick(b";;;ab;", b';', 3), r#"ab []"#);
        assert_eq!(pick(b";;;ab", b';', 2), "[empty-row]");
        assert_eq!(pick(b"ab;;;", b';', 3), "[empty-row]");
        let err = read_column(b"ab;;", b';', 5).unwrap_err();
        assert_eq!(err.1, Detail::MissingColumn { fields: 3, column: 6 });
    }

    #[test]
    fn runs_of_delimiters_count_as_their_fields() {
        let err = read_row(b",,a,,b,,", b',').unwrap_err();
        assert_eq!(err.1, Detail::Columns(5));
        assert_eq!(read(b"a,,,, ,"), r#"a ["trailing-comma"]"#);
        assert_eq!(read(b",,\"\",,"), "[empty-row]");
        assert_eq!(count_fields(b",,\"a,\",,", b','), Some(5));
        assert_eq!(count_fields(b",,\"a", b','), None);
    }

    #[test]
    fn counts_fields_and_reads_headers() {
        assert_eq!(count_fields(b"a;\"b;c\"", b';'), Some(2));
        assert_eq!(count_fields(b" ", b';'), None);
        assert_eq!(count_fields(b"\"a", b';'), None);
        assert_eq!(header_fields(b"id; \"User ID\"", b';'), ["id", "User ID"]);
        assert_eq!(header_fields(b"id;\"x", b';'), ["id", "\"x"]);
    }

    #[test]
    fn invalid_utf8_offset() {
        let err = read_row(b"ab\xffcd", b',').unwrap_err();
        assert_eq!(err.1, Detail::InvalidUtf8 { at: 2 });
    }
}
