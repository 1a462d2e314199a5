//! The stable names of fixes and rejects.
//!
//! These names are part of segprep's interface: they appear in `check`
//! diagnostics, in the rejects file and in the statistics. `Fix::name` and
//! `Reject::name` are the only places that spell them.

use std::fmt;

use crate::options::IdType;

/// A change the pipeline made to a row that it kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Fix {
    /// The input was transcoded to UTF-8 from another encoding (counted
    /// once, for the file).
    Encoding,
    /// A UTF-8 byte order mark at the start of the input was removed.
    Bom,
    /// A CR before the LF was removed.
    Crlf,
    /// White space around the value was removed.
    Whitespace,
    /// Empty fields at the end of the row were dropped.
    TrailingComma,
    /// The value's quotes were removed.
    Quoted,
    /// A spreadsheet's trailing `.0` was removed from a number.
    ExcelDecimal,
    /// ASCII letters were folded to the id type's case.
    Case,
    /// A phone number was written as digits with an optional leading
    /// `+`, or in E.164 with a default region.
    PhoneFormat,
    /// A number was rewritten in canonical form.
    NumberFormat,
}

impl Fix {
    /// Every fix, in pipeline order.
    pub const ALL: [Fix; 10] = [
        Fix::Encoding,
        Fix::Bom,
        Fix::Crlf,
        Fix::Whitespace,
        Fix::TrailingComma,
        Fix::Quoted,
        Fix::ExcelDecimal,
        Fix::Case,
        Fix::PhoneFormat,
        Fix::NumberFormat,
    ];

    /// The fix's stable name, as used in every output.
    pub fn name(self) -> &'static str {
        match self {
            Fix::Encoding => "encoding",
            Fix::Bom => "bom",
            Fix::Crlf => "crlf",
            Fix::Whitespace => "whitespace",
            Fix::TrailingComma => "trailing-comma",
            Fix::Quoted => "quoted",
            Fix::ExcelDecimal => "excel-decimal",
            Fix::Case => "case",
            Fix::PhoneFormat => "phone-format",
            Fix::NumberFormat => "number-format",
        }
    }

    /// A short description of what the fix did.
    pub fn describe(self) -> &'static str {
        match self {
            Fix::Encoding => "transcoded to UTF-8",
            Fix::Bom => "byte order mark removed",
            Fix::Crlf => "CR before LF removed",
            Fix::Whitespace => "white space around the value removed",
            Fix::TrailingComma => "trailing empty fields removed",
            Fix::Quoted => "quotes removed",
            Fix::ExcelDecimal => "a spreadsheet's trailing .0 removed",
            Fix::Case => "letters folded to the id type's case",
            Fix::PhoneFormat => "phone number written as + and digits",
            Fix::NumberFormat => "number rewritten in canonical form",
        }
    }

    /// The fix's position in [`Fix::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Fix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The reason a row was dropped, other than being a duplicate or the
/// header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Reject {
    /// The row is not valid UTF-8.
    InvalidUtf8,
    /// A quoted field is not closed, or text follows its closing quote.
    BadQuoting,
    /// No non-empty field is left.
    EmptyRow,
    /// More than one field is left.
    MultiColumn,
    /// The row has fewer fields than the column to pick.
    MissingColumn,
    /// A number in scientific notation, as a spreadsheet writes a long
    /// one: its digits are lost.
    ExcelScientific,
    /// The value holds a character the platform does not take.
    SpecialChar,
    /// The value is longer than `--max-value-len` bytes.
    TooLong,
    /// The value does not have the id type's format.
    BadFormat,
    /// An advertising id that is all zeros.
    ZeroAdId,
    /// With attribute type `double`: not a decimal number.
    NotANumber,
    /// With attribute type `double`: an integer a double cannot hold
    /// exactly.
    ImpreciseNumber,
}

impl Reject {
    /// Every reject, in pipeline order.
    pub const ALL: [Reject; 12] = [
        Reject::InvalidUtf8,
        Reject::BadQuoting,
        Reject::EmptyRow,
        Reject::MultiColumn,
        Reject::MissingColumn,
        Reject::ExcelScientific,
        Reject::SpecialChar,
        Reject::TooLong,
        Reject::BadFormat,
        Reject::ZeroAdId,
        Reject::NotANumber,
        Reject::ImpreciseNumber,
    ];

