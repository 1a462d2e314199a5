//! Picking one column of a delimited export: the delimiter, the column,
//! and how `Delimiter::Auto` chooses.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;
use crate::pipeline::field;
use crate::pipeline::rows::Rows;

/// What separates the fields of a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Delimiter {
    /// This ASCII character; a comma by default.
    Char(u8),
    /// The one of [`Delimiter::AUTO_CANDIDATES`] that splits the first
    /// [`Delimiter::AUTO_ROWS`] rows into the most consistent field count
    /// above 1; a comma when none does.
    Auto,
}

impl Default for Delimiter {
    fn default() -> Delimiter {
        Delimiter::Char(b',')
    }
}

impl Delimiter {
    /// The rows that [`Delimiter::Auto`] reads.
    pub const AUTO_ROWS: usize = 100;

    /// The candidates of [`Delimiter::Auto`], in the order that breaks
    /// ties.
    pub const AUTO_CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

    /// The delimiter's byte; `None` for `Auto`.
    pub fn byte(self) -> Option<u8> {
        match self {
            Delimiter::Char(b) => Some(b),
            Delimiter::Auto => None,
        }
    }

    /// Checks that the character can separate fields: ASCII, and not a
    /// quote or a line end.
    pub(crate) fn check(self) -> Result<(), Error> {
        match self.byte() {
            Some(b'"') => Err(Error::config(
                "the delimiter cannot be '\"': it quotes fields",
            )),
            Some(b'\n' | b'\r') => {
                Err(Error::config("the delimiter cannot be a line end"))
            }
            Some(b) if !b.is_ascii() => {
                Err(Error::config("the delimiter must be one ASCII character"))
            }
            _ => Ok(()),
        }
    }

    /// The delimiter to use for `content` (the input after its BOM).
    pub(crate) fn resolve(self, content: &[u8]) -> u8 {
        match self.byte() {
            Some(b) => b,
            None => detect(content),
        }
    }
}

impl FromStr for Delimiter {
    type Err = String;

    /// `auto`, a name (`comma`, `tab`, `semicolon`, `pipe`, `space`) or
    /// one ASCII character.
    fn from_str(s: &str) -> Result<Delimiter, String> {
        let byte = match s {
            "auto" => return Ok(Delimiter::Auto),
            "comma" => b',',
            "tab" | "\\t" => b'\t',
            "semicolon" => b';',
            "pipe" => b'|',
            "space" => b' ',
            _ if s.len() == 1 && s.is_ascii() => s.as_bytes()[0],
            _ => {
                return Err(format!(
                    "unknown delimiter '{s}' (expected auto, comma, tab, \
                     semicolon, pipe, space or one ASCII character)"
                ))
            }
        };
        let delimiter = Delimiter::Char(byte);
        delimiter.check().map_err(|e| e.to_string())?;
        Ok(delimiter)
    }
}

impl fmt::Display for Delimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.byte() {
            None => f.write_str("auto"),
            Some(b'\t') => f.write_str("tab"),
            Some(b' ') => f.write_str("space"),
            Some(b) => write!(f, "{}", char::from(b)),
        }
    }
}

/// The column whose field is the value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    /// The field at this position, from 1.
    Number(usize),
    /// The field under this name in row 1 (ASCII case ignored), which is
    /// then the header.
    Name(String),
}

impl FromStr for Column {
    type Err = String;

    /// Digits are a position from 1; anything else is a name.
    fn from_str(s: &str) -> Result<Column, String> {
        if s.is_empty() {
            return Err("the column is empty".to_string());
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Column::Name(s.to_string()));
        }
        match s.parse::<usize>() {
            Ok(0) => Err("columns are numbered from 1".to_string()),
            Ok(n) => Ok(Column::Number(n)),
            Err(_) => Err(format!("column {s} is too large")),
        }
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Column::Number(n) => write!(f, "{n}"),
            Column::Name(name) => f.write_str(name),
        }
    }
}

