//! Steps 2 to 10 for one row: a fast path for rows of plain ASCII value
//! characters, and the general path for everything else.

use std::borrow::Cow;

use crate::options::{Case, IdType};
use crate::pipeline::field::{read_column, read_row, Field};
use crate::pipeline::value::{Letters, Normalized, ValueRules};
use crate::rule::{Detail, Fix, FixSet, Reject, Rejection};

/// Per-worker buffers, so a changed value costs no allocation.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    pub(crate) value: Vec<u8>,
}

/// Where a kept row's value is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Value<'a> {
    /// A slice of the row, unchanged.
    Borrowed(&'a [u8]),
    /// Changed; in `Scratch::value`.
    Scratch,
}

/// How a row is cut into fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Split {
    pub(crate) delimiter: u8,
    /// The field that is the value, from 0; `None`: the row must hold
    /// one field.
    pub(crate) column: Option<usize>,
}

/// The compiled per-row rules.
#[derive(Clone, Debug)]
pub(crate) struct RowRules {
    pub(crate) value: ValueRules,
    pub(crate) split: Split,
    /// Per byte: `NOT_PLAIN` unless steps 3 to 8 leave it alone in any
    /// row (or picked field) made only of such bytes (ASCII, not white
    /// space, not `"` or the delimiter, and allowed by step 8 in either
    /// case); `UPPER` and `LOWER` for ASCII letters.
    class: [u8; 256],
    /// Whether UUID-shaped rows may take `uuid_row`, and runs of them
    /// `Chunk::keep_uuid_run`: not when a column is picked.
    pub(crate) uuid_fast: bool,
    /// Whether UUID-shaped values, rows or picked fields, may take
    /// `uuid_row`.
    uuid_values: bool,
    /// What `uuid_as_is` accepts.
    as_is: AsIs,
}

/// The UUIDs that steps 3 to 10 keep as they are: the letters of the
/// case that `--case` leaves alone, and the zero id unless it is
/// rejected.
#[derive(Clone, Copy, Debug)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
struct AsIs {
    /// The first accepted letter, `a` or `A`.
    letter: u8,
    /// OR-ed into a byte before the letter test: 0x20 takes both cases.
    fold: u8,
    zero_rejected: bool,
}

/// The all-zero UUID.
const ZERO_UUID: &[u8; 36] = b"00000000-0000-0000-0000-000000000000";

/// What `uuid_shape` learned of a UUID.
pub(crate) struct UuidShape {
    upper: bool,
    lower: bool,
    nonzero: bool,
}

/// `RowRules::class` bits.
const NOT_PLAIN: u8 = 1;
const UPPER: u8 = 2;
const LOWER: u8 = 4;

/// The high bit of every byte of a word.
const HIGH: u64 = 0x8080_8080_8080_8080;