    /// The reject's stable name, as used in every output.
    pub fn name(self) -> &'static str {
        match self {
            Reject::InvalidUtf8 => "invalid-utf8",
            Reject::BadQuoting => "bad-quoting",
            Reject::EmptyRow => "empty-row",
            Reject::MultiColumn => "multi-column",
            Reject::MissingColumn => "missing-column",
            Reject::ExcelScientific => "excel-scientific",
            Reject::SpecialChar => "special-char",
            Reject::TooLong => "too-long",
            Reject::BadFormat => "bad-format",
            Reject::ZeroAdId => "zero-ad-id",
            Reject::NotANumber => "not-a-number",
            Reject::ImpreciseNumber => "imprecise-number",
        }
    }

    /// The reject's position in [`Reject::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Any rule a row can meet: a fix, a reject, or one of the two reasons
/// for dropping a row that are not rejects. [`Rule::name`] (with
/// [`Fix::name`] and [`Reject::name`]) is the one spelling of every rule
/// name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// A fix of a kept row.
    Fix(Fix),
    /// A reject.
    Reject(Reject),
    /// The row repeats an earlier kept value.
    Duplicate,
    /// The row is the header.
    Header,
}

impl Rule {
    /// Every rule, in pipeline order: fixes, rejects, duplicate, header.
    pub fn all() -> impl Iterator<Item = Rule> {
        Fix::ALL
            .into_iter()
            .map(Rule::Fix)
            .chain(Reject::ALL.into_iter().map(Rule::Reject))
            .chain([Rule::Duplicate, Rule::Header])
    }

    /// The rule's stable name, as used in every output.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Fix(fix) => fix.name(),
            Rule::Reject(reject) => reject.name(),
            Rule::Duplicate => "duplicate",
            Rule::Header => "header",
        }
    }

    /// The rule's kind, as `check --format json` names it: `fix`,
    /// `reject`, `duplicate` or `header`.
    pub fn kind_name(self) -> &'static str {
        match self {
            Rule::Fix(_) => "fix",
            Rule::Reject(_) => "reject",
            Rule::Duplicate => "duplicate",
            Rule::Header => "header",
        }
    }

    /// The rule of this name.
    pub fn from_name(name: &str) -> Option<Rule> {
        Rule::all().find(|rule| rule.name() == name)
    }
}

impl From<Fix> for Rule {
    fn from(fix: Fix) -> Rule {
        Rule::Fix(fix)
    }
}

impl From<Reject> for Rule {
    fn from(reject: Reject) -> Rule {
        Rule::Reject(reject)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Padded, for tables of rules.
        f.pad(self.name())
    }
}

/// A set of fixes, one bit per [`Fix`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FixSet(u16);

impl FixSet {
    /// The empty set.
    pub const EMPTY: FixSet = FixSet(0);

    /// Whether no fix is in the set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether `fix` is in the set.
    pub fn contains(self, fix: Fix) -> bool {
        self.0 & (1 << fix.index()) != 0
    }

    /// Adds `fix` to the set.
    pub fn insert(&mut self, fix: Fix) {
        self.0 |= 1 << fix.index();
    }

    /// Removes `fix` from the set.
    pub fn remove(&mut self, fix: Fix) {
        self.0 &= !(1 << fix.index());
    }

    pub(crate) fn bits(self) -> u16 {
        self.0
    }

    pub(crate) fn from_bits(bits: u16) -> FixSet {
        FixSet(bits & ((1 << Fix::ALL.len()) - 1))
    }

    /// The fixes in the set, in pipeline order.
    pub fn iter(self) -> impl Iterator<Item = Fix> {
        self.indices().map(|i| Fix::ALL[i])
    }

    /// The `Fix::index` of each fix in the set, in order: one step per
    /// fix, not one per kind of fix.
    pub(crate) fn indices(self) -> impl Iterator<Item = usize> {
        let mut bits = self.0;
        std::iter::from_fn(move || {
            let index = (bits != 0).then(|| bits.trailing_zeros() as usize);
            bits &= bits.wrapping_sub(1);
            index
        })
    }
}

impl std::ops::BitOr for FixSet {
    type Output = FixSet;

    fn bitor(self, other: FixSet) -> FixSet {
        FixSet(self.0 | other.0)
    }
}

impl FromIterator<Fix> for FixSet {
    fn from_iter<I: IntoIterator<Item = Fix>>(iter: I) -> FixSet {
        let mut set = FixSet::EMPTY;
        for fix in iter {
            set.insert(fix);
        }
        set
    }
}

