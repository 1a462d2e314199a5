//! Rows and chunks of the input: rows end at an LF, and a CR just before
//! the LF belongs to the terminator; chunks end just after an LF.

use std::ops::Range;

/// Iterates over the rows of a slice: each row without its LF, and without
/// a CR directly before the LF (reported as `true`).
pub(crate) struct Rows<'a> {
    rest: &'a [u8],
}

impl<'a> Rows<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Rows<'a> {
        Rows { rest: bytes }
    }
}

impl<'a> Rows<'a> {
    /// The next row if it is 36 bytes long and ends with an LF, not
    /// checked for LFs inside: what a UUID row looks like.
    #[inline]
    pub(crate) fn peek_uuid(&self) -> Option<&'a [u8; 36]> {
        let (row, _) = self.rest.split_first_chunk::<37>()?;
        let (value, lf) = row.split_first_chunk::<36>()?;
        (lf == b"\n").then_some(value)
    }

    /// Steps past the row `peek_uuid` returned.
    #[inline]
    pub(crate) fn skip_uuid(&mut self) {
        self.rest = &self.rest[37..];
    }
}

impl<'a> Iterator for Rows<'a> {
    type Item = (&'a [u8], bool);

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let Some(i) = memchr::memchr(b'\n', self.rest) else {
            // A last row without a terminator keeps any CR.
            return Some((std::mem::take(&mut self.rest), false));
        };
        let row = &self.rest[..i];
        self.rest = &self.rest[i + 1..];
        match row.strip_suffix(b"\r") {
            Some(row) => Some((row, true)),
            None => Some((row, false)),
        }
    }
}

/// Cuts `input[start..]` into ranges of about `size` bytes that end just
/// after an LF (or at the end).
pub(crate) fn bounds(
    input: &[u8],
    start: usize,
    size: usize,
) -> Vec<Range<usize>> {
    let len = input.len();
    let mut bounds = Vec::new();
    let mut at = start;
    while at < len {
        let mut end = (at + size.max(1)).min(len);
        if end < len {
            end = memchr::memchr(b'\n', &input[end - 1..])
                .map_or(len, |i| end + i);
        }
        bounds.push(at..end);
        at = end;
    }
    if bounds.is_empty() {
        bounds.push(start..start);
    }
    bounds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_split_at_lf_and_strip_cr_before_it() {
        let rows: Vec<_> = Rows::new(b"a\r\nb\n\nc\r").collect();
        assert_eq!(
            rows,
            [(&b"a"[..], true), (b"b", false), (b"", false), (b"c\r", false)]
        );
        assert_eq!(Rows::new(b"").count(), 0);
        assert_eq!(Rows::new(b"\n").count(), 1);
    }

    #[test]
    fn bounds_end_after_lf() {
        let input = b"aaa\nbb\nc\nddddd";
        let b = bounds(input, 0, 2);
        assert_eq!(b, [0..4, 4..7, 7..9, 9..14]);
        for r in &b[..b.len() - 1] {
            assert_eq!(input[r.end - 1], b'\n');
        }
        assert_eq!(bounds(b"", 0, 8), vec![(0..0)]);
        assert_eq!(bounds(b"\xEF\xBB\xBF", 3, 8), vec![(3..3)]);
    }
}