/// The candidate that splits the first rows into the most rows of one
/// field count above 1; on a tie, the one of more fields (a decimal
/// comma splits a `;` export in two), then the earlier candidate; a
/// comma when no candidate splits a row.
fn detect(content: &[u8]) -> u8 {
    let rows: Vec<&[u8]> = Rows::new(content)
        .take(Delimiter::AUTO_ROWS)
        .map(|(row, _)| row)
        .collect();
    let mut best = ((0, 0), b',');
    for delimiter in Delimiter::AUTO_CANDIDATES {
        let counts: Vec<usize> = rows
            .iter()
            .filter_map(|row| field::count_fields(row, delimiter))
            .filter(|&n| n > 1)
            .collect();
        // (rows of the field count, the field count)
        let score = counts
            .iter()
            .map(|&n| (counts.iter().filter(|&&m| m == n).count(), n))
            .max()
            .unwrap_or((0, 0));
        if score > best.0 {
            best = (score, delimiter);
        }
    }
    best.1
}

/// The position (from 0) of the header field `name`, ASCII case
/// ignored, in row 1 of `content`.
///
/// # Errors
///
/// A config error listing the header's fields when none is `name`.
pub(crate) fn find_name(
    input: &str,
    content: &[u8],
    delimiter: u8,
    name: &str,
) -> Result<usize, Error> {
    let row1 = Rows::new(content).next().map_or(&[][..], |(row, _)| row);
    let fields = field::header_fields(row1, delimiter);
    if let Some(at) = fields.iter().position(|f| f.eq_ignore_ascii_case(name))
    {
        return Ok(at);
    }
    Err(Error::config(format!(
        "{input}: column '{name}' is not in the header (fields: {})",
        fields.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_shows_delimiters() {
        for (text, byte, shown) in [
            (",", b',', ","),
            ("tab", b'\t', "tab"),
            ("\t", b'\t', "tab"),
            ("semicolon", b';', ";"),
            (";", b';', ";"),
            ("|", b'|', "|"),
            ("pipe", b'|', "|"),
        ] {
            let d: Delimiter = text.parse().unwrap();
            assert_eq!(d.byte(), Some(byte), "{text:?}");
            assert_eq!(d.to_string(), shown);
        }
        assert_eq!("auto".parse::<Delimiter>(), Ok(Delimiter::Auto));
        for bad in ["\"", "ab", "é", "\n", ""] {
            assert!(bad.parse::<Delimiter>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn parses_columns() {
        assert_eq!("3".parse::<Column>(), Ok(Column::Number(3)));
        assert_eq!(
            "user_id".parse::<Column>(),
            Ok(Column::Name("user_id".into()))
        );
        assert!("0".parse::<Column>().is_err());
        assert!("".parse::<Column>().is_err());
    }

    #[test]
    fn detects_the_most_consistent_delimiter() {
        assert_eq!(detect(b"a;b;c\nd;e;f\n"), b';');
        assert_eq!(detect(b"a\tb\nc\td\n"), b'\t');
        assert_eq!(detect(b"a|b\nc|d\n"), b'|');
        assert_eq!(detect(b"abc\ndef\n"), b',');
        assert_eq!(detect(b""), b',');
        // Commas inside quotes do not split.
        assert_eq!(detect(b"\"a,b\";c\n\"d,e\";f\n"), b';');
        // Two rows of 3 fields beat one row of 2.
        assert_eq!(detect(b"a,b\nc;d;e\nf;g;h\n"), b';');
        // A tie goes to more fields, then the earlier candidate.
        assert_eq!(detect(b"a;b\nc,d\n"), b',');
        assert_eq!(detect(b"a;b;1,5\nc;d;2,5\n"), b';');
    }

    #[test]
    fn finds_a_header_name() {
        let find =
            |content: &[u8], d, name| find_name("x.csv", content, d, name);
        assert_eq!(find(b"id;User_ID\n1;2", b';', "user_id").unwrap(), 1);
        let err = find(b"id,name\n1,2", b',', "email").unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.csv: column 'email' is not in the header (fields: id, name)"
        );
    }
}