/// Why a row was rejected, in more words than its rule name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Detail {
    /// Invalid UTF-8 at this byte offset of the row (0-based).
    InvalidUtf8 {
        /// Offset of the first invalid byte.
        at: usize,
    },
    /// A quoted field has no closing quote.
    UnclosedQuote,
    /// Text follows a closing quote.
    TextAfterQuote,
    /// No value in the row.
    Empty,
    /// The number of fields left in the row.
    Columns(usize),
    /// The row has fewer fields than the column to pick.
    MissingColumn {
        /// The row's fields.
        fields: usize,
        /// The column to pick, from 1; `usize::MAX` for a named column
        /// that the header lacks.
        column: usize,
    },
    /// A number in scientific notation.
    ExcelScientific,
    /// The first character that is not allowed.
    Char(char),
    /// The value's length and the limit, in bytes.
    Length {
        /// The value's length.
        len: usize,
        /// `--max-value-len`.
        limit: usize,
    },
    /// The format the id type expects.
    Format(IdType),
    /// Not a valid phone number of its country, by libphonenumber's
    /// metadata.
    InvalidPhone,
    /// An advertising id of all zeros.
    ZeroAdId,
    /// Not a decimal number.
    NotDecimal,
    /// A decimal number too large for a double.
    Overflow,
    /// An integer above 2^53.
    Imprecise,
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Detail::InvalidUtf8 { at } => {
                write!(f, "invalid UTF-8 at byte {}", at + 1)
            }
            Detail::UnclosedQuote => f.write_str("quoted field is not closed"),
            Detail::TextAfterQuote => {
                f.write_str("text after the closing quote")
            }
            Detail::Empty => f.write_str("no value in the row"),
            Detail::Columns(n) => write!(f, "{n} fields where 1 is allowed"),
            // `usize::MAX`: a named column that the header lacks.
            Detail::MissingColumn { fields, column: usize::MAX } => {
                write!(f, "{fields} fields; the header has no such column")
            }
            Detail::MissingColumn { fields, column } => {
                write!(f, "{fields} fields, no column {column}")
            }
            Detail::ExcelScientific => f.write_str(
                "scientific notation from a spreadsheet: the digits are \
                 lost; export the column as text",
            ),
            Detail::Char(c) => write!(f, "value has {c:?}"),
            Detail::Length { len, limit } => {
                write!(f, "{len} bytes, over the limit of {limit}")
            }
            Detail::Format(id_type) => f.write_str(id_type.format_hint()),
            Detail::InvalidPhone => {
                f.write_str("not a valid phone number of its country")
            }
            Detail::ZeroAdId => f.write_str("all-zero advertising id"),
            Detail::NotDecimal => f.write_str("not a decimal number"),
            Detail::Overflow => f.write_str("number overflows a double"),
            Detail::Imprecise => f.write_str(
                "integer above 2^53: a double would hold another number",
            ),
        }
    }
}

/// A rejected value: the rule and the reason.
pub(crate) type Rejection = (Reject, Detail);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_kebab_case() {
        let mut names: Vec<&str> = Fix::ALL.iter().map(|f| f.name()).collect();
        names.extend(Reject::ALL.iter().map(|r| r.name()));
        names.extend(["duplicate", "header"]);
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
        for name in names {
            assert!(name.bytes().all(|b| b.is_ascii_lowercase()
                || b == b'-'
                || b.is_ascii_digit()));
        }
    }

    #[test]
    fn index_matches_position_in_all() {
        for (i, fix) in Fix::ALL.iter().enumerate() {
            assert_eq!(fix.index(), i);
        }
        for (i, reject) in Reject::ALL.iter().enumerate() {
            assert_eq!(reject.index(), i);
        }
    }

    #[test]
    fn fix_set_iterates_in_pipeline_order() {
        let set: FixSet =
            [Fix::Case, Fix::Bom, Fix::Quoted].into_iter().collect();
        let got: Vec<Fix> = set.iter().collect();
        assert_eq!(got, [Fix::Bom, Fix::Quoted, Fix::Case]);
        let mut set = set;
        set.remove(Fix::Bom);
        assert!(!set.contains(Fix::Bom));
        assert!(!set.is_empty());
        let left: Vec<Fix> = set.iter().collect();
        assert_eq!(left, [Fix::Quoted, Fix::Case]);
    }
}