const fn repeat(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// High bit set in each byte of `w` that lies in `lo..=hi`; the bytes of
/// `w` must be ASCII, so no sum carries into the next byte.
fn in_range(w: u64, lo: u8, hi: u8) -> u64 {
    let at_least_lo = w.wrapping_add(repeat(0x80 - lo));
    let above_hi = w.wrapping_add(repeat(0x7f - hi));
    at_least_lo & !above_hi & HIGH
}

/// High bit set in each byte of `w` equal to `b`, exactly.
fn equal(w: u64, b: u8) -> u64 {
    let y = w ^ repeat(b);
    !(((y & !HIGH).wrapping_add(!HIGH)) | y) & HIGH
}

/// Word offsets covering 36 bytes (the last two overlap).
const UUID_WORDS: [usize; 5] = [0, 8, 16, 24, 28];

/// `N` bytes of a UUID from `start`: `mark` where a dash belongs, else 0.
const fn dash_bytes<const N: usize>(start: usize, mark: u8) -> [u8; N] {
    let mut bytes = [0; N];
    let mut i = 0;
    while i < N {
        if DASH_BITS >> (start + i) & 1 == 1 {
            bytes[i] = mark;
        }
        i += 1;
    }
    bytes
}

/// For each word of `UUID_WORDS`, the high bits of the dash positions.
const UUID_DASHES: [u64; 5] = {
    let mut masks = [0; 5];
    let mut w = 0;
    while w < 5 {
        masks[w] = u64::from_le_bytes(dash_bytes(UUID_WORDS[w], 0x80));
        w += 1;
    }
    masks
};

/// Checks the 8-4-4-4-12 shape; `None` when `raw` is not a UUID.
#[inline]
pub(crate) fn uuid_shape(raw: &[u8; 36]) -> Option<UuidShape> {
    #[cfg(target_arch = "x86_64")]
    return uuid_shape_sse2(raw);
    #[cfg(not(target_arch = "x86_64"))]
    return uuid_shape_words(raw);
}

/// The positions of a UUID's dashes, as bits.
const DASH_BITS: u64 = 1 << 8 | 1 << 13 | 1 << 18 | 1 << 23;

/// A bit for each of a UUID's 36 bytes.
const UUID_BITS: u64 = (1 << 36) - 1;

/// `uuid_shape` sixteen bytes at a time.
#[cfg(target_arch = "x86_64")]
#[inline]
fn uuid_shape_sse2(raw: &[u8; 36]) -> Option<UuidShape> {
    use std::arch::x86_64::*;

    // Bytes of `v` in `lo..=hi`; signed compares, so bytes from 0x80 up
    // are never in range.
    fn in_range(v: __m128i, lo: u8, hi: u8) -> __m128i {
        // SAFETY: SSE2 is part of every x86_64 processor.
        unsafe {
            _mm_and_si128(
                _mm_cmpgt_epi8(v, _mm_set1_epi8((lo - 1) as i8)),
                _mm_cmpgt_epi8(_mm_set1_epi8((hi + 1) as i8), v),
            )
        }
    }
    // The bits of `f` applied to the three loads, for bytes 0 to 35.
    let bits = |f: &dyn Fn(__m128i) -> __m128i| -> u64 {
        // SAFETY: SSE2 is part of every x86_64 processor; the loads are
        // unaligned and read bytes 0..16, 16..32 and 20..36 of `raw`.
        unsafe {
            let at = |i: usize| _mm_loadu_si128(raw.as_ptr().add(i).cast());
            let mask = |v| _mm_movemask_epi8(f(v)) as u32 as u64;
            mask(at(0)) | mask(at(16)) << 16 | mask(at(20)) << 20
        }
    };
    // SAFETY (each closure): SSE2 is part of every x86_64 processor.
    let dash =
        bits(&|v| unsafe { _mm_cmpeq_epi8(v, _mm_set1_epi8(b'-' as i8)) });
    let digit = bits(&|v| in_range(v, b'0', b'9'));
    let upper = bits(&|v| in_range(v, b'A', b'F'));
    let lower = bits(&|v| in_range(v, b'a', b'f'));
    let zero =
        bits(&|v| unsafe { _mm_cmpeq_epi8(v, _mm_set1_epi8(b'0' as i8)) });
    let shaped =
        dash == DASH_BITS && (dash | digit | upper | lower) == UUID_BITS;
    shaped.then_some(UuidShape {
        upper: upper != 0,
        lower: lower != 0,
        nonzero: (zero | dash) != UUID_BITS,
    })
}

#[cfg(target_arch = "x86_64")]
impl AsIs {
    /// Whether `raw` is a UUID with only accepted letters, sixteen bytes
    /// at a time: fewer tests than `uuid_shape`, which also tells the
    /// case apart.
    #[inline]
    fn shaped_sse2(&self, raw: &[u8; 36]) -> bool {
        use std::arch::x86_64::*;

        /// 0xFF at the dashes of the loads at 0, 16 and 20.
        const DASHES: [[u8; 16]; 3] =
            [dash_bytes(0, 0xFF), dash_bytes(16, 0xFF), dash_bytes(20, 0xFF)];
        // SAFETY: SSE2 is part of every x86_64 processor; the loads are
        // unaligned and read bytes 0..16, 16..32 and 20..36 of `raw`.
        unsafe {
            let at = |i: usize| _mm_loadu_si128(raw.as_ptr().add(i).cast());
            let dashes = |m: usize| _mm_loadu_si128(DASHES[m].as_ptr().cast());
            // `lo..lo + len` moved to the bottom of the signed range, so
            // one signed compare tests it.
            let in_range = |v, lo: u8, len: i8| {
                let moved = _mm_add_epi8(
                    v,
                    _mm_set1_epi8(0x80u8.wrapping_sub(lo) as i8),
                );
                _mm_cmplt_epi8(moved, _mm_set1_epi8(i8::MIN + len))
            };
            let fold = _mm_set1_epi8(self.fold as i8);
            let ok = |v, dashes| {
                let digit = in_range(v, b'0', 10);
                let letter = in_range(_mm_or_si128(v, fold), self.letter, 6);
                let hex = _mm_or_si128(digit, letter);
                let dash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'-' as i8));
                _mm_or_si128(
                    _mm_andnot_si128(dashes, hex),
                    _mm_and_si128(dashes, dash),
                )
            };
            let all = _mm_and_si128(
                ok(at(0), dashes(0)),
                _mm_and_si128(ok(at(16), dashes(1)), ok(at(20), dashes(2))),
            );
            _mm_movemask_epi8(all) == 0xFFFF
        }
    }
}

