//! Steps 2 to 10 for one row: a fast path for rows of plain ASCII value
//! characters, and the general path for everything else.

use crate::field::read_row;
use crate::idtype::{Case, Detail, IdType, Normalized, Rejection, ValueRules};
use crate::rule::{Fix, FixSet, Reject};

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

/// The compiled per-row rules.
#[derive(Clone, Debug)]
pub(crate) struct RowRules {
    pub(crate) value: ValueRules,
    /// Bytes that steps 3 to 8 leave alone in any row made only of them:
    /// ASCII, not white space, not `"` or `,`, and allowed by step 8 in
    /// either case.
    plain: [bool; 256],
    /// Whether UUID-shaped rows may take `uuid_row`.
    uuid_fast: bool,
}

/// Byte classes for `uuid_row`.
const HEX_DIGIT: u8 = 1;
const HEX_LOWER: u8 = 2;
const HEX_UPPER: u8 = 4;
const DASH: u8 = 8;
const HEX: u8 = HEX_DIGIT | HEX_LOWER | HEX_UPPER;

const UUID_CLASS: [u8; 256] = {
    let mut class = [0; 256];
    let mut b = 0;
    while b < 256 {
        class[b] = match b as u8 {
            b'0'..=b'9' => HEX_DIGIT,
            b'a'..=b'f' => HEX_LOWER,
            b'A'..=b'F' => HEX_UPPER,
            b'-' => DASH,
            _ => 0,
        };
        b += 1;
    }
    class
};

/// The class each position of an 8-4-4-4-12 UUID must have.
const UUID_SHAPE: [u8; 36] = {
    let mut shape = [HEX; 36];
    shape[8] = DASH;
    shape[13] = DASH;
    shape[18] = DASH;
    shape[23] = DASH;
    shape
};

impl RowRules {
    pub(crate) fn new(value: ValueRules) -> RowRules {
        let mut plain = [false; 256];
        for b in 0u8..0x80 {
            let structural = matches!(b, b' ' | b'\t' | b'"' | b',');
            let denied = value.special.denies_ascii(b)
                || value.special.denies_ascii(b.to_ascii_lowercase())
                || value.special.denies_ascii(b.to_ascii_uppercase());
            plain[usize::from(b)] = !structural && !denied;
        }
        let uuid_fast = matches!(
            value.id_type,
            IdType::Uuid | IdType::Gaid | IdType::Idfa
        ) && !value.double
            && value.max_value_len >= 36
            && (0..=255u8)
                .filter(|&b| UUID_CLASS[usize::from(b)] != 0)
                .all(|b| plain[usize::from(b)]);
        RowRules { value, plain, uuid_fast }
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
        let (mut bad, mut seen, mut nonzero) = (false, 0u8, false);
        for (&b, &want) in raw36.iter().zip(&UUID_SHAPE) {
            let class = UUID_CLASS[usize::from(b)];
            bad |= class & want == 0;
            seen |= class;
            nonzero |= b != b'0' && b != b'-';
        }
        if bad {
            return None;
        }
        let fold = match self.value.case {
            Case::Lower => seen & HEX_UPPER != 0,
            Case::Upper => seen & HEX_LOWER != 0,
            Case::Keep => false,
        };
        let zero_checked = self.value.id_type != IdType::Uuid;
        if zero_checked && !nonzero {
            return Some(Err((Reject::ZeroAdId, Detail::ZeroAdId)));
        }
        if !fold {
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

    /// Runs steps 3 to 10 on a row without its terminator (and, for row
    /// 1, without the BOM). Fixes are added to `fixes`.
    pub(crate) fn process<'a>(
        &self,
        raw: &'a [u8],
        scratch: &mut Scratch,
        fixes: &mut FixSet,
    ) -> Result<Value<'a>, Rejection> {
        if self.uuid_fast {
            if let Some(outcome) = self.uuid_row(raw, scratch, fixes) {
                return outcome;
            }
        }
        if !raw.is_empty() && raw.iter().all(|&b| self.plain[usize::from(b)]) {
            // One unquoted field with nothing to trim: steps 3 to 5 and 8
            // cannot change or reject it.
            return Ok(
                match self.value.apply(raw, true, &mut scratch.value, fixes)? {
                    Normalized::Same => Value::Borrowed(raw),
                    Normalized::Changed => Value::Scratch,
                },
            );
        }
        let field = read_row(raw)?;
        *fixes = field.fixes.iter().chain(fixes.iter()).collect();
        let bytes = field.value.as_bytes();
        match self.value.apply(bytes, false, &mut scratch.value, fixes)? {
            Normalized::Changed => Ok(Value::Scratch),
            Normalized::Same => match field.value {
                std::borrow::Cow::Borrowed(value) => {
                    Ok(Value::Borrowed(value.as_bytes()))
                }
                std::borrow::Cow::Owned(value) => {
                    scratch.value = value.into_bytes();
                    Ok(Value::Scratch)
                }
            },
        }
    }
}