/// `uuid_shape` eight bytes at a time, in plain integer arithmetic.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn uuid_shape_words(raw: &[u8; 36]) -> Option<UuidShape> {
    let (mut bad, mut upper, mut lower, mut nonzero) = (0, 0, 0, 0);
    for (&at, &dashes) in UUID_WORDS.iter().zip(&UUID_DASHES) {
        let word: [u8; 8] = raw[at..at + 8].try_into().expect("8 bytes");
        let w = u64::from_le_bytes(word);
        // Non-ASCII bytes would break the arithmetic: flag and clear them.
        bad |= w & HIGH;
        let w = w & !HIGH;
        let up = in_range(w, b'A', b'F');
        let low = in_range(w, b'a', b'f');
        let hex = in_range(w, b'0', b'9') | up | low;
        let dash = equal(w, b'-');
        bad |= (dash ^ dashes) | ((hex | dashes) ^ HIGH);
        upper |= up;
        lower |= low;
        nonzero |= HIGH & !(equal(w, b'0') | dash);
    }
    (bad == 0).then_some(UuidShape {
        upper: upper != 0,
        lower: lower != 0,
        nonzero: nonzero != 0,
    })
}

impl RowRules {
    pub(crate) fn new(value: ValueRules, split: Split) -> RowRules {
        let mut class = [NOT_PLAIN; 256];
        for b in 0u8..0x80 {
            let structural =
                matches!(b, b' ' | b'\t' | b'"') || b == split.delimiter;
            let denied = value.special.denies_ascii(b)
                || value.special.denies_ascii(b.to_ascii_lowercase())
                || value.special.denies_ascii(b.to_ascii_uppercase());
            class[usize::from(b)] = match b {
                _ if structural || denied => NOT_PLAIN,
                b'A'..=b'Z' => UPPER,
                b'a'..=b'z' => LOWER,
                _ => 0,
            };
        }
        let uuid_values = matches!(
            value.id_type,
            IdType::Uuid | IdType::Gaid | IdType::Idfa
        ) && !value.double
            && value.max_value_len >= 36
            && b"0123456789abcdefABCDEF-"
                .iter()
                .all(|&b| class[usize::from(b)] & NOT_PLAIN == 0);
        let (letter, fold) = match value.case {
            Case::Lower => (b'a', 0),
            Case::Upper => (b'A', 0),
            Case::Keep => (b'a', 0x20),
        };
        let zero_rejected = value.id_type != IdType::Uuid;
        let as_is = AsIs { letter, fold, zero_rejected };
        let uuid_fast = uuid_values && split.column.is_none();
        RowRules { value, split, class, uuid_fast, uuid_values, as_is }
    }

    /// Whether steps 3 to 10 keep a 36-byte row exactly as it is: a UUID
    /// in the right case, and not a zero id that is rejected. Only for
    /// rules with `uuid_fast`.
    #[inline]
    pub(crate) fn uuid_as_is(&self, raw: &[u8; 36]) -> bool {
        #[cfg(target_arch = "x86_64")]
        return self.as_is.shaped_sse2(raw)
            && !(self.as_is.zero_rejected && raw == ZERO_UUID);
        #[cfg(not(target_arch = "x86_64"))]
        return self.uuid_as_is_by_shape(raw);
    }

    /// `uuid_as_is` from the whole shape: its definition.
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    fn uuid_as_is_by_shape(&self, raw: &[u8; 36]) -> bool {
        uuid_shape(raw).is_some_and(|shape| {
            !self.folds(&shape) && !self.rejects_as_zero(&shape)
        })
    }

    /// Whether `--case` changes a UUID of this shape.
    fn folds(&self, shape: &UuidShape) -> bool {
        match self.value.case {
            Case::Lower => shape.upper,
            Case::Upper => shape.lower,
            Case::Keep => false,
        }
    }

    /// Whether the id type rejects a UUID of this shape as the zero id.
    fn rejects_as_zero(&self, shape: &UuidShape) -> bool {
        !shape.nonzero && self.value.id_type != IdType::Uuid
    }

    /// Steps 3 to 10 for a row that is exactly a UUID, in one pass over
    /// its bytes. `None` leaves the row to the general path.
    fn uuid_row<'a>(
        &self,
        raw: &'a [u8],
        scratch: &mut Scratch,
        fixes: &mut FixSet,
    ) -> Option<Result<Value<'a>, Rejection>> {
        let raw36: &[u8; 36] = raw.try_into().ok()?;
        let shape = uuid_shape(raw36)?;
        if self.rejects_as_zero(&shape) {
            return Some(Err((Reject::ZeroAdId, Detail::ZeroAdId)));
        }
        if !self.folds(&shape) {
            return Some(Ok(Value::Borrowed(raw)));
        }
        scratch.value.clear();
        scratch.value.extend_from_slice(raw);
        match self.value.case {
            Case::Upper => scratch.value.make_ascii_uppercase(),
            _ => scratch.value.make_ascii_lowercase(),
        }
        fixes.insert(Fix::Case);
        Some(Ok(Value::Scratch))
    }

    /// The letter cases of a non-empty row made only of plain bytes, in
    /// one pass with no branch per byte; `None` for any other row.
    #[inline]
    fn plain_letters(&self, raw: &[u8]) -> Option<Letters> {
        if raw.is_empty() {
            return None;
        }
        let mut seen = 0;
        // Blocks, so that a huge row that is not plain stops early.
        for block in raw.chunks(32) {
            seen |= block
                .iter()
                .fold(0, |seen, &b| seen | self.class[usize::from(b)]);
            if seen & NOT_PLAIN != 0 {
                return None;
            }
        }
        Some(Letters { upper: seen & UPPER != 0, lower: seen & LOWER != 0 })
    }

    /// Steps 3 to 5: the row's one field, or the picked one.
    #[inline(never)]
    pub(crate) fn field<'a>(
        &self,
        raw: &'a [u8],
    ) -> Result<Field<'a>, Rejection> {
        match self.split.column {
            Some(index) => read_column(raw, self.split.delimiter, index),
            None => read_row(raw, self.split.delimiter),
        }
    }

    /// The picked field of a row that is UTF-8 with no quote, found with
    /// no parsing (the other fields may hold any text: names with
    /// accents); `None` leaves the row to the general path.
    #[inline]
    fn plain_field<'a>(
        &self,
        raw: &'a [u8],
        index: usize,
    ) -> Option<&'a [u8]> {
        let quoted = memchr::memchr(b'"', raw).is_some();
        // ASCII first: cheaper than the UTF-8 check on short rows.
        if quoted || !(raw.is_ascii() || std::str::from_utf8(raw).is_ok()) {
            return None;
        }
        let delimiter = self.split.delimiter;
        let mut start = 0;
        for _ in 0..index {
            start += memchr::memchr(delimiter, &raw[start..])? + 1;
        }
        let end = memchr::memchr(delimiter, &raw[start..])
            .map_or(raw.len(), |i| start + i);
        Some(&raw[start..end])
    }

    /// Steps 7 to 10 on a value that steps 3 to 5 would keep as it is:
    /// `value` is made of plain bytes with these letters.
    #[inline(always)]
    fn plain_value<'a>(
        &self,
        value: &'a [u8],
        letters: Letters,
        scratch: &mut Scratch,
        fixes: &mut FixSet,
    ) -> Result<Value<'a>, Rejection> {
        if self.value.keeps_plain(value, letters) {
            return Ok(Value::Borrowed(value));
        }
        Ok(
            match self.value.apply(
                value,
                Some(letters),
                &mut scratch.value,
                fixes,
            )? {
                Normalized::Same => Value::Borrowed(value),
                Normalized::Prefix(len) => Value::Borrowed(&value[..len]),
                Normalized::Changed => Value::Scratch,
            },
        )
    }

    /// Runs steps 3 to 10 on a row without its terminator (and, for row
    /// 1, without the BOM). Fixes are added to `fixes`.
    ///
    /// Inlined, so that a plain row costs its caller no call; the rest
    /// is in `process_other`.
    #[inline]
    pub(crate) fn process<'a>(
        &self,
        raw: &'a [u8],
        scratch: &mut Scratch,
        fixes: &mut FixSet,
    ) -> Result<Value<'a>, Rejection> {
        if !self.uuid_fast && self.split.column.is_none() {
            if let Some(letters) = self.plain_letters(raw) {
                // One unquoted field with nothing to trim: steps 3 to 5
                // and 8 cannot change or reject it.
                return self.plain_value(raw, letters, scratch, fixes);
            }
        }
        self.process_other(raw, scratch, fixes)
    }

    /// `process` for the rows that are not plain, or with a column.
    #[inline(never)]
    fn process_other<'a>(
        &self,
        raw: &'a [u8],
        scratch: &mut Scratch,
        fixes: &mut FixSet,
    ) -> Result<Value<'a>, Rejection> {
        let plain = match self.split.column {
            None => Some(raw),
            Some(index) => self.plain_field(raw, index),
        };
        if let Some(field) = plain {
            if self.uuid_values {
                if let Some(outcome) = self.uuid_row(field, scratch, fixes) {
                    return outcome;
                }
            }
            if let Some(letters) = self.plain_letters(field) {
                return self.plain_value(field, letters, scratch, fixes);
            }
        }
        let field = self.field(raw)?;
        *fixes = field.fixes | *fixes;
        let bytes = field.value.as_bytes();
        let len =
            match self.value.apply(bytes, None, &mut scratch.value, fixes)? {
                Normalized::Changed => return Ok(Value::Scratch),
                Normalized::Same => bytes.len(),
                Normalized::Prefix(len) => len,
            };
        match field.value {
            Cow::Borrowed(value) => {
                Ok(Value::Borrowed(&value.as_bytes()[..len]))
            }
            Cow::Owned(mut value) => {
                value.truncate(len);
                scratch.value = value.into_bytes();
                Ok(Value::Scratch)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain definition `uuid_shape` must agree with.
    fn naive(raw: &[u8; 36]) -> Option<(bool, bool, bool)> {
        let ok = raw.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        });
        ok.then(|| {
            (
                raw.iter().any(|b| (b'A'..=b'F').contains(b)),
                raw.iter().any(|b| (b'a'..=b'f').contains(b)),
                raw.iter().any(|&b| b != b'0' && b != b'-'),
            )
        })
    }

    #[test]
    fn uuid_shape_agrees_with_the_definition_on_every_byte() {
        let base = *b"38400000-8cf0-11bd-b23e-10b96e40000d";
        let zero = *b"00000000-0000-0000-0000-000000000000";
        for start in [base, zero] {
            for at in 0..36 {
                for b in 0..=255u8 {
                    let mut raw = start;
                    raw[at] = b;
                    let shape = |s: UuidShape| (s.upper, s.lower, s.nonzero);
                    let want = naive(&raw);
                    let words = uuid_shape_words(&raw).map(shape);
                    assert_eq!(words, want, "byte {b:#x} at {at}");
                    #[cfg(target_arch = "x86_64")]
                    {
                        let sse2 = uuid_shape_sse2(&raw).map(shape);
                        assert_eq!(sse2, want, "byte {b:#x} at {at}");
                    }
                }
            }
        }
    }

    // Elsewhere `uuid_as_is` is the shape test itself.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn uuid_as_is_agrees_with_the_shape_on_every_byte() {
        use crate::pipeline::special::SpecialChars;
        let starts = [
            *b"38400000-8cf0-11bd-b23e-10b96e40000d",
            *b"38400000-8CF0-11BD-B23E-10B96E40000D",
            *b"38400000-8cf0-11BD-b23e-10b96e40000d",
            *ZERO_UUID,
        ];
        for id_type in [IdType::Uuid, IdType::Gaid, IdType::Idfa] {
            for case in [Case::Lower, Case::Upper, Case::Keep] {
                let value = ValueRules {
                    id_type,
                    double: false,
                    case,
                    special: SpecialChars::new("", "", false),
                    max_value_len: 256,
                    phone_region: None,
                };
                let split = Split { delimiter: b',', column: None };
                let rules = RowRules::new(value, split);
                for start in starts {
                    for at in 0..36 {
                        for b in 0..=255u8 {
                            let mut raw = start;
                            raw[at] = b;
                            assert_eq!(
                                rules.uuid_as_is(&raw),
                                rules.uuid_as_is_by_shape(&raw),
                                "{id_type:?} {case:?} {b:#x} at {at} in {}",
                                String::from_utf8_lossy(&start)
                            );
                        }
                    }
                }
            }
        }
    }
}
